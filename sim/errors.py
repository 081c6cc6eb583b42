"""Every error a user can cause, and how it is reported: one line naming the key, file, row or
column, and exit status 2.

A leaf module: it imports nothing from :mod:`sim`, so every layer (configs, worlds, rules, the
model, outputs, entry points) can raise these without an import cycle.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TypeVar


class ConfigError(ValueError):
    """A config value is out of range or inconsistent; the message names the key."""


class WorldError(ValueError):
    """A world table is missing, malformed or inconsistent; the message names file, row, column."""


class ScenarioError(ValueError):
    """A scenario names a nation or treaty the world does not have."""


class OutputError(OSError):
    """The run directory cannot be written (read-only, full, not a directory)."""


class OverflowStop(ArithmeticError):
    """The state left the range of a float (e.g. 50% growth for thousands of years)."""


USER_ERRORS = (ConfigError, WorldError, ScenarioError, OutputError, OverflowStop)
T = TypeVar("T")


def report_user_errors[T](task: Callable[[], T]) -> T:
    """Run ``task``; on a user error print ``error: <message>`` and exit with status 2.

    A user error is one of :data:`USER_ERRORS`, or an override Hydra or OmegaConf rejects when a
    script composes its config (an unknown key, a value of the wrong type; the message names it).

    Set ``SIM_TRACEBACK=1`` to see the full stack trace instead.
    """
    from hydra.errors import HydraException  # an override Hydra cannot apply (scripts' compose)
    from omegaconf.errors import OmegaConfBaseException

    try:
        return task()
    except (*USER_ERRORS, HydraException, OmegaConfBaseException) as exc:
        if os.environ.get("SIM_TRACEBACK"):
            raise
        cause = f": {exc.__cause__}".split("\n")[0] if exc.__cause__ else ""
        print(f"error: {exc}{cause}", file=sys.stderr)
        raise SystemExit(2) from None
