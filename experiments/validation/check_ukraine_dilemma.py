"""Where the threat that Ukraine poses to its neighbours comes from (A14's lead; no score).

``python experiments/validation/check_ukraine_dilemma.py``

A state check, not a score: runs V7's configuration (A11's options and A13's home leg at V7's
2014 -> 2019 calibration, ``y2014_2019_a13``), seed 0, in two worlds: the 2014 -> 2024 hindcast
(``experiment=hindcast_2014_2024 +calibration=y2014_2019_a13``) and ``world=today`` (scenario
``baseline``, the battery's revised rules, 10 years). In every year it records what the budget
rule reads for the perceivers TUR, POL, ROU, MDA, HUN (and others near Ukraine) from the
sources UKR and RUS: baseline hostility ``b_ij`` (regime distance, rivalries, shocks), the
security-dilemma surge ``dilemma * max(0, g_j - normal)`` (``g_j`` the source's capability growth),
the perceived hostility ``h_ij`` (their clipped sum; 0 between allies), the reach ``P_ij``, the
source's spending ``M_j`` (US$ bn) and its part ``h_ij P_ij M_j`` of the perceiver's hostile
spending ``T^M_i`` (A11 (a)), and whether the source is at war and with whom. Compares no
prediction with any observation. Writes ``check_ukraine_dilemma.json`` beside this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sim.calibrate import calibration_model
from sim.config import compose

HERE = Path(__file__).resolve().parent
PERCEIVERS = ["TUR", "POL", "ROU", "MDA", "HUN", "SVK", "BLR", "GEO"]
SOURCES = ["UKR", "RUS"]
REVISED = [
    "budget_rule=threat_response_v2",
    "alliance_rule=utility_v2",
    "model.geography=force_type",
    "model.blocs=signed",
    "+calibration=y2014_2019_a13",
]
RUNS = {
    "hindcast_2014_2024 (V7)": [
        "experiment=hindcast_2014_2024",
        "+calibration=y2014_2019_a13",
    ],
    "today, baseline, 10 years (V7 options and values)": [
        "world=today",
        "scenario=baseline",
        "model.steps=10",
        *REVISED,
    ],
}


def record(overrides: list[str]) -> list[dict]:
    """One entry per year: each perceiver's view of each source, as the budget rule reads it."""
    cfg = compose([*overrides, "figures=false", "hindcast=false", "seed=0"])
    m = calibration_model(cfg)
    p, rule = m.params, m.budget_rule
    shares, years = rule.shares, []
    present = [c for c in PERCEIVERS if c in m.row]

    def recording(state):
        spending = state.share * state.gdp
        hostile_spending = (state.hostile * state.reach) @ spending
        year = {"year": int(m.start_year + m.steps), "sources": {}}
        for src in SOURCES:
            j = m.row[src]
            surge = p.dilemma * max(0.0, float(m.arming[j]) - p.normal_arming)
            enemies = [m.iso3[e] for e in np.flatnonzero(m.at_war[j])]
            rows = {}
            for code in present:
                i = m.row[code]
                part = float(state.hostile[i, j] * state.reach[i, j] * spending[j])
                rows[code] = {
                    "baseline_h": round(float(m.baseline_hostility[i, j]), 3),
                    "allied": bool(m.ties.allied[i, j]),
                    "h": round(float(state.hostile[i, j]), 3),
                    "reach": round(float(state.reach[i, j]), 3),
                    "part_of_TM": round(part / max(float(hostile_spending[i]), 1e-12), 3),
                }
            year["sources"][src] = {
                "spending_bn": round(float(spending[j]) / 1e9, 1),
                "share_pct": round(100 * float(state.share[j]), 2),
                "arming_rate": round(float(m.arming[j]), 3),
                "dilemma_surge": round(surge, 3),
                "at_war_with": enemies,
                "perceivers": rows,
            }
        years.append(year)
        return shares(state)

    rule.shares = recording
    for _ in range(cfg.model.steps):
        m.step()
    return years


def main() -> int:
    out = {name: record(overrides) for name, overrides in RUNS.items()}
    (HERE / "check_ukraine_dilemma.json").write_text(json.dumps(out, indent=1) + "\n")
    for name, years in out.items():
        print(f"\n== {name}")
        for y in years:
            u = y["sources"]["UKR"]
            print(
                f"{y['year']} UKR {u['spending_bn']:6.1f} bn {u['share_pct']:5.2f}% "
                f"g={u['arming_rate']:.3f} surge={u['dilemma_surge']:.3f} war={u['at_war_with']}"
            )
            for code, r in u["perceivers"].items():
                rus = y["sources"]["RUS"]["perceivers"][code]
                print(
                    f"   {code} from UKR: b={r['baseline_h']:.2f} h={r['h']:.2f} "
                    f"P={r['reach']:.2f} part={r['part_of_TM']:.2f} allied={r['allied']}"
                    f" | from RUS: b={rus['baseline_h']:.2f} h={rus['h']:.2f} "
                    f"P={rus['reach']:.2f} part={rus['part_of_TM']:.2f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
