"""``python -m sim [overrides]`` (or ``alliance-sim``): compose, convert, run, write one run."""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.config import CONFIG_DIR, to_config
from sim.errors import report_user_errors
from sim.runner import run
from sim.sweep import run_sweep_job

log = logging.getLogger("sim")


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> float | None:
    """Run one job; returns the final mean defence share, the value a sweeper optimises."""
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    if HydraConfig.get().mode == RunMode.MULTIRUN:  # resume, per-job failures, progress
        return run_sweep_job(cfg, run_dir, resolved)
    summary = report_user_errors(lambda: run(to_config(cfg), run_dir, resolved))
    m = summary["metrics"]
    log.info(
        "wrote %s (%s, %d years, %s): mean defence share %.2f%% of GDP, %d ties, %d blocs, %.1f s",
        run_dir,
        summary["world"]["name"],
        summary["steps"],
        summary["scenario"],
        100 * m["mean_share"],
        m["n_ties"],
        m["n_blocs"],
        summary["elapsed_s"],
    )
    return m["mean_share"]


if __name__ == "__main__":
    main()
