"""Program policies: presets, lookup, TOML round-trip, and errors naming key, value, allowed."""

from __future__ import annotations

import dataclasses

import pytest

import mentormatch as mm
from mentormatch import (
    CycleRule,
    CycleSettings,
    EligibilityRule,
    MatchingSettings,
    PolicyError,
    ProgramPolicy,
)

PRESETS = {"amcto": mm.policies.AMCTO, "ama": mm.policies.AMA, "3cma": mm.policies.CMA3,
           "ltb": mm.policies.LTB}  # fmt: skip


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(
    ("name", "preset"),
    [("amcto", "amcto"), ("AMCTO", "amcto"), (" Ama ", "ama"), ("3CMA", "3cma"),
     ("3cma", "3cma"), ("LtB", "ltb")],
)  # fmt: skip
def test_get_policy_is_case_insensitive(name, preset):
    assert mm.get_policy(name) is PRESETS[preset]


def test_get_policy_passes_a_policy_through():
    assert mm.get_policy(mm.policies.AMA) is mm.policies.AMA


@pytest.mark.parametrize("bad", ["nope", "", "amcto2", None, 3])
def test_get_policy_error_lists_the_valid_names(bad):
    with pytest.raises(PolicyError) as info:
        mm.get_policy(bad)
    message = str(info.value)
    assert repr(bad) in message
    for name in ("'amcto'", "'ama'", "'3cma'", "'ltb'"):
        assert name in message


# --------------------------------------------------------------------------- presets


def test_presets_carry_the_design_tables():
    codes = {k: [r.code for r in p.eligibility] for k, p in PRESETS.items()}
    assert codes == {
        "amcto": ["membership", "mentor_experience", "mentee_experience", "commitment"],
        "ama": ["membership", "board_ratified", "career_stage"],
        "3cma": ["membership", "comms_role", "application_complete"],
        "ltb": [],
    }
    cycle = {k: {r.code: r.severity for r in p.cycle.rules} for k, p in PRESETS.items()}
    assert cycle["amcto"] == {
        "max_gap": "required",
        "monthly_meeting": "recommended",
        "meeting_duration": "required",
        "monthly_hours": "recommended",
        "min_relationship_length": "required",
        "forms_signed": "required",
        "final_survey": "required",
        "informal_assessment": "recommended",
        "log_agreement": "required",
    }
    assert cycle["ama"] == {
        "monthly_meeting": "required",
        "meeting_duration": "recommended",
        "plan_submitted": "required",
        "quarterly_update": "required",
        "mid_survey": "required",
        "final_survey": "required",
        "in_person_meeting": "recommended",
    }
    assert cycle["3cma"] == {"first_contact": "required", "monthly_meeting": "recommended"}
    assert cycle["ltb"] == {
        "forms_signed": "required",
        "plan_submitted": "recommended",
        "informal_assessment": "recommended",
    }


def test_amcto_thresholds_from_the_guide():
    amcto = mm.policies.AMCTO
    rules = {r.code: r for r in amcto.eligibility}
    assert (rules["mentor_experience"].test, rules["mentor_experience"].value) == ("at_least", 7)
    assert rules["mentor_experience"].roles == ("mentor",)
    assert (rules["mentee_experience"].test, rules["mentee_experience"].value) == ("below", 7)
    assert rules["mentee_experience"].unless == "new_to_sector"
    assert rules["mentee_experience"].roles == ("mentee",)
    assert (rules["commitment"].test, rules["commitment"].value) == ("at_least", 9)
    c = amcto.cycle
    assert (c.start_month, c.end_month) == (9, 6)
    assert (c.holidays_country, c.holidays_subdivision) == ("CA", "ON")
    assert c.rule("max_gap")["max_days"] == 42  # "never more than six weeks"
    assert c.rule("meeting_duration")["min_minutes"] == 30
    assert c.rule("meeting_duration")["max_minutes"] == 90
    assert c.rule("min_relationship_length")["months"] == 9
    assert set(c.rule("forms_signed")["kinds"]) == {"agreement_signed", "confidentiality_signed"}
    m = amcto.matching
    assert m.capacity_cap == 1  # "one-on-one basis"
    # Not a program rule: only a participant's testimonial ("outside of my own organization").
    assert m.allow_same_organization is True
    assert m.allow_previous_partners is False
    assert m.honor_mutual_requests is True


def test_ama_3cma_ltb_cycle_settings():
    ama, cma, ltb = mm.policies.AMA, mm.policies.CMA3, mm.policies.LTB
    assert (ama.cycle.start_month, ama.cycle.end_month) == (10, 8)
    assert ama.cycle.holidays_subdivision == "AB"
    assert ama.cycle.rule("quarterly_update")["months"] == (1, 4, 7)
    assert ama.cycle.rule("mid_survey")["month"] == 3
    assert ama.cycle.rule("final_survey")["month"] == 8
    assert ama.cycle.rule("meeting_duration")["min_minutes"] == 60
    assert ama.eligibility[-1].scale == (1, 4)
    assert cma.cycle.rolling and cma.cycle.rule("first_contact")["within_days"] == 30
    assert cma.cycle.holidays_country == "US"
    assert set(cma.matching.weights) == {"interests", "community_size", "region"}
    assert ltb.cycle.length_months == 12


def test_policy_objects_are_frozen_and_keyword_only():
    with pytest.raises(dataclasses.FrozenInstanceError):
        mm.policies.AMCTO.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ProgramPolicy("positional")  # type: ignore[misc]
    with pytest.raises(TypeError):
        MatchingSettings(2)  # type: ignore[misc]


# --------------------------------------------------------------------------- TOML


@pytest.mark.parametrize("key", list(PRESETS))
def test_toml_round_trip_of_every_preset(tmp_path, key):
    preset = PRESETS[key]
    path = tmp_path / f"{key}.toml"
    text = preset.to_toml(path)
    assert path.read_text(encoding="utf-8") == text
    loaded = ProgramPolicy.from_toml(path)
    assert loaded == preset
    assert loaded.to_toml() == text


def test_a_new_program_is_written_in_toml_without_code(tmp_path):
    path = tmp_path / "own.toml"
    path.write_text(
        """
name = "Prairie Planners Mentorship"

[[eligibility]]
code = "membership"
test = "is_true"
column = "member_in_good_standing"

[[eligibility]]
code = "mentor_experience"
test = "at_least"
column = "years_experience"
roles = ["mentor"]
value = 5

[matching]
capacity_cap = 2
allow_same_organization = false
weights = { skills = 1, region = 1 }
region_adjacency = { North = ["Central"] }

[cycle]
start_month = 1
end_month = 12
holidays_country = "CA"
holidays_subdivision = "SK"

[[cycle.rules]]
code = "monthly_meeting"
severity = "required"
""",
        encoding="utf-8",
    )
    policy = ProgramPolicy.from_toml(path)
    assert policy.matching.capacity_cap == 2
    assert policy.matching.adjacent_pairs() == {("North", "Central"), ("Central", "North")}
    assert policy.cycle.rule("monthly_meeting")["min_meetings"] == 1
    assert ProgramPolicy.from_toml_string(policy.to_toml()) == policy
    out = mm.check_eligibility(
        [
            {"id": "a", "role": "mentor", "member_in_good_standing": "y", "years_experience": 5},
            {"id": "b", "role": "mentor", "member_in_good_standing": "y", "years_experience": 4},
        ],
        policy,
    )
    assert out["reasons"].tolist() == [[], ["mentor_experience"]]
    assert "at least 5" in out["detail"].iloc[1]


def test_base_preset_with_changes():
    policy = ProgramPolicy.from_toml_string(
        """
base = "AMCTO"
name = "AMCTO, five years"
[[eligibility]]
code = "mentor_experience"
value = 5
[[eligibility]]
code = "commitment"
enabled = false
[matching]
capacity_cap = 2
"""
    )
    rules = {r.code: r for r in policy.eligibility}
    assert set(rules) == {"membership", "mentor_experience", "mentee_experience"}
    assert rules["mentor_experience"].value == 5
    # The preset's sentence quotes {value}, so it is kept and says the new number.
    assert rules["mentor_experience"].detail == mm.policies.AMCTO.eligibility[1].detail
    out = mm.check_eligibility(
        [
            {"id": "a", "role": "mentor", "member_in_good_standing": "y", "years_experience": 4,
             "new_to_sector": "n"},
        ],
        policy,
    )  # fmt: skip
    assert out["detail"].iloc[0] == (
        "Mentors need at least 5 years of professional experience; the application says 4."
    )
    moved = ProgramPolicy.from_toml_string(
        'base = "amcto"\nname = "y"\n[[eligibility]]\ncode = "commitment"\n'
        'column = "months_committed"'
    )
    assert "{value}" in moved.eligibility[3].detail
    assert "months in the program" not in moved.eligibility[3].detail  # preset sentence dropped
    assert policy.matching.capacity_cap == 2
    assert policy.matching.allow_previous_partners is False  # kept from the preset
    assert policy.matching.honor_mutual_requests is True
    assert policy.cycle == mm.policies.AMCTO.cycle


def error_of(text: str) -> str:
    with pytest.raises(PolicyError) as info:
        ProgramPolicy.from_toml_string(text)
    return str(info.value)


@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        ('name = "x"\ncolour = 1', ["'colour'", "1", "'matching'", "'cycle'"]),
        ('name = "x"\n[matching]\ncapacity_cap = 0', ["'capacity_cap'", "0", "whole number >= 1"]),
        ('name = "x"\n[matching]\ncapacity = 2', ["'capacity'", "2", "'capacity_cap'"]),
        ('name = "x"\n[matching]\nmin_score = 1.5', ["'min_score'", "1.5", "[0, 1]"]),
        ('name = "x"\n[matching]\npriority = "fast"', ["'priority'", "'fast'", "'pairs_first'"]),
        ('name = "x"\n[matching]\nweights = {goals = "a"}', ["'goals'", "'a'", "number >= 0"]),
        (
            'name = "x"\n[matching]\nallow_same_organization = "no"',
            ["'allow_same_organization'", "'no'", "true or false"],
        ),
        (
            'name = "x"\n[[eligibility]]\ncode = "a"\ntest = "greater"\ncolumn = "c"',
            ["'test'", "'greater'", "'at_least'", "'is_true'"],
        ),
        (
            'name = "x"\n[[eligibility]]\ncode = "a"\ntest = "at_least"\ncolumn = "c"',
            ["'value'", "None", "a number"],
        ),
        (
            'name = "x"\n[[eligibility]]\ncode = "a"\ntest = "is_true"\ncolumn = "c"\n'
            'roles = ["boss"]',
            ["'roles'", "'boss'", "'mentor'", "'mentee'"],
        ),
        (
            'name = "x"\n[[eligibility]]\ncode = "a"\ntest = "is_true"\ncolumn = "c"\nvalu = 3',
            ["'valu'", "3", "'value'"],
        ),
        ('name = "x"\n[cycle]\nstart_month = 13\nend_month = 6', ["'start_month'", "13", "1..12"]),
        ('name = "x"\n[cycle]\nholidays_country = "ZZ"', ["'holidays_country'", "'ZZ'"]),
        (
            'name = "x"\n[cycle]\nholidays_country = "CA"\nholidays_subdivision = "XX"',
            ["'holidays_subdivision'", "'XX'", "CA/ON"],
        ),
        (
            'name = "x"\n[[cycle.rules]]\ncode = "max_gap"\nseverity = "maybe"',
            ["'severity'", "'maybe'", "'required'", "'recommended'"],
        ),
        (
            'name = "x"\n[[cycle.rules]]\ncode = "max_gap"\nmax_days = "six weeks"',
            ["'max_days'", "'six weeks'", "whole number"],
        ),
        ('name = "x"\n[[cycle.rules]]\ncode = "max_gapp"', ["'code'", "'max_gapp'", "'max_gap'"]),
        ("name = 3", ["'name'", "3", "non-empty name"]),
        ("description = 'no name'", ["'name'", "a program name"]),
    ],
)
def test_bad_key_or_value_names_the_key_the_value_and_the_allowed(toml, fragments):
    message = error_of(toml)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_bad_toml_file_and_missing_file(tmp_path):
    assert "not valid TOML" in error_of("[[[")
    with pytest.raises(PolicyError, match="not found"):
        ProgramPolicy.from_toml(tmp_path / "missing.toml")
    with pytest.raises(PolicyError, match="'amcto'"):
        ProgramPolicy.from_toml_string('base = "nope"\nname = "x"')


def test_policy_file_not_utf8_or_nested_too_deep_is_a_policy_error(tmp_path):
    # issue 22 item 9: a UnicodeDecodeError and a RecursionError came out of tomllib
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "Programme de mentorat des archivistes du Québec"'.encode("cp1252"))
    with pytest.raises(PolicyError, match=r"not UTF-8 text .* byte 0xe9 on line 1"):
        ProgramPolicy.from_toml(latin)
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 2000 + "]" * 2000, encoding="utf-8")
    with pytest.raises(PolicyError, match="nested too deeply"):
        ProgramPolicy.from_toml(deep)
    bom = tmp_path / "bom.toml"
    bom.write_text('base = "amcto"\nname = "With a BOM"', encoding="utf-8-sig")
    assert ProgramPolicy.from_toml(bom).name == "With a BOM"


@pytest.mark.parametrize(
    "detail",
    ["{value.real}", "{column:>10000000}", "{value!r}", "{0}", "{actual[0]}", "{nope}", "{value"],
)
def test_eligibility_detail_takes_plain_placeholders_only(detail):
    # "{value.real}" raised AttributeError at load; "{column:>10000000}" wrote 10 MB per applicant
    toml = f'base = "amcto"\nname = "x"\n[[eligibility]]\ncode = "commitment"\ndetail = {detail!r}'
    message = error_of(toml)
    assert "'detail'" in message and "plain placeholders" in message, message


def test_eligibility_detail_keeps_escaped_braces():
    rule = EligibilityRule(
        code="c",
        test="at_least",
        column="commitment_months",
        value=9,
        detail="{{Program}}: {Role}s commit {value} months; got {actual}.",
    )
    assert rule.requirement() == "{Program}: Mentor or mentees commit 9 months"


def test_huge_weights_keep_their_ratio():
    # issue 22 item 9: weights of 1e308 loaded, then match raised OverflowError
    apps = mm.datasets.make_cohort(n_mentors=6, n_mentees=6, policy="amcto", seed=3)
    huge = ProgramPolicy.from_toml_string(
        'base = "amcto"\nname = "x"\n[matching]\nweights = {goals = 1e308, skills = 1e308}'
    )
    plain = ProgramPolicy.from_toml_string(
        'base = "amcto"\nname = "x"\n[matching]\nweights = {goals = 1, skills = 1}'
    )
    a, b = mm.match(apps, huge), mm.match(apps, plain)
    assert a.objective == pytest.approx(b.objective, abs=1e-9)
    assert a.pairs[["mentee_id", "mentor_id"]].equals(b.pairs[["mentee_id", "mentor_id"]])


def test_policies_built_in_code_are_checked_too():
    with pytest.raises(PolicyError, match="'scale'"):
        EligibilityRule(code="s", test="stage_above", column="career_stage")
    with pytest.raises(PolicyError, match="each rule code at most once"):
        CycleSettings(rules=(CycleRule(code="max_gap"), CycleRule(code="max_gap")))
    with pytest.raises(PolicyError, match="exactly one of 'month' and 'within_days_after_end'"):
        CycleRule(code="final_survey")
    with pytest.raises(PolicyError, match="at least one weight above 0"):
        MatchingSettings(weights={"goals": 0})


def test_required_columns_follow_rules_and_weights():
    need = mm.policies.AMCTO.required_columns()
    assert {"id", "role", "member_in_good_standing", "years_experience", "new_to_sector",
            "commitment_months", "goals", "skills"} <= set(need)  # fmt: skip
    assert "organization" not in need  # colleagues may be paired (no seed forbids it)
    forbid = dataclasses.replace(
        mm.policies.AMCTO,
        matching=dataclasses.replace(mm.policies.AMCTO.matching, allow_same_organization=False),
    )
    assert "organization" in forbid.required_columns()
    assert "new_to_sector" in mm.policies.AMCTO.required_columns(scope="eligibility")
    assert "goals" not in mm.policies.AMCTO.required_columns(scope="eligibility")
    assert "organization" not in mm.policies.AMA.required_columns()  # colleagues allowed


def test_a_rule_must_read_a_column_of_the_kind_its_test_needs():
    # is_true on years would take any nonzero number as yes: a policy error, in TOML too.
    message = error_of(
        'name = "x"\n[[eligibility]]\ncode = "a"\ntest = "is_true"\ncolumn = "years_experience"'
    )
    assert "'column'" in message and "'years_experience'" in message
    assert "'member_in_good_standing'" in message  # what it could read
    with pytest.raises(PolicyError, match="'unless' has value 'commitment_months'"):
        EligibilityRule(
            code="a", test="below", column="years_experience", value=7, unless="commitment_months"
        )
    with pytest.raises(PolicyError, match="'column' has value 'region'"):
        EligibilityRule(code="a", test="at_least", column="region", value=1)
    # A program's own columns and not_blank on any column are fine.
    EligibilityRule(code="a", test="is_true", column="signed_code_of_conduct")
    EligibilityRule(code="b", test="not_blank", column="goals")
