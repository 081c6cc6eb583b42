"""Six new runs asked for at once, in the server's process: when is each ready, and how long does
a session's render wait meanwhile?

Six threads ask :func:`sim.app.runs.get_run` for six runs not yet computed (seed ``SEED``, six
US spending multipliers) while a probe thread does 10 ms of pure Python every 50 ms, as a
session's render would; prints when each run was ready and the probe's extra delay (its wait
for the GIL). ``--side-by-side`` computes the runs side by side, as before ``runs._computing``.
Usage::

    .venv/bin/python experiments/app/burst_runs.py 3
    .venv/bin/python experiments/app/burst_runs.py 4 --side-by-side
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import threading
import time
from dataclasses import replace

import sim.app.runs as runs
from sim.app.controls import Controls

#: the probe's work and pause (s): a session's render of the page, every 50 ms
WORK, PAUSE = 0.010, 0.040


def work(n: int) -> float:
    """Seconds ``n`` additions of pure Python take (the probe's render-like work)."""
    t = time.perf_counter()
    x = 0
    for i in range(n):
        x += i
    return time.perf_counter() - t


def calibrated() -> tuple[int, float]:
    """``(n, s)``: the additions that take ~:data:`WORK` s alone here, and what they took."""
    n = int(100_000 * WORK / min(work(100_000) for _ in range(3)))
    return n, min(work(n) for _ in range(5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seed", type=int, help="a seed whose runs are not yet cached")
    parser.add_argument("--side-by-side", action="store_true", help="no one-at-a-time lock")
    args = parser.parse_args()
    if args.side_by_side:
        runs._computing = contextlib.nullcontext()
    runs.get_run(Controls())  # the model imported and the default world read
    asked = [replace(Controls(), seed=args.seed, us_spending=v) for v in (0.5, 0.75, 1.25, 1.5)]
    asked += [replace(Controls(), seed=args.seed, us_spending=v) for v in (1.75, 2.0)]
    ready: list[float] = []
    delays: list[float] = []
    done = threading.Event()

    def one(c: Controls) -> None:
        runs.get_run(c)
        ready.append(time.perf_counter() - started)

    n, alone = calibrated()

    def probe() -> None:
        while not done.is_set():
            delays.append(work(n) - alone)
            time.sleep(PAUSE)

    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(c,)) for c in asked]
    prober = threading.Thread(target=probe)
    prober.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    prober.join()
    delays.sort()
    print(
        f"runs ready after (s): {[round(r, 2) for r in sorted(ready)]}, "
        f"mean {statistics.mean(ready):.2f}; the probe's {1000 * alone:.0f} ms of work took "
        f"longer by: median "
        f"{1000 * statistics.median(delays):.0f} ms, p95 "
        f"{1000 * delays[int(0.95 * (len(delays) - 1))]:.0f} ms"
    )


if __name__ == "__main__":
    main()
