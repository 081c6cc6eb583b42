"""What a rule is: its config base class, the model state it reads, and the calls it answers.

A rule is a component (Starsim's modules, BenchMARL's configs): a small class built from its
config group that owns its parameters and its state, with the mechanism in pure functions on
arrays beside it. The model calls a budget rule's :meth:`BudgetRule.shares` in step 4 and an
alliance rule's :meth:`AllianceRule.revise` in step 5 (docs/MODEL.md, "Process overview and
scheduling"), and adds the columns of :meth:`reporters` to ``world.parquet``; it never asks a
rule its name. Adding a rule is one module (config dataclass + component + pure functions), one
YAML file in ``configs/<group>/`` and one entry in :mod:`sim.rules`' registries.

This module imports neither Mesa nor Hydra: a rule is testable on a three-nation world by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

from sim.checks import nonneg
from sim.errors import ConfigError

if TYPE_CHECKING:
    from sim.ties import Ties

#: OmegaConf's marker for a value that must be chosen (``???`` in YAML)
MISSING: Any = "???"

Reporters = dict[str, Callable[[], float]]


@dataclass
class BudgetRuleConfig:
    """Base of the ``budget_rule`` group: ``name`` selects the rule."""

    name: str = MISSING
    #: standard deviation of the yearly share noise (fraction of GDP)
    noise: float = 0.001

    def __post_init__(self) -> None:
        nonneg(self, "budget_rule", "noise")


@dataclass
class AllianceRuleConfig:
    """Base of the ``alliance_rule`` group: ``name`` selects the rule."""

    name: str = MISSING


class NationState(Protocol):
    """The model state a rule reads (one row per nation; pairwise arrays are (N, N)).

    :class:`sim.model.AllianceModel` is one; a test can pass any object with these attributes.
    """

    iso3: list[str]
    steps: int
    rng: np.random.Generator
    gdp: np.ndarray
    share: np.ndarray
    capability: np.ndarray
    threat: np.ndarray
    support: np.ndarray
    credibility: np.ndarray
    target: np.ndarray
    regime: np.ndarray
    similarity: np.ndarray
    hostile: np.ndarray
    baseline_hostility: np.ndarray
    reach: np.ndarray
    support_reach: np.ndarray
    #: the land component ``L`` of the support reach (M15, A39's ``threat_denominator=theatre``)
    theatre_reach: np.ndarray
    at_war: np.ndarray
    major: np.ndarray
    border_km: np.ndarray
    capital_km: np.ndarray
    ties: Ties
    #: the world's year (step 0); read by A32's conflicts only, with ``conflict_exposure=ucdp``
    start_year: int

    def raise_hostility(self, rows_a: list[int], rows_b: list[int], level: float) -> None: ...

    def conflict_years(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The conflict-years A32's term reads (years, side A's and B's ISO3, intensities)."""
        ...


class BudgetRule(Protocol):
    """How every nation sets next year's defence share, all nations at once."""

    Config: ClassVar[type[BudgetRuleConfig]]
    params: BudgetRuleConfig

    def __init__(self, params: Any, state: NationState) -> None:
        """Build the rule's state from the start-year world (e.g. anchored floors)."""

    def shares(self, state: NationState) -> np.ndarray:
        """(N,) shares of GDP for next year before the bounds, drawing noise from ``state.rng``."""

    def change(self, params: Any) -> None:
        """Use ``params`` (same rule, new values) from the next year on."""

    def reporters(self) -> Reporters:
        """Extra ``world.parquet`` columns: name -> a function of no arguments."""


class AllianceRule(Protocol):
    """How ties form and dissolve each year (through ``state.ties``)."""

    Config: ClassVar[type[AllianceRuleConfig]]
    params: AllianceRuleConfig

    def __init__(self, params: Any, state: NationState) -> None:
        """Build the rule's state from the start-year world and its seeded treaty ties."""

    def revise(self, state: NationState) -> None:
        """Step 5: form and dissolve this year's ties with ``state.ties.form``/``dissolve``."""

    def reporters(self) -> Reporters:
        """Extra ``world.parquet`` columns: name -> a function of no arguments."""


class Registry:
    """The rules of one config group, by name: ``registry[name]`` is the component class.

    A rule's name is its config's ``name`` default (``ThreatResponseConfig.name``).
    """

    def __init__(self, group: str, rules: Iterable[type] = ()) -> None:
        self.group = group
        self._rules: dict[str, type] = {}
        for rule in rules:
            self.register(rule)

    def register(self, rule: type) -> type:
        """Add ``rule`` (a class with a ``Config`` dataclass); returns it, so it can decorate."""
        name = rule.Config.name
        if not isinstance(name, str) or name == MISSING:
            raise TypeError(f"{rule.__name__}.Config must give `name` a default")
        self._rules[name] = rule
        return rule

    def unregister(self, name: str) -> None:
        """Remove the rule called ``name`` (tests that registered a toy rule)."""
        self._rules.pop(name, None)

    def __getitem__(self, name: str) -> type:
        if name not in self._rules:
            raise ConfigError(
                f"{self.group}.name: unknown rule {name!r}; available: {', '.join(self._rules)}"
            )
        return self._rules[name]

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def configs(self) -> dict[str, type]:
        """name -> config dataclass, for the ConfigStore and :func:`sim.config.to_config`."""
        return {name: rule.Config for name, rule in self._rules.items()}

    def build(self, params: Any, state: NationState) -> Any:
        """The component for ``params`` (its ``name`` picks the class)."""
        return self[params.name](params, state)
