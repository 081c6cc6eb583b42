"""Score every pre-registered variant on both hindcasts.

``python experiments/validation/score_variants.py [--amendment A8|...|A46|A48|A50|A52|A56]``

``--amendment A56`` (PREREGISTRATION.md A56) scores A15's exemption
(``model.wartime_dilemma=enemies``: the security dilemma spares a war mobilisation) at V18's
values (V24) and V19's (V25), no refit (no interstate war in 2014-2019), beside V18 and V19
re-run as checks; writes ``variants_a56.json``/``.md``.

``--amendment A52`` (PREREGISTRATION.md A52) scores M18 (``guideline_pull=deadline``: the pull
toward the Wales pledge's path to 2% by 2024): V22 (V19's options refitted with it,
``calibration=y2014_2019_a52``), V22g (V19's values + M18) and V22m (V22 with M9 off), beside V19
re-run as a check; writes ``variants_a52.json``/``.md``.

``--amendment A50`` (PREREGISTRATION.md A50) scores M17 (``aggressor_exposure=capital``: the
aggressor's proximity on the capitals' distance, with M9 off): V21 (V19's options refitted with
it, ``calibration=y2014_2019_a50``), V21m (V19's values with M9 off only, an ablation) and V21b
(V18's values + M17), beside V19 re-run as a check; writes ``variants_a50.json``/``.md``.

``--amendment A48`` (PREREGISTRATION.md A48) scores V20, V18's fitted values with M12 off
(``model.growth_persistence=1``, no refit), beside V18 re-run as a check; writes
``variants_a48.json``/``.md``.

``--amendment A46`` (PREREGISTRATION.md A46) scores V19 (V10's options refitted on the record's
GDP, without M12) and V17v (M16 at A21's fitted values), beside V18 re-run as a check; writes
``variants_a46.json``/``.md``.

``--amendment A44`` (PREREGISTRATION.md A44) scores V18, M15 and M16 together
(``threat_denominator=theatre`` and ``guideline_pull=threat``) refitted on the record's GDP
(``calibration=y2014_2019_a44``), beside V17 re-run as a check; every run with
``model.gdp_path=trend``; writes ``variants_a44.*``.

``--amendment A42`` (PREREGISTRATION.md A42) scores M16 (``guideline_pull=threat``: each member's
guideline pull weighted by its threat ratio over the members' start-year mean): V17 (M12 + M16
refitted on the record's GDP, ``calibration=y2014_2019_a42``) and V17g (V15's values + M16), beside
V15 re-run as a check; every run with ``model.gdp_path=trend``; writes ``variants_a42.*``.

``--amendment A39r`` (PREREGISTRATION.md A39, run under A41) scores V16r, M15
(``threat_denominator=theatre``) at A21's fitted values, beside V10 re-run as a check; writes
``variants_a39r.json``/``.md``. ``--amendment A39`` (V16g, V16) is unchanged.

``--amendment A37`` (PREREGISTRATION.md A37) scores the refits whose calibration ran with the
window's GDP on its record (``model.gdp_path=record``; every scored run is set back to
``gdp_path=trend``): V15 (M12, ``calibration=y2014_2019_a37``), V15o (M12 + M14,
``y2014_2019_a37o``) and V15t (V15's values on the unshrunk trend, report-only), beside V12r and
V10 re-run as checks; writes ``variants_a37.json``/``.md``.

``--amendment A36`` (PREREGISTRATION.md A36) scores M14 (``threat_denominator=own``: the threat
ratio on own means only, allies acting through the spill-ins alone): V14 (calibrated with it,
``calibration=y2014_2019_a36``, which holds the option), V14p (A1's priors), V14r (A21's values),
V14g (V12r plus M14) and the ablation V14a (V14 with the recorded FIN/SWE accessions, not a
forecast), beside V10 re-run as a check; writes ``variants_a36.json``/``.md``.

``--amendment A34`` (PREREGISTRATION.md A34) scores M13b (``conflict_exposure=ucdp_near``: a
conflict counts only for a party within 950 km of its opponent's border, and the end of a
conflict under way at the start is no fall) on V13r's setting (V13br, A21's values) and V13g's
(V13bg), not refitted, beside V10 and V13r re-run as checks; writes ``variants_a34.json``/``.md``;
``--amendment A34b`` the refit V13b (``calibration=y2014_2019_a34``), ``variants_a34b.*``.

``--amendment A32`` (PREREGISTRATION.md A32) scores V13 (V10 plus every armed conflict of the
shipped UCDP table raising its parties' desired share a point on its years,
``budget_rule.conflict_exposure=ucdp``, calibrated with it: ``calibration=y2014_2019_a32``), V13p
(A1's priors), V13r (M13 at A21's fitted values), V13g (V12r plus M13) and the sensitivity V13h
(``conflict_minor=0.5``, not refitted), beside V10 re-run as a check; writes
``variants_a32.json``/``.md``.

``--amendment A30`` (PREREGISTRATION.md A30) scores V12 (V10 plus every start-world growth trend
regressed toward the cross-country mean, ``model.growth_persistence=0.3``, calibrated with it:
``calibration=y2014_2019_a30``), V12p (A1's priors), V12r (M12 at A21's fitted values) and the
sensitivity V12-0 (``growth_persistence=0``, not refitted), beside V10 re-run as a check; writes
``variants_a30.json``/``.md``.

``--amendment A27`` (PREREGISTRATION.md A27) scores V11 (V10 plus seasoned commitment, a tie
formed during a run counting in the budget rule at ``min(1, age / 4 years)``:
``calibration=y2014_2019_a27``), V11p (A1's priors), the ablation V11a (V11 with V10a's recorded
accessions, not a forecast) and its sensitivity ``seasoning_years`` 2 and 8, beside V10 and
V10a re-run as checks and V11r (M11 at A21's fitted values, the addendum); writes
``variants_a27.json``/``.md``.

``--amendment A25`` (PREREGISTRATION.md A25) scores V10 and V10a, an ablation fed a recorded
alliance outcome (not a forecast): V10 with Finland's (2023) and Sweden's (2024) NATO accessions
imposed (``scenario.add=[nato_accessions_2023_2024]``); writes ``variants_a25.json``/``.md``.

``--amendment A23`` (PREREGISTRATION.md A23) is A19's report around V10: V10 and seven
one-at-a-time changes of M10's and M9's fixed values (``war_home_km`` 1000, 4000; ``war_k``,
shared by both terms, 0.15, 0.6, 1.2; ``war_range_km`` 250, 1000), every run at A21's
calibration (exact: no war in the calibration window); writes ``variants_a23.json``/``.md``.

``--amendment A19`` (PREREGISTRATION.md A19) is a sensitivity report, not a set of candidates:
V9 and seven one-at-a-time changes of the values A17 and A13 fixed from theory (``war_k`` 0.15,
0.6, 1.2; ``war_range_km`` 250, 1000; ``home_range_km`` 1000, 4000), every run at A17's
calibration (not re-fitted); writes ``variants_a19.json``/``variants_a19.md`` (with a compact
table of every value, both windows).

``--amendment A17`` (PREREGISTRATION.md A17) scores V9 (V7 plus
``budget_rule.war_exposure=theatre``: an ongoing war's theatre raises the desired share of its
non-party neighbours, "war next door"; calibrated 2014 -> 2019 with it:
``calibration=y2014_2019_a17``) and V9p (the same with A1's priors), and writes
``variants_a17.json``/``variants_a17.md``.

``--amendment A15`` (PREREGISTRATION.md A15) scores V8 (V7 plus ``model.wartime_dilemma=enemies``:
a mobilising nation's arming is read as hostile by its war enemies only; calibrated 2014 -> 2019
with it: ``calibration=y2014_2019_a15``) and V8p (the same with A1's priors), and writes
``variants_a15.json``/``variants_a15.md``.

``--amendment A13`` (PREREGISTRATION.md A13) scores V7 (A11's two options plus the land reach
from the power's home base, ``model.land_distance=home_base``, calibrated 2014 -> 2019 with
them: ``calibration=y2014_2019_a13``) and V7p (the same with A1's priors), and writes
``variants_a13.json``/``variants_a13.md``.

``--amendment A11`` (PREREGISTRATION.md A11) scores V6 (threat from spending, response in
points, calibrated 2014 -> 2019 with those options: ``calibration=y2014_2019_a11``), V6p (the
same with A1's priors) and the ablations V6p-a (spending only) and V6p-b (points only), and
writes ``variants_a11.json``/``variants_a11.md``; without it, A8's variants as below.

Variants of amendment A8 (experiments/validation/PREREGISTRATION.md): V5, the experiments'
configuration (A5's noise-free point forecast, drivers on recorded spending, spill-in from the
alliance leader; A8's spill-ins per unit of own income) calibrated again on 2014 -> 2019 on the
exposed responders; V5p, the same with the theory priors of A1. Each on
``experiment=hindcast_2014_2024`` and ``experiment=outofsample_2019_2024``, seeds 0-4 (seed 0 is
the headline). Writes ``variants_a8.json`` (every score) and ``variants_a8.md`` (the tables of
README.md) beside this file. Offline and deterministic; a few minutes. Both windows had been seen
before A8: these scores are not out of sample for the mechanisms.

A5's variants V4 and V4p (``variants_a5.json``/``variants_a5.md``) were scored by this script at
commit e0396df; on today's code V4p is ``budget_rule.spill_in_scale=usd`` with the priors, V4
the same with A5's calibration (``git show 9ba1eb0:sim/configs/calibration/y2014_2019.yaml``).

The variants of section 5 and A4 (V0-V3, ``variants.json``/``variants.md``) were scored by this
script at commit 4bf2707, on the experiments' configuration before A5; they are kept as scored
and are not re-run here (the experiments now carry A5's changes).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import yaml

from sim.calibrate import priors
from sim.config import CONFIG_DIR, compose
from sim.runner import run

HERE = Path(__file__).resolve().parent
SEEDS = range(5)
#: A1's theory priors, as overrides: the values experiment=hindcast_2014_2024 sets (one place)
PRIORS = [f"{key}={value}" for key, value in priors().items()]
#: amendment A11's two options
SPENDING, POINTS = "budget_rule.threat_from=spending", "budget_rule.threat_scale=points"
#: amendment A13's land reach from the power's home base
HOME_BASE = "model.land_distance=home_base"
#: amendment A15's security dilemma that spares a war mobilisation
WARTIME = "model.wartime_dilemma=enemies"
#: amendment A17's war next door (M9)
WAR_NEXT_DOOR = "budget_rule.war_exposure=theatre"
#: amendment A21's aggressor proximity (M10) and the hindcasts without the 2022 hostility floor
AGGRESSOR = "budget_rule.aggressor_exposure=home_base"
NO_FLOOR = "scenario.omit=[russia_floor_2022]"
#: amendment -> (calibration file, variant -> (overrides of hindcast_2014_2024, of outofsample))
AMENDMENTS = {
    "A8": (
        "y2014_2019",
        {
            "V5 A8, calibrated 2014-2019": (["+calibration=y2014_2019"], []),
            "V5p A8, theory priors": (PRIORS, PRIORS),
        },
    ),
    "A11": (
        "y2014_2019_a11",
        {
            "V6 A11, calibrated 2014-2019": (
                ["+calibration=y2014_2019_a11"],
                ["calibration=y2014_2019_a11"],
            ),
            "V6p A11, theory priors": (
                [SPENDING, POINTS, *PRIORS],
                [SPENDING, POINTS, *PRIORS],
            ),
            "V6p-a A11 (a) spending only, theory priors": (
                [SPENDING, *PRIORS],
                [SPENDING, *PRIORS],
            ),
            "V6p-b A11 (b) points only, theory priors": ([POINTS, *PRIORS], [POINTS, *PRIORS]),
        },
    ),
    "A13": (
        "y2014_2019_a13",
        {
            "V7 A13, calibrated 2014-2019": (
                ["+calibration=y2014_2019_a13"],
                ["calibration=y2014_2019_a13"],
            ),
            "V7p A13, theory priors": (
                [SPENDING, POINTS, HOME_BASE, *PRIORS],
                [SPENDING, POINTS, HOME_BASE, *PRIORS],
            ),
        },
    ),
    "A15": (
        "y2014_2019_a15",
        {
            "V8 A15, calibrated 2014-2019": (
                ["+calibration=y2014_2019_a15"],
                ["calibration=y2014_2019_a15"],
            ),
            "V8p A15, theory priors": (
                [SPENDING, POINTS, HOME_BASE, WARTIME, *PRIORS],
                [SPENDING, POINTS, HOME_BASE, WARTIME, *PRIORS],
            ),
        },
    ),
    "A17": (
        "y2014_2019_a17",
        {
            "V9 A17, calibrated 2014-2019": (
                ["+calibration=y2014_2019_a17"],
                ["calibration=y2014_2019_a17"],
            ),
            "V9p A17, theory priors": (
                [SPENDING, POINTS, HOME_BASE, WAR_NEXT_DOOR, *PRIORS],
                [SPENDING, POINTS, HOME_BASE, WAR_NEXT_DOOR, *PRIORS],
            ),
        },
    ),
}


def one_at_a_time(
    base: str, overrides: tuple[list[str], list[str]], grid: dict[str, tuple]
) -> dict[str, tuple[list[str], list[str]]]:
    """A base variant and one variant per value of ``grid``, every other key as the base's.

    ``overrides`` are the base's (of hindcast_2014_2024, of outofsample_2019_2024); each grid
    variant appends ``key=value`` to both (a sensitivity report; nothing is selected).
    """
    return {
        base: overrides,
        **{
            f"{base.split(' ')[0]}, {key.split('.')[1]} {value}": (
                [*overrides[0], f"{key}={value}"],
                [*overrides[1], f"{key}={value}"],
            )
            for key, values in grid.items()
            for value in values
        },
    }


AMENDMENTS["A21"] = (
    "y2014_2019_a21",
    {
        "V10 A21, calibrated 2014-2019": (
            ["+calibration=y2014_2019_a21", NO_FLOOR],
            ["calibration=y2014_2019_a21", NO_FLOOR],
        ),
        "V10p A21, theory priors": (
            [SPENDING, POINTS, HOME_BASE, WAR_NEXT_DOOR, AGGRESSOR, NO_FLOOR, *PRIORS],
            [SPENDING, POINTS, HOME_BASE, WAR_NEXT_DOOR, AGGRESSOR, NO_FLOOR, *PRIORS],
        ),
        "V10f A21 ablation, 2022 floor kept, calibrated 2014-2019": (
            ["+calibration=y2014_2019_a21"],
            ["calibration=y2014_2019_a21"],
        ),
    },
)
#: the one-at-a-time grids (sensitivity reports; nothing is selected): amendment -> (the base
#: variant's amendment and name, the grid's name for it, key -> values). A19 around V9 at A17's
#: calibration; A23 around V10 at A21's (``war_k`` and ``war_range_km`` are shared by M9 and
#: M10; exact: the calibration window holds no war)
GRIDS = {
    "A19": (
        ("A17", "V9 A17, calibrated 2014-2019"),
        "V9 (war_k 0.3, war_range_km 500, home_range_km 2000)",
        {
            "budget_rule.war_k": (0.15, 0.6, 1.2),
            "budget_rule.war_range_km": (250, 1000),
            "model.home_range_km": (1000, 4000),
        },
    ),
    "A23": (
        ("A21", "V10 A21, calibrated 2014-2019"),
        "V10 (war_k 0.3, war_range_km 500, war_home_km 2000)",
        {
            "budget_rule.war_home_km": (1000, 4000),
            "budget_rule.war_k": (0.15, 0.6, 1.2),
            "budget_rule.war_range_km": (250, 1000),
        },
    ),
}
#: amendment A25's recorded accessions (an ablation of V10's alliance path, not a forecast)
ACCESSIONS = "scenario.add=[nato_accessions_2023_2024]"
_V10 = AMENDMENTS["A21"][1]["V10 A21, calibrated 2014-2019"]
AMENDMENTS["A25"] = (
    "y2014_2019_a21",
    {
        "V10 A21, calibrated 2014-2019": _V10,
        "V10a A25 ablation, recorded FIN/SWE accessions imposed (not a forecast)": (
            [*_V10[0], ACCESSIONS],
            [*_V10[1], ACCESSIONS],
        ),
    },
)
#: amendment A27's seasoned commitment (M11); V10 and V10a re-run beside it as checks
SEASONED = "budget_rule.tie_seasoning=linear"
_V11 = (["+calibration=y2014_2019_a27", NO_FLOOR], ["calibration=y2014_2019_a27", NO_FLOOR])
_V11A = ([*_V11[0], ACCESSIONS], [*_V11[1], ACCESSIONS])
_V10P = AMENDMENTS["A21"][1]["V10p A21, theory priors"]
AMENDMENTS["A27"] = (
    "y2014_2019_a27",
    {
        "V11 A27, calibrated 2014-2019": _V11,
        "V11p A27, theory priors": ([*_V10P[0], SEASONED], [*_V10P[1], SEASONED]),
        "V10 A21 (check)": _V10,
        "V11r A27 addendum, M11 at A21's fitted values": tuple([*o, SEASONED] for o in _V10),
        "V11a A27 ablation, accessions imposed (not a forecast)": _V11A,
        "V10a A25 ablation (check)": AMENDMENTS["A25"][1][
            "V10a A25 ablation, recorded FIN/SWE accessions imposed (not a forecast)"
        ],
        **{
            f"V11a-{years} A27 sensitivity, seasoning_years {years}": tuple(
                [*o, f"budget_rule.seasoning_years={years}"] for o in _V11A
            )
            for years in (2, 8)
        },
    },
)
#: amendment A30's growth regressing to the mean (M12); V10 re-run beside it as a check
REGRESSED = "model.growth_persistence=0.3"
_V12 = (["+calibration=y2014_2019_a30", NO_FLOOR], ["calibration=y2014_2019_a30", NO_FLOOR])
AMENDMENTS["A30"] = (
    "y2014_2019_a30",
    {
        "V12 A30, calibrated 2014-2019": _V12,
        "V12p A30, theory priors": ([*_V10P[0], REGRESSED], [*_V10P[1], REGRESSED]),
        "V12r A30, M12 at A21's fitted values": tuple([*o, REGRESSED] for o in _V10),
        "V10 A21 (check)": _V10,
        "V12-0 A30 sensitivity, growth_persistence 0 (not refitted)": tuple(
            [*o, "model.growth_persistence=0"] for o in _V12
        ),
    },
)
#: amendment A32's armed conflicts of the shipped UCDP data (M13); V10 re-run beside it as a check
CONFLICTS = "budget_rule.conflict_exposure=ucdp"
_V13 = tuple([f"{c}calibration=y2014_2019_a32", NO_FLOOR, CONFLICTS] for c in ("+", ""))
AMENDMENTS["A32"] = (
    "y2014_2019_a32",
    {
        "V13 A32, calibrated 2014-2019": _V13,
        "V13p A32, theory priors": ([*_V10P[0], CONFLICTS], [*_V10P[1], CONFLICTS]),
        "V13r A32, M13 at A21's fitted values": tuple([*o, CONFLICTS] for o in _V10),
        "V13g A32, V12r + M13 (A21's fitted values)": tuple(
            [*o, REGRESSED, CONFLICTS] for o in _V10
        ),
        "V10 A21 (check)": _V10,
        "V13h A32 sensitivity, conflict_minor 0.5 (not refitted)": tuple(
            [*o, "budget_rule.conflict_minor=0.5"] for o in _V13
        ),
    },
)
#: amendment A34's M13b, near-home conflicts with no fall at the end of one under way at the start
NEAR = "budget_rule.conflict_exposure=ucdp_near"
AMENDMENTS["A34"] = (
    "y2014_2019_a21",
    {
        "V13br A34, M13b at A21's fitted values": tuple([*o, NEAR] for o in _V10),
        "V13bg A34, V12r + M13b (A21's fitted values)": tuple([*o, REGRESSED, NEAR] for o in _V10),
        "V13r A32 (check)": AMENDMENTS["A32"][1]["V13r A32, M13 at A21's fitted values"],
        "V10 A21 (check)": _V10,
    },
)
#: A34's refit of M13b (``--amendment A34b``, scored only after its calibration is committed)
AMENDMENTS["A34b"] = (
    "y2014_2019_a34",
    {
        "V13b A34, calibrated 2014-2019": tuple(
            [f"{c}calibration=y2014_2019_a34", NO_FLOOR, NEAR] for c in ("+", "")
        )
    },
)
#: amendment A36's M14, allies counted once (the threat ratio on own means only); V10 as a check
OWN = "budget_rule.threat_denominator=own"
_V14 = tuple([f"{c}calibration=y2014_2019_a36", NO_FLOOR] for c in ("+", ""))
AMENDMENTS["A36"] = (
    "y2014_2019_a36",
    {
        "V14 A36, calibrated 2014-2019": _V14,
        "V14p A36, theory priors": ([*_V10P[0], OWN], [*_V10P[1], OWN]),
        "V14r A36, M14 at A21's fitted values": tuple([*o, OWN] for o in _V10),
        "V14g A36, V12r + M14 (A21's fitted values)": tuple([*o, REGRESSED, OWN] for o in _V10),
        "V14a A36 ablation, accessions imposed (not a forecast)": tuple(
            [*o, ACCESSIONS] for o in _V14
        ),
        "V10 A21 (check)": _V10,
    },
)
#: amendment A37's refits with the calibration window's GDP on its record; every scored run is
#: given the trend path (``gdp_path=trend``, after the calibration's own ``record``)
TREND = "model.gdp_path=trend"


def _refit(calibration: str) -> tuple[list[str], ...]:
    """A record-GDP refit's runs (2014 -> 2024, 2019 -> 2024) on the trend, without the floor."""
    return tuple([f"{c}calibration={calibration}", NO_FLOOR, TREND] for c in ("+", ""))


_V15 = _refit("y2014_2019_a37")
AMENDMENTS["A37"] = (
    "y2014_2019_a37",
    {
        "V15 A37, M12 calibrated 2014-2019 on the record's GDP": _V15,
        "V15o A37, M12 + M14 calibrated 2014-2019 on the record's GDP": _refit("y2014_2019_a37o"),
        "V15t A37, V15's values on the unshrunk trend (report-only)": tuple(
            [*o, "model.growth_persistence=1"] for o in _V15
        ),
        "V12r A30 (check)": AMENDMENTS["A30"][1]["V12r A30, M12 at A21's fitted values"],
        "V10 A21 (check)": _V10,
    },
)
AMENDMENTS["A39"] = (  # M15 (theatre denominator); only V16g fitted nothing, so it ran first
    "y2014_2019_a37",
    {
        "V16g A39, V15's values + M15": tuple(
            [*o, "budget_rule.threat_denominator=theatre"] for o in _V15
        ),
        "V16 A39, M15 calibrated 2014-2019 on the record's GDP": _refit("y2014_2019_a39"),
    },
)
#: A39's V16r, pre-registered there and not run in A39's session (scored under A41 with
#: ``--amendment A39r``, so that ``--amendment A39`` rewrites A39's own outputs unchanged)
AMENDMENTS["A39r"] = (
    "y2014_2019_a21",
    {
        "V16r A39, M15 at A21's fitted values": tuple(
            [*o, "budget_rule.threat_denominator=theatre"] for o in _V10
        ),
        "V10 A21 (check)": _V10,
    },
)
#: amendment A42's M16, the guideline pull weighted by threat; V15 re-run beside it as a check
PLEDGE = "budget_rule.guideline_pull=threat"
_V17 = _refit("y2014_2019_a42")
#: A44's V18 (M15 + M16 refitted on the record's GDP), scored again as a check in A46 and A48
_V18 = _refit("y2014_2019_a44")
AMENDMENTS["A42"] = (
    "y2014_2019_a42",
    {
        "V17 A42, M12 + M16 calibrated 2014-2019 on the record's GDP": _V17,
        "V17g A42, V15's values + M16": tuple([*o, PLEDGE] for o in _V15),
        "V15 A37 (check)": _V15,
    },
)
#: amendment A44's V18, M15 + M16 refitted on the record's GDP; V17 re-run beside it as a check
AMENDMENTS["A44"] = (
    "y2014_2019_a44",
    {
        "V18 A44, M12 + M15 + M16 calibrated 2014-2019 on the record's GDP": _V18,
        "V17 A42 (check)": _V17,
    },
)
#: amendment A46's V19 (V10's options refitted on the record's GDP, no M12; scored again as a
#: check in A50, A52 and A56) and V17v (M16 at A21's fitted values, no refit); V18 re-run beside
#: them as a check
_V19 = _refit("y2014_2019_a46")
AMENDMENTS["A46"] = (
    "y2014_2019_a46",
    {
        "V19 A46, V10's options calibrated 2014-2019 on the record's GDP": _V19,
        "V17v A46, M16 at A21's fitted values": tuple([*o, PLEDGE] for o in _V10),
        "V18 A44 (check)": _V18,
    },
)
#: amendment A48's V20 (V18's fitted values on the unshrunk trend, M12 off, no refit: a
#: record-GDP fit never reads growth_persistence); V18 re-run beside it as a check
AMENDMENTS["A48"] = (
    "y2014_2019_a44",
    {
        "V20 A48, V18's values on the unshrunk trend (M15 + M16, no M12)": tuple(
            [*o, "model.growth_persistence=1"] for o in _V18
        ),
        "V18 A44 (check)": _V18,
    },
)
#: amendment A50's M17 (the aggressor's proximity on the capitals' distance, M9 off): V21 (V19's
#: options refitted with it), V21m (V19's values with M9 off only) and V21b (V18's values + M17);
#: V19 re-run beside them as a check
NO_M9 = "budget_rule.war_exposure=none"
CAPITAL = "budget_rule.aggressor_exposure=capital"
AMENDMENTS["A50"] = (
    "y2014_2019_a50",
    {
        "V21 A50, M17 (M9 off) calibrated 2014-2019 on the record's GDP": _refit("y2014_2019_a50"),
        "V21m A50, V19's values with M9 off (ablation)": tuple([*o, NO_M9] for o in _V19),
        "V21b A50, V18's values + M17 (M9 off)": tuple([*o, NO_M9, CAPITAL] for o in _V18),
        "V19 A46 (check)": _V19,
    },
)
#: amendment A52's M18 (the Wales pledge as a path to 2% by 2024): V22 (V19's options refitted
#: with it), V22g (V19's values + M18) and V22m (V22 with M9 off); V19 re-run as a check
DEADLINE = "budget_rule.guideline_pull=deadline"
_V22 = _refit("y2014_2019_a52")
AMENDMENTS["A52"] = (
    "y2014_2019_a52",
    {
        "V22 A52, M18 calibrated 2014-2019 on the record's GDP": _V22,
        "V22g A52, V19's values + M18": tuple([*o, DEADLINE] for o in _V19),
        "V22m A52, V22 with M9 off": tuple([*o, NO_M9] for o in _V22),
        "V19 A46 (check)": _V19,
    },
)
#: amendment A56: A15's exemption at V18's values (V24) and V19's (V25), no refit (the exemption
#: needs a war, and 2014-2019 has none); V18 and V19 re-run beside them as checks
AMENDMENTS["A56"] = (
    "y2014_2019_a46",
    {
        "V24 A56, V18's values + A15's exemption": tuple([*o, WARTIME] for o in _V18),
        "V25 A56, V19's values + A15's exemption": tuple([*o, WARTIME] for o in _V19),
        "V18 A44 (check)": _V18,
        "V19 A46 (check)": _V19,
    },
)
for _name, ((_source, _variant), _label, _grid) in GRIDS.items():
    _calibration, _variants = AMENDMENTS[_source]
    AMENDMENTS[_name] = (_calibration, one_at_a_time(_label, _variants[_variant], _grid))
_ARGS = sys.argv[1:]
AMENDMENT = "A8"
if "--amendment" in _ARGS:  # the value after it, or "" when it is the last argument
    AMENDMENT = (_ARGS[_ARGS.index("--amendment") + 1 :] or [""])[0]
if AMENDMENT not in AMENDMENTS:
    sys.exit(f"--amendment: {AMENDMENT!r} is not one of {', '.join(AMENDMENTS)}")
CALIBRATION, VARIANTS = AMENDMENTS[AMENDMENT]
FITTED = yaml.safe_load((CONFIG_DIR / "calibration" / f"{CALIBRATION}.yaml").read_text())
EXPERIMENTS = ["hindcast_2014_2024", "outofsample_2019_2024"]
GROUPS = ["all_nations", "nato_allies"]


def score(experiment: str, overrides: list[str], seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = compose([f"experiment={experiment}", f"seed={seed}", "figures=false", *overrides])
        return run(cfg, Path(tmp))["hindcast"]


def _fmt(value: float | None) -> str:
    """A score to three decimals; ``nan`` where it is undefined (null in the JSON)."""
    return "nan" if value is None else f"{value:.3f}"


def table(results: dict) -> str:
    lines = []
    for experiment in EXPERIMENTS:
        first = results[next(iter(VARIANTS))][experiment]["0"]
        extra = [g for g in ("nato_allies_nato_figures",) if g in first]
        for group in GROUPS + extra:
            lines += [
                f"\n**{experiment}, {group.replace('_', ' ')}** "
                f"({first[group]['n']} nations, seed 0; range over seeds 0-4)\n",
                "| predictor | Spearman levels | Spearman changes | MAE (points) |",
                "| --- | --- | --- | --- |",
            ]
            for variant in VARIANTS:
                runs = results[variant][experiment]
                head = runs["0"][group]["model"]
                cells = []
                for key in ("spearman_levels", "spearman_changes", "mae"):
                    values = [runs[str(s)][group]["model"][key] for s in SEEDS]
                    cells.append(f"{head[key]:.3f} ({min(values):.2f} to {max(values):.2f})")
                lines.append(f"| {variant} | " + " | ".join(cells) + " |")
            for name, value in first[group].items():
                if isinstance(value, dict) and name != "model":
                    cells = [_fmt(value[k]) for k in ("spearman_levels", "spearman_changes", "mae")]
                    lines.append(f"| baseline: {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def compact(results: dict) -> str:
    """One row per variant: seed 0's levels / changes / MAE for NATO and all, both windows."""
    cols = [(e, g) for e in EXPERIMENTS for g in ("nato_allies", "all_nations")]
    head = " | ".join(f"{e.split('_')[1]} -> {e.split('_')[2]}, {g.split('_')[0]}" for e, g in cols)
    lines = [
        "\n**Compact: seed 0, levels / changes / MAE**\n",
        f"| variant | {head} |",
        "| --- |" + " --- |" * len(cols),
    ]
    for variant in VARIANTS:
        cells = []
        for e, g in cols:
            m = results[variant][e]["0"][g]["model"]
            cells.append(
                " / ".join(_fmt(m[k]) for k in ("spearman_levels", "spearman_changes", "mae"))
            )
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    results: dict = {}
    for variant, per_experiment in VARIANTS.items():
        results[variant] = {}
        for experiment, overrides in zip(EXPERIMENTS, per_experiment, strict=True):
            results[variant][experiment] = {
                str(seed): score(experiment, overrides, seed) for seed in SEEDS
            }
            print(variant, experiment, "done", file=sys.stderr)
    results["calibration"] = FITTED
    stem = f"variants_{AMENDMENT.lower()}"
    (HERE / f"{stem}.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    compacted = AMENDMENT in (
        "A19",
        "A21",
        "A23",
        "A25",
        "A27",
        "A30",
        "A36",
        "A37",
        "A39",
        "A39r",
        "A42",
        "A44",
        "A46",
        "A48",
        "A50",
        "A52",
        "A56",
    )
    text = table(results) + (compact(results) if compacted else "")
    (HERE / f"{stem}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
