"""Richardson's action-reaction budget rule, for N nations in discrete time.

``x_i(t+1) = x_i + dt (k_i sum_j h_ij x_j - a_i x_i + g_i) + noise``

Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood (docs/MODEL.md, "Submodels: budgets").
Pure functions on arrays, and the component :class:`Richardson` that owns the parameters and
the per-nation coefficients.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sim.checks import check, finite, nonneg, positive
from sim.errors import ConfigError
from sim.rules.base import BudgetRuleConfig, NationState, Reporters
from sim.rules.budget import draw_noise

_log = logging.getLogger(__name__)


@dataclass
class RichardsonConfig(BudgetRuleConfig):
    """Richardson's action-reaction model for N nations, in discrete time.

    ``x_i(t+1) = x_i + dt * (k_i * sum_j h_ij x_j - a_i * x_i + g_i)`` with x the share of GDP
    and h the model's hostility matrix. ``k``, ``a``, ``g`` are the defaults for every nation;
    ``reaction``, ``fatigue``, ``grievance`` override them per ISO3 code (unknown codes are an
    error when the model is built). ``dt * a_i`` must stay below 2, or the discrete map
    overshoots more each year (``|1 - dt a| > 1``) even though the continuous model is stable.
    """

    name: str = "richardson"
    #: reaction to hostile nations' shares (per year). It multiplies a sum over every hostile
    #: nation, and the security dilemma raises hostility while nations arm, so the hostility
    #: matrix H of a run is not the start's: stability must hold for any H in [0, 1]. By
    #: Gershgorin's circle theorem every eigenvalue of J = k H - a I then has real part
    #: <= k (N - 1) - a, and those of the Euler map modulus <= |1 - dt a| + dt k (N - 1): with
    #: a = 0.5, dt = 1, k = 0.003 both hold (< 0, < 1) on worlds of up to 167 nations. 0.3 (the
    #: old default) and 0.02 (stable at the start's H, rho(H) ~ 14) both ran every nation to
    #: model.share_max once the dilemma raised H (issue 13)
    k: float = 0.003
    a: float = 0.5  #: fatigue: cost of arms pulling the share to 0 (per year)
    g: float = 0.005  #: grievance: standing motive to arm (share of GDP per year)
    dt: float = 1.0  #: years per step of the Euler map (a step is a year)
    #: per-nation overrides, ISO3 -> value, of k (reaction), a (fatigue) and g (grievance)
    reaction: dict[str, float] = field(default_factory=dict)
    fatigue: dict[str, float] = field(default_factory=dict)
    grievance: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        nonneg(self, "budget_rule", "k", "a", "g", "noise")
        positive(self, "budget_rule", "dt")
        for key in ("reaction", "fatigue", "grievance"):
            for code, value in getattr(self, key).items():
                finite(f"budget_rule.{key}.{code}", value)
                check(value >= 0, f"budget_rule.{key}.{code}", "must be >= 0", value)
        for key, value in [("a", self.a)] + [(f"fatigue.{c}", v) for c, v in self.fatigue.items()]:
            check(
                self.dt * value < 2.0,
                f"budget_rule.{key}",
                f"dt * a = {self.dt * value:g} makes the discrete map unstable "
                "(|1 - dt*a| >= 1, the share overshoots further each year); "
                "lower budget_rule.dt or the fatigue",
                value,
            )


class RichardsonCoefficients(NamedTuple):
    """Per-nation Richardson coefficients, one entry per nation row."""

    reaction: np.ndarray  #: k_i
    fatigue: np.ndarray  #: a_i
    grievance: np.ndarray  #: g_i


def richardson(
    share: np.ndarray,
    hostile_shares: np.ndarray,
    c: RichardsonCoefficients,
    dt: float,
    noise: np.ndarray,
) -> np.ndarray:
    """Richardson's action-reaction model in discrete time, for N nations.

    ``x_i(t+1) = x_i + dt (k_i sum_j h_ij x_j - a_i x_i + g_i) + noise_i``

    - ``k_i`` (reaction): how strongly i answers the shares of the nations hostile to it,
      weighted by the model's hostility ``h_ij`` in [0, 1] (0 between allies);
      ``hostile_shares`` is ``sum_j h_ij x_j``;
    - ``a_i`` (fatigue): the economic and political cost of arms, pulling the share to 0;
    - ``g_i`` (grievance): the standing motive to arm, in share of GDP per year.

    For two nations with ``h = 1``, ``dx/dt = k y - a x + g`` and ``dy/dt = l x - b y + h``,
    the fixed point is ``x* = (b g + k h) / (a b - k l)``, stable iff ``a b > k l``
    (:func:`richardson_two_nation_equilibrium`); with ``a b < k l`` both shares run away to the
    bound ``model.share_max``. Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood.
    """
    return share + dt * (c.reaction * hostile_shares - c.fatigue * share + c.grievance) + noise


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


class Richardson:
    """The Richardson rule: its parameters and each nation's ``k_i, a_i, g_i``.

    Built after the start-year hostility is known, which :func:`check_richardson` needs.
    """

    Config = RichardsonConfig

    def __init__(self, params: RichardsonConfig, state: NationState) -> None:
        self.change(params, state.iso3, state.hostile)

    def shares(self, state: NationState) -> np.ndarray:
        noise = draw_noise(state.rng, self.params.noise, len(state.iso3))
        hostile_shares = state.hostile @ state.share
        return richardson(state.share, hostile_shares, self.coefficients, self.params.dt, noise)

    def change(
        self,
        params: RichardsonConfig,
        iso3: list[str] | None = None,
        hostile: np.ndarray | None = None,
    ) -> None:
        """New values from the next year on (coefficients checked at the start-year hostility)."""
        self.params = params
        if iso3 is not None:
            self._iso3, self._hostile = iso3, hostile
        self.coefficients = richardson_coefficients(self._iso3, params)
        check_richardson(self.coefficients, self._hostile, params)

    def reporters(self) -> Reporters:
        return {}
