"""Bounds on a run's size, from estimates of its memory and time, checked before anything starts.

A run holds about twenty (N, N) arrays of pairwise state (distances and their decay, hostility,
ties, commitments, review dates, strain, the rules' work arrays), so its peak memory grows as N^2;
it records one world row a year and N nation rows every ``model.record_every`` years, which are
held until the tables are written. Its time grows as steps x (a fixed cost + N^2). A run whose
estimate exceeds the memory this machine has available, or a week of computing, is refused
before the first step with one line naming the key (``world.n``, the world file, or
``model.steps``) and the largest value that fits, instead of swapping, being killed by the
kernel, or running for ever.

The constants were measured on the project's 2-core machine (load 2-4) with ``resource.getrusage``
peak RSS and wall time: 134-166 bytes per nation pair at N = 500-2000; ~330 bytes per recorded
nation row (the records, the table built from them, the parquet write); 0.11-0.19 us per pair
and year, ~3 ms per year for a small world.
"""

from __future__ import annotations

import math
import os
from typing import NamedTuple

from sim.errors import ConfigError

#: peak bytes per nation pair: ~26 (N, N) float64 arrays (a 1,200-nation run of 3 years peaked
#: at 213-224 MB idle, 243 MB in a loaded CI run, 257.5 MB under a load of 10-19 and 282 MB in a
#: fresh-clone CI run on 2026-12-04, against 278.5 MB at 24 arrays: the bound must refuse before
#: the kernel kills a run, so it takes 26, 301.5 MB)
PAIR_BYTES = 208
#: bytes per recorded nation row (11 columns, recorded then copied into the table)
ROW_BYTES = 330
#: bytes per world-table row (a step: Mesa's DataCollector keeps Python lists)
STEP_BYTES = 400
#: seconds per year: a fixed cost, and the cost per nation pair
STEP_SECONDS = 1e-3
PAIR_STEP_SECONDS = 1.5e-7
#: the longest run accepted
MAX_SECONDS = 7 * 24 * 3600.0


class BoundError(ConfigError):
    """A run too large for this machine's memory or for a week's computing; names the key."""


class Estimate(NamedTuple):
    """A run's estimated peak memory (bytes) and time (seconds)."""

    pair_bytes: float
    table_bytes: float
    seconds: float

    @property
    def bytes(self) -> float:
        return self.pair_bytes + self.table_bytes


def estimate(n: int, steps: int, record_every: int = 1) -> Estimate:
    """Peak memory and time of a run of ``n`` nations over ``steps`` years.

    ``memory = PAIR_BYTES n^2 + STEP_BYTES steps + ROW_BYTES n (steps / record_every + 2)``,
    ``time = steps (STEP_SECONDS + PAIR_STEP_SECONDS n^2)``.
    """
    records = steps // max(record_every, 1) + 2  # step 0 and the last step are always kept
    return Estimate(
        pair_bytes=float(PAIR_BYTES) * n * n,
        table_bytes=float(STEP_BYTES) * steps + float(ROW_BYTES) * n * records,
        seconds=steps * (STEP_SECONDS + PAIR_STEP_SECONDS * n * n),
    )


def available_memory() -> int:
    """Bytes this process may still use: ``MemAvailable``, or less under a cgroup limit."""
    sizes = []
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    sizes.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError):
        pass
    try:
        limit = open("/sys/fs/cgroup/memory.max").read().strip()
        used = open("/sys/fs/cgroup/memory.current").read().strip()
        if limit.isdigit():
            sizes.append(int(limit) - int(used))
    except (OSError, ValueError):
        pass
    if not sizes:
        try:
            sizes.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError):
            return 2**63
    return max(min(sizes), 0)


def check_size(
    n: int,
    steps: int,
    record_every: int = 1,
    nations_key: str = "world.n",
    available: int | None = None,
) -> None:
    """Refuse a run whose estimate exceeds ``available`` memory or :data:`MAX_SECONDS`.

    ``nations_key`` names what sets the number of nations (``world.n``, or the world file).

    Raises
    ------
    BoundError
        naming ``nations_key`` when the pairwise arrays alone do not fit, else ``model.steps``,
        with the estimate and the largest value that fits.
    """
    free = available_memory() if available is None else available
    run = estimate(n, steps, record_every)
    if run.bytes > free and run.pair_bytes >= run.table_bytes:
        raise BoundError(
            f"{nations_key}: {n} nations need about {_size(run.pair_bytes)} for the pairwise "
            f"(N, N) arrays ({PAIR_BYTES} bytes a pair), more than the {_size(free)} of memory "
            f"available; at most about {most_nations(steps, record_every, free)} nations fit, "
            f"got {n}"
        )
    per_year = STEP_SECONDS + PAIR_STEP_SECONDS * n * n
    by_time = int(MAX_SECONDS / per_year)
    per_step_bytes = STEP_BYTES + ROW_BYTES * n / max(record_every, 1)
    by_memory = int(max(free - run.pair_bytes - 2 * ROW_BYTES * n, 0) / per_step_bytes)
    if steps > min(by_time, by_memory):
        rows_dominate = by_memory < by_time and ROW_BYTES * n / max(record_every, 1) > STEP_BYTES
        hint = " (a larger model.record_every keeps fewer rows)" if rows_dominate else ""
        raise BoundError(
            f"model.steps: {steps} years of {n} nations would take about {_duration(run.seconds)} "
            f"and hold about {_size(run.bytes)} of tables and state ({_size(free)} available, "
            f"a week's run at most); at most {min(by_time, by_memory)} years fit here{hint}, "
            f"got {steps}"
        )


def most_nations(steps: int, record_every: int, free: float) -> int:
    """The largest N whose :func:`estimate` fits in ``free`` bytes (the positive root of
    ``PAIR_BYTES N^2 + ROW_BYTES records N + STEP_BYTES steps = free``)."""
    a = PAIR_BYTES
    b = ROW_BYTES * (steps // max(record_every, 1) + 2)
    c = STEP_BYTES * steps - free
    if c >= 0:
        return 0
    n = int((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a))
    while estimate(n + 1, steps, record_every).bytes <= free:
        n += 1
    while n > 0 and estimate(n, steps, record_every).bytes > free:
        n -= 1
    return n


def _size(nbytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes / 1e3:.0f} kB"


def _duration(seconds: float) -> str:
    for unit, scale in (("years", 365 * 86400), ("days", 86400), ("hours", 3600)):
        if seconds >= scale:
            return f"{seconds / scale:.1f} {unit}"
    return f"{seconds / 60:.0f} minutes"
