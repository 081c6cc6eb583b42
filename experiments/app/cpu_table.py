"""The class phase of a ``cpu_by_process.py`` log: CPU seconds by kind of process.

The class's pages are all open from the first sample with at least ``--students`` renderers
to the last: ``bench_page.py`` then asks the server for its memory, leaves the pages alone for
5 s (``idle``) and runs the class (``class``, until the pages close). Prints the CPU of each
kind of process in both windows, and per second of the class with ``--bins``. Usage::

    .venv/bin/python experiments/app/cpu_table.py /tmp/cpu.jsonl --students 30
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cpu_by_process import KINDS


def window(rows: list[dict], t0: float, t1: float) -> dict[str, float]:
    """CPU seconds by kind between the samples nearest ``t0`` and ``t1``."""
    a = min(rows, key=lambda r: abs(r["t"] - t0))
    b = min(rows, key=lambda r: abs(r["t"] - t1))
    out = {k: b[k] - a[k] for k in KINDS}
    out["wall"] = b["t"] - a["t"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds left alone")
    parser.add_argument("--bins", action="store_true", help="the class second by second")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.log.read_text().splitlines() if line.strip()]
    open_ = [r["t"] for r in rows if r["renderers"] >= args.students]
    if not open_:
        raise SystemExit(f"error: {args.log}: never {args.students} renderers at once")
    start, end = open_[0], open_[-1]
    idle0 = start + 0.5  # the server's memory asked for first
    phases = {
        "idle": window(rows, idle0, idle0 + args.idle),
        "class": window(rows, idle0 + args.idle, end),
    }
    print("| phase | wall s | " + " | ".join(KINDS) + " | browsers (all but server) |")
    print("| --- | ---: | " + " | ".join("---:" for _ in KINDS) + " | ---: |")
    for name, w in phases.items():
        browsers = sum(w[k] for k in KINDS if k != "server")
        cells = " | ".join(f"{w[k]:.2f}" for k in KINDS)
        print(f"| {name} | {w['wall']:.1f} | {cells} | {browsers:.2f} |")
    if args.bins:
        t = idle0 + args.idle
        while t < end:
            w = window(rows, t, t + 1)
            print(f"{t - idle0 - args.idle:5.1f} s: " + ", ".join(f"{k} {w[k]:.2f}" for k in KINDS))
            t += 1


if __name__ == "__main__":
    main()
