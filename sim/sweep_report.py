"""``python -m sim.sweep_report SWEEP_DIR``: rebuild ``sweep.parquet`` and ``figures/``.

Reads only the job directories (their ``.hydra/``, ``summary.json`` and ``failed.json``), so it
works on a finished sweep, on an interrupted one (unfinished jobs get status ``missing``) and on a
sweep copied from a cluster.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.sweep import SWEEP_TABLE, describe, write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.sweep_report", description=__doc__)
    parser.add_argument("sweep_dir", type=Path, help="a multirun's sweep directory")
    parser.add_argument("--no-figures", action="store_true", help="write only sweep.parquet")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"error: {args.sweep_dir}: not a directory", file=sys.stderr)
        return 2
    try:
        frame = write_report(args.sweep_dir, figures=not args.no_figures)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.sweep_dir / SWEEP_TABLE} and {args.sweep_dir / 'figures'}/")
    print(describe(frame))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
