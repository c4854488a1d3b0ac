"""Ids: mistyped previous partners (issue 22 item 5), ids that look alike, invisible characters."""

from __future__ import annotations

import dataclasses
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch._ids import TRIMMED, did_you_mean, loose_keys, similar_groups, suggestions
from table_files import csv_bytes
from test_scoring_properties import cohorts, reference_allowed

POLICY = mm.ProgramPolicy(
    name="plain",
    eligibility=(),
    matching=mm.MatchingSettings(weights={"skills": 1.0}),
)
KEEP_ABSENT = dataclasses.replace(
    POLICY,
    matching=dataclasses.replace(POLICY.matching, allow_absent_previous_partners=True),
)


def people(**previous: str) -> list[dict]:
    """One mentee e1 and one mentor r1 with the same skill (the only possible pair)."""
    return [
        {"id": "e1", "role": "mentee", "skills": "budgeting", "previous_partner_ids": ""}
        | ({"previous_partner_ids": previous["e1"]} if "e1" in previous else {}),
        {"id": "r1", "role": "mentor", "skills": "budgeting", "previous_partner_ids": ""}
        | ({"previous_partner_ids": previous["r1"]} if "r1" in previous else {}),
    ]


def problems_of(recs, policy=None) -> pd.DataFrame:
    with pytest.raises(mm.ApplicationError) as info:
        mm.validate_applications(recs, policy)
    return info.value.problems


# --------------------------------------------------------------------------- item 5


def test_a_mistyped_previous_partner_is_a_problem_not_a_new_pair():
    # e1 and r1 were partners last year; the coordinator typed "R1" (case) on e1's row.
    recs = people(e1="R1")
    with pytest.raises(mm.ApplicationError) as info:
        mm.match(recs, POLICY)  # before: e1 and r1 paired again, silently
    problems = info.value.problems
    assert problems[["row", "column", "value"]].values.tolist() == [
        [0, "previous_partner_ids", "R1"]
    ]
    assert "did you mean 'r1'?" in problems["expected"].iloc[0]
    assert "capital letters" in problems["expected"].iloc[0]


def test_an_unknown_previous_partner_is_a_problem_like_an_unknown_request():
    problems = problems_of(people(e1="r9; r1", r1="e1; e7"))
    got = problems[["row", "column", "value"]].values.tolist()
    assert got == [[0, "previous_partner_ids", "r9"], [1, "previous_partner_ids", "e7"]]
    for text in problems["expected"]:
        assert text.startswith("the id of an applicant in this table")
        assert "allow_absent_previous_partners" in text  # says how to keep earlier years'
    # a request for an unknown id reads the same (and gets the "did you mean" too)
    recs = people()
    recs[0]["requested_ids"] = "r 1"
    problems = problems_of(recs)
    assert problems[["row", "column", "value"]].values.tolist() == [[0, "requested_ids", "r 1"]]
    assert problems["expected"].iloc[0].startswith("the id of an applicant in this table")
    assert "did you mean 'r1'? the two differ only in spaces" in problems["expected"].iloc[0]


def test_the_policy_setting_keeps_partners_who_did_not_apply_again():
    recs = people(e1="r9", r1="e1")  # r9 (last year) did not apply; r1 lists e1
    apps = mm.validate_applications(recs, KEEP_ABSENT)
    assert apps["previous_partner_ids"].tolist() == [["r9"], ["e1"]]  # kept as written
    result = mm.match(recs, KEEP_ABSENT)
    assert result.pairs.empty  # e1 and r1 were partners: never paired again
    assert set(result.unmatched["participant_id"]) == {"e1", "r1"}
    # an absent id blocks no one: e1 is paired with r1 when only r9 is listed
    result = mm.match(people(e1="r9"), KEEP_ABSENT)
    assert result.pairs[["mentee_id", "mentor_id"]].values.tolist() == [["e1", "r1"]]
    # a look-alike of an applicant's id is still a problem: it is most likely them
    problems = problems_of(people(e1="R1"), KEEP_ABSENT)
    assert problems[["row", "column", "value"]].values.tolist() == [
        [0, "previous_partner_ids", "R1"]
    ]
    assert "did you mean 'r1'?" in problems["expected"].iloc[0]
    # the setting is part of the policy: TOML round trip
    text = KEEP_ABSENT.to_toml() if hasattr(KEEP_ABSENT, "to_toml") else None
    if text is not None:
        again = mm.ProgramPolicy.from_toml_string(text)
        assert again.matching.allow_absent_previous_partners is True


ABSENT = st.lists(st.sampled_from([f"x{k}" for k in range(5)] + ["gone", "q-17"]), max_size=2)


@settings(max_examples=60, deadline=None)
@given(cohorts(), st.data())
def test_kept_absent_partners_never_block_or_free_the_wrong_pair(data, extra):
    """With the setting on, ids of people not in the table change no allowed pair, and
    every previous partner in the table is still blocked (the independent reference)."""
    recs, policy = data
    policy = dataclasses.replace(
        policy,
        matching=dataclasses.replace(policy.matching, allow_absent_previous_partners=True),
    )
    with_absent = [
        {**r, "previous_partner_ids": [*r["previous_partner_ids"], *extra.draw(ABSENT)]}
        for r in recs
    ]
    sm = mm.score_pairs(with_absent, policy)
    expected = reference_allowed(recs, policy)  # computed without the absent ids
    got = {
        (e, r): bool(sm.allowed[i, j])
        for i, e in enumerate(sm.mentee_ids)
        for j, r in enumerate(sm.mentor_ids)
    }
    assert got == expected


# --------------------------------------------------------------------------- look-alikes

NFC = unicodedata.normalize("NFC", "josé")
NFD = unicodedata.normalize("NFD", "josé")


@pytest.mark.parametrize(
    ("a", "b", "how"),
    [
        ("M1", "m1", "capital letters"),
        ("mentor-007", "mentor-7", "leading zeros"),
        ("007", "7", "leading zeros"),
        (NFC, NFD, "how accented or full-width letters are encoded"),
        ("ｅ１", "e1", "how accented or full-width letters are encoded"),
        ("e\u200b1", "e1", "spaces or invisible characters"),
        ("Mentor-007", "mentor-7", "capital letters and leading zeros"),
    ],
)
def test_ids_that_look_alike(a, b, how):
    assert a != b
    assert loose_keys([a])[0] == loose_keys([b])[0]
    assert did_you_mean(a, b) == f" (did you mean {b!r}? the two differ only in {how})"


def test_ids_that_only_share_letters_do_not_look_alike():
    keys = loose_keys(["e1", "e10", "e01x", "e-1", "é1", "100", "10", None])
    assert len(set(keys[:-1])) == 7 and keys[-1] is None
    assert similar_groups(["a", "a", "b", None]) == []  # the same id twice is one id
    groups = similar_groups(["M1", "x", "m1", "M1", "y", "007", "7"])
    assert [g.tolist() for g in groups] == [[0, 2, 3], [5, 6]]
    got = suggestions(np.array(["R1", "zz", "r-01"], dtype=object), np.array(["r1", "r-1"]))
    assert got.tolist() == ["r1", None, "r-1"]


def test_applicants_whose_ids_look_alike_are_different_people_with_a_warning(tmp_path):
    path = tmp_path / "apps.csv"
    rows = [["id", "role", "email"], ["M1", "mentor", "a@x.org"], ["e1", "mentee", "b@x.org"]]
    rows += [["m1", "mentee", "c@x.org"], [NFC, "mentor", "d@x.org"], [NFD, "mentee", "e@x.org"]]
    path.write_bytes(csv_bytes(rows))
    with pytest.warns(mm.SimilarIdsWarning) as record:
        apps = mm.read_applications(path)
    assert apps["id"].tolist() == ["M1", "e1", "m1", NFC, NFD]  # five people
    assert len(record) == 1
    message = str(record[0].message)
    assert "'M1' (row 2), 'm1' (row 4)" in message
    assert f"{NFC!r} (row 5), {NFD!r} (row 6)" in message
    assert "@" not in message  # ids and row numbers only
    assert record[0].filename == __file__  # points at the caller, not the library
    assert issubclass(mm.SimilarIdsWarning, mm.MentormatchWarning)
    assert issubclass(mm.SimilarIdsWarning, UserWarning)


def test_no_warning_for_a_table_of_distinct_ids():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mm.validate_applications(mm.datasets.make_cohort(30, 30, seed=1))


# --------------------------------------------------------------------------- invisible


def test_the_trimmed_characters_are_white_space_and_zero_width_ones():
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert set(TRIMMED) == spaces | set("\u200b\u200c\u200d\u2060\u180e\ufeff")


def test_zero_width_and_no_break_spaces_around_ids_are_trimmed(tmp_path):
    # pasted from a web page or a word processor: invisible, never meant
    rows = [
        ["id", "role", "requested_ids"],
        ["\u200bm1\u00a0", "mentor", "e1\u200b"],
        ["\ufeffe1 \u202f", "mentee", "\u2060m1"],
    ]
    path = tmp_path / "apps.csv"
    path.write_bytes(csv_bytes(rows))
    apps = mm.read_applications(path)
    assert apps["id"].tolist() == ["m1", "e1"]
    assert apps["requested_ids"].tolist() == [["e1"], ["m1"]]
    # inside an id an invisible character is kept: another id, said so
    problems = problems_of([{"id": "m1", "role": "mentor", "requested_ids": "e\u200b1"},
                            {"id": "e1", "role": "mentee"}])  # fmt: skip
    assert (
        "did you mean 'e1'? the two differ only in spaces or invisible"
        in (problems["expected"].iloc[0])
    )


# --------------------------------------------------------------------------- logs


def test_a_meeting_id_that_only_looks_like_a_pair_says_did_you_mean(tmp_path):
    pairs = pd.DataFrame({"mentor_id": ["mentor-007", "r2"], "mentee_id": ["e1", "e2"]})
    meetings = pd.DataFrame(
        {
            "mentor_id": ["mentor-7", "r2", "\u200br2", "r2"],
            "mentee_id": ["e1", "E2", "e2", "e9"],
            "date": ["2026-09-10"] * 4,
            "duration_minutes": [60] * 4,
        }
    )
    with pytest.raises(mm.LogError) as info:
        mm.check_cycle(pairs, meetings, "amcto", as_of="2026-10-01")
    p = info.value.problems
    got = {(int(r.row), r.column): r.expected for r in p.itertuples()}
    assert set(got) == {(0, "mentor_id"), (1, "mentee_id"), (3, "mentee_id")}  # row 2 trimmed
    assert "did you mean 'mentor-007'? the two differ only in leading zeros" in got[0, "mentor_id"]
    assert "did you mean 'e2'? the two differ only in capital letters" in got[1, "mentee_id"]
    assert "did you mean" not in got[3, "mentee_id"]
