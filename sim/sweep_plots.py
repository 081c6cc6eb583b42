"""Figures of a sweep, drawn from ``sweep.parquet`` (one row per job), never from live models.

- ``outcomes_vs_<param>.png``: each outcome against a swept numeric parameter, the mean across
  seeds with a band of one standard deviation, one line per scenario (or other swept choice);
  for a sampled design (not a full grid, e.g. a sensitivity sample) every job as a point;
- ``heatmap_<p1>_x_<p2>.png``: when two (or three) numeric parameters are swept on a grid, the
  mean of each outcome over the grid of each pair;
- ``outcomes_by_<param>.png``: each outcome per value of a swept choice (scenario, world, rule)
  as a box plot with every job's value as a point; with no swept parameter, the spread of the
  outcomes across seeds.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.output import atomic_write  # noqa: E402

#: outcome column -> (axis label with units, factor applied to the values)
OUTCOMES: dict[str, tuple[str, float]] = {
    "mean_share": ("mean defence share of GDP (%)", 100.0),
    "polarity": ("polarity (effective number of poles)", 1.0),
    "n_blocs": ("number of blocs", 1.0),
    "n_ties": ("alliance ties (count)", 1.0),
    "share_at_target": ("allies meeting their target (%)", 100.0),
    "world_milex": ("world military spending (US$ bn)", 1e-9),
    "burden_correlation": ("burden sharing: rank corr. GDP vs share", 1.0),
    "ties_formed": ("ties formed over the run (count)", 1.0),
    "ties_dissolved": ("ties dissolved over the run (count)", 1.0),
}

#: override key -> readable axis label with units
PARAMETERS: dict[str, str] = {
    "seed": "seed",
    "scenario": "scenario",
    "world": "world",
    "budget_rule": "budget rule",
    "alliance_rule": "alliance rule",
    "model.steps": "years simulated",
    "model.threat_range_km": "threat range λ (km)",
    "model.major_range_km": "major-power range (km)",
    "model.support_range_km": "support range (km)",
    "model.depreciation": "capability depreciation δ (per year)",
    "model.regime_hostility": "regime hostility (0-1)",
    "model.dilemma": "security-dilemma gain",
    "model.growth_drag": "guns-vs-butter growth drag",
    "budget_rule.k": "threat response k (share/yr)",
    "budget_rule.f": "free riding f (share/yr)",
    "budget_rule.a": "fatigue a (per year)",
    "budget_rule.p": "alliance pressure p (per year)",
    "budget_rule.eta": "adjustment speed η (per year)",
    "budget_rule.noise": "share noise s.d. (fraction of GDP)",
    "alliance_rule.cost": "cost of a tie (utility)",
    "alliance_rule.b_sec": "weight of security b_sec",
    "alliance_rule.b_ent": "weight of entrapment b_ent",
    "alliance_rule.b_aff": "weight of affinity b_aff",
    "alliance_rule.patience": "patience (years)",
    "alliance_rule.bandwagon": "bandwagon propensity (per year)",
    "world.n": "number of nations",
}


#: a numeric parameter with more distinct values than this is drawn as a scatter of jobs
GRID_MAX = 25


def parameter_label(key: str) -> str:
    """A readable label for an override key, with its units where known."""
    if key in PARAMETERS:
        return PARAMETERS[key]
    label = key.split(".")[-1].replace("_", " ")
    if key.endswith("_km"):
        label = label.removesuffix(" km") + " (km)"
    return f"{label} [{key}]"


def outcome_columns(frame: pd.DataFrame) -> list[str]:
    """The outcomes with at least one value among the finished jobs."""
    return [c for c in OUTCOMES if c in frame.columns and frame[c].notna().any()]


def _values(frame: pd.DataFrame, outcome: str) -> pd.Series:
    return frame[outcome].astype(float) * OUTCOMES[outcome][1]


def _grid(n: int) -> tuple[plt.Figure, np.ndarray]:
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)


def plot_outcomes_vs_parameter(
    frame: pd.DataFrame, param: str, path: Path, by: str | None = None, sampled: bool = False
) -> None:
    """Each outcome against ``param``: the mean across jobs at each value and a ±1 s.d. band.

    With ``by`` (a swept choice such as ``scenario``), one line and band per choice. For a
    ``sampled`` design (not a grid: a sensitivity sample), every job is a point instead.
    """
    outcomes = outcome_columns(frame)
    fig, axes = _grid(len(outcomes))
    groups = [(None, frame)] if by is None else list(frame.groupby(by, sort=True))
    for ax, outcome in zip(axes, outcomes, strict=False):
        for name, sub in groups:
            if sampled:  # not a grid: every job as a point
                ax.scatter(
                    sub[param],
                    _values(sub, outcome),
                    s=6,
                    alpha=0.5,
                    label=str(name) if by else "job",
                )
                continue
            stats = (
                sub.assign(_y=_values(sub, outcome))
                .groupby(param)["_y"]
                .agg(["mean", "std", "count"])
                .sort_index()
            )
            x = stats.index.to_numpy(dtype=float)
            mean, sd = stats["mean"].to_numpy(), stats["std"].fillna(0.0).to_numpy()
            line = ax.plot(x, mean, marker="o", ms=3, label=str(name) if by else "mean")[0]
            ax.fill_between(x, mean - sd, mean + sd, color=line.get_color(), alpha=0.2, lw=0)
        ax.set_xlabel(parameter_label(param))
        ax.set_ylabel(OUTCOMES[outcome][0])
        ax.grid(alpha=0.3)
    n = int(frame.groupby([param] + ([by] if by else [])).size().median())
    axes[0].legend(fontsize=7, title=f"band: ±1 s.d. over {n} jobs", title_fontsize=7)
    fig.suptitle(f"Final outcomes against {parameter_label(param)}", fontsize=10)
    _save(fig, path)


def plot_heatmap(frame: pd.DataFrame, p1: str, p2: str, path: Path) -> None:
    """The mean of each outcome over the grid of two swept numeric parameters."""
    outcomes = outcome_columns(frame)
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=False):
        table = frame.assign(_y=_values(frame, outcome)).pivot_table(
            index=p2, columns=p1, values="_y", aggfunc="mean"
        )
        image = ax.imshow(
            table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis"
        )
        ax.set_xticks(range(len(table.columns)), [f"{v:g}" for v in table.columns], fontsize=7)
        ax.set_yticks(range(len(table.index)), [f"{v:g}" for v in table.index], fontsize=7)
        ax.set_xlabel(parameter_label(p1))
        ax.set_ylabel(parameter_label(p2))
        fig.colorbar(image, ax=ax).set_label(OUTCOMES[outcome][0], fontsize=7)
    fig.suptitle(
        f"Mean over seeds (and other parameters): {parameter_label(p1)} x {parameter_label(p2)}",
        fontsize=10,
    )
    _save(fig, path)


def plot_outcomes_by_group(frame: pd.DataFrame, by: str | None, path: Path) -> None:
    """Each outcome per value of ``by``: a box plot with each job's value as a jittered point."""
    outcomes = outcome_columns(frame)
    fig, axes = _grid(len(outcomes))
    if by is None:
        groups = [("all jobs", frame)]
    else:
        groups = [(str(k), g) for k, g in frame.groupby(by, sort=True)]
    rng = np.random.default_rng(0)  # jitter only; the figure is the same on every rebuild
    for ax, outcome in zip(axes, outcomes, strict=False):
        data = [_values(g, outcome).dropna().to_numpy() for _, g in groups]
        ax.boxplot(data, showfliers=False, widths=0.5)
        for n, values in enumerate(data, start=1):
            ax.scatter(
                n + rng.uniform(-0.15, 0.15, len(values)),
                values,
                s=8,
                alpha=0.6,
                color="#1f4e99",
                zorder=3,
            )
        ax.set_xticks(
            range(1, len(groups) + 1),
            [name for name, _ in groups],
            fontsize=8,
            rotation=20 if len(groups) > 3 else 0,
        )
        ax.set_xlabel(parameter_label(by) if by else "")
        ax.set_ylabel(OUTCOMES[outcome][0])
        ax.grid(alpha=0.3, axis="y")
    title = f"Final outcomes by {parameter_label(by)}" if by else "Final outcomes across jobs"
    fig.suptitle(f"{title} (each point one job)", fontsize=10)
    _save(fig, path)


def swept_parameters(frame: pd.DataFrame) -> list[str]:
    """The override columns taking more than one value (the seed excluded)."""
    start, stop = frame.columns.get_loc("dir") + 1, frame.columns.get_loc("seed")
    return [c for c in frame.columns[start:stop] if frame[c].nunique(dropna=True) > 1]


def sweep_figures(frame: pd.DataFrame, folder: Path) -> list[Path]:
    """Draw every sweep figure of ``frame`` (rows with status ok) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ok = frame[frame["status"] == "ok"]
    if ok.empty or not outcome_columns(ok):
        return []
    swept = swept_parameters(frame)
    numeric = [p for p in swept if _is_numeric(ok[p])]
    choices = [p for p in swept if p not in numeric]
    written = []
    by = choices[0] if choices else None
    grid = is_grid(ok, numeric)
    for param in numeric:
        path = folder / f"outcomes_vs_{_safe(param)}.png"
        plot_outcomes_vs_parameter(ok, param, path, by=by, sampled=not grid)
        written.append(path)
    for p1, p2 in itertools.combinations(numeric, 2) if grid and len(numeric) <= 3 else []:
        path = folder / f"heatmap_{_safe(p1)}_x_{_safe(p2)}.png"
        plot_heatmap(ok, p1, p2, path)
        written.append(path)
    for param in choices or ([None] if not numeric else []):
        path = folder / f"outcomes_by_{_safe(param) if param else 'seed'}.png"
        plot_outcomes_by_group(ok, param, path)
        written.append(path)
    return written


def is_grid(frame: pd.DataFrame, numeric: list[str]) -> bool:
    """True when the numeric parameters form a full grid (every combination, few values each);
    False for a sampled design such as a Morris or Sobol sample."""
    if not numeric:
        return True
    counts = [frame[p].nunique() for p in numeric]
    combos = len(frame[numeric].drop_duplicates())
    return max(counts) <= GRID_MAX and combos == int(np.prod(counts))


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in key)
