"""NationAgent: one nation, its state and its budget decision.

The state lives in the model's arrays (one row per nation, so the pairwise work stays in numpy);
an agent reads and writes its own row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model import AllianceModel


class NationAgent(mesa.Agent):
    """A nation: GDP, defence share, capability, and its ties in the alliance graph."""

    model: AllianceModel

    def __init__(self, model: AllianceModel, row: int, iso3: str, name: str, major_power: bool):
        super().__init__(model)
        self.row = row
        self.iso3 = iso3
        self.name = name
        self.major_power = major_power

    @property
    def gdp(self) -> float:
        return float(self.model.gdp[self.row])

    @property
    def share(self) -> float:
        return float(self.model.share[self.row])

    @property
    def milex(self) -> float:
        return self.gdp * self.share

    @property
    def capability(self) -> float:
        return float(self.model.capability[self.row])

    @property
    def threat(self) -> float:
        return float(self.model.threat[self.row])

    @property
    def allied_support(self) -> float:
        return float(self.model.support[self.row])

    @property
    def allies(self) -> list[str]:
        return sorted(self.model.graph.neighbors(self.iso3))

    def set_budget(self) -> None:
        """Choose next year's share: follow a schedule if on one, else apply the budget rule."""
        m = self.model
        share = m.scheduled.get(self.row)
        if share is None:
            share = m.budget_rule(m.budget_inputs[self.row], m.budget_params)
        m.share[self.row] = min(max(share, m.params.share_min), m.params.share_max)

    def __repr__(self) -> str:
        return f"NationAgent({self.iso3}, share={self.share:.4f})"
