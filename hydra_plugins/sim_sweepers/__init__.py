"""Hydra plugin shims: Hydra instantiates sweepers only from the ``hydra_plugins`` namespace.

- ``hydra/sweeper=grid`` (the default in ``configs/config.yaml``): :class:`sim.sweep.GridSweeper`,
  Hydra's basic sweeper that names each job's directory by its point, refuses colliding
  directories and checks each distinct swept value once;
- ``hydra/sweeper=sensitivity`` (``experiment=sensitivity``): :mod:`sim.sensitivity`.

Hydra's plugin scan imports this module in *every* Hydra app of the environment, so it imports
nothing of ``sim`` at import time (``sim.sweep`` pulls in pandas, pyarrow and the model, ~1.8 s):
each class imports its implementation when Hydra instantiates it. The ``sim_point`` resolver of
the default ``hydra.sweep.subdir`` is registered here too (cheap; its body imports on first use),
so that any process resolving the subdir has it.
"""

from __future__ import annotations

import importlib
from typing import Any

from hydra.plugins.sweeper import Sweeper
from omegaconf import OmegaConf

__all__ = ["GridSweeper", "SensitivitySweeper"]


def _point_key(task: Any) -> str:
    from sim.sweep import point_key

    return point_key(list(task))


if not OmegaConf.has_resolver("sim_point"):
    OmegaConf.register_new_resolver("sim_point", _point_key, use_cache=False)


class _Shim(Sweeper):
    """Forward ``setup`` and ``sweep`` to ``IMPL`` (``module:Class``), imported when built."""

    IMPL = ""

    def __init__(self, **kwargs: Any) -> None:
        module, _, name = self.IMPL.partition(":")
        self._impl = getattr(importlib.import_module(module), name)(**kwargs)

    def setup(self, **kwargs: Any) -> None:
        self._impl.setup(**kwargs)

    def sweep(self, arguments: list[str]) -> Any:
        return self._impl.sweep(arguments)


class GridSweeper(_Shim):
    """``hydra.sweeper._target_`` of ``configs/config.yaml``: see :class:`sim.sweep.GridSweeper`."""

    IMPL = "sim.sweep:GridSweeper"


class SensitivitySweeper(_Shim):
    """``hydra/sweeper=sensitivity``: see :mod:`sim.sensitivity`."""

    IMPL = "sim.sensitivity:SensitivitySweeper"
