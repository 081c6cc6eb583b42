"""The teaching page: pick a scenario or move a slider and see what changes against what would
have happened otherwise.

Start it with ``make app`` (``python -m sim.app.serve``: :mod:`sim.app.serve`) and open
http://127.0.0.1:8765.

A setting change computes the whole run at once (:func:`sim.app.runs.get_run`, through the same
compose path as ``python -m sim``), with its counterfactual (same world and seed, no policy
change), and its frames go to the browser once (:mod:`sim.app.frames`); Step, Back, Play and
the year slider run in the browser (:class:`sim.app.widget.RunView`), which greys the
timeline's rows to come itself and reports the year shown back for the settings link. Every
value the browser sends is checked on the server (:func:`sim.app.controls.validate`); an
invalid one shows a message and changes nothing. The class mode (:mod:`sim.app.classroom`)
runs a world that a class steps together, one nation per student.
"""

from __future__ import annotations

import contextlib
import functools
import html
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

import reacton.core
import solara
import solara.lab
import solara.server.settings
from solara.alias import rv
from solara.server import kernel_context
from solara.util import IPYVUETIFY_V3

from sim.app import memory
from sim.app.charts import TABLES, map_background, table_csv
from sim.app.controls import (
    APP_YEARS,
    CHOICES,
    LOOK_FOR,
    RAMP_YEARS,
    RANGES,
    SCENARIOS,
    ControlError,
    Controls,
    PageSettings,
    check_choice,
    check_number,
    decode_link,
    encode_link,
    scenario_text,
    settings_line,
    validate,
)
from sim.app.frames import explorer_json, frames_url
from sim.app.runs import WORKERS, Run, RunError, get_ghost, get_run, is_cached, start_workers
from sim.app.served import frames_mode, publish_tables
from sim.app.widget import PLOTLY_URL, ROOT_PATH, RunView

if IPYVUETIFY_V3:  # the expansion panel's parts, as solara.Details takes them
    from ipyvuetify.components import ExpansionPanelText as PanelText
    from ipyvuetify.components import ExpansionPanelTitle as PanelTitle
else:
    PanelText, PanelTitle = rv.ExpansionPanelContent, rv.ExpansionPanelHeader

#: a session's kernel is freed this long after its browser tab closes (solara's default: 24 h);
#: SOLARA_KERNEL_CULL_TIMEOUT overrides it
if "SOLARA_KERNEL_CULL_TIMEOUT" not in os.environ:
    solara.server.settings.kernel.cull_timeout = "60s"
#: seconds a control rests before a run not yet computed is computed (a dragged slider: once)
SETTLE = 0.15
start_workers(WORKERS)  # SIM_APP_WORKERS, checked by sim.app.runs
#: how a run's frames reach the browser (SIM_APP_FRAMES, checked by sim.app.serve): "ws" as a
#: trait through the session's websocket, "http" as a URL the browser fetches
FRAMES = frames_mode(os.environ.get("SIM_APP_FRAMES"))
# when a session's kernel closes, its memory goes back to the system (sim.app.memory)
solara.lab.on_kernel_start(memory.on_kernel_start)
memory.log_on_signal()
#: nations drawn in the spending figure besides the major powers, until a student picks others
DEFAULT_NATIONS = ("DEU", "GBR", "POL", "JPN", "IND")
CSS = """
.v-application .v-input .v-label { font-size: 13px; }
.chart { min-height: 300px; }
.banner { margin: 2px 0; }
/* above the page, not in its flow: shown and hidden, it moves nothing (a banner in the flow
   moved the charts down and up again, and the browser laid out and repainted the whole page) */
.computing-banner {
  position: fixed; top: 72px; right: 16px; z-index: 10; padding: 4px 10px; color: #1565c0;
  background: #e3f2fd; border: 1px solid #90caf9; border-radius: 4px; font-size: 14px;
}
.sidebar-note { font-size: 13px; color: #333; }
.timeline-row { font-size: 13px; margin: 1px 0; }
/* a new run replaces the timeline's rows: lay them out and paint them on their own */
.timeline { contain: content; }
/* a slider moved with the keyboard jumps to its value: no animation (each of its frames was
   styled, painted and composited again, in every student's browser at once); nor its thumb's
   halo (a 0.3 s transition of its ::before: ~20 frames per key press) */
.v-slider *, .v-slider *::before, .v-slider *::after,
.v-input--selection-controls__ripple { transition: none !important; }
.timeline-future { color: #aaa; }
.status-line { font-size: 14px; }
.csv-link {
  display: inline-block; margin: 2px 6px 4px 0; padding: 2px 10px; border: 1px solid #1976d2;
  border-radius: 4px; color: #1976d2; text-decoration: none; font-size: 13px;
}
.run-command { font-family: monospace; font-size: 12px; word-break: break-all; }
"""


# ----------------------------------------------------------------------------- the sidebar


@solara.component
def NumberControl(name: str, value: float, on_change) -> None:
    """A slider whose label shows its value; the server checks what it sends."""
    spec = RANGES[name]
    label = f"{spec.label}: {value:g}"
    if spec.integer:
        solara.SliderInt(
            label,
            value=int(value),
            min=int(spec.lo),
            max=int(spec.hi),
            step=int(spec.step),
            on_value=lambda v: on_change(name, v),
        )
    else:
        solara.SliderFloat(
            label,
            value=float(value),
            min=spec.lo,
            max=spec.hi,
            step=spec.step,
            on_value=lambda v: on_change(name, v),
        )


@solara.component
def Sidebar(controls: Controls, on_change, versus: str, on_versus, unit: str, on_unit) -> None:
    """World, scenario and its question; the spending sliders; the model's terms folded away."""
    text = scenario_text(controls.scenario)
    solara.Select(
        "Scenario",
        values=SCENARIOS,
        value=controls.scenario,
        on_value=lambda v: on_change("scenario", v),
    )
    with solara.Div(classes=["sidebar-note", "scenario-question"]):
        solara.Markdown(
            f"**Question:** {text.question[:1].upper() + text.question[1:]}\n\n"
            f"*{text.description}*\n\n**What to look for:** "
            f"{LOOK_FOR.get(controls.scenario, '')}"
        )
    for name in ("us_spending", "china_spending", "russia_spending"):
        NumberControl(name, getattr(controls, name), on_change)
    solara.Select(
        "World",
        values=CHOICES["world"],
        value=controls.world,
        on_value=lambda v: on_change("world", v),
    )
    solara.ToggleButtonsSingle(
        value=unit, values=["share", "usd"], on_value=on_unit, classes=["unit-toggle"]
    )
    solara.Text("spending in % of GDP (share) or US$ (usd)", style={"font-size": "12px"})
    solara.Select(
        "Side by side with (second scenario)",
        values=["none", *SCENARIOS],
        value=versus or "none",
        on_value=on_versus,
    )
    ModelTerms(controls, on_change)


#: the controls folded away under "Model terms and seed"
MODEL_TERMS = ("threat_sensitivity", "free_riding", "form_threshold", "break_threshold", "seed")


@solara.component
def ModelTerms(controls: Controls, on_change) -> None:
    """The model's terms and the seed, folded away: their sliders exist only while unfolded.

    (``solara.Details`` builds its content folded too, and each server render of the page
    reconciles every element of it: the five sliders and the help were ~a sixth of the page.)
    """
    unfolded, set_unfolded = solara.use_state(False)
    with rv.ExpansionPanels(
        v_model=0 if unfolded else None, on_v_model=lambda v: set_unfolded(v == 0)
    ):
        with rv.ExpansionPanel():
            PanelTitle(children=["Model terms and seed"])
            with PanelText():
                if unfolded:
                    for name in MODEL_TERMS:
                        NumberControl(name, getattr(controls, name), on_change)
                    solara.Markdown(CONTROLS_HELP, style={"font-size": "12px"})


CONTROLS_HELP = f"""
- **US / China / Russia spending**: a multiplier of that power's defence share of GDP, reached
  over {RAMP_YEARS} years and then held: 0.5 halves it, 1 leaves the scenario as it is.
- **k**: how strongly a nation arms when threatened (Walt's balance of threat).
- **f**: how strongly it cuts when its allies are strong (Olson and Zeckhauser's free riding).
- **Form / break threshold**: two nations ally when both value the tie above the form
  threshold; a tie breaks after years below the break threshold (not above the form one).
- **Seed**: the random draws; the same settings and seed give the same run.
"""


# ----------------------------------------------------------------------------- the main area


@solara.component
def Timeline(run: Run) -> None:
    """What happened and when; what is still to come is greyed.

    Drawn once per run (one element), greyed from the year shown then: later Steps grey and
    ungrey the rows in the browser (``RunView`` toggles ``timeline-future`` on each row by its
    ``data-step``), so a Step does not redraw the list.
    """
    step = year.peek()
    rows = [
        f'<div class="timeline-row{" timeline-future" if e.step > step else ""}" '
        f'data-step="{e.step}"><b>{e.year}</b> · {html.escape(e.text)}</div>'
        for e in run.timeline
    ] or ["No scenario events and no tie changes in this run."]
    with solara.Card("Timeline: what happened when", classes=["timeline"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML="".join(rows),
            style={"max-height": "420px", "overflow-y": "auto"},
        )


@solara.component
def TakeAway(run: Run) -> None:
    """CSV tables, a note on the PNGs, the settings link and the same run from a terminal.

    The tables are plain links to the server's route for them (:mod:`sim.app.served`: written
    when asked for, of this run), not solara ``FileDownload`` components (three of them were
    ~27 of the page's ~140 elements, walked at every server render of the page): the card is
    three elements that a new run rewrites.
    """
    prefix = ROOT_PATH + publish_tables(
        repr(run.controls), TABLES, functools.partial(run_table, run.controls)
    )
    links = " ".join(
        f'<a class="csv-link" href="{html.escape(prefix + name)}" download="{name}">{name}</a>'
        for name in TABLES
    )
    with solara.Card("Take away", classes=["take-away"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f'<div class="csv-links">Tables (CSV): {links}</div>'
                "<div>Each chart's PNG button or camera icon (top right, on hover) saves it.</div>"
            ),
        )
        SettingsLink()
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "The same run from a terminal:"
                f'<div class="run-command">{html.escape(run.command)}</div>'
            ),
        )


def run_table(controls: Controls, name: str) -> bytes:
    """The CSV table ``name`` of the run of ``controls`` (with its counterfactual), as bytes:
    written when its link is followed (:func:`sim.app.served.publish_tables`)."""
    return table_csv(get_run(controls), get_ghost(controls), name)


@solara.component
def SettingsLink() -> None:
    """A link that restores the run shown, the year, the comparison and the picked nations.

    Written with the year last reported (``year.peek()``: a Step does not render it again); the
    browser (``RunView``) rewrites its ``year=`` to the year shown at each Step.
    """
    link = html.escape(
        "?" + encode_link(replace(settings.value, controls=shown.value, year=year.peek()))
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f'Link to this exact run (share it with a class): <a class="settings-link" '
            f'href="{link}">{link}</a>'
        ),
        style={"word-break": "break-all", "font-size": "13px"},
    )


# the session's state (a solara.reactive is per browser session): a Step changes only `year`,
# so only the components that read it (the frames) render again
settings = solara.reactive(PageSettings())  # the controls shown in the sidebar, the comparison
shown = solara.reactive(Controls())  # the controls of the run on the charts (always valid)
year = solara.reactive(0)  # the step shown
message = solara.reactive(cast(str | None, None))  # the last input refused, and why
run_error = solara.reactive(cast(str | None, None))  # why the sidebar's controls make no run
unit = solara.reactive("share")


@contextlib.contextmanager
def one_render() -> Iterator[None]:
    """Render the session's page once for all the state set inside (a batch of its renders).

    Outside a batch, solara renders once per component that reads a changed reactive value
    (setting ``settings`` rendered the page four times), and each render reconciles the whole
    page's element tree (~160 elements, each widget's traits set again) on the server.
    """
    rc = getattr(kernel_context.get_current_context(), "app_object", None)
    if isinstance(rc, reacton.core._RenderContext):  # the session's render context
        with rc:
            yield
    else:  # no page rendered yet
        yield


def change_control(name: str, raw: Any) -> None:
    """One control changed in the browser: check it, then show its run.

    A run already stored (computed for this or another session) is shown in the same render
    as the moved control: one server render of the page per setting, not two. Otherwise
    :func:`load_run` computes it while the page says so. The run follows the values the server
    holds, so no button can rebuild it from a stale slider value; a refused value leaves
    everything as it was and says why.
    """
    try:
        new = validate({name: raw}, settings.value.controls)
    except ControlError as exc:
        message.set(f"Not changed: {exc}")
        return
    stored = is_stored(new, settings.value.versus)
    with one_render():
        message.set(None)
        run_error.set(None)
        settings.set(replace(settings.value, controls=new))
        if stored:
            shown.set(new)
    if not stored:
        load_run(new)


def is_stored(wanted: Controls, versus: str) -> bool:
    """Whether the runs the charts of ``wanted`` need (its counterfactual, and the second
    scenario ``versus`` with its own) are computed and valid: showing them computes nothing."""
    runs = [wanted, replace(wanted, scenario=versus)] if versus else [wanted]
    if not all(is_cached(c) for c in runs):
        return False
    try:
        for c in runs:
            get_run(c)
            get_ghost(c)
    except RunError:
        return False
    return True


def load_run(wanted: Controls) -> None:
    """Compute the run of ``wanted`` (and its counterfactual) and show it, in a thread.

    The page stays live meanwhile; a run not yet computed waits until the controls have rested
    :data:`SETTLE` s, and a run whose controls changed again before it was ready is not shown: a
    dragged slider shows (and mostly computes) only the value it stops at.

    A plain thread of the session, not ``solara.use_thread``: that hook's state (starting,
    running, finished) rendered the page three more times per setting, and each render
    reconciles the whole page (~160 elements) on the server.
    """
    context = kernel_context.get_current_context()

    def moved_on() -> bool:
        return settings.peek().controls != wanted

    def load() -> None:
        with context:
            if wanted == shown.peek():
                return
            if not is_cached(wanted):
                time.sleep(SETTLE)
                if moved_on():
                    return  # the controls moved on
            versus = settings.peek().versus
            try:
                get_run(wanted)
                get_ghost(wanted)
                if versus:
                    get_run(replace(wanted, scenario=versus))
            except RunError as exc:
                if not moved_on():
                    run_error.set(str(exc))
                return
            with one_render():
                if not moved_on():
                    shown.set(wanted)

    threading.Thread(target=load, name="sim-app-run", daemon=True).start()


def set_year(raw: Any) -> None:
    """The browser shows year ``raw`` (checked: an integer step of the run)."""
    try:
        year.set(int(check_number("year", raw, RANGES_YEAR)))
    except ControlError as exc:
        message.set(f"Not changed: {exc}")


def set_versus(raw: Any) -> None:
    """The second scenario of the side-by-side mode ("none": off)."""
    try:
        versus = "" if raw == "none" else check_choice("versus", raw, SCENARIOS)
        if versus:
            get_run(replace(shown.value, scenario=versus))
    except (ControlError, RunError) as exc:
        message.set(f"Not changed: {exc}")
        return
    settings.set(replace(settings.value, versus=versus))


def set_unit(raw: Any) -> None:
    if raw in ("share", "usd"):
        unit.set(raw)
    else:
        message.set(f"Not changed: unit: {str(raw)[:40]!r} is not share or usd")


def set_nations(codes: list[str]) -> None:
    settings.set(replace(settings.value, nations=tuple(codes)))


@solara.component
def Frames(versus: str, nations: tuple[str, ...]) -> None:
    """The run on the charts (stepped in the browser), its timeline and what to take away.

    ``versus``: the second scenario ("": none); ``nations``: the nations picked. This component
    reads neither ``year`` nor the sidebar's controls (``settings``): a Step renders nothing on
    the server (the browser greys the timeline's rows and writes the settings link's year), and
    a moved control renders only the sidebar until its run is shown.
    """
    run = get_run(shown.value)
    ghost = get_ghost(shown.value)
    other = get_run(replace(shown.value, scenario=versus)) if versus else None
    other_ghost = get_ghost(other.controls) if other is not None else None
    chosen = tuple(c for c in (nations or DEFAULT_NATIONS) if c in run.names)
    args = (run, ghost, other, other_ghost, chosen, unit.value)
    images = {"map": map_background(run)}
    if other is not None:
        images["map-b"] = map_background(other)
    first_step = solara.use_memo(year.peek, [])  # later steps are the browser's
    solara.Text(
        f"Running: {settings_line(run.controls)}",
        classes=["run-settings"],
        style={"font-size": "12px", "color": "#555"},
    )
    if FRAMES == "http":  # the URL of the frames (sim.app.served), not the frames
        sent = {"frames_url": ROOT_PATH + frames_url(*args), "published": explorer_json(*args)}
    else:
        sent = {"frames": explorer_json(*args)}
    RunView.element(
        **sent,
        images=images,
        start_step=first_step,
        plotly_url=PLOTLY_URL,
        on_year=set_year,
    )
    with solara.Columns([1, 1]):
        Timeline(run)
        with solara.Column():
            NationPicker(
                picker_names(run), tuple(run.names[c] for c in chosen), set_nations, message.set
            )
            TakeAway(run)


@solara.component
def Explore() -> None:
    """One scenario (or two side by side) with its counterfactual, frame by frame.

    Each part reads only the state it shows, so a moved control renders the sidebar and the
    banners (not the charts), and a new run the banners and the charts (not the sidebar):
    :func:`SidebarArea`, :func:`Banners`, :func:`FramesArea`; the run is computed by
    :func:`load_run`.
    """
    router = solara.use_router()

    def start() -> None:  # once per session: the settings a link asks for
        applied, why = _initial_settings(router.search)
        settings.set(applied)
        shown.set(applied.controls)
        year.set(applied.year)
        message.set(why)

    solara.use_memo(start, [])
    solara.Style(CSS)
    with solara.Sidebar():
        SidebarArea()
    Banners()
    FramesArea()


@solara.component
def SidebarArea() -> None:
    """The sidebar of the session's controls, comparison and unit."""
    value = settings.value
    Sidebar(value.controls, change_control, value.versus, set_versus, unit.value, set_unit)


@solara.component
def Banners() -> None:
    """The last input refused; that the controls make no valid run; that a run is computing."""
    if message.value:
        solara.Warning(message.value, classes=["banner", "input-message"], dense=True)
    controls = settings.value.controls
    if controls != shown.value and run_error.value:
        solara.Error(
            f"The controls differ from the run shown: these settings are not a valid "
            f"run ({run_error.value}). The charts still show: {settings_line(shown.value)}.",
            classes=["banner", "stale-banner"],
            dense=True,
        )
    computing = controls != shown.value and not run_error.value
    solara.Text(  # always there (shown or hidden): a banner made and dropped each time costs more
        "Computing the run of the new settings; the charts still show the last one.",
        classes=["banner", "computing-banner"],
        style={"display": "block" if computing else "none"},
    )


@solara.component
def FramesArea() -> None:
    """The charts of the run shown (:func:`Frames`, rendered again only when its comparison,
    its nations, the run shown or the unit change, not when a control moves)."""
    Frames(settings.value.versus, settings.value.nations)


RANGES_YEAR = replace(RANGES["seed"], lo=0, hi=APP_YEARS, label="year")


@solara.component
def NationPicker(
    by_name: tuple[tuple[str, str], ...], chosen: tuple[str, ...], on_pick, on_error
) -> None:
    """The nations drawn and labelled besides the major powers (checked against the world).

    ``by_name``: (name, ISO3) of the world's other nations; ``chosen``: the names picked. Plain
    tuples, equal for every run of a world: a new run does not render the picker again.
    """
    codes = dict(by_name)

    def pick(names: list[str]) -> None:
        bad = [n for n in names if n not in codes]
        if bad:
            on_error(f"Not changed: nations: {str(bad[0])[:40]!r} is not a nation of this world")
            return
        on_pick([codes[n] for n in names][:12])

    solara.SelectMultiple(
        "Nations to draw and label",
        values=list(chosen),
        all_values=sorted(codes),
        on_value=pick,
        dense=True,
    )


def picker_names(run: Run) -> tuple[tuple[str, str], ...]:
    """(name, ISO3) of the nations of ``run``'s world a student may pick (not the majors).

    The same tuple object for every run with the same nations: reacton compares a component's
    arguments item by item unless they are the same object (~140 pairs at each render).
    """
    return _picker_names(tuple((run.names[c], c) for c in run.iso3 if c not in run.majors))


@functools.lru_cache(maxsize=16)
def _picker_names(names: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return names


def _initial_settings(search: str | None) -> tuple[PageSettings, str | None]:
    """The settings a link asks for, or the defaults and a message saying why not."""
    if not search:
        return PageSettings(), None
    try:
        settings = decode_link(search)
        run = get_run(settings.controls)
    except (ControlError, RunError) as exc:
        return PageSettings(), f"The link was not applied: {exc}"
    bad = [c for c in settings.nations if c not in run.names]
    if bad:
        return PageSettings(), f"The link was not applied: nations: {bad[0]!r} is not in the world"
    return settings, None


# ----------------------------------------------------------------------------- the page

#: solara's "busy" bar (shown while the server takes over 0.3 s to answer; on this page it lies
#: under the app bar and the sidebar, so it is not seen) held still instead of Vuetify's
#: indeterminate animation, whose every frame (60 a second, its left and right edges animated)
#: was styled, laid out, painted and composited all the same: ~0.3 s of CPU a second per page
#: while shown (experiments/app/README.md), in every page at once when a loaded server is slow to
#: answer, which made it slower still
BUSY_CSS = """
.v-progress-linear__indeterminate .long {
  animation: none !important; left: 0 !important; right: 0 !important; opacity: 0.6;
}
.v-progress-linear__indeterminate .short { display: none !important; }
"""


@solara.component
def Page() -> None:
    """The explorer, or the class mode (a teacher's dashboard or a student's nation)."""
    solara.Title("Alliances and defence spending")
    solara.Style(BUSY_CSS)
    router = solara.use_router()
    with solara.AppBarTitle():
        solara.Text("Alliances & defence spending")
    if router.path.rstrip("/").endswith("class"):
        classroom_page(router)
    else:
        Explore()


def classroom_page(router) -> None:
    """The class mode's page (``/class``): see :mod:`sim.app.classroom_page`."""
    from sim.app.classroom_page import ClassPage  # imports this module: loaded when first used

    ClassPage()


routes = [
    solara.Route(path="/", component=Page, label="Explore"),
    solara.Route(path="class", component=Page, label="Class mode"),
]

__all__ = ["Explore", "Page", "routes"]
