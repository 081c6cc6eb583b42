"""Calibrate the free parameters on 2014 -> 2019 only: ``python -m sim.calibrate``.

The run is ``experiment=hindcast_2014_2024`` stopped after five years (``world=y2014``, the
drivers on their recorded 2014-2019 paths), with the five free parameters of
``experiments/validation/PREREGISTRATION.md`` (section 2) set by the optimiser. The objective is
the mean absolute error of the log change of every non-driver nation's share,
``|ln(s_pred_2019 / s_2014) - ln(s_obs_2019 / s_2014)|`` (SIPRI, :mod:`sim.worlds.observed`).
The objective is taken over the *exposed responders* (amendment A5 (d)): the NATO members of the
start world (``world=y2014``'s treaties) and every other nation whose capital lies within
:data:`EXPOSED_KM` of Moscow, less the drivers (``--nations all``: every non-driver nation, the
objective of A4). The optimiser is
``scipy.optimize.differential_evolution`` (seeded, bounded). It writes

- ``configs/calibration/y2014_2019_trials.csv``: every trial's parameters and objective;
- ``configs/calibration/y2014_2019.yaml``: the best values, their window and objective, as a
  config group the out-of-sample experiment loads (``experiment=outofsample_2019_2024``); its
  header states the configuration the trials ran with.

``--override KEY=VALUE`` (repeatable) runs the trials on another configuration of the rules
(e.g. amendment A11's ``budget_rule.threat_from=spending``); the overrides are written into the
fitted file beside the values, so selecting it (``calibration=NAME``) gives the configuration
the values were fitted on. ``--name NAME`` writes ``NAME.yaml`` and ``NAME_trials.csv`` instead.

No year after 2019 enters: the scored nations come from the 2014 world, the shares from SIPRI's
2014 and 2019 columns.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import differential_evolution

from sim.config import CONFIG_DIR, Config, compose
from sim.errors import ConfigError, report_user_errors
from sim.hindcast import FREE, parameter_values
from sim.model import AllianceModel
from sim.rules.threat import great_circle_km
from sim.worlds import World, load_world, observed

WINDOW = (2014, 2019)
OUT = CONFIG_DIR / "calibration"
#: amendment A5 (d): non-members within this distance of Moscow count among the exposed responders
EXPOSED_KM = 3000.0
NATIONS = ("exposed", "all")
WHO = {
    "exposed": f"NATO members of the start world and nations within {EXPOSED_KM:,.0f} km of Moscow",
    "all": "non-driver nations",
}


def base_config(overrides: list[str] | None = None) -> Config:
    """The calibration run: the 2014 hindcast's world and drivers, five years, no outputs."""
    start, end = WINDOW
    return compose(
        [
            "experiment=hindcast_2014_2024",
            f"model.steps={end - start}",
            "figures=false",
            "hindcast=false",
            *(overrides or []),
        ]
    )


def priors() -> dict[str, float]:
    """A1's theory priors of the free parameters: the values ``experiment=hindcast_2014_2024`` sets.

    The one place they are written is that experiment's file; the validation scripts read them
    here.
    """
    cfg = base_config()
    return parameter_values(cfg.budget_rule, cfg.model)


def with_values(cfg: Config, values: dict[str, float]) -> Config:
    """``cfg`` with the free parameters set (each dataclass checks the new value itself)."""
    groups: dict[str, dict[str, float]] = {}
    for key, value in values.items():
        group, name = key.split(".")
        groups.setdefault(group, {})[name] = float(value)
    return replace(cfg, **{g: replace(getattr(cfg, g), **v) for g, v in groups.items()})


def exposed(world: World, drivers: set[str]) -> set[str]:
    """The exposed responders (A5 (d)): the start world's NATO members and the nations near Moscow.

    The members of the ``NATO`` treaty of ``world`` (for the calibration, ``world=y2014``: no
    later enlargement enters) and every nation whose capital lies within :data:`EXPOSED_KM`
    (great circle) of Moscow's, less the ``drivers``.
    """
    nations = world.nations
    codes = list(nations["iso3"])
    km = great_circle_km(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    near = {c for c, d in zip(codes, km[codes.index("RUS")], strict=True) if d <= EXPOSED_KM}
    nato = set(world.treaties.loc[world.treaties["treaty"] == "NATO", "iso3"])
    return (near | nato) - drivers


def calibration_model(cfg: Config, world: World | None = None) -> AllianceModel:
    """The model of ``cfg`` at its start year, on ``world`` (loaded from ``cfg`` if not given).

    Built directly, not by :func:`sim.runner.build_model`: the window's run stops before the
    hindcast scenario's later shocks (2022), which that check would refuse.
    """
    world = world if world is not None else load_world(cfg.world, cfg.seed)
    return AllianceModel(
        world,
        scenario=cfg.scenario,
        params=cfg.model,
        budget_rule=cfg.budget_rule,
        alliance_rule=cfg.alliance_rule,
        rng=cfg.seed,
    )


def calibration_run(cfg: Config, world: World | None = None) -> AllianceModel:
    """The model of ``cfg`` run for its ``model.steps`` years (2014 -> 2019), on ``world``."""
    model = calibration_model(cfg, world)
    for _ in range(cfg.model.steps):
        model.step()
    return model


def log_change_error(
    cfg: Config, world: World | None = None, nations: str = "exposed"
) -> tuple[float, int]:
    """The objective: mean |predicted - observed log change| over the scored nations.

    ``|ln(s_pred_2019 / s_2014) - ln(s_obs_2019 / s_2014)|`` over the exposed responders
    (``nations="exposed"``, :func:`exposed`) or every non-driver nation (``"all"``), where SIPRI
    has both years. ``world`` is the loaded world of ``cfg`` (loaded here if not given; the
    optimiser loads it once for all its trials).
    """
    if nations not in NATIONS:
        raise ConfigError(f"nations: expected one of {', '.join(NATIONS)}, got {nations!r}")
    start, end = WINDOW
    model = calibration_run(cfg, world)
    drivers = {s.iso3 for s in cfg.scenario.schedules}
    scored = exposed(model.world, drivers) if nations == "exposed" else set(model.iso3) - drivers
    s0 = {c: observed_share(c, start) for c in model.iso3}
    errors = []
    for i, code in enumerate(model.iso3):
        obs_end, obs_start = observed_share(code, end), s0[code]
        if code not in scored or not (obs_end > 0 and obs_start > 0):
            continue
        predicted = max(100 * float(model.share[i]), 1e-3)
        errors.append(abs(math.log(predicted / obs_start) - math.log(obs_end / obs_start)))
    return float(np.mean(errors)), len(errors)


def observed_share(code: str, year: int) -> float:
    """SIPRI's share (percent), NaN where SIPRI has none."""
    try:
        return observed.share(code, year)
    except KeyError:
        return float("nan")


def fixed_settings(overrides: list[str]) -> dict[str, str]:
    """The ``group.key=value`` overrides that are not free parameters, as ``{key: value}``.

    Raises
    ------
    ConfigError
        naming the override that is not of the form ``group.key=value``, or sets a free
        parameter (the optimiser sets those).
    """
    fixed = {}
    for text in overrides:
        key, sep, value = text.partition("=")
        key = key.lstrip("+")
        if not sep or key.count(".") != 1:
            raise ConfigError(f"--override: expected group.key=value, got {text!r}")
        if key in FREE:
            raise ConfigError(
                f"--override: {key} is a free parameter the optimiser sets, got {text!r}"
            )
        fixed[key] = value
    return fixed


def calibrate(
    maxiter: int,
    popsize: int,
    seed: int,
    out: Path = OUT,
    nations: str = "exposed",
    overrides: list[str] | None = None,
    name: str = "y2014_2019",
) -> dict[str, float]:
    """Run the optimiser, record every trial, write the fitted config; return the best values.

    ``overrides`` (Hydra overrides of the rules, none by default) set the configuration the
    trials run on and are written into the fitted file; ``name`` is the file's stem.
    """
    fixed = fixed_settings(overrides or [])
    base = base_config(overrides)
    world = load_world(base.world, base.seed)
    keys = list(FREE)
    trials: list[dict[str, float]] = []
    started = time.perf_counter()

    def objective(x: np.ndarray) -> float:
        values = dict(zip(keys, x.tolist(), strict=True))
        loss, n = log_change_error(with_values(base, values), world, nations)
        trials.append({"trial": len(trials), **values, "objective": loss, "nations": n})
        return loss

    result = differential_evolution(
        objective,
        [FREE[k] for k in keys],
        seed=seed,
        maxiter=maxiter,
        popsize=popsize,
        polish=False,
        tol=1e-4,
        updating="immediate",
    )
    best = dict(zip(keys, result.x.tolist(), strict=True))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f"{name}_trials.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(trials[0]))
        writer.writeheader()
        writer.writerows(trials)
    write_config(
        base,
        best,
        float(result.fun),
        trials[0]["nations"],
        len(trials),
        time.perf_counter() - started,
        out / f"{name}.yaml",
        nations,
        fixed,
    )
    return best


def write_config(
    cfg: Config,
    best: dict[str, float],
    loss: float,
    n_nations: int,
    n_trials: int,
    seconds: float,
    path: Path,
    nations: str = "exposed",
    fixed: dict[str, str] | None = None,
) -> None:
    """The fitted values as a Hydra config group file (``# @package _global_``).

    The header states the configuration ``cfg`` the trials ran with (world, drivers, rules,
    noise, spill-in, threat form) and the nations scored; ``fixed`` (the non-free overrides the
    trials ran with, :func:`fixed_settings`) is written beside the values.
    """
    start, end = WINDOW
    fixed = fixed or {}
    stem = path.stem
    drivers = ", ".join(sorted({s.iso3 for s in cfg.scenario.schedules}))
    rule = cfg.budget_rule
    lines = [
        "# @package _global_",
        f"# Free parameters FITTED on {start} -> {end} only by `python -m sim.calibrate`",
        f"# (world={cfg.world.name}, {cfg.model.steps} years, drivers {drivers} on the schedules",
        f"# of scenario {cfg.scenario.name}; budget_rule={rule.name}, noise "
        f"{getattr(rule, 'noise', 'n/a')}, spill_in {getattr(rule, 'spill_in', 'n/a')} "
        f"per {getattr(rule, 'spill_in_scale', 'n/a')}, threat_from "
        f"{getattr(rule, 'threat_from', 'n/a')}, threat_scale "
        f"{getattr(rule, 'threat_scale', 'n/a')};",
        f"# alliance_rule={cfg.alliance_rule.name}, model.geography={cfg.model.geography}):",
        "# objective: mean |log change error| of the 2019 shares over",
        f"# {n_nations} {WHO[nations]}, SIPRI 2025 release:",
        f"# best objective {loss:.5f} after {n_trials} trials ({seconds:.0f} s),",
        f"# scipy.optimize.differential_evolution; every trial in {stem}_trials.csv.",
        (
            "# Used frozen by experiment=outofsample_2019_2024."
            if stem == "y2014_2019"
            else f"# Select with calibration={stem} (experiment=outofsample_2019_2024) or "
            f"+calibration={stem} (hindcast_2014_2024)."
        )
        + " No year after 2019 entered the fit.",
        *(f"# trials ran with {key}={value} (written below)" for key, value in fixed.items()),
        "calibration:",
        f"  source: configs/calibration/{path.name}",
        "  window: 2014-2019",
        f"  objective: {loss:.6f}",
    ]
    groups: dict[str, list[str]] = {}
    for key, value in fixed.items():
        group, name = key.split(".")
        groups.setdefault(group, []).append(f"  {name}: {value}")
    for key, value in best.items():
        group, name = key.split(".")
        groups.setdefault(group, []).append(f"  {name}: {value:.6g}")
    for group, entries in groups.items():
        lines += [f"{group}:", *entries]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.calibrate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--maxiter", type=int, default=20, help="generations (default 20)")
    parser.add_argument(
        "--popsize", type=int, default=8, help="population per parameter (default 8)"
    )
    parser.add_argument("--seed", type=int, default=0, help="optimiser seed")
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    parser.add_argument(
        "--nations", choices=NATIONS, default="exposed", help="nations scored (default exposed)"
    )
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a rule setting the trials run with, written into the fitted file (repeatable)",
    )
    parser.add_argument(
        "--name", default="y2014_2019", help="stem of the fitted file (default y2014_2019)"
    )
    args = parser.parse_args(argv)
    best = report_user_errors(
        lambda: calibrate(
            args.maxiter,
            args.popsize,
            args.seed,
            args.out,
            args.nations,
            args.override,
            args.name,
        )
    )
    for key, value in best.items():
        print(f"{key} = {value:.6g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
