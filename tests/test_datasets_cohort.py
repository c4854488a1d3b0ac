"""mm.datasets.make_cohort: a synthetic applications table that the rest of the library accepts."""

from __future__ import annotations

import doctest
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch import EligibilityRule, MatchingSettings, ProgramPolicy
from mentormatch.datasets import _cohort

PRESETS = ["amcto", "ama", "3cma", "ltb"]
COMMON = {
    "id",
    "role",
    "member_in_good_standing",
    "region",
    "organization",
    "goals",
    "skills",
    "interests",
    "requested_ids",
    "capacity",
    "previous_partner_ids",
    "previously_unmatched",
    "name",
    "job_title",
}
PROGRAM_COLUMNS = {
    "amcto": {"years_experience", "new_to_sector", "commitment_months", "community_size"},
    "ltb": {"years_experience", "new_to_sector", "commitment_months", "community_size"},
    "ama": {"career_stage", "board_ratified"},
    "3cma": {"years_experience", "community_size", "comms_role", "application_complete"},
}

# A program of its own: thresholds changed, AMA's stage rule, columns no preset has.
CUSTOM = ProgramPolicy(
    name="Custom program",
    eligibility=(
        replace(mm.policies.AMCTO.eligibility[1], value=10),
        mm.policies.AMA.eligibility[2],
        EligibilityRule(code="french", test="is_true", column="speaks_french"),
        EligibilityRule(
            code="interview", test="above", column="interview_score", value=3.5, roles=("mentor",)
        ),
        EligibilityRule(code="goals_given", test="not_blank", column="goals", roles=("mentee",)),
        EligibilityRule(code="comms", test="is_true", column="comms_role", roles=("mentee",)),
    ),
    matching=MatchingSettings(
        allow_same_organization=False,
        weights={"goals": 0.3, "community_size": 0.3, "experience": 0.4},
    ),
)


@pytest.fixture(scope="module")
def cohorts() -> dict[str, pd.DataFrame]:
    return {p: mm.datasets.make_cohort(400, 600, policy=p, seed=11) for p in PRESETS}


def requests_of(apps: pd.DataFrame) -> tuple[set[tuple[str, str]], dict[str, list[str]]]:
    """Mutual (mentor, mentee) pairs and every applicant's requests."""
    asked = dict(zip(apps["id"], apps["requested_ids"], strict=True))
    role = dict(zip(apps["id"], apps["role"], strict=True))
    mutual = {
        (a, b) if role[a] == "mentor" else (b, a)
        for a, targets in asked.items()
        for b in targets
        if a in asked.get(b, [])
    }
    return mutual, asked


def check_mutual_requests(apps: pd.DataFrame, policy: str | ProgramPolicy) -> int:
    """Every mutual request is between an eligible mentor and mentee the rules allow."""
    mutual, asked = requests_of(apps)
    people = [p for pair in mutual for p in pair]
    assert len(people) == len(set(people)), "someone is in two mutual requests"
    for mentor, mentee in mutual:
        assert asked[mentor] == [mentee] and asked[mentee] == [mentor]
    scores = mm.score_pairs(apps, policy)
    rows = scores.mentee_ids.get_indexer([e for _, e in mutual])
    cols = scores.mentor_ids.get_indexer([r for r, _ in mutual])
    assert (rows >= 0).all() and (cols >= 0).all()
    assert scores.allowed[rows, cols].all()
    return len(mutual)


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("policy", PRESETS)
def test_same_seed_same_table_other_seed_other_table(policy: str) -> None:
    a = mm.datasets.make_cohort(50, 70, policy=policy, seed=3)
    b = mm.datasets.make_cohort(50, 70, policy=policy, seed=3)
    pd.testing.assert_frame_equal(a, b)
    c = mm.datasets.make_cohort(50, 70, policy=policy, seed=4)
    assert a["id"].equals(c["id"])
    for col in ("name", "organization", "goals", "job_title"):
        assert not a[col].equals(c[col]), col


def test_policy_object_of_a_preset_is_the_preset() -> None:
    a = mm.datasets.make_cohort(20, 20, policy=mm.policies.AMA, seed=1)
    b = mm.datasets.make_cohort(20, 20, policy="AMA", seed=1)
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- format


@pytest.mark.parametrize("policy", PRESETS)
def test_table_is_already_validated(cohorts: dict[str, pd.DataFrame], policy: str) -> None:
    apps = cohorts[policy]
    validated = mm.validate_applications(apps, policy)
    pd.testing.assert_frame_equal(validated, apps)


@pytest.mark.parametrize("policy", PRESETS)
def test_columns_per_program(cohorts: dict[str, pd.DataFrame], policy: str) -> None:
    apps = cohorts[policy]
    assert set(apps.columns) == COMMON | PROGRAM_COLUMNS[policy]
    for need in mm.get_policy(policy).required_columns():
        assert any(c in apps.columns for c in need.split(" or ")), need
    assert list(apps.columns[-2:]) == ["name", "job_title"]


@pytest.mark.parametrize("policy", PRESETS)
def test_ids_roles_and_order(cohorts: dict[str, pd.DataFrame], policy: str) -> None:
    apps = cohorts[policy]
    assert apps["id"].is_unique
    assert apps["role"].tolist() == ["mentor"] * 400 + ["mentee"] * 600
    assert apps["id"].iloc[0] == "mentor-0001" and apps["id"].iloc[399] == "mentor-0400"
    assert apps["id"].iloc[400] == "mentee-0001" and apps["id"].iloc[-1] == "mentee-0600"


def test_ids_are_padded_to_the_larger_side() -> None:
    apps = mm.datasets.make_cohort(3, 12_345, policy="ltb", seed=0, request_rate=0)
    assert apps["id"].iloc[0] == "mentor-00001"
    assert apps["id"].iloc[-1] == "mentee-12345"
    assert apps["id"].str.len().nunique() == 1


@pytest.mark.parametrize(("n_mentors", "n_mentees"), [(0, 0), (0, 4), (4, 0), (1, 1)])
def test_tiny_and_empty_cohorts(n_mentors: int, n_mentees: int) -> None:
    for policy in PRESETS:
        apps = mm.datasets.make_cohort(
            n_mentors, n_mentees, policy=policy, ineligible_rate=1, request_rate=1
        )
        assert len(apps) == n_mentors + n_mentees
        mm.validate_applications(apps, policy)
        eligibility = mm.check_eligibility(apps, policy)
        if policy != "ltb":
            assert not eligibility["eligible"].any()


def test_regions_are_the_policy_regions(cohorts: dict[str, pd.DataFrame]) -> None:
    for policy in ("amcto", "ama", "3cma"):
        regions = set(mm.get_policy(policy).matching.region_adjacency)
        assert set(cohorts[policy]["region"]) == regions


# --------------------------------------------------------------------------- eligibility


@pytest.mark.parametrize("policy", PRESETS)
def test_ineligible_share_is_as_asked_and_caught(policy: str) -> None:
    apps = mm.datasets.make_cohort(400, 600, policy=policy, seed=5, ineligible_rate=0.1)
    eligibility = mm.check_eligibility(apps, policy)
    codes = [r.code for r in mm.get_policy(policy).eligibility]
    if not codes:  # LTB has no eligibility rules
        assert eligibility["eligible"].all()
        return
    assert (~eligibility["eligible"]).sum() == 100
    failed = eligibility.loc[~eligibility["eligible"]]
    assert set(failed["reasons"].explode()) == set(codes)  # a variety of rules
    assert set(failed["role"]) == {"mentor", "mentee"}
    assert (failed["reasons"].map(len) == 2).any()  # now and then two rules
    assert failed["detail"].str.contains("blank").any()  # blank answers too


def test_rates_zero_give_everyone_eligible_and_no_requests() -> None:
    for policy in PRESETS:
        apps = mm.datasets.make_cohort(
            100, 100, policy=policy, seed=2, ineligible_rate=0, request_rate=0
        )
        assert mm.check_eligibility(apps, policy)["eligible"].all()
        assert not apps["requested_ids"].map(len).any()


def test_amcto_boundary_cases() -> None:
    apps = mm.datasets.make_cohort(2000, 2000, policy="amcto", seed=1, ineligible_rate=0.1)
    eligible = mm.check_eligibility(apps, "amcto")["eligible"].to_numpy()
    mentor = (apps["role"] == "mentor").to_numpy()
    years = apps["years_experience"]
    new = apps["new_to_sector"].fillna(False).to_numpy(dtype=bool)
    seven = (years == 7).fillna(False).to_numpy(dtype=bool)
    assert (mentor & seven & eligible).any()  # exactly 7 years: a mentor may take part
    assert (~mentor & seven & ~new & ~eligible).any()  # exactly 7 years: not a mentee
    assert (~mentor & new & (years >= 7).fillna(False).to_numpy(dtype=bool) & eligible).any()
    # Distributions: mentors mostly experienced, mentees mostly not, commitment mostly 9-12.
    assert (years[mentor] >= 7).mean() > 0.95
    assert (years[~mentor] < 7).mean() > 0.85
    assert apps["commitment_months"].between(9, 12).mean() > 0.95
    size = apps["community_size"]
    assert size.min() < 1_000 and size.max() > 1_000_000


def test_ama_stages_mentors_above_mentees() -> None:
    apps = mm.datasets.make_cohort(500, 500, policy="ama", seed=1)
    stage = apps.groupby("role")["career_stage"]
    assert stage.mean()["mentor"] > stage.mean()["mentee"] + 1
    assert set(apps["career_stage"].dropna()) == {1, 2, 3, 4}
    scores = mm.score_pairs(apps, "ama")
    assert 0.5 < scores.allowed.mean() < 0.95  # the stage rule forbids some pairs


def test_3cma_outside_communications_have_other_titles() -> None:
    apps = mm.datasets.make_cohort(500, 500, policy="3cma", seed=1)
    outside = apps["comms_role"].eq(False).fillna(False).to_numpy(dtype=bool)
    assert outside.any()
    comms_titles = {t for topic in _cohort.CMA3_VOCAB.topics for t in topic.mentee_titles}
    assert not set(apps.loc[outside, "job_title"]) & comms_titles


# --------------------------------------------------------------------------- requests


@pytest.mark.parametrize("policy", PRESETS)
def test_mutual_requests(cohorts: dict[str, pd.DataFrame], policy: str) -> None:
    apps = cohorts[policy]
    assert check_mutual_requests(apps, policy) == round(0.03 * 400)
    mutual, asked = requests_of(apps)
    in_mutual = {p for pair in mutual for p in pair}
    one_sided = {a for a, targets in asked.items() if targets and a not in in_mutual}
    assert len(one_sided) == round(0.03 * 400 / 2)
    for a in one_sided:
        for b in asked[a]:
            assert a not in asked[b]


def test_many_mutual_requests_stay_allowed() -> None:
    apps = mm.datasets.make_cohort(150, 200, policy="ama", seed=8, request_rate=0.5)
    n = check_mutual_requests(apps, "ama")
    assert n == 75


def test_previous_partners_listed_on_both_sides_and_never_requested() -> None:
    apps = mm.datasets.make_cohort(300, 300, policy="amcto", seed=4, request_rate=0.3)
    previous = dict(zip(apps["id"], apps["previous_partner_ids"], strict=True))
    assert any(previous.values())
    for a, partners in previous.items():
        for b in partners:
            assert a in previous[b]
    mutual, _ = requests_of(apps)
    assert not any(b in previous[a] for a, b in mutual)


# --------------------------------------------------------------------------- content


def test_good_matches_exist_and_goals_similarity_is_meaningful() -> None:
    apps = mm.datasets.make_cohort(300, 300, policy="amcto", seed=6)
    scores = mm.score_pairs(apps, "amcto", weights={"goals": 1, "skills": 1})
    goals, skills = scores.features["goals"], scores.features["skills"]
    # Pairs of the same line of work (sharing most sought skills) write alike.
    close = skills >= 0.99
    assert goals[close].mean() > 3 * goals[skills == 0].mean()
    # Most mentees have a mentor they are allowed to meet who suits them well.
    has_any = scores.allowed.any(axis=1)
    best = np.where(scores.allowed, scores.total, 0).max(axis=1)[has_any]
    assert np.median(best) > 0.6


def test_goals_text_and_lists() -> None:
    apps = mm.datasets.make_cohort(300, 300, policy="amcto", seed=6)
    goals = apps["goals"]
    assert 0 < goals.isna().mean() < 0.1
    assert goals.dropna().str.endswith(".").all()
    assert goals.dropna().nunique() > 250
    skills = apps["skills"]
    assert skills.map(lambda s: len(set(s)) == len(s)).all()
    sizes = skills.map(len).groupby(apps["role"]).mean()
    assert sizes["mentor"] > sizes["mentee"]  # mentors offer more than one mentee seeks
    assert (
        apps["organization"]
        .str.match(r"^(Township|Town|City|Municipality|County|Village|Region) of ")
        .all()
    )
    assert apps.loc[apps["role"] == "mentee", "capacity"].isna().all()
    assert (apps.loc[apps["role"] == "mentor", "capacity"] >= 1).all()


# --------------------------------------------------------------------------- custom policy


def test_custom_policy_gets_its_columns_and_rules() -> None:
    apps = mm.datasets.make_cohort(300, 300, policy=CUSTOM, seed=2, ineligible_rate=0.1)
    for rule in CUSTOM.eligibility:
        assert set(rule.columns) <= set(apps.columns)
    for need in CUSTOM.required_columns():
        assert any(c in apps.columns for c in need.split(" or ")), need
    assert "commitment_months" in apps.columns  # municipal vocabulary
    eligibility = mm.check_eligibility(apps, CUSTOM)
    assert (~eligibility["eligible"]).sum() == 60
    assert len(set(eligibility["reasons"].explode().dropna())) >= 5
    mentors = apps["role"] == "mentor"
    ok_mentors = mentors & eligibility["eligible"].to_numpy()
    assert (apps.loc[ok_mentors, "years_experience"] >= 10).all()
    assert check_mutual_requests(apps, CUSTOM) == 9


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_mentors": -1}, "The 'n_mentors' parameter of make_cohort must be an int >= 0. Got -1"),
        ({"n_mentees": 2.5}, "The 'n_mentees' parameter of make_cohort must be an int >= 0"),
        ({"seed": "a"}, "The 'seed' parameter of make_cohort"),
        (
            {"ineligible_rate": 1.5},
            r"'ineligible_rate' parameter of make_cohort must be a float in \[0, 1\]",
        ),
        ({"request_rate": -0.1}, "'request_rate' parameter of make_cohort"),
        (
            {"policy": 3},
            "'policy' parameter of make_cohort must be a preset name or a ProgramPolicy",
        ),
    ],
)
def test_bad_parameters(kwargs: dict, message: str) -> None:
    args = {"n_mentors": 2, "n_mentees": 2, **kwargs}
    with pytest.raises(mm.ParameterError, match=message):
        mm.datasets.make_cohort(**args)


def test_unknown_policy_name() -> None:
    with pytest.raises(mm.PolicyError, match="Unknown policy 'nope'"):
        mm.datasets.make_cohort(2, 2, policy="nope")


def test_docstring_examples() -> None:
    result = doctest.testmod(_cohort, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------- properties


@settings(max_examples=25)
@given(
    n_mentors=st.integers(0, 40),
    n_mentees=st.integers(0, 40),
    policy=st.sampled_from(PRESETS),
    seed=st.integers(0, 2**32),
    ineligible_rate=st.floats(0, 1),
    request_rate=st.floats(0, 1),
)
def test_any_cohort_is_valid(
    n_mentors: int,
    n_mentees: int,
    policy: str,
    seed: int,
    ineligible_rate: float,
    request_rate: float,
) -> None:
    apps = mm.datasets.make_cohort(
        n_mentors,
        n_mentees,
        policy=policy,
        seed=seed,
        ineligible_rate=ineligible_rate,
        request_rate=request_rate,
    )
    mm.validate_applications(apps, policy)
    eligibility = mm.check_eligibility(apps, policy)
    n = n_mentors + n_mentees
    if mm.get_policy(policy).eligibility:
        assert (~eligibility["eligible"]).sum() == round(ineligible_rate * n)
    mutual, _ = requests_of(apps)
    assert len(mutual) <= round(request_rate * min(n_mentors, n_mentees))
    if n_mentors and n_mentees:
        check_mutual_requests(apps, policy)


# --------------------------------------------------------------------------- speed


@pytest.mark.slow
def test_large_cohort_is_fast() -> None:
    start = time.perf_counter()
    apps = mm.datasets.make_cohort(100_000, 100_000, seed=0)
    assert time.perf_counter() - start < 10
    assert len(apps) == 200_000 and apps["id"].is_unique
