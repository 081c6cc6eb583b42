"""``python -m sim.reproduce``: an untouched run is identical, a one-value change in any table is
caught with the table and column named, and a run directory that cannot be rerun says why."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from sim.reproduce import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "experiments" / "custom_world_example"


def sim_run(run_dir: Path, *overrides: str, cwd: Path = ROOT) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", "figures=false", *overrides],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def reproduce_cli(run_dir: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.reproduce", str(run_dir)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("original") / "run"
    sim_run(run_dir, "seed=3", "model.steps=8")
    return run_dir


@pytest.fixture
def copy(original, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(original, target)
    return target


def test_untouched_run_is_identical(original, tmp_path):
    done = reproduce_cli(original, cwd=tmp_path)  # from another directory
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("identical")
    assert "warning" not in done.stderr


def test_same_seed_twice_gives_identical_nations_parquet(original, tmp_path):
    again = tmp_path / "again"
    sim_run(again, "seed=3", "model.steps=8")
    a = pd.read_parquet(original / "nations.parquet")
    b = pd.read_parquet(again / "nations.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (original / "nations.parquet").read_bytes() == (again / "nations.parquet").read_bytes()


def _change_cell(path: Path, column: str, row: int) -> None:
    frame = pd.read_parquet(path)
    value = frame.at[row, column]
    if isinstance(value, str):
        frame.at[row, column] = value + "X"
    elif isinstance(value, float):
        frame.at[row, column] = value * (1 + 1e-12) + 1e-300  # the smallest visible change
    else:
        frame.at[row, column] = value + 1
    frame.to_parquet(path, index=False)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("nations", "share"),
        ("nations", "iso3"),
        ("nations", "n_allies"),
        ("nations", "bloc"),
        ("world", "polarity"),
        ("world", "n_ties"),
        ("alliance_events", "b"),
        ("alliance_events", "event"),
    ],
)
def test_one_value_changed_in_a_table_is_named(copy, table, column, capsys):
    frame = pd.read_parquet(copy / f"{table}.parquet")
    assert len(frame) > 0, f"{table} is empty; the fixture run needs events"
    _change_cell(copy / f"{table}.parquet", column, row=len(frame) // 2)
    assert main([str(copy)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        f"differs: {table}.parquet: column {column}: first at row {len(frame) // 2}"
    )


def test_a_changed_graph_attribute_is_named(copy, capsys):
    graph = nx.read_graphml(copy / "alliances_final.graphml")
    u, v = sorted(graph.edges)[0]
    graph.edges[u, v]["since"] += 1
    nx.write_graphml(graph, copy / "alliances_final.graphml")
    assert main([str(copy)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("differs: alliances_final.graphml: column since: edge")


def test_a_missing_edge_is_named(copy, capsys):
    graph = nx.read_graphml(copy / "alliances_final.graphml")
    graph.remove_edge(*sorted(graph.edges)[-1])
    nx.write_graphml(graph, copy / "alliances_final.graphml")
    assert main([str(copy)]) == 1
    assert "alliances_final.graphml: column (edges): only rerun" in capsys.readouterr().out


def test_changed_versions_warn_but_still_compare(copy, capsys):
    summary = json.loads((copy / "summary.json").read_text())
    summary["versions"]["mesa"] = "0.0.1"
    (copy / "summary.json").write_text(json.dumps(summary))
    assert main([str(copy)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("identical")
    assert "warning: mesa" in captured.err and "the run used 0.0.1" in captured.err


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("absent", "no such run directory"),
        ("file", "not a directory"),
        ("no_summary", "summary.json: missing; the run did not finish"),
        ("no_config", ".hydra/config.yaml: missing"),
        ("bad_json", "summary.json: not valid JSON"),
        ("no_table", "world.parquet: missing from the run directory"),
    ],
)
def test_unusable_run_dir_is_one_line_and_exit_2(copy, tmp_path, setup, message):
    target = copy
    if setup == "absent":
        target = tmp_path / "nothing"
    elif setup == "file":
        target = tmp_path / "a_file"
        target.write_text("x")
    elif setup == "no_summary":
        (copy / "summary.json").unlink()
    elif setup == "no_config":
        (copy / ".hydra" / "config.yaml").unlink()
    elif setup == "bad_json":
        (copy / "summary.json").write_text("{")
    elif setup == "no_table":
        (copy / "world.parquet").unlink()
    done = reproduce_cli(target)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_custom_world_with_relative_paths_reproduces_from_elsewhere(tmp_path):
    run_dir = tmp_path / "custom"
    sim_run(
        run_dir,
        "world=custom",
        "world.path=experiments/custom_world_example/nations.csv",
        "world.treaties=experiments/custom_world_example/treaties.csv",
        "model.steps=5",
        cwd=ROOT,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = reproduce_cli(run_dir, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("identical")


def test_a_world_file_changed_since_the_run_is_reported(tmp_path):
    world = tmp_path / "world"
    shutil.copytree(EXAMPLE, world)
    run_dir = tmp_path / "run"
    sim_run(
        run_dir,
        "world=custom",
        f"world.path={world / 'nations.csv'}",
        f"world.treaties={world / 'treaties.csv'}",
        "model.steps=5",
    )
    nations = world / "nations.csv"
    nations.write_text(nations.read_text().replace("412000000000", "413000000000"))  # Denmark
    done = reproduce_cli(run_dir)
    assert "the world files changed since the run" in done.stderr
    assert str(nations) in done.stderr
    assert done.returncode == 1
    assert done.stdout.startswith("differs: nations.parquet: column gdp")
