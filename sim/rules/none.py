"""The ``none`` alliance rule: ties never change (docs/MODEL.md, "Submodels: alliances")."""

from __future__ import annotations

from dataclasses import dataclass

from sim.rules.base import AllianceRuleConfig, NationState, Reporters


@dataclass
class NoAllianceConfig(AllianceRuleConfig):
    """Ties never change: the seeded treaties stay as they are."""

    name: str = "none"


class NoAlliances:
    """The seeded treaty ties stay as they are."""

    Config = NoAllianceConfig

    def __init__(self, params: NoAllianceConfig, state: NationState) -> None:
        self.params = params

    def revise(self, state: NationState) -> None:
        """Nothing changes."""

    def reporters(self) -> Reporters:
        return {}
