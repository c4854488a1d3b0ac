"""Spreadsheet exports: every text cell a spreadsheet would run as a formula is escaped.

Cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return,
on CSV and on Excel output, through MatchResult, the ``check`` command and
the shared writer; numbers stay numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import mentormatch as mm
from mentormatch._export import escape_cell, write_table
from mentormatch.cli import EXIT_VIOLATIONS, main
from test_match import SKILLS_ONLY, person

DANGEROUS = ["=1+1", "+41 22", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        return [cell for row in csv.reader(f) for cell in row]


def excel_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def assert_no_formula_csv(path: Path) -> None:
    for cell in csv_cells(path):
        assert not cell.startswith(FORMULA_START) or _is_number(cell), (path.name, cell)


def assert_no_formula_excel(path: Path) -> None:
    for cell in excel_cells(path):
        assert cell.data_type != "f", (path.name, cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_START), (path.name, cell.value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("value", DANGEROUS)
def test_escape_cell(value: str) -> None:
    assert escape_cell(value) == "'" + value
    assert escape_cell([value, "x"]) == "'" + value + "; x"
    assert escape_cell(np.array([value, "x"], dtype=object)) == "'" + value + "; x"
    assert escape_cell("plain") == "plain"
    assert escape_cell(-5) == -5 and escape_cell(-2.5) == -2.5


def test_write_table_csv_and_excel(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": DANGEROUS,
            "string": pd.array(DANGEROUS, dtype="string"),
            "category": pd.Categorical(DANGEROUS),
            "lists": [[v, "ok"] for v in DANGEROUS],
            "arrays": [np.array([v, "ok"], dtype=object) for v in DANGEROUS],
            "numbers": [-1, -2.5, 0, 3, -4, 5],
            "=header": ["a", "b", "c", "d", "e", "f"],
            "inside": ["x\r=1+1", "x\n=1+1", "x\r\n@A1", "ok", "a,b", 'say "hi"'],
        }
    )
    write_table(frame, tmp_path / "t.csv", func="test")
    write_table({"sheet": frame}, tmp_path / "t.xlsx", func="test")
    assert_no_formula_csv(tmp_path / "t.csv")
    assert_no_formula_excel(tmp_path / "t.xlsx")
    with (tmp_path / "t.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # a line break inside a cell is quoted: the file has exactly the frame's rows
    assert len(rows) == len(frame)
    assert [r["inside"] for r in rows] == list(frame["inside"])
    assert [r["text"] for r in rows] == ["'" + v for v in DANGEROUS]
    assert [r["arrays"] for r in rows] == ["'" + v + "; ok" for v in DANGEROUS]
    assert [float(r["numbers"]) for r in rows] == [-1, -2.5, 0, 3, -4, 5]
    assert "'=header" in rows[0]
    sheet = pd.read_excel(tmp_path / "t.xlsx")
    # (XML text stores a carriage return as a line feed: compare the rest)
    assert list(sheet["string"]) == ["'" + v.replace("\r", "\n") for v in DANGEROUS]
    assert list(sheet["numbers"]) == [-1, -2.5, 0, 3, -4, 5]


def test_match_result_exports_are_escaped(tmp_path: Path) -> None:
    mentees = ["=e1", "+e2", "-e3", "@e4"]
    mentors = ["=r1", "+r2", "-r3", "@r4"]
    apps = [person(i, "mentee", "budgeting") for i in mentees]
    apps += [person(i, "mentor", "budgeting") for i in mentors]
    apps.append(
        person('=HYPERLINK("http://x")', "mentee", "budgeting", member_in_good_standing="no")
    )
    result = mm.match(apps, SKILLS_ONLY)
    assert len(result.pairs) == 4
    result.to_csv(tmp_path / "out.csv")
    result.to_excel(tmp_path / "out.xlsx")
    written = sorted(tmp_path.glob("out*.csv"))
    assert {p.name for p in written} >= {"out.csv", "out_unmatched.csv"}
    for path in written:
        assert_no_formula_csv(path)
    assert_no_formula_excel(tmp_path / "out.xlsx")
    pairs = pd.read_csv(tmp_path / "out.csv")
    assert set(pairs["mentee_id"]) == {"'" + i for i in mentees}
    unmatched = pd.read_excel(tmp_path / "out.xlsx", sheet_name="unmatched")
    assert list(unmatched["participant_id"]) == ['\'=HYPERLINK("http://x")']


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_check_command_output_is_escaped(tmp_path: Path, suffix: str) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("mentor_id,mentee_id\n=m1,-e1\n@m2,+e2\n", encoding="utf-8")
    meetings = tmp_path / "meetings.csv"
    meetings.write_text(
        "mentor_id,mentee_id,date,duration_minutes\n=m1,-e1,2026-09-10,60\n", encoding="utf-8"
    )
    out = tmp_path / f"violations{suffix}"
    argv = ["check", str(pairs), str(meetings), "--policy", "3cma", "--start", "2026-09-01"]
    assert main([*argv, "--as-of", "2027-03-01", "-o", str(out), "--quiet"]) == EXIT_VIOLATIONS
    if suffix == ".csv":
        for path in tmp_path.glob("violations*.csv"):
            assert_no_formula_csv(path)
        assert "'=m1" in set(pd.read_csv(out)["mentor_id"])
    else:
        assert_no_formula_excel(out)
        assert "'@m2" in set(pd.read_excel(out, sheet_name="violations")["mentor_id"])
