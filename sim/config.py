"""Typed configuration: one dataclass per config group, registered in Hydra's ConfigStore.

The YAML files under ``configs/`` are validated against these classes when Hydra composes them,
so a misspelt key or a wrong type fails at compose time with the key named. Ranges are checked in
``__post_init__``, which runs when :func:`to_config` turns the composed tree into these objects.
The same dataclasses are plain Python values: :class:`sim.model.AllianceModel` takes them
without Hydra.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.experimental.callback import Callback
from omegaconf import MISSING, DictConfig, OmegaConf

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"


class ConfigError(ValueError):
    """A config value is out of range or inconsistent; the message names the key."""


def _check(ok: bool, key: str, message: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"{key}: {message}, got {value!r}")


def _nonneg(obj: Any, prefix: str, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        _check(value >= 0, f"{prefix}.{name}", "must be >= 0", value)


# ----------------------------------------------------------------------------- world


@dataclass
class WorldConfig:
    """Which nations: a shipped snapshot (``today``, ``y2014``), ``synthetic`` or ``custom``."""

    name: str = MISSING
    #: nations CSV for ``custom`` (columns in the README); ignored otherwise
    path: str | None = None
    #: treaties CSV for ``custom`` (``treaty, iso3[, target_share, review_period]``)
    treaties: str | None = None
    #: number of nations for ``synthetic``
    n: int = 60
    #: first simulated year (defaults to the snapshot's year; 2024 for synthetic worlds)
    start_year: int | None = None
    #: configured rivalries: "ISO-ISO" (or a treaty name for its members) -> baseline hostility
    rivalries: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = ("today", "y2014", "synthetic", "custom")
        _check(self.name in kinds, "world.name", f"must be one of {', '.join(kinds)}", self.name)
        _check(2 <= self.n <= 26**3, "world.n", f"must be in [2, {26**3}]", self.n)
        if self.name == "custom":
            _check(self.path is not None, "world.path", "is required for world=custom", self.path)
        for pair, h in self.rivalries.items():
            parts = pair.split("-")
            _check(
                len(parts) == 2 and all(parts),
                f"world.rivalries.{pair}",
                "keys must be two ISO3 codes or treaty names joined by '-'",
                pair,
            )
            _check(0.0 <= h <= 1.0, f"world.rivalries.{pair}", "must be in [0, 1]", h)


# ----------------------------------------------------------------------------- model


@dataclass
class ModelConfig:
    """Parameters shared by every rule: time, economy, geography of threat, hostility, ties."""

    #: years to simulate (one step is one year)
    steps: int = 30
    #: record the nation table every k steps (the last step is always recorded)
    record_every: int = 1
    #: lower and upper bounds of a defence share of GDP (fractions)
    share_min: float = 0.0
    share_max: float = 0.4
    #: capability depreciation per year, delta in K(t+1) = (1 - delta) K(t) + s Y
    depreciation: float = 0.08
    #: guns versus butter: growth falls by growth_drag * (s - reference_share) above the reference
    reference_share: float = 0.03
    growth_drag: float = 0.2
    #: loss-of-strength gradient for threat, phi(d) = exp(-d / threat_range_km)
    threat_range_km: float = 2500.0
    #: the gradient of a major power, which projects its strength worldwide (threat and support)
    major_range_km: float = 8000.0
    #: the same gradient for allied support (projection to allies reaches further)
    support_range_km: float = 8000.0
    #: baseline hostility from regime distance: h = regime_hostility * |r_i - r_j| / 2
    regime_hostility: float = 0.3
    #: security dilemma: hostility toward j rises by this times j's capability growth above normal
    dilemma: float = 2.0
    normal_arming: float = 0.03
    #: guideline used to judge credibility where a tie has no treaty target
    default_target: float = 0.02
    #: modularity resolution of the bloc detection (below 1: larger, camp-sized blocs)
    bloc_resolution: float = 0.5


# ----------------------------------------------------------------------------- budget rules


@dataclass
class BudgetRuleConfig:
    """Base of the ``budget_rule`` group: ``name`` selects the rule."""

    name: str = MISSING
    #: standard deviation of the yearly share noise (fraction of GDP)
    noise: float = 0.001


@dataclass
class ThreatResponseConfig(BudgetRuleConfig):
    """DESIGN.md step 4: threat response, free riding, fatigue, alliance pressure."""

    name: str = "threat_response"
    eta: float = 0.5  # speed of adjustment per year
    k: float = 0.04  # threat response
    f: float = 0.02  # free riding on allies (Olson & Zeckhauser)
    a: float = 1.0  # fatigue, pull back toward s_floor
    p: float = 0.3  # alliance pressure toward the guideline
    s_floor: float = 0.01  # share a nation drifts to with no threat and no allies
    #: calibrate each nation's floor so that its start-year share is a rest point of the rule
    anchor: bool = True

    def __post_init__(self) -> None:
        _nonneg(self, "budget_rule", "eta", "k", "f", "a", "p", "s_floor", "noise")
        _check(
            not self.anchor or self.a > 0, "budget_rule.a", "must be > 0 when anchor=true", self.a
        )
        _check(
            self.eta <= 1.0, "budget_rule.eta", "must be <= 1 (a full step to the target)", self.eta
        )


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
    k: float = 0.3  # reaction to hostile nations' shares
    a: float = 0.5  # fatigue
    g: float = 0.005  # grievance (share of GDP per year)
    dt: float = 1.0
    #: per-nation overrides, ISO3 -> value, of k (reaction), a (fatigue) and g (grievance)
    reaction: dict[str, float] = field(default_factory=dict)
    fatigue: dict[str, float] = field(default_factory=dict)
    grievance: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _nonneg(self, "budget_rule", "k", "a", "g", "noise")
        _check(self.dt > 0, "budget_rule.dt", "must be > 0", self.dt)
        for key in ("reaction", "fatigue", "grievance"):
            for code, value in getattr(self, key).items():
                _check(value >= 0, f"budget_rule.{key}.{code}", "must be >= 0", value)
        for key, value in [("a", self.a)] + [(f"fatigue.{c}", v) for c, v in self.fatigue.items()]:
            _check(
                self.dt * value < 2.0,
                f"budget_rule.{key}",
                f"dt * a = {self.dt * value:g} makes the discrete map unstable "
                "(|1 - dt*a| >= 1, the share overshoots further each year); "
                "lower budget_rule.dt or the fatigue",
                value,
            )


@dataclass
class FixedBudgetConfig(BudgetRuleConfig):
    """Shares stay at their initial values (schedules still apply)."""

    name: str = "fixed"
    noise: float = 0.0


# ----------------------------------------------------------------------------- alliance rules


@dataclass
class AllianceRuleConfig:
    """Base of the ``alliance_rule`` group: ``name`` selects the rule."""

    name: str = MISSING


def _check_tie_terms(rule: Any) -> None:
    """The terms a rule sets on the ties it forms and dissolves (utility and landscape)."""
    for key in ("patience", "treaty_patience", "review_period"):
        _check(getattr(rule, key) >= 1, f"alliance_rule.{key}", "must be >= 1", getattr(rule, key))
    _check(
        0.0 < rule.new_tie_weight <= 1.0,
        "alliance_rule.new_tie_weight",
        "must be in (0, 1]",
        rule.new_tie_weight,
    )


@dataclass
class UtilityConfig(AllianceRuleConfig):
    """DESIGN.md step 5: ties by mutual consent, dissolution with hysteresis."""

    name: str = "utility"
    b_sec: float = 1.0  # weight of security gained
    b_ent: float = 0.5  # weight of entrapment
    b_aff: float = 0.3  # weight of affinity (regime similarity, shared main threat)
    cost: float = 0.2  # cost of a tie
    form_threshold: float = 0.0  # both utilities above this to form
    break_threshold: float = -0.15  # a tie is under strain while a utility is below this
    max_new_ties: int = 2  # per step
    patience: int = 3  # consecutive strained years before a tie dissolves at review
    treaty_patience: int = 8  # the same for treaty ties (stickier)
    treaty_bonus: float = 0.2  # extra value of a treaty tie when judging strain
    free_ride_tolerance: float = 0.01  # partner below its pledge by more than this is strain
    review_period: int = 2  # years between reviews of a tie formed in the run
    new_tie_weight: float = 0.5  # commitment of a tie formed in the run (treaties: 1)
    max_hostility: float = 0.5  # no tie with a nation this hostile
    bandwagon: float = 0.05  # yearly propensity of a weak isolated state to join its threat
    weak_share: float = 0.02  # "weak": capability below this share of the world's

    def __post_init__(self) -> None:
        _nonneg(
            self,
            "alliance_rule",
            "b_sec",
            "b_ent",
            "b_aff",
            "cost",
            "max_new_ties",
            "treaty_bonus",
            "free_ride_tolerance",
        )
        _check_tie_terms(self)
        _check(
            self.break_threshold <= self.form_threshold,
            "alliance_rule.break_threshold",
            "must be <= alliance_rule.form_threshold (hysteresis)",
            self.break_threshold,
        )
        _check(
            0.0 <= self.bandwagon <= 1.0,
            "alliance_rule.bandwagon",
            "must be in [0, 1]",
            self.bandwagon,
        )


@dataclass
class LandscapeConfig(AllianceRuleConfig):
    """Axelrod & Bennett (1993): two coalitions of least frustration energy, turned into ties.

    Each year the least-energy two-coalition configuration is found (exact up to ``exact_max``
    nations, single-actor-switch local search beyond). Ties between nations in opposite
    coalitions dissolve after ``patience`` (treaty ties ``treaty_patience``) consecutive years
    apart; pairs in the same coalition with propensity >= ``form_propensity`` form ties, the
    largest stake ``s_i s_j p_ij`` first, at most ``max_new_ties`` a year.
    """

    name: str = "landscape"
    #: a propensity matrix CSV (ISO3 header and index); empty: the formula below
    propensity: str | None = None
    #: p_ij = regime_weight (1 - |r_i - r_j|) - hostility_weight h_ij + treaty_weight T_ij
    regime_weight: float = 0.5
    hostility_weight: float = 1.0
    treaty_weight: float = 0.5
    exact_max: int = 20  # exact enumeration up to this many nations
    restarts: int = 8  # random starts of the local search (plus last year's alignment)
    form_propensity: float = 0.3  # minimum p_ij for a tie inside a coalition
    max_new_ties: int = 2  # per year
    patience: int = 1  # years apart before a tie formed in the run dissolves
    treaty_patience: int = 3  # the same for treaty ties
    new_tie_weight: float = 0.5  # commitment of a tie formed in the run (treaties: 1)
    review_period: int = 2  # review period recorded on a tie formed in the run

    def __post_init__(self) -> None:
        _nonneg(
            self,
            "alliance_rule",
            "regime_weight",
            "hostility_weight",
            "treaty_weight",
            "restarts",
            "max_new_ties",
        )
        _check(
            1 <= self.exact_max <= 26,
            "alliance_rule.exact_max",
            "must be in [1, 26] (2^(n-1) configurations are enumerated)",
            self.exact_max,
        )
        _check_tie_terms(self)


@dataclass
class BalanceConfig(AllianceRuleConfig):
    """Structural balance: a signed graph (ties +, rivalries -) repaired by triad dynamics.

    Each year up to ``max_updates`` imbalanced triads are repaired by constrained triad
    dynamics (Antal, Krapivsky & Redner 2005); a link turning + forms a tie, a tie turning -
    dissolves and the pair's baseline hostility rises to ``hostile_threshold``.
    """

    name: str = "balance"
    #: a non-allied pair whose baseline hostility (either way) is at least this is negative
    hostile_threshold: float = 0.5
    #: imbalanced triads examined per year (the step cap)
    max_updates: int = 200
    new_tie_weight: float = 0.5  # commitment of a tie formed by balance (treaties: 1)
    review_period: int = 2  # review period recorded on a tie formed in the run

    def __post_init__(self) -> None:
        _check(
            0.0 < self.hostile_threshold <= 1.0,
            "alliance_rule.hostile_threshold",
            "must be in (0, 1]",
            self.hostile_threshold,
        )
        _check(self.max_updates >= 0, "alliance_rule.max_updates", "must be >= 0", self.max_updates)
        _check(
            self.review_period >= 1,
            "alliance_rule.review_period",
            "must be >= 1",
            self.review_period,
        )
        _check(
            0.0 < self.new_tie_weight <= 1.0,
            "alliance_rule.new_tie_weight",
            "must be in (0, 1]",
            self.new_tie_weight,
        )


@dataclass
class NoAllianceConfig(AllianceRuleConfig):
    """Ties never change: the seeded treaties stay as they are."""

    name: str = "none"


# ----------------------------------------------------------------------------- scenario


@dataclass
class ScheduleConfig:
    """A spending path a nation follows instead of deciding its budget.

    ``to_share``: the share moves linearly from its start value to this over ``years``.
    ``factor``: the same, to ``factor`` times the start value.
    ``growth``: spending (US$) grows by this fraction a year, from ``start``.
    Exactly one of the three is set. After the path ends the nation holds its last share.
    """

    iso3: str = MISSING
    start: int = 0
    years: int = 10
    to_share: float | None = None
    factor: float | None = None
    growth: float | None = None


@dataclass
class ShockConfig:
    """A one-off change at ``step``: a GDP level shock or a hostility shock.

    ``kind=gdp``: the GDP of ``iso3`` is multiplied by ``value``.
    ``kind=hostility``: the baseline hostility between ``iso3`` and each of ``against`` (ISO3
    codes or treaty names) becomes at least ``value``, both ways.
    """

    step: int = MISSING
    kind: str = MISSING
    iso3: str = MISSING
    value: float = MISSING
    against: list[str] = field(default_factory=list)


@dataclass
class ScenarioConfig:
    """Schedules and shocks applied in step 1 of every year, and changes of the budget rule.

    ``budget_changes`` maps parameters of the active budget rule to the values they take from
    the first year on, after the start-year calibration (the anchored floors) used the rule as
    configured: a policy change, not a different world (e.g. ``{p: 3.0}``, stronger alliance
    pressure). A key the active rule lacks is a :class:`ConfigError` naming it.
    :class:`sim.model.AllianceModel` applies them when it is built (:func:`scenario_budget_rule`).
    """

    name: str = MISSING
    description: str = ""
    schedules: list[ScheduleConfig] = field(default_factory=list)
    shocks: list[ShockConfig] = field(default_factory=list)
    budget_changes: dict[str, float] = field(default_factory=dict)


def scenario_budget_rule(scenario: ScenarioConfig, rule: BudgetRuleConfig) -> BudgetRuleConfig:
    """The budget rule in force from the first year: ``rule`` with ``scenario.budget_changes``.

    Raises
    ------
    ConfigError
        naming ``scenario.budget_changes.<key>`` when the rule has no such parameter or the
        changed value is out of range.
    """
    if not scenario.budget_changes:
        return rule
    known = [f.name for f in fields(rule) if f.type in (float, "float")]
    for key in scenario.budget_changes:
        if key not in known:
            raise ConfigError(
                f"scenario.budget_changes.{key}: budget_rule={rule.name} has no numeric "
                f"parameter {key!r} (it has: {', '.join(known)}); this scenario needs a rule "
                "that has it"
            )
    try:
        return replace(rule, **scenario.budget_changes)
    except ConfigError as exc:
        raise ConfigError(f"scenario.budget_changes: {exc}") from None


def _check_scenario(scenario: ScenarioConfig) -> None:
    for n, s in enumerate(scenario.schedules):
        key = f"scenario.schedules[{n}]"
        chosen = [x for x in ("to_share", "factor", "growth") if getattr(s, x) is not None]
        _check(len(chosen) == 1, key, "set exactly one of to_share, factor, growth", chosen)
        _check(s.start >= 0, f"{key}.start", "must be >= 0", s.start)
        _check(s.years >= 1, f"{key}.years", "must be >= 1", s.years)
        if s.to_share is not None:
            _check(0 <= s.to_share <= 1, f"{key}.to_share", "must be in [0, 1]", s.to_share)
        if s.factor is not None:
            _check(s.factor >= 0, f"{key}.factor", "must be >= 0", s.factor)
        if s.growth is not None:
            _check(s.growth > -1, f"{key}.growth", "must be > -1", s.growth)
    for n, s in enumerate(scenario.shocks):
        key = f"scenario.shocks[{n}]"
        _check(s.kind in ("gdp", "hostility"), f"{key}.kind", "must be gdp or hostility", s.kind)
        _check(s.step >= 0, f"{key}.step", "must be >= 0", s.step)
        if s.kind == "gdp":
            _check(s.value > 0, f"{key}.value", "a GDP factor must be > 0", s.value)
        else:
            _check(0 <= s.value <= 1, f"{key}.value", "hostility must be in [0, 1]", s.value)
            _check(
                len(s.against) > 0,
                f"{key}.against",
                "name at least one nation or treaty",
                s.against,
            )


# ----------------------------------------------------------------------------- root


@dataclass
class Config:
    """The whole run: ``configs/config.yaml`` composes one of these."""

    world: WorldConfig = MISSING
    scenario: ScenarioConfig = MISSING
    budget_rule: Any = MISSING
    alliance_rule: Any = MISSING
    model: ModelConfig = field(default_factory=ModelConfig)
    seed: int = 0
    #: write PNG figures into the run directory
    figures: bool = True
    #: after the run, score it against NATO's 2024 shares (sim/hindcast.py; runs ending in 2024)
    hindcast: bool = False

    def __post_init__(self) -> None:
        m = self.model
        _check(m.steps >= 1, "model.steps", "must be >= 1", m.steps)
        _check(m.record_every >= 1, "model.record_every", "must be >= 1", m.record_every)
        _check(0 <= m.share_min, "model.share_min", "must be >= 0", m.share_min)
        _check(
            m.share_min <= m.share_max,
            "model.share_min",
            f"must be <= model.share_max ({m.share_max})",
            m.share_min,
        )
        _check(
            m.share_max <= 1, "model.share_max", "must be <= 1 (spending above GDP)", m.share_max
        )
        _check(0 < m.depreciation <= 1, "model.depreciation", "must be in (0, 1]", m.depreciation)
        _check(m.threat_range_km > 0, "model.threat_range_km", "must be > 0", m.threat_range_km)
        _check(m.support_range_km > 0, "model.support_range_km", "must be > 0", m.support_range_km)
        _check(m.major_range_km > 0, "model.major_range_km", "must be > 0", m.major_range_km)
        _nonneg(
            m,
            "model",
            "reference_share",
            "growth_drag",
            "regime_hostility",
            "dilemma",
            "normal_arming",
            "default_target",
        )
        _check(m.bloc_resolution > 0, "model.bloc_resolution", "must be > 0", m.bloc_resolution)
        _check(self.seed >= 0, "seed", "must be >= 0", self.seed)
        _check_scenario(self.scenario)
        if isinstance(self.budget_rule, BudgetRuleConfig):
            scenario_budget_rule(self.scenario, self.budget_rule)


BUDGET_RULES = {
    "threat_response": ThreatResponseConfig,
    "richardson": RichardsonConfig,
    "fixed": FixedBudgetConfig,
}
ALLIANCE_RULES = {
    "utility": UtilityConfig,
    "landscape": LandscapeConfig,
    "balance": BalanceConfig,
    "none": NoAllianceConfig,
}


def register_configs() -> None:
    """Register the schema: ``base_config`` for the root, ``schema_<name>`` in each group."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="world", name="schema", node=WorldConfig)
    cs.store(group="scenario", name="schema", node=ScenarioConfig)
    for name, node in BUDGET_RULES.items():
        cs.store(group="budget_rule", name=f"schema_{name}", node=node)
    for name, node in ALLIANCE_RULES.items():
        cs.store(group="alliance_rule", name=f"schema_{name}", node=node)


register_configs()


def to_config(cfg: DictConfig | Config) -> Config:
    """Convert a composed tree into :class:`Config` objects, checking every range.

    Raises
    ------
    ConfigError
        naming the first key whose value is out of range.
    """
    if isinstance(cfg, Config):
        return cfg
    schema = OmegaConf.structured(Config)
    merged = OmegaConf.merge(schema, cfg)
    merged.budget_rule = OmegaConf.merge(
        OmegaConf.structured(_rule_schema(BUDGET_RULES, cfg.budget_rule, "budget_rule")),
        cfg.budget_rule,
    )
    merged.alliance_rule = OmegaConf.merge(
        OmegaConf.structured(_rule_schema(ALLIANCE_RULES, cfg.alliance_rule, "alliance_rule")),
        cfg.alliance_rule,
    )
    return OmegaConf.to_object(merged)  # type: ignore[return-value]


def _rule_schema(rules: dict[str, type], node: Any, group: str) -> type:
    name = node.get("name") if node is not None else None
    if name not in rules:
        raise ConfigError(f"{group}.name: unknown rule {name!r}; available: {', '.join(rules)}")
    return rules[name]


class ValidateConfig(Callback):
    """Hydra callback: check ranges and load the world before Hydra creates the run directory.

    Registered first under ``hydra.callbacks`` in ``configs/config.yaml``. A bad value, a
    missing or malformed input file, a scenario or rule the world refuses
    (:func:`sim.runner.check_run`) then stops ``python -m sim`` with one line and exit 2 while
    nothing is written: no run directory, no ``.hydra/``, no log. (Sweeps check each job's
    config in the job itself; see :mod:`sim.sweep`.)
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.errors import report_user_errors
        from sim.runner import check_run

        job = OmegaConf.masked_copy(config, [k for k in config if k != "hydra"])

        def check() -> None:
            check_run(to_config(job))

        report_user_errors(check)


def compose(overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Compose ``configs/config.yaml`` with Hydra overrides, for notebooks and tests.

    >>> cfg = compose(["scenario=us_retrenchment", "model.steps=5"])
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides))
    return to_config(cfg)
