"""A small Plotly widget for the page: plotly.js loaded once per browser, frames via Plotly.react.

Plotly's own ``FigureWidget`` sends its whole 5 MB browser bundle through the websocket for every
figure (four per page, on every page load) and validates each update in Python. This widget
ships ~1 kB of JavaScript; the browser loads plotly.js once from Solara's asset cache (``make
app`` puts the copy that the plotly package ships there) and keeps it in its HTTP cache. A frame
is a plain spec; ``Plotly.react`` redraws only what differs. The map's background image is a
separate trait, sent once.
"""

from __future__ import annotations

import anywidget
import plotly
import solara.server.settings
import traitlets

#: where the page's browser finds plotly.js: Solara's asset cache (filled by the Makefile)
PLOTLY_PACKAGE = f"plotly.js-dist-min@{plotly.offline.get_plotlyjs_version()}"
PLOTLY_PATH = f"/_solara/cdn/{PLOTLY_PACKAGE}/plotly.min.js"
#: the same under the server's root path
PLOTLY_URL = (solara.server.settings.main.root_path or "") + PLOTLY_PATH

_ESM = """
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


class PlotlyView(anywidget.AnyWidget):
    """One Plotly chart: ``figure`` (data and layout), ``background`` (a layout image)."""

    _esm = _ESM
    plotly_url = traitlets.Unicode(PLOTLY_PATH).tag(sync=True)
    figure = traitlets.Dict().tag(sync=True)
    background = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
