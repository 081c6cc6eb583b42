"""Sweeps: the job path of a multirun (resume, failures, progress) and the sweep aggregate.

A multirun job (``python -m sim -m ...``) goes through :func:`run_sweep_job`:

- **resume**: a job whose directory already holds a complete ``summary.json`` recorded for the
  same resolved config is skipped (logged as ``skip``), so rerunning a sweep command into its
  sweep directory (``hydra.sweep.dir=...``) finishes only what is missing;
- **failures**: a user error (bad value, bad world file, ...) or a crash in one job is logged with
  the job's overrides and recorded in ``failed.json`` (written atomically); the other jobs run on;
- **progress**: one line per finished job, ``[sweep] 4/6 jobs done ... elapsed ... ETA ...``,
  counted through a small file in the sweep directory, so it works for every launcher whose
  workers share that directory (basic, joblib, a local Ray cluster, Slurm on a shared disk).

At the end of the multirun :class:`SweepCallback` (registered in ``configs/config.yaml`` under
``hydra.callbacks``) writes the aggregate, which ``python -m sim.sweep_report SWEEP_DIR`` rebuilds
from the job directories alone (also after an interrupted sweep):

- ``sweep.parquet``: one row per job directory: ``job``, ``dir``, one column per override key
  (typed from the job's resolved config; a config-group choice such as ``scenario`` is its
  name), ``seed``, ``status`` (``ok``, ``failed``, or ``missing`` for a job that never
  finished), ``error``, the final metrics of ``summary.json`` and ``elapsed_s``;
- ``figures/``: see :mod:`sim.sweep_plots`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.plugins.sweeper import Sweeper
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.output import SUMMARY, TABLES, atomic_write, write_json, write_table

log = logging.getLogger(__name__)

FAILED = "failed.json"
SWEEP_TABLE = "sweep.parquet"
PROGRESS_DIR = ".progress"  # start.json (total, start time) and done (one byte per finished job)
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
_RECORD = {"ok": b"o", "failed": b"f", "skipped": b"k"}


# ----------------------------------------------------------------------------- the job path


def complete_summary(run_dir: Path, resolved: dict[str, Any]) -> dict[str, Any] | None:
    """The run directory's ``summary.json`` if it is complete and records ``resolved``; else None.

    ``summary.json`` is written last and atomically, so its presence means the tables are
    complete; the recorded ``config`` must equal the resolved config of this job (compared as
    JSON, the form it was recorded in).
    """
    path = Path(run_dir) / SUMMARY
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    same = summary.get("config") == json.loads(json.dumps(resolved))
    if not same or "metrics" not in summary:
        return None
    return summary


def run_sweep_job(cfg: DictConfig, run_dir: Path, resolved: dict[str, Any]) -> float | None:
    """One multirun job: skip it if already complete, run it, or record its failure.

    Returns the final mean defence share (None for a failed job), the value a sweeper optimises.
    """
    from sim.config import to_config
    from sim.errors import USER_ERRORS
    from sim.runner import run

    started = time.perf_counter()
    hc = HydraConfig.get()
    num = hc.job.num
    overrides = " ".join(hc.overrides.task)
    sweep_dir = Path(hc.sweep.dir)
    run_dir = Path(run_dir)
    done = complete_summary(run_dir, resolved)
    if done is not None:
        log.info(
            "skip job #%s (%s): %s holds a complete summary.json for this config",
            num,
            overrides,
            run_dir,
        )
        _progress(sweep_dir, "skipped", num, time.perf_counter() - started)
        return done["metrics"].get("mean_share")
    (run_dir / FAILED).unlink(missing_ok=True)
    try:
        summary = run(to_config(cfg), run_dir, resolved)
    except USER_ERRORS as exc:
        _record_failure(run_dir, num, hc.overrides.task, exc, user_error=True)
    except Exception as exc:  # a crash in one job must not stop the sweep; it is recorded
        _record_failure(run_dir, num, hc.overrides.task, exc, user_error=False)
    else:
        _progress(sweep_dir, "ok", num, time.perf_counter() - started)
        return summary["metrics"]["mean_share"]
    _progress(sweep_dir, "failed", num, time.perf_counter() - started)
    return None


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


# ----------------------------------------------------------------------------- progress


def start_progress(sweep_dir: Path, total: int | None) -> None:
    """Reset the progress counter of a sweep about to launch ``total`` jobs."""
    folder = Path(sweep_dir) / PROGRESS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    write_json({"total": total, "started": time.time()}, folder / "start.json")
    atomic_write(folder / "done", lambda tmp: tmp.write_bytes(b""))


def _progress(sweep_dir: Path, status: str, num: int, seconds: float) -> None:
    """Count a finished job and log ``done/total``, elapsed time and the time left."""
    folder = sweep_dir / PROGRESS_DIR
    try:
        start = json.loads((folder / "start.json").read_text())
        fd = os.open(folder / "done", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, _RECORD[status])
        finally:
            os.close(fd)
        records = (folder / "done").read_bytes()
    except (OSError, ValueError):  # no counter (a job run outside a sweep callback): no line
        return
    done, computed = len(records), len(records) - records.count(b"k")
    total = start.get("total")
    elapsed = max(0.0, time.time() - start["started"])
    if total and computed:
        eta = _clock(elapsed / computed * max(0, total - done))
    else:
        eta = "?"
    of = f"{done}/{total}" if total else f"{done}"
    log.info(
        "[sweep] %s jobs done (#%s %s in %.1f s) | elapsed %s | ETA %s",
        of,
        num,
        status,
        seconds,
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


def _override_key(text: str) -> tuple[str, str]:
    key, _, value = text.partition("=")
    return key.lstrip("+~"), value


def _job_row(job_dir: Path, sweep_dir: Path) -> dict[str, Any]:
    hydra_dir = job_dir / ".hydra"
    overrides = _load_yaml(hydra_dir / "overrides.yaml") or []
    try:
        config = OmegaConf.create(_load_yaml(hydra_dir / "config.yaml") or {})
    except (OSError, ValueError, yaml.YAMLError):
        config = OmegaConf.create({})
    row: dict[str, Any] = {
        "job": _job_num(job_dir),
        "dir": str(job_dir.relative_to(sweep_dir)),
        "_params": [],
    }
    for text in overrides:
        key, value = _override_key(text)
        if key.startswith("hydra.") or key == "seed":
            continue
        row["_params"].append(key)
        chosen = OmegaConf.select(config, key, default=None, throw_on_missing=False)
        if isinstance(chosen, DictConfig):  # a config-group choice: record its name
            row[key] = value
        elif chosen is None:
            row[key] = yaml.safe_load(value) if value else None
        else:
            row[key] = chosen
    row["seed"] = OmegaConf.select(config, "seed", default=None)
    summary_path, failed_path = job_dir / SUMMARY, job_dir / FAILED
    metrics: dict[str, Any] = {}
    row["status"], row["error"], row["elapsed_s"] = "missing", None, None
    if summary_path.exists():
        summary = json.loads(summary_path.read_text())
        row["status"] = "ok"
        row["elapsed_s"] = summary.get("elapsed_s")
        metrics = summary.get("metrics", {})
    elif failed_path.exists():
        row["status"] = "failed"
        row["error"] = json.loads(failed_path.read_text()).get("error")
    for name in METRICS:
        row[name] = metrics.get(name)
    for name, value in metrics.items():
        row.setdefault(name, value)
    return row


def _load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _job_num(job_dir: Path) -> int | None:
    """The job's number: its directory name under the default subdir, else from hydra.yaml."""
    if job_dir.name.isdigit():
        return int(job_dir.name)
    try:
        return int(_load_yaml(job_dir / ".hydra" / "hydra.yaml")["hydra"]["job"]["num"])
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return None


def collect(sweep_dir: Path) -> pd.DataFrame:
    """One row per job directory of ``sweep_dir``, in job order (see the module docstring)."""
    sweep_dir = Path(sweep_dir)
    rows = [_job_row(d, sweep_dir) for d in job_dirs(sweep_dir)]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame.sort_values("job", kind="stable", na_position="last").reset_index(drop=True)
    params = list(dict.fromkeys(k for row in rows for k in row["_params"]))
    order = ["job", "dir", *params, "seed", "status", "error"]
    order += [c for c in frame.columns if c not in order and c != "_params"]
    frame = frame[order]
    for column in frame.columns:  # numeric columns with gaps (failed jobs) become floats
        if column in METRICS or column == "elapsed_s":
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["job"] = frame["job"].astype("Int64")
    frame["seed"] = frame["seed"].astype("Int64")
    return frame


def write_report(sweep_dir: Path, figures: bool = True) -> pd.DataFrame:
    """Write ``sweep.parquet`` and ``figures/`` of a sweep directory from its job directories."""
    sweep_dir = Path(sweep_dir)
    frame = collect(sweep_dir)
    if frame.empty:
        raise FileNotFoundError(f"{sweep_dir}: no job directories (.hydra/overrides.yaml) found")
    write_table(frame, sweep_dir / SWEEP_TABLE)
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


# ----------------------------------------------------------------------------- the callback


class SweepCallback(Callback):
    """Hydra callback: checks the swept values, counts progress, writes the sweep aggregate."""

    def __init__(self, figures: bool = True, check_values: bool = True) -> None:
        self.figures = figures
        self.check_values = check_values

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        overrides = list(config.hydra.overrides.task)
        if self.check_values:
            check_sweep_values(overrides)
        start_progress(Path(config.hydra.sweep.dir), count_jobs(config, overrides))

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
        sweep_dir = Path(config.hydra.sweep.dir)
        frame = write_report(sweep_dir, figures=self.figures)
        log.info(
            "sweep report: %s and %s/ (%s)",
            sweep_dir / SWEEP_TABLE,
            sweep_dir / "figures",
            describe(frame).replace("\n", "; "),
        )
        failed = int((frame["status"] == "failed").sum())
        if failed:
            print(
                f"error: {failed} of {len(frame)} jobs failed; see the status and error "
                f"columns of {sweep_dir / SWEEP_TABLE}",
                file=sys.stderr,
            )
            raise SystemExit(1)


class GridSweeper(BasicSweeper):
    """Hydra's basic sweeper, checking each distinct swept value once instead of every job.

    The basic sweeper composes every job's config in the launching process before launching
    the batch (``validate_batch_is_legal``), then the launcher composes it again in the job:
    ~0.12 s a job, serial, in front of a parallel launcher (100 jobs: 12 s before the first
    starts). Here the batch's first job is composed with each distinct value of a config group
    (``scenario=a,b``) and with the first value of each type of any other key (``seed=0..999``:
    one), which names an unknown key or value as early, at a fraction of the cost.
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

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        loader = self.hydra_context.config_loader
        for overrides in representative_jobs(batch):
            loader.load_sweep_config(self.config, list(overrides))


def representative_jobs(batch: Sequence[Sequence[str]]) -> list[list[str]]:
    """The jobs to compose to check a batch: its first job, and that job with each distinct
    value of a config group, or the first value of each other type of another key, swapped in."""
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not batch:
        return []
    groups = set(GlobalHydra.instance().hydra.list_all_config_groups())
    parser = OverridesParser.create()
    first = list(batch[0])
    jobs = [first]
    for i, item in enumerate(first):
        key = item.partition("=")[0]
        values = list(dict.fromkeys(job[i] for job in batch if len(job) > i))
        if key.lstrip("+~").split("@")[0] in groups:
            picked = values[1:]
        else:
            kinds: dict[type, str] = {}
            for value in values:
                kinds.setdefault(type(parser.parse_override(value).value()), value)
            picked = [v for v in kinds.values() if v != item]
        jobs += [first[:i] + [value] + first[i + 1 :] for value in picked]
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
