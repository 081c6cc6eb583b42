"""In-sample diagnostics on the calibration window 2014 -> 2019 only (amendment A5).

``python experiments/validation/diagnose_2014_2019.py [override ...]``

Runs the calibration's configuration (``sim.calibrate.base_config``: ``world=y2014``, five
years, the drivers on their recorded paths) for a few parameter sets and prints, for all
non-driver nations with a SIPRI share in 2014 and 2019 and for NATO's allies among them, the
Spearman rank correlation of the modelled and observed 2014 -> 2019 changes, beside the change of
the threat ratio ``R`` alone and ``-distance`` to Moscow; ``--detail`` adds the NATO table
(observed and modelled change, ``dR``, ``R0``, spill-in change ``F``). No year after 2019 is
read. Amendment A5's table was computed with this logic at commit 4bf2707 (the experiments'
configuration before A5: share schedules for the drivers, noise 0.001, spill-ins from every
ally); under today's configuration the same rows come out with A5's changes applied.
"""

from __future__ import annotations

import sys

import pandas as pd
import yaml
from scipy.stats import spearmanr

from sim.calibrate import base_config, calibration_run, observed_share, with_values
from sim.config import CONFIG_DIR
from sim.rules.projection import spill_in_change, threat_ratio
from sim.rules.threat import great_circle_km
from sim.worlds import observed

PRIORS = {
    "budget_rule.k": 1.0,
    "budget_rule.eta": 0.25,
    "budget_rule.p": 0.3,
    "model.land_range_km": 500.0,
    "model.major_global_share": 0.3,
}


def fitted() -> dict[str, float]:
    """The shipped calibration's free parameters (configs/calibration/y2014_2019.yaml)."""
    fit = yaml.safe_load((CONFIG_DIR / "calibration" / "y2014_2019.yaml").read_text())
    return {f"{g}.{k}": float(v) for g in ("budget_rule", "model") for k, v in fit[g].items()}


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


def line(label: str, frame: pd.DataFrame) -> str:
    out = [f"{label:<40}"]
    for group, sub in (("all", frame), ("NATO", frame[frame.nato])):
        rho = spearmanr(sub.model, sub.observed).statistic
        d_r = spearmanr(sub.dR, sub.observed).statistic
        dist = spearmanr(-sub.moscow_km, sub.observed).statistic
        out.append(f"{group} {len(sub)}: model {rho:+.3f}  dR {d_r:+.3f}  -distance {dist:+.3f}")
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
    for label, (values, overrides) in runs.items():
        frame = changes(values, overrides + extra)
        print(line(label, frame))
        if detail and label == "calibrated":
            nato = frame[frame.nato].sort_values("moscow_km")
            print(nato.drop(columns="nato").round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
