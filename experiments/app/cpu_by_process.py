"""CPU of a benchmark's browsers by kind of process, sampled from ``/proc`` while it runs.

Beside ``bench_page.py`` (which reports only the sum of its browsers' CPU): every ``--interval``
seconds, the CPU seconds used by each kind of process among the descendants of ``--pid`` (the
benchmark): Chromium's ``renderer`` (its main thread, compositor thread and pool workers apart),
``gpu``, ``utility`` (the network service), ``browser`` (Chromium's main process and zygotes),
Playwright's ``driver`` (node), and the ``server`` (``sim.app.serve``). Writes one JSON line per
sample (cumulative seconds) and, at the end, a table of the busiest windows. Usage::

    .venv/bin/python experiments/app/bench_page.py & \
        .venv/bin/python experiments/app/cpu_by_process.py --pid $! --out /tmp/cpu.jsonl

It stops when the benchmark exits.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

KINDS = (
    "renderer main",
    "renderer compositor",
    "renderer workers",
    "renderer other",
    "gpu",
    "utility",
    "browser",
    "driver",
    "server",
)
TICK = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> dict[int, list[int]]:
    """Each process's children, from ``/proc/<pid>/stat``'s parent field."""
    out: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def descendants(pid: int) -> list[int]:
    tree, out, todo = children(pid), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kind(pid: int) -> str | None:
    """The kind of a process (:data:`KINDS`, the renderer's threads apart), or None."""
    try:
        line = (Path(f"/proc/{pid}/cmdline").read_bytes()).replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return None
    if "sim.app.serve" in line:
        return "server"
    if "chrom" not in line:
        return "driver" if "node" in line or "playwright" in line else None
    found = re.search(r"--type=([a-z-]+)", line)
    name = found.group(1) if found else "browser"
    return {"gpu-process": "gpu", "zygote": "browser"}.get(name, name)


def used(path: Path) -> float:
    fields = path.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def sample(pid: int, seen: dict[tuple[int, int], tuple[str, float]]) -> dict[str, float]:
    """Cumulative CPU seconds by kind; ``seen`` keeps the last figure of every thread that has
    exited, so the sums never fall."""
    live = 0
    for child in descendants(pid):
        k = kind(child)
        if k is None:
            continue
        live += k == "renderer"
        try:
            for task in Path(f"/proc/{child}/task").iterdir():
                tk = k
                if k == "renderer":
                    name = (task / "comm").read_text().strip()
                    if task.name == str(child):
                        tk = "renderer main"
                    elif name == "Compositor":
                        tk = "renderer compositor"
                    elif name.startswith("ThreadPool"):
                        tk = "renderer workers"
                    else:
                        tk = "renderer other"
                seen[(child, int(task.name))] = (tk, used(task / "stat"))
        except (FileNotFoundError, ProcessLookupError):
            continue
    out = dict.fromkeys(KINDS, 0.0)
    for tk, value in seen.values():
        out[tk] += value
    out["renderers"] = live  # alive now
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pid", type=int, required=True, help="the benchmark's process")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seen: dict[tuple[int, int], tuple[str, float]] = {}
    start = time.time()
    with args.out.open("w") as out:
        while Path(f"/proc/{args.pid}").exists():
            now = time.time()
            row = {"t": round(now - start, 2), "wall": now, **sample(args.pid, seen)}
            out.write(json.dumps(row) + "\n")
            out.flush()
            time.sleep(args.interval)


if __name__ == "__main__":
    main()
