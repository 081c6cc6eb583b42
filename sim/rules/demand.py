"""The revised budget rule: demand for military expenditure in logs, with war mobilisation.

Pure functions on (N,) arrays (no Mesa, no Hydra). The rule (``docs/MODEL.md``, submodel
"Budgets"; ``experiments/validation/PREREGISTRATION.md`` M4-M5)::

    ln s*_i   = ln b_i + k R_i - beta F_i + p ln(max(1, g_i / s_i))     peacetime desired share
    s_war_i   = min(share_max, rho * sum_{j at war with i} M_j / Y_i)     war mobilisation
    ln s_i'   = ln s_i + eta_i (ln max(s*_i, s_war_i) - ln s_i),  eta_i = 1 where s_war_i > s*_i

``R`` is the threat ratio and ``F`` the log change of spill-ins (:mod:`sim.rules.projection`):
from every ally's spending (``spill_in="allies"``, pre-registration M3) or from the alliance
leader's only (``spill_in="leader"``, amendment A5, following Plümper & Neumayer's 2015
specification: the US as the source of spill-in); per unit of the nation's own income
(``spill_in_scale="own_gdp"``, amendment A8: homothetic demand, so balanced growth is a rest
point) or in US$ (``spill_in_scale="usd"``, M3 and A5 as scored). Two options of amendment A11,
off by default: ``R`` on this year's spending instead of the stocks (``threat_from="spending"``,
:func:`sim.rules.projection.spending_threat_ratio`), and the threat response in points of GDP
instead of in log share (``threat_scale="points"``, :func:`desired_share_points`)::

    s*_i = b_i exp(-beta F_i + p ln(max(1, g_i / s_i))) + k s_unit (R_i - R_ref_i)

One option of amendment A17, off by default: "war next door" (``war_exposure="theatre"``,
:func:`war_exposure`), an ongoing war's theatre raising the desired share of the nations near it
that do not fight in it, in points: ``s*_i + kappa_war s_unit (W_i - W_ref_i)`` (``kappa_war``
is ``war_k``, ``s_unit`` is ``s_floor``). One option of
amendment A21, off by default: the aggressor's proximity (``aggressor_exposure="home_base"``,
:func:`aggressor_exposure`), the same points form measured from the attacking belligerent's home
base: ``s*_i + kappa_war s_unit (V_i - V_ref_i)``; amendment A50's ``aggressor_exposure="capital"``
(M17, :func:`aggressor_capital_exposure`) measures ``V`` on the capitals' distance only. One
option of amendment A27, off by default:
seasoned commitment (``tie_seasoning="linear"``, :func:`seasoned_commitment`), a tie formed
during a run counting in the rule's allied means and spill-ins at ``min(1, age / T_season)``.
One option of amendment A32, off by default: every armed conflict of the shipped UCDP data as a
driver on its recorded years (``conflict_exposure="ucdp"``, :func:`conflict_intensity`), a party
to a conflict-year raising its desired share in points: ``s*_i + c_conf (C_i - C_ref_i)``.
One option of amendment A36, off by default: allies counted once
(``threat_denominator="own"``), the threat ratio on own means only, ``R_i = ln(1 + T_i / M_i)``,
so allied spending substitutes for own spending through the spill-ins ``F`` alone.
One option of amendment A42, off by default: the guideline pull weighted by threat
(``guideline_pull="threat"``, :func:`guideline_weight`), ``p_i = p max(R_i, 0) / mean R0`` over
the members with a guideline at the start, so the threatened laggards are pulled harder.
One option of amendment A52, off by default: the Wales pledge as a dated path
(``guideline_pull="deadline"``, :func:`pledge_path`), the pull toward ``s0 + (g - s0) (y - y0) /
(Y_D - y0)``, which reaches the guideline by the deadline ``Y_D`` (``pledge_deadline``, 2024).

Shares enter the logs floored at :data:`SHARE_EPS`, so a nation with no armed forces (a zero
share) stays near zero instead of producing ``-inf``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.checks import check, nonneg, positive, within
from sim.rules.base import BudgetRuleConfig, NationState, Reporters
from sim.rules.budget import draw_noise
from sim.rules.projection import (
    alliance_leader,
    allied_capability,
    leader_spill_ins,
    relative_spill_in_change,
    spending_threat_ratio,
    spill_in_change,
    spill_ins,
    threat_ratio,
)

#: the sources of spill-ins ``budget_rule.spill_in`` can name
SPILL_INS = ("allies", "leader")
#: what spill-ins are measured against (``budget_rule.spill_in_scale``): own income (A8) or none
SPILL_IN_SCALES = ("own_gdp", "usd")
#: what the threat ratio is measured on (``budget_rule.threat_from``): stocks (M2) or spending (A11)
THREAT_FROM = ("capability", "spending")
#: how the threat ratio moves the desired share (``budget_rule.threat_scale``): M4 or A11 (b)
THREAT_SCALES = ("log", "points")
#: whether an ongoing war's theatre raises its non-party neighbours' desired share
#: (``budget_rule.war_exposure``): not at all (``none``) or by exposure to the theatre (A17)
WAR_EXPOSURES = ("none", "theatre")
#: whether an aggressor's proximity raises its non-party neighbours' desired share
#: (``budget_rule.aggressor_exposure``): not at all (``none``) or from its home base (A21)
AGGRESSOR_EXPOSURES = ("none", "home_base", "capital")
#: how the weight of a tie formed during a run enters the rule's allied means and spill-ins
#: (``budget_rule.tie_seasoning``): at once (``none``) or building linearly over years (A27)
TIE_SEASONINGS = ("none", "linear")
#: whether the armed conflicts of the shipped UCDP data raise their parties' desired share
#: (``budget_rule.conflict_exposure``): not at all (``none``), on their recorded years (A32) or
#: only near home and with no fall at the end of a conflict under way at the start (A34)
CONFLICT_EXPOSURES = ("none", "ucdp", "ucdp_near")
#: what the threat ratio divides hostile means by (``budget_rule.threat_denominator``): own plus
#: allied means (``own_allied``, M2 and A11 (a)) or own means only (``own``, amendment A36: allies
#: then act on the budget through the spill-ins alone) or own plus the allies' land forces within
#: the theatre (``theatre``, amendment A39, M15: the land component ``L`` of the same reach)
THREAT_DENOMINATORS = ("own_allied", "own", "theatre")
#: how hard the alliance guideline pulls each member below it (``budget_rule.guideline_pull``):
#: alike (``uniform``, M4) or in proportion to its threat ratio against the alliance's mean at
#: the start (``threat``, amendment A42, M16)
GUIDELINE_PULLS = ("uniform", "threat", "deadline")
#: the least share of GDP the logs see (0.01% of GDP): a zero share is treated as this
SHARE_EPS = 1e-4


def anchored_level(share0: np.ndarray, k: float, ratio0: np.ndarray) -> np.ndarray:
    """Each nation's level ``b_i = s0_i exp(-k R0_i)``: its start-year share is a rest point.

    With ``F = 0`` at the start and no guideline pull, ``ln s* = ln b + k R0 = ln s0``: the share
    a nation returns to absent changes in threat and spill-ins is the one it was observed to
    choose, which carries what the model omits (history, geography beyond distance, domestic
    politics), as a base-year calibration does. Uses start-year data only; always positive.
    """
    return np.maximum(share0, SHARE_EPS) * np.exp(-k * ratio0)


def guideline_weight(ratio: np.ndarray, ratio0: np.ndarray, target0: np.ndarray) -> np.ndarray:
    """Each nation's weight on the guideline pull (amendment A42, M16)::

        w_i = max(R_i, 0) / mean_{j: g_j(0) > 0} max(R0_j, 0)

    The Wales pledge (NATO Wales Summit Declaration, 5 September 2014, para. 14: allies below 2%
    "aim to move towards the 2% guideline within a decade") was made in answer to Russia's
    actions against Ukraine, and its take-up followed the allies' threat perceptions rather than
    their gap (Raynova & Kearns 2015, European Leadership Network policy brief; Walt 1987 on
    threat as the source of balancing; our reading): the pull ``p`` holds for an ally of the
    alliance's mean start-year threat, twice as hard under twice the threat, not at all under
    none. 1 for every nation when no nation has a guideline at the start or their mean is 0.

    Parameters
    ----------
    ratio : (N,) this year's threat ratio ``R`` (the rule's own form).
    ratio0 : (N,) the start year's ``R0`` (the same form).
    target0 : (N,) the start year's guidelines ``g(0)`` (0 where a nation has none).

    Returns
    -------
    (N,) the weights ``w`` (>= 0); the pull is ``p w``.
    """
    members = np.asarray(target0, dtype=float) > 0
    ratio = np.asarray(ratio, dtype=float)
    mean = (
        float(np.maximum(np.asarray(ratio0, dtype=float)[members], 0.0).mean())
        if members.any()
        else 0.0
    )
    if mean <= 0:
        return np.ones(len(ratio))
    return np.maximum(ratio, 0.0) / mean


def pledge_path(
    target: np.ndarray, share0: np.ndarray, year: int, start_year: int, deadline: int
) -> np.ndarray:
    """The share each nation's guideline pledge asks of it in ``year`` (amendment A52, M18)::

        g_i(y) = s0_i + (g_i - s0_i) min(1, max(0, (y - y0) / (Y_D - y0)))   s0_i < g_i, y0 < Y_D
        g_i(y) = g_i                                                           otherwise

    NATO's Wales Summit Declaration (5 September 2014, para. 14): allies below the 2% guideline
    "aim to move towards the 2% guideline within a decade", a path with a deadline ``Y_D`` (2024)
    rather than a standing pull; the remaining gap of the start year ``y0`` is closed linearly by
    the deadline (our reading of the text). From a start at or after the deadline the path is
    complete: ``g_i(y) = g_i``, M4's pull.

    Parameters
    ----------
    target : (N,) this year's guidelines ``g`` (share of GDP; 0 where a nation has none).
    share0 : (N,) the start-year shares ``s0``.
    year, start_year : the calendar year ``y`` and the world's start year ``y0``.
    deadline : ``Y_D``, the pledge's deadline year.

    Returns
    -------
    (N,) the pledged shares ``g(y)``; the pull is ``p ln(max(1, g(y) / s))``.
    """
    target = np.asarray(target, dtype=float)
    share0 = np.asarray(share0, dtype=float)
    done = (
        1.0
        if start_year >= deadline
        else min(1.0, max(0.0, (year - start_year) / (deadline - start_year)))
    )
    below = target > share0
    return np.where(below, share0 + (target - share0) * done, target)


def seasoned_commitment(
    commitment: np.ndarray, since: np.ndarray, step: int, years: float
) -> np.ndarray:
    """Tie weights seasoned by age (amendment A27, M11)::

        w~_ij = w_ij min(1, (t - since_ij) / T_season)   a tie formed in the run (since_ij > 0)
        w~_ij = w_ij                                      a tie of the start world (since_ij = 0)

    An alliance's credibility is built by the peacetime costs its members sink into it (joint
    planning, integrated commands, basing) and by a record of being honoured, not given by
    signature (Morrow 1994, "Alliances, credibility, and peacetime costs", *Journal of Conflict
    Resolution* 38(2); Leeds, Long & Mitchell 2000, "Reevaluating alliance reliability", *JCR*
    44(5); Leeds 2003, "Alliance reliability in times of war", *International Organization*
    57(4)); so a new tie reassures, and substitutes for own spending, only as it is planned for.
    ``T_season`` = 4 years, NATO's defence-planning cycle (PREREGISTRATION.md A27), a fixed
    theory value.

    Parameters
    ----------
    commitment : (N, N) the tie weights ``w`` (0 where there is no tie).
    since : (N, N) int, the step each tie formed (0 for the start world's ties).
    step : the current step ``t``.
    years : ``T_season`` (> 0), the years a new tie takes to reach its full weight.

    Returns
    -------
    (N, N) the seasoned weights ``w~``; equal to ``commitment`` where no tie formed in the run.
    """
    w = np.asarray(commitment, dtype=float)
    since = np.asarray(since)
    age = np.maximum(step - since, 0)
    weight = np.where(since > 0, np.minimum(1.0, age / years), 1.0)
    return w * weight


def war_share(
    spending: np.ndarray,
    gdp: np.ndarray,
    at_war: np.ndarray,
    rho: float,
    share_max: float,
) -> np.ndarray:
    """The share that closes the gap with the attackers, ``min(share_max, rho sum_j M_j / Y_i)``.

    A nation at war mobilises toward a fraction ``rho`` of its attackers' spending: with the
    defender's 3:1 rule (Mearsheimer 1989, "Assessing the conventional balance: the 3:1 rule and
    its critics", *International Security* 13(4)) a defender that holds needs about a third of
    the attacker's effort, so ``rho = 1/3``. 0 for a nation not at war.

    Parameters
    ----------
    spending : (N,) this year's spending ``M_j`` (US$).
    gdp : (N,) GDP ``Y_i`` (US$, > 0).
    at_war : (N, N) bool, symmetric; ``at_war[i, j]`` when i and j fight an interstate war.
    """
    enemy = np.asarray(at_war, dtype=float) @ spending
    share = rho * enemy / np.maximum(gdp, 1e-300)
    return np.where(enemy > 0, np.minimum(share, share_max), 0.0)


def war_theatres(at_war: np.ndarray, major: np.ndarray) -> np.ndarray:
    """(N,) bool: the nations on whose territory a war is fought (amendment A17).

    A belligerent's territory is a theatre unless it is a major power at war only with minor
    powers: a major power's war against a minor one is fought on the minor power's territory
    (since 1945: Korea, Vietnam, Afghanistan, Iraq, Georgia 2008, Ukraine; our reading of the
    record), a war between two major or two minor powers on both.

    Parameters
    ----------
    at_war : (N, N) bool, symmetric; ``at_war[i, j]`` when i and j fight an interstate war.
    major : (N,) bool, the world data's major powers.
    """
    war = np.asarray(at_war, dtype=bool)
    major = np.asarray(major, dtype=bool)
    fights = war.any(axis=1)
    fights_major = (war & major[None, :]).any(axis=1)
    return fights & (~major | fights_major)


def non_parties(at_war: np.ndarray) -> np.ndarray:
    """(N, N) bool: ``i`` is not a party to ``j``'s war: not ``j`` itself, not at war with ``j``
    and sharing no enemy with it (a co-belligerent) (amendments A17 and A21)."""
    war = np.asarray(at_war, dtype=bool)
    fights = war.astype(float)
    return ~(np.eye(len(war), dtype=bool) | war | ((fights @ fights) > 0))


def war_exposure(
    at_war: np.ndarray, distance_km: np.ndarray, major: np.ndarray, range_km: float
) -> np.ndarray:
    """Each nation's exposure to the wars it does not fight in (amendment A17, M9)::

        W_i = sum_{theatres v} (1 - party_iv) exp(-b_iv / r_war)

    War diffuses through proximity (Most & Starr 1980, *APSR* 74(4); Siverson & Starr 1991,
    *The Diffusion of War*) and a state's security environment is its neighbourhood (Gleditsch
    2002, *All International Politics Is Local*; Rosh 1988, *JCR* 32(4)); the threat
    environment drives the military burden (Nordhaus, Oneal & Russett 2012, *International
    Organization* 66(3); Dunne & Perlo-Freeman 2003). Theatres are :func:`war_theatres`;
    ``party_iv`` is 1 when ``i`` is ``v``, fights ``v`` or shares an enemy with ``v`` (a
    co-belligerent); an ally of a party that is not at war is exposed like any other nation.
    1 for a land border with one theatre, 0 for a party and where no war is fought.

    Parameters
    ----------
    at_war : (N, N) bool, symmetric.
    distance_km : (N, N) ``b``, the minimum border distance (0 for a land border), km.
    major : (N,) bool, the major powers.
    range_km : ``r_war`` (> 0), the distance over which the exposure falls by ``e``.
    """
    war = np.asarray(at_war, dtype=bool)
    near = np.exp(-np.asarray(distance_km, dtype=float) / range_km)
    return np.where(non_parties(war) & war_theatres(war, major)[None, :], near, 0.0).sum(axis=1)


def war_aggressors(at_war: np.ndarray, major: np.ndarray) -> np.ndarray:
    """(N,) bool: the attacking belligerents, those not a theatre (amendment A21).

    A belligerent whose war is fought on the other side's territory only, under
    :func:`war_theatres`' rule: a major power at war only with minor powers. A war between two
    major or two minor powers has no aggressor.

    Parameters
    ----------
    at_war : (N, N) bool, symmetric.
    major : (N,) bool, the world data's major powers.
    """
    fights = np.asarray(at_war, dtype=bool).any(axis=1)
    return fights & ~war_theatres(at_war, major)


def aggressor_exposure(
    at_war: np.ndarray,
    border_km: np.ndarray,
    capital_km: np.ndarray,
    major: np.ndarray,
    range_km: float,
    home_km: float,
) -> np.ndarray:
    """Each nation's exposure to the aggressors of the wars it does not fight (A21, M10)::

        V_i = sum_{aggressors a} (1 - party_ia) exp(-b_ia / r_war - max(0, d_ia - b_ia) / l_home)

    The attacker's mobilised forces are the threat its neighbours face: geographic proximity
    and offensive capability are sources of threat (Walt 1987, *The Origins of Alliances*,
    ch. 2), strength falls with distance from the power's home base (Boulding 1962, *Conflict
    and Defense*, ch. 12; Lemke 2002, *Regions of War and Peace*), and security is set by the
    neighbourhood (Gleditsch 2002, *All International Politics Is Local*). The gradient is
    amendment A13's two legs (:func:`sim.rules.projection.reach`): the border gap at ``r_war``
    and the rest of the capital-to-capital distance at ``l_home``; no water discount.
    Aggressors are :func:`war_aggressors`; ``party_ia`` as in :func:`war_exposure`.

    Parameters
    ----------
    at_war : (N, N) bool, symmetric.
    border_km : (N, N) ``b``, the minimum border distance (0 for a land border), km.
    capital_km : (N, N) ``d``, the capital-to-capital distance, km.
    major : (N,) bool, the major powers.
    range_km : ``r_war`` (> 0), the theatre leg's gradient, km.
    home_km : ``l_home`` (> 0), the home leg's gradient, km (A13's 2,000 km).
    """
    war = np.asarray(at_war, dtype=bool)
    border = np.asarray(border_km, dtype=float)
    home = np.maximum(np.asarray(capital_km, dtype=float) - border, 0.0)
    near = np.exp(-border / range_km - home / home_km)
    return np.where(non_parties(war) & war_aggressors(war, major)[None, :], near, 0.0).sum(axis=1)


def aggressor_capital_exposure(
    at_war: np.ndarray, capital_km: np.ndarray, major: np.ndarray, home_km: float
) -> np.ndarray:
    """Each nation's exposure to the aggressors of the wars it does not fight, measured on the
    distance between capitals only (amendment A50, M17)::

        V_i = sum_{aggressors a} (1 - party_ia) exp(-d_ia / l_home)

    An invasion reveals the attacker's aggressive intentions, and proximity to the attacker is
    the source of threat (Walt 1987, *The Origins of Alliances*, ch. 2); the loss of strength is
    measured from the attacker's home base (Boulding 1962, *Conflict and Defense*, ch. 12), on
    the distance between capitals (Bueno de Mesquita 1981, *The War Trap*, ch. 4; Lemke 2002,
    *Regions of War and Peace*). :func:`aggressor_exposure` with a border gap of 0 for every
    pair; aggressors and parties as there.

    Parameters
    ----------
    at_war : (N, N) bool, symmetric.
    capital_km : (N, N) ``d``, the capital-to-capital distance, km.
    major : (N,) bool, the major powers.
    home_km : ``l_home`` (> 0), the gradient, km (A13's and A21's 2,000 km).
    """
    capital = np.asarray(capital_km, dtype=float)
    return aggressor_exposure(at_war, np.zeros_like(capital), capital, major, 1.0, home_km)


def conflict_intensity(
    iso3: list[str],
    year: int,
    years: np.ndarray,
    side_a: np.ndarray,
    side_b: np.ndarray,
    intensity: np.ndarray,
    minor: float,
    border_km: np.ndarray | None = None,
    near_km: float = np.inf,
) -> np.ndarray:
    """Each nation's armed-conflict weight in ``year`` (amendment A32, M13; A34's M13b with
    ``border_km``)::

        C_i(y) = max over the conflict-years of y' = min(y, y_last) with i a party of w(intensity)
        w(2) = 1 (war, 1,000+ battle deaths),  w(1) = w_minor (25-999),  C_i = 0 in none

    A party to an armed conflict spends more: about 1 point of national income for a government
    fighting a civil war (Collier 2009, *Wars, Guns and Votes*, p. 108; Collier & Hoeffler 2002,
    World Bank WP 2927, and 2007, *Oxford Bulletin of Economics and Statistics* 69(1); Dunne &
    Perlo-Freeman 2003, *IRAE* 17(1)). Parties are the rows' primary sides A and B (UCDP/PRIO
    Armed Conflict Dataset); a year after the table's last (``y_last``) reads the last year's
    rows (the data's end is not a conflict's end).

    Parameters
    ----------
    iso3 : the N nations' codes.
    year : the calendar year ``y``.
    years, side_a, side_b, intensity : (M,) the conflict-years: year, the two parties' ISO3
        codes, UCDP intensity (1 or 2).
    minor : ``w_minor`` in [0, 1], the weight of an intensity-1 year.
    border_km : (N, N) border distances ``D``, or None (A32: every row counts for its parties).
        Given (A34), a row counts for a party only when the other party is one of the N nations
        and ``D_ij <= near_km``: the loss-of-strength gradient (Boulding 1962, ch. 12;
        Mearsheimer 2001, ch. 4), with Gleditsch & Ward's (2001, *JPR* 38(6)) 950 km.
    near_km : ``D_near``, km.

    Returns
    -------
    (N,) ``C`` in [0, 1]; 0 for every nation when the table is empty.
    """
    years = np.asarray(years, dtype=int)
    out = np.zeros(len(iso3))
    if len(years) == 0:
        return out
    rows = years == min(year, int(years.max()))
    weight = np.where(np.asarray(intensity)[rows] >= 2, 1.0, minor)
    row_of = {code: i for i, code in enumerate(iso3)}
    for a, b, w in zip(np.asarray(side_a)[rows], np.asarray(side_b)[rows], weight, strict=True):
        for code, other in ((a, b), (b, a)):
            if code not in row_of:
                continue
            i = row_of[code]
            if border_km is not None and not (
                other in row_of and border_km[i, row_of[other]] <= near_km
            ):
                continue
            out[i] = max(out[i], w)
    return out


def add_war_exposure(
    desired: np.ndarray, kappa: float, unit: float, exposure: np.ndarray, exposure_ref: np.ndarray
) -> np.ndarray:
    """The desired share with A17's term (or A21's, with ``V`` for ``W``) in points::

        max(s* + kappa s_unit (W - W_ref), SHARE_EPS)

    ``kappa`` is ``budget_rule.war_k``, ``s_unit`` is ``budget_rule.s_floor``.

    ``kappa s_unit`` is the points of GDP a land border with a theatre adds (0.3 x 1.5% = 0.45
    points: Nordhaus, Oneal & Russett's 2012 semi-elasticity of spending to the annual
    probability of a fatal dispute, 3, times an assumed 10-point rise of that probability next
    to a war; PREREGISTRATION.md A17). Anchored, ``W_ref`` is the start year's exposure (the
    start share already holds it, as ``R0`` in :func:`desired_share_points`), else 0.
    """
    return np.maximum(desired + kappa * unit * (exposure - exposure_ref), SHARE_EPS)


def desired_share(
    level: np.ndarray,
    k: float,
    ratio: np.ndarray,
    beta: float,
    spill_change: np.ndarray,
    p: float | np.ndarray,
    target: np.ndarray,
    share: np.ndarray,
) -> np.ndarray:
    """Peacetime desired share ``s* = b exp(k R - beta F + p ln(max(1, g / s)))``.

    The three pulls of the demand-for-defence literature in logs (Sandler & Hartley 1995, *The
    Economics of Defense*, ch. 4): threat (Walt 1987), spill-ins from allies as a partial
    substitute (Olson & Zeckhauser 1966; elasticity ``beta``), and the alliance guideline ``g``
    (0: none) pulling a member that spends below it. ``p ln(g/s)`` is the guideline pull: with
    ``eta`` per year a laggard closes a part of its log gap to the guideline; ``p`` is a scalar
    or (N,), one pull per nation (A42's :func:`guideline_weight` times ``p``).
    """
    return level * np.exp(k * ratio - beta * spill_change + p * guideline_gap(target, share))


def guideline_gap(target: np.ndarray, share: np.ndarray) -> np.ndarray:
    """The log gap to the guideline, ``ln(max(1, g / s))``: 0 at or above it and where ``g = 0``."""
    s = np.maximum(share, SHARE_EPS)
    return np.where(target > s, np.log(np.where(target > s, target, 1.0) / s), 0.0)


def desired_share_points(
    level: np.ndarray,
    k: float,
    ratio: np.ndarray,
    ratio_ref: np.ndarray,
    unit: float,
    beta: float,
    spill_change: np.ndarray,
    p: float | np.ndarray,
    target: np.ndarray,
    share: np.ndarray,
) -> np.ndarray:
    """Desired share with the threat response in points of GDP (amendment A11 (b))::

        s* = max(b exp(-beta F + p ln(max(1, g / s))) + k s_unit (R - R_ref), SHARE_EPS)

    The share equations of the demand-for-military-expenditure literature are linear in the
    threat variable (Smith 1980, "The demand for military expenditure", *Economic Journal*
    90(360); Murdoch & Sandler 1984, *Journal of Public Economics* 25), so a rise of the threat
    ratio adds the same points of GDP whatever the nation's start share, where
    :func:`desired_share` multiplies the share by ``exp(k dR)``. ``s_unit`` (M4's ``s_floor``,
    0.015, near the world's median share) makes ``k`` comparable: at that share both forms
    answer a small change of ``R`` alike. Spill-ins and the guideline pull stay proportional.
    Anchored (``b = s0``, ``R_ref = R0``) the start-year share is the rest point; a fall of the
    ratio below its reference can lower ``s*`` to :data:`SHARE_EPS`, not below.

    Parameters
    ----------
    level : (N,) ``b``: the start share (anchored) or ``s_floor``.
    ratio, ratio_ref : (N,) this year's threat ratio and its reference (``R0``, or 0).
    unit : ``s_unit``, the share (fraction of GDP) one unit of ``k R`` adds.
    p, spill_change, target, share : as :func:`desired_share`.
    """
    rest = level * np.exp(-beta * spill_change + p * guideline_gap(target, share))
    return np.maximum(rest + k * unit * (ratio - ratio_ref), SHARE_EPS)


class ShareUpdate(NamedTuple):
    """Next year's shares and what set them, each (N,)."""

    share: np.ndarray  #: the new share, clipped to the bounds
    desired: np.ndarray  #: max(s*, s_war): where the share is heading
    mobilising: np.ndarray  #: bool, the war target exceeds the peacetime one


def next_share(
    share: np.ndarray,
    desired_peace: np.ndarray,
    war: np.ndarray,
    eta: float,
    noise: np.ndarray,
    share_min: float,
    share_max: float,
    eta_war: float = 1.0,
) -> ShareUpdate:
    """Partial adjustment in logs: ``ln s' = ln s + eta (ln s_target - ln s)``, then noise.

    ``s_target = max(s*, s_war)``; a nation whose war target exceeds its peacetime one adjusts
    at ``eta_war`` (wartime mobilisation within a year). Noise (``N(0, sigma)`` draws, share
    points) is added after the adjustment and the result clipped to ``[share_min, share_max]``.
    """
    s = np.maximum(share, SHARE_EPS)
    mobilising = war > desired_peace
    target = np.maximum(np.maximum(desired_peace, war), SHARE_EPS)
    speed = np.where(mobilising, eta_war, eta)
    moved = np.exp(np.log(s) + speed * (np.log(target) - np.log(s)))
    return ShareUpdate(np.clip(moved + noise, share_min, share_max), target, mobilising)


# ----------------------------------------------------------------------------- the component


@dataclass
class ThreatResponseV2Config(BudgetRuleConfig):
    """The revised threat-response rule (docs/MODEL.md, "Budgets"; pre-registration M4-M5).

    ``k``, ``eta`` and ``p`` are free parameters and default to A1's theory priors (``k`` was 5
    before amendment A8, a value no amendment chose; ``experiment=hindcast_2014_2024`` sets all
    five priors explicitly); ``configs/calibration/y2014_2019.yaml`` holds the values fitted on
    2014 -> 2019. ``spill_in`` defaults to ``leader`` since A5's implementation (74d6a2d;
    PREREGISTRATION.md A7): ``allies`` gives M3's spill-in, as V1-V3 were scored.
    ``spill_in_scale`` defaults to ``own_gdp`` since A8; ``usd`` gives M3's and A5's form, as
    V1-V4p were scored. ``threat_from`` and ``threat_scale`` (amendment A11) default to M2's
    and M4's forms, ``capability`` and ``log``, as V1-V5p were scored. ``war_exposure``
    (amendment A17) and ``aggressor_exposure`` (amendments A21, A50) default to ``none``; ``war_k``
    and ``war_range_km`` (A17, shared by both) and ``war_home_km`` (A21) are fixed theory
    values, not free parameters. ``tie_seasoning`` (amendment A27) defaults to ``none``; its
    ``seasoning_years`` is a fixed theory value. ``conflict_exposure`` (amendments A32, A34)
    defaults to ``none``; ``conflict_share``, ``conflict_minor`` and ``conflict_near_km`` are
    fixed theory values. ``threat_denominator`` (amendment A36) defaults to ``own_allied``,
    ``guideline_pull`` (amendment A42) to ``uniform``.
    """

    name: str = "threat_response_v2"
    k: float = 1.0  #: response to the threat ratio R (per unit of R, in log share)
    eta: float = 0.25  #: share of the log gap to the desired share closed in a year
    p: float = 0.3  #: guideline pull, in log share per unit of log gap
    beta: float = 0.3  #: spill-in elasticity (free riding; Plümper & Neumayer 2015)
    rho: float = 1 / 3  #: war: the part of the attackers' spending a defender matches (3:1 rule)
    s_floor: float = 0.015  #: the level b of every nation when anchor is false
    #: each nation's level b_i makes its start-year share the rest point (start-year data only)
    anchor: bool = True
    #: whose spending is a spill-in: every ally's (``allies``, pre-registration M3) or only the
    #: alliance leader's (``leader``, amendment A5: Plümper & Neumayer's 2015 specification)
    spill_in: str = "leader"
    #: spill-ins per unit of own income (``own_gdp``, amendment A8) or in US$ (``usd``, M3, A5)
    spill_in_scale: str = "own_gdp"
    #: the threat ratio on capability stocks (``capability``, M2) or on this year's spending
    #: (``spending``, amendment A11 (a))
    threat_from: str = "capability"
    #: the threat response in log share (``log``, M4) or in points of GDP, ``k s_floor`` per unit
    #: of R (``points``, amendment A11 (b))
    threat_scale: str = "log"
    #: an ongoing war's theatre raises its non-party neighbours' desired share (``theatre``,
    #: amendment A17) or not (``none``)
    war_exposure: str = "none"
    #: A17: points of GDP per unit of exposure, in units of s_floor (0.3 x 1.5% = 0.45 points)
    war_k: float = 0.3
    #: A17: the distance (km) over which the exposure to a theatre falls by e
    war_range_km: float = 500.0
    #: an aggressor's proximity from its home base raises its non-party neighbours' desired
    #: share (``home_base``, amendment A21, with war_k and war_range_km), on the capitals'
    #: distance only (``capital``, amendment A50, M17: exp(-d / war_home_km)) or not (``none``)
    aggressor_exposure: str = "none"
    #: A21: the home leg's gradient (km) of the aggressor's proximity (A13's 2,000 km, fixed;
    #: A50: the whole gradient of ``capital``)
    war_home_km: float = 2000.0
    #: a tie formed during a run counts in the rule's allied means and spill-ins at once
    #: (``none``) or at min(1, age / seasoning_years) (``linear``, amendment A27)
    tie_seasoning: str = "none"
    #: A27: the years a new tie takes to reach its full weight (NATO's 4-year planning cycle, fixed)
    seasoning_years: float = 4.0

    #: the armed conflicts of the shipped UCDP data (interstate, every intensity) raise their
    #: parties' desired share on their recorded years (``ucdp``, amendment A32), only conflicts
    #: with a nearby opponent and never below the start year's (``ucdp_near``, A34), or not
    #: (``none``)
    conflict_exposure: str = "none"
    #: A32: the desired share a war-year adds, share of GDP (0.01 = 1 point; Collier 2009, fixed)
    conflict_share: float = 0.01
    #: A32: the weight of an intensity-1 conflict-year (25-999 battle deaths) against a war's
    conflict_minor: float = 1.0
    #: A34 (``ucdp_near``): the border distance within which a conflict counts, km (Gleditsch &
    #: Ward 2001's proximate pairs, fixed)
    conflict_near_km: float = 950.0
    #: the threat ratio's denominator: own plus allied means (``own_allied``, M2 and A11 (a)) or
    #: own means only (``own``, amendment A36): allies then count once, as spill-ins
    threat_denominator: str = "own_allied"
    #: the guideline pull: alike for every member below it (``uniform``, M4), weighted by its
    #: threat ratio against the alliance's mean at the start (``threat``, amendment A42, M16), or
    #: toward the pledge's path to the guideline by ``pledge_deadline`` (``deadline``, A52, M18)
    guideline_pull: str = "uniform"
    #: A52: the year by which the pledge's path reaches the guideline (Wales 2014: "within a
    #: decade"; fixed)
    pledge_deadline: int = 2024

    def __post_init__(self) -> None:
        nonneg(self, "budget_rule", "k", "p", "beta", "noise", "war_k", "conflict_share")
        within("budget_rule.conflict_minor", self.conflict_minor, 0.0, 1.0)
        positive(
            self,
            "budget_rule",
            "war_range_km",
            "war_home_km",
            "seasoning_years",
            "conflict_near_km",
        )
        within("budget_rule.eta", self.eta, 0.0, 1.0, open_low=True)
        within("budget_rule.rho", self.rho, 0.0, 1.0)
        within("budget_rule.s_floor", self.s_floor, 0.0, 1.0, open_low=True)
        check(
            self.spill_in in SPILL_INS,
            "budget_rule.spill_in",
            f"must be one of {', '.join(SPILL_INS)}",
            self.spill_in,
        )
        for key, allowed in (
            ("spill_in_scale", SPILL_IN_SCALES),
            ("threat_from", THREAT_FROM),
            ("threat_scale", THREAT_SCALES),
            ("war_exposure", WAR_EXPOSURES),
            ("aggressor_exposure", AGGRESSOR_EXPOSURES),
            ("tie_seasoning", TIE_SEASONINGS),
            ("conflict_exposure", CONFLICT_EXPOSURES),
            ("threat_denominator", THREAT_DENOMINATORS),
            ("guideline_pull", GUIDELINE_PULLS),
        ):
            value = getattr(self, key)
            check(
                value in allowed,
                f"budget_rule.{key}",
                f"must be one of {', '.join(allowed)}",
                value,
            )


class ThreatResponseV2:
    """The revised threat-response rule: its parameters, each nation's level and start values."""

    Config = ThreatResponseV2Config

    def __init__(self, params: ThreatResponseV2Config, state: NationState) -> None:
        self.params = params
        self.spending0 = state.share * state.gdp
        self.gdp0 = np.array(state.gdp, dtype=float)
        self.leader = alliance_leader(self.spending0, state.ties.commitment)
        #: the start-year spill-ins of both forms, so a change of ``spill_in`` keeps F from 0
        self.spill0_of = {
            "leader": leader_spill_ins(
                self.spending0, state.ties.commitment, state.credibility, self.leader
            ),
            "allies": spill_ins(self.spending0, state.ties.commitment, state.credibility),
        }
        self.spill0 = self.spill0_of[params.spill_in]
        self.share0 = np.array(state.share, dtype=float)
        #: the start year's guidelines, whose members' mean R0 scales A42's pull weights
        self.target0 = np.array(state.target, dtype=float)
        #: the start-year threat ratio of every form, so a change of ``threat_from`` or
        #: ``threat_denominator`` measures R against its own start-year ratio
        self.ratio0_of = {
            (source, denominator): self._ratio(
                state, source, denominator, self.spending0, state.ties.commitment, state.support
            )
            for source in THREAT_FROM
            for denominator in THREAT_DENOMINATORS
        }
        self.ratio0 = self.ratio0_of[params.threat_from, params.threat_denominator]
        self.level = self._level(params, state.share)
        self.mobilising = np.zeros(len(state.iso3), dtype=bool)
        #: the world's geography (border and capital distances, major powers: fixed) and the
        #: start year's wars, for A17's and A21's exposures and their anchored references
        self.geography = (state.border_km, state.capital_km, state.major)
        self.at_war0 = np.array(state.at_war, dtype=bool)
        self.exposure0, self.aggressor0 = self.exposure(self.at_war0), self.aggressor(self.at_war0)
        #: A32: the nations' codes and the start year, for the conflicts of each calendar year
        #: the world's year and conflict-years, read only when the conflict term is on (a state
        #: without them then fails in conflicts(), never counts the conflicts of year 0)
        self.iso3, self.start_year = list(state.iso3), getattr(state, "start_year", None)
        self.conflict_years = getattr(state, "conflict_years", None)
        self.conflict0 = self.conflicts(self.start_year)

    def conflicts(self, year: int) -> np.ndarray:
        """The armed-conflict weight ``C`` of ``year`` (A32, :func:`conflict_intensity`); zeros
        when ``conflict_exposure`` is ``none`` (the table is then not read)."""
        if self.params.conflict_exposure == "none":
            return np.zeros(len(self.iso3))
        near = self.params.conflict_exposure == "ucdp_near"
        if self.conflict_years is None or self.start_year is None:
            raise ValueError(
                "budget_rule.conflict_exposure: the nations' state has no start_year or "
                "conflict_years()"
            )
        return conflict_intensity(
            self.iso3,
            year,
            *self.conflict_years(),
            self.params.conflict_minor,
            *((self.geography[0], self.params.conflict_near_km) if near else ()),
        )

    def pledged(self, state: NationState) -> np.ndarray:
        """This year's pledged shares (A52, :func:`pledge_path`) from the start-year shares."""
        if self.start_year is None:
            raise ValueError("budget_rule.guideline_pull: deadline needs the world's start_year")
        year = self.start_year + state.steps
        return pledge_path(
            state.target, self.share0, year, self.start_year, self.params.pledge_deadline
        )

    def exposure(self, at_war: np.ndarray) -> np.ndarray:
        """The exposure ``W`` to the wars ``at_war`` each nation does not fight (A17)."""
        border, _, major = self.geography
        return war_exposure(at_war, border, major, self.params.war_range_km)

    def aggressor(self, at_war: np.ndarray) -> np.ndarray:
        """The exposure ``V`` to the aggressors of the wars ``at_war``: from the home base (A21)
        or on the capitals' distance only (``aggressor_exposure="capital"``, A50's M17)."""
        border, capital, major = self.geography
        p = self.params
        if p.aggressor_exposure == "capital":
            return aggressor_capital_exposure(at_war, capital, major, p.war_home_km)
        return aggressor_exposure(at_war, border, capital, major, p.war_range_km, p.war_home_km)

    def ratio(self, state: NationState) -> np.ndarray:
        """This year's threat ratio ``R`` on stocks or on spending (``params.threat_from``), over
        own plus allied or own means only (``params.threat_denominator``, A36)."""
        p = self.params
        commitment = self.commitment(state)
        support = state.support
        if p.threat_from == "capability" and p.tie_seasoning != "none":
            support = allied_capability(
                state.capability, state.support_reach, commitment, state.credibility
            )
        return self._ratio(
            state, p.threat_from, p.threat_denominator, state.share * state.gdp, commitment, support
        )

    @classmethod
    def _ratio(
        cls,
        state: NationState,
        source: str,
        denominator: str,
        spending: np.ndarray,
        commitment: np.ndarray,
        support: np.ndarray,
    ) -> np.ndarray:
        """The threat ratio of form ``source`` (``threat_from``) and ``denominator``
        (``threat_denominator``): with ``own`` (A36) the allied means are 0, so
        ``R = ln(1 + T / M)`` (or ``T / K``); ``support`` is the allied capability the
        ``capability`` form reads."""
        if source == "spending":
            if denominator == "own":
                commitment = np.zeros_like(np.asarray(commitment, dtype=float))
            support_reach = state.theatre_reach if denominator == "theatre" else None
            return cls._spending_ratio(spending, state, commitment, support_reach)
        if denominator == "theatre":  # M15 (A39): only the allies' land forces in the theatre
            support = allied_capability(
                state.capability, state.theatre_reach, commitment, state.credibility
            )
        allied = np.zeros(len(spending)) if denominator == "own" else support
        return threat_ratio(state.threat, state.capability, allied)

    def commitment(self, state: NationState) -> np.ndarray:
        """The tie weights the rule's allied means and spill-ins read: the ties' own, or seasoned
        by age (:func:`seasoned_commitment`, ``tie_seasoning="linear"``, A27)."""
        if self.params.tie_seasoning == "none":
            return state.ties.commitment
        ties = state.ties
        return seasoned_commitment(
            ties.commitment, ties.since, state.steps, self.params.seasoning_years
        )

    @staticmethod
    def _spending_ratio(
        spending: np.ndarray,
        state: NationState,
        commitment: np.ndarray,
        support_reach: np.ndarray | None = None,
    ) -> np.ndarray:
        """A11 (a)'s ratio on ``spending`` with the state's reach, hostility and credibility and
        the tie weights ``commitment``; allied spending projected by ``support_reach`` (the
        state's own unless given: M15's theatre reach)."""
        return spending_threat_ratio(
            spending,
            state.reach,
            state.support_reach if support_reach is None else support_reach,
            state.hostile,
            commitment,
            state.credibility,
        )

    def ratio_ref(self) -> np.ndarray:
        """The reference ``R_ref`` of the points form: ``R0`` when anchored, else 0."""
        return self.ratio0 if self.params.anchor else np.zeros(len(self.ratio0))

    def spill_ins(self, spending: np.ndarray, state: NationState) -> np.ndarray:
        """Spill-ins ``S`` from every ally or from the leader only (``params.spill_in``)."""
        w = self.commitment(state)
        if self.params.spill_in == "leader":
            return leader_spill_ins(spending, w, state.credibility, self.leader)
        return spill_ins(spending, w, state.credibility)

    def spill_change(self, state: NationState) -> np.ndarray:
        """This year's log change of spill-ins ``F``, each (N,): per unit of own income
        (:func:`relative_spill_in_change`, ``spill_in_scale="own_gdp"``) or in US$
        (:func:`spill_in_change`, ``"usd"``)."""
        spill = self.spill_ins(state.share * state.gdp, state)
        if self.params.spill_in_scale == "own_gdp":
            return relative_spill_in_change(
                spill, self.spill0, self.spending0, state.gdp, self.gdp0
            )
        return spill_in_change(spill, self.spill0, self.spending0)

    def _level(self, params: ThreatResponseV2Config, share0: np.ndarray) -> np.ndarray:
        """``b``: anchored (M4: ``s0 exp(-k R0)``; points form: ``s0``) or ``s_floor``."""
        if not params.anchor:
            return np.full(len(share0), params.s_floor)
        if params.threat_scale == "points":
            return np.maximum(share0, SHARE_EPS)
        return anchored_level(share0, params.k, self.ratio0)

    def shares(self, state: NationState) -> np.ndarray:
        p = self.params
        noise = draw_noise(state.rng, p.noise, len(self.level))
        spending = state.share * state.gdp
        ratio = self.ratio(state)
        change = self.spill_change(state)
        pull, target = p.p, state.target
        if p.guideline_pull == "threat":
            pull = p.p * guideline_weight(ratio, self.ratio0, self.target0)
        if p.guideline_pull == "deadline":
            target = self.pledged(state)
        if p.threat_scale == "points":
            desired = desired_share_points(
                self.level,
                p.k,
                ratio,
                self.ratio_ref(),
                p.s_floor,
                p.beta,
                change,
                pull,
                target,
                state.share,
            )
        else:
            desired = desired_share(
                self.level, p.k, ratio, p.beta, change, pull, target, state.share
            )
        if p.war_exposure == "theatre":
            ref = self.exposure0 if p.anchor else np.zeros(len(desired))
            desired = add_war_exposure(
                desired, p.war_k, p.s_floor, self.exposure(state.at_war), ref
            )
        if p.aggressor_exposure != "none":
            ref = self.aggressor0 if p.anchor else np.zeros(len(desired))
            desired = add_war_exposure(
                desired, p.war_k, p.s_floor, self.aggressor(state.at_war), ref
            )
        if p.conflict_exposure == "ucdp":
            ref = self.conflict0 if p.anchor else np.zeros(len(desired))
            year = self.start_year + state.steps
            desired = add_war_exposure(desired, 1.0, p.conflict_share, self.conflicts(year), ref)
        if p.conflict_exposure == "ucdp_near":
            ref = self.conflict0 if p.anchor else np.zeros(len(desired))
            rise = np.maximum(self.conflicts(self.start_year + state.steps) - ref, 0.0)
            desired = add_war_exposure(desired, 1.0, p.conflict_share, rise, np.zeros(len(rise)))
        war = war_share(spending, state.gdp, state.at_war, p.rho, 1.0)
        update = next_share(state.share, desired, war, p.eta, noise, 0.0, 1.0)
        self.mobilising = update.mobilising
        return update.share

    def change(self, params: ThreatResponseV2Config) -> None:
        """New values from the next year on; anchored levels and the leaders stay (they describe
        the start world); a new ``spill_in`` measures F against its own start-year spill-ins, a
        new ``threat_from`` R against its own start-year ratio, and a new ``threat_from`` or
        ``threat_scale`` takes its own anchored level of the start world; a new ``war_range_km``
        measures A17's exposure (and A21's, with ``war_home_km``) against the start world's wars
        at that range; a new ``threat_denominator`` (A36) R against its own start-year ratio."""
        form = (self.params.threat_from, self.params.threat_scale, self.params.threat_denominator)
        self.params = params
        self.exposure0, self.aggressor0 = self.exposure(self.at_war0), self.aggressor(self.at_war0)
        self.conflict0 = self.conflicts(self.start_year)
        self.spill0 = self.spill0_of[params.spill_in]
        self.ratio0 = self.ratio0_of[params.threat_from, params.threat_denominator]
        form_now = (params.threat_from, params.threat_scale, params.threat_denominator)
        if not params.anchor or form != form_now:
            self.level = self._level(params, self.share0)

    def reporters(self) -> Reporters:
        return {}
