"""Start and stop the page's server on loopback: for the browser tests and the load benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ServerError(RuntimeError):
    """The page's server exited or did not answer; the message holds the end of its log."""


def free_port() -> int:
    """A free TCP port of 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, log: Path, env: dict[str, str] | None = None, timeout: float = 120.0):
    """``solara run sim.app.page`` on 127.0.0.1:``port`` (as ``make app``), once it answers.

    Raises
    ------
    ServerError
        when it exits or does not answer within ``timeout`` seconds (it is then stopped).
    """
    full_env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", **(env or {})}
    solara = Path(sys.executable).with_name("solara")
    command = [str(solara), "run", "sim.app.page", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*command, "--production"],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise ServerError(f"solara exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return proc
        except OSError:
            if time.monotonic() > deadline:
                stop(proc)
                raise ServerError(f"solara did not answer:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.5)


def stop(proc: subprocess.Popen) -> None:
    """Terminate the server (kill it if it does not stop within 15 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)
