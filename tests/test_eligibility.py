"""Eligibility: every rule of every preset, on hand-built rows from the seed wording."""

from __future__ import annotations

import pandas as pd
import pytest

import mentormatch as mm
from mentormatch import EligibilityRule, MatchingSettings, ProgramPolicy

AMCTO_OK = {
    "member_in_good_standing": "yes",
    "years_experience": 3,
    "new_to_sector": "no",
    "commitment_months": 9,
}


def check(rows: list[dict], policy) -> pd.DataFrame:
    recs = [{"id": f"p{i}", **r} for i, r in enumerate(rows)]
    out = mm.check_eligibility(recs, policy)
    assert list(out.columns) == ["participant_id", "role", "eligible", "reasons", "detail"]
    assert out["participant_id"].tolist() == [r["id"] for r in recs]
    # eligible exactly when no rule failed, and a sentence for each failure
    assert (out["eligible"] == out["reasons"].map(len).eq(0)).all()
    assert (out["eligible"] == out["detail"].eq("")).all()
    return out


def reasons(rows: list[dict], policy) -> list[list[str]]:
    return check(rows, policy)["reasons"].tolist()


# --------------------------------------------------------------------------- AMCTO


def test_amcto_preset_rules_in_table_order():
    assert [r.code for r in mm.policies.AMCTO.eligibility] == [
        "membership",
        "mentor_experience",
        "mentee_experience",
        "commitment",
    ]


def test_amcto_membership():
    # "Be an active AMCTO member in good standing."
    rows = [
        {"role": "mentor", **AMCTO_OK, "years_experience": 10, "member_in_good_standing": "no"},
        {"role": "mentee", **AMCTO_OK, "member_in_good_standing": "n"},
        {"role": "mentee", **AMCTO_OK, "member_in_good_standing": ""},
        {"role": "mentee", **AMCTO_OK, "member_in_good_standing": "Y"},
    ]
    out = check(rows, "amcto")
    assert out["reasons"].tolist() == [["membership"], ["membership"], ["membership"], []]
    assert out["detail"].iloc[0] == (
        "The program is only open to AMCTO members in good standing; the application says no."
    )
    assert "leaves member_in_good_standing blank" in out["detail"].iloc[2]


def test_amcto_mentor_experience_boundary_exactly_seven_years():
    # "Mentors should have a minimum of seven (7) years professional experience"
    rows = [
        {"role": "mentor", **AMCTO_OK, "years_experience": 7},
        {"role": "mentor", **AMCTO_OK, "years_experience": 6.9},
        {"role": "mentor", **AMCTO_OK, "years_experience": 5},
        {"role": "mentor", **AMCTO_OK, "years_experience": None},
        # new to the sector does not excuse a mentor's experience
        {"role": "mentor", **AMCTO_OK, "years_experience": 5, "new_to_sector": "yes"},
    ]
    out = check(rows, "amcto")
    assert out["reasons"].tolist() == [
        [],
        ["mentor_experience"],
        ["mentor_experience"],
        ["mentor_experience"],
        ["mentor_experience"],
    ]
    assert out["detail"].iloc[2] == (
        "Mentors need at least 7 years of professional experience; the application says 5."
    )
    assert out["detail"].iloc[3] == (
        "Mentors need at least 7 years of professional experience; "
        "the application leaves years_experience blank."
    )


def test_amcto_mentee_experience_boundaries_and_new_to_sector():
    # "Mentees should be new professionals (under seven years professional experience)
    # or should be new to working in the municipal sector."
    rows = [
        {"role": "mentee", **AMCTO_OK, "years_experience": 6.99},
        {"role": "mentee", **AMCTO_OK, "years_experience": 7},  # not under seven
        {"role": "mentee", **AMCTO_OK, "years_experience": 10, "new_to_sector": "yes"},
        {"role": "mentee", **AMCTO_OK, "years_experience": 10, "new_to_sector": "no"},
        {"role": "mentee", **AMCTO_OK, "years_experience": 10, "new_to_sector": ""},
        {"role": "mentee", **AMCTO_OK, "years_experience": 0},
        # 10 years is fine for a mentor; the mentee rule does not apply to them
        {"role": "mentor", **AMCTO_OK, "years_experience": 10},
    ]
    out = check(rows, "amcto")
    assert out["reasons"].tolist() == [
        [],
        ["mentee_experience"],
        [],
        ["mentee_experience"],
        ["mentee_experience"],
        [],
        [],
    ]
    assert out["detail"].iloc[1] == (
        "Mentees need under 7 years of professional experience or to be new to the municipal "
        "sector; the application says 7 years and new to the sector: no."
    )


def test_amcto_commitment_nine_months():
    # "at least a nine-month period"; FAQ "the full nine months"
    rows = [
        {"role": "mentee", **AMCTO_OK, "commitment_months": 9},
        {"role": "mentee", **AMCTO_OK, "commitment_months": 8},
        {"role": "mentor", **AMCTO_OK, "years_experience": 20, "commitment_months": 12},
        {"role": "mentor", **AMCTO_OK, "years_experience": 20, "commitment_months": None},
    ]
    out = check(rows, "amcto")
    assert out["reasons"].tolist() == [[], ["commitment"], [], ["commitment"]]
    assert out["detail"].iloc[1] == (
        "Participants commit to at least 9 months in the program; the application says 8."
    )


def test_amcto_several_failures_in_table_order_and_one_sentence_each():
    rows = [
        {
            "role": "mentor",
            "member_in_good_standing": "no",
            "years_experience": 2,
            "new_to_sector": "no",
            "commitment_months": 6,
        }
    ]
    out = check(rows, "amcto")
    assert out["reasons"].iloc[0] == ["membership", "mentor_experience", "commitment"]
    detail = out["detail"].iloc[0]
    assert (
        detail.index("members in good standing")
        < detail.index("7 years")
        < detail.index("9 months")
    )


# --------------------------------------------------------------------------- AMA


AMA_OK = {"member_in_good_standing": "yes", "board_ratified": "yes"}


def test_ama_membership_and_board_ratification():
    # "open to Individual Members in good standing ... must be ratified by the AMA's Board"
    rows = [
        {"role": "mentor", **AMA_OK, "career_stage": 3},
        {"role": "mentor", **AMA_OK, "career_stage": 3, "member_in_good_standing": "no"},
        {"role": "mentee", **AMA_OK, "career_stage": 1, "board_ratified": "no"},
        {"role": "mentee", **AMA_OK, "career_stage": 1, "board_ratified": None},
        {
            "role": "mentee",
            "career_stage": 1,
            "member_in_good_standing": "n",
            "board_ratified": "n",
        },
    ]
    out = check(rows, "ama")
    assert out["reasons"].tolist() == [
        [],
        ["membership"],
        ["board_ratified"],
        ["board_ratified"],
        ["membership", "board_ratified"],
    ]
    assert "ratified by the AMA's Board of Directors" in out["detail"].iloc[2]


def test_ama_career_stage_ends_of_the_scale():
    # A mentor at stage 1 has no mentee below; a mentee at stage 4 has no mentor above.
    rows = [
        {"role": "mentor", **AMA_OK, "career_stage": 1},
        {"role": "mentor", **AMA_OK, "career_stage": 2},
        {"role": "mentor", **AMA_OK, "career_stage": 4},
        {"role": "mentee", **AMA_OK, "career_stage": 1},
        {"role": "mentee", **AMA_OK, "career_stage": 3},
        {"role": "mentee", **AMA_OK, "career_stage": 4},
        {"role": "mentee", **AMA_OK, "career_stage": None},
    ]
    out = check(rows, "ama")
    assert out["reasons"].tolist() == [
        ["career_stage"],
        [],
        [],
        [],
        [],
        ["career_stage"],
        ["career_stage"],
    ]
    assert "no mentee can be found" in out["detail"].iloc[0]
    assert "no mentor can be found" in out["detail"].iloc[5]


def test_ama_career_stage_is_also_a_pair_rule():
    # "the category that best matches their career stage": mentor above mentee.
    apps = [
        {"id": "r3", "role": "mentor", **AMA_OK, "career_stage": 3},
        {"id": "e3", "role": "mentee", **AMA_OK, "career_stage": 3},
        {"id": "e2", "role": "mentee", **AMA_OK, "career_stage": 2},
    ]
    apps = [{**a, "goals": "", "skills": "", "interests": ""} for a in apps]
    sm = mm.score_pairs(apps, "ama")
    allowed = pd.DataFrame(sm.allowed, index=sm.mentee_ids, columns=sm.mentor_ids)
    assert bool(allowed.loc["e2", "r3"]) and not bool(allowed.loc["e3", "r3"])


# --------------------------------------------------------------------------- 3CMA


def test_3cma_membership_comms_role_and_complete_application():
    # "members of 3CMA in good standing"; "a position in local government that involves
    # some aspects of marketing and communication"; "must complete an online application"
    ok = {"member_in_good_standing": "yes", "comms_role": "yes", "application_complete": "yes"}
    rows = [
        {"role": "mentor", **ok},
        {"role": "mentee", **ok, "member_in_good_standing": "no"},
        {"role": "mentee", **ok, "comms_role": "no"},
        {"role": "mentor", **ok, "application_complete": "0"},
        {"role": "mentor", **ok, "application_complete": ""},
        {
            "role": "mentee",
            "member_in_good_standing": 0,
            "comms_role": 0,
            "application_complete": 0,
        },
    ]
    out = check(rows, "3cma")
    assert out["reasons"].tolist() == [
        [],
        ["membership"],
        ["comms_role"],
        ["application_complete"],
        ["application_complete"],
        ["membership", "comms_role", "application_complete"],
    ]
    assert "marketing and communication" in out["detail"].iloc[2]


# --------------------------------------------------------------------------- LTB


def test_ltb_has_no_eligibility_rules():
    # The LTB guide states none: everyone with an id and a role is eligible.
    assert mm.policies.LTB.eligibility == ()
    out = check([{"role": "mentor"}, {"role": "Protégé"}], "ltb")
    assert out["eligible"].all()
    assert out["role"].tolist() == ["mentor", "mentee"]


# --------------------------------------------------------------------------- general


def test_missing_rule_column_names_the_column_and_the_policy():
    with pytest.raises(mm.ApplicationError) as info:
        mm.check_eligibility([{"id": "a", "role": "mentor", "years_experience": 9}], "amcto")
    problems = info.value.problems
    assert set(problems["column"]) == {
        "member_in_good_standing",
        "new_to_sector",
        "commitment_months",
    }
    assert problems["expected"].str.contains("AMCTO Mentorship Program").all()


def test_a_programs_own_columns_are_read_as_its_rules_need():
    # A new association's rules on columns DESIGN.md does not list: "no" is not yes,
    # a blank is not filled in, and text is not a number.
    policy = ProgramPolicy(
        name="Own program",
        eligibility=(
            EligibilityRule(code="code_of_conduct", test="is_true", column="signed_code"),
            EligibilityRule(code="age", test="at_least", column="age", value=18),
            EligibilityRule(code="reference", test="not_blank", column="reference"),
        ),
        matching=MatchingSettings(weights={"mutual_request": 1}),  # needs no column
    )
    rows = [
        {"role": "mentor", "signed_code": "no", "age": "20", "reference": " "},
        {"role": "mentee", "signed_code": "Yes", "age": "17", "reference": "Dr. X"},
        {"role": "mentee", "signed_code": "y", "age": 30, "reference": "Y"},
    ]
    out = check(rows, policy)
    assert out["reasons"].tolist() == [["code_of_conduct", "reference"], ["age"], []]
    apps = mm.validate_applications([{"id": f"p{i}", **r} for i, r in enumerate(rows)], policy)
    assert str(apps["signed_code"].dtype) == "boolean"
    assert str(apps["age"].dtype) == "Float64"
    with pytest.raises(mm.ApplicationError) as info:
        mm.check_eligibility(
            [{"id": "a", "role": "mentor", "signed_code": "maybe", "age": "abc", "reference": ""}],
            policy,
        )
    problems = info.value.problems
    assert set(zip(problems["column"], problems["value"], strict=True)) == {
        ("signed_code", "maybe"),
        ("age", "abc"),
    }
    assert problems.set_index("column").loc["age", "expected"] == "a number"


def test_eligibility_is_per_applicant_in_input_order():
    rows = [{"role": "mentee", **AMCTO_OK} for _ in range(50)]
    rows[17]["years_experience"] = 12
    out = check(rows, mm.get_policy("AMCTO"))
    assert out.index.tolist() == list(range(50))
    assert out["eligible"].sum() == 49 and not out["eligible"].iloc[17]


def test_a_value_just_below_the_minimum_is_not_shown_as_the_minimum():
    # "the application says 7" for 6.9999999 contradicted "at least 7" (:g rounding)
    rows = [{"role": "mentor", **AMCTO_OK, "years_experience": 6.9999999}]
    out = check(rows, "amcto")
    assert out["reasons"].tolist() == [["mentor_experience"]]
    assert out["detail"].iloc[0] == (
        "Mentors need at least 7 years of professional experience; the application says 6.9999999."
    )
