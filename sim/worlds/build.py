"""Build the shipped world snapshots from the raw source subsets: ``python -m sim.worlds.build``.

Reads ``sim/worlds/raw/`` (the subsets of the published datasets the project needs, with their
citation in ``raw/README.md``) and writes, for each snapshot (``y2014``, ``y2019``, ``today`` =
2024), ``<name>_nations.csv``, ``<name>_treaties.csv``, ``<name>_borders.csv`` and
``<name>_rivalries.csv`` into ``sim/worlds/data/`` (or ``--out DIR``). Deterministic: a rerun
writes the same bytes (``tests/test_world_data.py`` checks it).

The rules, each stated once here and in ``data/SOURCES.md``:

- **Nations**: every state with a SIPRI share for the year and a World Bank GDP (2024: the
  estimate below), plus the supplementary rows of ``raw/supplementary_estimates.csv`` (Taiwan,
  North Korea), each with its reason.
- **Spending**: ``milex_usd = share_pct / 100 * gdp_usd`` (SIPRI's share of GDP times the World
  Bank's GDP).
- **GDP 2024**: the World Bank table ends in 2023, so
  ``gdp_2024 = gdp_2023 * (gdp_2023 / gdp_2018) ** (1 / 5)``: the 2023 figure grown by the
  state's mean nominal US$ growth of 2018-2023 (checked against SIPRI's ten 2024 fact-sheet US$
  figures within 6 %).
- **Trend growth**: ``gdp_growth = (gdp_T / gdp_{T-5}) ** (1 / 5) - 1`` with ``T`` the snapshot
  year (2023 for 2024), nominal US$, clipped to [-0.03, 0.08].
- **Regime**: V-Dem's Liberal Democracy Index rescaled, ``regime = 2 * v2x_libdem - 1``.
- **Borders**: land contiguity = COW ``conttype`` 1 in force in the year (COW ends in 2016: the
  2016 borders stand for 2019 and 2024); ``distance_km`` = CShapes 2.0 minimum border distance
  of 2014 (2014) or 2019 (2019 and 2024: CShapes ends in 2019).
- **Treaties**: memberships of ``raw/treaty_memberships.csv`` in force at the end of the year
  (``joined <= year`` and not ``left <= year``), among the nations of the snapshot.
- **Rivalries**: Thompson & Dreyer rivalries ongoing at their last year (2010) at 0.6, raised to
  0.8 for a UCDP interstate conflict of the pair in the ten years before the snapshot and to
  1.0 for a UCDP war (intensity 2) in the year before; plus ``raw/rivalry_additions.csv``
  (from its ``from_year``) at its own level, raised by the same UCDP rule.

Bad input stops the build with one line naming the file, row and column, and nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.worlds import sources as src
from sim.worlds.sources import RAW_DIR, SourceError
from sim.worlds.tables import NATION_COLUMNS, OPTIONAL_NATION_COLUMNS

DATA_DIR = Path(__file__).resolve().parent / "data"
SNAPSHOTS = {"y2014": 2014, "y2019": 2019, "today": 2024}
MAJOR_POWERS = ("USA", "CHN", "RUS")
SOURCE_COLUMNS = ("gdp_source", "milex_source", "growth_source", "regime_source", "capital_source")
GROWTH_YEARS = 5
GROWTH_CLIP = (-0.03, 0.08)
COW_LAST = "2016-12-01"
CSHAPES_YEARS = (2014, 2019)
RIVALRY_BASE, RIVALRY_CONFLICT, RIVALRY_WAR = 0.6, 0.8, 1.0
#: COW rows known to be wrong, set to "no contiguity" (0) with the reason
COW_CORRECTIONS = {
    ("MMR", "PAK"): "COW v3.2 carries the Pakistan-Burma land border of East Pakistan "
    "(1948-1971) on to 2016; it ended with Bangladesh's independence in 1971",
}


def gdp_of(year: int, wb: pd.DataFrame) -> tuple[pd.Series, str]:
    """GDP in current US$ for ``year`` and the source text naming how it was obtained.

    ``gdp_y`` from the World Bank where the table has the year; beyond its last year ``L``,
    ``gdp_y = gdp_L * (gdp_L / gdp_{L-5}) ** ((y - L) / 5)``.
    """
    last = int(max(wb.columns))
    if year <= last:
        return wb[year].dropna(), f"{src.WORLD_BANK}, {year}"
    growth = (wb[last] / wb[last - GROWTH_YEARS]) ** (1.0 / GROWTH_YEARS)
    gdp = (wb[last] * growth ** (year - last)).dropna()
    how = f"estimate: {src.WORLD_BANK} {last} x mean nominal growth {last - GROWTH_YEARS}-{last}"
    return gdp, how


def trend_growth(year: int, wb: pd.DataFrame) -> pd.Series:
    """``(gdp_T / gdp_{T-5}) ** (1/5) - 1``, T = min(year, last WB year), clipped (see module)."""
    end = min(year, int(max(wb.columns)))
    g = (wb[end] / wb[end - GROWTH_YEARS]) ** (1.0 / GROWTH_YEARS) - 1.0
    return g.clip(*GROWTH_CLIP)


def nations(year: int, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """The nation table of a snapshot year (columns: see ``data/SOURCES.md``)."""
    shares = src.sipri_shares(raw_dir)
    shares = shares[shares["year"] == year].set_index("iso3")
    wb = src.world_bank_gdp(raw_dir)
    gdp, gdp_how = gdp_of(year, wb)
    growth = trend_growth(year, wb)
    end = min(year, int(max(wb.columns)))
    growth_how = (
        f"{src.WORLD_BANK}: mean nominal US$ growth {end - GROWTH_YEARS}-{end}, "
        f"clipped to [{GROWTH_CLIP[0]}, {GROWTH_CLIP[1]}]"
    )
    capitals = _capitals(raw_dir)
    regimes = _regimes(year, raw_dir)
    rows = []
    for iso3 in sorted(set(shares.index) & set(gdp.index)):
        g = float(growth.get(iso3, np.nan))
        rows.append(
            {
                "iso3": iso3,
                "name": shares.at[iso3, "name"],
                "gdp_usd": float(gdp[iso3]),
                "share_pct": float(shares.at[iso3, "share_pct"]),
                "gdp_growth": g if np.isfinite(g) else 0.02,
                "gdp_source": gdp_how,
                "milex_source": f"{src.SIPRI}, {year} share x gdp_usd",
                "growth_source": growth_how if np.isfinite(g) else "default 0.02 (no WB window)",
            }
        )
    frame = pd.DataFrame(rows)
    extra = _supplementary(year, shares, raw_dir)
    frame = pd.concat([frame, extra], ignore_index=True).sort_values("iso3", kind="stable")
    missing = sorted(set(frame["iso3"]) - set(capitals.index))
    if missing:
        raise SourceError(f"{raw_dir / 'capitals_geonames.csv'}: no capital for {missing}")
    frame["lat"] = frame["iso3"].map(capitals["lat"])
    frame["lon"] = frame["iso3"].map(capitals["lon"])
    frame["capital_source"] = frame["iso3"].map(
        lambda c: f"{src.GEONAMES} ({capitals.at[c, 'capital']}, {capitals.at[c, 'geonameid']})"
    )
    if "regime" not in frame:
        frame["regime"] = np.nan
        frame["regime_source"] = ""
    scored = frame["iso3"].isin(regimes.index).to_numpy()
    frame.loc[scored, "regime"] = frame.loc[scored, "iso3"].map(regimes)
    frame.loc[scored, "regime_source"] = f"{src.VDEM}, {year}, rescaled 2x-1"
    unscored = frame["regime"].isna().to_numpy()
    frame.loc[unscored, "regime"] = 0.0
    frame.loc[unscored, "regime_source"] = "no V-Dem score in the extract: 0 (neutral, estimate)"
    frame["milex_usd"] = frame["share_pct"] / 100.0 * frame["gdp_usd"]
    frame["major_power"] = frame["iso3"].isin(MAJOR_POWERS).astype(int)
    return frame[
        [*NATION_COLUMNS, *OPTIONAL_NATION_COLUMNS, "share_pct", *SOURCE_COLUMNS]
    ].reset_index(drop=True)


def _capitals(raw_dir: Path) -> pd.DataFrame:
    f = src.read_source(
        "capitals_geonames.csv", ("iso3", "capital", "geonameid", "lat", "lon"), raw_dir
    )
    out = pd.DataFrame(
        {
            "iso3": src.check_iso3(f, "iso3"),
            "capital": f["capital"],
            "geonameid": f["geonameid"],
            "lat": src.check_number(f, "lat"),
            "lon": src.check_number(f, "lon"),
        }
    )
    return out.set_index("iso3")


def _regimes(year: int, raw_dir: Path) -> pd.Series:
    f = src.read_source(
        "vdem_v2x_libdem_2014_2019_2024.csv", ("country_text_id", "year", "v2x_libdem"), raw_dir
    )
    f = f[src.check_number(f, "year", integer=True) == year]
    f = f[f["v2x_libdem"] != ""]  # V-Dem leaves some country-years uncoded
    score = 2.0 * src.check_number(f, "v2x_libdem") - 1.0
    return pd.Series(score.to_numpy(), index=src.check_iso3(f, "country_text_id").to_numpy())


def _supplementary(year: int, shares: pd.DataFrame, raw_dir: Path) -> pd.DataFrame:
    """Rows of ``supplementary_estimates.csv`` for ``year``: labelled estimates with a reason."""
    f = src.read_source(
        "supplementary_estimates.csv",
        ("iso3", "name", "year", "gdp_usd", "milex_usd", "gdp_growth", "regime", "source"),
        raw_dir,
    )
    f = f[src.check_number(f, "year", integer=True) == year]
    rows = []
    for line, r in f.iterrows():
        iso3 = src.check_iso3(f.loc[[line]], "iso3").iloc[0]
        gdp = float(src.check_number(f.loc[[line]], "gdp_usd").iloc[0])
        if iso3 in shares.index:
            share, milex_how = float(shares.at[iso3, "share_pct"]), f"{src.SIPRI}, {year} share"
        else:
            milex = float(src.check_number(f.loc[[line]], "milex_usd").iloc[0])
            share, milex_how = 100.0 * milex / gdp, r["source"]
        regime = float(r["regime"]) if r["regime"] != "" else np.nan
        rows.append(
            {
                "iso3": iso3,
                "name": r["name"],
                "gdp_usd": gdp,
                "share_pct": share,
                "gdp_growth": float(src.check_number(f.loc[[line]], "gdp_growth").iloc[0]),
                "regime": regime,
                "gdp_source": f"supplementary estimate: {r['source']}",
                "milex_source": milex_how,
                "growth_source": "supplementary estimate (see gdp_source)",
                "regime_source": "supplementary estimate (see gdp_source)",
            }
        )
    return pd.DataFrame(rows)


def borders(year: int, codes: list[str], raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Every pair (a < b) of ``codes``: ``iso3_a, iso3_b, contiguous, conttype, distance_km``.

    ``conttype`` is COW's closest contiguity type in force (1 land, 2-5 water up to 12/24/150/400
    miles, 0 none); ``contiguous`` is ``conttype == 1``; ``distance_km`` the CShapes minimum
    distance between the two borders (0 for a shared border).
    """
    cow = src.read_source(
        "cow_direct_contiguity_v3.2.csv",
        ("iso3_a", "iso3_b", "conttype", "stdate", "enddate"),
        raw_dir,
    )
    for column in ("iso3_a", "iso3_b"):
        src.check_iso3(cow, column)
    cow = cow.assign(conttype=src.check_number(cow, "conttype", integer=True))
    on = min(f"{year}-12-01", COW_LAST)  # the relations in force in December of the year
    cow = cow[(cow["stdate"] <= on) & (cow["enddate"] >= on) & (cow["conttype"] > 0)]
    contig: dict[tuple[str, str], int] = {}
    for a, b, t in zip(cow["iso3_a"], cow["iso3_b"], cow["conttype"], strict=True):
        key = (min(a, b), max(a, b))
        contig[key] = min(int(t), contig.get(key, 9))
    for key in COW_CORRECTIONS:
        contig.pop(key, None)
    shapes = src.read_source(
        "cshapes2_min_distance_km_2014_2019.csv",
        ("iso3_a", "iso3_b", "year", "min_distance_km"),
        raw_dir,
    )
    shape_year = max(y for y in CSHAPES_YEARS if y <= year)
    for column in ("iso3_a", "iso3_b"):
        src.check_iso3(shapes, column)
    shapes = shapes[src.check_number(shapes, "year", integer=True) == shape_year]
    dist = {
        (min(a, b), max(a, b)): d
        for a, b, d in zip(
            shapes["iso3_a"],
            shapes["iso3_b"],
            src.check_number(shapes, "min_distance_km"),
            strict=True,
        )
    }
    source = f"COW v3.2 {on[:4]}; CShapes 2.0 {shape_year}"
    rows = []
    codes = sorted(codes)
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            t = contig.get((a, b), 0)
            rows.append((a, b, int(t == 1), t, dist.get((a, b), np.nan), source))
    out = pd.DataFrame(
        rows, columns=["iso3_a", "iso3_b", "contiguous", "conttype", "distance_km", "source"]
    )
    return out


def treaties(year: int, codes: set[str], raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Memberships in force at the end of ``year`` among ``codes`` (see the module rules)."""
    f = src.read_source(
        "treaty_memberships.csv",
        ("treaty", "iso3", "joined", "left", "target_share", "review_period", "source"),
        raw_dir,
    )
    src.check_iso3(f, "iso3")
    joined = src.check_number(f, "joined", integer=True)
    left = pd.to_numeric(f["left"], errors="coerce")
    live = (joined <= year) & ~(left <= year) & f["iso3"].isin(codes)
    out = f.loc[live, ["treaty", "iso3", "target_share", "review_period", "source"]]
    out.insert(4, "joined", joined[live])
    return out.reset_index(drop=True)


def rivalries(
    year: int, codes: set[str], treaty_names: set[str], raw_dir: Path = RAW_DIR
) -> pd.DataFrame:
    """Baseline rivalries of ``year`` among ``codes`` (``iso3_b`` may name one of
    ``treaty_names``, for its members); see the module rules. Columns ``iso3_a, iso3_b, level,
    source``."""
    td = src.read_source(
        "thompson_dreyer_rivalries_2012.csv",
        ("rivalryname", "iso3_a", "iso3_b", "styear", "endyear"),
        raw_dir,
    )
    end = src.check_number(td, "endyear", integer=True)
    ongoing = td[end == end.max()]
    for column in ("iso3_a", "iso3_b"):
        src.check_iso3(ongoing, column)
    rows = [
        (a, b, RIVALRY_BASE, f"{src.THOMPSON}: {name}")
        for a, b, name in zip(
            ongoing["iso3_a"], ongoing["iso3_b"], ongoing["rivalryname"], strict=True
        )
    ]
    add = src.read_source(
        "rivalry_additions.csv", ("iso3_a", "iso3_b", "from_year", "level", "source"), raw_dir
    )
    src.check_iso3(add, "iso3_a")
    since = src.check_number(add, "from_year", integer=True)
    level = src.check_number(add, "level")
    for line in add.index[since <= year]:
        rows.append(
            (add.at[line, "iso3_a"], add.at[line, "iso3_b"], level[line], add.at[line, "source"])
        )
    wars = src.ucdp_conflicts(raw_dir)
    out = []
    for a, b, lvl, why in rows:
        if a not in codes or not (b in codes or b in treaty_names):
            continue
        pair = wars[
            ((wars["iso3_a"] == a) & (wars["iso3_b"] == b))
            | ((wars["iso3_a"] == b) & (wars["iso3_b"] == a))
        ]
        recent = pair[(pair["year"] >= year - 10) & (pair["year"] <= year - 1)]
        if (recent["year"] == year - 1).any() and (recent["intensity_level"] == 2).any():
            lvl, why = max(lvl, RIVALRY_WAR), f"{why}; UCDP war in {year - 1}"
        elif len(recent):
            first, last = recent["year"].min(), recent["year"].max()
            years = f"{first}" if first == last else f"{first}-{last}"
            lvl, why = max(lvl, RIVALRY_CONFLICT), f"{why}; UCDP conflict {years}"
        out.append((a, b, float(lvl), why))
    return pd.DataFrame(out, columns=["iso3_a", "iso3_b", "level", "source"])


def build(out_dir: Path = DATA_DIR, raw_dir: Path = RAW_DIR) -> list[Path]:
    """Build every snapshot into ``out_dir``; all tables are made before the first is written."""
    tables: dict[str, pd.DataFrame] = {}
    for name, year in SNAPSHOTS.items():
        nat = nations(year, raw_dir)
        codes = list(nat["iso3"])
        tables[f"{name}_nations.csv"] = _format_nations(nat)
        treaty = treaties(year, set(codes), raw_dir)
        tables[f"{name}_treaties.csv"] = treaty
        bord = borders(year, codes, raw_dir)
        gap = bord["distance_km"].isna()
        if gap.any():
            a, b = bord.loc[gap, ["iso3_a", "iso3_b"]].iloc[0]
            raise SourceError(
                f"{raw_dir / 'cshapes2_min_distance_km_2014_2019.csv'}: no distance for "
                f"{a}-{b} in {max(y for y in CSHAPES_YEARS if y <= year)} ({int(gap.sum())} "
                "pairs missing)"
            )
        bord["distance_km"] = bord["distance_km"].round(1)
        tables[f"{name}_borders.csv"] = bord
        tables[f"{name}_rivalries.csv"] = rivalries(
            year, set(codes), set(treaty["treaty"]), raw_dir
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file, table in tables.items():
        path = out_dir / file
        tmp = path.with_suffix(".csv.tmp")
        table.to_csv(tmp, index=False, lineterminator="\n")
        tmp.replace(path)
        written.append(path)
    return written


def _format_nations(nat: pd.DataFrame) -> pd.DataFrame:
    out = nat.copy()
    out["lat"] = out["lat"].map(lambda v: f"{v:.4f}")
    out["lon"] = out["lon"].map(lambda v: f"{v:.4f}")
    out["gdp_usd"] = out["gdp_usd"].round().astype("int64")
    out["milex_usd"] = out["milex_usd"].round().astype("int64")
    out["gdp_growth"] = out["gdp_growth"].map(lambda v: f"{v:.4f}")
    out["regime"] = out["regime"].map(lambda v: f"{v:.3f}")
    out["share_pct"] = out["share_pct"].map(lambda v: f"{v:.4f}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.worlds.build", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--out", type=Path, default=DATA_DIR, help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--raw", type=Path, default=RAW_DIR, help="raw source folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        written = build(args.out, args.raw)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
