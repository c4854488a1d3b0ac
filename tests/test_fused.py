"""The compiled kernels of the candidate path against plain numpy.

* The fused block (every built-in feature, the rules, staff-forbidden pairs
  and the minimum score in one pass) gives *bit for bit* the totals, counts
  and bests of :meth:`PairScorer.score_block` filtered in numpy, on cohorts
  with blanks, for any weights and any block.
* Row selection and the column heaps give the largest entries, as a sort does.
* The pricing prefilter lets through every pair whose exact slack is positive.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch.candidates._pricer import _offsets
from mentormatch.candidates._scan import BlockSource
from mentormatch.candidates._topk import (
    ColumnHeaps,
    above_threshold,
    near_tight,
    pairs_above,
    select_rows,
)
from mentormatch.scoring import BUILTIN_EXTRACTORS, PairScorer
from mentormatch.scoring._fused import BlockStats, FusedBlocks
from mentormatch.solver import Pricing, WeightScale

FEATURES = sorted(BUILTIN_EXTRACTORS)


def _blank(apps: pd.DataFrame, rng: np.random.Generator, rate: float) -> pd.DataFrame:
    """Blank a share of the scoring cells (no information on one side)."""
    apps = apps.copy()
    n = len(apps)
    for col, empty in (
        ("goals", ""),
        ("skills", []),
        ("interests", []),
        ("region", None),
        ("community_size", None),
        ("years_experience", None),
        ("career_stage", None),
    ):
        if col not in apps.columns:
            continue
        hit = rng.random(n) < rate
        if isinstance(empty, list):
            apps[col] = [[] if h else v for h, v in zip(hit, apps[col], strict=True)]
        else:
            apps[col] = apps[col].astype(object).where(~hit, empty)
    return apps


def _equal(a: BlockStats, b: BlockStats) -> None:
    for name in BlockStats.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        assert x.dtype.kind == y.dtype.kind, name
        if x.dtype.kind == "f":
            # Bit for bit: the same float32 operations in the same order.
            np.testing.assert_array_equal(
                x.view(np.int32 if x.itemsize == 4 else np.int64),
                y.view(np.int32 if y.itemsize == 4 else np.int64),
                err_msg=name,
            )
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)


@settings(max_examples=30, deadline=None)
@given(
    policy=st.sampled_from(["amcto", "ama", "3cma", "ltb"]),
    seed=st.integers(0, 10_000),
    blank=st.sampled_from([0.0, 0.2, 0.6]),
    features=st.lists(st.sampled_from(FEATURES), min_size=1, max_size=7, unique=True),
    data=st.data(),
)
def test_fused_block_is_score_block_bit_for_bit(
    policy: str, seed: int, blank: float, features: list[str], data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    apps = mm.datasets.make_cohort(n_mentors=40, n_mentees=50, policy=policy, seed=seed)
    if policy == "ama":  # two parts of experience: years and career stage
        apps["years_experience"] = rng.integers(0, 30, len(apps))
    apps = _blank(apps, rng, blank)
    weights = {f: data.draw(st.floats(0.05, 1.0), label=f) for f in features}
    for f in features:  # a feature whose columns the cohort lacks cannot be scored
        if f == "community_size" and "community_size" not in apps.columns:
            apps["community_size"] = rng.integers(100, 10**6, len(apps))
        if f == "experience" and "years_experience" not in apps.columns:
            apps["years_experience"] = rng.integers(0, 30, len(apps))
    scorer = PairScorer(policy=policy, weights=weights).fit(apps)
    n_rows, n_cols = scorer.shape
    forbidden = [
        (int(i), int(j))
        for i, j in zip(rng.integers(0, n_rows, 8), rng.integers(0, n_cols, 8), strict=True)
    ]
    min_score = data.draw(st.sampled_from([None, 0.0, 0.3, 0.6]), label="min_score")
    source = BlockSource(scorer, forbidden, min_score)
    assert source.fused is not None
    for _ in range(3):  # any blocks, columns in any order, a row twice
        rows = rng.choice(n_rows, size=rng.integers(1, n_rows + 1), replace=True)
        cols = rng.permutation(n_cols)[: rng.integers(1, n_cols + 1)]
        expected = source.numpy_block(rows, cols)
        _equal(source.fused.block(rows, cols), expected)
        # Without the counts (the pricer's rescoring): the same masked totals.
        bare = source.fused.block(rows, cols, counts=False).masked
        np.testing.assert_array_equal(bare.view(np.int32), expected.masked.view(np.int32))


def test_fused_block_on_the_whole_matrix_matches_the_dense_scores() -> None:
    apps = mm.datasets.make_cohort(n_mentors=120, n_mentees=150, policy="amcto", seed=3)
    scorer = PairScorer(policy="amcto").fit(apps)
    full = scorer.score_block()
    st_ = FusedBlocks(scorer, [], None).block(np.arange(150), np.arange(120))
    expected = np.where(full.allowed, full.total, np.float32(-np.inf))
    np.testing.assert_array_equal(st_.masked.view(np.int32), expected.view(np.int32))
    np.testing.assert_array_equal(st_.row_rule, full.allowed.sum(axis=1))
    np.testing.assert_array_equal(st_.col_rule, full.allowed.sum(axis=0))


class _Constant:
    """A user's own feature: not one the kernel knows."""

    def fit(self, mentees, mentors, *, policy=None):  # type: ignore[no-untyped-def]
        self.shape = (len(mentees), len(mentors))
        return self

    def score(self, rows=None, cols=None):  # type: ignore[no-untyped-def]
        return np.full((len(rows), len(cols)), 0.25, dtype=np.float32)


def test_a_users_feature_falls_back_to_numpy() -> None:
    apps = mm.datasets.make_cohort(n_mentors=30, n_mentees=30, policy="amcto", seed=1)
    scorer = PairScorer(
        policy="amcto", weights={"goals": 1.0, "mine": 1.0}, extractors={"mine": _Constant()}
    ).fit(apps)
    source = BlockSource(scorer, [], None)
    assert source.fused is None
    rows, cols = np.arange(30), np.arange(30)
    block = scorer.score_block(rows, cols)
    got = source.block(rows, cols)
    np.testing.assert_array_equal(got.masked, np.where(block.allowed, block.total, -np.inf))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 30),
    m=st.integers(1, 300),
    depth=st.integers(1, 40),
    levels=st.integers(1, 50),
    seed=st.integers(0, 10_000),
)
def test_select_rows_is_a_sort(n: int, m: int, depth: int, levels: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Few distinct values (many ties), some -inf, values in [0, 1].
    masked = (rng.integers(0, levels + 1, (n, m)) / levels).astype(np.float32)
    masked[rng.random((n, m)) < 0.3] = -np.inf
    idx, val = select_rows(masked, depth)
    want = -np.sort(-masked, axis=1)[:, :depth]
    pad = np.full((n, max(0, depth - m)), -np.inf, dtype=np.float32)
    np.testing.assert_array_equal(val, np.hstack([want, pad]))
    for i in range(n):
        got = idx[i][val[i] > -np.inf]
        assert len(set(got.tolist())) == len(got)  # each entry once
        np.testing.assert_array_equal(masked[i, got], val[i][val[i] > -np.inf])
        assert (idx[i][val[i] == -np.inf] == -1).all()


@settings(max_examples=40, deadline=None)
@given(
    blocks=st.integers(1, 5),
    m=st.integers(1, 60),
    depth=st.integers(1, 30),
    seed=st.integers(0, 10_000),
    tile=st.sampled_from([1, 2, 3, 256]),
)
def test_column_heaps_keep_each_columns_best(
    blocks: int, m: int, depth: int, seed: int, tile: int
) -> None:
    from mentormatch.candidates import _topk

    rng = np.random.default_rng(seed)
    heaps = ColumnHeaps(m, depth, threads=2)
    parts = []
    for b in range(blocks):
        nr = int(rng.integers(1, 40))
        masked = (rng.integers(0, 20, (nr, m)) / 19).astype(np.float32)
        masked[rng.random((nr, m)) < 0.3] = -np.inf
        with mock.patch.object(_topk, "_TILE", tile):  # several tiles per chunk of columns
            heaps.push(masked, np.arange(nr) + 1000 * b)
        parts.append((masked, np.arange(nr) + 1000 * b))
    full = np.vstack([p for p, _ in parts])
    row_ids = np.concatenate([r for _, r in parts])
    rows, vals = heaps.sorted()
    want_rows, want_vals = _columns_best(full, row_ids, depth)
    np.testing.assert_array_equal(vals, want_vals)
    np.testing.assert_array_equal(rows, want_rows)  # ties by row: exactly these entries
    np.testing.assert_array_equal(heaps.root, vals[:, -1])


def _columns_best(full: np.ndarray, row_ids: np.ndarray, depth: int) -> tuple[np.ndarray, ...]:
    """The oracle: each column's ``depth`` best (value, then lower row), by sorting."""
    m = full.shape[1]
    out_r = np.full((m, depth), -1, dtype=np.int64)
    out_v = np.full((m, depth), -np.inf, dtype=np.float32)
    for j in range(m):
        ok = np.flatnonzero(full[:, j] > -np.inf)
        order = ok[np.lexsort((row_ids[ok], -full[ok, j]))][:depth]
        out_r[j, : len(order)] = row_ids[order]
        out_v[j, : len(order)] = full[order, j]
    return out_r, out_v


@settings(max_examples=30, deadline=None)
@given(
    parts=st.integers(1, 5),
    m=st.integers(1, 40),
    depth=st.integers(1, 20),
    seed=st.integers(0, 10_000),
)
def test_column_lists_of_row_chunks_merge_into_the_whole(
    parts: int, m: int, depth: int, seed: int
) -> None:
    """Heaps filled chunk by chunk (as on a cluster), then merged: the same lists as
    one heap over every row, ties included."""
    from mentormatch.candidates._topk import merge_columns

    rng = np.random.default_rng(seed)
    blocks, ids = [], []
    merged = None
    for p in range(parts):
        nr = int(rng.integers(0, 30))
        masked = (rng.integers(0, 6, (nr, m)) / 5).astype(np.float32)  # many ties
        masked[rng.random((nr, m)) < 0.3] = -np.inf
        rows = np.arange(nr) + 100 * p
        heaps = ColumnHeaps(m, depth, threads=2)
        heaps.push(masked, rows)
        merged = heaps.sorted() if merged is None else merge_columns(merged, heaps.sorted())
        blocks.append(masked)
        ids.append(rows)
    assert merged is not None
    want_rows, want_vals = _columns_best(np.vstack(blocks), np.concatenate(ids), depth)
    np.testing.assert_array_equal(merged[1], want_vals)
    np.testing.assert_array_equal(merged[0], want_rows)


def _random_pricings(priority: str, with_prio: bool, n: int, m: int, seed: int):  # type: ignore[no-untyped-def]
    """Scores with blanks, and duals around a typical pair's weight (some pairs violate)."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n, m)).astype(np.float32)
    scores[rng.random((n, m)) < 0.2] = -np.inf
    scale = WeightScale.build(
        np.array([0.0, 1.0]),
        maximize=True,
        priority=priority,
        has_priority=with_prio,
        max_pairs=min(n, m),
        n_nodes=n + m,
        resolution=1e-5,
        max_priority=n + m if with_prio else None,
    )
    row_prio = rng.integers(0, 2, n).astype(bool) if with_prio else None
    col_prio = rng.integers(0, 2, m).astype(bool) if with_prio else None
    base = scale.weights(np.array([0.5]), None)[0]
    for trial in range(20):
        u = rng.integers(0, int(base) + 1, n) if trial % 2 else np.full(n, int(base) // 2)
        v = np.maximum(int(base) - u.mean() + rng.integers(-2000, 2000, m), 0).astype(np.int64)
        pricing = Pricing(
            u=u.astype(np.int64),
            v=v,
            lam=int(rng.integers(0, 3)),
            scale=scale,
            row_free=rng.random(n) < 0.9,
            caps=rng.integers(0, 2, m),
            row_prio=row_prio,
            col_prio=col_prio,
            per_row=5,
        )
        finite = np.isfinite(scores)
        exact = np.zeros((n, m), dtype=np.int64)
        rr, cc = np.nonzero(finite)
        exact[rr, cc] = pricing.slack(rr, cc, scores[rr, cc])
        yield scores, pricing, exact


@pytest.mark.parametrize("priority", ["pairs_first", "score_first"])
@pytest.mark.parametrize("with_prio", [False, True])
def test_pricing_prefilter_keeps_every_violator(priority: str, with_prio: bool) -> None:
    n, m = 60, 50
    rows, cols = np.arange(n), np.arange(m)
    violators = 0
    for scores, pricing, exact in _random_pricings(priority, with_prio, n, m, seed=7):
        args = _offsets(pricing, rows, cols)
        hit_r, hit_c = above_threshold(scores, *args)
        got = np.zeros((n, m), dtype=bool)
        got[hit_r, hit_c] = True
        assert not (exact > 0)[~got].any()  # no violator missed
        violators += int((exact > 0).sum())
        assert got.sum() <= (exact > 0).sum() + 0.2 * n * m  # and not everything let through
        rr, cc = np.nonzero(np.isfinite(scores))
        mask = pairs_above(rr, cc, scores[rr, cc], *args)
        np.testing.assert_array_equal(mask, got[rr, cc])
    assert violators > 0  # the duals drawn do leave violators to find


@pytest.mark.parametrize("priority", ["pairs_first", "score_first"])
@pytest.mark.parametrize("with_prio", [False, True])
def test_near_tight_keeps_the_pairs_near_violation_and_bounds_the_rest(
    priority: str, with_prio: bool
) -> None:
    """The dual-aware bound of a line scored again, against the exact integer slack.

    Kept: every pair with slack above ``-margin``. The rest: ``rint(q) - C_j <=
    zeta_i``, hence, under any later dual, slack <= zeta + max drop of C - R'.
    """
    n, m = 60, 50
    rows, cols = np.arange(n), np.arange(m)
    unit = 1
    for scores, pricing, exact in _random_pricings(priority, with_prio, n, m, seed=11):
        if priority == "score_first":
            unit = pricing.scale.tier_priority
        q_scale, r_off, c_off, r_ok, c_ok = _offsets(pricing, rows, cols)
        margin = 3000.0
        li, oi, zeta, tmax = near_tight(scores, q_scale, r_off, c_off, r_ok, c_ok, margin)
        kept = np.zeros((n, m), dtype=bool)
        kept[li, oi] = True
        live = np.isfinite(scores) & r_ok[:, None] & c_ok[None, :]
        assert not kept[~live].any()
        # Every pair within the margin of violating is kept...
        assert not (live & ~kept & (exact > -margin * unit))[pricing.row_free].any()
        # ... and the others are bounded by zeta (and their scores by tmax).
        q_int = np.rint(np.where(live, scores, 0).astype(np.float64) / pricing.scale.resolution)
        rest = live & ~kept
        lhs = np.where(rest, q_int - c_off[None, :], -np.inf).max(axis=1)
        assert (lhs <= zeta).all()
        assert (np.where(rest, scores, -np.inf).max(axis=1) == tmax).all()
        # Later duals: v lower by up to 500, u higher by 100.
        later = Pricing(
            u=pricing.u + 100,
            v=np.maximum(pricing.v - np.arange(m) % 500, 0),
            lam=pricing.lam,
            scale=pricing.scale,
            row_free=pricing.row_free,
            caps=pricing.caps,
            row_prio=pricing.row_prio,
            col_prio=pricing.col_prio,
            per_row=5,
        )
        _, r_new, c_new, _, _ = _offsets(later, rows, cols)
        drop = np.max((c_off - c_new)[c_ok])
        certified = zeta + drop - r_new <= 0
        rr, cc = np.nonzero(rest)
        slack_later = later.slack(rr, cc, scores[rr, cc])
        assert (slack_later[certified[rr]] <= 0).all()


def test_near_tight_bound_stays_tight_with_tier_sized_offsets() -> None:
    """Offsets carry the weight tiers (~1e12 units at 50,000 x 50,000); the bound must
    still be within a unit of the exact one, or no line is ever certified (a relative
    tolerance of 1e-9 made it 1,650 units too high there, above the whole margin)."""
    rng = np.random.default_rng(3)
    n, m = 40, 300
    scores = rng.random((n, m)).astype(np.float32)
    q_scale = 1e4
    col_off = -1.2e12 + rng.integers(0, 5000, m).astype(np.float64)
    q_int = np.rint(scores.astype(np.float64) * q_scale)
    exact_best = (q_int - col_off[None, :]).max(axis=1)
    row_off = exact_best + 3000.0  # every pair 3,000 units or more from violating
    ok_r, ok_c = np.ones(n, bool), np.ones(m, bool)
    li, _, zeta, _ = near_tight(scores, q_scale, row_off, col_off, ok_r, ok_c, 1000.0)
    assert len(li) == 0  # nothing within the margin: everything is bounded by zeta
    assert (zeta >= exact_best).all()
    assert (zeta <= exact_best + 2.0).all()
