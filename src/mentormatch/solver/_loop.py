"""The loop: LP rounds on the candidate graph until the dual prices every pair, then CP-SAT.

Steps 2 to 4 of :mod:`mentormatch.solver._assignment` (min-cost flow and its
dual, the certificate, CP-SAT over the tight pairs); :func:`_finish` turns the
answer into an :class:`AssignmentResult` with a valid bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._budget import WorkBudget, lp_work
from ._jv import solve_dense
from ._lp import Duals, Flow, solve_flow
from ._model import solve_cp
from ._problem import _Dense, _Problem
from ._weights import WeightScale

__all__ = ["AssignmentResult"]
#: Candidates per row and per column before pricing.
DEFAULT_K = 8
#: Work units CP-SAT gets at least (its deterministic time), even when the budget is
#: spent: the answer is proven by then, CP-SAT only picks the pairs among the tight ones.
CP_MIN_WORK = 1.0


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class AssignmentResult:
    """The answer of :func:`solve_assignment` / :func:`solve_pairs`.

    Attributes
    ----------
    pairs : ndarray of int64, shape (k, 2)
        The chosen (row, column) pairs, sorted by row then column.
    objective : float
        Sum of the original scores of the chosen pairs.
    status : str
        ``"OPTIMAL"`` only with a proof (the dual certificate);
        ``"FEASIBLE"`` when the time limit (a work budget, see
        :func:`solve_assignment`) stopped the search first.
    best_bound : float
        A bound on ``objective`` in the direction of optimization (an upper
        bound when maximizing, a lower bound when minimizing), in score units.
        With ``pairs_first`` it bounds the score among solutions with as many
        pairs and priority people as the one returned, and when the search was
        stopped it is ``objective`` plus the whole remaining gap of the
        combined objective (in which one more pair is worth more than any
        score). Equal to ``objective`` when optimal (up to the resolution).
    wall_time : float
        Seconds.
    stats : dict
        Per-stage seconds, graph sizes, pricing rounds, the resolution used,
        and the work budget: ``work_limit`` and ``work_used`` (work units),
        ``wall_limit`` (seconds of the safety net) and ``stopped_by``
        (``None``, ``"work_limit"``, or ``"wall_clock"`` when the safety net
        stopped a step and the answer may depend on the machine's load).
    """

    pairs: np.ndarray
    objective: float
    status: str
    best_bound: float
    wall_time: float
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def is_optimal(self) -> bool:
        """Whether the answer is proven optimal."""
        return self.status == "OPTIMAL"

    @property
    def n_pairs(self) -> int:
        """Number of pairs."""
        return len(self.pairs)

    @property
    def gap(self) -> float:
        """``|best_bound - objective|`` (0 when optimal)."""
        return abs(self.best_bound - self.objective)

    def __repr__(self) -> str:
        return (
            f"AssignmentResult(status={self.status!r}, n_pairs={self.n_pairs}, "
            f"objective={self.objective:.6g}, best_bound={self.best_bound:.6g}, "
            f"wall_time={self.wall_time:.3f})"
        )


# --------------------------------------------------------------------------- the loop


def _solve(
    problem: _Problem,
    *,
    limit: int,
    k: int,
    budget: WorkBudget,
    progress: Callable[[str, float], None] | None,
    stats: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, int, int, bool]:
    """Candidate loop + certificate + CP-SAT. Returns rows, cols, W total, bound, proven.

    Every step is charged to ``budget`` by its size (see :mod:`._budget`): what
    runs depends on the input and the limit, not on the machine's load."""
    t0 = time.perf_counter()
    if isinstance(problem, _Dense):
        fast = solve_dense(problem, limit, budget)
        if fast is not None:  # proven by the JV dual: no candidate loop, no CP-SAT
            stats["method"] = "jv"
            stats["jv_s"] = time.perf_counter() - t0
            return fast[0], fast[1], fast[2], fast[2], True
    stats["method"] = "flow"
    rows, cols, w = problem.top_k(k)
    budget.spend(problem.top_k_work())
    stats["candidates_s"] = time.perf_counter() - t0
    rows, cols, w, flow, bound, proven = _lp_rounds(
        problem, rows, cols, w, limit=limit, k=k, budget=budget, progress=progress, stats=stats
    )
    stats["graph_edges"] = len(rows)
    chosen, total = flow.chosen, flow.primal
    t0 = time.perf_counter()
    if proven:
        chosen, total = _cp_over_tight(problem, rows, cols, w, flow, limit, budget, stats)
    stats["cp_s"] = time.perf_counter() - t0
    return rows[chosen], cols[chosen], total, bound, proven


def _lp_rounds(
    problem: _Problem,
    rows: np.ndarray,
    cols: np.ndarray,
    w: np.ndarray,
    *,
    limit: int,
    k: int,
    budget: WorkBudget,
    progress: Callable[[str, float], None] | None,
    stats: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Flow, int, bool]:
    """LP on the graph, price the pairs left out, add the violators; until none (proven)
    or out of work. Returns the graph, the last flow, the bound and whether it is proven.

    A round (its LP and its pricing cannot be interrupted) starts only when the
    budget affords its estimated work, from the graph's size; the first always
    runs (it gives the first answer). Past the wall clock's safety net no round
    starts either."""
    stats["rounds"] = 0
    proven = False
    n_nodes = problem.n_rows + problem.n_cols + 2
    while True:
        stats["rounds"] += 1
        budget.spend(lp_work(len(rows), n_nodes) + problem.price_work())
        t0 = time.perf_counter()
        flow = solve_flow(
            rows,
            cols,
            w,
            n_rows=problem.n_rows,
            n_cols=problem.n_cols,
            row_free=problem.row_free,
            caps=problem.caps,
            limit=limit,
            pairs_tier=problem.scale.tier_pairs if problem.scale.priority == "pairs_first" else 0,
        )
        flow_s = time.perf_counter() - t0
        stats["flow_s"] = stats.get("flow_s", 0.0) + flow_s
        if progress:
            progress("certifying", min(0.5 + 0.1 * stats["rounds"], 0.8))
        t0 = time.perf_counter()
        vr, vc, vw, worst = problem.price(flow.duals, per_row=min(k, DEFAULT_K), budget=budget)
        stats["pricing_s"] = stats.get("pricing_s", 0.0) + time.perf_counter() - t0
        if len(vr) == 0 and not worst.any():
            bound = flow.duals.objective(problem.caps, limit)
            proven = bound == flow.primal
            break
        repaired = Duals(u=flow.duals.u + worst, v=flow.duals.v, lam=flow.duals.lam)
        bound = repaired.objective(problem.caps, limit)
        if len(vr) == 0:
            break  # out of work inside the pricer: not certified, the bound holds
        key = np.concatenate([rows, vr]) * problem.n_cols + np.concatenate([cols, vc])
        _, first = np.unique(key, return_index=True)
        # The next round's LP and pricing cannot be interrupted: started only if
        # the budget affords them (judged by the next graph's size, not a clock).
        if not budget.affords(lp_work(len(first), n_nodes) + problem.price_work()):
            budget.stop("work_limit")
            break
        if budget.wall_exceeded():
            break
        all_w = np.concatenate([w, vw])
        rows = np.concatenate([rows, vr])[first]
        cols = np.concatenate([cols, vc])[first]
        w = all_w[first]
    return rows, cols, w, flow, bound, proven


def _cp_over_tight(
    problem: _Problem,
    rows: np.ndarray,
    cols: np.ndarray,
    w: np.ndarray,
    flow: Flow,
    limit: int,
    budget: WorkBudget,
    stats: dict[str, Any],
) -> tuple[np.ndarray, int]:
    """CP-SAT over the tight pairs: with the optimum as a constraint, any answer is optimal.

    Returns which graph pairs are chosen and their total weight (the flow's when
    CP-SAT gives no answer within its work). CP-SAT is given the work left, at
    least :data:`CP_MIN_WORK` (its deterministic time: the answer is already
    proven, this only picks the pairs), and the wall clock's safety net."""
    chosen, total = flow.chosen, flow.primal
    slack = flow.duals.slack(rows, cols, w)
    tight = slack == 0
    stats["tight_edges"] = int(tight.sum())
    left = budget.left
    work = None if left is None else max(left, CP_MIN_WORK)
    wall = budget.wall_left()
    if wall is not None and wall <= 0:
        budget.stop("wall_clock")
        stats["cp_status"] = "SKIPPED"
        return chosen, total
    cp = solve_cp(
        rows[tight],
        cols[tight],
        w[tight],
        caps=problem.caps,
        limit=limit,
        at_least=total,
        hint=chosen[tight],
        work_limit=work,
        time_limit=wall,
    )
    budget.spend(cp.work)
    stats["cp_status"] = cp.status
    stats["cp_work"] = cp.work
    if cp.chosen is None and wall is not None and cp.wall_time >= wall:
        budget.stop("wall_clock")  # stopped by the safety net, not by its work
    if cp.chosen is not None:
        sel = np.flatnonzero(tight)[cp.chosen]
        chosen = np.zeros(len(rows), dtype=bool)
        chosen[sel] = True
        total = int(w[chosen].sum())
        if total != flow.primal:  # pragma: no cover - the constraint forbids it
            raise RuntimeError("internal error: CP-SAT answer below the proven optimum")
    return chosen, total


def _finish(
    pairs_r: np.ndarray,
    pairs_c: np.ndarray,
    forced: list[tuple[int, int]],
    score_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    scale: WeightScale,
    total_w: int,
    bound_w: int,
    proven: bool,
    started: float,
    stats: dict[str, Any],
    limit: int | None = None,
    tops: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
) -> AssignmentResult:
    is_forced = np.zeros(len(pairs_r) + len(forced), dtype=bool)
    if forced:
        fr, fc = np.array(forced, dtype=np.int64).T
        pairs_r = np.concatenate([pairs_r, fr])
        pairs_c = np.concatenate([pairs_c, fc])
        is_forced[-len(forced) :] = True
    order = np.lexsort((pairs_c, pairs_r))
    pairs = np.stack([pairs_r[order], pairs_c[order]], axis=1).astype(np.int64)
    pair_scores = np.asarray(score_of(pairs[:, 0], pairs[:, 1]), dtype=np.float64)
    objective = float(np.sum(pair_scores))
    gap_w = max(bound_w - total_w, 0)
    unit = scale.tier_priority if scale.priority == "score_first" else 1
    gap = 0.0 if proven else gap_w / unit * scale.resolution
    best_bound = objective + gap * scale.sign
    if not proven and scale.sign > 0:
        # The dual bounds the weights, tiers included: once a tier above the score
        # may still gain (more pairs, more priority people), its bound on the score
        # is useless. Each pair scores at most the best score of its row and of its
        # column: the best such matching of each size bounds the score directly.
        free = len(pairs) - len(forced)
        if scale.priority == "pairs_first":
            # At most gap_w // C more pairs than this solution (C exceeds every
            # total of the tiers below), and no fewer: the most pairs come first.
            extra = gap_w // scale.tier_pairs if scale.tier_pairs > 0 else 0
            if limit is not None:  # no solution has more than `limit` pairs besides the forced
                extra = min(extra, max(limit - free, 0))
            stats["gap_pairs"] = int(extra)
            fewest, most = free, free + extra
        else:
            fewest, most = 0, free if limit is None else max(limit, free)
        forced_score = float(np.sum(pair_scores[is_forced[order]]))
        if tops is None:
            top = (scale.s_max + 0.5) * scale.resolution  # at least every score listed
            ceiling = top * fewest + max(top, 0.0) * (most - fewest)
        else:
            row_top, col_top, caps = tops()
            ceiling = _matching_ceiling(row_top, col_top, caps, fewest, most)
        best_bound = max(objective, min(best_bound, forced_score + ceiling))
    stats["resolution"] = scale.resolution
    stats["objective_int"] = total_w
    stats["bound_int"] = bound_w
    return AssignmentResult(
        pairs=pairs.reshape(-1, 2),
        objective=objective,
        status="OPTIMAL" if proven else "FEASIBLE",
        best_bound=best_bound,
        wall_time=time.perf_counter() - started,
        stats=stats,
    )


def _matching_ceiling(
    row_top: np.ndarray, col_top: np.ndarray, caps: np.ndarray, fewest: int, most: int
) -> float:
    """The most any solution with ``fewest`` to ``most`` pairs can score, when a pair
    scores at most ``min(row_top[i], col_top[j])`` and column ``j`` takes ``caps[j]``.

    ``min`` is supermodular, so for ``p`` pairs the best is the ``p`` highest row
    tops against the ``p`` highest column slots, paired in order: ``F(p) = sum_k<p
    min(x_k, y_k)``, with terms falling in ``k``; the largest ``F`` over the range
    adds the positive terms past ``fewest``. Rows and columns with ``-inf`` (no pair
    left to make) or no capacity take no pair.
    """
    x = np.sort(row_top[np.isfinite(row_top)])[::-1]
    open_ = np.isfinite(col_top) & (caps > 0)
    order = np.argsort(-col_top[open_], kind="stable")
    y_top = col_top[open_][order]
    slots = np.cumsum(caps[open_][order])
    n = int(min(most, len(x), slots[-1] if len(slots) else 0))
    # The k-th highest slot belongs to the first column whose cumulative capacity exceeds k.
    y = y_top[np.searchsorted(slots, np.arange(n), side="right")]
    m = np.minimum(x[:n], y)
    return float(np.sum(m[:fewest]) + np.sum(np.maximum(m[fewest:], 0.0)))
