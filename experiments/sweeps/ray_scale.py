"""A 10,000-job sweep through the Ray launcher on a local Ray cluster: memory, killed head, resume.

1. starts a Ray head on 127.0.0.1 (2 CPUs, its own ``--temp-dir``);
2. runs ``python -m sim -m hydra/launcher=ray_cluster ...`` over
   ``scenario=baseline,us_retrenchment`` x ``seed=range(0, JOBS/2)`` (synthetic world of
   ``--nations`` nations, ``--steps`` years, ``outputs=metrics``, batches of 1,000 jobs);
3. every 2 s samples the resident memory (RSS) of the launching process and of the Ray
   processes (the head's GCS and raylet and every worker under them) against the number of
   finished jobs, and keeps the sample at each multiple of 1,000;
4. when ``--kill-at`` jobs are done, kills the head (its processes, by their ids), waits for the
   sweep command to fail, starts a new head and reruns the same command, which skips the
   finished jobs and runs the rest;
5. writes ``ray_scale_results.json`` beside this script.

    python experiments/sweeps/ray_scale.py                       # 10,000 jobs, head killed at 5,000
    python experiments/sweeps/ray_scale.py --jobs 400 --kill-at 200   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RAY = Path(sys.executable).with_name("ray")
MB = 1024**2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_head(port: int, temp_dir: Path) -> list[psutil.Process]:
    """Start a Ray head; return its GCS and raylet processes (found by our temp dir)."""
    # workers at normal priority (Ray nices them by 15): on a shared machine they would starve
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_worker_niceness": "0"}
    cmd = [
        str(RAY), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
        "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats",
        f"--temp-dir={temp_dir}", "--object-store-memory=300000000",
    ]  # fmt: skip
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=180)
    return head_processes(temp_dir)


def head_processes(temp_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(temp_dir) in cmdline and proc.pid != os.getpid():
            found.append(proc)
    return found


def tree_rss(procs: list[psutil.Process]) -> float:
    """RSS (MB) of these processes and all their descendants, each counted once."""
    seen: dict[int, float] = {}
    for proc in procs:
        try:
            for p in [proc, *proc.children(recursive=True)]:
                if p.pid not in seen:
                    seen[p.pid] = p.memory_info().rss / MB
        except psutil.Error:
            continue
    return sum(seen.values())


def kill(procs: list[psutil.Process]) -> None:
    """Kill the head: its own processes and their descendants, by id."""
    victims = []
    for proc in procs:
        try:
            victims += [proc, *proc.children(recursive=True)]
        except psutil.Error:
            pass
    for proc in victims:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(victims, timeout=30)


def finished(sweep_dir: Path) -> int:
    """Jobs the running command has finished (run or skipped): bytes of .sweep/done."""
    try:
        return (sweep_dir / ".sweep" / "done").stat().st_size
    except OSError:
        return 0


def skipped(sweep_dir: Path) -> int:
    """Jobs the last command skipped as finished (``k`` records of .sweep/done)."""
    try:
        return (sweep_dir / ".sweep" / "done").read_bytes().count(b"k")
    except OSError:
        return 0


def complete_jobs(sweep_dir: Path) -> int:
    """Job directories holding a complete ``summary.json`` (the finished points)."""
    count = 0
    for path in sweep_dir.glob("*/summary.json"):
        try:
            count += "metrics" in json.loads(path.read_text())
        except (OSError, ValueError):
            pass
    return count


def run(args: argparse.Namespace) -> dict:
    sweep_dir = Path(args.sweep_dir or tempfile.mkdtemp(prefix="ray_scale_"))
    temp_dir = Path(tempfile.mkdtemp(prefix="rs", dir="/tmp"))
    port = free_port()
    cmd = [
        sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={sweep_dir}",
        "hydra/launcher=ray_cluster", f"hydra.launcher.ray.init.address=127.0.0.1:{port}",
        "hydra.sweeper.max_batch_size=1000", "hydra.callbacks.sweep_report.figures=false",
        "world=synthetic", f"world.n={args.nations}", f"model.steps={args.steps}",
        "outputs=metrics", "figures=false", "scenario=baseline,us_retrenchment",
        f"seed=range(0,{args.jobs // 2})",
    ]  # fmt: skip
    samples: list[dict] = []
    load_before = os.getloadavg()
    attempts = []
    head = start_head(port, temp_dir)
    started = time.time()
    kill_at = args.kill_at
    try:
        head_killed = False
        for attempt in (1, 2, 3, 4):  # a head lost otherwise (another user's `ray stop`) too
            t0 = time.time()
            complete = complete_jobs(sweep_dir)  # what a resume must skip, exactly
            log = open(sweep_dir.parent / f"{sweep_dir.name}_attempt{attempt}.log", "w")  # noqa: SIM115
            proc = psutil.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            next_mark, killed = 1000, False
            while proc.poll() is None:
                done = finished(sweep_dir)
                try:
                    launcher = proc.memory_info().rss / MB
                except psutil.Error:
                    launcher = float("nan")
                sample = {
                    "attempt": attempt,
                    "t": round(time.time() - started, 1),
                    "done": done,
                    "launcher_mb": round(launcher, 1),
                    "ray_mb": round(tree_rss(head), 1),
                    "load": os.getloadavg()[0],
                }
                if done >= next_mark:
                    samples.append(sample)
                    print(json.dumps(sample), flush=True)
                    next_mark = (done // 1000 + 1) * 1000
                if kill_at and done >= kill_at and not head_killed:
                    print(f"killing the Ray head at {done} jobs done", flush=True)
                    kill(head)
                    killed = head_killed = True
                time.sleep(2)
            log.close()
            attempts.append(
                {
                    "attempt": attempt,
                    "exit": proc.returncode,
                    "seconds": round(time.time() - t0, 1),
                    "complete_before": complete,
                    "jobs_done": finished(sweep_dir),
                    "skipped": skipped(sweep_dir),
                    "killed_head": killed,
                }
            )
            print(json.dumps(attempts[-1]), flush=True)
            if proc.returncode == 0:
                break
            head = start_head(port, temp_dir)
    finally:
        kill(head_processes(temp_dir))
    import pandas as pd

    frame = pd.read_parquet(sweep_dir / "sweep.parquet")
    total = time.time() - started
    return {
        "jobs": args.jobs,
        "nations": args.nations,
        "steps": args.steps,
        "sweep_dir": str(sweep_dir),
        "attempts": attempts,
        "skipped_on_resume": skipped(sweep_dir),  # by the last command
        "status_counts": frame["status"].value_counts().to_dict(),
        "seconds_total": round(total, 1),
        "jobs_per_s_overall": round(args.jobs / total, 2),
        "memory_every_1000_jobs": samples,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--kill-at", type=int, default=5_000, help="0: never kill the head")
    parser.add_argument("--nations", type=int, default=10)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--sweep-dir", type=Path, default=None)
    parser.add_argument("--results", type=Path, default=HERE / "ray_scale_results.json")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps({k: v for k, v in result.items() if k != "memory_every_1000_jobs"}))
    args.results.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
