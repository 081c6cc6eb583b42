"""Which of Japan, South Korea and Australia sits outside the US's bloc at year 30, and why.

``python experiments/validation/diagnose_pacific_bloc.py``

PREREGISTRATION.md A54 (item 2), the diagnosis A49 left not run: fact 6 of the battery
(``tests/test_stylised_facts.py``, the baseline run from ``world=today``, 30 years) failed in
V20's seed 0 with two of the three Pacific allies in the US's bloc, and the test's message does
not say which. This runs the battery's baseline run at V20's overrides (``y2014_2019_a44.yaml``'s
``budget_rule`` and ``model`` keys with ``model.gdp_path=trend model.growth_persistence=1``,
A48), seed 0, and at V18's and V19's (A44, A46; both pass fact 6 in every seed) as controls,
and prints for each Pacific ally its bloc at year 30, that bloc's members, the ally's ties
(treaty or formed in the run, with their commitment) and its negative edges (hostility >= 0.5,
M8) toward the US's bloc. Added after the first run had shown which ally (its lines are
unchanged): every negative edge the ally holds and the years in which it sat in the US's bloc.
Writes ``diagnostics_pacific_bloc.json``. Scores nothing; changes no value of the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml

from sim.config import compose
from sim.model import AllianceModel
from sim.runner import simulate

HERE = Path(__file__).resolve().parent
CALIBRATION = HERE.parents[1] / "sim" / "configs" / "calibration"
#: the battery's revised model (tests/test_stylised_facts.py ``REVISED``)
REVISED = [
    "budget_rule=threat_response_v2",
    "alliance_rule=utility_v2",
    "model.geography=force_type",
    "model.blocs=signed",
]
PACIFIC = ["JPN", "KOR", "AUS"]
#: variant -> (calibration file, overrides added to its ``budget_rule`` and ``model`` keys)
VARIANTS = {
    "V20": ("y2014_2019_a44", ["model.gdp_path=trend", "model.growth_persistence=1"]),
    "V18": ("y2014_2019_a44", ["model.gdp_path=trend"]),
    "V19": ("y2014_2019_a46", ["model.gdp_path=trend"]),
}


def overrides(calibration: str, extra: list[str]) -> list[str]:
    """A calibration file's ``budget_rule`` and ``model`` keys as overrides (the battery's
    ``SIM_BATTERY_OVERRIDES`` recipe, README section 3), then ``extra``."""
    values = yaml.safe_load((CALIBRATION / f"{calibration}.yaml").read_text())
    keys = [f"{g}.{k}={v}" for g in ("budget_rule", "model") for k, v in values[g].items()]
    return keys + extra


def baseline_run(variant: str, seed: int = 0) -> AllianceModel:
    """The battery's baseline run (``world=today``, 30 years) at ``variant``'s overrides."""
    calibration, extra = VARIANTS[variant]
    cfg = compose(
        [
            "scenario=baseline",
            "world=today",
            f"seed={seed}",
            "model.steps=30",
            "figures=false",
            *REVISED,
            *overrides(calibration, extra),
        ]
    )
    return simulate(cfg)


def pacific_blocs(m: AllianceModel) -> dict:
    """Each Pacific ally's bloc at the end, its bloc-mates and ties, its rivals in the US's bloc."""
    us_bloc = int(m.bloc[m.row["USA"]])
    us_rows = np.flatnonzero(m.bloc == us_bloc) if us_bloc >= 0 else np.array([], dtype=int)
    hostile = np.maximum(m.hostile, m.hostile.T)
    ties = m.ties
    frame = m.nations_table()[["year", "iso3", "bloc"]]
    wide = frame.pivot(index="year", columns="iso3", values="bloc")
    out = {"us_bloc": us_bloc, "us_bloc_size": len(us_rows), "allies": {}}
    for code in PACIFIC:
        i = m.row[code]
        bloc = int(m.bloc[i])
        mates = np.flatnonzero(m.bloc == bloc) if bloc >= 0 else np.array([], dtype=int)
        partners = np.flatnonzero(ties.allied[i])
        out["allies"][code] = {
            "bloc": bloc,
            "with_us": bloc >= 0 and bloc == us_bloc,
            "bloc_members": sorted(m.iso3[j] for j in mates),
            "ties": [
                {
                    "partner": m.iso3[j],
                    "treaty": ties.treaty(i, j) if ties.treaty_tie[i, j] else "",
                    "commitment": round(float(ties.commitment[i, j]), 3),
                    "partner_bloc": int(m.bloc[j]),
                }
                for j in partners
            ],
            "rivals_in_us_bloc": sorted(
                f"{m.iso3[j]} ({hostile[i, j]:.2f})" for j in us_rows if hostile[i, j] >= 0.5
            ),
            "negative_edges": sorted(
                f"{m.iso3[j]} ({hostile[i, j]:.2f}, bloc {int(m.bloc[j])})"
                for j in np.flatnonzero(hostile[i] >= 0.5)
                if j != i
            ),
            "years_with_us": [
                int(y)
                for y in wide.index
                if wide.at[y, "USA"] >= 0 and wide.at[y, code] == wide.at[y, "USA"]
            ],
        }
    return out


def _spans(years: list[int]) -> str:
    """``[2025, 2026, 2027, 2030]`` as ``2025-2027, 2030`` (``none`` if empty)."""
    spans: list[list[int]] = []
    for y in years:
        if spans and y == spans[-1][1] + 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in spans) or "none"


def main() -> int:
    record = {}
    for variant in VARIANTS:
        m = baseline_run(variant)
        found = pacific_blocs(m)
        record[variant] = found
        print(f"\n== {variant} seed 0, year {m.start_year + m.steps}: US bloc {found['us_bloc']}"
              f" ({found['us_bloc_size']} nations)")  # fmt: skip
        for code, a in found["allies"].items():
            ties = ", ".join(
                f"{t['partner']}{'/' + t['treaty'] if t['treaty'] else ''} {t['commitment']}"
                f" [bloc {t['partner_bloc']}]"
                for t in a["ties"]
            )
            print(
                f"   {code}: bloc {a['bloc']} ({'with' if a['with_us'] else 'NOT with'} the US),"
                f" {len(a['bloc_members'])} members {' '.join(a['bloc_members'][:20])}"
                f"{' ...' if len(a['bloc_members']) > 20 else ''}\n"
                f"      ties: {ties}\n"
                f"      rivals in the US's bloc: {', '.join(a['rivals_in_us_bloc']) or 'none'}\n"
                f"      negative edges: {', '.join(a['negative_edges']) or 'none'}\n"
                f"      years in the US's bloc: {_spans(a['years_with_us'])}"
            )
    path = HERE / "diagnostics_pacific_bloc.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
