"""The revised rules (issue 13) as components of the model: war shocks, reach, blocs, treaties."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError, ScenarioConfig, ShockConfig, compose
from sim.model import AllianceModel, ScenarioError
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


def test_wartime_dilemma_spares_ukraine_mobilising_but_not_against_russia():
    # A15: Ukraine mobilises in year 1 of a war with Russia; the year after, Poland (a third
    # party) reads its baseline hostility only, Russia (the enemy) the dilemma's surge too
    war = ShockConfig(step=1, kind="war", iso3="RUS", value=1, against=["UKR"])
    runs = {}
    for rule in ("all", "enemies"):
        cfg = compose([*REVISED, "world=y2014", f"model.wartime_dilemma={rule}"])
        model = AllianceModel(
            "y2014",
            scenario=ScenarioConfig(name="war", shocks=[war]),
            params=cfg.model,
            budget_rule=cfg.budget_rule,
            alliance_rule="none",
        )
        model.step()
        model.step()
        runs[rule] = model
    ukr, pol, rus = (runs["all"].row[c] for c in ("UKR", "POL", "RUS"))
    assert runs["enemies"].mobilised[ukr] and runs["enemies"].arming[ukr] > 0.1
    assert runs["all"].hostile[pol, ukr] > runs["all"].baseline_hostility[pol, ukr] + 0.1
    assert runs["enemies"].hostile[pol, ukr] == runs["enemies"].baseline_hostility[pol, ukr]
    assert runs["enemies"].hostile[rus, ukr] == runs["all"].hostile[rus, ukr]
    assert runs["enemies"].hostile[rus, ukr] > runs["enemies"].baseline_hostility[rus, ukr]


def test_bad_wartime_dilemma_names_its_key():
    with pytest.raises(ConfigError, match="model.wartime_dilemma: must be one of all, enemies"):
        compose([*REVISED, "model.wartime_dilemma=neutral"])


def _after_a_new_war(**rule: str) -> tuple[AllianceModel, dict[str, float]]:
    """y2019 one year after RUS attacks UKR (step 1) at eta = 1, no alliance rule: the model
    and each nation's share, under the v2 rule with ``rule``'s options."""
    war = ShockConfig(step=1, kind="war", iso3="RUS", value=1, against=["UKR"])
    model = AllianceModel(
        "y2019",
        scenario=ScenarioConfig(name="war", shocks=[war]),
        budget_rule=ThreatResponseV2Config(noise=0.0, eta=1.0, **rule),
        alliance_rule="none",
    )
    model.step()
    return model, dict(zip(model.iso3, model.share, strict=True))


def test_war_exposure_raises_the_war_zones_neighbours_and_only_theirs():
    # A17: a war begins in year 1; in year 1 Poland (a land border with Ukraine, the theatre)
    # gets the whole 0.45 points at eta = 1, Germany (576 km) part, Japan nothing, Ukraine none
    _, off = _after_a_new_war()
    model, on = _after_a_new_war(war_exposure="theatre")
    rise = {c: on[c] - off[c] for c in ("POL", "DEU", "JPN", "UKR")}
    assert rise["POL"] == pytest.approx(0.0045)
    b = model.border_km[model.row["DEU"], model.row["UKR"]]
    assert rise["DEU"] == pytest.approx(0.0045 * np.exp(-b / 500.0))
    assert rise["JPN"] == pytest.approx(0.0, abs=1e-6) and rise["UKR"] == 0.0


def test_bad_aggressor_exposure_names_its_key():
    with pytest.raises(ConfigError, match="budget_rule.aggressor_exposure: must be one of"):
        compose([*REVISED, "budget_rule.aggressor_exposure=nearest"])


def test_bad_war_exposure_names_its_key():
    with pytest.raises(ConfigError, match="budget_rule.war_exposure: must be one of none, theatre"):
        compose([*REVISED, "budget_rule.war_exposure=nearest"])


def test_aggressor_exposure_raises_the_attackers_neighbours_from_its_home_base():
    # A21: a war begins in year 1; at eta = 1 each non-party gets 0.45 points times its
    # exposure from Russia's home base: Estonia (a land border) more than Germany
    _, off = _after_a_new_war()
    model, on = _after_a_new_war(aggressor_exposure="home_base")
    rise = {c: on[c] - off[c] for c in ("EST", "DEU", "UKR")}
    est, rus = model.row["EST"], model.row["RUS"]
    assert model.border_km[est, rus] == 0.0
    assert rise["EST"] == pytest.approx(0.0045 * np.exp(-model.capital_km[est, rus] / 2000.0))
    assert rise["EST"] > rise["DEU"] > 0.0 and rise["UKR"] == 0.0


def test_scenario_omit_leaves_a_tagged_shock_out_and_refuses_an_unknown_tag():
    floor = ShockConfig(step=1, kind="hostility", iso3="RUS", value=0.6, against=["EST"], tag="f")
    hostile = {}
    for omit in ([], ["f"]):
        model = AllianceModel(
            "y2019", scenario=ScenarioConfig(name="s", shocks=[floor], omit=omit),
            alliance_rule="none",
        )  # fmt: skip
        before = model.baseline_hostility[model.row["RUS"], model.row["EST"]]
        model.step()
        hostile[tuple(omit)] = model.baseline_hostility[model.row["RUS"], model.row["EST"]]
    assert hostile[()] == pytest.approx(0.6) and hostile[("f",)] == pytest.approx(before)
    with pytest.raises(ConfigError, match=r"scenario.omit\[0\]: no shock has this tag"):
        compose(["experiment=hindcast_2014_2024", "scenario.omit=[russia_floor]"])
    assert compose(["experiment=hindcast_2014_2024"]).scenario.omit == []


def _accession_year(add: list[str], alliance_rule: str = "utility_v2") -> AllianceModel:
    join = ShockConfig(step=1, kind="accession", iso3="FIN", value=1, against=["NATO"],
                       tag="fin", optional=True)  # fmt: skip
    model = AllianceModel(
        "y2019", scenario=ScenarioConfig(name="s", shocks=[join], add=add),
        alliance_rule=alliance_rule,
    )  # fmt: skip
    model.step()
    return model


def test_an_optional_accession_applies_only_when_scenario_add_names_it():
    # A25: Finland accedes to NATO in year 1 when its tag is added, and not otherwise
    off = _accession_year([])
    assert off.row["FIN"] not in off.ties.members("NATO")
    for rule in ("utility_v2", "none"):
        model = _accession_year(["fin"], rule)
        fin, nato = model.row["FIN"], model.ties.members("NATO")
        seeded = model.world.treaties.query("treaty == 'NATO'")["iso3"]
        assert fin in nato and len(nato) == len(seeded) + 1
        assert all(model.ties.treaty(fin, j) == "NATO" for j in nato if j != fin)
        assert model.ties.treaty_tie[fin, model.row["USA"]]
        assert model.ties.pledge[fin, model.row["USA"]] == 0.02 and model.target[fin] == 0.02
        joined = model.events_table().query("event == 'joined' and a == 'FIN'")
        assert len(joined) == len(seeded) and set(joined["treaty"]) == {"NATO"}
    assert model.support[fin] > 0.0  # shocks open the year: its allies count in the year it joins
    assert _accession_year(["fin"]).alliance_rule.members["NATO"][fin]


def test_accession_and_scenario_add_name_their_bad_keys():
    join = {"step": 1, "kind": "accession", "iso3": "FIN", "against": ["NATO"]}
    with pytest.raises(ConfigError, match=r"scenario.shocks\[0\].value: an accession is 1"):
        ScenarioConfig(name="x", shocks=[ShockConfig(value=0.5, **join)])
    with pytest.raises(ConfigError, match=r"scenario.shocks\[0\].tag: an optional shock needs"):
        ScenarioConfig(name="x", shocks=[ShockConfig(value=1, optional=True, **join)])
    with pytest.raises(ConfigError, match=r"scenario.add\[0\]: no optional shock has this tag"):
        ScenarioConfig(name="x", shocks=[ShockConfig(value=1, tag="t", **join)], add=["t"])
    bad = ShockConfig(step=1, kind="accession", iso3="FIN", value=1, against=["USA"])
    with pytest.raises(ScenarioError, match=r"scenario.shocks\[0\].against: an accession names"):
        AllianceModel(
            "y2019", scenario=ScenarioConfig(name="x", shocks=[bad]), alliance_rule="none"
        )
    cfg = compose(["experiment=outofsample_2019_2024"])
    assert cfg.scenario.add == []
    assert compose(["experiment=outofsample_2019_2024", "scenario.add=[nato_accessions_2023_2024]"])


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
