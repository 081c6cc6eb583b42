"""The drivers' recorded spending as schedule legs (pre-registration amendment A5 (b)).

``python experiments/validation/recorded_spending.py 2014 2024`` prints the ``schedules:``
entries of the hindcast experiments: for the USA, Russia and China, one leg a year with
``growth = M_t / M_{t-1} - 1``, where ``M_t = SIPRI share_t x World Bank GDP_t`` (current US$;
beyond the World Bank table's last year, the world build's extension ``sim.worlds.build.gdp_of``).
"""

from __future__ import annotations

import sys

from sim.worlds import observed
from sim.worlds import sources as src
from sim.worlds.build import gdp_of

DRIVERS = ("USA", "RUS", "CHN")


def spending(iso3: str, year: int, wb) -> float:
    """Recorded spending (current US$): SIPRI's share times World Bank GDP."""
    return observed.share(iso3, year) / 100.0 * float(gdp_of(year, wb)[0][iso3])


def legs(start: int, end: int) -> list[str]:
    wb = src.world_bank_gdp()
    lines = []
    for iso3 in DRIVERS:
        m = [spending(iso3, y, wb) for y in range(start, end + 1)]
        bn = ", ".join(f"{x / 1e9:.1f}" for x in m)
        lines.append(f"    # {iso3} recorded spending {start}-{end}, US$ bn: {bn}")
        for t in range(end - start):
            lines.append(
                f"    - {{iso3: {iso3}, start: {t}, years: 1, growth: {m[t + 1] / m[t] - 1:.6f}}}"
            )
    return lines


if __name__ == "__main__":
    print("\n".join(legs(int(sys.argv[1]), int(sys.argv[2]))))
