"""The observed series shipped with the package, for hindcasts from any start to any end year.

- :func:`shares`, :func:`share`: every nation's military expenditure as a share of GDP (percent),
  1990-2024, SIPRI Military Expenditure Database, 2025 release (``raw/sipri_...csv``).
- :func:`nato_shares`, :func:`nato_share`: NATO's own defence expenditure shares (percent, 2015
  prices) of 2014 and 2024, *Defence Expenditure of NATO Countries (2014-2024)*, June 2024
  edition (``data/nato_reference_2014_2024.csv``; NATO's definition differs from SIPRI's by up
  to about half a point for some allies).
- :func:`conflicts`: UCDP/PRIO interstate armed conflicts by year, 1990-2024 (``intensity_level``
  2 = war, 1,000+ battle deaths a year), e.g. ``conflicts(2022, 2024)`` holds Russia-Ukraine.

Sources, editions and licences: ``raw/README.md`` and ``data/SOURCES.md``.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from sim.worlds import sources
from sim.worlds.sources import RAW_DIR

NATO_REFERENCE = RAW_DIR.parent / "data" / "nato_reference_2014_2024.csv"
NATO_YEARS = (2014, 2024)
#: the files the observed series are read from: SIPRI's shares and NATO's table (a hindcast
#: reads both)
SERIES_FILES = (RAW_DIR / sources.SIPRI_FILE, NATO_REFERENCE)


def shares(start: int = 1990, end: int = 2024) -> pd.DataFrame:
    """SIPRI shares of GDP, percent: ``iso3, name, year, share_pct``, ``start <= year <= end``."""
    frame = sources.sipri_shares()
    return frame[(frame["year"] >= start) & (frame["year"] <= end)].reset_index(drop=True)


def share(iso3: str, year: int) -> float:
    """SIPRI's military expenditure of ``iso3`` in ``year``, percent of GDP.

    Raises
    ------
    KeyError
        naming the nation and year when SIPRI has no figure for them.
    """
    table = _share_table()
    try:
        return float(table.at[(iso3, int(year)), "share_pct"])
    except KeyError:
        raise KeyError(f"SIPRI has no share of GDP for {iso3} in {year}") from None


@cache
def _share_table() -> pd.DataFrame:
    return sources.sipri_shares().set_index(["iso3", "year"])


@cache
def nato_shares() -> pd.DataFrame:
    """NATO's table (June 2024 edition): ``ally, iso3, share_2014, share_2024`` (percent)."""
    return pd.read_csv(NATO_REFERENCE)


def nato_share(iso3: str, year: int) -> float:
    """NATO's own defence share of GDP of an ally in 2014 or 2024 (percent)."""
    if year not in NATO_YEARS:
        raise KeyError(f"NATO's table (June 2024 edition) holds 2014 and 2024, not {year}")
    row = nato_shares().set_index("iso3")
    if iso3 not in row.index:
        raise KeyError(f"{iso3} is not in NATO's table (Iceland has no armed forces)")
    return float(row.at[iso3, f"share_{year}"])


def conflicts(start: int, end: int, min_intensity: int = 2) -> pd.DataFrame:
    """UCDP interstate conflict-years with ``start <= year <= end`` and at least
    ``min_intensity`` (1 = 25+ battle deaths, 2 = war): ``conflict_id, year, iso3_a, iso3_b,
    intensity_level, incompatibility, start_date``."""
    frame = sources.ucdp_conflicts()
    keep = (frame["year"] >= start) & (frame["year"] <= end)
    keep &= frame["intensity_level"] >= min_intensity
    return frame[keep].reset_index(drop=True)
