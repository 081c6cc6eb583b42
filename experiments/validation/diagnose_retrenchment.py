"""Why Europe fills the part of the US cut it fills (battery fact 2; amendment A8).

``python experiments/validation/diagnose_retrenchment.py [--label NAME] [--detail] [override ...]``

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

``--detail`` (PREREGISTRATION.md A23 (c), a diagnosis: the fact's threshold is not changed) adds
to each seed's record what differs between seeds: the fill's numerator and denominator, each
European ally's extra spending at year 10, the tie events of years 1-10 of both runs (formed or
dissolved; bandwagoning included) and the ties at year 10, the budget noise drawn (summed over
years 1-10: the US's and the spending-weighted European mean), and the US's baseline spending
and threat ratio by year; the ties at year 10 are then compared with seed 0's.

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
from sim.errors import report_user_errors
from sim.model import AllianceModel
from sim.rules import demand
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
    """The battery's run of ``scenario``, with the rule's terms recorded at every year.

    Each year's record also holds the budget noise the rule drew (``noise``: the draws of
    :func:`sim.rules.budget.draw_noise`, recorded, not altered) and the alliance graph it saw.
    """
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
    choose, draw, drawn = rule.shares, demand.draw_noise, []

    def recorded_noise(rng, sigma, n):  # the same draws, kept for the record
        drawn.append(draw(rng, sigma, n))
        return drawn[-1]

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
                "allied": state.ties.allied.copy(),
            }
        )
        out = choose(state)
        terms[-1]["noise"] = drawn[-1]
        return out

    rule.shares = shares
    demand.draw_noise = recorded_noise
    try:
        for _ in range(STEPS):
            m.step()
    finally:
        demand.draw_noise = draw
    return m, terms


def _milex(model: AllianceModel, step: int) -> tuple[np.ndarray, np.ndarray]:
    frame = model.nations_table()
    frame = frame[frame["step"] == step]
    return frame["milex"].to_numpy(float), frame["share"].to_numpy(float)


def europe(model: AllianceModel) -> list[int]:
    """NATO's European allies (every member but the US and Canada), as the battery takes them."""
    members = model.world.treaties.query("treaty == 'NATO'")["iso3"]
    return [model.row[c] for c in members if c not in ("USA", "CAN")]


def seed_record(seed: int, overrides: list[str], detail: bool = False) -> dict:
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
    if detail:
        out["detail"] = seed_detail(base, cut, terms_b, terms_c)
    return out


def _pairs(model: AllianceModel, allied: np.ndarray) -> list[str]:
    """The ties of an alliance graph as sorted ``"AAA-BBB"`` pairs."""
    i, j = np.nonzero(np.triu(allied, 1))
    return sorted(
        "-".join(sorted((model.iso3[a], model.iso3[b]))) for a, b in zip(i, j, strict=True)
    )


def seed_detail(base, cut, terms_b: list[dict], terms_c: list[dict], year: int = 10) -> dict:
    """What a seed's fill at ``year`` is made of (A23 (c)); both runs share the seed's draws.

    Per European ally its extra spending (cut minus baseline, US$ bn) and part of the fill; the
    tie events of years 1-``year`` (formed or dissolved, bandwagoning included) of both runs;
    the ties the rule saw at ``year``; the noise drawn, summed over years 1-``year`` (US, and
    the mean over Europe weighted by baseline spending); the US baseline's spending and threat
    ratio ``R`` by year.
    """
    us, eu = base.row["USA"], europe(base)
    mb, _ = _milex(base, year)
    mc, _ = _milex(cut, year)
    gap = mb[us] - mc[us]
    extra = {base.iso3[i]: (mc[i] - mb[i]) / 1e9 for i in eu}
    w = mb[eu] / mb[eu].sum()
    noise = {}
    for name, terms in (("baseline", terms_b), ("cut", terms_c)):
        total = sum(t["noise"] for t in terms[:year])
        noise[name] = {"usa": float(total[us]), "europe_weighted": float(w @ total[eu])}
    events = {}
    for name, model in (("baseline", base), ("cut", cut)):
        table = model.ties.events_table()
        table = table[table["step"] <= year]
        events[name] = [" ".join(str(v) for v in row) for row in table.itertuples(index=False)]
    ties = {
        name: _pairs(base, t[year - 1]["allied"])
        for name, t in (("baseline", terms_b), ("cut", terms_c))
    }
    path = [_milex(base, y)[0][us] / 1e9 for y in range(year + 1)]
    return {
        "gap_bn": gap / 1e9,
        "europe_extra_bn": sum(extra.values()),
        "extra_bn": dict(sorted(extra.items(), key=lambda kv: -kv[1])),
        "fill_part_pct": {c: 100 * v * 1e9 / gap for c, v in extra.items()},
        "events": events,
        "ties": ties,
        "ties_cut_not_baseline": sorted(set(ties["cut"]) - set(ties["baseline"])),
        "ties_baseline_not_cut": sorted(set(ties["baseline"]) - set(ties["cut"])),
        "noise_sum": noise,
        "us_baseline_bn": path,
        "us_baseline_R": [float(t["R"][us]) for t in terms_b[:year]],
    }


def compare_seeds(seeds: list[dict]) -> dict:
    """Each seed's baseline and cut ties at year 10 against seed 0's (``--detail``)."""
    first = seeds[0]["detail"]["ties"]
    return {
        str(r["seed"]): {
            run_: {
                "extra": sorted(set(r["detail"]["ties"][run_]) - set(first[run_])),
                "missing": sorted(set(first[run_]) - set(r["detail"]["ties"][run_])),
            }
            for run_ in ("baseline", "cut")
        }
        for r in seeds[1:]
    }


def main(argv: list[str]) -> int:
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return 0
    label = None
    if "--label" in argv:
        at = argv.index("--label")
        if at + 1 == len(argv):
            raise SystemExit("--label: give the record's name after it")
        label, argv = argv[at + 1], argv[:at] + argv[at + 2 :]
    detail = "--detail" in argv
    argv = [a for a in argv if a != "--detail"]
    record: dict = {"overrides": argv, "seeds": [seed_record(s, argv, detail) for s in SEEDS]}
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
    if detail:
        record["ties_against_seed_0"] = compare_seeds(record["seeds"])
        for r in record["seeds"]:
            d = r["detail"]
            top = ", ".join(f"{c} {v:+.1f}" for c, v in list(d["extra_bn"].items())[:5])
            print(
                f"seed {r['seed']}: gap {d['gap_bn']:.0f} bn, Europe "
                f"+{d['europe_extra_bn']:.1f} bn "
                f"({top}); events to year 10 baseline {len(d['events']['baseline'])}, cut "
                f"{len(d['events']['cut'])}; ties only in cut {d['ties_cut_not_baseline']}, only "
                f"in baseline {d['ties_baseline_not_cut']}; noise sum US "
                f"{d['noise_sum']['baseline']['usa']:+.4f}, Europe "
                f"{d['noise_sum']['baseline']['europe_weighted']:+.4f}; US baseline "
                + " ".join(f"{v:.0f}" for v in d["us_baseline_bn"][::2])
            )
        for seed, diff in record["ties_against_seed_0"].items():
            print(f"seed {seed} against seed 0: {diff}")
    name = label or ("_".join(a.split(".")[-1] for a in argv) if argv else CURRENT)
    (HERE / f"retrenchment_{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(report_user_errors(lambda: main(sys.argv[1:])))
