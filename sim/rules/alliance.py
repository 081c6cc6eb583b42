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
    x = capability[None, :] * support_reach * cred[None, :]
    security = x / np.maximum(x + threat[:, None], 1e-300)
    main = main_threat(capability, hostile, support_reach)
    shared = np.where(main >= 0, hostile[:, np.maximum(main, 0)], 0.0)
    exposure = threat / np.maximum(threat + capability + support, 1e-300)
    weight = capability[:, None] / np.maximum(capability[:, None] + capability[None, :], 1e-300)
    entrapment = exposure[None, :] * (1.0 - shared) * weight
    similarity = 1.0 - np.abs(regime[:, None] - regime[None, :]) / 2.0
    affinity = (similarity + shared) / 2.0
    utility = p.b_sec * security - p.b_ent * entrapment + p.b_aff * affinity - p.cost
    np.fill_diagonal(utility, -np.inf)
    return TieValues(security, entrapment, affinity, utility)


def main_threat(capability: np.ndarray, hostile: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Index of the largest single threat to each nation, ``argmax_j tau_ij`` (-1 if none)."""
    tau = hostile * reach * capability[None, :]
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
    mutual = np.minimum(utility, utility.T)
    ok = (mutual > p.form_threshold) & ~allied
    ok &= (hostile < p.max_hostility) & (hostile.T < p.max_hostility)
    i, j = np.nonzero(np.triu(ok, k=1))
    if len(i) == 0 or p.max_new_ties == 0:
        return []
    order = np.lexsort((j, i, -mutual[i, j]))[: p.max_new_ties]
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
    valued = utility + p.treaty_bonus * treaty_tie
    low = np.minimum(valued, valued.T) < p.break_threshold
    shortfall = (pledge > 0) & (share[:, None] < pledge - p.free_ride_tolerance)
    return allied & (low | shortfall | shortfall.T)


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
