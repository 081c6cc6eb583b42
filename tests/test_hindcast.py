"""The hindcasts (2014 -> 2024, and 2019 -> 2024 out of sample) and the calibration: one command
each, their files, their drivers' recorded paths, and baselines that see no outcome."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import hindcast as hc
from sim.calibrate import FREE, base_config, calibrate, log_change_error, with_values
from sim.config import compose
from sim.errors import ConfigError
from sim.runner import run, simulate
from sim.worlds import observed
from sim.worlds.build import gdp_of
from sim.worlds.sources import world_bank_gdp

#: the treaty memberships with their accession years (sim/worlds/data/SOURCES.md)
RAW_TREATIES = Path(hc.__file__).parent / "worlds" / "raw" / "treaty_memberships.csv"

DRIVERS = {"USA", "RUS", "CHN"}
EXPERIMENTS = {"hindcast_2014_2024": (2014, 2024), "outofsample_2019_2024": (2019, 2024)}


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiments_drive_only_the_major_powers_on_their_recorded_paths(name):
    start, end = EXPERIMENTS[name]
    cfg = compose([f"experiment={name}"])
    assert cfg.hindcast and cfg.model.steps == end - start
    assert {s.iso3 for s in cfg.scenario.schedules} == DRIVERS
    assert {s.iso3 for s in cfg.scenario.shocks if not s.optional} == {"RUS"}
    # A25's optional shocks (off unless scenario.add names them): the raw table's accessions
    raw = pd.read_csv(RAW_TREATIES).query("treaty == 'NATO' and iso3 in ['FIN', 'SWE']")
    optional = [s for s in cfg.scenario.shocks if s.optional]
    assert {(start + s.step, s.iso3, s.kind, tuple(s.against)) for s in optional} == {
        (int(r.joined), r.iso3, "accession", ("NATO",)) for r in raw.itertuples()
    }
    assert {s.tag for s in optional} == {"nato_accessions_2023_2024"}
    # one leg a year; the legs chain the recorded spending, SIPRI share x World Bank GDP (A5 b)
    gdp = {y: gdp_of(y, world_bank_gdp())[0] for y in range(start, end + 1)}
    spent = {(c, y): observed.share(c, y) / 100 * gdp[y][c] for c in DRIVERS for y in gdp}
    for leg in cfg.scenario.schedules:
        year = start + leg.start + 1
        assert leg.years == 1 and leg.to_share is None
        recorded = spent[leg.iso3, year] / spent[leg.iso3, year - 1] - 1
        assert leg.growth == pytest.approx(recorded, abs=1e-6)
    wars = {
        (start + s.step, s.iso3, tuple(s.against)) for s in cfg.scenario.shocks if s.kind == "war"
    }
    ucdp = observed.conflicts(start + 1, end)
    first = ucdp.groupby(["iso3_a", "iso3_b"])["year"].min()
    assert wars == {(int(y), a, (b,)) for (a, b), y in first.items()}


def test_the_out_of_sample_test_uses_the_2014_2019_calibration_only():
    cfg = compose(["experiment=outofsample_2019_2024"])
    assert cfg.calibration["window"] == "2014-2019"
    fitted = cfg.calibration["source"]
    assert fitted.endswith("y2014_2019.yaml")
    for key in FREE:
        group, name = key.split(".")
        lo, hi = FREE[key]
        assert lo <= getattr(getattr(cfg, group), name) <= hi


def test_the_2014_hindcast_writes_its_files_and_scores(tmp_path):
    summary = run(compose(["experiment=hindcast_2014_2024", "figures=false"]), tmp_path)
    table = pd.read_csv(tmp_path / "hindcast.csv")
    assert list(table.columns) == hc.columns(2024)
    sipri = observed.shares(2024, 2024).set_index("iso3")["share_pct"]
    model_nations = set(pd.read_parquet(tmp_path / "nations.parquet")["iso3"])
    assert set(table["iso3"]) == model_nations & set(sipri.dropna().index)
    assert table.set_index("iso3")["observed_share_2024"].to_numpy() == pytest.approx(
        sipri.loc[table["iso3"]].round(4).to_numpy()
    )
    scores = json.loads((tmp_path / "hindcast.json").read_text())
    assert scores == summary["hindcast"]
    assert scores["excluded_drivers"] == sorted(DRIVERS)
    assert scores["parameters"]["fitted"] == "none"
    assert scores["parameters"]["values"]["budget_rule.k"]["value"] == 1.0  # A1's prior, as used
    for group in ("all_nations", "nato_allies", "nato_allies_nato_figures"):
        block = scores[group]
        assert block["n"] >= (100 if group == "all_nations" else 29)
        for name in (
            "model",
            "persistence_2014",
            "persistence_plus_mean_change",
            "trend_2009_2014",
            "distance_from_moscow",
            "spatial_lag_regression",
        ):
            assert block[name]["n"] == block["n"]  # every predictor on the same nations
            assert block[name]["mae"] >= 0
    assert scores["all_nations"]["persistence_2014"]["spearman_changes"] is None  # undefined
    again = tmp_path / "again"
    run(compose(["experiment=hindcast_2014_2024", "figures=false"]), again)
    assert (again / "hindcast.csv").read_bytes() == (tmp_path / "hindcast.csv").read_bytes()


def test_the_out_of_sample_test_writes_every_nation_and_labels_the_fit(tmp_path):
    run(compose(["experiment=outofsample_2019_2024", "figures=true"]), tmp_path)
    table = pd.read_csv(tmp_path / "hindcast.csv")
    assert list(table.columns) == hc.columns(2024) and len(table) >= 140
    scores = json.loads((tmp_path / "hindcast.json").read_text())
    assert scores["window"] == "2019-2024"
    record = scores["parameters"]
    assert (record["source"], record["window"], record["fitted"]) == (
        "configs/calibration/y2014_2019.yaml",
        "2014-2019",
        "all",
    )
    assert set(record["values"]) == set(FREE)
    assert all(p["fitted"] and p["window"] == "2014-2019" for p in record["values"].values())
    assert scores["regression_fit"]["window"] == "2014-2019"
    assert (tmp_path / "figures" / "hindcast.png").stat().st_size > 10_000


def _record(overrides: list[str]) -> dict:
    cfg = compose(["experiment=outofsample_2019_2024", *overrides])
    values = hc.parameter_values(cfg.budget_rule, cfg.model)
    return hc.parameter_record(
        cfg.budget_rule.name, cfg.alliance_rule.name, values, cfg.calibration
    )


def test_only_the_values_equal_to_the_calibration_file_are_labelled_fitted():
    fitted = hc.calibrated_values("configs/calibration/y2014_2019.yaml")
    record = _record(["budget_rule.k=1.0"])
    assert record["fitted"] == "some" and record["window"] == "2014-2019"
    k = record["values"]["budget_rule.k"]
    assert k == {"value": 1.0, "fitted": False, "source": "not fitted", "window": None}
    for key in set(FREE) - {"budget_rule.k"}:
        assert record["values"][key]["fitted"] and record["values"][key]["value"] == fitted[key]
    # the theory priors over all five (V4p of score_variants.py): nothing is fitted
    priors = ["budget_rule.k=1.0", "budget_rule.eta=0.25", "budget_rule.p=0.3"]
    priors += ["model.land_range_km=500", "model.major_global_share=0.3"]
    record = _record(priors)
    assert (record["fitted"], record["source"], record["window"]) == ("none", "not fitted", None)
    assert not any(p["fitted"] for p in record["values"].values())


def test_a_run_past_the_observed_years_is_refused_before_it_starts(tmp_path):
    cfg = compose(["experiment=hindcast_2014_2024", "model.steps=11", "figures=false"])
    with pytest.raises(ConfigError, match=r"^model.steps: .*observed shares, which end in 2024"):
        run(cfg, tmp_path)
    assert not (tmp_path / "summary.json").exists() and not (tmp_path / "hindcast.csv").exists()


def test_baselines_see_nothing_after_the_start_but_the_us_change():
    cfg = compose(["experiment=outofsample_2019_2024"])
    from sim.runner import build_model

    model = build_model(cfg)
    wide = hc.observed_wide(2004, 2024)
    geo = hc._geography(model)
    allies = set(observed.nato_shares()["iso3"])
    before, _, _ = hc.baseline_predictions(wide, 2019, 2024, *geo, allies)
    scrambled = wide.copy()
    rng = np.random.default_rng(0)
    for year in range(2020, 2025):  # every outcome after the start replaced by noise ...
        scrambled[year] = rng.uniform(0, 10, len(wide))
    scrambled.loc["USA", 2024] = wide.at["USA", 2024]  # ... but the driver's recorded change
    after, _, _ = hc.baseline_predictions(scrambled, 2019, 2024, *geo, allies)
    for name in before:
        pd.testing.assert_series_equal(before[name], after[name], check_names=False)


def test_calibration_records_every_trial_and_writes_a_config_group(tmp_path):
    best = calibrate(maxiter=1, popsize=1, seed=0, out=tmp_path)
    trials = pd.read_csv(tmp_path / "y2014_2019_trials.csv")
    assert len(trials) >= 2 and set(FREE) <= set(trials.columns)
    assert trials["objective"].min() == pytest.approx(
        log_change_error(with_values(base_config(), best))[0]
    )
    text = (tmp_path / "y2014_2019.yaml").read_text()
    assert text.startswith("# @package _global_") and "window: 2014-2019" in text
    for key, (lo, hi) in FREE.items():
        assert lo <= best[key] <= hi
        assert f"  {key.split('.')[1]}: " in text


def test_with_values_checks_each_value():
    with pytest.raises(ConfigError, match="budget_rule.eta"):
        with_values(base_config(), {"budget_rule.eta": 2.0})


def test_the_nato_table_ships_in_the_package():
    """NATO's table ships in the package (sim/worlds/data), so a fresh clone needs nothing else."""
    from importlib.resources import files

    packaged = files("sim.worlds") / "data" / "nato_reference_2014_2024.csv"
    assert observed.NATO_REFERENCE.read_bytes() == packaged.read_bytes()
    ref = observed.nato_shares()
    for year in (2014, 2024):
        assert ref[f"share_{year}"].between(0.3, 6.0).all(), year  # percent of GDP
    assert ref.loc[ref.iso3 == "POL", "share_2014"].item() == 1.88


def test_a_hindcast_from_a_world_that_starts_in_2024_is_refused(tmp_path):
    cfg = compose(["hindcast=true", "model.steps=1", "figures=false"])
    with pytest.raises(ConfigError, match=r"^hindcast: the observed shares end in 2024"):
        run(cfg, tmp_path)
    assert not (tmp_path / "summary.json").exists()


def test_the_drivers_spend_their_recorded_us_dollars():
    m = simulate(compose(["experiment=outofsample_2019_2024", "figures=false", "hindcast=false"]))
    gdp = gdp_of(2024, world_bank_gdp())[0]
    for code in DRIVERS:
        recorded = observed.share(code, 2024) / 100 * gdp[code]
        assert m.share[m.row[code]] * m.gdp[m.row[code]] == pytest.approx(recorded, rel=1e-6)
