"""Issue 22 "Done when": every reader, on generated hostile CSV and xlsx files, returns
every data row of the file or raises one library error; never another exception, never
fewer rows.

The files are written here by :mod:`csv` and openpyxl (not by the library), so the
number of data rows is known independently of the reader: the rows written, less the
trailing blank rows of a sheet (Excel has no "end of file"). Their cells are hostile:
quotes, delimiters and line breaks inside cells, CR-only line ends, byte-order marks
at the start and inside cells, NULs, formula text, very long cells, rows encoded
differently from the rest, blank and duplicate header cells, merged ranges.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import mentormatch as mm

READERS = {
    "pairs": mm.read_pairs,
    "meetings": mm.read_meetings,
    "events": mm.read_events,
    "applications": mm.read_applications,
}
COLUMNS = {
    "pairs": ["mentor_id", "mentee_id"],
    "meetings": ["mentor_id", "mentee_id", "date", "duration_minutes"],
    "events": ["mentor_id", "mentee_id", "kind", "date"],
    "applications": ["id", "role"],
}
PLAUSIBLE = {
    "mentor_id": ["m1", "m2", "'=m3", "NA", "mentor-007"],
    "mentee_id": ["e1", "e2", "é", "N/A"],
    "date": ["2026-09-10", "13/09/2026", "Oct 3, 2026"],
    "duration_minutes": ["60", "45", " 30 "],
    "kind": ["plan_submitted", "agreement_signed", "Quarterly Update"],
    "id": ["m1", "e1", "x", "'-y", "null"],
    "role": ["mentor", "mentee", "Mentee"],
}
HUGE = "x" * 200_000  # over the csv module's default field limit (131,072)
HOSTILE = [
    '"', '""', 'a"b', ",", ";", "\t", "\n", "\r", "\r\n", "a\nb", "\x00", "\ufeff",
    "\u200b", "\xa0", "=1+1", "=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "'=x", "#N/A",
    "NA", "None", "   ", "", "é", "Ã©", "€", "🙂", "9999-12-31", "1e308",
]  # fmt: skip
LINE_ENDS = ["\r\n", "\n", "\r"]


def _cell(draw, column: str, hostility: float) -> str:
    if draw(st.floats(0, 1)) < hostility:
        parts = draw(st.lists(st.sampled_from(HOSTILE) | st.text(max_size=3), max_size=3))
        if draw(st.integers(0, 60)) == 0:
            parts.append(HUGE)
        return "".join(parts)
    return draw(st.sampled_from(PLAUSIBLE.get(column, ["note"])))


def _header(draw, table: str) -> list[str]:
    header = list(COLUMNS[table])
    extra = draw(
        st.lists(st.sampled_from(["", " ", "notes", "Mentor ID", "mentor_id"]), max_size=2)
    )
    header += extra  # blank header cells, a second "mentor_id" (a duplicate)
    return draw(st.permutations(header)) if draw(st.booleans()) else header


@st.composite
def hostile_csv(draw):
    table = draw(st.sampled_from(sorted(READERS)))
    header = _header(draw, table)
    hostility = draw(st.sampled_from([0.0, 0.15, 0.5]))
    n = draw(st.integers(0, 6))
    rows = []
    for _ in range(n):
        row = [_cell(draw, c, hostility) for c in header]
        if draw(st.integers(0, 5)) == 0:
            row = [""] * len(header)  # a blank row
        rows.append(row)
    sep = draw(st.sampled_from([",", ";", "\t"]))
    end = draw(st.sampled_from(LINE_ENDS))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "mixed"]))
    data = b""
    for k, row in enumerate([header, *rows]):
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=sep, lineterminator=end, quoting=quoting).writerow(row)
        line = out.getvalue()
        codec = encoding
        if encoding == "mixed":  # an export pasted together from two machines
            codec = draw(st.sampled_from(["utf-8", "cp1252"]))
        data += line.encode(
            "utf-8-sig" if codec == "utf-8-sig" and k == 0 else codec.replace("-sig", ""),
            errors="replace",
        )
    return table, header, rows, data


def _check(table: str, path, written: int) -> None:
    try:
        frame = READERS[table](path)
    except (mm.ApplicationError, mm.LogError) as exc:
        assert len(exc.problems) >= 1
        assert str(exc).startswith("The ")
        event(f"{table}: one library error")
        return
    event(f"{table}: every row")
    info = frame.attrs["mentormatch"]
    assert len(frame) + info["blank_lines"] == written  # never fewer rows
    if table != "applications":
        assert sorted(frame.index.tolist() + info["blank_rows"]) == list(range(2, written + 2))


@settings(
    max_examples=220, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hostile_csv())
def test_hostile_csv_files_give_every_row_or_one_library_error(tmp_path, case):
    table, _, rows, data = case
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    _check(table, path, len(rows))


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@st.composite
def hostile_xlsx(draw):
    table = draw(st.sampled_from(sorted(READERS)))
    header = _header(draw, table)
    hostility = draw(st.sampled_from([0.0, 0.2, 0.6]))
    n = draw(st.integers(0, 5))
    rows: list[list[object]] = []
    for _ in range(n):
        row: list[object] = []
        for c in header:
            kind = draw(st.integers(0, 9))
            if kind == 0:
                row.append(None)
            elif kind == 1:
                row.append(draw(st.sampled_from([0, 60, -1.5, 1e308, True])))
            else:  # XML holds no control characters: openpyxl refuses them
                text = _ILLEGAL_XML.sub("", _cell(draw, c, hostility))
                row.append(text[:32_767])  # Excel's longest cell
        rows.append(row)
    merges = []
    width, height = len(header), n + 1
    for _ in range(draw(st.integers(0, 2))):
        c0 = draw(st.integers(1, width))
        r0 = draw(st.integers(1, height))
        c1 = draw(st.integers(c0, min(width, c0 + 1)))
        r1 = draw(st.integers(r0, min(height, r0 + 2)))
        ref = (
            f"{openpyxl.utils.get_column_letter(c0)}{r0}:{openpyxl.utils.get_column_letter(c1)}{r1}"
        )
        if (c0, r0) != (c1, r1) and not any(_overlap(ref, m) for m in merges):
            merges.append(ref)
    return table, header, rows, merges


def _overlap(a: str, b: str) -> bool:
    from openpyxl.utils.cell import range_boundaries

    a0, a1, a2, a3 = range_boundaries(a)
    b0, b1, b2, b3 = range_boundaries(b)
    return not (a2 < b0 or b2 < a0 or a3 < b1 or b3 < a1)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hostile_xlsx())
def test_hostile_workbooks_give_every_row_or_one_library_error(tmp_path, case):
    table, header, rows, merges = case
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, never a formula
    for ref in merges:
        ws.merge_cells(ref)  # the cells under a range lose their value, as in Excel
    path = tmp_path / "t.xlsx"
    wb.save(path)
    # the oracle: the cells as saved, the data rows up to the last one with a value
    shown = [[ws.cell(row=r, column=c).value for c in range(1, len(header) + 1)]
             for r in range(2, len(rows) + 2)]  # fmt: skip
    blank = [all(v is None or (isinstance(v, str) and not v.strip()) for v in row) for row in shown]
    while blank and blank[-1]:
        blank.pop()
    _check(table, path, len(blank))
