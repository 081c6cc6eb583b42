"""Sweeps: jobs named by their point, no stale or foreign result, loud failures, the aggregate,
the dataset, launchers (issues 4 and 15)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import FAILED, POINT, collect, finished_summary, point_key

ROOT = Path(__file__).resolve().parents[1]
GRID = ["scenario=baseline,us_retrenchment", "seed=0,1,2"]
FAST = ["model.steps=4", "figures=false"]
TINY = ["world=synthetic", "world.n=6", "model.steps=2", "figures=false"]
EXAMPLE = ROOT / "experiments" / "custom_world_example"


def sweep(sweep_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``python -m sim -m hydra.sweep.dir=SWEEP_DIR ARGS`` in a subprocess (output captured)."""
    cmd = [sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={sweep_dir}", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def sweep_report(*args: str) -> subprocess.CompletedProcess:
    """``python -m sim.sweep_report ARGS`` in a subprocess (output captured)."""
    cmd = [sys.executable, "-m", "sim.sweep_report", *map(str, args)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def summaries(sweep_dir: Path) -> dict[str, dict]:
    return {
        p.parent.name: json.loads(p.read_text()) for p in sorted(sweep_dir.glob("*/summary.json"))
    }


def job_dir(sweep_dir: Path, *overrides: str) -> Path:
    return sweep_dir / point_key(overrides)


def mtimes(sweep_dir: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in sweep_dir.glob("*/summary.json")}


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
    assert list(frame.columns[:7]) == [
        "job",
        "point",
        "dir",
        "figures",
        "model.steps",
        "scenario",
        "seed",
    ]
    assert frame["job"].tolist() == list(range(6))
    assert sorted(zip(frame["scenario"], frame["seed"], strict=True)) == sorted(
        (s, n) for s in ("baseline", "us_retrenchment") for n in (0, 1, 2)
    )
    assert frame["model.steps"].dtype.kind == "i" and frame["figures"].dtype == bool
    assert str(frame["n_ties"].dtype) == "Int64" and str(frame["ties_formed"].dtype) == "Int64"
    assert (frame["status"] == "ok").all() and frame["error"].isna().all()
    for job in frame.itertuples():
        assert job.dir == f"figures=False,model.steps=4,scenario={job.scenario},seed={job.seed}"
        summary = json.loads((serial / job.dir / "summary.json").read_text())
        assert job.mean_share == summary["metrics"]["mean_share"]
        assert job.n_ties == summary["metrics"]["n_ties"]
        assert job.seed == summary["seed"]
        assert (serial / job.dir / ".hydra" / "config.yaml").stat().st_size > 100


def test_sweep_figures_per_scenario(serial: Path) -> None:
    assert (serial / "figures" / "outcomes_by_scenario.png").stat().st_size > 10_000


def test_progress_line_per_job(serial: Path) -> None:
    log = (serial / "log.txt").read_text()
    for n in range(1, 7):
        assert f"[sweep] {n}/6 jobs done" in log
    assert "ETA 0:00:00" in log


def test_dataset_is_read_in_place_by_duckdb(serial: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    glob = str(serial / "dataset" / "world" / "*" / "*.parquet")
    rows = duckdb.sql(
        f"""SELECT scenario, seed, count(*) AS years, max(n_ties) AS ties, "model.steps"
            FROM read_parquet('{glob}', hive_partitioning = true)
            GROUP BY ALL ORDER BY scenario, seed"""
    ).df()
    assert len(rows) == 6 and (rows["years"] == 5).all()  # the start year and 4 steps
    assert rows["ties"].dtype.kind == "i" and (rows["model.steps"] == 4).all()
    points = duckdb.sql(
        f"SELECT DISTINCT point FROM read_parquet('{glob}', hive_partitioning = true)"
    ).df()
    frame = pd.read_parquet(serial / "sweep.parquet")
    assert set(points["point"]) == set(frame["point"])
    world = pd.read_parquet(serial / frame.loc[0, "dir"] / "world.parquet")
    got = duckdb.sql(
        f"""SELECT n_ties, mean_share FROM read_parquet('{glob}', hive_partitioning = true)
            WHERE point = '{frame.loc[0, "point"]}' ORDER BY step"""
    ).df()
    pd.testing.assert_frame_equal(got, world[["n_ties", "mean_share"]], check_dtype=False)


def test_rerun_recomputes_nothing_then_only_what_is_missing(serial: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in serial.glob("*/*.parquet")}
    log = sweep(serial, *GRID, *FAST).stdout
    assert log.count("is finished for this identity") == 6
    assert {p: p.stat().st_mtime_ns for p in serial.glob("*/*.parquet")} == before
    # a job killed before its summary.json (tables may be there) is run again; only that one
    killed = job_dir(serial, "figures=False", "model.steps=4", "scenario=us_retrenchment", "seed=1")
    (killed / "summary.json").unlink()
    log = sweep(serial, *GRID, *FAST).stdout
    assert log.count("is finished for this identity") == 5
    assert "#4 ok" in log
    assert (killed / "summary.json").exists()


def test_changed_config_is_not_finished(serial: Path) -> None:
    run_dir = next(serial.glob("*/summary.json")).parent
    record = json.loads((run_dir / POINT).read_text())
    assert finished_summary(run_dir, record["identity"]) is not None
    assert finished_summary(run_dir, "0" * 64) is None


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


def test_grid_extended_shrunk_and_foreign_points(tmp_path: Path) -> None:
    """range(0,3) -> range(0,4) runs only seed 3; seed=0,1 reruns nothing and lists two
    points; seed=10,11 into the same directory lists only its own two points."""
    sweep(tmp_path, *TINY, "seed=range(0,3)")
    first = mtimes(tmp_path)
    log = sweep(tmp_path, *TINY, "seed=range(0,4)").stdout
    assert log.count("is finished for this identity") == 3 and "#3 ok" in log
    now = mtimes(tmp_path)
    assert {k: now[k] for k in first} == first and len(now) == 4
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert frame["seed"].tolist() == [0, 1, 2, 3] and (frame["status"] == "ok").all()

    log = sweep(tmp_path, *TINY, "seed=0,1").stdout
    assert log.count("is finished for this identity") == 2
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert frame["seed"].tolist() == [0, 1] and mtimes(tmp_path) == now
    assert len(list((tmp_path / "dataset" / "world").glob("point=*"))) == 2

    done = sweep(tmp_path, *TINY, "seed=10,11")
    assert "2 jobs: 2 ok" in done.stdout and "is finished" not in done.stdout
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert frame["seed"].tolist() == [10, 11]
    assert {k: v for k, v in mtimes(tmp_path).items() if k in now} == now  # 0..3 untouched
    report = sweep_report(str(tmp_path), "--no-figures")
    assert report.returncode == 0 and "2 jobs: 2 ok" in report.stdout, report.stderr


def test_edited_custom_world_reruns_with_the_new_numbers(tmp_path: Path) -> None:
    nations = tmp_path / "nations.csv"
    shutil.copy(EXAMPLE / "nations.csv", nations)
    args = ["world=custom", f"world.path={nations}", "seed=0,1", "model.steps=2", "figures=false"]
    sweep(tmp_path / "sweep", *args)
    old = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")["world_milex"]
    table = pd.read_csv(nations)
    table.loc[table["iso3"] == "USA", "milex_usd"] //= 4  # the largest spender cuts by 3/4
    table.to_csv(nations, index=False)
    log = sweep(tmp_path / "sweep", *args).stdout
    assert "is finished" not in log  # every job read the edited file: none is skipped
    new = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")["world_milex"]
    assert (new < 0.8 * old).all()
    sweep(tmp_path / "fresh", *args)
    fresh = pd.read_parquet(tmp_path / "fresh" / "sweep.parquet")["world_milex"]
    assert new.tolist() == fresh.tolist()
    record = json.loads(next((tmp_path / "sweep").glob(f"*/{POINT}")).read_text())
    assert str(nations) in record["inputs"]


def test_identity_hashes_exactly_the_files_the_job_reads() -> None:
    """world=today hashes today's tables and the conflict data, no other world's files; a
    synthetic world reads none; a hindcast adds the observed series; the map only with figures."""
    from sim.config import compose
    from sim.sweep import input_files

    today = input_files(compose(["figures=false"]))
    data = "<package>/sim/worlds/data/"
    assert sorted(today) == sorted(
        [
            *(f"{data}today_{t}.csv" for t in ("nations", "treaties", "borders", "rivalries")),
            "<package>/sim/worlds/raw/ucdp_interstate_conflicts_1990_2024.csv",
        ]
    )
    assert input_files(compose(["world=synthetic", "figures=false"])) == {}
    assert list(input_files(compose(["world=synthetic"]))) == [f"{data}countries_110m.json"]
    hindcast = input_files(compose(["experiment=hindcast_2014_2024", "figures=false"]))
    assert not any("today_" in k for k in hindcast) and f"{data}y2014_nations.csv" in hindcast
    assert "<package>/sim/worlds/raw/sipri_milex_share_of_gdp_1990_2024.csv" in hindcast
    assert f"{data}nato_reference_2014_2024.csv" in hindcast


def test_editing_another_worlds_file_keeps_the_job_fresh(tmp_path: Path) -> None:
    """On a copy of the package: editing y2014's nations leaves a world=today job finished;
    editing today's treaties reruns it."""
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "sim", package / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(package)}
    args = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        "seed=0",
        "model.steps=1",
        "outputs=metrics",
        "figures=false",
    ]

    def run() -> str:
        done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "is finished" not in run()
    record = json.loads(next((tmp_path / "sweep").glob(f"*/{POINT}")).read_text())
    assert not any("y2014" in k for k in record["inputs"])
    data = package / "sim" / "worlds" / "data"
    with (data / "y2014_nations.csv").open("a") as fh:
        fh.write("\n")
    assert run().count("is finished for this identity") == 1
    treaties = data / "today_treaties.csv"
    treaties.write_text(treaties.read_text().replace("NATO,USA,0.02,", "NATO,USA,0.03,", 1))
    log = run()
    assert "is finished" not in log and "1 jobs: 1 ok" in log


def test_colliding_subdir_is_refused_before_any_job(tmp_path: Path) -> None:
    done = sweep(tmp_path, *TINY, "seed=0,1", "hydra.sweep.subdir=${world.name}", check=False)
    assert done.returncode == 2
    assert "the same directory 'synthetic'" in done.stderr
    assert "#0" in done.stderr and "#1" in done.stderr
    assert not list(tmp_path.glob("*/summary.json")) and not (tmp_path / "synthetic").exists()


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
    assert "error: 2 of 4 jobs did not finish (2 failed)" in done.stderr
    assert done.stderr.count("error:") == 1
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert frame["status"].tolist() == ["failed", "failed", "ok", "ok"]
    assert frame.loc[0, "error"].startswith("world.n: must be in [2,")
    assert frame["world.n"].tolist() == [1, 1, 8, 8]
    first = tmp_path / frame.loc[0, "dir"]
    failed = json.loads((first / FAILED).read_text())
    assert failed["overrides"] == [
        "world=synthetic",
        "world.n=1",
        "seed=0",
        "model.steps=3",
        "figures=False",
    ]
    assert not (first / "summary.json").exists()
    assert not list(first.glob("*.parquet"))
    assert frame.loc[2:, "mean_share"].notna().all() and frame.loc[:1, "mean_share"].isna().all()


def test_failing_aggregation_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "sweep.parquet").mkdir()  # the report cannot be written where it belongs
    done = sweep(tmp_path, *TINY, "seed=0,1", check=False)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "writing the sweep report" in lines[0]
    assert "sweep.parquet" in lines[0] and "report_error.txt" in lines[0]
    assert "Traceback" in (tmp_path / ".sweep" / "report_error.txt").read_text()


def test_seed_beyond_int64_keeps_its_value(tmp_path: Path) -> None:
    seed = 2**63 + 5
    sweep(tmp_path, *TINY, f"seed={seed},1", "outputs=metrics")
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert str(frame["seed"].dtype) == "UInt64" and frame["seed"].tolist() == [seed, 1]
    names = {p.name for p in (tmp_path / frame.loc[0, "dir"]).iterdir()}
    assert names == {".hydra", "__main__.log", POINT, "summary.json", "world.parquet"}


def test_truncated_summary_gives_one_line(serial: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(serial, copy)
    first = pd.read_parquet(copy / "sweep.parquet").loc[0, "dir"]
    path = copy / first / "summary.json"
    path.write_text(path.read_text()[:100])
    report = sweep_report(str(copy), "--no-figures")
    assert report.returncode == 2
    assert report.stderr.count("\n") == 1 and "truncated or not JSON" in report.stderr
    assert str(path) in report.stderr and "Traceback" not in report.stderr


def test_report_merges_several_sweeps(serial: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    sweep(other, *TINY, "seed=0,1")
    out = tmp_path / "merged.parquet"
    report = sweep_report(str(serial), str(other), "--out", str(out))
    assert report.returncode == 0, report.stderr
    merged = pd.read_parquet(out)
    assert len(merged) == 8 and merged.columns[0] == "sweep"
    assert merged.groupby("sweep").size().to_dict() == {str(serial): 6, str(other): 2}
    assert str(merged["n_ties"].dtype) == "Int64"


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
        "heatmap_alliance_rule.cost_x_budget_rule.k.png",
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
    report = sweep_report(str(tmp_path))
    assert report.returncode == 1, report.stderr  # 1: some jobs are missing
    partial = pd.read_parquet(tmp_path / "sweep.parquet")
    assert len(partial) == 6 and (partial["status"] == "ok").sum() >= 2
    assert set(partial["status"]) <= {"ok", "missing"}
    started = time.time()
    log = sweep(tmp_path, *GRID, *FAST).stdout
    assert log.count("is finished for this identity") >= 2
    frame = pd.read_parquet(tmp_path / "sweep.parquet")
    assert len(frame) == 6 and (frame["status"] == "ok").all()
    assert (tmp_path / "sweep.parquet").stat().st_mtime >= started


def test_collect_marks_an_unfinished_job_missing(serial: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(serial, copy)
    (copy / ".sweep" / "finished").write_text("")  # as if this command had finished nothing
    frame = collect(copy)
    assert len(frame) == 6 and (frame["status"] == "missing").all()
    assert frame["mean_share"].isna().all()


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
        (["scenario=baseline", "seed=0", "model.steps=3"], None),
        (["scenario=us_retrenchment", "seed=0", "model.steps=3"], "scenario=us_retrenchment"),
        (["scenario=baseline", "seed=x", "model.steps=3"], "seed=x"),
    ]


def test_point_key_is_readable_when_short_and_hashed_when_long_or_unsafe() -> None:
    assert point_key(["seed=1", "scenario=a", "hydra.launcher.n_jobs=2"]) == "scenario=a,seed=1"
    assert point_key(["scenario=a", "seed=1"]) == point_key(["seed=1", "scenario=a"])
    hashed = point_key(["world.path=/data/my world.csv", "seed=1"])
    assert hashed.startswith("h-") and len(hashed) == 18
    long = point_key([f"model.k{n}=0.{n}" for n in range(20)])
    assert long.startswith("h-") and long != hashed


def test_composing_once_gives_hydras_config(tmp_path: Path) -> None:
    """A job composed from the cached template equals Hydra's own composition of it."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from sim.config import CONFIG_DIR
    from sim.sweep import ComposeOnce

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        gh = GlobalHydra.instance().hydra
        loader = gh.config_loader
        master = loader.load_configuration(
            "config",
            [f"hydra.sweep.dir={tmp_path}"],
            run_mode=__import__("hydra").types.RunMode.MULTIRUN,
        )
        once = ComposeOnce(loader)
        jobs = [
            ["scenario=us_retrenchment", f"seed={n}", f"budget_rule.k={k}", "model.steps=3"]
            for n, k in ((0, 0.01), (5, 0.07), (9, 0.02))
        ]
        for job in jobs:
            ours = once.load_sweep_config(master, job)
            theirs = loader.load_sweep_config(master, job)
            theirs.hydra.output_subdir = None
            assert OmegaConf.to_container(ours) == OmegaConf.to_container(theirs)
        with pytest.raises(Exception, match="model.steps"):
            once.load_sweep_config(master, ["scenario=us_retrenchment", "seed=1",
                                            "budget_rule.k=0.1", "model.steps=x"])  # fmt: skip


def test_job_config_converted_once_equals_a_full_conversion() -> None:
    """Seeds of one configuration share one conversion to dataclasses: each job's equals
    ``to_config`` of its own config, a new configuration is converted afresh, a bad seed is
    refused with to_config's message, and no two jobs share a config object."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from sim.config import CONFIG_DIR, ConfigError, to_config
    from sim.sweep import job_config

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        jobs = [
            compose("config", [f"seed={seed}", f"scenario={scenario}", "model.steps=3"])
            for scenario in ("baseline", "us_retrenchment")
            for seed in (0, 7, 2**64 - 1)
        ]
        bad = compose("config", ["seed=-1", "scenario=us_retrenchment", "model.steps=3"])
    made = []
    for cfg in jobs:
        ours = job_config(cfg, OmegaConf.to_container(cfg, resolve=True))
        assert ours == to_config(cfg)
        made.append(ours)
    assert len({id(c.model) for c in made}) == len(made)
    with pytest.raises(ConfigError, match="seed: must be >= 0"):
        job_config(bad, OmegaConf.to_container(bad, resolve=True))


def test_bands_are_seed_quantiles_within_the_data_range(tmp_path: Path) -> None:
    """A count that is 0 in most seeds and 5 in one: the band stays within [0, 5] (a mean -
    1 s.d. band went below zero), one line per value of the other swept parameter."""
    from sim.sweep_plots import plot_outcomes_vs_parameter, point_quantiles

    rows = [
        {"budget_rule.k": k, "scenario": s, "seed": n, "ties_dissolved": 5 if n == 0 else 0,
         "status": "ok"}
        for k in (0.02, 0.04) for s in ("baseline", "us_retrenchment") for n in range(5)
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    stats = point_quantiles(
        frame[frame["scenario"] == "baseline"], "budget_rule.k", "ties_dissolved"
    )
    assert (stats["low"] >= 0).all() and (stats["high"] <= 5).all()
    assert stats["count"].tolist() == [5, 5] and stats["median"].tolist() == [0, 0]
    plot_outcomes_vs_parameter(frame, "budget_rule.k", tmp_path / "f.png", others=["scenario"])
    assert (tmp_path / "f.png").stat().st_size > 5_000


def test_plugin_shim_imports_nothing_of_sim() -> None:
    """Hydra's plugin scan imports hydra_plugins in every Hydra app: it must stay cheap."""
    code = (
        "import sys, hydra_plugins.sim_sweepers; "
        "print(sorted(m for m in sys.modules if m == 'sim' or m.startswith('sim.') "
        "or m in ('pandas', 'mesa')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
