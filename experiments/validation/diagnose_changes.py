"""Which nations V5 mis-ranks on changes, and which term of the budget rule moves them.

``python experiments/validation/diagnose_changes.py [--variant VARIANT]`` (V5, V5p, V9, V10, V10f,
V10a, V11a, V12, V18, V19; V5 by default)

``--variant V18`` and ``--variant V19`` (PREREGISTRATION.md A54: Türkiye's rise by term) run
V18 (``calibration=y2014_2019_a44``: M12, M15, M16) and V19 (``y2014_2019_a46``) as they were
scored (``model.gdp_path=trend``, the 2022 floor left out) with the split in points below,
extended to M15 and M16: the threat ratio is the rule's own (``R`` recorded each year; under
M15's theatre denominator the start denominator is the one implied by the rule's ``R0``) and
the guideline pull carries M16's weight.

``--variant V12`` (PREREGISTRATION.md A30) is V10 with every growth trend regressed toward the
cross-country mean (``calibration=y2014_2019_a30``: ``model.growth_persistence=0.3``).

``--variant V11a`` (PREREGISTRATION.md A27) is V10a with A27's seasoned commitment
(``calibration=y2014_2019_a27``: ``budget_rule.tie_seasoning=linear``); the allied means and
``R`` recorded are those the rule reads (the seasoned weights).

``--variant V10`` and ``--variant V10f`` (PREREGISTRATION.md A23 (b), a post-scoring look) run
V10 (V9 plus A21's aggressor proximity, ``calibration=y2014_2019_a21``, the 2022 hostility floor
left out) and V10f (the same with the floor kept) with V9's points split plus M10's term
(``aggressor``: ``war_k s_unit (V_end - V0)``), and for Finland and Sweden each year's path
(``paths``: NATO accession, own and allied spending, Russia's hostility, ``R``, ``V``). Writes
``diagnostics_changes_V10.json``/``.csv`` (and ``_V10f``). ``--variant V10a`` (A25) is V10 with
the record's Finland (2023) and Sweden (2024) NATO accessions imposed
(``scenario.add=[nato_accessions_2023_2024]``; an ablation, not a forecast).

``--variant V9`` (PREREGISTRATION.md A19 (b), a post-scoring look) runs V9 (A11's options, A13's
home-base reach and A17's war next door, ``calibration=y2014_2019_a17``) and splits each
nation's modelled change of its desired share *in points* (A11 (b)'s form,
:func:`decompose_points`)::

    s*_end - s0 = k s_unit [R(T_end, M0 + A0) - R0]   threat (hostile spending)
                + k s_unit [R_end - R(T_end, M0 + A0)] means (own and allied spending, GDP-driven)
                + s0 (exp(-beta F) - 1)                 spill-in (free riding)
                + s0 exp(-beta F) (exp(p gap) - 1)      guideline pull
                + war_k s_unit (W_end - W0)             war next door (M9)

then ``mobilisation`` (the war target above the peacetime one) and ``lag`` (the rest: partial
adjustment); for the focus nations of A19 (b) also the sources of their hostile spending
``T^M`` at the start and the end (``threat_sources``). Writes ``diagnostics_changes_V9.json``
and ``.csv``.

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
from sim.rules.demand import guideline_gap, guideline_weight, war_share
from sim.rules.projection import allied_capability, spending_threat_ratio, threat_ratio
from sim.rules.threat import great_circle_km
from sim.worlds import observed
from sim.worlds import sources as src
from sim.worlds.build import gdp_of

HERE = Path(__file__).resolve().parent
_WB = src.world_bank_gdp()
#: variant -> its calibration file (V5p: that file's options at A1's priors)
CALIBRATIONS = {
    "V5": "y2014_2019",
    "V5p": "y2014_2019",
    "V9": "y2014_2019_a17",
    "V10": "y2014_2019_a21",
    "V10f": "y2014_2019_a21",
    "V10a": "y2014_2019_a21",
    "V11a": "y2014_2019_a27",
    "V12": "y2014_2019_a30",
    "V18": "y2014_2019_a44",
    "V19": "y2014_2019_a46",
}
#: the variants split in points (A11 (b)'s form); V10 also leaves out the 2022 floor (A21)
#: (A25: V10a adds the record's accessions)
NO_FLOOR = "scenario.omit=[russia_floor_2022]"
POINTS_VARIANTS = {
    "V9": [],
    "V10": [NO_FLOOR],
    "V10f": [],
    "V10a": [NO_FLOOR, "scenario.add=[nato_accessions_2023_2024]"],
    "V11a": [NO_FLOOR, "scenario.add=[nato_accessions_2023_2024]"],
    "V12": [NO_FLOOR],
    "V18": [NO_FLOOR, "model.gdp_path=trend"],
    "V19": [NO_FLOOR, "model.gdp_path=trend"],
}
#: the nations whose yearly path A23 (b) follows
PATH_NATIONS = ["FIN", "SWE"]
#: the nations A19 (b) asks about
FOCUS = ["TUR", "POL", "EST", "FIN", "DNK", "ROU", "BGR"]


def windows(calibration: str, extra: list[str] | None = None) -> dict[str, list[str]]:
    """The overrides of each window's run with ``calibration``'s fitted values (and ``extra``)."""
    extra = extra or []
    return {
        "2014-2019": [
            "experiment=hindcast_2014_2024",
            f"+calibration={calibration}",
            "model.steps=5",
            *extra,
        ],
        "2019-2024": ["experiment=outofsample_2019_2024", f"calibration={calibration}", *extra],
        "2014-2024": ["experiment=hindcast_2014_2024", f"+calibration={calibration}", *extra],
    }


WINDOWS = windows("y2014_2019")


def recorded_run(
    overrides: list[str], values: dict[str, float] | None = None, with_start: bool = False
):
    """The model of an experiment run to its end, with what the budget rule saw each year.

    ``with_start`` puts the start world's state (what the rule's anchors ``R0``, ``W0`` were
    computed on, before the first year's shocks and threat perception) first in ``seen``.
    """
    cfg = compose([*overrides, "figures=false", "hindcast=false", "seed=0"])
    if values:
        cfg = with_values(cfg, values)
    m = calibration_model(cfg)  # may stop before the scenario's last shock (2014 -> 2019)
    rule = m.budget_rule
    shares = rule.shares

    def snapshot(state) -> dict[str, np.ndarray]:  # what the rule reads
        return {
            "T": state.threat.copy(),
            "means": state.capability + state.support,
            "F": rule.spill_change(state),
            "share_in": state.share.copy(),
            "target": state.target.copy(),
            "spending": state.share * state.gdp,
            "reach": state.reach.copy(),
            "support_reach": state.support_reach.copy(),
            "hostile": state.hostile.copy(),
            # the weights the rule reads (A27's seasoned ones under tie_seasoning=linear)
            "commitment": (
                rule.commitment(state) if hasattr(rule, "commitment") else state.ties.commitment
            ).copy(),
            "credibility": state.credibility.copy(),
            "at_war": np.array(state.at_war, dtype=bool),
            "gdp": state.gdp.copy(),
            "W": rule.exposure(state.at_war)
            if hasattr(rule, "exposure")
            else np.zeros(len(state.share)),
            "V": rule.aggressor(state.at_war)
            if hasattr(rule, "aggressor")
            else np.zeros(len(state.share)),
            "treaty_tie": state.ties.treaty_tie.copy(),
            # the rule's own ratio and guideline pull (M15's denominator, M16's weight; A54)
            "R": rule.ratio(state) if hasattr(rule, "ratio") else np.zeros(len(state.share)),
            "pull_p": _pull(rule, state),
        }

    seen: list[dict[str, np.ndarray]] = [snapshot(m)] if with_start else []

    def recording(state):  # before the rule sets the shares
        seen.append(snapshot(state))
        return shares(state)

    rule.shares = recording
    for _ in range(cfg.model.steps):
        m.step()
    return cfg, m, seen


def _pull(rule, state) -> np.ndarray:
    """The guideline pull's ``p`` of each nation: M16's threat weight under
    ``guideline_pull=threat`` (A42), else the rule's ``p`` (0 for a rule without one)."""
    p = getattr(rule.params, "p", 0.0)
    if getattr(rule.params, "guideline_pull", "uniform") == "threat":
        return p * guideline_weight(rule.ratio(state), rule.ratio0, rule.target0)
    return np.full(len(state.share), p)


def _start_means(cfg, rule, first: dict[str, np.ndarray]) -> np.ndarray:
    """The start denominator of the threat ratio: ``M + A^M`` (M2), or under M15's theatre
    denominator (A39) the one implied by the rule's own ``R0 = ln(1 + T0 / D0)`` (A54)."""
    if getattr(cfg.budget_rule, "threat_denominator", "own_allied") == "own_allied":
        return _means(first)
    t0 = (first["hostile"] * first["reach"]) @ first["spending"]
    implied = t0 / np.maximum(np.expm1(rule.ratio0), 1e-300)
    return np.where(rule.ratio0 > 0, implied, _means(first))


def scored_nations(cfg, m):
    """``(row, iso3, observed start share, observed end share, km from Moscow, in NATO)`` of
    every non-driver nation with an observed share at the window's start and end (percent)."""
    start, end = m.start_year, m.start_year + cfg.model.steps
    nations = m.world.nations
    km = great_circle_km(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    moscow = km[m.row["RUS"]]
    drivers = {s.iso3 for s in cfg.scenario.schedules}
    nato = set(observed.nato_shares()["iso3"])
    for i, code in enumerate(m.iso3):
        a, b = observed_share(code, start), observed_share(code, end)
        if code not in drivers and a > 0 and b > 0:
            yield i, code, a, b, round(float(moscow[i])), code in nato


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
    rows = []
    for i, code, a, b, moscow_km, in_nato in scored_nations(cfg, m):
        threat_term = p.k * (r_threat[i] - r0[i])
        means_term = p.k * (r_end[i] - r_threat[i])
        spill = -p.beta * last["F"][i]
        pull = p.p * gap[i]
        desired = threat_term + means_term + spill + pull
        realised = np.log(max(m.share[i], 1e-6) / s0[i])
        mobilising = bool(rule.mobilising[i])
        row = {
            "iso3": code,
            "nato": in_nato,
            "moscow_km": moscow_km,
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


def _ratio(seen_year: dict[str, np.ndarray]) -> np.ndarray:
    """A11 (a)'s threat ratio on the recorded year's spending, reach, hostility and ties."""
    y = seen_year
    return spending_threat_ratio(
        y["spending"], y["reach"], y["support_reach"], y["hostile"], y["commitment"],
        y["credibility"],
    )  # fmt: skip


def _means(seen_year: dict[str, np.ndarray]) -> np.ndarray:
    """Own plus allied spending reaching each nation, ``M + A^M`` (US$)."""
    y = seen_year
    allied = allied_capability(y["spending"], y["support_reach"], y["commitment"], y["credibility"])
    return y["spending"] + allied


def decompose_points(cfg, m, seen) -> pd.DataFrame:
    """One row per non-driver nation: V9's desired change in points (percent of GDP) by term.

    The points form (A11 (b), :func:`sim.rules.demand.desired_share_points`) plus A17's term
    (:func:`sim.rules.demand.add_war_exposure`); the split is exact for the desired share (above
    the ``SHARE_EPS`` floor), and A21's aggressor proximity (M10, ``aggressor``; 0 when it is
    off); ``mobilisation`` is the war target's excess over it, ``lag`` the
    rest of the modelled change (partial adjustment, and the model's start share against
    SIPRI's). Each point is a percentage point of GDP. ``seen`` starts with the start world
    (:func:`recorded_run` ``with_start``), on which ``R0`` was computed.
    """
    p = cfg.budget_rule
    start, end = m.start_year, m.start_year + cfg.model.steps
    rule = m.budget_rule
    first, last = seen[0], seen[-1]
    unit = 100 * p.k * p.s_floor
    means0 = _start_means(cfg, rule, first)
    t_end = (last["hostile"] * last["reach"]) @ last["spending"]
    r_threat = threat_ratio(t_end, means0, np.zeros_like(means0))
    own_allied = getattr(p, "threat_denominator", "own_allied") == "own_allied"
    r_end = _ratio(last) if own_allied else last["R"]
    s0 = np.maximum(rule.share0, 1e-4)
    spill = 100 * s0 * (np.exp(-p.beta * last["F"]) - 1)
    gap = guideline_gap(last["target"], last["share_in"])
    weighted = getattr(p, "guideline_pull", "uniform") == "threat"
    pull_p = last["pull_p"] if weighted else p.p
    pull = 100 * s0 * np.exp(-p.beta * last["F"]) * (np.exp(pull_p * gap) - 1)
    war_on = p.war_exposure == "theatre"
    next_door = 100 * p.war_k * p.s_floor * (last["W"] - rule.exposure0) if war_on else 0 * s0
    near_on = getattr(p, "aggressor_exposure", "none") != "none"
    aggressor = 100 * p.war_k * p.s_floor * (last["V"] - rule.aggressor0) if near_on else 0 * s0
    threat_pts = unit * (r_threat - rule.ratio0)
    means_pts = unit * (r_end - r_threat)
    desired = 100 * s0 + threat_pts + means_pts + spill + pull + next_door + aggressor
    war = 100 * war_share(last["spending"], last["gdp"], last["at_war"], p.rho, 1.0)
    rows = []
    for i, code, a, b, moscow_km, in_nato in scored_nations(cfg, m):
        model = 100 * m.share[i] - a
        terms = {
            "threat": threat_pts[i],
            "means": means_pts[i],
            "spill": spill[i],
            "pull": pull[i],
            "war_next_door": next_door[i],
            "aggressor": aggressor[i],
            "mobilisation": max(0.0, war[i] - desired[i]),
        }
        y0, y1 = _gdp(code, start), _gdp(code, end)
        dlny = np.log(y1 / y0) if y0 > 0 and y1 > 0 else np.nan
        rows.append(
            {
                "iso3": code,
                "nato": in_nato,
                "moscow_km": moscow_km,
                "s0": a,
                "obs": b - a,
                "model": model,
                **terms,
                "lag": model - sum(terms.values()),
                "W_end": last["W"][i],
                "R0": rule.ratio0[i],
                "R_end": r_end[i],
                "model_dlnY": float(np.log(last["gdp"][i] / first["gdp"][i])),
                "obs_dlnY": dlny,
                "obs_dlnM": np.log(b / a) + dlny,
                **{f"pts_{t}": terms[t] for t in ("threat", "means", "spill", "pull")},
                "exposure0": (first["hostile"] * first["reach"])[i] @ first["spending"] / means0[i],
            }
        )
    return pd.DataFrame(rows).set_index("iso3")


def threat_sources(cfg, m, seen, codes: list[str], top: int = 4) -> dict[str, dict]:
    """The largest sources of each nation's hostile spending ``T^M_i = sum_j h_ij P_ij M_j``.

    Per nation: ``T^M``, own spending ``M`` and allied ``A^M`` (US$ bn) at the start and the
    end, and the ``top`` sources at the end with their US$ bn, ``h``, ``P``, share of ``T^M``
    then and at the start, and ``threat_pts_without``: :func:`decompose_points`'s threat term
    with that source's part of ``T^M`` held at its start value (what its rise adds).
    """
    first, last = seen[0], seen[-1]
    unit = 100 * cfg.budget_rule.k * cfg.budget_rule.s_floor
    ratio0 = m.budget_rule.ratio0
    means0 = _start_means(cfg, m.budget_rule, first)
    out = {}
    for code in codes:
        i = m.row[code]
        part = {
            when: y["hostile"][i] * y["reach"][i] * y["spending"] for when, y in (
                ("start", first), ("end", last))
        }  # fmt: skip
        total = {when: float(v.sum()) for when, v in part.items()}
        order = np.argsort(-part["end"])[:top]
        out[code] = {
            "T_bn": {w: total[w] / 1e9 for w in total},
            "own_bn": {"start": first["spending"][i] / 1e9, "end": last["spending"][i] / 1e9},
            "allied_bn": {
                w: (_means(y)[i] - y["spending"][i]) / 1e9
                for w, y in (("start", first), ("end", last))
            },
            "threat_pts": unit * (np.log1p(total["end"] / means0[i]) - ratio0[i]),
            "sources": [
                {
                    "iso3": m.iso3[j],
                    "end_bn": float(part["end"][j]) / 1e9,
                    "h_end": float(last["hostile"][i, j]),
                    "P_end": float(last["reach"][i, j]),
                    "share_end": float(part["end"][j]) / max(total["end"], 1e-300),
                    "share_start": float(part["start"][j]) / max(total["start"], 1e-300),
                    "threat_pts_without": unit
                    * (
                        np.log1p((total["end"] - part["end"][j] + part["start"][j]) / means0[i])
                        - ratio0[i]
                    ),
                }
                for j in order
            ],
        }
    return out


def nation_paths(cfg, m, seen, codes: list[str]) -> dict[str, dict]:
    """Each year's path of ``codes`` as the budget rule saw it (``seen`` from the start world).

    Per nation: the year it joined NATO in the model (the ``joined`` event; ``None`` if not in
    the window), every tie event it is part of (year, partner, event, treaty), and by year:
    whether it holds a NATO treaty tie, own and allied spending
    (US$ bn), Russia's hostility toward it, the threat ratio ``R`` (A11 (a)) against ``R0``, and
    M10's exposure ``V`` (A21).
    """
    events = m.ties.events_table()
    nato = set(observed.nato_shares()["iso3"])
    out = {}
    for code in codes:
        i, rus = m.row[code], m.row["RUS"]
        joined = events[(events["a"] == code) & (events["event"] == "joined")]
        members = [m.row[c] for c in nato if c in m.row and c != code]
        mine = events[(events["a"] == code) | (events["b"] == code)]
        out[code] = {
            "joined_year": int(joined["year"].min()) if len(joined) else None,
            "tie_events": [
                f"{row.year} {row.b if row.a == code else row.a} {row.event} {row.treaty}".strip()
                for row in mine.itertuples(index=False)
            ],
            "R0": float(m.budget_rule.ratio0[i]),
            "years": [
                {
                    "year": m.start_year + t,
                    "nato_tie": bool(y["treaty_tie"][i, members].any()),
                    "own_bn": float(y["spending"][i]) / 1e9,
                    "allied_bn": float(_means(y)[i] - y["spending"][i]) / 1e9,
                    "h_rus": float(y["hostile"][i, rus]),
                    "R": float(_ratio(y)[i]),
                    "V": float(y["V"][i]),
                }
                for t, y in enumerate(seen)
            ],
        }
    return out


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


def summary(frame: pd.DataFrame, points: bool = False) -> dict:
    """Spearman of changes: the model, each term alone, -distance; and mean |term| (log, or
    points for :func:`decompose_points`'s frame)."""
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
    both = (
        frame["threat"] + frame["means"]
        if points
        else frame["s0"] * (np.exp(frame["threat"] + frame["means"]) - 1)
    )
    out["spearman_obs_with_threat+means"] = float(spearmanr(both, frame["obs"]).statistic)
    if points:  # NaN where no war is fought (2014 -> 2019: the term is 0 everywhere)
        door = frame["war_next_door"]
        out["spearman_obs_with_war_next_door"] = (
            float(spearmanr(door, frame["obs"]).statistic) if door.nunique() > 1 else float("nan")
        )
    out["spearman_obs_with_s0"] = float(spearmanr(frame["s0"], frame["obs"]).statistic)
    out["spearman_obs_with_exposure0"] = float(
        spearmanr(frame["exposure0"], frame["obs"]).statistic
    )
    if "own_of_means0" in frame:
        out["median_own_of_means0"] = float(frame["own_of_means0"].median())
    out["spearman_obs_with_obs_dlnM"] = float(
        spearmanr(frame["obs_dlnM"], frame["obs"], nan_policy="omit").statistic
    )
    return out


COLUMNS = [
    "moscow_km", "s0", "obs", "model", "rank_obs", "rank_model", "rank_err",
    "threat", "means", "spill", "pull", "lag_or_war", "exposure0", "own_of_means0",
]  # fmt: skip
#: the columns printed for V9 (every term in points of GDP)
COLUMNS_POINTS = [
    "s0", "obs", "model", "rank_obs", "rank_model", "threat", "means", "spill", "pull",
    "war_next_door", "aggressor", "mobilisation", "lag", "obs_dlnY", "obs_dlnM",
]  # fmt: skip


def main(argv: list[str]) -> int:
    at = argv.index("--variant") + 1 if "--variant" in argv else None
    variant = "V5" if at is None else (argv[at] if at < len(argv) else "")
    if variant not in CALIBRATIONS:
        print(f"--variant: must be one of {', '.join(CALIBRATIONS)}, got {variant!r}")
        return 2
    points = variant in POINTS_VARIANTS
    record: dict = {"variant": variant, "seed": 0, "windows": {}}
    tables: list[pd.DataFrame] = []
    extra = POINTS_VARIANTS.get(variant, [])
    for window, overrides in windows(CALIBRATIONS[variant], extra).items():
        values = priors() if variant == "V5p" else None
        cfg, m, seen = recorded_run(overrides, values, with_start=points)
        frame = (decompose_points if points else decompose)(cfg, m, seen)
        values_used = parameter_values(cfg.budget_rule, cfg.model)
        record["windows"][window] = {"parameters": values_used, "groups": {}}
        if points:
            record["windows"][window]["threat_sources"] = threat_sources(cfg, m, seen, FOCUS)
            record["windows"][window]["paths"] = nation_paths(cfg, m, seen, PATH_NATIONS)
        for group, sub in (("nato_allies", frame[frame.nato]), ("all_nations", frame)):
            sub = ranked(sub)
            s = summary(sub, points)
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
                + (f", war next door {s['spearman_obs_with_war_next_door']:+.3f}" if points else "")
            )
            print(
                f"   Spearman of observed change with s0 {s['spearman_obs_with_s0']:+.3f}, with "
                f"exposure T0/(K0+A0) {s['spearman_obs_with_exposure0']:+.3f}"
                + ("" if points else f"; median own K0/(K0+A0) {s['median_own_of_means0']:.3f}")
            )
            print(
                f"   mean |term| ({'points' if points else 'log'}): "
                + ", ".join(
                    f"{t} {s[f'mean_abs_{t}']:.3f}" for t in ("threat", "means", "spill", "pull")
                )
            )
            if points and group == "nato_allies":
                show = sub.reindex([c for c in FOCUS if c in sub.index])[COLUMNS_POINTS]
                print(show.round(3).to_string())
                continue
            worst = sub.reindex(sub["rank_err"].abs().sort_values(ascending=False).index)
            show = worst.head(12 if group == "nato_allies" else 15)
            print(show[COLUMNS_POINTS if points else COLUMNS].round(3).to_string())
        if points:
            for code, src_ in record["windows"][window]["threat_sources"].items():
                print(
                    f"   {code} T^M {src_['T_bn']['start']:.1f} -> {src_['T_bn']['end']:.1f} bn, "
                    f"own {src_['own_bn']['start']:.1f} -> {src_['own_bn']['end']:.1f}, allied "
                    f"{src_['allied_bn']['start']:.1f} -> {src_['allied_bn']['end']:.1f} bn, "
                    f"threat {src_['threat_pts']:+.2f} pts: "
                    + "; ".join(
                        f"{x['iso3']} {x['end_bn']:.1f} bn (h {x['h_end']:.2f}, P "
                        f"{x['P_end']:.2f}, {100 * x['share_start']:.0f}% -> "
                        f"{100 * x['share_end']:.0f}%, threat without its rise "
                        f"{x['threat_pts_without']:+.2f})"
                        for x in src_["sources"]
                    )
                )
        for code, path_ in record["windows"][window].get("paths", {}).items():
            print(
                f"   {code} joined NATO {path_['joined_year']}, tie events "
                f"{path_['tie_events']}, R0 {path_['R0']:.3f}: "
                + "; ".join(
                    f"{y['year']} {'N' if y['nato_tie'] else '-'} own {y['own_bn']:.1f} allied "
                    f"{y['allied_bn']:.1f} h {y['h_rus']:.2f} R {y['R']:.3f} V {y['V']:.2f}"
                    for y in path_["years"]
                )
            )
    path = HERE / f"diagnostics_changes_{variant}.json"
    path.write_text(json.dumps(record, indent=1, default=float) + "\n")
    rows = pd.concat(tables, ignore_index=True)
    first = ["window", "group", "iso3"]
    rows = rows[first + [c for c in rows.columns if c not in first]]
    rows.round(4).to_csv(HERE / f"diagnostics_changes_{variant}.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
