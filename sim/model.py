"""AllianceModel: nations set defence budgets and form or dissolve alliance ties, year by year.

Each step is one year, in the order of DESIGN.md: shocks, threat, allied support, budgets,
alliances, record. Pairwise quantities are (N, N) numpy arrays; distances and their decay are
computed once per world. The alliance graph is a ``networkx.Graph`` keyed by ISO3 and changes only
where ties change.
"""

from __future__ import annotations

import logging

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from sim.agents import NationAgent
from sim.config import (
    AllianceRuleConfig,
    BalanceConfig,
    BudgetRuleConfig,
    LandscapeConfig,
    ModelConfig,
    ScenarioConfig,
    ThreatResponseConfig,
    UtilityConfig,
    scenario_budget_rule,
)
from sim.metrics import bloc_members, polarity, rank_blocs, share_at_target
from sim.rules import alliance, balance, landscape, threat
from sim.rules.budget import (
    BUDGET_RULES,
    BudgetInputs,
    anchored_floor,
    check_richardson,
    richardson_coefficients,
)
from sim.worlds import World

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
EVENT_COLUMNS = ["step", "year", "a", "b", "event", "treaty"]


class ScenarioError(ValueError):
    """A scenario names a nation or treaty the world does not have."""


class OverflowStop(ArithmeticError):
    """The state left the range of a float (e.g. 50% growth for thousands of years)."""


#: the least a year's GDP can be multiplied by (growth plus guns-versus-butter drag): an economy
#: shrinks by at most 99% a year, so GDP stays positive however large the drag
MIN_GDP_FACTOR = 0.01
#: the largest yearly capability growth rate the security dilemma sees; a stock built from a
#: denormal start would otherwise grow "infinitely" fast and 0 * inf gives NaN hostility
MAX_ARMING_RATE = 1e12


class AllianceModel(mesa.Model):
    """Alliances among nations under shifting defence budgets.

    Parameters
    ----------
    world : the nations, treaties and rivalries to start from (:func:`sim.worlds.load_world`).
    params, budget_rule, alliance_rule, scenario : plain dataclasses from :mod:`sim.config`.
    seed : roots ``model.rng`` and ``model.random``; networkx calls get seeds drawn from them.
    """

    def __init__(
        self,
        world: World,
        params: ModelConfig | None = None,
        budget_rule: BudgetRuleConfig | None = None,
        alliance_rule: AllianceRuleConfig | None = None,
        scenario: ScenarioConfig | None = None,
        seed: int | None = 0,
    ) -> None:
        super().__init__(rng=seed)
        self.world = world
        self.params = p = params or ModelConfig()
        self.budget_params = budget_rule or ThreatResponseConfig()
        self.alliance_params = alliance_rule or UtilityConfig()
        self.scenario = scenario or ScenarioConfig(name="baseline")
        self.budget_rule = BUDGET_RULES[self.budget_params.name]

        nations = world.nations
        self.iso3: list[str] = list(nations["iso3"])
        self.row = {code: i for i, code in enumerate(self.iso3)}
        self.start_year = world.year
        n = len(self.iso3)

        # per-nation state
        self.gdp = nations["gdp_usd"].to_numpy(float).copy()
        self.share = np.clip(
            nations["milex_usd"].to_numpy(float) / self.gdp, p.share_min, p.share_max
        )
        self.capability = self.share * self.gdp / p.depreciation  # the steady-state stock
        self.growth = nations["gdp_growth"].to_numpy(float)
        self.regime = nations["regime"].to_numpy(float)
        self.major = nations["major_power"].to_numpy(bool)
        self.arming = np.zeros(n)
        self.threat = np.zeros(n)
        self.support = np.zeros(n)

        # geography, once: phi(d) with a flatter gradient for the major powers
        distance = threat.great_circle_km(nations["lat"].to_numpy(), nations["lon"].to_numpy())
        own_range = np.where(self.major, p.major_range_km, p.threat_range_km)
        self.reach = threat.decay(distance, own_range[None, :])
        self.support_reach = threat.decay(
            distance, np.maximum(own_range, p.support_range_km)[None, :]
        )
        self.baseline_hostility = (
            p.regime_hostility * np.abs(self.regime[:, None] - self.regime[None, :]) / 2.0
        )
        self.similarity = alliance.regime_similarity(self.regime)  # regimes do not change
        for (a, b), h in world.rivalries.items():
            self._raise_hostility([self.row[a]], [self.row[b]], h)

        # the alliance graph and its array mirror
        self.graph = nx.Graph()
        self.graph.add_nodes_from(
            (
                row.iso3,
                {
                    "name": row.name,
                    "lat": row.lat,
                    "lon": row.lon,
                    "major_power": bool(row.major_power),
                },
            )
            for row in nations.itertuples(index=False)
        )
        self.allied = np.zeros((n, n), dtype=bool)
        self.commitment = np.zeros((n, n))
        self.pledge = np.zeros((n, n))
        self.since = np.zeros((n, n), dtype=np.int64)
        self.review = np.ones((n, n), dtype=np.int64)
        self.strain = np.zeros((n, n), dtype=np.int64)
        self.treaty_tie = np.zeros((n, n), dtype=bool)
        self.target = np.zeros(n)
        self.events: list[tuple] = []
        self.formed_now = self.dissolved_now = 0
        self.tie_changes = 0  # ties formed or dissolved so far (the graph changes only then)
        self._seed_treaties(world.treaties)

        for i, code in enumerate(self.iso3):
            NationAgent(self, i, code, str(nations["name"].iloc[i]), bool(self.major[i]))

        self.scheduled: dict[int, float] = {}
        self.chosen_shares: dict[int, float] = {}  # players' budgets for the next year
        self.chosen_ties: list[tuple[int, int, bool]] = []  # players' ties to form or leave
        self._schedule_start: dict[int, tuple[float, float]] = {}
        self._check_scenario()

        self._setup_alliance_rule()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "year": lambda m: m.start_year + m.steps,
                "n_ties": lambda m: m.graph.number_of_edges(),
                "n_blocs": lambda m: int(m.bloc.max()) + 1,
                "polarity": lambda m: polarity(m.bloc, m.capability),
                "mean_share": lambda m: float(m.share.mean()),
                "world_milex": lambda m: float((m.share * m.gdp).sum()),
                "share_at_target": lambda m: share_at_target(m.share, m.target),
                "ties_formed": lambda m: m.formed_now,
                "ties_dissolved": lambda m: m.dissolved_now,
            }
            | self._rule_reporters()
        )
        self._nation_records: list[dict[str, np.ndarray]] = []
        # one networkx seed for the whole run: the same graph always gives the same blocs
        self._bloc_seed = self.random.getrandbits(32)
        self._blocs: list[np.ndarray] = []
        self._blocs_at = -1  # the value of tie_changes when the blocs were last found
        self.perceive_threats()
        self.count_allied_support()
        self.floor = np.full(n, getattr(self.budget_params, "s_floor", 0.0))
        self.coefficients = None  # per-nation Richardson k, a, g (budget_rule=richardson)
        if self.budget_params.name == "richardson":
            self.coefficients = richardson_coefficients(self.iso3, self.budget_params)
            check_richardson(self.coefficients, self.hostile, self.budget_params)
        if getattr(self.budget_params, "anchor", False):
            self.prepare_budget_inputs()
            self.floor = np.array(
                [anchored_floor(x, self.budget_params) for x in self.budget_inputs]
            )
        if self.scenario.budget_changes:  # a policy change from year 1, after the calibration
            self.change_budget_rule(scenario_budget_rule(self.scenario, self.budget_params))
        self.record()

    def change_budget_rule(self, params: BudgetRuleConfig) -> None:
        """Use ``params`` (same rule, new values) from the next year on; anchored floors stay."""
        if params.name != self.budget_params.name:
            raise ValueError(f"cannot switch rule {self.budget_params.name} to {params.name}")
        self.budget_params = params
        if params.name == "richardson":
            self.coefficients = richardson_coefficients(self.iso3, params)
            check_richardson(self.coefficients, self.hostile, params)
        if not getattr(params, "anchor", False):
            self.floor = np.full(len(self.iso3), getattr(params, "s_floor", 0.0))

    # ------------------------------------------------------------------ the year

    def step(self) -> None:
        """One year: shocks, threat, allied support, budgets, alliances, record."""
        self.formed_now = self.dissolved_now = 0
        self.grow_economies()
        self.apply_shocks()
        self.perceive_threats()
        self.count_allied_support()
        self.prepare_budget_inputs()
        self.agents.do("set_budget")
        self.invest()
        self.revise_alliances()
        self.apply_chosen_ties()
        self.record()

    def choose_share(self, iso3: str, share: float) -> None:
        """A player's budget (the page's class mode): ``iso3`` spends ``share`` of GDP in the
        next year instead of what its budget rule would choose, as a schedule does."""
        self.chosen_shares[self.row[iso3]] = float(share)

    def choose_tie(self, a: str, b: str, ally: bool) -> None:
        """A player's tie: ``a`` and ``b`` form (``ally``) or leave their tie in the next year."""
        self.chosen_ties.append((self.row[a], self.row[b], bool(ally)))

    def apply_chosen_ties(self) -> None:
        """Step 5, continued: the players' ties, after the alliance rule's."""
        p = self.alliance_params
        for i, j, ally in self.chosen_ties:
            if ally and not self.allied[i, j]:
                weight, review = getattr(p, "new_tie_weight", 1.0), getattr(p, "review_period", 5)
                self._form(i, j, treaty="", weight=weight, review=review)
            elif not ally and self.allied[i, j]:
                self._dissolve(i, j)
        self.chosen_ties = []

    def apply_shocks(self) -> None:
        """Step 1: the scenario's GDP and hostility shocks, and this year's scheduled shares."""
        t = self.steps
        for shock in self.scenario.shocks:
            if max(shock.step, 1) != t:
                continue
            i = self.row[shock.iso3]
            if shock.kind == "gdp":
                self.gdp[i] *= shock.value
            else:
                others = [j for name in shock.against for j in self._members(name) if j != i]
                if not others:
                    continue
                self._raise_hostility([i], others, shock.value)
        self.scheduled = {}
        for s in self.scenario.schedules:
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

    def perceive_threats(self) -> None:
        """Step 2: hostility (with the security dilemma) and threat ``T_i``."""
        p = self.params
        self.hostile = threat.hostility(
            self.baseline_hostility, self.arming, self.allied, p.dilemma, p.normal_arming
        )
        self.threat = threat.threat(self.capability, self.reach, self.hostile)

    def count_allied_support(self) -> None:
        """Step 3: allied support ``A_i``, discounted by each partner's credibility."""
        partner_target = np.where(self.target > 0, self.target, self.params.default_target)
        self.credibility = threat.credibility(self.share, partner_target)
        self.support = threat.allied_support(
            self.capability, self.support_reach, self.commitment, self.credibility
        )

    def prepare_budget_inputs(self) -> None:
        """What each nation sees when it sets its budget, and this year's noise draws."""
        n = len(self.iso3)
        sigma = self.budget_params.noise
        noise = self.rng.normal(0.0, sigma, n) if sigma > 0 and self.steps > 0 else np.zeros(n)
        hostile_shares = self.hostile @ self.share
        floor = getattr(self, "floor", np.zeros(n))
        self.budget_inputs = [
            BudgetInputs(*row)
            for row in zip(
                self.share.tolist(),
                self.capability.tolist(),
                self.threat.tolist(),
                self.support.tolist(),
                self.target.tolist(),
                hostile_shares.tolist(),
                floor.tolist(),
                noise.tolist(),
                *(
                    [c.tolist() for c in self.coefficients]
                    if getattr(self, "coefficients", None) is not None
                    else []
                ),
                strict=True,
            )
        ]

    def grow_economies(self) -> None:
        """The year opens: GDP grows, slowed by last year's spending above the reference share
        (guns versus butter): ``Y <- Y (1 + g - drag * max(0, s - s_ref))``."""
        p = self.params
        drag = p.growth_drag * np.maximum(0.0, self.share - p.reference_share)
        self.last_milex = self.share * self.gdp
        with np.errstate(over="ignore"):  # checked on the next line, with the nation named
            self.gdp = self.gdp * np.maximum(1 + self.growth - drag, MIN_GDP_FACTOR)
        self._stop_on_overflow("GDP", self.gdp, self.gdp > 0)

    def _stop_on_overflow(self, what: str, values: np.ndarray, ok: np.ndarray) -> None:
        """Stop with the nation named rather than carry inf or NaN into the next year."""
        bad = ~(np.isfinite(values) & ok)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise OverflowStop(
                f"model.steps: in year {self.steps} the {what} of {self.iso3[i]} left the range "
                f"of a float ({values[i]:g}); run fewer steps or lower its gdp_growth"
            )

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

    def revise_alliances(self) -> None:
        """Step 5: the configured alliance rule forms and dissolves ties."""
        if self.alliance_params.name == "utility":
            self._utility_alliances()
        elif self.alliance_params.name == "landscape":
            self._landscape_alliances()
        elif self.alliance_params.name == "balance":
            self._balance_alliances()

    def record(self) -> None:
        """Step 6: the world row every year, the nation rows every ``record_every`` years."""
        if self._blocs_at != self.tie_changes:  # Louvain again only if a tie changed
            self._blocs = bloc_members(
                self.graph, self.iso3, seed=self._bloc_seed, resolution=self.params.bloc_resolution
            )
            self._blocs_at = self.tie_changes
        self.bloc = rank_blocs(self._blocs, self.capability)  # by this year's capability
        self.datacollector.collect(self)
        last = self.steps >= self.params.steps
        if self.steps % self.params.record_every == 0 or last:
            self._nation_records.append(
                {
                    "capability": self.capability.copy(),
                    "gdp": self.gdp.copy(),
                    "share": self.share.copy(),
                    "threat": self.threat.copy(),
                    "allied_support": self.support.copy(),
                    "bloc": self.bloc.copy(),
                    "n_allies": np.count_nonzero(self.allied, axis=1),
                    "step": np.full(len(self.iso3), self.steps),
                }
            )

    # ------------------------------------------------------------------ alliance rules

    def _utility_alliances(self) -> None:
        p: UtilityConfig = self.alliance_params
        t = self.steps
        values = alliance.tie_values(
            self.capability,
            self.threat,
            self.support,
            self.support_reach,
            self.credibility,
            self.hostile,
            self.regime,
            p,
            similarity=self.similarity,
        )
        # each tie once (a < b): strain counts its consecutive strained years, and it ends at a
        # review date once that count reaches its patience (treaty ties: treaty_patience)
        a, b = np.nonzero(self.allied)
        a, b = a[a < b], b[a < b]
        under_strain = alliance.strained(
            values.utility, self.share, self.pledge, self.allied, self.treaty_tie, p
        )[a, b]
        strain = np.where(under_strain, self.strain[a, b] + 1, 0)
        self.strain[a, b] = self.strain[b, a] = strain
        since = self.since[a, b]
        due = (t > since) & ((t - since) % self.review[a, b] == 0)
        patience = np.where(self.treaty_tie[a, b], p.treaty_patience, p.patience)
        ending = due & (strain >= patience)
        # chosen among this year's non-allies, so a tie that ends now does not re-form at once
        new_ties = alliance.choose_new_ties(values.utility, self.allied, self.hostile, p)
        for i, j in zip(a[ending], b[ending], strict=True):
            self._dissolve(int(i), int(j))
        for i, j in new_ties:
            self._form(i, j, treaty="", weight=p.new_tie_weight, review=p.review_period)
        n_allies = np.count_nonzero(self.allied, axis=1)
        draws = self.rng.random(len(self.iso3))
        joining = np.flatnonzero(
            alliance.bandwagoners(self.capability, self.threat, n_allies, draws, p)
        )
        main = alliance.main_threat(self.capability, self.hostile[joining], self.reach[joining])
        for i, j in zip(joining.tolist(), main.tolist(), strict=True):
            if j >= 0 and not self.allied[i, j] and values.utility[j, i] > p.break_threshold:
                self._form(i, j, treaty="", weight=p.new_tie_weight, review=p.review_period)

    def _setup_alliance_rule(self) -> None:
        """State the landscape and balance rules keep from year to year."""
        name = self.alliance_params.name
        if name == "landscape":
            p: LandscapeConfig = self.alliance_params
            self.treaty_history = self.treaty_tie.copy()  # T_ij: a treaty together at the start
            self.fixed_propensity = (
                landscape.read_propensity(p.propensity, self.iso3) if p.propensity else None
            )
            self.coalition = None
            self._find_coalitions()
        elif name == "balance":
            self.sign = np.where(self.allied, 1, 0).astype(np.int64)
            self._mark_enemies()
            self.balanced_now = balance.balanced_fraction(self.sign)

    def _rule_reporters(self) -> dict:
        """World-table columns of the chosen alliance rule (none for utility and none)."""
        if self.alliance_params.name == "landscape":
            return {"landscape_energy": lambda m: m.landscape_energy}
        if self.alliance_params.name == "balance":
            return {"balanced_triads": lambda m: m.balanced_now}
        return {}

    def propensity(self) -> np.ndarray:
        """Landscape propensities ``p_ij``: the user's matrix, or the documented formula."""
        if self.fixed_propensity is not None:
            return self.fixed_propensity
        p: LandscapeConfig = self.alliance_params
        return landscape.propensity_matrix(
            self.regime,
            self.baseline_hostility,
            self.treaty_history,
            p.regime_weight,
            p.hostility_weight,
            p.treaty_weight,
        )

    def capability_shares(self) -> np.ndarray:
        """Each nation's share of world capability (equal shares when nobody has any)."""
        total = self.capability.sum()
        if not total > 0:
            return np.full(len(self.iso3), 1.0 / len(self.iso3))
        return self.capability / total

    def _find_coalitions(self) -> None:
        """This year's least-energy two-coalition configuration (sizes: capability shares)."""
        p: LandscapeConfig = self.alliance_params
        start = self.coalition
        if start is None and p.restarts == 0:  # local search needs a start: one coalition
            start = np.zeros(len(self.iso3), dtype=np.int64)
        found = landscape.landscape_minimum(
            self.capability_shares(),
            self.propensity(),
            self.rng,
            exact_max=p.exact_max,
            restarts=p.restarts,
            start=start,
        )
        self.coalition, self.landscape_energy = found.partition, found.energy

    def _landscape_alliances(self) -> None:
        """Ties follow the landscape's two coalitions (Axelrod & Bennett 1993).

        Ties across the coalitions dissolve after ``patience`` (treaty ties: ``treaty_patience``)
        consecutive years apart; ``strain`` counts those years. Inside a coalition, pairs with
        propensity >= ``form_propensity`` form ties, largest stake ``s_i s_j p_ij`` first.
        """
        p: LandscapeConfig = self.alliance_params
        self._find_coalitions()
        prop = self.propensity()
        apart = self.coalition[:, None] != self.coalition[None, :]
        self.strain = np.where(self.allied & apart, self.strain + 1, 0)
        patience = np.where(self.treaty_tie, p.treaty_patience, p.patience)
        ending = np.triu(self.allied & (self.strain >= patience), k=1)
        for i, j in zip(*np.nonzero(ending), strict=True):
            self._dissolve(int(i), int(j))
        sizes = self.capability_shares()
        stake = sizes[:, None] * sizes[None, :] * prop
        open_pairs = np.triu(~apart & ~self.allied & (prop >= p.form_propensity), k=1)
        rows, cols = np.nonzero(open_pairs)
        order = np.lexsort((cols, rows, -stake[rows, cols]))[: p.max_new_ties]
        for i, j in zip(rows[order], cols[order], strict=True):
            self._form(int(i), int(j), treaty="", weight=p.new_tie_weight, review=p.review_period)

    def _mark_enemies(self) -> None:
        """Non-allied pairs whose baseline hostility (either way) reaches the threshold are -."""
        p: BalanceConfig = self.alliance_params
        hostile = np.maximum(self.baseline_hostility, self.baseline_hostility.T)
        enemies = (hostile >= p.hostile_threshold) & ~self.allied & (self.sign == 0)
        np.fill_diagonal(enemies, False)
        self.sign[enemies] = -1

    def _balance_alliances(self) -> None:
        """Repair imbalanced triads of the signed graph (ties +, rivalries -) by CTD.

        New rivalries (scenario shocks) join the graph as negative links first. A link that
        turns + forms a tie; a tie that turns - dissolves and the pair's baseline hostility rises
        to ``hostile_threshold`` (a broken alliance between camps is a rivalry).
        """
        p: BalanceConfig = self.alliance_params
        self._mark_enemies()
        result = balance.constrained_triad_dynamics(self.sign, self.rng, p.max_updates)
        changed = np.triu(result.sign != self.sign, k=1)
        self.sign = result.sign
        for i, j in zip(*np.nonzero(changed), strict=True):
            i, j = int(i), int(j)
            if self.sign[i, j] > 0:
                self._form(i, j, treaty="", weight=p.new_tie_weight, review=p.review_period)
            else:
                self._dissolve(i, j)
                self._raise_hostility([i], [j], p.hostile_threshold)
        self.balanced_now = result.balanced_fraction

    # ------------------------------------------------------------------ tie bookkeeping

    def _form(
        self,
        i: int,
        j: int,
        treaty: str,
        weight: float,
        review: int,
        pledges: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        """Add the tie i-j; ``pledges`` are the shares of GDP it asks of i and of j."""
        t = self.steps
        for a, b, pledge in ((i, j, pledges[0]), (j, i, pledges[1])):
            self.allied[a, b] = True
            self.commitment[a, b] = weight
            self.pledge[a, b] = pledge
            self.since[a, b] = t
            self.review[a, b] = review
            self.strain[a, b] = 0
            self.treaty_tie[a, b] = bool(treaty)
        self.graph.add_edge(
            self.iso3[i],
            self.iso3[j],
            since=t,
            treaty=treaty,
            weight=weight,
            review_period=review,
            pledge=max(pledges),
        )
        self.tie_changes += 1
        if t > 0:
            self.formed_now += 1
            self.events.append(
                (t, self.start_year + t, self.iso3[i], self.iso3[j], "formed", treaty)
            )

    def _dissolve(self, i: int, j: int) -> None:
        t = self.steps
        treaty_name = self.graph.edges[self.iso3[i], self.iso3[j]]["treaty"]
        self.graph.remove_edge(self.iso3[i], self.iso3[j])
        for a, b in ((i, j), (j, i)):
            self.allied[a, b] = self.treaty_tie[a, b] = False
            self.commitment[a, b] = self.pledge[a, b] = 0.0
            self.strain[a, b] = 0
        self.dissolved_now += 1
        self.tie_changes += 1
        self.events.append(
            (t, self.start_year + t, self.iso3[i], self.iso3[j], "dissolved", treaty_name)
        )

    def _seed_treaties(self, treaties: pd.DataFrame) -> None:
        """Each treaty is a clique; a pair in two treaties keeps the first listed.

        A member's pledge is its own ``target_share`` row (blank: no pledge, as for Iceland).
        """
        for name, members in treaties.groupby("treaty", sort=False):
            rows = [self.row[c] for c in members["iso3"]]
            pledge = np.nan_to_num(members["target_share"].to_numpy(float), nan=0.0)
            review = int(members["review_period"].min())
            self.target[rows] = np.maximum(self.target[rows], pledge)
            for k, i in enumerate(rows):
                for m, j in enumerate(rows[k + 1 :], start=k + 1):
                    if not self.allied[i, j]:
                        self._form(
                            i,
                            j,
                            treaty=str(name),
                            weight=1.0,
                            review=review,
                            pledges=(float(pledge[k]), float(pledge[m])),
                        )

    def _members(self, name: str) -> list[int]:
        """Rows of a nation (ISO3) or of a treaty's members (as seeded)."""
        if name in self.row:
            return [self.row[name]]
        members = self.world.treaties.loc[
            self.world.treaties["treaty"] == name, "iso3"
        ]  # [] if absent
        return [self.row[c] for c in members]

    def _raise_hostility(self, rows_a: list[int], rows_b: list[int], level: float) -> None:
        a, b = np.ix_(rows_a, rows_b)
        self.baseline_hostility[a, b] = np.maximum(self.baseline_hostility[a, b], level)
        self.baseline_hostility[b.T, a.T] = np.maximum(self.baseline_hostility[b.T, a.T], level)

    def _check_scenario(self) -> None:
        treaties = set(self.world.treaties["treaty"])
        for kind, items in (
            ("schedules", self.scenario.schedules),
            ("shocks", self.scenario.shocks),
        ):
            for n, item in enumerate(items):
                if item.iso3 not in self.row:
                    raise ScenarioError(
                        f"scenario.{kind}[{n}].iso3: {item.iso3!r} is not a nation "
                        f"of world {self.world.name}"
                    )
                absent = [
                    a
                    for a in getattr(item, "against", [])
                    if a not in self.row and a not in treaties
                ]
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
        """One row per (recorded step, nation), columns as DESIGN.md's ``nations.parquet``."""
        n = len(self.iso3)
        cols = {
            k: np.concatenate([r[k] for r in self._nation_records]) for k in self._nation_records[0]
        }
        frame = pd.DataFrame(
            {
                "step": cols["step"].astype(np.int64),
                "year": (cols["step"] + self.start_year).astype(np.int64),
                "iso3": np.tile(np.array(self.iso3, dtype=object), len(self._nation_records)),
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
        assert len(frame) == n * len(self._nation_records)
        return frame[NATION_COLUMNS]

    def world_table(self) -> pd.DataFrame:
        """One row per step, columns as DESIGN.md's ``world.parquet``."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(names="step")
        frame["step"] = frame["step"].astype(np.int64)
        return frame

    def events_table(self) -> pd.DataFrame:
        """Every tie formed or dissolved during the run (seeded treaties are not events)."""
        return pd.DataFrame(self.events, columns=EVENT_COLUMNS).astype(
            {"step": np.int64, "year": np.int64}
        )
