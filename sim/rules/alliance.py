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
    """
    # Written with in-place operations: each (N, N) array is allocated once (the four results,
    # two work arrays), with the arithmetic of the formulas above in the same order.
    x = support_reach * capability[None, :]
    x *= cred[None, :]
    security = np.add(x, threat[:, None])
    np.maximum(security, 1e-300, out=security)
    np.divide(x, security, out=security)
    main = main_threat(capability, hostile, support_reach)
    shared = hostile[:, np.maximum(main, 0)]
    shared[:, main < 0] = 0.0
    exposure = threat / np.maximum(threat + capability + support, 1e-300)
    weight = np.add.outer(capability, capability, out=x)
    np.maximum(weight, 1e-300, out=weight)
    np.divide(capability[:, None], weight, out=weight)
    entrapment = np.subtract(1.0, shared)
    entrapment *= exposure[None, :]
    entrapment *= weight
    affinity = np.subtract.outer(regime, regime)
    np.abs(affinity, out=affinity)
    affinity /= 2.0
    np.subtract(1.0, affinity, out=affinity)
    affinity += shared
    affinity /= 2.0
    utility = np.multiply(security, p.b_sec)
    utility -= np.multiply(entrapment, p.b_ent, out=weight)
    utility += np.multiply(affinity, p.b_aff, out=weight)
    utility -= p.cost
    np.fill_diagonal(utility, -np.inf)
    return TieValues(security, entrapment, affinity, utility)


def main_threat(capability: np.ndarray, hostile: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Index of the largest single threat to each nation, ``argmax_j tau_ij`` (-1 if none)."""
    tau = hostile * reach
    tau *= capability[None, :]
    idx = np.argmax(tau, axis=1)
    return np.where(tau[np.arange(len(idx)), idx] > 0, idx, -1)


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
