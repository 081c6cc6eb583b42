"""The runs the page computes ahead (issue 14): which, equal to runs asked for, second to them."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import pytest

from sim.app import runs
from sim.app.controls import Controls
from sim.app.frames import explorer_frames, explorer_json


@pytest.fixture(autouse=True, scope="module")
def _workers_stopped():
    yield
    runs.stop_workers()  # the worker computing ahead (sim.app.worker)


def test_neighbours_are_one_notch_on_each_spending_slider_within_its_range():
    spending = [
        (n.us_spending, n.china_spending, n.russia_spending) for n in runs.neighbours(Controls())
    ]
    assert spending == [
        (0.75, 1.0, 1.0),
        (1.25, 1.0, 1.0),
        (1.0, 0.75, 1.0),
        (1.0, 1.25, 1.0),
        (1.0, 1.0, 0.75),
        (1.0, 1.0, 1.25),
    ]
    edge = replace(Controls(), us_spending=3.0, china_spending=0.25, seed=4)
    us_china = [(n.us_spending, n.china_spending) for n in runs.neighbours(edge)]
    assert us_china[:2] == [(2.75, 0.25), (3.0, 0.5)]  # no 3.25, no 0
    assert all(n.seed == 4 and n.world == edge.world for n in runs.neighbours(edge))


def test_a_drawn_run_queues_its_neighbours_and_they_equal_runs_asked_for():
    c = replace(Controls(), seed=17)
    run = runs.get_run(c)
    explorer_json(run, None, None, None, ("DEU",), "share")  # the page draws it
    wanted = runs.neighbours(c)
    deadline = time.monotonic() + 60
    while not all(runs.is_cached(n) for n in wanted) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(runs.is_cached(n) for n in wanted)
    ahead = runs.get_run(wanted[0])
    fresh = runs._compute(wanted[0])
    assert json.dumps(explorer_frames(ahead, run, None, None, ("DEU",), "share")) == json.dumps(
        explorer_frames(fresh, run, None, None, ("DEU",), "share")
    )


def test_a_run_computed_ahead_gives_way_to_any_other_run_someone_waits_for():
    mine, other = replace(Controls(), seed=18), replace(Controls(), seed=19)
    passed = threading.Event()

    def ahead() -> None:
        runs._give_way(mine)
        passed.set()

    with runs._lock:
        runs._waited[other] += 1
    thread = threading.Thread(target=ahead, daemon=True)
    thread.start()
    try:
        assert not passed.wait(0.3)  # held back while someone waits for another run
    finally:
        with runs._lock:
            del runs._waited[other]
            runs._changed.notify_all()
    assert passed.wait(5)
    with runs._lock:
        runs._waited[mine] += 1  # someone waits for this very run: it goes on
    try:
        passed.clear()
        threading.Thread(target=ahead, daemon=True).start()
        assert passed.wait(5)
    finally:
        with runs._lock:
            del runs._waited[mine]


def test_without_ahead_nothing_is_queued(monkeypatch):
    monkeypatch.setattr(runs, "AHEAD", False)
    c = replace(Controls(), seed=20)
    runs.compute_ahead(c)
    assert c not in runs._around
    assert not any(n in runs._ahead for n in runs.neighbours(c))


def test_a_run_computed_ahead_waits_for_a_quiet_moment(monkeypatch):
    monkeypatch.setattr(runs, "AHEAD_QUIET", 0.3)
    mine = replace(Controls(), seed=21)
    runs._last_asked = time.monotonic()  # a session just asked for a run
    started = time.monotonic()
    runs._give_way(mine)
    assert time.monotonic() - started >= 0.9 * runs.AHEAD_QUIET
    started = time.monotonic()
    runs._give_way(mine)  # quiet since
    assert time.monotonic() - started < 0.9 * runs.AHEAD_QUIET
