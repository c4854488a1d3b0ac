"""The dense JV path of solve_assignment: its answers against scipy, its proof against wrong answers.

Oracles: ``scipy.optimize.linear_sum_assignment`` (a different algorithm and
code), OR-Library's published optima, and the flow path of the same function
(JV switched off).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linear_sum_assignment

import mentormatch as mm
from mentormatch.solver import _jv
from mentormatch.solver._jv import certify, lap_dense
from test_solver import lsa_pairs_first
from validators import validate_assignment

ORLIB = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "orlib"


@st.composite
def cost_matrices(draw):
    n = draw(st.integers(1, 9))
    m = draw(st.integers(n, 12))
    high = draw(st.sampled_from([1, 3, 20, 10**6]))
    return draw(arrays(np.int64, (n, m), elements=st.integers(-high, high)))


@settings(max_examples=300, deadline=None)
@given(cost_matrices())
def test_lap_dense_is_optimal_and_proven(cost):
    col, u, v = lap_dense(cost)
    n = len(cost)
    assert len(np.unique(col)) == n and col.min() >= 0 and col.max() < cost.shape[1]
    r, c = linear_sum_assignment(cost)
    assert cost[np.arange(n), col].sum() == cost[r, c].sum()
    assert certify(cost, col, u, v)


@settings(max_examples=200, deadline=None)
@given(cost_matrices(), st.data())
def test_the_proof_rejects_what_is_not_optimal(cost, data):
    col, u, v = lap_dense(cost)
    n, m = cost.shape
    # another assignment that costs more is never certified with any dual
    other = np.array(data.draw(st.permutations(range(m)))[:n], dtype=np.int64)
    if cost[np.arange(n), other].sum() > cost[np.arange(n), col].sum():
        assert not certify(cost, other, u, v)
    # a dual nudged up somewhere breaks feasibility or the equalities
    i = data.draw(st.integers(0, n - 1))
    bumped = u.copy()
    bumped[i] += 1
    assert not certify(cost, col, bumped, v)
    # rectangular: a free column must keep a zero price
    if m > n:
        free = np.setdiff1d(np.arange(m), col)[0]
        lowered = v.copy()
        lowered[free] -= 1
        assert not certify(cost, col, u, lowered)


def test_the_proof_rejects_an_assignment_that_is_not_one():
    """Two rows on one column, or a column out of range, is never certified."""
    cost = np.zeros((3, 4), dtype=np.int64)  # every assignment costs 0: any dual is tight
    u, v = np.zeros(3, np.int64), np.zeros(4, np.int64)
    assert certify(cost, np.array([0, 1, 2]), u, v)
    assert not certify(cost, np.array([0, 0, 2]), u, v)
    assert not certify(cost, np.array([0, 1, 4]), u, v)
    assert not certify(cost, np.array([-1, 1, 2]), u, v)


def test_orlib_instances_have_their_known_optima():
    optima = {100: 305, 200: 475, 300: 626, 400: 804}
    for n, best in optima.items():
        with gzip.open(ORLIB / f"assign{n}.txt.gz", "rt") as f:
            values = f.read().split()
        costs = np.array(values[1 : 1 + n * n], dtype=float).reshape(n, n)
        res = mm.solve_assignment(costs, maximize=False)
        validate_assignment(res, costs)
        assert res.stats["method"] == "jv"
        assert (res.status, res.objective, res.best_bound) == ("OPTIMAL", best, best)


@st.composite
def dense_problems(draw):
    n = draw(st.integers(1, 10))
    m = draw(st.integers(1, 10))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((n, m)) * draw(st.sampled_from([1.0, 10.0])), 3)
    allowed = rng.random((n, m)) < draw(st.sampled_from([1.0, 0.7, 0.3]))
    caps = rng.integers(1, 3, size=m) if draw(st.booleans()) else None
    return scores, allowed, caps


def _solve_both(scores, allowed, caps, monkeypatch, **kw):
    jv = mm.solve_assignment(scores, capacities=caps, allowed=allowed, **kw)
    with monkeypatch.context() as patch:
        patch.setattr(_jv, "MAX_CELLS", 0)  # the flow path, on the same problem
        flow = mm.solve_assignment(scores, capacities=caps, allowed=allowed, **kw)
    assert flow.stats["method"] in ("flow", "none")  # none: no pair can be made at all
    return jv, flow


@settings(max_examples=150, deadline=None)
@given(dense_problems())
def test_solve_assignment_by_jv_equals_the_flow_path_and_lsa(problem):
    scores, allowed, caps = problem
    mp = pytest.MonkeyPatch()
    try:
        jv, flow = _solve_both(scores, allowed, caps, mp)
    finally:
        mp.undo()
    validate_assignment(jv, scores, capacities=caps, allowed=allowed)
    assert jv.status == flow.status == "OPTIMAL"
    assert jv.n_pairs == flow.n_pairs
    assert jv.objective == pytest.approx(flow.objective, abs=1e-9)
    if caps is None:  # LSA's answer for "most pairs, then best total"
        n_pairs, total = lsa_pairs_first(scores, allowed)
        assert (jv.n_pairs, jv.objective) == (n_pairs, pytest.approx(total, abs=1e-9))


def test_jv_is_used_where_it_applies_and_not_elsewhere():
    rng = np.random.default_rng(5)
    scores = rng.random((30, 40))
    assert mm.solve_assignment(scores).stats["method"] == "jv"
    assert mm.solve_assignment(scores.T).stats["method"] == "jv"  # more rows than columns
    assert mm.solve_assignment(scores, forced=[(0, 0)]).stats["method"] == "jv"
    assert mm.solve_assignment(scores, priority="score_first").stats["method"] == "jv"
    # pairs not worth making (score_first, negative scores) are left out as unmatched
    signed = scores - 0.5
    res = mm.solve_assignment(signed, priority="score_first")
    assert res.stats["method"] == "jv" and (signed[tuple(res.pairs.T)] > 0).all()
    r, c = linear_sum_assignment(np.maximum(signed, 0), maximize=True)
    assert res.objective == pytest.approx(np.maximum(signed, 0)[r, c].sum())
    # a binding limit on pairs, or a time limit JV could not be expected to meet
    assert mm.solve_assignment(scores, max_pairs=10).stats["method"] == "flow"
    assert mm.solve_assignment(scores, time_limit=1e-9).stats["method"] == "flow"
    # and the answers agree with LSA where it applies
    res = mm.solve_assignment(scores, forced=[(0, 0)])
    rest_r, rest_c = linear_sum_assignment(scores[1:, 1:], maximize=True)
    assert res.objective == pytest.approx(scores[0, 0] + scores[1:, 1:][rest_r, rest_c].sum())


def test_column_slots_follow_the_capacities():
    # caps [0, 2]: two slots, both of column 1 (as many slots as columns, not the columns)
    scores = np.zeros((4, 2))
    allowed = np.array([[False, True], [False, True], [False, True], [True, False]])
    res = mm.solve_assignment(scores, capacities=[0, 2], allowed=allowed, maximize=False)
    assert res.stats["method"] == "jv"
    validate_assignment(res, scores, allowed=allowed, capacities=[0, 2])
    assert res.n_pairs == 2 and set(res.pairs[:, 1]) == {1}
