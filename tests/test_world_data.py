"""The shipped world snapshots against their sources (sim/worlds/raw, sim/worlds/data/SOURCES.md).

The builder reproduces the shipped tables byte for byte; every share is SIPRI's, every 2014 and
2019 GDP the World Bank's (or listed with its reason); each snapshot has at least 140 states,
land borders and a border distance for every pair; the observed series answer for any year.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.worlds import DATA_DIR, SNAPSHOT_YEARS, observed, sources
from sim.worlds.build import SNAPSHOTS, build, main
from sim.worlds.sources import RAW_DIR

ROOT = Path(__file__).resolve().parents[1]
NATION_HEADER = (
    "iso3 name lat lon gdp_usd milex_usd gdp_growth regime major_power share_pct gdp_source "
    "milex_source growth_source regime_source capital_source"
).split()
#: rows whose figures are not (all) SIPRI's or the World Bank's, with the reason
LISTED = {
    "TWN": "no World Bank GDP (labelled estimate in raw/supplementary_estimates.csv)",
    "PRK": "no SIPRI share and no World Bank GDP (labelled estimate)",
}
# SIPRI fact sheet, April 2025: 2024 spending, current US$ (the README's reference figures)
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
NATO_2014 = set(
    """ALB BEL BGR CAN HRV CZE DNK EST FRA DEU GRC HUN ITA LVA LTU LUX NLD NOR POL PRT ROU SVK
    SVN ESP TUR GBR USA""".split()
)  # Iceland (no armed forces, no SIPRI share) is not a nation of the snapshots
NATO = {2014: NATO_2014, 2019: NATO_2014 | {"MNE"}, 2024: NATO_2014 | {"MNE", "MKD", "FIN", "SWE"}}


def nations(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / f"{name}_nations.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("worlds")
    build(out)
    return out


def test_the_builder_reproduces_the_shipped_tables_byte_for_byte(rebuilt):
    files = sorted(p.name for p in rebuilt.iterdir())
    assert len(files) == 4 * len(SNAPSHOTS)
    for name in files:
        shipped = (DATA_DIR / name).read_bytes()
        assert (rebuilt / name).read_bytes() == shipped, f"{name} differs from the builder's"


def test_the_package_never_reads_shared():
    for path in (ROOT / "sim").rglob("*.py"):
        text = path.read_text()
        assert "shared/data" not in text and "../shared" not in text, path


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_snapshot_header_size_and_codes(name):
    table = nations(name)
    assert list(table.columns) == NATION_HEADER
    assert len(table) >= 140
    assert table["iso3"].is_unique
    assert set(table.loc[table["major_power"] == 1, "iso3"]) == {"USA", "CHN", "RUS"}
    for column in ("gdp_source", "milex_source", "growth_source", "regime_source"):
        assert (table[column].str.len() > 0).all(), column


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_every_share_is_sipris_and_spending_is_share_times_gdp(name):
    year = SNAPSHOTS[name]
    table = nations(name).set_index("iso3")
    share = 100 * table["milex_usd"] / table["gdp_usd"]
    for iso3, value in share.items():
        if iso3 == "PRK":
            continue  # LISTED: no SIPRI share
        assert value == pytest.approx(observed.share(iso3, year), abs=0.05), iso3
    assert (share - table["share_pct"]).abs().max() < 1e-3


@pytest.mark.parametrize("name", ["y2014", "y2019"])
def test_gdp_is_the_world_banks_or_listed(name):
    year = SNAPSHOTS[name]
    wb = sources.world_bank_gdp()[year]
    table = nations(name).set_index("iso3")
    for iso3, gdp in table["gdp_usd"].items():
        if iso3 in LISTED:
            assert iso3 not in wb.dropna().index, f"{iso3} is listed but has a WB figure"
            continue
        assert gdp == pytest.approx(wb[iso3], rel=0.005), iso3


def test_2024_gdp_is_the_documented_estimate_and_meets_sipris_fact_sheet():
    """2024 is listed as a whole: gdp_2023 x (gdp_2023 / gdp_2018) ** (1/5) (SOURCES.md)."""
    wb = sources.world_bank_gdp()
    table = nations("today").set_index("iso3")
    for iso3, gdp in table["gdp_usd"].items():
        if iso3 in LISTED:
            continue
        expected = wb.at[iso3, 2023] * (wb.at[iso3, 2023] / wb.at[iso3, 2018]) ** 0.2
        assert gdp == pytest.approx(expected, rel=1e-9), iso3
        assert table.at[iso3, "gdp_source"].startswith("estimate:")
    for iso3, usd in SIPRI_2024_FACT_SHEET.items():
        assert table.at[iso3, "milex_usd"] == pytest.approx(usd, rel=0.06), iso3


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_listed_rows_say_why(name):
    table = nations(name).set_index("iso3")
    for iso3 in LISTED:
        assert table.at[iso3, "gdp_source"].startswith("supplementary estimate"), iso3


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_every_pair_has_a_distance_and_land_borders_touch(name):
    codes = sorted(nations(name)["iso3"])
    borders = pd.read_csv(DATA_DIR / f"{name}_borders.csv", keep_default_na=False)
    n = len(codes)
    assert len(borders) == n * (n - 1) // 2
    assert (borders["iso3_a"] < borders["iso3_b"]).all()
    distance = borders["distance_km"].to_numpy(float)
    assert np.isfinite(distance).all() and (distance >= 0).all()
    land = borders[borders["contiguous"] == 1]
    assert len(land) > 200
    # COW codes causeways, bridges and Cyprus-Turkey as land; CShapes measures the mainland
    assert land["distance_km"].max() < 100, land.sort_values("distance_km").tail(3)
    pairs = set(zip(land["iso3_a"], land["iso3_b"], strict=True))
    assert {("POL", "RUS"), ("FIN", "RUS"), ("RUS", "UKR"), ("CAN", "USA")} <= pairs
    assert ("MMR", "PAK") not in pairs  # COW v3.2's stale East Pakistan border (SOURCES.md)


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_nato_membership_follows_the_accession_years(name):
    year = SNAPSHOTS[name]
    treaties = pd.read_csv(DATA_DIR / f"{name}_treaties.csv", keep_default_na=False)
    assert set(treaties.loc[treaties["treaty"] == "NATO", "iso3"]) == NATO[year]
    assert (treaties["source"].str.len() > 0).all()


def test_sipri_shares_agree_with_natos_table_within_half_a_point():
    """SIPRI's and NATO's definitions differ (README): never by more than 0.5 points here."""
    reference = observed.nato_shares()
    for year in (2014, 2024):
        for iso3 in reference["iso3"]:
            gap = observed.share(iso3, year) - observed.nato_share(iso3, year)
            assert abs(gap) < 0.5, (iso3, year, gap)


def test_observed_series_cover_every_year_and_name_what_is_missing():
    assert observed.share("UKR", 2014) == pytest.approx(3.0, abs=0.1)
    assert observed.share("OMN", 2014) == pytest.approx(
        observed.shares(2014, 2014).set_index("iso3").at["OMN", "share_pct"]
    )
    frame = observed.shares(1990, 2024)
    assert frame["year"].min() == 1990 and frame["year"].max() == 2024
    assert frame.groupby("year")["iso3"].count().min() > 100
    with pytest.raises(KeyError, match="ISL in 2024"):
        observed.share("ISL", 2024)
    assert observed.nato_share("POL", 2024) == pytest.approx(4.12)


def test_wars_of_the_snapshot_years_come_from_ucdp():
    wars = observed.conflicts(2022, 2024)
    assert set(zip(wars["iso3_a"], wars["iso3_b"], wars["year"], strict=True)) >= {
        ("RUS", "UKR", 2022),
        ("RUS", "UKR", 2023),
        ("RUS", "UKR", 2024),
    }
    houthis = observed.conflicts(2024, 2024, min_intensity=1)
    assert ("USA", "YEM") in set(zip(houthis["iso3_a"], houthis["iso3_b"], strict=True))
    assert observed.conflicts(2014, 2014).empty  # no interstate war in 2014 (Donbas: internal)


def test_snapshot_years_agree():
    assert SNAPSHOT_YEARS == SNAPSHOTS


# ----------------------------------------------------------------------------- bad source rows


def broken_raw(tmp_path: Path, file: str, old: str, new: str) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    path = raw / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return raw


@pytest.mark.parametrize(
    ("file", "old", "new", "needle"),
    [
        (
            "sipri_milex_share_of_gdp_1990_2024.csv",
            "Afghanistan,AFG,",
            "Afghanistan,AFX1,",
            "row 2, column iso3: 'AFX1' is not an ISO3 code",
        ),
        (
            "worldbank_gdp_current_usd_2008_2023.csv",
            "Afghanistan,AFG,2008,",
            "Afghanistan,AFG,,",
            "row 2, column year: is empty (missing year or value)",
        ),
        (
            "ucdp_interstate_conflicts_1990_2024.csv",
            ",200.0,678.0,",
            ",200.0,679.0,",
            "column iso3_b: gwno '679.0' has no ISO3 code",
        ),
    ],
)
def test_the_builder_stops_on_a_row_it_cannot_map(tmp_path, capsys, file, old, new, needle):
    raw = broken_raw(tmp_path, file, old, new)
    out = tmp_path / "out"
    assert main(["--raw", str(raw), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(raw / file) in err[0] and needle in err[0], err
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_the_builder_runs_as_a_module(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sim.worlds.build", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "y2019_nations.csv").read_bytes() == (
        DATA_DIR / "y2019_nations.csv"
    ).read_bytes()
