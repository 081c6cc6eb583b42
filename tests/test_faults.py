"""Faults: a killed run leaves no summary.json, unwritable or full output directories give one
clear line naming the path, and a sweep killed in the middle of a job resumes to the same result.

Root ignores file permissions, so "read-only" here is a real condition that stops root too: a
run-dir path that is a regular file, a parent that is a file, and a read-only tmpfs mount; "full"
is a 64 KiB tmpfs. The mounts need CAP_SYS_ADMIN: without it those two cases skip with a reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from conftest import ROOT

from sim.output import OutputError, atomic_write
from sim.sweep import point_key

REAL_NAMES = ("nations.parquet", "world.parquet", "alliance_events.parquet")


def start(run_dir: Path, *overrides: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", *overrides],
        cwd=run_dir.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(condition, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"run ended before the kill: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "timed out waiting for the run"
        time.sleep(0.005)


def kill(proc: subprocess.Popen) -> None:
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def assert_complete_or_absent(run_dir: Path) -> None:
    """Every file under its real name is whole: a killed write leaves only a ``.*.tmp``."""
    for name in REAL_NAMES:
        if (run_dir / name).exists():
            assert len(pd.read_parquet(run_dir / name).columns) > 1
    if (run_dir / "alliances_final.graphml").exists():
        nx.read_graphml(run_dir / "alliances_final.graphml")
    for png in run_dir.glob("figures/*.png"):
        assert png.read_bytes()[-8:] == b"IEND\xaeB`\x82"  # a PNG's last chunk


# ----------------------------------------------------------------------------- SIGKILL


def test_sigkill_during_the_simulation_leaves_no_summary(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "summary.json").write_text('{"stale": "from an earlier run"}')
    proc = start(
        run_dir,
        "world=synthetic",
        "world.n=120",
        "model.steps=100000",
        "model.record_every=1000",
        "figures=false",
    )
    wait_for(lambda: not (run_dir / "summary.json").exists(), proc)  # the run removed it
    time.sleep(1.0)  # well inside the 100,000 years
    kill(proc)
    assert not (run_dir / "summary.json").exists()
    assert not any((run_dir / name).exists() for name in REAL_NAMES)


@pytest.mark.slow
def test_sigkill_while_writing_leaves_whole_files_and_no_summary(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    # a big nations table, then figures: killed as soon as the first table is in place
    proc = start(run_dir, "world=synthetic", "world.n=300", "model.steps=300", "figures=true")
    wait_for(lambda: (run_dir / "nations.parquet").exists(), proc, timeout=600)
    kill(proc)
    assert not (run_dir / "summary.json").exists()
    assert_complete_or_absent(run_dir)


def test_atomic_write_failing_midway_leaves_nothing(tmp_path):
    target = tmp_path / "table.parquet"

    def half_then_crash(tmp: Path) -> None:
        tmp.write_bytes(b"PAR1 half a table")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(target, half_then_crash)
    assert list(tmp_path.iterdir()) == []

    def disk_full(tmp: Path) -> None:
        tmp.write_bytes(b"PAR1")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=rf"{target}: cannot write \(No space left on device\)"):
        atomic_write(target, disk_full)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- unwritable output


def sim_cli(*args: str, cwd: Path = ROOT, timeout: float = 300, **kwargs):
    """``python -m sim ARGS`` as a subprocess, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def assert_output_error(proc: subprocess.CompletedProcess, path: Path, reason: str) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Traceback" not in output, output
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {path}") and reason in lines[0], lines[0]


def test_run_dir_that_is_a_regular_file(tmp_path, run_cli):
    blocker = tmp_path / "run"  # run_cli's run dir
    blocker.write_text("not a directory")
    proc = run_cli()
    assert_output_error(proc, blocker, "is a file")
    assert blocker.read_text() == "not a directory"


def test_run_dir_under_a_regular_file(tmp_path):
    blocker = tmp_path / "outputs"
    blocker.write_text("not a directory")
    run_dir = blocker / "run"
    proc = sim_cli(f"hydra.run.dir={run_dir}", "model.steps=2", cwd=tmp_path)
    assert_output_error(proc, run_dir, f"{blocker} is a file")


def test_sweep_dir_that_is_a_regular_file(tmp_path):
    blocker = tmp_path / "sweep"
    blocker.write_text("not a directory")
    proc = sim_cli("-m", f"hydra.sweep.dir={blocker}", "seed=0,1", cwd=tmp_path)
    assert_output_error(proc, blocker, "is a file")


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a 64 KiB tmpfs (``options`` e.g. ``ro``) on a fresh directory; unmount after."""
    mounted = []

    def mount(options: str = "") -> Path:
        where = tmp_path / f"mnt{len(mounted)}"
        where.mkdir()
        opts = ",".join(filter(None, ["size=64k", options]))
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs CAP_SYS_ADMIN): {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_read_only_output_directory(tmpfs):
    where = tmpfs("ro")
    run_dir = where / "run"
    proc = sim_cli(f"hydra.run.dir={run_dir}", "model.steps=2")
    assert_output_error(proc, run_dir, "Read-only file system")


def test_full_output_directory(tmpfs):
    where = tmpfs()
    run_dir = where / "run"
    proc = sim_cli(f"hydra.run.dir={run_dir}", "figures=false")
    # Hydra's .hydra/ files and the 4 KiB probe fit; the first table does not
    assert_output_error(proc, run_dir, "No space left on device")
    assert not (run_dir / "summary.json").exists()
    assert not list(run_dir.glob(".*.tmp"))  # the temporary file was removed
    assert_complete_or_absent(run_dir)


# ----------------------------------------------------------------------------- sweeps


SWEEP = ["seed=0,1,2", "world=synthetic", "world.n=40", "model.steps=60", "figures=false"]


def sweep(sweep_dir: Path) -> subprocess.CompletedProcess:
    return sim_cli("-m", f"hydra.sweep.dir={sweep_dir}", *SWEEP, timeout=600)


@pytest.mark.slow
def test_sweep_killed_inside_a_job_resumes_to_the_uninterrupted_result(tmp_path):
    """Killed while job 1 is running (job 0 done), the rerun skips job 0, redoes job 1 from
    scratch and runs job 2; the sweep table equals that of a sweep never interrupted."""
    clean = sweep(tmp_path / "clean")
    assert clean.returncode == 0, clean.stderr
    resumed = tmp_path / "resumed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={resumed}", *SWEEP],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )

    # job directories are named by their point (sim.sweep.point_key), not by Hydra's job number
    def job_dir(seed: int) -> Path:
        return resumed / point_key(
            [f"seed={seed}", "world=synthetic", "world.n=40", "model.steps=60", "figures=False"]
        )

    job = {seed: job_dir(seed) for seed in (0, 1, 2)}
    wait_for(lambda: (job[1] / ".hydra" / "config.yaml").exists(), proc, timeout=600)
    kill(proc)
    assert (job[0] / "summary.json").exists()
    assert not (job[1] / "summary.json").exists()
    assert not (resumed / "sweep.parquet").exists()
    rerun = sweep(resumed)
    assert rerun.returncode == 0, rerun.stderr
    log = rerun.stdout + rerun.stderr
    assert log.count("is finished for this identity") == 1  # job 0 only
    metrics = ["seed", "status", "mean_share", "polarity", "n_ties", "world_milex"]
    a = pd.read_parquet(tmp_path / "clean" / "sweep.parquet").sort_values("job")[metrics]
    b = pd.read_parquet(resumed / "sweep.parquet").sort_values("job")[metrics]
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    for job_dir in job.values():
        assert_complete_or_absent(job_dir)


def test_a_rerun_clears_temporary_files_left_by_a_killed_run(tmp_path):
    from sim.config import compose
    from sim.runner import run

    run_dir = tmp_path / "run"
    (run_dir / "figures").mkdir(parents=True)
    left = [run_dir / ".nations.parquet.abc123.tmp", run_dir / "figures" / ".blocs.png.x.tmp"]
    for path in left:
        path.write_bytes(b"half")
    run(compose(["model.steps=2", "figures=false"]), run_dir)
    assert not any(p.exists() for p in left)
    assert (run_dir / "summary.json").is_file()


# ----------------------------------------------------------------------------- file modes


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_atomic_write_gives_the_mode_open_would(tmp_path, umask):
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "a.txt", lambda tmp: tmp.write_text("x"))
        with open(tmp_path / "b.txt", "w") as f:  # what an ordinary write gives
            f.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "a.txt").stat().st_mode == (tmp_path / "b.txt").stat().st_mode


def test_every_output_file_is_readable_by_the_group(tmp_path):
    """Through the real CLI with figures, under a group-writable umask (a shared cluster disk)."""
    run_dir = tmp_path / "run"
    proc = sim_cli(f"hydra.run.dir={run_dir}", "model.steps=2", preexec_fn=lambda: os.umask(0o002))
    assert proc.returncode == 0, proc.stderr
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {*REAL_NAMES, "summary.json", "alliances_final.graphml"}
    assert any(p.suffix == ".png" for p in files)
    modes = {str(p.relative_to(run_dir)): oct(p.stat().st_mode & 0o777) for p in files}
    assert set(modes.values()) == {oct(0o664)}, modes


def test_graphml_stays_valid_xml_whatever_the_names_hold(tmp_path):
    """Defence in depth behind the world reader: control characters (XML 1.0 forbids them)
    in ids and attributes are written as escapes, and the file reads back."""
    from sim.output import write_graph

    graph = nx.Graph()
    graph.add_node("AAA", name="Al\x01pha\x1b[31m", major_power=True)
    graph.add_node("B\x00B", name="Beta\ttab")
    graph.add_edge("AAA", "B\x00B", treaty="PA\x0bCT", since=3)
    write_graph(graph, tmp_path / "g.graphml")
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert back.nodes["AAA"]["name"] == "Al\\x01pha\\x1b[31m"
    assert back.nodes["B\\x00B"]["name"] == "Beta\ttab"  # tab is valid XML: kept
    assert back.edges["AAA", "B\\x00B"] == {"treaty": "PA\\x0bCT", "since": 3}
    assert graph.nodes["AAA"]["name"] == "Al\x01pha\x1b[31m"  # the model's graph is untouched
