"""Load benchmark of the class mode (``/class``): a teacher and a class in headless Chromium.

Starts the page's server (``python -m sim.app.serve``, as ``make app``) on a free port of
127.0.0.1 (its own server, stopped at the end whatever happens; the helpers, Chromium flags and
memory log of ``bench_page.py``), then:

1. a teacher opens a class session (world y2014) and reads its join code;
2. ``--students`` students arrive one after another (one browser context each, all in one
   Chromium): each opens ``/class``, types the code, gives a name and takes the first free
   nation in the list (so every student holds a distinct nation). Timed: the click on
   "Take this nation" until the student's nation page is drawn;
3. with ``--second`` a second teacher opens another class and three students join it; they take
   the first free nations of *their* class, the same nations as the first class's first three
   students (refused if the classes shared state);
4. ``--years`` times: every student at once (student ``i`` starting ``i/N * --think`` s late)
   moves its budget slider ``1 + i % 3`` notches up with the keyboard, waits for the server to
   show the value, and clicks "Set my budget" (timed until the page shows "Chosen for next
   year: <value>%"); students ``0, 1`` and every third one propose a tie with the first nation
   in their list (students 0 and 1 with each other: a tie that both propose must form; the
   others with student 0's nation, one-sided: it must not form), timed until the page shows
   "Ties chosen for next year: propose <nation>" (before 20:35 the page showed nothing: see the
   README). Then the teacher's roster must list every student's budget and proposals, and the
   teacher clicks "Step the
   world" (timed until the teacher's dashboard shows the new year, and until each student's page
   does, on the machine's one clock: ``performance.timeOrigin`` of each page). After a step each
   student's page must show the budget it set as this year's share and "No budget chosen yet".
   The second class steps only in the first year: at the end it must show 2015 while the first
   shows 2014 + ``--years``, and neither roster may name the other's students;
5. the server's memory (RSS and heap in use) before the class, with every student joined, at the
   end, and after everyone left and the kernel cull timeout passed; CPU of the server and of the
   browsers over the joins and over the years.

Every wait is in the page (a ``MutationObserver`` and a task posted after the frame that shows
the result, as ``bench_page.py``): timing starts at the input event's own time stamp of a real
mouse click where the page says the button is (``elementFromPoint``). Prints a table and writes
``bench_class_results.json`` beside this file. Usage::

    .venv/bin/python experiments/app/bench_class.py --students 5 --years 3   # quick
    .venv/bin/python experiments/app/bench_class.py --second                 # 30 students
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_page import (  # noqa: E402  (this directory's script, not a package)
    ARGS,
    CHROMIUM,
    CULL,
    ask_memory,
    browsers,
    cpu_s,
    server_processes,
    start_server,
    summaries,
)

from sim.app import serve  # noqa: E402

START_YEAR = 2014  # the class's world: y2014

#: the in-page timer of the class mode (installed in every page before it loads): ``arm`` waits
#: for the click (``pointerdown``) on ``target`` and for an element matching ``selector`` whose
#: text has ``text``; ``watch`` waits for that without a click (a student waiting for the
#: teacher's Step). Both resolve, after the frame that drew it, with epoch milliseconds (the
#: page's ``timeOrigin`` + its clock: comparable between the pages of one machine)
TIMER = """
window.__cb = {
  has(selector, text) {
    return () => [...document.querySelectorAll(selector)].some(
      (e) => e.textContent.includes(text));
  },
  until(ready) {
    return new Promise((resolve) => {
      const check = () => {
        if (!ready()) return false;
        const after = new MessageChannel();
        after.port1.onmessage = () => resolve(performance.timeOrigin + performance.now());
        after.port2.postMessage(0);
        return true;
      };
      if (check()) return;
      const seen = new MutationObserver(() => { if (check()) seen.disconnect(); });
      seen.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  },
  arm(target, selector, text) {
    let start = null;
    const shown = this.has(selector, text);
    addEventListener("pointerdown", (e) => {
      if (start === null) start = performance.timeOrigin + e.timeStamp;
    }, { capture: true, once: true });
    this.done = this.until(() => start !== null && shown()).then((t) => [start, t]);
    const button = document.querySelector(target);
    if (!button) return null;
    button.scrollIntoView({ block: "center" });
    const box = button.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    return button.contains(document.elementFromPoint(x, y)) ? [x, y] : null;
  },
  watch(selector, text) {
    this.year = this.until(this.has(selector, text));
  },
};
"""


class Lost(RuntimeError):
    """An action the page did not carry out or showed wrongly (an error of the run)."""


async def open_class(browser, url: str, timeout: float):
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    await context.add_init_script(TIMER)
    page = await context.new_page()
    page.set_default_timeout(timeout * 1000)
    await page.goto(url + "class", timeout=timeout * 1000)
    await page.locator(".open-class").wait_for()
    return context, page


async def click_timed(page, target: str, selector: str, text: str, timeout: float):
    """A mouse click on ``target``, timed in the page until ``selector`` shows ``text``: (seconds
    in the page, seconds seen by this script, epoch ms of the click)."""
    await page.locator(target).first.wait_for()
    where = await page.evaluate("(a) => window.__cb.arm(...a)", [target, selector, text])
    if where is None:
        raise Lost(f"{target} is hidden under another element")
    started = time.perf_counter()
    await page.mouse.click(*where)
    start, shown = await asyncio.wait_for(page.evaluate("window.__cb.done"), timeout)
    return (shown - start) / 1000, time.perf_counter() - started, start


async def first_option(page, label: str) -> str:
    """Pick the first option of the select labelled ``label``; its text."""
    await page.locator(".v-select", has_text=label).first.click()
    option = page.get_by_role("option").first
    text = (await option.inner_text()).strip()
    await option.click()
    await page.locator(".v-select", has_text=text).first.wait_for()
    return text


async def join(page, code: str, name: str, timeout: float):
    """A student types the code, its name and takes the first free nation (timed)."""
    await page.get_by_label("Join code").fill(code.lower())
    await page.locator(".join-class").click()
    await page.get_by_label("Your name").fill(name)
    nation = await first_option(page, "Your nation")
    taken = await click_timed(page, ".take-nation", ".my-share", "of GDP this year", timeout)
    title = await page.locator("h2").first.inner_text()
    if nation not in title or name not in title:
        raise Lost(f"{name} took {nation!r}, the page says {title!r}")
    return nation, taken


async def set_budget(page, notches: int, timeout: float):
    """The slider ``notches`` up, then "Set my budget", timed until the choice is shown."""
    slider = page.locator(".v-input", has_text="My budget").get_by_role("slider")
    await slider.focus()
    for _ in range(notches):
        await page.keyboard.press("ArrowRight")
    value = float(await slider.get_attribute("aria-valuenow"))
    await page.get_by_text(f"My budget next year: {value:.1f}% of GDP").wait_for()
    shown = f"Chosen for next year: {value:.1f}%"
    return value, await click_timed(page, ".set-budget", ".my-choice", shown, timeout)


async def propose(page, timeout: float):
    """Propose a tie with the first nation of the list, timed until the page shows it: (its
    name, (seconds in the page, seconds seen by this script, epoch ms of the click))."""
    partner = await first_option(page, "A nation")
    shown = f"propose {partner}"
    return partner, await click_timed(page, ".propose-tie", ".my-ties", shown, timeout)


async def allies(page) -> set[str]:
    text = await page.locator(".my-allies").inner_text()
    listed = text.split("Allies now:", 1)[1].strip()
    return set() if listed == "none" else {a.strip() for a in listed.split(",")}


async def roster_has(teacher, rows: list[tuple[str, str]], timeout: float) -> None:
    """Wait until the teacher's roster shows each (student, budget) of ``rows``."""
    deadline = time.monotonic() + timeout
    while True:
        text = await teacher.locator(".class-roster").inner_text()
        lines = text.splitlines()
        missing = [(n, b) for n, b in rows if not any(n in ln and b in ln for ln in lines)]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise Lost(f"the teacher's roster lacks {missing[:3]} after {timeout:.0f} s")
        await asyncio.sleep(0.25)


async def teacher_step(teacher, students: list, year: int, timeout: float) -> dict:
    """The teacher's Step to ``year``, timed until its dashboard and each student's page show it."""
    for page in students:
        await page.evaluate("(y) => window.__cb.watch('h2', '· year ' + y)", year)
    took, outside, start = await click_timed(
        teacher, ".teacher-step", ".class-year", f"Year {year}", timeout
    )
    seen = await asyncio.gather(
        *(asyncio.wait_for(p.evaluate("window.__cb.year"), timeout) for p in students)
    )
    return {"teacher": (took, outside), "students": [(t - start) / 1000 for t in seen]}


async def a_class(args, url: str, server, mlog: Path, memory: dict) -> dict:
    from playwright.async_api import async_playwright

    errors: list[str] = []
    checks: dict[str, int] = {"budgets_applied": 0, "mutual_tie_present": 0, "one_sided_kept": 0}
    times: dict[str, list] = {
        "join": [],
        "budget": [],
        "tie": [],
        "step_teacher": [],
        "step_student": [],
    }
    cpu: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        procs = server_processes(server)
        c0 = (time.perf_counter(), cpu_s(procs), cpu_s(browsers(server)))
        tctx, teacher = await open_class(browser, url, args.timeout)
        contexts = [tctx]
        await teacher.locator(".open-class").click()
        code = (await teacher.locator(".join-code").inner_text()).split("code ")[-1].rstrip(".")
        pupils = []  # (name, nation, page)
        for i in range(args.students):  # one after another, as a class arrives
            ctx, page = await open_class(browser, url, args.timeout)
            contexts.append(ctx)
            name = f"S{i:02d}"
            try:
                nation, (took, outside, _) = await join(page, code, name, args.timeout)
                times["join"].append((took, outside))
                pupils.append((name, nation, page))
            except Exception as exc:
                errors.append(f"join {name}: {exc!r}"[:300])
        second: dict = {}
        if args.second:
            sctx, other = await open_class(browser, url, args.timeout)
            contexts.append(sctx)
            await other.locator(".open-class").click()
            code2 = (await other.locator(".join-code").inner_text()).split("code ")[-1].rstrip(".")
            theirs = []
            for i in range(3):
                ctx, page = await open_class(browser, url, args.timeout)
                contexts.append(ctx)
                try:
                    nation, _ = await join(page, code2, f"B{i}", args.timeout)
                    theirs.append((f"B{i}", nation, page))
                except Exception as exc:
                    errors.append(f"join B{i} (second class): {exc!r}"[:300])
            second = {
                "code": code2,
                "same_nations_as_first": all(
                    a[1] == b[1] for a, b in zip(theirs, pupils, strict=False)
                ),
            }
        c1 = (time.perf_counter(), cpu_s(procs), cpu_s(browsers(server)))
        cpu["joins"] = _cpu(c0, c1)
        memory["joined"] = ask_memory(server, mlog)
        pages = [page for _, _, page in pupils]
        nations = [n for _, n, _ in pupils]
        years_done = 0
        deadline = time.monotonic() + 60 * args.max_minutes
        for k in range(1, args.years + 1):
            if time.monotonic() > deadline:  # a bounded run: report the years done
                errors.append(f"stopped after {k - 1} years: --max-minutes {args.max_minutes}")
                break
            year = START_YEAR + k
            years_done = k
            chosen: dict[int, float] = {}
            proposed: dict[int, str] = {}
            before = [await allies(page) for page in pages]

            async def student(i: int, page, chosen=chosen, proposed=proposed, year=year) -> None:
                await page.wait_for_timeout(int(1000 * args.think * i / max(len(pages), 1)))
                try:
                    value, (took, outside, _) = await set_budget(page, 1 + i % 3, args.timeout)
                    chosen[i] = value
                    times["budget"].append((took, outside))
                    if i in (0, 1) or i % 3 == 0:
                        proposed[i], (took, outside, _) = await propose(page, args.timeout)
                        times["tie"].append((took, outside))
                except Exception as exc:
                    errors.append(f"year {year - 1} {pupils[i][0]}: {exc!r}"[:300])

            jobs = [student(i, page) for i, page in enumerate(pages)]
            if second and k == 1:
                jobs += [student_b(page, errors, args.timeout) for _, _, page in theirs]
            await asyncio.gather(*jobs)
            try:
                rows = [(pupils[i][0], f"{v:.1f}%") for i, v in chosen.items()]
                rows += [(pupils[i][0], f"propose {other}") for i, other in proposed.items()]
                await roster_has(teacher, rows, args.timeout)
                stepped = await teacher_step(teacher, pages, year, args.timeout)
                times["step_teacher"].append(stepped["teacher"])
                times["step_student"] += [(t, t) for t in stepped["students"]]
                if second and k == 1:
                    await roster_has(other, [(n, "%") for n, _, _ in theirs], args.timeout)
                    await teacher_step(other, [pg for _, _, pg in theirs], year, args.timeout)
            except Exception as exc:
                errors.append(f"step to {year}: {exc!r}"[:300])
                continue
            for i, page in enumerate(pages):
                try:
                    await check_year(page, chosen.get(i), checks)
                    now = await allies(page)
                    if i in proposed and len(nations) == 1:  # a nation the model plays
                        if proposed[i] not in now:
                            raise Lost(f"the tie proposed to {proposed[i]} did not form")
                    elif i in proposed and i in (0, 1):
                        if nations[1 - i] not in now:
                            raise Lost(f"the tie both proposed ({nations[1 - i]}) did not form")
                        checks["mutual_tie_present"] += 1
                    elif i in proposed and proposed[i] not in before[i]:
                        if proposed[i] in now:  # student 0 never proposes to student i
                            raise Lost(f"a one-sided proposal to {proposed[i]} formed a tie")
                        checks["one_sided_kept"] += 1
                except Exception as exc:
                    errors.append(f"after the step to {year}, {pupils[i][0]}: {exc!r}"[:300])
        if second:
            second.update(await separate(teacher, other, pupils, theirs, args.years))
        c2 = (time.perf_counter(), cpu_s(procs), cpu_s(browsers(server)))
        cpu["years"] = _cpu(c1, c2)
        n_actions = len(times["budget"]) + len(times["tie"]) + len(times["step_teacher"])
        cpu["years"]["server_cpu_ms_per_action"] = round(
            1000 * cpu["years"]["server_cpu_s"] / max(n_actions, 1), 1
        )
        memory["end"] = ask_memory(server, mlog)
        for page in [teacher, *pages]:
            body = await page.inner_text("body")
            if "Traceback" in body or "Not done" in body:
                errors.append(f"a page shows an error: {body[:200]!r}")
        for ctx in contexts:
            await ctx.close()
        await browser.close()
    return {
        "years_done": years_done,
        "join": summaries(times["join"]),
        "budget_set": summaries(times["budget"]),
        "tie_proposal": summaries(times["tie"]),
        "step_teacher": summaries(times["step_teacher"]),
        "step_student": summaries(times["step_student"]),
        "errors": errors,
        "checks": checks,
        "second_class": second,
        "cpu": cpu,
    }


async def student_b(page, errors: list[str], timeout: float) -> None:
    """A student of the second class sets a budget (untimed)."""
    try:
        await set_budget(page, 2, timeout)
    except Exception as exc:
        errors.append(f"second class: {exc!r}"[:300])


async def check_year(page, value: float | None, checks: dict) -> None:
    """After a Step: the student's budget is this year's share, and nothing is chosen yet."""
    await page.locator(".my-choice", has_text="No budget chosen yet").wait_for()
    if value is None:
        return
    share = await page.locator(".my-share").inner_text()
    if f"spends {value:.2f}% of GDP" not in share:
        raise Lost(f"set {value:.1f}%, the page says {share!r}")
    checks["budgets_applied"] += 1


async def separate(teacher, other, pupils, theirs, years: int) -> dict:
    """The two classes' years and rosters after the run."""
    first = await teacher.locator(".class-year").inner_text()
    second = await other.locator(".class-year").inner_text()
    roster1 = await teacher.locator(".class-roster").inner_text()
    roster2 = await other.locator(".class-roster").inner_text()
    return {
        "first_year_shown": first,
        "second_year_shown": second,
        "years_separate": f"Year {START_YEAR + years}" in first and "Year 2015" in second,
        "rosters_separate": not any(n in roster1 for n, _, _ in theirs)
        and not any(n in roster2 for n, _, _ in pupils)
        and all(n in roster2 for n, _, _ in theirs),
    }


def _cpu(a: tuple, b: tuple) -> dict:
    return {
        "wall_s": round(b[0] - a[0], 1),
        "server_cpu_s": round(b[1] - a[1], 1),
        "browsers_cpu_s": round(b[2] - a[2], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--think", type=float, default=1.0, help="students' spread, seconds")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per action, max")
    parser.add_argument("--second", action="store_true", help="a second class of 3 beside it")
    parser.add_argument(
        "--max-minutes", type=float, default=8.0, help="no new year starts after this"
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("bench_class_results.json")
    )
    args = parser.parse_args()
    server, url, log, mlog = start_server("bench_class")
    results: dict = {"load_before": os.getloadavg(), "args": vars(args) | {"out": str(args.out)}}
    try:
        memory: dict = {"before": ask_memory(server, mlog)}
        results["class"] = asyncio.run(a_class(args, url, server, mlog, memory))
        results["load_after_class"] = os.getloadavg()
        time.sleep(float(CULL.rstrip("s")) + 15)  # kernels culled and their memory given back
        memory["after_leaving"] = ask_memory(server, mlog)
        n = args.students + (4 if args.second else 0) + 1
        for key in ("rss_mb", "heap_mb"):
            if all(key in memory[k] for k in ("before", "joined", "end", "after_leaving")):
                memory[f"per_page_{key}"] = round(
                    (memory["joined"][key] - memory["before"][key]) / n, 2
                )
                memory[f"released_{key}"] = round(
                    memory["end"][key] - memory["after_leaving"][key], 1
                )
        results["memory"] = memory
        results["server_log_tracebacks"] = log.read_text().count("Traceback")
    finally:
        serve.stop(server)
    results["uptime"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    k = results["class"]
    print(f"load: {results['load_before']} -> {results['uptime']}")
    print("| action | n | median ms | p95 ms | max ms | outside: median, p95, max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for key in ("join", "budget_set", "tie_proposal", "step_teacher", "step_student"):
        s = k[key]
        if s:
            o = s["outside"]
            print(
                f"| {key} | {s['n']} | {s['median_ms']} | {s['p95_ms']} | {s['max_ms']} | "
                f"{o['median_ms']}, {o['p95_ms']}, {o['max_ms']} |"
            )
    print(f"years done: {k['years_done']}; errors: {len(k['errors'])} {k['errors'][:5]}")
    print(f"checks: {k['checks']}; second class: {k['second_class']}")
    print(f"cpu: {k['cpu']}; server log tracebacks: {results['server_log_tracebacks']}")
    m = results["memory"]
    for key in ("before", "joined", "end", "after_leaving"):
        print(f"memory {key}: {m[key]}")
    print({key: v for key, v in m.items() if key.startswith(("per_page", "released_"))})


if __name__ == "__main__":
    main()
