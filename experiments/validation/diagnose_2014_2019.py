"""In-sample diagnostics on the calibration window 2014 -> 2019 only (amendment A5).

``python experiments/validation/diagnose_2014_2019.py [--detail] [override ...]``

Runs the calibration's configuration (``sim.calibrate.base_config``: ``world=y2014``, five
years, the drivers on their recorded paths) for a few parameter sets and prints, for all
non-driver nations with a SIPRI share in 2014 and 2019 and for NATO's allies among them, the
Spearman rank correlation of the modelled and observed 2014 -> 2019 changes, beside the change of
the threat ratio ``R`` alone and ``-distance`` to Moscow; ``--detail`` adds the NATO table
(observed and modelled change, ``dR``, ``R0``, spill-in change ``F``). No year after 2019 is
read. Without overrides it also writes ``diagnostics_2014_2019.json`` beside this file: every
row, and the calibration objective (:func:`sim.calibrate.log_change_error`, exposed nations) of
the fitted values and of A1's priors (README.md section 2.1 and amendment A6 quote them).

Amendment A5's table was computed by an uncommitted development version of this script on the
code before A5 (4bf2707's experiments: share schedules for the drivers, noise 0.001, spill-ins
from every ally); the script was first committed with A5's implementation (74d6a2d), so that
table cannot be regenerated exactly: at 4bf2707 the script does not exist, and from 74d6a2d on
the same rows come out with A5's changes applied.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from scipy.stats import spearmanr

from sim.calibrate import (
    base_config,
    calibration_run,
    log_change_error,
    observed_share,
    priors,
    with_values,
)
from sim.hindcast import calibrated_values
from sim.rules.projection import spill_in_change, threat_ratio
from sim.rules.threat import great_circle_km
from sim.worlds import observed

HERE = Path(__file__).resolve().parent


PRIORS = priors()


def fitted() -> dict[str, float]:
    """The shipped calibration's free parameters (configs/calibration/y2014_2019.yaml)."""
    return calibrated_values("configs/calibration/y2014_2019.yaml")


def changes(values: dict[str, float], overrides: list[str]) -> pd.DataFrame:
    """Observed and modelled 2014 -> 2019 changes (points), with the model's own terms."""
    cfg = with_values(base_config(overrides), values)
    m = calibration_run(cfg)
    rule = m.budget_rule
    ratio = threat_ratio(m.threat, m.capability, m.support)
    spill = rule.spill_ins(m.share * m.gdp, m)
    f = spill_in_change(spill, rule.spill0, rule.spending0)
    nations = m.world.nations
    km = great_circle_km(nations["lat"].to_numpy(), nations["lon"].to_numpy())[m.row["RUS"]]
    drivers = {s.iso3 for s in cfg.scenario.schedules}
    nato = set(observed.nato_shares()["iso3"])
    rows = []
    for i, code in enumerate(m.iso3):
        a, b = observed_share(code, 2014), observed_share(code, 2019)
        if code in drivers or not (a > 0 and b > 0):
            continue
        rows.append(
            {
                "iso3": code,
                "share_2014": a,
                "observed": b - a,
                "model": 100 * m.share[i] - a,
                "dR": ratio[i] - rule.ratio0[i],
                "R0": rule.ratio0[i],
                "F": f[i],
                "moscow_km": km[i],
                "nato": code in nato,
            }
        )
    return pd.DataFrame(rows).set_index("iso3")


def spearmans(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Spearman of the observed changes with the model's, with ``dR`` and with ``-distance``."""
    out = {}
    for group, sub in (("all", frame), ("NATO", frame[frame.nato])):
        out[group] = {
            "n": len(sub),
            "model": float(spearmanr(sub.model, sub.observed).statistic),
            "dR": float(spearmanr(sub.dR, sub.observed).statistic),
            "-distance": float(spearmanr(-sub.moscow_km, sub.observed).statistic),
        }
    return out


def line(label: str, scores: dict[str, dict[str, float]]) -> str:
    out = [f"{label:<40}"]
    for group, s in scores.items():
        out.append(
            f"{group} {s['n']}: model {s['model']:+.3f}  dR {s['dR']:+.3f}  "
            f"-distance {s['-distance']:+.3f}"
        )
    return " | ".join(out)


def main(argv: list[str]) -> int:
    detail = "--detail" in argv
    extra = [a for a in argv if a != "--detail"]
    runs = {
        "calibrated": (fitted(), []),
        "calibrated, noise 0.001": (fitted(), ["budget_rule.noise=0.001"]),
        "priors": (PRIORS, []),
        "priors, noise 0.001": (PRIORS, ["budget_rule.noise=0.001"]),
        "priors, p=0": ({**PRIORS, "budget_rule.p": 0.0}, []),
        "priors, beta=0": (PRIORS, ["budget_rule.beta=0"]),
        "priors, spill_in=allies": (PRIORS, ["budget_rule.spill_in=allies"]),
    }
    record: dict = {"window": "2014-2019", "priors": PRIORS, "calibrated": fitted(), "runs": {}}
    for label, (values, overrides) in runs.items():
        frame = changes(values, overrides + extra)
        record["runs"][label] = scores = spearmans(frame)
        print(line(label, scores))
        if detail and label == "calibrated":
            nato = frame[frame.nato].sort_values("moscow_km")
            print(nato.drop(columns="nato").round(3).to_string())
    record["objective_exposed"] = {}
    for label, values in (("calibrated", fitted()), ("priors", PRIORS)):
        loss, n = log_change_error(with_values(base_config(extra), values))
        record["objective_exposed"][label] = {"objective": round(loss, 5), "nations": n}
        print(f"calibration objective, {label}: {loss:.5f} over {n} exposed nations")
    if not extra:  # the committed record is of the configuration as shipped
        path = HERE / "diagnostics_2014_2019.json"
        path.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
