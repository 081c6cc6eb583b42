"""The errors a user can cause, each reported as one line naming the key, file, row or column."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.config import ConfigError
from sim.model import OverflowStop, ScenarioError
from sim.output import OutputError, check_writable
from sim.worlds import WorldError

USER_ERRORS = (ConfigError, WorldError, ScenarioError, OutputError, OverflowStop)
T = TypeVar("T")


def report_user_errors[T](task: Callable[[], T]) -> T:
    """Run ``task``; on a user error print ``error: <message>`` and exit with status 2.

    Set ``SIM_TRACEBACK=1`` to see the full stack trace instead.
    """
    try:
        return task()
    except USER_ERRORS as exc:
        if os.environ.get("SIM_TRACEBACK"):
            raise
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


class CheckOutputDir(Callback):
    """Hydra callback: stop with one line, before Hydra writes ``.hydra/``, when the run (or
    sweep) directory cannot be written: its path is a file, a parent is a file, or the file
    system is read-only or full. Registered under ``hydra.callbacks`` in ``configs/config.yaml``.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        report_user_errors(lambda: check_writable(Path(str(config.hydra.run.dir))))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        report_user_errors(lambda: check_writable(Path(str(config.hydra.sweep.dir))))
