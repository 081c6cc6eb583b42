"""Hydra callbacks of ``python -m sim``: checks that stop a bad run before anything is written.

Registered under ``hydra.callbacks`` in ``configs/config.yaml``. They sit at the top of the
package, beside the entry point (:mod:`sim.__main__`), and import the layers below them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.config import to_config
from sim.errors import report_user_errors
from sim.output import check_writable
from sim.runner import check_run


class ValidateConfig(Callback):
    """Check ranges, the input files and the model's own checks before Hydra creates the run
    directory.

    Registered first, so a bad value, a missing or malformed input file, or a scenario or rule
    the world refuses (:func:`sim.runner.check_run`) stops ``python -m sim`` with one line and
    exit 2 while nothing is written: no run directory, no ``.hydra/``, no log. (Sweeps check
    each job's config in the job itself; see :mod:`sim.sweep`.)
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        job = OmegaConf.masked_copy(config, [k for k in config if k != "hydra"])
        report_user_errors(lambda: check_run(to_config(job)))


class CheckOutputDir(Callback):
    """Stop with one line, before Hydra writes ``.hydra/``, when the run (or sweep) directory
    cannot be written: its path is a file, a parent is a file, or the file system is read-only
    or full.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        report_user_errors(lambda: check_writable(Path(str(config.hydra.run.dir))))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        report_user_errors(lambda: check_writable(Path(str(config.hydra.sweep.dir))))
