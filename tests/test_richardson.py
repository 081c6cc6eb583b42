"""Richardson's arms race on a two-nation world: the closed form, the runaway, bad coefficients."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from sim.config import ConfigError, ModelConfig, NoAllianceConfig, RichardsonConfig, WorldConfig
from sim.model import AllianceModel
from sim.rules.richardson import (
    richardson_coefficients,
    richardson_stability,
    richardson_two_nation_equilibrium,
)
from sim.worlds import load_world


def two_nation_world(tmp_path: Path):
    """Two rivals 1,100 km apart, same regime, no treaties, hostility 1 both ways."""
    path = tmp_path / "nations.csv"
    path.write_text(
        "iso3,name,lat,lon,gdp_usd,milex_usd,gdp_growth,regime,major_power\n"
        "AAA,Aland,0,0,1e12,2e10,0.0,0,0\n"
        "BBB,Bland,0,10,1e12,1e10,0.0,0,0\n"
    )
    return load_world(WorldConfig(name="custom", path=str(path), rivalries={"AAA-BBB": 1.0}))


def run(world, rule: RichardsonConfig, steps: int, share_max: float = 0.4) -> AllianceModel:
    model = AllianceModel(
        world,
        params=ModelConfig(steps=steps, share_max=share_max),
        budget_rule=rule,
        alliance_rule=NoAllianceConfig(),
        rng=0,
    )
    for _ in range(steps):
        model.step()
    return model


def test_closed_form_equilibrium_within_one_percent(tmp_path):
    k, l, a, b, g, h = 0.2, 0.3, 0.5, 0.6, 0.01, 0.02  # noqa: E741 (a b = 0.30 > k l = 0.06)
    rule = RichardsonConfig(
        noise=0.0,
        reaction={"AAA": k, "BBB": l},
        fatigue={"AAA": a, "BBB": b},
        grievance={"AAA": g, "BBB": h},
    )
    model = run(two_nation_world(tmp_path), rule, steps=60)
    eq = richardson_two_nation_equilibrium(k, l, a, b, g, h)
    assert eq.stable
    assert eq.x == pytest.approx((b * g + k * h) / (a * b - k * l))
    x, y = model.share
    assert x == pytest.approx(eq.x, rel=0.01)
    assert y == pytest.approx(eq.y, rel=0.01)
    # and the hostility really was 1 both ways throughout
    assert model.hostile[0, 1] == 1.0 and model.hostile[1, 0] == 1.0


def test_runaway_to_the_bound_when_reaction_outweighs_fatigue(tmp_path, caplog):
    rule = RichardsonConfig(noise=0.0, k=0.6, a=0.3, g=0.005)  # a b = 0.09 < k l = 0.36
    assert not richardson_two_nation_equilibrium(0.6, 0.6, 0.3, 0.3, 0.005, 0.005).stable
    with caplog.at_level(logging.WARNING, logger="sim.rules.budget"):
        model = run(two_nation_world(tmp_path), rule, steps=40, share_max=0.25)
    assert "run away" in caplog.text
    assert np.all(model.share == 0.25)
    shares = model.nations_table().pivot(index="step", columns="iso3", values="share")
    assert (shares.diff().dropna() >= -1e-12).all().all()  # monotone climb to the bound


def test_global_and_per_nation_coefficients():
    rule = RichardsonConfig(k=0.1, a=0.2, g=0.003, fatigue={"BBB": 0.4})
    c = richardson_coefficients(["AAA", "BBB"], rule)
    assert c.reaction.tolist() == [0.1, 0.1]
    assert c.fatigue.tolist() == [0.2, 0.4]
    assert c.grievance.tolist() == [0.003, 0.003]
    with pytest.raises(ConfigError, match=r"budget_rule.reaction.ZZZ: not a nation"):
        richardson_coefficients(["AAA"], RichardsonConfig(reaction={"ZZZ": 0.1}))


def test_overshooting_fatigue_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"^budget_rule.a: dt \* a = 2.5"):
        RichardsonConfig(a=2.5)
    with pytest.raises(ConfigError, match=r"^budget_rule.fatigue.RUS: dt \* a = 2.4"):
        RichardsonConfig(dt=2.0, a=0.5, fatigue={"RUS": 1.2})


def test_unstable_euler_map_of_a_stable_system_is_refused(tmp_path):
    # J = [[-1.5, .2], [.2, -1.5]] is stable; with dt = 1.2, I + dt J has eigenvalue -1.04
    rule = RichardsonConfig(noise=0.0, k=0.2, a=1.5, dt=1.2)
    st = richardson_stability(
        richardson_coefficients(["AAA", "BBB"], rule), np.array([[0, 1.0], [1.0, 0]]), rule.dt
    )
    assert st.continuous_stable and not st.discrete_stable
    assert st.discrete_radius == pytest.approx(1.04)
    with pytest.raises(ConfigError, match=r"^budget_rule.dt: .*spectral radius 1.04"):
        run(two_nation_world(tmp_path), rule, steps=1)


def test_richardson_runs_on_the_shipped_world():
    from sim.config import compose
    from sim.runner import simulate

    model = simulate(compose(["budget_rule=richardson", "model.steps=5", "figures=false"]))
    assert np.all(np.isfinite(model.share))
    assert model.budget_rule.coefficients is not None


def test_the_default_is_stable_for_any_hostility_on_worlds_up_to_167_nations():
    from sim.rules.richardson import richardson_coefficients, richardson_stability

    p = RichardsonConfig()
    n = 167  # Gershgorin: k (N - 1) < a and |1 - dt a| + dt k (N - 1) < 1
    coefficients = richardson_coefficients([f"N{i}" for i in range(n)], p)
    worst = np.ones((n, n)) - np.eye(n)  # every pair at full hostility
    st = richardson_stability(coefficients, worst, p.dt)
    assert st.continuous_stable and st.discrete_stable


@pytest.mark.parametrize("extra", [[], ["++budget_rule.reaction={RUS: 0.05}"]])
def test_the_readme_recipes_never_reach_share_max(extra):
    from sim.config import compose
    from sim.runner import simulate

    model = simulate(compose(["budget_rule=richardson", "figures=false", *extra]))
    shares = model.nations_table().query("step > 0")["share"]
    assert shares.max() < 0.5 * model.params.share_max
