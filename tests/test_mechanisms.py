"""The revised mechanisms (issue 13), hand-checked on three-nation worlds.

Nations A, B, C: A and B share a land border, C is an island 1000 km from both borders.
"""

from __future__ import annotations

import math
from copy import copy
from types import SimpleNamespace

import numpy as np
import pytest

from sim.blocs import separate_rivals, signed_blocs, signed_edges, signed_louvain, signed_modularity
from sim.errors import ConfigError
from sim.rules.demand import (
    SHARE_EPS,
    ThreatResponseV2,
    ThreatResponseV2Config,
    add_war_exposure,
    aggressor_exposure,
    anchored_level,
    desired_share,
    desired_share_points,
    next_share,
    war_aggressors,
    war_exposure,
    war_share,
    war_theatres,
)
from sim.rules.institutions import (
    accession,
    bilateral_strain,
    form_by_change,
    membership_value,
    withdrawal_strain,
)
from sim.rules.projection import (
    alliance_leader,
    allied_capability,
    hostile_capability,
    land_connected,
    leader_spill_ins,
    reach,
    relative_spill_in_change,
    spending_threat_ratio,
    spill_in_change,
    spill_ins,
    threat_ratio,
)

BORDER = np.array([[0.0, 0.0, 1000.0], [0.0, 0.0, 1000.0], [1000.0, 1000.0, 0.0]])
CAPITAL = np.array([[0.0, 500.0, 2000.0], [500.0, 0.0, 1500.0], [2000.0, 1500.0, 0.0]])
CONTIG = np.array([[False, True, False], [True, False, False], [False, False, False]])


def test_land_connected_follows_chains_of_borders():
    assert land_connected(CONTIG).tolist() == [
        [True, True, False],
        [True, True, False],
        [False, False, True],
    ]
    chain = np.zeros((4, 4), dtype=bool)
    chain[0, 1] = chain[1, 0] = chain[2, 3] = chain[3, 2] = chain[1, 3] = chain[3, 1] = True
    assert land_connected(chain).all()  # 0-1-3-2 is one chain


def test_reach_by_force_type_by_hand():
    q = np.array([0.5, 0.0, 0.0])  # A is a major power with half its forces global
    r = reach(BORDER, CAPITAL, land_connected(CONTIG), q, 500.0, 10000.0, 0.25)
    # A at B: land border (b = 0), connected: land reach 1
    assert r.land[1, 0] == pytest.approx(1.0)
    # A at C: 1000 km of water: exp(-2) * 0.25
    assert r.land[2, 0] == pytest.approx(math.exp(-2) * 0.25)
    assert r.global_[2, 0] == pytest.approx(math.exp(-0.2))
    # total reach of A at C mixes the two by A's global share; B (q = 0) reaches C by land only
    assert r.total[2, 0] == pytest.approx(0.5 * math.exp(-2) * 0.25 + 0.5 * math.exp(-0.2))
    assert r.total[2, 1] == pytest.approx(math.exp(-2) * 0.25)
    assert np.diag(r.total).tolist() == [1.0, 1.0, 1.0]
    # the global share is what reaches far: A reaches C far better than B does
    assert r.total[2, 0] > 4 * r.total[2, 1]


def test_home_base_reach_adds_a_home_leg_by_hand():
    # A13: A at B: border 0, capitals 500 km apart: the home leg is 500 km at 2000 km
    q = np.array([0.5, 0.0, 0.0])
    r = reach(BORDER, CAPITAL, land_connected(CONTIG), q, 500.0, 10000.0, 0.25, 2000.0)
    assert r.land[1, 0] == pytest.approx(math.exp(-500 / 2000))
    # A at C: 1000 km of water (theatre leg), 1000 km more to A's capital (home leg)
    assert r.land[2, 0] == pytest.approx(math.exp(-1000 / 500 - 1000 / 2000) * 0.25)
    assert r.global_[2, 0] == pytest.approx(math.exp(-0.2))  # the global share is unchanged
    assert np.diag(r.total).tolist() == [1.0, 1.0, 1.0]
    # a border far from the source's capital reaches less than one next to it
    far = CAPITAL.copy()
    far[0, 1] = far[1, 0] = 1500.0
    farther = reach(BORDER, far, land_connected(CONTIG), q, 500.0, 1e4, 0.25, 2000.0)
    assert farther.land[1, 0] < r.land[1, 0]
    # without border data (b = d) the home leg is 0: M1's form exactly
    m1 = reach(CAPITAL, CAPITAL, land_connected(CONTIG), q, 500.0, 10000.0, 0.25)
    home = reach(CAPITAL, CAPITAL, land_connected(CONTIG), q, 500.0, 10000.0, 0.25, 2000.0)
    assert np.array_equal(m1.total, home.total)


def test_threat_and_allied_capability_by_hand():
    k = np.array([100.0, 10.0, 10.0])
    p = np.array([[1.0, 0.8, 0.2], [0.8, 1.0, 0.1], [0.4, 0.1, 1.0]])
    hostile = np.array([[0, 0, 0], [0.5, 0, 0], [0.5, 0, 0]], dtype=float)  # A hostile to B, C
    t = hostile_capability(k, p, hostile)
    assert t.tolist() == pytest.approx([0.0, 0.5 * 100 * 0.8, 0.5 * 100 * 0.4])
    w = np.array([[0, 0, 0], [0, 0, 1.0], [0, 1.0, 0]])  # B and C allied
    cred = np.array([1.0, 1.0, 0.5])
    a = allied_capability(k, p, w, cred)
    assert a.tolist() == pytest.approx([0.0, 10 * 0.1 * 0.5, 10 * 0.1])


def test_threat_ratio_does_not_saturate_and_favours_the_small_frontline_state():
    # T/(T+K) is 0.99 for both; the log ratio still tells them apart and keeps rising
    small = threat_ratio(np.array([99.0, 198.0]), np.array([1.0, 1.0]), np.zeros(2))
    assert small.tolist() == pytest.approx([math.log(100), math.log(199)])
    assert small[1] - small[0] > 0.6  # doubling the threat still moves it by ~ln 2
    # the same rise in threat moves a small state's ratio more than a large one's
    t0, t1 = np.array([50.0, 50.0]), np.array([60.0, 60.0])
    means = np.array([10.0, 1000.0])
    rise = threat_ratio(t1, means, np.zeros(2)) - threat_ratio(t0, means, np.zeros(2))
    assert rise[0] > 10 * rise[1]
    assert threat_ratio(np.zeros(1), np.ones(1), np.zeros(1))[0] == 0.0


def test_spending_threat_ratio_is_the_stock_ratio_at_steady_state_and_sees_a_surge_at_once():
    # A11 (a): A hostile to B and C; B and C allied; stocks at their steady state K = M / delta
    m = np.array([100.0, 10.0, 10.0])
    p = np.array([[1.0, 0.8, 0.2], [0.8, 1.0, 0.1], [0.4, 0.1, 1.0]])
    hostile = np.array([[0, 0.5, 0.5], [0.5, 0, 0], [0.5, 0, 0]])
    w = np.array([[0, 0, 0], [0, 0, 1.0], [0, 1.0, 0]])
    cred = np.ones(3)
    k = m / 0.08
    stock = threat_ratio(hostile_capability(k, p, hostile), k, allied_capability(k, p, w, cred))
    flow = spending_threat_ratio(m, p, p, hostile, w, cred)
    assert flow.tolist() == pytest.approx(stock.tolist())
    # B by hand: T = 0.5 * 100 * 0.8 = 40, own 10, allied 10 * 0.1 = 1: ln(1 + 40 / 11)
    assert flow[1] == pytest.approx(math.log(1 + 40 / 11))
    # A's budget doubles: the spending ratio sees it this year, the stock only by delta
    surge = spending_threat_ratio(m * [2.0, 1, 1], p, p, hostile, w, cred)
    assert surge[1] == pytest.approx(math.log(1 + 80 / 11))
    k_next = 0.92 * k + m * [2.0, 1, 1]
    later = threat_ratio(
        hostile_capability(k_next, p, hostile), k_next, allied_capability(k_next, p, w, cred)
    )
    assert surge[1] - flow[1] > 5 * (later[1] - stock[1])


def test_desired_share_in_points_adds_the_same_points_whatever_the_start_share():
    # A11 (b): anchored (b = s0, R_ref = R0) the start is a rest point
    s0, r0 = np.array([0.01, 0.04]), np.array([0.2, 1.5])
    zero = np.zeros(2)
    rest = desired_share_points(s0, 2.0, r0, r0, 0.015, 0.3, zero, 0.3, zero, s0)
    assert rest.tolist() == pytest.approx(s0.tolist())
    # the ratio rises by 0.1: both add k * s_unit * 0.1 = 0.3 points (the log form: 1.1% vs 4.4%)
    up = desired_share_points(s0, 2.0, r0 + 0.1, r0, 0.015, 0.3, zero, 0.3, zero, s0)
    assert (up - s0).tolist() == pytest.approx([2.0 * 0.015 * 0.1] * 2)
    # spill-ins and the pull stay proportional: allies halve -> b 2 ** beta; a gap -> (g/s) ** p
    cut = desired_share_points(s0, 0.0, r0, r0, 0.015, 0.3, np.full(2, math.log(0.5)), 0, zero, s0)
    assert (cut / s0).tolist() == pytest.approx([2**0.3] * 2)
    pull = desired_share_points(s0, 0.0, r0, r0, 0.015, 0.0, zero, 0.5, np.full(2, 0.02), s0)
    assert pull.tolist() == pytest.approx([0.01 * 2**0.5, 0.04])
    # a fall of the ratio far below its reference floors the share, never below SHARE_EPS
    low = desired_share_points(s0, 30.0, r0 - 1.0, r0, 0.015, 0.3, zero, 0.3, zero, s0)
    assert low.tolist() == pytest.approx([SHARE_EPS] * 2)


def test_the_v2_rule_with_a11_options_answers_a_rival_budget_surge_in_points():
    start = _state([100.0, 10.0, 40.0, 5.0])
    start.hostile[3, 0] = 0.5  # A hostile to D, D alone
    cfg = ThreatResponseV2Config(
        noise=0.0, eta=1.0, threat_from="spending", threat_scale="points", k=1.0
    )
    rule = ThreatResponseV2(cfg, start)
    assert rule.ratio0[3] == pytest.approx(math.log(1 + 0.5 * 100 / 5))
    assert rule.shares(start).tolist() == pytest.approx(start.share.tolist())  # a rest point
    surge = _state([200.0, 10.0, 40.0, 5.0])  # A's budget doubles; its stock has not moved
    surge.hostile = start.hostile
    d = rule.shares(surge)[3]
    assert d == pytest.approx(0.005 + 0.015 * (math.log(1 + 100 / 5) - math.log(1 + 50 / 5)))
    # the default rule (stocks, log share) sees nothing: the stocks are unchanged
    default = ThreatResponseV2(ThreatResponseV2Config(noise=0.0, eta=1.0), start)
    assert default.shares(surge)[3] == pytest.approx(0.005)
    # switching back mid-run: M2's ratio and M4's anchored level of the start world
    rule.change(ThreatResponseV2Config(noise=0.0, eta=1.0))
    assert rule.ratio0.tolist() == pytest.approx(default.ratio0.tolist())
    assert rule.level.tolist() == pytest.approx(default.level.tolist())
    assert rule.shares(surge)[3] == pytest.approx(0.005)


def test_the_v2_rule_refuses_an_unknown_threat_form_naming_the_key():
    with pytest.raises(ConfigError, match="budget_rule.threat_from"):
        ThreatResponseV2Config(threat_from="flows")
    with pytest.raises(ConfigError, match="budget_rule.threat_scale"):
        ThreatResponseV2Config(threat_scale="percent")


def test_spill_ins_and_their_log_change():
    w = np.array([[0, 1.0, 0.5], [1.0, 0, 0], [0.5, 0, 0]])
    m = np.array([10.0, 100.0, 40.0])
    cred = np.array([1.0, 0.5, 1.0])
    s = spill_ins(m, w, cred)
    assert s.tolist() == pytest.approx([100 * 0.5 + 0.5 * 40, 10.0, 0.5 * 10])
    f = spill_in_change(np.array([35.0, 0.0]), np.array([70.0, 0.0]), np.array([0.0, 5.0]))
    assert f.tolist() == pytest.approx([math.log(0.5), 0.0])


def test_spill_ins_from_the_alliance_leader_only():
    # A-B and A-C allied, D alone: A leads B and C; A's largest ally (B) spends less than A
    w = np.array([[0, 1.0, 0.5, 0], [1.0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0, 0, 0]])
    m = np.array([100.0, 10.0, 40.0, 5.0])
    leader = alliance_leader(m, w)
    assert leader.tolist() == [-1, 0, 0, -1]
    cred = np.array([0.5, 1.0, 1.0, 1.0])
    s = leader_spill_ins(m, w, cred, leader)
    assert s.tolist() == pytest.approx([0.0, 50.0, 25.0, 0.0])
    # C's rise is no spill-in to B (it is under spill_ins): B sees only A
    more = leader_spill_ins(np.array([100.0, 10.0, 400.0, 5.0]), w, cred, leader)
    assert more[1] == pytest.approx(50.0)
    assert spill_ins(np.array([100.0, 10.0, 400.0, 5.0]), w, cred)[0] > s[0]
    # the tie to the leader ends: no spill-in
    cut = w.copy()
    cut[1, 0] = cut[0, 1] = 0.0
    assert leader_spill_ins(m, cut, cred, leader)[1] == 0.0


def _state(spending: list[float]) -> SimpleNamespace:
    """Four nations, A-B, A-C and B-C allied, D alone; GDP 1000 each, no threat, no war."""
    w = np.array([[0, 1.0, 0.5, 0], [1.0, 0, 1.0, 0], [0.5, 1.0, 0, 0], [0, 0, 0, 0]])
    n, gdp = 4, np.full(4, 1000.0)
    return SimpleNamespace(
        iso3=["A", "B", "C", "D"],
        rng=np.random.default_rng(0),
        gdp=gdp,
        share=np.array(spending) / gdp,
        capability=np.ones(n),
        threat=np.zeros(n),
        support=np.zeros(n),
        credibility=np.ones(n),
        target=np.zeros(n),
        at_war=np.zeros((n, n), bool),
        major=np.zeros(n, bool),
        border_km=np.zeros((n, n)),
        capital_km=np.zeros((n, n)),
        ties=SimpleNamespace(commitment=w),
        reach=np.ones((n, n)),
        support_reach=np.ones((n, n)),
        theatre_reach=np.ones((n, n)),
        hostile=np.zeros((n, n)),
    )


def test_the_v2_rule_switches_between_leader_and_allies_and_fixes_the_leader_at_the_start():
    start = _state([100.0, 10.0, 40.0, 5.0])
    leader = ThreatResponseV2(ThreatResponseV2Config(spill_in="leader", noise=0.0), start)
    allies = ThreatResponseV2(ThreatResponseV2Config(spill_in="allies", noise=0.0), start)
    assert leader.leader.tolist() == [-1, 0, 0, -1] == allies.leader.tolist()
    assert leader.spill0.tolist() == pytest.approx([0.0, 100.0, 50.0, 0.0])  # A's only
    assert allies.spill0.tolist() == pytest.approx([30.0, 140.0, 60.0, 0.0])  # every ally's
    # C quadruples its spending above A's: under `allies` B free-rides on it (a lower share),
    # under `leader` B still sees only A, the leader of the start year, and keeps its share
    later = _state([100.0, 10.0, 400.0, 5.0])
    b_leader, b_allies = leader.shares(later)[1], allies.shares(later)[1]
    assert b_leader == pytest.approx(0.01)
    assert b_allies < 0.01 - 1e-4
    assert leader.leader.tolist() == [-1, 0, 0, -1]  # not re-chosen from the new spending
    assert ThreatResponseV2(leader.params, later).leader.tolist()[1] == 2  # C would lead B now
    # switching mid-run: F is measured against the new form's own start-year spill-ins
    leader.change(ThreatResponseV2Config(spill_in="allies", noise=0.0))
    assert leader.spill0.tolist() == pytest.approx(allies.spill0.tolist())
    assert leader.shares(later)[1] == pytest.approx(b_allies)
    assert leader.shares(start)[1] == pytest.approx(0.01)  # the start is a rest point again


def test_spill_ins_per_unit_of_own_income_ignore_balanced_growth():
    # A8: S0 = 100, M0 = 10 on Y0 = 1000 (s0 = 1%); the leader's spending doubles
    s0, m0, y0 = np.array([100.0]), np.array([10.0]), np.array([1000.0])
    usd = spill_in_change(np.array([200.0]), s0, m0)
    assert usd[0] == pytest.approx(math.log(210 / 110))
    # ... with the follower's GDP unchanged the two forms agree
    same = relative_spill_in_change(np.array([200.0]), s0, m0, y0, y0)
    assert same[0] == pytest.approx(usd[0])
    # ... with the follower's GDP doubled too (balanced growth) there is no change
    assert relative_spill_in_change(np.array([200.0]), s0, m0, 2 * y0, y0)[0] == pytest.approx(0)
    # ... with it up by half: ln((200/1500 + 0.01) / (100/1000 + 0.01))
    half = relative_spill_in_change(np.array([200.0]), s0, m0, 1.5 * y0, y0)[0]
    assert half == pytest.approx(math.log((200 / 1500 + 0.01) / 0.11))


def test_the_v2_rule_keeps_every_share_under_balanced_growth_with_own_gdp_spill_ins():
    start = _state([100.0, 10.0, 40.0, 5.0])
    grown = _state([100.0, 10.0, 40.0, 5.0])
    grown.gdp = 2 * start.gdp  # every GDP doubles, every share as at the start
    relative = ThreatResponseV2(ThreatResponseV2Config(noise=0.0), start)
    assert relative.params.spill_in_scale == "own_gdp" and relative.params.k == 1.0
    assert relative.shares(grown).tolist() == pytest.approx(start.share.tolist())
    usd = ThreatResponseV2(ThreatResponseV2Config(noise=0.0, spill_in_scale="usd"), start)
    assert usd.shares(grown)[1] < start.share[1] - 1e-4  # the US$ form: B free-rides on growth


def test_anchored_level_makes_the_start_a_rest_point():
    s0, r0 = np.array([0.01, 0.03]), np.array([0.2, 1.5])
    b = anchored_level(s0, 2.0, r0)
    desired = desired_share(b, 2.0, r0, 0.3, np.zeros(2), 0.3, np.zeros(2), s0)
    assert desired.tolist() == pytest.approx(s0.tolist())
    assert (b > 0).all()
    # a rise in the ratio by 0.1 raises the desired share by exp(k * 0.1)
    up = desired_share(b, 2.0, r0 + 0.1, 0.3, np.zeros(2), 0.3, np.zeros(2), s0)
    assert (up / s0).tolist() == pytest.approx([math.exp(0.2)] * 2)


def test_spill_in_and_guideline_pulls():
    b, s = np.array([0.01]), np.array([0.01])
    # allies' spending halves: desired share rises by exp(-beta ln 0.5) = 2 ** beta
    cut = desired_share(b, 0.0, np.zeros(1), 0.3, np.array([math.log(0.5)]), 0.0, np.zeros(1), s)
    assert cut[0] == pytest.approx(0.01 * 2**0.3)
    # a member at 1% under a 2% guideline: pull p ln 2; above it: nothing
    pull = desired_share(b, 0.0, np.zeros(1), 0.0, np.zeros(1), 0.5, np.array([0.02]), s)
    assert pull[0] == pytest.approx(0.01 * 2**0.5)
    above = desired_share(b, 0.0, np.zeros(1), 0.0, np.zeros(1), 0.5, np.array([0.005]), s)
    assert above[0] == pytest.approx(0.01)


def test_war_share_closes_a_third_of_the_gap_with_the_attacker():
    m = np.array([150.0, 6.0, 1.0])  # attacker, defender, bystander (US$ bn)
    y = np.array([2000.0, 190.0, 100.0])
    war = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=bool)
    s = war_share(m, y, war, 1 / 3, 0.4)
    assert s[1] == pytest.approx(150 / 3 / 190)  # 26%: Ukraine in 2024, ex ante
    assert s[0] == pytest.approx(6 / 3 / 2000)
    assert s[2] == 0.0
    assert war_share(np.array([0, 900.0]), np.array([10.0, 1.0]), war[:2, :2], 1 / 3, 0.4)[0] == 0.4


def _war_world() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R (major) attacks U; N borders U, F lies 500 km from U, A is R's ally 1,000 km away."""
    iso = ["R", "U", "N", "F", "A"]
    war = np.zeros((5, 5), dtype=bool)
    war[0, 1] = war[1, 0] = True
    b = np.array(
        [
            [0, 0, 300, 800, 0],
            [0, 0, 0, 500, 1000],
            [300, 0, 0, 400, 900],
            [800, 500, 400, 0, 1500],
            [0, 1000, 900, 1500, 0],
        ],
        dtype=float,
    )
    assert len(iso) == len(b)
    return war, b, np.array([True, False, False, False, False])


def test_war_exposure_counts_the_defenders_territory_for_non_parties_only():
    war, b, major = _war_world()
    # the theatre is U's territory: R is a major power at war only with a minor one
    assert war_theatres(war, major).tolist() == [False, True, False, False, False]
    w = war_exposure(war, b, major, 500.0)
    # W = exp(-b / r) from U for the non-parties; R and U fight: 0; A (R's ally) is exposed
    assert w.tolist() == pytest.approx([0.0, 0.0, 1.0, math.exp(-1.0), math.exp(-2.0)])
    # no war, no exposure
    assert war_exposure(np.zeros((5, 5), bool), b, major, 500.0).tolist() == [0.0] * 5
    # two minor powers at war: both territories are theatres
    both = war_theatres(war, np.zeros(5, dtype=bool))
    assert both.tolist() == [True, True, False, False, False]
    assert war_exposure(war, b, np.zeros(5, bool), 500.0)[2] == pytest.approx(
        1.0 + math.exp(-300 / 500)
    )
    # a co-belligerent (N also fights R) is a party to U's war: no exposure from U
    joined = war.copy()
    joined[0, 2] = joined[2, 0] = True
    assert war_exposure(joined, b, major, 500.0)[2] == 0.0


def test_war_exposure_adds_points_against_its_start_year_reference():
    desired = np.array([0.01, 0.03])
    exposure = np.array([1.0, 0.5])
    up = add_war_exposure(desired, 0.3, 0.015, exposure, np.zeros(2))
    assert up.tolist() == pytest.approx([0.01 + 0.0045, 0.03 + 0.00225])  # 0.45 points at 1
    # anchored on a war ongoing at the start: nothing while it lasts, a fall when it ends
    assert add_war_exposure(desired, 0.3, 0.015, exposure, exposure).tolist() == pytest.approx(
        desired.tolist()
    )
    ended = add_war_exposure(desired, 0.3, 0.015, np.zeros(2), np.array([1.0, 100.0]))
    assert ended.tolist() == pytest.approx([0.01 - 0.0045, SHARE_EPS])


def test_the_v2_rule_with_war_exposure_raises_the_neighbours_of_a_new_war():
    war, b, major = _war_world()
    start = _war_state(b, major, b)
    cfg = ThreatResponseV2Config(noise=0.0, eta=1.0, war_exposure="theatre")
    rule = ThreatResponseV2(cfg, start)
    assert rule.exposure0.tolist() == [0.0] * 5
    assert rule.shares(start).tolist() == pytest.approx([0.02] * 5)  # no war: a rest point
    start.at_war = war  # R attacks U
    s = rule.shares(start)
    assert s[2] == pytest.approx(0.02 + 0.0045)  # N borders the theatre
    assert s[3] == pytest.approx(0.02 + 0.0045 * math.exp(-1.0))
    assert s[4] == pytest.approx(0.02 + 0.0045 * math.exp(-2.0))  # R's ally is exposed
    # the belligerents are parties, not exposed (R's budget is too small to mobilise U, M5)
    assert s[:2].tolist() == pytest.approx([0.02, 0.02])
    # off (the default): the war moves nobody but the belligerents
    off = ThreatResponseV2(ThreatResponseV2Config(noise=0.0, eta=1.0), start)
    assert off.shares(start)[2:].tolist() == pytest.approx([0.02] * 3)
    # a war ongoing in the start world is in the start shares: the anchored term is 0
    ongoing = ThreatResponseV2(cfg, start)
    assert ongoing.shares(start)[2:].tolist() == pytest.approx([0.02] * 3)


def _capitals(b: np.ndarray) -> np.ndarray:
    """Capital distances for :func:`_war_world`: ``d = 1.5 b + 400`` km apart (``d >= b``)."""
    return np.where(np.eye(len(b), dtype=bool), 0.0, 1.5 * b + 400.0)


def _war_state(b: np.ndarray, major: np.ndarray, capital_km: np.ndarray) -> SimpleNamespace:
    """:func:`_war_world`'s five nations at peace, 2% of GDP each, no ties, threat or hostility."""
    return SimpleNamespace(
        iso3=["R", "U", "N", "F", "A"],
        rng=np.random.default_rng(0),
        gdp=np.full(5, 1000.0),
        share=np.full(5, 0.02),
        capability=np.ones(5),
        threat=np.zeros(5),
        support=np.zeros(5),
        credibility=np.ones(5),
        target=np.zeros(5),
        at_war=np.zeros((5, 5), bool),
        major=major,
        border_km=b,
        capital_km=capital_km,
        ties=SimpleNamespace(commitment=np.zeros((5, 5))),
        reach=np.ones((5, 5)),
        support_reach=np.ones((5, 5)),
        theatre_reach=np.ones((5, 5)),
        hostile=np.zeros((5, 5)),
    )


def test_aggressor_exposure_is_measured_from_the_attackers_home_base():
    war, b, major = _war_world()
    d = _capitals(b)
    # R, a major power at war only with a minor one, is the aggressor; U is the theatre
    assert war_aggressors(war, major).tolist() == [True, False, False, False, False]
    v = aggressor_exposure(war, b, d, major, 500.0, 2000.0)
    # V = exp(-b / 500 - (d - b) / 2000) from R for the non-parties; R and U are parties
    expected = [
        0.0,
        0.0,
        math.exp(-300 / 500 - 550 / 2000),
        math.exp(-800 / 500 - 800 / 2000),
        math.exp(-0 / 500 - 400 / 2000),  # R's ally is exposed (not at war)
    ]
    assert v.tolist() == pytest.approx(expected)
    # without a home leg (d = b) the form is M9's gradient from the aggressor
    assert aggressor_exposure(war, b, b, major, 500.0, 2000.0)[2] == pytest.approx(math.exp(-0.6))
    # a war between two minor powers has no aggressor; no war, no exposure
    minor = np.zeros(5, dtype=bool)
    assert not war_aggressors(war, minor).any()
    assert aggressor_exposure(war, b, d, minor, 500.0, 2000.0).tolist() == [0.0] * 5
    assert aggressor_exposure(np.zeros((5, 5), bool), b, d, major, 500.0, 2000.0).sum() == 0.0
    # a co-belligerent of U (N also fights R) is a party: no exposure
    joined = war.copy()
    joined[0, 2] = joined[2, 0] = True
    assert aggressor_exposure(joined, b, d, major, 500.0, 2000.0)[2] == 0.0


def test_the_v2_rule_with_aggressor_exposure_raises_the_attackers_neighbours():
    war, b, major = _war_world()
    start = _war_state(b, major, _capitals(b))
    cfg = ThreatResponseV2Config(noise=0.0, eta=1.0, aggressor_exposure="home_base")
    rule = ThreatResponseV2(cfg, start)
    assert rule.aggressor0.tolist() == [0.0] * 5
    start.at_war = war  # R attacks U
    s = rule.shares(start)
    v = aggressor_exposure(war, b, _capitals(b), major, 500.0, 2000.0)
    assert s[2:].tolist() == pytest.approx((0.02 + 0.0045 * v[2:]).tolist())
    assert s[:2].tolist() == pytest.approx([0.02, 0.02])  # the belligerents: parties
    # with M9 too, both terms add (N borders the theatre: +0.45 points more)
    peace = copy(start)
    peace.at_war = np.zeros((5, 5), bool)
    both_cfg = ThreatResponseV2Config(
        noise=0.0, eta=1.0, war_exposure="theatre", aggressor_exposure="home_base"
    )
    both = ThreatResponseV2(both_cfg, peace)
    assert both.shares(start)[2] == pytest.approx(0.02 + 0.0045 + 0.0045 * v[2])
    # a war ongoing in the start world is in the start shares: the anchored term is 0
    ongoing = ThreatResponseV2(cfg, start)
    assert ongoing.shares(start)[2:].tolist() == pytest.approx([0.02] * 3)


def test_the_v2_rule_refuses_a_bad_aggressor_exposure_naming_the_key():
    with pytest.raises(ConfigError, match="budget_rule.aggressor_exposure: must be one of none"):
        ThreatResponseV2Config(aggressor_exposure="nearest")
    with pytest.raises(ConfigError, match="budget_rule.war_home_km"):
        ThreatResponseV2Config(war_home_km=0.0)


def test_the_v2_rule_refuses_a_bad_war_exposure_naming_the_key():
    with pytest.raises(ConfigError, match="budget_rule.war_exposure: must be one of none, theatre"):
        ThreatResponseV2Config(war_exposure="border")
    with pytest.raises(ConfigError, match="budget_rule.war_range_km"):
        ThreatResponseV2Config(war_range_km=0.0)
    with pytest.raises(ConfigError, match="budget_rule.war_k"):
        ThreatResponseV2Config(war_k=-0.1)


def test_next_share_partial_adjustment_in_logs_and_mobilisation():
    share = np.array([0.01, 0.03, 0.02])
    desired = np.array([0.04, 0.03, 0.02])
    war = np.array([0.0, 0.0, 0.25])
    up = next_share(share, desired, war, 0.5, np.zeros(3), 0.0, 0.4)
    assert up.share[0] == pytest.approx(0.02)  # halfway in logs: sqrt(0.01 * 0.04)
    assert up.share[1] == pytest.approx(0.03)
    assert up.share[2] == pytest.approx(0.25)  # at war: the whole way within the year
    assert up.mobilising.tolist() == [False, False, True]
    noisy = next_share(share, desired, war, 0.5, np.array([0.5, -1.0, 0.0]), 0.0, 0.4)
    assert noisy.share.tolist() == pytest.approx([0.4, 0.0, 0.25])  # noise, then the bounds
    zero = next_share(np.zeros(1), np.zeros(1), np.zeros(1), 0.5, np.zeros(1), 0.0, 0.4)
    assert zero.share[0] == pytest.approx(SHARE_EPS)


def test_form_by_change_needs_a_rise_on_both_sides():
    ref = np.array([[-np.inf, 0.3, 0.0], [0.3, -np.inf, 0.0], [0.0, 0.0, -np.inf]])
    u = ref.copy()
    u[0, 2], u[2, 0] = 0.2, 0.1  # A-C rose by 0.2 and 0.1
    u[1, 2], u[2, 1] = 0.2, 0.02  # B-C rose on B's side only
    allied, calm = np.zeros((3, 3), dtype=bool), np.zeros((3, 3))
    f = form_by_change(u, ref, allied, calm, 0.0, 0.05, 0.5, 5)
    assert f.pairs == [(0, 2)] and f.candidates == 1 and not f.capped
    # A-B is valued at 0.3 by both but did not change: no tie (the status quo stands)
    capped = form_by_change(u, ref, allied, calm, 0.0, 0.05, 0.5, 0)
    assert capped.pairs == [] and capped.capped
    hostile = calm.copy()
    hostile[2, 0] = 0.6
    assert form_by_change(u, ref, allied, hostile, 0.0, 0.05, 0.5, 5).pairs == []


def test_treaty_ties_are_never_strained_bilateral_ones_are():
    u = np.array([[0, -0.3, 0.1], [-0.2, 0, 0.1], [0.1, 0.1, 0]])
    allied = np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=bool)
    treaty = np.zeros((3, 3), dtype=bool)
    assert bilateral_strain(u, allied, treaty, -0.15)[0, 1]
    treaty[0, 1] = treaty[1, 0] = True
    assert not bilateral_strain(u, allied, treaty, -0.15).any()


def test_membership_value_accession_by_consensus_and_withdrawal():
    u = np.array([[-np.inf, 0.4, 0.2], [0.4, -np.inf, -0.5], [0.3, 0.1, -np.inf]])
    members = np.array([True, True, False])
    v = membership_value(u, members, 0.2)
    assert v.tolist() == pytest.approx([0.4 + 0.2, 0.4 + 0.2, (0.3 + 0.1) / 2 + 0.2])
    ref = np.array([0.6, 0.6, 0.1])
    calm = np.zeros((3, 3))
    # C applies (0.4 > 0, up 0.3) but B values it at -0.5 < 0: a veto
    vetoed = accession(v, ref, members, u, calm, 0.0, 0.05, 0.0, 0.2, 0.5)
    assert vetoed.applicants.tolist() == [2] and vetoed.accepted.tolist() == []
    u[1, 2] = -0.1  # the treaty bonus does not buy consent: still a veto
    assert accession(v, ref, members, u, calm, 0.0, 0.05, 0.0, 0.2, 0.5).accepted.size == 0
    u[1, 2] = 0.1  # B now gains from C: everyone consents
    admitted = accession(v, ref, members, u, calm, 0.0, 0.05, 0.0, 0.2, 0.5)
    assert admitted.accepted.tolist() == [2]
    hostile = calm.copy()
    hostile[0, 2] = 0.7  # A sees C as hostile: a veto
    assert accession(v, ref, members, u, hostile, 0.0, 0.05, 0.0, 0.2, 0.5).accepted.size == 0
    strain = withdrawal_strain(np.array([-0.6, 0.1, -0.9]), members, np.array([4, 4, 4]), -0.5)
    assert strain.tolist() == [5, 0, 0]  # C is no member: nothing to withdraw from


def _two_camps_and_a_bridge():
    """A-B allied, C-D allied, E allied to both B and C; A and D rivals, B and C rivals."""
    w = np.zeros((5, 5))
    for i, j in ((0, 1), (2, 3), (4, 1), (4, 2)):
        w[i, j] = w[j, i] = 1.0
    h = np.zeros((5, 5))
    for i, j in ((0, 3), (1, 2)):
        h[i, j] = h[j, i] = 0.8
    return w, h


def test_signed_edges_and_modularity_by_hand():
    w, h = _two_camps_and_a_bridge()
    pos, neg = signed_edges(w, h)
    assert pos.sum() == 8 and neg.sum() == pytest.approx(4 * 0.8)
    together = signed_modularity(pos, neg, np.zeros(5, dtype=int))
    split = signed_modularity(pos, neg, np.array([0, 0, 1, 1, 0]))
    assert split > together
    # a single community: positive part 8 - 8 = 0, negative part -(3.2 - 3.2) = 0
    assert together == pytest.approx(0.0)


def test_rivals_never_share_a_bloc_through_a_bridge():
    w, h = _two_camps_and_a_bridge()
    blocs = signed_blocs(w, h, seed=0, resolution=0.5)
    labels = blocs.communities
    assert labels[0] == labels[1] and labels[2] == labels[3]
    assert labels[0] != labels[3] and labels[1] != labels[2]
    for seed in range(5):
        for members in signed_blocs(w, h, seed=seed).members:
            inside = np.ix_(members, members)
            assert (h[inside] < 0.5).all()


def test_separate_rivals_repairs_a_partition():
    w, h = _two_camps_and_a_bridge()
    pos, neg = signed_edges(w, h)
    repaired = separate_rivals(np.zeros(5, dtype=int), pos, neg)
    same = repaired[:, None] == repaired[None, :]
    assert not (same & (neg > 0)).any()


def test_signed_louvain_is_deterministic_and_unsigned_without_rivalries():
    w, _ = _two_camps_and_a_bridge()
    a = signed_louvain(w, np.zeros_like(w), seed=3)
    assert np.array_equal(a, signed_louvain(w, np.zeros_like(w), seed=3))
    assert len(signed_blocs(np.zeros((3, 3)), np.zeros((3, 3))).members) == 0
