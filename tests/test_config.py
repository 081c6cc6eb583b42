"""The typed config: bad overrides stop before the run with the key named, nothing is written,
unknown group options are listed, and each default is declared once (in the dataclasses)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException, MissingConfigException
from omegaconf import OmegaConf

from sim.config import (
    ALLIANCE_RULES,
    BUDGET_RULES,
    CONFIG_DIR,
    Config,
    ConfigError,
    ModelConfig,
    RichardsonConfig,
    ScenarioConfig,
    ThreatResponseConfig,
    compose,
    scenario_budget_rule,
)
from sim.runner import build_model

ROOT = Path(__file__).resolve().parents[1]


def cli(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    """``python -m sim`` with the run directory at ``tmp_path/run`` (short, no figures)."""
    args = [f"hydra.run.dir={tmp_path / 'run'}", "figures=false", "model.steps=2", *overrides]
    env = {k: v for k, v in os.environ.items() if k != "SIM_TRACEBACK"}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


# ----------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        (["model.stepz=3"], "model.stepz"),  # misspelt key: Hydra, at compose time
        (["model.steps=abc"], "model.steps"),  # wrong type: Hydra, at compose time
        (["model.steps=-3"], "model.steps: must be >= 1"),  # range: sim.config
        (["model.share_min=0.5", "model.share_max=0.1"], "model.share_min: must be <="),
        (["budget_rule.eta=-0.5"], "budget_rule.eta: must be >= 0"),  # a negative rate
        (["model.depreciation=0"], "model.depreciation"),
    ],
)
def test_bad_override_stops_before_anything_is_written(tmp_path, overrides, named):
    done = cli(tmp_path, *overrides)
    assert done.returncode != 0
    assert named in done.stderr
    assert "Traceback" not in done.stderr
    # checked before Hydra creates the run directory: no summary, no .hydra/, no log
    assert not (tmp_path / "run").exists()


def test_range_error_is_one_line_and_exit_2(tmp_path):
    done = cli(tmp_path, "model.steps=-3")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["error: model.steps: must be >= 1, got -3"]


def test_missing_world_file_named_before_anything_is_written(tmp_path):
    missing = tmp_path / "absent.csv"
    done = cli(tmp_path, "world=custom", f"world.path={missing}")
    assert done.returncode == 2
    assert f"error: {missing}: no such file" in done.stderr
    assert not (tmp_path / "run").exists()


def test_unknown_scenario_lists_the_available_ones(tmp_path):
    done = cli(tmp_path, "scenario=xyz")
    assert done.returncode != 0
    assert "Could not find 'scenario/xyz'" in done.stderr
    for name in ("baseline", "us_retrenchment", "nato_2pct_enforced", "arms_race"):
        assert f"\t{name}\n" in done.stderr
    assert not (tmp_path / "run").exists()


# ----------------------------------------------------------------------------- compose


@pytest.mark.parametrize("group", ["world", "scenario", "budget_rule", "alliance_rule"])
def test_unknown_group_option_lists_the_options(group):
    with pytest.raises(MissingConfigException) as info:
        compose([f"{group}=no_such_option"])
    listed = {line.strip() for line in str(info.value).splitlines()}
    shipped = {p.stem for p in (CONFIG_DIR / group).glob("*.yaml")}
    assert shipped and shipped <= listed


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["model.steps=0"], "model.steps"),
        (["model.record_every=0"], "model.record_every"),
        (["model.share_max=1.5"], "model.share_max"),
        (["model.threat_range_km=-1"], "model.threat_range_km"),
        (["model.growth_drag=-0.1"], "model.growth_drag"),
        (["seed=-1"], "seed"),
        (["budget_rule.k=-0.01"], "budget_rule.k"),
        (["budget_rule=richardson", "budget_rule.dt=0"], "budget_rule.dt"),
        (["alliance_rule.patience=0"], "alliance_rule.patience"),
        (["alliance_rule.break_threshold=0.5"], "alliance_rule.break_threshold"),
        (["world=synthetic", "world.n=1"], "world.n"),
        (["+world.rivalries.USA-CHN=2"], "world.rivalries.USA-CHN"),
        (
            ["scenario=us_retrenchment", "scenario.schedules.0.to_share=1.5"],
            r"scenario\.schedules\[0\]\.to_share",
        ),
    ],
)
def test_range_checks_name_the_key(overrides, key):
    with pytest.raises(ConfigError, match=rf"^{key}"):
        compose(overrides)


def test_wrong_type_fails_at_compose_naming_the_key():
    with pytest.raises(ConfigCompositionException) as info:
        compose(["model.steps=abc"])
    assert "model.steps" in str(info.value.__cause__)


def test_compose_gives_plain_dataclasses():
    cfg = compose(["scenario=us_retrenchment", "model.steps=5", "seed=4"])
    assert isinstance(cfg, Config)
    assert isinstance(cfg.budget_rule, ThreatResponseConfig)
    assert (cfg.model.steps, cfg.seed, cfg.scenario.name) == (5, 4, "us_retrenchment")


def test_range_checks_run_in_plain_python_too():
    with pytest.raises(ConfigError, match="^budget_rule.p"):
        ThreatResponseConfig(p=-1.0)
    with pytest.raises(ConfigError, match="^model.steps"):
        Config(
            world=compose().world,
            scenario=ScenarioConfig(name="x"),
            budget_rule=ThreatResponseConfig(),
            alliance_rule=compose().alliance_rule,
            model=ModelConfig(steps=-3),
        )


# ----------------------------------------------------------------------------- YAML = defaults


def _yaml_values(path: Path) -> dict:
    node = OmegaConf.load(path)
    return {k: v for k, v in OmegaConf.to_container(node).items() if k != "defaults"}


def _defaults(cls: type) -> dict:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


@pytest.mark.parametrize(
    ("group", "rules"), [("budget_rule", BUDGET_RULES), ("alliance_rule", ALLIANCE_RULES)]
)
def test_rule_yaml_selects_its_schema_and_repeats_no_default(group, rules):
    """Each value is declared once: a rule's YAML picks the schema; the defaults are Python's."""
    files = sorted((CONFIG_DIR / group).glob("*.yaml"))
    assert {p.stem for p in files} == set(rules)
    for path in files:
        values = _yaml_values(path)
        assert values["name"] == path.stem
        assert f"schema_{path.stem}" in OmegaConf.load(path).defaults, path.name
        defaults = _defaults(rules[path.stem].Config)
        for key, value in values.items():
            assert key in defaults, f"{path.name}: {key} is not a parameter of the rule"
            if key != "name":
                assert value != defaults[key], f"{path.name}: {key}={value} repeats the default"


def test_root_config_repeats_no_default():
    values = _yaml_values(CONFIG_DIR / "config.yaml")
    assert "model" not in values  # ModelConfig declares them
    root = _defaults(Config)
    assert all(values[k] != root[k] for k in values if k in root and k != "hydra")
    assert compose().model == ModelConfig()


def test_world_yaml_values_repeat_no_default():
    from sim.config import WorldConfig

    defaults = _defaults(WorldConfig)
    for path in sorted((CONFIG_DIR / "world").glob("*.yaml")):
        for key, value in _yaml_values(path).items():
            assert key in defaults, f"{path.name}: {key}"
            if key != "name":
                assert value != defaults[key], f"{path.name}: {key}={value} repeats the default"


# ----------------------------------------------------------------------------- budget_changes


def test_budget_changes_apply_after_the_calibration():
    base = build_model(compose(["model.steps=3"]))
    enforced = build_model(compose(["scenario=nato_2pct_enforced", "model.steps=3"]))
    assert base.budget_rule.params.p == pytest.approx(0.3)
    assert enforced.budget_rule.params.p == pytest.approx(3.0)
    # the anchored floors were fitted with the configured p, so the two worlds start alike
    assert enforced.budget_rule.floor == pytest.approx(base.budget_rule.floor)
    assert enforced.share == pytest.approx(base.share)


def test_budget_changes_with_a_rule_lacking_the_key_name_it():
    with pytest.raises(ConfigError, match=r"^scenario.budget_changes.p: budget_rule=richardson"):
        compose(["scenario=nato_2pct_enforced", "budget_rule=richardson"])


def test_budget_changes_out_of_range_name_the_key():
    with pytest.raises(ConfigError, match=r"^scenario.budget_changes: budget_rule.p"):
        compose(["scenario=nato_2pct_enforced", "scenario.budget_changes.p=-1"])


def test_budget_changes_refuse_non_numeric_parameters():
    scenario = ScenarioConfig(name="x", budget_changes={"anchor": 0.0})
    with pytest.raises(ConfigError, match="anchor"):
        scenario_budget_rule(scenario, ThreatResponseConfig())
    rule = scenario_budget_rule(
        ScenarioConfig(name="x", budget_changes={"k": 0.1}), RichardsonConfig()
    )
    assert rule.k == 0.1


# ----------------------------------------------------------------------------- self-checks


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (lambda: ModelConfig(depreciation=0), "model.depreciation"),
        (lambda: ModelConfig(dilemma=float("inf")), "model.dilemma"),
        (lambda: ModelConfig(threat_range_km=float("nan")), "model.threat_range_km"),
        (lambda: ThreatResponseConfig(k=float("inf")), "budget_rule.k"),
        (lambda: ThreatResponseConfig(noise=float("nan")), "budget_rule.noise"),
        (lambda: RichardsonConfig(grievance={"USA": float("inf")}), "budget_rule.grievance.USA"),
        (
            lambda: ScenarioConfig(name="x", budget_changes={"p": float("nan")}),
            "scenario.budget_changes.p",
        ),
    ],
)
def test_each_dataclass_checks_itself_and_refuses_non_finite_values(build, key):
    with pytest.raises(ConfigError, match=rf"^{key}"):
        build()


def test_non_finite_override_is_refused_at_compose():
    with pytest.raises(ConfigError, match="^alliance_rule.b_sec: must be a finite number"):
        compose(["alliance_rule.b_sec=inf"])
