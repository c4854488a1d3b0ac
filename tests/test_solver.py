"""solve_assignment / solve_pairs against independent oracles.

Oracles: scipy's linear_sum_assignment on a cardinality-first transform, and
brute force over every assignment of tiny instances. Every answer is also
checked by the plain validators in ``validators.py``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

import mentormatch as mm
from mentormatch.solver import WeightScale, solve_pairs
from validators import validate_assignment

ORLIB = Path(__file__).parent / "data" / "orlib" / "assign100.txt"


# --------------------------------------------------------------------------- oracles


def lsa_pairs_first(scores: np.ndarray, allowed: np.ndarray) -> tuple[int, float]:
    """Most pairs, then best total, via LSA: weight M + s on allowed pairs, 0 for 'unmatched'."""
    n, m = scores.shape
    spread = float(np.nanmax(np.abs(scores))) if np.isfinite(scores).any() else 1.0
    big = 4 * (n + 1) * (spread + 1)
    w = np.where(allowed, big + np.nan_to_num(scores), -1e18)
    w = np.hstack([w, np.zeros((n, n))])
    r, c = linear_sum_assignment(w, maximize=True)
    keep = c < m
    return int(keep.sum()), float(scores[r[keep], c[keep]].sum())


def brute(
    scores: np.ndarray,
    allowed: np.ndarray,
    caps: list[int],
    *,
    forced: tuple[tuple[int, int], ...] = (),
    max_pairs: int | None = None,
    priority: str = "pairs_first",
    row_prio: np.ndarray | None = None,
    col_prio: np.ndarray | None = None,
    maximize: bool = True,
) -> tuple[int, int, float]:
    """Best (pairs, priority people, total) over every assignment, by the solver's rules."""
    n, m = scores.shape
    rp = np.zeros(n, int) if row_prio is None else row_prio.astype(int)
    cp = np.zeros(m, int) if col_prio is None else col_prio.astype(int)
    sign = 1 if maximize else -1
    best: tuple | None = None
    best_value = None
    forced_rows = dict(forced)
    for choice in itertools.product(range(-1, m), repeat=n):
        if any(choice[r] != c for r, c in forced_rows.items()):
            continue
        used = [c for c in choice if c >= 0]
        if max_pairs is not None and len(used) > max_pairs:
            continue
        if any(used.count(c) > caps[c] for c in set(used)):
            continue
        if any(c >= 0 and not allowed[r, c] for r, c in enumerate(choice)):
            continue
        pairs = [(r, c) for r, c in enumerate(choice) if c >= 0]
        total = sum(scores[r, c] for r, c in pairs)
        prio = sum(rp[r] + cp[c] for r, c in pairs)
        if priority == "pairs_first":
            key = (len(pairs), prio, round(sign * total, 9))
        else:
            key = (round(sign * total, 9), prio)
        if best is None or key > best:
            best = key
            best_value = (len(pairs), prio, total)
    assert best_value is not None
    return best_value


@st.composite
def instances(draw: st.DrawFn, max_side: int = 7, integers: bool = True):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, max_side))
    m = draw(st.integers(1, max_side))
    if integers:
        values = draw(st.lists(st.integers(-20, 50), min_size=n * m, max_size=n * m))
    else:
        values = draw(
            st.lists(st.floats(0, 1, allow_nan=False, width=32), min_size=n * m, max_size=n * m)
        )
    scores = np.array(values, dtype=float).reshape(n, m)
    allowed = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
    return scores, allowed


def achieved_priority(res: mm.AssignmentResult, rp: np.ndarray, cp: np.ndarray) -> int:
    return int(sum(int(rp[r]) + int(cp[c]) for r, c in res.pairs))


# --------------------------------------------------------------------------- oracle tests


@settings(max_examples=300)
@given(instances(), st.booleans())
def test_pairs_first_matches_lsa(inst, as_nan) -> None:  # type: ignore[no-untyped-def]
    scores, allowed = inst
    if as_nan:
        res = mm.solve_assignment(np.where(allowed, scores, np.nan))
    else:
        res = mm.solve_assignment(scores, allowed=allowed)
    validate_assignment(res, np.where(allowed, scores, np.nan), allowed=allowed)
    count, total = lsa_pairs_first(scores, allowed)
    assert res.status == "OPTIMAL"
    assert len(res.pairs) == count
    assert res.objective == pytest.approx(total)


@settings(max_examples=80)
@given(instances(integers=False))
def test_float_scores_match_lsa(inst) -> None:  # type: ignore[no-untyped-def]
    scores, allowed = inst
    res = mm.solve_assignment(scores, allowed=allowed)
    validate_assignment(res, scores, allowed=allowed)
    count, total = lsa_pairs_first(scores, allowed)
    assert len(res.pairs) == count
    # Scores are rounded to the resolution (1e-6) before optimizing.
    assert res.objective == pytest.approx(total, abs=1e-6 * max(count, 1))


@settings(max_examples=300)
@given(
    instances(max_side=4),
    st.lists(st.integers(0, 2), min_size=4, max_size=4),
    st.one_of(st.none(), st.integers(0, 4)),
    st.sampled_from(["pairs_first", "score_first"]),
    st.booleans(),
    st.data(),
)
def test_brute_force_with_every_option(inst, caps4, max_pairs, priority, maximize, data) -> None:  # type: ignore[no-untyped-def]
    scores, allowed = inst
    n, m = scores.shape
    caps = caps4[:m]
    rp = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    cp = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    candidates = [(r, c) for r in range(n) for c in range(m) if allowed[r, c] and caps[c] > 0]
    forced = (
        tuple(data.draw(st.lists(st.sampled_from(candidates), max_size=1, unique=True)))
        if candidates
        else ()
    )
    if max_pairs is not None and len(forced) > max_pairs:
        forced = ()
    kwargs = dict(
        capacities=caps,
        allowed=allowed,
        forced=forced,
        max_pairs=max_pairs,
        priority=priority,
        row_priority=rp,
        col_priority=cp,
        maximize=maximize,
    )
    res = mm.solve_assignment(scores, **kwargs)
    validate_assignment(
        res, scores, allowed=allowed, capacities=caps, forced=forced, max_pairs=max_pairs
    )
    count, prio, total = brute(
        scores,
        allowed,
        caps,
        forced=forced,
        max_pairs=max_pairs,
        priority=priority,
        row_prio=rp,
        col_prio=cp,
        maximize=maximize,
    )
    assert res.status == "OPTIMAL"
    assert res.objective == pytest.approx(total)
    if priority == "pairs_first":
        assert len(res.pairs) == count
        assert achieved_priority(res, rp, cp) == prio
    else:
        assert achieved_priority(res, rp, cp) == prio


@settings(max_examples=60)
@given(instances(max_side=5), st.data())
def test_min_score(inst, data) -> None:  # type: ignore[no-untyped-def]
    scores, allowed = inst
    floor = data.draw(st.integers(-20, 50))
    res = mm.solve_assignment(scores, allowed=allowed, min_score=floor)
    validate_assignment(res, scores, allowed=allowed, min_score=floor)
    count, _, total = brute(scores, allowed & (scores >= floor), [1] * scores.shape[1])
    assert (len(res.pairs), res.objective) == (count, pytest.approx(total))


@settings(max_examples=60)
@given(instances(max_side=6))
def test_solve_pairs_equals_dense(inst) -> None:  # type: ignore[no-untyped-def]
    scores, allowed = inst
    r, c = np.nonzero(allowed)
    sparse = solve_pairs(r, c, scores[r, c], n_rows=scores.shape[0], n_cols=scores.shape[1])
    dense = mm.solve_assignment(scores, allowed=allowed)
    validate_assignment(sparse, np.where(allowed, scores, np.nan))
    assert sparse.status == dense.status == "OPTIMAL"
    assert (sparse.n_pairs, sparse.objective) == (dense.n_pairs, pytest.approx(dense.objective))


def test_solve_pairs_pricer_finds_pairs_left_out() -> None:
    """The candidate path: only a few pairs listed, the pricer brings the rest; proven optimal."""
    rng = np.random.default_rng(4)
    scores = rng.random((60, 50))
    listed_r = np.repeat(np.arange(60), 2)
    listed_c = np.argsort(scores, axis=1)[:, :2].ravel()  # each row's two *worst* mentors
    listed = set(zip(listed_r.tolist(), listed_c.tolist(), strict=True))
    calls = []

    def pricer(pricing):  # type: ignore[no-untyped-def]
        calls.append(pricing.per_row)
        r, c = np.indices(scores.shape).reshape(2, -1)
        keep = np.array([(a, b) not in listed for a, b in zip(r, c, strict=True)])
        r, c = r[keep], c[keep]
        slack = pricing.slack(r, c, scores[r, c])
        bad = slack > 0
        if not bad.any():
            return None
        return r[bad], c[bad], scores[r[bad], c[bad]], None

    res = solve_pairs(
        listed_r,
        listed_c,
        scores[listed_r, listed_c],
        n_rows=60,
        n_cols=50,
        pricer=pricer,
        score_range=(0.0, 1.0),
    )
    dense = mm.solve_assignment(scores)
    assert calls
    assert res.status == "OPTIMAL"
    assert res.n_pairs == dense.n_pairs == 50
    assert res.objective == pytest.approx(dense.objective, abs=1e-5)


def test_solve_pairs_pricer_out_of_time_is_not_certified() -> None:
    """A pricer that stops before it finds a violator returns only a bound: the
    answer is FEASIBLE, never OPTIMAL, and the bound is still a real bound."""
    rng = np.random.default_rng(5)
    scores = rng.random((40, 40))
    listed_r = np.repeat(np.arange(40), 2)
    listed_c = np.argsort(scores, axis=1)[:, :2].ravel()  # each row's two worst

    def pricer(pricing):  # type: ignore[no-untyped-def]
        # Out of time: no pairs, each row's slack bounded by its best score.
        r, c = np.indices(scores.shape).reshape(2, -1)
        slack = pricing.slack(r, c, scores[r, c])
        bound = np.zeros(40, dtype=np.int64)
        np.maximum.at(bound, r, np.maximum(slack, 0))
        e = np.empty(0, np.int64)
        return e, e, np.empty(0), bound

    problem = (listed_r, listed_c, scores[listed_r, listed_c])
    options = {"n_rows": 40, "n_cols": 40, "pricer": pricer, "score_range": (0.0, 1.0)}
    res = solve_pairs(*problem, **options)
    dense = mm.solve_assignment(scores)
    assert res.status == "FEASIBLE"
    assert res.objective < dense.objective
    assert res.best_bound >= dense.objective - 1e-6
    # Told each row's and column's best score, the bound drops below "every pair
    # scores the largest score" to at most the sum of the row maxima.
    tops = (scores.max(axis=1), scores.max(axis=0))
    told = solve_pairs(*problem, **options, score_tops=tops)
    assert told.status == "FEASIBLE"
    assert dense.objective - 1e-6 <= told.best_bound <= tops[0].sum() + 1e-9
    assert told.best_bound < res.best_bound


def brute_ceiling(row_top, col_top, caps, fewest, most):  # type: ignore[no-untyped-def]
    """The best total of min(row_top, col_top) over every b-matching of fewest..most pairs."""
    rows = [i for i, t in enumerate(row_top) if np.isfinite(t)]
    slots = [j for j, t in enumerate(col_top) if np.isfinite(t) for _ in range(caps[j])]
    best = -np.inf
    for p in range(fewest, most + 1):
        for rs in itertools.combinations(rows, p):
            for ss in itertools.permutations(slots, p):
                best = max(
                    best, sum(min(row_top[i], col_top[j]) for i, j in zip(rs, ss, strict=True))
                )
    return best


@settings(max_examples=300, deadline=None)
@given(
    row_top=st.lists(
        st.sampled_from([-np.inf, -1.0, 0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=5
    ),
    col_top=st.lists(st.sampled_from([-np.inf, -0.5, 0.0, 0.3, 0.6, 0.9]), min_size=1, max_size=3),
    caps=st.lists(st.integers(0, 2), min_size=3, max_size=3),
    sizes=st.tuples(st.integers(0, 5), st.integers(0, 5)),
)
def test_matching_ceiling_against_brute_force(row_top, col_top, caps, sizes) -> None:  # type: ignore[no-untyped-def]
    from mentormatch.solver._loop import _matching_ceiling

    rt, ct = np.array(row_top), np.array(col_top)
    cp = np.array(caps[: len(col_top)], dtype=np.int64)
    n_rows = int(np.isfinite(rt).sum())
    n_slots = int(cp[np.isfinite(ct)].sum())
    fewest = min(sizes[0], n_rows, n_slots)  # the solution at hand has this many
    most = fewest + sizes[1]
    reachable = min(most, n_rows, n_slots)
    expected = brute_ceiling(rt, ct, cp, fewest, reachable)
    assert _matching_ceiling(rt, ct, cp, fewest, most) == pytest.approx(expected)


# --------------------------------------------------------------------------- reference data


def test_orlib_assign100_known_optimum() -> None:
    values = ORLIB.read_text().split()
    n = int(values[0])
    costs = np.array(values[1 : 1 + n * n], dtype=float).reshape(n, n)
    res = mm.solve_assignment(costs, maximize=False)
    validate_assignment(res, costs)
    assert res.status == "OPTIMAL"
    assert res.n_pairs == 100
    assert res.objective == 305
    assert res.best_bound == 305


def test_dense_random_against_lsa_medium() -> None:
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 1000, size=(300, 300)).astype(float)
    res = mm.solve_assignment(scores)
    r, c = linear_sum_assignment(scores, maximize=True)
    validate_assignment(res, scores)
    assert res.status == "OPTIMAL"
    assert res.objective == scores[r, c].sum()


def test_deterministic_and_permutation_invariant_value() -> None:
    rng = np.random.default_rng(11)
    scores = rng.integers(0, 5, size=(40, 30)).astype(float)  # many ties
    a = mm.solve_assignment(scores)
    b = mm.solve_assignment(scores)
    np.testing.assert_array_equal(a.pairs, b.pairs)
    perm_r, perm_c = rng.permutation(40), rng.permutation(30)
    c = mm.solve_assignment(scores[perm_r][:, perm_c])
    assert c.objective == a.objective
    assert c.n_pairs == a.n_pairs


# --------------------------------------------------------------------------- scaling


def test_weight_scale_is_exact_for_integers_and_documented_for_floats() -> None:
    ints = WeightScale.build(
        np.array([0.0, 999.0]),
        maximize=True,
        priority="pairs_first",
        has_priority=False,
        max_pairs=10,
        n_nodes=22,
        resolution=None,
    )
    assert ints.resolution == 1.0
    floats = WeightScale.build(
        np.array([0.0, 0.5, 1.0]),
        maximize=True,
        priority="pairs_first",
        has_priority=False,
        max_pairs=10,
        n_nodes=22,
        resolution=None,
    )
    assert floats.resolution == pytest.approx(1e-6)
    w = floats.weights(np.array([0.0, 0.5, 1.0]), None)
    # One more pair outweighs any difference of total score among 10 pairs.
    assert w[0] * 1 > 10 * (w[2] - w[0])
    assert np.diff(w).tolist() == [500_000, 500_000]


def test_huge_instances_coarsen_the_resolution_instead_of_overflowing() -> None:
    scale = WeightScale.build(
        np.array([0.0, 1.0]),
        maximize=True,
        priority="pairs_first",
        has_priority=True,
        max_pairs=100_000,
        n_nodes=200_002,
        resolution=None,
    )
    assert scale.resolution > 1e-6
    w = scale.weights(np.array([1.0]), np.array([2]))
    assert int(w[0]) * 100_000 < 2**62


# --------------------------------------------------------------------------- errors


def test_infeasible_forced_pairs_name_the_conflict() -> None:
    scores = np.ones((3, 2))
    with pytest.raises(mm.MatchInfeasibleError) as info:
        mm.solve_assignment(scores, forced=[(0, 0), (1, 0), (0, 1)])
    assert set(info.value.conflicts["rule"]) == {"one_per_row", "capacity"}
    with pytest.raises(mm.MatchInfeasibleError, match="not_allowed"):
        mm.solve_assignment(np.array([[np.nan, 1.0]]), forced=[(0, 0)])
    with pytest.raises(mm.MatchInfeasibleError, match="max_pairs"):
        mm.solve_assignment(scores, forced=[(0, 0), (1, 1)], max_pairs=1)


def test_parameter_errors_use_the_template() -> None:
    with pytest.raises(
        mm.ParameterError,
        match=r"The 'priority' parameter of solve_assignment must be one of "
        r"'pairs_first', 'score_first'\. Got 'fast' instead\.",
    ):
        mm.solve_assignment(np.ones((2, 2)), priority="fast")
    with pytest.raises(mm.ParameterError, match="'scores' parameter of solve_assignment"):
        mm.solve_assignment(np.ones(3))
    with pytest.raises(mm.ParameterError, match="'capacities' parameter"):
        mm.solve_assignment(np.ones((2, 2)), capacities=[1])
    with pytest.raises(mm.ParameterError, match="'min_score' parameter"):
        mm.solve_assignment(np.ones((2, 2)), min_score=0.5, maximize=False)
    with pytest.raises(mm.ParameterError, match="'forced' parameter"):
        mm.solve_assignment(np.ones((2, 2)), forced=[(5, 0)])


@pytest.mark.parametrize(
    "scores",
    [np.ones((2, 2)) + 1j, np.array([["1", "2"], ["3", "4"]]), np.full((2, 2), None)],
    ids=["complex", "text", "objects"],
)
def test_scores_that_are_not_real_numbers_are_refused(scores: np.ndarray) -> None:
    # complex scores were solved with the imaginary part dropped (a ComplexWarning at most)
    with pytest.raises(mm.ParameterError, match=r"'scores' .* a 2-D array of real numbers"):
        mm.solve_assignment(scores)


def test_empty_and_degenerate() -> None:
    res = mm.solve_assignment(np.full((3, 3), np.nan))
    assert res.n_pairs == 0 and res.status == "OPTIMAL" and res.objective == 0
    res = mm.solve_assignment(np.ones((0, 4)))
    assert res.pairs.shape == (0, 2)
    res = mm.solve_assignment(np.ones((2, 2)), max_pairs=0)
    assert res.n_pairs == 0


@pytest.mark.parametrize("priority", ["pairs_first", "score_first"])
def test_time_limited_dense_answer_lacking_pairs_is_bounded_by_row_maxima(priority: str) -> None:
    """Additive scores: every row's best columns are the same 8, every column's best
    rows the same 8, so the first graph holds 16 pairs of a perfect matching. Stopped
    there, the bound must still cover the optimum, and stay below the row maxima."""
    rng = np.random.default_rng(4)
    scores = rng.random(40)[:, None] * 0.5 + rng.random(40)[None, :] * 0.5
    res = mm.solve_assignment(scores, time_limit=1e-9, priority=priority)
    best = mm.solve_assignment(scores, priority=priority)
    validate_assignment(res, scores)
    assert res.status == "FEASIBLE" and best.status == "OPTIMAL"
    assert res.n_pairs < best.n_pairs == 40
    if priority == "pairs_first":
        assert res.stats["gap_pairs"] >= 40 - res.n_pairs
    assert best.objective - 1e-9 <= res.best_bound <= scores.max(axis=1).sum() + 1e-9


def test_time_limited_answers_are_honest() -> None:
    rng = np.random.default_rng(2)
    scores = rng.random((400, 400))
    res = mm.solve_assignment(scores, time_limit=1e-6)
    validate_assignment(res, scores)
    if res.status == "OPTIMAL":
        assert res.best_bound == pytest.approx(res.objective)
    else:
        assert res.status == "FEASIBLE"
        assert res.best_bound >= res.objective
        # No pair scores above its row's best: neither can the optimum.
        assert res.best_bound <= scores.max(axis=1).sum() + 1e-9
    assert res.n_pairs == 400


@settings(max_examples=60)
@given(
    n_rows=st.integers(1, 12),
    n_cols=st.integers(1, 12),
    density=st.floats(0.2, 1.0),
    max_cap=st.integers(1, 3),
    tier=st.sampled_from([0, 1000]),
    seed=st.integers(0, 2**31),
)
def test_canonical_duals_are_optimal_and_highest(
    n_rows: int, n_cols: int, density: float, max_cap: int, tier: int, seed: int
) -> None:
    """The canonical dual proves the same bound, and its high side dominates any other."""
    from mentormatch.solver import _lp

    rng = np.random.default_rng(seed)
    mask = rng.random((n_rows, n_cols)) < density
    rows, cols = np.nonzero(mask)
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    w = tier + rng.integers(1, 50, size=len(rows)).astype(np.int64)  # a pairs tier, as in match
    caps = rng.integers(1, max_cap + 1, size=n_cols).astype(np.int64)
    row_free = np.ones(n_rows, dtype=bool)
    common = dict(n_rows=n_rows, n_cols=n_cols, row_free=row_free, caps=caps, limit=n_rows)
    plain = _lp.solve_flow(rows, cols, w, canonical=False, **common)
    canon = _lp.solve_flow(rows, cols, w, canonical=True, **common)
    assert canon.primal == plain.primal
    for flow in (plain, canon):
        d = flow.duals
        assert (d.u >= 0).all() and (d.v >= 0).all() and d.lam >= 0
        assert (d.slack(rows, cols, w) <= 0).all()  # feasible on every edge
        assert d.objective(caps, n_rows) == flow.primal  # and proves the optimum
    has_row = np.zeros(n_rows, bool)
    has_row[rows] = True
    has_col = np.zeros(n_cols, bool)
    has_col[cols] = True
    cols_side = caps[has_col].sum() <= has_row.sum()
    pick = _lp._cols_high if cols_side else _lp._rows_high
    high = pick(rows, cols, w, plain.chosen, plain.duals, n_rows, n_cols, caps, row_free)
    assert high is not None  # the construction never needs its fallback here
    if cols_side:
        assert (canon.duals.v >= plain.duals.v).all()
    else:
        assert (canon.duals.u >= plain.duals.u).all()


def test_priority_tier_sized_by_the_priority_people() -> None:
    """Few priority applicants need a small priority tier: the resolution stays fine."""
    s = np.array([0.0, 1.0])
    kw = dict(maximize=True, priority="pairs_first", has_priority=True, max_pairs=20_000)
    kw.update(n_nodes=40_002, resolution=1e-6)
    every = WeightScale.build(s, **kw)  # type: ignore[arg-type]
    few = WeightScale.build(s, max_priority=2_000, **kw)  # type: ignore[arg-type]
    assert every.resolution == pytest.approx(1e-4)
    assert few.resolution == pytest.approx(1e-5)
    # The tiers still cannot interfere: P above any score total, C above P's total.
    span = few.s_max - few.s_min + 1
    assert few.tier_priority > 20_000 * span
    assert few.tier_pairs > 2_000 * few.tier_priority + 20_000 * span


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 25),
    arcs=st.lists(
        st.tuples(st.integers(0, 24), st.integers(0, 24), st.integers(-3, 20)), max_size=80
    ),
    start=st.lists(st.integers(-5, 50), min_size=25, max_size=25),
)
def test_bellman_ford_matches_the_textbook_one(
    n: int, arcs: list[tuple[int, int, int]], start: list[int]
) -> None:
    """The compiled queue-based Bellman-Ford against n rounds over every arc."""
    from mentormatch.solver._lp import _bf

    arcs = [(a % n, b % n, c) for a, b, c in arcs]
    a = np.array([x[0] for x in arcs], dtype=np.int64)
    b = np.array([x[1] for x in arcs], dtype=np.int64)
    c = np.array([x[2] for x in arcs], dtype=np.int64)
    d = np.array(start[:n], dtype=np.int64)
    for _ in range(n):
        for x, y, w in arcs:
            d[y] = min(d[y], d[x] + w)
    cycle = any(d[x] + w < d[y] for x, y, w in arcs)
    got = _bf(n, a, b, c, start=np.array(start[:n], dtype=np.int64))
    if cycle:
        assert got is None
    else:
        assert got is not None
        np.testing.assert_array_equal(got, d)


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 12),
    m=st.integers(1, 10),
    density=st.floats(0.1, 1.0),
    limit_cut=st.integers(0, 12),
    seed=st.integers(0, 10_000),
)
def test_two_phase_flow_is_the_one_phase_optimum_with_a_checked_dual(
    n: int, m: int, density: float, limit_cut: int, seed: int
) -> None:
    """Max flow, then min-cost flow without the pairs tier: the same optimum as the
    one-phase flow, and a dual feasible on every edge whose value equals it."""
    from mentormatch.solver import _lp

    rng = np.random.default_rng(seed)
    mask = rng.random((n, m)) < density
    rows, cols = np.nonzero(mask)
    tier = 10_000
    w = tier + rng.integers(1, 50, len(rows))  # pairs first: C + w', C above any total of w'
    caps = rng.integers(0, 3, m)
    row_free = rng.random(n) < 0.9
    ok = row_free[rows] & (caps[cols] > 0)
    rows, cols, w = rows[ok], cols[ok], w[ok]
    limit = max(min(int(row_free.sum()), int(caps.sum())) - limit_cut, 0)
    kw = {"n_rows": n, "n_cols": m, "row_free": row_free, "caps": caps, "limit": limit}
    one = _lp.solve_flow(rows, cols, w, **kw)
    # The two flows give an optimal flow of the one-phase network (no fallback).
    net = _lp._Network(rows, cols, n, m, row_free, caps, bypass=limit)
    flow = _lp._two_phase(net, w, limit=limit, tier=tier)
    assert flow is not None
    assert _lp._residual_potentials(net, net.costs(w), flow, len(rows)) is not None
    assert int((-net.costs(w) * flow).sum()) == one.primal
    two = _lp.solve_flow(rows, cols, w, pairs_tier=tier, **kw)
    assert two.primal == one.primal
    assert two.duals.objective(caps, limit) == two.primal
    assert not (two.duals.slack(rows, cols, w) > 0).any()
    assert (two.duals.u >= 0).all() and (two.duals.v >= 0).all() and two.duals.lam >= 0
    # A valid answer: each row once, each column within its capacity, at most `limit`.
    chosen_r, chosen_c = rows[two.chosen], cols[two.chosen]
    assert len(set(chosen_r.tolist())) == len(chosen_r) <= limit
    assert (np.bincount(chosen_c, minlength=m) <= caps).all()
