"""Structural balance: triad counts by hand, CTD ends balanced in at most two camps, the rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config import BalanceConfig, ModelConfig, WorldConfig
from sim.model import AllianceModel
from sim.rules.balance import (
    balanced_fraction,
    camps,
    constrained_triad_dynamics,
    triad_counts,
)
from sim.worlds import load_world


def signed(n: int, edges: dict[tuple[int, int], int]) -> np.ndarray:
    s = np.zeros((n, n), dtype=np.int64)
    for (i, j), v in edges.items():
        s[i, j] = s[j, i] = v
    return s


def test_triad_counts_by_hand():
    # triangle 0-1-2: + + - (imbalanced); triangle 1-2-3: - - + (balanced)
    s = signed(4, {(0, 1): 1, (1, 2): -1, (0, 2): 1, (1, 3): -1, (2, 3): 1})
    assert triad_counts(s) == (1, 1)
    assert balanced_fraction(s) == 0.5
    assert np.isnan(balanced_fraction(signed(3, {(0, 1): 1})))


def complete_random(n: int, seed: int, p_plus: float = 0.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    s = np.where(rng.random((n, n)) < p_plus, 1, -1)
    s = np.triu(s, 1)
    return s + s.T


@pytest.mark.parametrize("n,seed", [(6, 0), (9, 1), (12, 2), (15, 3), (20, 4)])
def test_complete_graph_ends_balanced_in_at_most_two_camps(n, seed):
    start = complete_random(n, seed)
    assert balanced_fraction(start) < 1
    result = constrained_triad_dynamics(start, np.random.default_rng(seed), max_updates=20_000)
    s = result.sign
    assert result.imbalanced == 0 and result.balanced_fraction == 1.0
    assert np.array_equal(s, s.T) and np.all(np.abs(s[~np.eye(n, dtype=bool)]) == 1)
    labels = camps(s)
    assert len(set(labels)) <= 2
    same = labels[:, None] == labels[None, :]
    off = ~np.eye(n, dtype=bool)
    assert np.all(s[same & off] == 1) and np.all(s[~same] == -1)  # + within, - between
    assert np.array_equal(start, complete_random(n, seed))  # the input is not modified


def test_ctd_never_raises_the_number_of_imbalanced_triads():
    s = complete_random(10, 7)
    counts = [triad_counts(s)[1]]
    rng = np.random.default_rng(7)
    for _ in range(200):
        s = constrained_triad_dynamics(s, rng, max_updates=1).sign
        counts.append(triad_counts(s)[1])
    assert all(b <= a for a, b in zip(counts, counts[1:], strict=False))
    assert counts[-1] == 0


def test_step_cap_and_determinism():
    s = complete_random(12, 5)
    capped = constrained_triad_dynamics(s, np.random.default_rng(0), max_updates=3)
    assert capped.updates == 3 and capped.imbalanced > 0
    a = constrained_triad_dynamics(s, np.random.default_rng(1), max_updates=500)
    b = constrained_triad_dynamics(s, np.random.default_rng(1), max_updates=500)
    assert np.array_equal(a.sign, b.sign) and a.flips == b.flips


def triangle_world(tmp_path: Path):
    """A and B allied, B and C allied, A and C rivals: the triad + + - is imbalanced."""
    path = tmp_path / "nations.csv"
    path.write_text(
        "iso3,name,lat,lon,gdp_usd,milex_usd,gdp_growth,regime,major_power\n"
        "AAA,A,0,0,1e12,2e10,0.0,0,0\n"
        "BBB,B,0,10,1e12,2e10,0.0,0,0\n"
        "CCC,C,10,0,1e12,2e10,0.0,0,0\n"
    )
    treaties = tmp_path / "treaties.csv"
    treaties.write_text("treaty,iso3\nAB,AAA\nAB,BBB\nBC,BBB\nBC,CCC\n")
    return load_world(
        WorldConfig(
            name="custom", path=str(path), treaties=str(treaties), rivalries={"AAA-CCC": 0.9}
        )
    )


def test_rule_repairs_the_triad_and_keeps_graph_and_arrays_in_sync(tmp_path):
    model = AllianceModel(
        triangle_world(tmp_path), params=ModelConfig(steps=3), alliance_rule=BalanceConfig(), rng=0
    )
    assert model.world_table()["balanced_triads"].iloc[0] == 0.0
    for _ in range(3):
        model.step()
    table = model.world_table()
    assert table["balanced_triads"].iloc[-1] == 1.0
    assert model.ties.allied.sum() == 2 * model.graph.number_of_edges()
    for a, b in model.graph.edges:
        assert model.alliance_rule.sign[model.row[a], model.row[b]] == 1
    events = model.events_table()
    assert len(events) >= 1 and set(events["event"]) <= {"formed", "dissolved"}
    for _, e in events[events.event == "dissolved"].iterrows():  # a broken tie is a rivalry
        i, j = model.row[e.a], model.row[e.b]
        assert model.baseline_hostility[i, j] >= 0.5 and model.alliance_rule.sign[i, j] == -1
