"""The utility alliance rule: pairwise values of ties, mutual consent, hysteresis.

Pure functions on (N, N) arrays. ``U[i, j]`` is what ``i`` gains from a tie with ``j``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.config import UtilityConfig


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
    """Value to ``i`` of a tie with ``j`` (DESIGN.md step 5).

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
