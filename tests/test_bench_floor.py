"""The class benchmark's floor pages (``experiments/app/floor_page.py``, issue 14): the values a
page may send are checked, and the run view alone draws the teaching page's runs in Chromium.

The floor tells how much of a class's latency is the harness's (30 Chromium pages on the
server's cores) and how much the teaching page's; a floor that drew nothing, or took any value,
would tell nothing.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def _floor():
    spec = importlib.util.spec_from_file_location(
        "floor_page", ROOT / "experiments" / "app" / "floor_page.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ALLOWED = {("us_spending", 0.75): "x", ("us_spending", 1.0): "y"}


@pytest.mark.parametrize(
    "raw, why",
    [
        ('{"name": "us_spending", "value": 0.5}', "'us_spending'=0.5 is not a value"),
        ('{"name": "../../x", "value": 0.75}', "'../../x'=0.75 is not a value"),
        ('{"name": "us_spending"}', "not a control's value (KeyError)"),
        ('{"name": "us_spending", "value": "lots"}', "not a control's value (ValueError)"),
        ("not json", "not a control's value"),
    ],
)
def test_a_value_the_floor_does_not_offer_is_refused_with_its_name(raw, why):
    answer = _floor().checked(raw, ALLOWED)
    assert isinstance(answer, str) and answer.startswith("error: ") and why in answer


def test_an_offered_value_is_the_control_and_its_number():
    assert _floor().checked('{"name": "us_spending", "value": 0.75}', ALLOWED) == (
        "us_spending",
        0.75,
    )


def test_the_page_escapes_the_inline_frames():
    frames = json.dumps({"label": "</script><b>x</b>"})
    html = _floor().page_html("bare", frames, {})
    assert "</script><b>" not in html and "<\\/script><b>" in html


@pytest.mark.browser
def test_the_run_view_alone_draws_a_setting_s_run(tmp_path):
    from playwright.sync_api import sync_playwright

    from sim.app import serve

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    floor = _floor()
    port = serve.free_port()
    server = floor.start(port, "runview", tmp_path / "floor.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator(".chart-map .gtitle").first.wait_for()
            page.locator(".run-view .rv-step").click()
            page.locator(".chart-spending .gtitle", has_text="2025").first.wait_for()
            page.locator("#us_spending").focus()
            page.keyboard.press("ArrowLeft")
            page.locator(".run-view[data-run*='US x0.75']").wait_for()
            assert page.locator(".chart-map circle").count() >= 100  # the map's dots drawn
            browser.close()
    finally:
        serve.stop(server)
