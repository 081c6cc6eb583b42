"""Hydra plugin shim: Hydra instantiates sweepers only from the ``hydra_plugins`` namespace.

The sweeper itself is :class:`sim.sensitivity.SensitivitySweeper`; it is imported on first use
so that Hydra's plugin scan at every start stays cheap (no SALib import).
"""

from __future__ import annotations

from typing import Any

from hydra.plugins.sweeper import Sweeper


class SensitivitySweeper(Sweeper):
    """``hydra/sweeper=sensitivity``: see :mod:`sim.sensitivity`."""

    def __init__(self, **kwargs: Any) -> None:
        from sim.sensitivity import SensitivitySweeper as Impl

        self._impl = Impl(**kwargs)

    def setup(self, **kwargs: Any) -> None:
        self._impl.setup(**kwargs)

    def sweep(self, arguments: list[str]) -> Any:
        return self._impl.sweep(arguments)
