"""The page's Plotly widgets: plotly.js loaded once per browser; a run stepped in the browser.

Plotly's own ``FigureWidget`` sends its whole 5 MB browser bundle through the websocket for every
figure (four per page, on every page load) and validates each update in Python. These widgets
ship a few kB of JavaScript; the browser loads plotly.js once from Solara's asset cache (``make
app`` puts the copy that the plotly package ships there) and keeps it in its HTTP cache.

- :class:`PlotlyView`: one chart, redrawn with ``Plotly.react`` when its ``figure`` changes
  (the class mode);
- :class:`RunView`: a whole run (:func:`sim.app.frames.explorer_frames`) with its step bar
  (Back, Step, Play, Start, the year slider), its status line and its charts. The line charts
  are plain SVG (:mod:`sim.app.linechart`), written once per run: a new run is one ``innerHTML``
  of a few dozen elements per chart, not a ``Plotly.react`` (~74 ms of script for the three).
  A Step, a Play tick or a move of the year slider is drawn in the browser alone, in one
  animation frame: the line charts rewrite their title and move their year marker and a white
  shade over the years to come (HTML elements above the plot, moved by CSS transforms on their
  own compositor layers: nothing is laid out or repainted again); the map draws its land and
  names with Plotly once per world and its dots and ties as SVG elements in Plotly's scatter
  layer, and a Step sets their radius, colour and visibility from that year's arrays. The
  legends are HTML (a click on a row hides or shows its traces); a line chart's PNG button
  draws its SVG, cut at the year shown and with its legend, on a canvas; the map's camera has
  Plotly draw it. The year shown reaches the server (``year``) 2 s after the last change;
  the page's timeline rows (``.timeline-row[data-step]``) are greyed and the settings link's
  ``year=`` is rewritten in the browser, so a Step renders nothing on the server.
"""

from __future__ import annotations

import anywidget
import plotly
import solara.server.settings
import traitlets

from sim.app.linechart import LINE_CHART_JS
from sim.app.served import PATH, publish

#: where the page's browser finds plotly.js: Solara's asset cache (filled by the Makefile)
PLOTLY_PACKAGE = f"plotly.js-dist-min@{plotly.offline.get_plotlyjs_version()}"
PLOTLY_PATH = f"/_solara/cdn/{PLOTLY_PACKAGE}/plotly.min.js"
#: the server's root path (the start of the page's own URLs)
ROOT_PATH = solara.server.settings.main.root_path or ""
#: plotly.js under the server's root path
PLOTLY_URL = ROOT_PATH + PLOTLY_PATH

_LOADER = """
function loadPlotly(url) {
  if (!window.__plotlyLoading) {
    window.__plotlyLoading = new Promise((resolve, reject) => {
      if (window.Plotly) { resolve(window.Plotly); return; }
      const define = window.define;  // plotly.min.js is UMD: load it as a plain global
      window.define = undefined;
      const s = document.createElement("script");
      s.src = url;
      s.onload = () => { window.define = define; resolve(window.Plotly); };
      s.onerror = (e) => { window.define = define; reject(e); };
      document.head.appendChild(s);
    });
  }
  return window.__plotlyLoading;
}
"""

_ESM = (
    _LOADER
    + """
async function render({ model, el }) {
  const Plotly = await loadPlotly(model.get("plotly_url"));
  const div = document.createElement("div");
  el.appendChild(div);
  const draw = () => {
    const figure = model.get("figure") || {};
    const layout = Object.assign({}, figure.layout || {});
    const background = model.get("background");
    if (background && background.source) { layout.images = [background]; }
    Plotly.react(div, figure.data || [], layout, model.get("config"));
  };
  draw();
  model.on("change:figure", draw);
  model.on("change:background", draw);
  return () => Plotly.purge(div);
}
export default { render };
"""
)


class PlotlyView(anywidget.AnyWidget):
    """One Plotly chart: ``figure`` (data and layout), ``background`` (a layout image)."""

    _esm = _ESM
    plotly_url = traitlets.Unicode(PLOTLY_PATH).tag(sync=True)
    figure = traitlets.Dict().tag(sync=True)
    background = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict().tag(sync=True)


_RUN_ESM = (
    _LOADER
    + LINE_CHART_JS
    + """
// a line chart shown in year `year`: the title rewritten, the white shade over the years after
// it and the year marker moved (HTML elements above the plot: the SVG is not redrawn)
function showYear(v, year) {
  if (v.title) v.title.textContent = v.spec.title.replace("{year}", year);
  const g = v.geo;
  if (!g) return;
  const empty = !v.spec.data.length;  // nothing to hide (the note "no policy change")
  v.cover.style.display = empty ? "none" : "";
  v.marker.style.display = empty ? "none" : "";
  const right = g.l + g.w;
  const left = Math.max(g.l, Math.min(g.x2p(year + 0.5), right));
  // the cover spans the plot area once per drawing; a Step moves it, and the marker, with a
  // transform of their own compositor layers: nothing is laid out or repainted again
  const box = `${g.l},${g.t},${g.w},${g.h}`;
  if (v.coverBox !== box) {
    v.coverBox = box;
    Object.assign(v.cover.style, {
      left: `${g.l}px`, width: `${g.w}px`, top: `${g.t}px`, height: `${g.h}px`,
    });
    Object.assign(v.marker.style, { left: "0px", top: `${g.t}px`, height: `${g.h}px` });
  }
  v.shade.style.transform = `translateX(${left - g.l}px)`;  // clipped by the cover's box
  const line = g.x2p(year);
  v.marker.style.transform = `translateX(${line}px)`;
  v.marker.style.visibility = line >= g.l && line <= right ? "visible" : "hidden";
}
// a line chart's legend in HTML beside the plot: one row per trace with a name, a click on a
// row hides or shows its traces (its legend group) in the SVG; returns its width
function lineLegend(v, data) {
  v.off = new Set();
  const rows = lcLegendRows(data);
  const key = rows.map(([t]) => t.name).join("\\n");
  if (key === v.legendKey) {  // the same rows (a new run of the same charts): keep them
    for (const row of v.lineLegend.children) row.classList.remove("rv-off");
    return v.legendWidth;
  }
  v.lineLegend.replaceChildren(...rows.map(([t, group]) => {
    const row = document.createElement("div");
    row.className = "rv-legend-row";
    const swatch = document.createElement("span");
    swatch.className = "rv-swatch";
    const line = t.line || {}, marker = t.marker || {};
    if (t.type === "bar") {
      Object.assign(swatch.style, { width: "10px", height: "10px", background: marker.color });
    } else if ((t.mode || "").includes("lines")) {
      const dash = { dot: "dotted", dash: "dashed" }[line.dash] || "solid";
      const width = Math.min(Math.max(line.width || 2, 2), 3);
      Object.assign(swatch.style, {
        width: "24px", height: "0", borderTop: `${width}px ${dash} ${line.color || "#444"}`,
        opacity: t.opacity === undefined ? 1 : t.opacity,
      });
    } else {  // markers: the event triangles
      swatch.textContent = "\u25b2";
      Object.assign(swatch.style, { color: marker.color, fontSize: "11px", width: "24px" });
    }
    row.append(swatch, document.createTextNode(t.name));
    row.onclick = () => {
      const off = row.classList.toggle("rv-off");
      if (off) v.off.add(group); else v.off.delete(group);
      const selector = `[data-group="${CSS.escape(group)}"]`;
      for (const e of v.plot.querySelectorAll(selector)) e.style.display = off ? "none" : "";
    };
    return row;
  }));
  v.legendKey = key;
  v.legendWidth = rows.length ? v.lineLegend.offsetWidth : 0;
  return v.legendWidth;
}
// a line chart drawn as SVG (sim.app.linechart) for the whole run, in year `year`: the legend
// in HTML in the plot's right margin
function drawLines(v, year) {
  const layout = v.spec.layout, margin = layout.margin || {};
  const width = lineLegend(v, v.spec.data);
  v.margin = Object.assign({}, margin, { r: Math.max(margin.r || 0, width + 14) });
  Object.assign(v.lineLegend.style, {
    left: `${layout.width - v.margin.r + 10}px`,
    top: `${margin.t || 0}px`,
    maxHeight: `${layout.height - (margin.t || 0) - 4}px`,
  });
  const title = v.spec.title.replace("{year}", year);
  v.plot.innerHTML = lcSvg(v.spec, { margin: v.margin, title });
  v.title = v.plot.querySelector(".gtitle");
  v.geo = lcGeometry(v.spec, v.margin);
  showYear(v, year);
}
// the map in step k, as sim.app.charts.map_chart draws it on the server
function mapFigure(m, k, year, image) {
  const data = mapTraces(m, k);
  data.push(m.labels);
  return [data, mapLayout(m, year, image)];
}
// the map's layout in `year` (its title), with the land `image`
function mapLayout(m, year, image) {
  const layout = Object.assign({}, m.layout);
  layout.title = Object.assign({}, m.layout.title, { text: m.title.replace("{year}", year) });
  layout.showlegend = false;  // an HTML legend (legendRows): Plotly's costs ~40 ms a redraw
  if (image && image.source) layout.images = [image];
  return layout;
}
// the map's ties and dots in step k, one trace per bloc
function mapTraces(m, k) {
  const size = m.size[k], bloc = m.bloc[k], share = m.share[k], order = m.order[k];
  const seg = [[[], []], [[], []]];
  for (const [a, b, formed, first, end] of m.ties) {
    if (first <= k && k < end) {
      const s = seg[formed];
      s[0].push(m.x[a], m.x[b], null);
      s[1].push(m.y[a], m.y[b], null);
    }
  }
  const data = m.tie_traces.map((t, f) => Object.assign({}, t, { x: seg[f][0], y: seg[f][1] }));
  for (let b = 0; b <= m.blocs; b++) {
    const members = order.filter((i) => (b < m.blocs ? bloc[i] === b : bloc[i] >= b));
    const name = b < m.blocs && members.length
      ? `bloc led by ${m.names[members[0]]} (${members.length})`
      : (b === m.blocs ? "other blocs" : `bloc ${b + 1}`);
    data.push({
      type: "scatter", mode: "markers", name, hoverinfo: "text", showlegend: members.length > 0,
      x: members.map((i) => m.x[i]), y: members.map((i) => m.y[i]),
      marker: {
        size: members.map((i) => size[i]),
        color: b < m.blocs ? m.colours[b % m.colours.length] : "#ffffff",
        line: { color: "#333", width: 0.7 },
      },
      text: members.map((i) => `${m.names[i]}: ${share[i].toFixed(1)}% of GDP`),
    });
  }
  return data;
}
// the map's legend in step k as HTML: the rows of mapFigure's traces (mapTraces), counted
// without building them (a Step: the tie kinds standing, each bloc's leader and size)
function legendRows(m, k) {
  const rows = [];
  const standing = m.tie_traces.map(() => false);
  for (const [, , formed, first, end] of m.ties) if (first <= k && k < end) standing[formed] = true;
  m.tie_traces.forEach((t, f) => {
    if (t.showlegend === false || !t.name || !standing[f]) return;
    const dash = t.line.dash ? "dashed" : "solid";
    const swatch = `border-top: 2px ${dash} ${t.line.color}; width: 18px; height: 0;`;
    rows.push(`<div><span class="rv-swatch" style="${swatch}"></span>${t.name}</div>`);
  });
  const bloc = m.bloc[k], count = new Array(m.blocs + 1).fill(0), lead = [];
  for (const i of m.order[k]) {  // in order of capability: a bloc's first is its leader
    const b = Math.min(bloc[i], m.blocs);
    if (b < 0) continue;
    if (!count[b]) lead[b] = i;
    count[b]++;
  }
  for (let b = 0; b <= m.blocs; b++) {
    if (!count[b]) continue;
    const name = b < m.blocs ? `bloc led by ${m.names[lead[b]]} (${count[b]})` : "other blocs";
    const colour = b < m.blocs ? m.colours[b % m.colours.length] : "#ffffff";
    const swatch = `background: ${colour}; border: 1px solid #333; width: 9px; ` +
      "height: 9px; border-radius: 50%;";
    rows.push(`<div><span class="rv-swatch" style="${swatch}"></span>${name}</div>`);
  }
  return rows.join("");
}
// the map as a PNG of the step shown, with Plotly's own legend (the page draws it in HTML and
// its dots in SVG: the PNG is drawn by Plotly from the full figure of mapFigure)
function mapImage(v, name, k, year, image) {
  const [data, layout] = mapFigure(v.spec, k, year, image);
  layout.showlegend = true;
  Plotly.downloadImage({ data, layout }, { format: "png", filename: name, scale: 2 });
}
const SVG = "http://www.w3.org/2000/svg";
// ms the year shown rests before the browser tells the server (each message costs both ends: the
// page's send, the server's echo and its busy and idle status; nothing the server draws needs
// it at once, as the browser keeps the timeline and the settings link up to date itself)
const SYNC_MS = 2000;
// the map's dots and ties as SVG elements drawn once per run, in Plotly's own scatter layer
// (under the names, clipped to the plot): a Step sets their radius, colour, order and
// visibility (a Plotly.react of the map cost ~40 ms of script a Step, this well under 1 ms)
function buildDots(v) {
  const m = v.spec;
  let d = v.dots;
  if (!d || d.circles.length !== m.x.length) {  // a new world: new dots (else reused)
    if (d) d.g.remove();
    const g = document.createElementNS(SVG, "g");
    g.setAttribute("class", "rv-dots");
    const ties = document.createElementNS(SVG, "g");
    // treaty ties under the ties formed in the run, as Plotly draws their two traces
    const kinds = m.tie_traces.map(() => document.createElementNS(SVG, "g"));
    ties.append(...kinds);
    const dots = document.createElementNS(SVG, "g");
    g.append(ties, dots);
    const circles = m.x.map(() => {
      const c = document.createElementNS(SVG, "circle");
      c.setAttribute("stroke", "#333");
      c.setAttribute("stroke-width", 0.7);
      dots.appendChild(c);
      return c;
    });
    d = v.dots = {
      g, ties, kinds, dots, circles, lines: [], byKey: new Map(), px: [], py: [], order: "",
      r: [], fill: [],
    };
  }
  // one line per tie (the pair, its kind and its how-many-th span), kept from run to run: a new
  // run of the world reuses the lines of the ties it shares (most of them: the treaty ties), so
  // only its new ties are made and placed (a run has ~570 ties; setting each line's four
  // coordinates and four styles again was most of the map's script per new run)
  const seen = new Map(), used = new Set();
  d.lines = m.ties.map(([a, b, formed]) => {
    const pair = `${a},${b},${formed}`;
    const n = seen.get(pair) || 0;
    seen.set(pair, n + 1);
    const key = `${pair},${n}`;
    let l = d.byKey.get(key);
    if (!l) {
      l = document.createElementNS(SVG, "line");
      const t = m.tie_traces[formed];
      l.setAttribute("stroke", t.line.color);
      l.setAttribute("stroke-width", t.line.width);
      l.setAttribute("stroke-opacity", t.opacity === undefined ? 1 : t.opacity);
      const dash = 3 * t.line.width;
      l.setAttribute("stroke-dasharray", t.line.dash ? `${dash},${dash}` : "none");
      l.style.display = "none";
      l.ends = [a, b];
      d.kinds[formed].appendChild(l);
      d.byKey.set(key, l);
    }
    used.add(l);
    return l;
  });
  for (const l of d.byKey.values()) {  // the lines of ties this run does not have
    if (!used.has(l) && l.style.display !== "none") l.style.display = "none";
  }
  d.k = -1;
}
// the dots placed on the plot's axes (once per drawing of the map: a zoom moves them)
function placeDots(v) {
  const d = v.dots, full = v.plot._fullLayout;
  if (!d || !full || !full.xaxis) return;
  if (!d.g.isConnected) {
    const layer = v.plot.querySelector(".scatterlayer");
    if (!layer) return;
    layer.insertBefore(d.g, layer.firstChild);
  }
  const xa = full.xaxis, ya = full.yaxis, m = v.spec;
  const px = m.x.map((x) => xa.l2p(x)), py = m.y.map((y) => ya.l2p(y));
  const where = `${px.join()};${py.join()}`;
  if (where !== d.where) {  // a new world or a zoom (a new run of the same world: the same)
    d.where = where;
    d.placed = (d.placed || 0) + 1;
    d.circles.forEach((c, i) => {
      c.setAttribute("cx", px[i].toFixed(1));
      c.setAttribute("cy", py[i].toFixed(1));
    });
  }
  d.px = px;
  d.py = py;
  for (const l of d.lines) {  // the lines not yet placed where the dots are now
    if (l.placed === d.placed) continue;
    l.placed = d.placed;
    const [a, b] = l.ends;
    l.setAttribute("x1", px[a].toFixed(1));
    l.setAttribute("y1", py[a].toFixed(1));
    l.setAttribute("x2", px[b].toFixed(1));
    l.setAttribute("y2", py[b].toFixed(1));
  }
}
// the children of `parent` put in the order of `nodes`, moving as few as possible: those
// outside a longest run of them already in order (a moved node is laid out and painted again;
// re-appending all 146 dots whenever two of them swapped repainted the whole map every Step)
function reorder(parent, nodes) {
  const at = new Map();
  Array.prototype.forEach.call(parent.children, (c, i) => at.set(c, i));
  const pos = nodes.map((n) => at.get(n));
  const tails = [], back = new Array(nodes.length);  // a longest increasing run of pos
  pos.forEach((p, i) => {
    let lo = 0, hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pos[tails[mid]] < p) lo = mid + 1; else hi = mid;
    }
    back[i] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = i;
  });
  const keep = new Set();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = back[i]) keep.add(i);
  let next = null;
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!keep.has(i)) parent.insertBefore(nodes[i], next);
    next = nodes[i];
  }
}
// the map in step k: the dots' size, bloc colour and order (as mapFigure draws them), the
// ties standing, the title and the HTML legend
function showMap(v, k, year) {
  const m = v.spec, d = v.dots;
  const text = m.title.replace("{year}", year);
  if (v.plot.layout && v.plot.layout.title) v.plot.layout.title.text = text;
  const title = v.plot.querySelector(".gtitle");
  if (title) title.textContent = text;
  if (!d || d.k === k) return;
  d.k = k;
  const size = m.size[k], bloc = m.bloc[k], order = m.order[k];
  const group = (i) => Math.min(bloc[i], m.blocs);
  const drawn = [];
  for (let b = 0; b <= m.blocs; b++) {
    for (const i of order) if (group(i) === b) drawn.push(i);
  }
  for (const i of drawn) {  // only what changed since the year drawn last (most dots keep both)
    const r = size[i] / 2;
    const fill = bloc[i] < m.blocs ? m.colours[bloc[i] % m.colours.length] : "#ffffff";
    if (d.r[i] !== r) {
      d.r[i] = r;
      d.circles[i].setAttribute("r", r);
    }
    if (d.fill[i] !== fill) {
      d.fill[i] = fill;
      d.circles[i].setAttribute("fill", fill);
    }
  }
  const key = drawn.join(",");
  if (key !== d.order) {  // the draw order: big dots under small ones, bloc by bloc
    d.order = key;
    reorder(d.dots, drawn.map((i) => d.circles[i]));
  }
  m.ties.forEach(([_a, _b, _f, first, end], j) => {
    const display = first <= k && k < end ? "" : "none";
    if (d.lines[j].style.display !== display) d.lines[j].style.display = display;
  });
  const legend = legendRows(m, k);
  if (legend !== v.legendHtml) {
    v.legendHtml = legend;
    v.legend.innerHTML = legend;
  }
}
// the name and share of the nation under the mouse (the dots are below Plotly's drag layer)
function mapHover(v, tip, event) {
  const d = v.dots, full = v.plot._fullLayout;
  if (!d || !full || d.k < 0) return;
  const box = v.plot.getBoundingClientRect();
  const x = event.clientX - box.left - full.xaxis._offset;
  const y = event.clientY - box.top - full.yaxis._offset;
  const m = v.spec, size = m.size[d.k];
  let best = -1, dist = Infinity;
  for (let i = 0; i < d.px.length; i++) {
    const r = Math.hypot(d.px[i] - x, d.py[i] - y);
    if (r <= size[i] / 2 + 2 && r < dist) { best = i; dist = r; }
  }
  if (best < 0) { tip.style.display = "none"; return; }
  tip.textContent = `${m.names[best]}: ${m.share[d.k][best].toFixed(1)}% of GDP`;
  Object.assign(tip.style, {
    display: "block",
    left: `${event.clientX - box.left + 12}px`,
    top: `${event.clientY - box.top + 12}px`,
  });
}
// a line chart as a PNG of the year shown: its lines cut after it, the year marker and the
// legend drawn in the SVG (on the page the shade, the marker and the legend are HTML)
function lineImage(v, name, year) {
  const svg = lcSvg(v.spec, {
    margin: v.margin, cut: year, marker: year, legend: true, hidden: v.off,
    title: v.spec.title.replace("{year}", year),
  });
  lcPng(svg, v.spec.layout.width, v.spec.layout.height, 2, `${name}.png`);
}
// the value under the mouse on a line chart: the nearest point of a shown trace in the year
// under it (the years to come are under the shade, which takes the mouse)
function lineHover(v, tip, event) {
  const g = v.geo;
  if (!g) return;
  const box = v.plot.getBoundingClientRect();
  const x = event.clientX - box.left, y = event.clientY - box.top;
  const year = Math.round(g.range[0] + ((x - g.l) / g.w) * (g.range[1] - g.range[0]));
  let best = null, dist = 12;
  v.spec.data.forEach((t, i) => {
    const ax = g.axes[t.yaxis || "y"];
    if (!ax || !Array.isArray(t.x) || v.off.has(t.legendgroup || `#${i}`)) return;
    const k = t.x.indexOf(year);
    if (k < 0 || t.y[k] === null) return;
    const r = Math.abs(ax.y2p(t.y[k]) - y);
    if (r < dist) { best = [t, k]; dist = r; }
  });
  if (!best) { tip.style.display = "none"; return; }
  const [t, k] = best;
  const note = (t.hovertext || [])[k];
  tip.textContent = note ? `${year}: ${note.replace(/<br>/g, "; ")}`
    : `${t.name} ${year}: ${Math.abs(t.y[k]) >= 100 ? t.y[k].toFixed(0) : t.y[k].toFixed(2)}`;
  Object.assign(tip.style, { display: "block", left: `${x + 12}px`, top: `${y + 12}px` });
}
function button(bar, label, cls) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.className = "rv-btn " + cls;
  bar.appendChild(b);
  return b;
}
async function render({ model, el }) {
  const Plotly = await loadPlotly(model.get("plotly_url"));
  const root = document.createElement("div");
  root.className = "run-view";
  const bar = document.createElement("div");
  bar.className = "rv-bar";
  const back = button(bar, "Back", "rv-back");
  const forward = button(bar, "Step", "rv-step rv-primary");
  const play = button(bar, "Play", "rv-play");
  const start = button(bar, "Start", "rv-start rv-text");
  const yearBox = document.createElement("label");
  yearBox.className = "rv-year";
  const yearLabel = document.createElement("span");
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = 0;
  slider.step = 1;
  slider.className = "rv-slider";
  yearBox.append(yearLabel, slider);
  bar.appendChild(yearBox);
  const status = document.createElement("div");
  status.className = "status-line run-step";
  const grid = document.createElement("div");
  grid.className = "rv-grid";
  root.append(bar, status, grid);
  el.appendChild(root);

  let F = null, step = model.get("start_step"), views = [], images = model.get("images") || {};
  let queued = false, syncTimer = null, playing = null;
  const last = () => Math.min(F.last_step, F.years);
  const paint = () => {
    queued = false;
    if (!F || !F.charts) return;
    const year = F.start_year + step;
    back.disabled = step <= 0;
    forward.disabled = step >= last();
    slider.max = F.last_step;
    slider.value = step;
    yearLabel.textContent = `Year ${year} (step ${step} of ${F.last_step})`;
    status.textContent = F.status[Math.min(step, F.status.length - 1)];
    for (const v of views) {
      if (v.spec.kind === "map") {
        if (!v.drawn) {  // the land, the names and the title, once per run; the dots in SVG
          const layout = mapLayout(v.spec, year, images[v.name]);
          const data = [structuredClone(v.spec.labels)];
          const image = layout.images ? layout.images[0].source : "";
          const same = JSON.stringify([data, layout.xaxis, layout.yaxis]);
          buildDots(v);  // the new run's dots and ties (the same elements for the same world)
          if (v.plot._fullLayout && same === v.drawnKey && image === v.drawnImage) {
            // a new run of the same world and names: Plotly has nothing to redraw
          } else if (v.plot._fullLayout) {
            Plotly.react(v.plot, data, layout, v.config);
          } else {
            Plotly.newPlot(v.plot, data, layout, v.config);
            v.plot.on("plotly_afterplot", () => placeDots(v));  // a zoom, a new run
          }
          v.drawnKey = same;
          v.drawnImage = image;
          placeDots(v);
          v.drawn = true;
        }
        showMap(v, Math.min(step, F.years), year);
      } else if (!v.drawn) {  // the whole run, once, as SVG
        drawLines(v, year);
        v.drawn = true;
      } else {
        showYear(v, year);
      }
    }
    pageParts();
    root.dataset.run = F.label;  // the run drawn (a test or the benchmark waits for it)
  };
  // the page's timeline (sim.app.page.Timeline) greys the years after the one shown, and its
  // settings link (sim.app.page.SettingsLink) names it: the server writes both with the year
  // it last heard of (SYNC_MS after the last Step), the browser keeps them up to date, at each
  // Step and whenever the server writes them again (a new run: observed, so they are set
  // before they are drawn)
  const pageParts = () => {
    for (const part of document.querySelectorAll(".timeline, .take-away")) {
      if (!watched.has(part)) {
        watched.add(part);
        rewritten.observe(part, { childList: true, subtree: true });
      }
    }
    for (const row of document.querySelectorAll(".timeline-row[data-step]")) {
      row.classList.toggle("timeline-future", Number(row.dataset.step) > step);
    }
    for (const a of document.querySelectorAll("a.settings-link")) {
      const href = a.getAttribute("href") || "";
      const next = href.replace(/([?&])year=\\d+/, `$1year=${step}`);
      if (next !== href) {
        a.setAttribute("href", next);
        a.textContent = next;
      }
    }
  };
  const watched = new WeakSet();
  const rewritten = new MutationObserver(() => { if (F && F.charts) pageParts(); });
  const draw = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(paint);
    }
  };
  const sync = () => {  // the year to the server, once it rests
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => {
      model.set("year", step);
      model.save_changes();
    }, SYNC_MS);
  };
  const show = (k) => {
    const next = Math.max(0, Math.min(k, last()));
    if (next === step) return;
    step = next;
    draw();
    sync();
  };
  const stop = () => {
    clearInterval(playing);
    playing = null;
    play.textContent = "Play";
  };
  const build = (text) => {
    const next = JSON.parse(text || "{}");
    if (F && next.grid && JSON.stringify(next.grid) === JSON.stringify(F.grid)) {
      F = next;  // the same charts: each takes the new run's spec and is redrawn in place
      for (const v of views) {
        v.spec = F.charts[v.name];
        v.drawn = false;
      }
      if (step > last()) {
        step = last();
        sync();
      }
      draw();
      return;
    }
    for (const v of views) if (v.spec.kind === "map") Plotly.purge(v.plot);
    views = [];
    grid.replaceChildren();
    F = next;
    if (!F || !F.charts) return;
    for (const row of F.grid) {
      const r = document.createElement("div");
      r.className = "rv-row";
      for (const column of row) {
        const col = document.createElement("div");
        col.className = "rv-col";
        for (const item of column) {
          const div = document.createElement("div");
          if (F.charts[item]) {
            div.className = `chart chart-${item}`;
            const plot = document.createElement("div");
            const cover = document.createElement("div");  // the plot area, clipping the shade
            cover.className = "rv-cover";
            const shade = document.createElement("div");  // white over the years to come
            shade.className = "rv-shade";
            cover.appendChild(shade);
            const marker = document.createElement("div");
            marker.className = "rv-marker";
            div.append(plot, cover, marker);
            const legend = document.createElement("div");
            legend.className = "rv-legend";
            const lineLegend = document.createElement("div");
            lineLegend.className = "rv-line-legend";
            div.appendChild(F.charts[item].kind === "map" ? legend : lineLegend);
            const isMap = F.charts[item].kind === "map";
            const view = {
              name: item, plot, cover, shade, marker, legend, lineLegend, spec: F.charts[item],
            };
            if (isMap) {  // Plotly's mode bar, its camera drawing the PNG of the year shown
              view.config = {
                displaylogo: false,
                modeBarButtonsToRemove: ["lasso2d", "select2d", "toImage"],
                modeBarButtonsToAdd: [{
                  name: "Download plot as a PNG", icon: Plotly.Icons.camera,
                  click: () => mapImage(
                    view, item, Math.min(step, F.years), F.start_year + step, images[item]),
                }],
              };
              const tip = document.createElement("div");
              tip.className = "rv-tip";
              div.appendChild(tip);
              plot.addEventListener("mousemove", (e) => mapHover(view, tip, e), { passive: true });
              plot.addEventListener("mouseleave", () => { tip.style.display = "none"; });
            } else {  // a line chart: its own PNG button and the values under the mouse
              const png = document.createElement("button");
              png.type = "button";
              png.className = "rv-png";
              png.textContent = "PNG";
              png.title = "Download plot as a PNG";
              png.setAttribute("aria-label", "Download plot as a PNG");
              png.onclick = () => lineImage(view, item, F.start_year + step);
              const tip = document.createElement("div");
              tip.className = "rv-tip";
              div.append(png, tip);
              plot.addEventListener("mousemove", (e) => lineHover(view, tip, e), { passive: true });
              plot.addEventListener("mouseleave", () => { tip.style.display = "none"; });
            }
            views.push(view);
          } else {
            div.className = "rv-heading";
            div.textContent = item;
          }
          col.appendChild(div);
        }
        r.appendChild(col);
      }
      grid.appendChild(r);
    }
    if (step > last()) {
      step = last();
      sync();
    }
    draw();
  };
  back.onclick = () => show(step - 1);
  forward.onclick = () => show(step + 1);
  start.onclick = () => show(0);
  slider.oninput = () => show(Number(slider.value));
  play.onclick = () => {
    if (playing) {
      stop();
      return;
    }
    play.textContent = "Pause";
    playing = setInterval(() => (step >= last() ? stop() : show(step + 1)), F.play_ms);
  };
  // the run's frames: fetched from `frames_url` over HTTP (sim.app.served) when it is set, else
  // the inline `frames`. Only the URL asked for last is drawn: a response that comes after a
  // newer run was asked for is dropped (and its request aborted), so responses out of order
  // never show an older run. A URL the server no longer keeps is asked for again once, after
  // the session has published its frames again (the message `published`).
  let wanted = null, request = null;
  const retried = new Set();
  const load = async () => {
    const url = model.get("frames_url");
    if (request) request.abort();
    if (!url) {
      wanted = null;
      build(model.get("frames"));
      return;
    }
    const mine = request = new AbortController();
    wanted = url;
    let text;
    try {
      const response = await fetch(url, { signal: mine.signal, credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (e) {
      if (wanted === url && !mine.signal.aborted && !retried.has(url)) {
        retried.add(url);
        model.send({ missing: url });  // the session publishes them again, then says so
      }
      return;
    }
    if (wanted !== url) return;  // a newer run was asked for meanwhile
    request = null;
    build(text);
  };
  model.on("msg:custom", (msg) => {
    if (msg && msg.published && msg.published === model.get("frames_url")) load();
  });
  model.on("change:frames_url", load);
  model.on("change:frames", () => { if (!model.get("frames_url")) load(); });
  model.on("change:images", () => {
    images = model.get("images") || {};
    for (const v of views) if (v.spec.kind === "map") v.drawn = false;  // the new land
    draw();
  });
  load();
  return () => {
    if (request) request.abort();
    wanted = null;
    stop();
    clearTimeout(syncTimer);
    rewritten.disconnect();
    for (const v of views) if (v.spec.kind === "map") Plotly.purge(v.plot);
  };
}
export default { render };
"""
)

_RUN_CSS = """
.run-view .rv-bar { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.run-view .rv-btn {
  font: 500 13px Roboto, Helvetica, Arial, sans-serif; letter-spacing: .04em;
  text-transform: uppercase; padding: 4px 10px; border: none; border-radius: 4px;
  background: #e0e0e0; color: #222; cursor: pointer;
}
.run-view .rv-primary { background: #1976d2; color: #fff; }
.run-view .rv-text { background: transparent; }
.run-view .rv-btn:disabled { opacity: .45; cursor: default; }
.run-view .rv-year {
  flex-grow: 1; min-width: 300px; display: flex; align-items: center; gap: 8px; font-size: 13px;
}
.run-view .rv-slider { flex-grow: 1; }
.run-view .status-line { font-size: 14px; margin: 2px 0; }
.run-view .rv-row { display: flex; gap: 4px; }
.run-view .rv-col { flex: 1 1 0; min-width: 0; }
.run-view .chart { min-height: 300px; position: relative; contain: layout paint; }
.run-view .rv-cover { position: absolute; z-index: 1; overflow: hidden; pointer-events: none; }
.run-view .rv-shade {
  position: absolute; left: 0; top: 0; width: 100%; height: 100%; background: #fff;
  pointer-events: auto; will-change: transform;
}
.run-view .rv-marker {
  position: absolute; width: 0; border-left: 1px dotted #555; z-index: 2; pointer-events: none;
  will-change: transform;
}
.run-view .rv-legend {
  position: absolute; left: 4px; bottom: 4px; z-index: 1; font-size: 12px; line-height: 17px;
  background: rgba(255, 255, 255, 0.8); padding: 2px 6px; pointer-events: none;
}
.run-view .rv-tip {
  position: absolute; display: none; z-index: 3; pointer-events: none; font-size: 12px;
  background: #fff; border: 1px solid #999; padding: 1px 5px; white-space: nowrap;
}
.run-view .rv-swatch { display: inline-block; margin-right: 6px; vertical-align: middle; }
.run-view .rv-line-legend {
  position: absolute; z-index: 1; font-size: 12px; line-height: 19px; overflow-y: auto;
  white-space: nowrap; font-family: Helvetica, Arial, sans-serif; color: #444;
}
.run-view .rv-legend-row { cursor: pointer; user-select: none; }
.run-view .rv-legend-row.rv-off { opacity: 0.4; }
.run-view .rv-heading { font-weight: bold; font-size: 14px; }
.run-view .rv-png {
  position: absolute; top: 2px; right: 2px; z-index: 3; font: 11px Helvetica, Arial, sans-serif;
  padding: 1px 5px; border: 1px solid #bbb; border-radius: 3px; background: #fff; color: #444;
  cursor: pointer; opacity: 0; transition: opacity .2s;
}
.run-view .chart:hover .rv-png, .run-view .rv-png:focus { opacity: 1; }
"""


class RunView(anywidget.AnyWidget):
    """A run stepped in the browser.

    ``frames``: the run's frames (JSON, sent once per run through the websocket, the default);
    or, with ``SIM_APP_FRAMES=http``, ``frames_url``: where the browser fetches them
    (:func:`sim.app.frames.frames_url`, served by :mod:`sim.app.served`: the websocket carries
    the URL, not the ~140 kB text), with ``published`` the frames behind it (kept on the
    server, not sent), published again if the browser says the URL is gone. ``images``: the
    maps' land, sent once per world; ``start_step``: the step shown first; ``year``: the step
    shown, reported by the browser (the server never sets it).
    """

    _esm = _RUN_ESM
    _css = _RUN_CSS
    plotly_url = traitlets.Unicode(PLOTLY_PATH).tag(sync=True)
    frames_url = traitlets.Unicode("").tag(sync=True)
    published = traitlets.Unicode("")  # JSON: sim.app.frames.explorer_json (not synced)
    frames = traitlets.Unicode("{}").tag(sync=True)  # JSON: sim.app.frames.explorer_json
    images = traitlets.Dict().tag(sync=True)
    start_step = traitlets.Int(0).tag(sync=True)
    year = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._on_message)

    def _on_message(self, _widget, content, _buffers) -> None:
        """The browser could not fetch ``frames_url`` (the server no longer kept it): publish
        ``published`` again and say so. Any other message, or a URL not this view's, is ignored."""
        if not isinstance(content, dict) or set(content) != {"missing"}:
            return
        url = content["missing"]
        if not self.frames_url or url != self.frames_url or not self.published:
            return
        if ROOT_PATH + PATH + publish(self.published) == url:
            self.send({"published": url})
