"""Worlds: the nations, treaties, rivalries, borders and wars a run starts from.

Shipped snapshots (``today`` = 2024, ``y2019``, ``y2014``) live in ``data/`` beside this file with
their ``SOURCES.md``; ``python -m sim.worlds.build`` rebuilds them from the subsets of the
published datasets in ``raw/``. ``synthetic`` draws random nations from the seed; ``custom``
reads a user's CSV files with the same schema. Every loader validates its tables
(:mod:`sim.worlds.tables`) and raises :class:`WorldError` naming the file, row and column.
:mod:`sim.worlds.observed` holds the observed series (every nation's SIPRI share 1990-2024,
NATO's figures, the UCDP conflicts) for hindcasts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.config import WorldConfig
from sim.worlds.tables import (
    NATION_COLUMNS,
    OPTIONAL_NATION_COLUMNS,
    TREATY_COLUMNS,
    WorldError,
    read_table,
    validate_borders,
    validate_nations,
    validate_treaties,
)

__all__ = [
    "DATA_DIR",
    "MAP_FILE",
    "NATION_COLUMNS",
    "OPTIONAL_NATION_COLUMNS",
    "SNAPSHOT_YEARS",
    "TREATY_COLUMNS",
    "World",
    "WorldError",
    "WorldFiles",
    "load_world",
    "validate_borders",
    "validate_nations",
    "validate_treaties",
    "world_files",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
#: country outlines (Natural Earth 1:110m) that the map figures draw
MAP_FILE = DATA_DIR / "countries_110m.json"
SNAPSHOT_YEARS = {"today": 2024, "y2019": 2019, "y2014": 2014}
#: columns of :attr:`World.borders` and :attr:`World.wars`
BORDERS_FRAME = ("iso3_a", "iso3_b", "contiguous", "distance_km")
WARS_FRAME = ("conflict_id", "year", "iso3_a", "iso3_b", "intensity_level")


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class World:
    """A validated world: one row per nation, one row per treaty membership.

    ``nations`` has columns ``iso3, name, lat, lon, gdp_usd, milex_usd, gdp_growth, regime,
    major_power`` (in that order, a RangeIndex); ``treaties`` has ``treaty, iso3, target_share,
    review_period``; ``rivalries`` maps an (iso3, iso3) pair to a baseline hostility in [0, 1].
    ``borders`` has one row per listed pair, ``iso3_a, iso3_b, contiguous, distance_km`` (land
    contiguity; minimum distance between the two borders, NaN where unknown): every pair for the
    shipped snapshots (COW, CShapes), the user's land borders for ``custom``, none for
    ``synthetic``. ``wars`` holds the interstate conflicts active in ``year`` between two nations
    of the world (UCDP: ``conflict_id, year, iso3_a, iso3_b, intensity_level``, 2 = war).
    """

    name: str
    year: int
    nations: pd.DataFrame
    treaties: pd.DataFrame
    rivalries: dict[tuple[str, str], float]
    content_hash: str
    borders: pd.DataFrame = field(default_factory=lambda: _empty(BORDERS_FRAME))
    wars: pd.DataFrame = field(default_factory=lambda: _empty(WARS_FRAME))

    @property
    def iso3(self) -> list[str]:
        return list(self.nations["iso3"])

    def contiguity(self) -> np.ndarray:
        """(N, N) bool: ``C_ij`` is true when nations i and j share a land border."""
        return _pair_matrix(self, "contiguous", 0.0) > 0

    def border_distance_km(self) -> np.ndarray:
        """(N, N) minimum distance between the borders of i and j, km (0 on the diagonal).

        ``D_ij`` = the borders table's ``distance_km``; 0 for a land border; where the table
        has no distance (custom and synthetic worlds), the great-circle distance between the
        capitals (haversine) stands in, so the matrix is finite everywhere.
        """
        from sim.rules.threat import great_circle_km

        capitals = great_circle_km(
            self.nations["lat"].to_numpy(float), self.nations["lon"].to_numpy(float)
        )
        known = _pair_matrix(self, "distance_km", np.nan)
        known[self.contiguity()] = 0.0
        out = np.where(np.isfinite(known), known, capitals)
        np.fill_diagonal(out, 0.0)
        return out

    def at_war(self, min_intensity: int = 2) -> list[tuple[str, str]]:
        """Pairs in an interstate conflict of at least ``min_intensity`` (UCDP; 2 = war)."""
        active = self.wars[self.wars["intensity_level"] >= min_intensity]
        return sorted(set(zip(active["iso3_a"], active["iso3_b"], strict=True)))


def _pair_matrix(world: World, column: str, fill: float) -> np.ndarray:
    """A symmetric (N, N) matrix of a borders column, ``fill`` where a pair is not listed."""
    index = {c: k for k, c in enumerate(world.iso3)}
    out = np.full((len(index), len(index)), fill, dtype=float)
    b = world.borders
    if len(b):
        i = b["iso3_a"].map(index).to_numpy(int)
        j = b["iso3_b"].map(index).to_numpy(int)
        values = b[column].to_numpy(float)
        out[i, j] = values
        out[j, i] = values
    return out


class WorldFiles(NamedTuple):
    """The files :func:`load_world` reads for a world config (None: that table is not read)."""

    nations: Path | None = None
    treaties: Path | None = None
    borders: Path | None = None
    rivalries: Path | None = None
    #: the UCDP conflicts, from which a shipped or custom world takes its wars
    conflicts: Path | None = None

    def paths(self) -> list[Path]:
        """The files read, in the order above."""
        return [p for p in self if p is not None]


def world_files(cfg: WorldConfig) -> WorldFiles:
    """Which files a world config reads: a snapshot's four tables in ``data/``, a custom world's
    configured files, none for ``synthetic``; the conflict data for every non-synthetic world.

    :func:`load_world` reads exactly these, so a sweep's job identity
    (:func:`sim.sweep.input_files`) hashes exactly what the job's world read.
    """
    from sim.worlds.sources import RAW_DIR, UCDP_FILE

    if cfg.name == "synthetic":
        return WorldFiles()
    conflicts = RAW_DIR / UCDP_FILE
    if cfg.name == "custom":
        return WorldFiles(
            Path(cfg.path),
            Path(cfg.treaties) if cfg.treaties else None,
            Path(cfg.borders) if cfg.borders else None,
            None,
            conflicts,
        )
    tables = (DATA_DIR / f"{cfg.name}_{table}.csv" for table in WorldFiles._fields[:4])
    return WorldFiles(*tables, conflicts)


def load_world(cfg: WorldConfig, seed: int = 0) -> World:
    """Build the world a config names; ``seed`` only matters for ``synthetic``.

    A shipped snapshot brings its baseline rivalries, borders and wars from ``data/``; the
    configured ``world.rivalries`` are added on top (a configured pair replaces the data's
    level). ``world=custom`` reads ``world.path``, optional ``world.treaties`` and
    ``world.borders``. ``world.regimes=false`` sets every regime score to 0, which removes the
    regime terms (hostility from regime distance, regime affinity) from the model. The files
    read are :func:`world_files`'s.
    """
    files = world_files(cfg)
    if cfg.name == "synthetic":
        from sim.worlds.synthetic import synthetic_world

        nations, treaties, rivalries = synthetic_world(cfg.n, seed)
        rivalries.update(_parse_rivalries(cfg.rivalries))
        year = cfg.start_year if cfg.start_year is not None else 2024
        return _finish(cfg, year, nations, treaties, rivalries, ("<synthetic>", ""))
    default_year = 2024 if cfg.name == "custom" else SNAPSHOT_YEARS[cfg.name]
    year = cfg.start_year if cfg.start_year is not None else default_year
    data_rivalries = _read_rivalries(files.rivalries) if files.rivalries else {}
    nations = read_table(files.nations)
    treaties = (
        read_table(files.treaties) if files.treaties else pd.DataFrame(columns=TREATY_COLUMNS)
    )
    borders = read_table(files.borders) if files.borders else None
    hashed = [p for p in files[:4] if p is not None]  # the world's content hash: its tables
    names = (str(files.nations), str(files.treaties or ""), str(files.borders or ""))
    rivalries = {**data_rivalries, **_parse_rivalries(cfg.rivalries)}
    return _finish(cfg, year, nations, treaties, rivalries, names, borders, _hash_files(hashed))


def _finish(
    cfg: WorldConfig,
    year: int,
    nations: pd.DataFrame,
    treaties: pd.DataFrame,
    rivalries: dict[tuple[str, str], float],
    files: tuple[str, ...],
    borders: pd.DataFrame | None = None,
    digest: str | None = None,
) -> World:
    nations = validate_nations(nations, files[0])
    if not cfg.regimes:
        nations["regime"] = 0.0
    known = set(nations["iso3"])
    treaties = validate_treaties(treaties, files[1], known)
    rivalries = _expand_rivalries(rivalries, nations, treaties)
    border_frame = (
        _empty(BORDERS_FRAME) if borders is None else validate_borders(borders, files[2], known)
    )
    if digest is None:
        payload = nations.to_csv(index=False) + treaties.to_csv(index=False)
        digest = hashlib.sha256(payload.encode()).hexdigest()
    wars = _empty(WARS_FRAME) if cfg.name == "synthetic" else _wars(year, known)
    return World(cfg.name, year, nations, treaties, rivalries, digest, border_frame, wars)


def _wars(year: int, known: set[str]) -> pd.DataFrame:
    """UCDP interstate conflicts active in ``year`` between two nations of the world."""
    from sim.worlds.observed import conflicts

    frame = conflicts(year, year, min_intensity=1)
    inside = frame["iso3_a"].isin(known) & frame["iso3_b"].isin(known)
    return frame.loc[inside, list(WARS_FRAME)].reset_index(drop=True)


def _read_rivalries(path: Path) -> dict[tuple[str, str], float]:
    """A shipped ``<snapshot>_rivalries.csv`` (``iso3_a, iso3_b, level, source``) as a dict."""
    frame = pd.read_csv(path, dtype={"iso3_a": str, "iso3_b": str}, keep_default_na=False)
    return {
        (a, b): float(v)
        for a, b, v in zip(frame["iso3_a"], frame["iso3_b"], frame["level"], strict=True)
    }


def _expand_rivalries(
    rivalries: dict[tuple[str, str], float], nations: pd.DataFrame, treaties: pd.DataFrame
) -> dict[tuple[str, str], float]:
    """Replace a treaty name in a rivalry by each of its members; unknown names are an error."""
    known = set(nations["iso3"])
    members = treaties.groupby("treaty")["iso3"].apply(list).to_dict()
    out: dict[tuple[str, str], float] = {}
    for pair, level in rivalries.items():
        key = f"world.rivalries.{'-'.join(pair)}"
        if pair[0] == pair[1]:
            raise WorldError(f"{key}: a rivalry of {pair[0]} with itself")
        sides = []
        for name in pair:
            if name in known:
                sides.append([name])
            elif name in members:
                sides.append(members[name])
            else:
                raise WorldError(f"{key}: {name!r} is neither a nation nor a treaty of this world")
        for a in sides[0]:
            for b in sides[1]:
                if a != b:
                    out[(a, b)] = max(level, out.get((a, b), 0.0))
    return out


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
