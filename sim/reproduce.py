"""``python -m sim.reproduce RUN_DIR``: check a run's record, rerun it from its saved config and
compare every table.

First the record is checked without rerunning: ``summary.json`` must agree with the config Hydra
saved (``RUN_DIR/.hydra/config.yaml``: seed, steps, scenario and every config value), each
table's content hash must equal the one ``summary.json`` records, and the final metrics must
equal those the world table gives. A summary edited after the run stops here, naming the key.

Then the run is rebuilt from ``.hydra/config.yaml`` (every override applied) into a temporary
directory, and each output is compared with the original, value for value:
``nations.parquet``, ``world.parquet``, ``alliance_events.parquet`` (columns, dtypes and every
cell, bit for bit), ``alliances_final.graphml`` (nodes, edges and their attributes) and the
metrics of ``summary.json``. Figures are not compared (they are drawn from these tables).

Exit status: 0 and ``identical`` when everything matches; 1 and ``differs: ...`` naming the
first file and column (or summary key) that differ; 2 when ``RUN_DIR`` is not a finished run
directory (one line says why).

Before rerunning it warns (on stderr) when the installed versions of Python, this package or a
dependency differ from those in ``summary.json``, and names each input file (world, treaties,
borders, propensity matrix) whose SHA-256 differs from the one in ``summary.json``'s ``inputs``.

Relative input paths (``world=custom world.path=data/my.csv``, ``alliance_rule.propensity=p.csv``)
are resolved against the working directory the run was started from, which Hydra records in
``.hydra/hydra.yaml`` (``hydra.runtime.cwd``), so a run can be reproduced from any directory.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.output import INPUT_KEYS, SUMMARY, TABLES, file_hash, table_hash, versions

GRAPH = "alliances_final.graphml"
#: columns that locate a row in a message about it, per table
ROW_KEYS = {"nations": ("step", "iso3"), "world": ("step",), "alliance_events": ("step", "a", "b")}


class RunDirError(Exception):
    """RUN_DIR cannot be reproduced: missing, unreadable, or not a finished run."""


class Difference(NamedTuple):
    """The first difference found: which file, which column (graph attribute, summary key)."""

    file: str
    column: str
    detail: str
    kind: str = "column"

    def __str__(self) -> str:
        return f"{self.file}: {self.kind} {self.column}: {self.detail}"


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
    except OSError as exc:
        raise RunDirError(f"{config_file}: cannot be read ({exc.strerror})") from None
    except Exception as exc:  # a YAML (or decoding) error from OmegaConf
        raise RunDirError(f"{config_file}: not a readable config ({_yaml_reason(exc)})") from None
    try:
        summary = json.loads(summary_file.read_bytes())
    except OSError as exc:
        raise RunDirError(f"{summary_file}: cannot be read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise RunDirError(
            f"{summary_file}: not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    except UnicodeDecodeError as exc:
        raise RunDirError(f"{summary_file}: not UTF-8 text ({exc.reason})") from None
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


def _yaml_reason(exc: Exception) -> str:
    """One line for a YAML error: the problem and where (PyYAML's message spans four lines)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if problem and mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text: {exc.reason} at byte {exc.start}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def resolve_input_paths(cfg: DictConfig, started_in: Path | None) -> list[str]:
    """Make every relative input path (:data:`sim.output.INPUT_KEYS`: world, treaties, borders,
    propensity) absolute against the directory the run was started from.

    Returns warnings (empty when the paths were absolute or the start directory is known).
    """
    notes = []
    for key in INPUT_KEYS:
        value = OmegaConf.select(cfg, key, default=None)
        if not value or Path(value).is_absolute():
            continue
        if started_in is None:
            notes.append(
                f"{key}={value} is relative and .hydra/hydra.yaml does not say where the "
                f"run was started; reading it from {Path.cwd()}"
            )
            continue
        OmegaConf.update(cfg, key, str(started_in / value))
    return notes


def changed_inputs(cfg: DictConfig, summary: dict[str, Any]) -> list[str]:
    """One line per input file whose SHA-256 differs from the one ``summary.json`` records."""
    notes = []
    for key, recorded in (summary.get("inputs") or {}).items():
        path = OmegaConf.select(cfg, key, default=None)
        if not path or not isinstance(recorded, dict):
            continue
        try:
            now = file_hash(path)
        except OSError as exc:
            notes.append(f"{key}={path}: cannot be read now ({exc.strerror})")
            continue
        if now != recorded.get("sha256"):
            notes.append(
                f"{key}={path} changed since the run: SHA-256 {now[:12]}... now, "
                f"{str(recorded.get('sha256'))[:12]}... in summary.json; the rerun uses it as it is"
            )
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


# ----------------------------------------------------------------------------- the record


def _first_mismatch(a: Any, b: Any, where: str = "") -> tuple[str, Any, Any] | None:
    """The first dotted key at which two JSON-like values differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{where}{key}", a.get(key, "(absent)"), b.get(key, "(absent)")
            found = _first_mismatch(a[key], b[key], f"{where}{key}.")
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_mismatch(x, y, f"{where}{n}.")
            if found is not None:
                return found
        return None
    return None if a == b else (where.rstrip(".") or "(root)", a, b)


def check_summary(cfg: DictConfig, summary: dict[str, Any]) -> Difference | None:
    """``summary.json`` against ``.hydra/config.yaml``: seed, steps, scenario and the config."""
    try:
        saved = OmegaConf.to_container(cfg, resolve=True)
    except Exception:  # noqa: BLE001 - an interpolation only Hydra resolves: compare it as written
        saved = OmegaConf.to_container(cfg, resolve=False)
    saved = json.loads(json.dumps(saved))  # the form summary.json holds it in
    model, scenario = saved.get("model") or {}, saved.get("scenario") or {}
    pairs = [
        ("seed", summary.get("seed", "(absent)"), saved.get("seed")),
        ("steps", summary.get("steps", "(absent)"), model.get("steps")),
        ("scenario", summary.get("scenario", "(absent)"), scenario.get("name")),
    ]
    found = next((p for p in pairs if p[1] != p[2]), None)
    if found is None:
        found = _first_mismatch(summary.get("config", "(absent)"), saved, "config.")
    if found is None:
        return None
    key, recorded, configured = found
    return Difference(
        SUMMARY,
        key,
        f"{recorded!r} in summary.json, {configured!r} in .hydra/config.yaml",
        kind="key",
    )


def changed_tables(run_dir: Path, summary: dict[str, Any]) -> dict[str, Difference]:
    """The tables whose content hash is not the one ``summary.json`` records, by table name."""
    recorded = summary.get("tables") or {}
    out = {}
    for name in TABLES:
        file = f"{name}.parquet"
        now = table_hash(_read_table(run_dir / file))
        if recorded.get(file) != now:
            out[name] = Difference(
                SUMMARY,
                f"tables.{file}",
                f"{str(recorded.get(file))[:12]}... in summary.json, the table hashes to "
                f"{now[:12]}...",
                kind="key",
            )
    return out


def metrics_from_world_table(world: pd.DataFrame) -> dict[str, float | None]:
    """The final metrics the world table determines (:func:`sim.runner.final_metrics`)."""
    last = world.iloc[-1]
    keys = ("n_ties", "n_blocs", "polarity", "mean_share", "world_milex", "share_at_target")
    metrics = {k: float(last[k]) for k in keys if k in world}
    for k in ("ties_formed", "ties_dissolved"):
        if k in world:
            metrics[k] = float(world[k].sum())
    return {k: (v if np.isfinite(v) else None) for k, v in metrics.items()}


def compare_metrics(
    recorded: dict[str, Any] | None, actual: dict[str, Any], source: str
) -> Difference | None:
    """The first metric of ``actual`` that ``summary.json``'s ``metrics`` does not record."""
    recorded = recorded or {}
    for key, value in actual.items():
        if key not in recorded or recorded[key] != value:
            return Difference(
                SUMMARY,
                f"metrics.{key}",
                f"{recorded.get(key, '(absent)')!r} in summary.json, {value!r} {source}",
                kind="key",
            )
    return None


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
    """Check ``run_dir``'s record, rerun it in a temporary directory; the first difference or None.

    A table whose hash no longer matches ``summary.json`` was changed after the run: the rerun
    names its first differing column. A summary whose config, seed or metrics disagree with the
    saved config or the tables is reported without a rerun.

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
    difference = check_summary(cfg, summary)
    if difference is not None:
        return difference
    changed = changed_tables(run_dir, summary)
    if "world" not in changed:  # then the world table is the run's: its metrics are known
        world_metrics = metrics_from_world_table(_read_table(run_dir / "world.parquet"))
        difference = compare_metrics(summary.get("metrics"), world_metrics, "in world.parquet")
        if difference is not None:
            return difference
    for line in version_warnings(summary.get("versions")):
        warn(line)
    for line in resolve_input_paths(cfg, started_in):
        warn(line)
    cfg.figures = False  # figures are drawn from the tables, which are compared
    try:
        config = to_config(cfg)
        world = load_world(config.world, config.seed)
    except (ConfigError, WorldError) as exc:
        raise RunDirError(f"{run_dir}: the saved config cannot be rerun: {exc}") from None
    notes = changed_inputs(cfg, summary)
    recorded = (summary.get("world") or {}).get("content_hash")
    if not notes and recorded and world.content_hash != recorded:  # a summary without inputs
        files = ", ".join(str(p) for p in (config.world.path, config.world.treaties) if p)
        notes.append(
            f"the world files changed since the run ({files or 'world=' + config.world.name}): "
            f"content hash {world.content_hash[:12]}... now, {recorded[:12]}... in summary.json; "
            "the rerun uses the files as they are now"
        )
    for line in notes:
        warn(line)
    with tempfile.TemporaryDirectory(prefix="sim-reproduce-") as tmp:
        try:
            rerun = run(config, Path(tmp), OmegaConf.to_container(cfg, resolve=True))
        except USER_ERRORS as exc:
            raise RunDirError(f"{run_dir}: the saved config cannot be rerun: {exc}") from None
        difference = compare_dirs(run_dir, Path(tmp))
    if difference is not None:
        table = difference.file.removesuffix(".parquet")
        if table in changed:
            return difference._replace(
                detail=f"{difference.detail} (the file changed after the run: its content hash "
                "is not the one summary.json records)"
            )
        return difference
    if changed:  # the tables are the rerun's, so summary.json's hash was edited
        return next(iter(changed.values()))
    return compare_metrics(summary.get("metrics"), rerun["metrics"], "rerun")


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
