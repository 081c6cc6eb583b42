"""The fast paths compute what the plain formulas compute (issue 7).

Speed is measured by ``make bench`` (experiments/benchmark/), never asserted here. These tests pin
what the speed-ups must not change: the in-place rule functions equal the formulas written
plainly, the Louvain implementation equals networkx's, cached blocs equal blocs found afresh,
ties reviewed as index arrays behave as the (N, N) bookkeeping did, and ``record_every`` thins
the nation table without changing the run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from sim.config import ModelConfig, UtilityConfig, WorldConfig
from sim.metrics import bloc_labels, bloc_members, louvain_communities, rank_blocs
from sim.model import AllianceModel
from sim.rules import ALLIANCE_RULES, threat
from sim.rules import utility as alliance
from sim.rules.utility import Utility
from sim.worlds import World, load_world


def synthetic(n: int, seed: int = 0) -> World:
    return load_world(WorldConfig(name="synthetic", n=n), seed)


def canonical(communities) -> list[list[str]]:
    return sorted(sorted(map(str, c)) for c in communities)


# ----------------------------------------------------------------------------- Louvain


def random_graph(trial: int) -> nx.Graph:
    r = random.Random(trial)
    n = r.randint(2, 50)
    g = nx.gnp_random_graph(n, r.uniform(0.03, 0.4), seed=trial)
    if trial % 3 == 0:  # string nodes, in a shuffled insertion order
        codes = [f"N{u:03d}" for u in g]
        r.shuffle(codes)
        h = nx.Graph()
        h.add_nodes_from(codes)
        h.add_edges_from((codes[u], codes[v]) for u, v in g.edges)
        g = h
    for u, v in g.edges:  # the model's weights (0.5, 1) or arbitrary positive ones
        g.edges[u, v]["weight"] = r.choice([0.5, 1.0]) if trial % 2 else r.uniform(0.05, 3.0)
    if trial % 4 == 0:  # removed and re-added edges: a neighbour order unlike insertion order
        some = list(g.edges(data="weight"))[: g.number_of_edges() // 3]
        g.remove_edges_from([(u, v) for u, v, _ in some])
        g.add_weighted_edges_from(some[::-1])
    if trial % 7 == 0 and g.number_of_nodes():
        u = next(iter(g))
        g.add_edge(u, u, weight=1.0)  # a self-loop
    return g


@pytest.mark.parametrize("resolution", [1.0, 0.5])
@pytest.mark.parametrize("trial", range(60))
def test_louvain_equals_networkx(trial, resolution):
    g = random_graph(trial)
    for seed in (0, 1, 2**31 - 5):
        ours = louvain_communities(g, seed=seed, resolution=resolution)
        theirs = nx.community.louvain_communities(
            g, weight="weight", seed=seed, resolution=resolution
        )
        assert canonical(ours) == canonical(theirs)


def test_louvain_on_graphs_without_edges():
    g = nx.Graph()
    g.add_nodes_from("ABC")
    assert canonical(louvain_communities(g, seed=0)) == [["A"], ["B"], ["C"]]
    assert bloc_members(g, ["A", "B", "C"], seed=0) == []
    assert bloc_labels(g, ["A", "B", "C"], np.ones(3), seed=0).tolist() == [-1, -1, -1]


def test_bloc_labels_is_rank_of_members():
    g = random_graph(5)
    order = sorted(g, key=str)
    cap = np.random.default_rng(5).lognormal(size=len(order))
    expected = bloc_labels(g, order, cap, seed=3)
    assert np.array_equal(rank_blocs(bloc_members(g, order, seed=3), cap), expected)


# ----------------------------------------------------------------------------- the rules


def plain_tie_values(capability, threat_, support, support_reach, cred, hostile, regime, p):
    """tie_values as first written: one expression per term."""
    x = capability[None, :] * support_reach * cred[None, :]
    security = x / np.maximum(x + threat_[:, None], 1e-300)
    main = alliance.main_threat(capability, hostile, support_reach)
    shared = np.where(main >= 0, hostile[:, np.maximum(main, 0)], 0.0)
    exposure = threat_ / np.maximum(threat_ + capability + support, 1e-300)
    weight = capability[:, None] / np.maximum(capability[:, None] + capability[None, :], 1e-300)
    entrapment = exposure[None, :] * (1.0 - shared) * weight
    similarity = 1.0 - np.abs(regime[:, None] - regime[None, :]) / 2.0
    affinity = (similarity + shared) / 2.0
    utility = p.b_sec * security - p.b_ent * entrapment + p.b_aff * affinity - p.cost
    np.fill_diagonal(utility, -np.inf)
    return security, entrapment, affinity, utility


def plain_choose(utility, allied, hostile, p):
    mutual = np.minimum(utility, utility.T)
    ok = (mutual > p.form_threshold) & ~allied
    ok &= (hostile < p.max_hostility) & (hostile.T < p.max_hostility)
    i, j = np.nonzero(np.triu(ok, k=1))
    if len(i) == 0 or p.max_new_ties == 0:
        return []
    order = np.lexsort((j, i, -mutual[i, j]))[: p.max_new_ties]
    return [(int(i[k]), int(j[k])) for k in order]


def plain_strained(utility, share, pledge, allied, treaty_tie, p):
    valued = utility + p.treaty_bonus * treaty_tie
    low = np.minimum(valued, valued.T) < p.break_threshold
    shortfall = (pledge > 0) & (share[:, None] < pledge - p.free_ride_tolerance)
    return allied & (low | shortfall | shortfall.T)


def random_state(n: int, seed: int):
    rng = np.random.default_rng(seed)
    capability = rng.lognormal(3.0, 1.5, n)
    capability[rng.random(n) < 0.1] = 0.0  # some nations with nothing
    reach = np.exp(-rng.uniform(0, 3, (n, n)))
    reach = (reach + reach.T) / 2
    hostile = np.clip(rng.uniform(-0.3, 1.0, (n, n)), 0.0, 1.0)
    hostile[rng.random(n) < 0.2] = 0.0  # rows with no threat: main threat -1
    np.fill_diagonal(hostile, 0.0)
    allied = np.triu(rng.random((n, n)) < 0.15, k=1)
    allied = allied | allied.T
    treaty = allied & np.triu(rng.random((n, n)) < 0.5, k=1)
    treaty = treaty | treaty.T
    pledge = np.where(allied & (rng.random((n, n)) < 0.5), 0.02, 0.0)
    return {
        "capability": capability,
        "threat": rng.lognormal(2.0, 1.0, n) * (rng.random(n) < 0.9),
        "support": rng.lognormal(2.0, 1.0, n) * (rng.random(n) < 0.7),
        "reach": reach,
        "cred": rng.uniform(0.2, 1.0, n),
        "hostile": hostile,
        "regime": rng.uniform(-1, 1, n),
        "allied": allied,
        "treaty": treaty,
        "pledge": pledge,
        "share": rng.uniform(0.0, 0.05, n),
        "arming": rng.normal(0.03, 0.05, n),
        "baseline": np.clip(rng.uniform(-0.2, 0.9, (n, n)), 0, 1),
    }


@pytest.mark.parametrize("n,seed", [(1, 0), (2, 1), (3, 2), (17, 3), (60, 4), (150, 5), (700, 6)])
def test_rules_equal_plain_formulas(n, seed):
    s = random_state(n, seed)
    p = UtilityConfig(max_new_ties=3, form_threshold=-0.1)
    args = (
        s["capability"],
        s["threat"],
        s["support"],
        s["reach"],
        s["cred"],
        s["hostile"],
        s["regime"],
        p,
    )
    fast = alliance.tie_values(*args)
    for got, want in zip(fast, plain_tie_values(*args), strict=True):
        assert np.array_equal(got, want)  # bit for bit: same arithmetic, same order
    kept = alliance.tie_values(*args, similarity=alliance.regime_similarity(s["regime"]))
    for got, want in zip(kept, fast, strict=True):
        assert np.array_equal(got, want)
    u = fast.utility
    assert alliance.choose_new_ties(u, s["allied"], s["hostile"], p) == plain_choose(
        u, s["allied"], s["hostile"], p
    )
    for k in (0, 1, 2, 50):
        q = UtilityConfig(max_new_ties=k, form_threshold=-0.15)
        assert alliance.choose_new_ties(u, s["allied"], s["hostile"], q) == plain_choose(
            u, s["allied"], s["hostile"], q
        )
    got = alliance.strained(u, s["share"], s["pledge"], s["allied"], s["treaty"], p)
    want = plain_strained(u, s["share"], s["pledge"], s["allied"], s["treaty"], p)
    assert np.array_equal(got, want)
    h = threat.hostility(s["baseline"], s["arming"], s["allied"], 2.0, 0.03)
    plain_h = np.clip(s["baseline"] + 2.0 * np.maximum(0.0, s["arming"] - 0.03), 0.0, 1.0)
    plain_h[s["allied"]] = 0.0
    np.fill_diagonal(plain_h, 0.0)
    assert np.array_equal(h, plain_h)
    rows = np.flatnonzero(s["capability"] > np.median(s["capability"]))
    whole = alliance.main_threat(s["capability"], s["hostile"], s["reach"])
    part = alliance.main_threat(s["capability"], s["hostile"][rows], s["reach"][rows])
    assert np.array_equal(part, whole[rows])


def test_choose_new_ties_ranks_equal_values_by_index():
    u = np.full((5, 5), 0.3)
    np.fill_diagonal(u, -np.inf)
    p = UtilityConfig(max_new_ties=3)
    none = np.zeros((5, 5), bool)
    assert alliance.choose_new_ties(u, none, np.zeros((5, 5)), p) == [(0, 1), (0, 2), (0, 3)]


# ----------------------------------------------------------------------------- the model


@dataclass
class PlainUtilityConfig(UtilityConfig):
    name: str = "plain_utility"


class PlainUtility(Utility):
    """The utility rule's tie review with (N, N) bookkeeping, as first written."""

    Config = PlainUtilityConfig

    def revise(self, m) -> None:
        p, ties, t = self.params, m.ties, m.steps
        values = alliance.tie_values(
            m.capability,
            m.threat,
            m.support,
            m.support_reach,
            m.credibility,
            m.hostile,
            m.regime,
            p,
        )
        under_strain = plain_strained(
            values.utility, m.share, ties.pledge, ties.allied, ties.treaty_tie, p
        )
        self.strain = np.where(under_strain, self.strain + 1, 0)
        due = ties.allied & (t > ties.since) & ((t - ties.since) % ties.review == 0)
        patience = np.where(ties.treaty_tie, p.treaty_patience, p.patience)
        ending = np.triu(due & (self.strain >= patience), k=1)
        for i, j in zip(*np.nonzero(ending), strict=True):
            self._end(ties, int(i), int(j))
        blocked = ending | ending.T
        for i, j in plain_choose(values.utility, ties.allied | blocked, m.hostile, p):
            self._start(ties, i, j)
        n_allies = ties.allied.sum(axis=1)
        draws = m.rng.random(len(m.iso3))
        main = alliance.main_threat(m.capability, m.hostile, m.reach)
        for i in np.flatnonzero(alliance.bandwagoners(m.capability, m.threat, n_allies, draws, p)):
            j = int(main[i])
            if j >= 0 and not ties.allied[i, j] and values.utility[j, i] > p.break_threshold:
                self._start(ties, int(i), j)


@pytest.fixture
def plain_utility():
    ALLIANCE_RULES.register(PlainUtility)
    yield
    ALLIANCE_RULES.unregister("plain_utility")


def run(world, steps, rule, seed=3, record_every=1):
    model = AllianceModel(
        world,
        params=ModelConfig(steps=steps, record_every=record_every),
        alliance_rule=rule,
        rng=seed,
    )
    for _ in range(steps):
        model.step()
    return model


def test_tie_review_on_index_arrays_equals_plain_bookkeeping(plain_utility):
    # churn: short patience, frequent reviews, eager bandwagoning, many new ties a year
    terms = dict(patience=1, treaty_patience=2, review_period=1, bandwagon=0.6, max_new_ties=4)
    world = synthetic(120, seed=4)
    fast = run(world, 25, UtilityConfig(**terms))
    plain = run(world, 25, PlainUtilityConfig(**terms))
    events = fast.events_table()
    assert (events["event"] == "dissolved").any() and (events["event"] == "formed").any()
    pd.testing.assert_frame_equal(events, plain.events_table())
    pd.testing.assert_frame_equal(fast.nations_table(), plain.nations_table())
    pd.testing.assert_frame_equal(fast.world_table(), plain.world_table())
    assert np.array_equal(fast.alliance_rule.strain, plain.alliance_rule.strain)


@pytest.mark.parametrize("rule", [UtilityConfig(), UtilityConfig(max_new_ties=0, bandwagon=0.0)])
def test_cached_blocs_equal_blocs_found_afresh(rule):
    model = AllianceModel(
        synthetic(90, seed=2), params=ModelConfig(steps=30), alliance_rule=rule, rng=5
    )
    changed = 0
    for _ in range(30):
        before = model.ties.changes
        model.step()
        changed += model.ties.changes != before
        fresh = bloc_labels(
            model.graph,
            model.iso3,
            model.capability,
            seed=model._bloc_seed,
            resolution=model.params.bloc_resolution,
        )
        assert np.array_equal(model.bloc, fresh)
    assert model.graph.number_of_edges() > 0
    if rule.max_new_ties == 0:
        assert changed < 30  # years without a change of tie: the blocs were reused
    else:
        assert changed > 0


def test_tie_changes_counts_every_change_of_the_graph():
    model = AllianceModel(synthetic(60, seed=1), params=ModelConfig(steps=20), rng=2)
    start = model.ties.changes
    assert start == model.graph.number_of_edges()  # the seeded treaty ties
    for _ in range(20):
        model.step()
    events = model.events_table()
    assert model.ties.changes - start == len(events)


def test_record_every_thins_the_nation_table_only():
    world = synthetic(60, seed=3)
    rule = UtilityConfig()
    every = run(world, 11, rule, record_every=1)
    thin = run(world, 11, rule, record_every=4)
    nations = thin.nations_table()
    assert sorted(set(nations["step"])) == [0, 4, 8, 11]  # the last step is always kept
    full = every.nations_table()
    kept = full[full["step"].isin([0, 4, 8, 11])].reset_index(drop=True)
    pd.testing.assert_frame_equal(nations.reset_index(drop=True), kept)
    pd.testing.assert_frame_equal(thin.world_table(), every.world_table())  # every year
    pd.testing.assert_frame_equal(thin.events_table(), every.events_table())


# ----------------------------------------------------------------------------- burden sharing


@pytest.mark.parametrize("trial", range(40))
def test_burden_correlation_equals_scipy_spearmanr(trial):
    """The numpy Spearman equals scipy's statistic bit for bit, ties and NaNs included."""
    from scipy.stats import rankdata, spearmanr

    from sim.metrics import average_ranks, burden_correlation

    rng = np.random.default_rng(trial)
    n = int(rng.integers(3, 150))
    gdp = rng.lognormal(size=n) * 1e12
    share = rng.uniform(0.005, 0.05, size=n)
    if trial % 3 == 0:
        share = np.round(share, 3)  # tied shares
    if trial % 4 == 0:
        gdp = np.round(gdp, -12)  # tied GDPs
    if trial % 10 == 9:
        share[0] = np.nan
    assert np.array_equal(average_ranks(gdp), rankdata(gdp))
    ours, theirs = burden_correlation(gdp, share), spearmanr(gdp, share).statistic
    assert ours == theirs or (np.isnan(ours) and np.isnan(theirs))


def test_the_command_does_not_import_scipy_stats():
    """``python -m sim`` starts without scipy.stats (~0.9 s of every command and sweep)."""
    import subprocess
    import sys

    code = "import sys, sim.__main__; print('scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- the world cache


def test_world_read_once_per_process_equals_a_fresh_read_and_follows_its_files(tmp_path):
    """``sim.runner.read_world`` gives a copy equal to a fresh load; an edited file (same size,
    within the same clock tick) is read again; a copy changed by its caller changes no other."""
    import shutil
    from pathlib import Path

    from sim.runner import read_world

    example = Path(__file__).resolve().parents[1] / "experiments" / "custom_world_example"
    nations = tmp_path / "nations.csv"
    shutil.copy(example / "nations.csv", nations)
    cfg = WorldConfig(name="custom", path=str(nations))
    first, again = read_world(cfg), read_world(cfg)
    fresh = load_world(cfg)
    assert first is not again and first.nations is not again.nations
    for world in (first, again):
        pd.testing.assert_frame_equal(world.nations, fresh.nations)
        pd.testing.assert_frame_equal(world.treaties, fresh.treaties)
        pd.testing.assert_frame_equal(world.borders, fresh.borders)
        assert world.rivalries == fresh.rivalries and world.content_hash == fresh.content_hash
    first.nations.loc[0, "milex_usd"] = -1.0
    assert read_world(cfg).nations.loc[0, "milex_usd"] == fresh.nations.loc[0, "milex_usd"]

    text = nations.read_text()
    edited = text.replace(text.splitlines()[1], text.splitlines()[1].replace("1", "2", 1), 1)
    assert len(edited) == len(text) and edited != text
    nations.write_text(edited)  # same size, and most likely the same mtime tick
    pd.testing.assert_frame_equal(read_world(cfg).nations, load_world(cfg).nations)
    assert not read_world(cfg).nations.equals(fresh.nations)
    today = read_world(WorldConfig(name="today"))
    pd.testing.assert_frame_equal(today.nations, load_world(WorldConfig(name="today")).nations)


def test_nations_wide_is_the_pivot_of_the_nation_table_laid_out_alike():
    """The page's (step x ISO3) frames: equal to the pivot, and laid out as it is (step-major),
    so sums along either axis are the pivot's bit for bit (numpy's order follows the layout)."""
    model = AllianceModel(synthetic(40, seed=4), params=ModelConfig(steps=8, record_every=3))
    for _ in range(8):
        model.step()
    table = model.nations_table()
    for column in ("share", "milex", "capability", "bloc", "threat", "n_allies"):
        pivot = table.pivot(index="step", columns="iso3", values=column)
        wide = model.nations_wide(column)
        pd.testing.assert_frame_equal(wide, pivot, check_exact=True)
        assert wide._mgr.blocks[0].values.strides == pivot._mgr.blocks[0].values.strides
        for axis in (0, 1):
            assert np.array_equal(wide.sum(axis=axis).to_numpy(), pivot.sum(axis=axis).to_numpy())


def test_geography_kept_per_world_equals_the_worlds_own_and_is_copied_per_model():
    world = load_world(WorldConfig(name="today"))
    first, second = AllianceModel(world), AllianceModel(load_world(WorldConfig(name="today")))
    assert np.array_equal(first.border_km, world.border_distance_km())
    lat, lon = world.nations["lat"].to_numpy(), world.nations["lon"].to_numpy()
    assert np.array_equal(first.capital_km, threat.great_circle_km(lat, lon))
    assert np.array_equal(first.reach, second.reach)
    second.border_km[0, 1] = -1.0  # one model's copy, not the kept one
    assert AllianceModel(world).border_km[0, 1] == world.border_distance_km()[0, 1]
    moved = world.nations.copy()
    moved.loc[0, "lat"] += 1.0  # another capital: another geography
    other = AllianceModel(World(**{**world.__dict__, "nations": moved}))
    assert not np.array_equal(other.capital_km, first.capital_km)


def test_geography_of_a_large_world_is_not_kept(monkeypatch):
    """A world above ``GEOGRAPHY_MAX_NATIONS`` is computed for its model and not kept, so the
    memory a run uses stays what ``sim.bounds`` estimates."""
    from sim import model as model_module

    world = load_world(WorldConfig(name="today"))
    monkeypatch.setattr(model_module, "_GEOGRAPHY", type(model_module._GEOGRAPHY)())
    monkeypatch.setattr(model_module, "GEOGRAPHY_MAX_NATIONS", len(world.nations) - 1)
    built = AllianceModel(world)
    assert np.array_equal(built.border_km, world.border_distance_km())
    assert len(model_module._GEOGRAPHY) == 0
    monkeypatch.setattr(model_module, "GEOGRAPHY_MAX_NATIONS", len(world.nations))
    AllianceModel(world)
    assert len(model_module._GEOGRAPHY) == 1
