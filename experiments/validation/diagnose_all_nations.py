"""Why V10 ranks all nations' changes below distance from Moscow (PREREGISTRATION.md A29).

``python experiments/validation/diagnose_all_nations.py [--variant V10]``

A report, no run and no score: reads ``diagnostics_changes_<variant>.csv`` (written by
``diagnose_changes.py --variant <variant>``: seed 0, each nation's observed and modelled change
in points and the budget rule's terms) and splits the "all nations" change ranking into NATO's
allies and the other nations. For the other nations: the Spearman of the observed change with
the model's change, with the model's change less its means term (own and allied spending, which
grows with the model's GDP path), with the threat term alone and with ``-distance`` to Moscow;
how far the model's GDP path (``model_dlnY``, the start window's trend) is from the record
(``obs_dlnY``, World Bank, not seen by the model); and the nations with the largest rank errors.
Writes ``diagnostics_all_nations_<variant>.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

HERE = Path(__file__).resolve().parent
WINDOWS = ("2019-2024", "2014-2024")
#: the columns shown for the largest errors
SHOWN = ["iso3", "moscow_km", "s0", "obs", "model", "threat", "means", "mobilisation",
         "model_dlnY", "obs_dlnY", "rank_obs", "rank_model"]  # fmt: skip


def rho(x: pd.Series, y: pd.Series) -> float:
    """Spearman's rank correlation over the rows where both are known."""
    ok = x.notna() & y.notna()
    return float(spearmanr(x[ok], y[ok]).statistic)


def window_report(frame: pd.DataFrame, top: int = 12) -> dict:
    """The split of one window's "all nations" ranking (``frame``: its all-nations rows)."""
    other = frame[~frame["nato"]]
    overshoot = other["model_dlnY"] - other["obs_dlnY"]
    errors = other.reindex(other["rank_err"].abs().sort_values(ascending=False).index)
    return {
        "n_all": len(frame),
        "n_nato": int(frame["nato"].sum()),
        "spearman_changes_all": rho(frame["obs"], frame["model"]),
        "spearman_changes_nato": rho(
            frame.loc[frame["nato"], "obs"], frame.loc[frame["nato"], "model"]
        ),
        "spearman_changes_other": rho(other["obs"], other["model"]),
        "spearman_other_without_means": rho(other["obs"], other["model"] - other["means"]),
        "spearman_other_threat_alone": rho(other["obs"], other["threat"]),
        "spearman_other_means_alone": rho(other["obs"], other["means"]),
        "spearman_other_-distance": rho(other["obs"], -other["moscow_km"]),
        "spearman_all_-distance": rho(frame["obs"], -frame["moscow_km"]),
        "mean_abs_means_other": float(other["means"].abs().mean()),
        "mean_abs_means_nato": float(frame.loc[frame["nato"], "means"].abs().mean()),
        "gdp_overshoot_other_median": float(overshoot.median()),
        "gdp_overshoot_other_quartiles": [float(q) for q in overshoot.quantile([0.25, 0.75])],
        "share_other_at_growth_cap": float(
            (other["model_dlnY"] >= other["model_dlnY"].max() - 1e-3).mean()
        ),
        "spearman_other_rank_error_with_overshoot": rho(other["rank_err"], overshoot),
        "largest_errors_other": errors[SHOWN].head(top).round(3).to_dict("records"),
    }


def main(argv: list[str]) -> int:
    at = argv.index("--variant") + 1 if "--variant" in argv else None
    variant = "V10" if at is None else (argv[at] if at < len(argv) else "")
    path = HERE / f"diagnostics_changes_{variant}.csv"
    if not path.exists():
        print(f"--variant: no {path.name}; run diagnose_changes.py --variant {variant!r} first")
        return 2
    rows = pd.read_csv(path)
    record = {"variant": variant, "source": path.name, "windows": {}}
    for window in WINDOWS:
        frame = rows[(rows["group"] == "all_nations") & (rows["window"] == window)]
        report = window_report(frame)
        record["windows"][window] = report
        print(f"== {variant} {window}: " + ", ".join(
            f"{k} {v:.3f}" for k, v in report.items() if isinstance(v, float)
        ))  # fmt: skip
        print(pd.DataFrame(report["largest_errors_other"]).to_string(index=False))
    out = HERE / f"diagnostics_all_nations_{variant}.json"
    out.write_text(json.dumps(record, indent=1, default=float, allow_nan=True) + "\n")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main(sys.argv[1:]))
