"""Checks on the shipped world datasets (sim/worlds/data).

These tests read the CSV files with pandas only, so they do not depend on the
`sim` package. See sim/worlds/data/SOURCES.md for sources and tolerances.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parents[1] / "sim/worlds/data"
NATO_REF = DATA / "nato_reference_2014_2024.csv"  # NATO's table, shipped in the package

WORLDS = {"today": 2024, "y2014": 2014}

NATION_COLUMNS = (
    "iso3 name lat lon gdp_usd milex_usd gdp_growth regime major_power gdp_source milex_source"
).split()
TREATY_COLUMNS = "treaty iso3 target_share review_period".split()
NUMERIC = ["lat", "lon", "gdp_usd", "milex_usd", "gdp_growth", "regime", "major_power"]

# SIPRI fact sheet, April 2025 (2024 figures, current US$).
SIPRI_2024_FACT_SHEET = {
    "USA": 997e9,
    "CHN": 314e9,
    "RUS": 149e9,
    "DEU": 88.5e9,
    "IND": 86.1e9,
    "GBR": 81.8e9,
    "SAU": 80.3e9,
    "UKR": 64.7e9,
    "FRA": 64.7e9,
    "JPN": 55.3e9,
}

NATO_2024 = set(
    """ALB BEL BGR CAN HRV CZE DNK EST FIN FRA DEU GRC HUN ISL ITA LVA LTU LUX MNE NLD MKD NOR
    POL PRT ROU SVK SVN ESP SWE TUR GBR USA""".split()
)
NATO_2014 = NATO_2024 - {"MNE", "MKD", "FIN", "SWE"}

# Largest allowed |milex/gdp - NATO share| in percentage points (SOURCES.md).
SHARE_TOLERANCE_PP = 0.5
# Documented exceptions (SOURCES.md, "Comparison with NATO"): (iso3, year) -> tolerance.
SHARE_EXCEPTIONS_PP = {
    ("TUR", 2014): 0.6,  # SIPRI's Türkiye series is broader than NATO's definition
}


def nations(world):
    return pd.read_csv(DATA / f"{world}_nations.csv", keep_default_na=False)


def treaties(world):
    return pd.read_csv(DATA / f"{world}_treaties.csv", keep_default_na=False)


@pytest.fixture(params=sorted(WORLDS))
def world(request):
    return request.param


def test_nation_header_exact(world):
    with open(DATA / f"{world}_nations.csv", encoding="utf-8") as f:
        header = f.readline().strip()
    assert header.split(",") == NATION_COLUMNS


def test_treaty_header_exact(world):
    with open(DATA / f"{world}_treaties.csv", encoding="utf-8") as f:
        header = f.readline().strip()
    assert header.split(",") == TREATY_COLUMNS


def test_row_count_and_unique_iso3(world):
    df = nations(world)
    assert len(df) >= 60
    assert df["iso3"].is_unique
    assert df["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert (df["name"].str.len() > 0).all()


def test_numeric_columns_finite(world):
    df = nations(world)
    for col in NUMERIC:
        values = pd.to_numeric(df[col], errors="coerce")
        assert values.notna().all(), f"{col} has non-numeric entries"
        assert np.isfinite(values.to_numpy(dtype=float)).all(), f"{col} not finite"


def test_value_ranges(world):
    df = nations(world)
    assert df["lat"].between(-90, 90).all()
    assert df["lon"].between(-180, 180).all()
    assert (df["gdp_usd"] > 0).all()
    assert (df["milex_usd"] >= 0).all()
    assert df["regime"].between(-1, 1).all()
    assert df["major_power"].isin([0, 1]).all()
    # real growth as a fraction, not a percentage
    assert df["gdp_growth"].between(-0.5, 0.5).all()


def test_sources_present(world):
    df = nations(world)
    for col in ("gdp_source", "milex_source"):
        assert (df[col].str.strip().str.len() > 0).all(), f"empty {col}"


def test_major_powers(world):
    df = nations(world)
    assert set(df.loc[df["major_power"] == 1, "iso3"]) == {"USA", "CHN", "RUS"}


def test_treaty_members_exist(world):
    n = set(nations(world)["iso3"])
    t = treaties(world)
    missing = set(t["iso3"]) - n
    assert not missing, f"treaty members missing from nations file: {missing}"
    assert not t.duplicated(["treaty", "iso3"]).any()
    assert not t["treaty"].str.contains(",").any()


def test_treaty_fields(world):
    t = treaties(world)
    share = pd.to_numeric(t["target_share"].replace("", np.nan), errors="coerce")
    given = t["target_share"] != ""
    assert share[given].notna().all()
    assert share[given].between(0, 1).all()
    period = pd.to_numeric(t["review_period"], errors="coerce")
    assert period.notna().all() and (period >= 1).all()
    # one review period and one target per treaty (a member may have none: Iceland in NATO)
    assert (t.groupby("treaty")["review_period"].nunique() == 1).all()
    assert (t[given].groupby("treaty")["target_share"].nunique() == 1).all()


def test_nato_membership():
    for world, members in (("today", NATO_2024), ("y2014", NATO_2014)):
        t = treaties(world)
        nato = t[t["treaty"] == "NATO"]
        assert set(nato["iso3"]) == members
        assert len(nato) == (32 if world == "today" else 28)
        # NATO's 2% guideline for every ally but Iceland, which has no armed forces
        others = nato[nato["iso3"] != "ISL"]
        assert (pd.to_numeric(others["target_share"]) == 0.02).all()
        assert (nato.loc[nato["iso3"] == "ISL", "target_share"] == "").all()
        assert (nato["review_period"] == 1).all()


def test_treaties_by_year():
    today = set(treaties("today")["treaty"])
    y2014 = set(treaties("y2014")["treaty"])
    expected_both = set("NATO CSTO US-JPN US-KOR US-PHL ANZUS CHN-PRK RUS-BLR US-THA".split())
    assert expected_both <= today
    assert expected_both <= y2014
    assert "RUS-PRK" in today
    assert "RUS-PRK" not in y2014
    csto = treaties("today")
    assert set(csto.loc[csto["treaty"] == "CSTO", "iso3"]) == set("RUS BLR ARM KAZ KGZ TJK".split())
    anzus = csto.loc[csto["treaty"] == "ANZUS", "iso3"]
    assert set(anzus) == {"USA", "AUS"}  # New Zealand suspended since 1986


def test_same_iso3_both_years():
    assert set(nations("today")["iso3"]) == set(nations("y2014")["iso3"])


def test_required_coverage():
    required = NATO_2024 | set(
        """AUT IRL CHE UKR GEO MDA SRB BLR BIH CYP MLT ARM AZE RUS CHN IND PAK JPN KOR PRK TWN
        AUS NZL PHL IDN VNM THA SGP MYS SAU IRN ISR ARE EGY IRQ QAT KWT OMN JOR KAZ KGZ TJK
        BRA MEX COL ARG CHL DZA NGA ZAF MAR""".split()
    )
    for world in WORLDS:
        missing = required - set(nations(world)["iso3"])
        assert not missing, f"{world}: missing {missing}"


def test_sipri_2024_fact_sheet():
    df = nations("today").set_index("iso3")
    for iso, value in SIPRI_2024_FACT_SHEET.items():
        got = df.loc[iso, "milex_usd"]
        assert abs(got / value - 1) <= 0.01, f"{iso}: {got:.4g} vs {value:.4g}"


def test_nato_share_gap(world):
    year = WORLDS[world]
    ref = pd.read_csv(NATO_REF).set_index("iso3")
    df = nations(world).set_index("iso3")
    bad = []
    for iso, row in ref.iterrows():
        assert iso in df.index, f"{iso} missing from {world}"
        share = 100 * df.loc[iso, "milex_usd"] / df.loc[iso, "gdp_usd"]
        gap = abs(share - row[f"share_{year}"])
        tol = SHARE_EXCEPTIONS_PP.get((iso, year), SHARE_TOLERANCE_PP)
        if gap > tol:
            bad.append(f"{iso}: {share:.2f} vs NATO {row[f'share_{year}']:.2f}")
    assert not bad, f"{world}: share gaps above tolerance: {bad}"
