"""The utility alliance rule: pairwise values of ties, mutual consent, hysteresis.

Pure functions on (N, N) arrays (``U[i, j]`` is what ``i`` gains from a tie with ``j``), and the
component :class:`Utility` that owns the parameters and each tie's strain (docs/MODEL.md,
"Submodels: alliances").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.checks import at_least, check, finite, nonneg, within
from sim.rules.base import AllianceRuleConfig, NationState, Reporters


def check_tie_terms(rule: AllianceRuleConfig) -> None:
    """The terms a rule sets on the ties it forms and dissolves (utility and landscape)."""
    at_least(rule, "alliance_rule", 1, "patience", "treaty_patience", "review_period")
    within("alliance_rule.new_tie_weight", rule.new_tie_weight, 0.0, 1.0, open_low=True)


@dataclass
class UtilityConfig(AllianceRuleConfig):
    """Ties by mutual consent, dissolution with hysteresis (docs/MODEL.md, "Alliances")."""

    name: str = "utility"
    b_sec: float = 1.0  #: weight of security gained
    b_ent: float = 0.5  #: weight of entrapment
    b_aff: float = 0.3  #: weight of affinity (regime similarity, shared main threat)
    cost: float = 0.2  #: cost of a tie
    form_threshold: float = 0.0  #: both utilities above this to form
    break_threshold: float = -0.15  #: a tie is under strain while a utility is below this
    max_new_ties: int = 2  #: per year
    patience: int = 3  #: consecutive strained years before a tie dissolves at review
    treaty_patience: int = 8  #: the same for treaty ties (stickier)
    treaty_bonus: float = 0.2  #: extra value of a treaty tie when judging strain (sunk costs)
    free_ride_tolerance: float = 0.01  #: shortfall below the pledge that counts as free riding
    review_period: int = 2  #: years between reviews of a tie formed in the run
    new_tie_weight: float = 0.5  #: commitment of a tie formed in the run (treaties: 1)
    max_hostility: float = 0.5  #: no tie with a nation seen as this hostile
    bandwagon: float = 0.05  #: yearly propensity of a weak isolated state to join its threat
    weak_share: float = 0.02  #: "weak": capability below this share of the world's

    def __post_init__(self) -> None:
        nonneg(
            self,
            "alliance_rule",
            "b_sec",
            "b_ent",
            "b_aff",
            "cost",
            "max_new_ties",
            "treaty_bonus",
            "free_ride_tolerance",
            "weak_share",
        )
        for key in ("form_threshold", "break_threshold"):
            finite(f"alliance_rule.{key}", getattr(self, key))
        within("alliance_rule.max_hostility", self.max_hostility, 0.0, 1.0)  # hostility's range
        check_tie_terms(self)
        check(
            self.break_threshold <= self.form_threshold,
            "alliance_rule.break_threshold",
            "must be <= alliance_rule.form_threshold (hysteresis)",
            self.break_threshold,
        )
        within("alliance_rule.bandwagon", self.bandwagon, 0.0, 1.0)


class TieValues(NamedTuple):
    """The terms of ``U_i(j)``, each (N, N), and their weighted sum ``utility``."""

    security: np.ndarray
    entrapment: np.ndarray
    affinity: np.ndarray
    utility: np.ndarray


def tie_values(
    capability: np.ndarray,
    threat: np.ndarray,
    support: np.ndarray,
    support_reach: np.ndarray,
    cred: np.ndarray,
    hostile: np.ndarray,
    regime: np.ndarray,
    p: UtilityConfig,
    similarity: np.ndarray | None = None,
) -> TieValues:
    """Value to ``i`` of a tie with ``j`` (docs/MODEL.md, "Alliances").

    ``U_i(j) = b_sec S_ij - b_ent E_ij + b_aff F_ij - cost`` with

    - security gained ``S_ij = x_ij / (x_ij + T_i)``, ``x_ij = K_j phi_a(d_ij) c_j``: the part of
      i's threat that j's credible, projected capability would cover (Walt 1987);
    - entrapment ``E_ij = e_j (1 - h_i,m(j)) K_i / (K_i + K_j)``: the exposure of j,
      ``e_j = T_j / (T_j + K_j + A_j)``, against an adversary m(j) that i does not already
      oppose, weighted by the part of the joint defence i would carry (Snyder 1984, "The
      security dilemma in alliance politics", *World Politics* 36(4));
    - affinity ``F_ij = (1 - |r_i - r_j| / 2 + h_i,m(j)) / 2``: regime similarity and i's
      hostility toward j's main threat m(j), i.e. a shared adversary.

    Parameters
    ----------
    capability, threat, support, cred, regime : (N,) arrays (K, T, A, c, r).
    support_reach : (N, N) ``phi_a(d_ij)``.
    hostile : (N, N) hostility ``h_ij``.
    similarity : (N, N) ``1 - |r_i - r_j| / 2``, if the caller keeps it (it changes only with
        the regimes, so a model computes it once); by default computed from ``regime``.
    """
    # The formulas above, evaluated a band of rows at a time: a band's temporaries stay in the
    # processor's cache instead of making some thirty passes over (N, N) arrays in memory. The
    # arithmetic and its order are those of the formulas, so the values are the same bit for bit.
    n = len(capability)
    main = main_threat(capability, hostile, support_reach)
    columns, no_threat = np.maximum(main, 0), main < 0
    exposure = threat / np.maximum(threat + capability + support, 1e-300)
    security, entrapment = np.empty((n, n)), np.empty((n, n))
    affinity, utility = np.empty((n, n)), np.empty((n, n))
    for rows in _bands(n, n):
        x = support_reach[rows] * capability[None, :]
        x *= cred[None, :]
        sec = np.add(x, threat[rows, None], out=security[rows])
        np.maximum(sec, 1e-300, out=sec)
        np.divide(x, sec, out=sec)
        shared = np.take(hostile[rows], columns, axis=1)
        shared[:, no_threat] = 0.0
        weight = np.add.outer(capability[rows], capability, out=x)
        np.maximum(weight, 1e-300, out=weight)
        np.divide(capability[rows, None], weight, out=weight)
        ent = np.subtract(1.0, shared, out=entrapment[rows])
        ent *= exposure[None, :]
        ent *= weight
        if similarity is None:
            aff = np.subtract.outer(regime[rows], regime, out=affinity[rows])
            np.abs(aff, out=aff)
            aff /= 2.0
            np.subtract(1.0, aff, out=aff)
            aff += shared
        else:
            aff = np.add(similarity[rows], shared, out=affinity[rows])
        aff /= 2.0
        u = np.multiply(sec, p.b_sec, out=utility[rows])
        u -= np.multiply(ent, p.b_ent, out=weight)
        u += np.multiply(aff, p.b_aff, out=weight)
        u -= p.cost
    np.fill_diagonal(utility, -np.inf)
    return TieValues(security, entrapment, affinity, utility)


def _bands(n_rows: int, n_cols: int, cells: int = 1 << 15) -> list[slice]:
    """Row bands of an (n_rows, n_cols) array, about ``cells`` numbers each (256 KiB of floats)."""
    rows = max(1, cells // max(n_cols, 1))
    return [slice(start, min(start + rows, n_rows)) for start in range(0, n_rows, rows)]


def regime_similarity(regime: np.ndarray) -> np.ndarray:
    """Regime similarity of each pair, ``1 - |r_i - r_j| / 2`` in [0, 1] (affinity's first term)."""
    similarity = np.subtract.outer(regime, regime)
    np.abs(similarity, out=similarity)
    similarity /= 2.0
    return np.subtract(1.0, similarity, out=similarity)


def main_threat(capability: np.ndarray, hostile: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Index of the largest single threat to each nation, ``argmax_j tau_ij`` (-1 if none).

    ``hostile`` and ``reach`` may hold a subset of the rows (the perceivers of interest).
    """
    idx = np.empty(len(hostile), dtype=np.int64)
    for rows in _bands(*hostile.shape):
        tau = hostile[rows] * reach[rows]
        tau *= capability[None, :]
        best = np.argmax(tau, axis=1)
        idx[rows] = np.where(tau[np.arange(len(best)), best] > 0, best, -1)
    return idx


def choose_new_ties(
    utility: np.ndarray, allied: np.ndarray, hostile: np.ndarray, p: UtilityConfig
) -> list[tuple[int, int]]:
    """Pairs that form a tie this year: mutual consent, the strongest first.

    Both ``U_i(j)`` and ``U_j(i)`` must exceed ``form_threshold``, neither may see the other as
    more hostile than ``max_hostility``, and at most ``max_new_ties`` form, ranked by
    ``min(U_i(j), U_j(i))`` (ties in rank broken by index, so the choice is deterministic).
    """
    if p.max_new_ties == 0:
        return []
    mutual = np.minimum(utility, utility.T)
    ok = mutual > p.form_threshold
    np.copyto(ok, False, where=allied)
    calm = hostile < p.max_hostility
    ok &= calm
    ok &= calm.T
    i, j = np.nonzero(ok)  # ok is symmetric: keep each pair once, i < j
    upper = i < j
    i, j = i[upper], j[upper]
    if len(i) == 0:
        return []
    value = mutual[i, j]
    if len(value) > p.max_new_ties:  # only the candidates that can rank in the top few
        kth = np.partition(value, len(value) - p.max_new_ties)[len(value) - p.max_new_ties]
        top = value >= kth
        i, j, value = i[top], j[top], value[top]
    order = np.lexsort((j, i, -value))[: p.max_new_ties]
    return [(int(i[k]), int(j[k])) for k in order]


def strained(
    utility: np.ndarray,
    share: np.ndarray,
    pledge: np.ndarray,
    allied: np.ndarray,
    treaty_tie: np.ndarray,
    p: UtilityConfig,
) -> np.ndarray:
    """Ties under strain this year: a side values it below ``break_threshold``, or a partner
    spends below its pledge by more than ``free_ride_tolerance`` (free-rider defection).

    A treaty tie is valued ``treaty_bonus`` higher: the institution's sunk costs and
    consultation machinery (Keohane 1984, *After Hegemony*). ``pledge[i, j]`` is the share of
    GDP the tie asks of ``i`` (0 for no pledge).
    """
    # evaluated on the ties only (a few per nation), then laid out as an (N, N) mask
    i, j = np.nonzero(allied)
    valued_ij = utility[i, j] + p.treaty_bonus * treaty_tie[i, j]
    valued_ji = utility[j, i] + p.treaty_bonus * treaty_tie[j, i]
    low = np.minimum(valued_ij, valued_ji) < p.break_threshold
    tol = p.free_ride_tolerance
    short_i = (pledge[i, j] > 0) & (share[i] < pledge[i, j] - tol)
    short_j = (pledge[j, i] > 0) & (share[j] < pledge[j, i] - tol)
    out = np.zeros(allied.shape, dtype=bool)
    out[i, j] = low | short_i | short_j
    return out


def bandwagoners(
    capability: np.ndarray,
    threat: np.ndarray,
    n_allies: np.ndarray,
    draws: np.ndarray,
    p: UtilityConfig,
) -> np.ndarray:
    """Weak, isolated, threatened states that bandwagon this year (a boolean mask).

    A state with no allies, capability below ``weak_share`` of the world's and more threat than
    capability (``T_i > K_i``) joins its main threat with yearly propensity ``bandwagon``
    (``draws`` are uniform on [0, 1); Walt 1987, ch. 2; Schweller 1994, "Bandwagoning for
    profit", *International Security* 19(1)).
    """
    weak = capability < p.weak_share * capability.sum()
    return (n_allies == 0) & weak & (threat > capability) & (draws < p.bandwagon)


class Utility:
    """The utility rule: its parameters and the strain of each tie (consecutive strained years).

    Each year (docs/MODEL.md, "Alliances"): ties under strain count a year; a tie ends at a
    review date once its count reaches its patience (treaty ties: ``treaty_patience``); pairs of
    this year's non-allies that both value a tie form one (at most ``max_new_ties``), so a tie
    that ends now does not re-form at once; then weak isolated states may bandwagon.
    """

    Config = UtilityConfig

    def __init__(self, params: UtilityConfig, state: NationState) -> None:
        self.params = params
        n = len(state.iso3)
        self.strain = np.zeros((n, n), dtype=np.int64)

    def revise(self, m: NationState) -> None:
        p, ties, t = self.params, m.ties, m.steps
        values = tie_values(
            m.capability,
            m.threat,
            m.support,
            m.support_reach,
            m.credibility,
            m.hostile,
            m.regime,
            p,
            similarity=m.similarity,
        )
        # each tie once (a < b)
        a, b = np.nonzero(ties.allied)
        a, b = a[a < b], b[a < b]
        under_strain = strained(
            values.utility, m.share, ties.pledge, ties.allied, ties.treaty_tie, p
        )[a, b]
        strain = np.where(under_strain, self.strain[a, b] + 1, 0)
        self.strain[a, b] = self.strain[b, a] = strain
        since = ties.since[a, b]
        due = (t > since) & ((t - since) % ties.review[a, b] == 0)
        patience = np.where(ties.treaty_tie[a, b], p.treaty_patience, p.patience)
        ending = due & (strain >= patience)
        new_ties = choose_new_ties(values.utility, ties.allied, m.hostile, p)
        for i, j in zip(a[ending], b[ending], strict=True):
            self._end(ties, int(i), int(j))
        for i, j in new_ties:
            self._start(ties, i, j)
        draws = m.rng.random(len(m.iso3))
        joining = np.flatnonzero(bandwagoners(m.capability, m.threat, ties.n_allies(), draws, p))
        main = main_threat(m.capability, m.hostile[joining], m.reach[joining])
        for i, j in zip(joining.tolist(), main.tolist(), strict=True):
            if j >= 0 and not ties.allied[i, j] and values.utility[j, i] > p.break_threshold:
                self._start(ties, i, j)

    def _start(self, ties, i: int, j: int) -> None:
        ties.form(i, j, weight=self.params.new_tie_weight, review=self.params.review_period)
        self.strain[i, j] = self.strain[j, i] = 0

    def _end(self, ties, i: int, j: int) -> None:
        ties.dissolve(i, j)
        self.strain[i, j] = self.strain[j, i] = 0

    def reporters(self) -> Reporters:
        return {}
