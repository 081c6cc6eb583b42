"""The calibration's scored nations, its refusal of an unknown nation set, its config header."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from sim.calibrate import EXPOSED_KM, base_config, exposed, log_change_error, write_config
from sim.errors import ConfigError
from sim.worlds import load_world

DRIVERS = {"USA", "RUS", "CHN"}


def test_the_exposed_nations_come_from_the_2014_world():
    cfg = base_config()
    world = load_world(cfg.world, cfg.seed)
    assert world.year == 2014
    scored = exposed(world, {s.iso3 for s in cfg.scenario.schedules})
    # the 53 of the calibration file: the 2014 NATO members, the nations within 3,000 km of Moscow
    assert len(scored) == 53
    assert {"UKR", "BLR", "FIN", "SWE", "POL", "EST", "PRT", "CAN"} <= scored
    assert not scored & DRIVERS
    # Finland and Sweden (members since 2023/2024) count as neighbours, not as members
    members = set(world.treaties.loc[world.treaties["treaty"] == "NATO", "iso3"])
    assert "FIN" not in members and "SWE" not in members and "PRT" in members
    assert EXPOSED_KM == 3000.0


def test_the_exposed_set_drops_a_nato_member_absent_from_the_world():
    cfg = base_config()
    world = load_world(cfg.world, cfg.seed)
    t = world.treaties
    treaties = t[~((t["treaty"] == "NATO") & (t["iso3"] == "PRT"))]
    assert "PRT" not in exposed(replace(world, treaties=treaties), DRIVERS)


def test_an_unknown_nation_set_is_refused_by_name():
    with pytest.raises(ConfigError, match=r"^nations: expected one of exposed, all, got 'nato'"):
        log_change_error(base_config(), nations="nato")


def test_the_config_header_states_the_configuration_used(tmp_path):
    cfg = base_config(["budget_rule.spill_in=allies"])
    best = {"budget_rule.k": 2.0, "model.land_range_km": 800.0}
    path = tmp_path / "fit.yaml"
    write_config(cfg, best, 0.2, 53, 10, 1.0, path)
    text = path.read_text()
    assert "spill_in allies" in text and "world=y2014" in text and "CHN, RUS, USA" in text
    assert "leader" not in text
    loaded = yaml.safe_load(text)
    assert loaded["budget_rule"] == {"k": 2.0} and loaded["model"] == {"land_range_km": 800.0}
    assert loaded["calibration"]["window"] == "2014-2019"


def test_the_priors_are_a1s():
    from sim.calibrate import FREE, priors

    values = priors()
    assert values == {
        "budget_rule.k": 1.0,
        "budget_rule.eta": 0.25,
        "budget_rule.p": 0.3,
        "model.land_range_km": 500.0,
        "model.major_global_share": 0.3,
    }
    assert set(values) == set(FREE)


def test_a_calibration_of_another_configuration_carries_it_and_only_numbers_count_as_fitted(
    tmp_path,
):
    from sim.calibrate import fixed_settings
    from sim.hindcast import calibrated_values

    fixed = fixed_settings(["budget_rule.threat_from=spending", "budget_rule.threat_scale=points"])
    assert fixed == {"budget_rule.threat_from": "spending", "budget_rule.threat_scale": "points"}
    cfg = base_config([f"{k}={v}" for k, v in fixed.items()])
    path = tmp_path / "fit_a11.yaml"
    write_config(cfg, {"budget_rule.k": 2.0}, 0.2, 53, 10, 1.0, path, fixed=fixed)
    text = path.read_text()
    assert "threat_from spending, threat_scale points" in text
    assert "calibration=fit_a11" in text and "fit_a11_trials.csv" in text
    loaded = yaml.safe_load(text)
    assert loaded["budget_rule"] == {"threat_from": "spending", "threat_scale": "points", "k": 2.0}
    assert loaded["calibration"]["source"] == "configs/calibration/fit_a11.yaml"
    # the settings are not fitted values (an absolute path is read as it is)
    assert calibrated_values(str(path)) == {"budget_rule.k": 2.0}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("budget_rule.threat_from", "expected group.key=value"),
        ("budget_rule.k=3", "budget_rule.k is a free parameter"),
    ],
)
def test_a_bad_override_is_refused_by_name(override, message):
    from sim.calibrate import fixed_settings

    with pytest.raises(ConfigError, match=message):
        fixed_settings([override])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("nosuch.key=1", "Could not override 'nosuch.key'"),  # Hydra's refusal
        ("budget_rule.war_exposure=theater", "budget_rule.war_exposure: must be one of"),
        ("budget_rule.k=3", "budget_rule.k is a free parameter"),
    ],
)
def test_the_command_refuses_a_bad_override_in_one_line(tmp_path, capsys, override, message):
    from sim.calibrate import main

    with pytest.raises(SystemExit) as info:
        main(["--override", override, "--out", str(tmp_path), "--maxiter", "1"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written
