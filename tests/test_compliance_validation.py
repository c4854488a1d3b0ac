"""Bad pairs, meetings and events tables: every problem at once, in one LogError."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import mentormatch as mm

PAIRS = pd.DataFrame({"mentor_id": ["m1", "m2"], "mentee_id": ["e1", "e2"]})


def good_meetings(n: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mentor_id": ["m1"] * n,
            "mentee_id": ["e1"] * n,
            "date": ["2026-09-10"] * n,
            "duration_minutes": [60] * n,
        }
    )


def problems_of(*args, **kwargs) -> pd.DataFrame:
    kwargs.setdefault("as_of", "2027-01-15")
    with pytest.raises(mm.LogError) as info:
        mm.check_cycle(*args, **kwargs)
    problems = info.value.problems
    assert list(problems.columns) == ["row", "column", "value", "expected"]
    return problems


def as_tuples(problems: pd.DataFrame) -> list[tuple]:
    return [
        (None if pd.isna(r.row) else int(r.row), r.column, r.value)
        for r in problems.itertuples(index=False)
    ]


# --------------------------------------------------------------------------- meetings


@pytest.mark.parametrize(
    ("column", "value", "expected_words"),
    [
        ("mentor_id", "m9", "the mentor of one of the pairs"),
        ("mentee_id", "e9", "the mentee of one of the pairs"),
        ("mentee_id", "e2", "a mentee paired with mentor 'm1'"),
        ("mentor_id", None, "a non-blank mentor id"),
        ("duration_minutes", -5, "a number of minutes >= 0"),
        ("duration_minutes", None, "a number of minutes >= 0"),
        ("duration_minutes", "an hour", "a number of minutes >= 0"),
        ("duration_minutes", np.inf, "a number of minutes >= 0"),
        ("date", "2026-13-45", "the date of the meeting"),
        ("date", "next tuesday", "the date of the meeting"),
        ("date", None, "the date of the meeting"),
        ("date", 20260910, "the date of the meeting"),
    ],
)
def test_each_meeting_problem_names_row_column_value(column, value, expected_words):
    m = good_meetings(3).astype(object)
    m.loc[1, column] = value
    problems = problems_of(PAIRS, m)
    assert len(problems) == 1
    p = problems.iloc[0]
    assert (p["row"], p["column"]) == (1, column)
    assert expected_words in p["expected"]
    shown = "" if value is None else value
    assert p["value"] == shown or (isinstance(shown, float) and np.isinf(p["value"]))


def test_unknown_mode():
    m = good_meetings(2).assign(mode=["video", "zoom"])
    problems = problems_of(PAIRS, m)
    assert as_tuples(problems) == [(1, "mode", "zoom")]
    assert "'in_person', 'video', 'phone'" in problems.loc[0, "expected"]


def test_modes_are_read_leniently():
    m = good_meetings(4).assign(
        mode=["In person", "in-person", " VIDEO ", None],
        date=["2026-09-10", "2026-09-11", "2026-09-12", "2026-09-13"],
    )
    report = mm.check_cycle(PAIRS, m, "amcto", as_of="2026-09-30")
    assert list(report.meetings["mode"].astype(object).fillna("-")) == [
        "in_person",
        "in_person",
        "video",
        "-",
    ]


def test_reported_by_must_be_one_of_the_pair():
    m = good_meetings(3).assign(reported_by=["m1", "m2", None])
    problems = problems_of(PAIRS, m)
    assert as_tuples(problems) == [(1, "reported_by", "m2"), (2, "reported_by", "")]


@pytest.mark.parametrize("missing", ["mentor_id", "mentee_id", "date", "duration_minutes"])
def test_missing_meeting_column(missing):
    problems = problems_of(PAIRS, good_meetings().drop(columns=missing))
    assert as_tuples(problems) == [(None, missing, None)]
    assert "a column" in problems.loc[0, "expected"]


def test_every_problem_of_meetings_and_events_at_once():
    m = pd.DataFrame(
        {
            "mentor_id": ["m1", "m9", "m1", "m1"],
            "mentee_id": ["e1", "e1", "e1", "e1"],
            "date": ["2026-09-10", "2026-09-11", "garbage", "2026-09-12"],
            "duration_minutes": [60, 60, 60, -1],
            "mode": ["video", "video", "fax", "phone"],
        }
    )
    ev = pd.DataFrame(
        {
            "mentor_id": ["m1", "m1", "m2"],
            "mentee_id": ["e1", "e1", "e2"],
            "kind": ["agreement_signed", "coffee", "mid_survey"],
            "date": ["2026-09-01", "2026-09-02", "2027-03-03"],
            "participant_id": [None, None, "e1"],
        }
    )
    with pytest.raises(mm.LogError) as info:
        mm.check_cycle(PAIRS, m, "ama", as_of="2027-04-01", events=ev)
    err = info.value
    assert as_tuples(err.problems) == [
        (1, "meetings.mentor_id", "m9"),
        (2, "meetings.date", "garbage"),
        (2, "meetings.mode", "fax"),
        (3, "meetings.duration_minutes", -1),
        (1, "events.kind", "coffee"),
        (2, "events.participant_id", "e1"),
    ]
    message = str(err)
    assert message.startswith("The meetings/events table has 6 problems:")
    assert "row 2, column 'meetings.date': got 'garbage'" in message


# --------------------------------------------------------------------------- events


def test_unknown_event_kind_and_participant_not_in_the_pair():
    ev = pd.DataFrame(
        {
            "mentor_id": ["m1", "m1", "m1", "m1"],
            "mentee_id": ["e1", "e1", "e1", "e1"],
            "kind": ["Agreement Signed", "survey", "final_survey", "final_survey"],
            "date": ["2026-09-01", "2026-09-01", "2027-08-01", dt.date(2027, 8, 2)],
            "participant_id": [None, None, "e2", None],
        }
    )
    problems = problems_of(PAIRS, good_meetings(), "ama", events=ev)
    assert as_tuples(problems) == [
        (1, "kind", "survey"),
        (2, "participant_id", "e2"),
        (3, "participant_id", ""),
    ]


def test_surveys_need_a_participant_id_column():
    ev = pd.DataFrame(
        {"mentor_id": ["m1"], "mentee_id": ["e1"], "kind": ["mid_survey"], "date": ["2027-03-03"]}
    )
    problems = problems_of(PAIRS, good_meetings(), "ama", events=ev)
    assert as_tuples(problems) == [(None, "participant_id", None)]


@pytest.mark.parametrize("missing", ["mentor_id", "mentee_id", "kind", "date"])
def test_missing_event_column(missing):
    ev = pd.DataFrame(
        {
            "mentor_id": ["m1"],
            "mentee_id": ["e1"],
            "kind": ["plan_submitted"],
            "date": ["2026-10-03"],
        }
    ).drop(columns=missing)
    problems = problems_of(PAIRS, good_meetings(), "ama", events=ev)
    assert as_tuples(problems) == [(None, missing, None)]


def test_event_date_problems():
    ev = pd.DataFrame(
        {
            "mentor_id": ["m1", "m1"],
            "mentee_id": ["e1", "e1"],
            "kind": ["plan_submitted", "plan_submitted"],
            "date": [pd.NaT, pd.Timestamp("2026-10-03")],
        }
    )
    problems = problems_of(PAIRS, good_meetings(), "ama", events=ev)
    assert as_tuples(problems) == [(0, "date", "")]


# --------------------------------------------------------------------------- pairs


def test_pairs_problems_are_reported_with_the_logs_problems():
    pairs = pd.DataFrame(
        {
            "mentor_id": ["m1", "m1", "m3", None],
            "mentee_id": ["e1", "e1", "m3", "e4"],
            "matched_on": ["2026-09-01", "2026-09-01", "2026-09-01", "soon"],
        }
    )
    m = good_meetings(2).astype(object)
    m.loc[1, "duration_minutes"] = "long"
    problems = problems_of(pairs, m, "3cma")
    assert as_tuples(problems) == [
        (1, "pairs.mentee_id", "e1"),
        (2, "pairs.mentee_id", "m3"),
        (3, "pairs.mentor_id", ""),
        (3, "pairs.matched_on", "soon"),
        (1, "meetings.duration_minutes", "long"),
    ]
    assert "each pair once (also on row 0)" in problems.loc[0, "expected"]


def test_rolling_program_needs_matched_on_or_start():
    problems = problems_of(PAIRS, good_meetings(), "ltb")
    assert as_tuples(problems) == [(None, "matched_on", None)]
    assert "rolling" in problems.loc[0, "expected"]
    # with start= the pairs start together
    report = mm.check_cycle(PAIRS, good_meetings(), "ltb", start="2026-09-01", as_of="2026-10-01")
    assert list(report.summary["end"].dt.date.astype(str)) == ["2027-08-31"] * 2


def test_pair_assigned_after_its_cycle_end():
    pairs = PAIRS.assign(matched_on=["2026-09-01", "2027-07-15"])
    problems = problems_of(pairs, good_meetings(), "amcto", as_of="2027-08-01")
    assert as_tuples(problems) == [(1, "matched_on", "2027-07-15")]
    assert "2027-06-30" in problems.loc[0, "expected"]


def test_pairs_without_id_columns_reported_alone():
    problems = problems_of(pd.DataFrame({"mentor": ["m1"]}), good_meetings().drop(columns="date"))
    assert as_tuples(problems) == [(None, "mentor_id", None), (None, "mentee_id", None)]


# --------------------------------------------------------------------------- never a deep traceback


@pytest.mark.parametrize(
    "meetings",
    [
        pd.DataFrame(
            {"mentor_id": [[1]], "mentee_id": [{}], "date": [[]], "duration_minutes": [{}]}
        ),
        pd.DataFrame(
            {
                "mentor_id": pd.Categorical(["m1"]),
                "mentee_id": ["e1"],
                "date": [object()],
                "duration_minutes": [True],
            }
        ),
        [{"mentor_id": "m1", "mentee_id": "e1", "date": "2026-09-31", "duration_minutes": "x"}],
        pd.DataFrame(
            [["m1", "e1", "2026-09-10", 60, 61]],
            columns=["mentor_id", "mentee_id", "date", "duration_minutes", "Duration Minutes"],
        ),
        pd.DataFrame(
            {
                "mentor_id": ["m1", "m1"],
                "mentee_id": ["e1", "e1"],
                "date": ["2026-09-10T10:00+02:00", "2026-09-11T10:00-07:00"],
                "duration_minutes": ["45", "bad"],
            }
        ),
    ],
)
def test_odd_input_gives_a_log_error_not_a_traceback(meetings):
    with pytest.raises(mm.LogError) as info:
        mm.check_cycle(PAIRS, meetings, "amcto", as_of="2026-12-01")
    assert len(info.value.problems) >= 1
    assert info.value.problems["row"].dtype == "Int64"


def test_records_that_are_not_dicts():
    problems = problems_of(PAIRS, [good_meetings().iloc[0].to_dict(), 42])
    assert as_tuples(problems) == [(1, None, "int")]


def test_lenient_but_exact_reading():
    """Numbers as ids, text durations, mixed date types, headers in any case all read."""
    pairs = pd.DataFrame({"Mentor ID": [1, 2], "Mentee-ID": [11, 12]})
    m = pd.DataFrame(
        {
            "MENTOR_ID": [1.0, 2.0, 2.0],
            "mentee_id": ["11", "12", "12"],
            "Date": [dt.date(2026, 9, 10), pd.Timestamp("2026-09-11 15:30"), "09/12/2026"],
            "duration_minutes": ["45", 60.0, 30],
        }
    )
    # 09/12/2026 alone cannot say whether it is 9 December or 12 September
    problems = problems_of(pairs, m, "amcto", as_of="2026-09-30")
    assert as_tuples(problems) == [(None, "date", "row 2: '09/12/2026'")]
    assert "date_format=" in problems.loc[0, "expected"]
    report = mm.check_cycle(pairs, m, "amcto", as_of="2026-09-30", date_format="mm/dd/yyyy")
    used = report.meetings
    assert list(used["mentor_id"]) == ["1", "2", "2"]
    assert list(used["date"].dt.date.astype(str)) == ["2026-09-10", "2026-09-11", "2026-09-12"]
    assert list(used["duration_minutes"]) == [45.0, 60.0, 30.0]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"as_of": "someday"}, "as_of"),
        ({"as_of": 5}, "as_of"),
        ({"start": "2026-13-01", "as_of": "2026-10-01"}, "start"),
        ({"start": "2026-09-01", "end": "2026-08-01", "as_of": "2026-10-01"}, "end"),
        ({"policy": 3, "as_of": "2026-10-01"}, "policy"),
    ],
)
def test_parameter_errors_use_the_one_template(kwargs, name):
    with pytest.raises(mm.ParameterError, match=rf"^The '{name}' parameter of check_cycle must be"):
        mm.check_cycle(PAIRS, good_meetings(), **kwargs)


def test_meetings_of_the_wrong_type(tmp_path):
    with pytest.raises(mm.ParameterError, match="The 'meetings' parameter of check_cycle"):
        mm.check_cycle(PAIRS, 42, as_of="2026-10-01")
    with pytest.raises(mm.ParameterError, match=r"or the path of a \.csv or \.xlsx file"):
        mm.check_cycle(PAIRS, b"meetings.csv", as_of="2026-10-01")
    with pytest.raises(FileNotFoundError, match="No meetings file at"):
        mm.check_cycle(PAIRS, tmp_path / "meetings.csv", as_of="2026-10-01")
    with pytest.raises(mm.PolicyError, match="Unknown policy"):
        mm.check_cycle(PAIRS, good_meetings(), "nope", as_of="2026-10-01")
