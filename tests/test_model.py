"""The model: invariants after every step, determinism, schedules, shocks, treaties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config import (
    ModelConfig,
    ScenarioConfig,
    ScheduleConfig,
    ShockConfig,
    ThreatResponseConfig,
    UtilityConfig,
    WorldConfig,
    compose,
)
from sim.model import EVENT_COLUMNS, NATION_COLUMNS, AllianceModel, ScenarioError
from sim.runner import simulate
from sim.worlds import load_world

WORLD_COLUMNS = [
    "step",
    "year",
    "n_ties",
    "n_blocs",
    "polarity",
    "mean_share",
    "world_milex",
    "share_at_target",
    "ties_formed",
    "ties_dissolved",
]


def check_invariants(m: AllianceModel) -> None:
    p = m.params
    assert np.all(m.share >= p.share_min - 1e-12) and np.all(m.share <= p.share_max + 1e-12)
    assert np.all(m.capability >= 0)
    for name in ("gdp", "share", "capability", "threat", "support"):
        assert np.all(np.isfinite(getattr(m, name))), name
    assert np.all(m.share * m.gdp <= m.gdp)
    assert np.array_equal(m.ties.allied, m.ties.allied.T) and not m.ties.allied.diagonal().any()
    assert m.graph.number_of_selfloops() == 0 if hasattr(m.graph, "number_of_selfloops") else True
    edges = {frozenset(e) for e in m.graph.edges}
    rows = {
        frozenset((m.iso3[i], m.iso3[j])) for i, j in zip(*np.nonzero(m.ties.allied), strict=True)
    }
    assert edges == rows
    for a, b, d in m.graph.edges(data=True):
        assert a != b
        assert set(d) >= {"since", "treaty", "weight"}


@pytest.mark.parametrize(
    "overrides",
    [
        ["scenario=baseline"],
        ["scenario=us_retrenchment"],
        ["scenario=china_rise"],
        ["scenario=russia_shock"],
        ["world=y2014", "scenario=russia_shock"],
        ["world=synthetic", "world.n=40", "scenario=us_retrenchment"],
    ],
)
def test_invariants_after_every_step(overrides):
    cfg = compose(overrides + ["model.steps=15", "figures=false"])
    from sim.runner import build_model

    m = build_model(cfg)
    check_invariants(m)
    for _ in range(cfg.model.steps):
        m.step()
        check_invariants(m)


def test_tables_have_the_design_columns():
    m = simulate(compose(["model.steps=4"]))
    nations, world, events = m.nations_table(), m.world_table(), m.events_table()
    assert list(nations.columns) == NATION_COLUMNS
    assert list(world.columns) == WORLD_COLUMNS
    assert list(events.columns) == EVENT_COLUMNS
    n = len(m.iso3)
    assert len(nations) == n * 5 and list(world["step"]) == [0, 1, 2, 3, 4]
    assert list(world["year"]) == [2024, 2025, 2026, 2027, 2028]
    assert nations["iso3"].is_unique is False and set(nations["iso3"]) == set(m.iso3)
    assert np.allclose(nations["milex"], nations["gdp"] * nations["share"])


def test_same_seed_same_frames_other_seed_different():
    a = simulate(compose(["seed=5", "model.steps=12"]))
    b = simulate(compose(["seed=5", "model.steps=12"]))
    c = simulate(compose(["seed=6", "model.steps=12"]))
    pd.testing.assert_frame_equal(a.nations_table(), b.nations_table())
    pd.testing.assert_frame_equal(a.world_table(), b.world_table())
    pd.testing.assert_frame_equal(a.events_table(), b.events_table())
    assert not a.nations_table()["share"].equals(c.nations_table()["share"])


def test_record_every_keeps_the_last_step():
    m = simulate(compose(["model.steps=7", "model.record_every=3"]))
    assert sorted(m.nations_table()["step"].unique()) == [0, 3, 6, 7]
    assert len(m.world_table()) == 8


def test_us_retrenchment_schedule_is_followed_exactly():
    m = simulate(compose(["scenario=us_retrenchment", "model.steps=12"]))
    us = m.nations_table().query("iso3 == 'USA'").set_index("step")["share"]
    start = us[0]
    for t in range(1, 11):
        assert us[t] == pytest.approx(start + (0.02 - start) * t / 10)
    assert us[11] == pytest.approx(0.02) and us[12] == pytest.approx(0.02)


def test_growth_schedule_compounds_spending():
    m = simulate(compose(["scenario=china_rise", "model.steps=3"]))
    chn = m.nations_table().query("iso3 == 'CHN'").set_index("step")
    assert chn.loc[3, "milex"] / chn.loc[0, "milex"] == pytest.approx(1.07**3, rel=1e-9)


def test_hostility_shock_raises_threat_and_budgets():
    base = simulate(compose(["world=y2014", "model.steps=6", "budget_rule.noise=0"]))
    shock = simulate(
        compose(["world=y2014", "scenario=russia_shock", "model.steps=6", "budget_rule.noise=0"])
    )
    b = base.nations_table().query("step == 6").set_index("iso3")
    s = shock.nations_table().query("step == 6").set_index("iso3")
    for code in ("POL", "EST", "LTU", "UKR"):
        assert s.loc[code, "threat"] > b.loc[code, "threat"]
        assert s.loc[code, "share"] > b.loc[code, "share"]


def test_treaties_are_seeded_as_cliques_with_their_names():
    m = AllianceModel(load_world(WorldConfig(name="today")))
    nato = list(m.world.treaties.query("treaty == 'NATO'")["iso3"])
    assert len(nato) == 31  # the 32 allies less Iceland (no SIPRI share: not in the world)
    for i, a in enumerate(nato):
        for b in nato[i + 1 :]:
            assert m.graph.has_edge(a, b)
    assert m.graph.edges["USA", "DEU"]["treaty"] == "NATO"
    assert m.graph.edges["USA", "JPN"]["treaty"] == "US-JPN"
    assert m.target[m.row["DEU"]] == pytest.approx(0.02)
    assert "ISL" not in m.row  # Iceland: no armed forces, no SIPRI share
    assert m.ties.events == []  # seeded treaties are not events


def test_model_runs_without_hydra_and_agents_read_their_rows():
    world = load_world(WorldConfig(name="synthetic", n=12), seed=1)
    m = AllianceModel(
        world,
        params=ModelConfig(steps=3),
        budget_rule=ThreatResponseConfig(),
        alliance_rule=UtilityConfig(),
        scenario=ScenarioConfig(name="plain"),
        rng=1,
    )
    for _ in range(3):
        m.step()
    assert len(m.agents) == 12
    agent = next(a for a in m.agents if a.iso3 == "USA")
    assert agent.major_power and agent.share == m.share[agent.row]
    assert agent.milex == pytest.approx(agent.gdp * agent.share)
    assert agent.allies == sorted(m.graph.neighbors("USA"))


def test_scenario_naming_a_missing_nation_fails_before_the_first_step():
    world = load_world(WorldConfig(name="synthetic", n=10), seed=0)
    scenario = ScenarioConfig(name="x", schedules=[ScheduleConfig(iso3="FRA", to_share=0.03)])
    with pytest.raises(ScenarioError, match=r"scenario.schedules\[0\].iso3: 'FRA'"):
        AllianceModel(world, scenario=scenario)


def test_gdp_shock_and_guns_versus_butter():
    world = load_world(WorldConfig(name="synthetic", n=10), seed=0)
    shock = ScenarioConfig(
        name="s", shocks=[ShockConfig(step=2, kind="gdp", iso3="USA", value=0.5)]
    )
    m = AllianceModel(world, scenario=shock, budget_rule=ThreatResponseConfig(noise=0.0))
    i = m.row["USA"]
    m.step()
    before, share = m.gdp[i], m.share[i]
    m.step()
    drag = m.params.growth_drag * max(0.0, share - m.params.reference_share)
    assert m.gdp[i] == pytest.approx(before * (1 + m.growth[i] - drag) * 0.5)


def test_russia_shock_forms_and_dissolves_ties_over_50_years():
    m = simulate(compose(["scenario=russia_shock", "model.steps=50", "figures=false"]))
    world = m.world_table()
    assert world["ties_formed"].sum() > 0
    assert world["ties_dissolved"].sum() > 0
    events = m.events_table()
    assert set(events["event"]) == {"formed", "dissolved"}
