"""Why Europe fills the part of the US cut it fills (battery fact 2; amendment A8).

``python experiments/validation/diagnose_retrenchment.py [--label NAME] [override ...]``

Runs the battery's own scenario runs (``tests/test_stylised_facts.py``: ``world=today``, the
revised rules, ``baseline`` against ``us_retrenchment`` with the same seed), seeds 0-4, 30
years, and writes for each seed the fact's figure (Europe's extra spending in US$ over the US
cut, year 10) and where it comes from. At year 10 the log change of each European ally's
desired share against the baseline run is split into the rule's three terms (``sim.rules.demand``)
as the rule saw them in those years::

    d ln s* = k dR  -  beta dF  +  p d gap          (threat, spill-in, guideline pull)

(with amendment A11's ``budget_rule.threat_scale=points`` the threat term is the points it adds,
``k s_floor dR``, over the baseline share: its log equivalent; ``R`` is the rule's own ratio,
on stocks or on spending)

each averaged over NATO's European allies with weights = their baseline US$ spending, beside the
realised ``d ln s`` (the partial adjustment ``eta`` under the scenario's 10-year ramp closes
only part of the desired change by year 10), and the fill at years 20 and 30 (the cut holds
after year 10). These are scenario runs, not hindcast windows: no observed share after the
start year is read. The record is written to ``retrenchment_<label>.json`` beside this file;
without ``--label`` the label names the overrides, or is :data:`CURRENT` for none.

``retrenchment_as_shipped.json`` is the record of the rules as shipped before amendment A8
(commit 9ba1eb0); on today's code ``--label as_shipped budget_rule.spill_in_scale=usd
budget_rule.k=5`` reproduces it exactly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from sim.config import compose
from sim.model import AllianceModel
from sim.runner import build_model

HERE = Path(__file__).resolve().parent
#: the battery's revised model (tests/test_stylised_facts.py REVISED)
REVISED = [
    "budget_rule=threat_response_v2",
    "alliance_rule=utility_v2",
    "model.geography=force_type",
    "model.blocs=signed",
]
SEEDS = range(5)
STEPS = 30
#: the amendment the rule's code defaults follow: the label of a run without overrides
CURRENT = "a8"


def run(scenario: str, seed: int, overrides: list[str]) -> tuple[AllianceModel, list[dict]]:
    """The battery's run of ``scenario``, with the rule's terms recorded at every year."""
    cfg = compose(
        [
            f"scenario={scenario}",
            "world=today",
            f"seed={seed}",
            f"model.steps={STEPS}",
            "figures=false",
            *REVISED,
            *overrides,
        ]
    )
    m = build_model(cfg)
    rule, terms = m.budget_rule, []
    choose = rule.shares

    def shares(state):  # the terms of the rule as it sees this year's state, then the rule
        share = np.maximum(state.share, 1e-4)
        below = state.target > share
        gap = np.where(below, np.log(np.where(below, state.target, 1.0) / share), 0.0)
        terms.append(
            {
                "R": rule.ratio(state),  # on stocks (M2) or spending (A11 (a))
                "share": share,
                "F": rule.spill_change(state),
                "gap": gap,
            }
        )
        return choose(state)

    rule.shares = shares
    for _ in range(STEPS):
        m.step()
    return m, terms


def _milex(model: AllianceModel, step: int) -> tuple[np.ndarray, np.ndarray]:
    frame = model.nations_table()
    frame = frame[frame["step"] == step]
    return frame["milex"].to_numpy(float), frame["share"].to_numpy(float)


def europe(model: AllianceModel) -> list[int]:
    """NATO's European allies (every member but the US and Canada), as the battery takes them."""
    members = model.world.treaties.query("treaty == 'NATO'")["iso3"]
    return [model.row[c] for c in members if c not in ("USA", "CAN")]


def seed_record(seed: int, overrides: list[str]) -> dict:
    base, terms_b = run("baseline", seed, overrides)
    cut, terms_c = run("us_retrenchment", seed, overrides)
    us, eu = base.row["USA"], europe(base)
    p = base.budget_rule.params
    out: dict = {"seed": seed}
    for year in (10, 20, 30):
        mb, sb = _milex(base, year)
        mc, sc = _milex(cut, year)
        gap, filled = mb[us] - mc[us], (mc[eu] - mb[eu]).sum()
        out[f"year_{year}"] = {
            "us_base_bn": mb[us] / 1e9,
            "us_cut_bn": mc[us] / 1e9,
            "us_cut_pct_of_base": 100 * gap / mb[us],
            "europe_base_bn": mb[eu].sum() / 1e9,
            "europe_extra_bn": filled / 1e9,
            "europe_rise_pct": 100 * filled / mb[eu].sum(),
            "fill_pct": 100 * filled / gap,
        }
    for year in (10, 20, 30):
        mb, sb = _milex(base, year)
        mc, sc = _milex(cut, year)
        w = mb[eu] / mb[eu].sum()
        b, c = terms_b[year - 1], terms_c[year - 1]  # the rule's call of that year
        d_ratio = c["R"][eu] - b["R"][eu]
        if p.threat_scale == "points":  # A11 (b): k s_floor dR points, over the baseline share
            threat = p.k * p.s_floor * (w @ (d_ratio / b["share"][eu]))
        else:
            threat = p.k * (w @ d_ratio)
        spill = -p.beta * (w @ (c["F"][eu] - b["F"][eu]))
        pull = p.p * (w @ (c["gap"][eu] - b["gap"][eu]))
        out[f"year_{year}_terms"] = {
            "threat_k_dR": threat,
            "spill_in_minus_beta_dF": spill,
            "guideline_pull_p_dgap": pull,
            "desired_dlns": threat + spill + pull,
            "realised_dlns": float(w @ np.log(sc[eu] / sb[eu])),
            "F_baseline": float(w @ b["F"][eu]),
            "F_cut": float(w @ c["F"][eu]),
        }
    return out


def main(argv: list[str]) -> int:
    label = None
    if "--label" in argv:
        at = argv.index("--label")
        label, argv = argv[at + 1], argv[:at] + argv[at + 2 :]
    record = {"overrides": argv, "seeds": [seed_record(s, argv) for s in SEEDS]}
    for r, year in ((r, y) for r in record["seeds"] for y in (10, 20, 30)):
        y10, t = r[f"year_{year}"], r[f"year_{year}_terms"]
        print(
            f"seed {r['seed']} year {year}: fill {y10['fill_pct']:.2f}%; "
            f"US cut {y10['us_cut_pct_of_base']:.1f}% of "
            f"{y10['us_base_bn']:.0f} bn; Europe {y10['europe_base_bn']:.0f} bn +"
            f"{y10['europe_rise_pct']:.2f}%; d ln s* = threat {t['threat_k_dR']:+.4f} spill-in "
            f"{t['spill_in_minus_beta_dF']:+.4f} pull {t['guideline_pull_p_dgap']:+.4f} = "
            f"{t['desired_dlns']:+.4f}, realised {t['realised_dlns']:+.4f}; F base "
            f"{t['F_baseline']:.3f} cut {t['F_cut']:.3f}"
        )
    name = label or ("_".join(a.split(".")[-1] for a in argv) if argv else CURRENT)
    (HERE / f"retrenchment_{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
