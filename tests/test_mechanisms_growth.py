"""Amendment A30 (M12): start-world growth trends regressed toward the cross-country mean
(``model.growth_persistence``)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError, ModelConfig, compose
from sim.growth import shrunk_growth
from sim.model import AllianceModel


def test_shrunk_growth_keeps_the_persistent_part_of_each_deviation():
    g = np.array([0.08, -0.03, 0.04])  # mean 0.03
    assert shrunk_growth(g, 0.3).tolist() == pytest.approx([0.045, 0.012, 0.033])
    assert shrunk_growth(g, 0.0).tolist() == pytest.approx([0.03] * 3)
    assert shrunk_growth(g, 1.0).tolist() == pytest.approx(g.tolist())
    assert shrunk_growth(g, 0.3).mean() == pytest.approx(g.mean())


def test_the_model_grows_each_economy_at_its_shrunk_trend():
    shipped = AllianceModel("y2014", alliance_rule="none")
    shrunk = AllianceModel(
        "y2014", params=ModelConfig(growth_persistence=0.3, growth_drag=0.0), alliance_rule="none"
    )
    trend = shipped.world.nations["gdp_growth"].to_numpy(float)
    assert np.array_equal(shipped.growth, trend)  # the default: the trends as shipped
    mean = trend.mean()
    assert shrunk.growth == pytest.approx(mean + 0.3 * (trend - mean))
    gdp0 = shrunk.gdp.copy()
    shrunk.step()
    assert shrunk.gdp == pytest.approx(gdp0 * (1 + shrunk.growth))
    # a boom carried forward is damped: the fastest trend grows slower, the slowest faster
    fast, slow = trend.argmax(), trend.argmin()
    assert shrunk.growth[fast] < trend[fast] and shrunk.growth[slow] > trend[slow]


def test_bad_growth_persistence_names_its_key():
    with pytest.raises(ConfigError, match="model.growth_persistence"):
        compose(["model.growth_persistence=1.5"])
