"""Benchmark-only trace of a setting change through the page's server (``bench_page.py --trace``).

Loaded by the server's Python when ``bench_page.py --trace`` puts this folder first on its
``PYTHONPATH`` (never by the shipped page); with ``BENCH_TRACE_LOG`` set it appends one JSON line
per event (wall-clock ``t``, thread name) for every websocket text message with ``v_model`` in it:
``recv`` when the main event loop's starlette ``WebSocket.receive`` returns it, ``kernel_recv``
when solara's per-session thread gets it (``WebsocketWrapper.receive``), ``widget`` /
``widget_end`` around ipywidgets' handling of it (the end: the session's render it causes done
and sent), ``change_start`` / ``change_end`` around ``sim.app.page.change_control`` (inside that
handling: its render is batched until the handling ends); and ``send_block`` when a session's
thread has handed the event loop a message with ``display: block`` (the computing banner shown,
among others); ``run_start`` / ``run_end`` around each run computed (``sim.app.runs._compute``),
``gc`` for each garbage collection over 20 ms, ``connection`` once per connection (whether
solara's ``sync_ws_write`` path is active). ``th`` is the thread's id. No thread of its own.

``BENCH_TRACE_STACKS=1`` (not set by ``--trace``) also dumps every thread's stack every 0.2 s for
12 s from the first setting (faulthandler's C thread, into ``BENCH_TRACE_LOG + '.stacks'``):
it showed where the session threads wait, but it crashed the server after 1.4 s (23:23),
so it is off unless asked for.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import re
import sys
import threading
import time

LOG = os.environ.get("BENCH_TRACE_LOG")
_lock = threading.Lock()
_VALUE = re.compile(r'"v_model":\s*([^,}\]]+)')


def log(event: str, **fields) -> None:
    line = {"t": time.time(), "ev": event, "th": threading.get_ident(), **fields}
    with _lock, open(LOG, "a") as f:
        f.write(json.dumps(line) + "\n")


def _value(text) -> str | None:
    if not isinstance(text, str) or "v_model" not in text:
        return None
    m = _VALUE.search(text)
    return m.group(1) if m else "?"


def _patch_starlette(mod) -> None:
    orig = mod.WebSocket.receive

    async def receive(self):
        message = await orig(self)
        v = _value(message.get("text"))
        if v is not None:
            log("recv", v=v)
        return message

    mod.WebSocket.receive = receive


def _patch_solara(mod) -> None:
    orig = mod.WebsocketWrapper.receive

    async def receive(self):
        text = await orig(self)
        v = _value(text)
        if v is not None:
            log("kernel_recv", v=v)
        return text

    mod.WebsocketWrapper.receive = receive
    send = mod.WebsocketWrapper.send_text

    def send_text(self, data):
        if not getattr(self, "_traced", False):  # once per connection: which send path
            self._traced = True
            log("connection", sync_ws_write=getattr(self, "sync_writer", None) is not None)
        shows = isinstance(data, str) and "display" in data and "block" in data
        send(self, data)
        if shows:  # a widget shown, the computing banner among them: sent to the event loop
            log("send_block")

    mod.WebsocketWrapper.send_text = send_text


def _patch_widget(mod) -> None:
    orig = mod.Widget._handle_msg

    def handle(self, msg):
        state = (msg.get("content", {}).get("data", {}) or {}).get("state", {}) or {}
        if "v_model" not in state:
            return orig(self, msg)
        log("widget", v=str(state["v_model"]))
        if os.environ.get("BENCH_TRACE_STACKS"):
            _dump_stacks()
        try:
            return orig(self, msg)  # the value set, and the session's render it causes
        finally:
            log("widget_end", v=str(state["v_model"]))

    mod.Widget._handle_msg = handle


def _patch_runs(mod) -> None:
    orig = mod._compute

    def compute(c, *args, **kwargs):  # whatever else _compute takes (``pause``) passed on
        log("run_start")
        try:
            return orig(c, *args, **kwargs)
        finally:
            log("run_end")

    mod._compute = compute


_gc_started: list[float] = []


def _gc(phase: str, info: dict) -> None:
    """Each garbage collection over 20 ms (``gc`` with its generation and seconds)."""
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
    elif _gc_started:
        took = time.perf_counter() - _gc_started[0]
        if took > 0.02:
            log("gc", gen=info.get("generation"), s=round(took, 3))


_dumping: list[float] = []


def _dump_stacks() -> None:
    """From the first setting for :data:`DUMP_S` s, every thread's stack every 0.2 s into
    ``BENCH_TRACE_LOG + '.stacks'`` (faulthandler's own C thread: it runs while a thread holds
    the GIL)."""
    import faulthandler

    if not _dumping:
        _dumping.append(time.time())
        stacks = open(LOG + ".stacks", "w")  # noqa: SIM115 (kept open for faulthandler)
        _dumping.append(stacks)
        log("stacks_start")
        faulthandler.dump_traceback_later(0.2, repeat=True, file=stacks)
    elif time.time() - _dumping[0] > DUMP_S and len(_dumping) == 2:
        faulthandler.cancel_dump_traceback_later()
        _dumping.append(time.time())
        log("stacks_end")


DUMP_S = 12.0


def _patch_page(mod) -> None:
    orig = mod.change_control

    def change_control(name, raw):
        log("change_start", v=str(raw), name=name)
        try:
            return orig(name, raw)
        finally:
            log("change_end", v=str(raw), name=name)

    mod.change_control = change_control


def _patch_uvicorn_auto(mod) -> None:
    """``BENCH_TRACE_LEGACY_WS=1``: uvicorn's ``auto`` websockets protocol is the legacy
    ``websockets`` one (0.54 picks ``websockets-sansio``), the one solara's
    ``SOLARA_SERVER_SYNC_WS_WRITE`` needs; the experiment of 23:31, from before the page's server
    (``sim.app.serve``, since 01:03) chose that protocol itself (it matters now only with
    ``SIM_APP_WS=auto``)."""
    if os.environ.get("BENCH_TRACE_LEGACY_WS"):
        from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol

        mod.AutoWebSocketsProtocol = WebSocketProtocol


PATCHES = {
    "uvicorn.protocols.websockets.auto": _patch_uvicorn_auto,
    "starlette.websockets": _patch_starlette,
    "solara.server.starlette": _patch_solara,
    "ipywidgets.widgets.widget": _patch_widget,
    "sim.app.page": _patch_page,
    "sim.app.runs": _patch_runs,
}


class _After(importlib.abc.MetaPathFinder):
    """Patches a module of :data:`PATCHES` once it has been executed."""

    def find_spec(self, name, path, target=None):
        if name not in PATCHES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        exec_module = spec.loader.exec_module

        def run(module):
            exec_module(module)
            PATCHES[name](module)

        spec.loader.exec_module = run
        return spec


if LOG:
    log("start", switchinterval=sys.getswitchinterval(), pid=os.getpid())
    sys.meta_path.insert(0, _After())
    import gc

    gc.callbacks.append(_gc)
