"""Hydra plugin shims: Hydra instantiates sweepers only from the ``hydra_plugins`` namespace.

- ``hydra/sweeper=grid`` (the default in ``configs/config.yaml``): :class:`sim.sweep.GridSweeper`,
  Hydra's basic sweeper checking each distinct swept value once instead of every job;
- ``hydra/sweeper=sensitivity`` (``experiment=sensitivity``): :mod:`sim.sensitivity`, imported
  on first use so that Hydra's plugin scan at every start stays cheap (no SALib import).
"""

from __future__ import annotations

from typing import Any

from hydra.plugins.sweeper import Sweeper

from sim.sweep import GridSweeper as _GridSweeper

__all__ = ["GridSweeper", "SensitivitySweeper"]


class GridSweeper(_GridSweeper):
    """``hydra.sweeper._target_`` of ``configs/config.yaml``: see :class:`sim.sweep.GridSweeper`.

    Hydra registers plugins by the module that defines them, so the class is defined here.
    """


class SensitivitySweeper(Sweeper):
    """``hydra/sweeper=sensitivity``: see :mod:`sim.sensitivity`."""

    def __init__(self, **kwargs: Any) -> None:
        from sim.sensitivity import SensitivitySweeper as Impl

        self._impl = Impl(**kwargs)

    def setup(self, **kwargs: Any) -> None:
        self._impl.setup(**kwargs)

    def sweep(self, arguments: list[str]) -> Any:
        return self._impl.sweep(arguments)
