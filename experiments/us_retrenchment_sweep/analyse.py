"""Figure and table for the US retrenchment sweep, read from the sweep's job directories.

    python experiments/us_retrenchment_sweep/analyse.py [SWEEP_DIR] [--out DIR]

SWEEP_DIR defaults to the newest ``outputs/sweeps/us_retrenchment_sweep/*``. Each finished job
directory (one holding ``summary.json``) gives its US end share (``scenario.schedules[0].to_share``)
and seed from the recorded config, and its outcomes from ``nations.parquet`` and
``alliances_final.graphml``, so this works without the sweep aggregate (``sweep.parquet``).

Outcomes, for the NATO allies of the run's world (treaty ``NATO``):
- European spending: the aggregate defence share of GDP of the European allies (all but the
  United States and Canada), sum of milex / sum of GDP, in the last year;
- NATO ties intact: the treaty's seeded ties (a clique) still standing at the end, in percent;
- US-Europe ties: the European allies still tied to the US at the end, in percent;
- NATO in one bloc: the allies in the bloc (``bloc`` of ``nations.parquet``, Louvain communities)
  holding most of them at the end, in percent (at the start the US sits in a bloc with its
  Pacific allies and the others in one European bloc: 31 of 32).

Writes ``us_retrenchment_sweep.png`` and ``results.csv`` beside this script and prints a
Markdown table of the means and the ranges across seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.config import WorldConfig  # noqa: E402
from sim.worlds import load_world  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NON_EUROPEAN = {"USA", "CAN"}


def newest_sweep() -> Path:
    base = ROOT / "outputs" / "sweeps" / "us_retrenchment_sweep"
    runs = sorted(p for p in base.glob("*") if p.is_dir()) if base.is_dir() else []
    if not runs:
        sys.exit(
            f"error: no sweep under {base}; run: python -m sim -m experiment=us_retrenchment_sweep"
        )
    return runs[-1]


def job_outcomes(job: Path) -> tuple[dict, pd.DataFrame]:
    """One job's final outcomes and its European spending path (one row per year)."""
    summary = json.loads((job / "summary.json").read_text())
    cfg = summary["config"]
    world = load_world(WorldConfig(**cfg["world"]), summary["seed"])
    nato = world.treaties.loc[world.treaties["treaty"] == "NATO", "iso3"].tolist()
    europe = [c for c in nato if c not in NON_EUROPEAN]
    nations = pd.read_parquet(job / "nations.parquet")
    eu = nations[nations["iso3"].isin(europe)].groupby("year")[["milex", "gdp"]].sum()
    path = pd.DataFrame(
        {"year": eu.index.to_numpy(), "europe_share": (100 * eu["milex"] / eu["gdp"]).to_numpy()}
    )
    last = nations[nations["step"] == nations["step"].max()].set_index("iso3")
    graph = nx.read_graphml(job / "alliances_final.graphml")
    nato_ties = sum(1 for *_, d in graph.edges(data=True) if d.get("treaty") == "NATO")
    us_europe = sum(1 for c in europe if graph.has_edge("USA", c))
    largest_bloc = last.loc[nato, "bloc"].value_counts().iloc[0]
    row = {
        "us_end_share": 100 * cfg["scenario"]["schedules"][0]["to_share"],
        "seed": summary["seed"],
        "europe_start": float(path["europe_share"].iloc[0]),
        "europe_end": float(path["europe_share"].iloc[-1]),
        "us_end": 100 * float(last.loc["USA", "share"]),
        "nato_ties_intact": 100 * nato_ties / (len(nato) * (len(nato) - 1) / 2),
        "us_europe_ties": 100 * us_europe / len(europe),
        "nato_largest_bloc": 100 * float(largest_bloc) / len(nato),
        "ties_dissolved": summary["metrics"]["ties_dissolved"],
    }
    path["us_end_share"], path["seed"] = row["us_end_share"], row["seed"]
    return row, path


def main(sweep_dir: Path, out_dir: Path = HERE) -> pd.DataFrame:
    jobs = sorted(p.parent for p in sweep_dir.glob("*/summary.json"))
    if not jobs:
        sys.exit(f"error: {sweep_dir}: no finished job directories (*/summary.json)")
    rows, paths = zip(*(job_outcomes(j) for j in jobs), strict=True)
    runs = pd.DataFrame(rows).sort_values(["us_end_share", "seed"], ascending=[False, True])
    paths = pd.concat(paths)
    outcomes = ["europe_end", "nato_ties_intact", "us_europe_ties", "nato_largest_bloc"]
    table = runs.groupby("us_end_share", sort=False)[outcomes].agg(["mean", "min", "max"])
    runs.to_csv(out_dir / "results.csv", index=False, float_format="%.6g")
    figure(runs, paths, out_dir / "us_retrenchment_sweep.png")
    print(f"{len(runs)} jobs from {sweep_dir}; {runs['seed'].nunique()} seeds per US end share\n")
    print(
        "| US share in year 10 (% GDP) | European allies' share, year 30 (% GDP) "
        "| NATO ties intact (%) | European allies tied to the US (%) "
        "| NATO allies in one bloc (%) |"
    )
    print("| --- | --- | --- | --- | --- |")
    for share, r in table.iterrows():
        cells = [
            f"{r[(c, 'mean')]:.{d}f} ({r[(c, 'min')]:.{d}f} to {r[(c, 'max')]:.{d}f})"
            for c, d in zip(outcomes, (3, 1, 1, 1), strict=True)
        ]
        print(f"| {share:.1f} | " + " | ".join(cells) + " |")
    print(f"\nEuropean allies' share at the start: {runs['europe_start'].iloc[0]:.3f}% of GDP")
    by_seed = runs.pivot(index="seed", columns="us_end_share", values="europe_end")
    top = by_seed.columns.max()
    print(f"Paired by seed, European share at year 30 minus that with the US at {top:.1f}%:")
    for share in sorted(by_seed.columns, reverse=True)[1:]:
        d = by_seed[share] - by_seed[top]
        print(
            f"  US at {share:.1f}%: {d.mean():+.3f} points (seeds {d.min():+.3f} to {d.max():+.3f})"
        )
    return runs


def figure(runs: pd.DataFrame, paths: pd.DataFrame, out: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    shares = sorted(runs["us_end_share"].unique(), reverse=True)
    panels = [
        ("europe_end", "European allies' defence share, year 30 (% of GDP)"),
        ("nato_ties_intact", "NATO treaty ties intact at year 30 (%)"),
        ("us_europe_ties", "European allies still tied to the US, year 30 (%)"),
    ]
    for ax, (col, label) in zip(axes.flat, panels, strict=False):
        g = runs.groupby("us_end_share")[col]
        x = np.array(sorted(g.groups))
        ax.fill_between(x, g.min().loc[x], g.max().loc[x], alpha=0.25, label="range across seeds")
        ax.plot(x, g.mean().loc[x], "o-", label="mean across seeds")
        ax.scatter(runs["us_end_share"], runs[col], s=6, color="k", alpha=0.4, label="one run")
        ax.set_xlabel("US defence share after the 10-year cut (% of GDP)")
        ax.set_ylabel(label)
        ax.invert_xaxis()
        ax.grid(alpha=0.3)
    axes[0, 0].axhline(runs["europe_start"].iloc[0], color="grey", ls="--", label="2024 (start)")
    axes[0, 0].legend(fontsize=8)
    ax = axes[1, 1]
    cmap = plt.get_cmap("viridis")
    for k, share in enumerate(shares):
        mean = paths[paths["us_end_share"] == share].groupby("year")["europe_share"].mean()
        ax.plot(
            mean.index,
            mean.values,
            color=cmap(k / max(1, len(shares) - 1)),
            label=f"US to {share:.1f}%",
        )
    ax.set_xlabel("year")
    ax.set_ylabel("European allies' defence share (% of GDP), mean of seeds")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.suptitle("US retrenchment: European spending and NATO cohesion (today's world, 30 years)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", nargs="?", type=Path, help="default: the newest sweep")
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNG and CSV go")
    args = parser.parse_args()
    main(args.sweep_dir or newest_sweep(), args.out)
