"""why_not, margins, alternatives and close calls (issue 17).

The oracle is always a full new call of the public ``match`` (with the pair
locked or forbidden) and, on tiny cohorts, a brute force over every matching:
never the code path under test.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import replace as dc_replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch.matching._whynot import WhyNot

TOL = 1e-5  # the optimizer's resolution is 1e-6 per pair: ties may differ by that much


def _policy(priority: str, cap: int, min_score: float | None = None) -> mm.ProgramPolicy:
    base = mm.policies.AMCTO
    return dataclasses.replace(
        base,
        matching=dataclasses.replace(
            base.matching, priority=priority, capacity_cap=cap, min_score=min_score
        ),
    )


cohorts = st.fixed_dictionaries(
    {
        "n_mentors": st.integers(3, 8),
        "n_mentees": st.integers(3, 9),
        "seed": st.integers(0, 10_000),
        "priority": st.sampled_from(["pairs_first", "score_first"]),
        "cap": st.sampled_from([1, 2]),
        "request_rate": st.sampled_from([0.0, 0.3]),
        "candidates": st.booleans(),
    }
)


def _case(c: dict):
    apps = mm.datasets.make_cohort(
        c["n_mentors"], c["n_mentees"], seed=c["seed"], request_rate=c["request_rate"]
    )
    pol = _policy(c["priority"], c["cap"])
    return apps, pol


def _pairs_set(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["mentee_id"].astype(str), frame["mentor_id"].astype(str), strict=True))


def _priority_matched(result: mm.MatchResult, apps: pd.DataFrame) -> int:
    """Previously unmatched applicants matched: the tier the model counts (0 when the policy
    does not favour them, as no preset does since issue 21)."""
    if not result.policy.matching.favor_previously_unmatched:
        return 0
    prev = dict(
        zip(apps["id"].astype(str), apps["previously_unmatched"].fillna(False), strict=True)
    )
    people = set(result.pairs["mentee_id"].astype(str)) | set(result.pairs["mentor_id"].astype(str))
    return sum(bool(prev[p]) for p in people)


def _check_against_lock(result, apps, pol, mentee, mentor, candidates):
    w = result.why_not(mentee, mentor)
    assert isinstance(w, WhyNot)
    if w.in_result:
        assert (w.pairs_change, w.score_change) == (0, 0.0)
        return w
    if not w.allowed:
        assert w.rules and w.pairs_change is None
        return w
    oracle = mm.match(apps, pol, locked=[(mentee, mentor)], candidates=candidates, time_limit=None)
    assert w.pairs_change == len(oracle.pairs) - len(result.pairs)
    assert w.score_change == pytest.approx(oracle.objective - result.objective, abs=TOL)
    assert w.priority_change == _priority_matched(oracle, apps) - _priority_matched(result, apps)
    if w.method == "dual":  # the decisions are unchanged: forcing a pair cannot gain
        if pol.matching.priority == "pairs_first":
            assert (w.pairs_change, w.priority_change, w.score_change - TOL) <= (0, 0, 0)
        else:
            assert w.score_change <= TOL
    # The changes applied to the result: a valid matching with exactly the reported numbers.
    pairs = _pairs_set(result.pairs)
    add = _pairs_set(w.changes[w.changes["action"] == "add"])
    drop = _pairs_set(w.changes[w.changes["action"] == "drop"])
    assert (mentee, mentor) in add and drop <= pairs and not add & pairs
    after = (pairs - drop) | add
    assert len(after) - len(pairs) == w.pairs_change
    assert len({a for a, _ in after}) == len(after)  # one mentor per mentee
    caps = dict(zip(apps["id"].astype(str), apps["capacity"].fillna(1), strict=True))
    load = pd.Series([b for _, b in after]).value_counts()
    assert all(load[b] <= min(int(caps[b]), pol.matching.capacity_cap) for b in load.index)
    scores = {
        p: float(result.explain(*p).attrs["total"]) for p in add | drop
    }  # each pair's own score, from the scorer
    moved = sum(scores[p] for p in add) - sum(scores[p] for p in drop)
    assert moved == pytest.approx(w.score_change, abs=TOL)
    assert w.detail and mentee in w.detail
    return w


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(c=cohorts, data=st.data())
def test_why_not_equals_a_match_with_the_pair_locked(c, data):
    apps, pol = _case(c)
    result = mm.match(apps, pol, candidates=c["candidates"], time_limit=None)
    mentees = list(result.scorer.mentee_ids_)
    mentors = list(result.scorer.mentor_ids_)
    for _ in range(3):
        mentee = data.draw(st.sampled_from(mentees))
        mentor = data.draw(st.sampled_from(mentors))
        _check_against_lock(result, apps, pol, mentee, mentor, c["candidates"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(c=cohorts)
def test_margin_equals_a_match_with_the_pair_forbidden(c):
    apps, pol = _case(c)
    result = mm.match(apps, pol, candidates=c["candidates"], time_limit=None)
    pairs = result.pairs
    assert {"margin_pairs", "margin", "close_call"} <= set(pairs.columns)
    for _, row in pairs.iterrows():
        if row["reason"] == "locked":
            assert pd.isna(row["margin_pairs"]) and np.isnan(row["margin"])
            continue
        oracle = mm.match(
            apps,
            pol,
            forbidden=[(row["mentee_id"], row["mentor_id"])],
            candidates=c["candidates"],
            time_limit=None,
        )
        assert row["margin_pairs"] == len(pairs) - len(oracle.pairs)
        assert row["margin"] == pytest.approx(result.objective - oracle.objective, abs=TOL)
        lost_prio = _priority_matched(result, apps) - _priority_matched(oracle, apps)
        expect_close = (
            row["reason"] == "optimized"
            and row["margin_pairs"] == 0
            and lost_prio == 0
            and row["margin"] < pol.matching.close_call_margin
        )
        # the oracle's margin may sit within the resolution of the threshold
        if abs(row["margin"] - pol.matching.close_call_margin) > TOL:
            assert bool(row["close_call"]) == expect_close


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(c=cohorts, data=st.data())
def test_dense_and_candidate_paths_agree(c, data):
    apps, pol = _case(c)
    dense = mm.match(apps, pol, candidates=False, time_limit=None)
    cand = mm.match(apps, pol, candidates=True, time_limit=None)
    assert dense.objective == pytest.approx(cand.objective, abs=TOL)
    np.testing.assert_allclose(
        np.sort(dense.pairs["margin"].to_numpy(dtype=float)),
        np.sort(cand.pairs["margin"].to_numpy(dtype=float)),
        atol=TOL,
    )
    mentee = data.draw(st.sampled_from(list(dense.scorer.mentee_ids_)))
    mentor = data.draw(st.sampled_from(list(dense.scorer.mentor_ids_)))
    a, b = dense.why_not(mentee, mentor), cand.why_not(mentee, mentor)
    assert (a.allowed, a.rules, a.pairs_change, a.priority_change) == (
        b.allowed,
        b.rules,
        b.pairs_change,
        b.priority_change,
    )
    if a.score_change is not None:
        assert a.score_change == pytest.approx(b.score_change, abs=TOL)


# --------------------------------------------------------------------------- brute force


def _brute(scores, allowed, caps, forced, priority_people, pairs_first):
    """The lexicographic best matching by enumeration (tiny cohorts only)."""
    n, m = scores.shape
    best = None
    options = [[-1] + [j for j in range(m) if allowed[i, j]] for i in range(n)]
    for choice in itertools.product(*options):
        if any(choice[i] != j for i, j in forced):
            continue
        load = np.bincount([j for j in choice if j >= 0], minlength=m)
        if (load > caps).any():
            continue
        made = [(i, j) for i, j in enumerate(choice) if j >= 0]
        score = sum(scores[i, j] for i, j in made)
        prio = sum(priority_people[0][i] for i, _ in made) + sum(
            priority_people[1][j] for j in {j for _, j in made}
        )
        key = (len(made), prio, round(score, 6)) if pairs_first else (round(score, 6), prio)
        if best is None or key > best[0]:
            best = (key, len(made), score)
    return best


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    priority=st.sampled_from(["pairs_first", "score_first"]),
    cap=st.sampled_from([1, 2]),
    favor=st.booleans(),
    data=st.data(),
)
def test_why_not_equals_brute_force_on_tiny_cohorts(seed, priority, cap, favor, data):
    apps = mm.datasets.make_cohort(3, 4, seed=seed, request_rate=0.0, ineligible_rate=0.0)
    pol = _policy(priority, cap)
    pol = dc_replace(pol, matching=dc_replace(pol.matching, favor_previously_unmatched=favor))
    result = mm.match(apps, pol, candidates=False, time_limit=None)
    sc = result.scorer
    scores = result.scores.total.astype(np.float64)
    allowed = result.scores.allowed
    caps = np.minimum(
        apps.set_index("id").loc[list(sc.mentor_ids_), "capacity"].fillna(1).to_numpy(int), cap
    )
    prev = apps.set_index("id")["previously_unmatched"].fillna(False)
    if not pol.matching.favor_previously_unmatched:  # no preset favours them (issue 21)
        prev = prev & False
    people = (
        prev.loc[list(sc.mentee_ids_)].to_numpy(int),
        prev.loc[list(sc.mentor_ids_)].to_numpy(int),
    )
    base = _brute(scores, allowed, caps, [], people, priority == "pairs_first")
    assert len(result.pairs) == base[1]
    assert result.objective == pytest.approx(base[2], abs=TOL)
    i = data.draw(st.integers(0, len(sc.mentee_ids_) - 1))
    j = data.draw(st.integers(0, len(sc.mentor_ids_) - 1))
    w = result.why_not(sc.mentee_ids_[i], sc.mentor_ids_[j])
    if not allowed[i, j]:
        assert not w.allowed and w.pairs_change is None
        return
    forced = _brute(scores, allowed, caps, [(i, j)], people, priority == "pairs_first")
    if w.in_result:
        assert forced[0] == base[0]
        return
    assert w.pairs_change == forced[1] - base[1]
    assert w.score_change == pytest.approx(forced[2] - base[2], abs=TOL)


# --------------------------------------------------------------------------- the rest


@pytest.fixture(scope="module")
def cohort():
    apps = mm.datasets.make_cohort(30, 40, seed=1)
    return apps, mm.match(apps, "amcto")


def test_not_allowed_pairs_name_their_rules(cohort):
    apps, result = cohort
    unmatched = result.unmatched
    ineligible = unmatched[unmatched["reason"] == "membership"]["participant_id"].iloc[0]
    role = apps.set_index("id").loc[ineligible, "role"]
    other = result.scorer.mentor_ids_[0] if role == "mentee" else result.scorer.mentee_ids_[0]
    pair = (ineligible, other) if role == "mentee" else (other, ineligible)
    w = result.why_not(*pair)
    assert not w.allowed and f"{role}_ineligible" in w.rules
    assert w.pairs_change is None and w.changes.empty
    # staff forbid and the minimum score
    m0 = result.pairs.iloc[0]
    forbidding = mm.match(apps, "amcto", forbidden=[(m0["mentee_id"], m0["mentor_id"])])
    w = forbidding.why_not(m0["mentee_id"], m0["mentor_id"])
    assert not w.allowed and "forbidden" in w.rules
    strict = mm.match(apps, "amcto", min_score=0.6)
    low = strict.scores.total < 0.6
    i, j = np.argwhere(low & strict.scores.allowed)[0]
    w = strict.why_not(strict.scorer.mentee_ids_[i], strict.scorer.mentor_ids_[j])
    assert "min_score" in w.rules


def test_a_lock_conflict_is_an_answer_not_an_error(cohort):
    apps, _ = cohort
    r0 = mm.match(apps, "amcto")
    a, b = r0.pairs.iloc[0], r0.pairs.iloc[1]
    locked = mm.match(apps, "amcto", locked=[(a["mentee_id"], a["mentor_id"])])
    w = locked.why_not(a["mentee_id"], b["mentor_id"])  # the mentee is locked elsewhere
    if w.allowed:
        pytest.skip("pair not allowed by the rules in this cohort")
    assert "one_mentor_per_mentee" in w.rules
    assert w.pairs_change is None


def test_alternatives_are_the_best_why_nots(cohort):
    apps, result = cohort
    mentee = result.pairs["mentee_id"].iloc[3]
    alt = result.alternatives(mentee, k=3)
    assert list(alt.columns[:5]) == [
        "partner_id",
        "score",
        "pairs_change",
        "score_change",
        "priority_change",
    ]
    assert len(alt) == 3
    current = result.pairs.set_index("mentee_id").loc[mentee, "mentor_id"]
    assert current not in set(alt["partner_id"])
    # exhaustive oracle: why_not of every other mentor, ranked the same way
    everyone = []
    held = result.pairs[result.pairs["reason"] != "optimized"]["mentor_id"].value_counts()
    caps = apps.set_index("id")["capacity"].fillna(1).clip(upper=1)
    for mentor in result.scorer.mentor_ids_:
        if held.get(mentor, 0) >= caps[mentor]:
            continue  # its places are the staff's decisions (forced pairs)
        w = result.why_not(mentee, mentor)
        if w.pairs_change is not None and not w.in_result:
            everyone.append((w.pairs_change, w.priority_change, w.score_change, mentor))
    everyone.sort(key=lambda t: t[:3], reverse=True)
    expect = [t[2] for t in everyone[:3]]
    np.testing.assert_allclose(alt["score_change"].to_numpy(float), expect, atol=TOL)
    # a mentor's alternatives too
    mentor_alt = result.alternatives(current, k=2)
    assert len(mentor_alt) <= 2 and mentee not in set(mentor_alt["partner_id"])


def test_close_calls_are_counted_in_the_summary(cohort):
    _, result = cohort
    n = int(result.pairs["close_call"].sum())
    assert f"{n} close call" in result.summary()


def test_a_time_limited_result_says_its_numbers_are_not_proven(cohort):
    _, result = cohort
    ctx = dataclasses.replace(result._context, proven=False, _dual=None)
    limited = dataclasses.replace(result, _context=ctx)
    mentee = result.pairs["mentee_id"].iloc[0]
    mentor = result.pairs["mentor_id"].iloc[1]
    w = limited.why_not(mentee, mentor)
    if w.pairs_change is None:
        pytest.skip("pair not allowed")
    assert not w.proven and w.method == "re-solve" and "not proven" in w.detail
    assert w.score_change == pytest.approx(result.why_not(mentee, mentor).score_change, abs=TOL)


def test_bad_arguments_are_parameter_errors(cohort):
    _, result = cohort
    with pytest.raises(mm.ParameterError, match=r"'mentee_id' parameter of MatchResult\.why_not"):
        result.why_not("nobody", result.scorer.mentor_ids_[0])
    with pytest.raises(mm.ParameterError, match=r"'k' parameter of MatchResult\.alternatives"):
        result.alternatives(result.scorer.mentor_ids_[0], k=0)


def test_close_call_margin_is_a_checked_policy_setting():
    with pytest.raises(Exception, match="close_call_margin"):
        dataclasses.replace(mm.policies.AMCTO.matching, close_call_margin=-1)
    pol = dataclasses.replace(
        mm.policies.AMCTO,
        matching=dataclasses.replace(mm.policies.AMCTO.matching, close_call_margin=0.5),
    )
    assert "close_call_margin = 0.5" in pol.to_toml()


def test_cli_explain_prints_why_not_and_alternatives(capsys, tmp_path):
    from mentormatch.cli import EXIT_BAD_INPUT, EXIT_OK, main

    apps = mm.datasets.make_cohort(30, 40, seed=1)
    path = tmp_path / "apps.csv"
    apps.to_csv(path, index=False)
    result = mm.match(apps, "amcto")
    mentee = result.pairs["mentee_id"].iloc[0]
    mentor = result.pairs["mentor_id"].iloc[1]
    w = result.why_not(mentee, mentor)
    code = main(["explain", str(path), "--policy", "amcto", "--mentee", mentee, "--mentor", mentor])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert w.detail in out
    if w.pairs_change is not None:
        assert f"{w.pairs_change:+d} pairs, {w.score_change:+.4f} total score" in out
    code = main(["explain", str(path), "--policy", "amcto", "--mentee", mentee, "-k", "2"])
    out = capsys.readouterr().out
    alt = result.alternatives(mentee, k=2)
    assert code == EXIT_OK and "Best other partners (2)" in out
    assert all(p in out for p in alt["partner_id"])
    assert main(["explain", str(path), "--policy", "amcto"]) == EXIT_BAD_INPUT
    assert "needs --mentee" in capsys.readouterr().err


def test_margins_of_large_results_keep_close_calls_exact(monkeypatch, cohort):
    """Above MARGIN_CELLS only the close calls' margins are computed; the flags stay exact."""
    from mentormatch.matching import _whynot

    apps, result = cohort
    exact = result.pairs
    assert result.stats["margins"] == "exact"
    monkeypatch.setattr(_whynot, "MARGIN_CELLS", 0)
    big = mm.match(apps, "amcto")
    assert big.pairs["close_call"].isna().all()  # too large to compute on first access
    assert "result.margins() computes them" in big.summary()
    stopped = big.margins()
    assert big.stats["margins"] == "close calls"
    assert stopped is big.pairs
    assert (stopped["close_call"] == exact["close_call"]).all()
    known = stopped["margin"].notna()
    assert known[exact["close_call"].astype(bool)].all()
    np.testing.assert_allclose(stopped["margin"][known], exact["margin"][known], atol=TOL)
    unknown = ~known & (exact["reason"] == "optimized")
    assert (exact["margin"][unknown] >= big.policy.matching.close_call_margin - TOL).all()
    monkeypatch.setattr(_whynot, "MARGIN_RESOLVES", 0)
    cand = mm.match(apps, "amcto", candidates=True)
    assert cand.margins()["margin"].isna().all() and cand.pairs["close_call"].isna().all()
    assert cand.stats["margins"] == "not computed"
    assert "Close calls: not computed" in cand.summary()
