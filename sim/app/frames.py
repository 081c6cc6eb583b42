"""A run's frames for the browser: every year of the run and of its comparison, sent once.

The page's Step, Back, Play and year slider run in the browser (:class:`sim.app.widget.RunView`):
the server sends, once per run, the whole run's figures and the map's data per year, and the
browser shows a year by cutting each line at that year, moving the year marker and rebuilding
the map from the year's dot sizes, blocs and standing ties. The server has no work per Step.

The line charts are the full-run figures of :mod:`sim.app.charts`, drawn once; a white cover
above the plot hides the years after the one shown, and a Step moves the cover and the year
marker (two HTML elements) and rewrites the title: Plotly redraws nothing. The map is sent as
arrays (one row per year of dot sizes, blocs and shares; the ties with the years they stand)
and drawn for each year (SVG dots and ties recoloured in place). A payload is computed once per
(run, comparison, nations, unit) and shared by every session.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import numpy as np

from sim.app.charts import (
    BLOCS,
    BLOCS_TITLE,
    GHOST_NOTE,
    MAP_BLOCS,
    MAP_TITLE,
    SPENDING_TITLE,
    TIE_TRACES,
    _year_line,
    blocs_chart,
    difference_chart,
    dot_sizes,
    map_labels,
    map_layout,
    spending_chart,
)
from sim.app.controls import APP_YEARS, settings_line
from sim.app.runs import Run, compute_ahead
from sim.app.served import PATH, publish
from sim.plots import robinson

#: milliseconds between years while playing
PLAY_MS = 600


def status_lines(run: Run) -> list[str]:
    """Where the run stands in each year: the line above the charts, one per step."""
    w = run.world
    columns = ("n_ties", "n_blocs", "polarity", "world_milex", "share_at_target")
    return [
        f"Year {run.start_year + step} · step {step} of {APP_YEARS} · {len(run.iso3)} nations · "
        f"{int(ties)} ties · {int(blocs)} blocs · polarity {polarity:.2f} · "
        f"world spending ${milex / 1e12:.2f} tn · "
        f"allies at their guideline {100 * at_target:.0f}%"
        for step, (ties, blocs, polarity, milex, at_target) in enumerate(
            zip(*(w[c].tolist() for c in columns), strict=True)
        )
    ]


def line_frames(figure: dict, run: Run, title: str) -> dict:
    """A full-run line chart for the browser: its spec without the year marker (the browser
    draws the marker and a white cover over the years to come above the plot, and moves them
    for each year) and its title with ``{year}``."""
    marker = _year_line(run, run.years)
    layout = dict(figure["layout"])
    layout["shapes"] = [s for s in layout.get("shapes", []) if s != marker]
    return {"kind": "lines", "data": figure["data"], "layout": layout, "title": title}


def map_frames(run: Run, labelled: list[str]) -> dict:
    """The map's data for every year: positions once, then per year the dot sizes (px), the
    nations in order of capability, their blocs and shares; the ties with the years they stand.

    The browser draws year ``k`` as :func:`sim.app.charts.map_chart` draws it on the server.
    """
    codes = list(run.iso3)
    x, y = robinson(run.lat, run.lon)
    pos = {c: (round(float(x[i]), 4), round(float(y[i]), 4)) for i, c in enumerate(codes)}
    cap = run.capability.reindex(columns=codes).to_numpy(float)
    index = {c: i for i, c in enumerate(codes)}
    return {
        "kind": "map",
        "x": [pos[c][0] for c in codes],
        "y": [pos[c][1] for c in codes],
        "names": [run.names[c] for c in codes],
        "size": [np.round(dot_sizes(row)).astype(int).tolist() for row in cap],
        "order": [np.argsort(-row, kind="stable").tolist() for row in cap],
        "bloc": run.bloc.reindex(columns=codes).to_numpy(int).tolist(),
        "share": np.round(run.share.reindex(columns=codes).to_numpy(float), 1).tolist(),
        "ties": [
            [index[a], index[b], int(formed), first, end]
            for a, b, formed, first, end in run.tie_spans()
        ],
        "tie_traces": list(TIE_TRACES),
        "blocs": MAP_BLOCS,
        "colours": BLOCS,
        "labels": map_labels(run, pos, labelled),
        "layout": map_layout(run, MAP_TITLE.format(year=run.start_year)),
        "title": MAP_TITLE,
    }


@functools.lru_cache(maxsize=64)
def explorer_frames(
    run: Run,
    ghost: Run | None,
    other: Run | None,
    other_ghost: Run | None,
    chosen: tuple[str, ...],
    unit: str,
) -> dict:
    """Everything the browser needs to show any year of ``run`` (and of ``other``, side by side).

    ``ghost``: the counterfactual (dotted); ``other``: a second scenario (then ``other_ghost``
    is its counterfactual); ``chosen``: nations drawn and labelled; ``unit``: share or usd.
    The ``grid`` lists the rows of the page's chart area, each a list of columns of chart names
    or headings. Cached: runs are compared by identity, so one payload serves every session.
    """
    label = "% of GDP" if unit == "share" else "US$ bn a year"
    spending_title = SPENDING_TITLE.format(label=label, year="{year}")
    blocs_title = BLOCS_TITLE.format(year="{year}")
    nations = list(chosen)
    end = run.years

    def spending(r: Run, g: Run | None) -> dict:
        return line_frames(spending_chart(r, g, end, nations, unit), r, spending_title)

    if other is None:
        difference = difference_chart(run, ghost, end, "the no-change run")
        charts = {
            "map": map_frames(run, nations),
            "spending": spending(run, ghost),
            "blocs": line_frames(blocs_chart(run, ghost, end, GHOST_NOTE), run, blocs_title),
            "difference": line_frames(difference, run, difference["layout"]["title"]["text"]),
        }
        grid = [[["map"], ["spending"]], [["blocs"], ["difference"]]]
    else:
        a, b = run.controls.scenario, other.controls.scenario
        difference = difference_chart(run, other, end, f"B ({b})")
        charts = {
            "spending": spending(run, ghost),
            "map": map_frames(run, nations),
            "spending-b": spending(other, other_ghost),
            "map-b": map_frames(other, nations),
            "difference": line_frames(difference, run, difference["layout"]["title"]["text"]),
            "blocs": line_frames(blocs_chart(run, other, end, f"B ({b})"), run, blocs_title),
        }
        grid = [
            [[f"A: {a}", "spending", "map"], [f"B: {b}", "spending-b", "map-b"]],
            [["difference"], ["blocs"]],
        ]
    return {
        "label": settings_line(run.controls)
        + (f" · versus {other.controls.scenario}" if other else ""),
        "start_year": run.start_year,
        "years": run.years,
        "last_step": APP_YEARS,
        "play_ms": PLAY_MS,
        "status": status_lines(run),
        "grid": grid,
        "charts": charts,
    }


@functools.lru_cache(maxsize=64)
def explorer_json(*args: Any) -> str:
    """:func:`explorer_frames` of the same arguments as one JSON text, written once and sent
    as is to every session.

    A string, not a nested dict, for the widget: reacton looks for child elements in every
    value of an element's arguments and ipywidgets for binary buffers, so a dict of ~40,000
    numbers costs each session ~0.1 s per run on the server; a string costs nothing.

    Written when a run is first drawn, so it queues the runs one notch away on each spending
    slider to be computed ahead (:func:`sim.app.runs.compute_ahead`).
    """
    text = json.dumps(explorer_frames(*args), separators=(",", ":"), allow_nan=False)
    compute_ahead(args[0].controls)
    return text


@functools.lru_cache(maxsize=64)
def frames_url(*args: Any) -> str:
    """Where the browser fetches :func:`explorer_json` of the same arguments: its key's URL
    under :data:`sim.app.served.PATH` (the text compressed once and kept there, by
    :func:`sim.app.served.publish`). Cached as the text is: one URL serves every session.

    Without the server's root path; :class:`sim.app.widget.RunView` adds it.
    """
    return PATH + publish(explorer_json(*args))
