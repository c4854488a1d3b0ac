"""The applications table: parsing, every validation problem at once, files, and a property."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentormatch as mm

PROBLEM_COLUMNS = ["row", "column", "value", "expected"]


def problems_of(data, **kw) -> pd.DataFrame:
    with pytest.raises(mm.ApplicationError) as info:
        mm.validate_applications(data, **kw)
    # Checked after the with block: inside it, nothing after the raising call runs.
    problems = info.value.problems
    assert isinstance(problems, pd.DataFrame)
    assert list(problems.columns) == PROBLEM_COLUMNS
    return problems


def as_tuples(problems: pd.DataFrame) -> set[tuple]:
    return {
        (None if pd.isna(r.row) else int(r.row), r.column, r.value)
        for r in problems.itertuples(index=False)
    }


# --------------------------------------------------------------------------- parsing


def test_types_spellings_lists_and_whitespace():
    apps = mm.validate_applications(
        [
            {
                "id": 17,
                "role": " Mentor ",
                "member_in_good_standing": "Yes",
                "new_to_sector": "n",
                "board_ratified": "TRUE",
                "comms_role": 1,
                "application_complete": "0",
                "years_experience": " 7 ",
                "commitment_months": "9",
                "community_size": "12,500",
                "region": "  Eastern ",
                "skills": " budgeting ;council reports; budgeting;",
                "requested_ids": "18",
            },
            {
                "id": " 18 ",
                "role": "mentee",
                "member_in_good_standing": "y",
                "new_to_sector": "",
                "board_ratified": "false",
                "comms_role": "F",
                "application_complete": True,
                "years_experience": 2.5,
                "commitment_months": 12.0,
                "community_size": None,
                "region": "",
                "skills": ["gis", " hr "],
                "requested_ids": ["17"],
            },
        ]
    )
    assert apps["id"].tolist() == ["17", "18"]
    assert apps["role"].tolist() == ["mentor", "mentee"]
    assert str(apps["id"].dtype) == "string" and str(apps["role"].dtype) == "string"
    assert apps["member_in_good_standing"].tolist() == [True, True]
    assert apps["new_to_sector"].tolist()[0] is False
    assert apps["new_to_sector"].isna().tolist() == [False, True]
    assert apps["board_ratified"].tolist() == [True, False]
    assert apps["comms_role"].tolist() == [True, False]
    assert apps["application_complete"].tolist() == [False, True]
    for col in ("member_in_good_standing", "new_to_sector", "comms_role"):
        assert str(apps[col].dtype) == "boolean"
    assert apps["years_experience"].tolist() == [7.0, 2.5]
    assert str(apps["years_experience"].dtype) == "Float64"
    assert apps["commitment_months"].tolist() == [9, 12]
    assert str(apps["commitment_months"].dtype) == "Int64"
    assert apps["community_size"].iloc[0] == 12_500 and apps["community_size"].isna().iloc[1]
    assert apps["region"].iloc[0] == "Eastern" and apps["region"].isna().iloc[1]
    assert apps["skills"].tolist() == [["budgeting", "council reports"], ["gis", "hr"]]
    assert apps["requested_ids"].tolist() == [["18"], ["17"]]


def test_protege_is_a_mentee_and_extra_columns_are_kept():
    apps = mm.validate_applications(
        pd.DataFrame({"ID": ["a", "b"], "Role": ["Protégé", "mentor"], "E-mail": ["x@y", "z@w"]})
    )
    assert list(apps.columns) == ["id", "role", "e_mail"]
    assert apps["role"].tolist() == ["mentee", "mentor"]
    assert apps["e_mail"].tolist() == ["x@y", "z@w"]


def test_numbers_in_an_object_column_read_as_ids_and_text_without_dot_zero():
    # An object column is not text just because of its dtype (Excel ids come as floats).
    apps = mm.validate_applications(
        [{"id": 1.0, "role": "mentor", "goals": 3.0}, {"id": "x", "role": "mentee", "goals": "hr"}]
    )
    assert apps["id"].tolist() == ["1", "x"]
    assert apps["goals"].tolist() == ["3", "hr"]


def test_list_or_dict_in_a_scalar_column_is_a_problem_not_its_str():
    problems = problems_of(
        [
            {"id": [1], "role": "mentor"},
            {"id": "b", "role": "mentee", "goals": {"a": 1}, "region": ["East"]},
        ]
    )
    assert as_tuples(problems) == {
        (0, "id", "[1]"),
        (1, "goals", "{'a': 1}"),
        (1, "region", "['East']"),
    }
    assert set(problems["expected"]) == {"text"}


# --------------------------------------------------------------------------- problems


def test_every_problem_is_reported_at_once_with_row_column_value_expected():
    problems = problems_of(
        [
            {"id": "a", "role": "mentor", "years_experience": -1, "requested_ids": "zz"},
            {"id": "a", "role": "boss", "years_experience": "ten", "requested_ids": ""},
            {"id": "c", "role": "mentee", "years_experience": 3, "requested_ids": "c"},
            {"id": "d", "role": "mentee", "years_experience": "", "new_to_sector": "maybe"},
            {"id": None, "role": "mentee", "commitment_months": 9.5, "capacity": 0},
        ]
    )
    expected = {
        (0, "id", "a"),  # duplicate
        (1, "id", "a"),
        (0, "years_experience", -1),  # negative
        (0, "requested_ids", "zz"),  # unknown id
        (1, "role", "boss"),  # unknown role
        (1, "years_experience", "ten"),  # not a number
        (2, "requested_ids", "c"),  # self-request
        (3, "new_to_sector", "maybe"),  # odd boolean
        (4, "id", ""),  # blank id
        (4, "commitment_months", 9.5),  # not whole
        (4, "capacity", 0),  # below 1
    }
    assert as_tuples(problems) == expected
    by = {(int(r.row), r.column): r.expected for r in problems.itertuples() if not pd.isna(r.row)}
    assert "unique id (also on row 1)" in by[(0, "id")]
    assert "unique id (also on row 0)" in by[(1, "id")]
    assert by[(1, "role")] == "'mentor' or 'mentee'"
    assert by[(0, "years_experience")] == "a number of years from 0 to 100"
    assert by[(0, "requested_ids")] == "the id of an applicant in this table"
    assert by[(2, "requested_ids")] == "the id of someone else (not the applicant)"
    assert "yes/no" in by[(3, "new_to_sector")]
    assert problems["row"].is_monotonic_increasing
    assert str(problems["row"].dtype) == "Int64"


def test_message_lists_each_problem_in_words():
    with pytest.raises(mm.ApplicationError) as info:
        mm.validate_applications([{"id": "a", "role": "mentor", "years_experience": "-2"}])
    message = str(info.value)
    assert message.startswith("The applications table has 1 problem:")
    assert (
        "row 0, column 'years_experience': got '-2'; expected a number of years from 0 to 100."
        in message
    )


def test_requesting_someone_of_the_same_role_is_a_problem():
    problems = problems_of(
        [
            {"id": "a", "role": "mentor", "requested_ids": "b"},
            {"id": "b", "role": "mentor"},
        ]
    )
    assert as_tuples(problems) == {(0, "requested_ids", "b")}
    assert "other role" in problems["expected"].iloc[0]


def test_requesting_a_duplicated_id_reports_the_duplicate_only():
    problems = problems_of(
        [
            {"id": "a", "role": "mentor", "requested_ids": "b"},
            {"id": "b", "role": "mentee"},
            {"id": "b", "role": "mentee"},
        ]
    )
    assert as_tuples(problems) == {(1, "id", "b"), (2, "id", "b")}


def test_a_column_the_policy_needs_names_the_column_and_the_policy():
    recs = [{"id": "a", "role": "mentor", "member_in_good_standing": "yes"}]
    problems = problems_of(recs, policy="ama")
    missing = problems[problems["row"].isna()]
    assert "board_ratified" in missing["column"].tolist()
    line = missing[missing["column"] == "board_ratified"]["expected"].iloc[0]
    assert "AMA Mentorship Program" in line and "board_ratified" in line
    assert missing["value"].isna().all()
    assert "(column missing)" in str(mm.ApplicationError(problems))
    # Without a policy only id and role are required.
    assert len(mm.validate_applications(recs)) == 1


def test_id_and_role_are_always_required():
    problems = problems_of([{"name": "x"}])
    assert set(problems["column"]) == {"id", "role"}
    assert problems["row"].isna().all()


def test_two_columns_with_the_same_name_after_normalizing():
    problems = problems_of(pd.DataFrame([["a", "mentor", "x"]], columns=["id", "role", "Role "]))
    assert as_tuples(problems) == {(None, "role", "Role ")}


def test_records_that_are_not_dicts_and_wrong_types():
    problems = problems_of([{"id": "a", "role": "mentor"}, 3])
    assert as_tuples(problems) == {(1, None, "int")}
    with pytest.raises(
        mm.ParameterError, match="'applications' parameter of validate_applications"
    ):
        mm.validate_applications("applications.csv")
    with pytest.raises(mm.PolicyError, match="'amcto', 'ama', '3cma', 'ltb'"):
        mm.validate_applications([{"id": "a", "role": "mentor"}], policy="nope")


def test_ama_stage_outside_the_scale():
    recs = [
        {
            "id": "a",
            "role": "mentor",
            "member_in_good_standing": "y",
            "board_ratified": "y",
            "career_stage": 5,
            "goals": "",
            "skills": "",
            "interests": "",
        },
    ]
    problems = problems_of(recs, policy="ama")
    assert as_tuples(problems) == {(0, "career_stage", 5)}
    assert problems["expected"].iloc[0] == "a stage from 1 to 4"


def test_validated_table_passes_through_unchanged():
    recs = [
        {"id": "a", "role": "mentor", "skills": "x; y", "years_experience": 8},
        {"id": "b", "role": "mentee", "skills": "", "years_experience": None},
    ]
    once = mm.validate_applications(recs)
    pd.testing.assert_frame_equal(mm.validate_applications(once), once)


# --------------------------------------------------------------------------- files


def test_read_csv_rows_numbered_as_in_the_spreadsheet(tmp_path):
    path = tmp_path / "apps.csv"
    path.write_text(
        "\ufeffID,Role,Years Experience,Requested IDs\n"
        "m1,mentor,12,e1\n"
        "e1,mentee,-3,m1\n"
        "e2,Mentee,two,m9\n",
        encoding="utf-8",
    )
    with pytest.raises(mm.ApplicationError) as info:
        mm.read_applications(path)
    assert as_tuples(info.value.problems) == {
        (3, "years_experience", "-3"),
        (4, "years_experience", "two"),
        (4, "requested_ids", "m9"),
    }


def test_blank_lines_are_no_applicants_and_keep_the_row_numbers(tmp_path):
    csv = tmp_path / "apps.csv"
    csv.write_text("id,role,years_experience\nm1,mentor,12\n\ne1,mentee,-3\n,,\n", encoding="utf-8")
    with pytest.raises(mm.ApplicationError) as info:
        mm.read_applications(csv)
    assert as_tuples(info.value.problems) == {(4, "years_experience", "-3")}
    frame = pd.DataFrame(
        {
            "id": ["a", None, "b"],
            "role": ["mentor", None, "mentee"],
            "years_experience": [1, None, -2],
        }
    )
    frame.to_excel(tmp_path / "apps.xlsx", index=False)
    with pytest.raises(mm.ApplicationError) as info:
        mm.read_applications(tmp_path / "apps.xlsx")
    assert as_tuples(info.value.problems) == {(4, "years_experience", -2)}
    frame["years_experience"] = [1, None, 2]
    frame.to_excel(tmp_path / "apps.xlsx", index=False)
    assert mm.read_applications(tmp_path / "apps.xlsx")["id"].tolist() == ["a", "b"]
    # A row with only an e-mail is not blank: it is an applicant without id or role.
    csv.write_text("id,role,email\n,,x@y\n", encoding="utf-8")
    with pytest.raises(mm.ApplicationError) as info:
        mm.read_applications(csv)
    assert as_tuples(info.value.problems) == {(2, "id", ""), (2, "role", "")}


def test_a_row_with_more_cells_than_the_header_is_a_problem_not_a_shift(tmp_path):
    # pandas would make the first cells an index and move 'mentor' into id.
    csv = tmp_path / "apps.csv"
    csv.write_text("id,role\na,mentor,extra\nb,mentee\nc,mentee,,\n", encoding="utf-8")
    with pytest.raises(mm.ApplicationError) as info:
        mm.read_applications(csv)
    problems = info.value.problems
    assert as_tuples(problems) == {(2, None, "extra")}
    assert problems["expected"].iloc[0] == "at most 2 cells, one per header column"
    # Trailing empty cells (and unnamed empty columns) are not problems.
    csv.write_text('id,role,,\na,mentor,,\n"b",mentee\n', encoding="utf-8")
    apps = mm.read_applications(csv)
    assert apps[["id", "role"]].to_dict("records") == [
        {"id": "a", "role": "mentor"},
        {"id": "b", "role": "mentee"},
    ]


def test_unreadable_files_are_one_application_error(tmp_path):
    (tmp_path / "bad.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(mm.ApplicationError) as info:
        mm.read_applications(tmp_path / "bad.xlsx")
    problems = info.value.problems
    assert len(problems) == 1 and problems["row"].isna().all()
    assert problems["expected"].iloc[0] == "a readable XLSX file with one header row"
    # A Windows-1252 file is no longer unreadable: it is read as Windows-1252.
    (tmp_path / "latin1.csv").write_bytes(b"id,role,goals\na,mentor,caf\xe9\n")
    assert mm.read_applications(tmp_path / "latin1.csv")["goals"].tolist() == ["café"]


def test_read_excel_and_csv_give_the_same_table(tmp_path):
    frame = pd.DataFrame(
        {
            "id": [101, 102],
            "role": ["mentor", "mentee"],
            "member_in_good_standing": ["yes", "no"],
            "years_experience": [10, 1.5],
            "skills": ["budgeting; council reports", ""],
        }
    )
    frame.to_excel(tmp_path / "apps.xlsx", index=False)
    frame.to_csv(tmp_path / "apps.csv", index=False)
    from_xlsx = mm.read_applications(tmp_path / "apps.xlsx")
    from_csv = mm.read_applications(tmp_path / "apps.csv")
    pd.testing.assert_frame_equal(from_xlsx, from_csv)
    assert from_xlsx["id"].tolist() == ["101", "102"]
    assert from_xlsx["skills"].tolist() == [["budgeting", "council reports"], []]


def test_read_applications_bad_paths(tmp_path):
    with pytest.raises(mm.ParameterError, match="'path' parameter of read_applications"):
        mm.read_applications(tmp_path / "apps.json")
    with pytest.raises(FileNotFoundError):
        mm.read_applications(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(mm.ApplicationError, match="a header row"):
        mm.read_applications(tmp_path / "empty.csv")


# --------------------------------------------------------------------------- property

COLUMNS = list(mm._policy.APPLICATION_COLUMNS)

# What spreadsheets and hand-made frames contain: blanks, odd spellings of yes/no,
# numbers as text, lists, wrong types.
messy_scalar = st.one_of(
    st.none(),
    st.just(""),
    st.just("  "),
    st.sampled_from(["yes", "No", "Y", "n", "TRUE", "f", "1", "0", "1.0", "maybe", "2"]),
    st.sampled_from(["mentor", "Mentee", " MENTOR ", "protégé", "boss"]),
    st.sampled_from(["7", " 7.0 ", "-1", "1e3", "nan", "inf", "12,500", "ten", "9 months"]),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.sampled_from(["a", "b", " c ", 1]), max_size=3),
    st.just({"k": 1}),
)


@st.composite
def messy_tables(draw):
    n = draw(st.integers(0, 6))
    ids = draw(
        st.lists(
            st.one_of(
                st.sampled_from(["a", "b", "c", " a", "1", "2"]),
                st.integers(0, 3),
                st.floats(0, 3).map(float),
                st.none(),
                st.just(""),
            ),
            min_size=n,
            max_size=n,
        )
    )
    columns = draw(st.lists(st.sampled_from(COLUMNS[1:]), unique=True, max_size=8))
    drop_id = draw(st.booleans()) and draw(st.booleans())  # a quarter of tables lack id
    records = []
    for i in range(n):
        rec = {} if drop_id else {"id": ids[i]}
        for col in columns:
            if col in ("requested_ids", "previous_partner_ids"):
                rec[col] = draw(
                    st.one_of(
                        st.sampled_from([*ids, "zz", "a;b", ""]) if ids else st.just(""),
                        st.lists(st.sampled_from(["a", "b", "1", "zz"]), max_size=2),
                    )
                )
            else:
                rec[col] = draw(messy_scalar)
        records.append(rec)
    as_frame = draw(st.booleans())
    data = pd.DataFrame(records) if as_frame else records
    policy = draw(st.sampled_from([None, "amcto", "ama", "3cma", "ltb"]))
    return data, policy, ids, drop_id


@settings(max_examples=120, deadline=None)
@given(messy_tables())
def test_validate_returns_the_same_ids_or_raises_application_error(case):
    data, policy, ids, drop_id = case
    try:
        apps = mm.validate_applications(data, policy=policy)
    except mm.ApplicationError as exc:
        problems = exc.problems
        assert isinstance(problems, pd.DataFrame) and len(problems) >= 1
        assert list(problems.columns) == PROBLEM_COLUMNS
        assert problems["expected"].map(lambda e: isinstance(e, str) and e != "").all()
        rows = problems["row"].dropna()
        assert ((rows >= 0) & (rows < max(len(ids), 1))).all()
        str(exc)  # the message builds
        return
    assert not drop_id
    expected = [
        i.strip() if isinstance(i, str) else str(int(i)) if float(i).is_integer() else repr(i)
        for i in ids
    ]
    assert apps["id"].tolist() == expected
    assert apps["id"].is_unique
    assert set(apps["role"]) <= {"mentor", "mentee"}


def test_years_of_experience_are_bounded():
    # issue 22 item 11: 1e308 overflowed the float32 scoring and explain() then said
    # "no information"; 100 years is kept, more is a problem naming row and column.
    rows = [
        {"id": "a", "role": "mentor", "years_experience": 100},
        {"id": "b", "role": "mentor", "years_experience": "1e308"},
        {"id": "c", "role": "mentee", "years_experience": 150},
    ]
    with pytest.raises(mm.ApplicationError) as info:
        mm.validate_applications(rows)
    problems = info.value.problems
    assert [(int(r), c) for r, c in zip(problems["row"], problems["column"], strict=True)] == [
        (1, "years_experience"),
        (2, "years_experience"),
    ]
    ok = mm.validate_applications(rows[:1])
    assert ok["years_experience"].tolist() == [100.0]
