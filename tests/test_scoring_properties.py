"""Properties of score_pairs on random small cohorts, and a planted-match cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentormatch import EligibilityRule, MatchingSettings, ProgramPolicy
from mentormatch.scoring import BUILTIN_EXTRACTORS, score_pairs

GOALS = [
    "learn municipal budgeting",
    "write better council reports",
    "budgeting and council reports for a small town",
    "elections administration",
    "records management and access to information",
    "lead a team through change",
    "the and of",  # stop words only
]
SKILLS = ["budgeting", "Budgeting ", "council reports", "procurement", "GIS"]
INTERESTS = ["finance", "governance", "Finance", "planning"]
REGIONS = ["North", "north ", "South", "East", "West", None]
ORGS = ["Town A", "town  a", "City B", None, ""]


def make_policy(same_org: bool, previous: bool) -> ProgramPolicy:
    return ProgramPolicy(
        name=f"property policy {same_org} {previous}",
        eligibility=(
            EligibilityRule(code="membership", test="is_true", column="member_in_good_standing"),
            EligibilityRule(
                code="career_stage", test="stage_above", column="career_stage", scale=(1, 4)
            ),
        ),
        matching=MatchingSettings(
            allow_same_organization=same_org,
            allow_previous_partners=previous,
            weights={
                "goals": 3,
                "skills": 2,
                "interests": 1,
                "region": 1,
                "community_size": 1,
                "experience": 1,
                "mutual_request": 1,
            },
            region_adjacency={"North": ["East"], "South": ["West", "East"]},
        ),
    )


POLICIES = {(a, b): make_policy(a, b) for a in (False, True) for b in (False, True)}


@st.composite
def cohorts(draw) -> tuple[list[dict], ProgramPolicy]:
    n_e = draw(st.integers(0, 6))
    n_r = draw(st.integers(0 if n_e else 1, 6))
    numbers = draw(
        st.lists(st.integers(0, 99), min_size=n_e + n_r, max_size=n_e + n_r, unique=True)
    )
    mentee_ids = [f"p{k}" for k in numbers[:n_e]]
    mentor_ids = [f"p{k}" for k in numbers[n_e:]]
    recs = []
    for role, ids, others in (
        ("mentee", mentee_ids, mentor_ids),
        ("mentor", mentor_ids, mentee_ids),
    ):
        for id_ in ids:
            other = (
                st.lists(st.sampled_from(others), max_size=2, unique=True)
                if others
                else st.just([])
            )
            recs.append(
                {
                    "id": id_,
                    "role": role,
                    "member_in_good_standing": draw(
                        st.sampled_from([True, True, True, True, False, None])
                    ),
                    "career_stage": draw(st.sampled_from([1, 2, 3, 4, None])),
                    "years_experience": draw(st.one_of(st.none(), st.integers(0, 40))),
                    "region": draw(st.sampled_from(REGIONS)),
                    "community_size": draw(st.one_of(st.none(), st.integers(0, 10**7))),
                    "organization": draw(st.sampled_from(ORGS)),
                    "goals": draw(st.sampled_from([*GOALS, "", None])),
                    "skills": draw(st.lists(st.sampled_from(SKILLS), max_size=3)),
                    "interests": draw(st.lists(st.sampled_from(INTERESTS), max_size=3)),
                    "requested_ids": draw(other),
                    "previous_partner_ids": draw(other),
                }
            )
    recs = draw(st.permutations(recs))
    policy = POLICIES[(draw(st.booleans()), draw(st.booleans()))]
    return list(recs), policy


# --------------------------------------------------------------------------- reference


def norm(text) -> str | None:
    if text is None:
        return None
    out = " ".join(str(text).split()).casefold()
    return out or None


def reference_allowed(recs: list[dict], policy: ProgramPolicy) -> dict[tuple[str, str], bool]:
    """The allowed rule, pair by pair in plain Python, independent of the library."""

    def eligible(r: dict) -> bool:
        if r["member_in_good_standing"] is not True:
            return False
        stage = r["career_stage"]
        if stage is None:
            return False
        return stage > 1 if r["role"] == "mentor" else stage < 4

    m = policy.matching
    out = {}
    for a in recs:
        if a["role"] != "mentee":
            continue
        for b in recs:
            if b["role"] != "mentor":
                continue
            ok = eligible(a) and eligible(b)
            org_a, org_b = norm(a["organization"]), norm(b["organization"])
            if not m.allow_same_organization and org_a is not None and org_a == org_b:
                ok = False
            if not m.allow_previous_partners and (
                b["id"] in a["previous_partner_ids"] or a["id"] in b["previous_partner_ids"]
            ):
                ok = False
            if a["career_stage"] is None or b["career_stage"] is None:
                ok = False
            elif not b["career_stage"] > a["career_stage"]:
                ok = False
            out[(a["id"], b["id"])] = ok
    return out


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(cohorts())
def test_values_in_unit_interval_and_contributions_add_up(data):
    recs, policy = data
    sm = score_pairs(recs, policy)
    assert set(sm.weights) == set(BUILTIN_EXTRACTORS)
    assert sum(sm.weights.values()) == pytest.approx(1.0)
    for name, f in sm.features.items():
        assert not np.isnan(f).any(), name
        assert ((f >= 0) & (f <= 1)).all(), name
    assert ((sm.total >= 0) & (sm.total <= 1)).all()
    weighted = sum(w * sm.features[n].astype(float) for n, w in sm.weights.items())
    np.testing.assert_allclose(sm.total, weighted, atol=1e-6)
    for e in sm.mentee_ids[:2]:
        for r in sm.mentor_ids[:3]:
            t = sm.explain(e, r)
            parts = t.drop(index="total")["contribution"]
            assert parts.sum() == pytest.approx(t.loc["total", "contribution"], abs=1e-6)
            assert 0 <= t.loc["total", "contribution"] <= 1
    frame = sm.to_frame(allowed_only=False)
    np.testing.assert_allclose(frame[list(sm.weights)].sum(axis=1), frame["score"], atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(cohorts())
def test_forbidden_pairs_are_never_allowed(data):
    recs, policy = data
    sm = score_pairs(recs, policy)
    expected = reference_allowed(recs, policy)
    got = {
        (e, r): bool(sm.allowed[i, j])
        for i, e in enumerate(sm.mentee_ids)
        for j, r in enumerate(sm.mentor_ids)
    }
    assert got == expected
    # explain() says why for forbidden pairs (a few per cohort: it is pair by pair)
    forbidden = [pair for pair, ok in expected.items() if not ok]
    for e, r in forbidden[:4]:
        assert sm.explain(e, r).attrs["reasons"], (e, r)
    for e, r in [pair for pair, ok in expected.items() if ok][:2]:
        assert sm.explain(e, r).attrs["reasons"] == [], (e, r)
    assert sm.n_allowed == sum(expected.values())
    assert len(sm.to_frame()) == sm.n_allowed


@settings(max_examples=40, deadline=None)
@given(cohorts(), st.data())
def test_relabeling_and_reordering_permutes_the_matrix_only(data, extra):
    recs, policy = data
    ids = [r["id"] for r in recs]
    new_labels = extra.draw(st.permutations([f"q{k:03d}" for k in range(len(ids))]))
    new = dict(zip(ids, new_labels, strict=True))
    moved = [
        {
            **r,
            "id": new[r["id"]],
            "requested_ids": [new[x] for x in r["requested_ids"]],
            "previous_partner_ids": [new[x] for x in r["previous_partner_ids"]],
        }
        for r in extra.draw(st.permutations(recs))
    ]
    a = score_pairs(recs, policy)
    b = score_pairs(moved, policy)
    rows = b.mentee_ids.get_indexer([new[i] for i in a.mentee_ids])
    cols = b.mentor_ids.get_indexer([new[i] for i in a.mentor_ids])
    assert (rows >= 0).all() and (cols >= 0).all()
    np.testing.assert_array_equal(b.allowed[np.ix_(rows, cols)], a.allowed)
    np.testing.assert_allclose(b.total[np.ix_(rows, cols)], a.total, atol=1e-6)
    for name in a.features:
        np.testing.assert_allclose(
            b.features[name][np.ix_(rows, cols)], a.features[name], atol=1e-6
        )
    assert a.weights == b.weights
    assert a.neutral == pytest.approx(b.neutral, abs=1e-6)
    ea = a.eligibility.set_index("participant_id")
    eb = b.eligibility.assign(
        participant_id=b.eligibility["participant_id"].map({v: k for k, v in new.items()})
    )
    eb = eb.set_index("participant_id").loc[ea.index]
    assert ea["eligible"].tolist() == eb["eligible"].tolist()
    assert ea["reasons"].tolist() == eb["reasons"].tolist()


# --------------------------------------------------------------------------- planted cohort


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_twin_is_each_mentees_top_allowed_mentor(seed):
    rng = np.random.default_rng(seed)
    words = [f"topic{k}" for k in range(300)]
    skills = [f"skill {k}" for k in range(25)]
    interests = [f"area {k}" for k in range(15)]
    regions = ["Northeast", "Southeast", "Midwest", "Southwest", "West", "Northwest"]

    def profile() -> dict:
        return {
            "goals": " ".join(rng.choice(words, size=6, replace=False)),
            "skills": [str(s) for s in rng.choice(skills, size=3, replace=False)],
            "interests": [str(s) for s in rng.choice(interests, size=2, replace=False)],
            "region": str(rng.choice(regions)),
            "community_size": int(np.exp(rng.uniform(5, 14))),
        }

    common = {"member_in_good_standing": True, "comms_role": True, "application_complete": True}
    n_mentees, n_random = 30, 60
    mentees = [{"id": f"e{i}", "role": "mentee", **common, **profile()} for i in range(n_mentees)]
    twins = [
        {
            **{k: v for k, v in m.items() if k not in ("id", "role")},
            "id": f"twin-{m['id']}",
            "role": "mentor",
        }
        for m in mentees
    ]
    others = [{"id": f"r{j}", "role": "mentor", **common, **profile()} for j in range(n_random)]
    mentors = twins + others
    order = rng.permutation(len(mentors))
    apps = mentees + [mentors[k] for k in order]
    sm = score_pairs(
        pd.DataFrame(apps),
        "3cma",
        {"goals": 0.3, "skills": 0.2, "interests": 0.2, "region": 0.15, "community_size": 0.15},
    )
    assert sm.allowed.all()
    masked = np.where(sm.allowed, sm.total, -np.inf)
    best = np.asarray(sm.mentor_ids)[masked.argmax(axis=1)]
    assert best.tolist() == [f"twin-{e}" for e in sm.mentee_ids]
    for i, e in enumerate(sm.mentee_ids):
        j = sm.mentor_ids.get_loc(f"twin-{e}")
        assert sm.total[i, j] == pytest.approx(1.0, abs=1e-6)
        rest = np.delete(masked[i], j)
        assert rest.max() < sm.total[i, j] - 1e-3  # strictly the best, not a tie
    top = sm.to_frame(top_k=1)
    assert top["mentor_id"].astype(str).tolist() == [f"twin-{e}" for e in sm.mentee_ids]
