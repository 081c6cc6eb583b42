"""Ties that follow changes in their value, and treaties as institutions.

Pure functions on (N, N) arrays (no Mesa, no Hydra). ``U[i, j]`` is what ``i`` gains from a tie
with ``j`` (:func:`sim.rules.alliance.tie_values`); ``Uref`` the value the pair had when it was
last settled (the start, or when its tie formed or ended). ``docs/MODEL.md`` (submodels
"Formation", "Treaties") and ``experiments/validation/PREREGISTRATION.md`` (M6, M7) argue the
forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.checks import at_least, check, finite, nonneg, within
from sim.rules.base import AllianceRuleConfig, NationState, Reporters
from sim.rules.utility import bandwagoners, main_threat, tie_values


class Formation(NamedTuple):
    """This year's new bilateral ties."""

    pairs: list[tuple[int, int]]  #: (i, j) with i < j, largest gain first
    candidates: int  #: pairs that qualified before the cap
    capped: bool  #: the safety bound ``max_new_ties`` cut the list


def form_by_change(
    utility: np.ndarray,
    reference: np.ndarray,
    allied: np.ndarray,
    hostile: np.ndarray,
    form_threshold: float,
    form_delta: float,
    max_hostility: float,
    max_new_ties: int,
) -> Formation:
    """Pairs whose tie value rose enough, on both sides, to form a tie this year.

    A pair forms iff ``min(U_ij, U_ji) > form_threshold`` and
    ``min(U_ij - Uref_ij, U_ji - Uref_ji) > form_delta`` and neither sees the other as more
    hostile than ``max_hostility``: both sides must consent (Morrow 1991, "Alliances and
    asymmetry", *AJPS* 35(4)) and the value must have *changed*, so a status-quo world does not
    form ties merely because many high-value pairs are not yet allied. Ranked by the smaller
    gain (ties in rank by index); ``max_new_ties`` is a safety bound, and ``capped`` says
    whether it bound.
    """
    with np.errstate(invalid="ignore"):  # the diagonal is -inf - -inf; it never forms
        change = utility - reference
    gain = np.minimum(change, change.T)
    value = np.minimum(utility, utility.T)
    calm = (hostile < max_hostility) & (hostile.T < max_hostility)
    ok = (value > form_threshold) & (gain > form_delta) & calm & ~allied
    np.fill_diagonal(ok, False)
    i, j = np.nonzero(np.triu(ok, k=1))
    order = np.lexsort((j, i, -gain[i, j]))
    chosen = order[:max_new_ties]
    pairs = [(int(i[k]), int(j[k])) for k in chosen]
    return Formation(pairs, len(order), len(order) > max_new_ties)


def bilateral_strain(
    utility: np.ndarray, allied: np.ndarray, treaty_tie: np.ndarray, break_threshold: float
) -> np.ndarray:
    """Bilateral ties under strain: a side values the tie below ``break_threshold``.

    Treaty ties are never strained this way: a treaty member leaves only by withdrawing
    (:func:`withdrawal_strain`), and a shortfall against the guideline costs credibility, not
    membership. The gap between ``form_threshold`` and ``break_threshold`` is the hysteresis.
    """
    low = np.minimum(utility, utility.T) < break_threshold
    return low & allied & ~treaty_tie


def membership_value(utility: np.ndarray, members: np.ndarray, treaty_bonus: float) -> np.ndarray:
    """Each nation's value of membership in a treaty, ``V_i = mean_{j in T, j != i} U_ij + bonus``.

    ``members`` is an (N,) bool mask of the treaty's members; the mean runs over the members
    other than ``i`` (a non-member's value of joining, a member's value of staying).
    ``treaty_bonus`` is the institution's extra value: sunk costs, consultation, integrated
    command (Keohane 1984, *After Hegemony*). NaN where the treaty has no other member.
    """
    u = np.where(np.isfinite(utility), utility, 0.0)
    m = np.asarray(members, dtype=float)
    total = u @ m - np.diag(u) * m
    count = m.sum() - m
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count + treaty_bonus, np.nan)


class Accession(NamedTuple):
    """Applications to one treaty this year and the members' answer."""

    applicants: np.ndarray  #: rows of the non-members that applied
    accepted: np.ndarray  #: rows admitted by consensus (a subset of applicants)


def accession(
    value: np.ndarray,
    value_ref: np.ndarray,
    members: np.ndarray,
    utility: np.ndarray,
    hostile: np.ndarray,
    form_threshold: float,
    form_delta: float,
    accept_threshold: float,
    treaty_bonus: float,
    max_hostility: float,
) -> Accession:
    """Non-members apply when joining became worth it; members admit them by consensus.

    ``i`` applies iff ``V_i > form_threshold`` and ``V_i - Vref_i > form_delta`` (the value of
    joining rose since it was last settled); it is admitted iff every member ``j`` gains from it,
    ``U_ji > accept_threshold`` (the rule passes its ``form_threshold``: the consent a bilateral
    tie needs; the treaty bonus is the value of an institution a member already belongs to, so
    the newcomer must bring value of its own), and sees it as less hostile than
    ``max_hostility``: one veto blocks (NATO's Article 10 accession by unanimity). Applicants are
    ordered by their rise in value (largest first).
    """
    outside = ~np.asarray(members, dtype=bool)
    gain = value - value_ref
    applies = outside & (value > form_threshold) & (gain > form_delta)
    applicants = np.flatnonzero(applies)
    applicants = applicants[np.argsort(-gain[applicants], kind="stable")]
    inside = np.flatnonzero(members)
    accepted = [
        int(i)
        for i in applicants
        if np.all(utility[inside, i] > accept_threshold)
        and np.all(hostile[inside, i] < max_hostility)
    ]
    return Accession(applicants, np.array(accepted, dtype=np.int64))


def withdrawal_strain(
    value: np.ndarray, members: np.ndarray, strain: np.ndarray, withdraw_threshold: float
) -> np.ndarray:
    """Consecutive years each member has valued its membership below ``withdraw_threshold``.

    ``strain + 1`` for a member with ``V_i < withdraw_threshold``, else 0 (and 0 for
    non-members). A member withdraws when the count reaches the treaty's patience: alliances
    end when the conditions that made them change, and seldom otherwise (Leeds & Savun 2007,
    "Terminating alliances", *J. Politics* 69(4)).
    """
    low = np.asarray(members, dtype=bool) & (np.nan_to_num(value, nan=np.inf) < withdraw_threshold)
    return np.where(low, strain + 1, 0)


# ----------------------------------------------------------------------------- the component


#: members from which a treaty is multilateral and admits new members (NATO, CSTO, ANZUS)
MULTILATERAL = 3


@dataclass
class UtilityV2Config(AllianceRuleConfig):
    """The revised utility rule: formation by change, treaties as institutions (docs/MODEL.md,
    "Alliances"; pre-registration M6-M7). The tie values ``U_i(j)`` are those of
    :func:`sim.rules.utility.tie_values` (weights ``b_sec, b_ent, b_aff, cost``)."""

    name: str = "utility_v2"
    b_sec: float = 1.0  #: weight of security gained
    b_ent: float = 0.5  #: weight of entrapment
    b_aff: float = 0.3  #: weight of affinity (regime similarity, shared main threat)
    cost: float = 0.2  #: cost of a tie
    form_threshold: float = 0.0  #: both values above this to form (or to apply to a treaty)
    form_delta: float = 0.05  #: ... and both risen by more than this since last settled
    break_threshold: float = -0.15  #: a bilateral tie is strained while a value is below this
    max_new_ties: int = 25  #: bilateral ties a year: a safety bound, not a mechanism
    patience: int = 3  #: strained years before a bilateral tie ends at its review
    treaty_bonus: float = 0.2  #: extra value of a treaty tie (sunk costs, consultation)
    withdraw_threshold: float = -0.5  #: a member's membership value below this is strain ...
    withdraw_patience: int = 10  #: ... and this many such years in a row make it withdraw
    review_period: int = 2  #: years between reviews of a bilateral tie formed in the run
    new_tie_weight: float = 0.5  #: commitment of a bilateral tie formed in the run (treaties: 1)
    max_hostility: float = 0.5  #: no tie with (no admission of) a nation seen as this hostile
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
            "form_delta",
            "max_new_ties",
            "treaty_bonus",
            "weak_share",
        )
        for key in ("form_threshold", "break_threshold", "max_hostility", "withdraw_threshold"):
            finite(f"alliance_rule.{key}", getattr(self, key))
        at_least(self, "alliance_rule", 1, "patience", "withdraw_patience", "review_period")
        within("alliance_rule.new_tie_weight", self.new_tie_weight, 0.0, 1.0, open_low=True)
        check(
            self.break_threshold <= self.form_threshold,
            "alliance_rule.break_threshold",
            "must be <= alliance_rule.form_threshold (hysteresis)",
            self.break_threshold,
        )
        within("alliance_rule.bandwagon", self.bandwagon, 0.0, 1.0)


class UtilityV2:
    """The revised utility rule: each pair's reference value, each tie's strain, the treaties.

    Each year: bilateral ties under strain count a year and end at a review date after
    ``patience`` such years; pairs whose value rose on both sides form ties (at most
    ``max_new_ties``); each treaty admits applicants by consensus and loses members that
    withdraw; weak isolated states may bandwagon. Treaty ties end only by withdrawal.
    """

    Config = UtilityV2Config

    def __init__(self, params: UtilityV2Config, state: NationState) -> None:
        self.params = params
        n = len(state.iso3)
        self.strain = np.zeros((n, n), dtype=np.int64)
        self.reference = self._values(state)
        self.members: dict[str, np.ndarray] = {}
        self.guideline: dict[str, float] = {}
        self.review: dict[str, int] = {}
        ties = state.ties
        for i, j in zip(*np.nonzero(np.triu(ties.treaty_tie, k=1)), strict=True):
            name = ties.treaty(int(i), int(j))
            mask = self.members.setdefault(name, np.zeros(n, dtype=bool))
            mask[[i, j]] = True
            self.guideline[name] = max(
                self.guideline.get(name, 0.0), ties.pledge[i, j], ties.pledge[j, i]
            )
            self.review[name] = int(ties.review[i, j])
        self.value_ref = {
            name: membership_value(self.reference, mask, params.treaty_bonus)
            for name, mask in self.members.items()
        }
        self.withdraw_strain = {name: np.zeros(n, dtype=np.int64) for name in self.members}
        self.capped_years = 0  #: years in which max_new_ties bound (the battery checks it)

    def _values(self, m: NationState) -> np.ndarray:
        return tie_values(
            m.capability,
            m.threat,
            m.support,
            m.support_reach,
            m.credibility,
            m.hostile,
            m.regime,
            self.params,
            similarity=m.similarity,
        ).utility

    def revise(self, m: NationState) -> None:
        p, ties, t = self.params, m.ties, m.steps
        u = self._values(m)
        a, b = np.nonzero(np.triu(ties.allied & ~ties.treaty_tie, k=1))
        strained = bilateral_strain(u, ties.allied, ties.treaty_tie, p.break_threshold)[a, b]
        strain = np.where(strained, self.strain[a, b] + 1, 0)
        self.strain[a, b] = self.strain[b, a] = strain
        since = ties.since[a, b]
        due = (t > since) & ((t - since) % ties.review[a, b] == 0)
        ending = due & (strain >= p.patience)
        formation = form_by_change(
            u,
            self.reference,
            ties.allied,
            m.hostile,
            p.form_threshold,
            p.form_delta,
            p.max_hostility,
            p.max_new_ties,
        )
        self.capped_years += formation.capped
        for i, j in zip(a[ending].tolist(), b[ending].tolist(), strict=True):
            ties.dissolve(i, j)
            self._settle(u, i, j)
        for i, j in formation.pairs:
            ties.form(i, j, weight=p.new_tie_weight, review=p.review_period)
            self._settle(u, i, j)
        for name in sorted(self.members):
            self._treaty_year(m, u, name)
        draws = m.rng.random(len(m.iso3))
        joining = np.flatnonzero(bandwagoners(m.capability, m.threat, ties.n_allies(), draws, p))
        main = main_threat(m.capability, m.hostile[joining], m.reach[joining])
        for i, j in zip(joining.tolist(), main.tolist(), strict=True):
            if j >= 0 and not ties.allied[i, j] and u[j, i] > p.break_threshold:
                ties.form(i, j, weight=p.new_tie_weight, review=p.review_period)
                self._settle(u, i, j)

    def _settle(self, u: np.ndarray, i: int, j: int) -> None:
        """A pair's tie formed or ended: its value now is its new reference, its strain 0."""
        self.reference[i, j], self.reference[j, i] = u[i, j], u[j, i]
        self.strain[i, j] = self.strain[j, i] = 0

    def _treaty_year(self, m: NationState, u: np.ndarray, name: str) -> None:
        """Accession by application and consensus, then withdrawal after sustained low value."""
        p, ties, members = self.params, m.ties, self.members[name]
        value = membership_value(u, members, p.treaty_bonus)
        # accession is a multilateral treaty's rule; a bilateral treaty (two members) has none
        found = accession(
            value,
            self.value_ref[name],
            members,
            u,
            m.hostile,
            p.form_threshold,
            p.form_delta,
            p.form_threshold,
            p.treaty_bonus,
            p.max_hostility,
        )
        g = self.guideline[name]
        for i in found.accepted.tolist() if members.sum() >= MULTILATERAL else []:
            ties.accede(i, np.flatnonzero(members).tolist(), name, self.review[name], g)
            members[i] = True
            m.target[i] = max(m.target[i], g)
        value = membership_value(u, members, p.treaty_bonus)
        self.value_ref[name] = np.where(members, value, self.value_ref[name])
        strain = withdrawal_strain(value, members, self.withdraw_strain[name], p.withdraw_threshold)
        for i in np.flatnonzero(strain >= p.withdraw_patience).tolist():
            for j in np.flatnonzero(members).tolist():
                if j != i and ties.allied[i, j] and ties.treaty(i, j) == name:
                    ties.dissolve(i, j, event="withdrew")
            members[i] = False
            strain[i] = 0
        self.withdraw_strain[name] = strain

    def admitted(self, i: int, name: str) -> None:
        """A scenario's accession (``kind=accession``) made ``i`` a member of treaty ``name``."""
        if name in self.members:
            self.members[name][i] = True

    def reporters(self) -> Reporters:
        return {}
