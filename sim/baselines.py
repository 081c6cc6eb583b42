"""Hindcast scores and the baselines a model must beat: pure functions on pandas objects.

Every Series is indexed by ISO3 and holds shares of GDP in percent. A hindcast from year ``t0``
to ``t1`` is scored on the nations that have a start share, a prediction and an observed end
share; the baselines use only data up to ``t0`` (and, for the regression, the drivers' recorded
change over the window, which the model is also given). ``experiments/validation/
PREREGISTRATION.md`` (sections 3-4) lists them; ``sim.hindcast`` assembles them for a run.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

#: neighbours within this distance (km, capital to capital) enter the spatial lag
SPATIAL_LAG_KM = 2000.0
REGRESSORS = [
    "const",
    "share_start",
    "us_change_x_nato",
    "contiguous_russia",
    "log_distance_moscow",
    "log_gdp",
    "spatial_lag_change",
]


def spearman(x: pd.Series | np.ndarray, y: pd.Series | np.ndarray) -> float:
    """Spearman's rank correlation (``scipy.stats.spearmanr``; ties take their average rank).

    NaN for fewer than three pairs or a constant ranking (undefined there).
    """
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


class Score(NamedTuple):
    """How well a prediction of end-year shares does on one set of nations."""

    n: int  #: nations scored
    spearman_levels: float  #: rank correlation of predicted and observed end shares
    spearman_changes: float  #: rank correlation of predicted and observed changes
    mae: float  #: mean absolute error of end shares, percentage points

    def as_dict(self) -> dict[str, float | int | None]:
        """Rounded to 4 decimals; an undefined score (NaN) is None, so the JSON is valid."""
        return {
            k: (None if v != v else round(v, 4)) if isinstance(v, float) else v
            for k, v in self._asdict().items()
        }


def score(
    start: pd.Series,
    predicted: pd.Series,
    observed: pd.Series,
    ranking: pd.Series | None = None,
) -> Score:
    """Spearman of levels and of changes (from ``start``) and MAE, on the common nations.

    ``ranking`` replaces the prediction in both rank correlations (for a predictor that is only
    a ranking, such as distance from Moscow); the MAE always uses ``predicted``. Nations with
    a missing value in any of them are left out.
    """
    frame = pd.concat([start, predicted, observed], axis=1, join="inner")
    if ranking is not None:
        frame = frame.join(ranking.rename("_r"), how="inner")
    idx = frame.dropna().index
    s, p, o = start.loc[idx], predicted.loc[idx], observed.loc[idx]
    r = ranking.loc[idx] if ranking is not None else None
    return Score(
        n=len(idx),
        spearman_levels=spearman(p if r is None else r, o),
        spearman_changes=spearman((p - s).round(9) if r is None else r, (o - s).round(9)),
        mae=float(np.mean(np.abs(p - o))) if len(idx) else float("nan"),
    )


def persistence(start: pd.Series) -> pd.Series:
    """The start share carried forward: ``s_hat(t1) = s(t0)``."""
    return start.copy()


def persistence_mean_change(
    start: pd.Series, previous_change: pd.Series, scale: float = 1.0
) -> pd.Series:
    """The start share plus the mean change of the preceding window, ``s(t0) + scale * mean(D)``.

    ``previous_change`` is each nation's change over the window before ``t0``; ``scale`` is the
    ratio of the forecast horizon to that window's length.
    """
    return start + scale * float(previous_change.reindex(start.index).mean())


def trend(start: pd.Series, previous_change: pd.Series, scale: float = 1.0) -> pd.Series:
    """The preceding window's own change extrapolated: ``s(t0) + scale * D_i`` (0 if unknown)."""
    return start + scale * previous_change.reindex(start.index).fillna(0.0)


def distance_mapping(start: pd.Series, distance_km: pd.Series) -> pd.Series:
    """Closer nations spend more, mapped onto shares without fitting.

    The k-th closest nation is predicted the k-th largest start share (a quantile mapping that
    uses only start-year data). Its rank correlations are those of ``-distance``.
    """
    d = distance_km.reindex(start.index).to_numpy(float)
    mapped = np.empty(len(start))
    mapped[np.argsort(d, kind="stable")] = np.sort(start.to_numpy(float))[::-1]
    return pd.Series(mapped, index=start.index)


def spatial_lag(
    values: pd.Series, capital_km: pd.DataFrame, within_km: float = SPATIAL_LAG_KM
) -> pd.Series:
    """Inverse-distance-weighted mean of the neighbours' values, ``sum_j w_ij v_j / sum_j w_ij``.

    ``w_ij = 1 / d_ij`` for ``0 < d_ij <= within_km``, else 0 (``capital_km`` is an ISO3 by ISO3
    frame). A nation with no neighbour in range (or none with a value) gets 0.
    """
    codes = values.index.intersection(capital_km.index)
    d = capital_km.loc[codes, codes].to_numpy(float)
    with np.errstate(divide="ignore"):
        w = np.where((d > 0) & (d <= within_km), 1.0 / d, 0.0)
    v = values.loc[codes].to_numpy(float)
    known = np.isfinite(v)
    w = w * known[None, :]
    total = w.sum(axis=1)
    lag = np.where(total > 0, (w @ np.where(known, v, 0.0)) / np.where(total > 0, total, 1), 0.0)
    return pd.Series(lag, index=codes).reindex(values.index, fill_value=0.0)


def regression_design(
    share_start: pd.Series,
    us_change: float,
    nato: pd.Series,
    contiguous_russia: pd.Series,
    distance_moscow_km: pd.Series,
    gdp_usd: pd.Series,
    lag_change: pd.Series,
) -> pd.DataFrame:
    """The covariates of the spatial-lag regression, one row per nation of ``share_start``.

    Columns :data:`REGRESSORS`: constant, start share, the window's change in US spending (per
    cent) times a NATO-ally indicator, land contiguity to Russia, ln distance from Moscow
    (km, at least 1), ln GDP, and the spatial lag of the preceding window's change.
    """
    idx = share_start.index
    return pd.DataFrame(
        {
            "const": 1.0,
            "share_start": share_start,
            "us_change_x_nato": us_change * nato.reindex(idx, fill_value=False).astype(float),
            "contiguous_russia": contiguous_russia.reindex(idx, fill_value=False).astype(float),
            "log_distance_moscow": np.log(np.maximum(distance_moscow_km.reindex(idx), 1.0)),
            "log_gdp": np.log(gdp_usd.reindex(idx)),
            "spatial_lag_change": lag_change.reindex(idx, fill_value=0.0),
        },
        index=idx,
    )[REGRESSORS]


def fit_ols(design: pd.DataFrame, change: pd.Series) -> pd.Series:
    """Least-squares coefficients of ``change`` on ``design`` (rows with any NaN dropped).

    ``numpy.linalg.lstsq`` (minimum-norm solution if a column is constant, e.g. the US change
    times NATO when no ally is in the sample).
    """
    frame = design.join(change.rename("_y"), how="inner").dropna()
    coef, *_ = np.linalg.lstsq(
        frame[design.columns].to_numpy(float), frame["_y"].to_numpy(float), rcond=None
    )
    return pd.Series(coef, index=design.columns)


def predict_ols(coef: pd.Series, design: pd.DataFrame, start: pd.Series) -> pd.Series:
    """``start + design @ coef``: the start share plus the predicted change (NaN where a
    covariate is missing)."""
    return start + design.reindex(start.index)[coef.index].to_numpy(float) @ coef.to_numpy(float)
