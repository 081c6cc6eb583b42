"""A sweep through hydra-ray-launcher on a real local Ray cluster equals the serial sweep."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAY = Path(sys.executable).with_name("ray")
GRID = ["scenario=baseline,us_retrenchment", "seed=0,1", "model.steps=4", "figures=false"]

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def head_processes(temp_dir: str) -> list:
    """The processes of the Ray head started with ``--temp-dir=temp_dir`` and their children."""
    import psutil

    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if temp_dir in " ".join(proc.info["cmdline"] or []):
            try:
                found += [proc, *proc.children(recursive=True)]
            except psutil.Error:
                pass
    return found


@pytest.fixture(scope="module")
def ray_head() -> Iterator[str]:
    """A Ray head bound to 127.0.0.1 with 2 CPUs and its own temp dir, stopped afterwards by
    killing its own processes (``ray stop`` would stop every Ray cluster on the machine)."""
    import psutil

    if shutil.which(str(RAY)) is None:
        pytest.skip("ray is not installed (pip install -e '.[cluster]')")
    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    cmd = [
        str(RAY),
        "start",
        "--head",
        "--node-ip-address=127.0.0.1",
        f"--port={port}",
        "--num-cpus=2",
        "--include-dashboard=false",
        "--disable-usage-stats",
        f"--temp-dir={temp_dir}",
    ]
    try:
        started = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert started.returncode == 0, started.stdout + started.stderr
        yield f"127.0.0.1:{port}"
    finally:
        victims = head_processes(temp_dir)
        for proc in victims:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(victims, timeout=60)
        shutil.rmtree(temp_dir, ignore_errors=True)


def run_sweep(sweep_dir: Path, *args: str) -> str:
    cmd = [sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={sweep_dir}", *args, *GRID]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def outcomes(sweep_dir: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(sweep_dir.glob("*/summary.json")):
        summary = json.loads(path.read_text())
        found[path.parent.name] = {"tables": summary["tables"], "metrics": summary["metrics"]}
    return found


def test_ray_cluster_sweep_equals_serial(ray_head: str, tmp_path: Path) -> None:
    log = run_sweep(
        tmp_path / "ray",
        "hydra/launcher=ray_cluster",
        f"hydra.launcher.ray.init.address={ray_head}",
    )
    assert "Connecting to existing Ray cluster" in log
    run_sweep(tmp_path / "serial")
    ray, serial = outcomes(tmp_path / "ray"), outcomes(tmp_path / "serial")
    assert len(ray) == 4 and ray == serial
    assert (tmp_path / "ray" / "sweep.parquet").exists()
    # resume works on the cluster too: the rerun skips all four jobs (counted from the sweep's
    # own record: Ray deduplicates the workers' repeated log lines)
    run_sweep(
        tmp_path / "ray",
        "hydra/launcher=ray_cluster",
        f"hydra.launcher.ray.init.address={ray_head}",
    )
    assert (tmp_path / "ray" / ".sweep" / "done").read_bytes() == b"kkkk"
