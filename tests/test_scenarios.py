"""The scenario library: every scenario documents itself, composes and runs with every world, and
its mechanism moves the model the way its header says."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.config import CONFIG_DIR, compose
from sim.runner import simulate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "experiments" / "custom_world_example"
SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
REQUIRED = [
    "baseline",
    "us_retrenchment",
    "china_rise",
    "russia_shock",
    "nato_2pct_enforced",
    "bipolar",
    "multipolar",
    "arms_race",
]
WORLDS = {
    "today": ["world=today"],
    "y2014": ["world=y2014"],
    "y2019": ["world=y2019"],
    "synthetic": ["world=synthetic", "world.n=30"],
    "custom": [
        "world=custom",
        f"world.path={EXAMPLE / 'nations.csv'}",
        f"world.treaties={EXAMPLE / 'treaties.csv'}",
    ],
}


def header(name: str) -> str:
    text = (CONFIG_DIR / "scenario" / f"{name}.yaml").read_text()
    return "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))


def test_the_library_is_complete():
    assert set(REQUIRED) <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_header_gives_question_mechanism_and_command(name):
    text = header(name)
    for part in ("Question:", "Mechanism:", "Command: python -m sim"):
        assert part in text, f"{name}.yaml lacks {part!r}"
    assert f"scenario={name}" in text


@pytest.mark.parametrize("name", SCENARIOS)
def test_header_commands_compose(name):
    """Every `python -m sim ...` line in the header is a valid set of overrides."""
    commands = re.findall(r"python -m sim (.*?)(?:\s+#.*)?$", header(name), flags=re.M)
    assert commands
    for command in commands:
        overrides = [w for w in shlex.split(command) if "=" in w]
        cfg = compose(overrides)
        assert cfg.scenario.name == name


@pytest.mark.parametrize("world", sorted(WORLDS))
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_runs_with_every_world(name, world):
    cfg = compose([f"scenario={name}", "model.steps=3", "figures=false", *WORLDS[world]])
    model = simulate(cfg)
    assert model.steps == 3
    lo, hi = cfg.model.share_min, cfg.model.share_max
    assert np.all(np.isfinite(model.share)) and np.all((model.share >= lo) & (model.share <= hi))
    assert np.all(np.isfinite(model.capability)) and np.all(model.capability >= 0)
    assert len(model.world_table()) == 4


def _run(*overrides: str):
    return simulate(compose(["model.steps=12", "figures=false", *overrides]))


def test_nato_2pct_enforced_brings_laggards_toward_the_guideline():
    base, enforced = _run("scenario=baseline"), _run("scenario=nato_2pct_enforced")
    pledged = base.target > 0
    gap = lambda m: np.maximum(0.0, m.target - m.share)[pledged].sum()  # noqa: E731
    assert gap(enforced) < 0.8 * gap(base)
    assert enforced.share[pledged].mean() > base.share[pledged].mean()


def test_bipolar_raises_hostility_across_the_divide_and_spending():
    base, bipolar = _run("scenario=baseline"), _run("scenario=bipolar")
    r = bipolar.row
    assert bipolar.baseline_hostility[r["RUS"], r["POL"]] >= 0.9
    assert bipolar.baseline_hostility[r["USA"], r["BLR"]] >= 0.9
    assert bipolar.share[r["USA"]] == pytest.approx(0.06, abs=0.005)
    assert (bipolar.share * bipolar.gdp).sum() > (base.share * base.gdp).sum()


def test_multipolar_narrows_the_gap_between_the_powers():
    base, multi = _run("scenario=baseline"), _run("scenario=multipolar")

    def spread(m):
        k = m.capability[[m.row[c] for c in ("USA", "CHN", "RUS")]]
        return k.max() / k.min()

    assert spread(multi) < spread(base)


def test_arms_race_is_between_the_two_rivals_only():
    base = _run("scenario=baseline", "budget_rule=richardson", *_arms_race_coefficients())
    race = _run("scenario=arms_race")
    assert race.budget_rule.params.name == "richardson"
    r = race.row
    for code in ("USA", "CHN"):
        assert (
            race.share[r[code]]
            > 1.5 * race.nations_table().query("step == 0").set_index("iso3").loc[code, "share"]
        )
        assert race.share[r[code]] > base.share[r[code]]
    others = [i for c, i in r.items() if c not in ("USA", "CHN")]
    start = race.nations_table().query("step == 0")["share"].to_numpy()
    assert np.abs(race.share[others] - start[others]).max() < 0.01


def _arms_race_coefficients() -> list[str]:
    return [
        "budget_rule.k=0",
        "budget_rule.a=0.001",
        "budget_rule.g=0",
        "+budget_rule.reaction={USA:0.1,CHN:0.1}",
        "+budget_rule.fatigue={USA:0.5,CHN:0.5}",
        "+budget_rule.grievance={USA:0,CHN:0}",
    ]


def test_arms_race_runs_away_when_reaction_outweighs_fatigue():
    race = _run("scenario=arms_race", "budget_rule.reaction={USA:0.6,CHN:0.6}")
    assert race.share[race.row["USA"]] == pytest.approx(race.params.share_max)


def test_arms_race_with_another_rule_fails_at_compose():
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException) as info:
        compose(["scenario=arms_race", "budget_rule=threat_response"])
    assert "full_key: budget_rule.g" in str(info.value)


def test_custom_world_example_runs_from_the_cli(tmp_path):
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            f"hydra.run.dir={run_dir}",
            "world=custom",
            "world.path=experiments/custom_world_example/nations.csv",
            "world.treaties=experiments/custom_world_example/treaties.csv",
            "+world.rivalries={RUS-NATO: 0.6}",
            "model.steps=3",
            "figures=false",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    import json

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["world"]["name"] == "custom"
    assert summary["world"]["n_nations"] == 14
    assert len(summary["world"]["content_hash"]) == 64


# ----------------------------------------------------------------------------- experiments

EXPERIMENTS = ["us_retrenchment_sweep", "free_riding"]


def _sweep_params(name: str) -> dict[str, list[str]]:
    from omegaconf import OmegaConf

    node = OmegaConf.load(CONFIG_DIR / "experiment" / f"{name}.yaml")
    params = OmegaConf.select(node, "hydra.sweeper.params")
    return {k: [v.strip() for v in str(params[k]).split(",")] for k in params}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_files_document_themselves(name):
    text = (CONFIG_DIR / "experiment" / f"{name}.yaml").read_text()
    assert text.startswith("# @package _global_\n")
    assert f"# Command: python -m sim -m experiment={name}\n" in text
    readme = (ROOT / "experiments" / name / "README.md").read_text()
    assert f"python -m sim -m experiment={name}" in readme
    for png in (ROOT / "experiments" / name).glob("*.png"):
        assert f"]({png.name})" in readme, f"{png.name} is not embedded in the README"


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_values_compose_and_run(name):
    params = _sweep_params(name)
    assert "seed" in params
    for key, values in params.items():
        if key == "seed":
            continue
        for value in values:
            cfg = compose([f"experiment={name}", f"{key}={value}", "model.steps=2"])
            assert simulate(cfg).steps == 2


@pytest.mark.parametrize(
    ("name", "sweep", "outputs"),
    [
        (
            "us_retrenchment_sweep",
            ["scenario.schedules.0.to_share=0.034,0.005", "seed=0,1"],
            ["us_retrenchment_sweep.png", "results.csv"],
        ),
        ("free_riding", ["budget_rule.f=0.0,0.02", "seed=0,1"], ["free_riding.png", "results.csv"]),
    ],
)
def test_experiment_sweep_and_analysis_end_to_end(tmp_path, name, sweep, outputs):
    """A small version of the experiment's sweep, then its analysis script on the job dirs."""
    import importlib.util

    sweep_dir = tmp_path / "sweep"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            f"experiment={name}",
            f"hydra.sweep.dir={sweep_dir}",
            "model.steps=4",
            *sweep,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert len(list(sweep_dir.glob("*/summary.json"))) == 4
    spec = importlib.util.spec_from_file_location(
        f"analyse_{name}", ROOT / "experiments" / name / "analyse.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "out"
    out.mkdir()
    result = module.main(sweep_dir, out)
    assert len(result) > 0
    for file in outputs:
        assert (out / file).stat().st_size > 0


@pytest.mark.parametrize("table", ["nations", "treaties"])
def test_custom_world_example_rows_are_the_shipped_snapshots(table):
    # the example says its rows are copied unchanged from the 2024 snapshot: keep that true
    example = (EXAMPLE / f"{table}.csv").read_text().splitlines()
    shipped = (ROOT / "sim" / "worlds" / "data" / f"today_{table}.csv").read_text().splitlines()
    assert example[0] == shipped[0]
    assert set(example[1:]) <= set(shipped[1:])
