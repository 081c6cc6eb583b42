"""The worker process that computes runs ahead (issue 14): equal runs, low priority, failures.

Every test stops the workers it started (:func:`sim.app.runs.stop_workers`).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest

from sim.app import runs
from sim.app.controls import Controls
from sim.app.frames import explorer_frames
from sim.app.worker import NICE, Worker, WorkerError


@pytest.fixture(autouse=True)
def _workers_stopped(monkeypatch):
    monkeypatch.setattr(runs, "AHEAD", "process")
    monkeypatch.setattr(runs, "AHEAD_QUIET", 0.0)
    monkeypatch.setattr(runs, "_ahead_failures", 0)
    yield
    with runs._lock:
        runs._ahead.clear()  # nothing left for the next test's worker
    runs.stop_workers()
    assert runs.ahead_idle(30)  # the run it was computing dropped
    runs.stop_workers()


def wait_for(done, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)
    return done()


def same_run(a: runs.Run, b: runs.Run, ghost: runs.Run) -> None:
    """``a`` and ``b`` equal to the bit: every table, the timeline and the browser's frames."""
    assert a is not b and a.controls == b.controls
    for name in ("share", "milex", "capability", "bloc", "world", "events"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.equals(y) and list(x.dtypes) == list(y.dtypes), name
    assert a.timeline == b.timeline and a.treaty_edges == b.treaty_edges
    frames = [json.dumps(explorer_frames(r, ghost, None, None, ("DEU",), "share")) for r in (a, b)]
    assert frames[0] == frames[1]


def test_runs_computed_ahead_in_the_worker_equal_the_runs_computed_here_to_the_bit():
    c = replace(Controls(), seed=31)
    run = runs.get_run(c)
    runs.compute_ahead(c)
    wanted = runs.neighbours(c)
    assert wait_for(lambda: all(runs.is_cached(n) for n in wanted))
    worker = runs._worker
    assert worker is not None and worker.alive()
    assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == NICE  # the lowest priority
    assert worker.computed >= len(wanted) and runs.ahead_stats["stored"] >= len(wanted)
    for n in wanted:
        same_run(runs.get_run(n), runs._compute(n), run)


def test_stopped_workers_are_gone_and_a_new_one_starts_when_needed():
    c = replace(Controls(), seed=32)
    runs.get_run(c)
    runs.compute_ahead(c)
    assert wait_for(lambda: runs._worker is not None)
    process = runs._worker.process
    runs.stop_workers()
    assert not process.is_alive() and runs._worker is None
    assert runs._ahead_failures == 0  # stopped on purpose: not a failure
    other = replace(Controls(), seed=33)
    runs.get_run(other)  # the counterfactual of its neighbours
    runs.compute_ahead(other)
    assert wait_for(lambda: all(runs.is_cached(n) for n in runs.neighbours(other)))


def test_a_worker_killed_mid_run_is_one_message_and_nothing_of_its_run_is_stored(caplog):
    c = replace(Controls(), seed=34)
    runs.get_run(c)
    first, *rest = runs.neighbours(c)
    with caplog.at_level(logging.ERROR, logger="sim.app.runs"):
        runs.compute_ahead(c)
        assert wait_for(lambda: runs._worker is not None)
        os.kill(runs._worker.process.pid, signal.SIGKILL)  # while it computes `first`
        assert wait_for(lambda: all(runs.is_cached(n) for n in rest))  # a new worker goes on
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert "stopped (exit code -9)" in errors[0] and "a new worker computes" in errors[0]
    assert str(first.seed) in errors[0] and runs._ahead_failures == 1
    assert not runs.is_cached(first)  # nothing half-done stored
    assert runs.get_run(first).controls == first  # asked for, it is computed here


def test_after_its_restarts_the_worker_is_not_started_again(caplog, monkeypatch):
    monkeypatch.setattr(runs, "_ahead_failures", runs.AHEAD_RESTARTS)
    c = replace(Controls(), seed=35)
    runs.get_run(c)
    with caplog.at_level(logging.ERROR, logger="sim.app.runs"):
        runs.compute_ahead(c)
        assert wait_for(lambda: runs._worker is not None)
        os.kill(runs._worker.process.pid, signal.SIGKILL)
        assert wait_for(lambda: runs._ahead_failures > runs.AHEAD_RESTARTS)
    assert "computed only when asked for from now on" in caplog.records[-1].getMessage()
    time.sleep(0.5)
    assert runs._worker is None
    later = replace(Controls(), seed=36)
    runs.compute_ahead(later)  # nothing queued any more
    assert later not in runs._around and runs.get_run(later).controls == later


def test_the_worker_reports_a_failure_and_an_invalid_run_and_goes_on():
    worker = Worker(runs._compute, (runs.RunError,))
    try:
        with pytest.raises(WorkerError, match="failed: AttributeError"):
            worker.compute("not controls")  # a bug on the server's side: its last line
        invalid = worker.compute(replace(Controls(), scenario="../../x"))
        assert isinstance(invalid, runs.RunError)  # the controls make no run: returned
        assert isinstance(worker.compute(replace(Controls(), seed=37)), runs.Run)
    finally:
        worker.stop()
    assert not worker.alive()
    with pytest.raises(WorkerError, match="stopped"):
        worker.compute(Controls())


def test_a_run_the_worker_stored_first_is_returned_to_the_one_who_asks():
    c = replace(Controls(), seed=38)
    stored = runs._compute(c)
    with runs._computing:  # another run computes: the asker waits for the lock
        got: list[runs.Run] = []
        asker = threading.Thread(target=lambda: got.append(runs.get_run(c)))
        asker.start()
        assert wait_for(lambda: c in runs._pending, 10)
        with runs._lock:
            runs._store(c, stored)  # the worker's run comes back first
    asker.join(30)
    assert got == [stored] and got[0] is stored
    with pytest.raises(runs._Superseded):  # and one already computing stops at its next year
        runs._compute(c, pause=lambda: runs._superseded(c))


def test_the_worker_ends_when_its_parent_is_killed(tmp_path):
    script = (
        "import sys, time\n"
        "from sim.app.runs import RunError, _compute\n"
        "from sim.app.worker import Worker\n"
        "if __name__ == '__main__':\n"
        "    w = Worker(_compute, (RunError,))\n"
        "    print(w.process.pid, flush=True)\n"
        "    time.sleep(120)\n"
    )
    (tmp_path / "parent.py").write_text(script)
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / "parent.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        pid = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)

        def gone() -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{pid}/stat") as f:  # reaped by init only after it exits
                return f.read().split()[2] == "Z"

        assert wait_for(gone, 10)
    finally:
        parent.kill()


def test_a_broken_pool_of_workers_is_one_message_and_runs_are_computed_here(caplog, monkeypatch):
    """``SIM_APP_WORKERS``: a worker that dies leaves the page usable (its run computed in the
    server's process) with one message, and the pool is dropped."""
    monkeypatch.setattr(runs, "_workers", None)
    runs.start_workers(1)
    pool = runs._workers
    os.kill(pool.submit(os.getpid).result(timeout=60), signal.SIGKILL)
    c = replace(Controls(), seed=39)
    with caplog.at_level(logging.ERROR, logger="sim.app.runs"):
        got = [runs.get_run(c), runs.get_run(replace(c, seed=40))]
    assert [r.controls.seed for r in got] == [39, 40] and runs._workers is None
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "computed in the server's process from now on" in errors[0]
