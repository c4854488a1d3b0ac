"""The candidate path (national-size cohorts) against the dense path.

The candidate path never builds the score matrix: it keeps each person's best
partners, block by block, and certifies the answer for every pair with a
pricer. Where both paths run they must agree: same proven optimum, valid
results, the same people accounted for. The candidate lists are made tiny here
(k = 1, no reserve) so that the pricer and the deepening of rows do real work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch.candidates import build_candidates
from mentormatch.matching import _pipeline as _match
from mentormatch.scoring import PairScorer
from test_match import check_result

POLICIES = ["amcto", "ama", "3cma", "ltb"]


@contextmanager
def tiny_candidates(k: int = 1, reserve: int = 0) -> Iterator[None]:
    with (
        mock.patch.object(_match, "CANDIDATES_K", k),
        mock.patch.object(_match, "CANDIDATES_RESERVE", reserve),
    ):
        yield


def both_paths(apps, policy, **kwargs):  # type: ignore[no-untyped-def]
    dense = mm.match(apps, policy, candidates=False, **kwargs)
    with tiny_candidates():
        cand = mm.match(apps, policy, candidates=True, **kwargs)
    return dense, cand


def assert_agree(dense: mm.MatchResult, cand: mm.MatchResult, apps) -> None:  # type: ignore[no-untyped-def]
    records = apps.to_dict("records") if hasattr(apps, "to_dict") else apps
    check_result(dense, records)
    check_result(cand, records)
    assert dense.stats["path"] == "dense" and cand.stats["path"] == "candidates"
    assert dense.status == cand.status == "OPTIMAL"
    assert cand.scores is None
    # Both proven optimal: the same number of pairs and the same total score, up
    # to the integer resolution of the scores (1e-6 a pair at these sizes; the
    # dense path keeps integral scores exact).
    assert len(cand.pairs) == len(dense.pairs)
    assert cand.stats["solver"]["resolution"] <= 1e-6
    assert cand.objective == pytest.approx(dense.objective, abs=1e-6 * len(dense.pairs) + 1e-9)
    # Every chosen pair is allowed by the rules, with the dense matrix's score.
    sm = dense.scores
    for frame in (dense.pairs, cand.pairs):
        i = sm.mentee_ids.get_indexer(frame["mentee_id"])
        j = sm.mentor_ids.get_indexer(frame["mentor_id"])
        forced = frame["reason"] != "optimized"
        assert sm.allowed[i, j][~forced.to_numpy()].all()
        np.testing.assert_array_equal(frame["score"].to_numpy(), sm.total[i, j].astype(np.float64))
    # Ineligible people get the same reasons; the matched counts per role agree.
    d_un = dense.unmatched.set_index("participant_id")
    c_un = cand.unmatched.set_index("participant_id")
    assert sorted(d_un.index) == sorted(c_un.index) or len(d_un) == len(c_un)
    elig_codes = set(
        mm.check_eligibility(apps, dense.policy).explode("reasons")["reasons"].dropna()
    )
    d_inel = d_un[d_un["reason"].isin(elig_codes)]
    c_inel = c_un[c_un["reason"].isin(elig_codes)]
    assert d_inel["reason"].sort_index().equals(c_inel["reason"].sort_index())


@settings(max_examples=25)
@given(
    n_mentors=st.integers(1, 40),
    n_mentees=st.integers(1, 40),
    policy=st.sampled_from(POLICIES),
    seed=st.integers(0, 10_000),
    min_score=st.one_of(st.none(), st.floats(0.0, 0.6)),
    max_pairs=st.one_of(st.none(), st.integers(0, 30)),
)
def test_candidate_path_agrees_with_dense(
    n_mentors: int,
    n_mentees: int,
    policy: str,
    seed: int,
    min_score: float | None,
    max_pairs: int | None,
) -> None:
    apps = mm.datasets.make_cohort(
        n_mentors=n_mentors, n_mentees=n_mentees, policy=policy, seed=seed
    )
    dense, cand = both_paths(apps, policy, min_score=min_score, max_pairs=max_pairs)
    assert_agree(dense, cand, apps)


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000), data=st.data())
def test_candidate_path_agrees_with_locks_and_forbidden(seed: int, data: st.DataObject) -> None:
    apps = mm.datasets.make_cohort(n_mentors=25, n_mentees=30, policy="amcto", seed=seed)
    dense0 = mm.match(apps, "amcto", candidates=False)
    sm = dense0.scores
    allowed = np.argwhere(sm.allowed)
    if len(allowed) < 4:
        return
    picks = data.draw(
        st.lists(st.integers(0, len(allowed) - 1), min_size=2, max_size=6, unique=True)
    )
    pairs = [(str(sm.mentee_ids[i]), str(sm.mentor_ids[j])) for i, j in allowed[picks]]
    # One pair locked, the others forbidden (unless they clash with the lock).
    lock = pairs[0]
    forbid = [p for p in pairs[1:] if lock[0] != p[0] and lock[1] != p[1]]
    dense, cand = both_paths(apps, "amcto", locked=[lock], forbidden=forbid)
    assert_agree(dense, cand, apps)
    matched = set(zip(cand.pairs["mentee_id"], cand.pairs["mentor_id"], strict=True))
    assert lock in matched
    assert matched.isdisjoint(forbid)


def test_candidate_path_with_capacity() -> None:
    apps = mm.datasets.make_cohort(n_mentors=15, n_mentees=40, policy="amcto", seed=7)
    apps["capacity"] = np.resize([1, 2, 3], len(apps))
    from dataclasses import replace

    policy = replace(
        mm.policies.AMCTO, matching=replace(mm.policies.AMCTO.matching, capacity_cap=3)
    )
    dense, cand = both_paths(apps, policy)
    assert_agree(dense, cand, apps)
    assert cand.pairs["mentor_id"].value_counts().max() > 1


def test_candidate_path_is_deterministic_and_explains() -> None:
    apps = mm.datasets.make_cohort(n_mentors=30, n_mentees=30, policy="3cma", seed=11)
    with tiny_candidates():
        a = mm.match(apps, "3cma", candidates=True)
        b = mm.match(apps, "3cma", candidates=True)
    assert a.pairs.equals(b.pairs)
    row = a.pairs.iloc[0]
    table = a.explain(row["mentee_id"], row["mentor_id"])
    assert table.loc["total", "contribution"] == pytest.approx(row["score"], abs=1e-6)


def test_auto_switches_path_on_size() -> None:
    apps = mm.datasets.make_cohort(n_mentors=20, n_mentees=20, seed=1)
    assert mm.match(apps, "amcto").stats["path"] == "dense"
    with mock.patch.object(_match, "CANDIDATE_THRESHOLD", 100):
        assert mm.match(apps, "amcto").stats["path"] == "candidates"
    with pytest.raises(ValueError, match="'candidates' parameter"):
        mm.match(apps, "amcto", candidates="yes")


@settings(max_examples=20)
@given(
    n_mentors=st.integers(1, 30),
    n_mentees=st.integers(1, 30),
    k=st.integers(1, 5),
    reserve=st.integers(0, 6),
    seed=st.integers(0, 10_000),
)
def test_candidate_bounds_hold(
    n_mentors: int, n_mentees: int, k: int, reserve: int, seed: int
) -> None:
    """Every allowed pair left out scores at most min(t_i, t'_j): the bound the pricer uses."""
    apps = mm.datasets.make_cohort(n_mentors=n_mentors, n_mentees=n_mentees, seed=seed)
    scorer = PairScorer("amcto")._fit(apps, func="test")
    graph = build_candidates(scorer, k=k, reserve=reserve, forbidden=[], min_score=None, forced=[])
    block = scorer.score_block()
    listed = np.zeros(scorer.shape, dtype=bool)
    listed[graph.rows, graph.cols] = True
    listed[graph.reserve_rows, graph.reserve_cols] = True
    assert block.allowed[graph.rows, graph.cols].all()
    np.testing.assert_array_equal(graph.scores, block.total[graph.rows, graph.cols])
    # Each row's and column's k best allowed pairs are in the graph.
    masked = np.where(block.allowed, block.total, -np.inf)
    for i in range(scorer.shape[0]):
        n_ok = int(block.allowed[i].sum())
        in_graph = np.zeros(scorer.shape[1], dtype=bool)
        in_graph[graph.cols[graph.rows == i]] = True
        assert in_graph.sum() >= min(k, n_ok)
        if n_ok:
            kth = np.sort(masked[i][block.allowed[i]])[::-1][min(k, n_ok) - 1]
            assert (masked[i][~in_graph] <= kth).all()
    left_out = block.allowed & ~listed
    bound = np.minimum(graph.row_kth[:, None], graph.col_kth[None, :])
    assert (block.total[left_out] <= bound[left_out]).all()
    # The unmatched-reason counts match the dense matrix.
    np.testing.assert_array_equal(graph.n_rule[0], block.allowed.sum(axis=1))
    np.testing.assert_array_equal(graph.n_rule[1], block.allowed.sum(axis=0))


def test_candidate_path_time_limit_reports_an_honest_gap() -> None:
    """Stopped before the certificate closes: FEASIBLE, and the bound is a real bound."""
    apps = mm.datasets.make_cohort(n_mentors=60, n_mentees=60, policy="amcto", seed=5)
    dense = mm.match(apps, "amcto", candidates=False)
    with tiny_candidates():
        # A deadline already passed: the pricer stops after its first block of lines.
        stopped = mm.match(apps, "amcto", candidates=True, time_limit=1e-9)
    check_result(stopped, apps.to_dict("records"))
    if stopped.status == "OPTIMAL":  # the first graph happened to be certified at once
        assert stopped.objective == pytest.approx(dense.objective, abs=1e-4)
    else:
        assert stopped.status == "FEASIBLE"
        assert stopped.objective <= dense.objective + 1e-9
        assert stopped.best_bound >= dense.objective - 1e-6  # never below the true optimum
        # The pairs tier bounds how many more pairs the optimum can have, and the
        # score bound follows from it (each pair scores at most 1).
        extra = stopped.stats["solver"]["gap_pairs"]
        assert len(dense.pairs) - len(stopped.pairs) <= extra
        assert stopped.best_bound <= len(stopped.pairs) + extra + 1e-6
        # Sharper: no pair scores above its mentee's best, nor the optimum above
        # the best scores of as many mentees.
        best = np.sort(np.where(dense.scores.allowed, dense.scores.total, -np.inf).max(axis=1))
        assert stopped.best_bound <= best[::-1][: len(stopped.pairs) + extra].sum() + 1e-6
        # And no more than the mentees who could have a partner at all.
        possible = int((dense.scores.allowed.any(axis=1)).sum())
        assert len(stopped.pairs) + extra <= possible


@settings(max_examples=8)
@given(seed=st.integers(0, 10_000), policy=st.sampled_from(POLICIES))
def test_candidate_path_agrees_with_quality_first(seed: int, policy: str) -> None:
    from dataclasses import replace

    base = mm.get_policy(policy)
    quality = replace(base, matching=replace(base.matching, priority="score_first"))
    apps = mm.datasets.make_cohort(n_mentors=25, n_mentees=30, policy=policy, seed=seed)
    dense, cand = both_paths(apps, quality, min_score=0.1)
    assert_agree(dense, cand, apps)


def test_candidate_path_reports_progress_by_stage() -> None:
    """Long runs report (stage, fraction): the scan block by block, then each round."""
    from mentormatch.candidates import _scan as _candidates

    apps = mm.datasets.make_cohort(n_mentors=150, n_mentees=150, policy="amcto", seed=2)
    seen: list[tuple[str, float]] = []
    with tiny_candidates(), mock.patch.object(_candidates, "BLOCK_CELLS", 16 * 150):
        result = mm.match(apps, "amcto", candidates=True, progress=lambda s, f: seen.append((s, f)))
    assert result.status == "OPTIMAL"
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and seen[-1] == ("done", 1.0)
    scan = [f for s, f in seen if s == "finding candidates"]
    assert len(scan) >= 5  # one update per block of 16 mentees
    assert scan[-1] == pytest.approx(0.8)
    stages = list(dict.fromkeys(s for s, _ in seen))
    assert stages.index("finding candidates") < stages.index("certifying") < stages.index("done")


@pytest.mark.parametrize("policy", POLICIES)
def test_candidate_path_exception_lines_keep_the_certificate(policy: str) -> None:
    """The lines of the other side whose dual dropped most are scored again in full
    (exceptions) so that the other lines stay certified by their bound: the
    certificate still holds, and the answer is the dense path's."""
    apps = mm.datasets.make_cohort(n_mentors=120, n_mentees=130, policy=policy, seed=11)
    dense, cand = both_paths(apps, policy)
    assert_agree(dense, cand, apps)
    pricing = cand.stats["candidate_graph"]["pricing"]
    assert any(r or c for r, c in pricing["exceptions"])  # the case is exercised
