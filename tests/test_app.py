"""The teaching page's logic without a browser: checks, frames, the link, class sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.app.charts import blocs_chart, difference_chart, map_chart, map_extent, spending_chart
from sim.app.classroom import ClassError, find_session, open_session
from sim.app.controls import (
    APP_YEARS,
    RAMP_YEARS,
    SCENARIOS,
    ControlError,
    Controls,
    PageSettings,
    configure,
    decode_link,
    encode_link,
    overrides,
    scenario_text,
    validate,
)
from sim.app.runs import RunError, get_ghost, get_run
from sim.config import compose
from sim.runner import simulate

# ----------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"scenario": "../../x"}, "scenario: '../../x' is not one of"),
        ({"world": "custom"}, "world: 'custom' is not one of"),
        ({"us_spending": 5.0}, "us_spending: 5 is outside [0.25, 3]"),
        ({"us_spending": 0.3}, "us_spending: 0.3 is not a multiple of 0.25"),
        ({"seed": float("nan")}, "seed: nan is outside"),
        ({"seed": True}, "seed: True is not a number"),
        ({"free_riding": "lots"}, "free_riding: 'lots' is not a number"),
        ({"steps": 3}, "'steps' is not a control of the page"),
    ],
)
def test_a_value_outside_its_set_or_range_is_refused(values, message):
    with pytest.raises(ControlError) as err:
        validate(values)
    assert str(err.value).startswith(message)


def test_valid_values_are_snapped_to_their_grid():
    c = validate({"us_spending": 0.5000000001, "seed": 3.0, "scenario": "china_rise"})
    assert (c.us_spending, c.seed, c.scenario) == (0.5, 3, "china_rise")
    assert isinstance(c.seed, int)


def test_the_settings_link_restores_the_settings():
    settings = PageSettings(
        validate({"scenario": "russia_shock", "us_spending": 0.5, "seed": 4}),
        year=7,
        versus="china_rise",
        nations=("POL", "EST"),
    )
    query = encode_link(settings)
    assert "seed=4" in query and "us_spending=0.5" in query
    assert decode_link(query) == settings
    assert decode_link("?" + query) == settings


@pytest.mark.parametrize(
    "query",
    ["scenario=../../x", "year=51", "seed=1&seed=2", "nations=pol", "versus=nope", "k=1"],
)
def test_a_bad_link_is_refused_whole(query):
    with pytest.raises(ControlError):
        decode_link(query)


def test_every_scenario_has_its_question_on_the_page():
    for scenario in SCENARIOS:
        text = scenario_text(scenario)
        assert text.question and text.description, scenario
    assert "Every world" not in scenario_text("us_retrenchment").mechanism


# ----------------------------------------------------------------------------- runs and frames


def test_the_page_run_is_the_cli_run():
    controls = Controls(scenario="china_rise", russia_spending=1.5, free_riding=0.05, seed=3)
    run = get_run(controls)
    cli = simulate(compose(overrides(controls)))  # what `python -m sim <overrides>` runs
    pd.testing.assert_frame_equal(run.world.reset_index(), cli.world_table(), check_dtype=False)
    assert overrides(controls)[-1] == (
        "scenario.schedules=[{iso3:CHN,start:0,years:20,growth:0.07},"
        f"{{iso3:RUS,start:0,years:{RAMP_YEARS},factor:1.5}}]"
    )
    treaty, formed = run.edges_at(run.years)  # the events replayed give the final graph
    assert {frozenset(e) for e in treaty + formed} == {frozenset(e) for e in cli.graph.edges()}


def test_the_multiplier_halves_the_us_share_and_the_ghost_does_not():
    run = get_run(Controls(us_spending=0.5))
    ghost = get_ghost(run.controls)
    assert ghost.controls == Controls()
    start = run.share["USA"].iloc[0]
    assert run.share["USA"].iloc[RAMP_YEARS + 2] == pytest.approx(0.5 * start)
    assert ghost.share["USA"].iloc[RAMP_YEARS + 2] > 0.9 * start
    assert get_ghost(Controls()) is None  # no policy change: nothing to compare
    assert get_run(Controls(us_spending=0.5)) is run  # computed once, shared


def test_invalid_thresholds_give_a_message():
    with pytest.raises(RunError, match="alliance_rule.break_threshold: must be <="):
        get_run(Controls(form_threshold=-0.3, break_threshold=0.2))


def test_the_timeline_explains_a_schedule_that_ends():
    run = get_run(Controls(scenario="china_rise"))
    ends = [e for e in run.timeline if e.kind == "schedule" and "ends" in e.text]
    assert [(e.year, e.text[:31]) for e in ends] == [(2044, "China's growth schedule ends: i")]
    formed = [e for e in run.timeline if e.kind == "formed"]
    assert sum(int(e.text.split()[0]) for e in formed) == int(run.world["ties_formed"].sum())


def test_charts_show_the_frame_and_the_ghost():
    run = get_run(Controls(scenario="us_retrenchment"))
    ghost = get_ghost(run.controls)
    fig = spending_chart(run, ghost, 10, ["POL"])
    usa = [t for t in fig["data"] if t.get("name") == "United States"][0]
    assert usa["x"] == list(range(2024, 2035))
    assert any(t.get("line", {}).get("dash") == "dot" for t in fig["data"])
    assert fig["layout"]["xaxis"]["tickformat"] == "d"
    assert fig["layout"]["legend"]["font"]["size"] >= 11
    diff = difference_chart(run, ghost, 10, "the no-change run")
    world = diff["data"][0]
    expected = (run.milex.iloc[10] - ghost.milex.iloc[10]).sum()
    assert world["name"] == "World" and world["y"][-1] == pytest.approx(expected, abs=1e-3)
    axes = blocs_chart(run, ghost, 10)["layout"]
    assert {"yaxis", "yaxis2", "yaxis3"} <= axes.keys()  # counts, polarity, ties: own axes
    labels = map_chart(run, 10, ["POL"])["data"][-1]["text"]
    assert "Poland" in labels and "United States" in labels


def test_the_map_frames_a_regional_world():
    from types import SimpleNamespace

    europe = SimpleNamespace(lat=np.array([40.0, 60.0, 52.0]), lon=np.array([-5.0, 25.0, 13.0]))
    (x0, x1), (y0, y1) = map_extent(europe)
    assert -0.5 < x0 < x1 < 0.9 and 0.5 < y0 < y1 < 1.3  # Europe, not the globe
    (gx0, gx1), _ = map_extent(get_run(Controls(world="synthetic")))
    assert -2.8 <= gx0 and gx1 <= 2.8  # a global world: the globe and no more


# ----------------------------------------------------------------------------- class sessions


def test_a_students_budget_enters_the_model_and_classes_are_apart():
    first, second = open_session("y2014"), open_session("y2014")
    assert first.code != second.code and find_session(first.code.lower()) is first
    first.join("a", "Ann", "POL")
    second.join("b", "Bob", "POL")  # another class: the same nation is free there
    with pytest.raises(ClassError, match="taken by Ann"):
        first.join("c", "Cid", "POL")
    first.set_budget("a", 3.5)
    for bad in (25.0, 3.55, "x", float("nan")):
        with pytest.raises(ClassError):
            first.set_budget("a", bad)
    first.advance()
    assert first.run().share["POL"].iloc[1] == pytest.approx(3.5)
    assert second.step == 0  # the other class did not move
    assert first.budgets == {}  # a choice is for one year


def test_a_tie_between_students_needs_both():
    session = open_session("today")
    session.join("a", "Ann", "JPN")
    session.join("b", "Bob", "BRA")
    session.choose_tie("a", "BRA", True)
    session.advance()
    assert not session.model.ties.allied[session.model.row["JPN"], session.model.row["BRA"]]
    session.choose_tie("b", "JPN", True)
    session.advance()
    assert session.model.ties.allied[session.model.row["JPN"], session.model.row["BRA"]]
    session.choose_tie("a", "BRA", False)
    session.advance()
    assert not session.model.ties.allied[session.model.row["JPN"], session.model.row["BRA"]]
    events = session.model.events_table()
    assert list(
        events.loc[events["a"].isin(["JPN", "BRA"]) & events["b"].isin(["JPN", "BRA"]), "event"]
    ) == ["formed", "dissolved"]


def test_a_class_shows_its_choices_and_draws_its_world_once_a_year():
    session = open_session("today")
    session.join("a", "Ann", "JPN")
    session.join("b", "Bob", "BRA")
    first = session.run()
    session.set_budget("a", 2.0)  # a choice does not change this year's world
    session.choose_tie("a", "BRA", True)
    session.choose_tie("a", "USA", False)
    assert session.run() is first
    assert session.proposals("a") == [("BRA", True), ("USA", False)]
    assert session.proposals("b") == []
    session.advance()
    after = session.run()
    assert after is not first and len(after.share) == len(first.share) + 1
    assert after.share["JPN"].iloc[-1] == pytest.approx(2.0)
    assert session.proposals("a") == [("BRA", True)]  # kept until Bob proposes it too
    with pytest.raises(ClassError, match="not joined"):
        session.proposals("c")


def test_the_debrief_compares_with_the_model_and_with_2024():
    session = open_session("y2014")
    session.join("a", "Ann", "POL")
    for _ in range(10):
        session.set_budget("a", 4.0)
        session.advance()
    table = session.debrief().set_index("iso3")
    assert table.loc["POL", "class 2024 (% GDP)"] == pytest.approx(4.0)
    from sim.worlds import observed

    actual = table.loc["POL", "actual 2024 (% GDP, SIPRI)"]
    assert actual == pytest.approx(observed.share("POL", 2024), abs=0.005)
    own = get_run(session.controls).share["POL"].iloc[10]
    assert table.loc["POL", "model 2024 (% GDP)"] == pytest.approx(round(own, 2))
    assert session.step == 10 < APP_YEARS
    assert np.isfinite(table.select_dtypes("number").to_numpy()).all()


def test_configure_is_the_cli_compose_path():
    cfg = configure(Controls(scenario="russia_shock", us_spending=2.0))
    by_nation = {s.iso3: s for s in cfg.scenario.schedules}
    assert by_nation["RUS"].to_share == 0.08 and by_nation["USA"].factor == 2.0


@pytest.mark.parametrize(
    "controls",
    [
        Controls(us_spending=0.5),
        Controls(scenario="china_rise", russia_spending=1.5, free_riding=0.05, seed=3),
        Controls(scenario="arms_race", us_spending=2.0, threat_sensitivity=0.1),
        Controls(world="synthetic", seed=4, form_threshold=0.2, break_threshold=-0.3),
    ],
)
def test_configure_gives_the_config_hydra_composes(controls):
    # configure composes a world and scenario once and sets the numbers on a copy
    assert configure(controls) == compose(overrides(controls))


def test_a_run_stepped_in_the_browser_has_every_year():
    from sim.app.frames import explorer_frames

    run = get_run(Controls(scenario="us_retrenchment"))
    ghost = get_ghost(run.controls)
    spans = run.tie_spans()
    for step in (0, 7, run.years):  # the spans give the ties the events give, in any year
        treaty, formed = run.edges_at(step)
        standing = {(frozenset((a, b)), f) for a, b, f, first, end in spans if first <= step < end}
        expected = {(frozenset(e), False) for e in treaty} | {(frozenset(e), True) for e in formed}
        assert standing == expected
    frames = explorer_frames(run, ghost, None, None, ("POL",), "share")
    assert len(frames["status"]) == run.years + 1
    assert frames["status"][3].startswith(f"Year {run.start_year + 3} · step 3 of {APP_YEARS}")
    spending = frames["charts"]["spending"]
    assert "{year}" in spending["title"]  # the browser writes the year shown
    assert all(s["line"]["color"] != "#555" for s in spending["layout"]["shapes"])  # no marker
    usa = [t for t in spending["data"] if t.get("name") == "United States"][0]
    assert len(usa["x"]) == run.years + 1  # the whole run, sent once
    world = frames["charts"]["map"]
    assert len(world["size"]) == len(world["bloc"]) == run.years + 1
    assert len(world["size"][0]) == len(run.iso3)
    assert "Poland" in world["labels"]["text"]
    assert explorer_frames(run, ghost, None, None, ("POL",), "share") is frames  # shared


def test_labels_of_nearby_nations_do_not_overlap():
    from sim.app.charts import LABEL_PLACES, place_labels

    points, texts = [(0.0, 0.0), (0.01, 0.0), (0.0, 0.01)], ["Germany", "Poland", "Czechia"]
    places = place_labels(points, texts, px_per_unit=300.0)
    boxes = []
    for (x, y), text, place in zip(points, texts, places, strict=True):
        x0, x1, y0, y1 = LABEL_PLACES[place](7.2 * len(text), 14.4)
        boxes.append((300 * x + x0, 300 * x + x1, 300 * y + y0, 300 * y + y1))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert min(a[1], b[1]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[2], b[2])
    assert place_labels([(0.0, 0.0), (5.0, 5.0)], ["A", "B"], 300.0) == ["top right"] * 2


@pytest.mark.slow
def test_runs_computed_in_a_worker_process_are_the_runs_computed_here(monkeypatch):
    """The page computes runs in spawned workers (``start_workers``): a run that comes back
    from one (pickled) has the same tables and timeline as the same run computed here."""
    from dataclasses import replace

    from sim.app import runs

    monkeypatch.setattr(runs, "_workers", None)  # restored (no workers) after the test
    c = replace(Controls(), us_spending=0.8, seed=7)
    here = runs._compute(c)
    runs.start_workers(1)
    pool = runs._workers
    assert pool is not None
    try:
        there = get_run(c)
    finally:
        pool.shutdown()
    assert there is not here
    for name in ("share", "milex", "capability", "bloc", "world"):
        pd.testing.assert_frame_equal(getattr(here, name), getattr(there, name))
    assert here.timeline == there.timeline and here.command == there.command


def test_the_server_runs_the_websocket_protocol_solaras_synchronous_writes_need(monkeypatch):
    """``sim.app.serve`` hands uvicorn the legacy ``websockets`` protocol (the one solara's
    ``sync_ws_write`` finds its connection in); an unknown ``SIM_APP_WS`` is one clear message."""
    import sys

    from solara.server import sync_ws_write

    from sim.app import serve

    protocol = serve.legacy_websockets_protocol()  # (silences the two deprecation warnings)
    from websockets.legacy.protocol import WebSocketCommonProtocol

    assert issubclass(protocol, WebSocketCommonProtocol)
    assert sync_ws_write.SyncFrameWriter  # solara still ships the writer serve turns on
    monkeypatch.setenv("SIM_APP_WS", "wsproto-ish")
    with pytest.raises(SystemExit, match="SIM_APP_WS: 'wsproto-ish' is not one of websockets"):
        serve.main(["--port", "1"])
    monkeypatch.delenv("SIM_APP_WS")
    assert serve.switch_interval(None) == sys.getswitchinterval()
    assert serve.switch_interval("0.005") == 0.005
    for bad in ("0", "fast", "2"):
        monkeypatch.setenv("SIM_APP_SWITCH_INTERVAL", bad)
        with pytest.raises(SystemExit, match=f"SIM_APP_SWITCH_INTERVAL: '{bad}' is not a number"):
            serve.main(["--port", "1"])


@pytest.mark.parametrize(
    ("variable", "bad"),
    [
        ("SIM_APP_WORKERS", "two"),
        ("SIM_APP_WORKERS", "-1"),
        ("SIM_APP_WORKERS", "9"),
        ("SIM_APP_AHEAD", "later"),
        ("SIM_APP_FRAMES", "websocket"),
        ("SIM_APP_AHEAD_QUIET", "soon"),
    ],
)
def test_a_bad_server_setting_is_one_message_and_no_server(variable, bad):
    """The run settings read when ``sim.app.runs`` is imported (``SIM_APP_WORKERS``,
    ``SIM_APP_AHEAD``, ``SIM_APP_AHEAD_QUIET``) and ``SIM_APP_FRAMES`` (checked by the server,
    read by the page) stop ``python -m sim.app.serve`` before it serves,
    with one line naming the variable, not a traceback from inside uvicorn."""
    import os
    import subprocess
    import sys

    env = {**os.environ, variable: bad}
    done = subprocess.run(
        [sys.executable, "-m", "sim.app.serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: {variable}: {bad!r} is not")
    assert "Traceback" not in done.stderr
    assert "The teaching page" not in done.stdout


def test_a_stored_run_shows_in_one_render_and_a_refused_value_changes_nothing(monkeypatch):
    """A setting whose run is already computed is shown by the render of the moved control
    (one render of the page on the server, no thread, no banner); a value outside the slider's
    range is refused with one message and changes neither the controls nor the run shown."""
    import asyncio
    from dataclasses import replace

    loop = asyncio.new_event_loop()  # solara's kernel contexts take the thread's event loop
    asyncio.set_event_loop(loop)
    import ipywidgets
    import reacton.core
    import solara.server.app
    from solara.server import kernel, kernel_context

    app = solara.server.app.AppScript("sim.app.page")
    app.check()
    import sim.app.page as page

    passes = []
    render_once = reacton.core._RenderContext._render_once

    def counted(self, *args, **kwargs):
        passes.append(1)
        return render_once(self, *args, **kwargs)

    monkeypatch.setattr(reacton.core._RenderContext, "_render_once", counted)
    stored = replace(Controls(), us_spending=0.75)
    get_run(stored), get_ghost(stored)
    context = kernel_context.VirtualKernelContext(
        id="test-stored", kernel=kernel.Kernel(), session_id="test-stored"
    )
    try:
        with context:
            context.container = ipywidgets.VBox()
            _, context.app_object = solara.server.app._run_app(None, app, "/")
            assert page.shown.peek() == Controls()
            passes.clear()
            page.change_control("us_spending", 0.75)
            assert page.shown.peek() == stored and page.settings.peek().controls == stored
            assert len(passes) == 1
            page.change_control("us_spending", 40.0)
            assert "us_spending" in page.message.peek()
            assert page.shown.peek() == stored and page.settings.peek().controls == stored
    finally:
        context.close()
        asyncio.set_event_loop(None)
        loop.close()
