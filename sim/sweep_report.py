"""``python -m sim.sweep_report SWEEP_DIR [SWEEP_DIR ...]``: rebuild and merge sweep reports.

For each sweep directory, rebuilds ``sweep.parquet``, ``dataset/`` and ``figures/`` from its files
alone (the last command's manifest, the job directories' ``point.json``, ``summary.json`` and
``failed.json``), so it works on a finished sweep, on an interrupted one (unfinished jobs get
status ``missing``) and on a sweep copied from a cluster. With several directories it also writes
their rows as one table (``--out``, default ``sweeps_merged.parquet``) with a ``sweep`` column.

Query the tables in place, e.g. with DuckDB (override keys such as ``budget_rule.k`` need double
quotes in SQL; ``point`` joins the dataset to ``sweep.parquet``)::

    SELECT scenario, year, avg(mean_share)
    FROM read_parquet('SWEEP_DIR/dataset/world/*/*.parquet', hive_partitioning = true)
    GROUP BY ALL ORDER BY ALL;

Exit status 0 when every job is ok, 1 when some failed or are missing, 2 on unreadable input
(one line naming the file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.output import OutputError, write_table
from sim.sweep import SWEEP_TABLE, SweepError, describe, merge, write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.sweep_report",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sweep_dirs", type=Path, nargs="+", help="sweep directories")
    parser.add_argument("--no-figures", action="store_true", help="no figures/")
    parser.add_argument(
        "--dataset",
        default="world",
        help="tables of dataset/ to rebuild, comma-separated: world, nations or '' (default world)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("sweeps_merged.parquet"),
        help="the merged table, with several sweep directories (default sweeps_merged.parquet)",
    )
    args = parser.parse_args(argv)
    tables = [t for t in args.dataset.split(",") if t]
    status = 0
    try:
        for sweep_dir in args.sweep_dirs:
            if not sweep_dir.is_dir():
                raise SweepError(f"{sweep_dir}: not a directory")
            frame = write_report(sweep_dir, figures=not args.no_figures, dataset=tables)
            print(f"wrote {sweep_dir / SWEEP_TABLE}: {describe(frame)}")
            status = max(status, int((frame["status"] != "ok").any()))
        if len(args.sweep_dirs) > 1:
            merged = merge(args.sweep_dirs)
            write_table(merged, args.out)
            print(f"wrote {args.out}: {len(merged)} jobs of {len(args.sweep_dirs)} sweeps")
    except (SweepError, OutputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    raise SystemExit(main())
