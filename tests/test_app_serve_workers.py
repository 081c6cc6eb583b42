"""With ``SIM_APP_AHEAD=process`` the page's server starts its worker computing runs ahead at
nice 19 when a page draws its first run, and stops it when it shuts down (issue 14;
``sim.app.worker``, ``sim.app.serve``).

A real server (``python -m sim.app.serve``) and a real page in headless Chromium: the worker is
started by the page's first drawn run (its neighbours queued), not by the test.
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from sim.app import serve
from sim.app.worker import NICE

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def workers(server: psutil.Process) -> list[psutil.Process]:
    """The server's worker processes computing runs ahead (spawned, at nice :data:`NICE`)."""
    found = []
    for p in server.children(recursive=True):
        try:
            if "multiprocessing.spawn" in " ".join(p.cmdline()) and p.nice() == NICE:
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found


def test_the_server_starts_its_worker_at_nice_19_and_stops_it_when_it_stops(tmp_path):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    log = tmp_path / "solara.log"
    env = {"SIM_APP_AHEAD": "process", "SIM_APP_AHEAD_QUIET": "0"}
    proc = serve.start(serve.free_port(), log, env)
    url = f"http://127.0.0.1:{proc.args[-1]}/"
    server = psutil.Process(proc.pid)
    try:
        with sync_playwright() as p:
            args = ["--headless", "--no-sandbox", "--disable-gpu"]
            browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
            page = browser.new_page()
            page.goto(url, timeout=120_000)
            page.locator(".chart-map .gtitle").first.wait_for(timeout=120_000)
            deadline = time.monotonic() + 60
            while not workers(server) and time.monotonic() < deadline:
                time.sleep(0.2)
            started = workers(server)
            browser.close()
        assert len(started) == 1, [w.cmdline() for w in server.children(recursive=True)]
    finally:
        serve.stop(proc)
    assert proc.returncode == -15  # stopped by its SIGTERM, not killed after 15 s
    # the server stopped and reaped its worker before it exited (a worker left behind would see
    # its parent gone only at its next check, up to a second later, and exit then)
    left = [w for w in started if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    assert not left, [w.pid for w in left]
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
