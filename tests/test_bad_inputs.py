"""A catalogue of bad inputs, each run through the real CLI (``python -m sim`` as a subprocess).

Every case must stop before the first step with ONE line ``error: ...`` naming the file, row and
column (or the key), a non-zero exit, no stack trace and no ``summary.json``. Hydra's own
override errors (unknown group option, a value of the wrong type) are printed by Hydra: a short
message naming the key plus Hydra's ``HYDRA_FULL_ERROR=1`` hint. We accept that form (it names
the key and shows no traceback) and assert exactly that.
"""

from __future__ import annotations

import os
import types
from pathlib import Path

import pytest
from conftest import WORLD_HEADER, WORLD_ROWS, write_csv

from sim.config import WorldConfig, compose
from sim.errors import report_user_errors
from sim.runner import run
from sim.worlds import WorldError, load_world

#: every case runs in-process (the same ``report_user_errors(run(...))`` path as ``python -m
#: sim`` below Hydra's main) in the fast tier, and through the real CLI in the slow tier
MODES = ["in_process", pytest.param("cli", marks=pytest.mark.slow)]


@pytest.fixture(params=MODES)
def sim(request, tmp_path, run_cli, capsys):
    """Run overrides in the parametrised mode; returns an object like a CompletedProcess."""
    if request.param == "cli":
        return run_cli

    def in_process(*overrides: str):
        run_dir = tmp_path / "run"
        capsys.readouterr()
        code = 0
        try:
            report_user_errors(
                lambda: run(compose(["figures=false", "model.steps=3", *overrides]), run_dir)
            )
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return types.SimpleNamespace(returncode=code, stdout=out, stderr=err, run_dir=run_dir)

    return in_process


def assert_one_line_error(proc, *needles: str) -> str:
    """The run failed cleanly: non-zero exit, one ``error:`` line holding every needle."""
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Traceback" not in output, output
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert not (proc.run_dir / "summary.json").exists()
    return lines[0]


def assert_hydra_error(proc, *needles: str) -> None:
    """Hydra rejected an override: non-zero exit, the key named, no traceback, no summary."""
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Traceback" not in output, output
    for needle in needles:
        assert needle in proc.stderr, (needle, proc.stderr)
    assert not (proc.run_dir / "summary.json").exists()


def world_file(tmp_path: Path, rows=WORLD_ROWS, header=WORLD_HEADER, name="nations.csv") -> Path:
    return write_csv(tmp_path / name, header, rows)


def with_cell(row: int, column: str, value: str) -> tuple[tuple[str, ...], ...]:
    """WORLD_ROWS with one cell replaced; ``row`` counts data rows from 0 (file line row + 2)."""
    k = WORLD_HEADER.index(column)
    rows = [list(r) for r in WORLD_ROWS]
    rows[row][k] = value
    return tuple(tuple(r) for r in rows)


def custom(path: Path, treaties: Path | None = None) -> list[str]:
    args = ["world=custom", f"world.path={path}"]
    return args + ([f"world.treaties={treaties}"] if treaties else [])


# ----------------------------------------------------------------------------- world files


@pytest.mark.parametrize("column", WORLD_HEADER)
def test_missing_required_column(tmp_path, sim, column):
    k = WORLD_HEADER.index(column)
    header = WORLD_HEADER[:k] + WORLD_HEADER[k + 1 :]
    rows = tuple(r[:k] + r[k + 1 :] for r in WORLD_ROWS)
    path = world_file(tmp_path, rows, header)
    line = assert_one_line_error(sim(*custom(path)), str(path), "missing column(s)")
    assert line.split("missing column(s) ")[1].startswith(column)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("gdp_usd", "lots", "'lots' is not a finite number"),
        ("milex_usd", "12,5", "is not a finite number"),  # a decimal comma splits the row
        ("lat", "nan", "'nan' is not a finite number"),
        ("lon", "NaN", "'NaN' is not a finite number"),
        ("gdp_usd", "", "is empty"),
        ("gdp_usd", "inf", "'inf' is not a finite number"),
        ("milex_usd", "-inf", "'-inf' is not a finite number"),
        ("gdp_usd", "1e400", "'1e400' is not a finite number"),  # overflows a float
        ("gdp_usd", "-5e11", "is outside [0.0, inf]"),
        ("milex_usd", "-1", "is outside [0.0, inf]"),
        ("gdp_usd", "0", "must be > 0"),
        ("milex_usd", "2000000000000", "spending exceeds gdp_usd"),
        ("lat", "90.5", "is outside [-90.0, 90.0]"),
        ("lat", "-91", "is outside [-90.0, 90.0]"),
        ("lon", "180.01", "is outside [-180.0, 180.0]"),
        ("lon", "-200", "is outside [-180.0, 180.0]"),
        ("iso3", "AB", "is not an ISO3 code"),
        ("iso3", "AAA", "duplicate 'AAA'"),
    ],
)
def test_bad_cell_names_file_row_and_column(tmp_path, sim, column, value, message):
    path = world_file(tmp_path, with_cell(1, column, value))
    proc = sim(*custom(path))
    if value == "12,5":  # the extra field shifts the row: pandas reports it as unparsable
        assert_one_line_error(proc, str(path))
        return
    assert_one_line_error(proc, str(path), "row 3", f"column {column}", message)


def test_treaty_member_missing_from_the_world(tmp_path, sim):
    nations = world_file(tmp_path)
    treaties = write_csv(
        tmp_path / "treaties.csv", ("treaty", "iso3"), (("PACT", "AAA"), ("PACT", "ZZZ"))
    )
    assert_one_line_error(
        sim(*custom(nations, treaties)), str(treaties), "row 3", "column iso3", "'ZZZ'"
    )


def test_treaty_file_missing_a_column(tmp_path, sim):
    nations = world_file(tmp_path)
    treaties = write_csv(tmp_path / "treaties.csv", ("pact", "iso3"), (("PACT", "AAA"),))
    assert_one_line_error(sim(*custom(nations, treaties)), str(treaties), "treaty")


def test_treaty_target_given_as_text_nan(tmp_path, sim):
    nations = world_file(tmp_path)
    treaties = write_csv(
        tmp_path / "treaties.csv",
        ("treaty", "iso3", "target_share"),
        (("PACT", "AAA", "0.02"), ("PACT", "BBB", "nan")),
    )
    assert_one_line_error(
        sim(*custom(nations, treaties)), str(treaties), "row 3", "column target_share"
    )


def test_empty_file(tmp_path, sim):
    path = tmp_path / "nations.csv"
    path.write_text("")
    assert_one_line_error(sim(*custom(path)), str(path), "empty")


def test_header_only_world(tmp_path, sim):
    path = world_file(tmp_path, rows=())
    assert_one_line_error(sim(*custom(path)), str(path), "at least 2 nations, found 0")


def test_one_nation_world(tmp_path, sim):
    path = world_file(tmp_path, rows=WORLD_ROWS[:1])
    assert_one_line_error(sim(*custom(path)), str(path), "at least 2 nations, found 1")


def test_synthetic_world_of_one(sim):
    assert_one_line_error(sim("world=synthetic", "world.n=1"), "world.n", "got 1")


def test_missing_file(tmp_path, sim):
    path = tmp_path / "nowhere.csv"
    assert_one_line_error(sim(*custom(path)), str(path), "no such file")


def test_directory_where_a_file_is_expected(tmp_path, sim):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    assert_one_line_error(sim(*custom(folder)), str(folder), "is a directory")
    nations = world_file(tmp_path)
    assert_one_line_error(sim(*custom(nations, folder)), str(folder), "is a directory")


def test_path_under_a_regular_file(tmp_path, sim):
    """Unreadable for every user, root included: a parent of the path is a file (ENOTDIR)."""
    parent = world_file(tmp_path)
    path = parent / "nations.csv"
    assert_one_line_error(sim(*custom(path)), str(path), f"{parent} is a file")


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads a chmod 000 file anyway (CAP_DAC_OVERRIDE); see the ENOTDIR case",
)
def test_file_without_read_permission(tmp_path, sim):
    path = world_file(tmp_path)
    path.chmod(0)
    try:
        assert_one_line_error(sim(*custom(path)), str(path), "cannot be read")
    finally:
        path.chmod(0o644)


def test_binary_file_is_not_a_csv(tmp_path, sim):
    path = tmp_path / "nations.csv"
    path.write_bytes(b"PAR1\x15\x04\x15\xd8\xff\xfe\x00\x01" * 20)
    assert_one_line_error(sim(*custom(path)), str(path), "not a readable CSV table")


def test_stack_trace_only_on_request(tmp_path, run_cli):
    path = world_file(tmp_path, with_cell(0, "lat", "north"))
    plain = run_cli(*custom(path))
    assert_one_line_error(plain, "row 2", "column lat")
    traced = run_cli(*custom(path), env={"SIM_TRACEBACK": "1"})
    assert traced.returncode != 0
    assert "Traceback" in traced.stderr and "WorldError" in traced.stderr
    assert not (traced.run_dir / "summary.json").exists()


# ----------------------------------------------------------------------------- the loader's gaps


def load(path: Path):
    return load_world(WorldConfig(name="custom", path=str(path)))


def test_bom_and_spaces_around_header_names_are_accepted(tmp_path):
    path = tmp_path / "nations.csv"
    header = " , ".join(WORLD_HEADER)
    body = "\n".join(",".join(r) for r in WORLD_ROWS)
    path.write_bytes(b"\xef\xbb\xbf" + (header + "\n" + body + "\n").encode())
    world = load(path)
    assert world.iso3 == ["AAA", "BBB", "CCC"]


def test_blank_lines_are_skipped_and_rows_keep_their_line_numbers(tmp_path):
    path = tmp_path / "nations.csv"
    lines = [",".join(WORLD_HEADER), ",".join(WORLD_ROWS[0]), "", ",,,,,"]
    lines += [",".join(with_cell(1, "lon", "east")[1]), ",".join(WORLD_ROWS[2]), ",,,,,"]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(WorldError, match=r"row 5, column lon: 'east'"):
        load(path)
    lines[4] = ",".join(WORLD_ROWS[1])
    path.write_text("\n".join(lines) + "\n")
    assert load(path).iso3 == ["AAA", "BBB", "CCC"]


def test_short_row_names_the_empty_cell(tmp_path):
    path = tmp_path / "nations.csv"
    rows = [",".join(WORLD_HEADER), ",".join(WORLD_ROWS[0]), "BBB,Beta,1,2,3"]
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(WorldError, match=r"row 3, column milex_usd: is empty"):
        load(path)


def test_missing_column_lists_the_columns_found(tmp_path):
    header = ("ISO3",) + WORLD_HEADER[1:]
    path = world_file(tmp_path, header=header)
    with pytest.raises(WorldError, match=r"missing column\(s\) iso3 \(found: ISO3, name"):
        load(path)


# ----------------------------------------------------------------------------- config keys


@pytest.mark.parametrize("steps", ["0", "-3"])
def test_steps_must_be_positive(sim, steps):
    assert_one_line_error(sim(f"model.steps={steps}"), "model.steps", "must be >= 1")


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario=atlantis", "scenario/atlantis"),
        ("budget_rule=telepathy", "budget_rule/telepathy"),
        pytest.param("alliance_rule=marriage", "alliance_rule/marriage", marks=pytest.mark.slow),
        pytest.param("world=mars", "world/mars", marks=pytest.mark.slow),
    ],
)
def test_unknown_group_option(run_cli, override, key):
    proc = run_cli(override)
    assert_hydra_error(proc, key, "Available options")


def test_unknown_rule_name_inside_the_group(sim):
    assert_one_line_error(
        sim("budget_rule.name=telepathy"), "budget_rule.name", "unknown rule 'telepathy'"
    )


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("model.steps=abc", "model.steps"),
        ("figures=maybe", "figures"),
        pytest.param("model.steps=2.5", "model.steps", marks=pytest.mark.slow),
        pytest.param("seed=1.5", "seed", marks=pytest.mark.slow),
        pytest.param("model.share_max=high", "model.share_max", marks=pytest.mark.slow),
        pytest.param("model.steps=[1,2]", "model.steps", marks=pytest.mark.slow),
    ],
)
def test_wrong_override_type(run_cli, override, key):
    proc = run_cli(override)
    assert_hydra_error(proc, key)
    first = proc.stderr.splitlines()[0]
    assert key.split(".")[-1] in first or key in proc.stderr.splitlines()[1], proc.stderr


def test_hydra_full_error_shows_the_trace(run_cli):
    proc = run_cli("model.steps=abc", env={"HYDRA_FULL_ERROR": "1"})
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr
    assert not (proc.run_dir / "summary.json").exists()


def test_float_overflow_stops_with_one_line(tmp_path, sim):
    """A world that grows 50% a year from 1e307 leaves the range of a float within years."""
    header = (*WORLD_HEADER, "gdp_growth")
    rows = (
        ("AAA", "Alpha", "0", "0", "1e307", "1e305", "0.5"),
        ("BBB", "Beta", "10", "10", "1e12", "1e10", "0.0"),
    )
    path = world_file(tmp_path, rows, header)
    proc = sim(*custom(path), "model.steps=20")
    assert_one_line_error(proc, "model.steps", "of AAA left the range of a float")


def test_scenario_naming_a_nation_the_world_lacks(sim):
    proc = sim("world=synthetic", "world.n=2", "scenario=russia_shock")
    assert_one_line_error(proc, "scenario.", "'RUS' is not a nation")


# ----------------------------------------------------------------------------- nothing written


def test_a_refused_run_leaves_no_run_directory(tmp_path):
    """Through Hydra's real entry point: every check made before the first step (config, world,
    scenario, rules, propensity, hindcast span) runs before Hydra writes ``.hydra/`` and a log."""
    from clibatch import run_batch

    nations = world_file(tmp_path, with_cell(0, "lat", "north"))
    cases = {
        "config": ["model.steps=0"],
        "world file": custom(nations),
        "propensity": ["alliance_rule=landscape", f"alliance_rule.propensity={tmp_path}/no.csv"],
        "scenario": ["world=synthetic", "world.n=2", "scenario=russia_shock"],
        "richardson": ["budget_rule=richardson", "+budget_rule.reaction={ZZZ: 0.5}"],
        "hindcast": ["world=y2014", "hindcast=true", "model.steps=11"],  # past 2024
        "accepted": ["model.steps=2"],
    }
    needles = {
        "config": "model.steps",
        "world file": "column lat",
        "propensity": "alliance_rule.propensity",
        "scenario": "'RUS' is not a nation",
        "richardson": "ZZZ",
        "hindcast": "model.steps",
    }
    results = dict(zip(cases, run_batch(list(cases.values()), tmp_path), strict=True))
    accepted = results.pop("accepted")
    assert accepted.returncode == 0, accepted.stderr
    assert (accepted.run_dir / "summary.json").is_file()
    for name, proc in results.items():
        assert_one_line_error(proc, needles[name])
        assert not proc.run_dir.exists(), (name, sorted(proc.run_dir.rglob("*")))


def test_hindcast_on_a_world_that_starts_in_2024_gives_a_hint_that_works(sim):
    line = assert_one_line_error(sim("hindcast=true"), "hindcast:", "experiment=hindcast_2014_2024")
    assert "model.steps=0" not in line  # refused by model.steps >= 1: no advice to follow
