"""Which nations V5 mis-ranks on changes, and which term of the budget rule moves them.

``python experiments/validation/diagnose_changes.py [--variant V5|V5p]``

Runs the experiments' configuration (seed 0, no noise) for both scored windows, 2019 -> 2024
(``experiment=outofsample_2019_2024``, the 2014 -> 2019 calibration frozen) and 2014 -> 2024
(``experiment=hindcast_2014_2024 +calibration=y2014_2019``), and the calibration window
2014 -> 2019 (in sample) beside them, records what the budget rule saw in
every year, and decomposes each nation's modelled log change of its desired share between the
start and the last year into the rule's terms (docs/MODEL.md 3.8, PREREGISTRATION.md M4, A8)::

    ln s*_end - ln s0 = k dR  -  beta F_end  +  p gap_end
    k dR = k [R(T_end, K0 + A0) - R0]  +  k [R_end - R(T_end, K0 + A0)]
           (threat: hostile capability)    (means: own + allied capability, which grows with GDP)

``R = ln(1 + T / (K + A))``; anchoring (``ln b = ln s0 - k R0``) makes the start share the rest
point, so it drops out of the change; the guideline pull is *not* cancelled by it, so an ally
below 2% is pulled up from year 1 whatever its exposure (``p gap``). ``lag`` is the realised
``ln s_end - ln s0`` minus the desired change (partial adjustment; ``war`` where the war target
set the share). Changes are scored in points (``s_end - s0``), so a log term moves a nation's
points in proportion to its start share; ``pts_*`` give each term's share of the modelled change
in points (``s0 (exp(term) - 1)``, not additive). The observed change of the ratio of spending to
GDP also moves with GDP (the denominator), which the rule does not see: ``obs_dlnY`` and
``obs_dlnM`` split the observed ``ln(s_end/s0)`` into GDP and spending (US$, SIPRI x World Bank).

Scores nothing new: the experiments' own Spearmans of V5 (README section 2.1) are recomputed
here from the same runs as a check. Writes ``diagnostics_changes_V5.json`` (the summaries and
the parameters used) and ``diagnostics_changes_V5.csv`` (one row per nation, window and group,
every term and rank) and prints, per window
and group (NATO's allies, all nations), the nations with the largest rank errors and their
terms, with each nation's start exposure ``T0 / (K0 + A0)`` and the share of its own stock in
those means. Read before amendment A11 was written; no year after 2019 enters the parameters.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata, spearmanr

from sim.calibrate import calibration_model, observed_share, priors, with_values
from sim.config import compose
from sim.hindcast import parameter_values
from sim.rules.projection import threat_ratio
from sim.rules.threat import great_circle_km
from sim.worlds import observed
from sim.worlds import sources as src
from sim.worlds.build import gdp_of

HERE = Path(__file__).resolve().parent
_WB = src.world_bank_gdp()
WINDOWS = {
    "2014-2019": ["experiment=hindcast_2014_2024", "+calibration=y2014_2019", "model.steps=5"],
    "2019-2024": ["experiment=outofsample_2019_2024"],
    "2014-2024": ["experiment=hindcast_2014_2024", "+calibration=y2014_2019"],
}


def recorded_run(overrides: list[str], values: dict[str, float] | None = None):
    """The model of an experiment run to its end, with what the budget rule saw each year."""
    cfg = compose([*overrides, "figures=false", "hindcast=false", "seed=0"])
    if values:
        cfg = with_values(cfg, values)
    m = calibration_model(cfg)  # may stop before the scenario's last shock (2014 -> 2019)
    rule = m.budget_rule
    seen: list[dict[str, np.ndarray]] = []
    shares = rule.shares

    def recording(state):  # what the rule reads, before it sets the shares
        seen.append(
            {
                "T": state.threat.copy(),
                "means": state.capability + state.support,
                "F": rule.spill_change(state),
                "share_in": state.share.copy(),
                "target": state.target.copy(),
            }
        )
        return shares(state)

    rule.shares = recording
    for _ in range(cfg.model.steps):
        m.step()
    return cfg, m, seen


def decompose(cfg, m, seen) -> pd.DataFrame:
    """One row per non-driver nation with an observed share at start and end."""
    p = cfg.budget_rule
    start, end = m.start_year, m.start_year + cfg.model.steps
    rule = m.budget_rule
    first, last = seen[0], seen[-1]
    means0 = first["means"]
    r0 = rule.ratio0
    r_threat = threat_ratio(last["T"], means0, np.zeros_like(means0))
    r_end = threat_ratio(last["T"], last["means"], np.zeros_like(means0))
    s_in = np.maximum(last["share_in"], 1e-4)
    gap = np.where(last["target"] > s_in, np.log(np.maximum(last["target"], 1e-12) / s_in), 0.0)
    s0 = np.maximum(rule.spending0 / rule.gdp0, 1e-4)
    own0 = rule.spending0 / m.params.depreciation  # the start stock (steady state)
    nations = m.world.nations
    km = great_circle_km(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    moscow = km[m.row["RUS"]]
    drivers = {s.iso3 for s in cfg.scenario.schedules}
    nato = set(observed.nato_shares()["iso3"])
    rows = []
    for i, code in enumerate(m.iso3):
        a, b = observed_share(code, start), observed_share(code, end)
        if code in drivers or not (a > 0 and b > 0):
            continue
        threat_term = p.k * (r_threat[i] - r0[i])
        means_term = p.k * (r_end[i] - r_threat[i])
        spill = -p.beta * last["F"][i]
        pull = p.p * gap[i]
        desired = threat_term + means_term + spill + pull
        realised = np.log(max(m.share[i], 1e-6) / s0[i])
        mobilising = bool(rule.mobilising[i])
        row = {
            "iso3": code,
            "nato": code in nato,
            "moscow_km": round(float(moscow[i])),
            "s0": a,
            "obs": b - a,
            "model": 100 * m.share[i] - a,
            "threat": threat_term,
            "means": means_term,
            "spill": spill,
            "pull": pull,
            "lag_or_war": realised - desired,
            "war": mobilising,
            "R0": r0[i],
            "exposure0": first["T"][i] / means0[i],
            "own_of_means0": own0[i] / means0[i],
        }
        for name in ("threat", "means", "spill", "pull"):
            row[f"pts_{name}"] = a * (np.exp(row[name]) - 1)
        y0, y1 = _gdp(code, start), _gdp(code, end)
        row["obs_dlnY"] = np.log(y1 / y0) if y0 > 0 and y1 > 0 else np.nan
        row["obs_dlnM"] = np.log(b / a) + row["obs_dlnY"]
        rows.append(row)
    return pd.DataFrame(rows).set_index("iso3")


def _gdp(code: str, year: int) -> float:
    """World Bank GDP (current US$; the world build's extension beyond its last year)."""
    value = gdp_of(year, _WB)[0].get(code, np.nan)
    return float(value) if value == value else float("nan")


def ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank of the observed and modelled change (1 = largest rise) and the rank error."""
    out = frame.copy()
    out["rank_obs"] = rankdata(-out["obs"])
    out["rank_model"] = rankdata(-out["model"])
    out["rank_err"] = out["rank_model"] - out["rank_obs"]
    out["rank_dist"] = rankdata(out["moscow_km"])
    return out


def summary(frame: pd.DataFrame) -> dict:
    """Spearman of changes: the model, each term alone, -distance; and mean |term| (log)."""
    out = {"n": len(frame)}
    out["spearman_changes_model"] = float(spearmanr(frame["model"], frame["obs"]).statistic)
    out["spearman_changes_-distance"] = float(
        spearmanr(-frame["moscow_km"], frame["obs"]).statistic
    )
    for name in ("threat", "means", "spill", "pull"):
        out[f"spearman_obs_with_pts_{name}"] = float(
            spearmanr(frame[f"pts_{name}"], frame["obs"]).statistic
        )
        out[f"mean_abs_{name}"] = float(frame[name].abs().mean())
    out["spearman_obs_with_threat+means"] = float(
        spearmanr(
            frame["s0"] * (np.exp(frame["threat"] + frame["means"]) - 1), frame["obs"]
        ).statistic
    )
    out["spearman_obs_with_s0"] = float(spearmanr(frame["s0"], frame["obs"]).statistic)
    out["spearman_obs_with_exposure0"] = float(
        spearmanr(frame["exposure0"], frame["obs"]).statistic
    )
    out["median_own_of_means0"] = float(frame["own_of_means0"].median())
    out["spearman_obs_with_obs_dlnM"] = float(
        spearmanr(frame["obs_dlnM"], frame["obs"], nan_policy="omit").statistic
    )
    return out


COLUMNS = [
    "moscow_km", "s0", "obs", "model", "rank_obs", "rank_model", "rank_err",
    "threat", "means", "spill", "pull", "lag_or_war", "exposure0", "own_of_means0",
]  # fmt: skip


def main(argv: list[str]) -> int:
    variant = "V5p" if "--variant" in argv and argv[argv.index("--variant") + 1] == "V5p" else "V5"
    record: dict = {"variant": variant, "seed": 0, "windows": {}}
    tables: list[pd.DataFrame] = []
    for window, overrides in WINDOWS.items():
        values = priors() if variant == "V5p" else None
        cfg, m, seen = recorded_run(overrides, values)
        frame = decompose(cfg, m, seen)
        values_used = parameter_values(cfg.budget_rule, cfg.model)
        record["windows"][window] = {"parameters": values_used, "groups": {}}
        for group, sub in (("nato_allies", frame[frame.nato]), ("all_nations", frame)):
            sub = ranked(sub)
            s = summary(sub)
            record["windows"][window]["groups"][group] = {"summary": s}
            tables.append(sub.reset_index().assign(window=window, group=group))
            print(
                f"\n== {variant} {window} {group}: n {s['n']}, Spearman changes model "
                f"{s['spearman_changes_model']:.3f}, -distance "
                f"{s['spearman_changes_-distance']:.3f}"
            )
            print(
                "   Spearman of observed change with each term's points alone: "
                + ", ".join(
                    f"{t} {s[f'spearman_obs_with_pts_{t}']:+.3f}"
                    for t in ("threat", "means", "spill", "pull")
                )
                + f", threat+means {s['spearman_obs_with_threat+means']:+.3f}"
            )
            print(
                f"   Spearman of observed change with s0 {s['spearman_obs_with_s0']:+.3f}, with "
                f"exposure T0/(K0+A0) {s['spearman_obs_with_exposure0']:+.3f}; median own "
                f"K0/(K0+A0) {s['median_own_of_means0']:.3f}"
            )
            print(
                "   mean |term| (log): "
                + ", ".join(
                    f"{t} {s[f'mean_abs_{t}']:.3f}" for t in ("threat", "means", "spill", "pull")
                )
            )
            worst = sub.reindex(sub["rank_err"].abs().sort_values(ascending=False).index)
            show = worst.head(12 if group == "nato_allies" else 15)[COLUMNS]
            print(show.round(3).to_string())
    path = HERE / f"diagnostics_changes_{variant}.json"
    path.write_text(json.dumps(record, indent=1, default=float) + "\n")
    rows = pd.concat(tables, ignore_index=True)
    first = ["window", "group", "iso3"]
    rows = rows[first + [c for c in rows.columns if c not in first]]
    rows.round(4).to_csv(HERE / f"diagnostics_changes_{variant}.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
