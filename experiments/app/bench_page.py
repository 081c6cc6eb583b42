"""Load benchmark of the teaching page: one student, then a class, in headless Chromium.

Starts the page's server (``python -m sim.app.serve``, as ``make app``) on a free port of
127.0.0.1 (its own server, stopped at the end whatever happens), then:

1. one student: ``--steps`` clicks on Step, each timed from the click until the spending chart
   and the map both show the new year;
2. ``--students`` students at once (one browser context each, one server process): they open
   the page one after another (untimed), then all at once each clicks Step ``--class-steps``
   times and, after half of its steps, changes one setting: student ``i`` moves slider
   ``SETTINGS[i % 6]`` one notch (US, China or Russia spending, down or up: six different new
   runs, each asked for by five of 30 students; their counterfactual is the default run, which
   the first page load computed). A Step is timed from the click until the spending chart and
   the map both show the new year; a setting change from the key press until the page draws
   the new run (``.run-view[data-run]`` names it). ``--think`` seconds between actions; the CPU
   seconds of the server and of the browsers over that phase;
3. the server's memory before, with every student connected, and after they leave, the kernel
   cull timeout passes and the server gives the freed memory back (``sim.app.memory``): RSS and
   the heap in use (``mallinfo2``), from the server's own memory log.

Prints a table and writes ``bench_results.json`` beside this file. The machine's load
(``uptime``) is recorded beside the figures. Usage::

    .venv/bin/python experiments/app/bench_page.py             # 1 student, then 30
    .venv/bin/python experiments/app/bench_page.py --students 5 --steps 10   # a quick check
    .venv/bin/python experiments/app/bench_page.py --trace --out /tmp/t.json  # a diagnostic

``--warm`` (a diagnostic) has the class's six runs computed before the class (one page opens
each run's settings link), so each setting change costs what showing a stored run costs.

``--floor bare`` / ``--floor runview`` (the harness's floor, ``floor_page.py``) run the same
class against a page with no charts, or against the page's run view alone on a plain page and
websocket, instead of the teaching page. ``--clients-nice 10`` (a variant) runs the browsers
below the server's priority (:data:`CLIENTS_NICE`).

``--trace`` (a diagnostic: it adds a wrapper of ``WebSocket`` in every page and a
``sitecustomize`` in the server, ``trace_server/``) times each setting's message from the key
press to the page's websocket send, the server's event loop, the session's thread, ipywidgets,
``change_control`` and the banner drawn (``trace`` in the JSON, per student in ``rows``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import time
from pathlib import Path

import floor_page
import psutil

from sim.app import serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
CULL = "20s"
#: ``--clients-nice`` (a variant, not the default design): the students' browsers, the
#: Playwright driver and this script at this nice value, the server (started first) at its own.
#: On one machine 30 Chromium pages are up to ~30 runnable threads in a class's busy second
#: against the server's one (its GIL), and the kernel's fair share leaves the server a small
#: part of the 2 cores, which no class on its own laptops takes from it ("The harness's floor
#: and the server's share", README). Chromium, run as root, puts its browser and GPU processes
#: at nice -8 whatever it inherits. 0 is the default design, that of every earlier figure.
CLIENTS_NICE = 0
#: seconds the class's pages stay open, untouched, before the students start (their CPU)
IDLE = 5.0
#: the setting student i changes: (slider label, key, what the running settings then say)
SETTINGS = [
    ("US spending", "ArrowLeft", "US x0.75"),
    ("China spending", "ArrowRight", "China x1.25"),
    ("Russia spending", "ArrowLeft", "Russia x0.75"),
    ("US spending", "ArrowRight", "US x1.25"),
    ("China spending", "ArrowLeft", "China x0.75"),
    ("Russia spending", "ArrowRight", "Russia x1.25"),
]


def rss_mb(proc: subprocess.Popen) -> float:
    p = psutil.Process(proc.pid)
    return sum(c.memory_info().rss for c in [p, *p.children(recursive=True)]) / 2**20


def cpu_s(processes: list[psutil.Process]) -> float:
    """User + system CPU seconds of ``processes`` (those that have exited count 0)."""
    total = 0.0
    for proc in processes:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def server_processes(server) -> list[psutil.Process]:
    """The server's process and its workers (:func:`sim.app.runs.start_workers`)."""
    proc = psutil.Process(server.pid)
    return [proc, *proc.children(recursive=True)]


def browsers(server) -> list[psutil.Process]:
    """This script's Playwright driver and Chromium processes (not the server's)."""
    theirs = {p.pid for p in server_processes(server)}
    return [p for p in psutil.Process().children(recursive=True) if p.pid not in theirs]


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "n": len(ordered),
        "median_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * p95, 1),
        "max_ms": round(1000 * ordered[-1], 1),
    }


#: the in-page timer of an action (installed in every page before it loads): ``arm`` waits for
#: the student's input (``pointerdown`` of a click, ``keydown`` of a key) and for the page to
#: show what it should (a MutationObserver: no polling); ``done`` resolves, after the frame that
#: drew it (a task posted from that frame runs once its style, layout and paint are done), with
#: the milliseconds from the input event's own time stamp (when the browser got the click or key)
TIMER = """
(() => {  // a setting's wire stages: the first websocket message sent after the input, and the
  // first large one received (the new run's frames, ~140 kB; nothing else the page gets is
  // above 50 kB) or the first answer to a fetch of its frames URL (the frames over HTTP), in
  // performance.now() ms (the clock of the input's time stamp)
  const W = window.__wire = { armed: false, sent: null, frames: null, asked: null, body: null };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (W.armed && W.sent === null) W.sent = performance.now();
    return send.call(this, data);
  };
  const WS = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new WS(...args);  // this listener is added first: it runs before the page's
    ws.addEventListener("message", (e) => {
      if (!W.armed || W.frames !== null) return;
      const d = e.data;
      const size = typeof d === "string" ? d.length : (d.byteLength ?? d.size ?? 0);
      if (size > 50000) W.frames = performance.now();
    });
    return ws;
  };
  window.WebSocket.prototype = WS.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  // since the frames come over HTTP (sim.app.served): the first response of a frames URL
  const fetch = window.fetch;
  window.fetch = function (input, ...rest) {
    const got = fetch.call(this, input, ...rest);
    const url = typeof input === "string" ? input : (input && input.url) || "";
    if (W.armed && W.frames === null && url.includes("/_sim/frames/")) {
      if (W.asked === null) W.asked = performance.now();  // the URL came: the fetch starts
      got.then((r) => {
        if (W.frames === null) W.frames = performance.now();
        const text = r.text;  // and when its body has been read (the view reads it once)
        r.text = function () {
          return text.call(this).then((t) => {
            if (W.body === null) W.body = performance.now();
            return t;
          });
        };
      }, () => {});
    }
    return got;
  };
})();
window.__bench = {
  arm(kind, expect) {
    let start = null;
    const W = window.__wire;
    Object.assign(W, { armed: false, sent: null, frames: null, asked: null, body: null });
    addEventListener(kind === "step" ? "pointerdown" : "keydown",
      (e) => {
        if (start !== null) return;
        start = e.timeStamp;
        if (kind !== "step") W.armed = true;
      }, { capture: true, once: true });
    const shown = kind === "step"
      ? () => ["spending", "map"].every((c) => {
          const t = document.querySelector(`.chart-${c} .gtitle`);
          return t && t.textContent.includes(String(expect));
        })
      : () => {
          const v = document.querySelector(".run-view");
          return v && (v.dataset.run || "").includes(expect);
        };
    // a setting's stages: the server shows the computing banner (it has the new value), then
    // hides it (the new run is ready and its frames sent), then the page draws the run
    const banner = document.querySelector(".computing-banner");
    const marks = { banner: null, ready: null };
    this.done = new Promise((resolve) => {
      const seen = new MutationObserver(() => {
        if (start === null) return;
        if (banner && kind !== "step") {
          const on = banner.style.display !== "none";
          if (on && marks.banner === null) marks.banner = performance.now() - start;
          if (!on && marks.banner !== null && marks.ready === null) {
            marks.ready = performance.now() - start;
          }
        }
        if (!shown()) return;
        seen.disconnect();
        const after = new MessageChannel();
        const end = () => {
          W.armed = false;
          const at = (t) => (t === null ? null : t - start);
          return [performance.now() - start, marks.banner, marks.ready, at(W.sent),
            at(W.frames), performance.timeOrigin + start, at(W.asked), at(W.body)];
        };
        after.port1.onmessage = () => resolve(end());
        after.port2.postMessage(0);
      });
      seen.observe(document.body, {
        subtree: true, childList: true, characterData: true,
        attributes: true, attributeFilter: ["data-run", "style"],
      });
    });
    if (kind !== "step") return null;
    const button = [...document.querySelectorAll(".run-view .rv-step")][0];
    const box = button.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    return document.elementFromPoint(x, y) === button ? [x, y] : null;
  },
};
"""


#: ``--trace`` only (not the default design): wall-clock times in the page of each key press
#: (with the page's visibility and focus then) and of each websocket message sent with a
#: ``v_model`` (a control's new value), matched in :func:`trace_table` with the server's log of
#: the same messages (``trace_server/sitecustomize.py``)
TRACE = """
(() => {
  const T = window.__trace = { keys: [], sends: [] };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === "string" && data.includes("v_model")) {
      const m = /"v_model":\\s*([^,}\\]]+)/.exec(data);
      T.sends.push([Date.now(), m ? m[1] : "?"]);
    }
    return send.call(this, data);
  };
  const WS = window.WebSocket;  // the times of the messages received after a key press
  T.got = [];
  window.WebSocket = function (...args) {
    const ws = new WS(...args);
    ws.addEventListener("message", () => {
      if (T.keys.length && T.got.length < 400) T.got.push(Date.now());
    });
    return ws;
  };
  window.WebSocket.prototype = WS.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  addEventListener("keydown", (e) => T.keys.push(
    [performance.timeOrigin + e.timeStamp, document.visibilityState, document.hasFocus()]
  ), { capture: true });
})();
"""
TRACING = False
TRACE_LOG = Path("/tmp/bench_page_trace.jsonl")


async def open_page(browser, url: str, timeout: float):
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    await context.add_init_script(TIMER)
    if TRACING:
        await context.add_init_script(TRACE)
    page = await context.new_page()
    await page.goto(url, timeout=timeout * 1000)
    await page.locator(".chart-map .gtitle").first.wait_for(timeout=timeout * 1000)
    return context, page


#: a setting change's stages (seconds from the key press, in the page): the computing banner
#: shown (the server has the new value), hidden (the run is ready), the run drawn
STAGES: list[tuple[float | None, float | None, float]] = []
#: a setting change's wire stages (seconds from the key press, in the page): the page's first
#: websocket message sent, the first large message (the new run's frames) received, the run
#: drawn; and the key press's wall-clock time (s since the epoch, as the server's time.time())
WIRE: list[tuple[float | None, float | None, float, float]] = []
#: since the frames come over HTTP: (sent, the frames URL fetched, its answer, its body read,
#: drawn), seconds from the key press in the page
FETCH: list[tuple[float, float, float | None, float | None, float]] = []


async def timed(page, started: float, timeout: float) -> tuple[float, float]:
    """(seconds in the page from the input to the drawn page, seconds seen by this script)."""
    done = await asyncio.wait_for(page.evaluate("window.__bench.done"), timeout)
    drawn, banner, ready, sent, frames, key_wall, asked, body = done
    if sent is not None:  # a setting (a Step sends nothing: it runs in the page)
        WIRE.append((sent and sent / 1000, frames and frames / 1000, drawn / 1000, key_wall / 1000))
        if asked is not None:
            seconds = [t if t is None else t / 1000 for t in (sent, asked, frames, body, drawn)]
            FETCH.append(tuple(seconds))
    if banner is not None:
        STAGES.append((banner / 1000, ready / 1000 if ready is not None else None, drawn / 1000))
    return drawn / 1000, time.perf_counter() - started


async def step_once(page, year: int, timeout: float) -> tuple[float, float]:
    """A click on Step (the mouse, where the button is), timed until the spending chart and the
    map both show ``year``."""
    where = await page.evaluate("(y) => window.__bench.arm('step', y)", year)
    if where is None:
        raise RuntimeError("the Step button is hidden under another element")
    started = time.perf_counter()
    await page.mouse.click(*where)
    return await timed(page, started, timeout)


def slider(page, i: int):
    """The locator of student ``i``'s slider (:data:`SETTINGS`)."""
    return page.locator(".v-input", has_text=SETTINGS[i % len(SETTINGS)][0]).get_by_role("slider")


async def focus_slider(page, label: str, handle=None) -> None:
    """Focus the slider labelled ``label``: through ``handle`` (its element, found before the
    class) in one call, or, without one or if the page replaced it, by its label's text (a
    ``has_text`` locator: ~85 ms of the driver's CPU and a style and layout of the page per
    setting, in the 2 cores the class shares)."""
    found = handle is not None and await handle.evaluate(
        "(e) => { if (!e.isConnected) return false; e.focus(); return true; }"
    )
    if not found:
        await page.locator(".v-input", has_text=label).get_by_role("slider").focus()


async def change_setting(page, i: int, timeout: float, handle=None) -> tuple[float, float]:
    """Student ``i``'s setting (:data:`SETTINGS`), timed until the page draws the new run;
    ``handle``: its slider's element, found before the class (:func:`slider`)."""
    return await press_key(page, *SETTINGS[i % len(SETTINGS)], timeout, handle)


async def press_key(page, label: str, key: str, running: str, timeout: float, handle=None):
    """``key`` pressed on the slider labelled ``label``, timed until the page draws the run
    whose settings line has ``running``. With ``handle`` (the slider's element, found before
    the class) the slider is focused through it, one call, instead of finding it by its label's
    text (:func:`focus_slider`)."""
    await focus_slider(page, label, handle)
    await page.evaluate("(r) => window.__bench.arm('run', r)", running)
    started = time.perf_counter()
    await page.keyboard.press(key)
    return await timed(page, started, timeout)


def memory_log(path: Path | None) -> list[dict]:
    """The server's memory log (``SIM_APP_MEMORY_LOG``): one dict per line."""
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def ask_memory(server, path: Path | None) -> dict:
    """The server's memory now: it logs a line on SIGUSR1 (``sim.app.memory``); RSS only for
    ``--floor``'s server (``path`` None)."""
    if path is None:
        return {"rss_mb": round(rss_mb(server), 1)}
    before = len(memory_log(path))
    os.kill(server.pid, signal.SIGUSR1)
    for _ in range(50):
        time.sleep(0.1)
        lines = memory_log(path)
        if len(lines) > before:
            return lines[-1]
    return {"rss_mb": round(rss_mb(server), 1)}  # no answer: RSS only


async def one_student(url: str, steps: int, timeout: float) -> list[tuple[float, float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context, page = await open_page(browser, url, timeout)
        await page.wait_for_timeout(1000)
        times = [await step_once(page, 2024 + k, timeout) for k in range(1, steps + 1)]
        await context.close()
        await browser.close()
    return times


#: the links of :data:`SETTINGS`' runs (``--warm``: asked for once before the class)
WARM_LINKS = [
    "?us_spending=0.75",
    "?china_spending=1.25",
    "?russia_spending=0.75",
    "?us_spending=1.25",
    "?china_spending=0.75",
    "?russia_spending=1.25",
]


async def warm_runs(url: str, timeout: float) -> None:
    """``--warm`` (a diagnostic): one page opens each of :data:`WARM_LINKS` in turn, so the
    server has the class's six runs computed before the class starts (untimed)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for link in WARM_LINKS:
            context, _ = await open_page(browser, url + link, timeout)
            await context.close()
        await browser.close()


async def a_class(
    url: str,
    students: int,
    steps: int,
    think: float,
    timeout: float,
    server,
    memory: dict,
    mlog: Path,
    change: bool = True,
) -> dict:
    from playwright.async_api import async_playwright

    errors: list[str] = []
    step_times: list[tuple[float, float]] = []  # (in the page, seen by this script)
    change_times: list[tuple[float, float]] = []
    traces: dict[int, dict] = {}  # --trace: student -> the page's trace of its setting change
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages = []
        handles = []  # each student's slider, found before the class (untimed)
        for i in range(students):  # students arrive one after another, as in a classroom
            try:
                opened = await open_page(browser, url, 2 * timeout)
                handle = await slider(opened[1], i).element_handle() if change else None
                pages.append(opened)
                handles.append(handle)
            except Exception as exc:
                errors.append(f"load {i}: {exc!r}"[:200])
        memory["connected"] = ask_memory(server, mlog)
        server_procs = server_processes(server)
        idle0 = (cpu_s(server_procs), cpu_s(browsers(server)))
        await asyncio.sleep(IDLE)  # what 30 open pages cost when nobody clicks
        cpu0 = (cpu_s(server_procs), cpu_s(browsers(server)))
        idle = {
            "wall_s": IDLE,
            "server_cpu_s": round(cpu0[0] - idle0[0], 2),
            "browsers_cpu_s": round(cpu0[1] - idle0[1], 2),
        }
        wall0 = time.perf_counter()

        async def student(i: int, page) -> None:
            await page.wait_for_timeout(int(1000 * think * (i / max(students, 1))))
            try:
                for k in range(1, steps + 1):
                    step_times.append(await step_once(page, 2024 + k, timeout))
                    await page.wait_for_timeout(int(1000 * think))
                    if k == steps // 2 and change:
                        change_times.append(await change_setting(page, i, timeout, handles[i]))
                        if TRACING:
                            traces[i] = await page.evaluate(
                                "window.__bench.done.then((d) => ({...window.__trace, done: d}))"
                            )
                        await page.wait_for_timeout(int(1000 * think))
                body = await page.inner_text("body")
                if "Traceback" in body or "Not changed" in body:
                    errors.append(f"student {i}: the page shows an error")
            except Exception as exc:  # a timeout is an error of the run, reported
                errors.append(f"student {i}: {exc!r}"[:300])

        await asyncio.gather(*(student(i, page) for i, (_, page) in enumerate(pages)))
        memory["peak"] = ask_memory(server, mlog)
        cpu = {
            "wall_s": round(time.perf_counter() - wall0, 1),
            "server_cpu_s": round(cpu_s(server_procs) - cpu0[0], 1),
            "browsers_cpu_s": round(cpu_s(browsers(server)) - cpu0[1], 1),
        }
        cpu["server_cpu_ms_per_action"] = round(
            1000 * cpu["server_cpu_s"] / max(len(step_times) + len(change_times), 1), 1
        )
        for context, _ in pages:
            await context.close()
        await browser.close()
    return {
        "steps": summaries(step_times),
        "setting_change": summaries(change_times),
        "all_actions": summaries(step_times + change_times),
        "errors": errors,
        "cpu": cpu,
        "idle_cpu": idle,
        "setting_stages": stages(STAGES),
        "setting_wire_stages": wire_stages(WIRE),
        "setting_fetch_stages": fetch_stages(FETCH),
        "page_traces": traces,
    }


def stages(marks: list[tuple[float | None, float | None, float]]) -> dict:
    """Medians and p95 of a setting change's stages, in ms from the key press."""
    out = {}
    for i, name in enumerate(("banner_shown", "run_ready", "drawn")):
        got = [m[i] for m in marks if m[i] is not None]
        if got:
            s = summary(got)
            out[name] = {"n": s["n"], "median_ms": s["median_ms"], "p95_ms": s["p95_ms"]}
    return out


def wire_stages(marks: list[tuple[float | None, float | None, float, float]]) -> dict:
    """Medians and p95 of the gaps of a setting change on the wire, in ms: key press -> the
    page's first message sent, sent -> the new run's frames received, received -> drawn (each
    change with both marks), and frames received -> drawn for those; plus the rows."""
    gaps = {"key_to_send": [], "send_to_frames": [], "frames_to_drawn": []}
    for sent, frames, drawn, _ in marks:
        gaps["key_to_send"].append(sent)
        if frames is not None:
            gaps["send_to_frames"].append(frames - sent)
            gaps["frames_to_drawn"].append(drawn - frames)
    out: dict = {"n": len(marks), "no_frames_seen": sum(m[1] is None for m in marks)}
    for name, got in gaps.items():
        if got:
            s = summary(got)
            out[name] = {"n": s["n"], "median_ms": s["median_ms"], "p95_ms": s["p95_ms"]}
    out["rows_s"] = [
        [round(x, 4) if x is not None else None for x in m[:3]] + [round(m[3], 3)] for m in marks
    ]
    return out


def fetch_stages(marks: list[tuple]) -> dict:
    """Medians and p95 of a setting change's gaps since the frames come over HTTP, in ms: sent
    -> the frames URL came (the fetch starts: the server's websocket path), -> its answer (the
    HTTP request), -> its body read, -> drawn; plus the rows."""
    names = ("sent_to_url", "url_to_answer", "answer_to_body", "body_to_drawn")
    out: dict = {"n": len(marks)}
    for i, name in enumerate(names):
        got = [
            b - a for a, b in ((m[i], m[i + 1]) for m in marks) if a is not None and b is not None
        ]
        if got:
            s = summary(got)
            out[name] = {"n": s["n"], "median_ms": s["median_ms"], "p95_ms": s["p95_ms"]}
    out["rows_s"] = [[None if x is None else round(x, 4) for x in m] for m in marks]
    return out


def trace_table(traces: dict[int, dict], log: Path) -> dict:
    """``--trace``: per student, seconds from the key press to its ``v_model`` message leaving
    the page, to the server's event loop (``recv``), to the session's thread, to ipywidgets, to
    ``change_control`` and its end, and to the banner drawn; each server event matched to the
    earliest unmatched one of the same value after the page's send (five students send each
    value). Medians, p95 and max of each, and the server's switch interval."""
    events = (
        [json.loads(x) for x in log.read_text().splitlines() if x.strip()] if log.exists() else []
    )
    kinds = (
        "recv",
        "kernel_recv",
        "widget",
        "change_start",
        "change_end",
        "send_block",
        "widget_end",
    )
    pool = {k: sorted((e for e in events if e["ev"] == k), key=lambda e: e["t"]) for k in kinds}
    rows = []
    for i, tr in sorted(traces.items()):
        if not tr.get("keys") or not tr.get("sends"):
            continue
        key = tr["keys"][-1][0] / 1000
        sent = [s for s in tr["sends"] if s[0] / 1000 >= key - 0.05]
        if not sent:
            continue
        t_send, value = sent[0][0] / 1000, sent[0][1].strip()
        row = {
            "student": i,
            "visibility": tr["keys"][-1][1],
            "focus": tr["keys"][-1][2],
            "key": key,
            "send": t_send - key,
        }
        after, thread = t_send - 0.05, None
        for k in kinds:
            want = value if k in ("recv", "kernel_recv") else None
            hit = next(
                (
                    e
                    for e in pool[k]
                    if e["t"] >= after
                    and not e.get("used")
                    and (want is None or same(e["v"], want) if "v" in e else True)
                    and (thread is None or k == "recv" or e["th"] == thread)
                ),
                None,
            )
            if hit is None:
                continue
            hit["used"] = True
            row[k] = hit["t"] - key
            after = hit["t"]
            if k == "kernel_recv":
                thread = hit["th"]  # the session's thread: its later events
        got = [g / 1000 for g in tr.get("got", []) if g / 1000 >= key + row.get("change_end", 1e18)]
        row["page_got"] = got[0] - key if got else None
        done = tr.get("done") or [None, None, None]
        row["banner"] = done[1] / 1000 if done[1] is not None else None
        row["drawn"] = done[0] / 1000
        rows.append(row)
    out: dict = {"rows": rows, "start": [e for e in events if e["ev"] == "start"]}
    for k in ("send",) + kinds + ("page_got", "banner", "drawn"):
        got = [r[k] for r in rows if r.get(k) is not None]
        if got:
            out[k] = {
                "n": len(got),
                "median_s": round(statistics.median(got), 3),
                "p95_s": round(summary(got)["p95_ms"] / 1000, 3),
                "max_s": round(max(got), 3),
            }
    if rows:
        keys = [r["key"] for r in rows]
        out["key_spread_s"] = round(max(keys) - min(keys), 2)
        out["visibility"] = sorted({(r["visibility"], r["focus"]) for r in rows})
    return out


def same(a: str, b: str) -> bool:
    """Two values of a ``v_model`` message, as the page and the server logged them, equal."""
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return a.strip() == b.strip()


def summaries(times: list[tuple[float, float]]) -> dict:
    """:func:`summary` of the times in the page (the figures judged) and, as ``outside``, of the
    same actions as this script saw them (with Playwright's round trips to the page)."""
    if not times:
        return {}
    return {**summary([t for t, _ in times]), "outside": summary([t for _, t in times])}


def renice(pid: int, nice: int) -> None:
    """Every thread of process ``pid`` at ``nice`` (Linux's nice is per thread; the threads it
    starts later take their creator's); its worker processes keep theirs."""
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            os.setpriority(os.PRIO_PROCESS, int(task.name), nice)
    except PermissionError:
        raise SystemExit(f"error: --server-nice {nice}: only root may raise a priority") from None


def start_server(name: str, trace: bool = False):
    """The page's server on a free port of 127.0.0.1, with the kernel cull timeout :data:`CULL`
    and its memory log on: (process, url, log path, memory log path); exits with its message
    when it does not start."""
    port = serve.free_port()
    log = Path("/tmp") / f"{name}_{port}.log"
    mlog = Path("/tmp") / f"{name}_{port}_memory.jsonl"
    env = {"SOLARA_KERNEL_CULL_TIMEOUT": CULL, "SIM_APP_MEMORY_LOG": str(mlog)}
    if trace:  # the server's half of --trace
        env["BENCH_TRACE_LOG"] = str(TRACE_LOG)
        TRACE_LOG.unlink(missing_ok=True)
        paths = [str(Path(__file__).with_name("trace_server")), os.environ.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    try:
        server = serve.start(port, log, env)
    except serve.ServerError as exc:
        raise SystemExit(f"error: {exc}") from None
    return server, f"http://127.0.0.1:{port}/", log, mlog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="Steps of the single student")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--class-steps", type=int, default=10)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between actions")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per action, max")
    parser.add_argument(
        "--no-setting", action="store_true", help="a variant: the class only steps (no setting)"
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="a diagnostic, not the default design: time each setting's message from the key "
        "press through the server (trace_server/sitecustomize.py) to the banner",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="a diagnostic, not the default design: the class's six runs are computed before "
        "the class (what a setting costs once its run is stored)",
    )
    parser.add_argument(
        "--floor",
        choices=floor_page.MODES,
        help="the harness's floor, not the teaching page: the same class against a bare page "
        "or the page's run view alone (floor_page.py; every run computed first)",
    )
    parser.add_argument(
        "--clients-nice",
        type=int,
        default=CLIENTS_NICE,
        help="a variant: the nice value of this script, its Playwright driver and Chromium "
        f"(the server, started before, keeps its own; default {CLIENTS_NICE}, every earlier "
        "figure's design)",
    )
    parser.add_argument(
        "--server-nice",
        type=int,
        help="a diagnostic: the server's threads at this nice value once it answers (-10: "
        "above every client, Chromium's browser and GPU processes at -8 included; root only)",
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("bench_results.json"))
    args = parser.parse_args()
    if not 0 <= args.clients_nice <= 19:
        parser.error(f"--clients-nice: {args.clients_nice} is not a nice value in 0-19")
    global TRACING
    TRACING = args.trace
    if args.floor:
        port = serve.free_port()
        server = floor_page.start(port, args.floor, Path(f"/tmp/floor_page_{port}.log"))
        url, mlog = f"http://127.0.0.1:{port}/", None
    else:
        server, url, _, mlog = start_server("bench_page", args.trace)
    results: dict = {
        "load_before": os.getloadavg(),
        "clients_nice": args.clients_nice,
        "server_nice": args.server_nice,
    }
    try:
        if args.server_nice is not None:
            renice(server.pid, args.server_nice)
        os.nice(args.clients_nice)  # this script and what it starts from now on: the browsers
        memory: dict = {"idle": ask_memory(server, mlog)}
        results["one_student"] = summaries(asyncio.run(one_student(url, args.steps, args.timeout)))
        results["load_after_one"] = os.getloadavg()
        if args.warm:
            asyncio.run(warm_runs(url, args.timeout))
            results["warm"] = WARM_LINKS
        time.sleep(1)
        memory["before_class"] = ask_memory(server, mlog)
        results["class"] = asyncio.run(
            a_class(
                url,
                args.students,
                args.class_steps,
                args.think,
                args.timeout,
                server,
                memory,
                mlog,
                not args.no_setting,
            )
        )
        results["load_after_class"] = os.getloadavg()
        traces = results["class"].pop("page_traces")
        if args.trace:
            results["trace"] = trace_table(traces, TRACE_LOG)
        cull = float(CULL.rstrip("s"))
        if not args.floor:  # the kernels are culled, collected and their memory given back
            time.sleep(cull + 15)
        memory["after_leaving"] = ask_memory(server, mlog)
        memory["releases"] = [line for line in memory_log(mlog) if line["event"] == "released"]
        n = max(args.students, 1)
        for key in ("rss_mb", "heap_mb"):
            if all(key in memory[k] for k in ("before_class", "connected", "after_leaving")):
                memory[f"per_student_{key}"] = round(
                    (memory["connected"][key] - memory["before_class"][key]) / n, 2
                )
                memory[f"released_{key}"] = round(
                    memory["peak"][key] - memory["after_leaving"][key], 1
                )
        results["memory"] = memory
    finally:
        serve.stop(server)
    results["students"] = args.students
    results["floor"] = args.floor
    results["uptime"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    one, klass = results["one_student"], results["class"]
    print(f"load: {results['uptime']}")
    print("| who | actions | median ms | p95 ms | max ms | outside: median, p95, max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    rows = [("1 student, Step", one)] + [
        (f"{args.students} students, {key}", klass[key])
        for key in ("steps", "setting_change", "all_actions")
        if klass[key]
    ]
    for who, s in rows:
        o = s["outside"]
        print(
            f"| {who} | {s['n']} | {s['median_ms']} | {s['p95_ms']} | {s['max_ms']} | "
            f"{o['median_ms']}, {o['p95_ms']}, {o['max_ms']} |"
        )
    print(f"errors: {len(klass['errors'])} {klass['errors'][:3]}")
    m = results["memory"]
    for key in ("idle", "before_class", "connected", "peak", "after_leaving"):
        print(f"memory {key}: {m[key]}")
    print({k: v for k, v in m.items() if k.startswith(("per_student", "released_"))})
    print(f"cpu during the class: {klass['cpu']}; idle, all connected: {klass['idle_cpu']}")
    print(f"a setting change's stages (ms from the key press): {klass['setting_stages']}")
    wire = {k: v for k, v in klass["setting_wire_stages"].items() if k != "rows_s"}
    print(f"a setting change on the wire (gaps, ms): {wire}")
    fetch = {k: v for k, v in klass["setting_fetch_stages"].items() if k != "rows_s"}
    print(f"a setting change's frames over HTTP (gaps, ms): {fetch}")
    if args.trace:
        t = results["trace"]
        print(f"trace (s from the key press): { {k: v for k, v in t.items() if k != 'rows'} }")


if __name__ == "__main__":
    main()
