"""match / rematch: scenarios from the program documents, checked by plain validators."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import mentormatch as mm
from mentormatch._policy import MatchingSettings

# A small program with one feature so that scores are easy to reason about:
# skills coverage only (share of the mentee's sought skills the mentor offers).
SKILLS_ONLY = mm.ProgramPolicy(
    name="skills only",
    eligibility=mm.policies.AMCTO.eligibility[:1],  # membership
    matching=MatchingSettings(weights={"skills": 1.0}, allow_same_organization=False),
)


def person(pid: str, role: str, skills: str = "", **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": pid,
        "role": role,
        "member_in_good_standing": "yes",
        "skills": skills,
        "organization": extra.pop("organization", f"Org {pid}"),
    }
    row.update(extra)
    return row


def check_result(result: mm.MatchResult, apps: list[dict[str, object]]) -> None:
    """Plain-Python validity checks of a MatchResult (no solver inside)."""
    ids = {str(a["id"]) for a in apps}
    roles = {str(a["id"]): str(a["role"]).lower() for a in apps}
    pairs = result.pairs
    unmatched = result.unmatched
    in_pairs = set(pairs["mentee_id"]) | set(pairs["mentor_id"])
    assert in_pairs.isdisjoint(set(unmatched["participant_id"]))
    assert in_pairs | set(unmatched["participant_id"]) == ids
    assert not unmatched["participant_id"].duplicated().any()
    assert not pairs["mentee_id"].duplicated().any()
    assert all(roles[m] == "mentee" for m in pairs["mentee_id"])
    assert all(roles[m] == "mentor" for m in pairs["mentor_id"])
    assert set(pairs["reason"]) <= {"mutual_request", "locked", "optimized"}
    fixed = ["mentee_id", "mentor_id", "score", "reason", "matched_on", "new_pair"]
    assert list(pairs.columns[: len(fixed)]) == fixed
    assert pairs["matched_on"].dtype == "datetime64[ns]"
    assert pairs["matched_on"].notna().all()
    assert (pairs["matched_on"] == pairs["matched_on"].dt.normalize()).all()  # date only
    assert pairs["new_pair"].dtype == bool
    margins = ["margin_pairs", "margin", "close_call"]
    assert list(pairs.columns[-len(margins) :]) == margins
    features = list(pairs.columns[len(fixed) : -len(margins)])
    assert features == list(result.scorer.weights_)
    if len(pairs):
        np.testing.assert_allclose(pairs[features].sum(axis=1), pairs["score"], atol=1e-6)
    assert result.objective == pytest.approx(float(pairs["score"].sum()))
    if result.status == "OPTIMAL":
        assert result.best_bound == pytest.approx(result.objective, abs=1e-6)
    else:
        assert result.best_bound >= result.objective - 1e-9


def test_mutual_request_wins_over_a_better_one_sided_request() -> None:
    # e1 and r1 ask for each other; e2 asks for r1 and would score higher with r1.
    apps = [
        person("e1", "mentee", "budgeting", requested_ids="r1"),
        person("e2", "mentee", "budgeting; council reports", requested_ids="r1"),
        person("r1", "mentor", "budgeting; council reports", requested_ids="e1"),
        person("r2", "mentor", "records management"),
    ]
    result = mm.match(apps, SKILLS_ONLY)
    check_result(result, apps)
    pairs = dict(zip(result.pairs["mentee_id"], result.pairs["mentor_id"], strict=True))
    assert pairs["e1"] == "r1"
    assert result.pairs.set_index("mentee_id").loc["e1", "reason"] == "mutual_request"
    assert pairs["e2"] == "r2"  # still matched: most people first
    req = result.requests.set_index(["requester_id", "requested_id"])
    assert bool(req.loc[("e1", "r1"), "mutual"]) and bool(req.loc[("e1", "r1"), "forced"])
    assert not bool(req.loc[("e2", "r1"), "mutual"])
    assert not bool(req.loc[("e2", "r1"), "forced"])
    assert req.loc[("e2", "r1"), "note"] == "one-sided request: never forced"


def test_most_people_matched_before_best_score() -> None:
    # Greedy on score would pair e1-r1 (1.0) and leave e2 alone; the optimum pairs both.
    apps = [
        person("e1", "mentee", "a; b"),
        person("e2", "mentee", "a"),
        person("r1", "mentor", "a; b"),
        person("r2", "mentor", "b"),
    ]
    result = mm.match(apps, SKILLS_ONLY)
    check_result(result, apps)
    assert len(result.pairs) == 2
    assert result.status == "OPTIMAL"
    pairs = dict(zip(result.pairs["mentee_id"], result.pairs["mentor_id"], strict=True))
    assert pairs == {"e1": "r2", "e2": "r1"}
    assert result.objective == pytest.approx(0.5 + 1.0)


def test_score_first_policy_prefers_quality() -> None:
    apps = [
        person("e1", "mentee", "a; b"),
        person("e2", "mentee", "c"),
        person("r1", "mentor", "a; b"),
        person("r2", "mentor", "a"),
    ]
    # e2 scores 0 with everyone: pairs_first still matches e2, score_first may not.
    pairs_first = mm.match(apps, SKILLS_ONLY)
    assert len(pairs_first.pairs) == 2
    quality = replace(SKILLS_ONLY, matching=replace(SKILLS_ONLY.matching, priority="score_first"))
    result = mm.match(apps, quality)
    check_result(result, apps)
    assert result.objective == pytest.approx(1.0)


def test_unmatched_reasons() -> None:
    apps = [
        person("e1", "mentee", "a"),
        person("e2", "mentee", "a", organization="Town X"),  # only mentor is in Town X
        person("e3", "mentee", "a", member_in_good_standing="no"),
        person("e4", "mentee", "a"),
        person("r1", "mentor", "a", organization="Town X"),
    ]
    result = mm.match(apps, SKILLS_ONLY)
    check_result(result, apps)
    reasons = result.unmatched.set_index("participant_id")["reason"].to_dict()
    assert reasons["e2"] == "no_allowed_partner"
    assert reasons["e3"] == "membership"
    assert {reasons.get("e1"), reasons.get("e4")} == {"partners_taken", None}
    detail = result.unmatched.set_index("participant_id")["detail"]
    assert "same organization" in detail["e2"]
    assert detail["e3"] == (
        "The program is only open to AMCTO members in good standing; the application says no."
    )


def test_min_score_and_max_pairs_reasons() -> None:
    apps = [
        person("e1", "mentee", "a"),
        person("e2", "mentee", "a; b"),
        person("e3", "mentee", "z"),
        person("r1", "mentor", "a"),
        person("r2", "mentor", "a"),
        person("r3", "mentor", "b"),
    ]
    result = mm.match(apps, SKILLS_ONLY, min_score=0.4, max_pairs=1)
    check_result(result, apps)
    assert len(result.pairs) == 1
    reasons = result.unmatched.set_index("participant_id")["reason"].to_dict()
    assert reasons["e3"] == "below_min_score"
    assert "program_full" in reasons.values()
    assert (
        "spots"
        in result.unmatched.set_index("participant_id").loc[
            next(k for k, v in reasons.items() if v == "program_full"), "detail"
        ]
    )


def test_locked_and_forbidden_pairs() -> None:
    apps = [
        person("e1", "mentee", "a"),
        person("e2", "mentee", "b"),
        person("r1", "mentor", "a"),
        person("r2", "mentor", "b"),
    ]
    result = mm.match(apps, SKILLS_ONLY, locked=[("e1", "r2")], forbidden=[("e2", "r1")])
    check_result(result, apps)
    pairs = dict(zip(result.pairs["mentee_id"], result.pairs["mentor_id"], strict=True))
    assert pairs == {"e1": "r2"}
    assert result.pairs.set_index("mentee_id").loc["e1", "reason"] == "locked"
    # e2's one remaining mentor (r2) is locked with e1.
    assert result.unmatched.set_index("participant_id").loc["e2", "reason"] == "partners_taken"
    both = mm.match(apps, SKILLS_ONLY, forbidden=[("e2", "r1"), ("r2", "e2")])  # either order
    row = both.unmatched.set_index("participant_id").loc["e2"]
    assert row["reason"] == "no_allowed_partner"
    assert row["detail"] == "Staff excluded every mentor the program's rules allow for this mentee."


def test_lock_overrides_pair_rules_but_not_eligibility() -> None:
    apps = [
        person("e1", "mentee", "a", organization="Town X"),
        person("r1", "mentor", "a", organization="Town X"),
        person("r2", "mentor", "a", member_in_good_standing="no"),
    ]
    result = mm.match(apps, SKILLS_ONLY, locked=[("e1", "r1")])
    check_result(result, apps)
    assert list(result.pairs["mentor_id"]) == ["r1"]
    with pytest.raises(mm.MatchInfeasibleError, match="mentor_ineligible") as info:
        mm.match(apps, SKILLS_ONLY, locked=[("e1", "r2")])
    assert info.value.conflicts["rule"].tolist() == ["mentor_ineligible"]


def test_infeasible_locks_name_the_conflict() -> None:
    apps = [
        person("e1", "mentee", "a"),
        person("e2", "mentee", "a"),
        person("r1", "mentor", "a"),
        person("r2", "mentor", "a"),
    ]
    with pytest.raises(mm.MatchInfeasibleError) as info:
        mm.match(apps, SKILLS_ONLY, locked=[("e1", "r1"), ("e2", "r1"), ("e1", "r2")])
    conflicts = info.value.conflicts
    assert set(conflicts["rule"]) == {"one_mentor_per_mentee", "mentor_capacity"}
    by_rule = conflicts.set_index("rule")["pairs"]
    assert sorted(by_rule["one_mentor_per_mentee"]) == [("e1", "r1"), ("e1", "r2")]
    assert sorted(by_rule["mentor_capacity"]) == [("e1", "r1"), ("e2", "r1")]
    with pytest.raises(mm.MatchInfeasibleError, match="both locked and forbidden"):
        mm.match(apps, SKILLS_ONLY, locked=[("e1", "r1")], forbidden=[("e1", "r1")])
    with pytest.raises(mm.MatchInfeasibleError, match="exceed max_pairs"):
        mm.match(apps, SKILLS_ONLY, locked=[("e1", "r1"), ("e2", "r2")], max_pairs=1)


def test_clashing_mutual_requests_are_reported_not_forced() -> None:
    apps = [
        person("e1", "mentee", "a", requested_ids="r1; r2"),
        person("r1", "mentor", "a", requested_ids="e1"),
        person("r2", "mentor", "a", requested_ids="e1"),
        person("e2", "mentee", "a", requested_ids="r3", organization="Same"),
        person("r3", "mentor", "a", requested_ids="e2", organization="Same"),
    ]
    result = mm.match(apps, SKILLS_ONLY)
    check_result(result, apps)
    req = result.requests.set_index(["requester_id", "requested_id"])
    assert not req.loc[("e1", "r1"), "forced"]
    assert "several mutual requests" in req.loc[("e1", "r1"), "note"]
    assert not req.loc[("e2", "r3"), "forced"]
    assert "different organizations" in req.loc[("e2", "r3"), "note"]
    assert "e1" in set(result.pairs["mentee_id"])  # still matched by the optimizer


def test_mentor_capacity() -> None:
    policy = replace(SKILLS_ONLY, matching=replace(SKILLS_ONLY.matching, capacity_cap=2))
    apps = [
        person("e1", "mentee", "a"),
        person("e2", "mentee", "a"),
        person("e3", "mentee", "a"),
        person("r1", "mentor", "a", capacity=3),  # capped at 2 by the policy
    ]
    result = mm.match(apps, policy)
    check_result(result, apps)
    assert len(result.pairs) == 2
    assert set(result.pairs["mentor_id"]) == {"r1"}


def test_rematch_keeps_every_other_pair() -> None:
    apps = [person(f"e{k}", "mentee", "a; b") for k in range(4)] + [
        person(f"r{k}", "mentor", "a; b" if k < 4 else "a") for k in range(5)
    ]
    first = mm.match(apps, SKILLS_ONLY)
    check_result(first, apps)
    gone = (first.pairs["mentee_id"].iloc[0], first.pairs["mentor_id"].iloc[0])
    second = mm.rematch(first, apps, dissolve=[gone])
    check_result(second, apps)
    before = set(zip(first.pairs["mentee_id"], first.pairs["mentor_id"], strict=True))
    after = set(zip(second.pairs["mentee_id"], second.pairs["mentor_id"], strict=True))
    assert before - {gone} <= after
    assert gone not in after
    assert gone[0] in set(second.pairs["mentee_id"])  # the freed mentee found the spare mentor
    assert second.stats["kept_pairs"] == len(before) - 1


def test_rematch_rolling_intake_adds_newcomers() -> None:
    apps = [person("e1", "mentee", "a"), person("r1", "mentor", "a"), person("r2", "mentor", "b")]
    first = mm.match(apps, SKILLS_ONLY)
    newcomers = [*apps, person("e2", "mentee", "b")]
    second = mm.rematch(first, newcomers)
    check_result(second, newcomers)
    pairs = dict(zip(second.pairs["mentee_id"], second.pairs["mentor_id"], strict=True))
    assert pairs == {"e1": "r1", "e2": "r2"}


def test_rematch_rejects_unknown_pairs() -> None:
    apps = [person("e1", "mentee", "a"), person("r1", "mentor", "a")]
    first = mm.match(apps, SKILLS_ONLY)
    with pytest.raises(mm.ParameterError, match="'dissolve' parameter of rematch"):
        mm.rematch(first, apps, dissolve=[("e1", "r9")])


def test_bad_parameters() -> None:
    apps = [person("e1", "mentee", "a"), person("r1", "mentor", "a")]
    with pytest.raises(
        mm.ParameterError,
        match=r"The 'min_score' parameter of match must be a float in \[0, 1\] or None\. "
        r"Got 1\.7 instead\.",
    ):
        mm.match(apps, SKILLS_ONLY, min_score=1.7)
    with pytest.raises(mm.ParameterError, match="'locked' parameter of match"):
        mm.match(apps, SKILLS_ONLY, locked=[("e1", "nobody")])
    with pytest.raises(mm.ParameterError, match="'max_pairs' parameter of match"):
        mm.match(apps, SKILLS_ONLY, max_pairs=-1)


def test_bad_applications_raise_application_error() -> None:
    apps = [person("e1", "mentee", "a"), person("e1", "boss", "a")]
    with pytest.raises(mm.ApplicationError) as info:
        mm.match(apps, SKILLS_ONLY)
    assert set(info.value.problems["column"]) == {"id", "role"}


def test_exports_escape_formulas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    apps = [
        person("e1", "mentee", "a", name='=HYPERLINK("http://x")'),
        person("r1", "mentor", "a", name="@SUM(A1)"),
    ]
    result = mm.match(apps, SKILLS_ONLY)
    result.to_excel(tmp_path / "out.xlsx")
    result.to_csv(tmp_path / "out.csv")
    sheets = pd.read_excel(tmp_path / "out.xlsx", sheet_name=None)
    assert list(sheets) == ["about", "pairs", "unmatched", "requests", "eligibility"]
    assert len(sheets["pairs"]) == 1
    text = (tmp_path / "out.csv").read_text()
    assert "e1" in text
    assert (tmp_path / "out_unmatched.csv").exists()
    html = result._repr_html_()
    assert "pairs" in html and "OPTIMAL" in html


def test_generated_cohort_end_to_end() -> None:
    apps = mm.datasets.make_cohort(n_mentors=40, n_mentees=50, seed=3)
    result = mm.match(apps, "amcto")
    records = apps.to_dict("records")
    check_result(result, records)
    assert result.status == "OPTIMAL"
    elig = mm.check_eligibility(apps, "amcto")
    ineligible = set(elig.loc[~elig["eligible"], "participant_id"])
    assert ineligible <= set(result.unmatched["participant_id"])
    forced = result.requests[result.requests["forced"]]
    matched = set(zip(result.pairs["mentee_id"], result.pairs["mentor_id"], strict=True))
    for a, b in zip(forced["requester_id"], forced["requested_id"], strict=True):
        assert (a, b) in matched or (b, a) in matched
