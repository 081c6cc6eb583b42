"""Hindcast scores and baselines (sim.baselines), checked by hand on four nations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.baselines import (
    REGRESSORS,
    distance_mapping,
    fit_ols,
    persistence,
    persistence_mean_change,
    predict_ols,
    regression_design,
    score,
    spatial_lag,
    spearman,
    trend,
)

CODES = ["AAA", "BBB", "CCC", "DDD"]
START = pd.Series([1.0, 2.0, 1.5, 3.0], index=CODES)
OBSERVED = pd.Series([2.0, 2.5, 1.5, 3.0], index=CODES)


def test_spearman_is_scipys_with_ties_and_nan_when_undefined():
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(np.sqrt(3) / 2)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert np.isnan(spearman([1, 2], [1, 2]))


def test_score_levels_changes_and_mae_by_hand():
    predicted = pd.Series([1.5, 2.0, 1.0, 3.5], index=CODES)
    s = score(START, predicted, OBSERVED)
    assert s.n == 4
    assert s.mae == pytest.approx((0.5 + 0.5 + 0.5 + 0.5) / 4)
    # predicted changes 0.5, 0, -0.5, 0.5 against observed 1.0, 0.5, 0, 0
    assert s.spearman_changes == pytest.approx(spearman([0.5, 0, -0.5, 0.5], [1.0, 0.5, 0, 0]))
    assert s.spearman_levels == pytest.approx(spearman(predicted, OBSERVED))
    missing = predicted.copy()
    missing["DDD"] = np.nan
    assert score(START, missing, OBSERVED).n == 3


def test_persistence_mean_change_and_trend():
    previous = pd.Series([0.2, -0.2, 0.6, np.nan], index=CODES)
    assert persistence(START).equals(START)
    assert persistence_mean_change(START, previous, scale=2.0).tolist() == pytest.approx(
        (START + 2 * 0.2).tolist()
    )
    assert trend(START, previous, scale=2.0).tolist() == pytest.approx([1.4, 1.6, 2.7, 3.0])
    # persistence scores no change at all: its Spearman of changes is undefined
    assert np.isnan(score(START, persistence(START), OBSERVED).spearman_changes)


def test_distance_mapping_gives_the_closest_the_largest_start_share():
    distance = pd.Series([100.0, 300.0, 200.0, 50.0], index=CODES)
    mapped = distance_mapping(START, distance)
    assert mapped.tolist() == [2.0, 1.0, 1.5, 3.0]
    s = score(START, mapped, OBSERVED, ranking=-distance)
    assert s.spearman_levels == pytest.approx(spearman(-distance, OBSERVED))
    assert s.spearman_changes == pytest.approx(spearman(-distance, OBSERVED - START))


def test_spatial_lag_is_the_inverse_distance_mean_of_neighbours_in_range():
    d = pd.DataFrame(
        [[0, 1000, 500, 5000], [1000, 0, 1000, 5000], [500, 1000, 0, 5000], [5000] * 3 + [0]],
        index=CODES,
        columns=CODES,
        dtype=float,
    )
    v = pd.Series([1.0, 2.0, 4.0, 8.0], index=CODES)
    lag = spatial_lag(v, d)
    assert lag["AAA"] == pytest.approx((2.0 / 1000 + 4.0 / 500) / (1 / 1000 + 1 / 500))
    assert lag["BBB"] == pytest.approx((1.0 + 4.0) / 2)
    assert lag["DDD"] == 0.0  # nobody within 2000 km


def test_regression_recovers_a_linear_change_and_predicts_from_the_start():
    rng = np.random.default_rng(0)
    codes = [f"N{i:02d}" for i in range(40)]
    share = pd.Series(rng.uniform(0.5, 4, 40), index=codes)
    nato = pd.Series(rng.random(40) < 0.5, index=codes)
    contig = pd.Series(rng.random(40) < 0.2, index=codes)
    dist = pd.Series(rng.uniform(500, 9000, 40), index=codes)
    gdp = pd.Series(rng.uniform(1e10, 1e13, 40), index=codes)
    lag = pd.Series(rng.normal(0, 0.3, 40), index=codes)
    x = regression_design(share, 10.0, nato, contig, dist, gdp, lag)
    assert list(x.columns) == REGRESSORS
    true = pd.Series([0.3, -0.1, 0.02, 0.8, -0.05, 0.01, 0.5], index=REGRESSORS)
    change = x @ true
    coef = fit_ols(x, change)
    assert coef.to_numpy() == pytest.approx(true.to_numpy(), abs=1e-8)
    assert predict_ols(coef, x, share).to_numpy() == pytest.approx((share + change).to_numpy())
