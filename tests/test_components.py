"""The architecture: rules are registered components, the ties live in one object, and the model
is built from keyword arguments the way Mesa builds models (batch_run, SolaraViz)."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario

from sim.config import ScenarioConfig, compose
from sim.model import AllianceModel
from sim.rules import ALLIANCE_RULES, BUDGET_RULES
from sim.rules.base import AllianceRuleConfig, BudgetRuleConfig
from sim.runner import build_model
from sim.ties import Ties

# ----------------------------------------------------------------------------- a toy rule


@dataclass
class HalvingConfig(BudgetRuleConfig):
    """Every nation moves ``rate`` of the way to zero each year."""

    name: str = "halving"
    rate: float = 0.5
    noise: float = 0.0


class Halving:
    Config = HalvingConfig

    def __init__(self, params: HalvingConfig, state) -> None:
        self.params = params

    def shares(self, state) -> np.ndarray:
        return state.share * (1 - self.params.rate)

    def change(self, params: HalvingConfig) -> None:
        self.params = params

    def reporters(self) -> dict:
        return {}


@dataclass
class CountingConfig(AllianceRuleConfig):
    """Ties never change; the world table counts the years."""

    name: str = "counting"


class Counting:
    Config = CountingConfig

    def __init__(self, params: CountingConfig, state) -> None:
        self.params, self.years = params, 0

    def revise(self, state) -> None:
        self.years += 1

    def reporters(self) -> dict:
        return {"years_counted": lambda: self.years}


@pytest.fixture
def toy_rules(tmp_path):
    """Register the toy rules and give each its one config file, as a new rule would."""
    BUDGET_RULES.register(Halving)
    ALLIANCE_RULES.register(Counting)
    for group, name in (("budget_rule", "halving"), ("alliance_rule", "counting")):
        (tmp_path / group).mkdir()
        (tmp_path / group / f"{name}.yaml").write_text(
            f"defaults:\n  - schema_{name}\nname: {name}\n"
        )
    yield tmp_path
    BUDGET_RULES.unregister("halving")
    ALLIANCE_RULES.unregister("counting")


def test_a_rule_registered_from_the_test_suite_runs_from_its_config_file(toy_rules):
    cfg = compose(
        [
            f"hydra.searchpath=[file://{toy_rules}]",
            "budget_rule=halving",
            "budget_rule.rate=0.25",
            "alliance_rule=counting",
            "model.steps=3",
        ]
    )
    assert isinstance(cfg.budget_rule, HalvingConfig) and cfg.budget_rule.rate == 0.25
    model = build_model(cfg)
    start, ties = model.share.copy(), model.ties.count
    for _ in range(3):
        model.step()
    assert model.share == pytest.approx(np.maximum(start * 0.75**3, model.params.share_min))
    world = model.world_table()
    assert world["years_counted"].tolist() == [0, 1, 2, 3]
    assert (world["n_ties"] == ties).all()


def test_an_unregistered_rule_name_lists_the_rules():
    from sim.errors import ConfigError

    with pytest.raises(
        ConfigError,
        match="budget_rule.name: unknown rule 'halving'; available: "
        "threat_response, richardson, fixed",
    ):
        BUDGET_RULES["halving"]


# ----------------------------------------------------------------------------- the Mesa model


def test_no_arguments_build_the_default_run():
    model, run = AllianceModel(), build_model(compose())
    for _ in range(3):
        model.step()
        run.step()
    pd.testing.assert_frame_equal(model.world_table(), run.world_table())
    pd.testing.assert_frame_equal(model.nations_table(), run.nations_table())


def test_keyword_names_build_other_runs_and_mesa_keeps_its_scenario():
    model = AllianceModel(world="synthetic", scenario="arms_race", alliance_rule="none", rng=4)
    assert model.world.name == "synthetic" and model.budget_rule.params.name == "richardson"
    assert model.alliance_rule.params.name == "none"
    assert isinstance(model.scenario, Scenario)  # Mesa's own, not ours
    assert isinstance(model.scenario_config, ScenarioConfig)
    assert not hasattr(model.scenario_config, "model")


def test_batch_run_drives_the_model_without_an_adapter():
    rows = mesa.batch_run(
        AllianceModel,
        parameters={},
        rng=[0, 1],
        max_steps=5,
        data_collection_period=1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert sorted(set(zip(frame["iteration"], frame["Step"].astype(int), strict=True))) == [
        (i, s) for i in (0, 1) for s in range(6)
    ]
    last = frame[frame["Step"] == 5].set_index("iteration")["mean_share"]
    assert last[0] != last[1]  # another seed, another run


def test_the_model_stops_running_after_its_steps():
    model = AllianceModel(params=compose(["model.steps=2"]).model)
    while model.running:
        model.step()
    assert model.steps == 2


# ----------------------------------------------------------------------------- the ties


def test_ties_form_dissolve_and_give_the_graph_in_formation_order():
    nations = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC"],
            "name": ["A", "B", "C"],
            "lat": [0.0, 1.0, 2.0],
            "lon": [0.0, 1.0, 2.0],
            "major_power": [1, 0, 0],
        }
    )
    ties = Ties(nations, 2000)
    ties.form(0, 1, treaty="T", weight=1.0, review=5, pledges=(0.02, 0.01))
    ties.new_year(1)
    ties.form(2, 0, weight=0.5, review=2)
    ties.dissolve(1, 0)
    ties.form(0, 1, weight=0.5, review=2)
    assert ties.allied.sum() == 4 and ties.count == 2 and ties.formed_now == 2
    graph = ties.graph
    assert list(graph.edges("AAA")) == [("AAA", "CCC"), ("AAA", "BBB")]  # the order they formed
    assert graph.edges["AAA", "BBB"] == {
        "since": 1,
        "treaty": "",
        "weight": 0.5,
        "review_period": 2,
        "pledge": 0.0,
    }
    assert graph.nodes["AAA"]["major_power"] is True
    events = ties.events_table()
    assert events[["a", "b", "event", "treaty"]].values.tolist() == [
        ["CCC", "AAA", "formed", ""],
        ["BBB", "AAA", "dissolved", "T"],
        ["AAA", "BBB", "formed", ""],
    ]
    ties.dissolve(0, 2)
    assert ties.graph is graph and graph.number_of_edges() == 1  # kept current, not rebuilt
    fresh = Ties(nations, 2000)
    for (i, j), treaty in ties._treaty.items():
        fresh.form(i, j, treaty=treaty, weight=float(ties.commitment[i, j]), review=2)
    assert list(fresh.graph.edges) == list(graph.edges)
