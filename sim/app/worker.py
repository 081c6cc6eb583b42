"""One worker process that computes runs at the lowest OS priority: the runs computed ahead.

A run is pure Python and NumPy holding the GIL for ~0.2-0.3 s. Computed ahead in a thread of the
server's process (as before this module), it shares the GIL with every session's render and the
CPU with them and, on this machine, with the class's browsers. In a process of its own at nice 19
it holds no lock of the server's, and the kernel's scheduler gives it a core only when no other
process wants it (at nice 19 a process that competes with one at nice 0 gets ~1.5% of a core: the
scheduler's weights 15 and 1024): speculative work takes idle CPU only.

The process is spawned (not forked from a threaded server); it exits when its pipe closes, when
its parent stops (it checks its parent every second: a parent killed without cleaning up leaves
no orphan), and it is terminated with the server (a daemon process: ``multiprocessing`` ends it
at exit; :meth:`Worker.stop` ends it at once). Only one thread may use a :class:`Worker`.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

#: the worker's nice value: the lowest priority (Linux: 19)
NICE = 19
#: seconds between the worker's checks that its parent still runs
PARENT_CHECK = 1.0


class WorkerError(RuntimeError):
    """The worker process stopped or failed to compute; the message says which and why."""


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os._exit(0)  # the server stopped without stopping its worker: an orphan would linger


def _serve(
    conn: Any, nice: int, compute: Callable[[Any], Any], expected: tuple[type[Exception], ...]
) -> None:
    """The worker's loop: controls in, ``(kind, value, cpu_s)`` out.

    ``kind`` is ``"run"`` (``value`` what ``compute`` returned), ``"invalid"`` (one of the
    ``expected`` errors: the controls make no run) or ``"failed"`` (the traceback's last line of
    anything else); ``cpu_s`` the worker's CPU seconds for it.
    """
    os.nice(max(nice - os.nice(0), 0))
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    while True:
        try:
            c = conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe
        cpu = time.process_time()
        try:
            out: tuple[str, Any] = ("run", compute(c))
        except expected as exc:
            out = ("invalid", exc)
        except Exception:  # a bug, reported to the server, not hidden: the run is not cached
            out = ("failed", traceback.format_exc().strip().splitlines()[-1])
        conn.send((*out, time.process_time() - cpu))


class Worker:
    """A spawned worker process at nice :data:`NICE` that computes one run at a time.

    ``compute`` (a module-level function: the worker imports it by name) makes a run of the
    controls it is given; ``expected`` are the errors that say the controls make no run
    (returned by :meth:`compute`, not raised). :mod:`sim.app.runs` passes its own, so this module
    imports nothing of the page's.
    """

    def __init__(
        self,
        compute: Callable[[Any], Any],
        expected: tuple[type[Exception], ...],
        nice: int = NICE,
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve,
            args=(child, nice, compute, expected),
            name="sim-app-ahead-worker",
            daemon=True,
        )
        self.process.start()
        child.close()
        #: held around every wait for and poll of the process: multiprocessing's Popen reaps it
        #: in ``poll`` (``waitpid``) and sets its return code after, so a second thread polling
        #: in between gets ECHILD and takes the process for alive (a stopped worker seen alive
        #: in a CI run, the thread computing ahead reaping it as it learned of the stop)
        self._reaping = threading.Lock()
        #: the worker's CPU seconds over the runs it computed, and how many
        self.cpu_s = 0.0
        self.computed = 0

    def compute(self, c: Any) -> Any:
        """The run of ``c``, or the expected error that says why ``c`` makes no run (returned,
        not raised).

        Raises
        ------
        WorkerError
            when the process stopped (its exit code) or failed on something other than the
            controls (the error's last line).
        """
        try:
            self._conn.send(c)
            kind, value, cpu = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            with self._reaping:
                self.process.join(timeout=1)
                code = self.process.exitcode
            raise WorkerError(
                f"the worker process {self.process.pid} stopped (exit code {code})"
            ) from None
        self.cpu_s += cpu
        self.computed += 1
        if kind == "failed":
            raise WorkerError(f"the worker process {self.process.pid} failed: {value}")
        return value

    def alive(self) -> bool:
        with self._reaping:
            return self.process.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """End the process now and wait until it has exited (a run it computes is lost; nothing
        of it was stored)."""
        self._conn.close()
        with self._reaping:
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(timeout)
                if self.process.is_alive():
                    # SIGKILL cannot be ignored, but the process exits only once it is
                    # scheduled (at nice 19 on a busy machine that took over 5 s): wait for it,
                    # so a stopped worker is gone when this returns
                    self.process.kill()
                    self.process.join()
        # another thread's poll of it (multiprocessing polls its children when it starts a
        # process) may have reaped it and not yet set its return code: until it has
        deadline = time.monotonic() + timeout
        while self.process.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
