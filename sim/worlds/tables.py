"""Reading and checking world tables: the nation, treaty and border CSV files.

The reader accepts the dialects spreadsheets write (a UTF-8 byte-order mark, CRLF or CR line
ends, a trailing delimiter on every row, ``#`` comment lines, blank rows, spaces around header
names) and refuses the ambiguous ones (two columns of one name, control characters in a cell, a
row with more cells than the header, a quote left open). The validators check every cell and
report every problem of a file at once (up to :data:`MAX_PROBLEMS`), one line each, naming the
file, the row as numbered in the file (the header's line being the first row counted) and the
column.
"""

from __future__ import annotations

import csv
import os
import re
import stat
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import WorldError

MAX_PROBLEMS = 20
NATION_COLUMNS = ("iso3", "name", "lat", "lon", "gdp_usd", "milex_usd")
OPTIONAL_NATION_COLUMNS = {"gdp_growth": 0.02, "regime": 0.0, "major_power": 0}
TREATY_COLUMNS = ("treaty", "iso3")
BORDER_COLUMNS = ("iso3_a", "iso3_b")
TRUE_WORDS = {"1", "1.0", "true", "yes", "y", "t"}
FALSE_WORDS = {"0", "0.0", "false", "no", "n", "f"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LINE_ENDS = re.compile(r"\r\n|\r|\n")


class Problems:
    """The problems found in one file, reported together by :meth:`raise_if_any`."""

    def __init__(self, file: str):
        self.file = file
        self.lines: list[str] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        where = ([f"row {row}"] if row is not None else []) + (
            [f"column {column}"] if column is not None else []
        )
        prefix = f"{self.file}: {', '.join(where)}: " if where else f"{self.file}: "
        self.lines.append(prefix + message)

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        shown = self.lines[:MAX_PROBLEMS]
        more = len(self.lines) - len(shown)
        if more:
            shown.append(f"{self.file}: ... and {more} more problem(s)")
        raise WorldError("\n".join(shown))


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV file as text cells; the index holds each row's line number in the file.

    Raises
    ------
    WorldError
        for a path that is not a readable regular file, text that is not UTF-8, no header,
        two columns of one name; and (together, one line each) for every row with more cells
        than the header, an open quote or a control character in a cell.
    """
    text = _read_text(path)
    problems = Problems(str(path))
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, line in enumerate(_LINE_ENDS.split(text), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = _cells(line, number, problems)
        if cells is None:
            continue
        if header is None:
            header, header_line = [c.strip() for c in cells], number
            continue
        rows.append(cells)
        lines.append(number)
    if header is None:
        raise WorldError(f"{path}: the file is empty, expected a header row")
    while header and header[-1] == "":  # a trailing delimiter on the header line
        header.pop()
    _check_header(header, header_line, problems)
    width = len(header)
    frame_rows = []
    for number, cells in zip(lines, rows, strict=True):
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            problems.add(
                number,
                None,
                f"{len(cells)} cells but the header has {width} (an unquoted comma, e.g. a "
                "decimal comma?)",
            )
        cells = (cells + [""] * width)[:width]
        for column, cell in zip(header, cells, strict=True):
            bad = _CONTROL.search(cell)
            if bad:
                problems.add(
                    number,
                    column or None,
                    f"control character U+{ord(bad.group()):04X} in the cell",
                )
        frame_rows.append(cells)
    problems.raise_if_any()
    frame = pd.DataFrame(frame_rows, columns=header, index=lines, dtype=object)
    if len(frame):
        blank = frame.apply(lambda col: col.str.strip() == "").all(axis=1)
        frame = frame.loc[~blank]
    frame.attrs["line_numbers"] = True
    return frame


def _read_text(path: Path) -> str:
    if path.is_dir():
        raise WorldError(f"{path}: is a directory, expected a CSV file")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise WorldError(f"{path}: {parent} is a file, not a directory")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise WorldError(f"{path}: no such file") from None
    except OSError as exc:
        raise WorldError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise WorldError(
            f"{path}: not a regular file (a FIFO, socket or device); expected a CSV file"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorldError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorldError(
            f"{path}: not a readable CSV table (not UTF-8 text: byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start})"
        ) from None
    if not text.strip():
        raise WorldError(f"{path}: the file is empty, expected a header row")
    return text


def _cells(line: str, number: int, problems: Problems) -> list[str] | None:
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error as exc:
        problems.add(number, None, f"not a readable CSV row ({exc})")
        return None


def _check_header(header: list[str], line: int, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for k, name in enumerate(header, start=1):
        if name == "":
            problems.add(line, None, f"header cell {k} has no column name")
        elif name in seen:
            problems.add(
                line,
                name,
                f"the column appears twice (cells {seen[name]} and {k}, after stripping spaces)",
            )
        else:
            seen[name] = k
    problems.raise_if_any()


# ----------------------------------------------------------------------------- cells


def _line(df: pd.DataFrame, pos: int) -> int:
    """The line of the file holding row ``pos`` (header = line 1), for error messages."""
    if df.attrs.get("line_numbers"):
        return int(df.index[pos])
    return pos + 2


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    return df[column].map(
        lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
    )


def numeric(
    df: pd.DataFrame, column: str, problems: Problems, lo: float = -np.inf, hi: float = np.inf
) -> np.ndarray:
    """A column as finite floats within [lo, hi]; NaN (and a problem) for every bad cell."""
    raw = _text(df, column)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float, copy=True)
    for pos in np.flatnonzero(~np.isfinite(values)):
        cell = raw.iloc[pos]
        problem = "is empty" if cell == "" else f"{cell!r} is not a finite number"
        problems.add(_line(df, pos), column, problem)
    out_of_range = np.isfinite(values) & ((values < lo) | (values > hi))
    for pos in np.flatnonzero(out_of_range):
        problems.add(_line(df, pos), column, f"{raw.iloc[pos]!r} is outside [{lo}, {hi}]")
        values[pos] = np.nan
    values[~np.isfinite(values)] = np.nan
    return values


def boolean(df: pd.DataFrame, column: str, problems: Problems) -> np.ndarray:
    """A column of 1/0, true/false, yes/no (any case) as bools; a problem for anything else."""
    raw = _text(df, column).str.lower()
    out = np.zeros(len(raw), dtype=bool)
    for pos, cell in enumerate(raw):
        if cell in TRUE_WORDS:
            out[pos] = True
        elif cell not in FALSE_WORDS:
            shown = df[column].iloc[pos]
            problems.add(
                _line(df, pos),
                column,
                f"{str(shown).strip()!r} is not a flag (use 1/0, true/false or yes/no)"
                if cell
                else "is empty",
            )
    return out


def _require_columns(df: pd.DataFrame, required: tuple[str, ...], file: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns)) or "none"
        raise WorldError(f"{file}: missing column(s) {', '.join(missing)} (found: {found})")


def _codes(df: pd.DataFrame, column: str, problems: Problems) -> pd.Series:
    codes = _text(df, column)
    for pos, code in enumerate(codes):
        if not (len(code) == 3 and code.isascii() and code.isalnum()):
            problems.add(_line(df, pos), column, f"{df[column].iloc[pos]!r} is not an ISO3 code")
    return codes


# ----------------------------------------------------------------------------- tables


def validate_nations(df: pd.DataFrame, file: str = "<nations>") -> pd.DataFrame:
    """Check a nation table and return it typed, with optional columns filled by defaults.

    Every problem of the table is reported at once, one line each naming the file, the row (as
    numbered in the file, the header being row 1) and the column: a non-ISO3 or duplicate code
    (``usa`` and ``USA`` count as duplicates), an empty name, a non-numeric, non-finite or
    out-of-range value, spending above GDP, a ``major_power`` that is not a flag.

    Raises
    ------
    WorldError
        for a missing column (alone) or the list of problems.
    """
    _require_columns(df, NATION_COLUMNS, file)
    if len(df) < 2:
        raise WorldError(f"{file}: a world needs at least 2 nations, found {len(df)}")
    problems = Problems(file)
    codes = _codes(df, "iso3", problems)
    first: dict[str, int] = {}
    for pos, code in enumerate(codes):
        key = code.upper()
        if key in first and len(code) == 3:
            other = codes.iloc[first[key]]
            what = (
                f"duplicate {code!r}"
                if other == code
                else (f"{code!r} and {other!r} (row {_line(df, first[key])}) differ only in case")
            )
            problems.add(_line(df, pos), "iso3", what)
        first.setdefault(key, pos)
    names = _text(df, "name")
    for pos in np.flatnonzero((names == "").to_numpy()):
        problems.add(_line(df, pos), "name", "is empty")
    out = pd.DataFrame({"iso3": codes.to_numpy(), "name": names.to_numpy()})
    ranges = {
        "lat": (-90.0, 90.0),
        "lon": (-180.0, 180.0),
        "gdp_usd": (0.0, np.inf),
        "milex_usd": (0.0, np.inf),
    }
    for column, (lo, hi) in ranges.items():
        out[column] = numeric(df, column, problems, lo, hi)
    for pos in np.flatnonzero(out["gdp_usd"].to_numpy() == 0):
        problems.add(_line(df, pos), "gdp_usd", "must be > 0")
    gdp = out["gdp_usd"].to_numpy()
    for pos in np.flatnonzero((gdp > 0) & (out["milex_usd"].to_numpy() > gdp)):
        problems.add(_line(df, pos), "milex_usd", "spending exceeds gdp_usd")
    optional_ranges = {"gdp_growth": (-0.5, 0.5), "regime": (-1.0, 1.0)}
    for column, (lo, hi) in optional_ranges.items():
        if column in df.columns:
            out[column] = numeric(df, column, problems, lo, hi)
        else:
            out[column] = float(OPTIONAL_NATION_COLUMNS[column])
    if "major_power" in df.columns:
        out["major_power"] = boolean(df, "major_power", problems)
    else:
        out["major_power"] = False
    problems.raise_if_any()
    return out.reset_index(drop=True)


def validate_treaties(df: pd.DataFrame, file: str, known: set[str]) -> pd.DataFrame:
    """Check a treaty table (one row per member) against the nations of the world.

    Reports every problem at once: an empty treaty name, a member that is not a nation of the
    world, a member listed twice, a ``target_share`` outside [0, 1], a ``review_period`` that is
    not a whole number of years in [1, 100].
    """
    _require_columns(df, TREATY_COLUMNS, file)
    problems = Problems(file)
    out = pd.DataFrame(
        {"treaty": _text(df, "treaty").to_numpy(), "iso3": _text(df, "iso3").to_numpy()}
    )
    for pos, (treaty, code) in enumerate(zip(out["treaty"], out["iso3"], strict=True)):
        if not treaty:
            problems.add(_line(df, pos), "treaty", "empty treaty name")
        if code not in known:
            problems.add(
                _line(df, pos), "iso3", f"{code!r} ({treaty}) is not a nation of the world"
            )
    for pos in np.flatnonzero(out.duplicated().to_numpy()):
        problems.add(
            _line(df, pos),
            None,
            f"{out['iso3'].iloc[pos]} listed twice in {out['treaty'].iloc[pos]}",
        )
    if "target_share" in df.columns:
        blank = (_text(df, "target_share") == "").to_numpy()
        target = np.full(len(df), np.nan)
        if (~blank).any():
            target[~blank] = numeric(df.loc[~blank], "target_share", problems, 0.0, 1.0)
        out["target_share"] = target
    else:
        out["target_share"] = np.nan
    if "review_period" in df.columns:
        review = numeric(df, "review_period", problems, 1, 100)
        whole = np.isfinite(review) & (review % 1 == 0)
        for pos in np.flatnonzero(np.isfinite(review) & ~whole):
            problems.add(
                _line(df, pos),
                "review_period",
                f"{_text(df, 'review_period').iloc[pos]!r} is not a whole number of years",
            )
        out["review_period"] = np.where(whole, review, 1).astype(int)
    else:
        out["review_period"] = 1
    problems.raise_if_any()
    return out.reset_index(drop=True)


def validate_borders(df: pd.DataFrame, file: str, known: set[str]) -> pd.DataFrame:
    """Check a borders table and return ``iso3_a, iso3_b, contiguous, distance_km``.

    A user's table lists land borders (``iso3_a, iso3_b``); an optional ``contiguous`` flag
    (default 1) and ``distance_km`` (minimum border distance, default 0 for a land border and
    unknown otherwise) follow the shipped tables. Every problem is reported at once: a code
    that is not a nation of the world, a nation bordering itself, a pair listed twice.
    """
    _require_columns(df, BORDER_COLUMNS, file)
    problems = Problems(file)
    a, b = _text(df, "iso3_a"), _text(df, "iso3_b")
    for column, codes in (("iso3_a", a), ("iso3_b", b)):
        for pos in np.flatnonzero(~codes.isin(known).to_numpy()):
            problems.add(
                _line(df, pos), column, f"{codes.iloc[pos]!r} is not a nation of the world"
            )
    for pos in np.flatnonzero((a == b).to_numpy()):
        problems.add(_line(df, pos), "iso3_b", f"a border of {a.iloc[pos]} with itself")
    lo = np.where(a <= b, a, b).astype(object)
    hi = np.where(a <= b, b, a).astype(object)
    pairs = pd.Series(lo + "-" + hi)
    for pos in np.flatnonzero(pairs.duplicated().to_numpy()):
        problems.add(_line(df, pos), None, f"the pair {pairs.iloc[pos]} is listed twice")
    contiguous = (
        boolean(df, "contiguous", problems)
        if "contiguous" in df.columns
        else np.ones(len(df), dtype=bool)
    )
    if "distance_km" in df.columns:
        distance = numeric(df, "distance_km", problems, 0.0)
    else:
        distance = np.where(contiguous, 0.0, np.nan)
    problems.raise_if_any()
    return pd.DataFrame(
        {"iso3_a": lo, "iso3_b": hi, "contiguous": contiguous, "distance_km": distance}
    )
