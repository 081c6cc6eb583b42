"""Shared fixtures: the real CLI as a subprocess, and small world files on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: a valid two-nation world; tests break one cell or column of it
WORLD_HEADER = ("iso3", "name", "lat", "lon", "gdp_usd", "milex_usd")
WORLD_ROWS = (
    ("AAA", "Alpha", "10.0", "20.0", "1000000000000", "20000000000"),
    ("BBB", "Beta", "-5.0", "100.0", "500000000000", "5000000000"),
    ("CCC", "Gamma", "45.0", "-70.0", "200000000000", "3000000000"),
)


def write_csv(path: Path, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> Path:
    """Write a CSV by hand (no quoting, no pandas), exactly as the cells are given."""
    path.write_text("\n".join(",".join(r) for r in (header, *rows)) + "\n")
    return path


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run ``python -m sim OVERRIDES`` in ``tmp_path`` with the run dir at ``tmp_path/run``.

    Figures are off and the run is short unless the overrides say otherwise; ``env`` adds
    environment variables. The completed process gets ``run_dir`` as an attribute.
    """

    def run(*overrides: str, env: dict[str, str] | None = None, timeout: float = 300):
        run_dir = tmp_path / "run"
        args = [f"hydra.run.dir={run_dir}", "figures=false", "model.steps=3", *overrides]
        full_env = {k: v for k, v in os.environ.items() if k not in ("SIM_TRACEBACK",)}
        full_env.pop("HYDRA_FULL_ERROR", None)
        full_env["PYTHONPATH"] = str(ROOT)
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "sim", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
        )
        proc.run_dir = run_dir
        return proc

    return run


def edge_set(graph) -> set[frozenset[str]]:
    return {frozenset(e) for e in graph.edges()}


def assert_model_invariants(model, seeded: set[frozenset[str]]) -> None:
    """What must hold after every step of any run (issue 8), whatever the world and parameters.

    ``seeded`` is the edge set right after construction (the treaty cliques), from which the
    alliance events must replay to the current graph.
    """
    import networkx as nx
    import numpy as np

    p = model.params
    for name in ("gdp", "share", "capability", "threat", "support", "hostile", "arming"):
        values = np.asarray(getattr(model, name), dtype=float)
        assert np.isfinite(values).all(), f"{name} not finite at step {model.steps}"
    assert (model.share >= p.share_min).all() and (model.share <= p.share_max).all()
    assert (model.capability >= 0).all() and (model.gdp > 0).all()
    assert (model.threat >= 0).all() and (model.support >= 0).all()
    assert (model.share * model.gdp <= model.gdp).all()  # spending never above GDP
    assert ((model.hostile >= 0) & (model.hostile <= 1)).all()

    graph, allied = model.graph, model.ties.allied
    assert nx.number_of_selfloops(graph) == 0 and not allied.diagonal().any()
    assert (allied == allied.T).all()
    adjacency = nx.to_numpy_array(graph, nodelist=model.iso3, weight=None) > 0
    assert (adjacency == allied).all()
    assert ((model.ties.commitment > 0) == allied).all()

    edges = set(seeded)
    last = 0
    for step, year, a, b, event, _treaty in model.ties.events:
        assert 1 <= step <= model.steps and step >= last and year == model.start_year + step
        last = step
        pair = frozenset((a, b))
        if event in ("formed", "joined"):  # joined: a tie of a treaty accession
            assert pair not in edges, (step, a, b, event)
            edges.add(pair)
        else:  # withdrew: a tie ended by a withdrawal from a treaty
            assert event in ("dissolved", "withdrew") and pair in edges, (step, a, b, event)
            edges.remove(pair)
    assert edges == edge_set(graph)

    world = model.world_table()
    # documented NaNs: share_at_target with no guideline, balanced_triads with no triangle
    undefined = [c for c in ("share_at_target", "balanced_triads") if c in world]
    numeric = world.drop(columns=undefined).to_numpy(float)
    assert np.isfinite(numeric).all(), world.iloc[-1]
    if "balanced_triads" in world and np.isnan(world["balanced_triads"].iloc[-1]):
        from sim.rules.balance import triad_counts

        assert sum(triad_counts(model.alliance_rule.sign)) == 0
    at_target = world["share_at_target"].to_numpy(float)
    if (model.target > 0).any():
        assert np.isfinite(at_target[-1])
    else:
        assert np.isnan(at_target[-1])  # documented: NaN when no nation has a guideline
