"""How fast is a step, and how close is it to the numpy floor?  (``make bench``)

Measures, on this machine, with several repetitions and the median quoted:

- seconds per step of the model on synthetic worlds of N nations, and beside it (same process,
  same state, interleaved) the numpy floor: the same step's matrix work as bare numpy
  (``floor.py``), so the ratio model / floor is the cost of agents, graph and recording;
- the default world (``world=today``): 50 steps after imports;
- ``python -m sim`` end to end (a subprocess: imports, run, tables, figures), and the same with
  ``figures=false``;
- N = 2000 x 50 steps in a fresh subprocess: wall time and peak memory (``VmHWM``).

Prints a table, checks the targets of issue 7 and writes ``results.json`` beside this file.
``--quick`` runs one repetition of fewer steps (a smoke test, not a measurement; it writes
nothing unless given ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]  # this checkout's sim, before any installed one

from floor import FloorState, check_against_model, floor_step  # noqa: E402

from sim.config import compose  # noqa: E402
from sim.runner import build_model  # noqa: E402

TARGETS = {
    "ratio_n1000": 2.0,  # model step / floor step at N = 1000
    "default_50_steps_s": 0.2,
    "big_run_s": 30.0,  # N = 2000 x 50 steps
    "big_run_gib": 2.0,
    "end_to_end_s": 6.0,
}

BIG_RUN = """
import json, resource, sys, time
t0 = time.perf_counter()
from sim.config import compose
from sim.runner import build_model
cfg = compose(["world=synthetic", "world.n={n}", "model.steps={steps}"])
t1, c1 = time.perf_counter(), time.process_time()
model = build_model(cfg)
for _ in range(cfg.model.steps):
    model.step()
tables = (model.nations_table(), model.world_table(), model.events_table())
t2, c2 = time.perf_counter(), time.process_time()
# peak resident memory of this interpreter: VmHWM (ru_maxrss would also count the parent's
# resident set at fork, which the exec'ed child inherits as a starting maximum on Linux)
try:
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    kib = int(status.split()[0])
except (OSError, IndexError):
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"imports_s": t1 - t0, "run_s": t2 - t1, "run_cpu_s": c2 - c1,
                  "maxrss_gib": kib / 2**20, "rows": len(tables[0])}}))
"""


def model_for(n: int, steps: int = 1000):
    return build_model(
        compose(["world=synthetic", f"world.n={n}", f"model.steps={steps}", "figures=false"])
    )


def per_step(n: int, steps: int, reps: int) -> dict:
    """Median seconds per step of the model and of the floor, measured side by side."""
    model_s, floor_s, model_cpu, floor_cpu = [], [], [], []
    for rep in range(reps):
        model = model_for(n)
        model.step()  # warm-up: first-step allocations, caches
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            model.step()
        model_s.append((time.perf_counter() - start) / steps)
        model_cpu.append((time.process_time() - cpu) / steps)
        if rep == 0:
            check_against_model(model)
        state = FloorState.from_model(model)
        rng = np.random.default_rng(rep)
        floor_step(state, model.steps + 1, rng)  # warm-up
        start, cpu = time.perf_counter(), time.process_time()
        for k in range(steps):
            floor_step(state, model.steps + 1 + k, rng)
        floor_s.append((time.perf_counter() - start) / steps)
        floor_cpu.append((time.process_time() - cpu) / steps)
        del model, state
    m, f = statistics.median(model_s), statistics.median(floor_s)
    mc, fc = statistics.median(model_cpu), statistics.median(floor_cpu)
    return {
        "n": n,
        "steps": steps,
        "reps": reps,
        "model_s": m,
        "floor_s": f,
        "ratio": m / f,
        "model_cpu_s": mc,
        "floor_cpu_s": fc,
        "cpu_ratio": mc / fc,
    }


def default_world(steps: int, reps: int) -> dict:
    """Median seconds for ``steps`` steps of the default config (after imports and build)."""
    times, cpus = [], []
    n = 0
    for _ in range(reps):
        model = build_model(compose([f"model.steps={steps}"]))
        n = len(model.iso3)
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            model.step()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return {
        "n": n,
        "steps": steps,
        "reps": reps,
        "seconds": statistics.median(times),
        "cpu_s": statistics.median(cpus),
    }


def end_to_end(reps: int, extra: list[str]) -> dict:
    """Median wall seconds of ``python -m sim`` in a subprocess (a fresh run dir each time)."""
    times, cpus = [], []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "sim", f"hydra.run.dir={tmp}/run", *extra]
            before = children_cpu()
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
            cpus.append(children_cpu() - before)
    return {
        "args": extra,
        "reps": reps,
        "seconds": statistics.median(times),
        "cpu_s": statistics.median(cpus),
    }


def children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def big_run(n: int, steps: int, reps: int) -> dict:
    """N x steps in a fresh interpreter: run seconds (after imports) and peak resident memory."""
    runs = []
    for _ in range(reps):
        out = subprocess.run(
            [sys.executable, "-c", BIG_RUN.format(n=n, steps=steps)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "n": n,
        "steps": steps,
        "reps": reps,
        "run_s": statistics.median(r["run_s"] for r in runs),
        "run_cpu_s": statistics.median(r["run_cpu_s"] for r in runs),
        "maxrss_gib": max(r["maxrss_gib"] for r in runs),
    }


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "git_revision": rev,
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[60, 200, 500, 1000, 2000])
    ap.add_argument("--reps", type=int, default=5, help="repetitions (the median is quoted)")
    ap.add_argument("--big-reps", type=int, default=2, help="repetitions of N=2000 x 50")
    ap.add_argument("--quick", action="store_true", help="1 repetition, few steps: a smoke test")
    ap.add_argument("--out", type=Path, help="JSON to write (default: results.json, not --quick)")
    args = ap.parse_args(argv)
    reps = 1 if args.quick else args.reps
    big_steps = 5 if args.quick else 50
    load_before = os.getloadavg()
    started = time.perf_counter()

    rows = []
    print("seconds per step, median of", reps, "(wall clock; CPU time of this process beside it)")
    print(
        f"{'N':>6} {'model':>9} {'floor':>9} {'ratio':>6}   {'model cpu':>9} {'floor cpu':>9} "
        f"{'ratio':>6}",
        flush=True,
    )
    for n in args.sizes:
        steps = 2 if args.quick else (20 if n <= 500 else 10 if n <= 1000 else 5)
        row = per_step(n, steps, reps)
        rows.append(row)
        print(
            f"{n:>6} {row['model_s']:>9.5f} {row['floor_s']:>9.5f} {row['ratio']:>6.2f}   "
            f"{row['model_cpu_s']:>9.5f} {row['floor_cpu_s']:>9.5f} {row['cpu_ratio']:>6.2f}",
            flush=True,
        )
    default = default_world(50, reps)
    e2e = end_to_end(min(reps, 3), [])
    e2e_nofig = end_to_end(min(reps, 3), ["figures=false"])
    big = big_run(2000, big_steps, 1 if args.quick else args.big_reps)
    load_after = os.getloadavg()

    at_1000 = next((r for r in rows if r["n"] == 1000), None)
    checks = [
        ("N=1000 step / numpy floor", at_1000 and at_1000["ratio"],
         at_1000 and at_1000["cpu_ratio"], TARGETS["ratio_n1000"], "x"),
        (f"default world ({default['n']} nations), 50 steps", default["seconds"],
         default["cpu_s"], TARGETS["default_50_steps_s"], "s"),
        (f"N=2000 x {big_steps} steps (build + run)", big["run_s"], big["run_cpu_s"],
         TARGETS["big_run_s"], "s"),
        (f"N=2000 x {big_steps} steps, peak memory", big["maxrss_gib"], None,
         TARGETS["big_run_gib"], "GiB"),
        ("python -m sim, end to end", e2e["seconds"], e2e["cpu_s"], TARGETS["end_to_end_s"], "s"),
        ("python -m sim figures=false", e2e_nofig["seconds"], e2e_nofig["cpu_s"], None, "s"),
    ]  # fmt: skip
    print()
    print(f"{'measure':<44} {'wall':>8} {'cpu':>8} {'target':>8}  met (wall)")
    for label, value, cpu, target, unit in checks:
        shown = "-" if value is None else f"{value:.3f}"
        cpu_shown = "-" if cpu is None else f"{cpu:.3f}"
        if target is None:
            print(f"{label:<44} {shown:>8} {cpu_shown:>8}")
            continue
        ok = "yes" if value is not None and value < target else "NO"
        print(f"{label:<44} {shown:>8} {cpu_shown:>8} {'< ' + str(target):>8}  {ok} ({unit})")
    elapsed = time.perf_counter() - started
    print(
        f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} cores); benchmark took {elapsed:.0f} s"
    )

    result = {
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "quick": args.quick,
        "per_step": rows,
        "default_world": default,
        "end_to_end": e2e,
        "end_to_end_no_figures": e2e_nofig,
        "big_run": big,
        "targets": TARGETS,
        "elapsed_s": elapsed,
    }
    out = args.out or (None if args.quick else HERE / "results.json")
    if out is None:
        print("a --quick run is a smoke test: nothing written (--out FILE keeps it)")
        return 0
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
