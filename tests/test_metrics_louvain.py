"""The bloc detection of whole runs equals networkx's Louvain, year by year (issue 14).

``sim.metrics`` works only on the nations with ties and keeps each level's shuffled order per
seed (``_ORDERS``); these tests check, on every year's alliance graph of whole runs of several
scenarios and worlds, that the blocs are those of ``networkx.community.louvain_communities`` for
the same graph, seed and resolution, with the kept orders and without them.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim import metrics
from sim.config import ModelConfig
from sim.metrics import bloc_members, louvain_communities, rank_blocs
from sim.model import AllianceModel

RUNS = [
    ("today", "baseline", "utility", 0, 50),
    ("today", "china_rise", "utility", 3, 30),
    ("y2014", "russia_shock", "utility_v2", 2, 30),
    ("today", "arms_race", "landscape", 4, 20),
]


def networkx_blocs(graph: nx.Graph, order: list[str], seed: int, resolution: float) -> set:
    index = {c: i for i, c in enumerate(order)}
    found = nx.community.louvain_communities(
        graph, weight="weight", seed=seed, resolution=resolution
    )
    return {frozenset(index[c] for c in comp) for comp in found if len(comp) > 1}


@pytest.mark.parametrize(("world", "scenario", "rule", "seed", "steps"), RUNS)
def test_every_years_blocs_equal_networkx(world, scenario, rule, seed, steps):
    model = AllianceModel(
        world, scenario=scenario, alliance_rule=rule, rng=seed, params=ModelConfig(steps=steps)
    )
    res, bloc_seed = model.params.bloc_resolution, model._bloc_seed
    years_with_blocs = 0
    for _ in range(steps):
        model.step()
        expected = networkx_blocs(model.graph, model.iso3, bloc_seed, res)
        ours = bloc_members(model.graph, model.iso3, bloc_seed, res)
        assert {frozenset(b.tolist()) for b in ours} == expected
        assert np.array_equal(model.bloc, rank_blocs(ours, model.capability))
        years_with_blocs += bool(expected)
    assert years_with_blocs == steps  # the worlds have treaty blocs every year


def test_kept_level_orders_equal_fresh_shuffles():
    model = AllianceModel(rng=1, params=ModelConfig(steps=5))
    for _ in range(5):
        model.step()
    args = (model.graph, "weight", model._bloc_seed, 1e-7, model.params.bloc_resolution)
    kept = louvain_communities(*args)
    metrics._ORDERS.clear()
    fresh = louvain_communities(*args)
    assert kept == fresh  # the same communities in the same order
    assert sorted(map(sorted, kept)) == sorted(
        map(
            sorted,
            nx.community.louvain_communities(
                model.graph, seed=model._bloc_seed, resolution=model.params.bloc_resolution
            ),
        )
    )
    assert any(key[0] == model._bloc_seed for key in metrics._ORDERS)
