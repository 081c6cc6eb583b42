"""Worlds: the nations, the treaties in force and the rivalries a run starts from.

Shipped snapshots live in ``data/`` beside this file with their ``SOURCES.md``; ``synthetic``
draws random nations from the seed; ``custom`` reads a user's CSV files with the same schema.
Every loader validates its tables and raises :class:`WorldError` naming the file, row and column.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import WorldConfig
from sim.errors import WorldError  # noqa: F401 (re-exported)

DATA_DIR = Path(__file__).resolve().parent / "data"
SNAPSHOT_YEARS = {"today": 2024, "y2014": 2014}

NATION_COLUMNS = ("iso3", "name", "lat", "lon", "gdp_usd", "milex_usd")
OPTIONAL_NATION_COLUMNS = {"gdp_growth": 0.02, "regime": 0.0, "major_power": 0}
TREATY_COLUMNS = ("treaty", "iso3")
OPTIONAL_TREATY_COLUMNS = {"target_share": np.nan, "review_period": 1}


@dataclass(frozen=True)
class World:
    """A validated world: one row per nation, one row per treaty membership.

    ``nations`` has columns ``iso3, name, lat, lon, gdp_usd, milex_usd, gdp_growth, regime,
    major_power`` (in that order, a RangeIndex); ``treaties`` has ``treaty, iso3, target_share,
    review_period``; ``rivalries`` maps an (iso3, iso3) pair to a baseline hostility in [0, 1].
    """

    name: str
    year: int
    nations: pd.DataFrame
    treaties: pd.DataFrame
    rivalries: dict[tuple[str, str], float]
    content_hash: str

    @property
    def iso3(self) -> list[str]:
        return list(self.nations["iso3"])


def load_world(cfg: WorldConfig, seed: int = 0) -> World:
    """Build the world a config names; ``seed`` only matters for ``synthetic``."""
    if cfg.name == "synthetic":
        from sim.worlds.synthetic import synthetic_world

        nations, treaties, rivalries = synthetic_world(cfg.n, seed)
        rivalries.update(_parse_rivalries(cfg.rivalries))
        year = cfg.start_year if cfg.start_year is not None else 2024
        return _finish("synthetic", year, nations, treaties, rivalries, "<synthetic>", "")
    if cfg.name == "custom":
        nations_path = Path(cfg.path)
        treaties_path = Path(cfg.treaties) if cfg.treaties else None
        year = cfg.start_year if cfg.start_year is not None else 2024
    else:
        nations_path = DATA_DIR / f"{cfg.name}_nations.csv"
        treaties_path = DATA_DIR / f"{cfg.name}_treaties.csv"
        year = cfg.start_year if cfg.start_year is not None else SNAPSHOT_YEARS[cfg.name]
    nations = _read_csv(nations_path)
    treaties = _read_csv(treaties_path) if treaties_path else pd.DataFrame(columns=TREATY_COLUMNS)
    digest = _hash_files([nations_path] + ([treaties_path] if treaties_path else []))
    return _finish(
        cfg.name,
        year,
        nations,
        treaties,
        _parse_rivalries(cfg.rivalries),
        str(nations_path),
        str(treaties_path or ""),
        digest,
    )


def _finish(
    name: str,
    year: int,
    nations: pd.DataFrame,
    treaties: pd.DataFrame,
    rivalries: dict[tuple[str, str], float],
    nations_file: str,
    treaties_file: str,
    digest: str | None = None,
) -> World:
    nations = validate_nations(nations, nations_file)
    treaties = validate_treaties(treaties, treaties_file, set(nations["iso3"]))
    rivalries = _expand_rivalries(rivalries, nations, treaties)
    if digest is None:
        payload = nations.to_csv(index=False) + treaties.to_csv(index=False)
        digest = hashlib.sha256(payload.encode()).hexdigest()
    return World(name, year, nations, treaties, rivalries, digest)


def _expand_rivalries(
    rivalries: dict[tuple[str, str], float], nations: pd.DataFrame, treaties: pd.DataFrame
) -> dict[tuple[str, str], float]:
    """Replace a treaty name in a rivalry by each of its members; unknown names are an error."""
    known = set(nations["iso3"])
    members = treaties.groupby("treaty")["iso3"].apply(list).to_dict()
    out: dict[tuple[str, str], float] = {}
    for pair, level in rivalries.items():
        sides = []
        for name in pair:
            if name in known:
                sides.append([name])
            elif name in members:
                sides.append(members[name])
            else:
                raise WorldError(
                    f"world.rivalries.{'-'.join(pair)}: {name!r} is neither a nation "
                    "nor a treaty of this world"
                )
        for a in sides[0]:
            for b in sides[1]:
                if a != b:
                    out[(a, b)] = max(level, out.get((a, b), 0.0))
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as text cells; the index holds each row's line number in the file.

    Header names are stripped of spaces and of a UTF-8 byte-order mark; rows whose every cell is
    blank (blank lines, ``,,,`` left by spreadsheets) are dropped. Any failure to read the file is
    a :class:`WorldError` naming it.
    """
    if path.is_dir():
        raise WorldError(f"{path}: is a directory, expected a CSV file")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise WorldError(f"{path}: {parent} is a file, not a directory")
    if not path.exists():
        raise WorldError(f"{path}: no such file")
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            comment=None,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError as exc:
        raise WorldError(f"{path}: the file is empty, expected a header row") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise WorldError(f"{path}: not a readable CSV table ({_one_line(exc)})") from exc
    except OSError as exc:
        raise WorldError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = frame.index + 2  # the header is line 1
    blank = (frame.apply(lambda col: col.astype(str).str.strip()) == "").all(axis=1)
    frame = frame.loc[~blank]
    frame.attrs["line_numbers"] = True
    return frame


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _line(df: pd.DataFrame, pos: int) -> int:
    """The line of the file holding row ``pos`` (header = line 1), for error messages."""
    if df.attrs.get("line_numbers"):
        return int(df.index[pos])
    return pos + 2


def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def _parse_rivalries(raw: dict[str, float]) -> dict[tuple[str, str], float]:
    out = {}
    for key, value in raw.items():
        a, b = key.split("-")
        out[(a, b)] = float(value)
    return out


def _numeric(df: pd.DataFrame, column: str, file: str) -> np.ndarray:
    """Parse a column as finite floats, naming the first bad cell (row numbers as in the file)."""
    values = pd.to_numeric(df[column].astype(str).str.strip(), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raw = df[column].iloc[row]
        empty = pd.isna(raw) or str(raw).strip() == ""
        problem = "is empty" if empty else f"{str(raw).strip()!r} is not a finite number"
        raise WorldError(f"{file}: row {_line(df, row)}, column {column}: {problem}")
    return values


def _in_range(values: np.ndarray, lo: float, hi: float, column: str, file: str, df) -> None:
    bad = (values < lo) | (values > hi)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise WorldError(
            f"{file}: row {_line(df, row)}, column {column}: {df[column].iloc[row]!r} "
            f"is outside [{lo}, {hi}]"
        )


def _require_columns(df: pd.DataFrame, required: tuple[str, ...], file: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns)) or "none"
        raise WorldError(f"{file}: missing column(s) {', '.join(missing)} (found: {found})")


def validate_nations(df: pd.DataFrame, file: str = "<nations>") -> pd.DataFrame:
    """Check a nation table and return it typed, with optional columns filled by defaults.

    Raises
    ------
    WorldError
        for a missing column, a non-numeric or out-of-range value or a duplicate ISO3, naming the
        file, the row (as numbered in the file, the header being row 1) and the column.
    """
    _require_columns(df, NATION_COLUMNS, file)
    if len(df) < 2:
        raise WorldError(f"{file}: a world needs at least 2 nations, found {len(df)}")
    out = pd.DataFrame(
        {"iso3": df["iso3"].astype(str).str.strip(), "name": df["name"].astype(str).str.strip()}
    )
    for row, code in enumerate(out["iso3"]):
        if pd.isna(df["iso3"].iloc[row]) or not (len(code) == 3 and code.isalnum()):
            where = f"{file}: row {_line(df, row)}, column iso3"
            raise WorldError(f"{where}: {df['iso3'].iloc[row]!r} is not an ISO3 code")
    dup = out["iso3"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        where = f"{file}: row {_line(df, row)}, column iso3"
        raise WorldError(f"{where}: duplicate {out['iso3'].iloc[row]!r}")
    ranges = {
        "lat": (-90.0, 90.0),
        "lon": (-180.0, 180.0),
        "gdp_usd": (0.0, np.inf),
        "milex_usd": (0.0, np.inf),
    }
    for column, (lo, hi) in ranges.items():
        out[column] = _numeric(df, column, file)
        _in_range(out[column].to_numpy(), lo, hi, column, file, df)
    zero_gdp = out["gdp_usd"].to_numpy() <= 0
    if zero_gdp.any():
        row = int(np.flatnonzero(zero_gdp)[0])
        raise WorldError(f"{file}: row {_line(df, row)}, column gdp_usd: must be > 0")
    over = out["milex_usd"].to_numpy() > out["gdp_usd"].to_numpy()
    if over.any():
        row = int(np.flatnonzero(over)[0])
        where = f"{file}: row {_line(df, row)}, column milex_usd"
        raise WorldError(f"{where}: spending exceeds gdp_usd")
    optional_ranges = {"gdp_growth": (-0.5, 0.5), "regime": (-1.0, 1.0), "major_power": (0, 1)}
    for column, default in OPTIONAL_NATION_COLUMNS.items():
        if column in df.columns:
            out[column] = _numeric(df, column, file)
            _in_range(out[column].to_numpy(), *optional_ranges[column], column, file, df)
        else:
            out[column] = float(default)
    out["major_power"] = out["major_power"].astype(bool)
    return out.reset_index(drop=True)


def validate_treaties(df: pd.DataFrame, file: str, known: set[str]) -> pd.DataFrame:
    """Check a treaty table (one row per member) against the nations of the world."""
    _require_columns(df, TREATY_COLUMNS, file)
    out = pd.DataFrame(
        {"treaty": df["treaty"].astype(str).str.strip(), "iso3": df["iso3"].astype(str).str.strip()}
    )
    for row, (treaty, code) in enumerate(zip(out["treaty"], out["iso3"], strict=True)):
        if not treaty:
            raise WorldError(f"{file}: row {_line(df, row)}, column treaty: empty treaty name")
        if code not in known:
            raise WorldError(
                f"{file}: row {_line(df, row)}, column iso3: {code!r} ({treaty}) "
                "is not a nation of the world"
            )
    dup = out.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise WorldError(
            f"{file}: row {_line(df, row)}: {out['iso3'].iloc[row]} listed twice in "
            f"{out['treaty'].iloc[row]}"
        )
    if "target_share" in df.columns:
        blank = df["target_share"].astype(str).str.strip() == ""
        target = pd.to_numeric(df["target_share"].where(~blank, "nan"), errors="coerce")
        bad = ~blank & ~np.isfinite(target.to_numpy(float))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise WorldError(
                f"{file}: row {_line(df, row)}, column target_share: "
                f"{df['target_share'].iloc[row]!r} is not a number"
            )
        _in_range(target.fillna(0).to_numpy(), 0.0, 1.0, "target_share", file, df)
        out["target_share"] = target.to_numpy(float)
    else:
        out["target_share"] = np.nan
    if "review_period" in df.columns:
        review = _numeric(df, "review_period", file)
        _in_range(review, 1, 100, "review_period", file, df)
        out["review_period"] = review.astype(int)
    else:
        out["review_period"] = 1
    return out.reset_index(drop=True)
