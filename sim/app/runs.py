"""A whole run per setting, computed once: the page's Step, Play and year slider show its frames.

A 50-year run of the default world costs ~0.13-0.15 s to simulate and tabulate; the config is
composed by Hydra once per world and scenario and the world read once per process (they cost
~0.13 s and ~0.15 s more per run before). A Step costs nothing on the server: the browser shows
the stored years. Runs are cached by their controls (a run is a pure function of them: same
config and seed, same numbers), so thirty students who pick the same setting share one
computation and the counterfactual of every policy is computed once. The runs one notch away
on each spending slider from a drawn run are computed ahead (:func:`compute_ahead`): by default in
a background thread that gives way to every run someone waits for, or (``SIM_APP_AHEAD=process``)
in one worker process at the lowest OS priority (:mod:`sim.app.worker`), where speculative work
takes only CPU nothing else wants and never holds the server's GIL.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import logging
import multiprocessing
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from sim.app.controls import (
    APP_YEARS,
    POWERS,
    RAMP_YEARS,
    RANGES,
    ControlError,
    Controls,
    cli_command,
    configure,
    counterfactual,
    has_policy_change,
    validate,
)
from sim.app.worker import Worker, WorkerError
from sim.config import ScenarioConfig
from sim.errors import USER_ERRORS
from sim.model import AllianceModel
from sim.runner import build_model

_log = logging.getLogger(__name__)

#: runs kept in memory (a run of the 2024 world holds ~0.3 MB of tables)
CACHE_SIZE = 96
#: how runs are computed ahead (:func:`compute_ahead`; ``SIM_APP_AHEAD``, :func:`ahead_mode`):
#: "thread" (the default) in a thread of the server's process that gives way to the runs someone
#: waits for, "process" in one worker process at nice 19 (no gain measured on the 2-core machine
#: with the class's browsers on it, and ~242 MB more RSS: experiments/app/README.md), "" not
AHEAD_MODES = {"1": "thread", "thread": "thread", "process": "process", "0": ""}


def ahead_mode(raw: str | None) -> str:
    """``SIM_APP_AHEAD`` checked: "thread" (unset, ``1`` or ``thread``), "process" or ""
    (``0``: only the runs asked for are computed)."""
    if raw is None:
        return "thread"
    if raw not in AHEAD_MODES:
        raise ValueError(f"SIM_APP_AHEAD: {raw!r} is not one of {', '.join(AHEAD_MODES)}")
    return AHEAD_MODES[raw]


def ahead_quiet(raw: str | None) -> float:
    """``SIM_APP_AHEAD_QUIET`` checked: seconds without a run asked for before a run is computed
    ahead (unset: 2)."""
    if raw is None:
        return 2.0
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 60:
        raise ValueError(f"SIM_APP_AHEAD_QUIET: {raw!r} is not a number of seconds in [0, 60]")
    return value


def worker_count(raw: str | None) -> int:
    """``SIM_APP_WORKERS`` checked: worker processes that compute the runs asked for (unset: 0,
    in the server's process)."""
    if raw is None:
        return 0
    if not raw.strip().isdigit() or int(raw) > MAX_WORKERS:
        raise ValueError(
            f"SIM_APP_WORKERS: {raw!r} is not a whole number of workers in [0, {MAX_WORKERS}]"
        )
    return int(raw)


#: the most worker processes accepted (each holds ~215 MB of RSS)
MAX_WORKERS = 8
AHEAD = ahead_mode(os.environ.get("SIM_APP_AHEAD"))
#: worker processes that compute the runs (``SIM_APP_WORKERS``; 0, the default: in the server's
#: process). Two workers cost ~430 MB of RSS and, in the class benchmark on 2 cores shared with
#: the 30 browsers, gave no clear gain (experiments/app/README.md)
WORKERS = worker_count(os.environ.get("SIM_APP_WORKERS"))
#: at most this many runs wait to be computed ahead (the newest wanted first; older ones dropped)
AHEAD_QUEUED = 12
#: seconds without any run asked for (a session drawing one, a new setting) before a run is
#: computed ahead, or (in a thread) goes on: the sessions' renders of a class's burst of
#: settings, and the frames they send after, go first (``SIM_APP_AHEAD_QUIET``)
AHEAD_QUIET = ahead_quiet(os.environ.get("SIM_APP_AHEAD_QUIET"))
#: times the worker computing ahead may stop (killed, out of memory) and be started again; then
#: runs are computed only when asked for (each stop is logged)
AHEAD_RESTARTS = 3
#: seconds the thread computing ahead sleeps after each year, handing the GIL to any thread
#: that wants it (the event loop, a session) rather than making it wait for the switch interval
AHEAD_YIELD = 0.001
#: the worker processes that compute runs, once :func:`start_workers` made them (else None:
#: runs are computed in the calling thread)
_workers: concurrent.futures.ProcessPoolExecutor | None = None


def start_workers(n: int) -> None:
    """Compute runs in ``n`` worker processes from now on (``n`` = 0: in the caller's thread).

    A run is pure Python and NumPy holding the GIL for ~0.2-0.3 s: computed in the server's
    process, six new runs at once take turns with each other and with every session's
    rendering. In workers they run beside the sessions (and on another core, if one is free).
    The workers are spawned (not forked from a threaded server) and import the model at once,
    in the background, so the first setting does not wait for them.
    """
    global _workers
    if n <= 0 or _workers is not None:
        return
    _workers = concurrent.futures.ProcessPoolExecutor(
        max_workers=n, mp_context=multiprocessing.get_context("spawn")
    )
    for _ in range(n):
        _workers.submit(_warm)


def _warm() -> None:
    """The default run, computed once in a new worker: it imports the model, composes the
    default config and reads the default world (~0.3 s a worker would add to its first run)."""
    _compute(Controls())


class RunError(ValueError):
    """The controls make no valid run; the message is the config's one-line reason."""


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened in a run: its step, year, kind and a sentence for a class."""

    step: int
    year: int
    kind: str  # shock | schedule | policy | formed | dissolved | joined | withdrew
    text: str


@dataclass(frozen=True, eq=False)  # one object per cached run: compared by identity
class Run:
    """A finished run, as tables by year: what every chart and the map draw from.

    ``share`` (% of GDP), ``milex`` (US$ bn), ``capability`` and ``bloc`` are (year x ISO3)
    frames with one row per step 0..years; ``world`` is the world table; ``events`` the tie
    events; ``treaty_edges`` the ties seeded from treaties at the start.
    """

    controls: Controls
    command: str
    start_year: int
    years: int
    iso3: tuple[str, ...]
    names: dict[str, str]
    majors: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    share: pd.DataFrame
    milex: pd.DataFrame
    capability: pd.DataFrame
    bloc: pd.DataFrame
    world: pd.DataFrame
    events: pd.DataFrame
    treaty_edges: tuple[tuple[str, str, str], ...]
    timeline: tuple[TimelineEvent, ...]

    @property
    def year_range(self) -> tuple[int, int]:
        return self.start_year, self.start_year + self.years

    def edges_at(self, step: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The ties standing after ``step``: (treaty ties, ties formed in the run).

        Replays the tie events onto the treaty ties of the start, so the map of any year is
        exact without storing a graph per year.
        """
        treaty = {frozenset((a, b)): name for a, b, name in self.treaty_edges}
        formed: dict[frozenset, str] = {}
        for row in self.events.itertuples(index=False):
            if row.step > step:
                break
            pair = frozenset((row.a, row.b))
            if row.event in ("formed", "joined"):
                (treaty if row.treaty else formed)[pair] = row.treaty
            else:
                treaty.pop(pair, None)
                formed.pop(pair, None)
        return [tuple(sorted(p)) for p in treaty], [tuple(sorted(p)) for p in formed]

    def tie_spans(self) -> list[tuple[str, str, bool, int, int]]:
        """Every tie of the run with the steps it stands: ``(a, b, formed, first, end)``.

        The tie stands after each step ``first <= step < end`` (``end = years + 1`` when it
        stands at the end); ``formed`` is True for a tie formed in the run, False for a treaty
        tie. The same replay as :meth:`edges_at`, once for all steps: the browser picks the
        ties of a year from it.
        """
        standing: dict[frozenset, tuple[int, bool]] = {
            frozenset((a, b)): (0, False) for a, b, _ in self.treaty_edges
        }
        spans: list[tuple[str, str, bool, int, int]] = []

        def close(pair: frozenset, end: int) -> None:
            first, formed = standing.pop(pair)
            if end > first:
                a, b = sorted(pair)
                spans.append((a, b, formed, first, end))

        for row in self.events.itertuples(index=False):
            pair = frozenset((row.a, row.b))
            if pair in standing:
                close(pair, int(row.step))
            if row.event in ("formed", "joined"):
                standing[pair] = (int(row.step), not row.treaty)
        for pair in list(standing):
            close(pair, self.years + 1)
        return spans


def _nation_phrase(codes: list[str], names: dict[str, str], limit: int = 4) -> str:
    shown = [names.get(c, c) for c in codes[:limit]]
    more = len(codes) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _of(name: str) -> str:
    """The possessive of a nation's name ("China's", "the United States'")."""
    return name + ("'" if name.endswith("s") else "'s")


def timeline(
    scenario: ScenarioConfig,
    events: pd.DataFrame,
    names: dict[str, str],
    start_year: int,
    years: int,
    controls: Controls | None = None,
) -> tuple[TimelineEvent, ...]:
    """What happened and when, in sentences: shocks, schedules starting and ending, ties.

    Tie events are summed up per year and kind (``3 ties formed: Poland-Japan, ...``); a treaty
    tie that dissolves is named with its treaty. A schedule whose US$ growth ends is explained:
    the nation's spending then holds in US$, so its share of GDP falls as its economy grows.
    """
    out: list[TimelineEvent] = []

    def add(step: int, kind: str, text: str) -> None:
        if 0 <= step <= years:
            out.append(TimelineEvent(step, start_year + step, kind, text))

    for shock in scenario.shocks:
        step = max(shock.step, 1)
        who = names.get(shock.iso3, shock.iso3)
        if shock.kind == "gdp":
            add(step, "shock", f"{_of(who)} GDP is multiplied by {shock.value:g}")
        else:
            against = _nation_phrase(list(shock.against), names)
            add(step, "shock", f"{_of(who)} hostility toward {against} rises to {shock.value:g}")
    multipliers = (
        {iso3: getattr(controls, name) for name, iso3 in POWERS.items()} if controls else {}
    )
    for s in scenario.schedules:
        who = names.get(s.iso3, s.iso3)
        end = s.start + s.years
        if s.growth is not None:
            add(
                s.start + 1,
                "schedule",
                f"{_of(who)} spending (US$) starts growing "
                f"{100 * s.growth:g}% a year for {s.years} years",
            )
            add(
                end,
                "schedule",
                f"{_of(who)} growth schedule ends: its spending holds in US$, so "
                "its share of GDP falls as its economy grows",
            )
        elif s.factor is not None:
            label = (
                "page's" if s.years == RAMP_YEARS and multipliers.get(s.iso3) == s.factor else ""
            )
            add(
                s.start + 1,
                "schedule",
                f"{_of(who)} share of GDP starts moving to x{s.factor:g} "
                f"its start value over {s.years} years" + (" (the page's slider)" if label else ""),
            )
            add(end, "schedule", f"{who} reaches x{s.factor:g} its start share and holds it")
        else:
            add(
                s.start + 1,
                "schedule",
                f"{_of(who)} share of GDP starts moving to "
                f"{100 * s.to_share:g}% over {s.years} years",
            )
            add(end, "schedule", f"{who} reaches {100 * s.to_share:g}% of GDP and holds it")
    for key, value in scenario.budget_changes.items():
        add(1, "policy", f"budget rule parameter {key} becomes {value:g} for every nation")
    groups: dict[tuple[int, str], list[tuple[str, str, str]]] = {}  # by step and kind, in order
    columns = (events[k].tolist() for k in ("step", "event", "a", "b", "treaty"))
    for step, kind, a, b, t in zip(*columns, strict=True):
        groups.setdefault((int(step), kind), []).append((a, b, t))
    for step, kind in sorted(groups):
        group = groups[step, kind]
        n = len(group)
        if kind in ("formed", "dissolved"):
            pairs = [f"{names.get(a, a)}–{names.get(b, b)}" for a, b, _ in group]
            verb = "formed" if kind == "formed" else "broken"
            treaties = sorted({t for _, _, t in group if t})
            of = f" (treaty ties: {', '.join(treaties)})" if treaties else ""
            text = f"{n} tie{'s' if n > 1 else ''} {verb}{of}: " + ", ".join(pairs[:4])
            add(step, kind, text + (f" and {n - 4} more" if n > 4 else ""))
        else:  # joined | withdrew a treaty
            for a, _, t in group:
                verb = "joins" if kind == "joined" else "withdraws from"
                add(step, kind, f"{names.get(a, a)} {verb} {t}")
    order = {"shock": 0, "policy": 1, "schedule": 2, "joined": 3, "withdrew": 4}
    return tuple(sorted(out, key=lambda e: (e.step, order.get(e.kind, 5))))


def _compute(c: Controls, pause: Callable[[], None] | None = None) -> Run:
    """The run of ``c``; ``pause`` (if given) is called before each year (it may wait)."""
    try:
        cfg = configure(c)
        model = build_model(cfg)  # each world read once per process (read_world)
        treaty_edges = treaty_ties(model)
        for _ in range(cfg.model.steps):
            if pause is not None:
                pause()
            model.step()
    except (*USER_ERRORS, HydraException, OmegaConfBaseException) as exc:
        raise RunError(str(exc).strip().splitlines()[0]) from None
    return snapshot(c, model, cfg.scenario, treaty_edges, cfg.model.steps)


def snapshot(
    c: Controls,
    model: AllianceModel,
    scenario: ScenarioConfig,
    treaty_edges: tuple[tuple[str, str, str], ...],
    years: int,
) -> Run:
    """The tables of ``model`` so far as a :class:`Run` (``years``: the span the charts show)."""
    names = dict(zip(model.iso3, model.world.nations["name"], strict=True))
    events = model.events_table()
    return Run(
        controls=c,
        command=cli_command(c),
        start_year=model.start_year,
        years=years,
        iso3=tuple(model.iso3),
        names=names,
        majors=tuple(model.iso3[i] for i in np.flatnonzero(model.major)),
        lat=model.world.nations["lat"].to_numpy(float),
        lon=model.world.nations["lon"].to_numpy(float),
        share=model.nations_wide("share") * 100.0,
        milex=model.nations_wide("milex") * 1e-9,
        capability=model.nations_wide("capability"),
        bloc=model.nations_wide("bloc").astype(int),
        world=model.world_table().set_index("step"),
        events=events,
        treaty_edges=treaty_edges,
        timeline=timeline(scenario, events, names, model.start_year, years, c),
    )


def treaty_ties(model: AllianceModel) -> tuple[tuple[str, str, str], ...]:
    """The ties of a model before its first step (its treaties), for :meth:`Run.edges_at`."""
    return tuple((a, b, d.get("treaty", "")) for a, b, d in model.graph.edges(data=True))


_cache: OrderedDict[Controls, Run | RunError] = OrderedDict()
_pending: dict[Controls, threading.Event] = {}
_lock = threading.Lock()
#: runs that someone waits for and that are not in the cache yet, with how many wait
_waited: Counter[Controls] = Counter()
#: runs to compute ahead, oldest first; the runs whose neighbours were queued (a bounded memo)
_ahead: list[Controls] = []
_around: OrderedDict[Controls, None] = OrderedDict()
#: tells the thread that computes ahead that work came or that no one waits any more
_changed = threading.Condition(_lock)
_ahead_thread: threading.Thread | None = None
#: the run the thread computing ahead works on (None: it waits for one)
_ahead_current: Controls | None = None
#: when a run was last asked for (time.monotonic)
_last_asked = 0.0
#: held while a run someone waits for is computed in this process: runs asked for at once are
#: computed one after another, not side by side. A run is pure Python holding the GIL: six side
#: by side take turns every few ms, so all six are ready only at the end, and every session's
#: render waits its turn among them. Decided (issue 14, 01:11, burst_runs.py, six new runs at
#: once, load 5.6, twice): one at a time the runs were ready after 0.20-0.27 s for the first and
#: 0.68-0.83 s on average, and a 10 ms render was delayed 5 ms (median; p95 9-11 ms); side by
#: side 0.99-1.09 s for the first, 1.12-1.15 s on average, the render delayed 25-33 ms (p95
#: 48-61 ms). experiments/app/README.md, "Runs computed ahead"
_computing = threading.Lock()


def get_run(c: Controls) -> Run:
    """The run for ``c``, computed once and shared by every session (least recently used out).

    A second session asking while the first computes waits for it rather than computing again.

    Raises
    ------
    RunError
        when the controls make no valid run (the error is cached like a run).
    """
    global _last_asked
    _last_asked = time.monotonic()
    with _lock:
        found = _cache.get(c)
        if found is not None:
            _cache.move_to_end(c)
        else:
            _waited[c] += 1  # the runs computed ahead wait meanwhile (_give_way)
    try:
        while found is None:
            with _lock:
                found = _cache.get(c)
                waiting = _pending.get(c) if found is None else None
                if found is None and waiting is None:
                    _pending[c] = threading.Event()
            if found is not None:
                break
            if waiting is not None:
                waiting.wait(timeout=60)
                continue
            found = _computed(c)
    finally:
        with _lock:
            if c in _waited:
                _waited[c] -= 1
                if _waited[c] <= 0:
                    del _waited[c]
                    _changed.notify_all()
    if isinstance(found, RunError):
        raise found
    return found


class _Superseded(Exception):
    """The run being computed was stored meanwhile (it came back from the worker first)."""


def _superseded(c: Controls) -> None:
    if c in _cache:
        raise _Superseded


def _computed(c: Controls, ahead: bool = False) -> Run | RunError:
    """The run of ``c``, computed by the caller (who marked it pending), stored in the cache.

    A run someone waits for is computed one at a time (:data:`_computing`), or in a worker
    (``SIM_APP_WORKERS``; if that pool breaks, here, and the pool is dropped); it stops early,
    and the stored run is returned, when the worker computing ahead stores the same run first.
    A run computed ahead in a thread (``ahead``) gives way before each year to any other run
    someone waits for (:func:`_give_way`).
    """
    found: Run | RunError | None = None
    try:
        if ahead:
            found = _compute(c, pause=lambda: _give_way(c))
        elif (pool := _workers) is not None:
            try:
                found = pool.submit(_compute, c).result()
            except concurrent.futures.process.BrokenProcessPool as exc:
                _workers_failed(pool, exc)
                with _computing:
                    found = _compute(c)
        else:
            with _computing:  # one at a time (see _computing)
                found = _cache.get(c) or _compute(c, pause=lambda: _superseded(c))
    except RunError as exc:
        found = exc
    except _Superseded:
        found = _cache.get(c)
    finally:
        with _lock:
            if found is not None:
                _store(c, found)
            _pending.pop(c).set()
    return found


def _store(c: Controls, found: Run | RunError) -> None:
    """``found`` as the run of ``c``, least recently used out (the caller holds :data:`_lock`)."""
    _cache[c] = found
    _cache.move_to_end(c)
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)


def _workers_failed(pool: concurrent.futures.ProcessPoolExecutor, exc: Exception) -> None:
    """A worker of ``SIM_APP_WORKERS`` died: one message, and runs are computed here from now on."""
    global _workers
    with _lock:
        if _workers is not pool:
            return  # another session's thread saw it first
        _workers = None
    _log.error(
        "a worker process computing runs stopped (%s): runs are computed in the server's "
        "process from now on",
        exc,
    )
    pool.shutdown(wait=False, cancel_futures=True)


def neighbours(c: Controls) -> list[Controls]:
    """The settings one notch down and up on each spending slider from ``c`` (within range)."""
    out = []
    for name in POWERS:
        for sign in (-1, 1):
            try:
                out.append(validate({name: getattr(c, name) + sign * RANGES[name].step}, c))
            except ControlError:
                continue  # the slider's end
    return out


def compute_ahead(c: Controls) -> None:
    """Queue the runs a student is most likely to ask for next, after the run of ``c`` was drawn:
    :func:`neighbours` of ``c``, newest first, computed once no run was asked for in
    :data:`AHEAD_QUIET` s.

    Bounded: at most :data:`AHEAD_QUEUED` runs wait (older ones are dropped) and the computed
    runs go into the same least-recently-used cache of :data:`CACHE_SIZE` runs as every other.

    By default (:data:`AHEAD` "thread") a thread of the server's process computes them and
    gives way: before each year it waits while any other run is wanted and not ready, and until
    no run was asked for in :data:`AHEAD_QUIET` s; Python threads have no priorities, so a run
    ahead that goes on shares the GIL with whatever comes next, for one year's step at most; a
    student who asks for it waits for it. That mode is off with ``SIM_APP_WORKERS`` (the
    workers' queue has no priorities).

    With "process" (``SIM_APP_AHEAD=process``) one worker process at nice 19 computes them
    (:mod:`sim.app.worker`): it holds nothing of the server's and gets only CPU that nothing
    else wants. No one waits for it: a student who asks for a run the worker is computing gets
    it computed as any other run, and whichever is ready first is stored (the other stops or is
    dropped; they are equal). A worker that stops is logged and started again, up to
    :data:`AHEAD_RESTARTS` times; nothing of the run it was computing is stored.

    ``SIM_APP_AHEAD=0``: nothing is computed ahead.
    """
    global _ahead_thread
    if not AHEAD or (AHEAD == "thread" and _workers is not None):
        return
    with _lock:
        if c in _around or _ahead_failures > AHEAD_RESTARTS:
            return
        _around[c] = None
        while len(_around) > CACHE_SIZE:
            _around.popitem(last=False)
        for n in reversed(neighbours(c)):  # popped from the end: the first neighbour first
            if n not in _cache and n not in _pending and n not in _ahead:
                _ahead.append(n)
        del _ahead[:-AHEAD_QUEUED]
        if _ahead_thread is None:
            _ahead_thread = threading.Thread(target=_work_ahead, name="sim-app-ahead", daemon=True)
            _ahead_thread.start()
        _changed.notify_all()


def _work_ahead() -> None:
    """The background thread: computes the queued runs, one at a time, for ever."""
    global _ahead_current
    while True:
        with _lock:
            _ahead_current = None
            _changed.notify_all()
            while not _ahead:
                _changed.wait()
            c = _ahead.pop()
            in_thread = AHEAD == "thread"  # read once woken: not the mode of the last run
            if c in _cache or c in _pending:
                continue
            if in_thread:
                _pending[c] = threading.Event()
            _ahead_current = c
        try:
            if in_thread:
                _give_way(c)  # before the model is built, too
                _computed(c, ahead=True)
            else:
                _ahead_in_worker(c)
        except Exception:  # a failed run ahead must not stop the thread; the asker sees it
            _log.exception("computing the run of %s ahead", c)


def ahead_idle(timeout: float) -> bool:
    """Whether nothing is queued or computed ahead, after waiting up to ``timeout`` s for it."""
    deadline = time.monotonic() + timeout
    with _lock:
        while _ahead or _ahead_current is not None:
            if (left := deadline - time.monotonic()) <= 0:
                return False
            _changed.wait(timeout=left)
    return True


#: the worker process computing runs ahead (:func:`_ahead_in_worker`), started when first needed
_worker: Worker | None = None
#: how often the worker computing ahead stopped or failed (:data:`AHEAD_RESTARTS`)
_ahead_failures = 0
#: the runs computed ahead in the worker: stored, dropped (the same run was stored first), and
#: the worker's CPU seconds for them
ahead_stats = {"stored": 0, "dropped": 0, "worker_cpu_s": 0.0}


def _ahead_in_worker(c: Controls) -> None:
    """The run of ``c`` computed in the worker process, once the server is quiet, then stored
    unless the same run was stored meanwhile."""
    global _worker
    _wait_quiet()
    if (idle := _worker) is not None and not idle.alive():  # it stopped between two runs
        _worker_failed(idle, c, WorkerError(f"the worker process {idle.process.pid} stopped"))
    with _lock:
        if c in _cache or c in _pending or _ahead_failures > AHEAD_RESTARTS:
            return
        if _worker is None:
            _worker = Worker(_compute, (RunError,))
        worker = _worker
    try:
        found = worker.compute(c)
    except WorkerError as exc:
        _worker_failed(worker, c, exc)
        return
    with _lock:
        if not isinstance(found, RunError) and getattr(found, "controls", None) != c:
            _log.error("the worker computing ahead returned another run than %s: dropped", c)
        elif c in _cache:
            ahead_stats["dropped"] += 1
        else:
            _store(c, found)
            ahead_stats["stored"] += 1
        ahead_stats["worker_cpu_s"] = worker.cpu_s
        _changed.notify_all()


def _worker_failed(worker: Worker, c: Controls, exc: Exception) -> None:
    """The worker computing ahead stopped or failed on ``c``: one message, and a new worker for
    the next run (up to :data:`AHEAD_RESTARTS` times). A worker stopped on purpose
    (:func:`stop_workers`) is not a failure."""
    global _worker, _ahead_failures
    with _lock:
        if _worker is not worker:
            return
        _worker = None
        _ahead_failures += 1
        last = _ahead_failures > AHEAD_RESTARTS
    worker.stop()
    _log.error(
        "computing the run of %s ahead: %s; nothing of it was stored, and %s",
        c,
        exc,
        "runs are computed only when asked for from now on"
        if last
        else "a new worker computes the next ones",
    )


def _wait_quiet() -> None:
    """Until no run was asked for in :data:`AHEAD_QUIET` s."""
    with _lock:
        while (quiet := AHEAD_QUIET - (time.monotonic() - _last_asked)) > 0:
            _changed.wait(timeout=quiet)


def stop_workers() -> None:
    """Stop the worker processes: the one computing ahead and those of ``SIM_APP_WORKERS``
    (the server at its shutdown; tests). A run the worker computes ahead is lost, not stored,
    and the runs queued ahead are dropped (else the thread computing ahead started a new worker
    for the next one at once, racing the stop); a worker computing ahead is started again when
    a run is next queued."""
    global _worker, _workers
    with _lock:
        _ahead.clear()
        worker, _worker = _worker, None
        pool, _workers = _workers, None
        _changed.notify_all()
    if worker is not None:
        worker.stop()
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _give_way(mine: Controls) -> None:
    """Wait while someone waits for a run other than ``mine`` (a run computed ahead that someone
    asks for meanwhile goes on: they wait for it), and, unless someone waits for ``mine``, until
    no run was asked for in :data:`AHEAD_QUIET` s."""
    with _lock:
        while True:
            if any(k != mine for k in _waited):
                _changed.wait(timeout=1.0)
                continue
            quiet = AHEAD_QUIET - (time.monotonic() - _last_asked)
            if quiet <= 0 or mine in _waited:
                break
            _changed.wait(timeout=quiet)
    if mine not in _waited:
        time.sleep(AHEAD_YIELD)


def is_cached(c: Controls) -> bool:
    """Whether the run of ``c`` (and its counterfactual) is computed (or known invalid)."""
    with _lock:
        return c in _cache and (not has_policy_change(c) or counterfactual(c) in _cache)


def get_ghost(c: Controls) -> Run | None:
    """The counterfactual run of ``c`` (same world and seed, no policy change), or None."""
    return get_run(counterfactual(c)) if has_policy_change(c) else None


__all__ = [
    "APP_YEARS",
    "Run",
    "RunError",
    "TimelineEvent",
    "get_ghost",
    "compute_ahead",
    "get_run",
    "neighbours",
    "start_workers",
    "stop_workers",
    "timeline",
]
