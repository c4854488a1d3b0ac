"""The compiled checks and weights of a dense matrix equal numpy's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch.solver import _assignment, _problem
from mentormatch.solver._prep import dense_weights, scan_dense
from mentormatch.solver._weights import WeightScale


def _matrix(seed: int, n: int, m: int, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "ints":
        s = rng.integers(-50, 1000, (n, m)).astype(np.float64)
    elif kind == "halves":  # ties at .5 exercise round-half-to-even
        s = rng.integers(-20, 20, (n, m)) / 2.0
    else:
        s = rng.random((n, m)) * rng.choice([1e-3, 1.0, 1e6])
    s[rng.random((n, m)) < 0.1] = np.nan
    return s


def _numpy_scan(s, allowed, min_score):
    ok = ~np.isnan(s)
    if allowed is not None:
        ok &= allowed
    if min_score is not None:
        with np.errstate(invalid="ignore"):
            ok &= s >= min_score
    lo = float(np.min(s, where=ok, initial=np.inf))
    hi = float(np.max(s, where=ok, initial=-np.inf))
    integral = bool(np.all(np.equal(s, np.round(s)), where=ok))
    return ok, lo, hi, integral


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 30),
    m=st.integers(1, 30),
    kind=st.sampled_from(["ints", "halves", "floats"]),
    with_allowed=st.booleans(),
    min_score=st.sampled_from([None, 0.0, 0.3, 0.1 + 1e-9, 500.0]),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_scan_equals_numpy(seed, n, m, kind, with_allowed, min_score, dtype):
    s = _matrix(seed, n, m, kind).astype(dtype)
    allowed = np.random.default_rng(seed + 1).random((n, m)) < 0.8 if with_allowed else None
    ok, has_inf, lo, hi, integral = scan_dense(s, allowed, min_score)
    ok2, lo2, hi2, integral2 = _numpy_scan(s, allowed, min_score)
    assert not has_inf
    np.testing.assert_array_equal(ok, ok2)
    assert (lo, hi) == (lo2, hi2)
    if ok2.any():
        assert integral == integral2


def test_scan_finds_infinity():
    s = np.zeros((3, 3))
    s[2, 1] = -np.inf
    assert scan_dense(s, None, None)[1]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 25),
    m=st.integers(1, 25),
    kind=st.sampled_from(["ints", "halves", "floats"]),
    priority=st.sampled_from(["pairs_first", "score_first"]),
    maximize=st.booleans(),
    prio=st.sampled_from(["none", "rows", "cols", "both"]),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_weights_equal_numpy(seed, n, m, kind, priority, maximize, prio, dtype):
    rng = np.random.default_rng(seed)
    s = _matrix(seed, n, m, kind).astype(dtype)
    ok = ~np.isnan(s)
    row_free = rng.random(n) < 0.9
    col_open = rng.random(m) < 0.9
    rp = (rng.random(n) < 0.3) if prio in ("rows", "both") else None
    cp = (rng.random(m) < 0.3) if prio in ("cols", "both") else None
    has_prio = prio != "none"
    scale = WeightScale.build(
        s,
        where=ok,
        maximize=maximize,
        priority=priority,
        has_priority=has_prio,
        max_pairs=min(n, m),
        n_nodes=n + m + 2,
        resolution=None,
    )
    got = dense_weights(s, ok, row_free, col_open, scale, rp, cp)
    pr = None
    if has_prio:
        a = rp.astype(np.int64) if rp is not None else np.zeros(n, np.int64)
        b = cp.astype(np.int64) if cp is not None else np.zeros(m, np.int64)
        pr = a[:, None] + b[None, :]
    with np.errstate(invalid="ignore"):
        want = scale.weights(s, pr)
    want[~(ok & row_free[:, None] & col_open[None, :])] = 0
    np.maximum(want, 0, out=want)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["ints", "floats"])
@pytest.mark.parametrize("priority", ["pairs_first", "score_first"])
def test_solve_assignment_same_answer_either_way(monkeypatch, kind, priority, dtype):
    """Above MIN_CELLS (compiled passes) and below it (numpy): the same pairs and proof."""
    s = _matrix(7, 120, 90, kind).astype(dtype)
    allowed = np.random.default_rng(8).random(s.shape) < 0.9
    row_prio = np.random.default_rng(9).random(120) < 0.2
    kwargs = dict(allowed=allowed, min_score=0.3, priority=priority, row_priority=row_prio)
    monkeypatch.setattr(_assignment, "MIN_CELLS", 1)
    monkeypatch.setattr(_problem, "MIN_CELLS", 1)
    fast = mm.solve_assignment(s, **kwargs)
    monkeypatch.setattr(_assignment, "MIN_CELLS", 10**12)
    monkeypatch.setattr(_problem, "MIN_CELLS", 10**12)
    slow = mm.solve_assignment(s, **kwargs)
    assert fast.status == slow.status == "OPTIMAL"
    np.testing.assert_array_equal(fast.pairs, slow.pairs)
    assert fast.objective == slow.objective
    assert fast.stats["resolution"] == slow.stats["resolution"]


def test_float32_min_score_compared_as_numpy_does():
    """A float32 score equal to min_score once rounded to float32 is allowed, as in numpy."""
    s = np.full((2, 2), np.float32(0.1), dtype=np.float32)
    min_score = 0.1000000016  # above float32(0.1) = 0.10000000149..., rounds to it
    want = _numpy_scan(s, None, min_score)[0]
    assert want.all()
    np.testing.assert_array_equal(scan_dense(s, None, min_score)[0], want)
