"""Properties of the readers (issue 15 "Done when", issue 22 "Done when").

(a) A meetings log gives the same report whether its dates are ISO, dd/mm/yyyy or
    mm/dd/yyyy (with ``date_format``, or inferred when the column proves the order).
(b) Any table of text cells written as CSV (UTF-8, UTF-8 with BOM or Windows-1252;
    ``,`` ``;`` or tab) or as .xlsx reads back unchanged. The files are written by
    :mod:`csv` / openpyxl here, with the exports' ``'`` mark, not by the library.
(c) Hostile CSV bytes and damaged workbooks: every reader returns every data row of
    the file or raises one library error, never another exception.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch._read import read_table
from table_files import csv_bytes, write_xlsx

# --------------------------------------------------------------------------- (a) dates

START = dt.date(2026, 9, 1)


@st.composite
def logs(draw):
    n_pairs = draw(st.integers(1, 4))
    pairs = pd.DataFrame(
        {
            "mentor_id": [f"m{i}" for i in range(n_pairs)],
            "mentee_id": [f"e{i}" for i in range(n_pairs)],
        }
    )
    n = draw(st.integers(1, 25))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_pairs - 1),
                st.integers(-20, 320),  # some before the cycle, some after as_of
                st.sampled_from([15, 30, 45, 60, 75, 90, 150]),
                st.sampled_from(["video", "in_person", "phone", ""]),
            ),
            min_size=n,
            max_size=n,
        )
    )
    meetings = pd.DataFrame(
        {
            "mentor_id": [f"m{p}" for p, *_ in rows],
            "mentee_id": [f"e{p}" for p, *_ in rows],
            "date": [START + dt.timedelta(days=d) for _, d, *_ in rows],
            "duration_minutes": [m for *_, m, _ in rows],
            "mode": [mode for *_, mode in rows],
        }
    )
    as_of = START + dt.timedelta(days=draw(st.integers(0, 300)))
    return pairs, meetings, str(as_of)


def _same_report(a: mm.ComplianceReport, b: mm.ComplianceReport) -> None:
    for name in ("violations", "summary", "meetings", "unused_meetings", "not_checked"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(logs(), st.sampled_from(["csv", "frame"]))
def test_any_date_order_gives_the_same_report(tmp_path, case, kind):
    pairs, meetings, as_of = case
    written = {
        "iso": meetings.assign(date=[d.isoformat() for d in meetings["date"]]),
        "dd/mm/yyyy": meetings.assign(date=[d.strftime("%d/%m/%Y") for d in meetings["date"]]),
        "mm/dd/yyyy": meetings.assign(date=[d.strftime("%m/%d/%Y") for d in meetings["date"]]),
    }

    def table(name):
        frame = written[name]
        if kind == "frame":
            return frame
        path = tmp_path / f"{name.replace('/', '')}.csv"
        path.write_bytes(csv_bytes([frame.columns, *frame.to_numpy()]))
        return path

    iso = mm.check_cycle(pairs, table("iso"), "amcto", as_of=as_of)
    for order in ("dd/mm/yyyy", "mm/dd/yyyy"):
        _same_report(
            iso, mm.check_cycle(pairs, table(order), "amcto", as_of=as_of, date_format=order)
        )
        # without date_format: the same report when the column proves the order, else one
        # problem naming the column
        days = np.array([d.day for d in meetings["date"]])
        months = np.array([d.month for d in meetings["date"]])
        proves = (days > 12).any() or (days == months).all()
        try:
            inferred = mm.check_cycle(pairs, table(order), "amcto", as_of=as_of)
        except mm.LogError as exc:
            event("order not proved: one problem")
            assert not proves
            assert exc.problems["row"].isna().all() and exc.problems["column"].tolist() == ["date"]
        else:
            assert proves
            _same_report(iso, inferred)


# --------------------------------------------------------------------------- (b) round trip

MARKS = "=+-@'"
ACCENTS = "éèàçôÉÀÇùœ"  # Windows-1252 bytes >= 0xC0 and UTF-8 alike
CP1252_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ 019;,\"'=+-@\t\n\r.:/()[]") + list(ACCENTS)), max_size=12
)
UTF8_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
ID_TEXT = (
    st.builds(
        lambda first, rest: first + rest,
        st.sampled_from([*MARKS, "a", "Z", "é", "7"]),
        st.text(alphabet=st.sampled_from(list("abz09-_.;,\"'=+@é ")), max_size=8),
    )
    .map(str.strip)
    .filter(bool)
)
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _shaped_like_rows(cell: str, width: int, sep: str) -> bool:
    """A multi-line cell whose lines each hold a row's delimiters (the reader reports it)."""
    lines = LINE_BREAK.split(cell)[1:]
    return bool(lines) and all(ln.count(sep) >= width - 1 for ln in lines)


@st.composite
def text_tables(draw):
    fmt = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "xlsx"]))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    text = CP1252_TEXT if fmt == "cp1252" else UTF8_TEXT
    if fmt == "xlsx":  # XML has no CR and no control characters
        text = text.map(lambda s: re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", s))
    extra = draw(st.integers(0, 3))
    n = draw(st.integers(1, 8))
    ids = draw(st.lists(st.tuples(ID_TEXT, ID_TEXT), min_size=n, max_size=n, unique=True))
    assume(all(a != b for a, b in ids))
    rows = [[a, b, *draw(st.lists(text, min_size=extra, max_size=extra))] for a, b in ids]
    width = 2 + extra
    assume(not any(_shaped_like_rows(c, width, sep) for row in rows for c in row))
    header = ["mentor_id", "mentee_id", *[f"note_{k}" for k in range(extra)]]
    return fmt, sep, header, rows


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text_tables())
def test_any_text_table_reads_back_unchanged(tmp_path, case):
    fmt, sep, header, rows = case
    if fmt == "xlsx":
        path = write_xlsx(tmp_path / "t.xlsx", [header, *rows])
    else:
        path = tmp_path / "t.csv"
        path.write_bytes(csv_bytes([header, *rows], delimiter=sep, encoding=fmt))
    raw = read_table(path, func="test", what="pairs")
    assert not raw.problems
    cells = raw.frame.fillna("").to_numpy().tolist()  # an empty xlsx cell reads as None
    assert cells == rows
    assert raw.rows.tolist() == list(range(2, len(rows) + 2))
    pairs = mm.read_pairs(path)
    assert pairs[["mentor_id", "mentee_id"]].to_numpy().tolist() == [r[:2] for r in rows]
    assert pairs.index.tolist() == list(range(2, len(rows) + 2))


# --------------------------------------------------------------------------- (c) hostile bytes

HOSTILE = [b'"', b"'", b",", b";", b"\t", b"\r", b"\n", b"\r\n", b"\x00", b"\x81", b"\xe9", b"\xff",
           b"\xef\xbb\xbf", b"\xc3\xa9", b" ", b"=", b"-", b"@", b"#N/A", b"NA", b"[", b"]", b"9999"]  # fmt: skip
VALID = {
    "mentor_id": [b"m1", b"m2", b" m3 ", b"'=m4", b"NA"],
    "mentee_id": [b"e1", b"e2", b"\xe9", b"\xc3\xa9"],
    "date": [b"2026-09-10", b"13/09/2026", b"Oct 3, 2026", b"2026-09-11"],
    "duration_minutes": [b"60", b"45", b" 30 "],
    "kind": [b"plan_submitted", b"agreement_signed", b"Quarterly Update"],
    "id": [b"m1", b"e1", b"x", b"'-y", b"N/A"],
    "role": [b"mentor", b"mentee", b"Mentee"],
}


@st.composite
def hostile_files(draw):
    """Mostly plausible rows with hostile bytes here and there (quotes, CR, NUL, 0x81...)."""
    table = draw(st.sampled_from(["pairs", "meetings", "events", "applications"]))
    columns = {
        "pairs": ["mentor_id", "mentee_id"],
        "meetings": ["mentor_id", "mentee_id", "date", "duration_minutes"],
        "events": ["mentor_id", "mentee_id", "kind", "date"],
        "applications": ["id", "role"],
    }[table]
    noise = st.lists(st.sampled_from(HOSTILE) | st.binary(max_size=3), min_size=1, max_size=4).map(
        b"".join
    )
    hostility = draw(st.sampled_from([0.0, 0.1, 0.3, 1.0]))

    def cell(column):
        if draw(st.floats(0, 1)) < hostility:
            return draw(noise)
        return draw(st.sampled_from(VALID[column]))

    n = draw(st.integers(0, 6))
    rows = []
    for _ in range(n):
        cells = [cell(c) for c in columns]
        if draw(st.floats(0, 1)) < hostility / 2:
            cells.append(draw(noise))  # a cell beyond the header, or more noise
        rows.append(b",".join(cells) if draw(st.floats(0, 1)) > hostility / 4 else b"")
    ends = draw(st.lists(st.sampled_from([b"\n", b"\r\n", b"\r"]), min_size=n + 1, max_size=n + 1))
    data = b",".join(c.encode() for c in columns) + ends[0]
    data += b"".join(r + e for r, e in zip(rows, ends[1:], strict=True))
    if draw(st.floats(0, 1)) < hostility / 4:
        data = draw(st.binary(max_size=40)) + data[draw(st.integers(0, len(data))) :]
    return table, data


READERS = {
    "pairs": mm.read_pairs,
    "meetings": mm.read_meetings,
    "events": mm.read_events,
    "applications": mm.read_applications,
}


def _records(data: bytes) -> int | None:
    """Data rows of a file without quotes, counted as the csv module splits lines."""
    if b'"' in data or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # quotes join lines; UTF-16 has other line-break bytes
    text = data.decode("latin-1")  # line breaks are the same bytes in every encoding used
    if text.startswith("\xef\xbb\xbf"):
        text = text[3:]
    lines = LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return max(len(lines) - 1, 0)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hostile_files())
def test_hostile_csv_gives_every_row_or_one_library_error(tmp_path, case):
    table, data = case
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    try:
        frame = READERS[table](path)
    except (mm.ApplicationError, mm.LogError) as exc:
        assert len(exc.problems) >= 1
        str(exc)
        event(f"{table}: one library error")
        return
    expected = _records(data)
    event(f"{table}: rows returned" + (" (counted)" if expected is not None else ""))
    info = frame.attrs["mentormatch"]
    rows = frame.index.tolist() if table != "applications" else None
    if expected is not None:
        assert len(frame) + info["blank_lines"] == expected
        if rows is not None:
            assert sorted(rows + info["blank_rows"]) == list(range(2, expected + 2))


@functools.cache
def _workbook() -> bytes:
    """One workbook for every example: its bytes (and size) must not change between draws
    (a workbook written later stores another time, Hypothesis needs the same data)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        pd.DataFrame({"mentor_id": ["m1", "NA"], "mentee_id": ["e1", "N/A"]}).to_excel(
            writer, index=False
        )
    return buf.getvalue()


@st.composite
def damaged_workbooks(draw):
    data = bytearray(_workbook())
    how = draw(st.sampled_from(["flip", "truncate", "member"]))
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif how == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    else:  # a part replaced by junk XML
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
            parts = {name: z.read(name) for name in z.namelist()}
        name = draw(st.sampled_from(sorted(parts)))
        parts[name] = draw(
            st.sampled_from([b"", b"<x", b"<?xml version='1.0'?><a>&b;</a>", b"\xff\xfe"])
        )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for k, v in parts.items():
                z.writestr(k, v)
        data = bytearray(out.getvalue())
    return bytes(data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(damaged_workbooks())
def test_damaged_workbooks_give_rows_or_one_library_error(tmp_path, data):
    path = tmp_path / "t.xlsx"
    path.write_bytes(data)
    try:
        frame = mm.read_pairs(path)
    except (mm.ApplicationError, mm.LogError) as exc:
        assert len(exc.problems) >= 1
        event("one library error")
        return
    event("rows returned")
    assert frame.index.tolist() == [2, 3]
    assert frame["mentor_id"].tolist() == ["m1", "NA"]


# --------------------------------------------------------------------------- list cells


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=8), max_size=4), st.booleans())
def test_a_python_list_of_text_reads_as_that_list(items, as_tuple):
    from mentormatch.applications._cells import _list_literal

    cell = repr(tuple(items)) if as_tuple else repr(items)  # what DataFrame.to_csv writes
    assert _list_literal(cell) == items
    assert _list_literal(cell[:-1]) is None  # not closed: text
