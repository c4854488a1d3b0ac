""":func:`solve_pairs`: the optimizer on a long table of allowed pairs, with a pricer for the rest."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._params import check_number, param_error
from ._budget import WorkBudget
from ._inputs import _check_common, _conflicts, _floats, _forced_list, _people, _vector
from ._loop import DEFAULT_K, AssignmentResult, _finish, _solve
from ._problem import _Edges
from ._weights import Pricer, Pricing, WeightScale, _max_priority, _pair_priority

__all__ = ["solve_pairs"]


def solve_pairs(
    rows: Any,
    cols: Any,
    scores: Any,
    *,
    n_rows: int,
    n_cols: int,
    capacities: Any = None,
    forced: Iterable[tuple[int, int]] = (),
    max_pairs: int | None = None,
    time_limit: float | None = None,
    maximize: bool = True,
    priority: str = "pairs_first",
    row_priority: Any = None,
    col_priority: Any = None,
    resolution: float | None = None,
    score_range: tuple[float, float] | None = None,
    pricer: Pricer | None = None,
    k: int = DEFAULT_K,
    progress: Callable[[str, float], None] | None = None,
    pricer_rows: Any = None,
    score_tops: tuple[Any, Any] | None = None,
) -> AssignmentResult:
    """:func:`solve_assignment` on a long table of allowed pairs (a sparse graph).

    Parameters
    ----------
    rows, cols, scores : array-like
        One allowed pair per entry; pairs not listed are not allowed (unless
        ``pricer`` finds them). No duplicates.
    n_rows, n_cols : int
        Size of the full problem.
    forced : iterable of (row, col)
        Pairs that must be made; each must be one of the listed pairs.
    score_range : (float, float), optional
        The range every score of the full problem lies in (for the weight
        tiers, when ``pricer`` brings pairs not listed); defaults to the range
        of ``scores``.
    pricer : callable, optional
        For problems whose pairs are not all listed (the candidate path of
        very large cohorts): ``pricer(pricing)`` gets a :class:`Pricing`
        (the current dual and weights) and returns ``None`` when no unlisted
        pair has positive slack, else ``(rows, cols, scores, row_bound)``: pairs
        to add to the graph (at least the violators, up to
        ``pricing.per_row`` a row, or more to enlarge a row's candidates) and
        a per-row bound on the slack of the pairs not returned (or ``None``).
        A pricer out of time may return no pairs with a positive bound: the
        loop stops there, not certified. The answer is then proven optimal
        for the full problem, or, when the time limit stops the loop, bounded
        with those row bounds.
    k : int
        Candidates per row and column before pricing.
    pricer_rows : array of bool, optional
        With a pricer: the rows it may bring pairs for (default: every row).
        Rows that can have no pair at all (ineligible mentees) are best left
        out: they would count among the pairs a time-limited answer might
        still be missing.
    score_tops : (array, array), optional
        With a pricer: for each row and each column, a score no pair of it
        in the full problem exceeds (``-inf``: it has none). A time-limited
        answer's bound then holds its score below the best matching of
        those (each pair at the lower of its two) instead of below its
        number of pairs times the largest score; the pairs listed are
        bounded by their own scores either way.

    Other parameters are those of :func:`solve_assignment`.
    """
    started = time.perf_counter()
    func = "solve_pairs"
    _check_common(func, priority, maximize, None, max_pairs, time_limit, resolution)
    check_number(n_rows, "n_rows", func, low=0, integer=True)
    check_number(n_cols, "n_cols", func, low=0, integer=True)
    check_number(k, "k", func, low=1, integer=True)
    r, c, s, key = _checked_table(rows, cols, scores, n_rows, n_cols, func)
    caps, row_prio, col_prio = _people(capacities, row_priority, col_priority, n_rows, n_cols, func)
    given = _checked_tops(score_tops, n_rows, n_cols, func)
    forced_l = _forced_list(forced, n_rows, n_cols, func)
    listed = set(zip(r.tolist(), c.tolist(), strict=True)) if forced_l else set()
    _conflicts(forced_l, lambda a, b: (a, b) in listed, caps, max_pairs)

    row_free, caps_left, limit = _room(
        r, n_rows, caps, forced_l, max_pairs, priced=pricer is not None, possible=pricer_rows
    )
    scale = _scale(
        s,
        score_range,
        pricer,
        resolution,
        maximize,
        priority,
        row_prio,
        col_prio,
        caps_left,
        limit,
        n_rows + n_cols + 2,
    )
    stats: dict[str, Any] = {"n_listed": len(r)}
    budget = WorkBudget(time_limit, started)
    row_prio_i = row_prio.astype(np.int64) if row_prio is not None else None
    col_prio_i = col_prio.astype(np.int64) if col_prio is not None else None
    w = scale.weights(s, _pair_priority(row_prio_i, col_prio_i, r, c))
    book = _ScoreBook(s, key, n_cols)
    if limit <= 0:
        e = np.empty(0, np.int64)
        stats["method"] = "none"  # no pair can be added to the forced ones
        budget.record(stats)
        return _finish(e, e, forced_l, book.score_of, scale, 0, 0, True, started, stats)
    wrapped = None if pricer is None else book.recording(pricer)
    problem = _Edges(
        r, c, w, n_rows, n_cols, row_free, caps_left, wrapped, scale, row_prio_i, col_prio_i
    )
    pr, pc, total, bound, proven = _solve(
        problem, limit=limit, k=int(k), budget=budget, progress=progress, stats=stats
    )
    budget.record(stats)

    def tops() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        bounds = given if pricer is not None else None  # the caller's bounds on the rest
        return _listed_tops(r, c, s, n_rows, n_cols, row_free, caps_left, bounds)

    return _finish(
        pr,
        pc,
        forced_l,
        book.score_of,
        scale,
        total,
        bound,
        proven,
        started,
        stats,
        limit=limit,
        tops=None if pricer is not None and given is None else tops,
    )


def _checked_table(
    rows: Any, cols: Any, scores: Any, n_rows: int, n_cols: int, func: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The listed pairs as arrays (rows, cols, scores) and their keys, checked."""
    r = np.asarray(rows, dtype=np.int64).ravel()
    c = np.asarray(cols, dtype=np.int64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if not (len(r) == len(c) == len(s)):
        raise param_error(
            "rows", func, "rows, cols and scores of one length", (len(r), len(c), len(s))
        )
    if len(r) and (r.min() < 0 or r.max() >= n_rows or c.min() < 0 or c.max() >= n_cols):
        raise param_error(
            "rows", func, f"indices within ({n_rows}, {n_cols})", "an index out of range"
        )
    if not np.isfinite(s).all():
        raise param_error("scores", func, "finite numbers", "nan or inf")
    key = r * max(n_cols, 1) + c
    if len(np.unique(key)) != len(key):
        raise param_error("rows", func, "each (row, col) pair at most once", "a repeated pair")
    return r, c, s, key


def _checked_tops(
    score_tops: Any, n_rows: int, n_cols: int, func: str
) -> tuple[np.ndarray, np.ndarray] | None:
    if score_tops is None:
        return None
    if not isinstance(score_tops, tuple) or len(score_tops) != 2:
        raise param_error("score_tops", func, "a pair (row_tops, col_tops)", score_tops)
    return (
        _floats(score_tops[0], n_rows, "score_tops[0]", func),
        _floats(score_tops[1], n_cols, "score_tops[1]", func),
    )


def _room(
    r: np.ndarray,
    n_rows: int,
    caps: np.ndarray,
    forced: list[tuple[int, int]],
    max_pairs: int | None,
    *,
    priced: bool,
    possible: Any,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows that may still take a pair (``possible``: the rows a pricer may bring pairs
    for), columns' places left, and the most pairs to add."""
    row_free = np.zeros(n_rows, dtype=bool)
    row_free[r] = True
    if priced:
        possible = _vector(possible, n_rows, "pricer_rows", "solve_pairs", default=None, dtype=bool)
        if possible is None:
            row_free[:] = True
        else:
            row_free |= possible
    caps_left = caps.copy()
    for a, b in forced:
        row_free[a] = False
        caps_left[b] -= 1
    limit = int(min(row_free.sum(), caps_left.sum()))
    if max_pairs is not None:
        limit = min(limit, max_pairs - len(forced))
    return row_free, caps_left, limit


def _scale(
    s: np.ndarray,
    score_range: tuple[float, float] | None,
    pricer: Pricer | None,
    resolution: float | None,
    maximize: bool,
    priority: str,
    row_prio: np.ndarray | None,
    col_prio: np.ndarray | None,
    caps_left: np.ndarray,
    limit: int,
    n_nodes: int,
) -> WeightScale:
    """The integer weights, over the listed scores and the full problem's range."""
    has_prio = bool(
        (row_prio is not None and row_prio.any()) or (col_prio is not None and col_prio.any())
    )
    rng = s if score_range is None else np.concatenate([s, np.asarray(score_range, float)])
    if pricer is not None and resolution is None:
        # Pairs the pricer brings need not be integral like the listed ones.
        resolution = 1e-6 * max(1.0, float(np.max(np.abs(rng), initial=0.0)))
    return WeightScale.build(
        rng,
        maximize=bool(maximize),
        priority=priority,
        has_priority=has_prio,
        max_pairs=max(limit, 1),
        n_nodes=n_nodes,
        resolution=resolution,
        max_priority=_max_priority(row_prio, col_prio, caps_left, limit),
    )


class _ScoreBook:
    """The score of any pair made: listed, or brought by the pricer (recorded as it goes)."""

    def __init__(self, s: np.ndarray, key: np.ndarray, n_cols: int) -> None:
        self.lookup = pd.Series(s, index=pd.Index(key))
        self.width = max(n_cols, 1)
        # Pairs the pricer brought (keys and scores, as arrays): looked up by binary search.
        self.found_keys: list[np.ndarray] = []
        self.found_scores: list[np.ndarray] = []

    def score_of(self, rr: np.ndarray, cc: np.ndarray) -> np.ndarray:
        keys = rr * self.width + cc
        out = self.lookup.reindex(keys).to_numpy(dtype=np.float64, copy=True)
        missing = np.isnan(out)
        if missing.any():
            all_keys = np.concatenate(self.found_keys)
            order = np.argsort(all_keys, kind="stable")
            pos = np.searchsorted(all_keys[order], keys[missing])
            out[missing] = np.concatenate(self.found_scores)[order][pos]
        return out

    def recording(self, pricer: Pricer) -> Pricer:
        """``pricer``, recording the scores of the pairs it brings."""

        def wrapped(pricing: Pricing) -> Any:
            res = pricer(pricing)
            if res is not None:
                er, ec, es = (np.asarray(a) for a in res[:3])
                self.found_keys.append(er.astype(np.int64) * self.width + ec.astype(np.int64))
                self.found_scores.append(es.astype(np.float64))
            return res

        return wrapped


def _listed_tops(
    r: np.ndarray,
    c: np.ndarray,
    s: np.ndarray,
    n_rows: int,
    n_cols: int,
    row_free: np.ndarray,
    caps_left: np.ndarray,
    given: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The listed pairs' best scores, raised to the caller's bounds on the rest."""
    live = row_free[r] & (caps_left[c] > 0)
    row_top = np.full(n_rows, -np.inf)
    col_top = np.full(n_cols, -np.inf)
    np.maximum.at(row_top, r[live], s[live])
    np.maximum.at(col_top, c[live], s[live])
    if given is not None:
        np.maximum(row_top, np.where(row_free, given[0], -np.inf), out=row_top)
        np.maximum(col_top, np.where(caps_left > 0, given[1], -np.inf), out=col_top)
    return row_top, col_top, caps_left
