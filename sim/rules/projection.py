"""Power projection by force type, threat that does not saturate, and spill-ins.

Pure functions on arrays (no Mesa, no Hydra). Index ``i`` is the perceiver, ``j`` the source:
``P[i, j]`` is the reach of ``j``'s capability at ``i``. The model description
(``docs/MODEL.md``, submodels "Power projection", "Threat", "Spill-ins") and
``experiments/validation/PREREGISTRATION.md`` (M1-M3) give the argument for each form.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def land_connected(contiguity: np.ndarray) -> np.ndarray:
    """Pairs joined by a chain of land borders: the connected components of the border graph.

    ``connected[i, j]`` is true iff ``i`` and ``j`` lie in the same component of the graph whose
    edges are land borders (COW direct contiguity type 1; Stinnett et al. 2002). An island state
    is connected only to itself, so land power reaches it only across water (Mearsheimer 2001,
    *The Tragedy of Great Power Politics*, ch. 4, "the stopping power of water").

    Parameters
    ----------
    contiguity : (N, N) bool, symmetric; true for a land border.

    Returns
    -------
    (N, N) bool, true on the diagonal.
    """
    n = len(contiguity)
    label = np.arange(n)
    border = np.asarray(contiguity, dtype=bool) | np.eye(n, dtype=bool)
    while True:  # propagate the smallest label across borders until nothing changes
        spread = np.where(border, label[None, :], n).min(axis=1)
        if np.array_equal(spread, label):
            break
        label = spread[spread]
    return label[:, None] == label[None, :]


class Reach(NamedTuple):
    """Reach of each source's capability at each perceiver, by force type, each (N, N)."""

    land: np.ndarray  #: L_ij = exp(-b_ij / lambda_land) * (1 or omega across water)
    global_: np.ndarray  #: G_ij = exp(-d_ij / lambda_global)
    total: np.ndarray  #: P_ij = (1 - q_j) L_ij + q_j G_ij


def reach(
    border_km: np.ndarray,
    capital_km: np.ndarray,
    connected: np.ndarray,
    global_share: np.ndarray,
    lambda_land: float,
    lambda_global: float,
    omega: float,
    lambda_home: float | None = None,
) -> Reach:
    """Power projection by force type: land forces over one theatre, naval/strategic globally.

    ``P_ij = (1 - q_j) L_ij + q_j G_ij`` with
    ``L_ij = exp(-b_ij / lambda_land) * (1 if land-connected else omega)`` and
    ``G_ij = exp(-d_ij / lambda_global)``: Boulding's loss-of-strength gradient (Boulding 1962,
    *Conflict and Defense*, ch. 12) measured from the border for land forces, discounted by
    ``omega`` across water (Mearsheimer 2001, ch. 4); only the naval and strategic share ``q_j``
    reaches globally.

    With ``lambda_home`` (amendment A13, ``model.land_distance=home_base``) the land gradient is
    measured from the source's home base, its capital, in two legs::

        L_ij = exp(-b_ij / lambda_land - max(0, d_ij - b_ij) / lambda_home) * (1 or omega)

    the theatre leg across the border gap ``b_ij`` (as above) and the home leg, the rest of the
    capital-to-capital distance, moved over the source's own rail and road network at the
    flatter gradient ``lambda_home``. Boulding (1962) defines the gradient from a party's home
    base; Bueno de Mesquita (1981, *The War Trap*) and Lemke (2002, *Regions of War and Peace*)
    measure it from the capital; van Creveld (1977, *Supplying War*) on the railhead. So a long
    border far from the source's capital (Russia's with Norway) no longer counts as much as a
    border next to it (Russia's with the Baltic states). Where ``d_ij = b_ij`` (worlds without
    border data) the home leg is 0 and the form is the one above.

    Parameters
    ----------
    border_km : (N, N) minimum border distance ``b_ij`` (km; 0 for a land border).
    capital_km : (N, N) capital-to-capital distance ``d_ij`` (km).
    connected : (N, N) bool, :func:`land_connected`.
    global_share : (N,) ``q_j`` in [0, 1], the share of j's capability that reaches globally.
    lambda_land, lambda_global : gradients (km, > 0).
    omega : land power's discount across water, in [0, 1].
    lambda_home : the home leg's gradient (km, > 0); ``None`` (default) for no home leg.

    Returns
    -------
    :class:`Reach`; every entry is in [0, 1] and the diagonal is 1.
    """
    border = np.asarray(border_km, float)
    exponent = border / lambda_land
    if lambda_home is not None:
        exponent = exponent + np.maximum(np.asarray(capital_km, float) - border, 0.0) / lambda_home
    land = np.exp(-exponent)
    land = np.where(connected, land, omega * land)
    glob = np.exp(-np.asarray(capital_km, float) / lambda_global)
    q = np.asarray(global_share, float)[None, :]
    total = (1.0 - q) * land + q * glob
    for m in (land, glob, total):
        np.fill_diagonal(m, 1.0)
    return Reach(land, glob, total)


def hostile_capability(
    capability: np.ndarray, reach: np.ndarray, hostile: np.ndarray
) -> np.ndarray:
    """Hostile capability reaching each nation, ``T_i = sum_j h_ij K_j P_ij`` (units of K).

    Walt (1987), *The Origins of Alliances*: threat combines aggregate power, proximity (here
    the force-type reach ``P``) and intentions (hostility ``h``).
    """
    return (np.asarray(hostile) * reach) @ capability


def allied_capability(
    capability: np.ndarray, reach: np.ndarray, commitment: np.ndarray, cred: np.ndarray
) -> np.ndarray:
    """Allied capability reaching each nation, ``A_i = sum_j w_ij c_j K_j P_ij`` (units of K).

    Support projects as far as the ally's own reach ``P_ij`` (the same gradients as threat).
    ``commitment`` is the weighted adjacency ``w`` (0 where there is no tie), ``cred`` the
    credibility ``c_j`` of each ally against its guideline.
    """
    return (commitment * reach) @ (capability * cred)


def threat_ratio(threat: np.ndarray, capability: np.ndarray, allied: np.ndarray) -> np.ndarray:
    """The threat ratio ``R_i = ln(1 + T_i / (K_i + A_i))``: a log ratio that does not saturate.

    ``dR/dT = 1 / (K + A + T)``: the response to a rise in threat is largest where own and
    allied means are small against it (a frontline state) and, unlike ``T/(T+K)``, keeps
    growing with threat. 0 with no threat; a nation with no means at all (``K + A = 0``) and
    some threat gets ``ln(1 + T / tiny)``, large but finite.
    """
    means = np.maximum(capability + allied, 1e-12)
    return np.log1p(threat / means)


def spending_threat_ratio(
    spending: np.ndarray,
    reach: np.ndarray,
    support_reach: np.ndarray,
    hostile: np.ndarray,
    commitment: np.ndarray,
    cred: np.ndarray,
) -> np.ndarray:
    """The threat ratio on this year's spending (amendment A11 (a))::

        R_i = ln(1 + T^M_i / (M_i + A^M_i)),   T^M_i = sum_j h_ij P_ij M_j,
        A^M_i = sum_j w_ij c_j P^a_ij M_j

    :func:`threat_ratio` with every capability stock ``K`` replaced by the current spending
    ``M``: the rival's *expenditure* is the threat variable of Richardson's reaction process
    (Richardson 1960, *Arms and Insecurity*) and of the demand-for-military-expenditure
    equations that estimate it (Smith 1980, "The demand for military expenditure", *Economic
    Journal* 90(360); Murdoch & Sandler 1984, *Journal of Public Economics* 25), so a budget
    surge is perceived the year it is spent, not as it accumulates in a stock. With stocks at
    their steady state (``K = M / delta``) the two ratios are equal.

    Parameters
    ----------
    spending : (N,) this year's spending ``M`` (US$).
    reach, support_reach : (N, N) reach ``P`` of each source's forces at each perceiver, for
        threat and for support (:func:`reach`).
    hostile : (N, N) perceived hostility ``h`` in [0, 1].
    commitment : (N, N) weighted adjacency ``w`` (0 where there is no tie).
    cred : (N,) credibility ``c_j`` of each ally.
    """
    m = np.asarray(spending, float)
    threat = hostile_capability(m, reach, hostile)
    return threat_ratio(threat, m, allied_capability(m, support_reach, commitment, cred))


def spill_ins(spending: np.ndarray, commitment: np.ndarray, cred: np.ndarray) -> np.ndarray:
    """Spill-ins from allies' spending, ``S_i = sum_j w_ij c_j M_j`` (US$).

    The pooled-defence quantity of Olson & Zeckhauser (1966, "An economic theory of alliances",
    *Rev. Econ. Stat.* 48(3)) and of the spill-in demand models (Sandler & Hartley 1995, *The
    Economics of Defense*, ch. 2; George & Sandler 2018, *Eur. J. Polit. Econ.* 53).
    """
    return (commitment * cred[None, :]) @ spending


def spill_in_change(
    spill: np.ndarray, spill_start: np.ndarray, own_start: np.ndarray
) -> np.ndarray:
    """Log change of spill-ins since the start, ``F_i = ln((S_i + M0_i) / (S0_i + M0_i))``.

    ``M0_i`` (own start-year spending) keeps the log finite for a nation with no ally and
    scales the change: a 10% fall in allies' spending that dwarfs ``M0_i`` gives ``F ~ -0.1``.
    With ``own_start`` all zero and ``spill_start`` zero the change is 0.
    """
    num = spill + own_start
    den = spill_start + own_start
    ok = (num > 0) & (den > 0)
    return np.where(ok, np.log(np.where(ok, num, 1.0) / np.where(ok, den, 1.0)), 0.0)


def relative_spill_in_change(
    spill: np.ndarray,
    spill_start: np.ndarray,
    own_start: np.ndarray,
    gdp: np.ndarray,
    gdp_start: np.ndarray,
) -> np.ndarray:
    """Log change of spill-ins per unit of own income (amendment A8)::

        F_i = ln((S_i / Y_i + s0_i) / (S0_i / Y0_i + s0_i))

    ``s0_i = M0_i / Y0_i`` is the nation's start-year share, so this equals
    :func:`spill_in_change` while ``Y_i = Y0_i`` (it is that function applied to
    ``S_i Y0_i / Y_i``). Amendment A8 (experiments/validation/PREREGISTRATION.md): with
    homothetic preferences in the pure-public-good model of alliances (Olson & Zeckhauser 1966;
    the full-income form of Cornes & Sandler 1996, *The Theory of Externalities, Public Goods
    and Club Goods*, 2nd ed.) an ally's desired share of income depends on spill-ins per unit of
    its own income, so a world whose GDPs all grow while every share stays put is a rest point;
    a leader that grows faster than its follower still raises ``F``.

    Parameters
    ----------
    spill, spill_start : (N,) this year's and the start year's spill-ins ``S``, ``S0`` (US$).
    own_start : (N,) start-year own spending ``M0`` (US$).
    gdp, gdp_start : (N,) this year's and the start year's GDP ``Y``, ``Y0`` (US$, > 0).
    """
    scale = np.asarray(gdp_start, float) / np.maximum(np.asarray(gdp, float), 1e-300)
    return spill_in_change(np.asarray(spill, float) * scale, spill_start, own_start)


def alliance_leader(spending: np.ndarray, commitment: np.ndarray) -> np.ndarray:
    """Each nation's alliance leader: its ally with the largest spending, if above its own.

    ``L(i) = argmax_{j: w_ij > 0} M_j`` when ``max_j M_j > M_i``, else ``-1`` (no leader: a
    nation with no ally, or the largest spender of its alliances). This follows the
    specification of Plümper & Neumayer (2015, "Free-riding in alliances: testing an old theory
    with a new method", *Conflict Management and Peace Science* 32(3)), who take the US as the
    source of spill-in and estimate the allies' responses to US spending; they do not test the
    largest member against the other allies as the source. The leader generalises that choice
    to every alliance (its largest spender).

    Parameters
    ----------
    spending : (N,) spending ``M`` (US$).
    commitment : (N, N) weighted adjacency ``w`` (0 where there is no tie).

    Returns
    -------
    (N,) int array of row indices, ``-1`` where there is no leader.
    """
    allied = np.asarray(commitment) > 0
    candidate = np.where(allied, np.asarray(spending, float)[None, :], -np.inf)
    best = candidate.argmax(axis=1)
    top = candidate[np.arange(len(best)), best]
    return np.where(top > spending, best, -1)


def leader_spill_ins(
    spending: np.ndarray, commitment: np.ndarray, cred: np.ndarray, leader: np.ndarray
) -> np.ndarray:
    """Spill-ins from the alliance leader only, ``S_i = w_iL c_L M_L`` (US$; 0 without a leader).

    The leader-only form of :func:`spill_ins`, following Plümper & Neumayer's (2015)
    specification (the US as the source of spill-in; George & Sandler 2018, *Eur. J. Polit.
    Econ.* 53, on the US as the dominant source of spill-ins): an ally's own
    rise is not a spill-in to the others, so the response to the leader's cut is not damped by
    the followers' responses to each other. ``w_iL`` is the current tie (0 once it is gone).
    """
    has = leader >= 0
    j = np.where(has, leader, 0)
    rows = np.arange(len(j))
    value = np.asarray(commitment)[rows, j] * np.asarray(cred)[j] * np.asarray(spending)[j]
    return np.where(has, value, 0.0)
