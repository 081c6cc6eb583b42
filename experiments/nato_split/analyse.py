"""Which parameter ranges split NATO? The split of each run, then scenario discovery over them.

For every ok job of a ``python -m sim -m experiment=nato_split`` sweep, reads the final year of
the sweep's nation dataset (``SWEEP_DIR/dataset/nations``) and computes, over the 32 members of
NATO in the starting world,

- ``nato_blocs``: the number of blocs NATO's members fall into (nations in no bloc count as none),
- ``nato_outside``: the share of members outside the bloc that holds most of them;

writes them to ``SWEEP_DIR/nato_split.parquet`` (keyed by ``point``), then runs
``sim.discover`` on ``nato_outside > 0.1`` (more than a tenth of the members outside NATO's main
bloc): ``SWEEP_DIR/discovery/``. Prints the boxes and the feature scores.

    python experiments/nato_split/analyse.py [SWEEP_DIR]   # default: the newest sweep
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd

from sim.config import WorldConfig
from sim.discover import discover
from sim.output import write_table
from sim.worlds import load_world

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD = 0.1


def nato_split(sweep_dir: Path) -> pd.DataFrame:
    """``point, nato_blocs, nato_outside`` of every job in the sweep's nation dataset."""
    members = load_world(WorldConfig(name="today")).treaties
    members = sorted(members.loc[members["treaty"] == "NATO", "iso3"])
    rows = duckdb.sql(
        f"""WITH last AS (
              SELECT point, iso3, bloc, year, max(year) OVER (PARTITION BY point) AS final
              FROM read_parquet('{sweep_dir}/dataset/nations/*/*.parquet', hive_partitioning = 1))
            SELECT point, iso3, bloc FROM last
            WHERE year = final AND iso3 IN ({", ".join(f"'{m}'" for m in members)})"""
    ).df()
    out = []
    for point, group in rows.groupby("point"):
        in_bloc = group[group["bloc"] >= 0]
        main = in_bloc["bloc"].value_counts().max() if len(in_bloc) else 0
        out.append(
            {
                "point": point,
                "nato_blocs": int(in_bloc["bloc"].nunique()),
                "nato_outside": 1 - main / len(group),
            }
        )
    return pd.DataFrame(out)


def main() -> None:
    if len(sys.argv) > 1:
        sweep_dir = Path(sys.argv[1])
    else:
        sweeps = sorted((ROOT / "outputs" / "sweeps" / "nato_split").glob("*"))
        if not sweeps:
            raise SystemExit("error: no sweep; run python -m sim -m experiment=nato_split first")
        sweep_dir = sweeps[-1]
    split = nato_split(sweep_dir)
    write_table(split, sweep_dir / "nato_split.parquet")
    print(split.describe().to_string())
    boxes, scores = discover(
        sweep_dir, "nato_outside", above=THRESHOLD, join=sweep_dir / "nato_split.parquet"
    )
    print(boxes.limits.to_string(index=False))
    print(scores.to_string(index=False))


if __name__ == "__main__":
    main()
