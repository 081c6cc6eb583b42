"""Bounds from memory and time estimates (sim/bounds.py): a run too large for the machine or for
a week of computing is refused before the first step, with the key named; the estimates are not
below what a run really uses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from clibatch import ROOT, run_batch

from sim.bounds import (
    MAX_SECONDS,
    PAIR_BYTES,
    BoundError,
    available_memory,
    check_size,
    estimate,
)

GB = 10**9


def one_line(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert not proc.run_dir.exists()  # refused before Hydra wrote anything
    return lines[0]


def test_runs_too_large_are_refused_through_the_cli(tmp_path):
    huge_world = 26**3  # the most synthetic codes; ~49 GB of pairwise arrays
    cases = [
        ["model.steps=1000000000"],  # a zero-growth world: the run would never end
        ["world=synthetic", f"world.n={huge_world}"],
    ]
    if available_memory() > PAIR_BYTES * huge_world**2:
        cases[1] = ["world=synthetic", f"world.n={huge_world}", "model.steps=10000"]  # by time
    forever, crowded = run_batch(cases, tmp_path)
    line = one_line(forever)
    assert line.startswith("error: model.steps: 1000000000 years of ") and "fit here" in line
    line = one_line(crowded)
    assert line.startswith(("error: world.n: 17576 nations", "error: model.steps")), line


def test_the_largest_accepted_run_is_what_the_message_says():
    free = 8 * GB
    with pytest.raises(BoundError, match=r"world.n: 8000 nations need about 13.3 GB") as info:
        check_size(8000, 10, available=free)
    most = int(str(info.value).split("at most about ")[1].split()[0])
    check_size(most, 10, available=free)  # the number it names fits
    with pytest.raises(BoundError, match="world.n"):
        check_size(most + 1, 10, available=free)
    with pytest.raises(BoundError, match=r"model.steps: .* at most (\d+) years fit") as info:
        check_size(50, 10**9, available=free)
    years = int(str(info.value).split("at most ")[1].split()[0])
    check_size(50, years, available=free)
    with pytest.raises(BoundError, match="model.steps"):
        check_size(50, years + 1, available=free)


def test_a_week_of_computing_is_the_time_bound():
    n = 1000  # 0.15 s a year
    per_year = estimate(n, 1).seconds
    steps = int(MAX_SECONDS / per_year)
    check_size(n, steps, record_every=10**6, available=10**15)
    with pytest.raises(BoundError, match=r"model.steps: .* would take about 7.0 days"):
        check_size(n, steps + 1, record_every=10**6, available=10**15)


def test_record_every_is_the_hint_when_nation_rows_fill_memory():
    with pytest.raises(BoundError, match="a larger model.record_every keeps fewer rows"):
        check_size(2000, 20000, record_every=1, available=4 * GB)
    check_size(2000, 20000, record_every=1000, available=4 * GB)


def test_memory_estimate_is_not_below_a_real_run():
    """Peak RSS (``ru_maxrss``) of building and stepping a 1,200-nation world, in a fresh process,
    less its resident size before, stays within the estimate (so the bound refuses before the
    kernel would kill the run)."""
    code = """
import json, os, resource
from sim.config import compose
from sim.runner import build_model
before = int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")  # RSS now
model = build_model(compose(["world=synthetic", "world.n=1200", "model.steps=3"]))
for _ in range(3):
    model.step()
model.nations_table()
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    used = json.loads(done.stdout.strip().splitlines()[-1])
    assumed = estimate(1200, 3).bytes
    assert used <= assumed, (used, assumed)
    assert used >= 0.5 * assumed, (used, assumed)  # and not wildly above it either
