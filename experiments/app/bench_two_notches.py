"""A diagnostic variant of ``bench_page.py``: each student moves its slider two notches, not one.

The page computes ahead the runs one notch either way on each spending slider from a run it drew
(:func:`sim.app.runs.compute_ahead`), and ``bench_page.py``'s class asks exactly those six runs.
This variant asks six runs that are not computed ahead: student ``i`` presses its key twice on
slider ``i mod 6`` (x0.5 or x1.5 of one power's share), and the action is timed from the first key
press until the page draws the run two notches away. Everything else is ``bench_page.py``'s,
imported and run as is (its server, students, timing and memory log); only its list of settings
and its key press are replaced in this process. Writes ``bench_results_two_notches.json``
unless ``--out`` says otherwise; takes ``bench_page.py``'s options::

    .venv/bin/python experiments/app/bench_two_notches.py                  # ~5 min
    .venv/bin/python experiments/app/bench_two_notches.py --students 5 --steps 10
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_page  # noqa: E402

#: student i's setting: bench_page.py's slider and key (pressed twice), and what the running
#: settings then say (two notches of 0.25 from x1: x0.5 or x1.5)
TWO_NOTCHES = [
    (label, key, f"{running.split(' x')[0]} x{0.5 if key == 'ArrowLeft' else 1.5:g}")
    for label, key, running in bench_page.SETTINGS
]


async def press_twice(page, label: str, key: str, running: str, timeout: float, handle=None):
    """``key`` pressed twice on the slider labelled ``label``, timed (from the first press, as
    ``bench_page.py``'s timer takes the first ``keydown``) until the page draws the run whose
    settings line has ``running`` (``handle``: as :func:`bench_page.press_key`)."""
    await bench_page.focus_slider(page, label, handle)
    await page.evaluate("(r) => window.__bench.arm('run', r)", running)
    started = time.perf_counter()
    await page.keyboard.press(key)
    await page.keyboard.press(key)
    return await bench_page.timed(page, started, timeout)


def main() -> None:
    bench_page.SETTINGS[:] = TWO_NOTCHES
    bench_page.press_key = press_twice
    if "--out" not in sys.argv:
        sys.argv += ["--out", str(Path(__file__).with_name("bench_results_two_notches.json"))]
    bench_page.main()


if __name__ == "__main__":
    main()
