"""The log readers (read_pairs / read_meetings / read_events), dates per column, file rows.

Regression tests for issue 15 (dd/mm dates misread, Windows-1252 and ';' logs, row
numbers that differ between tables, ``--as-of 03/04/2027``) and issue 22 (items 1, 4,
6, 12); each failed on the code before this branch.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import mentormatch as mm
from mentormatch.datasets import example_path
from table_files import csv_bytes, write_xlsx

EXAMPLE = {"start": "2026-09-01", "end": "2027-06-30", "as_of": "2027-03-15"}
PAIRS = pd.DataFrame({"mentor_id": ["m1", "m2"], "mentee_id": ["e1", "e2"]})
HEAD = ["mentor_id", "mentee_id", "date", "duration_minutes"]


def log_problems(call, *args, **kwargs) -> pd.DataFrame:
    with pytest.raises(mm.LogError) as info:
        call(*args, **kwargs)
    return info.value.problems


def tuples(problems: pd.DataFrame) -> list[tuple]:
    return [
        (None if pd.isna(r.row) else int(r.row), r.column, r.value)
        for r in problems.itertuples(index=False)
    ]


def write(path, rows, **kw):
    path.write_bytes(csv_bytes(rows, **kw))
    return path


def example_meetings() -> pd.DataFrame:
    return pd.read_csv(example_path("meetings.csv"), dtype=str, keep_default_na=False)


def counts(report: mm.ComplianceReport) -> tuple[int, int]:
    ok = int(report.summary["compliant"].sum())
    return ok, len(report.summary) - ok


# --------------------------------------------------------------------------- dates


def test_example_log_written_day_first_gives_the_iso_report(tmp_path):
    # issue 15: 1 compliant pair and 63 broken (ISO: 10 and 54), 174 rows dropped silently
    meetings = example_meetings()
    days = pd.to_datetime(meetings["date"])
    pairs, events = example_path("pairs.csv"), example_path("events.csv")
    iso = mm.check_cycle(
        pd.read_csv(pairs), meetings, "amcto", events=pd.read_csv(events), **EXAMPLE
    )
    assert counts(iso) == (10, 54)
    ddmm = meetings.assign(date=days.dt.strftime("%d/%m/%Y"))
    for given in (ddmm, write(tmp_path / "m.csv", [ddmm.columns, *ddmm.to_numpy()])):
        report = mm.check_cycle(
            pd.read_csv(pairs), given, "amcto", events=pd.read_csv(events), **EXAMPLE
        )
        assert counts(report) == (10, 54)
        assert report.unused_meetings.empty
        pd.testing.assert_frame_equal(report.violations, iso.violations)
    order = report.inputs.set_index("table").loc["meetings", "date_order"]
    assert order.startswith("date: dd/mm/yyyy (inferred from row ")


def test_a_column_that_cannot_tell_its_order_is_one_problem(tmp_path):
    m = pd.DataFrame(
        {
            "mentor_id": "m1",
            "mentee_id": "e1",
            "date": ["03/10/2026", "04/11/2026", "05/05/2026"],
            "duration_minutes": 60,
        }
    )
    problems = log_problems(mm.check_cycle, PAIRS, m, "amcto", as_of="2027-01-15")
    assert tuples(problems) == [(None, "date", "row 0: '03/10/2026', row 1: '04/11/2026'")]
    assert "date_format=" in problems.loc[0, "expected"]
    assert "--date-format" in problems.loc[0, "expected"]
    # told, both orders read; the file gives its own rows in the problem
    for fmt, first in (("dd/mm/yyyy", "2026-10-03"), ("mm/dd/yyyy", "2026-03-10")):
        report = mm.check_cycle(PAIRS, m, "amcto", as_of="2027-01-15", date_format=fmt)
        used = pd.concat([report.meetings, report.unused_meetings]).sort_values("row")
        assert str(used["date"].iloc[0].date()) == first
    path = write(tmp_path / "m.csv", [HEAD, *m.to_numpy()])
    problems = log_problems(mm.read_meetings, path)
    assert tuples(problems) == [(None, "date", "row 2: '03/10/2026', row 3: '04/11/2026'")]


def test_a_column_proving_both_orders_is_a_problem():
    m = pd.DataFrame(
        {
            "mentor_id": "m1",
            "mentee_id": "e1",
            "date": ["13/10/2026", "10/14/2026"],
            "duration_minutes": 60,
        }
    )
    problems = log_problems(mm.check_cycle, PAIRS, m, "amcto", as_of="2027-01-15")
    assert tuples(problems) == [(None, "date", "row 0: '13/10/2026', row 1: '10/14/2026'")]
    assert "one day/month order" in problems.loc[0, "expected"]
    # told the order, the cell that does not fit it is a problem of its row
    problems = log_problems(
        mm.check_cycle, PAIRS, m, "amcto", as_of="2027-01-15", date_format="dd/mm/yyyy"
    )
    assert tuples(problems) == [(1, "date", "10/14/2026")]


def test_dates_outside_1900_to_2200_are_problems_of_their_cell(tmp_path):
    # issue 22 item 4: 9999-12-31 showed as 1816-03-29
    m = pd.DataFrame(
        {
            "mentor_id": "m1",
            "mentee_id": "e1",
            "date": ["2026-09-10", "9999-12-31", "1899-12-31"],
            "duration_minutes": 60,
        }
    )
    problems = log_problems(mm.check_cycle, PAIRS, m, "amcto", as_of="2027-01-15")
    assert tuples(problems) == [(1, "date", "9999-12-31"), (2, "date", "1899-12-31")]
    assert set(problems["expected"]) == {"a date from 1900-01-01 to 2200-12-31"}
    xlsx = write_xlsx(
        tmp_path / "m.xlsx",
        [
            HEAD,
            ["m1", "e1", dt.datetime(2026, 9, 10), 60],
            ["m1", "e1", dt.datetime(9999, 12, 31), 60],
        ],
    )
    problems = log_problems(mm.read_meetings, xlsx)
    assert [(r, c) for r, c, _ in tuples(problems)] == [(3, "date")]


def test_every_date_shape_reads_one_way(tmp_path):
    cells = [
        "2026-10-03",
        "2026-10-03T14:30:00-04:00",
        "2026/10/03",
        "3-Oct-2026",
        "Oct 3, 2026",
        "Saturday, October 3, 2026",
        "3 octobre 2026",
        "03/10/26",  # two-digit year: 2026
        "13/10/2026",  # proves day first for the column
    ]
    rows = [HEAD, *[["m1", "e1", c, 60] for c in cells]]
    m = mm.read_meetings(write(tmp_path / "m.csv", rows))
    dates = m["date"].dt.date.astype(str).tolist()
    assert dates == ["2026-10-03"] * 8 + ["2026-10-13"]
    assert m["date"].dtype == "datetime64[ns]"
    assert (
        "dd/mm/yyyy (inferred from row 10: '13/10/2026')"
        in m.attrs["mentormatch"]["date_order"]["date"]
    )


def test_pairs_matched_on_and_event_dates_follow_the_same_rule(tmp_path):
    pairs = write(
        tmp_path / "p.csv", [["mentor_id", "mentee_id", "matched_on"], ["m1", "e1", "02/09/2026"]]
    )
    problems = log_problems(mm.read_pairs, pairs)
    assert tuples(problems) == [(None, "matched_on", "row 2: '02/09/2026'")]
    assert mm.read_pairs(pairs, date_format="dd/mm/yyyy")["matched_on"].dt.date.tolist() == [
        dt.date(2026, 9, 2)
    ]
    events = write(
        tmp_path / "e.csv",
        [["mentor_id", "mentee_id", "kind", "date"], ["m1", "e1", "plan_submitted", "10/03/2026"]],
    )
    problems = log_problems(mm.read_events, events)
    assert tuples(problems) == [(None, "date", "row 2: '10/03/2026'")]
    e = mm.read_events(events, date_format="%m/%d/%Y")
    assert e["date"].dt.date.tolist() == [dt.date(2026, 10, 3)]


def test_date_parameters_are_iso_only():
    with pytest.raises(
        mm.ParameterError,
        match="'as_of' parameter of check_cycle must be a date written YYYY-MM-DD",
    ):
        mm.check_cycle(PAIRS, [], "amcto", as_of="03/04/2027")
    with pytest.raises(mm.ParameterError, match="'date_format' parameter of check_cycle"):
        mm.check_cycle(PAIRS, [], "amcto", as_of="2027-04-03", date_format="dd/yyyy")
    assert mm.check_cycle(PAIRS, [], "amcto", as_of=dt.date(2027, 4, 3)).as_of.day == 3


# --------------------------------------------------------------------------- files of logs


def test_semicolon_windows_1252_log_with_decimal_comma(tmp_path):
    # issue 15: a ';' CSV (Excel, French-Canadian locale) and Windows-1252 text
    rows = [
        [*HEAD, "mode", "notes"],
        ["m1", "e1", "2026-09-10", "45,5", "vidéo", "Réunion à Montréal"],
        ["m1", "e1", "2026-09-20", "60", "video", "suivi"],
    ]
    path = write(tmp_path / "m.csv", rows, delimiter=";", encoding="cp1252")
    problems = log_problems(mm.read_meetings, path)
    assert tuples(problems) == [(2, "mode", "vidéo")]
    rows[1][4] = "Video"
    m = mm.read_meetings(write(path, rows, delimiter=";", encoding="cp1252"))
    assert m["duration_minutes"].tolist() == [45.5, 60.0]
    assert m["notes"].tolist() == ["Réunion à Montréal", "suivi"]
    assert m["mode"].tolist() == ["video", "video"]
    info = m.attrs["mentormatch"]
    assert (info["encoding"], info["delimiter"], info["decimal_comma"]) == ("cp1252", ";", True)
    # with ',' between cells a decimal comma is not a number
    comma = write(tmp_path / "c.csv", [HEAD, ["m1", "e1", "2026-09-10", "45,5"]])
    assert tuples(log_problems(mm.read_meetings, comma)) == [(2, "duration_minutes", "45,5")]


def test_an_extra_cell_is_a_problem_of_its_row_not_a_shift(tmp_path):
    # issue 22 item 12: an extra cell on the first data row shifted every column
    pairs = write(tmp_path / "p.csv", [["mentor_id", "mentee_id"], ["m1", "e1"]])
    meetings = tmp_path / "m.csv"
    meetings.write_text(
        "mentor_id,mentee_id,date,duration_minutes\n"
        "m1,e1,2026-09-10,60,extra\n"
        "m1,e1,2026-09-11,-5\n"
        "m1,e1,2026-09-12,60,,more\n",
        encoding="utf-8",
    )
    problems = log_problems(mm.check_cycle, pairs, meetings, "amcto", as_of="2026-10-01")
    assert tuples(problems) == [
        (2, None, "extra"),
        (3, "duration_minutes", "-5"),
        (4, None, "more"),
    ]


def test_unbalanced_quote_in_a_log_is_reported_not_swallowed(tmp_path):
    # issue 22 item 1: 2 of 3 meetings swallowed in mentormatch check
    pairs = write(tmp_path / "p.csv", [["mentor_id", "mentee_id"], ["m1", "e1"]])
    meetings = tmp_path / "m.csv"
    meetings.write_text(
        "mentor_id,mentee_id,date,duration_minutes,notes\n"
        'm1,e1,2026-09-10,60,"first\n'
        "m1,e1,2026-09-20,60,second\n"
        "m1,e1,2026-09-30,60,third\n",
        encoding="utf-8",
    )
    problems = log_problems(mm.check_cycle, pairs, meetings, "amcto", as_of="2026-10-01")
    assert tuples(problems) == [(2, "notes", 'm1,e1,2026-09-10,60,"first')]


def test_row_numbers_are_file_rows_in_every_table(tmp_path):
    # issue 15: meetings, events and pairs errors said "row 0"
    pairs = write(
        tmp_path / "p.csv", [["mentor_id", "mentee_id"], ["m1", "e1"], ["", ""], ["m1", "e1"]]
    )
    meetings = write(tmp_path / "m.csv", [HEAD, ["m1", "e1", "soon", "60"]])
    events = write(
        tmp_path / "e.csv",
        [["mentor_id", "mentee_id", "kind", "date"], ["m1", "e1", "coffee", "2026-09-01"]],
    )
    problems = log_problems(
        mm.check_cycle, pairs, meetings, "amcto", as_of="2026-10-01", events=events
    )
    assert tuples(problems) == [
        (4, "pairs.mentee_id", "e1"),
        (2, "meetings.date", "soon"),
        (2, "events.kind", "coffee"),
    ]
    assert "each pair once (also on row 2)" in problems.loc[0, "expected"]


def test_readers_return_typed_tables_indexed_by_file_row(tmp_path):
    path = write(
        tmp_path / "m.csv",
        [
            [*HEAD, "Mode", "Reported By"],
            ["m1", "e1", "2026-09-10", "60", "In person", "e1"],
            ["", "", "", "", "", ""],
            [17, "e1", "2026-09-11 10:00", "45", "", "17"],
        ],
    )
    m = mm.read_meetings(path)
    assert m.index.name == "row" and m.index.tolist() == [2, 4]
    assert m["mentor_id"].tolist() == ["m1", "17"]
    assert str(m["mentor_id"].dtype) == "string" and str(m["reported_by"].dtype) == "string"
    assert m["date"].tolist() == [pd.Timestamp("2026-09-10"), pd.Timestamp("2026-09-11")]
    assert m["duration_minutes"].dtype == np.float64
    assert m["mode"].tolist()[0] == "in_person" and m["mode"].isna().tolist() == [False, True]
    info = m.attrs["mentormatch"]
    assert (info["blank_lines"], info["blank_rows"]) == (1, [3])
    e = mm.read_events(
        write(
            tmp_path / "e.csv",
            [
                ["mentor_id", "mentee_id", "kind", "date", "participant_id"],
                ["m1", "e1", "Mid Survey", "2027-03-01", "e1"],
            ],
        )
    )
    assert e["kind"].tolist() == ["mid_survey"]
    p = mm.read_pairs(
        write(tmp_path / "p.csv", [["Mentor ID", "Mentee ID", "score"], ["1.0", 2, "0.5"]])
    )
    assert p[["mentor_id", "mentee_id"]].to_numpy().tolist() == [["1.0", "2"]]  # text is text
    x = write_xlsx(tmp_path / "p.xlsx", [["Mentor ID", "Mentee ID"], [1.0, 2]])
    assert mm.read_pairs(x)[["mentor_id", "mentee_id"]].to_numpy().tolist() == [["1", "2"]]


def test_log_readers_report_every_local_problem_with_file_rows(tmp_path):
    meetings = write(
        tmp_path / "m.csv",
        [[*HEAD, "mode", "reported_by"], ["", "e1", "2026-09-10", "-1", "fax", ""]],
    )
    assert tuples(log_problems(mm.read_meetings, meetings)) == [
        (2, "mentor_id", ""),
        (2, "duration_minutes", "-1"),
        (2, "mode", "fax"),
        (2, "reported_by", ""),
    ]
    events = write(
        tmp_path / "e.csv",
        [["mentor_id", "mentee_id", "kind", "date"], ["m1", "e1", "final_survey", "2027-07-01"]],
    )
    problems = log_problems(mm.read_events, events)
    assert tuples(problems) == [(None, "participant_id", None)]
    assert "(row 2 is one)" in problems.loc[0, "expected"]
    pairs = write(tmp_path / "p.csv", [["mentor_id"], ["m1"]])
    assert tuples(log_problems(mm.read_pairs, pairs)) == [(None, "mentee_id", None)]


# --------------------------------------------------------------------------- check_cycle


def test_duplicate_meeting_rows_count_once_and_are_listed():
    # issue 22 item 6: the same meeting twice was counted twice
    m = pd.DataFrame(
        {
            "mentor_id": "m1",
            "mentee_id": "e1",
            "date": ["2026-09-10", "2026-09-10", "2026-09-24", "2026-09-10", "2026-09-10"],
            "duration_minutes": [60, 60, 60, 60, 90],
            "mode": ["video", "video", "video", "video", "video"],
        }
    )
    report = mm.check_cycle(PAIRS.iloc[:1], m, "amcto", as_of="2026-09-30")
    assert report.summary["meetings"].tolist() == [3]
    assert report.unused_meetings[["row", "reason"]].to_numpy().tolist() == [
        [1, "the same meeting as row 0"],
        [3, "the same meeting as row 0"],
    ]
    assert sorted(report.meetings["row"]) == [0, 2, 4]
    # a second reporter is not a duplicate: both logs are compared (log_agreement)
    two = m.iloc[:2].assign(reported_by=["m1", "e1"])
    assert mm.check_cycle(PAIRS.iloc[:1], two, "amcto", as_of="2026-09-30").unused_meetings.empty


def test_report_rows_follow_the_file_even_filtered(tmp_path):
    pairs = write(tmp_path / "p.csv", [["mentor_id", "mentee_id"], ["m1", "e1"], ["m2", "e2"]])
    meetings = write(
        tmp_path / "m.csv",
        [
            HEAD,
            ["m1", "e1", "2026-08-01", "60"],  # row 2: before the cycle
            ["m2", "e2", "2026-09-10", "60"],  # row 3
            ["m1", "e1", "2026-09-12", "60"],  # row 4
            ["m1", "e1", "2026-09-12", "60"],  # row 5: row 4 again
        ],
    )
    log = mm.read_meetings(meetings)
    report = mm.check_cycle(pairs, log, "amcto", as_of="2026-09-30")
    assert report.unused_meetings["row"].tolist() == [2, 5]
    assert report.unused_meetings["reason"].iloc[1] == "the same meeting as row 4"
    assert sorted(report.meetings["row"]) == [3, 4]
    only_m1 = log[log["mentor_id"] == "m1"]
    report = mm.check_cycle(pairs, only_m1, "amcto", as_of="2026-09-30")
    assert sorted(report.meetings["row"]) == [4]
    bad = only_m1.assign(duration_minutes=[60.0, -1.0, 60.0])
    assert tuples(log_problems(mm.check_cycle, pairs, bad, "amcto", as_of="2026-09-30")) == [
        (4, "duration_minutes", -1.0)
    ]
    # any other index: 0-based positions
    plain = only_m1.reset_index(drop=True)
    assert sorted(mm.check_cycle(pairs, plain, "amcto", as_of="2026-09-30").meetings["row"]) == [1]
    events = write(
        tmp_path / "e.csv",
        [
            ["mentor_id", "mentee_id", "kind", "date"],
            ["m1", "e1", "coffee_chat", "2026-09-01"],
            ["m1", "e1", "informal_assessment", "2026-12-01"],
        ],
    )
    with pytest.raises(mm.LogError):
        mm.read_events(events)
    events.write_bytes(
        csv_bytes(
            [
                ["mentor_id", "mentee_id", "kind", "date"],
                ["m1", "e1", "agreement_signed", "2026-09-01"],
                ["m1", "e1", "informal_assessment", "2026-12-01"],
            ]
        )
    )
    report = mm.check_cycle(pairs, meetings, "amcto", as_of="2026-09-30", events=events)
    assert report.unused_events["row"].tolist() == [3]


def test_report_inputs_say_what_was_read(tmp_path):
    pairs = write(
        tmp_path / "p.csv", [["mentor_id", "mentee_id"], ["m1", "e1"], ["", ""]], delimiter="\t"
    )
    meetings = write(
        tmp_path / "m.csv",
        [HEAD, ["m1", "e1", "13/09/2026", "60"]],
        delimiter=";",
        encoding="cp1252",
    )
    events = pd.DataFrame(columns=["mentor_id", "mentee_id", "kind", "date"])
    report = mm.check_cycle(pairs, meetings, "amcto", as_of="2026-09-30", events=events)
    inputs = report.inputs
    assert list(inputs.columns) == [
        "table",
        "source",
        "encoding",
        "delimiter",
        "rows",
        "blank_lines",
        "date_order",
    ]
    assert inputs["table"].tolist() == ["pairs", "meetings", "events"]
    assert inputs["source"].tolist() == [str(pairs), str(meetings), "DataFrame"]
    assert inputs["delimiter"].tolist()[:2] == ["tab", ";"]
    assert inputs["rows"].tolist() == [1, 1, 0]
    assert inputs["blank_lines"].tolist() == [1, 0, 0]
    assert inputs["date_order"].iloc[1] == "date: dd/mm/yyyy (inferred from row 2: '13/09/2026')"
    xlsx = write_xlsx(
        tmp_path / "p.xlsx", [["mentor_id", "mentee_id"], ["m1", "e1"]], sheet="pairs"
    )
    report = mm.check_cycle(xlsx, meetings, "amcto", as_of="2026-09-30")
    assert report.inputs["source"].iloc[0] == f"{xlsx} (sheet 'pairs')"
    assert pd.isna(report.inputs["encoding"].iloc[0])


def test_check_cycle_reading_options(tmp_path):
    pairs = write(tmp_path / "p.csv", [["mentor_id", "mentee_id"], ["m1", "e1"]], delimiter="|")
    meetings = write(tmp_path / "m.csv", [HEAD, ["m1", "e1", "10/09/2026", "60"]], delimiter="|")
    report = mm.check_cycle(
        pairs, meetings, "amcto", as_of="2026-09-30", delimiter="|", date_format="dd/mm/yyyy"
    )
    assert report.meetings["date"].dt.date.tolist() == [dt.date(2026, 9, 10)]
    with pytest.raises(mm.ParameterError, match="'encoding' parameter of check_cycle"):
        mm.check_cycle(pairs, meetings, "amcto", encoding=5)
