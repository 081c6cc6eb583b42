"""The 2014 to 2024 hindcast: one command, its files, its scores and its reference data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError, compose
from sim.hindcast import (
    COLUMNS,
    REFERENCE,
    hindcast_figure,
    hindcast_scores,
    load_reference,
    spearman,
)
from sim.runner import run

DRIVERS = {"USA", "RUS", "CHN"}


def test_the_hindcast_reads_the_packaged_reference():
    """NATO's table ships in the package (sim/worlds/data), so a fresh clone needs nothing else."""
    from importlib.resources import files

    packaged = files("sim.worlds") / "data" / "nato_reference_2014_2024.csv"
    assert REFERENCE.read_bytes() == packaged.read_bytes()
    ref = load_reference()
    for year in (2014, 2024):
        assert ref[f"share_{year}"].between(0.3, 6.0).all(), year  # percent of GDP
    assert ref.loc[ref.iso3 == "POL", "share_2014"].item() == 1.88


def test_reference_lists_the_allies():
    ref = load_reference()
    assert len(ref) == 31 and ref["iso3"].is_unique and "ISL" not in set(ref["iso3"])
    assert ref.loc[ref.iso3 == "POL", "share_2024"].item() == 4.12


def test_experiment_drives_only_the_major_powers():
    cfg = compose(["experiment=hindcast_2014_2024"])
    assert cfg.hindcast and cfg.world.name == "y2014" and cfg.model.steps == 10
    assert {s.iso3 for s in cfg.scenario.schedules} <= DRIVERS
    assert {s.iso3 for s in cfg.scenario.shocks} <= DRIVERS
    assert sorted({s.step for s in cfg.scenario.shocks}) == [1, 8]


def test_one_command_writes_the_hindcast(tmp_path):
    summary = run(compose(["experiment=hindcast_2014_2024", "figures=false"]), tmp_path)
    table = pd.read_csv(tmp_path / "hindcast.csv")
    ref = load_reference()
    assert list(table.columns) == COLUMNS
    assert table["iso3"].tolist() == ref["iso3"].tolist()
    assert table["observed_share_2024"].tolist() == ref["share_2024"].tolist()
    assert table["predicted_share_2024"].between(0, 40).all()
    usa = table.set_index("iso3").loc["USA", "predicted_share_2024"]
    assert usa == pytest.approx(3.42)  # a driver ends on its recorded path
    scores = json.loads((tmp_path / "hindcast.json").read_text())
    assert scores == summary["hindcast"] and scores["fitted"] is False
    assert scores["n_allies"] == 30 and scores["excluded_drivers"] == ["USA"]
    for key in ("model", "carried_forward_2014", "distance_from_moscow"):
        assert -1 <= scores[key]["spearman"] <= 1 and scores[key]["mae"] >= 0
    again = tmp_path / "again"
    run(compose(["experiment=hindcast_2014_2024", "figures=false"]), again)
    assert (again / "hindcast.csv").read_bytes() == (tmp_path / "hindcast.csv").read_bytes()


def test_a_run_not_ending_in_2024_is_refused_before_it_starts(tmp_path):
    cfg = compose(["experiment=hindcast_2014_2024", "model.steps=5", "figures=false"])
    with pytest.raises(ConfigError, match=r"^model.steps: .*use model.steps=10"):
        run(cfg, tmp_path)
    assert not (tmp_path / "summary.json").exists() and not (tmp_path / "hindcast.csv").exists()


def test_scores_by_hand():
    ref = pd.DataFrame(
        {
            "ally": list("ABCD"),
            "iso3": ["AAA", "BBB", "CCC", "DDD"],
            "share_2014": [1.0, 2.0, 1.5, 3.0],
            "share_2024": [2.0, 2.5, 1.5, 3.0],
        }
    )
    table = pd.DataFrame(
        {
            "iso3": ref["iso3"],
            "predicted_share_2024": [1.5, 2.0, 1.0, 3.0],
            "observed_share_2024": ref["share_2024"],
        }
    )
    distance = pd.Series([100.0, 300.0, 200.0, 50.0], index=ref["iso3"])
    s = hindcast_scores(table, ref, distance, drivers=["DDD"])
    assert s["n_allies"] == 3 and s["excluded_drivers"] == ["DDD"]
    assert s["model"]["mae"] == pytest.approx((0.5 + 0.5 + 0.5) / 3)
    assert s["model"]["spearman"] == pytest.approx(1.0)  # 1.5 < 2.0 vs 2.0 < 2.5, 1.0 lowest
    assert s["carried_forward_2014"]["mae"] == pytest.approx((1.0 + 0.5 + 0.0) / 3)
    # closest AAA gets the largest 2014 share (2.0), then CCC 1.5, then BBB 1.0
    assert s["distance_from_moscow"]["mae"] == pytest.approx((0.0 + 1.5 + 0.0) / 3)
    assert s["distance_from_moscow"]["spearman"] == pytest.approx(
        spearman([-100, -300, -200], [2.0, 2.5, 1.5])
    )


def test_spearman_with_ties():
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(np.sqrt(3) / 2)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_figure_labels_every_ally():
    ref = load_reference()
    table = pd.DataFrame(
        {
            "iso3": ref["iso3"],
            "predicted_share_2024": ref["share_2014"],
            "observed_share_2024": ref["share_2024"],
        }
    )
    scores = hindcast_scores(table, ref, pd.Series(np.arange(31.0), index=ref["iso3"]), ["USA"])
    fig = hindcast_figure(table, ref, scores)
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert labels == set(ref["iso3"])
