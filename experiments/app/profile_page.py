"""Where one page's browser CPU goes: per Step and per setting change, in headless Chromium.

Starts its own server on 127.0.0.1 (stopped at the end), opens one page at 1400x900 and reads
Chromium's own counters through the DevTools protocol (``Performance.getMetrics``: TaskDuration,
ScriptDuration, LayoutDuration, RecalcStyleDuration, in seconds of the renderer's main thread)
and the CPU of each kind of Chromium process, of the Playwright driver and of the server, before
and after ``--steps`` clicks on Step and ``--rounds`` cycles of four setting changes, each
clicked, pressed and timed as ``bench_page.py`` does; first the page left alone (``idle``) and
with solara's busy bar up (``busy``: what a page costs while the server takes over 0.3 s to
answer), each for the time of ``--steps`` Steps, per 370 ms. ``--profile``: the JavaScript functions
with the most self time (``Profiler``); ``--trace``: self time per Chromium trace event and
thread; ``--py-spy OUT``: the server's stacks during the setting changes. Usage::

    .venv/bin/python experiments/app/profile_page.py --steps 30 --rounds 3
    .venv/bin/python experiments/app/profile_page.py --steps 10 --profile --trace
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from sim.app import serve

sys.path.insert(0, str(Path(__file__).parent))
import bench_page  # noqa: E402  (the benchmark's clicks, key presses and in-page timer)

CHROMIUM = bench_page.CHROMIUM
#: a cycle of new runs back to the default: US down, China up, US back, China back
SETTINGS = [
    ("US spending", "ArrowLeft", "US x0.75"),
    ("China spending", "ArrowRight", "China x1.25"),
    ("US spending", "ArrowRight", "US x1,"),
    ("China spending", "ArrowLeft", "China x1,"),
]
ARGS = bench_page.ARGS
#: times plotly.js's calls (synchronous part, ms) in window.__plotlyTime
WRAP = """() => {
  window.__plotlyTime = {};
  for (const name of ["react", "newPlot", "restyle", "relayout", "update", "purge"]) {
    const f = window.Plotly[name];
    window.Plotly[name] = function (...args) {
      const t0 = performance.now();
      try { return f.apply(this, args); } finally {
        const chart = args[0].closest(".chart");
        const key = `${name} ${chart ? chart.className : ""}`;
        window.__plotlyTime[key] = (window.__plotlyTime[key] || 0) + performance.now() - t0;
      }
    };
  }
}"""
METRICS = (
    "TaskDuration",
    "ScriptDuration",
    "LayoutDuration",
    "RecalcStyleDuration",
    "TaskOtherDuration",
)


def process_kind(proc: psutil.Process) -> str:
    """``renderer``, ``gpu``, ``utility``, ``browser`` (Chromium's main process) or ``driver``."""
    line = " ".join(proc.cmdline())
    if "chromium" not in line and "chrome" not in line:
        return "driver"
    found = re.search(r"--type=([a-z-]+)", line)
    kind = found.group(1) if found else "browser"
    return {"gpu-process": "gpu", "zygote": "browser"}.get(kind, kind)


async def metrics(cdp, server) -> dict[str, float]:
    """The page's main-thread counters, and ``CPU``: the CPU seconds of every Chromium process
    (renderer, GPU, browser) and of the Playwright driver, also split by kind of process
    (``CPU renderer``, ``CPU browser``, ...); ``server CPU``: the server's and its workers'."""
    got = await cdp.send("Performance.getMetrics")
    out = {m["name"]: m["value"] for m in got["metrics"] if m["name"] in METRICS}
    out.update({f"CPU {k}": 0.0 for k in KINDS})  # zygotes count as the browser
    for proc in bench_page.browsers(server):
        try:
            t = proc.cpu_times()
            out[f"CPU {process_kind(proc)}"] += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    out["CPU"] = sum(out[f"CPU {k}"] for k in KINDS)
    threads = renderer_threads(bench_page.browsers(server))
    out.update({f"renderer {k}": v for k, v in threads.items()})
    out["server CPU"] = bench_page.cpu_s(bench_page.server_processes(server))
    return out


KINDS = ("renderer", "browser", "gpu", "utility", "driver")
#: the renderer's threads by name (/proc/<pid>/task/<tid>/comm; the main thread is the one whose
#: id is the process's): the compositor thread, the raster and other pool workers (V8's
#: background GC, HTML parsing, ...)
THREADS = {"Compositor": "compositor"}


def renderer_threads(procs: list[psutil.Process]) -> dict[str, float]:
    """CPU seconds of the renderers' threads, summed by kind (:data:`THREADS`; pool workers as
    ``workers``, the rest as ``other``), read from ``/proc``."""
    out = {"main": 0.0, "compositor": 0.0, "workers": 0.0, "other": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for proc in procs:
        try:
            if process_kind(proc) != "renderer":
                continue
            tasks = Path(f"/proc/{proc.pid}/task")
            for task in tasks.iterdir():
                name = (task / "comm").read_text().strip()
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                used = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
                kind = THREADS.get(name, "workers" if name.startswith("ThreadPool") else "other")
                kind = "main" if task.name == str(proc.pid) else kind
                out[kind] += used
        except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
            pass
    return out


def per_action(before: dict, after: dict, n: int) -> str:
    keys = (
        "CPU",
        *(f"CPU {k}" for k in KINDS),
        *(f"renderer {k}" for k in ("main", "compositor", "workers", "other")),
        *METRICS,
        "server CPU",
    )
    return ", ".join(
        f"{k.removesuffix('Duration')} {1000 * (after[k] - before[k]) / n:.0f} ms" for k in keys
    )


def trace_summary(trace: dict, n: int, top: int = 14) -> list[str]:
    """Self time per event name and thread of a Chromium trace (``X`` events), per action."""
    names = {}
    for e in trace["traceEvents"]:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            names[(e["pid"], e["tid"])] = e["args"]["name"]
    by_thread = collections.defaultdict(list)
    for e in trace["traceEvents"]:
        if e.get("ph") == "X" and "dur" in e:
            by_thread[(e["pid"], e["tid"])].append(e)
    self_time = collections.Counter()
    for key, events in by_thread.items():
        events.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack: list[list] = []  # [end, name, self]
        for e in events:
            while stack and stack[-1][0] <= e["ts"]:
                end, name, own = stack.pop()
                self_time[(names.get(key, "?"), name)] += own
            if stack:
                stack[-1][2] -= e["dur"]
            stack.append([e["ts"] + e["dur"], e["name"], e["dur"]])
        for _, name, own in stack:
            self_time[(names.get(key, "?"), name)] += own
    thread_total = collections.Counter()
    for (thread, _), v in self_time.items():
        thread_total[thread] += v
    lines = [f"{v / 1000 / n:7.1f} ms  thread {t}" for t, v in thread_total.most_common(6)]
    main = [(k, v) for k, v in self_time.items() if k[0] == "CrRendererMain"]
    main.sort(key=lambda kv: -kv[1])
    return (
        lines
        + [f"{v / 1000 / n:7.1f} ms  {t}: {name}" for (t, name), v in self_time.most_common(top)]
        + ["  the page's main thread:"]
        + [f"{v / 1000 / n:7.1f} ms  {name}" for (_, name), v in main[:top]]
    )


def top_functions(profile: dict, n: int = 12) -> list[str]:
    """The functions with the most self time in a ``Profiler.stop`` profile."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    dt = collections.Counter()
    times = profile.get("timeDeltas", [])
    for sample, delta in zip(profile.get("samples", []), times[1:] + [0], strict=False):
        frame = nodes[sample]["callFrame"]
        where = (
            f"{frame['functionName'] or '(anon)'} {Path(frame['url']).name}:{frame['lineNumber']}"
        )
        dt[where] += delta
    total = sum(dt.values()) or 1
    by_file = collections.Counter()
    for where, v in dt.items():
        by_file[where.split(" ")[-1].split(":")[0] or "(native)"] += v
    files = [f"{v / 1000:7.1f} ms  file {k}" for k, v in by_file.most_common(8)]
    return files + [
        f"{v / 1000:7.1f} ms {100 * v / total:4.1f}%  {k}" for k, v in dt.most_common(n)
    ]


TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "blink",
    "cc",
    "v8",
    "toplevel",
]


async def run(
    url: str,
    steps: int,
    profile: bool,
    trace: bool,
    server=None,
    py_spy: Path | None = None,
    rounds: int = 1,
    trace_dir: Path | None = None,
    warm: bool = False,
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        await context.add_init_script(bench_page.TIMER)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Performance.enable")
        await page.goto(url, timeout=120_000)
        await page.locator(".chart-map .gtitle").first.wait_for(timeout=120_000)
        await page.wait_for_timeout(2000)
        await page.evaluate(WRAP)
        if warm:  # one cycle untimed: its runs stored (with SIM_APP_AHEAD=0, no others computed)
            for label, key, running in SETTINGS:
                await bench_page.press_key(page, label, key, running, 60)
                await page.wait_for_timeout(500)
            await page.wait_for_timeout(2000)
        if profile:
            await cdp.send("Profiler.enable")
            await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        for name in ("idle", "busy", "steps", "setting"):
            if profile:
                await cdp.send("Profiler.start")
            if trace:
                await browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
            spy = None
            if py_spy and name == "setting":  # the server's stacks while it makes new runs
                spy = subprocess.Popen(
                    [
                        Path(sys.executable).with_name("py-spy"),
                        "record",
                        "--pid",
                        str(server.pid),
                        "--format",
                        "raw",
                        "--rate",
                        "200",
                        "--output",
                        str(py_spy),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                await asyncio.sleep(1)
            before = await metrics(cdp, server)
            started = time.perf_counter()
            took: list[float] = []
            if name == "idle":  # the page's own background work over the time of 10 Steps
                await page.wait_for_timeout(370 * steps)
                n = steps
            elif name == "busy":  # the same while solara's busy bar is up (a slow server)
                await page.evaluate("() => { app.$data.kernelBusyLong = true; }")
                await page.wait_for_timeout(370 * steps)
                await page.evaluate("() => { app.$data.kernelBusyLong = false; }")
                n = steps
            elif name == "steps":  # clicked and timed as the benchmark does (bench_page.py)
                for k in range(1, steps + 1):
                    took.append((await bench_page.step_once(page, 2024 + k, 60))[0])
                    await page.wait_for_timeout(300)  # the year's sync-back to the server
                n = steps
            else:  # new runs: US down, China up, US back, China back (--rounds times)
                for label, key, running in SETTINGS * rounds:
                    took.append((await bench_page.press_key(page, label, key, running, 60))[0])
                    await page.wait_for_timeout(500)
                n = len(SETTINGS) * rounds
            after = await metrics(cdp, server)
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=30)
                print(f"  the server's stacks: {py_spy}")
            wall = time.perf_counter() - started
            print(
                f"{name}: {n} actions in {wall:.1f} s; per action: {per_action(before, after, n)}"
            )
            if took:
                print(f"  in the page, ms: {[round(1000 * t) for t in took]}")
            spent = await page.evaluate(
                "() => { const t = window.__plotlyTime; window.__plotlyTime = {}; return t; }"
            )
            print(
                "  in plotly.js calls, per action:", {k: round(v / n, 1) for k, v in spent.items()}
            )
            if trace:
                got = json.loads(await browser.stop_tracing())
                print("\n".join(trace_summary(got, n, top=24)))
                if trace_dir is not None:
                    trace_dir.mkdir(parents=True, exist_ok=True)
                    (trace_dir / f"{name}.json").write_text(json.dumps(got))
            if profile:
                got = await cdp.send("Profiler.stop")
                print("\n".join(top_functions(got["profile"])))
        await context.close()
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="cycles of 4 setting changes")
    parser.add_argument("--profile", action="store_true", help="the top JavaScript functions")
    parser.add_argument("--trace", action="store_true", help="self time per trace event")
    parser.add_argument("--py-spy", type=Path, help="the server's stacks during the settings")
    parser.add_argument("--trace-dir", type=Path, help="with --trace: save each phase's trace")
    parser.add_argument(
        "--warm", action="store_true", help="one cycle of the settings first, untimed"
    )
    args = parser.parse_args()
    port = serve.free_port()
    server = serve.start(port, Path("/tmp") / f"profile_page_{port}.log")
    try:
        asyncio.run(
            run(
                f"http://127.0.0.1:{port}/",
                args.steps,
                args.profile,
                args.trace,
                server,
                args.py_spy,
                args.rounds,
                args.trace_dir,
                args.warm,
            )
        )
    finally:
        serve.stop(server)


if __name__ == "__main__":
    main()
