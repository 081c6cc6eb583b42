"""World loading: the shipped snapshots, synthetic worlds, custom files and every loader error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.config import WorldConfig, compose
from sim.worlds import DATA_DIR, WorldError, load_world

GOOD = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC"],
        "name": ["Aland", "Bland", "Cland"],
        "lat": [10.0, 20.0, -30.0],
        "lon": [0.0, 45.0, 170.0],
        "gdp_usd": [1e12, 5e11, 2e12],
        "milex_usd": [2e10, 1e10, 3e10],
        "gdp_growth": [0.02, 0.03, 0.01],
        "regime": [0.5, -0.5, 0.8],
        "major_power": [1, 0, 0],
    }
)


def write(tmp_path: Path, nations: pd.DataFrame, treaties: pd.DataFrame | None = None):
    n = tmp_path / "nations.csv"
    nations.to_csv(n, index=False)
    t = None
    if treaties is not None:
        t = tmp_path / "treaties.csv"
        treaties.to_csv(t, index=False)
    return WorldConfig(name="custom", path=str(n), treaties=str(t) if t else None)


@pytest.mark.parametrize("name,year", [("today", 2024), ("y2019", 2019), ("y2014", 2014)])
def test_shipped_snapshots_load(name, year):
    w = load_world(compose([f"world={name}"]).world)  # rivalries come from the data
    assert w.year == year and len(w.nations) >= 140
    assert set(w.nations["iso3"][w.nations["major_power"]]) == {"USA", "CHN", "RUS"}
    assert (DATA_DIR / "SOURCES.md").exists()
    assert (("RUS", "UKR") in w.rivalries) == (year > 2014)
    assert w.rivalries[("USA", "CHN")] == pytest.approx(0.6)
    n = len(w.nations)
    assert len(w.borders) == n * (n - 1) // 2


def test_borders_and_distances_as_matrices():
    w = load_world(WorldConfig(name="today"))
    row = {c: k for k, c in enumerate(w.iso3)}
    land, distance = w.contiguity(), w.border_distance_km()
    assert land.shape == distance.shape == (len(row), len(row))
    assert (land == land.T).all() and (distance == distance.T).all()
    assert land[row["RUS"], row["FIN"]] and not land[row["RUS"], row["USA"]]
    assert distance[row["RUS"], row["FIN"]] == 0.0
    assert 0 < distance[row["RUS"], row["USA"]] < 100  # the Bering Strait, not the capitals
    assert distance[row["DEU"], row["FRA"]] == 0.0 and (distance.diagonal() == 0).all()


def test_wars_of_the_snapshot_year():
    assert load_world(WorldConfig(name="today")).at_war() == [("RUS", "UKR")]
    assert load_world(WorldConfig(name="y2014")).at_war() == []
    assert load_world(WorldConfig(name="y2019")).at_war(min_intensity=1) == [
        ("IND", "PAK"),
        ("IRN", "ISR"),
    ]
    assert load_world(WorldConfig(name="synthetic", n=10)).wars.empty


def test_regimes_switch_removes_the_regime_scores():
    on = load_world(WorldConfig(name="today"))
    off = load_world(WorldConfig(name="today", regimes=False))
    assert on.nations["regime"].abs().sum() > 10
    assert (off.nations["regime"] == 0).all()
    pd.testing.assert_frame_equal(
        on.nations.drop(columns="regime"), off.nations.drop(columns="regime")
    )


def test_custom_world_takes_a_borders_table(tmp_path):
    cfg = write(tmp_path, GOOD)
    borders = tmp_path / "borders.csv"
    borders.write_text("iso3_a,iso3_b\nBBB,AAA\n")
    cfg.borders = str(borders)
    w = load_world(cfg)
    assert w.contiguity().tolist() == [[False, True, False], [True, False, False], [False] * 3]
    d = w.border_distance_km()
    assert d[0, 1] == 0.0 and d[0, 2] > 1000  # no table distance: the capitals' distance
    borders.write_text("iso3_a,iso3_b\nAAA,AAA\nAAA,QQQ\nAAA,BBB\nBBB,AAA\n")
    with pytest.raises(WorldError) as err:
        load_world(cfg)
    lines = str(err.value).splitlines()
    assert len(lines) == 3
    assert "row 2, column iso3_b: a border of AAA with itself" in lines[1]
    assert "row 3, column iso3_b: 'QQQ' is not a nation of the world" in lines[0]
    assert "row 5: the pair AAA-BBB is listed twice" in lines[2]


def test_synthetic_world_is_seeded():
    a = load_world(WorldConfig(name="synthetic", n=50), seed=3)
    b = load_world(WorldConfig(name="synthetic", n=50), seed=3)
    c = load_world(WorldConfig(name="synthetic", n=50), seed=4)
    pd.testing.assert_frame_equal(a.nations, b.nations)
    assert not a.nations["gdp_usd"].equals(c.nations["gdp_usd"])
    assert {"USA", "CHN", "RUS"} <= set(a.nations["iso3"]) and a.nations["iso3"].is_unique
    assert len(a.treaties) > 0


def test_custom_world_loads_and_fills_optional_columns(tmp_path):
    cfg = write(
        tmp_path,
        GOOD.drop(columns=["gdp_growth", "regime", "major_power"]),
        pd.DataFrame({"treaty": ["PACT", "PACT"], "iso3": ["AAA", "BBB"]}),
    )
    w = load_world(cfg)
    assert list(w.nations.columns) == [
        "iso3",
        "name",
        "lat",
        "lon",
        "gdp_usd",
        "milex_usd",
        "gdp_growth",
        "regime",
        "major_power",
    ]
    assert w.nations["regime"].eq(0).all() and not w.nations["major_power"].any()
    assert list(w.treaties["treaty"]) == ["PACT", "PACT"]


@pytest.mark.parametrize("column", ["iso3", "name", "lat", "lon", "gdp_usd", "milex_usd"])
def test_missing_required_column(tmp_path, column):
    cfg = write(tmp_path, GOOD.drop(columns=[column]))
    with pytest.raises(WorldError, match=rf"nations.csv: missing column\(s\) {column}"):
        load_world(cfg)


@pytest.mark.parametrize(
    "column,value,message",
    [
        ("lat", "north", r"row 3, column lat: 'north' is not a finite number"),
        ("gdp_usd", "nan", r"row 3, column gdp_usd: 'nan' is not a finite number"),
        ("milex_usd", "inf", r"row 3, column milex_usd: 'inf' is not a finite number"),
        ("lat", "91", r"row 3, column lat: '91' is outside \[-90.0, 90.0\]"),
        ("lon", "-181", r"row 3, column lon: '-181' is outside"),
        ("gdp_usd", "-5", r"row 3, column gdp_usd: '-5' is outside"),
        ("milex_usd", "-1", r"row 3, column milex_usd: '-1' is outside"),
        ("gdp_usd", "0", r"row 3, column gdp_usd: must be > 0"),
        ("milex_usd", "6e11", r"row 3, column milex_usd: spending exceeds gdp_usd"),
        ("regime", "2", r"row 3, column regime: '2' is outside \[-1.0, 1.0\]"),
        ("iso3", "AAA", r"row 3, column iso3: duplicate 'AAA'"),
        ("iso3", "TOOLONG", r"row 3, column iso3: 'TOOLONG' is not an ISO3 code"),
    ],
)
def test_bad_values_name_file_row_column(tmp_path, column, value, message):
    bad = GOOD.astype(str)
    bad.loc[1, column] = value
    cfg = write(tmp_path, bad)
    with pytest.raises(WorldError, match=message) as err:
        load_world(cfg)
    assert str(tmp_path / "nations.csv") in str(err.value)


def test_treaty_member_not_in_world(tmp_path):
    cfg = write(tmp_path, GOOD, pd.DataFrame({"treaty": ["PACT", "PACT"], "iso3": ["AAA", "ZZZ"]}))
    with pytest.raises(WorldError, match=r"treaties.csv: row 3, column iso3: 'ZZZ' \(PACT\)"):
        load_world(cfg)


def test_treaty_bad_target(tmp_path):
    treaties = pd.DataFrame(
        {"treaty": ["P", "P"], "iso3": ["AAA", "BBB"], "target_share": ["0.02", "two"]}
    )
    with pytest.raises(WorldError, match=r"row 3, column target_share: 'two' is not a finite"):
        load_world(write(tmp_path, GOOD, treaties))


def test_too_few_nations_and_missing_or_directory_path(tmp_path):
    with pytest.raises(WorldError, match="at least 2 nations, found 1"):
        load_world(write(tmp_path, GOOD.head(1)))
    with pytest.raises(WorldError, match="no such file"):
        load_world(WorldConfig(name="custom", path=str(tmp_path / "absent.csv")))
    with pytest.raises(WorldError, match="is a directory"):
        load_world(WorldConfig(name="custom", path=str(tmp_path)))


def test_rivalry_naming_unknown_nation(tmp_path):
    cfg = write(tmp_path, GOOD)
    cfg.rivalries = {"AAA-QQQ": 0.5}
    with pytest.raises(WorldError, match=r"world.rivalries.AAA-QQQ: 'QQQ'"):
        load_world(cfg)


def test_rivalry_with_a_treaty_expands_to_members(tmp_path):
    cfg = write(tmp_path, GOOD, pd.DataFrame({"treaty": ["PACT", "PACT"], "iso3": ["AAA", "BBB"]}))
    cfg.rivalries = {"CCC-PACT": 0.7}
    w = load_world(cfg)
    assert w.rivalries == {("CCC", "AAA"): 0.7, ("CCC", "BBB"): 0.7}
