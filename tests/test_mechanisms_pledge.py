"""Amendment A42 (M16): the guideline pull weighted by each member's threat ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_mechanisms import _state

from sim.errors import ConfigError
from sim.rules.demand import ThreatResponseV2, ThreatResponseV2Config, guideline_weight


def test_the_weight_is_the_ratio_over_the_members_start_mean():
    ratio0 = np.array([0.1, 0.3, -0.2, 5.0])
    target0 = np.array([0.02, 0.02, 0.02, 0.0])  # D has no guideline: not in the mean
    mean = (0.1 + 0.3 + 0.0) / 3  # a negative start ratio counts as none
    weight = guideline_weight(np.array([0.1, 0.6, -0.1, 5.0]), ratio0, target0)
    assert weight.tolist() == pytest.approx([0.1 / mean, 0.6 / mean, 0.0, 5.0 / mean])
    # at the start the members' mean weight is 1: p keeps its meaning for the mean ally
    assert guideline_weight(ratio0, ratio0, target0)[:3].mean() == pytest.approx(1.0)


def test_the_weight_is_one_without_members_or_without_threat():
    ratio = np.array([0.4, 0.2, 0.0])
    assert guideline_weight(ratio, ratio, np.zeros(3)).tolist() == [1.0, 1.0, 1.0]
    none = np.array([0.0, -0.1, 0.0])
    assert guideline_weight(ratio, none, np.full(3, 0.02)).tolist() == [1.0, 1.0, 1.0]


def _laggards() -> object:
    """A, B, C allied members at 1% under a 2% guideline, D alone at 0.5%; D threatens B only."""
    start = _state([10.0, 10.0, 10.0, 5.0])
    start.target = np.array([0.02, 0.02, 0.02, 0.0])
    start.hostile[1, 3] = 0.5
    return start


def _points(**kw: object) -> ThreatResponseV2Config:
    fixed = {"noise": 0.0, "eta": 1.0, "threat_from": "spending", "threat_scale": "points"}
    return ThreatResponseV2Config(**{**fixed, "k": 1.0, "p": 0.3, **kw})


def test_the_threatened_laggard_is_pulled_harder_and_the_unthreatened_not_at_all():
    start = _laggards()
    uniform = ThreatResponseV2(_points(), start)
    threat = ThreatResponseV2(_points(guideline_pull="threat"), start)
    # B: T = 0.5 * 5 over own 10 plus allies A and C, 10 each (w = 1 and 1, reach 1)
    assert threat.ratio0[1] == pytest.approx(math.log(1 + 2.5 / 30))
    assert threat.ratio0[[0, 2]].tolist() == [0.0, 0.0]
    # uniform (M4): every laggard closes p of its log gap; threat (M16): B three times as hard
    # (its R0 over the members' mean R0/3), A and C not at all, D has no guideline
    gap = math.log(2.0)
    assert uniform.shares(start).tolist() == pytest.approx(
        [0.01 * math.exp(0.3 * gap)] * 3 + [0.005]
    )
    assert threat.shares(start).tolist() == pytest.approx(
        [0.01, 0.01 * math.exp(0.9 * gap), 0.01, 0.005]
    )
    # the default is M4's pull, bit for bit
    default = ThreatResponseV2(_points(guideline_pull="uniform"), start)
    assert default.shares(start).tolist() == uniform.shares(start).tolist()


def test_the_pull_grows_with_the_threat_over_the_run():
    start = _laggards()
    rule = ThreatResponseV2(_points(guideline_pull="threat", k=0.0), start)
    surge = _laggards()
    surge.share = np.array([10.0, 10.0, 10.0, 20.0]) / 1000.0  # D quadruples its budget
    weight = math.log(1 + 10.0 / 30) / (math.log(1 + 2.5 / 30) / 3)
    assert rule.shares(surge)[1] == pytest.approx(0.01 * math.exp(0.3 * weight * math.log(2.0)))


def test_an_unknown_guideline_pull_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match="budget_rule.guideline_pull"):
        ThreatResponseV2Config(guideline_pull="wales")
