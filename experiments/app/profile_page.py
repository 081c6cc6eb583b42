"""Where one page's browser CPU goes: per Step and per setting change, in headless Chromium.

Starts its own server on 127.0.0.1 (stopped at the end), opens one page at 1400x900 and reads
Chromium's own counters through the DevTools protocol (``Performance.getMetrics``: TaskDuration,
ScriptDuration, LayoutDuration, RecalcStyleDuration, in seconds of the renderer's main thread)
before and after ``--steps`` clicks on Step and before and after one setting change; with
``--profile`` also the JavaScript functions with the most self time (``Profiler``). Usage::

    .venv/bin/python experiments/app/profile_page.py --steps 10 --profile
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import time
from pathlib import Path

import psutil

from sim.app import serve

CHROMIUM = "/usr/bin/chromium"
SETTINGS = [
    ("US spending", "ArrowLeft", "US x0.75"),
    ("China spending", "ArrowRight", "China x1.25"),
    ("US spending", "ArrowRight", "US x1,"),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
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


async def metrics(cdp) -> dict[str, float]:
    """The page's main-thread counters, and ``CPU``: the CPU seconds of every Chromium process
    (renderer, GPU, browser) and of the Playwright driver."""
    got = await cdp.send("Performance.getMetrics")
    out = {m["name"]: m["value"] for m in got["metrics"] if m["name"] in METRICS}
    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            if "solara" not in " ".join(proc.cmdline()[:3]):
                t = proc.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    out["CPU"] = total
    return out


def per_action(before: dict, after: dict, n: int) -> str:
    return ", ".join(
        f"{k.removesuffix('Duration')} {1000 * (after[k] - before[k]) / n:.0f} ms"
        for k in ("CPU", *METRICS)
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


async def run(url: str, steps: int, profile: bool) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Performance.enable")
        await page.goto(url, timeout=120_000)
        await page.locator(".chart-map .gtitle").first.wait_for(timeout=120_000)
        await page.wait_for_timeout(2000)
        await page.evaluate(WRAP)
        if profile:
            await cdp.send("Profiler.enable")
            await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        for name in ("idle", "steps", "setting"):
            if profile:
                await cdp.send("Profiler.start")
            before = await metrics(cdp)
            started = time.perf_counter()
            if name == "idle":  # the page's own background work over the time of 10 Steps
                await page.wait_for_timeout(370 * steps)
                n = steps
            elif name == "steps":
                for k in range(1, steps + 1):
                    await page.get_by_role("button", name="Step").click()
                    await page.locator(".chart-map .gtitle", has_text=str(2024 + k)).wait_for()
                    await page.wait_for_timeout(300)  # the year's sync-back to the server
                n = steps
            else:  # three new runs: US down, China up, US back
                for label, key, running in SETTINGS:
                    slider = page.locator(".v-input", has_text=label).get_by_role("slider")
                    await slider.focus()
                    await slider.press(key)
                    await page.locator(f".run-view[data-run*='{running}']").wait_for(timeout=60_000)
                    await page.wait_for_timeout(500)
                n = len(SETTINGS)
            after = await metrics(cdp)
            wall = time.perf_counter() - started
            print(
                f"{name}: {n} actions in {wall:.1f} s; per action: {per_action(before, after, n)}"
            )
            spent = await page.evaluate(
                "() => { const t = window.__plotlyTime; window.__plotlyTime = {}; return t; }"
            )
            print(
                "  in plotly.js calls, per action:", {k: round(v / n, 1) for k, v in spent.items()}
            )
            if profile:
                got = await cdp.send("Profiler.stop")
                print("\n".join(top_functions(got["profile"])))
        await context.close()
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="the top JavaScript functions")
    args = parser.parse_args()
    port = serve.free_port()
    server = serve.start(port, Path("/tmp") / f"profile_page_{port}.log")
    try:
        asyncio.run(run(f"http://127.0.0.1:{port}/", args.steps, args.profile))
    finally:
        serve.stop(server)


if __name__ == "__main__":
    main()
