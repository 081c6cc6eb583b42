"""The page's figures as Plotly specs (plain dicts), drawn in the browser.

Each function draws one stored frame (``step``) of a :class:`~sim.app.runs.Run`, beside the
run it is compared with (the counterfactual, or a second scenario): dotted lines, or a
difference panel. Axes keep their range for the whole run, so a Step moves the lines, never the
scale; years are integers. The specs are plain dicts of lists, so the page can compare two
frames trace by trace and send the browser only what changed.
"""

from __future__ import annotations

import base64
import functools
import io

import numpy as np
import pandas as pd

from sim.app.runs import Run
from sim.plots import BLOC_COLOURS, MAJOR_COLOURS, robinson

FONT = {"family": "Helvetica, Arial, sans-serif", "size": 13}
LEGEND_FONT = {"size": 12}
#: colours of the chosen nations (none close to a major power's)
OTHER_COLOURS = ["#e67e22", "#27ae60", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]
#: a chart's size in pixels: two side by side beside the sidebar fill a 1400 x 900 screen
WIDTH, HEIGHT = 490, 300
GHOST_NOTE = "dotted: no policy change"
#: a run's scenario events (not tie events) get a vertical line on every chart
MARKED_KINDS = ("shock", "schedule", "policy")
#: chart titles; ``{year}`` is the year shown (filled here, or in the browser for a Step)
SPENDING_TITLE = "Defence spending ({label}), {year}"
BLOCS_TITLE = "Blocs, polarity and tie changes, {year}"
MAP_TITLE = "Alliances in {year}: dot area = capability, colour = bloc"


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgb[:3])


BLOCS = [_hex(c) for c in BLOC_COLOURS]


def _layout(run: Run, title: str, height: int, **extra) -> dict:
    lo, hi = run.year_range
    layout = {
        "title": {"text": title, "font": {"size": 14}, "x": 0.01, "xanchor": "left"},
        "font": FONT,
        "height": height,
        "width": WIDTH,
        "margin": {"l": 56, "r": 6, "t": 32, "b": 36},
        "legend": {"font": LEGEND_FONT, "orientation": "v", "x": 1.01, "y": 1},
        "xaxis": {
            "range": [lo - 0.5, hi + 0.5],
            "tickformat": "d",
            "dtick": 10,
            "title": {"text": "year"},
            "gridcolor": "#eee",
        },
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "shapes": [],
        "annotations": [],
    }
    layout.update(extra)
    return layout


def _year_line(run: Run, step: int) -> dict:
    """The current year: a vertical line across the plot."""
    x = run.start_year + step
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": "#555", "width": 1, "dash": "dot"},
    }


def _event_lines(run: Run) -> list[dict]:
    """Scenario events (shocks, schedules starting or ending) as faint vertical lines."""
    years = sorted({e.year for e in run.timeline if e.kind in MARKED_KINDS})
    return [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": y,
            "x1": y,
            "y0": 0,
            "y1": 1,
            "line": {"color": "#c0392b", "width": 1, "dash": "dash"},
            "opacity": 0.35,
        }
        for y in years
    ]


def event_markers(run: Run, step: int, y: float) -> dict:
    """Markers at height ``y`` in the years something happened (hover: what), up to ``step``."""
    by_year: dict[int, list[str]] = {}
    for e in run.timeline:
        if e.step <= step and e.kind in MARKED_KINDS + ("joined", "withdrew"):
            by_year.setdefault(e.year, []).append(e.text)
        elif e.step <= step and e.kind == "dissolved" and e.text.split()[0].isdigit():
            if int(e.text.split()[0]) >= 5:  # many ties broken in one year: worth a marker
                by_year.setdefault(e.year, []).append(e.text)
    years = sorted(by_year)
    return {
        "type": "scatter",
        "mode": "markers",
        "x": years,
        "y": [y] * len(years),
        "marker": {"symbol": "triangle-up", "size": 11, "color": "#c0392b"},
        "name": "event (see the timeline)",
        "hovertext": ["<br>".join(by_year[k]) for k in years],
        "hoverinfo": "text",
        "showlegend": True,
    }


def _colours(run: Run, codes: list[str]) -> dict[str, str]:
    out, k = {}, 0
    for code in codes:
        if code in MAJOR_COLOURS:
            out[code] = MAJOR_COLOURS[code]
        else:
            out[code] = OTHER_COLOURS[k % len(OTHER_COLOURS)]
            k += 1
    return out


def _series(frame, code: str, step: int) -> tuple[list[int], list[float]]:
    part = frame[code].iloc[: step + 1]
    return [int(s) for s in part.index], [round(float(v), 4) for v in part.to_numpy()]


def spending_chart(
    run: Run,
    other: Run | None,
    step: int,
    chosen: list[str],
    unit: str = "share",
    other_label: str = GHOST_NOTE,
) -> dict:
    """Defence spending of the major powers (thick) and chosen nations (thin) to ``step``.

    ``unit`` is ``share`` (% of GDP, with NATO's 2% guideline) or ``usd`` (US$ bn a year).
    ``other`` (the counterfactual or a second scenario) is drawn dotted in the same colours.
    """
    frame = run.share if unit == "share" else run.milex
    codes = list(run.majors) + [c for c in chosen if c not in run.majors and c in frame]
    colours = _colours(run, codes)
    data = []
    for code in codes:
        x, y = _series(frame, code, step)
        major = code in run.majors
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers" if len(x) < 3 else "lines",
                "x": [run.start_year + s for s in x],
                "y": y,
                "name": run.names[code],
                "legendgroup": code,
                "line": {"color": colours[code], "width": 3.2 if major else 1.8},
            }
        )
    top = float(frame[codes].to_numpy().max())
    if other is not None:
        other_frame = other.share if unit == "share" else other.milex
        top = max(top, float(other_frame[[c for c in codes if c in other_frame]].to_numpy().max()))
        for code in codes:
            if code not in other_frame:
                continue
            x, y = _series(other_frame, code, step)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [other.start_year + s for s in x],
                    "y": y,
                    "name": f"{run.names[code]} ({other_label})",
                    "legendgroup": code,
                    "showlegend": False,
                    "opacity": 0.55,
                    "line": {"color": colours[code], "width": 1.6, "dash": "dot"},
                }
            )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [None],
                "y": [None],
                "name": other_label,
                "line": {"color": "#777", "dash": "dot"},
            }
        )
    data.append(event_markers(run, step, 0.0))
    shapes = _event_lines(run) + [_year_line(run, step)]
    if unit == "share":
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": 2,
                "y1": 2,
                "line": {"color": "#999", "dash": "dot"},
            }
        )
    label = "% of GDP" if unit == "share" else "US$ bn a year"
    title = SPENDING_TITLE.format(label=label, year=run.start_year + step)
    layout = _layout(run, title, HEIGHT, shapes=shapes)
    layout["yaxis"] = {"title": {"text": label}, "range": [0, top * 1.08], "gridcolor": "#eee"}
    return {"data": data, "layout": layout}


def difference_chart(run: Run, other: Run | None, step: int, other_label: str) -> dict:
    """What the policy changed, in US$ bn a year: ``run`` minus ``other``, world and by power.

    Lines: the world total, each major power and "all other nations" (the allies' response
    to a major power's cut is the gap between the world line and that power's line).
    """
    title = f"What changed, US$ bn a year: this run minus {other_label}"
    layout = _layout(run, title, HEIGHT, shapes=[_year_line(run, step)] + _event_lines(run))
    layout["yaxis"] = {"title": {"text": "US$ bn a year"}, "gridcolor": "#eee", "zeroline": True}
    if other is None:
        layout["annotations"] = [
            {
                "text": "No policy change to compare:<br>pick a scenario or move a spending slider",
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 14, "color": "#555"},
            }
        ]
        layout["xaxis"]["visible"] = False
        layout["yaxis"]["visible"] = False
        return {"data": [], "layout": layout}
    common = [c for c in run.iso3 if c in other.milex]
    delta = (run.milex[common] - other.milex[common]).iloc[: step + 1]
    whole = (run.milex[common] - other.milex[common]).to_numpy()
    years = [run.start_year + int(s) for s in delta.index]
    rest = [c for c in common if c not in run.majors]
    lines = [("World", delta.sum(axis=1), "#111", 3.0)]
    lines += [(run.names[c], delta[c], MAJOR_COLOURS.get(c, "#333"), 2.2) for c in run.majors]
    lines.append(("All other nations", delta[rest].sum(axis=1), "#e67e22", 2.6))
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": years,
            "y": [round(float(v), 3) for v in values],
            "name": name,
            "line": {"color": colour, "width": width},
        }
        for name, values, colour, width in lines
    ]
    spread = [whole.sum(axis=1), whole[:, [common.index(c) for c in rest]].sum(axis=1)]
    spread += [whole[:, common.index(c)] for c in run.majors if c in common]
    lo = min(float(np.min(s)) for s in spread)
    hi = max(float(np.max(s)) for s in spread)
    pad = 0.08 * max(hi - lo, 1.0)
    layout["yaxis"]["range"] = [min(lo, 0) - pad, max(hi, 0) + pad]
    return {"data": data, "layout": layout}


def blocs_chart(run: Run, other: Run | None, step: int, other_label: str = GHOST_NOTE) -> dict:
    """Blocs (count), polarity (effective number of poles) and ties per year, on own axes."""
    w = run.world.iloc[: step + 1]
    years = [int(y) for y in w["year"]]
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "line": {"shape": "hv", "color": "#2c3e50", "width": 2.5},
            "x": years,
            "y": [int(v) for v in w["n_blocs"]],
            "name": "blocs",
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "line": {"color": "#16a085", "width": 2.5},
            "x": years,
            "y": [round(float(v), 3) for v in w["polarity"]],
            "name": "polarity (poles)",
            "yaxis": "y2",
        },
        {
            "type": "bar",
            "x": years,
            "y": [int(v) for v in w["ties_formed"]],
            "name": "ties formed",
            "marker": {"color": "#27ae60"},
            "yaxis": "y3",
        },
        {
            "type": "bar",
            "x": years,
            "y": [-int(v) for v in w["ties_dissolved"]],
            "name": "ties broken",
            "marker": {"color": "#c0392b"},
            "yaxis": "y3",
        },
    ]
    frames = [run.world] + ([other.world] if other is not None else [])
    if other is not None:
        g = other.world.iloc[: step + 1]
        for column, axis, colour, shape in (
            ("n_blocs", "y", "#2c3e50", "hv"),
            ("polarity", "y2", "#16a085", "linear"),
        ):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [int(y) for y in g["year"]],
                    "y": [round(float(v), 3) for v in g[column]],
                    "name": other_label,
                    "showlegend": axis == "y",
                    "opacity": 0.55,
                    "line": {"color": colour, "width": 1.6, "dash": "dot", "shape": shape},
                    "yaxis": axis,
                }
            )
    most_blocs = max(float(f["n_blocs"].max()) for f in frames)
    most_poles = max(float(f["polarity"].max()) for f in frames)
    most_ties = max(float(max(f["ties_formed"].max(), f["ties_dissolved"].max())) for f in frames)
    title = BLOCS_TITLE.format(year=run.start_year + step)
    layout = _layout(run, title, HEIGHT, shapes=[_year_line(run, step)] + _event_lines(run))
    layout["barmode"] = "relative"
    layout["xaxis"]["anchor"] = "y3"
    layout["yaxis"] = {
        "domain": [0.7, 1.0],
        "title": {"text": "blocs"},
        "range": [0, most_blocs + 1],
        "dtick": max(1, int(most_blocs // 4) or 1),
    }
    layout["yaxis2"] = {
        "domain": [0.38, 0.64],
        "title": {"text": "poles"},
        "range": [0, most_poles * 1.15 + 0.1],
    }
    layout["yaxis3"] = {
        "domain": [0.0, 0.32],
        "title": {"text": "ties/yr"},
        "range": [-most_ties - 0.5, most_ties + 0.5],
    }
    return {"data": data, "layout": layout}


@functools.cache
def land_image(x0: float, x1: float, y0: float, y1: float) -> str:
    """Country outlines (Natural Earth 1:110m, Robinson) over ``[x0, x1] x [y0, y1]`` as a PNG
    data URI: the map's static part, drawn once per extent and never re-sent by a Step."""
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    from sim.plots import country_outlines

    width = 1000
    fig = Figure(figsize=(width / 100, width / 100 * (y1 - y0) / (x1 - x0)), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    land = [np.column_stack(ring) for ring in country_outlines()]
    ax.add_collection(PolyCollection(land, facecolor="#eeeeea", edgecolor="#c8c8c0", lw=0.5))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", transparent=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _segments(pairs, pos) -> tuple[list, list]:
    xs, ys = [], []
    for a, b in pairs:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        xs += [xa, xb, None]
        ys += [ya, yb, None]
    return xs, ys


def map_extent(run: Run) -> tuple[list[float], list[float]]:
    """The x and y ranges that frame the world's nations (a regional world fills the map)."""
    x, y = robinson(run.lat, run.lon)
    dx = max(float(x.max() - x.min()), 0.4)
    dy = max(float(y.max() - y.min()), 0.3)
    return (
        [max(float(x.min()) - 0.08 * dx - 0.1, -2.75), min(float(x.max()) + 0.08 * dx + 0.1, 2.75)],
        [max(float(y.min()) - 0.1 * dy - 0.08, -1.42), min(float(y.max()) + 0.1 * dy + 0.08, 1.42)],
    )


#: bloc traces on the map (a fixed count, so a frame changes traces, never their number)
MAP_BLOCS = 8


def map_background(run: Run) -> dict:
    """The map's land as a Plotly layout image over the world's extent (sent once a session)."""
    xr, yr = map_extent(run)
    return {
        "source": land_image(*xr, *yr),
        "xref": "x",
        "yref": "y",
        "x": xr[0],
        "y": yr[1],
        "sizex": xr[1] - xr[0],
        "sizey": yr[1] - yr[0],
        "sizing": "stretch",
        "layer": "below",
    }


#: the map's two tie traces (without their segments): treaty ties, ties formed in the run
TIE_TRACES = (
    {
        "type": "scatter",
        "mode": "lines",
        "line": {"color": "#8c8c8c", "width": 0.6},
        "opacity": 0.5,
        "name": "treaty tie",
        "hoverinfo": "skip",
    },
    {
        "type": "scatter",
        "mode": "lines",
        "line": {"color": "#111", "width": 1.6, "dash": "dash"},
        "name": "tie formed in this run",
        "hoverinfo": "skip",
    },
)


def dot_sizes(cap: np.ndarray) -> np.ndarray:
    """Marker diameters in px, ``5 + 40 sqrt(K_i / max K)``: dot area grows with capability."""
    return 5 + 40 * np.sqrt(cap / cap.max()) if cap.max() > 0 else np.full(len(cap), 6.0)


def map_chart(run: Run, step: int, labelled: list[str], height: int = HEIGHT) -> dict:
    """The alliance network in year ``step``: dot area = capability, colour = bloc.

    Treaty ties are thin grey, ties formed in the run black and dashed; the major powers and
    the nations in ``labelled`` carry their names. The view is the world's own extent.
    """
    x, y = robinson(run.lat, run.lon)
    pos = {c: (round(float(x[i]), 4), round(float(y[i]), 4)) for i, c in enumerate(run.iso3)}
    treaty, formed = run.edges_at(step)
    cap = run.capability.iloc[step].reindex(list(run.iso3)).to_numpy(float)
    bloc = run.bloc.iloc[step].reindex(list(run.iso3)).to_numpy(int)
    share = run.share.iloc[step].reindex(list(run.iso3)).to_numpy(float)
    size = dot_sizes(cap)
    tx, ty = _segments(treaty, pos)
    fx, fy = _segments(formed, pos)
    data = [{**TIE_TRACES[0], "x": tx, "y": ty}, {**TIE_TRACES[1], "x": fx, "y": fy}]
    order = np.argsort(-cap)
    for b in range(MAP_BLOCS + 1):
        members = [i for i in order if (bloc[i] == b if b < MAP_BLOCS else bloc[i] >= b)]
        if b < MAP_BLOCS and members:
            name = f"bloc led by {run.names[run.iso3[members[0]]]} ({len(members)})"
        else:
            name = "other blocs" if b == MAP_BLOCS else f"bloc {b + 1}"
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [pos[run.iso3[i]][0] for i in members],
                "y": [pos[run.iso3[i]][1] for i in members],
                "marker": {
                    "size": [round(float(size[i])) for i in members],
                    "color": BLOCS[b % 10] if b < MAP_BLOCS else "#ffffff",
                    "line": {"color": "#333", "width": 0.7},
                },
                "text": [f"{run.names[run.iso3[i]]}: {share[i]:.1f}% of GDP" for i in members],
                "hoverinfo": "text",
                "name": name,
                "showlegend": bool(members),
            }
        )
    data.append(map_labels(run, pos, labelled, height))
    title = MAP_TITLE.format(year=run.start_year + step)
    return {"data": data, "layout": map_layout(run, title, height)}


#: where a label may sit beside its dot: Plotly's textposition -> its box (x0, x1, y0, y1) in px
#: from the dot for a label ``w`` px wide and ``h`` px high (y up)
LABEL_PLACES = {
    "top right": lambda w, h: (2, 2 + w, 2, 2 + h),
    "bottom right": lambda w, h: (2, 2 + w, -2 - h, -2),
    "top left": lambda w, h: (-2 - w, -2, 2, 2 + h),
    "bottom left": lambda w, h: (-2 - w, -2, -2 - h, -2),
    "middle right": lambda w, h: (5, 5 + w, -h / 2, h / 2),
    "middle left": lambda w, h: (-5 - w, -5, -h / 2, h / 2),
    "top center": lambda w, h: (-w / 2, w / 2, 5, 5 + h),
    "bottom center": lambda w, h: (-w / 2, w / 2, -5 - h, -5),
}


def place_labels(
    points: list[tuple[float, float]], texts: list[str], px_per_unit: float, size: int = 12
) -> list[str]:
    """A textposition per label, so that labels of nearby nations do not overlap (Europe).

    Greedy, in the order given (the major powers first): each label takes the first place of
    :data:`LABEL_PLACES` whose box (``0.6 size`` px per character, ``1.2 size`` px high)
    overlaps no label placed before it, else the place that overlaps them least.
    """
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for (x, y), text in zip(points, texts, strict=True):
        w, h = 0.6 * size * len(text), 1.2 * size
        cx, cy = x * px_per_unit, y * px_per_unit
        best, best_overlap = "top right", float("inf")
        for name, box in LABEL_PLACES.items():
            x0, x1, y0, y1 = box(w, h)
            b = (cx + x0, cx + x1, cy + y0, cy + y1)
            overlap = sum(
                max(0.0, min(b[1], p[1]) - max(b[0], p[0]))
                * max(0.0, min(b[3], p[3]) - max(b[2], p[2]))
                for p in placed
            )
            if overlap < best_overlap:
                best, best_overlap, best_box = name, overlap, b
            if overlap == 0:
                break
        placed.append(best_box)
        out.append(best)
    return out


def map_labels(
    run: Run, pos: dict[str, tuple[float, float]], labelled: list[str], height: int = HEIGHT
) -> dict:
    """The names of the major powers and of the nations in ``labelled``, as a text trace,
    each placed where it overlaps the others least (:func:`place_labels`)."""
    labels = list(run.majors) + [c for c in labelled if c in pos and c not in run.majors]
    xr, yr = map_extent(run)
    px_per_unit = min((WIDTH - 4) / (xr[1] - xr[0]), (height - 34) / (yr[1] - yr[0]))
    texts = [run.names[c] for c in labels]
    return {
        "type": "scatter",
        "mode": "text",
        "x": [pos[c][0] for c in labels],
        "y": [pos[c][1] for c in labels],
        "text": texts,
        "textposition": place_labels([pos[c] for c in labels], texts, px_per_unit),
        "textfont": {"size": 12, "color": "#111"},
        "hoverinfo": "skip",
        "showlegend": False,
    }


def map_layout(run: Run, title: str, height: int = HEIGHT) -> dict:
    """The map's layout: the world's own extent, no axes, the legend in the lower left."""
    xr, yr = map_extent(run)
    return _layout(
        run,
        title,
        height,
        margin={"l": 2, "r": 2, "t": 32, "b": 2},
        legend={"font": LEGEND_FONT, "x": 0, "y": 0, "bgcolor": "rgba(255,255,255,0.8)"},
        xaxis={"range": xr, "visible": False},
        yaxis={"range": yr, "visible": False, "scaleanchor": "x"},
        showlegend=True,
    )


#: the tables a class can download
TABLES = ("nations.csv", "world.csv", "timeline.csv")


@functools.lru_cache(maxsize=16)
def table_csv(run: Run, other: Run | None, name: str) -> bytes:
    """One table of :func:`tables_csv`, as UTF-8 bytes (written once per run, on request)."""
    return tables_csv(run, other)[name].encode()


def tables_csv(run: Run, other: Run | None) -> dict[str, str]:
    """CSV texts a class can take away: the nations by year, the world by year, the events."""
    nations = (
        run.share.stack()
        .rename("share_pct")
        .to_frame()
        .join(run.milex.stack().rename("milex_usd_bn"))
        .join(run.bloc.stack().rename("bloc"))
        .reset_index()
    )
    nations.insert(1, "year", nations["step"] + run.start_year)
    if other is not None:
        ghost = other.share.stack().rename("share_pct_without_change").reset_index()
        nations = nations.merge(ghost, on=["step", "iso3"], how="left")
    events = [(e.year, e.kind, e.text) for e in run.timeline]
    return {
        "nations.csv": nations.to_csv(index=False),
        "world.csv": run.world.reset_index().to_csv(index=False),
        "timeline.csv": pd.DataFrame(events, columns=["year", "kind", "what"]).to_csv(index=False),
    }
