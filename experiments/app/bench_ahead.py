"""``bench_page.py`` run as is, with the class's server CPU split: the server's own process and
its worker processes (the one computing runs ahead at nice 19, ``sim.app.worker``; those of
``SIM_APP_WORKERS``), and the workers' memory and nice values.

The benchmark, its design and its figures are ``bench_page.py``'s, unchanged (same arguments);
this script only wraps its CPU reading: each reading of the server's processes (the server first,
then its children) is also kept per process, and after the run ``cpu_split`` is added to the
JSON ``--out`` names: ``server_own_s`` and ``workers_s`` over the class (the same window as
``cpu.server_cpu_s``, their sum), ``workers`` (pid, nice, RSS MB at the end of the class) and
``machine_s``, the machine's CPU seconds over the class by kind (``/proc/stat``, all cores:
``nice`` is every niced process's, the other engineers' work outside the lock included).
Usage::

    .venv/bin/python experiments/app/bench_ahead.py --out experiments/app/bench_results_x.json
    SIM_APP_AHEAD=thread .venv/bin/python experiments/app/bench_ahead.py --out ...   # A/B
    .venv/bin/python experiments/app/bench_ahead.py --two-notches --out ...  # runs not ahead

``--two-notches`` is ``bench_two_notches.py``'s variant (each student presses its key twice: six
runs not computed ahead), with the same split.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_page  # noqa: E402

#: per reading of the server's processes: (the server's own CPU s, its children's, children,
#: the machine's CPU s by kind since boot)
READINGS: list[tuple[float, float, list[dict], dict[str, float]]] = []
_cpu_s = bench_page.cpu_s
#: /proc/stat's first columns (clock ticks of all cores): nice is every niced process's (other
#: engineers' work outside the lock, and the worker computing ahead)
KINDS = ("user", "nice", "system", "idle")


def machine_cpu_s() -> dict[str, float]:
    """The machine's CPU seconds since boot, all cores, by kind (:data:`KINDS`)."""
    with open("/proc/stat") as f:
        ticks = f.readline().split()[1:5]
    hz = os.sysconf("SC_CLK_TCK")
    return {k: int(t) / hz for k, t in zip(KINDS, ticks, strict=True)}


def cpu_s(processes: list[psutil.Process]) -> float:
    """:func:`bench_page.cpu_s`, keeping the server's readings per process."""
    total = _cpu_s(processes)
    if processes and processes[0].cmdline()[1:3] == ["-m", "sim.app.serve"]:
        children = []
        for p in processes[1:]:
            try:
                children.append(
                    {"pid": p.pid, "nice": p.nice(), "rss_mb": round(p.memory_info().rss / 2**20)}
                )
            except psutil.NoSuchProcess:
                pass
        own = _cpu_s(processes[:1])
        READINGS.append((own, total - own, children, machine_cpu_s()))
    return total


def main() -> None:
    bench_page.cpu_s = cpu_s
    if "--two-notches" in sys.argv:  # bench_two_notches.py's variant: two key presses
        sys.argv.remove("--two-notches")
        import bench_two_notches

        bench_page.SETTINGS[:] = bench_two_notches.TWO_NOTCHES
        bench_page.press_key = bench_two_notches.press_twice
    bench_page.main()
    argv = sys.argv[1:]
    out = (
        Path(argv[argv.index("--out") + 1])
        if "--out" in argv
        else Path(bench_page.__file__).with_name("bench_results.json")
    )
    if len(READINGS) < 3:
        raise SystemExit(f"error: {len(READINGS)} readings of the server's CPU, not 3")
    (own0, work0, _, machine0), (own1, work1, children, machine1) = READINGS[-2:]
    split = {
        "server_own_s": round(own1 - own0, 2),
        "workers_s": round(work1 - work0, 2),
        "workers": children,
        "machine_s": {k: round(machine1[k] - machine0[k], 1) for k in KINDS},
    }
    results = json.loads(out.read_text())
    results["cpu_split"] = split
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"the class's server CPU, split: {split}")


if __name__ == "__main__":
    main()
