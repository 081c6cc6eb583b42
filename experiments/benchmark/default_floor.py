"""The default world's step against its numpy floor (issue 15's "within 3x" target).

``AllianceModel()`` (``world=today``), one warm-up step, then CPU seconds per step over 20 steps,
median of 5 models; beside it, in the same process, the same step's matrix work as bare numpy
(``floor.py``) on that model's state. Also times the Louvain bloc search alone on the model's
graph after the 21 steps (the part of a step the floor does not include: the model runs it
every year in which a tie changed).

    python experiments/benchmark/default_floor.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]  # this checkout's sim, before any installed one

from floor import FloorState, check_against_model, floor_step  # noqa: E402

from sim.metrics import bloc_members  # noqa: E402
from sim.model import AllianceModel  # noqa: E402

STEPS, REPS = 20, 5


def main() -> None:
    model_s, floor_s, louvain_s = [], [], []
    for rep in range(REPS):
        model = AllianceModel()
        model.step()
        cpu = time.process_time()
        for _ in range(STEPS):
            model.step()
        model_s.append((time.process_time() - cpu) / STEPS)
        if rep == 0:
            check_against_model(model)
        state = FloorState.from_model(model)
        rng = np.random.default_rng(rep)
        floor_step(state, model.steps + 1, rng)
        cpu = time.process_time()
        for k in range(STEPS):
            floor_step(state, model.steps + 1 + k, rng)
        floor_s.append((time.process_time() - cpu) / STEPS)
        cpu = time.process_time()
        for _ in range(STEPS):
            bloc_members(model.graph, model.iso3, model._bloc_seed, model.params.bloc_resolution)
        louvain_s.append((time.process_time() - cpu) / STEPS)
    m, f, lv = (statistics.median(x) * 1e3 for x in (model_s, floor_s, louvain_s))
    print(
        f"default world ({len(model.iso3)} nations): step {m:.2f} ms, floor {f:.2f} ms "
        f"({m / f:.2f}x); Louvain alone {lv:.2f} ms, the rest {m - lv:.2f} ms "
        f"({(m - lv) / f:.2f}x); load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
