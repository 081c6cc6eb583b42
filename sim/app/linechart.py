"""The page's line charts as plain SVG drawn in the browser from :mod:`sim.app.charts`' specs.

Plotly's redraw of the three line charts for a new run was ~74 ms of script per page, and its
many layers (clip paths, drag and hover layers, per-trace groups) most of the raster of a new
run (experiments/app/README.md). :data:`LINE_CHART_JS` draws the same spec (``data`` and
``layout``: lines, step lines, bars, event markers, shapes, annotations, several y axes with
their domains) as one ``<svg>`` of a few dozen elements, written in one ``innerHTML``:

- the x axis is the year, with integer ticks every ``dtick`` (10) years; each y axis has its
  own domain, range and ticks (``dtick``, or 1, 2, 2.5 or 5 times a power of ten, about one per
  45 px, at least three), so counts and polarity keep separate axes;
- a trace's ``line.dash`` ``dot`` / ``dash`` is Plotly's dash pattern (``w,w`` / ``3w,3w`` with
  ``w = max(width, 3)``), ``line.shape`` ``hv`` a step line, bars of a ``relative`` bar mode stack
  up from zero (positive) and down (negative), ``0.8`` of a year wide;
- the event markers are triangles (class ``rv-event``) whose ``<title>`` names what happened;
- the chart title is the ``<text class="gtitle">`` that a Step rewrites (the map's Plotly title
  has the same class).

``lcSvg(spec, opt)`` returns the SVG text; ``opt.cut`` cuts the lines after a year and
``opt.marker`` draws the year marker (for the PNG of the year shown), ``opt.legend`` draws the
legend in the right margin (the page's legend is HTML), ``opt.hidden`` the legend groups hidden.
``lcPng(svg, width, height, scale, filename)`` draws an SVG text on a canvas and downloads it
as a PNG. ``lcGeometry(spec, margin)`` gives the plot area and ``x2p`` (year to pixel) that the
year marker and the white shade of the years to come are placed with.
"""

from __future__ import annotations

LINE_CHART_JS = r"""
const LC_DASH = { dot: (w) => `${w},${w}`, dash: (w) => `${3 * w},${3 * w}` };
let lcClips = 0;
function lcEsc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
// ticks over [lo, hi]: every `dtick`, else 1, 2, 2.5 or 5 times a power of ten, about n of them
function lcTicks(lo, hi, n, dtick) {
  let step = dtick;
  if (!step) {
    const raw = (hi - lo) / Math.max(n, 1);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw * 0.999);
  }
  const out = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) out.push(k * step);
  let digits = 0;
  while (digits < 6 && Math.abs(Math.round(step * 10 ** digits) - step * 10 ** digits) > 1e-6) {
    digits++;
  }
  const label = (t) => (t < -1e-12 ? "\u2212" : "") + Math.abs(t).toFixed(digits);
  return out.map((t) => [t, label(t)]);
}
// the plot area of a spec drawn with `margin`: its box, x2p (x to px) and each y axis
function lcGeometry(spec, margin) {
  const L = spec.layout;
  const l = margin.l, t = margin.t;
  const w = L.width - margin.l - margin.r, h = L.height - margin.t - margin.b;
  const [x0, x1] = L.xaxis.range;
  const x2p = (x) => l + ((x - x0) / (x1 - x0)) * w;
  const axes = {};
  for (const key of Object.keys(L)) {
    if (!/^yaxis\d*$/.test(key)) continue;
    const a = L[key], dom = a.domain || [0, 1], r = a.range || [0, 1];
    const top = t + (1 - dom[1]) * h, bottom = t + (1 - dom[0]) * h;
    const y2p = (y) => bottom - ((y - r[0]) / (r[1] - r[0])) * (bottom - top);
    axes["y" + key.slice(5)] = { a, top, bottom, r, y2p };
  }
  return { l, t, w, h, x2p, axes, range: [x0, x1] };
}
// the rows a legend lists: [trace, legend group key]
function lcLegendRows(data) {
  const rows = [];
  data.forEach((t, i) => {
    if (t.showlegend !== false && t.name) rows.push([t, t.legendgroup || `#${i}`]);
  });
  return rows;
}
function lcDash(line) {
  const f = LC_DASH[line.dash];
  return f ? ` stroke-dasharray="${f(Math.max(line.width || 2, 3))}"` : "";
}
// one trace as SVG elements (in the plot's clip path, events above it)
function lcTrace(t, key, g, opt, out, events) {
  const ax = g.axes[t.yaxis || "y"];
  if (!ax || !Array.isArray(t.x)) return;
  let xs = t.x, ys = t.y || [], notes = t.hovertext || t.text || [];
  if (opt.cut !== undefined && opt.cut !== null) {
    let n = 0;
    while (n < xs.length && xs[n] <= opt.cut) n++;
    xs = xs.slice(0, n);
    ys = ys.slice(0, n);
  }
  const hidden = opt.hidden && opt.hidden.has(key) ? ' display="none"' : "";
  const opacity = t.opacity === undefined ? "" : ` opacity="${t.opacity}"`;
  const group = ` data-group="${lcEsc(key)}"${hidden}${opacity}`;
  const line = t.line || {}, marker = t.marker || {};
  if (t.type === "bar") {
    const half = (0.4 * g.w) / (g.range[1] - g.range[0]);
    const base = opt.bars;  // stacked bars (barmode relative): [positive, negative] per x
    const rects = [];
    xs.forEach((x, i) => {
      const y = ys[i];
      if (x === null || y === null || y === 0) return;
      const stack = base.get(x) || [0, 0];
      const from = y > 0 ? stack[0] : stack[1], to = from + y;
      stack[y > 0 ? 0 : 1] = to;
      base.set(x, stack);
      const a = ax.y2p(from), b = ax.y2p(to);
      rects.push(`<rect x="${(g.x2p(x) - half).toFixed(1)}" width="${(2 * half).toFixed(1)}" ` +
        `y="${Math.min(a, b).toFixed(1)}" height="${Math.abs(a - b).toFixed(1)}"/>`);
    });
    out.push(`<g fill="${marker.color}"${group}><title>${lcEsc(t.name || "")}</title>` +
      `${rects.join("")}</g>`);
    return;
  }
  const mode = t.mode || "lines";
  if (mode.includes("lines")) {
    let d = "", open = false, prev = null;
    xs.forEach((x, i) => {
      const y = ys[i];
      if (x === null || y === null || y === undefined) { open = false; return; }
      const px = g.x2p(x).toFixed(1), py = ax.y2p(y).toFixed(1);
      if (!open) d += `M${px},${py}`;
      else if (line.shape === "hv") d += `H${px}V${py}`;
      else d += `L${px},${py}`;
      open = true;
      prev = [px, py];
    });
    if (d) {
      out.push(`<path d="${d}" fill="none" stroke="${line.color || "#444"}" ` +
        `stroke-width="${line.width || 2}"${lcDash(line)} stroke-linejoin="round"${group}>` +
        `<title>${lcEsc(t.name || "")}</title></path>`);
    }
    if (mode.includes("markers") && prev) {
      const dots = xs.map((x, i) => (x === null || ys[i] === null ? "" :
        `<circle cx="${g.x2p(x).toFixed(1)}" cy="${ax.y2p(ys[i]).toFixed(1)}" r="3"/>`));
      out.push(`<g fill="${line.color || "#444"}"${group}>${dots.join("")}</g>`);
    }
  } else if (mode.includes("markers")) {  // the event triangles, above the plot's clip
    const s = (marker.size || 10) / 2;
    const marks = xs.map((x, i) => {
      const px = g.x2p(x), py = ax.y2p(ys[i]);
      const note = String(notes[i] || "").replace(/<br>/g, "\n");
      return `<path class="rv-event" d="M${px.toFixed(1)},${(py - s).toFixed(1)}` +
        `l${s.toFixed(1)},${(1.7 * s).toFixed(1)}h${(-2 * s).toFixed(1)}z">` +
        `<title>${lcEsc(note)}</title></path>`;
    });
    events.push(`<g fill="${marker.color}"${group}>${marks.join("")}</g>`);
  }
}
// a legend's swatch in SVG at (x, y): a line, a square (bars) or a triangle (markers)
function lcSwatch(t, x, y) {
  const line = t.line || {}, marker = t.marker || {};
  const opacity = t.opacity === undefined ? "" : ` opacity="${t.opacity}"`;
  if (t.type === "bar") {
    return `<rect x="${x + 7}" y="${y - 5}" width="10" height="10" fill="${marker.color}"/>`;
  }
  if ((t.mode || "lines").includes("lines")) {
    const width = Math.min(Math.max(line.width || 2, 2), 3);
    return `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${line.color || "#444"}" ` +
      `stroke-width="${width}"${lcDash(line)}${opacity}/>`;
  }
  return `<path d="M${x + 12},${y - 5}l5,8.5h-10z" fill="${marker.color}"/>`;
}
// the chart as SVG text (see the module's docstring for `opt`)
function lcSvg(spec, opt) {
  const L = spec.layout, margin = opt.margin || L.margin, W = L.width, H = L.height;
  const g = lcGeometry(spec, margin);
  const clip = `rv-clip-${++lcClips}`;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" class="rv-svg" width="${W}" ` +
    `height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" ` +
    `font-size="12" fill="#444"><rect width="${W}" height="${H}" fill="#fff"/>` +
    `<defs><clipPath id="${clip}"><rect x="${g.l}" y="${g.t}" width="${g.w}" ` +
    `height="${g.h}"/></clipPath></defs>`];
  for (const ax of Object.values(g.axes)) {  // grid, ticks and title of each y axis
    if (ax.a.visible === false) continue;
    const n = Math.max(3, Math.floor((ax.bottom - ax.top) / 45));
    let widest = 1;
    for (const [v, text] of lcTicks(ax.r[0], ax.r[1], n, ax.a.dtick)) {
      widest = Math.max(widest, text.length);
      const y = ax.y2p(v).toFixed(1);
      if (ax.a.gridcolor) {
        out.push(`<line x1="${g.l}" x2="${g.l + g.w}" y1="${y}" y2="${y}" ` +
          `stroke="${ax.a.gridcolor}"/>`);
      }
      out.push(`<text class="rv-ytick" x="${g.l - 4}" y="${y}" dy="0.35em" ` +
        `text-anchor="end">${text}</text>`);
    }
    if (ax.a.zeroline && ax.r[0] < 0 && ax.r[1] > 0) {
      const y = ax.y2p(0).toFixed(1);
      out.push(`<line x1="${g.l}" x2="${g.l + g.w}" y1="${y}" y2="${y}" stroke="#444"/>`);
    }
    const title = (ax.a.title || {}).text;
    if (title) {
      const y = ((ax.top + ax.bottom) / 2).toFixed(1);
      const x = Math.max(10, g.l - 14 - 6.7 * widest);  // clear of the widest tick label
      out.push(`<text x="${x}" y="${y}" font-size="13" text-anchor="middle" ` +
        `transform="rotate(-90 ${x} ${y})">${lcEsc(title)}</text>`);
    }
  }
  const xa = L.xaxis;
  if (xa.visible !== false) {  // integer year ticks on the axis the x axis is anchored to
    const anchor = g.axes[xa.anchor || "y"] || { bottom: g.t + g.h };
    for (const [v, text] of lcTicks(g.range[0], g.range[1], 5, xa.dtick || 10)) {
      const x = g.x2p(v).toFixed(1);
      if (xa.gridcolor) {
        out.push(`<line x1="${x}" x2="${x}" y1="${g.t}" y2="${g.t + g.h}" ` +
          `stroke="${xa.gridcolor}"/>`);
      }
      out.push(`<text class="rv-xtick" x="${x}" y="${anchor.bottom + 14}" ` +
        `text-anchor="middle">${text}</text>`);
    }
    const title = (xa.title || {}).text;
    if (title) {
      out.push(`<text x="${g.l + g.w / 2}" y="${anchor.bottom + 29}" font-size="13" ` +
        `text-anchor="middle">${lcEsc(title)}</text>`);
    }
  }
  const traces = [], events = [];
  opt.bars = new Map();
  spec.data.forEach((t, i) => lcTrace(t, t.legendgroup || `#${i}`, g, opt, traces, events));
  out.push(`<g clip-path="url(#${clip})">${traces.join("")}</g>`);
  const X = (v, ref) => (ref === "paper" ? g.l + v * g.w : g.x2p(v));
  const Y = (v, ref) => (ref === "paper" ? g.t + (1 - v) * g.h : g.axes[ref].y2p(v));
  const shapes = [...(L.shapes || [])];
  if (opt.marker !== undefined && opt.marker !== null) {
    shapes.push({ type: "line", xref: "x", yref: "paper", x0: opt.marker, x1: opt.marker,
      y0: 0, y1: 1, line: { color: "#555", width: 1, dash: "dot" } });
  }
  for (const s of shapes) {  // Plotly's shapes: lines over the plot, in data or paper units
    if (s.type !== "line" || (s.yref !== "paper" && !g.axes[s.yref])) continue;
    const line = s.line || {};
    const dash = LC_DASH[line.dash] ? ` stroke-dasharray="${LC_DASH[line.dash](3)}"` : "";
    out.push(`<line x1="${X(s.x0, s.xref).toFixed(1)}" x2="${X(s.x1, s.xref).toFixed(1)}" ` +
      `y1="${Y(s.y0, s.yref).toFixed(1)}" y2="${Y(s.y1, s.yref).toFixed(1)}" ` +
      `stroke="${line.color || "#444"}" stroke-width="${line.width || 2}"${dash}` +
      `${s.opacity === undefined ? "" : ` opacity="${s.opacity}"`}/>`);
  }
  out.push(...events);
  for (const a of L.annotations || []) {  // text in paper units, lines split at <br>
    const lines = String(a.text).split("<br>");
    const font = a.font || {};
    const x = g.l + a.x * g.w, y = g.t + (1 - a.y) * g.h - ((lines.length - 1) * 9);
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="middle" ` +
      `font-size="${font.size || 13}" fill="${font.color || "#444"}">` +
      lines.map((s, k) => `<tspan x="${x.toFixed(1)}" dy="${k ? 18 : 0}">${lcEsc(s)}</tspan>`)
        .join("") + "</text>");
  }
  const title = opt.title === undefined ? (L.title || {}).text : opt.title;
  out.push(`<text class="gtitle" x="${(0.01 * W).toFixed(1)}" y="${margin.t / 2 + 5}" ` +
    `font-size="14">${lcEsc(title || "")}</text>`);
  if (opt.legend) {  // for the PNG: the page's HTML legend, in the right margin
    let y = margin.t + 10;
    for (const [t, key] of lcLegendRows(spec.data)) {
      const x = W - margin.r + 10;
      const off = opt.hidden && opt.hidden.has(key) ? ' opacity="0.4"' : "";
      out.push(`<g${off}>${lcSwatch(t, x, y)}<text x="${x + 30}" y="${y}" dy="0.35em">` +
        `${lcEsc(t.name)}</text></g>`);
      y += 19;
    }
  }
  out.push("</svg>");
  return out.join("");
}
// an SVG text drawn on a canvas (`scale` px per px) and downloaded as a PNG named `filename`
function lcPng(svg, width, height, scale, filename) {
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  const image = new Image();
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = width * scale;
    canvas.height = height * scale;
    const context = canvas.getContext("2d");
    context.scale(scale, scale);
    context.drawImage(image, 0, 0, width, height);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, "image/png");
  };
  image.src = url;
}
"""
