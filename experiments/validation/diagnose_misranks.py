"""Which nations V18 and V19 mis-rank on changes, and what distance from Moscow gets right.

``python experiments/validation/diagnose_misranks.py``

A diagnosis (PREREGISTRATION.md A50's premise), no new mechanism and no new score: the two
hindcasts (2014 -> 2024 from ``y2014``, 2019 -> 2024 from ``y2019``) at V18's values (A44,
``calibration=y2014_2019_a44``) and V19's (A46, ``calibration=y2014_2019_a46``), seed 0, as
``score_variants.py`` runs them (``model.gdp_path=trend``, ``scenario.omit=[russia_floor_2022]``).
For every non-driver nation with a SIPRI share at the start and the end (percent of GDP) it
records the observed and modelled change, split at 2021 (the last year before the invasion:
``pre`` = start -> 2021, ``post`` = 2021 -> 2024), the rank of each (1 = largest rise) among
NATO's allies and among all nations, the rank distance from Moscow would give, the border
distance to Russia and to Ukraine, the gradients of M10 (aggressor proximity, A21) and M9 (war
next door, A17) at the rule's fixed values, the start-year gap to NATO's 2% guideline and the
observed and modelled GDP growth (World Bank; the model's trend path). Summaries per variant,
window and group: Spearman of the modelled and of distance's ranking with the whole, the pre-war
and the post-2021 observed changes; Spearman of the observed change with the start gap to 2%,
with GDP growth and with each gradient; the nations the model mis-ranks most, with distance's
rank beside. Writes ``diagnostics_misranks.json`` (summaries) and ``diagnostics_misranks.csv``
(one row per nation, variant, window and group).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata, spearmanr

from sim.config import compose
from sim.rules.threat import great_circle_km
from sim.runner import simulate
from sim.worlds import observed
from sim.worlds import sources as src
from sim.worlds.build import gdp_of

HERE = Path(__file__).resolve().parent
#: the scored variants' overrides beside each window's experiment (score_variants.py's _V18, V19)
VARIANTS = {"V18": "y2014_2019_a44", "V19": "y2014_2019_a46"}
SCORED = ["model.gdp_path=trend", "scenario.omit=[russia_floor_2022]"]
WINDOWS = {"2014-2024": ("hindcast_2014_2024", "+"), "2019-2024": ("outofsample_2019_2024", "")}
#: the split year: the last year before Russia's full-scale invasion
PREWAR = 2021
GUIDELINE = 2.0
#: the gradients the observed changes are ranked against (sign: +1 where larger means nearer)
GRADIENTS = {"moscow_km": -1, "border_rus_km": -1, "border_ukr_km": -1, "m10_v": 1, "m9_w": 1}
_WB = src.world_bank_gdp()


def _gdp(code: str, year: int) -> float:
    value = gdp_of(year, _WB)[0].get(code, np.nan)
    return float(value) if value == value else float("nan")


def nation_rows(variant: str, window: str) -> pd.DataFrame:
    """One row per scored nation of ``variant``'s run over ``window`` (seed 0)."""
    experiment, plus = WINDOWS[window]
    cfg = compose(
        [
            f"experiment={experiment}",
            f"{plus}calibration={VARIANTS[variant]}",
            *SCORED,
            "seed=0",
            "figures=false",
            "hindcast=false",
        ]
    )
    m = simulate(cfg)
    start, end = m.start_year, m.start_year + cfg.model.steps
    table = m.nations_table()
    share = 100 * table.pivot_table(index="iso3", columns="year", values="share")
    gdp = table.pivot_table(index="iso3", columns="year", values="gdp")
    wide = observed.shares(start, end).pivot_table(
        index="iso3", columns="year", values="share_pct", aggfunc="first"
    )
    nations = m.world.nations
    km = great_circle_km(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    rus, ukr = m.row["RUS"], m.row["UKR"]
    border = m.world.border_distance_km()
    rule = cfg.budget_rule
    moscow = dict(zip(m.iso3, km[rus], strict=True))
    drivers = {s.iso3 for s in cfg.scenario.schedules}
    nato = set(observed.nato_shares()["iso3"])
    rows = []
    for code in m.iso3:
        if code in drivers or code not in wide.index:
            continue
        s0, s1, sw = (wide.at[code, y] for y in (start, end, PREWAR))
        if not (np.isfinite(s0) and np.isfinite(s1) and np.isfinite(sw)):
            continue
        y0, y1 = _gdp(code, start), _gdp(code, end)
        i = m.row[code]
        b_rus, b_ukr = float(border[i, rus]), float(border[i, ukr])
        rows.append(
            {
                "variant": variant,
                "window": window,
                "iso3": code,
                "nato": code in nato,
                "moscow_km": round(float(moscow[code])),
                "border_rus_km": round(b_rus),
                "border_ukr_km": round(b_ukr),
                # M10's gradient from Russia (A21) and M9's from Ukraine's theatre (A17)
                "m10_v": np.exp(
                    -b_rus / rule.war_range_km - max(0.0, moscow[code] - b_rus) / rule.war_home_km
                ),
                "m9_w": np.exp(-b_ukr / rule.war_range_km),
                "s0": s0,
                "gap_2pct": max(0.0, GUIDELINE - s0) if code in nato else 0.0,
                "obs": s1 - s0,
                "obs_pre": sw - s0,
                "obs_post": s1 - sw,
                "model": share.at[code, end] - share.at[code, start],
                "model_pre": share.at[code, PREWAR] - share.at[code, start],
                "model_post": share.at[code, end] - share.at[code, PREWAR],
                "obs_dlnY": np.log(y1 / y0) if y0 > 0 and y1 > 0 else np.nan,
                "model_dlnY": float(np.log(gdp.at[code, end] / gdp.at[code, start])),
            }
        )
    return pd.DataFrame(rows)


def _rho(a: pd.Series, b: pd.Series) -> float | None:
    """Spearman of ``a`` and ``b`` where both are known; None where one is constant."""
    keep = a.notna() & b.notna()
    if a[keep].nunique() < 2 or b[keep].nunique() < 2:
        return None
    return round(float(spearmanr(a[keep], b[keep]).statistic), 3)


def ranked(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    """Ranks within ``group`` (1 = largest rise; distance: 1 = nearest Moscow)."""
    out = frame.copy()
    out["group"] = group
    out["rank_obs"] = rankdata(-out["obs"])
    out["rank_model"] = rankdata(-out["model"])
    out["rank_dist"] = rankdata(out["moscow_km"])
    out["err_model"] = out["rank_model"] - out["rank_obs"]
    out["err_dist"] = out["rank_dist"] - out["rank_obs"]
    return out


def summary(frame: pd.DataFrame, top: int = 8) -> dict:
    """Spearmans of the modelled and distance rankings with the parts of the observed change."""
    near = -frame["moscow_km"]
    out = {"n": len(frame)}
    for part in ("obs", "obs_pre", "obs_post"):
        out[f"model_vs_{part}"] = _rho(frame["model"], frame[part])
        out[f"dist_vs_{part}"] = _rho(near, frame[part])
    out["model_pre_vs_obs_pre"] = _rho(frame["model_pre"], frame["obs_pre"])
    out["model_post_vs_obs_post"] = _rho(frame["model_post"], frame["obs_post"])
    out["obs_vs_gap_2pct"] = _rho(frame["obs"], frame["gap_2pct"])
    out["obs_vs_obs_dlnY"] = _rho(frame["obs"], frame["obs_dlnY"])
    out["err_model_vs_obs_dlnY"] = _rho(frame["err_model"], frame["obs_dlnY"])
    gap = (frame["model_dlnY"] - frame["obs_dlnY"]).median()
    out["model_dlnY_minus_obs"] = round(float(gap), 3)
    for gradient, sign in GRADIENTS.items():  # what the observed parts rank with
        for part in ("obs", "obs_pre", "obs_post"):
            out[f"{part}_vs_{gradient}"] = _rho(sign * frame[gradient], frame[part])
    out["mean_obs_post_over_obs"] = round(float(frame["obs_post"].sum() / frame["obs"].sum()), 3)
    out["mean_model_post_over_model"] = round(
        float(frame["model_post"].sum() / frame["model"].sum()), 3
    )
    worst = frame.reindex(frame["err_model"].abs().sort_values(ascending=False).index)[:top]
    cols = ["iso3", "rank_obs", "rank_model", "rank_dist", "obs", "obs_post", "model", "s0"]
    out["worst"] = [
        {k: (round(float(v), 3) if isinstance(v, float) else v) for k, v in r.items()}
        for r in worst[cols].to_dict("records")
    ]
    return out


def main() -> int:
    frames, summaries = [], {}
    for variant in VARIANTS:
        for window in WINDOWS:
            rows = nation_rows(variant, window)
            for group, part in (("nato", rows[rows["nato"]]), ("all", rows)):
                frame = ranked(part, group)
                frames.append(frame)
                summaries[f"{variant} {window} {group}"] = summary(frame)
            others = ranked(rows[~rows["nato"]], "non_nato")
            frames.append(others)
            summaries[f"{variant} {window} non_nato"] = summary(others)
            print(variant, window, "done", file=sys.stderr)
    table = pd.concat(frames, ignore_index=True).round(3)
    table.to_csv(HERE / "diagnostics_misranks.csv", index=False)
    (HERE / "diagnostics_misranks.json").write_text(json.dumps(summaries, indent=1) + "\n")
    for key, value in summaries.items():
        print(key, {k: v for k, v in value.items() if k != "worst"})
        for row in value["worst"]:
            print("   ", row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
