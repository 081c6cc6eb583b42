"""Ties that follow changes in their value, and treaties as institutions.

Pure functions on (N, N) arrays (no Mesa, no Hydra). ``U[i, j]`` is what ``i`` gains from a tie
with ``j`` (:func:`sim.rules.alliance.tie_values`); ``Uref`` the value the pair had when it was
last settled (the start, or when its tie formed or ended). ``docs/MODEL.md`` (submodels
"Formation", "Treaties") and ``experiments/validation/PREREGISTRATION.md`` (M6, M7) argue the
forms.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


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
