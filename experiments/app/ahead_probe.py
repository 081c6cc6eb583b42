"""Runs computed ahead, in a thread of the server's process or in the worker at nice 19: how
long does a session's render wait meanwhile, and when are the runs ready?

Queues the six one-notch neighbours of a run (seed ``SEED``, :func:`sim.app.runs.compute_ahead`,
quiet period 0) in the mode ``--mode`` names, while a probe thread does 10 ms of pure Python
every 50 ms, as a session's render would (``burst_runs.py``'s probe), and ``--hogs`` processes
at nice 0 spin on the CPU (the class's browsers on the same cores; 0: none). Prints when the
six runs were stored (within ``--window`` s) and the probe's extra delay (its wait for the GIL
and for a core).
Usage::

    .venv/bin/python experiments/app/ahead_probe.py 51 --mode thread
    .venv/bin/python experiments/app/ahead_probe.py 52 --mode process --hogs 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import sim.app.runs as runs
from sim.app.controls import Controls

sys.path.insert(0, str(Path(__file__).resolve().parent))
from burst_runs import PAUSE, calibrated, work  # noqa: E402 (its probe: 10 ms every 50 ms)


def spin(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seed", type=int, help="a seed whose runs are not yet cached")
    parser.add_argument("--mode", choices=("thread", "process"), required=True)
    parser.add_argument("--hogs", type=int, default=0, help="processes spinning at nice 0")
    parser.add_argument("--window", type=float, default=30.0, help="seconds watched, at most")
    args = parser.parse_args()
    runs.AHEAD, runs.AHEAD_QUIET = args.mode, 0.0
    c = replace(Controls(), seed=args.seed)
    runs.get_run(Controls())  # the model imported and the default world read
    runs.get_run(c)
    if args.mode == "process":  # the worker spawned and warmed beforehand, as in the server
        runs.compute_ahead(replace(c, seed=args.seed + 1000))
        if not runs.ahead_idle(120):
            raise SystemExit("error: the worker did not warm up in 120 s")
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    hogs = [ctx.Process(target=spin, args=(stop,), daemon=True) for _ in range(args.hogs)]
    for h in hogs:
        h.start()
    time.sleep(0.5 if hogs else 0)

    n, alone = calibrated()
    delays: list[float] = []
    wanted = runs.neighbours(c)
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            delays.append(work(n) - alone)
            time.sleep(PAUSE)

    prober = threading.Thread(target=probe)
    started = time.perf_counter()
    prober.start()
    runs.compute_ahead(c)
    ready: dict[Controls, float] = {}
    while len(ready) < len(wanted) and time.perf_counter() - started < args.window:
        for w in wanted:
            if w not in ready and runs.is_cached(w):
                ready[w] = time.perf_counter() - started
        time.sleep(0.01)
    done.set()
    prober.join()
    stop.set()
    for h in hogs:
        h.join()
    runs.stop_workers()
    delays.sort()
    print(
        f"mode {args.mode}, {args.hogs} hogs: {len(ready)} of {len(wanted)} runs ahead stored "
        f"within {args.window:g} s, after (s) {[round(r, 2) for r in sorted(ready.values())]}; "
        f"the probe's {1000 * alone:.0f} ms of work took longer by: median "
        f"{1000 * statistics.median(delays):.1f} ms, p95 "
        f"{1000 * delays[int(0.95 * (len(delays) - 1))]:.1f} ms, max {1000 * delays[-1]:.1f} ms "
        f"({len(delays)} probes)"
    )


if __name__ == "__main__":
    main()
