"""Scenario discovery (sim.discover): PRIM boxes and feature scores of a small sweep."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("ema_workbench")
pytest.importorskip("sklearn")

from sim.discover import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 jobs where the cap on shares decides the mean share: share_max=0.01 keeps it <= 1%."""
    out = tmp_path_factory.mktemp("discover")
    cmd = [
        sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={out}", "world=synthetic",
        "world.n=8", "model.steps=2", "figures=false", "outputs=metrics",
        "model.share_max=0.01,0.02,0.4", "alliance_rule.cost=0.1,0.3", "seed=0,1",
        "hydra.callbacks.sweep_report.figures=false",
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


def test_prim_box_and_feature_scores_find_the_cap(capped: Path) -> None:
    assert main([str(capped), "--outcome", "mean_share", "--below", "0.0105"]) == 0
    boxes = pd.read_csv(capped / "discovery" / "prim_boxes.csv")
    first = boxes[boxes["box"] == 1]
    assert first["parameter"].tolist() == ["model.share_max"]
    assert first["low"].iloc[0] == 0.01 and first["high"].iloc[0] < 0.02
    assert first["coverage"].iloc[0] == 1.0 and first["density"].iloc[0] == 1.0
    scores = pd.read_csv(capped / "discovery" / "feature_scores.csv")
    assert scores["parameter"].iloc[0] == "model.share_max"
    assert scores["score"].sum() == pytest.approx(1.0)
    trajectory = pd.read_csv(capped / "discovery" / "prim_trajectory.csv")
    assert trajectory["chosen"].sum() == 1 and (trajectory["coverage"] <= 1).all()
    for name in ("prim_tradeoff.png", "prim_boxes.png", "feature_scores.png"):
        assert (capped / "discovery" / name).stat().st_size > 5_000


def test_bad_outcome_or_threshold_is_one_line(capped: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(capped), "--outcome", "no_such", "--above", "1"]) == 2
    assert "--outcome no_such: not a column" in capsys.readouterr().err
    assert main([str(capped), "--outcome", "mean_share", "--above", "0.9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 0 of 12 jobs have mean_share > 0.9") and err.count("\n") == 1
