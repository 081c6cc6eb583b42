"""The run directory: tables, graph, summary and provenance, each written atomically.

Every file is written under a temporary name in the same directory and renamed into place, so a
killed run never leaves a truncated file; ``summary.json`` is written last, so a directory holding
it is complete. Files get the mode an ordinary ``open()`` would give them (``0o666`` less the
umask), so a group that shares a results disk can read them.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
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
        try:
            os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp creates 0o600
        finally:
            os.close(fd)
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    except BaseException:
        _remove(tmp)
        raise


def current_umask() -> int:
    """The process's file-mode creation mask (read without changing it where Linux allows)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (not thread-safe, but brief)
    os.umask(mask)
    return mask


def _remove(tmp: str | None) -> None:
    if tmp is not None:
        try:
            Path(tmp).unlink(missing_ok=True)
        except OSError:
            pass


def write_table(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


#: characters XML 1.0 forbids: C0 controls but tab, newline and return; surrogates; U+FFFE/F
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids written as its escape (``\\x01``)."""
    return _NOT_XML.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def write_graph(graph: nx.Graph, path: Path) -> None:
    """GraphML of ``graph``; string ids and attributes pass :func:`xml_safe`, so the file stays
    valid XML whatever a world file's names hold."""
    atomic_write(path, lambda tmp: nx.write_graphml(_xml_safe_graph(graph), tmp))


def _xml_safe_graph(graph: nx.Graph) -> nx.Graph:
    def clean(value: Any) -> Any:
        return xml_safe(value) if isinstance(value, str) else value

    def clean_attrs(attrs: dict) -> dict:
        return {clean(k): clean(v) for k, v in attrs.items()}

    texts = [*graph.nodes, *graph.graph.values()]
    texts += [v for _, attrs in graph.nodes(data=True) for v in (*attrs, *attrs.values())]
    texts += [v for *_, attrs in graph.edges(data=True) for v in (*attrs, *attrs.values())]
    if not any(isinstance(t, str) and _NOT_XML.search(t) for t in texts):
        return graph
    safe = graph.__class__()
    safe.graph.update(clean_attrs(graph.graph))
    safe.add_nodes_from((clean(n), clean_attrs(a)) for n, a in graph.nodes(data=True))
    safe.add_edges_from((clean(u), clean(v), clean_attrs(a)) for u, v, a in graph.edges(data=True))
    return safe


def write_json(data: dict[str, Any], path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=False, default=_jsonable) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text))


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


#: config keys that name input files; each one set is hashed into ``summary.json``'s ``inputs``
#: and resolved like the world paths by ``python -m sim.reproduce``
INPUT_KEYS = ("world.path", "world.treaties", "world.borders", "alliance_rule.propensity")


def input_files(config: dict[str, Any]) -> dict[str, str]:
    """The input files a (resolved, plain) config names: ``{key: path}`` for each key set."""
    out = {}
    for key in INPUT_KEYS:
        node: Any = config
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node:
            out[key] = str(node)
    return out


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_hashes(config: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``{key: {"path": ..., "sha256": ...}}`` for every input file the config names."""
    return {key: {"path": p, "sha256": file_hash(p)} for key, p in input_files(config).items()}


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
