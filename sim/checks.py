"""The range checks every config dataclass runs on itself (in ``__post_init__``).

Each check raises :class:`sim.errors.ConfigError` naming the key, the rule broken and the value.
Numbers must be finite: NaN and infinity are refused by every helper here, since no parameter of
the model gives infinity a meaning. Imports no Hydra, no Mesa: the rules use these too.
"""

from __future__ import annotations

import math
from typing import Any

from sim.errors import ConfigError


def check(ok: bool, key: str, message: str, value: Any) -> None:
    """Raise ``ConfigError("<key>: <message>, got <value>")`` unless ``ok``."""
    if not ok:
        raise ConfigError(f"{key}: {message}, got {value!r}")


def finite(key: str, value: Any) -> None:
    """A real, finite number (an int or a float; NaN and +-inf are refused)."""
    ok = isinstance(value, int | float) and math.isfinite(value)
    check(ok, key, "must be a finite number", value)


def nonneg(obj: Any, prefix: str, *names: str) -> None:
    """Each ``obj.<name>`` is finite and >= 0."""
    for name in names:
        value = getattr(obj, name)
        finite(f"{prefix}.{name}", value)
        check(value >= 0, f"{prefix}.{name}", "must be >= 0", value)


def positive(obj: Any, prefix: str, *names: str) -> None:
    """Each ``obj.<name>`` is finite and > 0."""
    for name in names:
        value = getattr(obj, name)
        finite(f"{prefix}.{name}", value)
        check(value > 0, f"{prefix}.{name}", "must be > 0", value)


def within(
    key: str,
    value: Any,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> None:
    """``value`` is finite and in the interval from ``low`` to ``high`` (open ends as told)."""
    finite(key, value)
    ok_low = value > low if open_low else value >= low
    ok_high = value < high if open_high else value <= high
    interval = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
    check(ok_low and ok_high, key, f"must be in {interval}", value)


def at_least(obj: Any, prefix: str, low: int, *names: str) -> None:
    """Each ``obj.<name>`` is finite and >= ``low`` (counts: years, patience, steps)."""
    for name in names:
        value = getattr(obj, name)
        finite(f"{prefix}.{name}", value)
        check(value >= low, f"{prefix}.{name}", f"must be >= {low}", value)
