"""The 2014 to 2024 hindcast: predicted against observed defence shares of the NATO allies.

``python -m sim experiment=hindcast_2014_2024`` starts from ``world=y2014``, drives the major
powers along their recorded paths (scenario schedules and shocks), runs ten years and, because
the experiment sets ``hindcast: true``, calls :func:`write_hindcast` after the run. It writes,
in the run directory:

- ``hindcast.csv``: ``iso3, predicted_share_2024, observed_share_2024`` for every ally in NATO's
  reference table (percent of GDP, as NATO publishes them; ``observed`` is NATO's 2024 column);
- ``hindcast.json``: the scores of the model and of two naive baselines;
- ``figures/hindcast.png``: predicted against observed, labelled by ISO3.

Scores are over the allies that are not drivers (a nation on a scenario schedule follows its
recorded path, so predicting it is no test): the Spearman rank correlation and the mean
absolute error (percentage points). Baselines, neither fitted to 2024:

- *carried forward*: each ally's 2014 share (NATO's 2014 column) as its 2024 prediction;
- *distance from Moscow*: closer allies are predicted to spend more. The Spearman score is that
  of ``-distance``; for an error in percentage points the ranking is turned into shares without
  fitting: the k-th closest ally gets the k-th largest 2014 share (a quantile mapping that uses
  only 2014 data).

The reference table ships with the package (``sim/worlds/data/nato_reference_2014_2024.csv``,
source in ``SOURCES.md``), so the hindcast does not depend on files outside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from sim.config import Config, ConfigError
from sim.output import atomic_write, write_json
from sim.rules.threat import great_circle_km

if TYPE_CHECKING:
    from sim.model import AllianceModel

REFERENCE = Path(__file__).resolve().parent / "worlds" / "data" / "nato_reference_2014_2024.csv"
HINDCAST_YEAR = 2024
COLUMNS = ["iso3", "predicted_share_2024", "observed_share_2024"]


def load_reference(path: Path = REFERENCE) -> pd.DataFrame:
    """NATO's table: ``ally, iso3, share_2014, share_2024`` (percent of GDP, 2015 prices)."""
    frame = pd.read_csv(path, dtype={"ally": str, "iso3": str})
    return frame[["ally", "iso3", "share_2014", "share_2024"]]


def check_hindcast(cfg: Config) -> None:
    """The run must end in 2024 on a world that holds every ally of the reference table."""
    from sim.worlds import SNAPSHOT_YEARS

    snapshot = SNAPSHOT_YEARS.get(cfg.world.name, 2024)  # synthetic and custom: 2024
    start = cfg.world.start_year if cfg.world.start_year is not None else snapshot
    if start >= HINDCAST_YEAR:  # no number of steps ends the run in 2024
        raise ConfigError(
            f"hindcast: the hindcast compares shares in {HINDCAST_YEAR}, and world "
            f"{cfg.world.name} starts in {start}, so no run from it can end there; use "
            f"experiment=hindcast_2014_2024 (world=y2014 model.steps={HINDCAST_YEAR - 2014}), "
            f"got hindcast=true"
        )
    if start + cfg.model.steps != HINDCAST_YEAR:
        raise ConfigError(
            f"model.steps: the hindcast compares shares in {HINDCAST_YEAR}, so the run must end "
            f"there (world {cfg.world.name} starts in {start}; use model.steps="
            f"{HINDCAST_YEAR - start}), got {cfg.model.steps!r}"
        )


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (``scipy.stats.spearmanr``; ties take their average rank)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")  # undefined for a constant ranking
    return float(spearmanr(x, y).statistic)


def distance_from(nations: pd.DataFrame, capital_of: str = "RUS") -> pd.Series:
    """Great-circle distance (km) from the capital of ``capital_of`` to each nation's capital."""
    d = great_circle_km(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    row = list(nations["iso3"]).index(capital_of)
    return pd.Series(d[row], index=nations["iso3"].to_numpy())


def hindcast_table(nations: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Predicted (the run's 2024 row, percent) and observed (NATO 2024) share of every ally.

    Raises
    ------
    ConfigError
        when the run has no 2024 row or lacks an ally of the reference table.
    """
    final = nations[nations["year"] == HINDCAST_YEAR].set_index("iso3")
    if final.empty:
        raise ConfigError(f"model.steps: the run has no {HINDCAST_YEAR} row to compare, got none")
    missing = sorted(set(reference["iso3"]) - set(final.index))
    if missing:
        raise ConfigError(f"world: the hindcast needs every ally; missing {', '.join(missing)}")
    return pd.DataFrame(
        {
            "iso3": reference["iso3"].to_numpy(),
            "predicted_share_2024": (100 * final.loc[reference["iso3"], "share"])
            .round(4)
            .to_numpy(),
            "observed_share_2024": reference["share_2024"].to_numpy(),
        }
    )[COLUMNS]


def hindcast_scores(
    table: pd.DataFrame, reference: pd.DataFrame, distance_km: pd.Series, drivers: list[str]
) -> dict[str, Any]:
    """Spearman and mean absolute error (points) of the model and the two naive baselines."""
    scored = table[~table["iso3"].isin(drivers)].reset_index(drop=True)
    ref = reference.set_index("iso3").loc[scored["iso3"]]
    observed = scored["observed_share_2024"].to_numpy(float)
    carried = ref["share_2014"].to_numpy(float)
    distance = distance_km.loc[scored["iso3"]].to_numpy(float)
    # fit-free mapping of the distance ranking onto shares: k-th closest gets k-th largest 2014
    by_distance = np.empty(len(scored))
    by_distance[np.argsort(distance, kind="stable")] = np.sort(carried)[::-1]

    def score(predicted: np.ndarray, ranking: np.ndarray | None = None) -> dict[str, float]:
        return {
            "spearman": round(spearman(predicted if ranking is None else ranking, observed), 4),
            "mae": round(float(np.mean(np.abs(predicted - observed))), 4),
        }

    predicted = scored["predicted_share_2024"].to_numpy(float)
    return {
        "n_allies": len(scored),
        "excluded_drivers": sorted(set(drivers) & set(table["iso3"])),
        "units": "percent of GDP; mae in percentage points",
        "model": score(predicted),
        "carried_forward_2014": score(carried),
        "distance_from_moscow": score(by_distance, ranking=-distance),
        "mean_observed_change": round(float(np.mean(observed - carried)), 4),
        "mean_predicted_change": round(float(np.mean(predicted - carried)), 4),
        "fitted": False,
    }


def hindcast_figure(table: pd.DataFrame, reference: pd.DataFrame, scores: dict[str, Any]):
    """Predicted against observed 2024 shares, one labelled point per ally; 2014 in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drivers = set(scores["excluded_drivers"])
    ref = reference.set_index("iso3").loc[table["iso3"]]
    fig, ax = plt.subplots(figsize=(7.5, 7))
    top = float(max(table[["predicted_share_2024", "observed_share_2024"]].max()) * 1.1)
    ax.plot([0, top], [0, top], color="0.6", lw=1, ls="--", label="predicted = observed")
    ax.axhline(2.0, color="0.85", lw=1, zorder=0)
    ax.axvline(2.0, color="0.85", lw=1, zorder=0)
    ax.scatter(
        table["observed_share_2024"],
        ref["share_2014"],
        s=14,
        color="0.7",
        label="2014 share carried forward (baseline)",
    )
    is_driver = table["iso3"].isin(drivers).to_numpy()
    ax.scatter(
        table["observed_share_2024"][~is_driver],
        table["predicted_share_2024"][~is_driver],
        s=28,
        color="tab:blue",
        label="model, 2024",
    )
    ax.scatter(
        table["observed_share_2024"][is_driver],
        table["predicted_share_2024"][is_driver],
        s=28,
        marker="s",
        color="tab:orange",
        label="driver on its recorded path (not scored)",
    )
    for row in table.itertuples(index=False):
        ax.annotate(
            row.iso3,
            (row.observed_share_2024, row.predicted_share_2024),
            fontsize=7,
            xytext=(3, 2),
            textcoords="offset points",
        )
    m, c, d = scores["model"], scores["carried_forward_2014"], scores["distance_from_moscow"]
    ax.set_title(
        f"Hindcast 2014 to 2024, {scores['n_allies']} NATO allies (not fitted)\n"
        f"model: Spearman {m['spearman']:.2f}, MAE {m['mae']:.2f} pt;  2014 carried forward: "
        f"{c['spearman']:.2f}, {c['mae']:.2f};  distance from Moscow: {d['spearman']:.2f}, "
        f"{d['mae']:.2f}",
        fontsize=9,
    )
    ax.set_xlabel("observed 2024 share of GDP, % (NATO, June 2024 estimates)")
    ax.set_ylabel("predicted 2024 share of GDP, %")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def drivers_of(model: AllianceModel) -> list[str]:
    """Nations on a scenario schedule: they follow a recorded path and are not scored."""
    return sorted({s.iso3 for s in model.scenario_config.schedules})


def write_hindcast(
    model: AllianceModel, nations: pd.DataFrame, run_dir: Path, figures: bool = True
) -> dict[str, Any]:
    """Write ``hindcast.csv``, ``hindcast.json`` and ``figures/hindcast.png``; return the scores."""
    reference = load_reference()
    table = hindcast_table(nations, reference)
    scores = hindcast_scores(
        table, reference, distance_from(model.world.nations, "RUS"), drivers_of(model)
    )
    atomic_write(run_dir / "hindcast.csv", lambda tmp: table.to_csv(tmp, index=False))
    write_json(scores, run_dir / "hindcast.json")
    if figures:
        import matplotlib.pyplot as plt

        fig = hindcast_figure(table, reference, scores)
        path = run_dir / "figures" / "hindcast.png"
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
        plt.close(fig)
    return scores


def read_scores(run_dir: Path) -> dict[str, Any]:
    """The scores a hindcast run wrote."""
    return json.loads((Path(run_dir) / "hindcast.json").read_text())
