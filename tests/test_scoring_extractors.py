"""Each feature extractor's meaning, on hand-built examples from the programs' wording."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import mentormatch as mm
from mentormatch.applications import validate_applications
from mentormatch.scoring import (
    BUILTIN_EXTRACTORS,
    CommunitySizeSimilarity,
    ExperienceGap,
    FeatureExtractor,
    GoalsSimilarity,
    InterestOverlap,
    MutualRequest,
    RegionProximity,
    SkillsCoverage,
)


def sides(mentees: list[dict], mentors: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validated mentee and mentor tables, ids e0.. and r0.. unless given."""
    recs = [{"id": f"e{i}", "role": "mentee", **m} for i, m in enumerate(mentees)]
    recs += [{"id": f"r{j}", "role": "mentor", **m} for j, m in enumerate(mentors)]
    apps = validate_applications(recs)
    is_mentee = apps["role"] == "mentee"
    return (
        apps[is_mentee].reset_index(drop=True),
        apps[~is_mentee].reset_index(drop=True),
    )


def fit_score(ext: FeatureExtractor, mentees: list[dict], mentors: list[dict], **kw) -> np.ndarray:
    a, b = sides(mentees, mentors)
    return ext.fit(a, b, **kw).score()


# --------------------------------------------------------------------------- skills


def test_skills_seed_example_budgeting_and_council_reports():
    # AMCTO: mentees state the skills they want to develop.
    out = fit_score(
        SkillsCoverage(),
        [{"skills": ["budgeting", "council reports"]}],
        [
            {"skills": ["Budgeting", "Council  Reports ", "human resources"]},  # both, other case
            {"skills": ["budgeting"]},  # one of the two
            {"skills": ["procurement"]},  # none
            {"skills": []},  # said nothing
        ],
    )
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, :3], [1.0, 0.5, 0.0])
    assert np.isnan(out[0, 3])  # no information, not a zero match


def test_skills_mentee_without_skills_is_no_information():
    out = fit_score(SkillsCoverage(), [{"skills": []}], [{"skills": ["budgeting"]}])
    assert np.isnan(out).all()


def test_skills_extra_offered_skills_do_not_lower_coverage():
    out = fit_score(
        SkillsCoverage(),
        [{"skills": ["budgeting"]}],
        [{"skills": ["budgeting"]}, {"skills": ["budgeting", "gis", "hr", "procurement"]}],
    )
    np.testing.assert_allclose(out, [[1.0, 1.0]])


# --------------------------------------------------------------------------- interests


def test_interests_ochiai_overlap():
    out = fit_score(
        InterestOverlap(),
        [{"interests": ["finance", "governance"]}],
        [
            {"interests": ["Governance", "finance"]},
            {"interests": ["finance"]},
            {"interests": ["finance", "planning", "people", "legal"]},
            {"interests": ["planning"]},
            {"interests": []},
        ],
    )
    np.testing.assert_allclose(out[0, :4], [1.0, 1 / np.sqrt(2), 1 / np.sqrt(8), 0.0], rtol=1e-6)
    assert np.isnan(out[0, 4])


def test_interests_symmetric():
    a = [{"interests": ["finance", "planning"]}, {"interests": ["legal"]}]
    b = [{"interests": ["finance"]}, {"interests": ["legal", "planning", "finance"]}]
    forward = fit_score(InterestOverlap(), a, b)
    backward = fit_score(InterestOverlap(), b, a)
    np.testing.assert_allclose(forward, backward.T, rtol=1e-6)


# --------------------------------------------------------------------------- region


def test_region_same_adjacent_far_with_policy_adjacency():
    # AMCTO preset: Eastern neighbours Central; Northwestern is far from Eastern.
    out = fit_score(
        RegionProximity(),
        [{"region": "Eastern"}],
        [
            {"region": "eastern"},
            {"region": "Central"},
            {"region": "Northwestern"},
            {"region": None},
        ],
        policy=mm.policies.AMCTO,
    )
    np.testing.assert_allclose(out[0, :3], [1.0, 0.5, 0.0])
    assert np.isnan(out[0, 3])


def test_region_adjacent_value_and_own_adjacency():
    out = fit_score(
        RegionProximity(adjacent=0.25, adjacency={"North": ["South"]}),
        [{"region": "South"}],
        [{"region": "north"}, {"region": "East"}],
        policy=mm.policies.AMCTO,  # the extractor's own adjacency wins
    )
    np.testing.assert_allclose(out, [[0.25, 0.0]])


def test_region_without_policy_has_no_neighbours():
    out = fit_score(RegionProximity(), [{"region": "Eastern"}], [{"region": "Central"}])
    np.testing.assert_allclose(out, [[0.0]])


# --------------------------------------------------------------------------- community size


def test_community_size_hamlet_vs_city():
    # 3CMA matches on community size.
    out = fit_score(
        CommunitySizeSimilarity(),
        [{"community_size": 300}, {"community_size": 5_000}],
        [
            {"community_size": 300},
            {"community_size": 1_000_000},
            {"community_size": 50_000},
            {"community_size": None},
        ],
    )
    hamlet, town = out
    assert hamlet[0] == pytest.approx(1.0)
    assert hamlet[1] == 0.0  # a hamlet and a city: nothing in common
    assert town[2] == pytest.approx(1 - np.log10(50_001 / 5_001) / 3, abs=1e-6)
    assert hamlet[0] > hamlet[2] > hamlet[1]
    assert np.isnan(out[:, 3]).all()


def test_community_size_is_scale_free():
    out = fit_score(
        CommunitySizeSimilarity(decades=2),
        [{"community_size": 999}, {"community_size": 99_999}],
        [{"community_size": 9_999}, {"community_size": 999_999}],
    )
    assert out[0, 0] == pytest.approx(out[1, 1], abs=1e-6) == pytest.approx(0.5, abs=1e-6)


# --------------------------------------------------------------------------- experience


def test_experience_years_gap():
    out = fit_score(
        ExperienceGap(),
        [{"years_experience": 2}],
        [
            {"years_experience": 12},
            {"years_experience": 7},
            {"years_experience": 1},
            {"years_experience": None},
        ],
    )
    np.testing.assert_allclose(out[0, :3], [1.0, 0.5, 0.0])
    assert np.isnan(out[0, 3])


def test_experience_ama_stage_gap():
    # AMA: the mentor's Professional Development Map stage is above the mentee's.
    out = fit_score(
        ExperienceGap(),
        [{"career_stage": 1}],
        [{"career_stage": 3}, {"career_stage": 2}, {"career_stage": 1}],
    )
    np.testing.assert_allclose(out, [[1.0, 0.5, 0.0]])


def test_experience_both_columns_mean_of_known_parts():
    out = fit_score(
        ExperienceGap(),
        [{"years_experience": 0, "career_stage": 1}],
        [
            {"years_experience": 10, "career_stage": 2},  # (1 + 0.5) / 2
            {"years_experience": None, "career_stage": 3},  # stage only
            {"years_experience": 5, "career_stage": None},  # years only
            {"years_experience": None, "career_stage": None},
        ],
    )
    np.testing.assert_allclose(out[0, :3], [0.75, 1.0, 0.5])
    assert np.isnan(out[0, 3])


def test_experience_needs_one_of_its_columns():
    a, b = sides([{"region": "x"}], [{"region": "y"}])
    with pytest.raises(ValueError, match="years_experience or career_stage"):
        ExperienceGap().fit(a, b)


# --------------------------------------------------------------------------- goals


def test_goals_identical_related_unrelated_and_empty():
    out = fit_score(
        GoalsSimilarity(),
        [{"goals": "Learn municipal budgeting and write better council reports"}],
        [
            {"goals": "Learn municipal budgeting and write better council reports"},
            {"goals": "I can coach on budgeting for small municipalities"},
            {"goals": "Elections administration and records retention"},
            {"goals": ""},
            {"goals": "the and of"},  # only stop words: no information either
        ],
    )
    assert out[0, 0] == pytest.approx(1.0, abs=1e-6)
    assert 0 < out[0, 1] < 1
    assert out[0, 2] == 0.0
    assert np.isnan(out[0, 3:]).all()


def test_goals_nobody_wrote_anything():
    out = fit_score(GoalsSimilarity(), [{"goals": ""}], [{"goals": None}])
    assert np.isnan(out).all()


# --------------------------------------------------------------------------- mutual request


def test_mutual_versus_one_sided_request():
    # AMCTO FAQ: "Each party should specifically request to be matched with each other."
    out = fit_score(
        MutualRequest(),
        [{"requested_ids": ["r0"]}, {"requested_ids": ["r1"]}, {"requested_ids": []}],
        [{"requested_ids": ["e0"]}, {"requested_ids": []}, {"requested_ids": ["e2"]}],
    )
    expected = np.zeros((3, 3))
    expected[0, 0] = 1  # mutual
    # e1 -> r1 and r2 -> e2 are one-sided: 0
    np.testing.assert_array_equal(out, expected)


def test_mutual_request_without_the_column_is_zero():
    out = fit_score(MutualRequest(), [{"region": "a"}], [{"region": "b"}, {"region": "c"}])
    np.testing.assert_array_equal(out, np.zeros((1, 2)))


# --------------------------------------------------------------------------- conventions


MIXED_MENTEES = [
    {
        "goals": "budget planning council",
        "skills": ["a", "b"],
        "interests": ["x"],
        "region": "Eastern",
        "community_size": 500,
        "years_experience": 1,
        "requested_ids": ["r2"],
    },
    {
        "goals": "",
        "skills": [],
        "interests": ["y", "x"],
        "region": None,
        "community_size": None,
        "years_experience": None,
        "requested_ids": [],
    },
    {
        "goals": "records elections",
        "skills": ["c"],
        "interests": [],
        "region": "Central",
        "community_size": 90_000,
        "years_experience": 4,
        "requested_ids": ["r0"],
    },
]
MIXED_MENTORS = [
    {
        "goals": "council reports budget",
        "skills": ["a"],
        "interests": ["x", "z"],
        "region": "Central",
        "community_size": 3_000,
        "years_experience": 20,
        "requested_ids": ["e2"],
    },
    {
        "goals": "elections",
        "skills": ["b", "c"],
        "interests": ["y"],
        "region": "Toronto",
        "community_size": 2_000_000,
        "years_experience": 9,
        "requested_ids": [],
    },
    {
        "goals": "planning",
        "skills": [],
        "interests": ["x"],
        "region": "Eastern",
        "community_size": 700,
        "years_experience": 3,
        "requested_ids": ["e0"],
    },
    {
        "goals": None,
        "skills": ["a", "c"],
        "interests": ["z"],
        "region": "Northwestern",
        "community_size": 40_000,
        "years_experience": None,
        "requested_ids": [],
    },
]


@pytest.mark.parametrize("name", list(BUILTIN_EXTRACTORS))
def test_any_block_equals_the_full_matrix(name):
    a, b = sides(MIXED_MENTEES, MIXED_MENTORS)
    ext = BUILTIN_EXTRACTORS[name]().fit(a, b, policy=mm.policies.AMCTO)
    full = ext.score()
    assert full.shape == (3, 4) and full.dtype == np.float32
    rows, cols = np.array([2, 0]), np.array([3, 1, 1])
    np.testing.assert_array_equal(ext.score(rows, cols), full[np.ix_(rows, cols)])
    assert ext.score(np.array([], dtype=int), None).shape == (0, 4)
    finite = full[~np.isnan(full)]
    assert ((finite >= 0) & (finite <= 1)).all()


@pytest.mark.parametrize("name", list(BUILTIN_EXTRACTORS))
def test_sklearn_conventions(name):
    cls = BUILTIN_EXTRACTORS[name]
    ext = cls()
    params = ext.get_params()
    # __init__ stores its parameters as given, and clone() rebuilds it from them.
    assert all(getattr(ext, k) is v for k, v in params.items())
    assert clone(ext).get_params() == params
    with pytest.raises(NotFittedError):
        ext.score()
    a, b = sides(MIXED_MENTEES, MIXED_MENTORS)
    assert ext.fit(a, b, policy=mm.policies.AMCTO) is ext
    fitted = [k for k in vars(ext) if k.endswith("_") and not k.startswith("_")]
    assert "n_mentees_" in fitted and "n_mentors_" in fitted
    with pytest.raises(TypeError):
        cls(None)  # parameters are keyword-only


def test_parameters_are_checked_in_fit_with_one_template():
    a, b = sides(MIXED_MENTEES, MIXED_MENTORS)
    ext = RegionProximity(adjacent=1.5)  # built without complaint ...
    with pytest.raises(
        mm.ParameterError,
        match=re.escape(
            "The 'adjacent' parameter of RegionProximity must be a float in [0, 1]. Got 1.5 instead."
        ),
    ):
        ext.fit(a, b)  # ... checked when fitted
    with pytest.raises(mm.ParameterError, match="'decades' parameter of CommunitySizeSimilarity"):
        CommunitySizeSimilarity(decades=0).fit(a, b)


def test_block_positions_are_checked():
    a, b = sides(MIXED_MENTEES, MIXED_MENTORS)
    ext = SkillsCoverage().fit(a, b)
    with pytest.raises(mm.ParameterError, match=re.escape("positions in [0, 3]")):
        ext.score(None, [4])
    with pytest.raises(mm.ParameterError, match="integer positions"):
        ext.score([0.5], None)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"ngram_range": (2, 1)}, "ngram_range"),
        ({"ngram_range": "words"}, "ngram_range"),
        ({"stop_words": "french"}, "stop_words"),
        ({"sublinear_tf": "yes"}, "sublinear_tf"),
    ],
)
def test_goals_bad_vectorizer_parameters_are_errors_not_no_information(params, name):
    # sklearn rejects these with a ValueError; that must not read as "nobody wrote goals".
    a, b = sides(MIXED_MENTEES, MIXED_MENTORS)
    with pytest.raises(mm.ParameterError, match=f"The '{name}' parameter of GoalsSimilarity"):
        GoalsSimilarity(**params).fit(a, b)


def test_goals_other_vectorizer_parameters_and_min_df_above_the_cohort():
    a, b = sides(MIXED_MENTEES, MIXED_MENTORS)
    assert GoalsSimilarity(ngram_range=(1, 2), stop_words=None).fit(a, b).vectorizer_ is not None
    # No word can be used by 10 of the 6 texts: no information, not an error.
    assert np.isnan(GoalsSimilarity(min_df=10).fit(a, b).score()).all()
