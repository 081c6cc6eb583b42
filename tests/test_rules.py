"""The rules checked by hand on a three-nation world (numbers worked out on paper)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from sim.config import ThreatResponseConfig, UtilityConfig
from sim.metrics import bloc_labels, burden_correlation, polarity, share_at_target
from sim.rules import threat
from sim.rules import utility as alliance
from sim.rules.budget import BudgetInputs
from sim.rules.fixed import fixed
from sim.rules.threat_response import anchored_floor, threat_response

# Three capitals on the equator: A at 0E, B at 10E (~1112 km), C at 90E (~10008 km).
LAT = np.array([0.0, 0.0, 0.0])
LON = np.array([0.0, 10.0, 90.0])
K = np.array([100.0, 50.0, 400.0])


def test_great_circle_on_the_equator():
    d = threat.great_circle_km(LAT, LON)
    arc = 2 * math.pi * threat.EARTH_RADIUS_KM / 360
    assert d[0, 1] == pytest.approx(10 * arc)
    assert d[0, 2] == pytest.approx(90 * arc)
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0)


def test_decay_is_boulding_gradient():
    assert threat.decay(np.array([0.0, 1000.0]), 1000.0) == pytest.approx([1.0, math.exp(-1)])


def test_hostility_security_dilemma_and_allies():
    base = np.array([[0.0, 0.2, 0.5], [0.2, 0.0, 0.1], [0.5, 0.1, 0.0]])
    arming = np.array([0.0, 0.13, 0.03])  # B arms 10 points above normal, C at normal
    allied = np.zeros((3, 3), bool)
    allied[0, 2] = allied[2, 0] = True
    h = threat.hostility(base, arming, allied, dilemma=2.0, normal_arming=0.03)
    assert h[0, 1] == pytest.approx(0.2 + 2.0 * 0.10)  # A sees B arming: 0.4
    assert h[2, 1] == pytest.approx(0.1 + 0.2)
    assert h[1, 0] == pytest.approx(0.2)  # A does not arm: no surge
    assert h[0, 2] == 0 and h[2, 0] == 0  # allies
    assert np.all(np.diag(h) == 0)


def test_a_war_mobilisation_is_read_as_hostile_by_the_enemy_only():
    # A15: B mobilises in a war with C; A, a third party, reads B's baseline hostility only
    base = np.array([[0.0, 0.2, 0.5], [0.2, 0.0, 0.6], [0.5, 0.6, 0.0]])
    arming = np.array([0.0, 0.43, 0.0])  # B arms 40 points above normal
    at_war = np.zeros((3, 3), bool)
    at_war[1, 2] = at_war[2, 1] = True
    exempt = threat.wartime_exemption(np.array([False, True, False]), at_war)
    assert exempt.tolist() == [[False, True, False], [False, True, False], [False, False, False]]
    allied = np.zeros((3, 3), bool)
    h = threat.hostility(base, arming, allied, 2.0, 0.03, exempt)
    assert h[0, 1] == pytest.approx(0.2)  # third party: no surge
    assert h[2, 1] == 1.0  # the enemy: 0.6 + 0.8, clipped
    everyone = threat.hostility(base, arming, allied, 2.0, 0.03)
    assert everyone[0, 1] == pytest.approx(1.0) and np.array_equal(
        threat.hostility(base, arming, allied, 2.0, 0.03, np.zeros((3, 3), bool)), everyone
    )


def test_threat_sums_capability_reach_hostility():
    reach = np.array([[1.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 1.0]])
    hostile = np.array([[0.0, 0.4, 1.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
    t = threat.threat(K, reach, hostile)
    assert t[0] == pytest.approx(50 * 0.5 * 0.4 + 400 * 0.1 * 1.0)  # 10 + 40
    assert t[1] == pytest.approx(400 * 0.2 * 0.5)  # 40
    assert t[2] == 0


def test_credibility_and_allied_support():
    share = np.array([0.01, 0.03, 0.02])
    target = np.array([0.02, 0.02, 0.0])
    c = threat.credibility(share, target)
    assert c == pytest.approx([0.5, 1.0, 1.0])
    w = np.array([[0, 1.0, 0], [1.0, 0, 0.5], [0, 0.5, 0]])
    reach = np.ones((3, 3))
    a = threat.allied_support(K, reach, w, c)
    assert a == pytest.approx([50.0, 100 * 0.5 + 0.5 * 400, 0.5 * 50])


def inputs(**values) -> BudgetInputs:
    """One nation's inputs as (1,) arrays (share, capability, threat, support, target, noise)."""
    base = {
        "share": 0.015,
        "capability": 100.0,
        "threat": 300.0,
        "support": 100.0,
        "target": 0.02,
        "noise": 0.0,
    } | values
    return BudgetInputs(**{k: np.array([float(v)]) for k, v in base.items()})


def test_threat_response_rule_by_hand():
    p = ThreatResponseConfig(eta=0.5, k=0.04, f=0.02, a=1.0, p=0.3, s_floor=0.01, anchor=False)
    floor = np.array([0.01])
    # T/(T+K) = 0.75, A/(A+T+K) = 0.2, fatigue 0.005, pressure 0.005
    change = 0.04 * 0.75 - 0.02 * 0.2 - 1.0 * 0.005 + 0.3 * 0.005
    assert threat_response(inputs(), floor, p) == pytest.approx([0.015 + 0.5 * change])
    # no target -> no pressure; above target -> no pressure either
    assert threat_response(inputs(target=0.0), floor, p) == pytest.approx(
        [0.015 + 0.5 * (0.03 - 0.004 - 0.005)]
    )
    assert threat_response(inputs(share=0.03, target=0.02), floor, p) == pytest.approx(
        [0.03 + 0.5 * (0.03 - 0.004 - 0.02)]
    )


def test_threat_response_for_all_nations_at_once_equals_one_at_a_time():
    p = ThreatResponseConfig(anchor=False)
    rng = np.random.default_rng(3)
    x = BudgetInputs(*(rng.uniform(0, 1, (6, 40)) * [[0.05], [1e3], [1e3], [1e3], [0.03], [1e-3]]))
    x = x._replace(threat=np.where(np.arange(40) < 5, 0.0, x.threat))  # some nations unthreatened
    floor = rng.uniform(0, 0.02, 40)
    together = threat_response(x, floor, p)
    for i in range(40):
        one = BudgetInputs(*(v[i : i + 1] for v in x))
        assert threat_response(one, floor[i : i + 1], p)[0] == together[i]  # bit for bit


def test_threat_response_signs():
    p = ThreatResponseConfig(anchor=False)
    floor = np.array([0.01])
    x = dict(share=0.02, capability=100.0, threat=100.0, support=0.0, target=0.0)
    base = threat_response(inputs(**x), floor, p)
    assert threat_response(inputs(**x | {"threat": 400.0}), floor, p) > base  # threat
    assert threat_response(inputs(**x | {"support": 500.0}), floor, p) < base  # free riding
    assert threat_response(inputs(**x | {"target": 0.04}), floor, p) > base  # pressure


def test_anchored_floor_makes_start_a_rest_point():
    p = ThreatResponseConfig()
    x = inputs(share=0.034, capability=2000.0, threat=700.0, support=900.0, target=0.02)
    assert threat_response(x, anchored_floor(x, p), p) == pytest.approx(x.share)
    assert fixed(x.share, x.noise) == x.share


def _three_nation_values(p: UtilityConfig):
    reach = np.array([[1.0, 0.8, 0.1], [0.8, 1.0, 0.1], [0.1, 0.1, 1.0]])
    hostile = np.array([[0.0, 0.0, 0.6], [0.0, 0.0, 0.6], [0.6, 0.6, 0.0]])
    t = threat.threat(K, reach, hostile)
    support = np.zeros(3)
    cred = np.ones(3)
    regime = np.array([0.8, 0.6, -0.8])
    return alliance.tie_values(K, t, support, reach, cred, hostile, regime, p), t


def test_tie_values_by_hand():
    p = UtilityConfig(b_sec=1.0, b_ent=0.5, b_aff=0.3, cost=0.2)
    v, t = _three_nation_values(p)
    assert t == pytest.approx([24.0, 24.0, 9.0])  # A, B: 400*0.1*0.6; C: (100+50)*0.1*0.6
    # A values B: x = 50*0.8 = 40, S = 40/(40+24); both fear C: shared = h_A,C = 0.6
    s_ab = 40 / 64
    e_ab = (24 / (24 + 50)) * (1 - 0.6) * (100 / 150)
    f_ab = ((1 - 0.2 / 2) + 0.6) / 2
    assert v.security[0, 1] == pytest.approx(s_ab)
    assert v.entrapment[0, 1] == pytest.approx(e_ab)
    assert v.affinity[0, 1] == pytest.approx(f_ab)
    assert v.utility[0, 1] == pytest.approx(s_ab - 0.5 * e_ab + 0.3 * f_ab - 0.2)
    assert np.all(np.isneginf(np.diag(v.utility)))


def test_mutual_consent_and_hostility_gate():
    p = UtilityConfig(max_new_ties=5)
    v, _ = _three_nation_values(p)
    hostile = np.array([[0.0, 0.0, 0.6], [0.0, 0.0, 0.6], [0.6, 0.6, 0.0]])
    ties = alliance.choose_new_ties(v.utility, np.zeros((3, 3), bool), hostile, p)
    assert ties == [(0, 1)]  # A and B want each other; C is too hostile to both
    allied = np.zeros((3, 3), bool)
    allied[0, 1] = allied[1, 0] = True
    assert alliance.choose_new_ties(v.utility, allied, hostile, p) == []
    one_sided = v.utility.copy()
    one_sided[1, 0] = -1.0
    assert alliance.choose_new_ties(one_sided, np.zeros((3, 3), bool), hostile, p) == []


def test_strain_from_low_utility_and_free_riding():
    p = UtilityConfig(break_threshold=-0.1, free_ride_tolerance=0.005, treaty_bonus=0.2)
    allied = np.ones((3, 3), bool) & ~np.eye(3, dtype=bool)
    utility = np.full((3, 3), 0.0)
    utility[0, 1] = -0.2  # A no longer values B
    treaty = np.zeros((3, 3), bool)
    pledge = np.zeros((3, 3))
    share = np.array([0.02, 0.02, 0.005])
    s = alliance.strained(utility, share, pledge, allied, treaty, p)
    assert s[0, 1] and s[1, 0] and not s[0, 2]
    treaty[0, 1] = treaty[1, 0] = True  # a treaty tie is valued 0.2 higher: no strain
    assert not alliance.strained(utility, share, pledge, allied, treaty, p)[0, 1]
    pledge[2, :] = 0.02  # C pledged 2% and spends 0.5%: every tie of C strained
    s = alliance.strained(utility, share, pledge, allied, treaty, p)
    assert s[0, 2] and s[2, 0] and s[1, 2]


def test_bandwagoners_need_weak_isolated_threatened_and_a_draw():
    p = UtilityConfig(bandwagon=0.5, weak_share=0.1)
    cap = np.array([1.0, 100.0, 1.0])
    thr = np.array([50.0, 0.0, 50.0])
    n_allies = np.array([0, 0, 1])
    draws = np.array([0.4, 0.0, 0.0])
    assert alliance.bandwagoners(cap, thr, n_allies, draws, p).tolist() == [True, False, False]
    assert not alliance.bandwagoners(cap, thr, n_allies, np.array([0.6, 0, 0]), p)[0]


def test_blocs_polarity_and_burden():
    g = nx.Graph([("A", "B")])
    g.add_node("C")
    labels = bloc_labels(g, ["A", "B", "C"], K, seed=1)
    assert labels.tolist() == [0, 0, -1]
    # units: bloc A+B = 150/550, C = 400/550
    assert polarity(labels, K) == pytest.approx(1 / ((150 / 550) ** 2 + (400 / 550) ** 2))
    assert share_at_target(np.array([0.02, 0.01, 0.05]), np.array([0.02, 0.02, 0.0])) == 0.5
    assert burden_correlation(np.array([1.0, 2.0, 3.0]), np.array([0.01, 0.02, 0.03])) == 1.0
    assert np.isnan(burden_correlation(np.array([1.0, 2.0, 3.0]), np.full(3, 0.02)))


def test_documented_per_nation_override_composes():
    from sim.config import compose

    cfg = compose(["budget_rule=richardson", "++budget_rule.reaction={RUS: 0.5}"])
    assert cfg.budget_rule.reaction == {"RUS": 0.5}
