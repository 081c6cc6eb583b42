"""Figures drawn from the written tables of a run directory (never from a live model)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402

from sim.output import atomic_write  # noqa: E402
from sim.worlds import MAP_FILE  # noqa: E402

RUN_TIE_COLOUR = "#111111"
MAJOR_COLOURS = {"USA": "#1f4e99", "CHN": "#c0392b", "RUS": "#7d3c98"}
BLOC_COLOURS = plt.get_cmap("tab10").colors

# Robinson projection table (Robinson 1974): parallels every 5 degrees
_ROB_LAT = np.arange(0, 91, 5)
_ROB_X = np.array(
    [
        1.0000,
        0.9986,
        0.9954,
        0.9900,
        0.9822,
        0.9730,
        0.9600,
        0.9427,
        0.9216,
        0.8962,
        0.8679,
        0.8350,
        0.7986,
        0.7597,
        0.7186,
        0.6732,
        0.6213,
        0.5722,
        0.5322,
    ]
)
_ROB_Y = np.array(
    [
        0.0000,
        0.0620,
        0.1240,
        0.1860,
        0.2480,
        0.3100,
        0.3720,
        0.4340,
        0.4958,
        0.5571,
        0.6176,
        0.6769,
        0.7346,
        0.7903,
        0.8435,
        0.8936,
        0.9394,
        0.9761,
        1.0000,
    ]
)


def robinson(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robinson projection of (lat, lon) in degrees to plane coordinates (Earth radius 1)."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    a = np.abs(lat)
    x = 0.8487 * np.interp(a, _ROB_LAT, _ROB_X) * np.radians(lon)
    y = 1.3523 * np.interp(a, _ROB_LAT, _ROB_Y) * np.sign(lat)
    return x, y


@functools.cache
def country_outlines() -> list[tuple[np.ndarray, np.ndarray]]:
    """Country outlines (Natural Earth 1:110m) in Robinson coordinates, for drawing only."""
    data = json.loads(MAP_FILE.read_text())
    return [
        robinson(ring[:, 1], ring[:, 0])
        for ring in (np.asarray(r, float) for r in data["rings_lonlat"])
    ]


def draw_world(ax: plt.Axes) -> None:
    """Land, graticule and the outline of the Robinson projection on ``ax``."""
    land = [np.column_stack(ring) for ring in country_outlines()]
    # one collection, not an artist per country: the same picture, drawn far faster
    ax.add_collection(
        PolyCollection(land, facecolor="#eeeeea", edgecolor="#c8c8c0", lw=0.4, zorder=0)
    )
    for lat in range(-60, 91, 30):
        x, y = robinson(np.full(181, lat), np.linspace(-180, 180, 181))
        ax.plot(x, y, color="0.9", lw=0.5, zorder=0)
    for lon in range(-180, 181, 30):
        x, y = robinson(np.linspace(-90, 90, 181), np.full(181, lon))
        ax.plot(x, y, color="0.9" if abs(lon) < 180 else "0.6", lw=0.5, zorder=0)


def _save(fig: plt.Figure, path: Path) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=150, bbox_inches="tight", format="png"))
    plt.close(fig)


def spending_figure(nations: pd.DataFrame, names: dict[str, str]) -> plt.Figure:
    """Defence share of GDP over time: the major powers labelled, the others in grey."""
    fig, ax = plt.subplots(figsize=(8, 4.8))
    wide = nations.pivot(index="year", columns="iso3", values="share") * 100
    top = nations[nations["step"] == nations["step"].min()].nlargest(8, "milex")["iso3"]
    labelled = [c for c in MAJOR_COLOURS if c in wide] + [c for c in top if c not in MAJOR_COLOURS]
    for code in wide.columns.difference(labelled):
        ax.plot(wide.index, wide[code], color="0.82", lw=0.7, zorder=1)
    for code in (c for c in labelled if c in MAJOR_COLOURS):
        ax.plot(
            wide.index,
            wide[code],
            color=MAJOR_COLOURS[code],
            lw=2.6,
            label=names.get(code, code),
            zorder=4,
        )
    others = plt.get_cmap("Dark2").colors
    for k, code in enumerate(c for c in labelled if c not in MAJOR_COLOURS):
        ax.plot(
            wide.index,
            wide[code],
            color=others[k % len(others)],
            lw=1.3,
            label=names.get(code, code),
            zorder=3,
        )
    top_of_axis = max(12.0, 1.25 * float(wide[labelled].max().max()))
    off_scale = [
        f"{names.get(c, c)} ({wide[c].max():.0f}%)"
        for c in wide.columns
        if wide[c].max() > top_of_axis
    ]
    ax.set_ylim(0, top_of_axis)
    if off_scale:
        ax.text(
            0.01,
            0.98,
            "off scale: " + ", ".join(off_scale),
            transform=ax.transAxes,
            fontsize=7,
            va="top",
            color="0.4",
        )
    ax.set_xlabel("year")
    ax.set_ylabel("defence spending (% of GDP)")
    ax.set_title("Defence spending: major powers (thick) and the largest spenders")
    ax.legend(fontsize=8, ncol=2, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(alpha=0.3)
    return fig


def draw_alliance_map(
    ax: plt.Axes,
    graph: nx.Graph,
    nations: pd.DataFrame,
    year: int,
    n_labels: int = 14,
) -> None:
    """Draw the alliance network on a Robinson projection on ``ax``.

    ``nations`` has one row per node of ``graph``, indexed by ISO3, with columns ``name, lat,
    lon, capability, bloc, major_power``. Node area is capability, colour is bloc (named after
    its most capable member), treaty ties are grey and ties formed in the run black and dashed;
    the major powers and the most capable nations are labelled where the labels do not collide.
    Used by the run's figure and by the teaching page.
    """
    draw_world(ax)
    for lat in (-90, 90):  # the flat poles close the projection's outline
        x, y = robinson(np.full(181, lat), np.linspace(-180, 180, 181))
        ax.plot(x, y, color="0.6", lw=0.5, zorder=0)
    nations = nations.loc[list(graph.nodes)]
    px, py = robinson(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    pos = {code: (px[i], py[i]) for i, code in enumerate(nations.index)}
    segments: dict[bool, list] = {True: [], False: []}  # treaty ties, ties formed in the run
    for a, b, d in graph.edges(data=True):
        segments[bool(d.get("treaty"))].append([pos[a], pos[b]])
    ax.add_collection(
        LineCollection(segments[True], colors="0.55", lw=0.3, ls="-", alpha=0.45, zorder=1)
    )
    ax.add_collection(
        LineCollection(
            segments[False], colors=RUN_TIE_COLOUR, lw=1.5, ls="--", alpha=0.95, zorder=1
        )
    )
    cap = nations["capability"].to_numpy(float)
    bloc = nations["bloc"].to_numpy(int)
    size = _dot_area(cap, cap.max())
    colours = [BLOC_COLOURS[b % 10] if b >= 0 else "white" for b in bloc]
    ax.scatter(px, py, s=size, c=colours, edgecolors="0.2", linewidths=0.6, zorder=2)
    major = nations["major_power"].to_numpy(bool)
    for i in _label_rows(cap, major, px, py, n_labels):
        ax.annotate(
            nations["name"].iloc[i],
            (px[i], py[i]),
            fontsize=8,
            xytext=(5, 3),
            textcoords="offset points",
            zorder=3,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6},
        )
    handles = [
        plt.Line2D([], [], color="0.55", lw=1, label="treaty tie (NATO, CSTO, ...)"),
        plt.Line2D([], [], color=RUN_TIE_COLOUR, lw=1.5, ls="--", label="tie formed in this run"),
    ]
    for b in sorted(set(bloc[bloc >= 0]))[:8]:
        members = np.flatnonzero(bloc == b)
        leader = nations["name"].iloc[members[np.argmax(cap[members])]]
        handles.append(
            plt.Line2D(
                [],
                [],
                marker="o",
                ls="",
                color=BLOC_COLOURS[b % 10],
                markeredgecolor="0.2",
                label=f"bloc led by {leader} ({len(members)} nations)",
            )
        )
    handles.append(
        plt.Line2D([], [], marker="o", ls="", color="white", markeredgecolor="0.2", label="no ally")
    )
    ax.add_artist(
        ax.legend(handles=handles, fontsize=8, loc="lower left", frameon=True, framealpha=0.9)
    )
    keys = _size_keys(cap.max())
    ax.legend(
        handles=[
            plt.Line2D(
                [],
                [],
                marker="o",
                ls="",
                color="0.85",
                markeredgecolor="0.2",
                markersize=float(np.sqrt(_dot_area(np.array([k]), cap.max())[0])),
                label=_usd(k),
            )
            for k in keys
        ],
        title="capability (US$)",
        fontsize=8,
        title_fontsize=8,
        loc="lower right",
        frameon=True,
        framealpha=0.9,
        labelspacing=1.2,
        borderpad=0.8,
    )
    ax.set_title(f"Alliances in {year}: dot size = military capability, colour = bloc", fontsize=11)
    ax.set_xlim(-2.75, 2.75)
    ax.set_ylim(-1.42, 1.42)
    ax.set_aspect("equal")
    ax.axis("off")


def _dot_area(capability: np.ndarray, largest: float) -> np.ndarray:
    """Marker area (points^2): ``12 + 700 sqrt(K / K_max)``, so small states stay visible."""
    if largest <= 0:
        return np.full(len(capability), 12.0)
    return 12 + 700 * np.sqrt(capability / largest)


def _size_keys(largest: float) -> list[float]:
    """Capabilities for the size key: the largest 1-2-5 value up to ``largest``, / 10, / 100."""
    if not np.isfinite(largest) or largest <= 0:
        return []
    exponent = np.floor(np.log10(largest))
    top = max(m for m in (1, 2, 5, 10) if m * 10**exponent <= largest) * 10**exponent
    return [top, top / 10, top / 100]


def _usd(value: float) -> str:
    for unit, scale in (("tn", 1e12), ("bn", 1e9), ("mn", 1e6)):
        if value >= scale:
            return f"{value / scale:g} {unit}"
    return f"{value:g}"


def _label_rows(
    capability: np.ndarray, major: np.ndarray, x: np.ndarray, y: np.ndarray, n: int
) -> list[int]:
    """The major powers, then the most capable nations whose label would not sit on another."""
    order = list(np.flatnonzero(major)) + [
        int(i) for i in np.argsort(-capability, kind="stable") if not major[i]
    ]
    rows: list[int] = []
    for i in order:
        if len(rows) >= n:
            break
        if all(abs(x[i] - x[j]) > 0.35 or abs(y[i] - y[j]) > 0.09 for j in rows):
            rows.append(int(i))
    return rows


def network_map_figure(graph: nx.Graph, final: pd.DataFrame) -> plt.Figure:
    """The alliance network in the last recorded year, from the graph and the nation table."""
    fig, ax = plt.subplots(figsize=(11, 5.8))
    attrs = pd.DataFrame.from_dict(dict(graph.nodes(data=True)), orient="index")
    nations = attrs.join(final.set_index("iso3")[["capability", "bloc"]])
    nations["major_power"] = nations["major_power"].fillna(False).astype(bool)
    draw_alliance_map(ax, graph, nations, int(final["year"].iloc[0]))
    return fig


def draw_blocs(top: plt.Axes, bottom: plt.Axes, world: pd.DataFrame) -> None:
    """Blocs and polarity (``top``) and ties formed and dissolved each year (``bottom``).

    ``world`` is the world table. Used by the run's figure and by the teaching page.
    """
    top.step(world["year"], world["n_blocs"], where="post", color="#2c3e50", lw=2, label="blocs")
    top.plot(
        world["year"],
        world["polarity"],
        color="#16a085",
        lw=2,
        marker=".",
        label="polarity (effective number of poles)",
    )
    top.set_ylabel("count")
    top.set_ylim(0, max(world["n_blocs"].max(), world["polarity"].max()) * 1.15 + 0.5)
    top.legend(frameon=False, fontsize=8, loc="lower left")
    top.grid(alpha=0.3)
    top.set_title("Blocs and polarity", fontsize=11)
    bottom.bar(world["year"], world["ties_formed"], color="#27ae60", label="ties formed")
    bottom.bar(world["year"], -world["ties_dissolved"], color="#c0392b", label="ties dissolved")
    bottom.axhline(0, color="0.3", lw=0.6)
    most = max(world["ties_formed"].max(), world["ties_dissolved"].max(), 1)
    bottom.set_ylim(-most * 1.1 - 0.5, most * 1.9 + 0.5)  # headroom for the legend
    bottom.set_ylabel("ties per year")
    bottom.set_xlabel("year")
    bottom.legend(frameon=False, fontsize=8, loc="upper left", ncols=2)


def blocs_figure(world: pd.DataFrame) -> plt.Figure:
    """Number of blocs and polarity over time, with ties formed and dissolved each year."""
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(8, 5.6), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    draw_blocs(top, bottom, world)
    return fig


def run_figures(run_dir: Path) -> list[Path]:
    """Write ``figures/spending.png``, ``figures/network_map.png`` and ``figures/blocs.png``."""
    run_dir = Path(run_dir)
    nations = pd.read_parquet(run_dir / "nations.parquet")
    world = pd.read_parquet(run_dir / "world.parquet")
    graph = nx.read_graphml(run_dir / "alliances_final.graphml")
    names = {n: d.get("name", n) for n, d in graph.nodes(data=True)}
    final = nations[nations["step"] == nations["step"].max()]
    out = run_dir / "figures"
    paths = []
    for name, fig in (
        ("spending", spending_figure(nations, names)),
        ("network_map", network_map_figure(graph, final)),
        ("blocs", blocs_figure(world)),
    ):
        paths.append(out / f"{name}.png")
        _save(fig, paths[-1])
    return paths
