"""NationAgent: one nation, a view on its row of the model's arrays.

The state lives in the model's arrays (one row per nation, so the pairwise work and the budget
rule run on all nations at once in numpy); an agent reads its own row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import AllianceModel


class NationAgent(mesa.Agent):
    """A nation: GDP, defence share, capability, threat, support and its allies."""

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
        """ISO3 codes of its allies, sorted."""
        rows = np.flatnonzero(self.model.ties.allied[self.row])
        return sorted(self.model.iso3[j] for j in rows)

    def is_allied_with(self, other: NationAgent) -> bool:
        """Whether it has a tie with ``other``."""
        return bool(self.model.ties.allied[self.row, other.row])

    def follows_schedule(self) -> bool:
        """Whether its share follows a scenario's schedule this year (not the budget rule)."""
        return self.row in self.model.scheduled

    def __repr__(self) -> str:
        return f"NationAgent({self.iso3}, share={self.share:.4f})"
