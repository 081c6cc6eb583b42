"""Amendment A52 (M18): the Wales pledge as a path to the guideline by its deadline."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_mechanisms_pledge import _laggards, _points

from sim.model import AllianceModel
from sim.rules.demand import ThreatResponseV2, ThreatResponseV2Config, pledge_path


def test_the_path_closes_the_start_gap_linearly_by_the_deadline():
    target = np.array([0.02, 0.02, 0.02, 0.0])
    share0 = np.array([0.01, 0.015, 0.03, 0.005])
    # from 2014 to 2024: a tenth of the gap a year; at or above 2% and without a guideline: g
    assert pledge_path(target, share0, 2015, 2014, 2024).tolist() == pytest.approx(
        [0.011, 0.0155, 0.02, 0.0]
    )
    assert pledge_path(target, share0, 2019, 2014, 2024)[:2].tolist() == pytest.approx(
        [0.015, 0.0175]
    )
    # from 2019 the remaining gap over five years; complete at and after the deadline
    assert pledge_path(target, share0, 2020, 2019, 2024)[0] == pytest.approx(0.012)
    assert pledge_path(target, share0, 2030, 2014, 2024).tolist() == target.tolist()
    # a world starting at the deadline (world=today, 2024) is pulled toward g itself (M4)
    assert pledge_path(target, share0, 2025, 2024, 2024).tolist() == target.tolist()
    # the start year asks for nothing beyond the start share
    assert pledge_path(target, share0, 2014, 2014, 2024)[:2].tolist() == share0[:2].tolist()


def test_the_v2_rule_pulls_toward_the_path_not_the_guideline():
    start = _laggards()  # A, B, C at 1% under 2%, D alone at 0.5%
    start.start_year, start.steps = 2014, 1
    rule = ThreatResponseV2(_points(guideline_pull="deadline", k=0.0), start)
    # 2015: the path asks 1.1%, so each laggard closes p of its log gap to 1.1%, not to 2%
    shares = rule.shares(start)
    assert shares[:3].tolist() == pytest.approx([0.01 * 1.1**0.3] * 3)
    assert shares[3] == pytest.approx(0.005)
    start.steps = 10  # 2024: the path has reached 2%, M4's pull
    uniform = ThreatResponseV2(_points(k=0.0), start)
    assert rule.shares(start).tolist() == pytest.approx(uniform.shares(start).tolist())
    assert rule.shares(start)[0] == pytest.approx(0.01 * math.exp(0.3 * math.log(2.0)))


def test_the_deadline_is_a_checked_key_and_needs_a_start_year():
    start = _laggards()
    start.steps = 1
    rule = ThreatResponseV2(_points(guideline_pull="deadline"), start)
    with pytest.raises(ValueError, match="budget_rule.guideline_pull: deadline needs"):
        rule.shares(start)
    assert ThreatResponseV2Config().pledge_deadline == 2024


def _shares(world: str, pull: str, steps: int) -> np.ndarray:
    model = AllianceModel(
        world,
        budget_rule=ThreatResponseV2Config(noise=0.0, guideline_pull=pull),
        alliance_rule="none",
    )
    for _ in range(steps):
        model.step()
    return model.share.copy()


def test_in_a_model_the_path_pulls_less_in_2015_and_not_differently_from_today():
    uniform, deadline = _shares("y2014", "uniform", 1), _shares("y2014", "deadline", 1)
    model = AllianceModel("y2014", alliance_rule="none")
    laggards = (model.target > 0) & (model.share < model.target)
    assert laggards.sum() > 10
    assert (deadline[laggards] < uniform[laggards]).all()
    assert deadline[~laggards].tolist() == pytest.approx(uniform[~laggards].tolist())
    # from the 2024 world the pledge's path is complete: M4's pull, bit for bit
    assert _shares("today", "deadline", 2).tolist() == _shares("today", "uniform", 2).tolist()
