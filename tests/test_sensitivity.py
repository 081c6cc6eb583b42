"""Sensitivity analysis: SALib designs and indices, and experiment=sensitivity end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.sensitivity import (
    SensitivityError,
    analyse,
    design_warnings,
    draw,
    overrides_for,
    problem,
)

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"morris_trajectories": 20, "morris_levels": 4, "sobol_samples": 256, "seed": 1}
SMALL = ["world=synthetic", "world.n=8", "model.steps=2"]


def linear(x: np.ndarray) -> np.ndarray:
    """y = 4 x0 + x1 (x2 has no effect), every x on [0, 1]."""
    return 4.0 * x[:, 0] + 1.0 * x[:, 1]


PROBLEM = problem({"a": [0.0, 1.0], "b": [0.0, 1.0], "c": [0.0, 1.0]})


def test_morris_ranks_a_linear_model_by_its_slopes() -> None:
    x = draw("morris", PROBLEM, SETTINGS)
    assert x.shape == (20 * 4, 3)
    found = analyse("morris", PROBLEM, x, linear(x), SETTINGS)
    mu_star = found[found["index"] == "mu_star"].set_index("parameter")["value"]
    # a linear model's elementary effects (y(x + D e_i) - y(x)) / D are its slopes
    assert mu_star["a"] == pytest.approx(4.0)
    assert mu_star["b"] == pytest.approx(1.0)
    assert mu_star["c"] == pytest.approx(0.0)


def test_sobol_splits_the_variance_of_a_linear_model() -> None:
    x = draw("sobol", PROBLEM, SETTINGS)
    assert x.shape == (256 * (3 + 2), 3)
    found = analyse("sobol", PROBLEM, x, linear(x), SETTINGS).set_index(["parameter", "index"])
    # Var(4 x0 + x1) = (16 + 1) / 12: S1 = ST = 16/17 and 1/17 (additive model), 0 for c
    assert found.loc[("a", "S1"), "value"] == pytest.approx(16 / 17, abs=0.05)
    assert found.loc[("b", "ST"), "value"] == pytest.approx(1 / 17, abs=0.03)
    assert abs(found.loc[("c", "ST"), "value"]) < 0.01
    assert (found.loc[["a", "b"], "conf"] > 0).all()  # c has no effect and no spread


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"budget_rule.k": [0.1, 0.05], "budget_rule.f": [0, 1]}, "budget_rule.k: low must be"),
        ({"budget_rule.k": [0.1], "budget_rule.f": [0, 1]}, "budget_rule.k: give [low, high]"),
        ({"budget_rule.k": [0.0, 1.0]}, "at least two parameters"),
    ],
)
def test_bad_bounds_name_the_key(params: dict, message: str) -> None:
    with pytest.raises(SensitivityError, match=message.replace("[", r"\[")):
        problem(params)


def test_overrides_round_integer_parameters() -> None:
    row = np.array([0.0312, 2.6])
    out = overrides_for(
        ["budget_rule.k", "alliance_rule.patience"], row, {"alliance_rule.patience"}
    )
    assert out == ["budget_rule.k=0.0312", "alliance_rule.patience=3"]


def sensitivity(sweep_dir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sim", "-m", "experiment=sensitivity",
           f"hydra.sweep.dir={sweep_dir}", *SMALL, *args]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_morris_experiment_runs_and_writes_indices(tmp_path: Path) -> None:
    done = sensitivity(
        tmp_path, "hydra.sweeper.methods=[morris]", "hydra.sweeper.morris_trajectories=2"
    )
    assert "morris_trajectories=2 is too few for stable Morris indices: use at least 10" in (
        done.stdout + done.stderr
    )
    table = pd.read_parquet(tmp_path / "sensitivity.parquet")
    assert set(table["outcome"]) == {"mean_share", "polarity", "n_blocs"}
    assert set(table["parameter"]) == {
        "budget_rule.k", "budget_rule.f", "budget_rule.a", "budget_rule.p",
        "alliance_rule.cost", "alliance_rule.b_sec", "alliance_rule.b_ent",
        "model.threat_range_km",
    }  # fmt: skip
    mu_star = table[(table["index"] == "mu_star") & (table["outcome"] == "mean_share")]
    assert len(mu_star) == 8 and (mu_star["value"] >= 0).all()
    assert mu_star["value"].max() > 0  # some parameter moves the mean share
    assert pd.read_csv(tmp_path / "sensitivity.csv").shape == table.shape
    assert (tmp_path / "figures" / "sensitivity_morris.png").stat().st_size > 10_000
    sweep = pd.read_parquet(tmp_path / "sweep.parquet")
    assert len(sweep) == 2 * (8 + 1) and (sweep["status"] == "ok").all()
    sample = pd.read_parquet(tmp_path / "sensitivity" / "morris_sample.parquet")
    # every job ran the sample point it was given
    merged = sample.merge(sweep, on="job", suffixes=("_sample", ""))
    assert np.allclose(merged["budget_rule.k_sample"], merged["budget_rule.k"])


@pytest.mark.slow
def test_sensitivity_through_joblib_resumes(tmp_path: Path) -> None:
    args = ["hydra/launcher=parallel", "hydra.sweeper.morris_trajectories=2",
            "hydra.sweeper.sobol_samples=4"]  # fmt: skip
    sensitivity(tmp_path, *args)
    table = pd.read_parquet(tmp_path / "sensitivity.parquet")
    assert set(table["method"]) == {"morris", "sobol"}
    assert set(table["index"]) == {"mu_star", "sigma", "mu", "S1", "ST"}
    assert (tmp_path / "figures" / "sensitivity_sobol.png").exists()
    jobs = 2 * (8 + 1) + 4 * (8 + 2)
    assert len(pd.read_parquet(tmp_path / "sweep.parquet")) == jobs
    log = sensitivity(tmp_path, *args)
    assert (log.stdout + log.stderr).count("is finished for this identity") == jobs
    again = pd.read_parquet(tmp_path / "sensitivity.parquet")
    pd.testing.assert_frame_equal(table, again)


def test_sobol_confidence_intervals_repeat_with_seed_zero() -> None:
    settings = {**SETTINGS, "seed": 0, "sobol_samples": 64}
    x = draw("sobol", PROBLEM, settings)
    first = analyse("sobol", PROBLEM, x, linear(x), settings)
    pd.testing.assert_frame_equal(first, analyse("sobol", PROBLEM, x, linear(x), settings))


def test_too_small_designs_name_the_minimum_sample_size() -> None:
    small = {**SETTINGS, "morris_trajectories": 4, "sobol_samples": 4}
    found = design_warnings(["morris", "sobol"], small)
    assert len(found) == 2
    assert "use at least 10" in found[0] and "use at least 512" in found[1]
    assert design_warnings(["sobol"], {**SETTINGS, "sobol_samples": 512}) == []
    assert design_warnings(["sobol"], small) == [found[1]]


def test_morris_mu_star_of_a_share_is_drawn_in_percent(tmp_path: Path) -> None:
    """mu* of mean_share is a fraction in the table; its bars are in % as the axis says."""
    import matplotlib.pyplot as plt

    from sim.sensitivity import plot_indices

    table = pd.DataFrame(
        {
            "method": "morris",
            "outcome": "mean_share",
            "parameter": ["budget_rule.k", "budget_rule.k", "budget_rule.k"],
            "index": ["mu_star", "sigma", "mu"],
            "value": [0.004, 0.001, 0.004],
            "conf": [0.001, np.nan, np.nan],
        }
    )
    shown = []
    real_close = plt.close
    plt.close = lambda fig=None: shown.append(fig) or real_close(fig)
    try:
        plot_indices(table, "morris", tmp_path / "m.png")
    finally:
        plt.close = real_close
    ax = shown[0].axes[0]
    assert ax.patches[0].get_width() == pytest.approx(0.4)  # 0.004 of GDP = 0.4 %
    assert "(%)" in ax.get_xlabel()
