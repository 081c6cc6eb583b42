"""The stylised-facts battery (issue 13; experiments/validation/PREREGISTRATION.md, section 6).

Seeds 0-4, ``world=today`` unless named, the revised rules of issue 13 (:data:`REVISED`) at
their code defaults, which are A1's theory priors since amendment A8 (``k`` was 5 before).
Every run is built once per session (``_run``) and shared by the facts that read it. A
scenario's response is measured against the baseline run of the same seed (the same noise
draws), i.e. "what changes, against what would have happened otherwise".

Each fact prints its measured value, threshold and margin (``MARGIN ...`` lines; run pytest with
``-s`` to see them): the margin report of PREREGISTRATION.md A39, a report only: no threshold or
pass rule depends on it.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest
from scipy.stats import spearmanr

from sim.config import compose
from sim.model import AllianceModel
from sim.rules.threat import great_circle_km
from sim.runner import simulate

pytestmark = pytest.mark.slow

SEEDS = range(5)
SCENARIOS = [
    "baseline",
    "us_retrenchment",
    "china_rise",
    "russia_shock",
    "nato_2pct_enforced",
    "bipolar",
    "multipolar",
    "arms_race",
]
#: the revised model: rules, reach by force type, signed blocs (docs/MODEL.md, version 2)
REVISED = [
    "budget_rule=threat_response_v2",
    "alliance_rule=utility_v2",
    "model.geography=force_type",
    "model.blocs=signed",
]
#: extra overrides of every run (``SIM_BATTERY_OVERRIDES``, space-separated; empty by default, so
#: the suite runs the code defaults): the battery re-run under a variant's options, e.g.
#: amendment A11's ``budget_rule.threat_from=spending budget_rule.threat_scale=points``
EXTRA = os.environ.get("SIM_BATTERY_OVERRIDES", "").split()
US_ASIA = ["US-JPN", "US-KOR", "ANZUS", "US-PHL", "US-THA"]
PACIFIC = ["JPN", "KOR", "AUS"]


def _margin(fact: str, where: str, value: float, sense: str, threshold: float) -> None:
    """Print a fact's measured value beside its threshold and the margin (A39's margin report).

    ``sense`` is the test's comparison of ``value`` with ``threshold`` (``>=``, ``>``, ``<``,
    ``<=``); the margin is signed so that a pass has margin >= 0 (> 0 for a strict comparison):
    ``value - threshold`` for ``>=``/``>``, ``threshold - value`` for ``<=``/``<``.
    """
    margin = value - threshold if sense in (">=", ">") else threshold - value
    print(
        f"\nMARGIN {fact} [{where}] value={value:.6g} {sense} {threshold:.6g} margin={margin:+.6g}",
        flush=True,
    )


@functools.cache
def _run(scenario: str, seed: int, world: str = "today", steps: int = 30) -> AllianceModel:
    revised = REVISED + EXTRA
    if scenario == "arms_race":  # arms_race picks richardson: no budget_rule override applies
        revised = [o for o in revised if not o.startswith("budget_rule")]
    return simulate(
        compose(
            [
                f"scenario={scenario}",
                f"world={world}",
                f"seed={seed}",
                f"model.steps={steps}",
                "figures=false",
                *revised,
            ]
        )
    )


def _europe(model: AllianceModel) -> list[int]:
    """NATO's European allies (every member but the US and Canada), as seeded."""
    members = model.world.treaties.query("treaty == 'NATO'")["iso3"]
    return [model.row[c] for c in members if c not in ("USA", "CAN")]


def _at(model: AllianceModel, year_step: int, column: str) -> np.ndarray:
    frame = model.nations_table()
    return frame[frame["step"] == year_step][column].to_numpy(float)


def _moscow_km(model: AllianceModel) -> np.ndarray:
    nations = model.world.nations
    d = great_circle_km(nations["lat"].to_numpy(float), nations["lon"].to_numpy(float))
    return d[model.row["RUS"]]


@pytest.mark.parametrize("seed", SEEDS)
def test_russia_shock_response_follows_proximity(seed):
    m, base = _run("russia_shock", seed), _run("baseline", seed)
    eu = _europe(m)
    rise = (_at(m, 10, "share") - _at(base, 10, "share"))[eu]
    rho = spearmanr(rise, -_moscow_km(m)[eu]).statistic
    _margin("1 russia_shock spearman", f"seed {seed}", rho, ">=", 0.5)
    assert rho >= 0.5, f"Spearman(rise, -distance) = {rho:.2f}"


@pytest.mark.xfail(
    strict=True,
    reason="measured 7.6-9.3% at year 10 (seeds 0-4) under A8 (spill-ins per unit of own income, "
    "A1's prior k = 1; 7.8-9.5% under A5, 4.9-6.1% under A4), not a tenth: spill-in raises "
    "Europe's desired shares by 0.11-0.15 in logs, the partial adjustment trails the 10-year ramp "
    "(64-77% realised); beta = 0.3 implies ~13% in the long run, 9.5-11.1% at year 30 "
    "(PREREGISTRATION.md A8; experiments/validation/diagnose_retrenchment.py); with A11's options "
    "(SIM_BATTERY_OVERRIDES) 7.99-9.82% (A12); at V7's 2014 -> 2019 calibration (A13) 9.21-10.84%, "
    "failing seeds 1 and 3 (the other seeds then show as strict XPASS; A14); at V8's (A15, "
    "model.wartime_dilemma=enemies) the same seeds fail (A16); at V9's (A17, "
    "budget_rule.war_exposure=theatre) the same seeds with the same fills (A18), and at V10's "
    "(A21, + aggressor_exposure=home_base) again (A22); the noise decides the two seeds: with "
    "budget_rule.noise=0 every seed fills 10.39% (A24); at V11's (A27) seeds 1-3 and at V12's "
    "(A30) seeds 1-4 fail, their refits' lower eta realising less by year 10 (A28, A31); at V13's "
    "(A32, eta 0.073) every seed fails, 4.2-5.0% (A33)",
)
@pytest.mark.parametrize("seed", SEEDS)
def test_us_retrenchment_europe_fills_part_of_the_gap(seed):
    base, cut = _run("baseline", seed), _run("us_retrenchment", seed)
    us, eu = base.row["USA"], _europe(base)
    gap = _at(base, 10, "milex")[us] - _at(cut, 10, "milex")[us]
    filled = (_at(cut, 10, "milex")[eu] - _at(base, 10, "milex")[eu]).sum()
    _margin("2 us_retrenchment fill", f"seed {seed}", filled / gap if gap else np.nan, ">=", 0.1)
    # M3: 7-12% from spill-in alone, 8-25% with the threat channel (A5's 20-30% was wrong, A8)
    assert gap > 0 and filled >= 0.1 * gap, f"Europe filled {filled / gap:.1%} of the US cut"


@pytest.mark.parametrize("seed", SEEDS)
def test_china_rise_neighbours_arm_and_us_asian_treaties_hold(seed):
    base, rise = _run("baseline", seed), _run("china_rise", seed)
    codes = ["JPN", "KOR", "AUS", "IND", "TWN"]
    up = {
        c: _at(rise, 10, "share")[rise.row[c]] - _at(base, 10, "share")[rise.row[c]] for c in codes
    }
    least = min(up, key=up.get)
    _margin("3 china_rise least rise (share)", f"seed {seed}, {least}", up[least], ">", 0.0)
    treaties = rise.world.treaties
    pairs = [
        (n, c) for n in US_ASIA for c in treaties.loc[treaties["treaty"] == n, "iso3"] if c != "USA"
    ]
    lost = sum(not rise.ties.allied[rise.row["USA"], rise.row[c]] for _, c in pairs)
    _margin("3 china_rise US Asian ties lost", f"seed {seed}, of {len(pairs)}", lost, "<=", 0)
    for code in codes:
        i = rise.row[code]
        assert _at(rise, 10, "share")[i] > _at(base, 10, "share")[i], code
    for name in US_ASIA:
        for code in treaties.loc[treaties["treaty"] == name, "iso3"]:
            if code != "USA":
                assert rise.ties.allied[rise.row["USA"], rise.row[code]], f"{name}: {code}"


@pytest.mark.parametrize("world", ["today", "y2019", "y2014"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_treaty_member_loses_all_its_treaty_ties(scenario, world):
    seeds = SEEDS if world == "today" else [0]
    for seed in seeds:
        m = _run(scenario, seed, world)
        members = sorted(set(m.world.treaties["iso3"]))
        held = {code: int(m.ties.treaty_tie[m.row[code]].sum()) for code in members}
        least = min(held, key=held.get)
        where = f"{scenario}, {world}, seed {seed}, {least}"
        _margin("4 fewest treaty ties of a member", where, held[least], ">=", 1)
        for code in members:
            assert m.ties.treaty_tie[m.row[code]].any(), f"{code} lost every treaty tie"


def test_formation_follows_threat_and_the_cap_rarely_binds():
    formed = {
        s: np.mean([_run(s, seed).world_table()["ties_formed"].iloc[1:].mean() for seed in SEEDS])
        for s in ("baseline", "bipolar", "russia_shock")
    }
    for s in ("bipolar", "russia_shock"):
        where = f"{s} {formed[s]:.4g} against baseline {formed['baseline']:.4g}"
        _margin("5 ties formed per year, difference", where, formed[s] - formed["baseline"], ">", 0)
    assert formed["bipolar"] > formed["baseline"] and formed["russia_shock"] > formed["baseline"]
    years = capped = 0
    for scenario in SCENARIOS:
        for seed in SEEDS:
            rule = _run(scenario, seed).alliance_rule
            years += 30
            capped += getattr(rule, "capped_years", 0)
    _margin("5 share of years the cap binds", f"{capped} of {years}", capped / years, "<", 0.1)
    assert capped < 0.1 * years, f"the cap bound in {capped} of {years} years"


@pytest.mark.parametrize("seed", SEEDS)
def test_blocs_hold_no_rival_pair_and_the_pacific_allies_sit_with_the_us(seed):
    m = _run("baseline", seed)
    hostile = np.maximum(m.hostile, m.hostile.T) >= 0.5
    rivals = sum(
        int(np.triu(hostile[np.ix_(rows, rows)]).sum())
        for rows in (np.flatnonzero(m.bloc == b) for b in np.unique(m.bloc[m.bloc >= 0]))
    )
    _margin("6 rival pairs within a bloc", f"seed {seed}", rivals, "<=", 0)
    us_bloc = m.bloc[m.row["USA"]]
    with_us = sum(us_bloc >= 0 and m.bloc[m.row[c]] == us_bloc for c in PACIFIC)
    _margin("6 JPN/KOR/AUS in the US's bloc", f"seed {seed}", with_us, ">=", len(PACIFIC))
    for b in np.unique(m.bloc[m.bloc >= 0]):
        rows = np.flatnonzero(m.bloc == b)
        assert not hostile[np.ix_(rows, rows)].any(), f"bloc {b} holds a rival pair"
    us = m.bloc[m.row["USA"]]
    assert us >= 0 and all(m.bloc[m.row[c]] == us for c in PACIFIC)


@pytest.mark.parametrize("seed", SEEDS)
def test_ukraine_mobilises_in_the_hindcast_without_anchoring(seed):
    m = simulate(
        compose(
            [
                "experiment=hindcast_2014_2024",
                "budget_rule.anchor=false",  # revised
                f"seed={seed}",
                "figures=false",
                "hindcast=false",
                *EXTRA,
            ]
        )
    )
    _margin("7 ukraine 2024 share", f"seed {seed}", m.share[m.row["UKR"]], ">=", 0.20)
    assert m.share[m.row["UKR"]] >= 0.20
