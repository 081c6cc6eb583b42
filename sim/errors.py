"""The errors a user can cause, each reported as one line naming the key, file, row or column."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TypeVar

from sim.config import ConfigError
from sim.model import ScenarioError
from sim.output import OutputError
from sim.worlds import WorldError

USER_ERRORS = (ConfigError, WorldError, ScenarioError, OutputError)
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
