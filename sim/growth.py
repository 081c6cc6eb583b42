"""Trend growth as a forecast, and the record's growth for a calibration window.

Pure functions on (N,) arrays: each start-world trend shrunk toward the cross-country mean
(amendment A30, M12; ``model.growth_persistence``), and each nation's recorded growth of a year
(amendment A37; ``model.gdp_path=record``).
"""

from __future__ import annotations

import numpy as np


def shrunk_growth(growth: np.ndarray, persistence: float) -> np.ndarray:
    """Each nation's growth regressed toward the cross-country mean::

        g'_i = gbar + rho_g (g_i - gbar),   gbar = (1 / N) sum_j g_j

    Country growth rates persist little from one decade to the next (correlations across
    decades of 0.1-0.3: Easterly, Kremer, Pritchett & Summers 1993, "Good policy or good luck?
    Country growth performance and temporary shocks", *Journal of Monetary Economics* 32(3);
    Pritchett & Summers 2014, "Asiaphoria meets regression to the mean", NBER WP 20573), so a
    forecast from start-year data keeps only the part ``rho_g`` of a nation's deviation from
    the mean. ``rho_g = 1`` returns the trends unchanged, ``0`` gives every nation the mean.

    Parameters
    ----------
    growth : (N,) the start world's trend growth rates (``gdp_growth``, a year).
    persistence : ``rho_g`` in [0, 1].

    Returns
    -------
    (N,) the shrunk growth rates; their mean equals the mean of ``growth``.
    """
    g = np.asarray(growth, dtype=float)
    mean = g.mean() if len(g) else 0.0
    return mean + persistence * (g - mean)


def recorded_growth(gdp: np.ndarray, years: np.ndarray, year: int) -> np.ndarray:
    """Each nation's recorded growth into ``year``, ``WB(y) / WB(y - 1) - 1`` (amendment A37)::

        nan where the table lacks ``year`` or ``year - 1`` for the nation (the trend step applies)

    The calibration window's GDP on its record: the demand equations of the literature are
    estimated on observed income (Smith 1980; Murdoch & Sandler 1984), so the fit on 2014 -> 2019
    need not absorb the error of a forecast GDP path (PREREGISTRATION.md A37).

    Parameters
    ----------
    gdp : (N, Y) recorded GDP (current US$; nan where missing), one column per year of ``years``.
    years : (Y,) int, the table's years, ascending.
    year : the calendar year the step produces.
    """
    gdp = np.asarray(gdp, dtype=float)
    years = list(np.asarray(years, dtype=int))
    if year not in years or year - 1 not in years:
        return np.full(len(gdp), np.nan)
    now, before = gdp[:, years.index(year)], gdp[:, years.index(year - 1)]
    ok = np.isfinite(now) & np.isfinite(before) & (before > 0) & (now > 0)
    return np.where(ok, now / np.where(ok, before, 1.0) - 1.0, np.nan)
