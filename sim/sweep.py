"""Sweeps: jobs named by their point, resume without stale results, loud failures, the aggregate.

A multirun (``python -m sim -m ...``) has three parts here.

**Planning** (:class:`GridSweeper`, before any job runs). Each job's directory is named by its
*point*: its overrides without the ``hydra.*`` ones, sorted by key, joined by commas
(``model.steps=4,scenario=baseline,seed=0``), or ``h-<16 hex digits>`` of that text where it is
long (over 96 characters) or holds a character unsafe in a path (``/`` of a file path). The
default ``hydra.sweep.subdir`` is ``${sim_point:${hydra.overrides.task}}``. The sweeper writes the
command's job list to ``SWEEP_DIR/.sweep/manifest.json`` and refuses, with exit status 2 and the
two jobs named, a ``hydra.sweep.subdir`` under which two jobs would share a directory. It composes
each distinct configuration once per process (:class:`ComposeOnce`: jobs differing only in
plain values reuse one composition and get their values applied as Hydra applies them); a job
converts its configuration to dataclasses once per configuration but the seed
(:func:`job_config`), and joblib workers keep Hydra's plugin registry between jobs
(:func:`keep_joblib_plugins`).

**The job** (:func:`run_sweep_job`). Its *identity* is a hash of its resolved config and of the
content of exactly the input files it reads (:func:`input_files`: the selected world's tables,
none for a synthetic world; a custom world's or propensity file named in the config; the observed
series of a hindcast), as decided by the code that loads them. A job
whose directory holds a complete ``summary.json`` and a ``point.json`` recording the same
identity is skipped (logged as ``skip``); any other is run again, so extending, shrinking or
repeating a grid in one sweep directory reuses exactly the finished points, and an edited input
file reruns the points that read it. A failing job is logged with its overrides and recorded in
``failed.json``; the others run on. One progress line per finished job
(``[sweep] 4/6 jobs done ... ETA ...``). The job writes ``.hydra/`` itself, each file atomically
(Hydra's own writer leaves a zero-byte ``config.yaml`` on a full disk), and, when the sweep asks
for it, its rows into the sweep's dataset.

**The aggregate** (:class:`SweepCallback` at the end; ``python -m sim.sweep_report SWEEP_DIR``
rebuilds it from the files alone, also after an interrupted sweep):

- ``sweep.parquet``: one row per job *of the command that wrote it* (the manifest): ``job``
  (Hydra's job number), ``point``, ``dir``, one column per override key (typed from the job's
  resolved config; a config-group choice such as ``scenario`` is its name), ``seed``, ``status``
  (``ok``, ``failed``, or ``missing`` for a job this command did not finish), ``error``, the
  final metrics of ``summary.json`` (counts as integers) and ``elapsed_s``;
- ``dataset/<table>/point=<id>/<identity>.parquet``: with ``hydra.callbacks.sweep_report.dataset``
  (default ``[world]``; add ``nations`` for nation rows), every ok job's per-year rows of that
  table with ``job``, ``dir``, the override columns and ``seed`` in front, a hive-partitioned
  dataset that DuckDB and polars read in place; it holds exactly the points of ``sweep.parquet``;
- ``figures/``: see :mod:`sim.sweep_plots`.

Column names are the override keys, so ``model.steps`` or ``budget_rule.k`` need double quotes in
SQL (``SELECT "budget_rule.k" ...``). Any failed or missing job, or any failure while writing
the aggregate, ends the command with exit status 1 and one line on stderr naming what failed and
where the details are (Hydra turns a callback's exceptions into warnings; this callback exits
itself).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import pickle
import re
import shutil
import sys
import time
import traceback
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from sim.output import SUMMARY, TABLES, atomic_write, write_json, write_table

if TYPE_CHECKING:
    from sim.config import Config

log = logging.getLogger(__name__)

FAILED = "failed.json"
POINT = "point.json"
SWEEP_TABLE = "sweep.parquet"
DATASET = "dataset"
DATASET_TABLES = ("world", "nations")
#: the sweep's own records: start.json, done (a byte per finished job), finished (status and
#: directory of each job this command finished), manifest.json (its jobs), cpu.tsv, errors
STATE_DIR = ".sweep"
DEFAULT_SUBDIR = "${sim_point:${hydra.overrides.task}}"
METRICS = (
    "mean_share",
    "polarity",
    "n_blocs",
    "n_ties",
    "share_at_target",
    "world_milex",
    "burden_correlation",
    "ties_formed",
    "ties_dissolved",
)
#: metrics that are counts: integer columns when every value is whole
COUNTS = ("n_blocs", "n_ties", "ties_formed", "ties_dissolved")
_RECORD = {"ok": b"o", "failed": b"f", "skipped": b"k"}
_SAFE = re.compile(r"[A-Za-z0-9_.,=+~@:-]+")
KEY_MAX = 96


class SweepError(RuntimeError):
    """A sweep cannot be planned or reported; the message names the job, file or key."""


# ----------------------------------------------------------------------------- identity


def point_overrides(overrides: Iterable[str]) -> list[str]:
    """A job's point: its overrides without the ``hydra.*`` ones, sorted by key (stable)."""
    kept = [str(o) for o in overrides if not str(o).lstrip("+~").startswith("hydra.")]
    return sorted(kept, key=lambda o: (o.partition("=")[0].lstrip("+~"), o))


def point_key(overrides: Iterable[str]) -> str:
    """The directory name of a job: its sorted overrides joined by commas where that is short
    and safe in a path, else ``h-`` and 16 hex digits of their SHA-256."""
    text = ",".join(point_overrides(overrides))
    if not text:
        return "default"
    if len(text) <= KEY_MAX and _SAFE.fullmatch(text) and not text.startswith("."):
        return text
    return "h-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def point_id(overrides: Iterable[str]) -> str:
    """A short id of the point (the dataset's partition value): ``p`` and 12 hex digits."""
    text = ",".join(point_overrides(overrides))
    return "p" + hashlib.sha256(text.encode()).hexdigest()[:12]


def register_resolver() -> None:
    """``${sim_point:${hydra.overrides.task}}``: the default ``hydra.sweep.subdir``."""
    OmegaConf.register_new_resolver(
        "sim_point", lambda task: point_key(list(task)), replace=True, use_cache=False
    )


register_resolver()

_HASHES: dict[tuple[str, int, int], str] = {}


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, cached per process by path, size and modification time."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def input_files(cfg: Config) -> dict[str, str | None]:
    """Content hashes of exactly the files a job of ``cfg`` reads (:func:`sim.runner.run_inputs`:
    its world's files, a configured propensity table, the observed series of a hindcast, the
    map outlines of its figures), by path; a file of the package by its path inside the package
    (``<package>/sim/worlds/data/today_nations.csv``), so that the identity does not depend on
    where the package is installed. A missing file hashes as None: the job runs and its loader
    names the file."""
    from sim.runner import run_inputs

    package = Path(__file__).resolve().parent
    found: dict[str, str | None] = {}
    for path in run_inputs(cfg):
        full = path.resolve()
        inside = full.is_relative_to(package)
        label = f"<package>/{full.relative_to(package.parent).as_posix()}" if inside else str(path)
        found[label] = file_hash(path) if path.is_file() else None
    return found


def identity(resolved: dict[str, Any], inputs: dict[str, str]) -> str:
    """SHA-256 of a job's resolved config (without ``hydra``) and its input files' hashes."""
    task = {k: v for k, v in resolved.items() if k != "hydra"}
    text = json.dumps({"config": task, "inputs": inputs}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def finished_summary(run_dir: Path, ident: str) -> dict[str, Any] | None:
    """The run directory's ``summary.json`` if it is complete and ``point.json`` records the
    identity ``ident``; else None (the job must run)."""
    try:
        record = json.loads((Path(run_dir) / POINT).read_text())
        summary = json.loads((Path(run_dir) / SUMMARY).read_text())
    except (OSError, ValueError):
        return None
    if record.get("identity") != ident or "metrics" not in summary:
        return None
    return summary


# ----------------------------------------------------------------------------- the job path


def job_params(overrides: Sequence[str], config: DictConfig | None) -> dict[str, Any]:
    """The override columns of a job: typed from its config; a config-group choice by name."""
    params: dict[str, Any] = {}
    for text in point_overrides(overrides):
        key, _, value = text.partition("=")
        key = key.lstrip("+~")
        if key == "seed":
            continue
        chosen = None
        if config is not None:
            chosen = OmegaConf.select(config, key, default=None, throw_on_missing=False)
        if isinstance(chosen, DictConfig | ListConfig) or chosen is None:
            params[key] = _parse_value(value) if not isinstance(chosen, DictConfig) else value
        else:
            params[key] = chosen
    return params


def _parse_value(value: str) -> Any:
    try:
        return yaml.safe_load(value) if value else None
    except yaml.YAMLError:
        return value


def run_sweep_job(cfg: DictConfig, run_dir: Path, resolved: dict[str, Any]) -> float | None:
    """One multirun job: skip it if finished with the same identity, else run it (recording a
    failure in ``failed.json``). Returns the final mean defence share (None for a failure)."""
    from sim.errors import USER_ERRORS
    from sim.runner import run

    started, cpu = time.perf_counter(), time.process_time()
    hc = HydraConfig.get()
    num = hc.job.num
    overrides = list(hc.overrides.task)
    sweep_dir = Path(hc.sweep.dir)
    run_dir = Path(run_dir)
    rel = _relative(run_dir, sweep_dir)
    tables = _dataset_tables(hc)
    try:
        config = job_config(cfg, resolved)
    except USER_ERRORS as exc:  # checked before the sweep; kept for a job composed otherwise
        _record_failure(run_dir, num, overrides, exc, user_error=True)
        _finish(sweep_dir, "failed", num, rel, started)
        return None
    inputs = input_files(config)
    ident = identity(resolved, inputs)
    record = {
        "point": point_id(overrides),
        "dir": rel,
        "overrides": point_overrides(overrides),
        "params": job_params(overrides, cfg),
        "seed": resolved.get("seed"),
        "identity": ident,
        "inputs": inputs,
    }
    done = finished_summary(run_dir, ident)
    if done is not None:
        log.info("skip job #%s (%s): %s is finished for this identity", num, rel, run_dir)
        try:
            for table in tables:
                write_partition(sweep_dir, table, record, run_dir, only_if_missing=True)
        except Exception as exc:  # the report rebuilds a missing partition; say so
            log.warning("job #%s: dataset partition not written (%s)", num, exc)
        _finish(sweep_dir, "skipped", num, rel, started)
        return done["metrics"].get("mean_share")
    try:
        (run_dir / SUMMARY).unlink(missing_ok=True)
        (run_dir / FAILED).unlink(missing_ok=True)
        _hydra_files(hc, cfg, run_dir)
        write_json(record, run_dir / POINT)
        summary = run(config, run_dir, resolved)
        for table in tables:
            write_partition(sweep_dir, table, record, run_dir)
    except USER_ERRORS as exc:
        _record_failure(run_dir, num, overrides, exc, user_error=True)
    except Exception as exc:  # a crash in one job must not stop the sweep; it is recorded
        _record_failure(run_dir, num, overrides, exc, user_error=False)
    else:
        split = summary.get("cpu_s", {})
        _append(
            sweep_dir / STATE_DIR / "cpu.tsv",
            f"{num}\t{COMPOSE_CPU[0]:.4f}\t{split.get('model', float('nan')):.4f}\t"
            f"{split.get('write', float('nan')):.4f}\t{time.process_time() - cpu:.4f}\n",
        )
        _finish(sweep_dir, "ok", num, rel, started)
        return summary["metrics"]["mean_share"]
    _finish(sweep_dir, "failed", num, rel, started)
    return None


#: this process's last job config converted to dataclasses, by its resolved config but the seed
_CONFIGS: dict[str, Config] = {}


def job_config(cfg: DictConfig, resolved: dict[str, Any]) -> Config:
    """``sim.config.to_config(cfg)``, converted once per distinct configuration but the seed
    (~20 ms a job, the costliest step of a job's own set-up): jobs of a seed sweep get a copy of
    the first one's with their seed set by :func:`dataclasses.replace`, which runs the same
    checks on it (``Config.__post_init__``). A seed that is not a plain int is converted in
    full, so OmegaConf types and refuses it as before."""
    from dataclasses import replace

    from sim.config import to_config

    seed = resolved.get("seed")
    if type(seed) is not int:
        return to_config(cfg)
    key = json.dumps(
        {k: v for k, v in resolved.items() if k not in ("hydra", "seed")},
        sort_keys=True,
        default=str,
    )
    base = _CONFIGS.get(key)
    if base is None:
        base = to_config(cfg)
        _CONFIGS.clear()  # one configuration a process: a sweep rarely interleaves them
        _CONFIGS[key] = base
    return replace(copy.deepcopy(base), seed=seed)


def _relative(run_dir: Path, sweep_dir: Path) -> str:
    try:
        return run_dir.resolve().relative_to(sweep_dir.resolve()).as_posix()
    except ValueError:
        return str(run_dir)


def _dataset_tables(hc: DictConfig) -> list[str]:
    chosen = OmegaConf.select(hc, "callbacks.sweep_report.dataset", default=None) or []
    return [str(t) for t in chosen]


def _hydra_files(hc: DictConfig, cfg: DictConfig, run_dir: Path) -> None:
    """Write ``.hydra/`` (config, hydra, overrides), each file atomically, where Hydra did not
    (:class:`ComposeOnce` turns Hydra's own writer off: it leaves zero-byte files on a full
    disk). An existing identical file is kept."""
    if hc.output_subdir is not None:
        return
    folder = run_dir / ".hydra"
    files = {
        "config.yaml": _yaml(OmegaConf.to_container(cfg, resolve=False, enum_to_str=True)),
        "hydra.yaml": _yaml({"hydra": OmegaConf.to_container(hc, resolve=False, enum_to_str=True)}),
        "overrides.yaml": _yaml(list(hc.overrides.task)),
    }
    for name, text in files.items():
        path = folder / name
        try:
            if path.read_text() == text:
                continue
        except OSError:
            pass
        atomic_write(path, lambda tmp, text=text: tmp.write_text(text))


def _yaml(data: Any) -> str:
    """YAML text of plain data with libyaml's dumper (5x faster than ``OmegaConf.to_yaml``)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)


def _record_failure(
    run_dir: Path, num: int, overrides: list[str], exc: Exception, *, user_error: bool
) -> None:
    """Log the failure with the job's overrides, drop partial outputs, write ``failed.json``."""
    message = f"{type(exc).__name__}: {exc}" if not user_error else str(exc)
    if user_error:
        log.error("job #%s failed (%s): %s", num, " ".join(overrides), message)
    else:
        log.error(
            "job #%s crashed (%s): %s\n%s",
            num,
            " ".join(overrides),
            message,
            traceback.format_exc(),
        )
    try:
        for name in (*(f"{t}.parquet" for t in TABLES), "alliances_final.graphml", SUMMARY):
            (run_dir / name).unlink(missing_ok=True)
        write_json(
            {
                "job": num,
                "overrides": list(overrides),
                "error": message,
                "kind": "user_error" if user_error else "crash",
            },
            run_dir / FAILED,
        )
    except OSError as err:  # a full disk: the job is still counted as failed in `finished`
        log.error("job #%s: cannot record the failure in %s (%s)", num, run_dir / FAILED, err)


# ----------------------------------------------------------------------------- the dataset


def partition_dir(sweep_dir: Path, table: str, point: str) -> Path:
    return Path(sweep_dir) / DATASET / table / f"point={point}"


def write_partition(
    sweep_dir: Path,
    table: str,
    record: dict[str, Any],
    run_dir: Path,
    *,
    only_if_missing: bool = False,
    job: int | None = None,
) -> Path:
    """Write one job's rows of ``table`` into the sweep's dataset (atomically) and drop any file
    of that partition left by another identity of the point."""
    folder = partition_dir(sweep_dir, table, record["point"])
    path = folder / f"{record['identity'][:16]}.parquet"
    if only_if_missing and path.exists():
        return path
    source = Path(run_dir) / f"{table}.parquet"
    if not source.exists():
        raise SweepError(
            f"{source}: no {table} table for the dataset (hydra.callbacks.sweep_report.dataset "
            f"asks for {table!r}; nation rows need outputs=full)"
        )
    rows = pd.read_parquet(source)
    front = {"dir": record["dir"], **record["params"], "seed": record["seed"]}
    if job is not None:
        front = {"job": job, **front}
    for n, (key, value) in enumerate(front.items()):
        if key not in rows.columns:
            rows.insert(n, key, [value] * len(rows))
    rows["seed"] = _int_column(rows["seed"], unsigned=True)
    write_table(rows, path)
    for other in folder.glob("*.parquet"):
        if other != path:
            other.unlink(missing_ok=True)
    return path


def sync_dataset(sweep_dir: Path, frame: pd.DataFrame, tables: Sequence[str]) -> list[Path]:
    """Make ``dataset/`` hold exactly the ok jobs of ``frame``: write a missing partition from
    the job directory, remove the partitions of every other point."""
    sweep_dir = Path(sweep_dir)
    written = []
    ok = frame[frame["status"] == "ok"]
    for table in tables:
        keep = set()
        for row in ok.itertuples(index=False):
            record = _point_record(sweep_dir / row.dir)
            if record is None:
                continue
            keep.add(f"point={record['point']}")
            written.append(
                write_partition(sweep_dir, table, record, sweep_dir / row.dir, only_if_missing=True)
            )
        root = sweep_dir / DATASET / table
        for folder in root.glob("point=*") if root.is_dir() else []:
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
    for folder in (sweep_dir / DATASET).glob("*") if (sweep_dir / DATASET).is_dir() else []:
        if folder.name not in tables:
            shutil.rmtree(folder, ignore_errors=True)
    return written


def _point_record(job_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((job_dir / POINT).read_text())
    except (OSError, ValueError):
        return None


# ----------------------------------------------------------------------------- progress


def start_progress(sweep_dir: Path, total: int | None) -> None:
    """Reset the records of a sweep command about to launch ``total`` jobs."""
    folder = Path(sweep_dir) / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", "report_error.txt"):
        (folder / name).unlink(missing_ok=True)
    write_json({"total": total, "started": time.time()}, folder / "start.json")
    for name in ("done", "finished", "cpu.tsv"):
        atomic_write(folder / name, lambda tmp: tmp.write_bytes(b""))


def _append(path: Path, text: str) -> None:
    """Append one record with a single ``write`` (O_APPEND: safe across worker processes)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _finish(sweep_dir: Path, status: str, num: int, rel: str, started: float) -> None:
    """Record a finished job (its status and directory) and log the progress line."""
    folder = sweep_dir / STATE_DIR
    if not (folder / "start.json").exists():  # a job run outside a sweep callback
        return
    try:
        _append(folder / "finished", f"{status}\t{num}\t{rel}\n")
        _append(folder / "done", _RECORD[status].decode())
        start = json.loads((folder / "start.json").read_text())
        records = (folder / "done").read_bytes()
    except (OSError, ValueError) as exc:
        log.error("job #%s: cannot record its end in %s (%s)", num, folder, exc)
        return
    done, computed = len(records), len(records) - records.count(b"k")
    total = start.get("total")
    elapsed = max(0.0, time.time() - start["started"])
    eta = _clock(elapsed / computed * max(0, total - done)) if total and computed else "?"
    of = f"{done}/{total}" if total else f"{done}"
    log.info(
        "[sweep] %s jobs done (#%s %s in %.1f s) | elapsed %s | ETA %s",
        of,
        num,
        status,
        time.perf_counter() - started,
        _clock(elapsed),
        eta,
    )


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


# ----------------------------------------------------------------------------- aggregate


def job_dirs(sweep_dir: Path) -> list[Path]:
    """Every job directory under a sweep directory (those holding ``.hydra/overrides.yaml``)."""
    found = [p.parent.parent for p in Path(sweep_dir).rglob(".hydra/overrides.yaml")]
    return sorted(p for p in found if p != Path(sweep_dir))


def read_manifest(sweep_dir: Path) -> list[dict[str, Any]] | None:
    """The jobs of the last command that planned this sweep (None for another sweeper)."""
    path = Path(sweep_dir) / STATE_DIR / "manifest.json"
    try:
        return json.loads(path.read_text())["jobs"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as exc:
        raise SweepError(f"{path}: unreadable ({exc}); rerun the sweep command") from exc


def _finished(sweep_dir: Path) -> dict[str, str] | None:
    """Directory -> status of each job the last command finished (None: no record)."""
    path = Path(sweep_dir) / STATE_DIR / "finished"
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    out = {}
    for line in lines:
        parts = line.split("\t")
        if len(parts) == 3:
            out[parts[2]] = "ok" if parts[0] in ("ok", "skipped") else "failed"
    return out


def _load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise SweepError(
            f"{path}: truncated or not JSON ({exc}); rerun the sweep command to recompute "
            f"this {what}"
        ) from exc
    if not isinstance(data, dict):
        raise SweepError(f"{path}: not a JSON object; rerun the sweep command")
    return data


def _job_row(
    job_dir: Path, sweep_dir: Path, num: int | None, overrides: list[str] | None, status: str
) -> dict[str, Any]:
    """One row of ``sweep.parquet``; ``status`` is what this command recorded for the job."""
    record = _point_record(job_dir)
    if record is not None:
        params, seed, overrides = record["params"], record.get("seed"), record["overrides"]
    else:
        if overrides is None:
            overrides = _load_yaml(job_dir / ".hydra" / "overrides.yaml") or []
        config = None
        if (job_dir / ".hydra" / "config.yaml").exists():
            try:
                config = OmegaConf.create(_load_yaml(job_dir / ".hydra" / "config.yaml") or {})
            except (OSError, ValueError, yaml.YAMLError):
                config = None
        params = job_params(overrides, config)
        seed = None if config is None else OmegaConf.select(config, "seed", default=None)
        if seed is None:
            seed = next(
                (_parse_value(o.partition("=")[2]) for o in overrides if o.startswith("seed=")),
                None,
            )
    row: dict[str, Any] = {
        "job": num,
        "point": point_id(overrides),
        "dir": _relative(job_dir, sweep_dir),
        **params,
        "seed": seed,
        "status": "missing",
        "error": None,
        "elapsed_s": None,
        "_params": list(params),
    }
    metrics: dict[str, Any] = {}
    if status == "ok" and (job_dir / SUMMARY).exists():
        summary = _read_json(job_dir / SUMMARY, "job")
        row["status"], row["elapsed_s"] = "ok", summary.get("elapsed_s")
        metrics = summary.get("metrics", {})
    elif status in ("ok", "failed"):
        row["status"] = "failed"
        if (job_dir / FAILED).exists():
            row["error"] = _read_json(job_dir / FAILED, "job").get("error")
        else:
            row["error"] = f"no summary.json or failed.json in {job_dir} (disk full?)"
    for name in METRICS:
        row[name] = metrics.get(name)
    for name, value in metrics.items():
        row.setdefault(name, value)
    return row


def _jobs(sweep_dir: Path) -> list[tuple[Path, int | None, list[str] | None, str]]:
    """(directory, job number, overrides, status) of each job of the last command."""
    manifest = read_manifest(sweep_dir)
    finished = _finished(sweep_dir)
    if manifest is not None:
        return [
            (
                sweep_dir / job["dir"],
                job["job"],
                job["overrides"],
                (finished or {}).get(job["dir"], "missing"),
            )
            for job in manifest
        ]
    # another sweeper: the jobs this command finished, or (no record) every job directory
    if finished:
        dirs = [sweep_dir / d for d in finished]
        return [(d, _job_num(d), None, finished[_relative(d, sweep_dir)]) for d in dirs]
    out = []
    for d in job_dirs(sweep_dir):
        status = "ok" if (d / SUMMARY).exists() else "failed" if (d / FAILED).exists() else ""
        out.append((d, _job_num(d), None, status or "missing"))
    return out


def _job_num(job_dir: Path) -> int | None:
    """The job's number: from ``.hydra/hydra.yaml`` (or a numeric directory name)."""
    if job_dir.name.isdigit():
        return int(job_dir.name)
    try:
        return int(_load_yaml(job_dir / ".hydra" / "hydra.yaml")["hydra"]["job"]["num"])
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return None


def collect(sweep_dir: Path) -> pd.DataFrame:
    """One row per job of the last command in ``sweep_dir``, in job order (module docstring)."""
    sweep_dir = Path(sweep_dir)
    rows = [_job_row(d, sweep_dir, num, ov, st) for d, num, ov, st in _jobs(sweep_dir)]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame.sort_values("job", kind="stable", na_position="last").reset_index(drop=True)
    params = list(dict.fromkeys(k for row in rows for k in row["_params"]))
    order = ["job", "point", "dir", *params, "seed", "status", "error"]
    order += [c for c in frame.columns if c not in order and c != "_params"]
    frame = frame[order]
    for column in frame.columns:
        if column in METRICS or column == "elapsed_s":
            values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
            whole = values.dropna()
            if column in COUNTS and len(whole) and (whole == whole.round()).all():
                values = values.astype("Int64")
            frame[column] = values
    frame["job"] = _int_column(frame["job"])
    frame["seed"] = _int_column(frame["seed"], unsigned=True)
    return frame


def _int_column(values: pd.Series, unsigned: bool = False) -> pd.Series:
    """Integers as ``Int64`` (``UInt64`` with ``unsigned``: seeds, which reach 2**64 - 1), or
    as text where they do not fit, so a huge value never overflows a column."""
    ints = [None if v is None or pd.isna(v) else int(v) for v in values]
    present = [v for v in ints if v is not None]
    low, high = (0, 2**64) if unsigned else (-(2**63), 2**63)
    if not present or (min(present) >= low and max(present) < high):
        return pd.Series(ints, index=values.index, dtype="UInt64" if unsigned else "Int64")
    return pd.Series([None if v is None else str(v) for v in ints], index=values.index)


def write_report(
    sweep_dir: Path, figures: bool = True, dataset: Sequence[str] = ()
) -> pd.DataFrame:
    """Write ``sweep.parquet``, ``dataset/`` (the tables named) and ``figures/`` of a sweep."""
    sweep_dir = Path(sweep_dir)
    frame = collect(sweep_dir)
    if frame.empty:
        raise SweepError(f"{sweep_dir}: no job directories (.hydra/overrides.yaml) found")
    write_table(frame, sweep_dir / SWEEP_TABLE)
    sync_dataset(sweep_dir, frame, list(dataset))
    if figures:
        from sim.sweep_plots import sweep_figures

        sweep_figures(frame, sweep_dir / "figures")
    return frame


def describe(frame: pd.DataFrame) -> str:
    """``6 jobs: 5 ok, 1 failed`` and the failed jobs with their errors."""
    counts = frame["status"].value_counts()
    parts = [f"{counts[s]} {s}" for s in ("ok", "failed", "missing") if s in counts]
    lines = [f"{len(frame)} jobs: {', '.join(parts)}"]
    for _, row in frame[frame["status"] == "failed"].iterrows():
        lines.append(f"  job #{row['job']} ({row['dir']}) failed: {row['error']}")
    return "\n".join(lines)


def merge(sweep_dirs: Sequence[Path]) -> pd.DataFrame:
    """The ``sweep.parquet`` tables of several sweeps in one, with a ``sweep`` column first."""
    parts = []
    for sweep_dir in sweep_dirs:
        frame = collect(Path(sweep_dir))
        if not frame.empty:
            parts.append(frame.assign(sweep=str(sweep_dir)))
    if not parts:
        raise SweepError("no job directories found in " + ", ".join(map(str, sweep_dirs)))
    merged = pd.concat(parts, ignore_index=True)
    merged["seed"] = _int_column(merged["seed"], unsigned=True)
    return merged[["sweep", *[c for c in merged.columns if c != "sweep"]]]


# ----------------------------------------------------------------------------- composition

#: composed configurations of this process, by everything but plain values (see ComposeOnce)
_TEMPLATES: dict[tuple, bytes | DictConfig] = {}
#: how many compositions a process keeps (~20 KB each): the launching process composes each
#: config-group value once to check the sweep, and forked joblib workers inherit them all
TEMPLATES_KEPT = 16
#: CPU seconds of this process's last job composition (reported per job in .sweep/cpu.tsv)
COMPOSE_CPU = [0.0]


class ComposeOnce:
    """Hydra's config loader, composing each distinct configuration once per process.

    Jobs that differ only in plain values (``seed=3``, ``budget_rule.k=0.1``: no config-group
    choice, no ``+``/``~``) share one composition: the first such job is composed by Hydra, the
    others get a copy with their values applied by Hydra's own override code, which is what
    Hydra does after composing (``ConfigLoaderImpl._apply_overrides_to_config``), and their
    ``hydra.overrides.task`` and ``hydra.job.override_dirname``. A value Hydra would refuse is
    refused the same way. Hydra's own ``.hydra/`` writer is turned off
    (``hydra.output_subdir=null``); the job writes those files atomically.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "inner" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> Any:
        cpu = time.process_time()
        try:
            cfg = self._load(master_config, list(sweep_overrides))
            if cfg.hydra.output_subdir == ".hydra":
                cfg.hydra.output_subdir = None
            return cfg
        finally:
            COMPOSE_CPU[0] = time.process_time() - cpu

    def _is_value(self, override: Any) -> bool:
        from hydra.core.override_parser.types import OverrideType

        return (
            not override.is_hydra_override()
            and override.type == OverrideType.CHANGE
            and not override.is_sweep_override()
            and override.package is None
            and not self.inner.repository.group_exists(override.key_or_group)
        )

    def _load(self, master: DictConfig, overrides: list[str]) -> DictConfig:
        from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(overrides)
        values = [o for o in parsed if self._is_value(o)]
        key = (
            str(master.hydra.job.config_name),
            tuple(master.hydra.overrides.hydra),
            str(master.hydra.sweep.dir),
            tuple(o.input_line if not self._is_value(o) else o.key_or_group for o in parsed),
        )
        template = _TEMPLATES.get(key)
        if template is None:
            cfg = self.inner.load_sweep_config(master, overrides)
            if len(_TEMPLATES) >= TEMPLATES_KEPT:
                _TEMPLATES.pop(next(iter(_TEMPLATES)))  # the oldest
            _TEMPLATES[key] = _freeze(cfg)
            return cfg
        cfg = _thaw(template)
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        task = [o for o in parsed if not o.is_hydra_override()]
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in task]
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=task,
                kv_sep=cfg.hydra.job.config.override_dirname.kv_sep,
                item_sep=cfg.hydra.job.config.override_dirname.item_sep,
                exclude_keys=cfg.hydra.job.config.override_dirname.exclude_keys,
            )
        OmegaConf.copy_cache(from_config=master, to_config=cfg)
        return cfg


def _freeze(cfg: DictConfig) -> bytes | DictConfig:
    """A copy to thaw per job: pickled (~8x faster to copy back than ``copy.deepcopy``), or a
    deep copy where pickle cannot name a schema class (Hydra's plugin scan re-creates them)."""
    try:
        return pickle.dumps(cfg)
    except (pickle.PicklingError, TypeError, AttributeError):
        return copy.deepcopy(cfg)


def _thaw(frozen: bytes | DictConfig) -> DictConfig:
    return pickle.loads(frozen) if isinstance(frozen, bytes) else copy.deepcopy(frozen)


def compose_once(hydra_context: HydraContext) -> HydraContext:
    """``hydra_context`` with its config loader wrapped in :class:`ComposeOnce`."""
    if isinstance(hydra_context.config_loader, ComposeOnce):
        return hydra_context
    return HydraContext(
        config_loader=ComposeOnce(hydra_context.config_loader), callbacks=hydra_context.callbacks
    )


# ----------------------------------------------------------------------------- planning


def job_subdirs(config: DictConfig, jobs: Sequence[Sequence[str]], loader: Any) -> list[str]:
    """Each job's directory under the sweep dir, as ``hydra.sweep.subdir`` will name it.

    The default pattern is computed from the overrides; any other is resolved on each job's
    composed config (composed once per distinct configuration, see :class:`ComposeOnce`).
    """
    raw = OmegaConf.to_container(config.hydra.sweep, resolve=False).get("subdir")
    if raw == DEFAULT_SUBDIR:
        return [point_key(job) for job in jobs]
    saved = HydraConfig.instance().cfg
    out = []
    try:
        for num, job in enumerate(jobs):
            cfg = loader.load_sweep_config(config, list(job))
            with open_dict(cfg):
                cfg.hydra.job.num = num
                cfg.hydra.job.id = f"{cfg.hydra.job.name}_{num}"
            HydraConfig.instance().set_config(cfg)
            out.append(str(OmegaConf.select(cfg, "hydra.sweep.subdir")))
    finally:
        HydraConfig.instance().cfg = saved
    return out


def plan_sweep(sweep_dir: Path, jobs: Sequence[Sequence[str]], subdirs: Sequence[str]) -> None:
    """Refuse two jobs sharing a directory, then write the command's manifest."""
    seen: dict[str, int] = {}
    for num, subdir in enumerate(subdirs):
        where = os.path.normpath(subdir)
        if where in seen:
            first = seen[where]
            raise SweepError(
                f"hydra.sweep.subdir gives jobs #{first} ({' '.join(jobs[first])}) and #{num} "
                f"({' '.join(jobs[num])}) the same directory {where!r}: include every swept key "
                f"in it, or keep the default {DEFAULT_SUBDIR}"
            )
        seen[where] = num
    manifest = [
        {"job": num, "dir": os.path.normpath(subdir), "overrides": point_overrides(job)}
        for num, (job, subdir) in enumerate(zip(jobs, subdirs, strict=True))
    ]
    folder = Path(sweep_dir) / STATE_DIR
    write_json({"jobs": manifest}, folder / "manifest.json")
    try:
        started = json.loads((folder / "start.json").read_text())["started"]
    except (OSError, ValueError, KeyError):
        started = time.time()
    write_json({"total": len(jobs), "started": started}, folder / "start.json")


def plan_or_exit(config: DictConfig, jobs: Sequence[Sequence[str]], loader: Any) -> None:
    """:func:`plan_sweep`, or one line and exit status 2 (nothing launched)."""
    try:
        plan_sweep(Path(config.hydra.sweep.dir), jobs, job_subdirs(config, jobs, loader))
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


# ----------------------------------------------------------------------------- the callback


class SweepCallback(Callback):
    """Hydra callback: checks the swept values, counts progress, writes the sweep aggregate."""

    def __init__(
        self, figures: bool = True, check_values: bool = True, dataset: Sequence[str] = ()
    ) -> None:
        self.figures = figures
        self.check_values = check_values
        self.dataset = [str(t) for t in dataset]
        unknown = [t for t in self.dataset if t not in DATASET_TABLES]
        if unknown:
            print(
                f"error: hydra.callbacks.sweep_report.dataset: unknown table {unknown[0]!r}; "
                f"choose from {', '.join(DATASET_TABLES)}",
                file=sys.stderr,
            )
            raise SystemExit(2)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        overrides = list(config.hydra.overrides.task)
        target = str(OmegaConf.select(config, "hydra.sweeper._target_", default=""))
        if self.check_values and not target.endswith("GridSweeper"):  # it checks them itself
            check_sweep_values(overrides)
        if "nations" in self.dataset and OmegaConf.select(config, "outputs") == "metrics":
            _exit(
                "hydra.callbacks.sweep_report.dataset asks for nation rows, which outputs=metrics "
                "does not write: use outputs=full or drop nations from the dataset",
                code=2,
            )
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            start_progress(sweep_dir, count_jobs(config, overrides))
        except OSError as exc:
            _exit(f"{sweep_dir}: cannot start the sweep ({exc})", code=2)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """Drop the two configs Hydra keeps in every job's return value.

        The sweeper holds every ``JobReturn`` until the sweep ends; with its config and a deep
        copy of the Hydra config each weighs ~0.2 MB, so a worker of 10,000 jobs would grow by
        ~2 GB. Nothing downstream reads them (the job's ``.hydra/`` holds both on disk).
        """
        if HydraConfig.get().mode == RunMode.MULTIRUN and job_return.hydra_cfg is not None:
            job_return.hydra_cfg = None
            job_return.cfg = None

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the aggregate; exit 1 with one line on any failed or missing job or on any
        failure while writing it (details in ``.sweep/report_error.txt``)."""
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            frame = write_report(sweep_dir, figures=self.figures, dataset=self.dataset)
        except Exception as exc:  # Hydra would only warn: say it and exit non-zero
            details = sweep_dir / STATE_DIR / "report_error.txt"
            try:
                atomic_write(details, lambda tmp: tmp.write_text(traceback.format_exc()))
            except OSError:
                traceback.print_exc()
                details = "the traceback above"
            _exit(f"writing the sweep report of {sweep_dir} failed: {_one_line(exc)} "
                  f"(details: {details})")  # fmt: skip
        log.info(
            "sweep report: %s (%s)", sweep_dir / SWEEP_TABLE, describe(frame).replace("\n", "; ")
        )
        bad = frame[frame["status"] != "ok"]
        if len(bad):
            kinds = ", ".join(f"{n} {s}" for s, n in bad["status"].value_counts().items())
            _exit(
                f"{len(bad)} of {len(frame)} jobs did not finish ({kinds}); see the status and "
                f"error columns of {sweep_dir / SWEEP_TABLE} and each job's {FAILED}"
            )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _exit(message: str, code: int = 1) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


class GridSweeper(BasicSweeper):
    """Hydra's basic sweeper that plans the sweep and checks each distinct value once.

    Before launching, it names every job's directory (refusing a ``hydra.sweep.subdir`` that
    gives two jobs one directory) and writes the manifest (:func:`plan_sweep`). Hydra's basic
    sweeper composes every job's config in the launching process before the batch
    (``validate_batch_is_legal``, ~0.12 s a job); here only the first job, and that job with
    each distinct value of a config group (``scenario=a,b``) or the first value of each type of
    any other key (``seed=0..999``: one), which names an unknown key or value as early. The
    launcher gets :class:`ComposeOnce` as its config loader.
    """

    def __init__(self, max_batch_size: int | None = None, params: dict | None = None) -> None:
        # BasicSweeper.__init__ calls super(BasicSweeper, self), which fails once Hydra's plugin
        # scan has re-executed its module (a new BasicSweeper class): set its fields directly
        Sweeper.__init__(self)
        self.overrides = None
        self.batch_index = 0
        self.max_batch_size = max_batch_size
        self.params = params or {}
        self.hydra_context = None
        self.config = None
        self.launcher = None

    def setup(self, *, hydra_context: HydraContext, task_function: Any, config: DictConfig) -> None:
        super().setup(
            hydra_context=compose_once(hydra_context), task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        assert self.config is not None and self.hydra_context is not None
        params = [*self._parse_config(), *arguments]
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        batches = self.split_arguments(parser.parse_overrides(params), None)
        jobs = [list(job) for batch in batches for job in batch]
        plan_or_exit(self.config, jobs, self.hydra_context.config_loader)
        fork_joblib_workers(self.config)
        keep_joblib_plugins(self.config)
        share_ray_context(self.config)
        return super().sweep(arguments)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose the representative jobs; an unknown key or value stops the sweep before any
        job runs, with one line naming it (exit status 2)."""
        loader = self.hydra_context.config_loader
        for overrides, swapped in representative_jobs(batch, loader.repository.group_exists):
            try:
                loader.load_sweep_config(self.config, list(overrides))
            except Exception as exc:
                message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                what = swapped or " ".join(overrides)
                print(f"error: sweep value {what}: {message}", file=sys.stderr)
                raise SystemExit(2) from None


def fork_joblib_workers(config: DictConfig) -> None:
    """Start the joblib launcher's worker processes by forking this one, as ``mesa.batch_run``
    (a ``multiprocessing`` pool) does, instead of loky's default fresh interpreters, which
    import the whole stack again (~2-3 s a worker before its first job).

    Only with the joblib launcher, while this process runs no other thread, and unless
    ``SIM_JOBLIB_START`` names another start method (``loky``, ``spawn``, ``forkserver``).
    """
    target = str(OmegaConf.select(config, "hydra.launcher._target_", default=""))
    if "joblib" not in target:
        return
    import threading
    import warnings

    from joblib.externals.loky.backend import context

    method = os.environ.get("SIM_JOBLIB_START", "fork")
    if method == "fork" and threading.active_count() > 1:
        return
    warnings.filterwarnings("ignore", message="`fork` start method should not be used")
    context.set_start_method(method, force=True)


def keep_joblib_plugins(config: DictConfig) -> None:
    """With the joblib launcher (hydra-joblib-launcher 1.2.0), let each worker keep its Hydra
    plugin registry from one job to the next: the plugin's ``execute_job`` restores Hydra's
    singleton state for every job, and ``Singleton.set_state`` scans (re-imports) every Hydra
    plugin again (~15 ms a job), as the state leaves the registry out. Jobs run as before, by
    the plugin's own ``execute_job`` (through :func:`_joblib_execute_job`)."""
    target = str(OmegaConf.select(config, "hydra.launcher._target_", default=""))
    if "hydra_joblib_launcher" not in target:
        return
    from hydra_plugins.hydra_joblib_launcher import _core

    if _core.execute_job is not _joblib_execute_job:
        _core._plugin_execute_job = _core.execute_job  # what launch() calls, by this name
        _core.execute_job = _joblib_execute_job


def _joblib_execute_job(
    idx: int,
    overrides: Sequence[str],
    hydra_context: HydraContext,
    config: DictConfig,
    task_function: Any,
    singleton_state: dict[Any, Any],
) -> Any:
    """The joblib plugin's ``execute_job`` in a worker, keeping the worker's plugin registry
    (see :func:`keep_joblib_plugins`; the plugins of one installation do not change between
    jobs)."""
    from hydra.core.plugins import Plugins
    from hydra.core.singleton import Singleton
    from hydra_plugins.hydra_joblib_launcher import _core

    plugins = Singleton._instances.get(Plugins)
    if plugins is not None:
        instances = {**singleton_state["instances"], Plugins: plugins}
        singleton_state = {**singleton_state, "instances": instances}
    inner = getattr(_core, "_plugin_execute_job", _core.execute_job)
    return inner(idx, overrides, hydra_context, config, task_function, singleton_state)


#: the Ray launcher's remote function and the object refs of what every job of the batch being
#: submitted shares (see :func:`share_ray_context`)
_RAY_SHARED: dict[str, Any] = {}


def share_ray_context(config: DictConfig) -> None:
    """With the Ray launcher (hydra-ray-launcher 1.2.2), take what every job of a batch shares
    once per batch instead of once per job: Hydra's singleton state (the launcher deep-copies
    it for every job, ~0.1 s a job, half of the launching process's time), and Hydra's context,
    the task function and that state put once into Ray's object store, with the remote function
    created once (the launcher re-creates it and pickles the three for every job). Jobs run as
    before, by the plugin's own ``_run_job`` (through :func:`_ray_run_job`, which keeps a Ray
    worker's plugin registry from one job to the next)."""
    target = str(OmegaConf.select(config, "hydra.launcher._target_", default=""))
    if "hydra_ray_launcher" not in target:
        return
    from hydra.core.singleton import Singleton
    from hydra_plugins.hydra_ray_launcher import _core

    if getattr(_core.launch, "shares_context", False):
        return
    batch_launch = _core.launch

    def launch(*args: Any, **kwargs: Any) -> Any:
        _RAY_SHARED.clear()
        _core.Singleton = _BatchState(Singleton.get_state())  # what launch() reads per job
        try:
            return batch_launch(*args, **kwargs)
        finally:
            _core.Singleton = Singleton
            _RAY_SHARED.clear()  # the batch's jobs have returned: release the stored objects

    launch.shares_context = True  # type: ignore[attr-defined]
    _core.launch = launch
    _core.launch_job_on_ray = _launch_job_on_ray


class _BatchState:
    """Stands in for Hydra's ``Singleton`` in the Ray launcher's batch loop: the state taken at
    the start of the batch (nothing in the loop changes it)."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def get_state(self) -> Any:
        return self.state


def _launch_job_on_ray(
    hydra_context: HydraContext,
    ray_remote: DictConfig,
    sweep_config: DictConfig,
    task_function: Any,
    singleton_state: Any,
) -> Any:
    """The plugin's ``launch_job_on_ray`` with the remote function and the shared arguments made
    once per batch (the first job's); only ``sweep_config`` is pickled per job."""
    import ray

    if not _RAY_SHARED:
        options = OmegaConf.to_container(ray_remote, resolve=True) if ray_remote else {}
        remote = ray.remote(**options)(_ray_run_job) if options else ray.remote(_ray_run_job)
        _RAY_SHARED.update(
            remote=remote,
            hydra_context=ray.put(hydra_context),
            task_function=ray.put(task_function),
            singleton_state=ray.put(singleton_state),
        )
    shared = _RAY_SHARED
    return shared["remote"].remote(
        hydra_context=shared["hydra_context"],
        sweep_config=sweep_config,
        task_function=shared["task_function"],
        singleton_state=shared["singleton_state"],
    )


def _ray_run_job(
    hydra_context: HydraContext, sweep_config: DictConfig, task_function: Any, singleton_state: Any
) -> Any:
    """The plugin's ``_run_job`` in a Ray worker, keeping the worker's plugin registry.

    Hydra's singleton state leaves the plugin registry out, so ``Singleton.set_state`` scans
    (re-imports) every Hydra plugin again for every job; a worker that has scanned once hands
    its registry back in, as the plugins of one installation do not change between jobs."""
    from hydra.core.plugins import Plugins
    from hydra.core.singleton import Singleton
    from hydra_plugins.hydra_ray_launcher._launcher_util import _run_job

    plugins = Singleton._instances.get(Plugins)
    if plugins is not None:
        instances = {**singleton_state["instances"], Plugins: plugins}
        singleton_state = {**singleton_state, "instances": instances}
    return _run_job(hydra_context, sweep_config, task_function, singleton_state)


def representative_jobs(
    batch: Sequence[Sequence[str]], is_group: Any = None
) -> list[tuple[list[str], str | None]]:
    """The jobs to compose to check a batch, each with the override swapped in (None for the
    first): the batch's first job, and that job with each distinct value of a config group, or
    the first value of each other type of another key, swapped in."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not batch:
        return []
    if is_group is None:
        from hydra.core.global_hydra import GlobalHydra

        is_group = GlobalHydra.instance().config_loader().repository.group_exists
    parser = OverridesParser.create()
    first = list(batch[0])
    jobs: list[tuple[list[str], str | None]] = [(first, None)]
    for i, item in enumerate(first):
        key = item.partition("=")[0]
        values = list(dict.fromkeys(job[i] for job in batch if len(job) > i))
        if is_group(key.lstrip("+~").split("@")[0]):
            picked = values[1:]
        else:
            kinds: dict[type, str] = {}
            for value in values:
                kinds.setdefault(type(parser.parse_override(value).value()), value)
            picked = [v for v in kinds.values() if v != item]
        jobs += [(first[:i] + [value] + first[i + 1 :], value) for value in picked]
    return jobs


def count_jobs(config: DictConfig, overrides: list[str]) -> int | None:
    """The number of jobs the basic sweeper will launch (None for another sweeper)."""
    target = OmegaConf.select(config, "hydra.sweeper._target_", default="")
    if not str(target).endswith(("BasicSweeper", "GridSweeper")):
        return None
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    extra = OmegaConf.select(config, "hydra.sweeper.params", default=None) or {}
    parsed += OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in extra.items()])
    batches = BasicSweeper.split_arguments(parsed, None)
    return sum(len(b) for b in batches)


def check_sweep_values(overrides: list[str]) -> None:
    """Compose each value of each swept key once, so an unknown key or value stops the sweep
    before any job starts with the key and value named (exit status 2).

    Every value of a config-group choice (``scenario=a,b``) is composed; for a value override
    (``budget_rule.k=0.1,0.2``) the first value and the first of each other type (``x`` in
    ``model.steps=1,x``). Range checks are left to the jobs: a value out of range fails its own
    jobs only.
    """
    from hydra import compose
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed = parser.parse_overrides(overrides)
    groups = set(GlobalHydra.instance().hydra.list_all_config_groups())
    firsts: list[str] = []
    trials: list[tuple[int, str]] = []
    for n, ov in enumerate(parsed):
        if not ov.is_sweep_override():
            firsts.append(ov.input_line)
            continue
        try:
            values = list(ov.sweep_string_iterator())
            typed = list(ov.sweep_iterator())
        except Exception:  # glob(), interval(): left to the sweeper
            firsts.append("")
            continue
        key = ov.get_key_element()
        firsts.append(f"{key}={values[0]}")
        if ov.key_or_group.lstrip("+~") in groups:  # a config group: each value
            checked = values
        else:  # a value: the first, and any of another type (seed=0,1,x checks 0 and x)
            kinds = {}
            for value, parsed in zip(values, typed, strict=True):
                kinds.setdefault(type(parsed), value)
            checked = list(kinds.values())
        for value in checked:
            trials.append((n, f"{key}={value}"))
    for n, trial in trials:
        candidate = [x for x in (firsts[:n] + [trial] + firsts[n + 1 :]) if x]
        try:
            compose(config_name="config", overrides=candidate)
        except Exception as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"error: sweep value {trial}: {message}", file=sys.stderr)
            raise SystemExit(2) from None
