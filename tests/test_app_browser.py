"""The teaching page in headless Chromium: steps, compare, banner, timeline, downloads, the
settings link, and the class mode with a teacher and three students.

One server of the page (``python -m sim.app.serve``, as ``make app``) on a free port of
127.0.0.1 serves the module and is stopped when it ends; Playwright drives Debian's Chromium
(/usr/bin/chromium). Set
``SIM_APP_SCREENSHOT=experiments/app/screenshot.png`` to refresh the README's screenshot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sim.app import serve

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
    "--disable-dev-shm-usage",
]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """The page's server on a free port: (its URL, its log)."""
    from solara.server.settings import assets

    from sim.app.widget import PLOTLY_PACKAGE

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    cache = Path(assets.proxy_cache_dir)
    if (
        not list(cache.glob("@widgetti/solara-vuetify3-app@*/dist"))
        or not (cache / PLOTLY_PACKAGE / "plotly.min.js").exists()
    ):
        pytest.fail(f"the page's browser bundles are not in {cache}: run `make test`")
    log = tmp_path_factory.mktemp("app") / "solara.log"
    port = serve.free_port()
    try:
        proc = serve.start(port, log)
    except serve.ServerError as exc:
        pytest.fail(str(exc))
    try:
        yield f"http://127.0.0.1:{port}/", log
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    finally:
        serve.stop(proc)


@pytest.fixture(scope="module")
def app_url(app_server):
    return app_server[0]


@pytest.fixture(scope="module")
def http_app_url(tmp_path_factory):
    """A server of the page whose runs' frames go over HTTP (``SIM_APP_FRAMES=http``)."""
    log = tmp_path_factory.mktemp("app_http") / "solara.log"
    port = serve.free_port()
    try:
        proc = serve.start(port, log, env={"SIM_APP_FRAMES": "http"})
    except serve.ServerError as exc:
        pytest.fail(str(exc))
    try:
        yield f"http://127.0.0.1:{port}/"
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    finally:
        serve.stop(proc)


@pytest.fixture(scope="module")
def browser(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    return context, page


@pytest.fixture
def page(browser, app_url, tmp_path):
    context, page = _open(browser, app_url)
    page.locator(".chart-map .gtitle").first.wait_for()
    yield page
    page.screenshot(path=str(tmp_path / "last.png"))  # for a failure's report
    print(f"last view of the page: {tmp_path / 'last.png'}")
    context.close()


def _title(page, chart: str, text: str):
    return page.locator(f".chart-{chart} .gtitle", has_text=text).first


def _slider(page, label: str):
    return page.locator(".v-input", has_text=label).get_by_role("slider")


def test_steps_show_stored_years_on_every_chart(page):
    assert page.locator(".chart-map .main-svg").count() >= 1  # the map: Plotly
    assert page.locator(".chart svg.rv-svg").count() == 3  # spending, blocs, difference: SVG
    for k in (1, 2, 3):
        page.get_by_role("button", name="Step").click()
        for chart in ("map", "spending", "blocs"):
            _title(page, chart, str(2024 + k)).wait_for()
    page.get_by_text("Year 2027 · step 3 of 50").wait_for()
    page.get_by_role("button", name="Back").click()
    _title(page, "spending", "2026").wait_for()
    ticks = page.locator(".chart-spending .rv-xtick").evaluate_all(
        "es => es.map(e => e.textContent)"
    )
    assert ticks and all(t.isdigit() for t in ticks), ticks  # integer years
    legend = page.locator(".chart-spending .rv-legend-row").first
    assert float(legend.evaluate("e => getComputedStyle(e).fontSize").rstrip("px")) >= 11
    box = page.locator(".chart-difference").bounding_box()
    assert box["y"] + 0.5 * box["height"] < 900  # the charts are in the first screen
    target = os.environ.get("SIM_APP_SCREENSHOT")
    if target:  # the README's picture: the US halves its spending, year 20
        page.goto(page.url.split("?")[0] + "?us_spending=0.5&year=20&nations=DEU,GBR,POL,JPN")
        _title(page, "difference", "no-change").wait_for()
        _title(page, "map", "2044").wait_for()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ROOT / target))


def test_each_session_writes_its_frames_from_its_own_thread(page, app_server):
    """solara's synchronous websocket writes are on for the page's connections (sim.app.serve):
    without them every message of a session goes through the server's one event loop."""
    page.get_by_role("button", name="Step").click()
    _title(page, "spending", "2025").wait_for()
    log = app_server[1].read_text()
    assert "sync_ws_write requested but unavailable" not in log, log[-3000:]
    assert "sync_ws_write active for this connection" in log, log[-3000:]


def _held_frames(page, answer):
    """Route the page's fetches of a run's frames (``/_sim/frames/<key>``) through ``answer``
    (called with the route and how many came before it); the routes seen."""
    seen = []

    def handle(route):
        seen.append(route)
        answer(route, len(seen) - 1)

    page.route("**/_sim/frames/*", handle)
    return seen


def _wait_for(page, done, what: str, timeout: float = 30.0):
    """Let the page's events run until ``done()`` (a condition on what its routes saw)."""
    for _ in range(int(timeout / 0.05)):
        if done():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_runs_frames_come_over_http_and_nothing_else_is_served_there(browser, http_app_url):
    """With ``SIM_APP_FRAMES=http`` the run view fetches a new run's frames from the page's
    server over HTTP (``sim.app.served``), and the websocket carries no message of their size;
    the route serves only the frames it was given: any other key, or a path, is 404."""
    app_url = http_app_url
    import http.client
    import json
    from urllib.parse import urlsplit

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    sizes, frames = [], []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: sizes.append(len(data))))
    page.on("response", lambda r: frames.append(r) if "/_sim/frames/" in r.url else None)
    try:
        page.goto(app_url)
        page.locator(".chart-map .gtitle").first.wait_for()
        us = _slider(page, "US spending")
        us.focus()
        sizes.clear()  # (the page's load opens the widgets: the run view's code and land)
        us.press("ArrowRight")
        page.locator(".run-view[data-run*='US x1.25']").wait_for()
        assert len(frames) >= 2 and all(r.status == 200 for r in frames)
        assert "US x1.25" in json.loads(frames[-1].body())["label"]  # the run drawn
        assert frames[-1].headers["content-encoding"] == "gzip"
        assert sizes and max(sizes) < 50_000, max(sizes)  # the ~140 kB frames: not this way
        key = frames[-1].url.rsplit("/", 1)[1]
        assert page.request.get(f"{app_url}_sim/frames/{'0' * 32}").status == 404
        assert page.request.get(f"{app_url}_sim/frames/{key}x").status == 404
        host = urlsplit(app_url)
        for path in ("/_sim/frames/../../pyproject.toml", "/_sim/frames/%2e%2e/pyproject.toml"):
            connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            connection.request("GET", path)  # sent as written: no client tidies the path
            answer = connection.getresponse()
            body = answer.read()
            connection.close()
            assert answer.status == 404 and b"[project]" not in body, (path, answer.status)
    finally:
        context.close()


def test_a_stale_fetch_never_shows_an_older_run(browser, http_app_url):
    """Two settings in a row: the first run's frames are held back until the second run is
    drawn, then let through; the run view still shows the second (the newest asked for)."""
    context, page = _open(browser, http_app_url)
    try:
        page.locator(".chart-map .gtitle").first.wait_for()
        seen = _held_frames(page, lambda route, n: None if n == 0 else route.continue_())
        us = _slider(page, "US spending")
        us.focus()
        us.press("ArrowLeft")  # x0.75: its frames are held
        _wait_for(page, lambda: seen, "the first run's fetch")
        page.locator(".run-settings", has_text="US x0.75").wait_for()
        us.press("ArrowLeft")  # x0.5: drawn
        page.locator(".run-view[data-run*='US x0.5']").wait_for()
        from playwright.sync_api import Error

        try:  # the first answer comes last (unless the view has cancelled its request)
            seen[0].continue_()
        except Error:
            pass
        page.wait_for_timeout(1500)
        assert "US x0.5" in page.locator(".run-view").get_attribute("data-run")
        page.get_by_role("button", name="Step").click()  # and it steps
        _title(page, "spending", "2025").wait_for()
        assert "US x0.5" in page.locator(".run-view").get_attribute("data-run")
    finally:
        context.close()


def test_frames_the_server_no_longer_has_are_published_again(browser, http_app_url):
    """A fetch of a run's frames that fails (here: answered 404, as for frames the server no
    longer keeps) makes the view ask its session to publish them again, and it draws the run."""
    context, page = _open(browser, http_app_url)
    try:
        page.locator(".chart-map .gtitle").first.wait_for()
        seen = _held_frames(
            page, lambda route, n: route.fulfill(status=404) if n == 0 else route.continue_()
        )
        us = _slider(page, "US spending")
        us.focus()
        us.press("ArrowRight")
        page.locator(".run-view[data-run*='US x1.25']").wait_for()
        assert len(seen) == 2 and seen[0].request.url == seen[1].request.url
    finally:
        context.close()


def test_a_slider_reruns_with_its_counterfactual_and_the_link_restores_it(page, browser, app_url):
    us = _slider(page, "US spending")
    us.focus()
    us.press("ArrowLeft")
    us.press("ArrowLeft")
    page.locator(".run-settings", has_text="US x0.5").wait_for()
    page.get_by_text("US spending (x its start share of GDP): 0.5").wait_for()  # value shown
    _title(page, "difference", "minus the no-change run").wait_for()
    assert page.locator(".chart-difference .rv-legend-row", has_text="All other nations").count()
    assert page.locator(".chart-spending .rv-legend-row", has_text="no policy change").count()
    for k in (1, 2):
        page.get_by_role("button", name="Step").click()
        _title(page, "spending", str(2024 + k)).wait_for()
    page.locator(".settings-link", has_text="year=2").wait_for()
    href = page.locator(".settings-link").get_attribute("href")
    assert "us_spending=0.5" in href
    context, again = _open(browser, app_url + href)
    try:
        again.locator(".run-settings", has_text="US x0.5").wait_for()
        again.get_by_text("Year 2026 · step 2 of 50").wait_for()
        _title(again, "map", "2026").wait_for()
    finally:
        context.close()


def test_invalid_settings_show_a_banner_and_keep_the_run(page):
    page.get_by_text("Model terms and seed").click()
    form = _slider(page, "Alliance form threshold")
    form.focus()
    form.press("Home")
    brk = _slider(page, "Alliance break threshold")
    brk.focus()
    brk.press("End")
    banner = page.locator(".stale-banner")
    banner.wait_for()
    assert "alliance_rule.break_threshold: must be <=" in banner.inner_text()
    assert "form 0 · break -0.15" in page.locator(".run-settings").inner_text()
    page.get_by_role("button", name="Step").click()  # the old run still steps
    _title(page, "spending", "2025").wait_for()
    brk.focus()
    brk.press("Home")
    banner.wait_for(state="detached")
    page.locator(".run-settings", has_text="break -0.6").wait_for()


def test_a_crafted_link_changes_nothing(browser, app_url):
    context, page = _open(browser, app_url + "?scenario=../../x")
    try:
        page.get_by_text("The link was not applied: scenario: '../../x' is not one of").wait_for()
        page.locator(".run-settings", has_text="scenario baseline").wait_for()
    finally:
        context.close()


def test_compare_side_by_side_timeline_and_downloads(browser, app_url, tmp_path):
    context, page = _open(browser, app_url + "?scenario=china_rise&versus=us_retrenchment&year=25")
    try:
        _title(page, "spending-b", "2049").wait_for()
        _title(page, "difference", "minus B (us_retrenchment)").wait_for()
        page.get_by_text("B: us_retrenchment").wait_for()
        # the timeline and the markers come with the run's frames, maybe after the titles: wait
        page.locator(".timeline", has_text="China's growth schedule ends").wait_for()
        page.locator(".timeline-future").first.wait_for()  # what is still to come, greyed
        event = page.locator(".chart-spending .rv-event").first  # event markers, with what
        event.wait_for(state="attached")
        assert event.locator("title").text_content().strip()
        with page.expect_download() as download:
            page.get_by_role("link", name="nations.csv").click()
        path = tmp_path / "nations.csv"
        download.value.save_as(path)
        head = path.read_text().splitlines()[0]
        assert head.startswith("step,year,iso3,share_pct,milex_usd_bn")
        page.locator(".chart-map").hover()
        with page.expect_download() as download:
            page.locator(".chart-map .modebar-btn[data-title*='PNG']").click()
        png = tmp_path / "map.png"
        download.value.save_as(png)
        assert png.read_bytes()[:4] == b"\x89PNG" and download.value.suggested_filename == "map.png"
        page.locator(".chart-spending").hover()  # a line chart's PNG: the year shown
        with page.expect_download() as download:
            page.locator(".chart-spending .rv-png").click()
        assert download.value.suggested_filename == "spending.png"
        download.value.save_as(tmp_path / "spending.png")
        assert (tmp_path / "spending.png").read_bytes()[:4] == b"\x89PNG"
        print(f"spending chart: {tmp_path / 'spending.png'}")
    finally:
        context.close()


def _choose_first(page, label: str) -> str:
    """Pick the first option of a select; its text."""
    page.locator(".v-select", has_text=label).first.click()
    option = page.get_by_role("option").first
    text = option.inner_text().strip()
    option.click()
    return text


def test_a_class_with_a_teacher_and_three_students(browser, app_url):
    teacher_context, teacher = _open(browser, app_url + "class")
    contexts = [teacher_context]
    try:
        teacher.locator(".open-class").click()
        code_text = teacher.locator(".join-code").inner_text()
        code = code_text.split("code ")[-1].rstrip(".")
        students = []
        for name, budget_keys in (("Ann", 5), ("Bob", 3), ("Cy", 0)):
            context, student = _open(browser, app_url + "class")
            contexts.append(context)
            student.get_by_label("Join code").fill(code.lower())
            student.locator(".join-class").click()
            student.get_by_label("Your name").fill(name)
            nation = _choose_first(student, "Your nation")  # a nation nobody holds yet
            student.locator(".take-nation").click()
            student.locator(".my-share").wait_for()
            slider = student.locator(".v-input", has_text="My budget").get_by_role("slider")
            slider.focus()
            for _ in range(budget_keys):
                slider.press("ArrowRight")
            student.locator(".set-budget").click()
            student.locator(".my-choice", has_text="Chosen for next year").wait_for()
            students.append((name, nation, student))
        ann = students[0][2]  # a tie proposal is shown to the student and to the teacher
        partner = _choose_first(ann, "A nation")
        ann.get_by_role("button", name="Propose a tie").click()
        ann.locator(".my-ties", has_text=f"propose {partner}").wait_for()
        teacher.locator(".class-roster", has_text=f"propose {partner}").wait_for()
        teacher.locator(".class-roster", has_text="Cy").wait_for()
        # every student's choice reaches the teacher's roster (pushed by the server: wait for it)
        expect(teacher.locator(".class-roster", has_text="(the model decides)")).to_have_count(
            0, timeout=60_000
        )
        teacher.locator(".teacher-step").click()
        teacher.locator(".class-year", has_text="Year 2015").wait_for()
        for _name, _nation, student in students:
            student.get_by_text("· year 2015").wait_for()
            student.locator(".my-choice", has_text="No budget chosen yet").wait_for()
        debrief = teacher.locator(".debrief")
        debrief.get_by_text(students[0][1]).first.wait_for()
        assert "actual 2015" in debrief.inner_text()
        # a second class does not see the first
        context, other = _open(browser, app_url + "class")
        contexts.append(context)
        other.locator(".open-class").click()
        other.locator(".class-roster", has_text="No student has joined yet").wait_for()
        assert "Year 2014" in other.locator(".class-year").inner_text()
    finally:
        for context in contexts:
            context.close()
