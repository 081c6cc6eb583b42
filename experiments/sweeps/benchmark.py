"""How many sweep jobs a second: serial Hydra, Hydra + joblib on 2 workers, mesa.batch_run(2)?

One grid, the same for the three: ``scenario=baseline,us_retrenchment`` x ``seed=0..S-1`` x
``model.steps=30`` on the default world (``world=today``), per-run figures off.

- ``serial``: ``python -m sim -m ...`` with Hydra's basic launcher (one process);
- ``joblib``: the same command with ``hydra/launcher=parallel hydra.launcher.n_jobs=2``;
- ``batch_run``: ``mesa.batch_run(BatchAllianceModel, {"scenario": [...]}, rng=seeds,
  number_processes=2, max_steps=30)``; batch_run passes each rng value as ``seed``; the adapter
  below builds the same model with the same parameters and steps, keeps the final model
  reporters and writes nothing.

The Hydra timings are whole commands (start-up, every job's run directory: tables, graph,
``summary.json``; the final ``sweep.parquet``; sweep figures off). Checks that the joblib
outcomes equal the serial ones job for job, and that batch_run's final mean share matches.

    python experiments/sweeps/benchmark.py            # 2 x 50 seeds (100 jobs each way)
    python experiments/sweeps/benchmark.py --seeds 10 # a quicker look

Writes ``benchmark_results.json`` beside this file. Other processes on the machine distort the
figures: it prints the load average before and after.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa

from sim.config import Config, compose
from sim.model import AllianceModel
from sim.worlds import load_world

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCENARIOS = ("baseline", "us_retrenchment")
STEPS = 30


@functools.cache
def scenario_config(scenario: str) -> Config:
    """The composed config of a scenario (composed once per process, as Hydra's sweep does)."""
    return compose([f"scenario={scenario}", f"model.steps={STEPS}", "figures=false"])


class BatchAllianceModel(AllianceModel):
    """Adapter for ``mesa.batch_run``: builds :class:`AllianceModel` from keyword arguments."""

    def __init__(self, scenario: str = "baseline", seed: int = 0) -> None:
        cfg = dataclasses.replace(scenario_config(scenario), seed=seed)
        super().__init__(
            load_world(cfg.world, cfg.seed),
            params=cfg.model,
            budget_rule=cfg.budget_rule,
            alliance_rule=cfg.alliance_rule,
            scenario=cfg.scenario,
            rng=cfg.seed,
        )


def cpu_seconds() -> float:
    """User + system CPU of this process and of its reaped children (workers included)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def hydra_sweep(sweep_dir: Path, seeds: int, *launcher: str) -> tuple[float, float]:
    """Wall and CPU seconds of one ``python -m sim -m`` sweep over the grid."""
    cmd = [
        sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={sweep_dir}",
        f"scenario={','.join(SCENARIOS)}", f"seed=range(0,{seeds})",
        f"model.steps={STEPS}", "figures=false", "hydra.callbacks.sweep_report.figures=false",
        *launcher,
    ]  # fmt: skip
    started, cpu = time.perf_counter(), cpu_seconds()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"sweep failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, cpu_seconds() - cpu


def outcomes(sweep_dir: Path) -> dict[tuple[str, int], dict]:
    found = {}
    for path in sweep_dir.glob("*/summary.json"):
        s = json.loads(path.read_text())
        found[(s["scenario"], s["seed"])] = {"tables": s["tables"], "metrics": s["metrics"]}
    return found


def batch(seeds: int, processes: int) -> tuple[float, float, dict[tuple[str, int], float]]:
    started, cpu = time.perf_counter(), cpu_seconds()
    results = mesa.batch_run(
        BatchAllianceModel,
        parameters={"scenario": list(SCENARIOS)},
        number_processes=processes,
        rng=list(range(seeds)),  # passed as the model's `seed` argument
        max_steps=STEPS,
        data_collection_period=-1,
        display_progress=False,
    )
    elapsed = time.perf_counter() - started
    shares = {(r["scenario"], r["seed"]): r["mean_share"] for r in results}
    return elapsed, cpu_seconds() - cpu, shares


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    args = parser.parse_args()
    jobs = len(SCENARIOS) * args.seeds
    print(f"grid: {len(SCENARIOS)} scenarios x {args.seeds} seeds x {STEPS} steps = {jobs} jobs")
    before = load()
    print(f"load average before: {before}  (cpus: {os.cpu_count()})")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t_serial, c_serial = hydra_sweep(tmp / "serial", args.seeds)
        t_joblib, c_joblib = hydra_sweep(
            tmp / "joblib", args.seeds, "hydra/launcher=parallel", "hydra.launcher.n_jobs=2"
        )
        serial, joblib = outcomes(tmp / "serial"), outcomes(tmp / "joblib")
    t_batch, c_batch, shares = batch(args.seeds, 2)
    same = serial == joblib and len(serial) == jobs
    batch_same = all(shares[k] == v["metrics"]["mean_share"] for k, v in serial.items())
    after = load()
    rows = {
        "serial (basic launcher)": (t_serial, c_serial),
        "joblib, 2 workers": (t_joblib, c_joblib),
        "mesa.batch_run, 2 processes": (t_batch, c_batch),
    }
    head = ("way", "wall s", "jobs/s", "vs serial", "CPU s", "CPU s/job")
    print("{:30s} {:>7s} {:>7s} {:>9s} {:>7s} {:>9s}".format(*head))
    for name, (seconds, cpu) in rows.items():
        print(
            f"{name:30s} {seconds:7.1f} {jobs / seconds:7.2f} {t_serial / seconds:8.2f}x "
            f"{cpu:7.1f} {cpu / jobs:9.3f}"
        )
    print(f"joblib outcomes equal serial, job for job: {same}")
    print(f"batch_run final mean_share equals the Hydra jobs': {batch_same}")
    print(f"joblib / batch_run throughput: {t_batch / t_joblib:.2f}")
    print(f"load average after: {after}")
    result = {
        "jobs": jobs,
        "wall_s": {k: v[0] for k, v in rows.items()},
        "cpu_s": {k: v[1] for k, v in rows.items()},
        "jobs_per_s": {k: jobs / v[0] for k, v in rows.items()},
        "joblib_speedup": t_serial / t_joblib,
        "joblib_vs_batch_run": t_batch / t_joblib,
        "joblib_equals_serial": same,
        "batch_run_equals_serial": batch_same,
        "load_before_after": [before, after],
    }
    (HERE / "benchmark_results.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
