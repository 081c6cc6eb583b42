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


def test_recorded_growth_reads_the_year_and_the_year_before():
    from sim.growth import recorded_growth

    gdp = np.array([[100.0, 110.0, 121.0], [50.0, np.nan, 60.0], [10.0, 10.0, 9.0]])
    years = np.array([2014, 2015, 2016])
    assert recorded_growth(gdp, years, 2015)[[0, 2]].tolist() == pytest.approx([0.1, 0.0])
    assert np.isnan(recorded_growth(gdp, years, 2015)[1])  # a missing year: the trend applies
    assert recorded_growth(gdp, years, 2016)[[0, 2]].tolist() == pytest.approx([0.1, -0.1])
    assert np.isnan(recorded_growth(gdp, years, 2014)).all()  # no year before in the table
    assert np.isnan(recorded_growth(gdp, years, 2017)).all()  # after the table: the trend


def test_the_record_gdp_path_follows_the_world_bank_table_and_then_the_trend():
    from sim.worlds.sources import world_bank_gdp

    record = AllianceModel("y2014", params=ModelConfig(gdp_path="record"), alliance_rule="none")
    trend = AllianceModel("y2014", alliance_rule="none")
    wb = world_bank_gdp()
    i = record.iso3.index("DEU")
    g0 = record.gdp[i]
    record.step()
    trend.step()
    # year 1 is 2015: Germany's GDP moves by the record's 2014 -> 2015 growth, not its trend
    assert record.gdp[i] == pytest.approx(g0 * wb.at["DEU", 2015] / wb.at["DEU", 2014])
    assert record.gdp[i] != pytest.approx(trend.gdp[i])
    # world=today (2024): the table ends in 2023, so every step is the trend step, bit for bit
    today = AllianceModel("today", params=ModelConfig(gdp_path="record"), alliance_rule="none")
    shipped = AllianceModel("today", alliance_rule="none")
    today.step()
    shipped.step()
    assert np.array_equal(today.gdp, shipped.gdp)


def test_bad_gdp_path_names_its_key():
    with pytest.raises(ConfigError, match="model.gdp_path"):
        compose(["model.gdp_path=forecast"])
