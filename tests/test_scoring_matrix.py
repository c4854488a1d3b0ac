"""score_pairs, ScoreMatrix and PairScorer: weights, allowed pairs, explanations, tables."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import mentormatch as mm
from mentormatch.scoring import (
    FeatureExtractor,
    PairScorer,
    RegionProximity,
    ScoreMatrix,
    score_pairs,
)


def amcto_row(id_: str, role: str, **kw) -> dict:
    """An AMCTO application that passes every eligibility rule unless overridden."""
    base = {
        "id": id_,
        "role": role,
        "member_in_good_standing": True,
        "years_experience": 15 if role == "mentor" else 3,
        "new_to_sector": False,
        "commitment_months": 9,
        "region": "Eastern",
        "organization": f"Org of {id_}",
        "goals": "municipal budgeting and council reports",
        "skills": ["budgeting"],
        "interests": ["finance"],
    }
    base.update(kw)
    return base


#: AMCTO with the same-organization rule a program may set (the preset has none).
NO_COLLEAGUES = replace(
    mm.policies.AMCTO,
    matching=replace(mm.policies.AMCTO.matching, allow_same_organization=False),
)


def small_amcto() -> list[dict]:
    return [
        amcto_row(
            "e1", "mentee", skills=["budgeting", "council reports"], organization="Town of Milton"
        ),
        amcto_row("e2", "mentee", goals="", region="Northwestern", previous_partner_ids=["r2"]),
        amcto_row("e3", "mentee", member_in_good_standing=False),
        amcto_row(
            "r1", "mentor", skills=["Budgeting", "council reports"], organization="town of  milton"
        ),
        amcto_row("r2", "mentor", region="Central", organization=None),
        amcto_row("r3", "mentor", years_experience=4),  # too little experience: ineligible
        amcto_row("r4", "mentor", region="Toronto", organization=None),
    ]


# --------------------------------------------------------------------------- shape and weights


def test_rows_are_mentees_columns_mentors_in_input_order():
    sm = score_pairs(small_amcto(), "amcto")
    assert isinstance(sm, ScoreMatrix)
    assert list(sm.mentee_ids) == ["e1", "e2", "e3"]
    assert list(sm.mentor_ids) == ["r1", "r2", "r3", "r4"]
    assert sm.shape == sm.total.shape == sm.allowed.shape == (3, 4)
    assert sm.total.dtype == np.float32 and sm.allowed.dtype == bool
    assert set(sm.features) == set(mm.policies.AMCTO.matching.weights)
    assert all(f.dtype == np.float32 and f.shape == (3, 4) for f in sm.features.values())


def test_weights_are_normalized_and_total_is_their_weighted_sum():
    sm = score_pairs(small_amcto(), "amcto", {"skills": 3, "region": 1})
    assert sm.weights == {"skills": 0.75, "region": 0.25}
    expected = 0.75 * sm.features["skills"] + 0.25 * sm.features["region"]
    np.testing.assert_allclose(sm.total, expected, atol=1e-6)
    assert (sm.total >= 0).all() and (sm.total <= 1).all()


def test_policy_weights_are_the_default():
    sm = score_pairs(small_amcto(), mm.policies.AMCTO)
    w = dict(mm.policies.AMCTO.matching.weights)
    s = sum(w.values())
    assert sm.weights == pytest.approx({k: v / s for k, v in w.items()})


def test_zero_weight_features_are_not_computed():
    apps = [{k: v for k, v in r.items() if k != "goals"} for r in small_amcto()]
    # goals has weight 0: the column may be absent and the feature is not computed.
    sm = score_pairs(apps, "amcto", {"goals": 0, "skills": 1})
    assert list(sm.features) == ["skills"]


def test_a_weighted_feature_needs_its_column():
    apps = [{k: v for k, v in r.items() if k != "interests"} for r in small_amcto()]
    with pytest.raises(mm.ApplicationError) as info:
        score_pairs(apps, "amcto")
    problems = info.value.problems
    assert problems["column"].tolist() == ["interests"]
    assert "scoring feature 'interests'" in problems["expected"].iloc[0]


def test_unknown_feature_and_bad_weights_use_the_parameter_template():
    with pytest.raises(
        mm.ParameterError,
        match=r"^The 'weights' parameter of score_pairs must be weights of features with an extractor .* Got 'language' instead\.$",
    ):
        score_pairs(small_amcto(), "amcto", {"skills": 1, "language": 0.5})
    with pytest.raises(mm.ParameterError, match="The 'weights' parameter of score_pairs must be"):
        score_pairs(small_amcto(), "amcto", {"skills": -1})
    with pytest.raises(mm.ParameterError, match="The 'weights' parameter of score_pairs must be"):
        score_pairs(small_amcto(), "amcto", {"skills": 0})
    with pytest.raises(mm.ParameterError, match="The 'policy' parameter of score_pairs must be"):
        score_pairs(small_amcto(), 3)
    with pytest.raises(mm.ParameterError, match="The 'extractors' parameter of score_pairs"):
        score_pairs(small_amcto(), "amcto", extractors={"x": object()})
    with pytest.raises(mm.ParameterError, match="feature names other than"):
        score_pairs(small_amcto(), "amcto", {"score": 1})


# --------------------------------------------------------------------------- custom extractor


class LanguageMatch(FeatureExtractor):
    """1 when mentee and mentor share a working language (a user's own feature)."""

    def __init__(self, *, column: str = "language") -> None:
        self.column = column

    def required_columns(self):
        return ((self.column,),)

    def fit(self, mentees, mentors, *, policy=None):
        self._set_sizes(mentees, mentors)
        self.mentee_lang_ = mentees[self.column].astype(str).str.lower().to_numpy()
        self.mentor_lang_ = mentors[self.column].astype(str).str.lower().to_numpy()
        return self

    def score(self, rows=None, cols=None):
        r, c = self._block_index(rows, cols, "LanguageMatch.score")
        return (self.mentee_lang_[r][:, None] == self.mentor_lang_[c][None, :]).astype(np.float32)


def with_language(apps: list[dict]) -> list[dict]:
    langs = {"e1": "fr", "e2": "en", "e3": "en", "r1": "FR", "r2": "en", "r3": "fr", "r4": "fr"}
    return [{**r, "language": langs[r["id"]]} for r in apps]


def test_custom_extractor_plugs_in_by_name_with_a_weight():
    ext = LanguageMatch()
    weights = {**mm.policies.AMCTO.matching.weights, "language": 0.2}
    sm = score_pairs(with_language(small_amcto()), "amcto", weights, extractors={"language": ext})
    np.testing.assert_array_equal(
        sm.features["language"], [[1, 0, 1, 1], [0, 1, 0, 0], [0, 1, 0, 0]]
    )
    assert sm.weights["language"] == pytest.approx(0.2 / 1.2)
    assert not hasattr(ext, "mentee_lang_")  # the object passed in is cloned, not fitted
    table = sm.explain("e1", "r1")
    assert table.loc["language", "value"] == 1.0


def test_custom_extractor_needs_a_weight_and_its_column():
    sm = score_pairs(small_amcto(), "amcto", extractors={"language": LanguageMatch()})
    assert "language" not in sm.features  # no weight: not computed, column not needed
    with pytest.raises(mm.ApplicationError, match="language"):
        score_pairs(
            small_amcto(), "amcto", {"language": 1}, extractors={"language": LanguageMatch()}
        )


class OutOfRange(LanguageMatch):
    def score(self, rows=None, cols=None):
        return super().score(rows, cols) * 2


class DuckTyped:
    """Not a FeatureExtractor: any object with fit and score will do."""

    def fit(self, mentees, mentors, *, policy=None):
        self.shape_ = (len(mentees), len(mentors))
        return self

    def score(self, rows=None, cols=None):
        n_r = self.shape_[0] if rows is None else len(rows)
        n_c = self.shape_[1] if cols is None else len(cols)
        return np.full((n_r, n_c), 0.25)


def test_custom_extractor_values_are_checked():
    with pytest.raises(
        mm.ParameterError, match=r"values in \[0, 1\] or nan; 'language' returned 2\.0"
    ):
        score_pairs(
            with_language(small_amcto()),
            "amcto",
            {"language": 1},
            extractors={"language": OutOfRange()},
        )
    sm = score_pairs(small_amcto(), "amcto", {"flat": 1}, extractors={"flat": DuckTyped()})
    np.testing.assert_allclose(sm.total, 0.25)


class Returns(LanguageMatch):
    """An extractor whose score returns what it was given, shaped like the block."""

    def __init__(self, *, column: str = "language", make=None) -> None:
        super().__init__(column=column)
        self.make = make

    def score(self, rows=None, cols=None):
        return self.make(super().score(rows, cols))


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        (lambda b: b.astype(str), "<U"),  # text: numpy's float cast raised a bare ValueError
        (lambda b: np.full(b.shape, object(), dtype=object), "object"),  # objects: a TypeError
        (lambda b: b + 0.5j, "complex"),  # complex: the imaginary part was dropped silently
    ],
    ids=["text", "objects", "complex"],
)
def test_custom_extractor_of_non_real_values_is_one_parameter_error(make, dtype):
    with pytest.raises(mm.ParameterError, match=rf"real numbers; 'language' returned .*{dtype}"):
        score_pairs(
            with_language(small_amcto()),
            "amcto",
            {"language": 1},
            extractors={"language": Returns(make=make)},
        )


def test_builtin_extractor_with_other_parameters():
    sm = score_pairs(
        small_amcto(), "amcto", {"region": 1}, extractors={"region": RegionProximity(adjacent=0.2)}
    )
    # e1 (Eastern) and r2 (Central) are neighbours in the AMCTO preset.
    assert sm.features["region"][0, 1] == pytest.approx(0.2)


# --------------------------------------------------------------------------- allowed


def test_allowed_pairs_follow_the_rules():
    sm = score_pairs(small_amcto(), NO_COLLEAGUES)
    allowed = pd.DataFrame(sm.allowed, index=sm.mentee_ids, columns=sm.mentor_ids)
    assert not allowed.loc["e1", "r1"]  # same organization, differently typed
    assert allowed.loc["e1", "r2"]  # blank organization: no clash
    assert not allowed.loc["e2", "r2"]  # previous partners
    assert not allowed.loc["e3"].any()  # ineligible mentee
    assert not allowed["r3"].any()  # ineligible mentor
    assert allowed.loc["e1", "r4"] and allowed.loc["e2", "r4"]
    assert sm.n_allowed == 4


def test_two_blank_organizations_do_not_clash():
    apps = small_amcto()
    apps[1] = {**apps[1], "organization": ""}  # e2
    sm = score_pairs(apps, NO_COLLEAGUES)
    assert sm.allowed[1, 3]  # e2 and r4 both left organization blank


def test_policy_settings_can_allow_colleagues_and_previous_partners():
    policy = replace(
        mm.policies.AMCTO,
        matching=replace(
            mm.policies.AMCTO.matching, allow_same_organization=True, allow_previous_partners=True
        ),
    )
    sm = score_pairs(small_amcto(), policy)
    assert sm.allowed[0, 0] and sm.allowed[1, 1]


def test_previous_partner_listed_by_the_mentor_only():
    apps = small_amcto()
    apps[1] = {**apps[1], "previous_partner_ids": []}
    apps[6] = {**apps[6], "previous_partner_ids": ["e2"]}
    sm = score_pairs(apps, "amcto")
    assert sm.allowed[1, 1]  # e2 - r2 no longer partners
    assert not sm.allowed[1, 3]  # r4 lists e2


def ama_apps() -> list[dict]:
    def row(id_, role, stage, **kw):
        return {
            "id": id_,
            "role": role,
            "member_in_good_standing": True,
            "board_ratified": True,
            "career_stage": stage,
            "goals": "exhibitions and collections care",
            "skills": ["collections"],
            "interests": ["museums"],
            **kw,
        }

    return [
        row("e1", "mentee", 1),
        row("e2", "mentee", 2),
        row("e3", "mentee", None),
        row("r1", "mentor", 3),
        row("r2", "mentor", 2),
        row("r3", "mentor", None),
    ]


def test_ama_career_stage_pairwise_rule_and_stage_gap():
    sm = score_pairs(ama_apps(), "ama")
    # Stage strictly above; a blank stage on either side is not allowed.
    np.testing.assert_array_equal(
        sm.allowed, [[True, True, False], [True, False, False], [False, False, False]]
    )
    # The experience feature rewards the larger stage gap (AMA career stages).
    assert sm.features["experience"][0, 0] > sm.features["experience"][0, 1]
    table = sm.explain("e2", "r2")
    assert table.attrs["reasons"] == ["career_stage"]
    assert "must be above the mentee's (2)" in table.loc["total", "note"]


# --------------------------------------------------------------------------- explain


def test_explain_contributions_add_up_to_the_total():
    sm = score_pairs(small_amcto(), "amcto")
    for e in sm.mentee_ids:
        for r in sm.mentor_ids:
            t = sm.explain(e, r)
            features = t.drop(index="total")
            assert features["contribution"].sum() == pytest.approx(
                t.loc["total", "contribution"], abs=1e-6
            )
            np.testing.assert_allclose(
                features["contribution"], features["value"] * features["weight"], rtol=1e-12
            )
            assert features["weight"].sum() == pytest.approx(1.0)
            assert t.attrs["total"] == pytest.approx(
                float(sm.total[sm.mentee_ids.get_loc(e), sm.mentor_ids.get_loc(r)])
            )


def test_explain_says_why_not_allowed():
    sm = score_pairs(small_amcto(), NO_COLLEAGUES)
    t = sm.explain("e1", "r1")
    assert t.attrs["allowed"] is False
    assert t.attrs["reasons"] == ["same_organization"]
    assert "Town of Milton" in t.loc["total", "note"]
    t = sm.explain("e3", "r3")
    assert t.attrs["reasons"] == ["mentee_ineligible", "mentor_ineligible"]
    assert "at least 7 years" in t.loc["total", "note"]
    t = sm.explain("e1", "r4")
    assert t.attrs["allowed"] is True and t.attrs["reasons"] == []
    assert t.loc["total", "note"] == "allowed"


def test_explain_notes_no_information_and_counts_it_as_nothing():
    sm = score_pairs(small_amcto(), "amcto")
    t = sm.explain("e2", "r4")  # e2 left goals blank
    assert "no information" in t.loc["goals", "note"] and "counted as 0" in t.loc["goals", "note"]
    assert t.loc["goals", "value"] == 0.0 == sm.neutral["goals"]
    assert t.loc["skills", "note"] == ""


def test_empty_goals_get_the_average_of_the_informative_pairs_when_asked():
    from mentormatch.scoring import GoalsSimilarity

    apps = small_amcto()
    apps[3] = {**apps[3], "goals": "records management and elections"}
    apps[6] = {**apps[6], "goals": "budgeting for a small town"}
    sm = score_pairs(apps, "amcto", extractors={"goals": GoalsSimilarity(blank="average")})
    assert "cohort average" in sm.explain("e2", "r4").loc["goals", "note"]
    raw = sm.scorer.extractors_["goals"].score()
    known = ~np.isnan(raw)
    assert not known[1].any()  # e2 wrote nothing
    expected = raw[known].astype(float).mean()
    assert sm.neutral["goals"] == pytest.approx(expected, abs=1e-6)
    np.testing.assert_allclose(sm.features["goals"][1], expected, atol=1e-6)
    assert 0 < expected < 1  # neither a zero nor a perfect match
    assert not np.isnan(sm.total).any()


def test_explain_unknown_ids():
    sm = score_pairs(small_amcto(), "amcto")
    with pytest.raises(
        mm.ParameterError,
        match=re.escape(
            "The 'mentee_id' parameter of ScoreMatrix.explain must be the id of a mentee in "
            "this matrix. Got 'r1' instead."
        ),
    ):
        sm.explain("r1", "r1")
    with pytest.raises(mm.ParameterError, match="'mentor_id' parameter"):
        sm.explain("e1", "nobody")


# --------------------------------------------------------------------------- long table


def test_to_frame_lists_the_allowed_pairs_with_contributions():
    sm = score_pairs(small_amcto(), "amcto")
    frame = sm.to_frame()
    assert list(frame.columns[:5]) == [
        "mentee_index",
        "mentee_id",
        "mentor_index",
        "mentor_id",
        "score",
    ]
    assert list(frame.columns[5:]) == list(sm.weights)
    assert len(frame) == sm.n_allowed
    assert sm.allowed[frame["mentee_index"], frame["mentor_index"]].all()
    assert frame["mentee_id"].astype(str).tolist() == [
        sm.mentee_ids[i] for i in frame["mentee_index"]
    ]
    assert frame["mentee_index"].dtype == np.int32 and frame["score"].dtype == np.float32
    assert isinstance(frame["mentor_id"].dtype, pd.CategoricalDtype)
    np.testing.assert_allclose(frame[list(sm.weights)].sum(axis=1), frame["score"], atol=1e-6)
    assert len(sm.to_frame(allowed_only=False)) == 12


def test_to_frame_filters_min_score_and_top_k_with_ties_to_the_first_mentor():
    sm = score_pairs(small_amcto(), "amcto", {"flat": 1}, extractors={"flat": DuckTyped()})
    top = sm.to_frame(allowed_only=False, top_k=2)
    assert top.groupby("mentee_index")["mentor_index"].apply(list).tolist() == [[0, 1]] * 3
    sm = score_pairs(small_amcto(), "amcto")
    full = sm.to_frame()
    best = sm.to_frame(top_k=1)
    expected = full.loc[full.groupby("mentee_index")["score"].idxmax()]
    assert best["mentor_index"].tolist() == expected["mentor_index"].tolist()
    cut = float(np.median(full["score"]))
    assert (sm.to_frame(min_score=cut)["score"] >= np.float32(cut)).all()
    with pytest.raises(mm.ParameterError, match=r"The 'top_k' parameter of ScoreMatrix\.to_frame"):
        sm.to_frame(top_k=0)


def test_repr_and_html_summary():
    sm = score_pairs(small_amcto(), NO_COLLEAGUES)
    assert "3 mentees x 4 mentors" in repr(sm)
    page = sm._repr_html_()
    assert "AMCTO Mentorship Program" in page and "allowed pairs" in page and "4 of 12" in page


# --------------------------------------------------------------------------- blocks


def test_blocks_match_the_full_matrix():
    apps = [
        *small_amcto(),
        amcto_row("e4", "mentee", goals="elections and records", region="Toronto"),
        amcto_row("r5", "mentor", skills=[], community_size=None),
    ]
    sm = score_pairs(apps, "amcto")
    scorer = PairScorer("amcto").fit(apps)
    rows, cols = np.array([3, 0]), np.array([4, 2, 0])
    block = scorer.score_block(rows, cols)
    np.testing.assert_array_equal(block.total, sm.total[np.ix_(rows, cols)])
    np.testing.assert_array_equal(block.allowed, sm.allowed[np.ix_(rows, cols)])
    for name in sm.features:
        np.testing.assert_array_equal(block.features[name], sm.features[name][np.ix_(rows, cols)])
    assert scorer.neutral_ == sm.neutral


def test_empty_sides():
    apps = [amcto_row("r1", "mentor"), amcto_row("r2", "mentor")]
    sm = score_pairs(apps, "amcto")
    assert sm.shape == (0, 2) and sm.n_allowed == 0 and len(sm.to_frame()) == 0
    assert "0 x 2" in sm._repr_html_()


def test_scoring_subpackage_exports():
    import mentormatch.scoring as scoring

    assert scoring.__all__ == sorted(scoring.__all__)
    assert all(hasattr(scoring, name) for name in scoring.__all__)
