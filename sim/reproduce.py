"""``python -m sim.reproduce RUN_DIR``: rerun a run from its saved config and compare every table.

The run is rebuilt from ``RUN_DIR/.hydra/config.yaml`` (the config Hydra saved, with every
override applied) into a temporary directory, and each output is compared with the original,
value for value: ``nations.parquet``, ``world.parquet``, ``alliance_events.parquet`` (columns,
dtypes and every cell, bit for bit) and ``alliances_final.graphml`` (nodes, edges and their
attributes). Figures are not compared (they are drawn from these tables).

Exit status: 0 and ``identical`` when everything matches; 1 naming the first table and column
that differ; 2 when ``RUN_DIR`` is not a finished run directory (one line says why).

Before rerunning it warns (on stderr) when the installed versions of Python, this package or a
dependency differ from those in ``summary.json``, and says clearly when the world files changed
since the run (their SHA-256 differs from ``summary.json``'s ``world.content_hash``).

Relative world paths (``world=custom world.path=data/my.csv``) are resolved against the working
directory the run was started from, which Hydra records in ``.hydra/hydra.yaml``
(``hydra.runtime.cwd``), so a run can be reproduced from any directory.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.output import SUMMARY, TABLES, versions

GRAPH = "alliances_final.graphml"
#: columns that locate a row in a message about it, per table
ROW_KEYS = {"nations": ("step", "iso3"), "world": ("step",), "alliance_events": ("step", "a", "b")}


class RunDirError(Exception):
    """RUN_DIR cannot be reproduced: missing, unreadable, or not a finished run."""


class Difference(NamedTuple):
    """The first difference found: which file, which column (or graph attribute), and how."""

    file: str
    column: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: column {self.column}: {self.detail}"


# ----------------------------------------------------------------------------- reading a run


def load_run(run_dir: Path) -> tuple[DictConfig, dict[str, Any], Path | None]:
    """The saved job config, the summary, and the directory the run was started from."""
    if not run_dir.exists():
        raise RunDirError(f"{run_dir}: no such run directory")
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: not a directory")
    config_file = run_dir / ".hydra" / "config.yaml"
    if not config_file.is_file():
        raise RunDirError(f"{config_file}: missing; not a run directory of python -m sim")
    summary_file = run_dir / SUMMARY
    if not summary_file.is_file():
        raise RunDirError(
            f"{summary_file}: missing; the run did not finish (or was stopped by an error), "
            "so there is nothing to compare"
        )
    try:
        cfg = OmegaConf.load(config_file)
        summary = json.loads(summary_file.read_text())
    except OSError as exc:
        raise RunDirError(f"{exc.filename}: cannot be read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise RunDirError(
            f"{summary_file}: not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    except Exception as exc:  # a YAML error from OmegaConf
        raise RunDirError(f"{config_file}: not a readable config ({exc})") from None
    if not isinstance(cfg, DictConfig) or not isinstance(summary, dict):
        raise RunDirError(f"{run_dir}: config.yaml or summary.json does not hold a mapping")
    started_in = None
    hydra_file = run_dir / ".hydra" / "hydra.yaml"
    if hydra_file.is_file():
        try:
            started_in = OmegaConf.select(OmegaConf.load(hydra_file), "hydra.runtime.cwd")
        except Exception:  # noqa: BLE001 - an unreadable hydra.yaml only loses the cwd
            started_in = None
    return cfg, summary, Path(started_in) if started_in else None


def resolve_world_paths(cfg: DictConfig, started_in: Path | None) -> list[str]:
    """Make relative ``world.path``/``world.treaties`` absolute against the run's start dir.

    Returns warnings (empty when the paths were absolute or the start directory is known).
    """
    notes = []
    for key in ("path", "treaties"):
        value = OmegaConf.select(cfg, f"world.{key}")
        if not value or Path(value).is_absolute():
            continue
        if started_in is None:
            notes.append(
                f"world.{key}={value} is relative and .hydra/hydra.yaml does not say where the "
                f"run was started; reading it from {Path.cwd()}"
            )
            continue
        OmegaConf.update(cfg, f"world.{key}", str(started_in / value))
    return notes


def version_warnings(recorded: dict[str, str] | None) -> list[str]:
    """One line per package whose installed version differs from the recorded one."""
    if not recorded:
        return ["summary.json records no versions; cannot check them"]
    now = versions()
    return [
        f"{name} {now.get(name, 'not installed')} is installed, the run used {was}; "
        "results may differ"
        for name, was in recorded.items()
        if now.get(name, "not installed") != was
    ]


# ----------------------------------------------------------------------------- comparing


def _locate(frame: pd.DataFrame, row: int, table: str) -> str:
    keys = [k for k in ROW_KEYS.get(table, ()) if k in frame.columns]
    where = ", ".join(f"{k} {frame[k].iloc[row]}" for k in keys)
    return f"row {row}" + (f" ({where})" if where else "")


def compare_tables(name: str, original: pd.DataFrame, rerun: pd.DataFrame) -> Difference | None:
    """The first column of ``name`` whose dtype or values differ (NaN equals NaN), or None."""
    file = f"{name}.parquet"
    for column in original.columns:
        if column not in rerun.columns:
            return Difference(file, column, "missing from the rerun")
    for column in rerun.columns:
        if column not in original.columns:
            return Difference(file, column, "in the rerun but not in the run directory")
    if list(original.columns) != list(rerun.columns):
        return Difference(file, "(order)", "columns are in a different order")
    if len(original) != len(rerun):
        return Difference(file, "(rows)", f"{len(original)} rows in the run, {len(rerun)} rerun")
    for column in original.columns:
        a, b = original[column], rerun[column]
        if a.dtype != b.dtype:
            return Difference(file, column, f"dtype {a.dtype} in the run, {b.dtype} rerun")
        same = (a.to_numpy() == b.to_numpy()) | (a.isna().to_numpy() & b.isna().to_numpy())
        if not same.all():
            row = int((~same).argmax())
            return Difference(
                file,
                column,
                f"first at {_locate(original, row, name)}: {a.iloc[row]!r} in the run, "
                f"{b.iloc[row]!r} rerun",
            )
    return None


def compare_graphs(original: nx.Graph, rerun: nx.Graph) -> Difference | None:
    """The first node, edge or attribute that differs between the two final alliance graphs."""
    if set(original.nodes) != set(rerun.nodes):
        extra = sorted(set(original.nodes) ^ set(rerun.nodes))[:5]
        return Difference(GRAPH, "(nodes)", f"node sets differ: {', '.join(map(str, extra))}")
    for node in sorted(original.nodes):
        diff = _compare_attrs(original.nodes[node], rerun.nodes[node], f"node {node}")
        if diff is not None:
            return diff
    a_edges = {tuple(sorted(e)) for e in original.edges}
    b_edges = {tuple(sorted(e)) for e in rerun.edges}
    if a_edges != b_edges:
        only_a, only_b = sorted(a_edges - b_edges), sorted(b_edges - a_edges)
        detail = []
        if only_a:
            detail.append(f"only in the run: {'-'.join(only_a[0])} (+{len(only_a) - 1} more)")
        if only_b:
            detail.append(f"only rerun: {'-'.join(only_b[0])} (+{len(only_b) - 1} more)")
        return Difference(GRAPH, "(edges)", "; ".join(detail))
    for u, v in sorted(a_edges):
        diff = _compare_attrs(original.edges[u, v], rerun.edges[u, v], f"edge {u}-{v}")
        if diff is not None:
            return diff
    return None


def _compare_attrs(a: dict, b: dict, where: str) -> Difference | None:
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            return Difference(
                GRAPH, key, f"{where}: {a.get(key)!r} in the run, {b.get(key)!r} rerun"
            )
    return None


def _read_table(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise RunDirError(f"{path}: missing from the run directory") from None
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{path}: cannot be read ({exc})") from None


def _read_graph(path: Path) -> nx.Graph:
    try:
        return nx.read_graphml(path)
    except FileNotFoundError:
        raise RunDirError(f"{path}: missing from the run directory") from None
    except Exception as exc:  # noqa: BLE001 - a malformed GraphML raises parser-specific errors
        raise RunDirError(f"{path}: cannot be read ({exc})") from None


def compare_dirs(original: Path, rerun: Path) -> Difference | None:
    """The first difference between two run directories' tables and graph, or None."""
    for name in TABLES:
        diff = compare_tables(
            name,
            _read_table(original / f"{name}.parquet"),
            _read_table(rerun / f"{name}.parquet"),
        )
        if diff is not None:
            return diff
    return compare_graphs(_read_graph(original / GRAPH), _read_graph(rerun / GRAPH))


# ----------------------------------------------------------------------------- the command


def reproduce(run_dir: Path, warn=lambda line: print(f"warning: {line}", file=sys.stderr)):
    """Rerun ``run_dir`` in a temporary directory; return the first difference, or None.

    Raises
    ------
    RunDirError
        when ``run_dir`` is not a finished, readable run directory.
    """
    from sim.config import ConfigError, to_config
    from sim.errors import USER_ERRORS
    from sim.runner import run
    from sim.worlds import WorldError, load_world

    cfg, summary, started_in = load_run(run_dir)
    for line in version_warnings(summary.get("versions")):
        warn(line)
    for line in resolve_world_paths(cfg, started_in):
        warn(line)
    cfg.figures = False  # figures are drawn from the tables, which are compared
    try:
        config = to_config(cfg)
        world = load_world(config.world, config.seed)
    except (ConfigError, WorldError) as exc:
        raise RunDirError(f"{run_dir}: the saved config cannot be rerun: {exc}") from None
    recorded = (summary.get("world") or {}).get("content_hash")
    if recorded and world.content_hash != recorded:
        files = ", ".join(str(p) for p in (config.world.path, config.world.treaties) if p)
        warn(
            f"the world files changed since the run ({files or 'world=' + config.world.name}): "
            f"content hash {world.content_hash[:12]}... now, {recorded[:12]}... in summary.json; "
            "the rerun uses the files as they are now"
        )
    with tempfile.TemporaryDirectory(prefix="sim-reproduce-") as tmp:
        try:
            run(config, Path(tmp), OmegaConf.to_container(cfg, resolve=True))
        except USER_ERRORS as exc:
            raise RunDirError(f"{run_dir}: the saved config cannot be rerun: {exc}") from None
        return compare_dirs(run_dir, Path(tmp))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.reproduce",
        description="Rerun a run directory from its saved config and compare every table.",
    )
    parser.add_argument("run_dir", type=Path, help="a run directory written by python -m sim")
    args = parser.parse_args(argv)
    try:
        difference = reproduce(args.run_dir)
    except RunDirError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if difference is None:
        print(f"identical: {', '.join(f'{t}.parquet' for t in TABLES)} and {GRAPH} match")
        return 0
    print(f"differs: {difference}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
