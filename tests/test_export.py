"""Spreadsheet exports: safe to open, lossless to read back, fit to send.

The oracle for "read back" is the readers' rule (issue 15): a text cell
matching ``^'+[=+\\-@\\t\\r]`` read from a file loses ONE leading ``'``. The
writer's side: CSV text matching ``^'*[=+\\-@\\t\\r]`` gets one ``'``; xlsx text
is a string cell, unaltered, except text matching ``^'+[=+\\-@\\t]``, which
gets one more ``'`` (a carriage return comes back from XML as a line feed).
Files are read back here with pandas (CSV) and openpyxl (xlsx), independently
of mentormatch's own readers.
"""

from __future__ import annotations

import csv
import gc
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch._export import escape_cell, write_table
from mentormatch.cli import EXIT_VIOLATIONS, main

DANGEROUS = ["=1+1", "+41 22", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "-17", "=A1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
READER_RULE = re.compile(r"^'+[=+\-@\t\r]")


def unescape(text: str) -> str:
    """What mentormatch's readers do to a text cell read from a file (the contract)."""
    return text[1:] if READER_RULE.match(text) else text


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def csv_cells(path: Path) -> list[str]:
    return [cell for row in csv_rows(path) for cell in row]


def excel_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def excel_sheet(path: Path, sheet: str) -> list[list[object]]:
    book = openpyxl.load_workbook(path)
    return [[c.value for c in row] for row in book[sheet].iter_rows()]


def assert_no_formula_csv(path: Path) -> None:
    """Every CSV cell a spreadsheet would run starts with ' (or is a plain number)."""
    for cell in csv_cells(path):
        assert not cell.startswith(FORMULA_START) or _is_number(cell), (path.name, cell)


def assert_no_formula_excel(path: Path) -> None:
    """No formula cell, and every text cell is a string cell."""
    for cell in excel_cells(path):
        assert cell.data_type != "f", (path.name, cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert cell.data_type == "s", (path.name, cell.coordinate, cell.value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("text", "csv_text", "xlsx_text"),
    [
        ("=A1", "'=A1", "=A1"),
        ("'=A1", "''=A1", "''=A1"),
        ("''-1", "'''-1", "'''-1"),
        ("-17", "'-17", "-17"),
        ("+x", "'+x", "+x"),
        ("@y", "'@y", "@y"),
        ("\t=1", "'\t=1", "\t=1"),
        ("'x", "'x", "'x"),
        ("plain", "plain", "plain"),
        ("a=b", "a=b", "a=b"),
    ],
)
def test_escape_rule_is_undone_by_the_readers_rule(
    text: str, csv_text: str, xlsx_text: str
) -> None:
    assert escape_cell(text) == csv_text
    assert escape_cell(text, "xlsx") == xlsx_text
    assert unescape(csv_text) == text
    assert unescape(xlsx_text) == text
    assert escape_cell([text, "x"]) == escape_cell(text + "; x")
    assert escape_cell(np.array([text, "x"], dtype=object)) == escape_cell(text + "; x")
    assert escape_cell(-5) == -5 and escape_cell(-2.5) == -2.5


def test_write_table_csv_and_excel(tmp_path: Path) -> None:
    n = len(DANGEROUS)
    frame = pd.DataFrame(
        {
            "text": DANGEROUS,
            "string": pd.array(DANGEROUS, dtype="string"),
            "category": pd.Categorical(DANGEROUS),
            "lists": [[v, "ok"] for v in DANGEROUS],
            "arrays": [np.array([v, "ok"], dtype=object) for v in DANGEROUS],
            "numbers": [-1, -2.5, 0, 3, -4, 5, -17, 1e6],
            "=header": list("abcdefgh"),
            "inside": ["x\r=1+1", "x\n=1+1", "x\r\n@A1", "ok", "a,b", 'say "hi"', "#N/A", "'"],
        }
    )
    write_table(frame, tmp_path / "t.csv", func="test")
    write_table({"sheet": frame}, tmp_path / "t.xlsx", func="test")
    assert_no_formula_csv(tmp_path / "t.csv")
    assert_no_formula_excel(tmp_path / "t.xlsx")

    with (tmp_path / "t.csv").open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    # a line break inside a cell is quoted: the file has exactly the frame's rows
    assert len(rows) == n
    assert [r["inside"] for r in rows] == list(frame["inside"])
    for col in ("text", "string", "category"):
        assert [r[col] for r in rows] == ["'" + v for v in DANGEROUS]
        assert [unescape(r[col]) for r in rows] == DANGEROUS
    assert [unescape(r["arrays"]) for r in rows] == [v + "; ok" for v in DANGEROUS]
    assert [float(r["numbers"]) for r in rows] == [-1, -2.5, 0, 3, -4, 5, -17, 1e6]
    assert "'=header" in rows[0]

    sheet = excel_sheet(tmp_path / "t.xlsx", "sheet")
    header = sheet[0]
    assert header[6] == "=header"  # a string cell, unaltered
    body = {h: [r[k] for r in sheet[1:]] for k, h in enumerate(header)}
    # (XML stores a carriage return inside a cell as a line feed: documented)
    as_xml = [v.replace("\r\n", "\n").replace("\r", "\n") for v in DANGEROUS]
    for col in ("text", "string", "category"):
        assert body[col] == as_xml
    assert body["lists"] == [v + "; ok" for v in as_xml]
    assert body["numbers"] == [-1, -2.5, 0, 3, -4, 5, -17, 1e6]
    assert body["inside"][6] == "#N/A"  # text, not an error cell
    # pandas reads the same text
    read = pd.read_excel(tmp_path / "t.xlsx", dtype=object, keep_default_na=False)
    assert list(read["text"]) == as_xml


def test_headers_are_escaped_too(tmp_path: Path) -> None:
    frame = pd.DataFrame({"=h": ["a"], "'=h2": ["b"], "-h3": [1]})
    write_table(frame, tmp_path / "h.csv", func="test")
    write_table(frame, tmp_path / "h.xlsx", func="test")
    assert csv_rows(tmp_path / "h.csv")[0] == ["'=h", "''=h2", "'-h3"]
    assert excel_sheet(tmp_path / "h.xlsx", "data")[0] == ["=h", "''=h2", "-h3"]
    assert [unescape(h) for h in csv_rows(tmp_path / "h.csv")[0]] == list(frame.columns)
    assert [unescape(str(h)) for h in excel_sheet(tmp_path / "h.xlsx", "data")[0]] == list(
        frame.columns
    )


cell_text = st.text(
    alphabet=st.sampled_from([*"=+-@'\t\r\n;,\" aZ9éÉàçôñ€_", "\u00a0"]), max_size=12
)


@given(
    values=st.lists(cell_text, min_size=1, max_size=8),
    header=cell_text.filter(lambda h: h.strip() != ""),
)
@example(values=["'\r", ""], header="'\r")  # an added ' stayed: XML reads CR back as LF
def test_any_text_survives_write_and_read_back(
    tmp_path_factory: pytest.TempPathFactory, values: list[str], header: str
) -> None:
    """Any text (leading = + - @ ', accents, separators, quotes, line breaks) reads back."""
    folder = tmp_path_factory.mktemp("roundtrip")
    frame = pd.DataFrame({"id": values, header if header != "id" else "id2": values})
    write_table(frame, folder / "t.csv", func="test")
    write_table(frame, folder / "t.xlsx", func="test")

    back = pd.read_csv(folder / "t.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert [unescape(str(c)) for c in back.columns] == list(frame.columns)
    for col in back.columns:
        assert [unescape(v) for v in back[col]] == values

    sheet = excel_sheet(folder / "t.xlsx", "data")
    assert [unescape(str(h)).replace("\n", "\r") for h in sheet[0]] == [
        c.replace("\r\n", "\r").replace("\n", "\r") for c in frame.columns
    ]
    for k in range(2):
        got = [unescape("" if r[k] is None else str(r[k])) for r in sheet[1:]]
        # XML turns CR and CRLF into LF; nothing else changes
        assert got == [v.replace("\r\n", "\n").replace("\r", "\n") for v in values]
    assert_no_formula_excel(folder / "t.xlsx")


# --------------------------------------------------------------------------- display


def test_xlsx_header_bold_frozen_filtered_widths(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "long": ["x" * 500, "y", "z"],
            "score": [0.1049999982118607, 0.5, 1.0],
        }
    )
    write_table({"pairs": frame, "more": frame.head(1)}, tmp_path / "w.xlsx", func="t")
    book = openpyxl.load_workbook(tmp_path / "w.xlsx")
    assert book.sheetnames == ["pairs", "more"]
    for ws in book:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:C{ws.max_row}"
        assert all(c.font.b for c in ws[1])
        assert all(not c.font.b for row in ws.iter_rows(min_row=2) for c in row)
    widths = {k: d.width for k, d in book["pairs"].column_dimensions.items()}
    assert widths["B"] == 60  # capped
    assert 4 < widths["A"] < 12


def test_about_sheet_comes_first(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["a"]})
    facts = {"program": "AMCTO Mentorship Program", "pairs": 3, "objective": 1 / 3}
    write_table({"pairs": frame}, tmp_path / "w.xlsx", func="t", about=facts)
    book = openpyxl.load_workbook(tmp_path / "w.xlsx")
    assert book.sheetnames == ["about", "pairs"]
    about = {r[0].value: r[1] for r in book["about"].iter_rows(min_row=2)}
    assert {k: c.value for k, c in about.items()} == facts
    assert about["objective"].number_format == "0.000"
    assert book["about"].freeze_panes == "A2"
    write_table({"pairs": frame}, tmp_path / "w.csv", func="t", about=facts)
    rows = csv_rows(tmp_path / "w_about.csv")
    assert rows == [["item", "value"], ["program", facts["program"]], ["pairs", "3"],
                    ["objective", "0.333"]]  # fmt: skip


def test_scores_rounded_in_csv_full_precision_in_xlsx_and_api(tmp_path: Path) -> None:
    values = [0.1049999982118607, 0.7797818779945374, 1 / 3, np.nan]
    frame = pd.DataFrame({"score": values})
    write_table(frame, tmp_path / "s.csv", func="t")
    write_table(frame, tmp_path / "s.xlsx", func="t")
    cells = [r[0] for r in csv_rows(tmp_path / "s.csv")[1:]]
    assert cells == ["0.105", "0.78", "0.333", ""]
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["data"]
    got = [ws.cell(row=k, column=1).value for k in range(2, 6)]
    np.testing.assert_allclose(got[:3], values[:3], rtol=1e-15)  # 16 digits: openpyxl's writer
    assert got[3] is None
    assert all(c.number_format == "0.000" for c in ws["A"][1:4])
    assert frame["score"].iloc[0] == 0.1049999982118607  # the caller's frame is untouched


def test_dates_are_dates(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-09-01", None, "2027-06-30"]),
            "at": pd.to_datetime(["2026-09-01 10:30", "2026-09-02 08:00", None]),
            "tz": pd.to_datetime(["2026-09-01"] * 3).tz_localize("America/Toronto"),
        }
    )
    write_table(frame, tmp_path / "d.csv", func="t")
    write_table(frame, tmp_path / "d.xlsx", func="t")
    rows = csv_rows(tmp_path / "d.csv")
    assert [r[0] for r in rows[1:]] == ["2026-09-01", "", "2027-06-30"]
    assert [r[1] for r in rows[1:]] == ["2026-09-01 10:30:00", "2026-09-02 08:00:00", ""]
    assert [r[2] for r in rows[1:]] == ["2026-09-01"] * 3
    ws = openpyxl.load_workbook(tmp_path / "d.xlsx")["data"]
    day = ws["A"][1]
    assert day.is_date and day.number_format == "yyyy-mm-dd"
    assert day.value == pd.Timestamp("2026-09-01").to_pydatetime()
    assert ws["A"][2].value is None
    assert ws["B"][1].is_date and ws["B"][1].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C"][1].is_date and ws["C"][1].number_format == "yyyy-mm-dd"
    read = pd.read_excel(tmp_path / "d.xlsx")
    assert pd.api.types.is_datetime64_any_dtype(read["day"])


def test_control_characters_do_not_crash_the_workbook(tmp_path: Path) -> None:
    frame = pd.DataFrame({"note": ["bell\x07", "ok", "vt\x0bx"], "id": ["a", "b", "c"]})
    write_table(frame, tmp_path / "c.xlsx", func="t")  # openpyxl alone raises here
    write_table(frame, tmp_path / "c.csv", func="t")
    sheet = excel_sheet(tmp_path / "c.xlsx", "data")
    assert [r[0] for r in sheet[1:]] == ["bell\u2407", "ok", "vt\u240bx"]
    assert [r[0] for r in csv_rows(tmp_path / "c.csv")[1:]] == ["bell\x07", "ok", "vt\x0bx"]
    # the about sheet says how many cells were changed
    write_table(frame, tmp_path / "c.xlsx", func="t", about={"program": "x"})
    about = dict(excel_sheet(tmp_path / "c.xlsx", "about")[1:])  # type: ignore[arg-type]
    assert str(about["control characters"]).startswith("2 cells held control characters")


# --------------------------------------------------------------------------- files


def test_a_failed_csv_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "pairs.csv"
    target.write_text("old content\n", encoding="utf-8")

    def broken(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_text("half a fi", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        write_table(pd.DataFrame({"a": [1]}), target, func="t")
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.csv"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_failed_xlsx_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "pairs.xlsx"
    write_table(pd.DataFrame({"a": ["old"]}), target, func="t")
    before = target.read_bytes()

    def broken(self: object, filename: object) -> None:
        if hasattr(filename, "write"):
            filename.write(b"PK half")
        else:
            Path(str(filename)).write_bytes(b"PK half")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.workbook.workbook.Workbook, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        write_table({"a": pd.DataFrame({"a": ["new"]})}, target, func="t")
    gc.collect()  # the unsaved workbook's row writers, closed here rather than in a later test
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.xlsx"]


def test_bad_path_is_a_parameter_error(tmp_path: Path) -> None:
    with pytest.raises(mm.ParameterError, match=r"The 'path' parameter of t must be"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.txt", func="t")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- check command


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_check_command_output_is_escaped(tmp_path: Path, suffix: str) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("mentor_id,mentee_id\nm1,e1\n@m2,+e2\n", encoding="utf-8")
    meetings = tmp_path / "meetings.csv"
    meetings.write_text(
        "mentor_id,mentee_id,date,duration_minutes\nm1,e1,2026-09-10,60\n", encoding="utf-8"
    )
    out = tmp_path / f"violations{suffix}"
    argv = ["check", str(pairs), str(meetings), "--policy", "3cma", "--start", "2026-09-01"]
    assert main([*argv, "--as-of", "2027-03-01", "-o", str(out), "--quiet"]) == EXIT_VIOLATIONS
    if suffix == ".csv":
        for path in tmp_path.glob("violations*.csv"):
            assert_no_formula_csv(path)
        ids = pd.read_csv(out, dtype=str, encoding="utf-8-sig")["mentor_id"]
        assert "'@m2" in set(ids) and "@m2" in {unescape(v) for v in ids}
    else:
        assert_no_formula_excel(out)
        assert "@m2" in set(pd.read_excel(out, sheet_name="violations")["mentor_id"])


def test_compliance_tables_write_with_dates_and_no_formula(tmp_path: Path) -> None:
    from mentormatch.datasets import example_path

    report = mm.check_cycle(
        pd.read_csv(example_path("pairs.csv"), dtype=str),
        pd.read_csv(example_path("meetings.csv")),
        "amcto",
        start="2026-09-01",
        end="2027-06-30",
        as_of="2027-03-15",
        events=pd.read_csv(example_path("events.csv")),
    )
    tables = {"violations": report.violations, "summary": report.summary}
    write_table(tables, tmp_path / "c.xlsx", func="t", about={"policy": "amcto"})
    write_table(tables, tmp_path / "c.csv", func="t", about={"policy": "amcto"})
    assert {p.name for p in tmp_path.iterdir()} == {
        "c.xlsx",
        "c.csv",
        "c_summary.csv",
        "c_about.csv",
    }
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["about", "violations", "summary"]
    header = [c.value for c in book["violations"][1]]
    start = book["violations"].cell(row=2, column=header.index("period_start") + 1)
    assert start.is_date and start.number_format == "yyyy-mm-dd"
    back = pd.read_csv(tmp_path / "c.csv", dtype=str, encoding="utf-8-sig")
    assert back["period_start"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert len(back) == len(report.violations)
    summary = pd.read_excel(tmp_path / "c.xlsx", sheet_name="summary")
    assert len(summary) == len(report.summary)
    assert list(summary["compliant"]) == list(report.summary["compliant"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_columns_with_every_cell_missing_write(tmp_path: Path, suffix: str) -> None:
    # A nullable column with no value (a report's reconciled_with for a single log)
    # crashed the width computation with int(<NA>).
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "n": pd.array([None, None], dtype="Int64"),
            "t": pd.array([None, None], dtype="string"),
            "x": [np.nan, np.nan],
        }
    )
    write_table(frame, tmp_path / f"t{suffix}", func="t")
    back = (
        pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")
        if suffix == ".csv"
        else pd.read_excel(tmp_path / "t.xlsx")
    )
    assert list(back.columns) == ["id", "n", "t", "x"] and len(back) == 2
    assert back[["n", "t", "x"]].isna().all().all()


def test_report_files_hold_every_table_and_the_facts(tmp_path: Path) -> None:
    from mentormatch.datasets import example_path

    report = mm.check_cycle(
        example_path("pairs.csv"),
        example_path("meetings.csv"),
        "amcto",
        start="2026-09-01",
        end="2027-06-30",
        as_of="2027-03-15",
    )
    report.to_excel(tmp_path / "r.xlsx")
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert list(sheets) == ["about", *report.export_tables()]
    facts = dict(zip(sheets["about"].iloc[:, 0], sheets["about"].iloc[:, 1], strict=True))
    assert facts["cycle"] == "2026-09-01 to 2027-06-30"
    assert str(facts["as_of"]).startswith("2027-03-15")
    # without an events table three AMCTO rules are not checked: the file says which
    assert {k for k in facts if k.startswith("not checked: ")} == {
        f"not checked: {r}" for r in report.not_checked["rule"]
    } and len(report.not_checked) == 3
    assert len(sheets["meetings"]) + len(sheets["unused_meetings"]) == 891
    report.to_csv(tmp_path / "r.csv")
    names = {p.name for p in tmp_path.glob("r*.csv")}
    assert names == {"r.csv", "r_about.csv"} | {
        f"r_{t}.csv" for t in list(report.export_tables())[1:]
    }
    with pytest.raises(mm.ParameterError, match=r"ending in \.xlsx"):
        report.to_excel(tmp_path / "r.csv")
