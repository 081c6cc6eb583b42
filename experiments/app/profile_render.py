"""The server's render of one session per setting change, in process (no browser, no socket).

Renders the page as ``solara run sim.app.page`` does (its app script, the default layout, one
virtual kernel), computes the runs it will show first, then moves the US spending slider
``--changes`` times between cached runs (0.75, 1, 1.25, 1) and reports, per setting change:
the server's CPU (all threads: the control's render and the new run's), the number of render
passes and of element reconciliations (reacton walks the whole element tree in each pass, and
sets every widget's traits again). ``--cprofile``: the functions with the most cumulative time.
Usage::

    .venv/bin/python experiments/app/profile_render.py
    .venv/bin/python experiments/app/profile_render.py --changes 8 --cprofile
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import time
from dataclasses import replace

import ipywidgets
import reacton.core
import solara.server.app
from solara.server import kernel, kernel_context

from sim.app.controls import Controls
from sim.app.runs import get_ghost, get_run

#: the slider's values in turn (all computed before the timing: only the rendering is timed)
VALUES = (0.75, 1.0, 1.25, 1.0)


def count_renders() -> collections.Counter:
    """Count reacton's render passes (``passes``) and element reconciliations (``elements``)."""
    counts: collections.Counter = collections.Counter()
    render_once = reacton.core._RenderContext._render_once
    reconsolidate = reacton.core._RenderContext._reconsolidate

    def counted_render_once(self, *args, **kwargs):
        counts["passes"] += 1
        return render_once(self, *args, **kwargs)

    def counted_reconsolidate(self, *args, **kwargs):
        counts["elements"] += 1
        return reconsolidate(self, *args, **kwargs)

    reacton.core._RenderContext._render_once = counted_render_once
    reacton.core._RenderContext._reconsolidate = counted_reconsolidate
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=16)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    app = solara.server.app.AppScript("sim.app.page")
    app.check()
    import sim.app.page as page  # loaded by the app script

    counts = count_renders()
    context = kernel_context.VirtualKernelContext(
        id="profile", kernel=kernel.Kernel(), session_id="profile"
    )
    with context:
        context.container = ipywidgets.VBox()
        _, context.app_object = solara.server.app._run_app(None, app, "/")
        for v in set(VALUES):
            c = replace(Controls(), us_spending=v)
            get_run(c)
            get_ghost(c)

        def change(v: float) -> None:
            page.change_control("us_spending", v)
            while page.shown.peek().us_spending != v:  # the run shown (its thread's render)
                time.sleep(0.002)
            time.sleep(0.3)  # any render after it

        for v in VALUES:  # warm
            change(v)
        profile = cProfile.Profile() if args.cprofile else None
        counts.clear()
        started = time.process_time()
        if profile:
            profile.enable()
        for k in range(args.changes):
            change(VALUES[k % len(VALUES)])
        if profile:
            profile.disable()
        cpu = time.process_time() - started
        n = args.changes
        print(
            f"per setting change: server CPU {1000 * cpu / n:.1f} ms (the polling here included), "
            f"{counts['passes'] / n:.1f} render passes, "
            f"{counts['elements'] / n:.0f} element reconciliations"
        )
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
