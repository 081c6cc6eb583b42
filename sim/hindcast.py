"""Hindcasts: a run's end-year shares against the observed ones, beside the baselines.

``python -m sim experiment=hindcast_2014_2024`` (from ``world=y2014``) and ``python -m sim
experiment=outofsample_2019_2024`` (from ``world=y2019``, parameters calibrated on 2014 -> 2019
by ``python -m sim.calibrate``) drive the major powers along their recorded paths, let every other
nation respond, and, because the experiment sets ``hindcast: true``, call :func:`write_hindcast`
after the run. It writes, in the run directory:

- ``hindcast.csv``: ``iso3, predicted_share_2024, observed_share_2024`` (percent of GDP) for every
  nation with a SIPRI share in the end year (SIPRI 2025 release, :mod:`sim.worlds.observed`);
- ``hindcast.json``: for all nations and for NATO's allies (the 31 of NATO's June 2024 table),
  the Spearman rank correlation of levels and of changes and the MAE (points) of the model and
  of the baselines of :mod:`sim.baselines`, on the same nations; for 2014 -> 2024 also the
  allies' scores against NATO's own 2024 figures;
- ``figures/hindcast.png``: predicted against observed, labelled by ISO3.

Drivers (nations on a scenario schedule) follow recorded paths and are left out of every score.
Every baseline uses data up to the start year only (the regression also the drivers' recorded
US change, which the model is given too): ``experiments/validation/PREREGISTRATION.md``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim import baselines as bl
from sim.config import CONFIG_DIR, Config
from sim.errors import ConfigError
from sim.output import atomic_write, write_json
from sim.rules.threat import great_circle_km
from sim.worlds import SNAPSHOT_YEARS, observed

if TYPE_CHECKING:
    from sim.model import AllianceModel

#: the years the observed series covers
FIRST_OBSERVED, LAST_OBSERVED = 1990, 2024
#: the preceding window of the mean-change and trend baselines (years), rescaled to the horizon
TREND_WINDOW = 5


def columns(end: int) -> list[str]:
    """The columns of ``hindcast.csv`` for a run ending in ``end``."""
    return ["iso3", f"predicted_share_{end}", f"observed_share_{end}"]


def check_hindcast(cfg: Config) -> None:
    """The run must end in a year the observed series covers, with enough years before it."""
    snapshot = SNAPSHOT_YEARS.get(cfg.world.name, LAST_OBSERVED)
    start = cfg.world.start_year if cfg.world.start_year is not None else snapshot
    _check_years(start, cfg.model.steps)


def _check_years(start: int, steps: int) -> None:
    end = start + steps
    if start >= LAST_OBSERVED:  # no number of steps ends the run in an observed year
        raise ConfigError(
            f"hindcast: the observed shares end in {LAST_OBSERVED} and the world starts in "
            f"{start}, so no run from it can be scored; use experiment=hindcast_2014_2024 or "
            "experiment=outofsample_2019_2024, got hindcast=true"
        )
    if end > LAST_OBSERVED:
        raise ConfigError(
            f"model.steps: a hindcast compares observed shares, which end in {LAST_OBSERVED}; "
            f"the run starts in {start}, so use model.steps <= {LAST_OBSERVED - start}, "
            f"got {steps!r}"
        )
    if start - max(2 * steps, TREND_WINDOW) < FIRST_OBSERVED:
        raise ConfigError(
            f"model.steps: the baselines need the observed series {2 * steps} years before "
            f"{start} (it starts in {FIRST_OBSERVED}), got {steps!r}"
        )


def observed_wide(start: int, end: int) -> pd.DataFrame:
    """SIPRI shares (percent), one row per ISO3, one column per year from ``start`` to ``end``."""
    long = observed.shares(start, end)
    return long.pivot_table(index="iso3", columns="year", values="share_pct", aggfunc="first")


def model_shares(nations: pd.DataFrame, year: int) -> pd.Series:
    """The run's shares (percent) in ``year``, by ISO3."""
    final = nations[nations["year"] == year]
    if final.empty:
        raise ConfigError(f"model.steps: the run has no {year} row to compare, got none")
    return (100 * final.set_index("iso3")["share"]).rename("predicted")


def _geography(model: AllianceModel) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    nations = model.world.nations
    codes = list(nations["iso3"])
    d = great_circle_km(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    capital_km = pd.DataFrame(d, index=codes, columns=codes)
    contiguous = model.world.contiguity()
    rus = codes.index("RUS") if "RUS" in codes else None
    contig_rus = pd.Series(
        contiguous[rus] if rus is not None else np.zeros(len(codes), bool), index=codes
    )
    moscow = capital_km.loc["RUS"] if rus is not None else pd.Series(np.nan, index=codes)
    gdp = pd.Series(nations["gdp_usd"].to_numpy(float), index=codes)
    return capital_km, contig_rus, moscow, gdp


def baseline_predictions(
    wide: pd.DataFrame,
    start: int,
    end: int,
    capital_km: pd.DataFrame,
    contig_rus: pd.Series,
    moscow_km: pd.Series,
    gdp: pd.Series,
    nato: set[str],
) -> tuple[dict[str, pd.Series], dict[str, pd.Series], dict[str, Any]]:
    """Each baseline's end-year prediction (and its ranking, for distance), and the fit's record.

    Returns (predictions by name, rankings by name, the regression's coefficients and window).
    """
    horizon = end - start
    s0 = wide[start].dropna()
    prev = (wide[start] - wide[start - TREND_WINDOW]).dropna()
    scale = horizon / TREND_WINDOW
    # the regression: fitted on the horizon-long window before the start, applied at the start
    fit_start = start - horizon
    fit_change = (wide[start] - wide[fit_start]).dropna()
    lag_fit = bl.spatial_lag((wide[fit_start] - wide[fit_start - horizon]).dropna(), capital_km)
    lag_now = bl.spatial_lag(fit_change, capital_km)
    us = lambda a, b: float(wide.at["USA", b] - wide.at["USA", a])  # noqa: E731
    is_nato = pd.Series({c: c in nato for c in capital_km.index})
    fit_design = bl.regression_design(
        wide[fit_start].dropna(), us(fit_start, start), is_nato, contig_rus, moscow_km, gdp, lag_fit
    )
    coef = bl.fit_ols(fit_design, fit_change)
    now_design = bl.regression_design(
        s0, us(start, end), is_nato, contig_rus, moscow_km, gdp, lag_now
    )
    predictions = {
        f"persistence_{start}": bl.persistence(s0),
        "persistence_plus_mean_change": bl.persistence_mean_change(s0, prev, scale),
        f"trend_{start - TREND_WINDOW}_{start}": bl.trend(s0, prev, scale),
        "distance_from_moscow": bl.distance_mapping(s0, moscow_km.reindex(s0.index)),
        "spatial_lag_regression": bl.predict_ols(coef, now_design, s0),
    }
    rankings = {"distance_from_moscow": -moscow_km}
    fit = {
        "window": f"{fit_start}-{start}",
        "coefficients": {k: round(float(v), 6) for k, v in coef.items()},
        "approximation": "NATO membership, GDP and contiguity of the start-year world",
    }
    return predictions, rankings, fit


def score_all(
    predicted: pd.Series,
    start_share: pd.Series,
    end_share: pd.Series,
    baselines: dict[str, pd.Series],
    rankings: dict[str, pd.Series],
    nations: list[str],
) -> dict[str, Any]:
    """The model's and every baseline's scores on the same ``nations``."""
    keep = [
        c
        for c in nations
        if c in predicted.index and c in start_share.index and c in end_share.index
    ]
    for series in baselines.values():  # the same nations for every predictor
        keep = [c for c in keep if c in series.index and np.isfinite(series[c])]
    s0, obs = start_share.loc[keep], end_share.loc[keep]
    out: dict[str, Any] = {
        "n": len(keep),
        "model": bl.score(s0, predicted.loc[keep], obs).as_dict(),
    }
    for name, series in baselines.items():
        out[name] = bl.score(s0, series.loc[keep], obs, rankings.get(name)).as_dict()
    model = out["model"]
    out["model_beats_every_baseline_on_changes"] = bool(
        all(
            model["spearman_changes"] > out[name]["spearman_changes"]
            for name in baselines
            if out[name]["spearman_changes"] is not None
        )
    )
    return out


def hindcast_scores(
    model: AllianceModel, nations: pd.DataFrame, calibration: dict[str, str] | None = None
) -> tuple[pd.DataFrame, dict]:
    """The table for ``hindcast.csv`` and the scores for ``hindcast.json``."""
    start, end = model.start_year, model.start_year + model.steps
    _check_years(start, model.steps)
    wide = observed_wide(max(start - 2 * (end - start) - TREND_WINDOW, FIRST_OBSERVED), end)
    predicted = model_shares(nations, end)
    table = pd.DataFrame(
        {"iso3": [c for c in predicted.index if c in wide.index and np.isfinite(wide.at[c, end])]}
    )
    table[f"predicted_share_{end}"] = predicted.loc[table["iso3"]].round(4).to_numpy()
    table[f"observed_share_{end}"] = wide.loc[table["iso3"], end].round(4).to_numpy()
    drivers = drivers_of(model)
    allies = set(observed.nato_shares()["iso3"])
    capital_km, contig_rus, moscow, gdp = _geography(model)
    preds, ranks, fit = baseline_predictions(
        wide, start, end, capital_km, contig_rus, moscow, gdp, allies
    )
    scored = [c for c in table["iso3"] if c not in drivers]
    s0 = wide[start].dropna()
    scores: dict[str, Any] = {
        "window": f"{start}-{end}",
        "units": "percent of GDP; mae in percentage points",
        "observed": "SIPRI Military Expenditure Database, 2025 release (sim.worlds.observed)",
        "excluded_drivers": sorted(drivers),
        "parameters": model_parameter_record(model, calibration or {}),
        "all_nations": score_all(predicted, s0, wide[end], preds, ranks, scored),
        "nato_allies": score_all(
            predicted, s0, wide[end], preds, ranks, [c for c in scored if c in allies]
        ),
        "regression_fit": fit,
    }
    if start == 2014 and end == 2024:  # NATO's own figures for both years (the old contract)
        ref = observed.nato_shares().set_index("iso3")
        nato_preds = {k: v for k, v in preds.items()}
        nato_preds[f"persistence_{start}"] = ref["share_2014"]
        nato_preds["distance_from_moscow"] = bl.distance_mapping(
            ref["share_2014"], moscow.reindex(ref.index)
        )
        scores["nato_allies_nato_figures"] = score_all(
            predicted,
            ref["share_2014"],
            ref["share_2024"],
            nato_preds,
            ranks,
            [c for c in scored if c in ref.index],
        )
    return table, scores


#: the free parameters (config key -> bounds), as pre-registered
FREE = {
    "budget_rule.k": (0.0, 30.0),
    "budget_rule.eta": (0.05, 1.0),
    "budget_rule.p": (0.0, 1.0),
    "model.land_range_km": (200.0, 2000.0),
    "model.major_global_share": (0.1, 0.6),
}


def parameter_values(budget_params: Any, model_params: Any) -> dict[str, float]:
    """The values the run used for the free parameters (:data:`FREE`).

    Keys are config keys (``budget_rule.k``, ``model.land_range_km``, ...); a parameter the run's
    rule does not have is left out.
    """
    groups = {"budget_rule": budget_params, "model": model_params}
    values = {}
    for key in FREE:
        group, name = key.split(".")
        if hasattr(groups[group], name):
            values[key] = float(getattr(groups[group], name))
    return values


def calibrated_values(source: str) -> dict[str, float]:
    """The fitted values in a calibration file (``source`` relative to the package, as written).

    Only numeric entries: the settings a file was fitted with (``threat_from: spending``,
    written by ``python -m sim.calibrate --override``) are not fitted values.
    """
    import yaml

    path = CONFIG_DIR.parent / source
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"calibration.source: cannot read {path}: {exc}") from exc
    return {  # the numbers only: a file may also carry the settings it was fitted with
        f"{group}.{name}": float(value)
        for group, entries in loaded.items()
        if group != "calibration" and isinstance(entries, dict)
        for name, value in entries.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def parameter_record(
    budget_rule: str,
    alliance_rule: str,
    values: dict[str, float],
    calibration: dict[str, str],
) -> dict[str, Any]:
    """The free parameters' values as used, and which of them are fitted (and where).

    A parameter counts as fitted only where its value equals the calibration file's (so an
    override of a calibrated value, e.g. ``budget_rule.k=1``, makes it not fitted); the others
    are "not fitted" (theory priors or an override). ``fitted`` is ``"all"``, ``"some"`` or
    ``"none"``; ``source`` and ``window`` name the calibration where any parameter is fitted.
    """
    fitted_values = calibrated_values(calibration["source"]) if calibration else {}
    per_key: dict[str, Any] = {}
    for key, value in values.items():
        fitted = key in fitted_values and math.isclose(value, fitted_values[key], rel_tol=1e-9)
        per_key[key] = {
            "value": value,
            "fitted": fitted,
            "source": calibration["source"] if fitted else "not fitted",
            "window": calibration.get("window") if fitted else None,
        }
    n_fitted = sum(p["fitted"] for p in per_key.values())
    summary = "all" if n_fitted == len(per_key) and per_key else "some" if n_fitted else "none"
    return {
        "budget_rule": budget_rule,
        "alliance_rule": alliance_rule,
        "source": calibration["source"] if n_fitted else "not fitted",
        "window": calibration.get("window") if n_fitted else None,
        "fitted": summary,
        "values": per_key,
    }


def model_parameter_record(model: AllianceModel, calibration: dict[str, str]) -> dict[str, Any]:
    """:func:`parameter_record` of a built model (the values its rules hold)."""
    return parameter_record(
        model.budget_rule.params.name,
        model.alliance_rule.params.name,
        parameter_values(model.budget_rule.params, model.params),
        calibration,
    )


def drivers_of(model: AllianceModel) -> list[str]:
    """Nations on a scenario schedule: they follow a recorded path and are not scored."""
    return sorted({s.iso3 for s in model.scenario_config.schedules})


def hindcast_figure(table: pd.DataFrame, scores: dict[str, Any]):
    """Predicted against observed end-year shares, one labelled point per nation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, pred, obs = table.columns
    drivers = set(scores["excluded_drivers"])
    fig, ax = plt.subplots(figsize=(7.5, 7))
    top = float(min(max(table[[pred, obs]].max()) * 1.05, 40))
    ax.plot([0.01, top], [0.01, top], color="0.6", lw=1, ls="--", label="predicted = observed")
    is_driver = table["iso3"].isin(drivers).to_numpy()
    ax.scatter(
        table[obs][~is_driver], table[pred][~is_driver], s=14, color="tab:blue", label="model"
    )
    ax.scatter(
        table[obs][is_driver],
        table[pred][is_driver],
        s=24,
        marker="s",
        color="tab:orange",
        label="driver on its recorded path (not scored)",
    )
    for row in table.itertuples(index=False):
        ax.annotate(row[0], (row[2], row[1]), fontsize=5, xytext=(2, 1), textcoords="offset points")
    a, n = scores["all_nations"], scores["nato_allies"]
    ax.set_title(
        f"Hindcast {scores['window']} ({scores['parameters']['source']})\n"
        f"all {a['n']}: Spearman levels {a['model']['spearman_levels']:.2f}, changes "
        f"{a['model']['spearman_changes']:.2f}, MAE {a['model']['mae']:.2f};  NATO {n['n']}: "
        f"{n['model']['spearman_levels']:.2f}, {n['model']['spearman_changes']:.2f}, "
        f"{n['model']['mae']:.2f}",
        fontsize=8,
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("observed share of GDP, % (SIPRI)")
    ax.set_ylabel("predicted share of GDP, %")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def write_hindcast(
    model: AllianceModel,
    nations: pd.DataFrame,
    run_dir: Path,
    figures: bool = True,
    calibration: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Write ``hindcast.csv``, ``hindcast.json`` and ``figures/hindcast.png``; return the scores.

    ``calibration`` (the config's ``calibration``: source and window) names the file against
    which each parameter's value is checked: only values equal to the file's are labelled fitted.
    """
    table, scores = hindcast_scores(model, nations, calibration)
    atomic_write(run_dir / "hindcast.csv", lambda tmp: table.to_csv(tmp, index=False))
    write_json(scores, run_dir / "hindcast.json")
    if figures:
        import matplotlib.pyplot as plt

        fig = hindcast_figure(table, scores)
        path = run_dir / "figures" / "hindcast.png"
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
        plt.close(fig)
    return scores


def read_scores(run_dir: Path) -> dict[str, Any]:
    """The scores a hindcast run wrote."""
    return json.loads((Path(run_dir) / "hindcast.json").read_text())
