"""Every config key checked through the real CLI (issue 16): unknown keys whatever the ``+`` or
``++`` prefix, keys of another world, non-finite and out-of-range numbers, cross-key checks, and
messages that blame the right key. Each case must stop before Hydra writes anything, with one
line naming the key (or, for a value Hydra itself cannot type, Hydra's short message naming it),
a non-zero exit and no traceback. The cases run in two subprocesses (tests/clibatch.py).
"""

from __future__ import annotations

import json

import pytest
from clibatch import run_batch

#: name -> (overrides, the key the message must name, text it must not hold)
REFUSED = {
    # unknown keys, whatever the prefix; a user's own keys belong under extra:
    "plus_misspelt": (["+model.stepz=50"], "model.stepz", None),
    "plusplus_misspelt": (["++budget_rule.reacton={RUS: 0.9}"], "budget_rule.reacton", None),
    "plus_top_level": (["+colour=red"], "colour", None),
    "plus_scenario": (["+scenario.shokcs=[]"], "scenario.shokcs", None),
    # keys of another world
    "path_without_custom": (["world.path=nations.csv"], "world.path", None),
    "n_without_synthetic": (["world.n=10"], "world.n", None),
    "treaties_without_custom": (["world.treaties=t.csv"], "world.treaties", None),
    "borders_without_custom": (["world=y2019", "world.borders=b.csv"], "world.borders", None),
    # non-finite or out of range
    "dilemma_inf": (["model.dilemma=inf"], "model.dilemma", None),
    "noise_inf": (["budget_rule.noise=inf"], "budget_rule.noise", None),
    "spill_in_unknown": (
        ["budget_rule=threat_response_v2", "budget_rule.spill_in=everyone"],
        "budget_rule.spill_in",
        None,
    ),
    "threat_denominator_unknown": (
        ["budget_rule=threat_response_v2", "budget_rule.threat_denominator=allies"],
        "budget_rule.threat_denominator",
        None,
    ),
    "gdp_path_unknown": (["model.gdp_path=forecast"], "model.gdp_path", None),
    "threat_from_unknown": (
        ["budget_rule=threat_response_v2", "budget_rule.threat_from=flows"],
        "budget_rule.threat_from",
        None,
    ),
    "threat_scale_unknown": (
        ["budget_rule=threat_response_v2", "budget_rule.threat_scale=percent"],
        "budget_rule.threat_scale",
        None,
    ),
    "bloc_resolution_inf": (["model.bloc_resolution=inf"], "model.bloc_resolution", None),
    "max_hostility_negative": (
        ["alliance_rule.max_hostility=-5"],
        "alliance_rule.max_hostility",
        None,
    ),
    "weak_share_nan": (["alliance_rule.weak_share=nan"], "alliance_rule.weak_share", None),
    "budget_change_inf": (
        ["scenario=nato_2pct_enforced", "scenario.budget_changes.p=inf"],
        "scenario.budget_changes",
        "model.steps",
    ),
    "k_inf": (["budget_rule.k=inf"], "budget_rule.k", "model.steps"),
    "f_inf": (["budget_rule.f=inf"], "budget_rule.f", "model.steps"),
    "a_inf": (["budget_rule.a=inf"], "budget_rule.a", "model.steps"),
    "p_inf": (["budget_rule.p=inf"], "budget_rule.p", "model.steps"),
    "growth_drag_inf": (["model.growth_drag=inf"], "model.growth_drag", "model.steps"),
    "tiny_depreciation": (["model.depreciation=1e-320"], "model.depreciation", "model.steps"),
    "richardson_k_inf": (["budget_rule=richardson", "budget_rule.k=inf"], "budget_rule.k", None),
    "landscape_hostility_inf": (
        ["alliance_rule=landscape", "alliance_rule.hostility_weight=inf"],
        "alliance_rule.hostility_weight",
        None,
    ),
    "schedule_growth_huge": (
        ["scenario=china_rise", "scenario.schedules.0.growth=1e308"],
        "scenario.schedules[0].growth",
        None,
    ),
    "start_year_huge": (["world.start_year=9223372036854775000"], "world.start_year", None),
    # cross-key checks
    "hindcast_on_today": (["hindcast=true"], "hindcast", "model.steps=0"),
    "shock_after_the_last_step": (
        ["scenario=russia_shock", "scenario.shocks.0.step=40", "model.steps=30"],
        "scenario.shocks[0].step",
        None,
    ),
    "schedule_after_the_last_step": (
        ["scenario=china_rise", "scenario.schedules.0.start=30", "model.steps=30"],
        "scenario.schedules[0].start",
        None,
    ),
}

#: values Hydra itself refuses to type: its own short message, naming the key
HYDRA_REFUSED = {
    "review_period_fraction": (["alliance_rule.review_period=1.5"], "review_period"),
}

ACCEPTED = {
    "extra_section": ["+extra.note=my label", "+extra.batch=3"],
    "n_with_synthetic": ["world=synthetic", "world.n=10"],
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    base = tmp_path_factory.mktemp("keys")
    cases = {name: over for name, (over, *_) in REFUSED.items()}
    cases |= {name: over for name, (over, _) in HYDRA_REFUSED.items()}
    cases |= ACCEPTED
    argvs = [
        ["model.steps=3", *over] if not any(o.startswith("model.steps=") for o in over) else over
        for over in cases.values()
    ]
    return dict(zip(cases, run_batch(argvs, base), strict=True))


@pytest.mark.parametrize("name", REFUSED)
def test_refused_with_the_key_named(results, name):
    proc = results[name]
    _, key, not_this = REFUSED[name]
    assert proc.returncode == 2, (name, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert key in lines[0], (key, lines[0])
    if not_this is not None:
        assert not_this not in lines[0], lines[0]
    assert not proc.run_dir.exists(), sorted(proc.run_dir.rglob("*"))


@pytest.mark.parametrize("name", HYDRA_REFUSED)
def test_refused_by_hydra_with_the_key_named(results, name):
    proc = results[name]
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert HYDRA_REFUSED[name][1] in proc.stderr
    assert not proc.run_dir.exists()


def test_extra_keys_are_kept_in_the_record(results):
    proc = results["extra_section"]
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((proc.run_dir / "summary.json").read_text())
    assert summary["config"]["extra"] == {"note": "my label", "batch": 3}


def test_world_n_with_synthetic_is_accepted(results):
    proc = results["n_with_synthetic"]
    assert proc.returncode == 0, proc.stderr
    assert json.loads((proc.run_dir / "summary.json").read_text())["world"]["n_nations"] == 10
