"""The revised rules (issue 13) as components of the model: war shocks, reach, blocs, treaties."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError, ScenarioConfig, ShockConfig, compose
from sim.model import AllianceModel
from sim.rules import projection
from sim.rules.demand import ThreatResponseV2Config
from sim.runner import simulate

REVISED = ["budget_rule=threat_response_v2", "alliance_rule=utility_v2",
           "model.geography=force_type", "model.blocs=signed"]  # fmt: skip


def test_a_war_shock_mobilises_the_defender_within_the_year():
    war = ShockConfig(step=1, kind="war", iso3="RUS", value=1, against=["UKR"])
    model = AllianceModel(
        "y2014",
        scenario=ScenarioConfig(name="war", shocks=[war]),
        budget_rule=ThreatResponseV2Config(noise=0.0),
        alliance_rule="none",
    )
    ukr, rus = model.row["UKR"], model.row["RUS"]
    assert not model.at_war.any()
    model.step()
    assert model.at_war[ukr, rus] and model.at_war[rus, ukr] and model.at_war.sum() == 2
    # a third of the attacker's spending this year (last year's share, this year's GDP)
    rus_share_before = model.nations_table().query("step == 0 and iso3 == 'RUS'")["share"].item()
    expected = rus_share_before * model.gdp[rus] / 3 / model.gdp[ukr]
    assert model.share[ukr] == pytest.approx(min(expected, model.params.share_max), rel=1e-9)
    assert model.share[ukr] > 0.1


def test_a_war_shock_names_its_value():
    with pytest.raises(ConfigError, match=r"scenario.shocks\[0\].value: a war is 1"):
        ScenarioConfig(
            name="x",
            shocks=[ShockConfig(step=1, kind="war", iso3="RUS", value=0.5, against=["UKR"])],
        )


def test_force_type_reach_without_borders_counts_every_pair_as_land_connected():
    model = simulate(compose([*REVISED, "world=synthetic", "world.n=12", "model.steps=1"]))
    nations = model.world.nations
    from sim.rules.threat import great_circle_km

    d = great_circle_km(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    q = np.where(model.major, model.params.major_global_share, 0.0)
    p = model.params
    expected = projection.reach(
        d, d, np.ones_like(d, dtype=bool), q, p.land_range_km, p.global_range_km, 0.25
    ).total
    assert np.allclose(model.reach, expected) and np.array_equal(model.reach, model.support_reach)


def test_home_base_reach_in_the_model_lowers_russia_at_norway_not_at_lithuania():
    steps = ["world=y2014", "model.steps=1"]
    border = simulate(compose([*REVISED, *steps]))
    home = simulate(compose([*REVISED, *steps, "model.land_distance=home_base"]))
    rus, ltu, nor = (border.row[c] for c in ("RUS", "LTU", "NOR"))
    # M1: both share a land border with Russia, the same land reach (only the global share's
    # gradient tells them apart); A13: Oslo lies twice as far from Moscow as Vilnius
    assert border.reach[nor, rus] > 0.95 * border.reach[ltu, rus]
    assert home.reach[nor, rus] < 0.8 * home.reach[ltu, rus]
    assert np.array_equal(home.reach, home.support_reach)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.land_distance=capital", "model.land_distance: must be one of border, home_base"),
        ("model.home_range_km=0", "model.home_range_km: must be > 0"),
    ],
)
def test_bad_land_distance_names_its_key(override, message):
    with pytest.raises(ConfigError, match=message):
        compose([*REVISED, override])


def test_version_1_geography_and_blocs_stay_the_defaults():
    cfg = compose([])
    assert cfg.model.geography == "capital_gradient" and cfg.model.blocs == "louvain"
    assert cfg.budget_rule.name == "threat_response" and cfg.alliance_rule.name == "utility"


def test_revised_run_keeps_treaties_and_separates_rivals():
    model = simulate(compose([*REVISED, "scenario=russia_shock", "model.steps=10"]))
    events = model.events_table()
    ended = events[(events["event"] == "dissolved") & (events["treaty"] != "")]
    assert ended.empty  # treaty ties end only by withdrawal
    hostile = np.maximum(model.hostile, model.hostile.T) >= 0.5
    for b in np.unique(model.bloc[model.bloc >= 0]):
        rows = np.flatnonzero(model.bloc == b)
        assert not hostile[np.ix_(rows, rows)].any()
    assert model.alliance_rule.capped_years == 0
