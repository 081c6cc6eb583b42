"""The class mode's page (``/class``): a teacher's dashboard, or a student's nation.

Every value a browser sends goes through :mod:`sim.app.classroom`'s checks; a refused one
shows its message. A student's page and the teacher's follow the session by its ``version``
(polled once a second), so a teacher's Step reaches every student's screen.
"""

from __future__ import annotations

import threading
from typing import cast

import solara

from sim.app.charts import map_background, map_chart, spending_chart
from sim.app.classroom import (
    BUDGET_MAX,
    BUDGET_MIN,
    BUDGET_STEP,
    CLASS_WORLDS,
    ClassError,
    ClassSession,
    find_session,
    open_session,
)
from sim.app.controls import APP_YEARS, ControlError
from sim.app.runs import get_run
from sim.app.widget import PLOTLY_URL, PlotlyView

role = solara.reactive("")  # "" | teacher | student
code = solara.reactive("")
problem = solara.reactive(cast(str | None, None))
seen = solara.reactive(0)  # the session version this page shows


def _player() -> str:
    return solara.get_kernel_id()


def _attempt(action, session: ClassSession | None = None) -> None:
    """Run a class action; a refused one shows its message and changes nothing. The page that
    acted redraws at once (the others within the second of their :func:`Follow`)."""
    try:
        action()
        problem.set(None)
    except (ClassError, ControlError) as exc:
        problem.set(f"Not done: {exc}")
    if session is not None:
        seen.set(session.version)


@solara.component
def Follow(session: ClassSession) -> None:
    """Redraw when the session changes (a student's choice, the teacher's Step)."""

    def poll(cancel: threading.Event) -> None:
        while not cancel.wait(1.0):
            if session.version != seen.value:
                seen.set(session.version)

    solara.use_thread(poll, dependencies=[session.code])


@solara.component
def ClassCharts(session: ClassSession, labelled: list[str]) -> None:
    """The class's world: its map and its players' spending beside the model's own run.

    Drawn once per year (and per set of nations labelled): a student's choice does not change
    the world until the teacher steps, so it does not redraw the charts of every page."""
    step = session.step

    def figures() -> tuple[dict, dict, dict]:
        run = session.run()
        own = get_run(session.controls)
        label = "dotted: the model's own run"
        return (
            map_chart(run, step, labelled),
            map_background(run),
            spending_chart(run, own, step, labelled, "share", label),
        )

    world, background, spending = solara.use_memo(
        figures, dependencies=[session.code, step, tuple(labelled)]
    )
    with solara.Columns([1, 1], gutters_dense=True):
        with solara.Div(classes=["chart", "chart-class-map"]):
            PlotlyView.element(figure=world, background=background, plotly_url=PLOTLY_URL)
        with solara.Div(classes=["chart", "chart-class-spending"]):
            PlotlyView.element(figure=spending, plotly_url=PLOTLY_URL)


@solara.component
def Teacher(session: ClassSession) -> None:
    Follow(session)
    seen.value  # noqa: B018
    solara.Markdown(f"## Class code: **{session.code}**")
    solara.Text(
        f"Students open this page's Class mode and join with code {session.code}.",
        classes=["join-code"],
    )
    with solara.Row(style={"align-items": "center"}):
        solara.Button(
            f"Step the world: {session.year} → {session.year + 1}",
            on_click=lambda: _attempt(session.advance, session),
            color="primary",
            disabled=session.step >= APP_YEARS,
            classes=["teacher-step"],
        )
        solara.Text(
            f"Year {session.year} · step {session.step} of {APP_YEARS}", classes=["class-year"]
        )
    names = session.nations()
    rows = [
        f"| {name} | {names[iso3]} | "
        + (f"{session.budgets[iso3]:.1f}%" if iso3 in session.budgets else "(the model decides)")
        + f" | {_ties_text(session, player, names) or '-'} |"
        for player, (name, iso3) in sorted(session.players.items(), key=lambda p: p[1])
    ]
    with solara.Div(classes=["class-roster"]):
        solara.Markdown(
            "| student | nation | budget next year | ties next year |\n|---|---|---|---|\n"
            + "\n".join(rows)
            if rows
            else "*No student has joined yet.*"
        )
    ClassCharts(session, [iso3 for _, iso3 in session.players.values()])
    with solara.Card("Debrief: the class's world against the model's own run", classes=["debrief"]):
        table = session.debrief()
        if table.empty:
            solara.Text("The debrief lists each student's nation once students have joined.")
        else:
            solara.DataFrame(table, items_per_page=40)
        if session.controls.world != "today":
            solara.Text(
                "A past world: each year up to 2024, the last column is what the nation "
                "actually spent that year (SIPRI)."
            )


@solara.component
def Student(session: ClassSession) -> None:
    Follow(session)
    seen.value  # noqa: B018
    if _player() not in session.players:
        Join(session)
    else:
        Player(session)


@solara.component
def Player(session: ClassSession) -> None:
    """A student's nation: its budget for the coming year, its ties, the class's world."""
    seen.value  # noqa: B018
    player = _player()
    name, iso3 = session.players[player]
    names = session.nations()
    run = session.run()
    share = float(run.share[iso3].iloc[-1])
    solara.Markdown(f"## {names[iso3]} ({name}) · year {session.year}")
    solara.Text(f"{names[iso3]} spends {share:.2f}% of GDP this year.", classes=["my-share"])
    chosen = session.budgets.get(iso3)
    value, set_value = solara.use_state(round(share, 1))
    solara.SliderFloat(
        f"My budget next year: {value:.1f}% of GDP",
        value=value,
        min=BUDGET_MIN,
        max=BUDGET_MAX,
        step=BUDGET_STEP,
        on_value=set_value,
    )
    solara.Button(
        "Set my budget",
        color="primary",
        classes=["set-budget"],
        on_click=lambda: _attempt(lambda: session.set_budget(player, value), session),
    )
    solara.Text(
        f"Chosen for next year: {chosen:.1f}%"
        if chosen is not None
        else "No budget chosen yet: the model decides unless you choose.",
        classes=["my-choice"],
    )
    partner, set_partner = solara.use_state("")
    others = sorted(n for c, n in names.items() if c != iso3)
    by_name = {n: c for c, n in names.items()}
    with solara.Row():
        solara.Select("A nation", values=others, value=partner or None, on_value=set_partner)
        solara.Button(
            "Propose a tie",
            classes=["propose-tie"],
            on_click=lambda: _attempt(
                lambda: session.choose_tie(player, by_name.get(partner, partner), True), session
            ),
        )
        solara.Button(
            "Leave our tie",
            on_click=lambda: _attempt(
                lambda: session.choose_tie(player, by_name.get(partner, partner), False), session
            ),
        )
    solara.Text(
        f"Ties chosen for next year: {_ties_text(session, player, names) or 'none'}",
        classes=["my-ties"],
    )
    allies = _allies(run, session.step, iso3)
    solara.Text(f"Allies now: {', '.join(allies) or 'none'}", classes=["my-allies"])
    solara.Text("The world moves when your teacher steps it.")
    ClassCharts(session, [iso3])


def _ties_text(session: ClassSession, player: str, names: dict[str, str]) -> str:
    """The player's ties for the next year in words: "propose X; leave Y"."""
    return "; ".join(
        f"{'propose' if ally else 'leave'} {names[other]}"
        for other, ally in session.proposals(player)
    )


def _allies(run, step: int, iso3: str) -> list[str]:
    treaty, formed = run.edges_at(step)
    return sorted(run.names[b if a == iso3 else a] for a, b in treaty + formed if iso3 in (a, b))


@solara.component
def Join(session: ClassSession) -> None:
    names = session.nations()
    taken = session.taken()
    free = sorted(n for c, n in names.items() if c not in taken)
    by_name = {n: c for c, n in names.items()}
    name, set_name = solara.use_state("")
    nation, set_nation = solara.use_state("")
    solara.Markdown(f"## Join class {session.code}")
    solara.InputText(
        "Your name (or your team's)", value=name, on_value=set_name, continuous_update=True
    )
    solara.Select("Your nation", values=free, value=nation or None, on_value=set_nation)
    solara.Button(
        "Take this nation",
        color="primary",
        classes=["take-nation"],
        on_click=lambda: _attempt(
            lambda: session.join(_player(), name, by_name.get(nation, nation)), session
        ),
    )


@solara.component
def ClassPage() -> None:
    """Choose a role: open a class (teacher) or join one with its code (student)."""
    world, set_world = solara.use_state("y2014")
    typed, set_typed = solara.use_state("")
    if problem.value:
        solara.Warning(problem.value, classes=["class-problem"], dense=True)
    if role.value and code.value:
        try:
            session = find_session(code.value)
        except ClassError as exc:
            solara.Error(str(exc))
            return
        (Teacher if role.value == "teacher" else Student)(session)
        return

    def teach() -> None:
        session = open_session(world)
        code.set(session.code)
        role.set("teacher")

    def learn() -> None:
        session = find_session(typed)
        code.set(session.code)
        role.set("student")

    with solara.Columns([1, 1]):
        with solara.Card("Teacher: open a class"):
            solara.Select("World", values=CLASS_WORLDS, value=world, on_value=set_world)
            solara.Text("y2014 or y2019: the debrief compares with what nations actually spent.")
            solara.Button(
                "Open a class session",
                color="primary",
                classes=["open-class"],
                on_click=lambda: _attempt(teach),
            )
        with solara.Card("Student: join a class"):
            solara.InputText("Join code", value=typed, on_value=set_typed, continuous_update=True)
            solara.Button(
                "Join", color="primary", classes=["join-class"], on_click=lambda: _attempt(learn)
            )
