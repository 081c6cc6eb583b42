"""AllianceModel: nations set defence budgets and form or dissolve alliance ties, year by year.

One step is one year, in the order of docs/MODEL.md ("Process overview and scheduling"): shocks
and scheduled paths, threat, allied support, budgets, alliances, record. The model owns the
per-nation state (arrays, one row per nation; :class:`~sim.agents.NationAgent` is a view on a
row), the ties (:class:`~sim.ties.Ties`) and the order of the year; the mechanisms are the rule
components of :mod:`sim.rules`, chosen by their configs, which the step calls without asking
their names.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from functools import cache
from typing import NamedTuple

import mesa
import numpy as np
import pandas as pd

from sim.agents import NationAgent
from sim.blocs import signed_blocs
from sim.config import (
    AllianceRuleConfig,
    BudgetRuleConfig,
    ModelConfig,
    ScenarioConfig,
    WorldConfig,
    choose,
    scenario_budget_rule,
)
from sim.errors import OverflowStop, ScenarioError
from sim.growth import recorded_growth, shrunk_growth
from sim.metrics import bloc_members, polarity, rank_blocs, share_at_target
from sim.rules import ALLIANCE_RULES, BUDGET_RULES, projection, threat
from sim.rules.utility import regime_similarity
from sim.ties import EVENT_COLUMNS, Ties
from sim.worlds import World, load_world, observed
from sim.worlds.sources import world_bank_gdp

__all__ = ["EVENT_COLUMNS", "NATION_COLUMNS", "AllianceModel", "OverflowStop", "ScenarioError"]

_log = logging.getLogger(__name__)

NATION_COLUMNS = [
    "step",
    "year",
    "iso3",
    "gdp",
    "milex",
    "share",
    "capability",
    "threat",
    "allied_support",
    "n_allies",
    "bloc",
]

#: the least a year's GDP can be multiplied by (growth plus guns-versus-butter drag): an economy
#: shrinks by at most 99% a year, so GDP stays positive however large the drag
MIN_GDP_FACTOR = 0.01
#: the largest yearly capability growth rate the security dilemma sees; a stock built from a
#: denormal start would otherwise grow "infinitely" fast and 0 * inf gives NaN hostility
MAX_ARMING_RATE = 1e12


class AllianceModel(mesa.Model):
    """Alliances among nations under shifting defence budgets (docs/MODEL.md).

    ``AllianceModel()`` builds the default run of ``python -m sim``; keyword arguments build any
    other, so ``mesa.batch_run`` and ``SolaraViz`` need no adapter.

    Parameters
    ----------
    world : a loaded :class:`~sim.worlds.World`, a :class:`~sim.config.WorldConfig`, or the name
        of a config in ``configs/world/`` (default ``today``).
    scenario : a :class:`~sim.config.ScenarioConfig` or the name of one in ``configs/scenario/``
        (default ``baseline``; a named scenario may also choose the budget rule).
    params : the shared :class:`~sim.config.ModelConfig` (steps, economy, geography of threat).
    budget_rule, alliance_rule : a rule's config dataclass, or its name (``configs/<group>/``).
    rng : roots ``model.rng`` and ``model.random`` (Mesa's own); networkx calls get seeds drawn
        from them. The default, 0, is the config's default ``seed``.
    """

    def __init__(
        self,
        world: World | WorldConfig | str | None = None,
        *,
        scenario: ScenarioConfig | str | None = None,
        params: ModelConfig | None = None,
        budget_rule: BudgetRuleConfig | str | None = None,
        alliance_rule: AllianceRuleConfig | str | None = None,
        rng: int | np.random.Generator | None = 0,
    ) -> None:
        super().__init__(rng=rng)
        cfg = choose(world, scenario, budget_rule, alliance_rule, params)
        self.world = world if isinstance(world, World) else load_world_for(cfg.world, rng)
        self.params = p = cfg.model
        self.scenario_config = cfg.scenario  # Mesa's own ``self.scenario`` stays Mesa's

        nations = self.world.nations
        self.iso3: list[str] = list(nations["iso3"])
        self.row = {code: i for i, code in enumerate(self.iso3)}
        self.start_year = self.world.year
        n = len(self.iso3)

        # per-nation state
        self.gdp = nations["gdp_usd"].to_numpy(float).copy()
        self.share = np.clip(
            nations["milex_usd"].to_numpy(float) / self.gdp, p.share_min, p.share_max
        )
        self.capability = self.share * self.gdp / p.depreciation  # the steady-state stock
        self.growth = nations["gdp_growth"].to_numpy(float)
        if p.growth_persistence != 1.0:  # A30: trends regressed toward the cross-country mean
            self.growth = shrunk_growth(self.growth, p.growth_persistence)
        #: A37 (``gdp_path=record``): the shipped World Bank GDP of each nation, (N, years)
        self.recorded_gdp = recorded_gdp(self.iso3) if p.gdp_path == "record" else None
        self.regime = nations["regime"].to_numpy(float)
        self.major = nations["major_power"].to_numpy(bool)
        self.arming = np.zeros(n)
        #: whose arming (``arming``) war mobilisation produced (``model.wartime_dilemma``, A15)
        self.mobilised = np.zeros(n, dtype=bool)
        self.threat = np.zeros(n)
        self.support = np.zeros(n)
        self.last_milex = self.share * self.gdp

        geography = world_geography(self.world)
        #: minimum border distances (km; 0 for a land border; capital distance without borders
        #: data), the theatre distance of amendment A17's exposure to wars
        self.border_km = geography.border_km
        #: capital-to-capital great-circle distances (km), the home leg of amendment A21's
        #: aggressor proximity
        self.capital_km = geography.capital_km
        self._land_connected = geography.connected
        #: ``theatre_reach``: the land-only reach of each ally's forces (M15,
        #: ``threat_denominator=theatre``)
        self.reach, self.support_reach, self.theatre_reach = self._reach()  # geography, once
        self.baseline_hostility = (
            p.regime_hostility * np.abs(self.regime[:, None] - self.regime[None, :]) / 2.0
        )
        self.similarity = regime_similarity(self.regime)  # regimes do not change
        for (a, b), h in self.world.rivalries.items():
            self.raise_hostility([self.row[a]], [self.row[b]], h)

        self.ties = Ties(nations, self.start_year)
        self.target = self.ties.seed_treaties(self.world.treaties, self.row)
        self.at_war = np.zeros((n, n), dtype=bool)  # interstate wars: the data's, then shocks'
        for a, b in self.world.at_war():
            if a in self.row and b in self.row:
                self._set_war([self.row[a]], [self.row[b]], True)
        for i, (code, name) in enumerate(zip(self.iso3, nations["name"].tolist(), strict=True)):
            NationAgent(self, i, code, str(name), bool(self.major[i]))

        self.scheduled: dict[int, float] = {}
        self.chosen_shares: dict[int, float] = {}  # players' budgets for the next year
        self.chosen_ties: list[tuple[int, int, bool]] = []  # players' ties to form or leave
        self._schedule_start: dict[int, tuple[float, float]] = {}
        self._check_scenario()

        self.perceive_threats()
        self.count_allied_support()
        self.alliance_rule = ALLIANCE_RULES.build(cfg.alliance_rule, self)  # sees year 0
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "year": lambda m: m.start_year + m.steps,
                "n_ties": lambda m: m.ties.count,
                "n_blocs": lambda m: int(m.bloc.max()) + 1,
                "polarity": lambda m: polarity(m.bloc, m.capability),
                "mean_share": lambda m: float(m.share.mean()),
                "world_milex": lambda m: float((m.share * m.gdp).sum()),
                "share_at_target": lambda m: share_at_target(m.share, m.target),
                "ties_formed": lambda m: m.ties.formed_now,
                "ties_dissolved": lambda m: m.ties.dissolved_now,
            }
            | {name: (lambda m, f=f: f()) for name, f in self.alliance_rule.reporters().items()}
        )
        self._nation_records: list[dict[str, np.ndarray]] = []
        # one networkx seed for the whole run: the same graph always gives the same blocs
        self._bloc_seed = self.random.getrandbits(32)
        self._blocs: list[np.ndarray] = []
        self._blocs_at = -1  # the value of ties.changes when the blocs were last found
        # calibrated on the start-year world, then the scenario's policy change from year 1
        self.budget_rule = BUDGET_RULES.build(cfg.budget_rule, self)
        if self.scenario_config.budget_changes:
            self.budget_rule.change(scenario_budget_rule(self.scenario_config, cfg.budget_rule))
        self.record()

    # ------------------------------------------------------------------ the year

    def step(self) -> None:
        """One year: shocks, threat, allied support, budgets, alliances, record."""
        self.ties.new_year(self.steps)
        self.grow_economies()
        self.apply_shocks()
        self.perceive_threats()
        self.count_allied_support()
        self.set_budgets()
        self.invest()
        self.alliance_rule.revise(self)
        self.apply_chosen_ties()
        self.record()
        self.running = self.steps < self.params.steps

    def grow_economies(self) -> None:
        """The year opens: GDP grows, slowed by last year's spending above the reference share
        (guns versus butter): ``Y <- Y max(1 + g - drag * max(0, s - s_ref), MIN_GDP_FACTOR)``."""
        p = self.params
        drag = p.growth_drag * np.maximum(0.0, self.share - p.reference_share)
        self.last_milex = self.share * self.gdp
        step = np.maximum(1 + self.growth - drag, MIN_GDP_FACTOR)
        if self.recorded_gdp is not None:  # A37: the record's growth where the table has it
            recorded = recorded_growth(*self.recorded_gdp, self.start_year + self.steps)
            step = np.where(np.isfinite(recorded), 1 + recorded, step)
        with np.errstate(over="ignore"):  # checked on the next line, with the nation named
            self.gdp = self.gdp * step
        self._stop_on_overflow("GDP", self.gdp, self.gdp > 0)

    def choose_share(self, iso3: str, share: float) -> None:
        """A player's budget (the page's class mode): ``iso3`` spends ``share`` of GDP in the
        next year instead of what its budget rule would choose, as a schedule does."""
        self.chosen_shares[self.row[iso3]] = float(share)

    def choose_tie(self, a: str, b: str, ally: bool) -> None:
        """A player's tie: ``a`` and ``b`` form (``ally``) or leave their tie in the next year."""
        self.chosen_ties.append((self.row[a], self.row[b], bool(ally)))

    def apply_chosen_ties(self) -> None:
        """Step 5, continued: the players' ties, after the alliance rule's (a formed tie takes
        the rule's new-tie weight and review period where the rule has them)."""
        p = getattr(self.alliance_rule, "params", None)
        weight, review = getattr(p, "new_tie_weight", 1.0), getattr(p, "review_period", 1)
        for i, j, ally in self.chosen_ties:
            if ally and not self.ties.allied[i, j]:
                self.ties.form(i, j, weight=weight, review=review)
            elif not ally and self.ties.allied[i, j]:
                self.ties.dissolve(i, j)
        self.chosen_ties = []

    def apply_shocks(self) -> None:
        """Step 1: the scenario's GDP, hostility, war and accession shocks (an ``optional`` one
        only when ``scenario.add`` names its tag), and this year's scheduled shares."""
        t = self.steps
        omit, add = set(self.scenario_config.omit), set(self.scenario_config.add)
        for shock in self.scenario_config.shocks:
            if max(shock.step, 1) != t or (shock.tag and shock.tag in omit):
                continue
            if shock.optional and shock.tag not in add:
                continue
            i = self.row[shock.iso3]
            others = [j for name in shock.against for j in self._members(name) if j != i]
            if shock.kind == "gdp":
                self.gdp[i] *= shock.value
            elif shock.kind == "accession":
                for name in shock.against:
                    self.accede(i, name)
            elif shock.kind == "war" and others:
                self._set_war([i], others, bool(shock.value))
            elif others:
                self.raise_hostility([i], others, shock.value)
        self.scheduled = {}
        for s in self.scenario_config.schedules:
            i = self.row[s.iso3]
            elapsed = t - s.start
            if elapsed < 1:
                continue
            if elapsed == 1 or i not in self._schedule_start:
                # the path starts from last year's share and spending
                self._schedule_start[i] = (float(self.share[i]), float(self.last_milex[i]))
            share0, milex0 = self._schedule_start[i]
            done = min(elapsed, s.years)
            if s.growth is not None:
                self.scheduled[i] = milex0 * (1 + s.growth) ** done / self.gdp[i]
            else:
                end = s.to_share if s.to_share is not None else s.factor * share0
                self.scheduled[i] = share0 + (end - share0) * done / s.years
        self.scheduled.update(self.chosen_shares)  # a player's budget wins over a schedule
        self.chosen_shares = {}

    def accede(self, i: int, name: str) -> None:
        """Nation ``i`` accedes to treaty ``name`` (a scenario's ``kind=accession``): a treaty
        tie with each current member (:meth:`sim.ties.Ties.accede`), both sides pledging the
        treaty's guideline (its members' largest ``target_share``) under its review period (its
        members' shortest), which becomes ``i``'s guideline; the alliance rule is told
        (``admitted``) where it keeps memberships. A member already, or a treaty the world
        lacks (warned when the model was built): nothing happens."""
        rows = self.world.treaties.loc[self.world.treaties["treaty"] == name]
        members = self.ties.members(name)
        if rows.empty or i in members:
            return
        pledge = float(np.nan_to_num(rows["target_share"].to_numpy(float), nan=0.0).max())
        self.ties.accede(i, members, name, int(rows["review_period"].min()), pledge)
        self.target[i] = max(self.target[i], pledge)
        admitted = getattr(self.alliance_rule, "admitted", None)
        if admitted is not None:
            admitted(i, name)

    def perceive_threats(self) -> None:
        """Step 2: hostility (with the security dilemma) and threat ``T_i``."""
        p = self.params
        exempt = None
        if p.wartime_dilemma == "enemies":  # amendment A15
            exempt = threat.wartime_exemption(self.mobilised, self.at_war)
        self.hostile = threat.hostility(
            self.baseline_hostility,
            self.arming,
            self.ties.allied,
            p.dilemma,
            p.normal_arming,
            exempt,
        )
        self.threat = threat.threat(self.capability, self.reach, self.hostile)

    def count_allied_support(self) -> None:
        """Step 3: allied support ``A_i``, discounted by each partner's credibility."""
        partner_target = np.where(self.target > 0, self.target, self.params.default_target)
        self.credibility = threat.credibility(self.share, partner_target)
        self.support = threat.allied_support(
            self.capability, self.support_reach, self.ties.commitment, self.credibility
        )

    def set_budgets(self) -> None:
        """Step 4: every nation's new share, by the budget rule or its schedule, within bounds."""
        share = self.budget_rule.shares(self)
        for i, scheduled in self.scheduled.items():
            share[i] = scheduled
        self.share = np.minimum(np.maximum(share, self.params.share_min), self.params.share_max)
        # the rule's war mobilisation (threat_response_v2), unless a schedule or a player set it
        mobilising = getattr(self.budget_rule, "mobilising", None)
        self.mobilised = np.zeros(len(share), dtype=bool)
        if mobilising is not None:
            self.mobilised[:] = mobilising
        self.mobilised[list(self.scheduled)] = False

    def invest(self) -> None:
        """Step 4, continued: spending builds the stock, ``K <- (1 - delta) K + s Y``."""
        before = self.capability
        with np.errstate(over="ignore", invalid="ignore"):  # checked on the next line
            self.capability = (1 - self.params.depreciation) * before + self.share * self.gdp
        self._stop_on_overflow("capability", self.capability, self.capability >= 0)
        with np.errstate(over="ignore"):  # a stock built from (almost) nothing: rate capped
            self.arming = np.divide(
                self.capability - before, before, out=np.zeros_like(before), where=before > 0
            )
        np.minimum(self.arming, MAX_ARMING_RATE, out=self.arming)

    def record(self) -> None:
        """Step 6: the world row every year, the nation rows every ``record_every`` years."""
        if self.params.blocs == "signed":  # ties +, rivalries and hostility -: every year
            self._blocs = signed_blocs(
                self.ties.commitment,
                self.hostile,
                seed=self._bloc_seed,
                resolution=self.params.bloc_resolution,
            ).members
        elif self._blocs_at != self.ties.changes:  # Louvain again only if a tie changed
            self._blocs = bloc_members(
                self.ties.graph,
                self.iso3,
                seed=self._bloc_seed,
                resolution=self.params.bloc_resolution,
            )
            self._blocs_at = self.ties.changes
        self.bloc = rank_blocs(self._blocs, self.capability)  # by this year's capability
        self.datacollector.collect(self)
        if self.steps % self.params.record_every == 0 or self.steps >= self.params.steps:
            self._nation_records.append(
                {
                    "capability": self.capability.copy(),
                    "gdp": self.gdp.copy(),
                    "share": self.share.copy(),
                    "threat": self.threat.copy(),
                    "allied_support": self.support.copy(),
                    "bloc": self.bloc.copy(),
                    "n_allies": self.ties.n_allies(),
                    "step": np.full(len(self.iso3), self.steps),
                }
            )

    # ------------------------------------------------------------------ helpers

    @property
    def graph(self):
        """The alliance graph (``networkx.Graph`` keyed by ISO3): :attr:`Ties.graph`."""
        return self.ties.graph

    def _reach(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reach of each nation's capability at each other (threat, support, theatre: the
        support's land component, M15), computed once.

        ``force_type`` (docs/MODEL.md, 3.8): land forces over one theatre from the border,
        discounted across water (with ``land_distance=home_base``, amendment A13, plus a home
        leg from the source's capital), and the major powers' global share everywhere; threat and
        support share it (support projects as far as the ally's reach). A world without borders
        data counts every pair as land-connected, at capital distance. ``capital_gradient``
        (docs/MODEL.md, 3.4): ``exp(-d / range)`` from capital to capital.
        """
        p, distance = self.params, self.capital_km
        if p.geography == "capital_gradient":
            own_range = np.where(self.major, p.major_range_km, p.threat_range_km)
            support_range = np.maximum(own_range, p.support_range_km)
            support = threat.decay(distance, support_range[None, :])
            return threat.decay(distance, own_range[None, :]), support, support  # no land split
        if len(self.world.borders):
            border = self.border_km
            connected = self._land_connected
        else:
            border, connected = distance, np.ones(distance.shape, dtype=bool)
        q = np.where(self.major, p.major_global_share, 0.0)
        home = p.home_range_km if p.land_distance == "home_base" else None
        by_type = projection.reach(
            border, distance, connected, q, p.land_range_km, p.global_range_km, p.water_discount,
            home,
        )  # fmt: skip
        return by_type.total, by_type.total, by_type.land  # land: the allies' forces in theatre

    def _set_war(self, rows_a: list[int], rows_b: list[int], at_war: bool) -> None:
        """The two groups are at war (or at peace again), both ways."""
        a, b = np.ix_(rows_a, rows_b)
        self.at_war[a, b] = at_war
        self.at_war[b.T, a.T] = at_war

    def raise_hostility(self, rows_a: list[int], rows_b: list[int], level: float) -> None:
        """Baseline hostility between the two groups becomes at least ``level``, both ways."""
        a, b = np.ix_(rows_a, rows_b)
        self.baseline_hostility[a, b] = np.maximum(self.baseline_hostility[a, b], level)
        self.baseline_hostility[b.T, a.T] = np.maximum(self.baseline_hostility[b.T, a.T], level)

    def _stop_on_overflow(self, what: str, values: np.ndarray, ok: np.ndarray) -> None:
        """Stop with the nation named rather than carry inf or NaN into the next year."""
        bad = ~(np.isfinite(values) & ok)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise OverflowStop(
                f"model.steps: in year {self.steps} the {what} of {self.iso3[i]} left the range "
                f"of a float ({values[i]:g}); run fewer steps or lower its gdp_growth"
            )

    def _members(self, name: str) -> list[int]:
        """Rows of a nation (ISO3) or of a treaty's members (as seeded)."""
        if name in self.row:
            return [self.row[name]]
        treaties = self.world.treaties
        return [self.row[c] for c in treaties.loc[treaties["treaty"] == name, "iso3"]]

    def _check_scenario(self) -> None:
        treaties = set(self.world.treaties["treaty"])
        sc = self.scenario_config
        for kind, items in (("schedules", sc.schedules), ("shocks", sc.shocks)):
            for n, item in enumerate(items):
                if item.iso3 not in self.row:
                    raise ScenarioError(
                        f"scenario.{kind}[{n}].iso3: {item.iso3!r} is not a "
                        f"nation of world {self.world.name}"
                    )
                absent = [
                    a
                    for a in getattr(item, "against", [])
                    if a not in self.row and a not in treaties
                ]
                nations = [a for a in getattr(item, "against", []) if a in self.row]
                if getattr(item, "kind", "") == "accession" and nations:
                    raise ScenarioError(
                        f"scenario.{kind}[{n}].against: an accession names treaties, and "
                        f"{', '.join(nations)} is a nation of world {self.world.name}"
                    )
                if absent:
                    _log.warning(
                        "scenario.%s[%d].against: %s not in world %s, skipped",
                        kind,
                        n,
                        ", ".join(absent),
                        self.world.name,
                    )

    # ------------------------------------------------------------------ tables

    def nations_table(self) -> pd.DataFrame:
        """One row per (recorded step, nation), the columns of ``nations.parquet``."""
        records = self._nation_records
        cols = {k: np.concatenate([r[k] for r in records]) for k in records[0]}
        frame = pd.DataFrame(
            {
                "step": cols["step"].astype(np.int64),
                "year": (cols["step"] + self.start_year).astype(np.int64),
                "iso3": np.tile(np.array(self.iso3, dtype=object), len(records)),
                "gdp": cols["gdp"],
                "milex": cols["gdp"] * cols["share"],
                "share": cols["share"],
                "capability": cols["capability"],
                "threat": cols["threat"],
                "allied_support": cols["allied_support"],
                "n_allies": cols["n_allies"].astype(np.int64),
                "bloc": cols["bloc"].astype(np.int64),
            }
        )
        return frame[NATION_COLUMNS]

    def nations_wide(self, column: str) -> pd.DataFrame:
        """One column of :meth:`nations_table` as a (recorded step x ISO3) frame, the codes in
        sorted order: ``nations_table().pivot(index="step", columns="iso3", values=column)``,
        stacked from the records without the long table (the page draws from these)."""
        records = self._nation_records
        if column == "milex":
            values = np.stack([r["gdp"] * r["share"] for r in records])
        else:
            values = np.stack([r[column] for r in records])
        codes = np.array(self.iso3, dtype=object)
        order = np.argsort(codes, kind="stable")
        return pd.DataFrame(
            np.ascontiguousarray(values[:, order]),
            index=pd.Index(np.array([r["step"][0] for r in records], dtype=np.int64), name="step"),
            columns=pd.Index(codes[order].tolist(), name="iso3"),
            copy=False,  # laid out as the pivot's (step-major), so sums along a row are its sums
        )

    def world_table(self) -> pd.DataFrame:
        """One row per step, the columns of ``world.parquet`` (and the rule's own)."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(names="step")
        frame["step"] = frame["step"].astype(np.int64)
        return frame

    def conflict_years(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The conflict-years a rule's conflict term reads (:func:`ucdp_conflict_years`; the
        rules reach no data of their own)."""
        return ucdp_conflict_years()

    def events_table(self) -> pd.DataFrame:
        """Every tie formed or dissolved during the run (seeded treaties are not events)."""
        return self.ties.events_table()


def recorded_gdp(iso3: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The shipped World Bank GDP (current US$) of the nations ``iso3``, (N, years) with nan where
    the table has no value, and its years (amendment A37, ``model.gdp_path=record``)."""
    table = world_bank_gdp().reindex(iso3)
    return table.to_numpy(float), table.columns.to_numpy(int)


@cache
def ucdp_conflict_years() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """UCDP's conflict-years from 1990 of every intensity (:func:`sim.worlds.observed.conflicts`):
    years, side A's and side B's ISO3 codes, intensity levels; read once per process, read-only."""
    rows = observed.conflicts(1990, 9999, min_intensity=1)
    arrays = tuple(rows[c].to_numpy() for c in ("year", "iso3_a", "iso3_b", "intensity_level"))
    for a in arrays:
        a.setflags(write=False)
    return arrays


class Geography(NamedTuple):
    """A world's distances (km) and land connections, what the model's reach is built from."""

    border_km: np.ndarray  # World.border_distance_km()
    capital_km: np.ndarray  # great-circle distances between the capitals
    connected: np.ndarray | None  # projection.land_connected(World.contiguity()); None: no borders


#: the geography of the worlds models were built of lately, by :func:`_geography_key` (the page
#: and a sweep build many models of one world; ~15-20 ms each for the default world's 10,585
#: border pairs), oldest first
_GEOGRAPHY: OrderedDict[str, Geography] = OrderedDict()
GEOGRAPHY_KEPT = 8
#: worlds of more nations are not kept: their (N, N) arrays (17 bytes a pair) would hold memory
#: that sim.bounds' estimate of a run does not count (8 kept worlds of 8,000 nations: ~8.7 GB);
#: every shipped world has fewer than 200 nations
GEOGRAPHY_MAX_NATIONS = 400
_GEOGRAPHY_LOCK = threading.Lock()


def world_geography(world: World) -> Geography:
    """``world``'s :class:`Geography`, computed once per content of what it is computed from
    (the nations' codes and capitals, the borders table); each caller gets its own copies.
    A world of more than :data:`GEOGRAPHY_MAX_NATIONS` nations is computed every time."""
    if len(world.nations) > GEOGRAPHY_MAX_NATIONS:
        return _compute_geography(world)
    key = _geography_key(world)
    with _GEOGRAPHY_LOCK:
        found = _GEOGRAPHY.get(key)
    if found is None:
        found = _compute_geography(world)
        with _GEOGRAPHY_LOCK:
            _GEOGRAPHY[key] = found
            while len(_GEOGRAPHY) > GEOGRAPHY_KEPT:
                _GEOGRAPHY.popitem(last=False)
    return Geography(*(None if a is None else a.copy() for a in found))


def _compute_geography(world: World) -> Geography:
    nations = world.nations
    return Geography(
        world.border_distance_km(),
        threat.great_circle_km(nations["lat"].to_numpy(), nations["lon"].to_numpy()),
        projection.land_connected(world.contiguity()) if len(world.borders) else None,
    )


def _geography_key(world: World) -> str:
    """A SHA-256 of every value the geography is computed from (~1 ms for the default world)."""
    digest = hashlib.sha256()
    tables = ((world.nations, ("iso3",), ("lat", "lon")),)
    tables += ((world.borders, ("iso3_a", "iso3_b"), ("contiguous", "distance_km")),)
    for frame, codes, numbers in tables:
        digest.update(f"{len(frame)}|".encode())
        for column in codes:
            digest.update("\0".join(map(str, frame[column].tolist())).encode() + b"|")
        for column in numbers:
            digest.update(frame[column].to_numpy(float).tobytes())
    return digest.hexdigest()


def load_world_for(world: WorldConfig, rng: object) -> World:
    """The world a config names; a synthetic world is drawn from ``rng`` when it is an int."""
    return load_world(world, rng if isinstance(rng, int) else 0)
