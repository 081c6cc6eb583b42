"""The numpy floor: one step's matrix work with no agents, no graph and no recording.

``floor_step`` computes what a model step computes on (N, N) arrays -- hostility, threat, allied
support, the threat-response budget rule for every nation at once, the tie values, which ties are
under strain and due to end, which pairs form a tie, and the bandwagoners' main threats -- written
as plain numpy in one function, with the same numpy techniques as ``sim/rules`` (in-place
operations, ties as index arrays), so the two differ only by what is not matrix work. It reads
a model's arrays once (``FloorState.from_model``) and then never touches the model, Mesa or
networkx. It is the cost a step cannot go below without changing the model, so the benchmark
times the model against it in the same process.

``check_against_model`` asserts that the floor computes the same numbers as the model's rules,
so the floor is the same work, not a smaller one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class FloorState:
    """The arrays a step reads (copies, so timing the floor never changes the model)."""

    gdp: np.ndarray
    growth: np.ndarray
    share: np.ndarray
    capability: np.ndarray
    arming: np.ndarray
    regime: np.ndarray
    target: np.ndarray
    floor: np.ndarray
    baseline: np.ndarray
    similarity: np.ndarray
    reach: np.ndarray
    support_reach: np.ndarray
    allied: np.ndarray
    commitment: np.ndarray
    pledge: np.ndarray
    treaty_tie: np.ndarray
    since: np.ndarray
    review: np.ndarray
    strain: np.ndarray
    params: object
    budget: object
    rule: object

    @classmethod
    def from_model(cls, model) -> FloorState:
        names = [
            "gdp",
            "growth",
            "share",
            "capability",
            "arming",
            "regime",
            "target",
            "reach",
            "support_reach",
        ]
        tie_names = ["allied", "commitment", "pledge", "treaty_tie", "since", "review"]
        arrays = {k: np.array(getattr(model, k), copy=True) for k in names}
        arrays |= {k: np.array(getattr(model.ties, k), copy=True) for k in tie_names}
        return cls(
            baseline=model.baseline_hostility.copy(),
            similarity=1.0 - np.abs(model.regime[:, None] - model.regime[None, :]) / 2.0,
            floor=model.budget_rule.floor.copy(),
            strain=model.alliance_rule.strain.copy(),
            params=model.params,
            budget=model.budget_rule.params,
            rule=model.alliance_rule.params,
            **arrays,
        )


@dataclass
class FloorResult:
    hostile: np.ndarray
    threat: np.ndarray
    support: np.ndarray
    share: np.ndarray
    utility: np.ndarray
    strain: np.ndarray
    new_ties: np.ndarray
    main: np.ndarray


def floor_step(s: FloorState, t: int, rng: np.random.Generator) -> FloorResult:
    """One step of matrix work on ``s`` (steps 2-5 of docs/MODEL.md) in plain numpy.

    Written as a numpy programmer would write it for speed: whole-array expressions, in-place
    operations where a temporary can be reused, the ties handled as index arrays.
    """
    p, b, rule = s.params, s.budget, s.rule
    n = len(s.gdp)
    diag = np.arange(n)

    # threat: hostility with the security dilemma, zero between allies
    surge = p.dilemma * np.maximum(0.0, s.arming - p.normal_arming)
    hostile = np.add(s.baseline, surge)
    np.clip(hostile, 0.0, 1.0, out=hostile)
    np.copyto(hostile, 0.0, where=s.allied)
    hostile[diag, diag] = 0.0
    threat = (s.reach * hostile) @ s.capability

    # allied support, discounted by credibility
    partner_target = np.where(s.target > 0, s.target, p.default_target)
    cred = np.minimum(1.0, s.share / partner_target)
    support = (s.commitment * s.support_reach) @ (s.capability * cred)

    # budgets, every nation at once
    k = s.capability
    hostile_shares = hostile @ s.share  # what the Richardson rule reads
    gap = (
        b.k * threat / np.where(threat + k > 0, threat + k, 1.0)
        - b.f * support / np.where(support + threat + k > 0, support + threat + k, 1.0)
        + b.p * np.where(s.target > 0, np.maximum(0.0, s.target - s.share), 0.0)
    )
    noise = rng.normal(0.0, b.noise, n)
    share = s.share + b.eta * (gap - b.a * (s.share - s.floor)) + noise
    share = np.clip(share, p.share_min, p.share_max)
    capability = (1 - p.depreciation) * k + share * s.gdp

    # tie values U_i(j), a band of rows at a time (temporaries stay in cache)
    band = max(1, (1 << 15) // n)
    main = np.empty(n, dtype=np.int64)
    for start in range(0, n, band):
        rows = slice(start, start + band)
        tau = hostile[rows] * s.support_reach[rows]
        tau *= capability
        best = np.argmax(tau, axis=1)
        main[rows] = np.where(tau[np.arange(len(best)), best] > 0, best, -1)
    columns, no_threat = np.maximum(main, 0), main < 0
    exposure = threat / np.maximum(threat + capability + support, 1e-300)
    utility = np.empty((n, n))
    security, entrapment, affinity = np.empty((n, n)), np.empty((n, n)), np.empty((n, n))
    for start in range(0, n, band):
        rows = slice(start, start + band)
        x = s.support_reach[rows] * capability
        x *= cred
        sec = np.add(x, threat[rows, None], out=security[rows])
        np.maximum(sec, 1e-300, out=sec)
        np.divide(x, sec, out=sec)
        shared = np.take(hostile[rows], columns, axis=1)
        shared[:, no_threat] = 0.0
        weight = np.add.outer(capability[rows], capability, out=x)
        np.maximum(weight, 1e-300, out=weight)
        np.divide(capability[rows, None], weight, out=weight)
        ent = np.subtract(1.0, shared, out=entrapment[rows])
        ent *= exposure
        ent *= weight
        aff = np.add(s.similarity[rows], shared, out=affinity[rows])
        aff /= 2.0
        u = np.multiply(sec, rule.b_sec, out=utility[rows])
        u -= np.multiply(ent, rule.b_ent, out=weight)
        u += np.multiply(aff, rule.b_aff, out=weight)
        u -= rule.cost
    utility[diag, diag] = -np.inf

    # strain, reviews and dissolution, on the ties (i < j)
    i, j = np.nonzero(s.allied)
    i, j = i[i < j], j[i < j]
    valued_ij = utility[i, j] + rule.treaty_bonus * s.treaty_tie[i, j]
    valued_ji = utility[j, i] + rule.treaty_bonus * s.treaty_tie[j, i]
    low = np.minimum(valued_ij, valued_ji) < rule.break_threshold
    tol = rule.free_ride_tolerance
    short_i = (s.pledge[i, j] > 0) & (share[i] < s.pledge[i, j] - tol)
    short_j = (s.pledge[j, i] > 0) & (share[j] < s.pledge[j, i] - tol)
    strain = np.where(low | short_i | short_j, s.strain[i, j] + 1, 0)
    since = s.since[i, j]
    due = (t > since) & ((t - since) % s.review[i, j] == 0)
    patience = np.where(s.treaty_tie[i, j], rule.treaty_patience, rule.patience)
    ending = np.stack([i, j])[:, due & (strain >= patience)]

    # new ties: mutual consent, the strongest first
    mutual = np.minimum(utility, utility.T)
    ok = mutual > rule.form_threshold
    np.copyto(ok, False, where=s.allied)
    calm = hostile < rule.max_hostility
    ok &= calm
    ok &= calm.T
    a, c = np.nonzero(ok)
    a, c = a[a < c], c[a < c]
    value = mutual[a, c]
    if len(value) > rule.max_new_ties > 0:
        kth = np.partition(value, len(value) - rule.max_new_ties)[len(value) - rule.max_new_ties]
        a, c, value = a[value >= kth], c[value >= kth], value[value >= kth]
    order = np.lexsort((c, a, -value))[: rule.max_new_ties]
    new_ties = np.stack([a[order], c[order]], axis=1)

    # the bandwagoners: weak, isolated, threatened, drawn; their main threat
    n_allies = np.count_nonzero(s.allied, axis=1)
    draws = rng.random(n)
    weak = capability < rule.weak_share * capability.sum()
    rows = np.flatnonzero((n_allies == 0) & weak & (threat > capability) & (draws < rule.bandwagon))
    tau_b = hostile[rows] * s.reach[rows]
    tau_b *= capability
    main_b = np.argmax(tau_b, axis=1) if len(rows) else rows
    del hostile_shares, ending
    return FloorResult(hostile, threat, support, share, utility, strain, new_ties, main_b)


def check_against_model(model) -> None:
    """Assert that the floor reproduces the model's threat, support and tie values."""
    from sim.rules import threat
    from sim.rules import utility as alliance

    s = FloorState.from_model(model)
    r = floor_step(s, model.steps + 1, np.random.default_rng(0))
    p = model.params
    hostile = threat.hostility(
        model.baseline_hostility, model.arming, model.ties.allied, p.dilemma, p.normal_arming
    )
    assert np.allclose(r.hostile, hostile)
    tau = threat.threat(model.capability, model.reach, hostile)
    assert np.allclose(r.threat, tau, rtol=1e-9)
    partner_target = np.where(model.target > 0, model.target, p.default_target)
    cred = threat.credibility(model.share, partner_target)
    support = threat.allied_support(
        model.capability, model.support_reach, model.ties.commitment, cred
    )
    assert np.allclose(r.support, support, rtol=1e-9)
    capability = (1 - p.depreciation) * model.capability + r.share * model.gdp
    values = alliance.tie_values(
        capability,
        tau,
        support,
        model.support_reach,
        cred,
        hostile,
        model.regime,
        model.alliance_rule.params,
    )
    finite = np.isfinite(values.utility)
    assert np.array_equal(finite, np.isfinite(r.utility))
    assert np.allclose(values.utility[finite], r.utility[finite], rtol=1e-9, atol=1e-12)
