"""The threat-response budget rule: threat, free riding, fatigue and alliance pressure.

``s' = s + eta (k T/(T+K) - f A/(A+T+K) - a (s - s_floor) + p max(0, target - s)) + noise``

(docs/MODEL.md, "Submodels: budgets"). Pure functions on arrays of all nations, and the
component :class:`ThreatResponse` that owns the parameters and the anchored floors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.checks import check, nonneg
from sim.rules.base import BudgetRuleConfig, NationState, Reporters
from sim.rules.budget import BudgetInputs, budget_inputs, draw_noise


@dataclass
class ThreatResponseConfig(BudgetRuleConfig):
    """Threat response, free riding, fatigue and alliance pressure (docs/MODEL.md, "Budgets")."""

    name: str = "threat_response"
    eta: float = 0.5  #: share of the gap closed in a year
    k: float = 0.04  #: threat response (Walt 1987)
    f: float = 0.02  #: free riding on allied support (Olson & Zeckhauser 1966)
    a: float = 1.0  #: fatigue: pull back toward s_floor (guns versus butter)
    p: float = 0.3  #: alliance pressure toward the treaty guideline
    s_floor: float = 0.01  #: share with no threat, no allies, no guideline ...
    #: ... or, when true, each nation's own level: the floor that makes its start-year share a
    #: rest point of the rule
    anchor: bool = True

    def __post_init__(self) -> None:
        nonneg(self, "budget_rule", "eta", "k", "f", "a", "p", "s_floor", "noise")
        check(
            not self.anchor or self.a > 0, "budget_rule.a", "must be > 0 when anchor=true", self.a
        )
        check(
            self.eta <= 1.0, "budget_rule.eta", "must be <= 1 (a full step to the target)", self.eta
        )


def security_gap(x: BudgetInputs, p: ThreatResponseConfig) -> np.ndarray:
    """The pulls on each share other than fatigue.

    ``k T/(T+K) - f A/(A+T+K) + p max(0, target - s)`` (a term is 0 where its denominator is 0,
    and the pressure is 0 where a nation has no guideline).
    """
    denom_t = x.threat + x.capability
    threat_term = np.divide(x.threat, denom_t, out=np.zeros_like(denom_t), where=denom_t > 0)
    denom_a = x.support + x.threat + x.capability
    ride_term = np.divide(x.support, denom_a, out=np.zeros_like(denom_a), where=denom_a > 0)
    pressure = np.where(x.target > 0, np.maximum(x.target - x.share, 0.0), 0.0)
    return p.k * threat_term - p.f * ride_term + p.p * pressure


def threat_response(x: BudgetInputs, floor: np.ndarray, p: ThreatResponseConfig) -> np.ndarray:
    """Next year's shares, before the bounds.

    ``s + eta * (k T/(T+K) - f A/(A+T+K) - a (s - s_floor) + p max(0, target - s)) + noise``

    The four terms: threat response (Walt 1987, *The Origins of Alliances*), free riding on
    allies (Olson & Zeckhauser 1966, "An economic theory of alliances", *Rev. Econ. Stat.*
    48(3)), fatigue toward a floor (the guns-versus-butter pull), and alliance pressure toward
    the guideline. ``floor`` is ``s_floor`` for every nation, or each nation's anchored level
    (:func:`anchored_floor`).
    """
    change = security_gap(x, p) - p.a * (x.share - floor)
    return x.share + p.eta * change + x.noise


def anchored_floor(x: BudgetInputs, p: ThreatResponseConfig) -> np.ndarray:
    """The floors that make the observed start-year shares rest points of the rule.

    Solves ``security_gap(x) - a (s0 - floor) = 0``: ``floor = s0 - security_gap(x) / a``. The
    share a nation returns to absent changes in threat, support and pressure is then the one it
    was observed to choose, which carries what the model omits (geography, history, domestic
    politics), as a base-year calibration does. It uses only start-year data.
    """
    return x.share - security_gap(x, p) / p.a


class ThreatResponse:
    """The threat-response rule: its parameters and each nation's floor."""

    Config = ThreatResponseConfig

    def __init__(self, params: ThreatResponseConfig, state: NationState) -> None:
        self.params = params
        n = len(state.iso3)
        if params.anchor:
            self.floor = anchored_floor(budget_inputs(state, np.zeros(n)), params)
        else:
            self.floor = np.full(n, params.s_floor)

    def shares(self, state: NationState) -> np.ndarray:
        noise = draw_noise(state.rng, self.params.noise, len(self.floor))
        return threat_response(budget_inputs(state, noise), self.floor, self.params)

    def change(self, params: ThreatResponseConfig) -> None:
        """New values from the next year on; anchored floors stay (they describe the world)."""
        self.params = params
        if not params.anchor:
            self.floor = np.full(len(self.floor), params.s_floor)

    def reporters(self) -> Reporters:
        return {}
