"""The page server's memory: what it holds, and giving freed memory back when sessions end.

A closed Solara kernel is a reference cycle, collected by a full ``gc.collect()``; glibc then
keeps the freed heap in its arenas, so the server's RSS stays at its high-water mark. After a
kernel closes, :func:`schedule_release` collects and calls glibc's ``malloc_trim(0)``, which
returns the free pages to the system. :func:`held` reports RSS beside what is in use:
``heap_mb`` (bytes malloc has handed out and not had back: ``mallinfo2``'s ``uordblks`` +
``hblkhd``) and ``py_blocks`` (``sys.getallocatedblocks()``).

With ``SIM_APP_MEMORY_LOG=FILE`` the server appends one JSON line per kernel start, per
release and per ``SIGUSR1`` (time, live kernels, the figures of :func:`held`): the load
benchmark reads it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import os
import signal
import sys
import threading
import time

#: seconds after a kernel closes before the release (solara's own collection runs after 1 s)
RELEASE_DELAY = 2.0


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc (or glibc < 2.33): RSS alone is reported
        return None


_LIBC = _libc()
_lock = threading.Lock()
_deadline = 0.0  # when the next release runs
_waiting = False  # a release thread is waiting for the deadline


def held() -> dict[str, float]:
    """RSS and the memory in use, in MB (``heap_mb`` is absent without glibc)."""
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    out = {"rss_mb": round(rss / 2**20, 1), "py_blocks": sys.getallocatedblocks()}
    if _LIBC is not None:
        info = _LIBC.mallinfo2()
        out["heap_mb"] = round((info.uordblks + info.hblkhd) / 2**20, 1)
    return out


def release() -> dict[str, float]:
    """Collect every cycle and give the heap's free pages back (``malloc_trim(0)``)."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
    return held()


def log(event: str) -> None:
    """Append ``event`` with the live kernels and :func:`held` to ``$SIM_APP_MEMORY_LOG``."""
    path = os.environ.get("SIM_APP_MEMORY_LOG")
    if not path:
        return
    from solara.server import kernel_context

    line = {"t": round(time.time(), 2), "event": event, "kernels": len(kernel_context.contexts)}
    line.update(held())
    with open(path, "a") as f:
        f.write(json.dumps(line) + "\n")


def schedule_release() -> None:
    """Release memory :data:`RELEASE_DELAY` s after the last of a burst of kernel closes."""
    global _deadline
    with _lock:
        _deadline = time.monotonic() + RELEASE_DELAY
        global _waiting
        if _waiting:
            return
        _waiting = True

    def run() -> None:
        global _waiting
        while True:
            with _lock:
                wait = _deadline - time.monotonic()
                if wait <= 0:
                    _waiting = False
                    break
            time.sleep(wait)
        release()
        log("released")

    thread = threading.Thread(target=run, daemon=True, name="sim-app-release")
    thread.current_context = None  # type: ignore[attr-defined]  # not inside a closing kernel
    thread.start()


def on_kernel_start():
    """For ``solara.lab.on_kernel_start``: log the start; release memory when it closes."""
    log("kernel started")
    return schedule_release


def log_on_signal() -> None:
    """With ``SIM_APP_MEMORY_LOG`` set, log a line whenever the server gets ``SIGUSR1``."""
    if os.environ.get("SIM_APP_MEMORY_LOG"):
        try:
            signal.signal(signal.SIGUSR1, lambda *_: log("asked"))
        except ValueError:  # not the main thread: no line on request
            pass
