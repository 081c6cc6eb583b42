"""Extremes (slow tier, run by CI): 1,000 years of the default world under every scenario, and
degenerate worlds (one shared capital, no spending anywhere, one economy a million times the
others) under every alliance rule, stay finite and within bounds. Figures are off except for one
degenerate run through the CLI, which must also draw them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_model_invariants, edge_set, write_csv

from sim.config import ALLIANCE_RULES, CONFIG_DIR, WorldConfig, compose
from sim.runner import build_model
from sim.worlds import World, load_world, validate_nations

pytestmark = pytest.mark.slow

SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


def assert_bounded(model) -> None:
    p = model.params
    for name in ("gdp", "share", "capability", "threat", "support"):
        assert np.isfinite(getattr(model, name)).all(), (name, model.steps)
    assert (model.share >= p.share_min).all() and (model.share <= p.share_max).all()
    assert (model.capability >= 0).all() and (model.gdp > 0).all()


def run_checked(model, steps: int) -> None:
    seeded = edge_set(model.graph)
    for _ in range(steps):
        model.step()
        assert_bounded(model)
        if model.steps % 100 == 0:
            assert_model_invariants(model, seeded)
    assert_model_invariants(model, seeded)
    tables = (model.nations_table(), model.world_table())
    for table in tables:
        assert np.isfinite(
            table.select_dtypes("number").drop(columns=undefined(table)).to_numpy(float)
        ).all()


def undefined(table: pd.DataFrame) -> list[str]:
    """Columns documented as NaN when undefined (no guideline, no triangle)."""
    return [c for c in ("share_at_target", "balanced_triads") if c in table]


def test_every_scenario_is_found():
    assert {"baseline", "us_retrenchment", "china_rise", "russia_shock"} <= set(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_thousand_years_of_the_default_world(scenario):
    cfg = compose([f"scenario={scenario}", "model.steps=1000", "figures=false"])
    model = build_model(cfg)
    run_checked(model, 1000)
    assert model.steps == 1000


# ----------------------------------------------------------------------------- degenerate worlds


def today_with(**change) -> World:
    """The 2024 world with whole columns replaced (through the loader's validation)."""
    base = load_world(WorldConfig(name="today"))
    nations = base.nations.copy()
    for column, value in change.items():
        nations[column] = value(nations) if callable(value) else value
    nations = validate_nations(nations.astype({"major_power": int}), "<degenerate>")
    return World("degenerate", base.year, nations, base.treaties, base.rivalries, "degenerate")


def one_giant(nations: pd.DataFrame) -> np.ndarray:
    gdp = nations["gdp_usd"].to_numpy(float).copy()
    gdp[0] = gdp[1:].max() * 1e6
    return gdp


DEGENERATE = {
    "one_capital": dict(lat=48.0, lon=16.0),
    "no_spending": dict(milex_usd=0.0),
    "one_giant": dict(gdp_usd=one_giant, milex_usd=lambda n: one_giant(n) * 0.03 * (n.index == 0)),
}


@pytest.mark.parametrize("rule", sorted(ALLIANCE_RULES))
@pytest.mark.parametrize("kind", sorted(DEGENERATE))
def test_degenerate_world_runs_without_nan(kind, rule):
    world = today_with(**DEGENERATE[kind])
    cfg = compose([f"alliance_rule={rule}", "model.steps=150", "figures=false"])
    model = build_model(cfg, world)  # seed 0
    run_checked(model, 150)


def test_degenerate_world_through_the_cli_with_figures(tmp_path, run_cli):
    """No spending anywhere and one shared capital, from a CSV, figures drawn: exit 0."""
    rows = tuple(
        (f"N{i:02d}", f"Nation {i}", "0", "0", str(10**9 * (i + 1)), "0") for i in range(12)
    )
    header = ("iso3", "name", "lat", "lon", "gdp_usd", "milex_usd")
    path = write_csv(tmp_path / "flat.csv", header, rows)
    treaties = write_csv(
        tmp_path / "treaties.csv",
        ("treaty", "iso3", "target_share"),
        tuple(("PACT", f"N{i:02d}", "0.02") for i in range(4)),
    )
    proc = run_cli(
        "world=custom",
        f"world.path={path}",
        f"world.treaties={treaties}",
        "model.steps=40",
        "figures=true",
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((proc.run_dir / "summary.json").read_text())
    assert all(v is not None for k, v in summary["metrics"].items() if k != "burden_correlation")
    assert sorted(p.name for p in Path(proc.run_dir, "figures").glob("*.png"))
