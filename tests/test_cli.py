"""`python -m sim` end to end: the run directory of DESIGN.md, and the golden default summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("golden") / "default_summary.json"


def run_sim(run_dir: Path, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("default")
    proc = run_sim(run_dir)
    assert proc.returncode == 0, proc.stderr
    return run_dir


def test_default_run_writes_the_run_directory(default_run):
    for name in (
        "nations.parquet",
        "world.parquet",
        "alliance_events.parquet",
        "alliances_final.graphml",
        "summary.json",
        ".hydra/config.yaml",
        "figures/spending.png",
        "figures/network_map.png",
        "figures/blocs.png",
    ):
        assert (default_run / name).is_file(), name
    assert not list(default_run.glob(".*.tmp")) and not list(default_run.glob("**/.*.tmp"))
    nations = pd.read_parquet(default_run / "nations.parquet")
    assert list(nations.columns) == [
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
    assert nations["step"].max() == 30 and nations["year"].min() == 2024
    events = pd.read_parquet(default_run / "alliance_events.parquet")
    assert list(events.columns) == ["step", "year", "a", "b", "event", "treaty"]
    graph = nx.read_graphml(default_run / "alliances_final.graphml")
    assert graph.number_of_nodes() == nations["iso3"].nunique()
    assert all({"since", "treaty", "weight"} <= set(d) for *_, d in graph.edges(data=True))


def test_summary_records_provenance(default_run):
    summary = json.loads((default_run / "summary.json").read_text())
    assert summary["seed"] == 0 and summary["scenario"] == "baseline"
    assert summary["world"]["name"] == "today" and len(summary["world"]["content_hash"]) == 64
    for package in ("python", "mesa", "numpy", "networkx", "pandas", "hydra-core"):
        assert summary["versions"][package] not in ("", "not installed")
    assert set(summary["tables"]) == {"nations.parquet", "world.parquet", "alliance_events.parquet"}
    assert summary["config"]["model"]["steps"] == 30


def test_default_summary_matches_golden(default_run):
    """The default run's final metrics. Regenerate only on purpose, saying why in the commit:
    python -m sim hydra.run.dir=/tmp/g && copy /tmp/g/summary.json's "metrics" to the golden."""
    metrics = json.loads((default_run / "summary.json").read_text())["metrics"]
    golden = json.loads(GOLDEN.read_text())
    assert metrics.keys() == golden.keys()
    for key, value in golden.items():
        assert metrics[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_seed_gives_identical_tables(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        proc = run_sim(d, "seed=3", "model.steps=10", "figures=false")
        assert proc.returncode == 0, proc.stderr
    assert (a / "nations.parquet").read_bytes() == (b / "nations.parquet").read_bytes()


@pytest.mark.slow
def test_synthetic_world_of_1000_nations_completes(tmp_path):
    proc = run_sim(tmp_path, "world=synthetic", "world.n=1000", "model.steps=20", "figures=false")
    assert proc.returncode == 0, proc.stderr
    world = pd.read_parquet(tmp_path / "world.parquet")
    assert len(world) == 21 and world["mean_share"].notna().all()
