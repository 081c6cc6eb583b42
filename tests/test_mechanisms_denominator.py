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
