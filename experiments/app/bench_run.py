"""What one new run of the page costs the server, part by part (issue 14's runs).

The six runs ``bench_page.py``'s class asks for (one notch down or up from the default on the US,
China and Russia sliders), each computed ``--reps`` times in this process as the page computes
it (:func:`sim.app.runs._compute`, then its frames with the default run as its ghost), after one
warm-up run that imports the model and reads the world. Prints the median CPU time (this
thread's) per part: the config, building the model, the 50 steps (the Louvain bloc detection
apart), the run's tables (``snapshot``) and the browser's frames (``explorer_json``), with the
load (``os.getloadavg``) before and after. ``--profile`` adds cProfile's top functions.

    .venv/bin/python experiments/app/bench_run.py
    .venv/bin/python experiments/app/bench_run.py --reps 2 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's sim

import sim.model  # noqa: E402
from sim.app import runs  # noqa: E402
from sim.app.controls import Controls, configure  # noqa: E402
from sim.app.frames import explorer_json  # noqa: E402
from sim.app.page import DEFAULT_NATIONS  # noqa: E402
from sim.runner import build_model  # noqa: E402

#: the class's six settings in bench_page.py: one notch (0.25) down or up on each power's slider
SETTINGS = [
    ("us_spending", 0.75),
    ("china_spending", 1.25),
    ("russia_spending", 0.75),
    ("us_spending", 1.25),
    ("china_spending", 0.75),
    ("russia_spending", 1.25),
]
PARTS = ["config", "build", "steps", "louvain", "snapshot", "frames", "total"]


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="times each of the six runs")
    parser.add_argument("--profile", action="store_true", help="cProfile's top 25 functions")
    args = parser.parse_args()
    clock = time.thread_time
    louvain = [0.0]
    found = sim.model.bloc_members

    def timed(*a, **k):
        t = clock()
        try:
            return found(*a, **k)
        finally:
            louvain[0] += clock() - t

    sim.model.bloc_members = timed
    ghost = runs.get_run(Controls())  # warm: imports, the composed config, the world read
    nations = tuple(DEFAULT_NATIONS)
    before = load()
    got: dict[str, list[float]] = {p: [] for p in PARTS}
    profile = cProfile.Profile() if args.profile else None
    for _ in range(args.reps):
        for name, value in SETTINGS:
            c = replace(Controls(), **{name: value})
            if profile:
                profile.enable()
            t0 = clock()
            cfg = configure(c)
            t1 = clock()
            model = build_model(cfg)
            edges = runs.treaty_ties(model)
            t2 = clock()
            louvain[0] = 0.0
            for _ in range(cfg.model.steps):
                model.step()
            t3 = clock()
            in_steps = louvain[0]
            run = runs.snapshot(c, model, cfg.scenario, edges, cfg.model.steps)
            t4 = clock()
            explorer_json(run, ghost, None, None, nations, "share")
            t5 = clock()
            if profile:
                profile.disable()
            parts = [t1 - t0, t2 - t1, t3 - t2 - in_steps, in_steps, t4 - t3, t5 - t4, t5 - t0]
            for p, v in zip(PARTS, parts, strict=True):
                got[p].append(1000 * v)
    after = load()
    print(
        f"one new run, CPU ms (median of {len(got['total'])}; steps without Louvain): "
        + ", ".join(f"{p} {statistics.median(v):.1f}" for p, v in got.items())
        + f"; load before {before}, after {after}"
    )
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
