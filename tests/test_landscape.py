"""Landscape theory: the vectorised search against brute force and the Ising form; the rule."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from sim.config import (
    ConfigError,
    LandscapeConfig,
    ModelConfig,
    NoAllianceConfig,
    WorldConfig,
    compose,
)
from sim.model import AllianceModel
from sim.rules.landscape import (
    landscape_energy,
    landscape_minimum,
    local_search,
    pair_weights,
    propensity_matrix,
    read_propensity,
)
from sim.worlds import load_world


def random_instance(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = rng.random(n)
    sizes /= sizes.sum()
    p = rng.uniform(-1, 1, (n, n))
    p = (p + p.T) / 2
    np.fill_diagonal(p, 0)
    return sizes, p


def brute_force(sizes: np.ndarray, p: np.ndarray) -> float:
    """Every labelling of n actors (both label orders), by explicit double loop."""
    n = len(sizes)
    best = np.inf
    for labels in itertools.product((0, 1), repeat=n):
        e = sum(
            sizes[i] * sizes[j] * p[i, j]
            for i in range(n)
            for j in range(i + 1, n)
            if labels[i] != labels[j]
        )
        best = min(best, e)
    return best


def ising_energy(spins: np.ndarray, sizes: np.ndarray, p: np.ndarray) -> float:
    n = len(spins)
    return sum(
        sizes[i] * sizes[j] * p[i, j] * (1 - spins[i] * spins[j]) / 2
        for i in range(n)
        for j in range(i + 1, n)
    )


def test_energy_by_hand():
    sizes = np.array([0.5, 0.3, 0.2])
    p = np.array([[0, 1.0, -1.0], [1.0, 0, 0.5], [-1.0, 0.5, 0]])
    # {A, B} vs {C}: cross pairs A-C and B-C: 0.5*0.2*(-1) + 0.3*0.2*0.5 = -0.1 + 0.03
    assert landscape_energy(np.array([0, 0, 1]), sizes, p) == pytest.approx(-0.07)
    assert landscape_energy(np.array([0, 0, 0]), sizes, p) == 0.0
    found = landscape_minimum(sizes, p)
    assert found.exact and found.partition.tolist() == [0, 0, 1]
    assert found.energy == pytest.approx(-0.07)


@pytest.mark.parametrize("n,seed", [(2, 0), (5, 1), (8, 2), (10, 3), (11, 4), (12, 5)])
def test_exact_search_equals_brute_force(n, seed):
    sizes, p = random_instance(n, seed)
    found = landscape_minimum(sizes, p, chunk=37)  # small chunks: the chunk seams are crossed
    assert found.exact and found.evaluated == 2 ** (n - 1)
    assert found.energy == pytest.approx(brute_force(sizes, p), abs=1e-12)
    assert landscape_energy(found.partition, sizes, p) == pytest.approx(found.energy, abs=1e-12)
    assert found.partition[0] == 0


@pytest.mark.parametrize("seed", range(5))
def test_energy_equals_ising_form(seed):
    sizes, p = random_instance(9, seed)
    rng = np.random.default_rng(100 + seed)
    for _ in range(20):
        c = rng.integers(0, 2, 9)
        spins = 1 - 2 * c
        assert landscape_energy(c, sizes, p) == pytest.approx(ising_energy(spins, sizes, p))
        assert landscape_energy(spins, sizes, p) == pytest.approx(ising_energy(spins, sizes, p))
    found = landscape_minimum(sizes, p)
    assert found.energy == pytest.approx(
        min(ising_energy(np.array(s), sizes, p) for s in itertools.product((1, -1), repeat=9))
    )


def test_batched_energy_matches_single():
    sizes, p = random_instance(6, 9)
    configs = np.random.default_rng(1).integers(0, 2, (7, 6))
    batch = landscape_energy(configs, sizes, p)
    assert batch.shape == (7,)
    assert batch == pytest.approx([landscape_energy(c, sizes, p) for c in configs])


def test_local_search_ends_in_a_single_switch_minimum_and_is_seeded():
    sizes, p = random_instance(30, 7)
    a = landscape_minimum(sizes, p, np.random.default_rng(3))
    b = landscape_minimum(sizes, p, np.random.default_rng(3))
    assert not a.exact and np.array_equal(a.partition, b.partition) and a.energy == b.energy
    w = pair_weights(sizes, p)
    for i in range(30):  # no single actor can lower E by switching
        c = a.partition.copy()
        c[i] ^= 1
        assert landscape_energy(c, sizes, p) >= a.energy - 1e-12
    assert local_search(w, a.partition)[1] == 0


def test_local_search_finds_the_exact_minimum_on_small_instances():
    hits = 0
    for seed in range(10):
        sizes, p = random_instance(14, seed)
        exact = landscape_minimum(sizes, p)
        local = landscape_minimum(sizes, p, np.random.default_rng(seed), exact_max=0, restarts=16)
        assert local.energy >= exact.energy - 1e-12
        hits += local.energy == pytest.approx(exact.energy, abs=1e-12)
    assert hits >= 9


def test_weightless_actor_joins_its_friends():
    sizes = np.array([0.6, 0.4, 0.0])
    p = np.array([[0, -1.0, 1.0], [-1.0, 0, -0.5], [1.0, -0.5, 0]])
    assert landscape_minimum(sizes, p).partition.tolist() == [0, 1, 0]


def test_propensity_formula():
    regime = np.array([1.0, 1.0, -1.0])
    h = np.array([[0, 0, 0.8], [0, 0, 0.0], [0.4, 0, 0]])
    t = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    p = propensity_matrix(regime, h, t, 0.5, 1.0, 0.5)
    assert p[0, 1] == pytest.approx(0.5 * 1 + 0.5)
    assert p[0, 2] == pytest.approx(0.5 * (1 - 2) - 0.6)  # hostility symmetrised
    assert np.allclose(p, p.T) and np.all(np.diag(p) == 0)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.csv"
    path.write_text(text)
    return str(path)


def test_user_matrix_is_read_in_world_order(tmp_path):
    path = write(tmp_path, ",BBB,AAA\nBBB,0,0.3\nAAA,0.3,0\n")
    m = read_propensity(path, ["AAA", "BBB"])
    assert m.tolist() == [[0, 0.3], [0.3, 0]]


@pytest.mark.parametrize(
    "text,message",
    [
        (",AAA,BBB\nAAA,0,1\n", "not square \\(1 rows, 2 columns\\)"),
        (
            ",AAA,BBB\nAAA,0,1\nBBB,0.5,0\n",
            "not symmetric: p\\[AAA,BBB\\] = 1 but p\\[BBB,AAA\\] = 0.5",
        ),
        (",AAA,CCC\nAAA,0,1\nCCC,1,0\n", "missing nations BBB; codes not in the world CCC"),
        (",AAA,BBB\nBBB,0,1\nAAA,1,0\n", "same codes in order"),
        (",AAA,BBB\nAAA,0,x\nBBB,x,0\n", "row AAA, column BBB: not a finite number"),
    ],
)
def test_bad_user_matrix_says_which(tmp_path, text, message):
    with pytest.raises(ConfigError, match="^alliance_rule.propensity: .*" + message):
        read_propensity(write(tmp_path, text), ["AAA", "BBB"])


def four_nation_world(tmp_path: Path):
    path = tmp_path / "nations.csv"
    path.write_text(
        "iso3,name,lat,lon,gdp_usd,milex_usd,gdp_growth,regime,major_power\n"
        "AAA,A,0,0,1e12,2e10,0.0,0.8,0\n"
        "BBB,B,0,10,1e12,2e10,0.0,0.8,0\n"
        "CCC,C,10,0,1e12,2e10,0.0,-0.8,0\n"
        "DDD,D,10,10,1e12,2e10,0.0,-0.8,0\n"
    )
    treaties = tmp_path / "treaties.csv"
    treaties.write_text("treaty,iso3\nX,AAA\nX,CCC\n")  # a tie across the regime divide
    return load_world(WorldConfig(name="custom", path=str(path), treaties=str(treaties)))


def test_rule_turns_the_coalitions_into_ties(tmp_path):
    world = four_nation_world(tmp_path)
    rule = LandscapeConfig(treaty_weight=0.0, treaty_patience=2, form_propensity=0.3)
    model = AllianceModel(world, params=ModelConfig(steps=4), alliance_rule=rule, rng=0)
    assert model.alliance_rule.coalition.tolist() == [0, 0, 1, 1]  # democracies vs autocracies
    for _ in range(4):
        model.step()
    ties = {tuple(sorted(e)) for e in model.graph.edges}
    assert ties == {("AAA", "BBB"), ("CCC", "DDD")}
    events = model.events_table()
    assert (events.loc[events.event == "dissolved", ["a", "b", "step"]].values.tolist()) == [
        ["AAA", "CCC", 2]
    ]
    # graph, arrays and events agree
    assert model.ties.allied.sum() == 2 * model.graph.number_of_edges()
    world_table = model.world_table()
    assert "landscape_energy" in world_table and world_table["landscape_energy"].notna().all()


def test_rule_reads_a_user_matrix_and_refuses_a_bad_one(tmp_path):
    world = four_nation_world(tmp_path)
    good = write(
        tmp_path,
        ",AAA,BBB,CCC,DDD\nAAA,0,-1,1,-1\nBBB,-1,0,-1,1\nCCC,1,-1,0,-1\nDDD,-1,1,-1,0\n",
    )
    model = AllianceModel(world, alliance_rule=LandscapeConfig(propensity=good), rng=0)
    assert model.alliance_rule.coalition.tolist() == [0, 1, 0, 1]
    bad = tmp_path / "bad.csv"
    bad.write_text(",AAA,BBB\nAAA,0,1\nBBB,1,0\n")
    with pytest.raises(ConfigError, match="missing nations CCC, DDD"):
        AllianceModel(world, alliance_rule=LandscapeConfig(propensity=str(bad)), rng=0)


def test_landscape_on_the_shipped_world_is_deterministic():
    cfg = compose(["alliance_rule=landscape", "model.steps=3", "figures=false"])
    from sim.runner import simulate

    a, b = simulate(cfg), simulate(cfg)
    assert a.world_table().equals(b.world_table())
    assert a.events_table().equals(b.events_table())
    nato = [a.row[c] for c in ("LUX", "NOR", "USA")]
    assert (
        len(set(a.alliance_rule.coalition[nato])) == 1
    )  # Luxembourg (the smallest share) stays with its allies


def test_alliance_rule_none_is_unaffected(tmp_path):
    model = AllianceModel(four_nation_world(tmp_path), alliance_rule=NoAllianceConfig(), rng=0)
    assert "landscape_energy" not in model.world_table()
