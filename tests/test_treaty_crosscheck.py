"""Treaty memberships of each snapshot against ATOP v5's defence pacts (1990-2018).

Every difference is printed with its reason (``pytest -s`` shows them); a difference without a
reason fails. Both directions are checked: a pair the snapshot's treaties tie that ATOP does not,
and an ATOP defence pact, in force in the snapshot year (2018 for 2019 and 2024: ATOP ends in
2018), that ties a member of a modelled treaty to another nation of the world.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from sim.worlds import DATA_DIR
from sim.worlds.build import SNAPSHOTS
from sim.worlds.sources import RAW_DIR

ATOP_LAST = 2018
EU = set(
    """AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU
    SVK SVN ESP SWE GBR""".split()
)  # EU members 2014-2019 (the United Kingdom left on 31 January 2020)
CSTO_AND_UNION = {"RUS", "ARM", "BLR", "KAZ", "KGZ", "TJK"}
#: ATOP pacts the project does not model, each with its reason (data/SOURCES.md, "Treaties")
NOT_MODELLED = {
    ("BIH", "HRV"): "Bosnia-Croatia defence agreement (1992) coded by ATOP; not modelled",
    ("CAF", "FRA"): "French defence agreement with the Central African Republic; not modelled",
    ("FRA", "GAB"): "French defence agreement with Gabon; not modelled",
    ("FRA", "SEN"): "French defence agreement with Senegal; not modelled",
    ("CUB", "PRK"): "Cuba-North Korea treaty (1986) coded by ATOP; not modelled",
    ("PAK", "USA"): "US-Pakistan Agreement of Cooperation (1959) coded by ATOP; not modelled",
}


def atop_pairs(year: int) -> set[tuple[str, str]]:
    atop = pd.read_csv(RAW_DIR / "atop5_defense_dyad_years_2014_2018.csv")
    atop = atop[(atop["year"] == min(year, ATOP_LAST)) & (atop["atop_defense"] == 1)]
    return {tuple(sorted(p)) for p in zip(atop["iso3_a"], atop["iso3_b"], strict=True)}


def treaty_pairs(name: str) -> tuple[dict[tuple[str, str], str], pd.DataFrame]:
    treaties = pd.read_csv(DATA_DIR / f"{name}_treaties.csv", keep_default_na=False)
    pairs: dict[tuple[str, str], str] = {}
    for treaty, group in treaties.groupby("treaty", sort=True):
        for pair in itertools.combinations(sorted(group["iso3"]), 2):
            pairs.setdefault(pair, str(treaty))
    return pairs, treaties


def reason_ours_not_atop(pair, treaty, treaties, year) -> str | None:
    joined = treaties[treaties["treaty"] == treaty].set_index("iso3")["joined"].astype(int)
    late = [c for c in pair if joined[c] > ATOP_LAST]
    if late:
        when = ", ".join(f"{c} joined {joined[c]}" for c in late)
        return f"{treaty}: {when}, after ATOP's last year"
    return None


def reason_atop_not_ours(pair, capitals) -> str | None:
    a, b = pair
    if a in EU and b in EU:
        return "EU mutual-assistance clause (Art. 42(7) TEU), omitted on purpose"
    if "USA" in pair and capitals[b if a == "USA" else a] < -30:
        return "Rio Treaty (1947), omitted on purpose"
    if "AZE" in pair and (set(pair) - {"AZE"}) <= CSTO_AND_UNION:
        return "ATOP keeps Azerbaijan in the 1992 Tashkent treaty; it left in 1999 (not CSTO)"
    return NOT_MODELLED.get(pair)


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_treaties_agree_with_atop_or_say_why(name):
    year = SNAPSHOTS[name]
    atop = atop_pairs(year)
    ours, treaties = treaty_pairs(name)
    world = set(pd.read_csv(DATA_DIR / f"{name}_nations.csv")["iso3"])
    capitals = pd.read_csv(RAW_DIR / "capitals_geonames.csv").set_index("iso3")["lon"]
    unexplained = []
    print(f"\n{name} ({year}; ATOP {min(year, ATOP_LAST)}): {len(ours)} treaty pairs")
    for pair, treaty in sorted(ours.items()):
        if pair in atop:
            continue
        why = reason_ours_not_atop(pair, treaty, treaties, year)
        print(f"  ours, not ATOP: {pair[0]}-{pair[1]} ({treaty}): {why}")
        if why is None:
            unexplained.append(pair)
    members = set(treaties["iso3"])
    for pair in sorted(atop - set(ours)):
        if not (set(pair) <= world and set(pair) & members):
            continue
        why = reason_atop_not_ours(pair, capitals)
        print(f"  ATOP, not ours: {pair[0]}-{pair[1]}: {why}")
        if why is None:
            unexplained.append(pair)
    assert not unexplained, f"differences without a reason: {unexplained}"


def test_every_pair_of_a_founding_treaty_is_in_atop():
    """The cross-check can fail: ATOP holds NATO, the CSTO and the US treaties of 2014."""
    atop = atop_pairs(2014)
    ours, _ = treaty_pairs("y2014")
    assert {("POL", "USA"), ("JPN", "USA"), ("KAZ", "RUS"), ("CHN", "PRK")} <= atop
    assert set(ours) <= atop
