"""The teaching page (sim/app.py): its model in-process, then the real page in headless Chromium.

The browser tests start ``solara run sim/app.py`` on a free port of 127.0.0.1, drive it with
Playwright in Debian's Chromium (/usr/bin/chromium; ``.ci/run`` installs it), and stop the
server when the module ends. Set ``SIM_APP_SCREENSHOT=experiments/app/screenshot.png`` to refresh
the README's screenshot from the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.app import (
    APP_YEARS,
    MODEL_PARAMS,
    RAMP_YEARS,
    SCENARIOS,
    ClassroomModel,
    Controls,
    configure,
    overrides,
)
from sim.config import compose
from sim.runner import simulate

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# ----------------------------------------------------------------------------- the page's model


def test_spending_multiplier_halves_the_us_share():
    model = ClassroomModel(us_spending=0.5)
    usa = model.sim.row["USA"]
    start = model.sim.share[usa]
    schedules = model.cfg.scenario.schedules
    assert [(s.iso3, s.factor, s.years) for s in schedules] == [("USA", 0.5, RAMP_YEARS)]
    for _ in range(RAMP_YEARS + 2):
        model.step()
    assert model.sim.share[usa] == pytest.approx(0.5 * start)
    assert model.steps == RAMP_YEARS + 2


def test_multiplier_replaces_only_that_nations_schedule():
    cfg = configure(Controls(scenario="russia_shock", us_spending=2.0))
    by_nation = {s.iso3: s for s in cfg.scenario.schedules}
    assert by_nation["RUS"].to_share == 0.08  # the scenario's own schedule is kept
    assert by_nation["USA"].factor == 2.0
    assert len(cfg.scenario.shocks) == 2
    cfg = configure(Controls(scenario="us_retrenchment", us_spending=0.5))
    assert [(s.iso3, s.factor, s.to_share) for s in cfg.scenario.schedules] == [("USA", 0.5, None)]


def test_page_model_matches_the_cli_run():
    controls = Controls(scenario="china_rise", russia_spending=1.5, free_riding=0.05, seed=3)
    model = ClassroomModel(
        scenario_name="china_rise", russia_spending=1.5, free_riding=0.05, seed=3
    )
    assert model.controls == controls
    for _ in range(6):
        model.step()
    # what `python -m sim <the page's overrides>` runs: the same compose path, the CLI's runner
    cli = simulate(compose(overrides(controls)))
    expected = cli.world_table().iloc[:7]
    pd.testing.assert_frame_equal(model.sim.world_table(), expected)
    assert overrides(controls)[-1] == (
        "scenario.schedules=[{iso3:CHN,start:0,years:20,growth:0.07},"
        f"{{iso3:RUS,start:0,years:{RAMP_YEARS},factor:1.5}}]"
    )


def test_mesa_reset_rebuilds_the_model_from_the_controls():
    """SolaraViz's Reset: ``type(model)(**kwargs)``, the kwargs built by Mesa from the controls."""
    from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

    model = ClassroomModel()
    _check_model_params(model, MODEL_PARAMS)
    values = {name: spec["value"] for name, spec in MODEL_PARAMS.items()}
    kwargs = _build_model_init_kwargs(
        model,
        {**values, "us_spending": 0.5, "scenario_name": "china_rise"},
        add_scenario_when_empty=True,
        require_model_accepts_scenario=True,
    )
    rebuilt = type(model)(**kwargs)
    assert rebuilt.error is None
    assert rebuilt.controls == Controls(scenario="china_rise", us_spending=0.5)
    assert rebuilt.cfg.scenario.name == "china_rise"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_runs_on_the_page_with_a_multiplier(scenario):
    model = ClassroomModel(scenario_name=scenario, china_spending=2.0)
    assert model.error is None, model.error
    assert ("CHN", 2.0) in [(s.iso3, s.factor) for s in model.cfg.scenario.schedules]
    model.step()
    assert model.sim.steps == 1


def test_invalid_controls_give_a_message_not_a_crash():
    model = ClassroomModel(form_threshold=-0.3, break_threshold=0.2)
    assert model.sim is None and not model.running
    assert model.error.startswith("alliance_rule.break_threshold: must be <=")
    model.step()  # does nothing, raises nothing
    assert model.sim is None


def test_a_run_stops_after_the_app_years():
    model = ClassroomModel(world="synthetic")
    while model.running:
        model.step()
    assert model.sim.steps == APP_YEARS
    assert np.isfinite(model.sim.world_table()["polarity"]).all()


# ----------------------------------------------------------------------------- the page in Chromium


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"solara exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(
        f"solara did not answer on {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from solara.server.settings import assets

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")
    bundles = list(Path(assets.proxy_cache_dir).glob("@widgetti/solara-vuetify3-app@*/dist"))
    if not bundles:
        pytest.fail(
            f"solara's browser bundles are not in {assets.proxy_cache_dir}: "
            "run `make test` (its assets step fetches them with npm)"
        )
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "solara.log"
    solara = Path(sys.executable).with_name("solara")
    command = [str(solara) if solara.exists() else shutil.which("solara"), "run", "sim/app.py"]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--production"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture
def page(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1900})
            page.set_default_timeout(60_000)
            page.goto(app_url)
            page.get_by_text("step 0 of 50").wait_for()
            yield page
            # what the page showed last, for a failure's report (pytest prints captured output)
            page.screenshot(path=str(tmp_path / "last.png"))
            (tmp_path / "last.txt").write_text(page.inner_text("body"))
            print(f"last view of the page: {tmp_path / 'last.png'}, text in last.txt")
        finally:
            browser.close()


def _slider(page, label: str):
    return page.locator(".v-input", has_text=label).get_by_role("slider")


def _press_step(page, times: int, start: int) -> None:
    for k in range(start + 1, start + times + 1):
        page.get_by_role("button", name="Step").click()
        page.get_by_text(f"step {k} of 50").wait_for()


def _reset_until(page, text: str, attempts: int = 3) -> None:
    """Press Reset until ``text`` shows.

    ipywidgets holds back a widget's state update while the kernel is busy, so a click sent
    right after a slider moved can reach the server before the slider's new value; a second
    Reset then rebuilds with it (a student presses Reset seconds later, not milliseconds).
    """
    for attempt in range(attempts):
        page.wait_for_timeout(1000)
        page.get_by_role("button", name="Reset").click()
        try:
            page.get_by_text(text).first.wait_for(timeout=30_000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise


def _figures(page) -> list[bytes]:
    """What each matplotlib figure on the page shows, as PNG screenshots of the images."""
    images = page.locator("img")
    return [images.nth(i).screenshot() for i in range(images.count())]


@pytest.mark.browser
def test_step_reset_and_a_slider_in_chromium(page, tmp_path):
    assert "Traceback" not in page.inner_text("body")
    before = _figures(page)
    assert len(before) == 3  # map, spending, blocs
    _press_step(page, 3, start=0)
    assert page.get_by_text("Year 2027").count() >= 1
    page.get_by_text("Time: 3.0").wait_for()  # Mesa's own step counter
    after = _figures(page)
    assert len(after) == 3
    assert all(a != b for a, b in zip(before, after, strict=True)), "a figure did not change"

    # halve US spending: two notches down from 1.0 (step 0.25)
    us = _slider(page, "US spending")
    assert us.get_attribute("aria-valuenow") == "1"
    us.focus()
    us.press("ArrowLeft")
    us.press("ArrowLeft")
    assert us.get_attribute("aria-valuenow") == "0.5"
    _reset_until(page, "US x0.5")
    page.get_by_text("step 0 of 50").wait_for()
    assert "factor:0.5" in page.locator(".run-command").inner_text()
    _press_step(page, 4, start=0)
    shot = tmp_path / "app.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000
    target = os.environ.get("SIM_APP_SCREENSHOT")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


@pytest.mark.browser
def test_invalid_thresholds_show_a_message_and_the_page_recovers(page):
    form = _slider(page, "Alliance form threshold")
    form.focus()
    form.press("Home")
    brk = _slider(page, "Alliance break threshold")
    brk.focus()
    brk.press("End")
    assert (form.get_attribute("aria-valuenow"), brk.get_attribute("aria-valuenow")) == (
        "-0.3",
        "0.2",
    )
    _reset_until(page, "alliance_rule.break_threshold: must be <=")
    message = page.get_by_text("alliance_rule.break_threshold: must be <=")
    body = page.inner_text("body")
    assert "Traceback" not in body and "step 0 of 50" not in body
    page.get_by_role("button", name="Step").click()  # nothing to step: no error, no traceback
    message.wait_for()
    assert "Traceback" not in page.inner_text("body")

    brk.focus()
    brk.press("Home")  # -0.6, below the form threshold again
    _reset_until(page, "step 0 of 50")
    assert page.get_by_text("not a valid run").count() == 0
    _press_step(page, 1, start=0)
