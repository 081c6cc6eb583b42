"""The page's server: ``python -m sim.app.serve`` (``make app``), and its start and stop on
loopback for the browser tests and the load benchmark.

:func:`main` runs what ``solara run sim.app.page --production`` runs (solara's Starlette app
under uvicorn, solara's logging, production mode, telemetry off, no root path, solara's asset
cache; the page sets the kernel cull timeout itself), with one difference: uvicorn speaks its
legacy ``websockets`` protocol and solara writes each websocket frame from the thread that sends
it (``SOLARA_SERVER_SYNC_WS_WRITE``, :mod:`solara.server.sync_ws_write`). By default each
message a session's thread sends goes through ``portal.call`` to the server's one event loop
(two cross-thread round trips per message, and a page render sends hundreds), so 30 sessions
that render at once queue there for seconds (``experiments/app/README.md``). Solara's remedy
needs the legacy protocol, and uvicorn's ``auto`` picks ``websockets-sansio`` (0.54 here);
``solara run`` has no ``--ws`` option, so the remedy stayed off under it without a word. In
front of solara's app, :data:`sim.app.served.app` serves the runs' frames over plain HTTP
(``/_sim/frames/<key>``, compressed once per run); with ``SIM_APP_FRAMES=http`` (checked here)
the page sends the browser their URL instead of the ~140 kB through each session's websocket.

Each connection logs ``sync_ws_write active for this connection`` (solara's logger, INFO), or
once ``sync_ws_write requested but unavailable (why)`` when it falls back; the browser tests
check the first. ``SIM_APP_WS=auto`` (uvicorn's default protocol) and
``SOLARA_SERVER_SYNC_WS_WRITE=false`` give solara's default path back (for A/B benchmarks);
``SIM_APP_SWITCH_INTERVAL`` (a diagnostic) sets the GIL's switch interval (:func:`switch_interval`).

With ``SIM_APP_AHEAD=process`` the server starts a worker process that computes runs ahead when
the first run is drawn (:func:`sim.app.runs.compute_ahead`; ``SIM_APP_AHEAD``,
``SIM_APP_AHEAD_QUIET`` and ``SIM_APP_WORKERS`` are checked here before it starts); it stops its
workers (that one, and those of ``SIM_APP_WORKERS``) when it shuts down (:func:`server_class`).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the page's module, as ``solara run`` takes it
APP = "sim.app.page"
#: uvicorn's websocket protocols this server may run (``SIM_APP_WS``; the first is the default)
WS_CHOICES = ("websockets", "auto", "websockets-sansio")


class ServerError(RuntimeError):
    """The page's server exited or did not answer; the message holds the end of its log."""


def legacy_websockets_protocol() -> type:
    """uvicorn's legacy ``websockets`` protocol class, the one solara's synchronous writes need.

    Imported by its module rather than by uvicorn's name ``"websockets"``, which uvicorn says will
    mean the sans-I/O protocol in a future release. Both uvicorn (0.54 here) and websockets
    (since 14) deprecate it; their two warnings are silenced here, on purpose (pyproject pins
    the versions that still ship it; the browser tests fail if the writes fall back).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
        warnings.filterwarnings("ignore", "The `websockets` implementation is deprecated")
        from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol
        from websockets.legacy import framing, protocol  # noqa: F401 (solara's writer uses them)
    return WebSocketProtocol


def uvicorn_config(host: str, port: int, ws: str = "websockets"):
    """The uvicorn config of the page's server on ``host:port`` (solara's app and logging).

    Sets solara's settings for the process (production mode, telemetry off, synchronous writes
    unless ``SOLARA_SERVER_SYNC_WS_WRITE`` says otherwise) and the environment its app reads.
    """
    import solara.server.settings as solara_settings
    import uvicorn
    from solara.__main__ import LOGGING_CONFIG

    if ws not in WS_CHOICES:
        raise ValueError(f"SIM_APP_WS: {ws!r} is not one of {', '.join(WS_CHOICES)}")
    solara_settings.main.mode = "production"
    solara_settings.telemetry.mixpanel_enable = False
    if "SOLARA_SERVER_SYNC_WS_WRITE" not in os.environ:
        solara_settings.server.sync_ws_write = True
    # the environment solara's app reads when uvicorn imports it (as `solara run` sets it)
    os.environ.update(SOLARA_APP=APP, SERVER_NAME=host, SERVER_PORT=str(port))
    log_config = {
        **LOGGING_CONFIG,
        "loggers": {
            **LOGGING_CONFIG["loggers"],
            # one line per connection: whether its frames are written synchronously
            "solara.server.sync_ws_write": {"level": "INFO"},
        },
    }
    return uvicorn.Config(
        "sim.app.served:app",  # solara's app, and the runs' frames over HTTP in front of it
        host=host,
        port=port,
        ws=legacy_websockets_protocol() if ws == "websockets" else ws,
        log_config=log_config,
        log_level="error",
        root_path="",
    )


def switch_interval(raw: str | None) -> float:
    """``SIM_APP_SWITCH_INTERVAL`` in seconds, checked (unset: Python's own, 0.005 s).

    A diagnostic: how long a thread may hold the GIL while another waits for it
    (``sys.setswitchinterval``). A session's thread gives the GIL up at each websocket write and
    each message it waits for, and gets it back when the thread computing a run lets go: up to
    one interval per message while runs compute. 0.001 s was benchmarked twice
    (``experiments/app/README.md``) without a clear gain, so the server keeps Python's default.
    """
    if raw is None:
        return sys.getswitchinterval()
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 1:
        raise ValueError(f"SIM_APP_SWITCH_INTERVAL: {raw!r} is not a number of seconds in (0, 1]")
    return value


def server_class() -> type:
    """uvicorn's server, stopping the page's worker processes when it shuts down.

    After a signal's graceful shutdown uvicorn raises the signal again, so the process ends
    without running its exit handlers (``multiprocessing`` would end daemon workers there): the
    workers are stopped at the end of :meth:`shutdown` instead.
    """
    import uvicorn

    class Server(uvicorn.Server):
        async def shutdown(self, sockets=None) -> None:
            await super().shutdown(sockets)
            from sim.app import runs

            runs.stop_workers()

    return Server


def main(argv: list[str] | None = None) -> None:
    """Serve the page on ``--host``:``--port`` until interrupted (``make app``)."""
    parser = argparse.ArgumentParser(description="The teaching page's server (make app).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8765)))
    args = parser.parse_args(argv)
    try:
        interval = switch_interval(os.environ.get("SIM_APP_SWITCH_INTERVAL"))
        import sim.app.runs  # noqa: F401 (its import checks SIM_APP_AHEAD, _AHEAD_QUIET, _WORKERS)
        from sim.app.served import frames_mode

        frames_mode(os.environ.get("SIM_APP_FRAMES"))  # checked here; the page reads it

        config = uvicorn_config(args.host, args.port, os.environ.get("SIM_APP_WS", WS_CHOICES[0]))
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    sys.setswitchinterval(interval)
    print(f"The teaching page: http://{args.host}:{args.port}/", flush=True)
    server_class()(config).run()


def free_port() -> int:
    """A free TCP port of 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, log: Path, env: dict[str, str] | None = None, timeout: float = 120.0):
    """``python -m sim.app.serve`` on 127.0.0.1:``port`` (as ``make app``), once it answers.

    Raises
    ------
    ServerError
        when it exits or does not answer within ``timeout`` seconds (it is then stopped).
    """
    full_env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", **(env or {})}
    command = [sys.executable, "-m", "sim.app.serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise ServerError(
                f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return proc
        except OSError:
            if time.monotonic() > deadline:
                stop(proc)
                tail = log.read_text()[-3000:]
                raise ServerError(f"the server did not answer:\n{tail}") from None
            time.sleep(0.5)


def stop(proc: subprocess.Popen) -> None:
    """Terminate the server (kill it if it does not stop within 15 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
