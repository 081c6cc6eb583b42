"""Amendment A36 (M14): allies counted once, as spill-ins, not also in the threat ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_mechanisms import _state

from sim.errors import ConfigError
from sim.rules.demand import ThreatResponseV2, ThreatResponseV2Config


def _hostile_start() -> object:
    """:func:`test_mechanisms._state` (A-B, A-C, B-C allied, D alone) with D hostile to B and D."""
    start = _state([100.0, 10.0, 40.0, 5.0])
    start.hostile[1, 3] = 0.5  # D threatens B (B has allies A and C)
    start.hostile[3, 0] = 0.5  # A threatens D (D has none)
    return start


def _points(**kw: object) -> ThreatResponseV2Config:
    return ThreatResponseV2Config(
        noise=0.0, eta=1.0, threat_from="spending", threat_scale="points", k=1.0, **kw
    )


def test_own_denominator_drops_the_allied_means_from_the_ratio_only():
    start = _hostile_start()
    both = ThreatResponseV2(_points(), start)
    own = ThreatResponseV2(_points(threat_denominator="own"), start)
    # B: T = 0.5 * 5 = 2.5; own 10; allied 100 * 1 + 40 * 1 = 140 (w = 1, c = 1, reach 1)
    assert both.ratio0[1] == pytest.approx(math.log(1 + 2.5 / 150))
    assert own.ratio0[1] == pytest.approx(math.log(1 + 2.5 / 10))
    # D has no ally: the same ratio in both forms, bit for bit
    assert own.ratio0[3] == both.ratio0[3] == pytest.approx(math.log(1 + 50 / 5))
    # anchored: the start world is a rest point of both forms
    assert own.shares(start).tolist() == pytest.approx(start.share.tolist())
    # D's budget doubles: B answers in points by k s_unit dR, with dR on own means only
    surge = _state([100.0, 10.0, 40.0, 10.0])
    surge.hostile = start.hostile
    rise = own.shares(surge)[1] - 0.01
    assert rise == pytest.approx(0.015 * (math.log(1 + 5 / 10) - math.log(1 + 2.5 / 10)))
    assert rise > 5 * (both.shares(surge)[1] - 0.01) > 0


def test_own_denominator_leaves_a_cut_in_allied_spending_to_the_spill_ins():
    start = _hostile_start()
    cfg = _points(threat_denominator="own", spill_in="allies")
    rule = ThreatResponseV2(cfg, start)
    # A (B's largest ally) halves its budget: B's ratio does not move, only F does
    cut = _state([50.0, 10.0, 40.0, 5.0])
    cut.hostile = start.hostile
    assert rule.ratio(cut)[1] == pytest.approx(rule.ratio0[1])
    spill0, spill = 140.0 + 10.0, 90.0 + 10.0  # (S + M0_B) before and after, US$, in own GDP
    assert rule.shares(cut)[1] == pytest.approx(0.01 * (spill / spill0) ** -0.3)
    # the allied form lowers B's ratio's denominator too, so its rise is larger
    both = ThreatResponseV2(_points(spill_in="allies"), start)
    assert both.shares(cut)[1] > rule.shares(cut)[1]


def test_own_denominator_on_stocks_and_switching_mid_run():
    start = _hostile_start()
    start.threat = np.array([0.0, 2.0, 0.0, 4.0])
    start.capability = np.array([10.0, 1.0, 4.0, 0.5])
    start.support = np.array([4.0, 14.0, 11.0, 0.0])
    cfg = ThreatResponseV2Config(noise=0.0, eta=1.0, threat_denominator="own")
    rule = ThreatResponseV2(cfg, start)
    # M2's stock form: R = ln(1 + T / K), the allied capability left out
    assert rule.ratio0.tolist() == pytest.approx(np.log1p(start.threat / start.capability))
    default = ThreatResponseV2(ThreatResponseV2Config(noise=0.0, eta=1.0), start)
    assert default.ratio0[1] == pytest.approx(math.log(1 + 2.0 / 15.0))
    # switching back: the default form's start ratio and anchored level of the start world
    rule.change(ThreatResponseV2Config(noise=0.0, eta=1.0))
    assert rule.ratio0.tolist() == pytest.approx(default.ratio0.tolist())
    assert rule.level.tolist() == pytest.approx(default.level.tolist())


def test_an_unknown_threat_denominator_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match="budget_rule.threat_denominator"):
        ThreatResponseV2Config(threat_denominator="allies")


def test_theatre_denominator_counts_a_far_ally_less_than_a_near_ally_of_equal_means():
    """Amendment A39 (M15): allied means in the ratio projected by the land reach ``L`` only."""
    start = _state([40.0, 10.0, 40.0, 5.0])  # A and C, B's allies, spend the same
    start.hostile[1, 3] = 0.5
    start.theatre_reach = np.ones((4, 4))
    start.theatre_reach[1, 0] = 0.1  # A's land forces barely reach B; C's fully
    both = ThreatResponseV2(_points(), start)
    theatre = ThreatResponseV2(_points(threat_denominator="theatre"), start)
    # own_allied reads the full support reach (1): 10 + 40 + 40; theatre: 10 + 0.1 * 40 + 40
    assert both.ratio0[1] == pytest.approx(math.log(1 + 2.5 / 90))
    assert theatre.ratio0[1] == pytest.approx(math.log(1 + 2.5 / 54))
    # swap the reaches: the near ally now A, the far C; equal means, so the same ratio
    start.theatre_reach[1, 0], start.theatre_reach[1, 2] = 1.0, 0.1
    swapped = ThreatResponseV2(_points(threat_denominator="theatre"), start)
    assert swapped.ratio0[1] == pytest.approx(theatre.ratio0[1])
    # a cut by the far ally moves B's theatre ratio less than the same cut by the near ally
    far_cut, near_cut = _state([40.0, 10.0, 20.0, 5.0]), _state([20.0, 10.0, 40.0, 5.0])
    for cut in (far_cut, near_cut):
        cut.hostile, cut.theatre_reach = start.hostile, start.theatre_reach
    assert swapped.ratio(near_cut)[1] - swapped.ratio0[1] > 0
    assert (
        swapped.ratio(far_cut)[1] - swapped.ratio0[1]
        < (swapped.ratio(near_cut)[1] - swapped.ratio0[1]) / 5
    )


def test_theatre_denominator_on_stocks_uses_the_land_reach():
    start = _hostile_start()
    start.threat = np.array([0.0, 2.0, 0.0, 4.0])
    start.capability = np.array([10.0, 1.0, 4.0, 0.5])
    start.theatre_reach = np.full((4, 4), 0.5)
    rule = ThreatResponseV2(
        ThreatResponseV2Config(noise=0.0, eta=1.0, threat_denominator="theatre"), start
    )
    # B: allies A (10) and C (4), w = c = 1, half reach: K_B + A^L_B = 1 + 7
    assert rule.ratio0[1] == pytest.approx(math.log(1 + 2.0 / 8.0))
    assert rule.ratio0[3] == pytest.approx(math.log(1 + 4.0 / 0.5))  # D has no ally
