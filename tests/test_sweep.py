"""Sweeps: the aggregate table and figures, resume, failures, progress, launchers (issue 4)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import FAILED, collect, complete_summary

ROOT = Path(__file__).resolve().parents[1]
GRID = ["scenario=baseline,us_retrenchment", "seed=0,1,2"]
FAST = ["model.steps=4", "figures=false"]


def sweep(sweep_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``python -m sim -m hydra.sweep.dir=SWEEP_DIR ARGS`` in a subprocess (output captured)."""
    cmd = [sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={sweep_dir}", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def summaries(sweep_dir: Path) -> dict[str, dict]:
    return {
        p.parent.name: json.loads(p.read_text()) for p in sorted(sweep_dir.glob("*/summary.json"))
    }


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 6-job sweep of the issue (2 scenarios x 3 seeds), run by the basic launcher."""
    out = tmp_path_factory.mktemp("serial")
    done = sweep(out, *GRID, *FAST)
    (out / "log.txt").write_text(done.stdout + done.stderr)
    return out


def test_sweep_table_has_one_typed_row_per_job(serial: Path) -> None:
    frame = pd.read_parquet(serial / "sweep.parquet")
    assert len(frame) == 6
    assert list(frame.columns[:6]) == ["job", "dir", "scenario", "model.steps", "figures", "seed"]
    assert frame["job"].tolist() == list(range(6))
    assert sorted(zip(frame["scenario"], frame["seed"], strict=True)) == sorted(
        (s, n) for s in ("baseline", "us_retrenchment") for n in (0, 1, 2)
    )
    assert frame["model.steps"].dtype.kind == "i" and frame["figures"].dtype == bool
    assert (frame["status"] == "ok").all() and frame["error"].isna().all()
    for job in frame.itertuples():
        summary = json.loads((serial / job.dir / "summary.json").read_text())
        assert job.mean_share == summary["metrics"]["mean_share"]
        assert job.polarity == summary["metrics"]["polarity"]
        assert job.seed == summary["seed"]


def test_sweep_figures_per_scenario(serial: Path) -> None:
    assert (serial / "figures" / "outcomes_by_scenario.png").stat().st_size > 10_000


def test_progress_line_per_job(serial: Path) -> None:
    log = (serial / "log.txt").read_text()
    for n in range(1, 7):
        assert f"[sweep] {n}/6 jobs done" in log
    assert "ETA 0:00:00" in log


def test_rerun_recomputes_nothing_then_only_what_is_missing(serial: Path, tmp_path: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in serial.glob("*/*.parquet")}
    log = sweep(serial, *GRID, *FAST).stdout
    assert log.count("holds a complete summary.json for this config") == 6
    assert {p: p.stat().st_mtime_ns for p in serial.glob("*/*.parquet")} == before
    # a job killed before its summary.json (tables may be there) is run again; only that one
    (serial / "4" / "summary.json").unlink()
    log = sweep(serial, *GRID, *FAST).stdout
    assert log.count("holds a complete summary.json") == 5
    assert "#4 ok" in log
    assert (serial / "4" / "summary.json").exists()


def test_changed_config_is_not_skipped(serial: Path, tmp_path: Path) -> None:
    summary = json.loads((serial / "0" / "summary.json").read_text())
    assert complete_summary(serial / "0", summary["config"]) is not None
    other = json.loads(json.dumps(summary["config"]))
    other["model"]["steps"] = 5
    assert complete_summary(serial / "0", other) is None


def test_joblib_outcomes_equal_serial_job_for_job(serial: Path, tmp_path: Path) -> None:
    log = sweep(tmp_path, "hydra/launcher=parallel", "hydra.launcher.n_jobs=2", *GRID, *FAST)
    assert "Joblib.Parallel(n_jobs=2" in log.stdout
    ours, theirs = summaries(tmp_path), summaries(serial)
    assert ours.keys() == theirs.keys() and len(ours) == 6
    for job, summary in ours.items():
        assert summary["tables"] == theirs[job]["tables"], job
        assert summary["metrics"] == theirs[job]["metrics"], job
    a = pd.read_parquet(tmp_path / "sweep.parquet").drop(columns=["elapsed_s"])
    b = pd.read_parquet(serial / "sweep.parquet").drop(columns=["elapsed_s"])
    pd.testing.assert_frame_equal(a, b)


def test_failing_job_is_recorded_and_the_rest_run(tmp_path: Path) -> None:
    done = sweep(
        tmp_path,
        "world=synthetic",
        "world.n=1,8",
        "seed=0,1",
        "model.steps=3",
        "figures=false",
        check=False,
    )
    assert done.returncode == 1
    assert "job #0 failed (world=synthetic world.n=1 seed=0" in done.stdout
    assert "world.n: must be in" in done.stdout
    assert "2 of 4 jobs failed" in done.stderr
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert frame["status"].tolist() == ["failed", "failed", "ok", "ok"]
    assert frame.loc[0, "error"].startswith("world.n: must be in [2,")
    assert frame["world.n"].tolist() == [1, 1, 8, 8]
    failed = json.loads((tmp_path / "0" / FAILED).read_text())
    assert failed["overrides"] == [
        "world=synthetic",
        "world.n=1",
        "seed=0",
        "model.steps=3",
        "figures=False",
    ]
    assert not (tmp_path / "0" / "summary.json").exists()
    assert not list((tmp_path / "0").glob("*.parquet"))
    assert frame.loc[2:, "mean_share"].notna().all() and frame.loc[:1, "mean_share"].isna().all()


def test_unknown_value_stops_before_any_job(tmp_path: Path) -> None:
    done = sweep(tmp_path, "scenario=baseline,no_such_scenario", "seed=0,1", check=False)
    assert done.returncode == 2
    assert "error: sweep value scenario=no_such_scenario" in done.stderr
    assert not list(tmp_path.glob("*/.hydra"))
    done = sweep(tmp_path, "model.steps=3,x", check=False)
    assert done.returncode == 2 and "model.steps=x" in done.stderr


def test_two_numeric_parameters_give_curves_and_heatmap(tmp_path: Path) -> None:
    sweep(
        tmp_path,
        "world=synthetic",
        "world.n=10",
        "budget_rule.k=0.02,0.08",
        "alliance_rule.cost=0.1,0.3",
        "seed=0,1",
        "model.steps=3",
        "figures=false",
    )
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert len(frame) == 8 and frame["budget_rule.k"].dtype == float
    names = {p.name for p in (tmp_path / "figures").glob("*.png")}
    assert names == {
        "outcomes_vs_budget_rule.k.png",
        "outcomes_vs_alliance_rule.cost.png",
        "heatmap_budget_rule.k_x_alliance_rule.cost.png",
    }


def test_killed_sweep_finishes_by_rerunning_its_command(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={tmp_path}", *GRID, *FAST]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        for line in proc.stdout:  # kill it as soon as two jobs are done
            if "[sweep] 2/6 jobs done" in line:
                os.killpg(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
    assert not (tmp_path / "sweep.parquet").exists()
    # the report also rebuilds from an interrupted sweep: unfinished jobs are "missing"
    report = subprocess.run(
        [sys.executable, "-m", "sim.sweep_report", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report.returncode == 0, report.stderr
    partial = pd.read_parquet(tmp_path / "sweep.parquet")
    assert (partial["status"] == "ok").sum() >= 2
    assert set(partial["status"]) <= {"ok", "missing"}
    started = time.time()
    log = sweep(tmp_path, *GRID, *FAST).stdout
    assert log.count("holds a complete summary.json") >= 2
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert len(frame) == 6 and (frame["status"] == "ok").all()
    assert (tmp_path / "sweep.parquet").stat().st_mtime >= started


def test_collect_marks_a_job_without_outcome_missing(serial: Path, tmp_path: Path) -> None:
    job = tmp_path / "0"
    (job / ".hydra").mkdir(parents=True)
    for name in ("overrides.yaml", "config.yaml", "hydra.yaml"):
        (job / ".hydra" / name).write_text((serial / "0" / ".hydra" / name).read_text())
    frame = collect(tmp_path)
    assert frame["status"].tolist() == ["missing"] and frame["mean_share"].isna().all()


@pytest.mark.parametrize(
    ("launcher", "key", "value"),
    [
        ("parallel", "n_jobs", 2),
        ("joblib", "n_jobs", -1),
        ("slurm", "cpus_per_task", 1),
        (
            "slurm",
            "_target_",
            "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
        ),
        ("ray_cluster", "_target_", "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"),
    ],
)
def test_launcher_configs_compose(launcher: str, key: str, value: object) -> None:
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.config import CONFIG_DIR

    GlobalHydra.instance().clear()
    overrides = [f"hydra/launcher={launcher}"]
    if launcher == "ray_cluster":
        overrides.append("hydra.launcher.ray.init.address=127.0.0.1:6379")
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=overrides, return_hydra_config=True)
    assert cfg.hydra.launcher[key] == value
    if launcher == "slurm":
        assert cfg.hydra.launcher.submitit_folder.endswith("/.submitit/%j")
    if launcher == "ray_cluster":
        assert cfg.hydra.launcher.ray.init.object_store_memory is None


def test_grid_sweeper_checks_each_group_value_and_each_type_once() -> None:
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.config import CONFIG_DIR
    from sim.sweep import representative_jobs

    batch = [
        [f"scenario={s}", f"seed={n}", "model.steps=3"]
        for s in ("baseline", "us_retrenchment")
        for n in (0, 1, 2, "x")
    ]
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        jobs = representative_jobs(batch)
    assert jobs == [
        ["scenario=baseline", "seed=0", "model.steps=3"],
        ["scenario=us_retrenchment", "seed=0", "model.steps=3"],
        ["scenario=baseline", "seed=x", "model.steps=3"],
    ]
