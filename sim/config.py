"""Typed configuration: one dataclass per config group, registered in Hydra's ConfigStore.

Each dataclass declares its values once (the YAML files under ``configs/`` select a schema and
hold only what differs) and checks itself in ``__post_init__``, so a value out of range fails
the same way whether the object is built from Python or by :func:`to_config` from a composed
tree; Hydra's schema check catches a misspelt key or a wrong type at compose time. The rules'
configs live beside the rules (:mod:`sim.rules`), and the registries there say which exist.
The same dataclasses are plain Python values: :class:`sim.model.AllianceModel` takes them
without Hydra.

The config tree is installed with the package (``sim/configs``, :data:`CONFIG_DIR`); the
repository's top-level ``configs`` is a link to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from omegaconf import DictConfig, OmegaConf

from sim.checks import at_least, check, finite, nonneg, positive, within
from sim.errors import ConfigError
from sim.rules import ALLIANCE_RULES, BUDGET_RULES
from sim.rules.balance import BalanceConfig
from sim.rules.base import MISSING, AllianceRuleConfig, BudgetRuleConfig
from sim.rules.fixed import FixedBudgetConfig
from sim.rules.landscape import LandscapeConfig
from sim.rules.none import NoAllianceConfig
from sim.rules.richardson import RichardsonConfig
from sim.rules.threat_response import ThreatResponseConfig
from sim.rules.utility import UtilityConfig

__all__ = [
    "ALLIANCE_RULES",
    "BUDGET_RULES",
    "CONFIG_DIR",
    "AllianceRuleConfig",
    "BalanceConfig",
    "BudgetRuleConfig",
    "Config",
    "ConfigError",
    "FixedBudgetConfig",
    "LandscapeConfig",
    "ModelConfig",
    "NoAllianceConfig",
    "RichardsonConfig",
    "ScenarioConfig",
    "ScheduleConfig",
    "ShockConfig",
    "ThreatResponseConfig",
    "UtilityConfig",
    "WorldConfig",
    "choose",
    "compose",
    "register_configs",
    "scenario_budget_rule",
    "to_config",
]

#: the config groups whose schema is the chosen rule's config
RULE_GROUPS = {"budget_rule": BUDGET_RULES, "alliance_rule": ALLIANCE_RULES}

#: the Hydra config tree, installed with the package
CONFIG_DIR = Path(__file__).resolve().parent / "configs"


# ----------------------------------------------------------------------------- world


@dataclass
class WorldConfig:
    """Which nations: a shipped snapshot (``today``, ``y2019``, ``y2014``), ``synthetic`` or
    ``custom``."""

    name: str = MISSING
    #: nations CSV for ``custom`` (columns in the README); ignored otherwise
    path: str | None = None
    #: treaties CSV for ``custom`` (``treaty, iso3[, target_share, review_period]``)
    treaties: str | None = None
    #: land borders CSV for ``custom`` (``iso3_a, iso3_b[, distance_km]``); snapshots ship theirs
    borders: str | None = None
    #: false: every regime score is 0, so the model runs without regime effects
    regimes: bool = True
    #: number of nations for ``synthetic``
    n: int = 60
    #: first simulated year (defaults to the snapshot's year; 2024 for synthetic worlds)
    start_year: int | None = None
    #: configured rivalries: "ISO-ISO" (or a treaty name for its members) -> baseline hostility
    rivalries: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = ("today", "y2019", "y2014", "synthetic", "custom")
        check(self.name in kinds, "world.name", f"must be one of {', '.join(kinds)}", self.name)
        within("world.n", self.n, 2, 26**3)
        if self.start_year is not None:
            within("world.start_year", self.start_year, 1, 9999)
        if self.name == "custom":
            check(self.path is not None, "world.path", "is required for world=custom", self.path)
        world_keys = (("path", "custom"), ("treaties", "custom"), ("borders", "custom"))
        for key, only in (*world_keys, ("n", "synthetic")):
            value = getattr(self, key)
            check(
                self.name == only or value == _WORLD_DEFAULTS[key],
                f"world.{key}",
                f"applies to world={only} only; world={self.name} would ignore it "
                f"(add world={only}, or drop world.{key})",
                value,
            )
        for pair, h in self.rivalries.items():
            parts = pair.split("-")
            check(
                len(parts) == 2 and all(parts),
                f"world.rivalries.{pair}",
                "keys must be two ISO3 codes or treaty names joined by '-'",
                pair,
            )
            within(f"world.rivalries.{pair}", h, 0.0, 1.0)


#: the values of the world-specific keys when they are not given
_WORLD_DEFAULTS = {"path": None, "treaties": None, "borders": None, "n": 60}


# ----------------------------------------------------------------------------- model


GEOGRAPHIES = ("force_type", "capital_gradient")
#: force_type: where the land gradient is measured from (amendment A13)
LAND_DISTANCES = ("border", "home_base")
#: who reads a mobilising nation's arming as hostile (``model.wartime_dilemma``): everyone not
#: allied with it (``all``, the security dilemma as in docs/MODEL.md 3.4) or its war enemies only
#: (``enemies``, amendment A15)
WARTIME_DILEMMAS = ("all", "enemies")
#: each economy's yearly step (``model.gdp_path``): its trend (``trend``) or, in the years the
#: shipped World Bank table covers, its recorded growth (``record``, amendment A37: calibration)
GDP_PATHS = ("trend", "record")


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
    #: how reach is computed: ``force_type`` (land forces over one theatre from the border,
    #: naval/strategic share globally; docs/MODEL.md "Power projection") or ``capital_gradient``
    #: (the version-1 gradient from capital to capital with the three ranges above)
    geography: str = "capital_gradient"
    #: force_type: land forces lose strength with border distance, exp(-b / land_range_km)
    land_range_km: float = 500.0
    #: force_type: ``border`` (land reach exp(-b / land_range_km) from the border) or
    #: ``home_base`` (amendment A13: exp(-b / land_range_km - (d - b) / home_range_km), the home
    #: leg from the source's capital to the theatre at a flatter gradient; docs/MODEL.md 3.8)
    land_distance: str = "border"
    #: force_type with land_distance=home_base: the home leg's gradient (km; A13, theory value)
    home_range_km: float = 2000.0
    #: force_type: the global (naval, strategic) share's gradient, exp(-d / global_range_km)
    global_range_km: float = 10000.0
    #: force_type: land power across water (no chain of land borders) is discounted by this
    water_discount: float = 0.25
    #: force_type: the share of a major power's capability that reaches globally (others: 0)
    major_global_share: float = 0.3
    #: baseline hostility from regime distance: h = regime_hostility * |r_i - r_j| / 2
    regime_hostility: float = 0.3
    #: security dilemma: hostility toward j rises by this times j's capability growth above normal
    dilemma: float = 2.0
    normal_arming: float = 0.03
    #: ``all``: the dilemma reads every nation's arming; ``enemies`` (amendment A15): the arming
    #: of a nation whose budget war mobilisation set is read as hostile by its war enemies only
    wartime_dilemma: str = "all"
    #: guideline used to judge credibility where a tie has no treaty target
    default_target: float = 0.02
    #: each start-world growth trend keeps this part of its deviation from the cross-country
    #: mean (amendment A30: g' = gbar + rho_g (g - gbar); 1 = the trends as shipped)
    growth_persistence: float = 1.0
    #: ``trend``: every economy grows at its (shrunk) trend; ``record`` (amendment A37, for the
    #: calibration window only): at its recorded World Bank growth in the years the shipped table
    #: holds (to 2023), the trend otherwise. A forecast must not use it after its start year.
    gdp_path: str = "trend"
    #: modularity resolution of the bloc detection (below 1: larger, camp-sized blocs)
    bloc_resolution: float = 0.5
    #: blocs on the ``signed`` graph (ties +, rivalries and hostility -; Traag & Bruggeman 2009)
    #: or ``louvain`` on the ties only (version 1)
    blocs: str = "louvain"

    def __post_init__(self) -> None:
        at_least(self, "model", 1, "steps", "record_every")
        nonneg(
            self,
            "model",
            "share_min",
            "reference_share",
            "growth_drag",
            "regime_hostility",
            "dilemma",
            "normal_arming",
            "default_target",
        )
        finite("model.share_max", self.share_max)
        check(
            self.share_min <= self.share_max,
            "model.share_min",
            f"must be <= model.share_max ({self.share_max})",
            self.share_min,
        )
        check(
            self.share_max <= 1,
            "model.share_max",
            "must be <= 1 (spending above GDP)",
            self.share_max,
        )
        # below 1e-6 (a stock lasting a million years) the start stock s Y / delta overflows
        within("model.depreciation", self.depreciation, 1e-6, 1.0)
        positive(
            self,
            "model",
            "threat_range_km",
            "support_range_km",
            "major_range_km",
            "bloc_resolution",
        )
        positive(self, "model", "land_range_km", "global_range_km", "home_range_km")
        check(self.land_distance in LAND_DISTANCES, "model.land_distance",
              f"must be one of {', '.join(LAND_DISTANCES)}", self.land_distance)  # fmt: skip
        check(self.wartime_dilemma in WARTIME_DILEMMAS, "model.wartime_dilemma",
              f"must be one of {', '.join(WARTIME_DILEMMAS)}", self.wartime_dilemma)  # fmt: skip
        within("model.water_discount", self.water_discount, 0.0, 1.0)
        within("model.growth_persistence", self.growth_persistence, 0.0, 1.0)
        check(self.gdp_path in GDP_PATHS, "model.gdp_path",
              f"must be one of {', '.join(GDP_PATHS)}", self.gdp_path)  # fmt: skip
        within("model.major_global_share", self.major_global_share, 0.0, 1.0)
        check(self.geography in GEOGRAPHIES, "model.geography",
              f"must be one of {', '.join(GEOGRAPHIES)}", self.geography)  # fmt: skip
        check(self.blocs in ("signed", "louvain"), "model.blocs", "must be signed or louvain",
              self.blocs)  # fmt: skip


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
    """A one-off change at ``step``: a GDP level shock, a hostility shock, a war, or an accession.

    ``kind=gdp``: the GDP of ``iso3`` is multiplied by ``value``.
    ``kind=hostility``: the baseline hostility between ``iso3`` and each of ``against`` (ISO3
    codes or treaty names) becomes at least ``value``, both ways.
    ``kind=war``: from ``step`` on, ``iso3`` and each of ``against`` are at war (``value`` 1) or
    at peace again (``value`` 0); a nation at war mobilises (docs/MODEL.md, "Budgets").
    ``kind=accession``: ``iso3`` accedes to each treaty named in ``against`` (``value`` 1): a
    treaty tie with each of its current members, as the utility rule's own accession
    (:meth:`sim.ties.Ties.accede`; amendment A25, the record's accessions as scenario data).
    ``tag`` (optional) names the shock so that ``scenario.omit`` can leave it out.
    ``optional`` (default false): the shock applies only when its tag is in ``scenario.add``.
    """

    step: int = MISSING
    kind: str = MISSING
    iso3: str = MISSING
    value: float = MISSING
    against: list[str] = field(default_factory=list)
    tag: str = ""
    optional: bool = False


@dataclass
class ScenarioConfig:
    """Schedules and shocks applied in step 1 of every year, and changes of the budget rule.

    ``omit`` lists shock tags (``ShockConfig.tag``) left out of the run (default: none; e.g.
    ``scenario.omit=[russia_floor_2022]``, amendment A21's hindcasts without the 2022 hostility
    floor); a tag no shock carries is a :class:`ConfigError` naming ``scenario.omit``.
    ``add`` lists the tags of ``optional`` shocks that apply (default: none; e.g.
    ``scenario.add=[nato_accessions_2023_2024]``, amendment A25's recorded accessions); a tag no
    optional shock carries is a :class:`ConfigError` naming ``scenario.add``.

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
    omit: list[str] = field(default_factory=list)
    add: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_scenario(self)
        for key, pool in (("omit", self.shocks), ("add", [s for s in self.shocks if s.optional])):
            tags = sorted({s.tag for s in pool if s.tag})
            for n, tag in enumerate(getattr(self, key)):
                check(tag in tags, f"scenario.{key}[{n}]",
                      f"no {'optional ' * (key == 'add')}shock has this tag "
                      f"(tags: {', '.join(tags) or 'none'})", tag)  # fmt: skip
        for key, value in self.budget_changes.items():
            finite(f"scenario.budget_changes.{key}", value)


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
        check(len(chosen) == 1, key, "set exactly one of to_share, factor, growth", chosen)
        at_least(s, key, 0, "start")
        at_least(s, key, 1, "years")
        if s.to_share is not None:
            within(f"{key}.to_share", s.to_share, 0.0, 1.0)
        if s.factor is not None:
            nonneg(s, key, "factor")
        if s.growth is not None:  # at most 11-fold a year: beyond, spending overflows in years
            within(f"{key}.growth", s.growth, -1.0, 10.0, open_low=True)
    for n, s in enumerate(scenario.shocks):
        key = f"scenario.shocks[{n}]"
        check(s.kind in ("gdp", "hostility", "war", "accession"), f"{key}.kind",
              "must be gdp, hostility, war or accession", s.kind)  # fmt: skip
        at_least(s, key, 0, "step")
        finite(f"{key}.value", s.value)
        check(not s.optional or bool(s.tag), f"{key}.tag",
              "an optional shock needs a tag (scenario.add names it)", s.tag)  # fmt: skip
        if s.kind == "gdp":
            check(s.value > 0, f"{key}.value", "a GDP factor must be > 0", s.value)
        elif s.kind == "war":
            check(s.value in (0, 1), f"{key}.value", "a war is 1 (starts) or 0 (ends)", s.value)
            check(len(s.against) > 0, f"{key}.against", "name at least one nation or treaty",
                  s.against)  # fmt: skip
        elif s.kind == "accession":
            check(s.value == 1, f"{key}.value", "an accession is 1", s.value)
            check(len(s.against) > 0, f"{key}.against", "name at least one treaty", s.against)
        else:
            within(f"{key}.value", s.value, 0.0, 1.0)
            check(
                len(s.against) > 0,
                f"{key}.against",
                "name at least one nation or treaty",
                s.against,
            )


def check_scenario_span(scenario: ScenarioConfig, steps: int) -> None:
    """Every shock and schedule of ``scenario`` starts within a run of ``steps`` years.

    A shock acts in year ``max(step, 1)`` and a schedule from year ``start + 1``; one that
    starts after the last year would silently never apply.

    Raises
    ------
    ConfigError
        naming ``scenario.shocks[n].step`` or ``scenario.schedules[n].start``.
    """
    for n, shock in enumerate(scenario.shocks):
        check(
            shock.step <= steps,
            f"scenario.shocks[{n}].step",
            f"must be <= model.steps ({steps}), or the shock never applies",
            shock.step,
        )
    for n, schedule in enumerate(scenario.schedules):
        check(
            schedule.start < steps,
            f"scenario.schedules[{n}].start",
            f"must be < model.steps ({steps}), or the schedule never applies",
            schedule.start,
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
    #: what a run writes: ``full`` (every table, the graph, figures) or ``metrics`` (summary.json
    #: and the world table only: the lean level for large sweeps)
    outputs: str = "full"
    #: after the run, score it against the observed shares (sim/hindcast.py)
    hindcast: bool = False
    #: where fitted parameters come from: ``source`` and ``window`` of a calibration file
    #: (``configs/calibration/``, written by ``python -m sim.calibrate``); empty: nothing fitted
    calibration: dict[str, str] = field(default_factory=dict)
    #: the user's own keys (labels, bookkeeping), recorded in summary.json and never read:
    #: ``+extra.study=pilot``. Every other key must be one the schema declares.
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        finite("seed", self.seed)
        check(self.seed >= 0, "seed", "must be >= 0", self.seed)
        check(self.outputs in ("full", "metrics"), "outputs", "must be one of full, metrics",
              self.outputs)  # fmt: skip
        if isinstance(self.scenario, ScenarioConfig) and isinstance(
            self.budget_rule, BudgetRuleConfig
        ):
            scenario_budget_rule(self.scenario, self.budget_rule)


def register_configs() -> None:
    """Register the schema: ``base_config`` for the root, ``schema_<name>`` in each group."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="world", name="schema", node=WorldConfig)
    cs.store(group="scenario", name="schema", node=ScenarioConfig)
    for registry in (BUDGET_RULES, ALLIANCE_RULES):
        for name, node in registry.configs().items():
            cs.store(group=registry.group, name=f"schema_{name}", node=node)


register_configs()  # for any Hydra app on CONFIG_DIR; compose() registers again (new rules)


def to_config(cfg: DictConfig | Config) -> Config:
    """Convert a composed tree into :class:`Config` objects, checking every range.

    Raises
    ------
    ConfigError
        naming the first key whose value is out of range.
    """
    if isinstance(cfg, Config):
        return cfg
    refuse_unknown_keys(cfg)
    schema = OmegaConf.structured(Config)
    merged = OmegaConf.merge(schema, cfg)
    for registry in (BUDGET_RULES, ALLIANCE_RULES):
        node = cfg.get(registry.group)
        name = node.get("name") if node is not None else None
        schema = OmegaConf.structured(registry[name].Config)  # ConfigError for an unknown name
        merged[registry.group] = OmegaConf.merge(schema, node)
    return OmegaConf.to_object(merged)  # type: ignore[return-value]


def unknown_keys(node: Any, schema: type, where: str = "") -> list[str]:
    """The dotted keys of a composed ``node`` that the dataclass ``schema`` does not declare.

    Hydra's ``+key=value`` and ``++key=value`` add a key whatever the schema says, and the
    conversion keeps it as an unused attribute; this walks the tree against the dataclasses
    (nested ones, lists of them, and the rule chosen in ``budget_rule``/``alliance_rule``).
    Maps (``world.rivalries``, ``scenario.budget_changes``, ``extra``, ...) take any key.
    """
    if not isinstance(node, DictConfig):
        return []
    hints = get_type_hints(schema)
    found = []
    for key in node:
        if key not in hints:
            found.append(f"{where}{key}")
            continue
        child, kind = node.get(key), hints[key]
        if key in RULE_GROUPS and not where and isinstance(child, DictConfig):
            rule = child.get("name")
            if rule in RULE_GROUPS[key]:
                found += unknown_keys(child, RULE_GROUPS[key][rule].Config, f"{key}.")
        elif is_dataclass(kind):
            found += unknown_keys(child, kind, f"{where}{key}.")
        elif get_origin(kind) is list and get_args(kind) and is_dataclass(get_args(kind)[0]):
            for n, item in enumerate(child or []):
                found += unknown_keys(item, get_args(kind)[0], f"{where}{key}[{n}].")
    return found


def refuse_unknown_keys(cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` naming the first key no schema declares (see
    :func:`unknown_keys`), with the keys that level does have."""
    unknown = unknown_keys(cfg, Config)
    if unknown:
        key = unknown[0]
        parent = key.rpartition(".")[0]
        where = OmegaConf.select(cfg, parent.replace("[", ".").replace("]", "")) if parent else cfg
        known = ", ".join(k for k in where if f"{parent}.{k}".lstrip(".") not in unknown)
        raise ConfigError(
            f"{key}: no such key (a misspelling? {parent or 'the top level'} has: {known}; "
            "keys of your own go under extra: +extra.<name>=<value>)"
        )


def compose(overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Compose ``configs/config.yaml`` with Hydra overrides, for notebooks and tests.

    >>> cfg = compose(["scenario=us_retrenchment", "model.steps=5"])
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides))
    return to_config(cfg)


def choose(
    world: Any = None,
    scenario: ScenarioConfig | str | None = None,
    budget_rule: BudgetRuleConfig | str | None = None,
    alliance_rule: AllianceRuleConfig | str | None = None,
    params: ModelConfig | None = None,
) -> Config:
    """The run that keyword arguments describe: objects as given, names from the config tree.

    A name (``scenario="us_retrenchment"``, ``world="y2014"``) is composed from
    ``configs/<group>/<name>.yaml`` with the defaults for whatever is not given (so a named
    scenario may also choose the budget rule, as in ``configs/config.yaml``); ``world=None``
    composes the default world. Without names and with a world given, nothing is composed and
    the missing parts are their dataclasses' defaults. ``world`` may also be any other object
    (a loaded world), which is passed through as ``Config.world``.
    """
    picks = {
        "world": world,
        "scenario": scenario,
        "budget_rule": budget_rule,
        "alliance_rule": alliance_rule,
    }
    named = [f"{group}={value}" for group, value in picks.items() if isinstance(value, str)]
    if named or world is None:
        base = compose(named)
    else:
        base = Config(
            world=world,
            scenario=ScenarioConfig(name="baseline"),
            budget_rule=ThreatResponseConfig(),
            alliance_rule=UtilityConfig(),
        )

    def given(group: str) -> Any:
        value = picks[group]
        return getattr(base, group) if value is None or isinstance(value, str) else value

    return Config(
        world=given("world"),
        scenario=given("scenario"),
        budget_rule=given("budget_rule"),
        alliance_rule=given("alliance_rule"),
        model=params if params is not None else base.model,
        seed=base.seed,
    )
