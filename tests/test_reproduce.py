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
        ("bad_yaml", ".hydra/config.yaml: not a readable config (expected ',' or ']'"),
        ("binary_yaml", ".hydra/config.yaml: not a readable config (not UTF-8 text"),
        ("nul_yaml", ".hydra/config.yaml: not a readable config (unacceptable character"),
        ("list_yaml", "does not hold a mapping"),
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
    elif setup == "bad_yaml":
        (copy / ".hydra" / "config.yaml").write_text("world: [a\n  b: {\n")
    elif setup == "binary_yaml":
        (copy / ".hydra" / "config.yaml").write_bytes(b"\x00\x01\xff garbage")
    elif setup == "nul_yaml":
        (copy / ".hydra" / "config.yaml").write_bytes(b"seed: 3\x00\n")
    elif setup == "list_yaml":
        (copy / ".hydra" / "config.yaml").write_text("- 1\n- 2\n")
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
    rows = nations.read_text().splitlines()
    dnk = next(i for i, row in enumerate(rows) if row.startswith("DNK,"))
    fields = rows[dnk].split(",")  # gdp_usd is the 5th column, before any quoted source text
    fields[4] = str(int(fields[4]) + 10**9)  # Denmark's GDP, one billion more
    rows[dnk] = ",".join(fields)
    nations.write_text("\n".join(rows) + "\n")
    done = reproduce_cli(run_dir)
    assert f"warning: world.path={nations} changed since the run" in done.stderr
    assert "world.treaties" not in done.stderr  # only the file that changed is named
    assert done.returncode == 1
    assert done.stdout.startswith("differs: nations.parquet: column gdp")


# ----------------------------------------------------------------------------- the record itself


def _edit_summary(run_dir: Path, edit) -> None:
    path = run_dir / "summary.json"
    summary = json.loads(path.read_text())
    edit(summary)
    path.write_text(json.dumps(summary))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.update(seed=4), "summary.json: key seed: 4 in summary.json, 3 in .hydra"),
        (lambda s: s.update(steps=9), "summary.json: key steps: 9 in summary.json, 8 in .hydra"),
        (
            lambda s: s.update(scenario="china_rise"),
            "summary.json: key scenario: 'china_rise' in summary.json, 'baseline' in .hydra",
        ),
        (
            lambda s: s["config"]["model"].update(dilemma=9.0),
            "summary.json: key config.model.dilemma: 9.0 in summary.json, 2.0 in .hydra",
        ),
        (
            lambda s: s["config"]["scenario"].update(description="edited"),
            "summary.json: key config.scenario.description: 'edited' in summary.json",
        ),
        (lambda s: s["config"].pop("seed"), "summary.json: key config.seed: '(absent)'"),
        (
            lambda s: s["metrics"].update(mean_share=0.5),
            "summary.json: key metrics.mean_share: 0.5 in summary.json",
        ),
        (
            lambda s: s["metrics"].update(ties_formed=s["metrics"]["ties_formed"] + 1),
            "summary.json: key metrics.ties_formed:",
        ),
        (  # not in the world table: caught by the rerun
            lambda s: s["metrics"].update(burden_correlation=0.123),
            "summary.json: key metrics.burden_correlation: 0.123 in summary.json",
        ),
        (
            lambda s: s["tables"].update({"nations.parquet": "0" * 64}),
            "summary.json: key tables.nations.parquet: 000000000000... in summary.json",
        ),
    ],
)
def test_an_edited_summary_is_named(copy, edit, message, capsys):
    _edit_summary(copy, edit)
    assert main([str(copy)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"differs: {message}"), out


def test_an_edited_summary_is_named_through_the_cli(copy):
    _edit_summary(copy, lambda s: s.update(seed=5))
    done = reproduce_cli(copy)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("differs: summary.json: key seed: 5 in summary.json, 3 in")


def test_a_changed_table_is_flagged_as_changed_after_the_run(copy, capsys):
    _change_cell(copy / "world.parquet", "mean_share", row=2)
    assert main([str(copy)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("differs: world.parquet: column mean_share: first at row 2")
    assert "the file changed after the run" in out


def test_every_input_file_is_hashed_and_a_relative_propensity_path_resolved(tmp_path):
    """Relative world, treaty and propensity paths from the start directory; reproduced from
    elsewhere; a later change to the propensity file is named."""
    start = tmp_path / "start"
    shutil.copytree(EXAMPLE, start / "data")
    codes = pd.read_csv(start / "data" / "nations.csv")["iso3"].tolist()
    matrix = pd.DataFrame(0.2, index=codes, columns=codes)
    matrix.loc["USA", "GBR"] = matrix.loc["GBR", "USA"] = 0.9
    matrix.to_csv(start / "data" / "propensity.csv")
    run_dir = tmp_path / "run"
    inputs = {
        "world.path": "data/nations.csv",
        "world.treaties": "data/treaties.csv",
        "alliance_rule.propensity": "data/propensity.csv",
    }
    sim_run(
        run_dir,
        "world=custom",
        "alliance_rule=landscape",
        *(f"{k}={v}" for k, v in inputs.items()),
        "model.steps=3",
        cwd=start,
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    assert {k: v["path"] for k, v in summary["inputs"].items()} == inputs
    for key, entry in summary["inputs"].items():
        assert len(entry["sha256"]) == 64, key
    done = reproduce_cli(run_dir, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("identical") and "warning" not in done.stderr
    matrix.loc["USA", "GBR"] = matrix.loc["GBR", "USA"] = 0.1
    matrix.to_csv(start / "data" / "propensity.csv")
    done = reproduce_cli(run_dir, cwd=tmp_path)
    propensity = start / "data" / "propensity.csv"
    assert f"warning: alliance_rule.propensity={propensity} changed since the run" in done.stderr
