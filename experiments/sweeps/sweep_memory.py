"""Does a sweep worker's memory stay bounded over many jobs?

Runs one real sweep, ``python -m sim -m seed=range(0,N) model.steps=30 ...`` with Hydra's basic
launcher, so a single process (the worker) runs all N jobs one after the other through the same
job path as any launcher's worker (compose, run, write the run directory). Samples the process's
resident set size (psutil) every 0.1 s together with the number of finished jobs, then prints
the RSS after 1, 10, 25, 50, 100, ... jobs and the growth over the second half of the sweep.

    python experiments/sweeps/sweep_memory.py                 # 200 jobs, figures off
    python experiments/sweeps/sweep_memory.py --figures --jobs 100   # with per-run PNGs

Writes ``memory_results.json`` beside this file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MB = 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--figures", action="store_true", help="write per-run PNGs too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sweep_dir = Path(tmp)
        cmd = [
            sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={sweep_dir}",
            f"seed=range(0,{args.jobs})", f"model.steps={args.steps}",
            f"figures={str(args.figures).lower()}", "hydra.callbacks.sweep_report.figures=false",
        ]  # fmt: skip
        started = time.perf_counter()
        proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[int, float]] = []  # (jobs done, rss MB)
        while proc.poll() is None:
            try:
                rss = proc.memory_info().rss / MB
            except psutil.Error:
                break
            done = sum(1 for _ in sweep_dir.glob("*/summary.json"))
            samples.append((done, rss))
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(proc.stderr.read().decode()[-2000:])
    done = np.array([d for d, _ in samples])
    rss = np.array([r for _, r in samples])
    marks = [m for m in (1, 10, 25, 50, 100, 150, 200, 300, 500, 1000) if m <= args.jobs]
    table = {}
    print(f"{args.jobs} jobs of {args.steps} steps in one process, figures={args.figures}: "
          f"{elapsed:.0f} s")  # fmt: skip
    print(f"{'jobs done':>10s} {'RSS (MB)':>9s}")
    for m in marks:
        at = rss[done >= m]
        if len(at):
            table[m] = float(at[0])
            print(f"{m:10d} {at[0]:9.1f}")
    half = done >= args.jobs // 2
    slope = float(np.polyfit(done[half], rss[half], 1)[0]) * 100 if half.sum() > 2 else float("nan")
    print(f"peak RSS {rss.max():.1f} MB; growth over the second half: {slope:+.2f} MB per 100 jobs")
    result = {
        "jobs": args.jobs,
        "steps": args.steps,
        "figures": args.figures,
        "seconds": elapsed,
        "rss_mb_after_jobs": table,
        "peak_rss_mb": float(rss.max()),
        "growth_mb_per_100_jobs_second_half": slope,
    }
    name = "memory_results_figures.json" if args.figures else "memory_results.json"
    (HERE / name).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
