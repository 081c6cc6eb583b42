"""Global sensitivity analysis (SALib) as a Hydra sweeper: Morris screening and Sobol indices.

``python -m sim -m experiment=sensitivity [hydra/launcher=parallel]`` selects this sweeper
(``configs/hydra/sweeper/sensitivity.yaml``; the thin plugin shim lives in
``hydra_plugins/sim_sweepers``, where Hydra requires plugins to be). The sweeper

1. draws a seeded SALib sample over ``hydra.sweeper.params`` (``key: [low, high]``): Morris
   trajectories (Morris 1991; Campolongo et al. 2007) and a Saltelli/Sobol' design
   (Saltelli et al. 2010), written to ``sensitivity/<method>_sample.parquet``;
2. launches one job per sample point through the configured launcher (basic, joblib, Ray,
   Slurm), each job an ordinary run with the point's values as overrides, so resume, failure
   records, progress lines and ``sweep.parquet`` work as for any sweep;
3. reads each job's final metrics and writes ``sensitivity.parquet`` and ``sensitivity.csv``
   (``method, outcome, parameter, index, value, conf``; Morris: ``mu_star`` with its bootstrap
   confidence half-width, ``sigma``, ``mu``; Sobol: ``S1`` and ``ST`` with theirs) and
   ``figures/sensitivity_<method>.png`` (bars with 95% confidence intervals).

Every job runs with the config's ``seed`` (common random numbers), so the indices measure the
parameters' effects, not seed noise.

References
----------
Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
*Technometrics* 33(2), 161-174.
Campolongo, F., Cariboni, J., Saltelli, A. (2007). An effective screening design for sensitivity
analysis of large models. *Environmental Modelling & Software* 22(10), 1509-1518.
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index. *Computer Physics Communications* 181(2), 259-270.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.core.utils import JobReturn
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from sim.output import SUMMARY, write_table

log = logging.getLogger(__name__)

METHODS = ("morris", "sobol")
TABLE = "sensitivity.parquet"
#: the smallest designs that give stable indices: Morris trajectories r (Campolongo et al. 2007
#: use r = 10-50; below 10 the ranking of mu* changes between seeds of the design), Sobol base
#: sample N (Saltelli et al. 2010: N of 500-1000 for indices with confidence intervals narrower
#: than the indices themselves; at N = 4 the estimates range from -3 to +4)
MIN_MORRIS_TRAJECTORIES = 10
MIN_SOBOL_SAMPLES = 512


class SensitivityError(ValueError):
    """The sensitivity sweep is misconfigured; the message names the key."""


def problem(params: dict[str, Sequence[float]]) -> dict[str, Any]:
    """SALib's problem dict from ``{key: [low, high]}`` (checked: two numbers, low < high)."""
    names, bounds = [], []
    for key, pair in params.items():
        values = list(pair) if isinstance(pair, Sequence | list) else []
        if len(values) != 2 or not all(isinstance(v, int | float) for v in values):
            raise SensitivityError(f"hydra.sweeper.params.{key}: give [low, high], got {pair!r}")
        low, high = float(values[0]), float(values[1])
        if not low < high:
            raise SensitivityError(f"hydra.sweeper.params.{key}: low must be < high, got {pair!r}")
        names.append(key)
        bounds.append([low, high])
    if len(names) < 2:
        raise SensitivityError("hydra.sweeper.params: give at least two parameters")
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def draw(method: str, prob: dict[str, Any], settings: dict[str, Any]) -> np.ndarray:
    """The sample matrix (one row per job) of ``method`` for ``prob``."""
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(
            prob,
            N=settings["morris_trajectories"],
            num_levels=settings["morris_levels"],
            seed=settings["seed"],
        )
    from SALib.sample import sobol

    return sobol.sample(
        prob, N=settings["sobol_samples"], calc_second_order=False, seed=settings["seed"]
    )


def analyse(
    method: str, prob: dict[str, Any], x: np.ndarray, y: np.ndarray, settings: dict[str, Any]
) -> pd.DataFrame:
    """Tidy indices of one outcome: ``parameter, index, value, conf`` (conf: 95% half-width)."""
    rows = []
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(
            prob, x, y, num_levels=settings["morris_levels"], conf_level=0.95, seed=settings["seed"]
        )
        for n, name in enumerate(prob["names"]):
            rows.append((name, "mu_star", res["mu_star"][n], res["mu_star_conf"][n]))
            rows.append((name, "sigma", res["sigma"][n], np.nan))
            rows.append((name, "mu", res["mu"][n], np.nan))
    else:
        from SALib.analyze import sobol

        res = sobol.analyze(
            prob,
            y,
            calc_second_order=False,
            conf_level=0.95,
            # SALib seeds its bootstrap only `if seed:` (seed 0 would give other CIs each run)
            seed=settings["seed"] + 1,
        )
        for n, name in enumerate(prob["names"]):
            rows.append((name, "S1", res["S1"][n], res["S1_conf"][n]))
            rows.append((name, "ST", res["ST"][n], res["ST_conf"][n]))
    frame = pd.DataFrame(rows, columns=["parameter", "index", "value", "conf"])
    frame[["value", "conf"]] = frame[["value", "conf"]].astype(float)
    return frame


def design_warnings(methods: Sequence[str], settings: dict[str, Any]) -> list[str]:
    """One message per design too small for stable indices, naming the minimum sample size."""
    out = []
    r, n = settings["morris_trajectories"], settings["sobol_samples"]
    if "morris" in methods and r < MIN_MORRIS_TRAJECTORIES:
        out.append(
            f"hydra.sweeper.morris_trajectories={r} is too few for stable Morris indices: use at "
            f"least {MIN_MORRIS_TRAJECTORIES} (10-50; Campolongo et al. 2007)"
        )
    if "sobol" in methods and n < MIN_SOBOL_SAMPLES:
        out.append(
            f"hydra.sweeper.sobol_samples={n} is too small for stable Sobol indices: use at "
            f"least {MIN_SOBOL_SAMPLES} (a power of 2; Saltelli et al. 2010)"
        )
    return out


def overrides_for(names: list[str], row: np.ndarray, integer: set[str]) -> list[str]:
    """``key=value`` overrides of one sample point (integer parameters rounded)."""
    out = []
    for name, value in zip(names, row, strict=True):
        out.append(f"{name}={int(round(value))}" if name in integer else f"{name}={float(value)!r}")
    return out


class SensitivitySweeper(Sweeper):
    """Draws a SALib design, launches it through Hydra's launcher, writes the indices."""

    def __init__(
        self,
        params: dict[str, Any],
        methods: Sequence[str] = METHODS,
        outcomes: Sequence[str] = ("mean_share", "polarity", "n_blocs"),
        morris_trajectories: int = 10,
        morris_levels: int = 4,
        sobol_samples: int = 32,
        seed: int = 0,
        max_batch_size: int | None = None,
    ) -> None:
        params = OmegaConf.to_container(params) if isinstance(params, DictConfig) else params
        self.problem = problem(dict(params or {}))
        unknown = [m for m in methods if m not in METHODS]
        if unknown or not methods:
            raise SensitivityError(
                f"hydra.sweeper.methods: choose from {', '.join(METHODS)}, got {list(methods)}"
            )
        self.methods = list(methods)
        self.outcomes = list(outcomes)
        self.settings = {
            "morris_trajectories": int(morris_trajectories),
            "morris_levels": int(morris_levels),
            "sobol_samples": int(sobol_samples),
            "seed": int(seed),
        }
        self.max_batch_size = max_batch_size
        self.config: DictConfig | None = None
        self.launcher: Any = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        from sim.sweep import compose_once

        hydra_context = compose_once(hydra_context)
        self.config = config
        self.hydra_context = hydra_context
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> list[JobReturn]:
        from sim.sweep import plan_or_exit, start_progress

        assert self.config is not None
        parsed = OverridesParser.create().parse_overrides(arguments)
        swept = [o.input_line for o in parsed if o.is_sweep_override()]
        if swept:
            raise SensitivityError(
                f"the sensitivity sweeper draws its own sample; remove the sweep {swept[0]!r}"
            )
        integer = {
            key
            for key in self.problem["names"]
            if isinstance(OmegaConf.select(self.config, key, default=None), int)
            and not isinstance(OmegaConf.select(self.config, key, default=None), bool)
        }
        missing = [k for k in self.problem["names"] if OmegaConf.select(self.config, k) is None]
        if missing:
            raise SensitivityError(f"hydra.sweeper.params.{missing[0]}: not a key of the config")
        sweep_dir = Path(self.config.hydra.sweep.dir)
        for message in design_warnings(self.methods, self.settings):
            log.warning("sensitivity: %s", message)
        folder = sweep_dir / "sensitivity"
        designs: dict[str, tuple[np.ndarray, list[int]]] = {}
        jobs: list[list[str]] = []
        for method in self.methods:
            x = draw(method, self.problem, self.settings)
            numbers = list(range(len(jobs), len(jobs) + len(x)))
            designs[method] = (x, numbers)
            jobs += [
                list(arguments) + overrides_for(self.problem["names"], row, integer) for row in x
            ]
            sample = pd.DataFrame(x, columns=self.problem["names"]).assign(job=numbers)
            write_table(sample, folder / f"{method}_sample.parquet")
        log.info(
            "Sensitivity sweeper: %s over %d parameters, %d jobs, sweep dir %s",
            " + ".join(f"{m} ({len(designs[m][0])} jobs)" for m in self.methods),
            self.problem["num_vars"],
            len(jobs),
            sweep_dir,
        )
        start_progress(sweep_dir, len(jobs))
        plan_or_exit(self.config, jobs, self.hydra_context.config_loader)
        size = self.max_batch_size or len(jobs)
        returns: list[JobReturn] = []
        for start in range(0, len(jobs), size):
            returns += list(self.launcher.launch(jobs[start : start + size], initial_job_idx=start))
        self.analyse_sweep(sweep_dir, designs)
        log.info(
            "Sensitivity indices: %s and %s",
            sweep_dir / TABLE,
            sweep_dir / "figures" / "sensitivity_<method>.png",
        )
        return returns

    def analyse_sweep(
        self, sweep_dir: Path, designs: dict[str, tuple[np.ndarray, list[int]]]
    ) -> pd.DataFrame:
        """Indices of every method and outcome from the jobs' ``summary.json`` files."""
        from sim.sweep import read_manifest

        where = {job["job"]: sweep_dir / job["dir"] for job in read_manifest(sweep_dir) or []}
        parts = []
        for method, (x, numbers) in designs.items():
            metrics = [_metrics(where.get(n)) for n in numbers]
            for outcome in self.outcomes:
                y = np.array(
                    [np.nan if m is None else (m.get(outcome) or np.nan) for m in metrics],
                    dtype=float,
                )
                bad = [numbers[i] for i in np.flatnonzero(~np.isfinite(y))]
                if bad:
                    log.error(
                        "sensitivity: %s of %s: %d jobs without a value (first #%s); skipped",
                        method,
                        outcome,
                        len(bad),
                        bad[0],
                    )
                    continue
                found = analyse(method, self.problem, x, y, self.settings)
                parts.append(found.assign(method=method, outcome=outcome))
        if not parts:
            raise SensitivityError("no outcome could be analysed: every design has failed jobs")
        frame = pd.concat(parts, ignore_index=True)[
            ["method", "outcome", "parameter", "index", "value", "conf"]
        ]
        write_table(frame, sweep_dir / TABLE)
        from sim.output import atomic_write

        atomic_write(sweep_dir / "sensitivity.csv", lambda tmp: frame.to_csv(tmp, index=False))
        for method in designs:
            plot_indices(
                frame[frame["method"] == method],
                method,
                sweep_dir / "figures" / f"sensitivity_{method}.png",
            )
        return frame


def _metrics(job_dir: Path | None) -> dict[str, Any] | None:
    if job_dir is None:
        return None
    try:
        return json.loads((job_dir / SUMMARY).read_text())["metrics"]
    except (OSError, ValueError, KeyError):
        return None


def plot_indices(frame: pd.DataFrame, method: str, path: Path) -> None:
    """Bars of the main index per parameter and outcome, with 95% confidence intervals.

    Morris: ``mu_star`` (mean absolute elementary effect over a step of the parameter's
    normalised range), drawn in the outcome's plotted units (percent for a share: the tables keep
    SALib's raw fractions); Sobol: first-order ``S1`` and total ``ST`` indices (shares of variance).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.output import atomic_write
    from sim.sweep_plots import OUTCOMES, parameter_label

    outcomes = list(dict.fromkeys(frame["outcome"]))
    if not outcomes:
        return
    indices = ["mu_star"] if method == "morris" else ["S1", "ST"]
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.6 * len(outcomes), 4.2), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=True):
        sub = frame[frame["outcome"] == outcome]
        params = list(dict.fromkeys(sub["parameter"]))
        y = np.arange(len(params))
        height = 0.8 / len(indices)
        label, factor = OUTCOMES.get(outcome, (outcome, 1.0))
        scale = factor if method == "morris" else 1.0  # mu* in the outcome's plotted units
        for k, index in enumerate(indices):
            rows = sub[sub["index"] == index].set_index("parameter").loc[params]
            ax.barh(
                y + (k - (len(indices) - 1) / 2) * height,
                rows["value"] * scale,
                height=height,
                xerr=rows["conf"].fillna(0.0) * scale,
                capsize=2,
                label=index,
            )
        ax.set_yticks(y, [parameter_label(p) for p in params], fontsize=7)
        ax.invert_yaxis()
        if method == "morris":
            ax.set_xlabel(f"μ*: mean |elementary effect| on {label}", fontsize=8)
        else:
            ax.set_xlabel("Sobol index (share of output variance)", fontsize=8)
            ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3, axis="x")
        if len(indices) > 1:
            ax.legend(fontsize=7)
    title = (
        "Morris screening: μ* with 95% bootstrap CI"
        if method == "morris"
        else "Sobol indices: first order S1 and total ST, 95% CI"
    )
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)
