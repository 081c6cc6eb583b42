"""Olson & Zeckhauser's exploitation hypothesis in the simulated alliance and in NATO's figures.

    python experiments/free_riding/analyse.py [SWEEP_DIR] [--out DIR]

SWEEP_DIR defaults to the newest ``outputs/sweeps/free_riding/*``. The statistic is the Spearman
rank correlation between allies' GDP and their defence share of GDP
(:func:`sim.metrics.burden_correlation`); Olson & Zeckhauser (1966, "An economic theory of
alliances", Rev. Econ. Stat. 48(3)) predict a positive value. The allies are the members of
NATO with a spending pledge (``target_share`` > 0 in the run's treaty table: 31 allies, not
Iceland).

Simulated: from each finished job directory's ``nations.parquet`` (every recorded year), the
run's ``budget_rule.f`` and seed taken from its ``summary.json``, so this does not need the sweep
aggregate. Observed:
- NATO 2024 and 2014: NATO's own estimates of the share of GDP (the packaged
  ``sim/worlds/data/nato_reference_2014_2024.csv``), against
  World Bank GDP of the same year from the shipped worlds, for that year's allies with a pledge
  (31 in 2024; 27 in 2014, before Montenegro, North Macedonia, Finland and Sweden joined);
- the shipped 2024 world (``today_nations.csv``: SIPRI-based milex / World Bank GDP), which is the
  simulation's year 0.

Writes ``free_riding.png`` and ``results.csv`` beside this script and prints the numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.config import WorldConfig  # noqa: E402
from sim.metrics import burden_correlation  # noqa: E402
from sim.worlds import load_world  # noqa: E402
from sim.worlds.observed import NATO_REFERENCE  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def newest_sweep() -> Path:
    base = ROOT / "outputs" / "sweeps" / "free_riding"
    runs = sorted(p for p in base.glob("*") if p.is_dir()) if base.is_dir() else []
    if not runs:
        sys.exit(f"error: no sweep under {base}; run: python -m sim -m experiment=free_riding")
    return runs[-1]


def pledged_allies(world_cfg: dict, seed: int) -> list[str]:
    world = load_world(WorldConfig(**world_cfg), seed)
    t = world.treaties
    return t.loc[(t["treaty"] == "NATO") & (t["target_share"] > 0), "iso3"].tolist()


def observed() -> dict[str, float]:
    """The statistic from NATO's own 2014 and 2024 shares and from the shipped 2024 world."""
    ref = pd.read_csv(NATO_REFERENCE).set_index("iso3")
    out = {}
    for name, year in (("today", 2024), ("y2014", 2014)):
        world = load_world(WorldConfig(name=name), 0)
        allies = pledged_allies({"name": name}, 0)
        nations = world.nations.set_index("iso3").loc[allies]
        if name == "today":
            out["world_2024"] = burden_correlation(
                nations["gdp_usd"].to_numpy(float),
                (nations["milex_usd"] / nations["gdp_usd"]).to_numpy(float),
            )
        column = f"share_{year}"
        both = [c for c in allies if c in ref.index]  # that year's allies with a pledge
        gdp = world.nations.set_index("iso3").loc[both, "gdp_usd"].to_numpy(float)
        share = ref.loc[both, column].to_numpy(float)
        ok = np.isfinite(share)
        out[f"nato_{year}"] = burden_correlation(gdp[ok], share[ok])
        out[f"nato_{year}_n"] = int(ok.sum())
    out["reference_file"] = str(NATO_REFERENCE)
    return out


def job_series(job: Path) -> pd.DataFrame:
    """The statistic in every recorded year of one job."""
    summary = json.loads((job / "summary.json").read_text())
    cfg = summary["config"]
    allies = pledged_allies(cfg["world"], summary["seed"])
    nations = pd.read_parquet(job / "nations.parquet")
    nations = nations[nations["iso3"].isin(allies)]
    rows = [
        {
            "f": cfg["budget_rule"]["f"],
            "seed": summary["seed"],
            "year": int(year),
            "rho": burden_correlation(g["gdp"].to_numpy(), g["share"].to_numpy()),
        }
        for year, g in nations.groupby("year")
    ]
    return pd.DataFrame(rows)


def main(sweep_dir: Path, out_dir: Path = HERE) -> pd.DataFrame:
    jobs = sorted(p.parent for p in sweep_dir.glob("*/summary.json"))
    if not jobs:
        sys.exit(f"error: {sweep_dir}: no finished job directories (*/summary.json)")
    series = pd.concat([job_series(j) for j in jobs], ignore_index=True)
    series.to_csv(out_dir / "results.csv", index=False, float_format="%.6g")
    obs = observed()
    first, last = series["year"].min(), series["year"].max()
    print(f"{len(jobs)} jobs from {sweep_dir}")
    print(
        f"observed, NATO's own shares: 2024 rho = {obs.get('nato_2024', np.nan):+.3f} "
        f"({obs.get('nato_2024_n')} allies); 2014 rho = {obs.get('nato_2014', np.nan):+.3f} "
        f"({obs.get('nato_2014_n')} allies)  [{obs['reference_file']}]"
    )
    print(
        f"observed, shipped 2024 world (SIPRI-based; the runs' year 0): "
        f"rho = {obs['world_2024']:+.3f}"
    )
    print("\n| f (free riding) | rho, year 0 | rho, year 10 | rho, year 30 (mean, seed range) |")
    print("| --- | --- | --- | --- |")
    for f, g in series.groupby("f"):
        at = {y: g[g["year"] == y]["rho"] for y in (first, first + 10, last)}
        print(
            f"| {f:g} | {at[first].mean():+.3f} | {at[first + 10].mean():+.3f} | "
            f"{at[last].mean():+.3f} ({at[last].min():+.3f} to {at[last].max():+.3f}) |"
        )
    figure(series, obs, jobs, out_dir / "free_riding.png")
    return series


def figure(series: pd.DataFrame, obs: dict, jobs: list[Path], out: Path) -> None:
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1.2, 1]})
    cmap = plt.get_cmap("viridis")
    fs = sorted(series["f"].unique())
    for k, f in enumerate(fs):
        g = series[series["f"] == f].groupby("year")["rho"]
        color = cmap(k / max(1, len(fs) - 1))
        ax.fill_between(g.min().index, g.min().values, g.max().values, color=color, alpha=0.2)
        ax.plot(g.mean().index, g.mean().values, color=color, label=f"simulated, f = {f:g}")
    for key, style, label in (
        ("nato_2024", "--", "NATO 2024 (NATO's shares)"),
        ("nato_2014", ":", "NATO 2014 (NATO's shares)"),
    ):
        if key in obs:
            ax.axhline(obs[key], color="k", ls=style, label=f"{label}: {obs[key]:+.2f}")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("year")
    ax.set_ylabel("Spearman rho, allies' GDP vs defence share of GDP")
    ax.set_title("Exploitation hypothesis (Olson & Zeckhauser 1966)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)

    default = next((j for j in jobs if _job_f_seed(j) == (0.02, 0)), jobs[0])
    f0, seed0 = _job_f_seed(default)
    summary = json.loads((default / "summary.json").read_text())
    allies = pledged_allies(summary["config"]["world"], seed0)
    nations = pd.read_parquet(default / "nations.parquet")
    nations = nations[nations["iso3"].isin(allies)]
    last = nations["step"].max()
    for year, marker, label in (
        (nations["year"].min(), "o", "year 0 (2024 data)"),
        (nations["year"].max(), "^", f"year {last}, simulated (f = {f0:g}, seed {seed0})"),
    ):
        g = nations[nations["year"] == year]
        bx.scatter(g["gdp"] / 1e9, 100 * g["share"], marker=marker, label=label, alpha=0.8)
        if marker == "o":
            for row in g.itertuples():
                bx.annotate(
                    row.iso3,
                    (row.gdp / 1e9, 100 * row.share),
                    fontsize=6,
                    xytext=(2, 2),
                    textcoords="offset points",
                )
    bx.set_xscale("log")
    bx.axhline(2.0, color="grey", ls="--", lw=0.8, label="2% guideline")
    bx.set_xlabel("GDP (US$ bn, log scale)")
    bx.set_ylabel("defence share of GDP (%)")
    bx.set_title("NATO allies with a pledge (31)")
    bx.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    bx.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _job_f_seed(job: Path) -> tuple[float, int]:
    summary = json.loads((job / "summary.json").read_text())
    return float(summary["config"]["budget_rule"]["f"]), int(summary["seed"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", nargs="?", type=Path, help="default: the newest sweep")
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNG and CSV go")
    args = parser.parse_args()
    main(args.sweep_dir or newest_sweep(), args.out)
