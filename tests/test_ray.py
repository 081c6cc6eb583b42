"""A sweep through hydra-ray-launcher on a real local Ray cluster equals the serial sweep."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
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


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Ray head bound to 127.0.0.1 with 2 CPUs, stopped (``ray stop --force``) afterwards."""
    if shutil.which(str(RAY)) is None:
        pytest.skip("ray is not installed (pip install -e '.[cluster]')")
    port = free_port()
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
    ]
    try:
        started = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert started.returncode == 0, started.stdout + started.stderr
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(RAY), "stop", "--force"], capture_output=True, timeout=120)


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
    # resume works on the cluster too: the rerun skips all four jobs
    log = run_sweep(
        tmp_path / "ray",
        "hydra/launcher=ray_cluster",
        f"hydra.launcher.ray.init.address={ray_head}",
    )
    assert log.count("holds a complete summary.json for this config") == 4
