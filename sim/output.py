"""The run directory: tables, graph, summary and provenance, each written atomically.

Every file is written under a temporary name in the same directory and renamed into place, so a
killed run never leaves a truncated file; ``summary.json`` is written last, so a directory holding
it is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from sim.errors import OutputError  # noqa: F401 (re-exported)

TABLES = ("nations", "world", "alliance_events")
SUMMARY = "summary.json"
PACKAGES = (
    "alliance-sim",
    "mesa",
    "numpy",
    "networkx",
    "pandas",
    "pyarrow",
    "hydra-core",
    "omegaconf",
    "matplotlib",
)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it into place.

    A reader (or a run killed with SIGKILL) sees either no file or the complete one under the
    real name. Raises :class:`OutputError` naming ``path`` when the directory cannot take the
    file (read-only, full, not a directory); the temporary file is removed.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str | None) -> None:
    if tmp is not None:
        try:
            Path(tmp).unlink(missing_ok=True)
        except OSError:
            pass


def write_table(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_graph(graph: nx.Graph, path: Path) -> None:
    atomic_write(path, lambda tmp: nx.write_graphml(graph, tmp))


def write_json(data: dict[str, Any], path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=False, default=_jsonable) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text))


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def table_hash(frame: pd.DataFrame) -> str:
    """A content hash of a table: its columns, dtypes and values (not the parquet bytes)."""
    h = hashlib.sha256()
    h.update(repr(list(zip(frame.columns, map(str, frame.dtypes), strict=True))).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Python and the versions of this package and of its main dependencies."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision(start: Path | None = None) -> str | None:
    """The git commit of the checkout holding this package (``+dirty`` if modified), if any."""
    where = start or Path(__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("+dirty" if dirty.strip() else "")


def check_writable(run_dir: Path) -> None:
    """Fail early, with the path named, when the run directory cannot take our files."""
    for parent in (run_dir, *run_dir.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{run_dir}: cannot write the run directory ({parent} is a file)")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=run_dir, prefix=".probe.", delete=True) as probe:
            probe.write(b"x" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{run_dir}: cannot write the run directory ({reason})") from exc
