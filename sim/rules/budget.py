"""Budget rules: how one nation sets next year's defence share of GDP.

Each rule is a pure function of one nation's :class:`BudgetInputs` and the rule's parameters,
returning the new share before bounds; the agent clips it to ``[share_min, share_max]``.
"""

from __future__ import annotations

import logging
import math
from typing import NamedTuple

import numpy as np

from sim.config import ConfigError, FixedBudgetConfig, RichardsonConfig, ThreatResponseConfig

_log = logging.getLogger(__name__)


class BudgetInputs(NamedTuple):
    """What a nation sees when it sets its budget (all for the current year)."""

    share: float  #: its own defence share of GDP
    capability: float  #: its own capability K_i
    threat: float  #: T_i
    support: float  #: allied support A_i
    target: float  #: its alliance guideline (0 when it has none)
    hostile_shares: float  #: sum_j h_ij s_j, hostility-weighted shares of the others
    floor: float  #: the share fatigue pulls toward (s_floor, or the nation's anchored level)
    noise: float  #: this year's draw, N(0, noise)
    #: Richardson coefficients of this nation (NaN: use the rule's global k, a, g)
    reaction: float = math.nan
    fatigue: float = math.nan
    grievance: float = math.nan


def security_gap(x: BudgetInputs, p: ThreatResponseConfig) -> float:
    """The pulls on a share other than fatigue.

    ``k T/(T+K) - f A/(A+T+K) + p max(0, target - s)``
    """
    denom_t = x.threat + x.capability
    threat_term = x.threat / denom_t if denom_t > 0 else 0.0
    denom_a = x.support + x.threat + x.capability
    ride_term = x.support / denom_a if denom_a > 0 else 0.0
    pressure = max(0.0, x.target - x.share) if x.target > 0 else 0.0
    return p.k * threat_term - p.f * ride_term + p.p * pressure


def threat_response(x: BudgetInputs, p: ThreatResponseConfig) -> float:
    """The security-gap rule of DESIGN.md, step 4.

    ``s + eta * (k T/(T+K) - f A/(A+T+K) - a (s - s_floor) + p max(0, target - s)) + noise``

    The four terms: threat response (Walt 1987), free riding on allies (Olson & Zeckhauser 1966,
    "An economic theory of alliances", *Rev. Econ. Stat.* 48(3)), fatigue toward a floor (the
    guns-versus-butter pull), and alliance pressure toward the guideline. ``s_floor`` is
    ``x.floor``: the rule's ``s_floor``, or each nation's anchored level (:func:`anchored_floor`).
    """
    change = security_gap(x, p) - p.a * (x.share - x.floor)
    return x.share + p.eta * change + x.noise


def anchored_floor(x: BudgetInputs, p: ThreatResponseConfig) -> float:
    """The floor that makes the observed start-year share a rest point of the rule.

    Solves ``security_gap(x) - a (s0 - floor) = 0``: ``floor = s0 - security_gap(x) / a``. The
    share a nation returns to absent changes in threat, support and pressure is then the one it
    was observed to choose, which carries what the model omits (geography, history, domestic
    politics), as a base-year calibration does. It uses only start-year data.
    """
    return x.share - security_gap(x, p) / p.a


def richardson(x: BudgetInputs, p: RichardsonConfig) -> float:
    """Richardson's action-reaction model in discrete time, for N nations.

    ``x_i(t+1) = x_i + dt (k_i sum_j h_ij x_j - a_i x_i + g_i) + noise``

    - ``k_i`` (reaction): how strongly i answers the shares of the nations hostile to it,
      weighted by the model's hostility ``h_ij`` in [0, 1] (0 between allies);
    - ``a_i`` (fatigue): the economic and political cost of arms, pulling the share to 0;
    - ``g_i`` (grievance): the standing motive to arm, in share of GDP per year.

    The per-nation values come in ``x.reaction``, ``x.fatigue``, ``x.grievance``
    (:func:`richardson_coefficients`); NaN falls back to the rule's global ``k``, ``a``, ``g``.
    For two nations with ``h = 1``, ``dx/dt = k y - a x + g`` and ``dy/dt = l x - b y + h``,
    the fixed point is ``x* = (b g + k h) / (a b - k l)``, stable iff ``a b > k l``
    (:func:`richardson_two_nation_equilibrium`); with ``a b < k l`` both shares run away to the
    bound ``model.share_max``. Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood.
    """
    k = p.k if math.isnan(x.reaction) else x.reaction
    a = p.a if math.isnan(x.fatigue) else x.fatigue
    g = p.g if math.isnan(x.grievance) else x.grievance
    return x.share + p.dt * (k * x.hostile_shares - a * x.share + g) + x.noise


class RichardsonCoefficients(NamedTuple):
    """Per-nation Richardson coefficients, one entry per nation row."""

    reaction: np.ndarray  #: k_i
    fatigue: np.ndarray  #: a_i
    grievance: np.ndarray  #: g_i


def richardson_coefficients(iso3: list[str], p: RichardsonConfig) -> RichardsonCoefficients:
    """The global ``k, a, g`` with the per-ISO3 overrides of ``reaction, fatigue, grievance``.

    Raises
    ------
    ConfigError
        when an override names a nation that is not in the world.
    """
    row = {code: i for i, code in enumerate(iso3)}
    out = []
    for key, default in (("reaction", p.k), ("fatigue", p.a), ("grievance", p.g)):
        values = np.full(len(iso3), float(default))
        for code, value in getattr(p, key).items():
            if code not in row:
                raise ConfigError(
                    f"budget_rule.{key}.{code}: not a nation of this world, got {code!r}"
                )
            values[row[code]] = float(value)
        out.append(values)
    return RichardsonCoefficients(*out)


class RichardsonStability(NamedTuple):
    """Stability of the linearised Richardson system at the given hostility."""

    continuous_growth: float  #: max real part of eig(J), J = diag(k) H - diag(a); < 0 stable
    discrete_radius: float  #: spectral radius of M = I + dt J; < 1 stable

    @property
    def continuous_stable(self) -> bool:
        return self.continuous_growth < 0

    @property
    def discrete_stable(self) -> bool:
        return self.discrete_radius < 1


def richardson_stability(
    coefficients: RichardsonCoefficients, hostility: np.ndarray, dt: float
) -> RichardsonStability:
    """Eigenvalues of the Richardson system ``dx/dt = J x + g`` and of its Euler map.

    ``J = diag(k) H - diag(a)``; the continuous system is stable iff every eigenvalue of J has
    a negative real part (for two nations with ``h = 1``: iff ``a b > k l``). The discrete map
    ``x <- M x + dt g`` with ``M = I + dt J`` is stable iff the spectral radius of M is below 1;
    a stable continuous system can still give an unstable map when ``dt`` is too large.
    """
    jac = coefficients.reaction[:, None] * hostility - np.diag(coefficients.fatigue)
    growth = float(np.linalg.eigvals(jac).real.max()) if len(jac) else -1.0
    step = np.eye(len(jac)) + dt * jac
    radius = float(np.abs(np.linalg.eigvals(step)).max()) if len(jac) else 0.0
    return RichardsonStability(growth, radius)


def check_richardson(
    coefficients: RichardsonCoefficients, hostility: np.ndarray, p: RichardsonConfig
) -> RichardsonStability:
    """Refuse coefficients whose discrete map is unstable where the continuous one is not.

    A continuous system that is itself unstable (an arms race, ``a b < k l``) is the model's
    prediction, not an error: it is logged as a warning (shares run away to the bound).

    Raises
    ------
    ConfigError
        naming ``budget_rule.dt`` (and the fatigue and reaction keys) when the Euler map's
        spectral radius is >= 1 although every continuous eigenvalue is negative.
    """
    st = richardson_stability(coefficients, hostility, p.dt)
    if st.continuous_stable and not st.discrete_stable:
        raise ConfigError(
            f"budget_rule.dt: with budget_rule.a/fatigue and budget_rule.k/reaction as set, the "
            f"discrete map x <- (I + dt J) x + dt g has spectral radius {st.discrete_radius:.3g} "
            f">= 1 although the continuous system is stable (max Re eig J = "
            f"{st.continuous_growth:.3g}); lower budget_rule.dt, got {p.dt!r}"
        )
    if not st.continuous_stable:
        _log.warning(
            "budget_rule=richardson: reaction outweighs fatigue (max Re eig J = %.3g >= 0, "
            "a b < k l for two nations): shares will run away to model.share_max",
            st.continuous_growth,
        )
    return st


class TwoNationEquilibrium(NamedTuple):
    """Richardson's closed form for two nations."""

    x: float  #: x* = (b g + k h) / (a b - k l)
    y: float  #: y* = (a h + l g) / (a b - k l)
    stable: bool  #: a b > k l


def richardson_two_nation_equilibrium(
    k: float,
    l: float,  # noqa: E741 (Richardson's own letter)
    a: float,
    b: float,
    g: float,
    h: float,
) -> TwoNationEquilibrium:
    """Fixed point of ``dx/dt = k y - a x + g``, ``dy/dt = l x - b y + h`` (Richardson 1960)."""
    det = a * b - k * l
    if det == 0:
        return TwoNationEquilibrium(math.inf, math.inf, False)
    return TwoNationEquilibrium((b * g + k * h) / det, (a * h + l * g) / det, det > 0)


def fixed(x: BudgetInputs, p: FixedBudgetConfig) -> float:
    """No decision: the share stays where it is (plus noise, zero by default)."""
    return x.share + x.noise


BUDGET_RULES = {"threat_response": threat_response, "richardson": richardson, "fixed": fixed}
