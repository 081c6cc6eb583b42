"""The fixed budget rule: no decision, the no-response control (docs/MODEL.md, "Budgets")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules.base import BudgetRuleConfig, NationState, Reporters
from sim.rules.budget import draw_noise


@dataclass
class FixedBudgetConfig(BudgetRuleConfig):
    """Shares stay at their initial values (schedules still apply)."""

    name: str = "fixed"
    noise: float = 0.0


def fixed(share: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """No decision: ``s' = s + noise`` (the noise is zero by default)."""
    return share + noise


class FixedBudget:
    """The fixed rule: shares stay where they are."""

    Config = FixedBudgetConfig

    def __init__(self, params: FixedBudgetConfig, state: NationState) -> None:
        self.params = params

    def shares(self, state: NationState) -> np.ndarray:
        return fixed(state.share, draw_noise(state.rng, self.params.noise, len(state.iso3)))

    def change(self, params: FixedBudgetConfig) -> None:
        self.params = params

    def reporters(self) -> Reporters:
        return {}
