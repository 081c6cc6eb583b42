"""The custom-world reader (sim/worlds/tables.py): spreadsheet dialects it accepts, ambiguous
files it refuses with one line per problem naming file, row and column, all problems at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import WorldConfig
from sim.worlds import WorldError, load_world
from sim.worlds.tables import MAX_PROBLEMS

ROOT = Path(__file__).resolve().parents[1]
HEADER = "iso3,name,lat,lon,gdp_usd,milex_usd,major_power"
ROWS = [
    "AAA,Aland,10,0,1e12,2e10,1",
    "BBB,Bland,20,45,5e11,1e10,0",
    "CCC,Cland,-30,170,2e12,3e10,0",
]


def nations_file(tmp_path: Path, lines: list[str], end: str = "\n", bom: bool = False) -> Path:
    path = tmp_path / "nations.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (end.join(lines) + end).encode())
    return path


def load(path: Path, **kw) -> object:
    return load_world(WorldConfig(name="custom", path=str(path), **kw))


def problems(path: Path, **kw) -> list[str]:
    with pytest.raises(WorldError) as err:
        load(path, **kw)
    return str(err.value).splitlines()


# ----------------------------------------------------------------------------- accepted


def test_trailing_delimiter_on_every_row_is_not_an_index_column(tmp_path):
    path = nations_file(tmp_path, [line + "," for line in [HEADER, *ROWS]])
    w = load(path)
    assert w.iso3 == ["AAA", "BBB", "CCC"]
    assert w.nations["gdp_usd"].tolist() == [1e12, 5e11, 2e12]


def test_trailing_delimiter_on_the_data_rows_only(tmp_path):
    path = nations_file(tmp_path, [HEADER, *(line + ",," for line in ROWS)])
    assert load(path).nations["lat"].tolist() == [10, 20, -30]


def test_comments_bom_and_crlf(tmp_path):
    lines = ["# my world, exported from a spreadsheet", HEADER, ROWS[0], "  # a note", *ROWS[1:]]
    path = nations_file(tmp_path, lines, end="\r\n", bom=True)
    assert load(path).iso3 == ["AAA", "BBB", "CCC"]
    bad = lines.copy()
    bad[4] = bad[4].replace("45", "east")
    path = nations_file(tmp_path, bad, end="\r\n", bom=True)
    assert problems(path) == [f"{path}: row 5, column lon: 'east' is not a finite number"]


@pytest.mark.parametrize(
    ("cells", "flags"),
    [
        (("true", "false", "FALSE"), [True, False, False]),
        (("yes", "no", "No"), [True, False, False]),
        (("1", "0", "0.0"), [True, False, False]),
        (("True", "YES", "0"), [True, True, False]),
    ],
)
def test_major_power_flags(tmp_path, cells, flags):
    rows = [r.rsplit(",", 1)[0] + "," + c for r, c in zip(ROWS, cells, strict=True)]
    assert load(nations_file(tmp_path, [HEADER, *rows])).nations["major_power"].tolist() == flags


# ----------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("lines", "needle"),
    [
        ([HEADER + ", lat", *(r + ",1" for r in ROWS)], "column lat: the column appears twice"),
        (
            [HEADER, ROWS[0], "BBB,Bl\tand,20,45,5e11,1e10,0", ROWS[2]],
            "row 3, column name: control",
        ),
        (
            [HEADER, ROWS[0], "BBB,Bland,20,45\x00,5e11,1e10,0", ROWS[2]],
            "row 3, column lon: control",
        ),
        ([HEADER, ROWS[0], "aaa,Bland,20,45,5e11,1e10,0", ROWS[2]], "'aaa' and 'AAA' (row 2)"),
        ([HEADER, ROWS[0], "BBB, ,20,45,5e11,1e10,0", ROWS[2]], "row 3, column name: is empty"),
        (
            [HEADER, ROWS[0], "BBB,Bland,20,45,5e11,1e10,0.5", ROWS[2]],
            "row 3, column major_power: '0.5' is not a flag",
        ),
        ([HEADER, ROWS[0], 'BBB,"Bland,20,45,5e11,1e10,0', ROWS[2]], "row 3: not a readable CSV"),
        ([HEADER, ROWS[0], "BBB,Bland,20,45,5e11,1e10,0,7", ROWS[2]], "row 3: 8 cells"),
    ],
)
def test_ambiguous_files_are_refused_with_one_line(tmp_path, lines, needle):
    path = nations_file(tmp_path, lines)
    found = problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}: ") and needle in found[0], found


def test_review_period_must_be_whole_years(tmp_path):
    path = nations_file(tmp_path, [HEADER, *ROWS])
    treaties = tmp_path / "treaties.csv"
    treaties.write_text("treaty,iso3,review_period\nPACT,AAA,1.5\nPACT,BBB,2\n")
    found = problems(path, treaties=str(treaties))
    assert found == [
        f"{treaties}: row 2, column review_period: '1.5' is not a whole number of years"
    ]


def test_a_rivalry_of_a_nation_with_itself(tmp_path):
    path = nations_file(tmp_path, [HEADER, *ROWS])
    assert problems(path, rivalries={"AAA-AAA": 0.5}) == [
        "world.rivalries.AAA-AAA: a rivalry of AAA with itself"
    ]


def test_every_problem_of_a_file_at_once_up_to_the_limit(tmp_path):
    rows = [ROWS[0]] + [f"B{k:02d},,north,45,5e11,1e10,2" for k in range(10)]
    found = problems(nations_file(tmp_path, [HEADER, *rows]))
    assert len(found) == MAX_PROBLEMS + 1
    assert "row 3, column name: is empty" in found[0]
    assert any("row 3, column lat: 'north'" in line for line in found)
    assert found[-1].endswith("... and 10 more problem(s)")  # 10 rows x 3 problems


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_before_it_is_opened(tmp_path):
    fifo = tmp_path / "nations.csv"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    assert problems(fifo) == [
        f"{fifo}: not a regular file (a FIFO, socket or device); expected a CSV file"
    ]


# ----------------------------------------------------------------------------- the real CLI


def run_cli(tmp_path: Path, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "world=custom",
            f"world.path={path}",
            "figures=false",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_refuses_a_case_duplicate_with_one_line(tmp_path):
    path = nations_file(tmp_path, [HEADER, ROWS[0], "aaa,Bland,20,45,5e11,1e10,0", ROWS[2]])
    proc = run_cli(tmp_path, path)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert lines == [
        f"error: {path}: row 3, column iso3: 'aaa' and 'AAA' (row 2) differ only in case"
    ]
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_cli_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "nations.csv"
    os.mkfifo(fifo)
    proc = run_cli(tmp_path, fifo)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0 and len(lines) == 1 and "not a regular file" in lines[0], lines
