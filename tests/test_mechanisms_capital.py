"""Amendment A50 (M17): the aggressor's proximity measured on the capitals' distance only."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_mechanisms import _capitals, _war_state, _war_world
from test_mechanisms_model import _after_a_new_war

from sim.config import compose
from sim.errors import ConfigError
from sim.rules.demand import (
    ThreatResponseV2,
    ThreatResponseV2Config,
    aggressor_capital_exposure,
    aggressor_exposure,
)


def test_the_capital_exposure_falls_with_the_capitals_distance_not_the_border_gap():
    war, b, major = _war_world()
    d = _capitals(b)  # d = 1.5 b + 400 km
    v = aggressor_capital_exposure(war, d, major, 2000.0)
    # V = exp(-d / 2000) from R (the aggressor) for the non-parties N, F, A; R and U are parties
    expected = [0.0, 0.0, math.exp(-850 / 2000), math.exp(-1600 / 2000), math.exp(-400 / 2000)]
    assert v.tolist() == pytest.approx(expected)
    # a land border no longer counts on its own: A (border gap 0) is below what A21 gives it
    home = aggressor_exposure(war, b, d, major, 500.0, 2000.0)
    assert home[4] == pytest.approx(math.exp(-400 / 2000)) == pytest.approx(v[4])
    assert v[2] > home[2] and v[3] > home[3]  # far borders, same capitals: higher under M17
    # the same ordering as the distance between capitals
    assert np.argsort(-v[2:]).tolist() == np.argsort(d[0, 2:]).tolist()
    # no aggressor (two minor powers), no war, a co-belligerent: no exposure
    assert aggressor_capital_exposure(war, d, np.zeros(5, bool), 2000.0).sum() == 0.0
    assert aggressor_capital_exposure(np.zeros((5, 5), bool), d, major, 2000.0).sum() == 0.0
    joined = war.copy()
    joined[0, 2] = joined[2, 0] = True
    assert aggressor_capital_exposure(joined, d, major, 2000.0)[2] == 0.0


def test_the_v2_rule_with_the_capital_exposure_adds_its_points_to_the_non_parties():
    war, b, major = _war_world()
    d = _capitals(b)
    start = _war_state(b, major, d)
    rule = ThreatResponseV2(
        ThreatResponseV2Config(noise=0.0, eta=1.0, aggressor_exposure="capital"), start
    )
    assert rule.aggressor0.tolist() == [0.0] * 5
    start.at_war = war  # R attacks U
    s = rule.shares(start)
    # 0.3 x 1.5% = 0.45 points per unit of V, on the start share of 2%
    expected = 0.02 + 0.0045 * np.exp(-d[0, 2:] / 2000.0)
    assert s[2:].tolist() == pytest.approx(expected.tolist())
    assert s[:2].tolist() == pytest.approx([0.02, 0.02])  # the belligerents: parties
    # a war ongoing in the start world is in the start shares: the anchored term is 0
    ongoing = ThreatResponseV2(ThreatResponseV2Config(aggressor_exposure="capital"), start)
    assert ongoing.aggressor0[2:].tolist() == pytest.approx(np.exp(-d[0, 2:] / 2000.0).tolist())


def test_the_capital_exposure_in_a_model_follows_moscow_distance():
    # a war begins in year 1 on y2019; at eta = 1 each non-party rises 0.45 points times
    # exp(-d / 2000) from Moscow's capital, whatever its border gap to Russia
    _, off = _after_a_new_war()
    model, on = _after_a_new_war(aggressor_exposure="capital")
    rus = model.row["RUS"]
    for code in ("EST", "DEU", "TUR", "NLD"):
        d = model.capital_km[model.row[code], rus]
        assert on[code] - off[code] == pytest.approx(0.0045 * np.exp(-d / 2000.0))
    assert on["UKR"] == off["UKR"]  # the attacked: a party
    # the rise follows the capitals' distance: NLD (2,148 km), TUR (1,795), EST (867)
    assert on["NLD"] - off["NLD"] < on["TUR"] - off["TUR"] < on["EST"] - off["EST"]


def test_the_option_composes_and_a_bad_one_names_its_key():
    cfg = compose(
        ["experiment=hindcast_2014_2024", "budget_rule.aggressor_exposure=capital", "figures=false"]
    )
    assert cfg.budget_rule.aggressor_exposure == "capital"
    with pytest.raises(ConfigError, match="budget_rule.aggressor_exposure: must be one of none"):
        ThreatResponseV2Config(aggressor_exposure="border")
