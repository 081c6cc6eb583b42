"""Threat and allied support: Walt's balance of threat on arrays.

All functions are pure: arrays in, arrays out, no Mesa. Index ``i`` is the perceiver, ``j`` the
source, so ``M[i, j]`` is what ``i`` perceives of ``j``.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairwise great-circle distances between capitals (haversine).

    ``d_ij = 2 R asin(sqrt(sin^2((phi_j - phi_i)/2) + cos phi_i cos phi_j sin^2((l_j - l_i)/2)))``

    Parameters
    ----------
    lat, lon : (N,) arrays, degrees.

    Returns
    -------
    (N, N) array of kilometres, zero on the diagonal, symmetric.
    """
    phi, lam = np.radians(lat), np.radians(lon)
    dphi = phi[None, :] - phi[:, None]
    dlam = lam[None, :] - lam[:, None]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    d = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return (d + d.T) / 2


def decay(distance_km: np.ndarray, range_km: float) -> np.ndarray:
    """Boulding's loss-of-strength gradient ``phi(d) = exp(-d / lambda)``.

    Boulding, K. (1962). *Conflict and Defense*. Harper. ``range_km`` is lambda, the distance over
    which projected strength falls by a factor e.
    """
    return np.exp(-distance_km / range_km)


def hostility(
    baseline: np.ndarray,
    arming_rate: np.ndarray,
    allied: np.ndarray,
    dilemma: float,
    normal_arming: float,
    exempt: np.ndarray | None = None,
) -> np.ndarray:
    """Perceived hostility ``h_ij`` in [0, 1], with the security dilemma.

    ``h_ij = clip(b_ij + dilemma * max(0, g_j - normal) * (1 - E_ij), 0, 1)``, and 0 between
    allies and on the diagonal: a nation that arms faster than normal (``g_j``, its capability
    growth rate) looks more hostile to everyone it is not allied with (Jervis 1978, "Cooperation
    under the security dilemma", *World Politics* 30(2)), except where ``E_ij`` says that ``i``
    does not read ``j``'s arming as hostile (:func:`wartime_exemption`, amendment A15).

    Parameters
    ----------
    baseline : (N, N) baseline hostility in [0, 1] (regime distance, rivalries, shocks).
    arming_rate : (N,) relative capability growth of each nation over the last year.
    allied : (N, N) bool adjacency of the alliance graph.
    exempt : (N, N) bool ``E``, or None (no pair exempt: the dilemma as in docs/MODEL.md 3.4).
    """
    surge = dilemma * np.maximum(0.0, arming_rate - normal_arming)
    h = np.add(baseline, surge[None, :])
    if exempt is not None:
        h = np.where(exempt, baseline, h)
    np.clip(h, 0.0, 1.0, out=h)
    np.copyto(h, 0.0, where=allied)
    np.fill_diagonal(h, 0.0)
    return h


def wartime_exemption(mobilised: np.ndarray, at_war: np.ndarray) -> np.ndarray:
    """Pairs whose security dilemma ignores a war mobilisation (amendment A15).

    ``E_ij = D_j (1 - W_ij)``: ``D_j`` when ``j``'s budget last year was set by war mobilisation
    (its war target exceeded its peacetime one), ``W_ij`` when ``i`` and ``j`` are at war. The
    arming of a state mobilising against an attack is directed at its attacker and visibly so:
    Jervis (1978, "Cooperation under the security dilemma", *World Politics* 30(2)) makes the
    dilemma depend on whether offence and defence can be told apart; Walt (1987, *The Origins of
    Alliances*) separates aggressive intentions from capability; Glaser (1997, "The security
    dilemma revisited", *World Politics* 50(1)) reads arming as a signal of greed only where
    security needs do not explain it. So third parties do not read it as hostile; its war
    enemies still do.

    Parameters
    ----------
    mobilised : (N,) bool ``D``.
    at_war : (N, N) bool ``W``, symmetric.

    Returns
    -------
    (N, N) bool ``E`` (row: perceiver ``i``, column: source ``j``).
    """
    return np.asarray(mobilised, dtype=bool)[None, :] & ~np.asarray(at_war, dtype=bool)


def threat(capability: np.ndarray, reach: np.ndarray, hostile: np.ndarray) -> np.ndarray:
    """Total threat perceived by each nation, ``T_i = sum_j K_j phi(d_ij) h_ij``.

    Walt, S. (1987). *The Origins of Alliances*. Cornell UP: threat combines aggregate power,
    proximity and intentions. ``reach`` is ``phi(d)`` and ``hostile`` is ``h``; units of K.
    """
    return (reach * hostile) @ capability


def credibility(share: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Credibility of a partner, ``c_j = min(1, s_j / target_j)`` (1 where the target is 0)."""
    safe = np.where(target > 0, target, 1.0)
    return np.where(target > 0, np.minimum(1.0, share / safe), 1.0)


def allied_support(
    capability: np.ndarray, reach: np.ndarray, commitment: np.ndarray, cred: np.ndarray
) -> np.ndarray:
    """Support each nation can count on, ``A_i = sum_{j in allies(i)} w_ij K_j phi_a(d_ij) c_j``.

    ``commitment`` is the weighted adjacency ``w`` (0 where there is no tie); units of K.
    """
    return (commitment * reach) @ (capability * cred)
