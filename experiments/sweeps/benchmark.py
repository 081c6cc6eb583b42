"""How many sweep jobs a second: serial Hydra, Hydra + joblib on 2 workers, mesa.batch_run(2)?

One grid, the same for the three: ``scenario=baseline,us_retrenchment`` x ``seed=0..S-1`` x
``model.steps=30`` on the default world (``world=today``), per-run figures off.

- ``serial``: ``python -m sim -m ... outputs=metrics`` with Hydra's basic launcher (one
  process); ``outputs=metrics``: each job writes ``summary.json`` and ``world.parquet`` (the
  lean sweep level), sweep figures and dataset off;
- ``joblib``: the same command with ``hydra/launcher=parallel hydra.launcher.n_jobs=2``;
- ``batch_run``: ``mesa.batch_run(AllianceModel, {"scenario": [...]}, rng=seeds,
  number_processes=2, max_steps=30)``: the model class itself, built from keyword arguments
  (``scenario`` by name, ``rng`` the seed), keeping the final model reporters, writing nothing.
  Timed twice: inside this process (modules already imported here; Mesa 3.5's batch_run
  starts its pool with ``spawn``, so each of its workers imports the model again) and as a
  fresh command (``python benchmark.py --batch-run-only``: interpreter start and imports
  included, as for the Hydra commands);
- ``batch_run, world preloaded``: the same call with the default world read once here and
  passed as a fixed ``world`` parameter (``AllianceModel(world=World)``), the saving a Mesa user
  can make by hand and the one the Hydra jobs make with ``sim.runner.read_world``: the fairest
  comparison of the two ways' own overheads. In-process.

The Hydra timings are whole commands (start-up, every job's run directory, the final
``sweep.parquet``). The CPU seconds per job are split from the jobs' own records
(``SWEEP_DIR/.sweep/cpu.tsv``): ``compose`` (the job's config), ``model`` (world, model, steps),
``write`` (tables and ``summary.json``), and ``other`` (the rest of the command's CPU per job:
Hydra's job setup and ``.hydra/``, the job record, start-up, the launcher, the report). Checks
that the joblib outcomes equal the serial ones job for job, and that batch_run's final mean
share matches.

    python experiments/sweeps/benchmark.py            # 2 x 50 seeds (100 jobs each way)
    python experiments/sweeps/benchmark.py --seeds 10 --rounds 1  # a quicker look

Serial Hydra runs once; then, ``--rounds`` times (3), joblib, batch_run in-process and batch_run
as a command run back to back, so each round compares them under the same load; the table
gives each way's fastest round, and every round is printed too (jobs/s, CPU s per job, cores
used = CPU s / wall s, joblib's CPU split, the load after it, the joblib / batch_run ratios).

Writes ``benchmark_results.json`` beside this file. Other processes on the machine distort the
figures: it prints the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa

from sim.config import choose
from sim.model import AllianceModel, load_world_for
from sim.worlds import World

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCENARIOS = ("baseline", "us_retrenchment")
STEPS = 30


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
        f"model.steps={STEPS}", "figures=false", "outputs=metrics",
        "hydra.callbacks.sweep_report.figures=false", "hydra.callbacks.sweep_report.dataset=[]",
        *launcher,
    ]  # fmt: skip
    started, cpu = time.perf_counter(), cpu_seconds()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"sweep failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, cpu_seconds() - cpu


def cpu_split(sweep_dir: Path, cpu: float, jobs: int) -> dict[str, float]:
    """Mean CPU seconds per job: compose, model, write (the jobs' records) and the rest."""
    rows = [line.split("\t") for line in (sweep_dir / ".sweep" / "cpu.tsv").read_text().split("\n")]
    rows = [[float(x) for x in r[1:]] for r in rows if len(r) == 5]
    compose, model, write, job = (sum(col) / len(rows) for col in zip(*rows, strict=True))
    return {
        "compose": compose,
        "model": model,
        "write": write,
        "other": cpu / jobs - compose - model - write,
    }


def outcomes(sweep_dir: Path) -> dict[tuple[str, int], dict]:
    found = {}
    for path in sweep_dir.glob("*/summary.json"):
        s = json.loads(path.read_text())
        found[(s["scenario"], s["seed"])] = {"tables": s["tables"], "metrics": s["metrics"]}
    return found


def batch(
    seeds: int, processes: int, world: World | None = None
) -> tuple[float, float, dict[tuple[str, int], float]]:
    parameters: dict = {"scenario": list(SCENARIOS)}
    if world is not None:
        parameters["world"] = [world]  # one value: pickled to the workers with each run
    started, cpu = time.perf_counter(), cpu_seconds()
    results = mesa.batch_run(
        AllianceModel,  # keyword-built: no adapter
        parameters=parameters,
        number_processes=processes,
        rng=list(range(seeds)),  # the model's `rng` argument
        max_steps=STEPS,
        data_collection_period=-1,
        display_progress=False,
    )
    elapsed = time.perf_counter() - started
    shares = {(r["scenario"], r["rng"]): r["mean_share"] for r in results}
    return elapsed, cpu_seconds() - cpu, shares


def batch_command(seeds: int) -> tuple[float, float]:
    """Wall and CPU seconds of batch_run as a fresh command (imports included)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    cmd = [sys.executable, __file__, "--batch-run-only", "--seeds", str(seeds)]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started, cpu_seconds() - cpu


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="joblib/batch_run rounds")
    parser.add_argument("--batch-run-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_run_only:
        batch(args.seeds, 2)
        return
    jobs = len(SCENARIOS) * args.seeds
    print(f"grid: {len(SCENARIOS)} scenarios x {args.seeds} seeds x {STEPS} steps = {jobs} jobs")
    before = load()
    print(f"load average before: {before}  (cpus: {os.cpu_count()})")
    splits, rounds = {}, []
    preloaded = load_world_for(choose(None, None, None, None, None).world, 0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t_serial, c_serial = hydra_sweep(tmp / "serial", args.seeds)
        serial = outcomes(tmp / "serial")
        splits["serial (basic launcher)"] = cpu_split(tmp / "serial", c_serial, jobs)
        same = len(serial) == jobs
        # the ways compared run back to back in each round, so a change of load between
        # rounds moves all of them; the ratios are read within a round
        for r in range(args.rounds):
            joblib_dir = tmp / f"joblib{r}"
            launcher = ("hydra/launcher=parallel", "hydra.launcher.n_jobs=2")
            t_joblib, c_joblib = hydra_sweep(joblib_dir, args.seeds, *launcher)
            same = same and outcomes(joblib_dir) == serial
            split = cpu_split(joblib_dir, c_joblib, jobs)
            splits.setdefault("joblib, 2 workers", split)
            t_batch, c_batch, shares = batch(args.seeds, 2)
            t_cmd, c_cmd = batch_command(args.seeds)
            t_pre, c_pre, shares_pre = batch(args.seeds, 2, world=preloaded)
            rounds.append(
                {
                    "joblib, 2 workers": (t_joblib, c_joblib),
                    "mesa.batch_run, 2 processes": (t_batch, c_batch),
                    "mesa.batch_run, as a command": (t_cmd, c_cmd),
                    "mesa.batch_run, world preloaded": (t_pre, c_pre),
                    "load": load(),
                    "joblib_split": split,
                }
            )
            print(f"round {r + 1}: joblib {jobs / t_joblib:.2f} jobs/s, batch_run "
                  f"{jobs / t_batch:.2f} (in-process), {jobs / t_cmd:.2f} (command), "
                  f"{jobs / t_pre:.2f} (world preloaded); "
                  f"load {rounds[-1]['load']}")  # fmt: skip
    batch_same = all(shares[k] == v["metrics"]["mean_share"] for k, v in serial.items())
    batch_same = batch_same and all(
        shares_pre[k] == v["metrics"]["mean_share"] for k, v in serial.items()
    )
    after = load()
    ways = (
        "joblib, 2 workers",
        "mesa.batch_run, 2 processes",
        "mesa.batch_run, as a command",
        "mesa.batch_run, world preloaded",
    )
    best = {w: min(rd[w] for rd in rounds) for w in ways}  # fastest round: least disturbed
    fastest = min(range(len(rounds)), key=lambda r: rounds[r][ways[0]][0])
    splits["joblib, 2 workers"] = rounds[fastest]["joblib_split"]
    rows = {"serial (basic launcher)": (t_serial, c_serial), **best}
    head = ("way", "wall s", "jobs/s", "CPU s/job", "compose", "model", "write", "other")
    print("fastest round of each way:")
    print("{:30s} {:>7s} {:>7s} {:>9s} {:>8s} {:>8s} {:>8s} {:>8s}".format(*head))
    for name, (seconds, cpu) in rows.items():
        split = splits.get(name, {})
        parts = "".join(f" {split[k]:8.3f}" for k in split)
        print(f"{name:30s} {seconds:7.1f} {jobs / seconds:7.2f} {cpu / jobs:9.3f}{parts}")
    ratios = [tuple(rd[w][0] / rd[ways[0]][0] for w in ways[1:]) for rd in rounds]
    print("each round: jobs/s, CPU s per job, cores used (CPU s / wall s)")
    for r, rd in enumerate(rounds, 1):
        parts = ", ".join(
            f"{w}: {jobs / rd[w][0]:.2f} jobs/s, {rd[w][1] / jobs:.3f} CPU s/job, "
            f"{rd[w][1] / rd[w][0]:.2f} cores"
            for w in ways
        )
        split = " ".join(f"{k} {v:.3f}" for k, v in rd["joblib_split"].items())
        print(f"round {r}: {parts}; joblib split {split}; load after {rd['load']}")
    print(f"joblib outcomes equal serial, job for job: {same}")
    print(f"batch_run final mean_share equals the Hydra jobs': {batch_same}")
    for r, (inproc, cmd, pre) in enumerate(ratios, 1):
        print(f"round {r}: joblib / batch_run throughput {inproc:.2f} (in-process), "
              f"{cmd:.2f} (as a command), {pre:.2f} (world preloaded)")  # fmt: skip
    print(f"load average after: {after}")
    result = {
        "jobs": jobs,
        "rounds": [
            {
                k: (v if k in ("load", "joblib_split") else {"wall_s": v[0], "cpu_s": v[1]})
                for k, v in rd.items()
            }
            for rd in rounds
        ],
        "wall_s": {k: v[0] for k, v in rows.items()},
        "cpu_s": {k: v[1] for k, v in rows.items()},
        "jobs_per_s": {k: jobs / v[0] for k, v in rows.items()},
        "cpu_s_per_job_split": splits,
        "joblib_vs_batch_run_by_round": [r[0] for r in ratios],
        "joblib_vs_batch_run_command_by_round": [r[1] for r in ratios],
        "joblib_vs_batch_run_world_preloaded_by_round": [r[2] for r in ratios],
        "joblib_equals_serial": same,
        "batch_run_equals_serial": batch_same,
        "load_before_after": [before, after],
    }
    (HERE / "benchmark_results.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
