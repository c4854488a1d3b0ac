"""The bare optimizer: ``solve_assignment`` (dense) and ``solve_pairs`` (long table).

How an answer is found and proven
---------------------------------
1. **Integer weights.** Scores become integers in one documented step (see
   :class:`WeightScale`), and the lexicographic objective — first the most
   pairs, then the most priority people matched, then the best total score —
   becomes one integer weight per pair whose tiers cannot interfere: each
   tier's multiplier exceeds the largest possible total of the tiers below it,
   computed from the data.
2. **Candidates.** Each row's and each column's ``k`` best pairs (plus every
   forced pair) form a small graph; the LP optimum on it comes from OR-Tools'
   min-cost flow, and a dual solution from its residual graph. Pairs first,
   a max flow finds the most pairs first and the min-cost flow then needs no
   pairs tier in its costs (about 1.3 times faster at 100,000 x 100,000); the
   dual is read off the resulting flow as for one (``_lp._two_phase``).
3. **Certificate.** Every pair left out is priced against that dual; pairs
   that violate it join the graph and step 2 repeats. When no pair violates
   it, the dual is feasible for the whole problem and its value equals the
   solution's — exact integer arithmetic, a proof of optimality whatever
   found the solution (the LP of this problem is integral).
4. **CP-SAT** solves the model over the *tight* pairs (reduced cost 0, the
   only ones an optimum can use) with the flow's solution as its hint and
   the proven optimum as a constraint, and returns the pairs.

If the time limit stops step 3 before the certificate closes, the best
solution found is returned with status ``"FEASIBLE"`` and a valid bound from
a repaired dual (``u_i`` raised to cover row ``i``'s worst violation).

The time limit counts work, not wall seconds (``_budget``): ``time_limit``
seconds are a budget of as many work units (``stats["work_limit"]``), each
step is charged an estimate from its size, and a step that cannot be
interrupted (JV, an LP round) starts only when the budget affords it. So the
same input and limit give the same answer on a busy machine and an idle one;
the wall clock only stops a run past ``3 x time_limit + 5`` seconds
(``stats["stopped_by"] == "wall_clock"``).

Ties
----
Deterministic: the same input gives the same pairs. Candidates are built
in (row, column) order, the min-cost flow and one-worker CP-SAT (fixed seed,
flow solution as hint) are deterministic, so among equally good solutions
the one returned is the min-cost flow's on the candidate graph. Two inputs
that differ only by the order of rows or columns give solutions of the same
value, not necessarily the same pairs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._params import param_error
from ._budget import WorkBudget
from ._inputs import _check_common, _conflicts, _forced_list, _people
from ._loop import DEFAULT_K, AssignmentResult, _finish, _solve
from ._prep import MIN_CELLS, scan_dense
from ._problem import _BLOCK_CELLS, _Dense
from ._weights import WeightScale, _max_priority

__all__ = ["solve_assignment"]


# --------------------------------------------------------------------------- public


def solve_assignment(
    scores: Any,
    capacities: Any = None,
    allowed: Any = None,
    forced: Iterable[tuple[int, int]] = (),
    min_score: float | None = None,
    max_pairs: int | None = None,
    time_limit: float | None = None,
    *,
    maximize: bool = True,
    priority: str = "pairs_first",
    row_priority: Any = None,
    col_priority: Any = None,
    resolution: float | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> AssignmentResult:
    """Best assignment of rows (mentees) to columns (mentors) for a score matrix.

    Parameters
    ----------
    scores : array-like, shape (n_rows, n_cols)
        Higher is better (unless ``maximize=False``); ``nan`` forbids a pair.
    capacities : array-like of int, optional
        Pairs each column may take (default 1 each).
    allowed : array-like of bool, optional
        ``False`` forbids a pair.
    forced : iterable of (row, col)
        Pairs that must be in the answer.
    min_score : float, optional
        Pairs scoring below it are not allowed (maximizing only).
    max_pairs : int, optional
        At most this many pairs.
    time_limit : float, optional
        About this many seconds of work (default: no limit); when the work
        runs out before the proof, the status is ``"FEASIBLE"`` with a valid
        ``best_bound``. The limit is a *work budget*, not a clock: it becomes
        ``work_limit = time_limit`` work units, one unit about a second of the
        reference machine (the project's 2-core CI machine), and each step is
        charged an estimate computed from its size alone: the dense
        Jonker-Volgenant solve (cells, run only when it fits: it cannot be
        stopped), each LP round (edges and nodes of its graph; a round starts
        only when the budget affords it, the first always runs), each pricing
        pass (cells, or pairs scored again), and CP-SAT (its deterministic
        time, ``max_deterministic_time``). The same input and ``time_limit``
        therefore give the same answer whatever the machine's load; a slower
        machine takes longer for it. The wall clock is only a safety net: a
        run past ``3 x time_limit + 5`` seconds stops at the next step (then
        ``stats["stopped_by"] == "wall_clock"`` and the answer depends on the
        machine; the status is still ``"OPTIMAL"`` only with a proof).
        ``stats`` reports ``work_limit``, ``work_used``, ``wall_limit`` and
        ``stopped_by`` (``None``, ``"work_limit"`` or ``"wall_clock"``).
    maximize : bool
        ``False`` minimizes the total (costs).
    priority : {"pairs_first", "score_first"}
        ``pairs_first``: the most pairs, then the best total (exactly).
        ``score_first``: the best total only.
    row_priority, col_priority : array-like of bool, optional
        People to favour: among solutions with as many pairs, more of them
        matched (``pairs_first``); a tie-break after the score (``score_first``).
    resolution : float, optional
        Rounding step of the scores (see :class:`WeightScale`).
    progress : callable, optional
        ``progress(stage, fraction)``.

    Returns
    -------
    AssignmentResult

    Raises
    ------
    MatchInfeasibleError
        When the forced pairs contradict each other, the capacities,
        ``max_pairs`` or the allowed pairs.
    ParameterError
        On a bad argument.

    Examples
    --------
    >>> import numpy as np
    >>> import mentormatch as mm
    >>> res = mm.solve_assignment(np.array([[9.0, 1.0], [8.0, np.nan]]))
    >>> res.pairs.tolist(), res.objective, res.status
    ([[0, 1], [1, 0]], 9.0, 'OPTIMAL')
    """
    started = time.perf_counter()
    func = "solve_assignment"
    _check_common(func, priority, maximize, min_score, max_pairs, time_limit, resolution)
    s, ok, extremes = _checked_matrix(scores, allowed, min_score, func)
    n_rows, n_cols = s.shape
    caps, row_prio, col_prio = _people(capacities, row_priority, col_priority, n_rows, n_cols, func)
    forced_l = _forced_list(forced, n_rows, n_cols, func)
    _conflicts(forced_l, lambda r, c: bool(ok[r, c]), caps, max_pairs)
    if progress:
        progress("model", 0.0)

    row_free = ok.any(axis=1)
    caps_left = caps.copy()
    for r, c in forced_l:
        row_free[r] = False
        caps_left[c] -= 1
    limit = int(min(row_free.sum(), caps_left[ok.any(axis=0)].sum()))
    if max_pairs is not None:
        limit = min(limit, max_pairs - len(forced_l))
    has_prio = bool(
        (row_prio is not None and row_prio.any()) or (col_prio is not None and col_prio.any())
    )
    scale = WeightScale.build(
        s,
        where=ok,
        maximize=bool(maximize),
        priority=priority,
        has_priority=has_prio,
        max_pairs=max(limit, 1),
        n_nodes=n_rows + n_cols + 2,
        resolution=resolution,
        max_priority=_max_priority(row_prio, col_prio, caps_left, limit),
        extremes=extremes,
    )
    stats: dict[str, Any] = {"n_allowed": int(ok.sum())}
    budget = WorkBudget(time_limit, started)
    if limit <= 0:
        e = np.empty(0, np.int64)
        stats["method"] = "none"  # no pair can be added to the forced ones
        budget.record(stats)
        return _finish(e, e, forced_l, lambda r, c: s[r, c], scale, 0, 0, True, started, stats)
    problem = _Dense(
        s,
        ok,
        scale,
        row_prio.astype(np.int64) if row_prio is not None else None,
        col_prio.astype(np.int64) if col_prio is not None else None,
        row_free,
        caps_left,
    )
    pr, pc, total, bound, proven = _solve(
        problem, limit=limit, k=DEFAULT_K, budget=budget, progress=progress, stats=stats
    )
    budget.record(stats)
    if progress:
        progress("done", 1.0)
    return _finish(
        pr,
        pc,
        forced_l,
        lambda rr, cc: s[rr, cc],
        scale,
        total,
        bound,
        proven,
        started,
        stats,
        limit=limit,
        tops=lambda: _dense_tops(s, ok, row_free, caps_left),
    )


def _checked_matrix(
    scores: Any, allowed: Any, min_score: float | None, func: str
) -> tuple[np.ndarray, Any, tuple[float, float, bool] | None]:
    """The scores as a float matrix, which pairs are allowed (``nan``, ``allowed``,
    ``min_score``: a bool array), checked; and, when one compiled pass found them,
    the allowed scores' ``(lo, hi, integral)`` for :meth:`WeightScale.build`."""
    try:
        s = np.asarray(scores)
    except (TypeError, ValueError):
        raise param_error("scores", func, "a 2-D array of numbers", type(scores).__name__) from None
    if s.dtype.kind not in "biuf":  # complex parts would be dropped, text and objects fail later
        raise param_error("scores", func, "a 2-D array of real numbers", f"dtype {s.dtype}")
    if s.dtype not in (np.float32, np.float64):
        s = s.astype(np.float64)
    if s.ndim != 2:
        raise param_error("scores", func, "a 2-D array of numbers", f"shape {s.shape}")
    a = None
    if allowed is not None:
        a = np.asarray(allowed)
        if a.shape != s.shape or a.dtype != bool:
            raise param_error(
                "allowed", func, f"a bool array of shape {s.shape}", f"{a.dtype} {a.shape}"
            )
    if s.dtype in (np.float32, np.float64) and s.size >= MIN_CELLS:
        ok, has_inf, lo, hi, integral = scan_dense(s, a, min_score)
        if has_inf:
            raise param_error("scores", func, "finite numbers or nan", "an infinite value")
        return s, ok, (lo, hi, integral)
    if np.isinf(s).any():
        raise param_error("scores", func, "finite numbers or nan", "an infinite value")
    ok = ~np.isnan(s)
    if a is not None:
        ok &= a
    if min_score is not None:
        with np.errstate(invalid="ignore"):
            ok &= s >= min_score
    return s, ok, None


def _dense_tops(
    s: np.ndarray, ok: np.ndarray, row_free: np.ndarray, caps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's and column's best score among the pairs still possible (-inf: none)."""
    n_rows, n_cols = s.shape
    row_top = np.full(n_rows, -np.inf)
    col_top = np.full(n_cols, -np.inf)
    open_ = caps > 0
    step = max(1, _BLOCK_CELLS // max(n_cols, 1))
    for r0 in range(0, n_rows, step):
        r1 = min(r0 + step, n_rows)
        live = ok[r0:r1] & row_free[r0:r1, None] & open_[None, :]
        block = np.where(live, s[r0:r1], -np.inf)
        row_top[r0:r1] = block.max(axis=1, initial=-np.inf)
        np.maximum(col_top, block.max(axis=0, initial=-np.inf), out=col_top)
    return row_top, col_top, caps
