"""``python -m sim.discover SWEEP_DIR --outcome NAME --above X`` (or ``--below X``): scenario
discovery over a sweep.

Which ranges of the swept parameters lead to the runs of interest (``NAME > X``, or ``< X``)?

- **PRIM boxes** (Friedman & Fisher 1999), with EMA Workbench's implementation
  (``ema_workbench.analysis.prim.Prim``: peeling, then pasting). Along the peeling trajectory
  each box trades *coverage* (the share of all runs of interest that fall inside the box) for
  *density* (the share of runs inside the box that are of interest). The box reported is the
  densest with coverage >= ``--min-coverage`` (default 0.8); up to ``--boxes`` boxes are found,
  each on the runs the previous boxes left (the covering approach of Bryant & Lempert 2010).
- **Feature scores**: the impurity importance of each swept parameter in scikit-learn's
  extra-trees classifier (Geurts et al. 2006) of the same yes/no outcome, 500 trees, seeded.

Reads ``SWEEP_DIR/sweep.parquet`` (ok jobs; the inputs are its swept parameters, the seed left
out); ``--join FILE`` adds outcome columns from a parquet or CSV table keyed by ``point`` or
``dir`` (e.g. one an experiment computed from the job directories). Writes
``SWEEP_DIR/discovery/``: ``prim_boxes.csv`` (``box, parameter, low, high, categories,
coverage, density, mass, res_dim, qp_value``: one row per restricted parameter),
``prim_trajectory.csv`` (the peeling trajectory of each box), ``feature_scores.csv``
(``parameter, score``) and the figures ``prim_tradeoff.png``, ``prim_boxes.png``,
``feature_scores.png``. Needs the ``sweep`` extra (``pip install -e '.[sweep]'``).

References
----------
Friedman, J. H., Fisher, N. I. (1999). Bump hunting in high-dimensional data. *Statistics and
Computing* 9, 123-143.
Bryant, B. P., Lempert, R. J. (2010). Thinking inside the box: a participatory, computer-assisted
approach to scenario discovery. *Technological Forecasting and Social Change* 77, 34-49.
Geurts, P., Ernst, D., Wehenkel, L. (2006). Extremely randomized trees. *Machine Learning* 63,
3-42.
Kwakkel, J. H. (2017). The Exploratory Modeling Workbench. *Environmental Modelling & Software*
96, 239-250.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.output import atomic_write
from sim.sweep import SWEEP_TABLE
from sim.sweep_plots import swept_parameters

FOLDER = "discovery"


class DiscoveryError(ValueError):
    """The sweep cannot be analysed as asked; the message names the file or column."""


@dataclass
class Boxes:
    """PRIM's result: the chosen boxes' limits and statistics, and each peeling trajectory."""

    limits: pd.DataFrame
    trajectories: pd.DataFrame


def load_inputs(
    sweep_dir: Path, outcome: str, join: Path | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """The swept parameters (one column each; choices as categories) and the outcome of the ok
    jobs of a sweep."""
    path = Path(sweep_dir) / SWEEP_TABLE
    if not path.exists():
        raise DiscoveryError(f"{path}: no such file (python -m sim.sweep_report {sweep_dir})")
    frame = pd.read_parquet(path)
    params = swept_parameters(frame)
    if join is not None:
        extra = pd.read_parquet(join) if join.suffix == ".parquet" else pd.read_csv(join)
        keys = [k for k in ("point", "dir") if k in extra.columns]
        if not keys:
            raise DiscoveryError(f"{join}: needs a point or dir column to join the sweep")
        frame = frame.merge(extra, on=keys[0], how="left", suffixes=("", "_joined"))
    if outcome not in frame.columns:
        raise DiscoveryError(
            f"--outcome {outcome}: not a column of {path}"
            + (f" or {join}" if join else "")
            + f"; choose from {', '.join(c for c in frame.columns if c not in params)}"
        )
    if not params:
        raise DiscoveryError(f"{path}: no swept parameter (every override takes one value)")
    ok = frame[(frame["status"] == "ok") & frame[outcome].notna()]
    if len(ok) < 10:
        raise DiscoveryError(f"{path}: {len(ok)} ok jobs with {outcome}; PRIM needs at least 10")
    x = ok[params].reset_index(drop=True).copy()
    for column in params:
        if not pd.api.types.is_numeric_dtype(x[column]) or pd.api.types.is_bool_dtype(x[column]):
            x[column] = x[column].astype(str).astype("category")
        else:
            x[column] = x[column].astype(float)
    return x, ok[outcome].astype(float).reset_index(drop=True)


def of_interest(y: pd.Series, above: float | None, below: float | None) -> np.ndarray:
    """The yes/no outcome: ``y > above`` or ``y < below``."""
    flags = (y > above) if above is not None else (y < below)
    hits = int(flags.sum())
    if hits == 0 or hits == len(flags):
        side = f"> {above}" if above is not None else f"< {below}"
        raise DiscoveryError(
            f"{hits} of {len(flags)} jobs have {y.name} {side}: choose a threshold inside "
            f"[{y.min():g}, {y.max():g}]"
        )
    return flags.to_numpy(dtype=bool)


def prim_boxes(
    x: pd.DataFrame, hit: np.ndarray, min_coverage: float = 0.8, boxes: int = 2
) -> Boxes:
    """PRIM boxes of ``hit`` in ``x`` (EMA Workbench), each the densest box of its peeling
    and pasting trajectory with coverage >= ``min_coverage``."""
    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        finder = prim.Prim(x, hit, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        rows, trajectories = [], []
        for number in range(1, boxes + 1):
            box = finder.find_box()
            if box is None:
                break
            trajectory = box.peeling_trajectory.copy()
            covered = trajectory[trajectory["coverage"] >= min_coverage]
            chosen = int((covered if len(covered) else trajectory)["density"].idxmax())
            box.select(chosen)
            stats, table = box.inspect(chosen, style="data")[0]
            if stats["coverage"] == 0:  # the earlier boxes hold every run of interest
                break
            trajectories.append(trajectory.assign(box=number, chosen=trajectory["id"] == chosen))
            if not table.index.size:  # no restriction beats the whole space: say so, stop
                rows.append({"box": number, "parameter": "(none)", "categories": "",
                             **_stats(stats)})  # fmt: skip
                break
            for parameter in table.index:
                low, high = table.loc[parameter].iloc[0], table.loc[parameter].iloc[1]
                qp = np.nanmin(table.loc[parameter].iloc[2:].to_numpy(dtype=float))
                categorical = isinstance(low, set)
                rows.append(
                    {
                        "box": number,
                        "parameter": parameter,
                        "low": np.nan if categorical else float(low),
                        "high": np.nan if categorical else float(high),
                        "categories": ",".join(sorted(map(str, low))) if categorical else "",
                        **_stats(stats),
                        "qp_value": float(qp),
                    }
                )
    columns = ["box", "parameter", "low", "high", "categories", "coverage", "density", "mass",
               "res_dim", "qp_value"]  # fmt: skip
    limits = pd.DataFrame(rows, columns=columns)
    return Boxes(limits, pd.concat(trajectories, ignore_index=True) if trajectories else limits)


def _stats(stats: pd.Series) -> dict[str, float]:
    return {
        "coverage": float(stats["coverage"]),
        "density": float(stats["density"]),
        "mass": float(stats["mass"]),
        "res_dim": int(stats["res_dim"]),
    }


def feature_scores(x: pd.DataFrame, hit: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Impurity importance of each parameter in an extra-trees classifier of ``hit``
    (scikit-learn, 500 trees): ``parameter, score`` (scores sum to 1), highest first."""
    from sklearn.ensemble import ExtraTreesClassifier

    codes = x.apply(lambda c: c.cat.codes if isinstance(c.dtype, pd.CategoricalDtype) else c)
    model = ExtraTreesClassifier(n_estimators=500, random_state=seed, n_jobs=1)
    model.fit(codes.to_numpy(dtype=float), hit)
    scores = pd.DataFrame({"parameter": list(x.columns), "score": model.feature_importances_})
    return scores.sort_values("score", ascending=False, ignore_index=True)


def figures(boxes: Boxes, scores: pd.DataFrame, x: pd.DataFrame, folder: Path, what: str) -> None:
    """The coverage-density trade-off, the chosen boxes' limits, the feature scores."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.sweep_plots import parameter_label

    def save(fig: plt.Figure, name: str) -> None:
        fig.tight_layout()
        atomic_write(folder / name, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4))
    for number, path in boxes.trajectories.groupby("box"):
        points = ax.scatter(path["coverage"], path["density"], c=path["res_dim"], cmap="viridis",
                            s=14, label=f"box {number}")  # fmt: skip
        chosen = path[path["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=90, facecolors="none",
                   edgecolors="red")  # fmt: skip
    fig.colorbar(points, ax=ax).set_label("restricted parameters")
    ax.set_xlabel("coverage (share of the runs of interest inside the box)")
    ax.set_ylabel("density (share of the box's runs of interest)")
    ax.set_title(f"PRIM peeling trajectory: {what} (red: reported box)", fontsize=9)
    ax.grid(alpha=0.3)
    save(fig, "prim_tradeoff.png")

    numeric = boxes.limits[(boxes.limits["categories"] == "") & boxes.limits["low"].notna()]
    fig, ax = plt.subplots(figsize=(7.5, 1.0 + 0.45 * max(1, len(numeric))))
    for n, row in enumerate(numeric.itertuples()):
        lo, hi = x[row.parameter].min(), x[row.parameter].max()
        span = hi - lo or 1.0
        ax.plot([0, 1], [n, n], color="lightgrey", lw=6)
        ax.plot([(row.low - lo) / span, (row.high - lo) / span], [n, n], lw=6,
                color=f"C{row.box - 1}")  # fmt: skip
        ax.text(1.03, n, f"{row.low:g} - {row.high:g} (of {lo:g} - {hi:g})", va="center",
                fontsize=7)  # fmt: skip
    ticks = [f"box {r.box}: {parameter_label(r.parameter)}" for r in numeric.itertuples()]
    ax.set_yticks(range(len(numeric)), ticks, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.6)
    ax.set_xlabel("position in the swept range (0: lowest value swept, 1: highest)", fontsize=8)
    ax.set_title(f"PRIM boxes of {what} (coloured: the box's range)", fontsize=9)
    save(fig, "prim_boxes.png")

    fig, ax = plt.subplots(figsize=(5, 0.6 + 0.4 * len(scores)))
    ax.barh(range(len(scores)), scores["score"])
    ax.set_yticks(range(len(scores)), [parameter_label(p) for p in scores["parameter"]],
                  fontsize=7)  # fmt: skip
    ax.invert_yaxis()
    ax.set_xlabel("extra-trees impurity importance (sums to 1)")
    ax.set_title(f"Feature scores: {what}", fontsize=9)
    save(fig, "feature_scores.png")


def discover(
    sweep_dir: Path,
    outcome: str,
    above: float | None = None,
    below: float | None = None,
    join: Path | None = None,
    min_coverage: float = 0.8,
    boxes: int = 2,
) -> tuple[Boxes, pd.DataFrame]:
    """PRIM boxes and feature scores of ``outcome > above`` (or ``< below``), written to
    ``SWEEP_DIR/discovery/`` (see the module docstring)."""
    x, y = load_inputs(sweep_dir, outcome, join)
    hit = of_interest(y, above, below)
    found = prim_boxes(x, hit, min_coverage=min_coverage, boxes=boxes)
    scores = feature_scores(x, hit)
    folder = Path(sweep_dir) / FOLDER
    for name, table in (
        ("prim_boxes.csv", found.limits),
        ("prim_trajectory.csv", found.trajectories),
        ("feature_scores.csv", scores),
    ):
        atomic_write(folder / name, lambda tmp, t=table: t.to_csv(tmp, index=False))
    what = f"{outcome} {'>' if above is not None else '<'} {above if above is not None else below}"
    figures(found, scores, x, folder, what)
    return found, scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.discover", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--outcome", required=True, help="a column of sweep.parquet (or --join)")
    side = parser.add_mutually_exclusive_group(required=True)
    side.add_argument("--above", type=float, help="runs of interest: outcome > ABOVE")
    side.add_argument("--below", type=float, help="runs of interest: outcome < BELOW")
    parser.add_argument("--join", type=Path, help="a table of extra outcomes (point or dir key)")
    parser.add_argument("--min-coverage", type=float, default=0.8)
    parser.add_argument("--boxes", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        found, scores = discover(args.sweep_dir, args.outcome, args.above, args.below, args.join,
                                 args.min_coverage, args.boxes)  # fmt: skip
    except (DiscoveryError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.sweep_dir / FOLDER}/ (prim_boxes.csv, feature_scores.csv, figures)")
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(found.limits.to_string(index=False))
        print(scores.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
