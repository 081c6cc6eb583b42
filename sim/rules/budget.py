"""What every budget rule sees: the year's inputs for all nations, as arrays.

A budget rule (:class:`sim.rules.base.BudgetRule`) maps these to next year's shares before the
bounds; the model then applies the scenario's schedules and clips to
``[model.share_min, model.share_max]`` (docs/MODEL.md, "Budgets").
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.rules.base import NationState


class BudgetInputs(NamedTuple):
    """What the nations see when they set their budgets (all (N,), for the current year)."""

    share: np.ndarray  #: own defence share of GDP, s_i
    capability: np.ndarray  #: own capability K_i
    threat: np.ndarray  #: T_i
    support: np.ndarray  #: allied support A_i
    target: np.ndarray  #: alliance guideline (0 where a nation has none)
    noise: np.ndarray  #: this year's draws, N(0, noise)


def budget_inputs(state: NationState, noise: np.ndarray) -> BudgetInputs:
    """The inputs of ``state`` for this year, with ``noise``."""
    return BudgetInputs(
        state.share, state.capability, state.threat, state.support, state.target, noise
    )


def draw_noise(rng: np.random.Generator, sigma: float, n: int) -> np.ndarray:
    """This year's share noise ``N(0, sigma)`` for ``n`` nations; no draw when ``sigma`` is 0."""
    return rng.normal(0.0, sigma, n) if sigma > 0 else np.zeros(n)
