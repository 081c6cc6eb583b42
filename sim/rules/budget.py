"""Budget rules: how one nation sets next year's defence share of GDP.

Each rule is a pure function of one nation's :class:`BudgetInputs` and the rule's parameters,
returning the new share before bounds; the agent clips it to ``[share_min, share_max]``.
"""

from __future__ import annotations

from typing import NamedTuple

from sim.config import FixedBudgetConfig, RichardsonConfig, ThreatResponseConfig


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

    ``x_i(t+1) = x_i + dt (k sum_j h_ij x_j - a x_i + g)``: reaction to hostile nations' shares,
    fatigue and grievance. For two nations with ``h = 1`` the fixed point is
    ``x* = (b g + k h) / (a b - k l)``, stable iff ``a b > k l`` (Richardson, L. F. 1960, *Arms and
    Insecurity*).
    """
    return x.share + p.dt * (p.k * x.hostile_shares - p.a * x.share + p.g) + x.noise


def fixed(x: BudgetInputs, p: FixedBudgetConfig) -> float:
    """No decision: the share stays where it is (plus noise, zero by default)."""
    return x.share + x.noise


BUDGET_RULES = {"threat_response": threat_response, "richardson": richardson, "fixed": fixed}
