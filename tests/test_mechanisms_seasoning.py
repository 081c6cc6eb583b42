"""Amendment A27 (M11): a tie formed during a run counts in the budget rule at a weight that
builds over years (``budget_rule.tie_seasoning=linear``)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError, ScenarioConfig, ShockConfig, compose
from sim.model import AllianceModel
from sim.rules.demand import ThreatResponseV2Config, seasoned_commitment

REVISED = ["budget_rule=threat_response_v2", "alliance_rule=utility_v2",
           "model.geography=force_type", "model.blocs=signed"]  # fmt: skip


def test_seasoned_commitment_builds_linearly_from_the_year_a_tie_forms():
    # A-B: a start-world treaty tie (since 0); A-C formed at step 2 (weight 1); B-C none
    w = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    since = np.array([[0, 0, 2], [0, 0, 0], [2, 0, 0]])
    for step, new in ((2, 0.0), (3, 0.25), (4, 0.5), (6, 1.0), (9, 1.0)):
        got = seasoned_commitment(w, since, step, 4.0)
        assert got[0, 1] == got[1, 0] == 1.0  # the start world's tie: full weight
        assert got[0, 2] == got[2, 0] == pytest.approx(new)
        assert got[1, 2] == 0.0  # no tie, no weight
    assert seasoned_commitment(w, since, 3, 2.0)[0, 2] == pytest.approx(0.5)
    # a half-weight tie (formed in a run, M6) builds to its own weight, not to 1
    half = w * np.array([[1, 1, 0.5], [1, 1, 1], [0.5, 1, 1]])
    assert seasoned_commitment(half, since, 4, 4.0)[0, 2] == pytest.approx(0.25)


#: A11's options (V10's threat from spending, in points), no noise, full adjustment by default
RULE = {"noise": 0.0, "eta": 1.0, "threat_from": "spending", "threat_scale": "points"}


def _finland(years: int, **rule) -> np.ndarray:
    """Finland's share after each of ``years`` years from 2019, joining NATO in year 1."""
    join = ShockConfig(step=1, kind="accession", iso3="FIN", value=1, against=["NATO"])
    model = AllianceModel(
        "y2019",
        scenario=ScenarioConfig(name="s", shocks=[join]),
        budget_rule=ThreatResponseV2Config(**(RULE | rule)),
        alliance_rule="none",
    )
    fin = model.row["FIN"]
    shares = []
    for _ in range(years):
        model.step()
        shares.append(model.share[fin])
    return np.array(shares)


def test_a_new_allys_means_count_for_nothing_in_its_accession_year_then_build():
    at_once = _finland(2, eta=0.5)
    seasoned = _finland(2, eta=0.5, tie_seasoning="linear")
    never = _finland(2, eta=0.5, tie_seasoning="linear", seasoning_years=1e9)  # weight ~0
    # at once (A26): the allies' means cut Finland's share in the year it joins
    assert at_once[0] < never[0] - 0.005
    # seasoned: weight 0 in its accession year, so the share is as if its allies had no means
    assert seasoned[0] == pytest.approx(never[0], rel=1e-12)
    # a year on, a quarter of their means counts: below the unseasoned-never, above at once
    assert at_once[1] < seasoned[1] < never[1] - 0.005


def test_seasoning_leaves_a_run_without_new_ties_bit_identical():
    def shares(seasoning: str) -> np.ndarray:
        model = AllianceModel(
            "y2014",
            budget_rule=ThreatResponseV2Config(noise=0.001, tie_seasoning=seasoning),
            alliance_rule="none",
        )
        for _ in range(3):
            model.step()
        return model.share.copy()

    assert np.array_equal(shares("none"), shares("linear"))


def test_bad_tie_seasoning_names_its_key():
    with pytest.raises(ConfigError, match="budget_rule.tie_seasoning: must be one of none, linear"):
        compose([*REVISED, "budget_rule.tie_seasoning=exponential"])
    with pytest.raises(ConfigError, match="budget_rule.seasoning_years"):
        ThreatResponseV2Config(seasoning_years=0.0)
