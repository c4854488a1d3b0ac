"""Excel merged cells: a range merged down a column means its value for every row."""

from __future__ import annotations

import time
import zipfile

import openpyxl
import pytest

import mentormatch as mm
from mentormatch._read import read_table

HEADER = ["mentor_id", "mentee_id", "date", "duration_minutes"]


def workbook(path, rows, merges=(), sheet="meetings"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)  # openpyxl keeps the top-left value, as Excel does
    wb.save(path)
    return path


def test_a_mentor_merged_over_three_meeting_rows_is_that_mentor_on_each(tmp_path):
    rows = [
        HEADER,
        ["mentor-0001", "mentee-1", "2026-09-10", 60],
        [None, "mentee-1", "2026-10-08", 45],
        [None, "mentee-1", "2026-11-05", 60],
        ["mentor-0002", "mentee-2", "2026-09-12", 30],
    ]
    path = workbook(tmp_path / "m.xlsx", rows, ["A2:A4"])
    # before: rows 3 and 4 had a blank mentor_id (openpyxl read-only gives no merges)
    meetings = mm.read_meetings(path)
    assert meetings["mentor_id"].tolist() == ["mentor-0001"] * 3 + ["mentor-0002"]
    assert meetings.index.tolist() == [2, 3, 4, 5]
    assert meetings.attrs["mentormatch"]["merged"] == ["A2:A4"]


def test_a_merged_region_in_the_applications_is_no_silent_blank(tmp_path):
    rows = [
        ["id", "role", "region", "organization"],
        ["m1", "mentor", "Northern", "Town A"],
        ["e1", "mentee", None, "Town B"],
        ["e2", "mentee", "Eastern", None],
        ["e3", "mentee", None, None],
    ]
    path = workbook(tmp_path / "a.xlsx", rows, ["C2:C3", "D4:D5"], sheet="applications")
    apps = mm.read_applications(path)
    assert apps["region"].tolist()[:2] == ["Northern", "Northern"]  # before: e1 blank
    assert apps["organization"].isna().tolist() == [False, False, True, True]  # blank range
    assert apps.attrs["mentormatch"]["merged"] == ["C2:C3"]


def test_a_row_with_nothing_but_a_merged_cell_stays_blank(tmp_path):
    rows = [HEADER, ["m1", "e1", "2026-09-10", 60], [None] * 4, ["m2", "e2", "2026-09-11", 30]]
    path = workbook(tmp_path / "m.xlsx", rows, ["A2:A3"])
    raw = read_table(path, func="t", what="meetings")
    assert raw.rows.tolist() == [2, 4]
    assert raw.info["blank_rows"] == [3]


def test_a_range_merged_across_columns_or_the_header_is_a_problem(tmp_path):
    rows = [
        HEADER,
        ["m1", "e1", "2026-09-10", 60],
        ["m1 and e1 met twice", None, "2026-09-11", 60],
        ["m2", "e2", "2026-09-12", 30],
    ]
    path = workbook(tmp_path / "m.xlsx", rows, ["A3:B3", "D1:D2"])
    with pytest.raises(mm.LogError) as info:
        mm.read_meetings(path)
    p = info.value.problems
    got = {(int(r.row), r.column): (r.value, r.expected) for r in p.itertuples()}
    # the cells under each range read blank: they are problems of their own
    assert set(got) == {
        (3, "mentor_id"),
        (3, "mentee_id"),
        (1, "duration_minutes"),
        (2, "duration_minutes"),
    }
    value, expected = got[3, "mentor_id"]
    assert value == "m1 and e1 met twice"
    assert "A3:B3 are merged over 2 columns" in expected
    assert "D1:D2 are merged over the header row" in got[1, "duration_minutes"][1]


def test_cells_hidden_under_a_merge_read_as_excel_shows_them(tmp_path):
    """A workbook written by another program may keep values under a merged range;
    Excel shows the top-left value in the whole range, and so does the reader."""
    path = workbook(
        tmp_path / "m.xlsx",
        [HEADER, ["m1", "e1", "2026-09-10", 60], ["m1", "e1", "2027-01-01", 60]],
    )
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="C2:C3"/></mergeCells>'
    )
    assert xml != parts[sheet]
    parts[sheet] = xml
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    meetings = mm.read_meetings(path)
    assert meetings["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-09-10"] * 2


def test_a_sheet_without_merges_costs_one_scan(tmp_path):
    """Measured: the scan for merges is a small part of reading a 20,000-row sheet."""
    n = 20_000
    rows = [HEADER] + [[f"m{i // 3}", f"e{i // 3}", "2026-09-10", 60] for i in range(n)]
    path = workbook(tmp_path / "big.xlsx", rows)
    wb = openpyxl.load_workbook(path, read_only=True)
    from mentormatch._read_excel import _merged_ranges

    start = time.perf_counter()
    assert _merged_ranges(wb, wb.active, path) == []
    scan = time.perf_counter() - start
    wb.close()
    start = time.perf_counter()
    raw = read_table(path, func="t", what="meetings")
    total = time.perf_counter() - start
    assert len(raw.frame) == n
    assert scan < 0.25 * total, (scan, total)
