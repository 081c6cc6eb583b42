"""Trend growth as a forecast: each start-world trend shrunk toward the cross-country mean.

Pure function on (N,) arrays (amendment A30, M12; ``model.growth_persistence``).
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
