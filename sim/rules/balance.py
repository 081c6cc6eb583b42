"""Structural balance on a signed graph, repaired by constrained triad dynamics.

Heider (1946) and Cartwright & Harary (1956): a triad is balanced when the product of its three
signs is positive ("the friend of my friend is my friend, the enemy of my enemy is my friend").
A complete signed graph is balanced iff its nodes split into at most two camps, positive within
and negative between. Antal, T., Krapivsky, P. L. & Redner, S. (2005), "Dynamics of social
balance on networks", *Physical Review E* 72, 036121: in constrained triad dynamics (CTD) an
imbalanced triad is picked at random and one of its links at random; the link flips if that
lowers the number of imbalanced triads in the graph, flips with probability 1/2 if the number is
unchanged, and stays if it would rise.

Signs live in an (n, n) symmetric int matrix: +1 (friend: an alliance tie), -1 (enemy: a
rivalry or high hostility), 0 (no relation). Triads are the triangles of non-zero links. Pure
functions (arrays in, named results out, no Mesa), and the component :class:`Balance` that turns
the repairs into ties (docs/MODEL.md, "Submodels: alliances").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import networkx as nx
import numpy as np

from sim.checks import at_least, within
from sim.rules.base import AllianceRuleConfig, NationState, Reporters


class BalanceResult(NamedTuple):
    """The outcome of a run of constrained triad dynamics."""

    sign: np.ndarray  #: the signed adjacency after the repairs
    updates: int  #: imbalanced triads examined
    flips: int  #: links whose sign changed
    imbalanced: int  #: imbalanced triads left (0: balanced)
    balanced_fraction: float  #: balanced triads / all triads (NaN without triads)


def triad_counts(sign: np.ndarray) -> tuple[int, int]:
    """(balanced, imbalanced) triangles of a signed graph.

    ``trace(S^3)/6 = balanced - imbalanced`` and ``trace(|S|^3)/6 = balanced + imbalanced``.
    """
    s = np.asarray(sign, dtype=float)
    a = np.abs(s)
    signed = float(np.sum((s @ s) * s)) / 6.0  # trace(S^3), S symmetric
    total = float(np.sum((a @ a) * a)) / 6.0
    balanced = round((total + signed) / 2)
    return int(balanced), int(round(total) - balanced)


def balanced_fraction(sign: np.ndarray) -> float:
    """Share of the triangles whose sign product is positive (NaN when there is none)."""
    balanced, imbalanced = triad_counts(sign)
    total = balanced + imbalanced
    return balanced / total if total else float("nan")


def camps(sign: np.ndarray) -> np.ndarray:
    """Label each node with its camp: the connected components of the positive links."""
    positive = nx.from_numpy_array((np.asarray(sign) > 0).astype(np.int8))
    labels = np.empty(len(sign), dtype=np.int64)
    for label, members in enumerate(sorted(nx.connected_components(positive), key=min)):
        labels[sorted(members)] = label
    return labels


def constrained_triad_dynamics(
    sign: np.ndarray, rng: np.random.Generator, max_updates: int
) -> BalanceResult:
    """Repair imbalanced triads by CTD (Antal, Krapivsky & Redner 2005) until balance.

    Each update draws an imbalanced triangle uniformly (an edge with probability proportional
    to its imbalanced triangles, then one of them) and one of its three links uniformly.
    Flipping link ij changes the number of imbalanced triangles by ``S_ij (S^2)_ij``: the flip
    is made when that is negative, with probability 1/2 when it is zero, never when positive.
    Stops at balance or after ``max_updates`` updates (a jammed state, where every flip would
    add imbalance, also ends at the cap).

    Parameters
    ----------
    sign : (n, n) symmetric matrix of +1, -1, 0 with a zero diagonal (not modified).
    rng : the caller's generator (``model.rng``).
    max_updates : the cap on updates.
    """
    # float matrices: the counts are small integers (exact in float64) and BLAS does the products
    s = np.array(sign, dtype=float)
    a = np.abs(s)
    common = a @ a  # triangles through each edge (the structure never changes)
    m = s @ s  # (S^2)_ij = sum_k S_ik S_kj, kept current by rank-2 updates
    updates = flips = 0
    while True:
        imb = np.where(a > 0, np.rint((common - s * m) / 2), 0.0)
        upper = np.triu(imb, k=1)
        total = upper.sum()
        if total < 0.5 or updates >= max_updates:
            break
        updates += 1
        flat = upper.ravel()
        e = int(rng.choice(flat.size, p=flat / total))
        i, j = divmod(e, len(s))
        ks = np.flatnonzero((a[i] > 0) & (a[j] > 0) & (s[i, j] * s[i] * s[j] < 0))
        k = int(ks[rng.integers(len(ks))])
        u, v = ((i, j), (i, k), (j, k))[int(rng.integers(3))]
        delta = s[u, v] * m[u, v]
        if delta < 0 or (delta == 0 and rng.random() < 0.5):
            d = -2.0 * s[u, v]  # S <- S + d (e_u e_v' + e_v e_u'), so S^2 changes by
            col_u, col_v = s[:, u].copy(), s[:, v].copy()  # S D + D S + D D (old S)
            m[:, v] += d * col_u
            m[:, u] += d * col_v
            m[u, :] += d * col_v
            m[v, :] += d * col_u
            m[u, u] += d * d
            m[v, v] += d * d
            s[u, v] = s[v, u] = -s[u, v]
            flips += 1
    s = s.astype(np.int64)
    balanced, imbalanced = triad_counts(s)
    total = balanced + imbalanced
    return BalanceResult(s, updates, flips, imbalanced, balanced / total if total else float("nan"))


# ----------------------------------------------------------------------------- the rule


@dataclass
class BalanceConfig(AllianceRuleConfig):
    """Structural balance: a signed graph (ties +, rivalries -) repaired by triad dynamics.

    Each year up to ``max_updates`` imbalanced triads are repaired by constrained triad
    dynamics (Antal, Krapivsky & Redner 2005); a link turning + forms a tie, a tie turning -
    dissolves and the pair's baseline hostility rises to ``hostile_threshold``.
    """

    name: str = "balance"
    #: a non-allied pair whose baseline hostility (either way) is at least this is negative
    hostile_threshold: float = 0.5
    #: imbalanced triads examined per year (the step cap)
    max_updates: int = 200
    new_tie_weight: float = 0.5  #: commitment of a tie formed by balance (treaties: 1)
    review_period: int = 2  #: review period recorded on a tie formed in the run

    def __post_init__(self) -> None:
        within("alliance_rule.hostile_threshold", self.hostile_threshold, 0.0, 1.0, open_low=True)
        at_least(self, "alliance_rule", 0, "max_updates")
        at_least(self, "alliance_rule", 1, "review_period")
        within("alliance_rule.new_tie_weight", self.new_tie_weight, 0.0, 1.0, open_low=True)


class Balance:
    """The balance rule: its parameters, the signed graph and this year's balanced fraction.

    New rivalries (scenario shocks) join the graph as negative links first. A link that turns +
    forms a tie; a tie that turns - dissolves and the pair's baseline hostility rises to
    ``hostile_threshold`` (a broken alliance between camps is a rivalry).
    """

    Config = BalanceConfig

    def __init__(self, params: BalanceConfig, state: NationState) -> None:
        self.params = params
        self.sign = np.where(state.ties.allied, 1, 0).astype(np.int64)
        self.mark_enemies(state)
        self.balanced_now = balanced_fraction(self.sign)

    def mark_enemies(self, state: NationState) -> None:
        """Non-allied pairs whose baseline hostility (either way) reaches the threshold are -."""
        hostile = np.maximum(state.baseline_hostility, state.baseline_hostility.T)
        enemies = (hostile >= self.params.hostile_threshold) & ~state.ties.allied
        enemies &= self.sign == 0
        np.fill_diagonal(enemies, False)
        self.sign[enemies] = -1

    def revise(self, state: NationState) -> None:
        p, ties = self.params, state.ties
        self.mark_enemies(state)
        result = constrained_triad_dynamics(self.sign, state.rng, p.max_updates)
        changed = np.triu(result.sign != self.sign, k=1)
        self.sign = result.sign
        for i, j in zip(*np.nonzero(changed), strict=True):
            i, j = int(i), int(j)
            if self.sign[i, j] > 0:
                ties.form(i, j, weight=p.new_tie_weight, review=p.review_period)
            else:
                ties.dissolve(i, j)
                state.raise_hostility([i], [j], p.hostile_threshold)
        self.balanced_now = result.balanced_fraction

    def reporters(self) -> Reporters:
        return {"balanced_triads": lambda: self.balanced_now}
