"""Amendment A32 (M13): every armed conflict of the shipped UCDP data as a driver on its years."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from test_mechanisms import _war_state

from sim.errors import ConfigError
from sim.model import ucdp_conflict_years
from sim.rules.demand import ThreatResponseV2, ThreatResponseV2Config, conflict_intensity

ROWS = (
    np.array([2018, 2018, 2019, 2020, 2020]),
    np.array(["IRN", "KGZ", "IRN", "KGZ", "UKR"]),
    np.array(["ISR", "TJK", "ISR", "TJK", "RUS"]),
    np.array([1, 1, 1, 1, 2]),
)
NATIONS = ["IRN", "ISR", "KGZ", "TJK", "UKR", "FRA"]


def test_conflict_intensity_weighs_minor_years_and_wars_and_holds_the_last_year():
    assert conflict_intensity(NATIONS, 2018, *ROWS, 0.5).tolist() == [0.5, 0.5, 0.5, 0.5, 0, 0]
    assert conflict_intensity(NATIONS, 2019, *ROWS, 0.5).tolist() == [0.5, 0.5, 0, 0, 0, 0]
    # a war counts 1 whatever the minor weight; RUS is not a nation here and is skipped
    assert conflict_intensity(NATIONS, 2020, *ROWS, 0.5).tolist() == [0, 0, 0.5, 0.5, 1, 0]
    # after the table's last year the last year's conflicts hold (the data end, not the war)
    assert conflict_intensity(NATIONS, 2031, *ROWS, 1.0).tolist() == [0, 0, 1, 1, 1, 0]
    assert conflict_intensity(NATIONS, 2010, *ROWS, 1.0).tolist() == [0.0] * 6
    empty = (np.array([], int),) + (np.array([], str),) * 2 + (np.array([], int),)
    assert conflict_intensity(NATIONS, 2018, *empty, 1.0).tolist() == [0.0] * 6


def _state(start_year: int) -> SimpleNamespace:
    """Five nations of the shipped UCDP table at 2% of GDP, 5,000 km apart, no ties, threat,
    hostility or war (:func:`test_mechanisms._war_state` with these codes)."""
    far = np.full((5, 5), 5000.0)
    state = _war_state(far, np.zeros(5, bool), far)
    state.iso3, state.start_year, state.steps = ["IRN", "ISR", "KGZ", "UKR", "FRA"], start_year, 0
    state.conflict_years = ucdp_conflict_years  # the model's table, as AllianceModel gives it
    return state


def _shares(cfg: ThreatResponseV2Config, start_year: int, year: int) -> list[float]:
    state = _state(start_year)
    rule = ThreatResponseV2(cfg, state)
    state.steps = year - start_year
    return rule.shares(state).tolist()


def test_the_v2_rule_raises_the_parties_of_the_shipped_conflicts_on_their_years():
    cfg = ThreatResponseV2Config(noise=0.0, eta=1.0, conflict_exposure="ucdp")
    # from 2014: IRN-ISR (intensity 1) from 2018 adds one point to both; France is no party
    assert _shares(cfg, 2014, 2018) == pytest.approx([0.03, 0.03, 0.02, 0.02, 0.02])
    # KGZ-TJK 2021-2022; RUS-UKR (war) from 2022: Ukraine's desired share rises a point too
    assert _shares(cfg, 2014, 2022) == pytest.approx([0.03, 0.03, 0.03, 0.03, 0.02])
    # anchored at 2019, when IRN-ISR is under way: nothing while it lasts; KGZ-TJK ended in 2023
    assert _shares(cfg, 2019, 2023) == pytest.approx([0.02, 0.02, 0.02, 0.03, 0.02])
    # the table ends in 2024: later years hold 2024's conflicts, so world=today moves nobody
    assert _shares(cfg, 2024, 2040) == pytest.approx([0.02] * 5)
    half = ThreatResponseV2Config(noise=0.0, eta=1.0, conflict_exposure="ucdp", conflict_minor=0.5)
    assert _shares(half, 2014, 2022) == pytest.approx([0.025, 0.025, 0.025, 0.03, 0.02])
    # off (the default): nobody moves
    assert _shares(ThreatResponseV2Config(noise=0.0, eta=1.0), 2014, 2022) == [0.02] * 5


def test_the_v2_rule_unanchored_counts_every_conflict_from_zero():
    cfg = ThreatResponseV2Config(noise=0.0, eta=1.0, conflict_exposure="ucdp", anchor=False)
    # no anchor: b = s_floor; IRN and ISR (2019: IRN-ISR) sit a point above the others
    s = _shares(cfg, 2019, 2019)
    assert s[0] - s[4] == pytest.approx(0.01) and s[1] == pytest.approx(s[0])


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("conflict_exposure", "acled"),
        ("conflict_minor", 1.5),
        ("conflict_share", -0.01),
        ("conflict_near_km", 0.0),
    ],
)
def test_conflict_options_are_checked(key: str, value: object):
    with pytest.raises(ConfigError, match=f"budget_rule.{key}"):
        ThreatResponseV2Config(**{key: value})


def test_conflict_intensity_near_home_drops_distant_and_unknown_opponents():
    # A34: IRN-ISR 892 km apart count (<= 950), KGZ-TJK 0 km; UKR's opponent RUS is no nation here
    border = np.full((6, 6), 5000.0)
    border[0, 1] = border[1, 0] = 892.0
    border[2, 3] = border[3, 2] = 0.0
    near = conflict_intensity(NATIONS, 2020, *ROWS, 1.0, border, 950.0)
    assert near.tolist() == [0, 0, 1, 1, 0, 0]
    assert (
        conflict_intensity(NATIONS, 2018, *ROWS, 1.0, border, 950.0).tolist() == [1] * 4 + [0] * 2
    )
    # a threshold below IRN-ISR's 892 km drops that pair; far-apart KGZ-TJK would drop too
    assert conflict_intensity(NATIONS, 2018, *ROWS, 1.0, border, 500.0).tolist() == [
        0,
        0,
        1,
        1,
        0,
        0,
    ]
    border[2, 3] = border[3, 2] = 6000.0
    assert conflict_intensity(NATIONS, 2018, *ROWS, 1.0, border, 950.0).tolist() == [
        1,
        1,
        0,
        0,
        0,
        0,
    ]


def _near_shares(start_year: int, year: int, exposure: str = "ucdp_near", **kw: object) -> list:
    """:func:`_shares` for IRN, ISR, IND, PAK, FRA with IRN-ISR 892 km and IND-PAK 0 km apart."""
    state = _state(start_year)
    state.iso3 = ["IRN", "ISR", "IND", "PAK", "FRA"]
    state.border_km = np.full((5, 5), 5000.0)
    state.border_km[0, 1] = state.border_km[1, 0] = 892.0
    state.border_km[2, 3] = state.border_km[3, 2] = 0.0
    cfg = ThreatResponseV2Config(noise=0.0, eta=1.0, conflict_exposure=exposure, **kw)
    rule = ThreatResponseV2(cfg, state)
    state.steps = year - start_year
    return rule.shares(state).tolist()


def test_the_near_home_rule_counts_near_conflicts_and_no_fall_at_their_end():
    # from 2014: IRN-ISR (892 km) from 2018 adds a point, as A32's M13; IND-PAK is under way
    assert _near_shares(2014, 2018) == pytest.approx([0.03, 0.03, 0.02, 0.02, 0.02])
    # IND-PAK (shipped 2014-2020) has ended by 2021: A32's M13 lowers both a point, M13b does not
    assert _near_shares(2014, 2021, "ucdp") == pytest.approx([0.03, 0.03, 0.01, 0.01, 0.02])
    assert _near_shares(2014, 2021) == pytest.approx([0.03, 0.03, 0.02, 0.02, 0.02])
    # from 2019, IRN-ISR under way too: nobody moves in any year (no rise above the reference)
    assert _near_shares(2019, 2022) == pytest.approx([0.02] * 5)
    # a 500 km reach drops IRN-ISR: nobody moves at all
    assert _near_shares(2014, 2018, conflict_near_km=500.0) == pytest.approx([0.02] * 5)


def test_the_near_home_rule_never_falls_below_the_start_when_a_start_conflict_ends():
    # a start-year conflict (UKR-FRA 0 km, invented here: 2016 only) ends in 2017: A32's M13
    # lowers both parties a point, A34's M13b leaves them at their start share
    rows = (np.array([2016, 2018]), np.array(["UKR", "IRN"]), np.array(["FRA", "ISR"]), np.ones(2))
    border = np.full((5, 5), 5000.0)
    border[3, 4] = border[4, 3] = 0.0
    codes = ["IRN", "ISR", "KGZ", "UKR", "FRA"]
    start = conflict_intensity(codes, 2016, *rows, 1.0, border, 950.0)
    later = conflict_intensity(codes, 2017, *rows, 1.0, border, 950.0)
    assert start.tolist() == [0, 0, 0, 1, 1] and later.tolist() == [0] * 5
    assert np.maximum(later - start, 0).tolist() == [0] * 5
    assert (later - start).tolist() == [0, 0, 0, -1, -1]
