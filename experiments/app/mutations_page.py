"""Which parts of one page a new run rewrites: DOM mutations per setting change, by part.

Starts its own server on 127.0.0.1 (stopped at the end), opens one page at 1400x900 in headless
Chromium (``bench_page.py``'s flags and in-page timer), moves the US spending slider one notch
down and back once untimed (both runs stored), then ``--rounds`` times more with a
``MutationObserver`` on the whole document, and prints the mutations per setting change (a
record, plus its added and removed nodes) by the nearest part of the page they fall in
(:data:`PARTS`, else "other") and by kind. Usage::

    .venv/bin/python experiments/app/mutations_page.py --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sim.app import serve

sys.path.insert(0, str(Path(__file__).parent))
import bench_page  # noqa: E402  (the benchmark's key presses and in-page timer)

#: the parts of the page, by a class of their root (the first that matches, going up)
PARTS = [
    "run-view",
    "timeline",
    "take-away",
    "computing-banner",
    "run-settings",
    "v-navigation-drawer",
    "v-app-bar",
    "v-select",
    "v-slider",
    "v-input",
    "v-card",
    "v-main",
]
#: a US spending notch down, then back
SETTINGS = [("US spending", "ArrowLeft", "US x0.75"), ("US spending", "ArrowRight", "US x1,")]
OBSERVE = """(parts) => {
  window.__mutations = {};
  const part = (node) => {
    for (let e = node.nodeType === 1 ? node : node.parentElement; e; e = e.parentElement) {
      for (const p of parts) if (e.classList.contains(p)) return p;
    }
    return "other";
  };
  new MutationObserver((records) => {
    for (const r of records) {
      const kind = r.type === "attributes" ? `attributes:${r.attributeName}` : r.type;
      const key = `${part(r.target)} ${kind}`;
      window.__mutations[key] =
        (window.__mutations[key] || 0) + 1 + r.addedNodes.length + r.removedNodes.length;
    }
  }).observe(document.body, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
}"""


async def count(url: str, rounds: int) -> dict[str, float]:
    """Mutations per setting change, by part and kind."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=bench_page.CHROMIUM, args=bench_page.ARGS)
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        await context.add_init_script(bench_page.TIMER)
        page = await context.new_page()
        await page.goto(url, timeout=120_000)
        await page.locator(".chart-map .gtitle").first.wait_for(timeout=120_000)
        await page.wait_for_timeout(2000)
        for label, key, running in SETTINGS:  # untimed: both runs stored
            await bench_page.press_key(page, label, key, running, 60)
            await page.wait_for_timeout(800)
        await page.evaluate(OBSERVE, PARTS)
        for label, key, running in SETTINGS * rounds:
            await bench_page.press_key(page, label, key, running, 60)
            await page.wait_for_timeout(1500)
        seen = await page.evaluate("() => window.__mutations")
        await browser.close()
    n = len(SETTINGS) * rounds
    return {k: v / n for k, v in sorted(seen.items(), key=lambda kv: -kv[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="cycles of 2 setting changes")
    args = parser.parse_args()
    port = serve.free_port()
    server = serve.start(port, Path("/tmp") / f"mutations_page_{port}.log")
    try:
        for key, per_change in asyncio.run(count(f"http://127.0.0.1:{port}/", args.rounds)).items():
            print(f"{per_change:8.1f}  {key}")
    finally:
        serve.stop(server)


if __name__ == "__main__":
    main()
