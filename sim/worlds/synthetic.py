"""Synthetic worlds: N random nations for teaching and for scaling studies.

Capitals are uniform on the sphere; GDP is log-normal (a few economies dominate, as in the real
world); defence shares are log-normal around 2% of GDP; the three largest economies are the major
powers and take the codes USA, CHN and RUS, so that every scenario applies. Treaties are
regional clusters of like-regime states with a 2% guideline, and each major power is a rival of
the other two.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STAND_INS = [
    ("USA", "Power A (US role)"),
    ("CHN", "Power B (China role)"),
    ("RUS", "Power C (Russia role)"),
]


def synthetic_world(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Draw ``n`` nations, their treaties and rivalries from ``seed`` (same seed, same world)."""
    rng = np.random.default_rng([seed, 20240])
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lon = rng.uniform(-180.0, 180.0, n)
    gdp = np.exp(rng.normal(np.log(2e11), 1.5, n))
    share = np.clip(np.exp(rng.normal(np.log(0.02), 0.5, n)), 0.002, 0.15)
    regime = np.clip(rng.normal(0.2, 0.55, n), -1.0, 1.0)
    major = np.zeros(n, dtype=int)
    largest = np.argsort(-gdp, kind="stable")[: min(3, n)]
    major[largest] = 1
    iso3 = [_code(i) for i in range(n)]
    names = [f"Nation {code}" for code in iso3]
    for rank, i in enumerate(largest):  # stand-ins, so that every scenario applies
        iso3[i], names[i] = STAND_INS[rank]
    nations = pd.DataFrame(
        {
            "iso3": iso3,
            "name": names,
            "lat": lat.round(3),
            "lon": lon.round(3),
            "gdp_usd": gdp.round(0),
            "milex_usd": (gdp * share).round(0),
            "gdp_growth": rng.normal(0.025, 0.01, n).round(4),
            "regime": regime.round(3),
            "major_power": major,
        }
    )
    treaties = _regional_treaties(nations, rng)
    majors = [iso3[i] for i in np.flatnonzero(major)]
    rivalries = {(a, b): 0.6 for k, a in enumerate(majors) for b in majors[k + 1 :]}
    return nations, treaties, rivalries


def _code(i: int) -> str:
    """The i-th three-letter code: AAA, AAB, ... (26**3 codes)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    a, rest = divmod(i, 26 * 26)
    b, c = divmod(rest, 26)
    code = letters[a] + letters[b] + letters[c]
    return code.lower() if code in {"USA", "CHN", "RUS"} else code


def _regional_treaties(nations: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One treaty per ~15 nations: a seed nation and its nearest like-regime neighbours."""
    n = len(nations)
    n_treaties = max(1, n // 15)
    lat, lon = np.radians(nations["lat"].to_numpy()), np.radians(nations["lon"].to_numpy())
    regime = nations["regime"].to_numpy()
    rows = []
    taken = np.zeros(n, dtype=bool)
    for t, centre in enumerate(rng.choice(n, size=n_treaties, replace=False)):
        cos_d = np.sin(lat[centre]) * np.sin(lat) + np.cos(lat[centre]) * np.cos(lat) * np.cos(
            lon - lon[centre]
        )
        score = np.arccos(np.clip(cos_d, -1, 1)) + np.abs(regime - regime[centre])
        score[taken] = np.inf
        size = min(int(rng.integers(3, 8)), int((~taken).sum()))
        members = np.argsort(score, kind="stable")[:size]
        if size < 2:
            break
        taken[members] = True
        for m in members:
            rows.append(
                {
                    "treaty": f"T{t:02d}",
                    "iso3": nations["iso3"].iloc[m],
                    "target_share": 0.02,
                    "review_period": 1,
                }
            )
    return pd.DataFrame(rows, columns=["treaty", "iso3", "target_share", "review_period"])
