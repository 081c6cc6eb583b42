"""Battery fact 7's one-at-a-time sensitivity at V17's values (PREREGISTRATION.md A44 (a)).

``python experiments/validation/sensitivity_fact7.py``

Fact 7 is Ukraine's 2024 share in the 2014 -> 2024 hindcast with ``budget_rule.anchor=false``
(threshold 20%; ``tests/test_stylised_facts.py::test_ukraine_mobilises_in_the_hindcast_without_
anchoring``). The base is that test's run at V17's calibration (``y2014_2019_a42.yaml``'s
``budget_rule`` and ``model`` keys with ``model.gdp_path=trend``, A43's
``SIM_BATTERY_OVERRIDES``); each further run moves one of them to V15's value
(``y2014_2019_a37.yaml``), and one moves all of them (V15 itself, a check of A37's 19.98%). A
report of what moves Ukraine's share, not a selection rule: nothing is chosen on it. Writes
``sensitivity_a44.json``/``.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from sim.config import CONFIG_DIR, compose
from sim.runner import simulate

HERE = Path(__file__).resolve().parent
SEEDS = range(5)
#: the fitted values A44 moves one at a time, and the option M16 adds
MOVED = [
    ("budget_rule", "k"),
    ("budget_rule", "eta"),
    ("budget_rule", "p"),
    ("model", "land_range_km"),
    ("model", "major_global_share"),
    ("budget_rule", "guideline_pull"),
]
#: the years reported: the last pre-war year, the war's first, the fact's
YEARS = (2021, 2022, 2024)


def fitted(name: str) -> dict[str, object]:
    """A calibration's ``budget_rule`` and ``model`` keys as ``group.key -> value``, with the
    battery's ``model.gdp_path=trend`` (A37's batteries)."""
    values = yaml.safe_load((CONFIG_DIR / "calibration" / f"{name}.yaml").read_text())
    flat = {f"{g}.{k}": v for g in ("budget_rule", "model") for k, v in values[g].items()}
    flat["model.gdp_path"] = "trend"
    return flat


def variants() -> dict[str, dict[str, object]]:
    """The base (V17), one run per moved value, and V15 (every value moved)."""
    base, other = fitted("y2014_2019_a42"), fitted("y2014_2019_a37")
    out = {"V17 (base)": base}
    for group, key in MOVED:
        name = f"{group}.{key}"
        # V15 has no guideline_pull key: its value is the code default, uniform
        value = other.get(name, "uniform")
        out[f"{key} {base[name]} -> {value}"] = {**base, name: value}
    out["V15 (all moved)"] = {**other, "budget_rule.guideline_pull": "uniform"}
    return out


def ukraine(overrides: dict[str, object], seed: int) -> dict[str, float]:
    """Ukraine's shares (percent of GDP) in YEARS and its GDP in 2024 over 2014, from the
    battery's fact-7 run with ``overrides``."""
    m = simulate(
        compose(
            [
                "experiment=hindcast_2014_2024",
                "budget_rule.anchor=false",
                f"seed={seed}",
                "figures=false",
                "hindcast=false",
                *(f"{k}={v}" for k, v in overrides.items()),
            ]
        )
    )
    frame = m.nations_table()
    ukr = frame[frame["iso3"] == "UKR"].set_index("year")
    out = {f"share_{y}": 100 * float(ukr.loc[y, "share"]) for y in YEARS}
    out["margin_2024"] = out["share_2024"] - 20.0
    out["gdp_2024_over_2014"] = float(ukr.loc[2024, "gdp"] / ukr.loc[2014, "gdp"])
    # the fact's own figure, as the test reads it (the model's final share)
    out["final_share"] = 100 * float(m.share[m.row["UKR"]])
    return out


def main() -> int:
    results = {}
    for name, overrides in variants().items():
        results[name] = {
            "overrides": {k: str(v) for k, v in overrides.items()},
            "seeds": {str(s): ukraine(overrides, s) for s in SEEDS},
        }
        print(name, "done", file=sys.stderr)
    (HERE / "sensitivity_a44.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    base = results["V17 (base)"]["seeds"]["0"]["share_2024"]
    lines = [
        "**Fact 7 at V17's values, one value moved to V15's at a time (seed 0; range of the 2024"
        " share over seeds 0-4)**\n",
        "| run | UKR 2021 | UKR 2022 | UKR 2024 (seeds 0-4) | margin to 20% | move from V17 |"
        " GDP 2024 / 2014 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, result in results.items():
        head = result["seeds"]["0"]
        shares = [r["share_2024"] for r in result["seeds"].values()]
        lines.append(
            f"| {name} | {head['share_2021']:.3f} | {head['share_2022']:.3f} | "
            f"{head['share_2024']:.3f} ({min(shares):.4f} to {max(shares):.4f}) | "
            f"{head['margin_2024']:+.3f} | {head['share_2024'] - base:+.3f} | "
            f"{head['gdp_2024_over_2014']:.4f} |"
        )
    text = "\n".join(lines) + "\n"
    (HERE / "sensitivity_a44.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
