"""The harness's floor: the class benchmark against pages far lighter than the teaching page.

``bench_page.py --floor MODE`` drives this server with the same class (the same Chromium, flags,
clicks, key presses and in-page timer) instead of the teaching page, to tell how much of a
class's latency on this machine is the page's and how much is the harness's: 30 Chromium pages
and their Playwright driver on the server's 2 cores.

- ``bare``: a page with a Step button and two titles (a Step rewrites the titles); a setting
  sends the slider's value over a plain websocket and the server answers with the new run's
  frames (the teaching page's ~140 kB JSON text, :func:`sim.app.frames.explorer_json`), which
  the page parses and names. What any page would cost here: no chart is drawn.
- ``runview``: the teaching page's own run view (``sim.app.widget.RunView``'s JavaScript: its
  SVG line charts, Plotly's map with its SVG dots and ties, the Step bar) on a plain page,
  its ``model`` a small object fed by the same websocket. The teaching page without Solara,
  Vue, Vuetify, ipywidgets, the sidebar, the timeline and the take-away card.

Every run is computed before the server answers (the default run and the six runs of the
benchmark's settings: the teaching page's ``--warm``), by the page's own code
(:func:`sim.app.runs.get_run`, :func:`sim.app.frames.explorer_json`). A value the page sends is
checked against the control's range (``sim.app.controls.RANGES``); anything else is answered
with an error message and changes nothing. Usage (``bench_page.py`` starts it itself)::

    .venv/bin/python experiments/app/floor_page.py --port 8765 --mode runview
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODES = ("bare", "runview")
#: the controls a page may send, with the runs the benchmark asks for (bench_page.SETTINGS)
NOTCHES = (0.75, 1.25)


def page_html(mode: str, frames: str, images: dict) -> str:
    """The floor page of ``mode`` with the default run's frames and the map's land inline."""
    from sim.app.controls import POWERS, RANGES

    sliders = "".join(
        f'<div class="v-input"><label for="{name}">{RANGES[name].label.split(" (")[0]}</label>'
        f'<input id="{name}" type="range" min="{RANGES[name].lo}" max="{RANGES[name].hi}" '
        f'step="{RANGES[name].step}" value="1" data-name="{name}"></div>'
        for name in POWERS
    )
    if mode == "bare":
        body = """
<div class="run-view"><button class="rv-step">Step</button>
<div class="chart-spending"><span class="gtitle">Spending, 2024</span></div>
<div class="chart-map"><span class="gtitle">Map, 2024</span></div></div>
<script>
  let year = 2024, queued = false;
  const root = document.querySelector(".run-view");
  document.querySelector(".rv-step").onclick = () => {
    year += 1;
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        for (const c of ["spending", "map"]) {
          document.querySelector(`.chart-${c} .gtitle`).textContent = `${c}, ${year}`;
        }
      });
    }
  };
  window.onFrames = (text) => { root.dataset.run = JSON.parse(text).label; };
  window.onFrames(document.getElementById("frames").textContent);
</script>"""
    else:
        from sim.app.widget import _RUN_CSS

        body = f"""
<style>{_RUN_CSS}</style>
<div id="app"></div>
<script type="module">
  import view from "/runview.js";
  const images = JSON.parse(document.getElementById("images").textContent);
  const data = {{
    plotly_url: "/plotly.min.js", frames: document.getElementById("frames").textContent,
    images, start_step: 0, year: 0,
  }};
  const handlers = {{}};
  const model = {{
    get: (k) => data[k], set: (k, v) => {{ data[k] = v; }}, save_changes: () => {{}},
    on: (event, f) => {{ (handlers[event] ||= []).push(f); }},
  }};
  window.onFrames = (text) => {{
    data.frames = text;
    for (const f of handlers["change:frames"] || []) f();
  }};
  view.render({{ model, el: document.getElementById("app") }});
</script>"""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>floor: {mode}</title>
<style>body {{ font: 13px Helvetica, Arial, sans-serif; margin: 8px; }}
.sidebar {{ float: left; width: 220px; }} .v-input {{ margin: 8px 0; }}
.v-input label {{ display: block; }} #app, .run-view {{ margin-left: 240px; }}</style></head>
<body><div class="sidebar">{sliders}<div class="message"></div></div>
<div class="computing-banner" style="display:none">Computing the run.</div>
<script type="application/json" id="frames">{frames.replace("</", "<\\/")}</script>
<script type="application/json" id="images">{json.dumps(images).replace("</", "<\\/")}</script>
<script>
  const ws = new WebSocket(`ws://${{location.host}}/ws`);
  ws.onmessage = (e) => {{
    if (e.data.startsWith("error:")) {{
      document.querySelector(".message").textContent = e.data;
    }} else {{
      window.onFrames(e.data);
    }}
  }};
  for (const input of document.querySelectorAll(".v-input input")) {{
    input.addEventListener("input", () => ws.send(JSON.stringify(
      {{ name: input.dataset.name, value: Number(input.value) }})));
  }}
</script>{body}</body></html>"""


def checked(raw: str, allowed: dict) -> tuple[str, float] | str:
    """``(control, value)`` of a message the page sent, or why it is refused (the message)."""
    try:
        message = json.loads(raw)
        name, value = message["name"], float(message["value"])
    except (ValueError, KeyError, TypeError) as exc:
        return f"error: not a control's value ({exc.__class__.__name__})"
    if (name, value) not in allowed:
        return f"error: {name!r}={value!r} is not a value this page offers"
    return name, value


def app(mode: str):
    """The floor's Starlette app: the page, plotly.js, the run view's module and the websocket."""
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, HTMLResponse, Response
    from starlette.routing import Route, WebSocketRoute

    from sim.app.charts import map_background
    from sim.app.controls import POWERS, Controls
    from sim.app.frames import explorer_json
    from sim.app.page import DEFAULT_NATIONS
    from sim.app.runs import get_ghost, get_run
    from sim.app.widget import _RUN_ESM, PLOTLY_PACKAGE

    def frames_of(controls: Controls) -> str:
        run = get_run(controls)
        chosen = tuple(c for c in DEFAULT_NATIONS if c in run.names)
        return explorer_json(run, get_ghost(controls), None, None, chosen, "share")

    default = Controls()
    first = frames_of(default)
    allowed = {(name, 1.0): first for name in POWERS}  # a slider back at x1: the default run
    allowed.update(
        {(name, v): frames_of(replace(default, **{name: v})) for name in POWERS for v in NOTCHES}
    )
    html = page_html(mode, first, {"map": map_background(get_run(default))})
    plotly = ROOT / ".venv" / "share" / "solara" / "cdn" / PLOTLY_PACKAGE / "plotly.min.js"
    if mode == "runview" and not plotly.exists():
        raise SystemExit(f"error: {plotly} is missing: run `make .venv/share/solara/cdn/.fetched`")

    async def index(_):
        return HTMLResponse(html)

    async def plotly_js(_):
        return FileResponse(plotly, media_type="application/javascript")

    async def runview_js(_):
        return Response(_RUN_ESM, media_type="application/javascript")

    async def socket(ws):
        await ws.accept()
        try:
            while True:
                answer = checked(await ws.receive_text(), allowed)
                await ws.send_text(answer if isinstance(answer, str) else allowed[answer])
        except Exception:  # the page went away
            return

    return Starlette(
        routes=[
            Route("/", index),
            Route("/plotly.min.js", plotly_js),
            Route("/runview.js", runview_js),
            WebSocketRoute("/ws", socket),
        ]
    )


def start(port: int, mode: str, log: Path, timeout: float = 180.0) -> subprocess.Popen:
    """This server on 127.0.0.1:``port`` once it answers (its runs computed); exits with its
    log's last line when it stops or does not answer in ``timeout`` s."""
    command = [sys.executable, __file__, "--port", str(port), "--mode", mode]
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text().strip().splitlines()[-1:] or ["(no output)"]
            raise SystemExit(f"error: the floor server exited: {tail[0]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"error: the floor server did not answer in {timeout:.0f} s (see {log})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=MODES, required=True)
    args = parser.parse_args()
    import uvicorn

    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    uvicorn.run(app(args.mode), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
