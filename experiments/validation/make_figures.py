"""Regenerate the validation figures and numbers: ``python experiments/validation/make_figures.py``.

Writes ``experiments/validation/figures/{richardson,landscape,balance,hindcast}.png`` and
``experiments/validation/results.json`` (every number quoted in the README). Offline and
deterministic (fixed seeds); about half a minute on a laptop.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.config import (  # noqa: E402
    ModelConfig,
    NoAllianceConfig,
    RichardsonConfig,
    WorldConfig,
    compose,
)
from sim.model import AllianceModel  # noqa: E402
from sim.rules.balance import camps, constrained_triad_dynamics, triad_counts  # noqa: E402
from sim.rules.landscape import landscape_energy, landscape_minimum  # noqa: E402
from sim.rules.richardson import richardson_two_nation_equilibrium  # noqa: E402
from sim.runner import run  # noqa: E402
from sim.worlds import load_world  # noqa: E402

HERE = Path(__file__).resolve().parent
FIGURES = HERE / "figures"


def two_nation_world(folder: Path):
    path = folder / "two_nations.csv"
    path.write_text(
        "iso3,name,lat,lon,gdp_usd,milex_usd,gdp_growth,regime,major_power\n"
        "AAA,Aland,0,0,1e12,2e10,0.0,0,0\n"
        "BBB,Bland,0,10,1e12,1e10,0.0,0,0\n"
    )
    return load_world(WorldConfig(name="custom", path=str(path), rivalries={"AAA-BBB": 1.0}))


def richardson_check(folder: Path) -> dict:
    """Two rivals: convergence to x* when a b > k l, runaway to the bound when a b < k l."""
    world = two_nation_world(folder)
    k, l_, a, b, g, h = 0.2, 0.3, 0.5, 0.6, 0.01, 0.02
    stable = RichardsonConfig(
        noise=0.0,
        reaction={"AAA": k, "BBB": l_},
        fatigue={"AAA": a, "BBB": b},
        grievance={"AAA": g, "BBB": h},
    )
    runaway = RichardsonConfig(noise=0.0, k=0.6, a=0.3, g=0.005)
    paths = {}
    for label, rule, cap in (("stable", stable, 0.4), ("runaway", runaway, 0.25)):
        model = AllianceModel(
            world,
            params=ModelConfig(steps=40, share_max=cap),
            budget_rule=rule,
            alliance_rule=NoAllianceConfig(),
            rng=0,
        )
        for _ in range(40):
            model.step()
        paths[label] = model.nations_table().pivot(index="step", columns="iso3", values="share")
    eq = richardson_two_nation_equilibrium(k, l_, a, b, g, h)
    final = paths["stable"].iloc[-1]
    err = max(abs(final["AAA"] / eq.x - 1), abs(final["BBB"] / eq.y - 1))

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ax = axes[0]
    for code, colour, target in (("AAA", "tab:blue", eq.x), ("BBB", "tab:red", eq.y)):
        ax.plot(100 * paths["stable"][code], color=colour, label=f"{code} (model)")
        ax.axhline(100 * target, color=colour, ls="--", lw=1, label=f"{code} closed form")
    ax.set_title(
        f"a b = {a * b:.2f} > k l = {k * l_:.2f}: converges (error {100 * err:.2g}%)", fontsize=10
    )
    ax.set_xlabel("year")
    ax.set_ylabel("share of GDP, %")
    ax.legend(fontsize=8)
    ax = axes[1]
    for code, colour in (("AAA", "tab:blue"), ("BBB", "tab:red")):
        ax.plot(100 * paths["runaway"][code], color=colour, label=code)
    ax.axhline(25, color="0.5", ls=":", label="model.share_max")
    ax.set_title("a b = 0.09 < k l = 0.36: runs away to the bound", fontsize=10)
    ax.set_xlabel("year")
    ax.legend(fontsize=8)
    fig.suptitle("Richardson's arms race, two nations, budget_rule=richardson, noise 0")
    fig.tight_layout()
    fig.savefig(FIGURES / "richardson.png", dpi=130)
    plt.close(fig)
    years_to_1pct = int(
        np.argmax(
            (abs(paths["stable"]["AAA"] / eq.x - 1) < 0.01)
            & (abs(paths["stable"]["BBB"] / eq.y - 1) < 0.01)
        )
    )
    return {
        "x_star": eq.x,
        "y_star": eq.y,
        "final_x": float(final["AAA"]),
        "final_y": float(final["BBB"]),
        "max_relative_error_after_40_years": err,
        "years_to_within_1pct": years_to_1pct,
        "runaway_final": paths["runaway"].iloc[-1].tolist(),
        "runaway_years_to_bound": int(np.argmax((paths["runaway"] >= 0.25).all(axis=1))),
    }


def brute_force(sizes: np.ndarray, p: np.ndarray) -> float:
    return min(
        landscape_energy(np.array(c), sizes, p)
        for c in itertools.product((0, 1), repeat=len(sizes))
    )


def random_instance(n: int, rng: np.random.Generator):
    sizes = rng.random(n)
    sizes /= sizes.sum()
    p = rng.uniform(-1, 1, (n, n))
    p = (p + p.T) / 2
    np.fill_diagonal(p, 0)
    return sizes, p


def landscape_check() -> tuple[dict, dict[int, float]]:
    """Exact search against brute force (n <= 12), local search against exact (n = 14..20)."""
    rng = np.random.default_rng(2024)
    exact, brute = [], []
    for n in range(3, 13):
        for _ in range(4):
            sizes, p = random_instance(n, rng)
            exact.append(landscape_minimum(sizes, p).energy)
            brute.append(brute_force(sizes, p))
    exact, brute = np.array(exact), np.array(brute)
    gaps, hits, timing = [], 0, {}
    local_rng = np.random.default_rng(7)
    for n in range(14, 21):
        for _ in range(10):
            sizes, p = random_instance(n, rng)
            best = landscape_minimum(sizes, p).energy
            found = landscape_minimum(sizes, p, local_rng, exact_max=0, restarts=8).energy
            gaps.append(found - best)
            hits += abs(found - best) < 1e-12
    for n in (16, 20, 24):
        sizes, p = random_instance(n, rng)
        t = time.perf_counter()
        landscape_minimum(sizes, p, exact_max=26)
        timing[n] = time.perf_counter() - t

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ax = axes[0]
    ax.scatter(brute, exact, s=12)
    lim = [min(brute.min(), exact.min()), max(brute.max(), exact.max())]
    ax.plot(lim, lim, color="0.6", ls="--", lw=1)
    ax.set_xlabel("brute force (all 2^n labellings), E")
    ax.set_ylabel("landscape_minimum (vectorised), E")
    ax.set_title(
        f"{len(exact)} random instances, n = 3..12: max |diff| {abs(exact - brute).max():.1e}"
    )
    ax = axes[1]
    ax.hist(np.array(gaps), bins=20, color="tab:green")
    ax.set_xlabel("local search E - exact E (n = 14..20)")
    ax.set_ylabel("instances")
    ax.set_title(
        f"single-actor switches, 8 restarts: {hits}/{len(gaps)} reach the minimum", fontsize=10
    )
    fig.suptitle("Landscape theory (Axelrod & Bennett 1993): the minimum-energy search")
    fig.tight_layout()
    fig.savefig(FIGURES / "landscape.png", dpi=130)
    plt.close(fig)
    return {
        "instances_vs_brute_force": len(exact),
        "max_abs_difference": float(abs(exact - brute).max()),
        "local_search_instances": len(gaps),
        "local_search_hits": int(hits),
        "local_search_max_gap": float(max(gaps)),
    }, timing


def balance_check() -> dict:
    """CTD on complete random signed graphs: fraction of balanced triads against updates."""
    out = {}
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for n, seed in ((10, 0), (20, 1), (30, 2)):
        rng = np.random.default_rng(seed)
        s = np.triu(np.where(rng.random((n, n)) < 0.5, 1, -1), 1)
        s = s + s.T
        fractions, updates = [], 0
        b, i = triad_counts(s)
        fractions.append(b / (b + i))
        while i > 0 and updates < 50_000:
            result = constrained_triad_dynamics(s, rng, max_updates=1)
            s, updates = result.sign, updates + 1
            b, i = triad_counts(s)
            fractions.append(b / (b + i))
        labels = camps(s)
        sizes = sorted(np.bincount(labels).tolist(), reverse=True)
        out[str(n)] = {"updates": updates, "balanced": i == 0, "camp_sizes": sizes}
        ax.plot(fractions, label=f"N = {n}: balanced after {updates} updates, camps {sizes}")
    ax.set_xscale("symlog")
    ax.set_xlabel("updates (imbalanced triads examined)")
    ax.set_ylabel("fraction of balanced triads")
    ax.set_title("Constrained triad dynamics on complete signed graphs (random start)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(FIGURES / "balance.png", dpi=130)
    plt.close(fig)
    return out


def hindcast_check(folder: Path) -> dict:
    """The one-command hindcast (seed 0, its figure), and the spread over seeds 0..4."""
    runs = {}
    for seed in range(5):
        cfg = compose(
            ["experiment=hindcast_2014_2024", f"seed={seed}", f"figures={str(seed == 0).lower()}"]
        )
        summary = run(cfg, folder / f"hindcast_seed{seed}")
        runs[seed] = summary["hindcast"]
    shutil.copyfile(
        folder / "hindcast_seed0" / "figures" / "hindcast.png", FIGURES / "hindcast.png"
    )
    shutil.copyfile(folder / "hindcast_seed0" / "hindcast.csv", HERE / "hindcast_seed0.csv")
    model_rho = [r["model"]["spearman"] for r in runs.values()]
    model_mae = [r["model"]["mae"] for r in runs.values()]
    return {
        "seed0": runs[0],
        "seeds": list(runs),
        "model_spearman_range": [min(model_rho), max(model_rho)],
        "model_mae_range": [min(model_mae), max(model_mae)],
    }


def main() -> int:
    FIGURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        landscape, timing = landscape_check()
        results = {
            "richardson": richardson_check(folder),
            "landscape": landscape,
            "balance": balance_check(),
            "hindcast": hindcast_check(folder),
        }
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print("exact landscape search, seconds by n:", {n: round(t, 3) for n, t in timing.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
