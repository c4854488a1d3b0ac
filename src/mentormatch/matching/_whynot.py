"""Why not this pair, how sure is that one, who else: exact answers from the optimum.

A :class:`MatchResult` keeps what :func:`~mentormatch.match` solved (:class:`_Context`):
the staff's decisions, the settings, and the arrays the optimizer read (the
allowed-pair mask on the dense path, the certified candidate graph on the
candidate path). Three questions are answered from it, each **exactly** what a
new call of :func:`~mentormatch.match` would give:

* :func:`why_not` (``result.why_not``): the pair forced, as by
  ``match(..., locked=[pair])``;
* :func:`margins` (the ``margin`` columns of ``result.pairs``): the pair
  forbidden, as by ``match(..., forbidden=[pair])``;
* :func:`alternatives` (``result.alternatives``): the best other partners of
  one person, each with its :func:`why_not`.

Two ways to the same numbers
----------------------------
**The dual** (``method="dual"``). On the dense path, when the optimum is proven,
``max_pairs`` cannot bind and the staff's decisions are unchanged by the
question, the problem is a max-weight b-matching (a min-cost flow). Its optimal
dual ``(u, v)`` makes every arc of the residual graph of the optimum
non-negative, and the best matching that contains (or avoids) one pair differs
from the optimum by one alternating cycle through it: one shortest path
(Dijkstra, compiled by numba) from the pair's mentor to its mentee (or back).
The dual comes from one Jonker-Volgenant solve of the same integer weights,
computed on the first question and checked in integers against the result
(feasible, complementary to it): when the check fails, the re-solve is used.
Each question then costs one shortest path: milliseconds at 5,000 x 5,000.

**The warm re-solve** (``method="re-solve"``) everywhere else: the solver
(:func:`~mentormatch.solver.solve_assignment` on the kept mask, or
:func:`~mentormatch.solver.solve_pairs` on the kept candidate graph with a
new certifying pricer) on the stored problem with the staff's decisions
rebuilt for the question (a lock may un-force a mutual request it clashes
with, a forbidden mutual request is no longer forced: exactly as ``match``
would decide). It is exact too, and costs one solve.

When the result itself was stopped by its time limit (``status
"FEASIBLE"``), the numbers compare a re-solve with a result that is not
proven optimal: ``WhyNot.proven`` is ``False`` and the detail says so.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import MatchInfeasibleError
from .._params import param_error

__all__ = ["WhyNot"]

CHANGE_COLUMNS = ["mentee_id", "mentor_id", "action"]
#: ``result.pairs`` columns the margins fill (after the features).
MARGIN_COLUMNS = ("margin_pairs", "margin", "close_call")


# --------------------------------------------------------------------------- answer


@dataclass(frozen=True, eq=False)
class WhyNot:
    """The answer of :meth:`MatchResult.why_not`: why a pair is not made, and what it would cost.

    Attributes
    ----------
    mentee_id, mentor_id : str
    allowed : bool
        Whether the pair could be made: the rules, the staff's forbidden pairs,
        the minimum score and the staff's locks allow it.
    rules : tuple of str
        When not allowed, the codes that forbid it: ``mentee_ineligible``,
        ``mentor_ineligible``, ``same_organization``, ``previous_partners``, a
        pairwise rule's code (``career_stage``...), ``forbidden`` (staff),
        ``min_score``, or a lock conflict (``one_mentor_per_mentee``: the
        mentee is locked to another mentor; ``mentor_capacity``: the mentor's
        places are all locked; ``max_pairs``: locks fill the program).
    in_result : bool
        Whether the pair is in the result.
    pairs_change, score_change : int and float, or None
        For an allowed pair not in the result: what ``match(...,
        locked=[(mentee_id, mentor_id)])`` gives minus this result, in pairs
        and in total score (0 for a pair in the result; ``None`` when not
        allowed). Both are <= 0 (and ``score_change`` can only rise when a higher
        tier pays for it: fewer pairs or ``priority_change < 0``), except when
        the lock takes the place of a forced mutual request it clashes with:
        the optimizer is then freer than before and may gain.
    priority_change : int or None
        The change in the number of previously unmatched applicants matched
        (the tier between pairs and score when the policy favours them; 0 when
        it does not, as then the model does not count them).
    changes : DataFrame
        ``mentee_id``, ``mentor_id``, ``action`` (``"add"`` or ``"drop"``): the
        pairs that change when the pair is forced. Applied to ``result.pairs``
        they give a valid matching with exactly the reported numbers.
    detail : str
        A sentence a coordinator can send (ids only).
    proven : bool
        Whether the numbers compare with a proven optimum (``False`` when the
        result stopped at its time limit).
    method : str
        ``"dual"`` (one shortest path on the optimum's residual graph),
        ``"re-solve"`` (the solver on the stored problem), or ``""`` (nothing
        to compute).
    """

    mentee_id: str
    mentor_id: str
    allowed: bool
    rules: tuple[str, ...]
    in_result: bool
    pairs_change: int | None
    score_change: float | None
    priority_change: int | None
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    detail: str = ""
    proven: bool = True
    method: str = ""

    def __repr__(self) -> str:
        if self.pairs_change is None:
            tail = f"not allowed: {', '.join(self.rules)}"
        else:
            tail = f"pairs {self.pairs_change:+d}, score {self.score_change:+.4f}"
        return f"<WhyNot mentee {self.mentee_id} / mentor {self.mentor_id}: {tail}>"


# --------------------------------------------------------------------------- context


@dataclass(eq=False)
class _Context:
    """What a result keeps to answer why_not, margins and alternatives (no copied matrix)."""

    scorer: Any
    policy: Any
    setup: Any  # _Setup
    locked_ids: list[tuple[str, str]]
    forbidden_ids: list[tuple[str, str]]
    min_score: float | None
    max_pairs: int | None
    time_limit: float | None
    path: str  # "dense" | "candidates"
    scores: Any  # ScoreMatrix (dense) or None
    kept: dict[str, Any]
    rows: np.ndarray  # the result's pairs (positions), forced ones included
    cols: np.ndarray
    objective: float
    proven: bool
    func: str = "match"
    _dual: Any = None  # _Dual, computed on the first question (False: not available)
    stats: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    def pair_set(self) -> set[tuple[int, int]]:
        if "pairs" not in self._cache:
            self._cache["pairs"] = set(zip(self.rows.tolist(), self.cols.tolist(), strict=True))
        return self._cache["pairs"]

    def load(self) -> np.ndarray:
        """Pairs per mentor in the result (forced ones included)."""
        if "load" not in self._cache:
            self._cache["load"] = np.bincount(self.cols, minlength=self.scorer.shape[1])
        return self._cache["load"]


@dataclass
class _Solution:
    rows: np.ndarray
    cols: np.ndarray
    objective: float


def _positions(ctx: _Context, mentee_id: Any, mentor_id: Any, func: str) -> tuple[int, int]:
    sc = ctx.scorer
    mentee_pos = sc.mentee_ids_.get_indexer([str(mentee_id).strip()])[0]
    mentor_pos = sc.mentor_ids_.get_indexer([str(mentor_id).strip()])[0]
    if mentee_pos < 0:
        raise param_error("mentee_id", func, "the id of a mentee of this cohort", mentee_id)
    if mentor_pos < 0:
        raise param_error("mentor_id", func, "the id of a mentor of this cohort", mentor_id)
    return int(mentee_pos), int(mentor_pos)


def _pair_score(ctx: _Context, i: int, j: int) -> float:
    if ctx.scores is not None:
        return float(ctx.scores.total[i, j])
    block = ctx.scorer.score_block(np.array([i]), np.array([j]), keep_features=False)
    return float(block.total[0, 0])


def _blocking_rules(ctx: _Context, i: int, j: int) -> list[str]:
    """Codes of the rules, staff forbids and minimum score that forbid the pair."""
    codes = [code for code, _ in ctx.scorer.rules_.why_not(i, j)]
    if (i, j) in set(ctx.setup.forbidden):
        codes.append("forbidden")
    if ctx.min_score is not None and np.float32(_pair_score(ctx, i, j)) < np.float32(ctx.min_score):
        codes.append("min_score")
    return codes


# --------------------------------------------------------------------------- re-solve


def _mutual_pairs(ctx: _Context) -> set[tuple[int, int]]:
    if "mutual" in ctx._cache:
        return ctx._cache["mutual"]
    req = ctx.setup.requests
    if "mutual" not in req.columns or not len(req):
        ctx._cache["mutual"] = set()
        return ctx._cache["mutual"]
    mutual = req[req["mutual"].astype(bool)]
    ctx._cache["mutual"] = set(
        zip(mutual["_i"].astype(int).tolist(), mutual["_j"].astype(int).tolist(), strict=True)
    )
    return ctx._cache["mutual"]


def _question_setup(ctx: _Context, lock: tuple[int, int] | None, forbid: tuple[int, int] | None):
    """The staff's decisions as ``match`` would make them with one more lock or forbidden pair.

    Rebuilt in full (:meth:`_Setup.build`) only when the question can change a mutual
    request's or a lock's fate; else the same decisions plus the pair.
    """
    s = ctx.setup
    mutual = _mutual_pairs(ctx)
    if lock is not None:
        i, j = lock
        load = sum(1 for _, b in s.locked if b == j)
        touches = any(a == i or b == j for a, b in mutual)
        spots = (
            s.max_pairs is None
            or len(s.locked) + 1 + (len(s.forced) - len(s.locked)) <= s.max_pairs
        )
        if not touches and i not in {a for a, _ in s.locked} and load < s.capacities[j] and spots:
            reason = dict(s.forced_reason)
            reason[lock] = "locked"
            return dataclasses.replace(
                s,
                forced=[*s.locked, lock, *s.forced[len(s.locked) :]],
                locked=[*s.locked, lock],
                forced_reason=reason,
            )
    if forbid is not None and forbid not in mutual and forbid not in set(s.locked):
        return dataclasses.replace(s, forbidden=[*s.forbidden, forbid])
    sc = ctx.scorer

    def as_ids(p: tuple[int, int]) -> tuple[str, str]:
        return (str(sc.mentee_ids_[p[0]]), str(sc.mentor_ids_[p[1]]))

    return _rebuilt_setup(
        ctx, None if lock is None else as_ids(lock), None if forbid is None else as_ids(forbid)
    )


def _rebuilt_setup(ctx: _Context, lock: tuple[str, str] | None, forbid: tuple[str, str] | None):
    from ._staff import _Setup

    locked = list(ctx.locked_ids) + ([lock] if lock else [])
    forbidden = list(ctx.forbidden_ids) + ([forbid] if forbid else [])
    return _Setup.build(ctx.scorer, ctx.policy, locked, forbidden, ctx.max_pairs, ctx.func)


def _resolve(ctx: _Context, setup: Any, forbid_pos: tuple[int, int] | None) -> _Solution:
    """The solver on the stored problem with ``setup``'s decisions (and one more forbidden pair)."""
    policy = ctx.policy
    if ctx.path == "dense":
        from ..solver import solve_assignment

        allowed = ctx.kept["final"].copy()
        if forbid_pos is not None:
            allowed[forbid_pos] = False
        if setup.forced:
            r, c = np.array(setup.forced).T
            allowed[r, c] = True
        solved = solve_assignment(
            ctx.scores.total,
            capacities=setup.capacities,
            allowed=allowed,
            forced=setup.forced,
            max_pairs=setup.max_pairs,
            time_limit=ctx.time_limit,
            priority=policy.matching.priority,
            row_priority=setup.mentee_priority,
            col_priority=setup.mentor_priority,
        )
    else:
        solved = _resolve_candidates(ctx, setup, forbid_pos)
    pairs = np.asarray(solved.pairs, dtype=np.int64).reshape(-1, 2)
    scores = _scores_of(ctx, pairs[:, 0], pairs[:, 1])
    return _Solution(pairs[:, 0], pairs[:, 1], float(np.sum(scores.astype(np.float64))))


def _resolve_candidates(ctx: _Context, setup: Any, forbid_pos: tuple[int, int] | None) -> Any:
    """:func:`solve_pairs` on the kept candidate graph, edited for the question."""
    from ..candidates import BlockSource, make_pricer
    from ..solver import solve_pairs

    graph = ctx.kept["graph"]
    sc = ctx.scorer
    n_cols = sc.shape[1]
    rows, cols, scores = graph.rows, graph.cols, graph.scores
    keep = np.ones(len(rows), dtype=bool)
    # Pairs in the graph only because they were forced, and no longer are, go unless allowed.
    old_forced = set(ctx.setup.forced) - set(setup.forced)
    key = rows.astype(np.int64) * n_cols + cols
    for i, j in old_forced:
        ok = bool(sc.rules_.allowed(np.array([i]), np.array([j]))[0, 0])
        ok &= (i, j) not in set(setup.forbidden)
        if ctx.min_score is not None:
            ok &= bool(np.float32(_pair_score(ctx, i, j)) >= np.float32(ctx.min_score))
        if not ok:
            keep &= key != i * n_cols + j
    res_r, res_c, res_s = graph.reserve_rows, graph.reserve_cols, graph.reserve_scores
    if forbid_pos is not None:
        keep &= key != forbid_pos[0] * n_cols + forbid_pos[1]
        rkey = res_r.astype(np.int64) * n_cols + res_c
        rk = rkey != forbid_pos[0] * n_cols + forbid_pos[1]
        res_r, res_c, res_s = res_r[rk], res_c[rk], res_s[rk]
    rows, cols, scores, key = rows[keep], cols[keep], scores[keep], key[keep]
    extra = [p for p in setup.forced if p[0] * n_cols + p[1] not in set(key.tolist())]
    if extra:
        er, ec = (np.array(a, dtype=rows.dtype) for a in zip(*extra, strict=True))
        es = np.array([_pair_score(ctx, int(a), int(b)) for a, b in extra], dtype=scores.dtype)
        rows, cols, scores = (
            np.concatenate([rows, er]),
            np.concatenate([cols, ec]),
            np.concatenate([scores, es]),
        )
    edited = dataclasses.replace(
        graph,
        rows=rows,
        cols=cols,
        scores=scores,
        reserve_rows=res_r,
        reserve_cols=res_c,
        reserve_scores=res_s,
        stats={},
    )
    source = BlockSource(sc, setup.forbidden, ctx.min_score)
    pricer = make_pricer(
        sc, edited, forbidden=setup.forbidden, min_score=ctx.min_score, source=source
    )
    policy = ctx.policy
    return solve_pairs(
        edited.rows,
        edited.cols,
        edited.scores,
        n_rows=sc.shape[0],
        n_cols=n_cols,
        capacities=setup.capacities,
        forced=setup.forced,
        max_pairs=setup.max_pairs,
        time_limit=ctx.time_limit,
        priority=policy.matching.priority,
        row_priority=setup.mentee_priority,
        col_priority=setup.mentor_priority,
        score_range=(0.0, 1.0),
        pricer=pricer,
        k=max(len(edited.rows), 1),
        pricer_rows=graph.n_final[0] > 0,
        score_tops=graph.best_final,
    )


def _scores_of(ctx: _Context, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(0, dtype=np.float64)
    if ctx.scores is not None:
        return np.asarray(ctx.scores.total[rows, cols], dtype=np.float64)
    from ..candidates import pair_features

    total, _ = pair_features(ctx.scorer, rows, cols)
    return np.asarray(total, dtype=np.float64)


# --------------------------------------------------------------------------- the dual


@dataclass
class _Dual:
    """An optimal dual of the result's b-matching and the arrays the shortest paths read."""

    u: np.ndarray  # int64 per mentee (0 for forced or unmatched ones)
    v: np.ndarray  # int64 per mentor
    row_free: np.ndarray
    col_open: np.ndarray
    match_col: np.ndarray  # per mentee: mentor of its optimized pair, -1
    col_ptr: np.ndarray  # CSR: optimized mentees of each mentor
    col_rows: np.ndarray
    used: np.ndarray
    caps_left: np.ndarray
    prio_row: np.ndarray  # int64 0/1
    prio_col: np.ndarray
    scale: Any
    allowed: np.ndarray  # the kept mask of the optimized pairs (no copy)


def _dual(ctx: _Context) -> _Dual | None:
    """The dual of the result (computed once), or ``None`` when the fast path does not apply."""
    if ctx._dual is None:
        t0 = time.perf_counter()
        try:
            ctx._dual = _compute_dual(ctx) or False
        except MemoryError:  # pragma: no cover - the re-solve still answers
            ctx._dual = False
        ctx.stats["dual_s"] = time.perf_counter() - t0
        ctx.stats["dual"] = ctx._dual is not False
    return ctx._dual or None


def _compute_dual(ctx: _Context) -> _Dual | None:
    from ..solver._jv import certify, lap_dense
    from ..solver._weights import WeightScale, _max_priority

    if ctx.path != "dense" or not ctx.proven or ctx.scores is None:
        return None
    setup = ctx.setup
    total = ctx.scores.total
    final = ctx.kept["final"]
    n, m = total.shape
    caps = setup.capacities
    row_free = np.ones(n, dtype=bool)
    caps_left = caps.astype(np.int64).copy()
    for i, j in setup.forced:
        row_free[i] = False
        caps_left[j] -= 1
    if setup.max_pairs is not None and setup.max_pairs - len(setup.forced) < min(
        n, int(caps.sum())
    ):
        return None  # the spot limit could bind: not a plain b-matching
    col_open = caps_left > 0
    ok = final.copy()
    if setup.forced:
        r, c = np.array(setup.forced).T
        ok[r, c] = True
    row_prio = setup.mentee_priority
    col_prio = setup.mentor_priority
    has_prio = bool(
        (row_prio is not None and row_prio.any()) or (col_prio is not None and col_prio.any())
    )
    ok &= ~np.isnan(total)
    rf = ok.any(axis=1) & row_free
    limit = int(min(rf.sum(), caps_left[ok.any(axis=0)].sum()))
    scale = WeightScale.build(
        total,
        where=ok,
        maximize=True,
        priority=ctx.policy.matching.priority,
        has_priority=has_prio,
        max_pairs=max(limit, 1),
        n_nodes=n + m + 2,
        resolution=None,
        max_priority=_max_priority(row_prio, col_prio, caps_left, limit),
    )
    prio_row = np.zeros(n, np.int64) if row_prio is None else row_prio.astype(np.int64)
    prio_col = np.zeros(m, np.int64) if col_prio is None else col_prio.astype(np.int64)
    rows = np.flatnonzero(row_free)
    slots = np.repeat(np.arange(m), np.maximum(caps_left, 0))
    if len(rows) == 0 or len(slots) == 0 or len(rows) * len(slots) > 30_000_000:
        return None
    prio = prio_row[rows][:, None] + prio_col[slots][None, :] if has_prio else None
    with np.errstate(invalid="ignore"):
        w = scale.weights(total[np.ix_(rows, slots)], prio)
    w[~final[np.ix_(rows, slots)]] = 0
    np.maximum(w, 0, out=w)
    # JV's bound on costs (MAX_COST) is where its sums are sure to fit; above it (the
    # priority tier of large cohorts) its answer is still proven below (certify, then the
    # complementary slackness with the result, in exact integers). The shortest paths sum
    # at most n + m + 2 reduced costs, each below 2 max(w): that must fit int64.
    top = int(w.max(initial=0))
    if top == 0 or top > 2**62 // (4 * (n + m + 2)):
        return None
    transposed = len(rows) > len(slots)
    a_n, a_m = (len(slots), len(rows)) if transposed else (len(rows), len(slots))
    mat = np.zeros((a_n, a_m + 1), np.int64)  # one more column, always free
    mat[:, :a_m] = w.T if transposed else w
    del w
    col_of_row, a, b = lap_dense(mat, maximize=True)
    if not certify(mat, col_of_row, a, b, maximize=True):  # pragma: no cover
        return None
    # (a, b) is the dual of -mat; the b-matching dual is its negation, one value per mentor.
    if transposed:
        u_rows, v_slots = -b[:-1], -a
    else:
        u_rows, v_slots = -a, -b[:-1]
    u = np.zeros(n, np.int64)
    u[rows] = u_rows
    v = np.zeros(m, np.int64)
    np.maximum.at(v, slots, v_slots)
    # The result's own optimized pairs.
    forced = set(setup.forced)
    opt = [
        (int(i), int(j)) for i, j in zip(ctx.rows, ctx.cols, strict=True) if (i, j) not in forced
    ]
    match_col = np.full(n, -1, np.int64)
    used = np.zeros(m, np.int64)
    if opt:
        oi, oj = np.array(opt, dtype=np.int64).T
        match_col[oi] = oj
        np.add.at(used, oj, 1)
    order = np.argsort(match_col, kind="stable")
    order = order[match_col[order] >= 0]
    col_rows = order.astype(np.int64)
    col_ptr = np.zeros(m + 1, np.int64)
    np.cumsum(used, out=col_ptr[1:])
    dual = _Dual(
        u=u,
        v=v,
        row_free=row_free,
        col_open=col_open,
        match_col=match_col,
        col_ptr=col_ptr,
        col_rows=col_rows,
        used=used,
        caps_left=caps_left,
        prio_row=prio_row,
        prio_col=prio_col,
        scale=scale,
        allowed=final,
    )
    if not _complementary(dual, total):
        return None
    return dual


def _complementary(d: _Dual, total: Any) -> bool:
    """The dual (feasible: ``certify``) is complementary to the result's pairs: both optimal."""
    if (d.u < 0).any() or (d.v < 0).any():
        return False
    mi = np.flatnonzero(d.match_col >= 0)
    if len(mi):
        wm = _weights(d, total, mi, d.match_col[mi])
        if (d.u[mi] + d.v[d.match_col[mi]] != wm).any():
            return False
    unmatched = d.row_free & (d.match_col < 0)
    if (d.u[unmatched] != 0).any():
        return False
    not_full = d.used < d.caps_left
    return not (d.v[not_full] != 0).any()


def _weights(d: _Dual, total: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    prio = d.prio_row[rows] + d.prio_col[cols] if d.scale.has_priority else None
    return d.scale.weights(np.asarray(total[rows, cols]), prio)


_KERNELS: dict[str, Any] = {}


def _kernels() -> dict[str, Any]:
    if _KERNELS:
        return _KERNELS
    from mentormatch._jit import njit

    @njit(nogil=True)
    def shortest(  # pragma: no cover - compiled
        src,
        dst,
        total,
        allowed,
        row_free,
        col_open,
        u,
        v,
        match_col,
        col_ptr,
        col_rows,
        used,
        caps_left,
        prio_row,
        prio_col,
        resolution,
        s_min,
        tier_p,
        tier_c,
        pairs_first,
        has_prio,
        n_flow,
        limit,
    ):
        # Dijkstra on the reduced costs of the residual graph, dense (as JV's augmentation):
        # the mentors' labels in an array, the next one by a linear scan, no heap. A mentee
        # is reached when the mentor it is paired with is settled (arc cost 0), or from s.
        n, m = total.shape
        s_node = n + m
        t_node = n + m + 1
        big = np.int64(2**62)
        dist = np.full(n + m + 2, big, dtype=np.int64)
        pred = np.full(n + m + 2, -1, dtype=np.int64)
        done = np.zeros(n + m + 2, dtype=np.bool_)
        stack = np.empty(n + 1, dtype=np.int64)  # mentees reached, still to scan

        dist[src] = 0
        x = src
        while True:
            d = dist[x]
            done[x] = True
            if x == dst:
                return d, pred, dist
            # mentees reached from x at distance d (they are settled at d too)
            top = 0
            if x < n:
                stack[0] = x
                top = 1
            elif x < n + m:
                j = x - n
                for k in range(col_ptr[j], col_ptr[j + 1]):
                    r = col_rows[k]
                    if not done[r]:
                        dist[r] = d
                        pred[r] = x
                        stack[top] = r
                        top += 1
                if used[j] < caps_left[j] and d < dist[t_node]:
                    dist[t_node] = d
                    pred[t_node] = x
            elif x == s_node:
                for r in range(n):
                    if row_free[r] and match_col[r] < 0 and not done[r]:
                        dist[r] = d
                        pred[r] = x
                        stack[top] = r
                        top += 1
                if n_flow > 0 and d < dist[t_node]:
                    dist[t_node] = d
                    pred[t_node] = x
            else:  # t
                for j in range(m):
                    y = n + j
                    if used[j] > 0 and not done[y] and d + v[j] < dist[y]:
                        dist[y] = d + v[j]
                        pred[y] = x
                if d < dist[s_node]:
                    dist[s_node] = d
                    pred[s_node] = x
            for q in range(top):
                i = stack[q]
                done[i] = True
                if i == dst:
                    return d, pred, dist
                if not row_free[i]:
                    continue
                base = d + u[i]
                for j in range(m):
                    y = n + j
                    if done[y] or not col_open[j] or not allowed[i, j] or match_col[i] == j:
                        continue
                    sint = np.int64(np.rint(np.float64(total[i, j]) / resolution))
                    if pairs_first:
                        w = tier_c + (sint - s_min + 1)
                        if has_prio:
                            w += tier_p * (prio_row[i] + prio_col[j])
                    else:
                        w = sint * tier_p
                        if has_prio:
                            w += prio_row[i] + prio_col[j]
                        if w <= 0:
                            continue
                    nd = base + v[j] - w
                    if nd < dist[y]:
                        dist[y] = nd
                        pred[y] = i
                if match_col[i] >= 0 and not done[s_node] and base < dist[s_node]:
                    dist[s_node] = base
                    pred[s_node] = i
            # the next node: the closest unsettled mentor, s or t
            best = big
            x = -1
            for j in range(m):
                y = n + j
                if not done[y] and dist[y] < best:
                    best = dist[y]
                    x = y
            if not done[s_node] and dist[s_node] < best:
                best = dist[s_node]
                x = s_node
            if not done[t_node] and dist[t_node] < best:
                best = dist[t_node]
                x = t_node
            if x < 0 or best >= limit:  # no path, or none shorter than the limit
                return big, pred, dist

    @njit(nogil=True)
    def to_target(  # pragma: no cover - compiled
        dst,
        total,
        allowed,
        row_free,
        col_open,
        u,
        v,
        match_col,
        used,
        caps_left,
        prio_row,
        prio_col,
        resolution,
        s_min,
        tier_p,
        tier_c,
        pairs_first,
        has_prio,
        n_flow,
    ):
        # Every node's distance TO node dst (Dijkstra on the reversed residual graph,
        # same reduced costs, dense: labels in one array, the next by a linear scan).
        n, m = total.shape
        s_node = n + m
        t_node = n + m + 1
        big = np.int64(2**62)
        dist = np.full(n + m + 2, big, dtype=np.int64)
        done = np.zeros(n + m + 2, dtype=np.bool_)
        dist[dst] = 0
        while True:
            best = big
            x = -1
            for y in range(n + m + 2):
                if not done[y] and dist[y] < best:
                    best = dist[y]
                    x = y
            if x < 0:
                return dist
            d = best
            done[x] = True
            if x < n:  # into mentee r: from its mentor (0), or from s when unmatched
                r = x
                c = match_col[r]
                if c >= 0:
                    if d < dist[n + c]:
                        dist[n + c] = d
                elif row_free[r] and d < dist[s_node]:
                    dist[s_node] = d
            elif x < n + m:  # into mentor c: from mentees by an unmatched pair, from t
                c = x - n
                if col_open[c]:
                    for r in range(n):
                        if done[r] or not row_free[r] or not allowed[r, c] or match_col[r] == c:
                            continue
                        sint = np.int64(np.rint(np.float64(total[r, c]) / resolution))
                        if pairs_first:
                            w = tier_c + (sint - s_min + 1)
                            if has_prio:
                                w += tier_p * (prio_row[r] + prio_col[c])
                        else:
                            w = sint * tier_p
                            if has_prio:
                                w += prio_row[r] + prio_col[c]
                            if w <= 0:
                                continue
                        nd = d + u[r] + v[c] - w
                        if nd < dist[r]:
                            dist[r] = nd
                if used[c] > 0 and d + v[c] < dist[t_node]:
                    dist[t_node] = d + v[c]
            elif x == s_node:  # into s: from matched mentees (u), from t
                for r in range(n):
                    if match_col[r] >= 0 and not done[r] and d + u[r] < dist[r]:
                        dist[r] = d + u[r]
                if d < dist[t_node]:
                    dist[t_node] = d
            else:  # into t: from mentors with a free place, from s when pairs exist
                for c in range(m):
                    if used[c] < caps_left[c] and d < dist[n + c]:
                        dist[n + c] = d
                if n_flow > 0 and d < dist[s_node]:
                    dist[s_node] = d

    _KERNELS["to_target"] = to_target
    _KERNELS["shortest"] = shortest
    return _KERNELS


def _all_distances(ctx: _Context, d: _Dual, node: int, *, to: bool) -> np.ndarray:
    """Reduced distances from ``node`` to every node (``to=False``) or to ``node`` from each."""
    sc = d.scale
    common = (
        float(sc.resolution),
        np.int64(sc.s_min),
        np.int64(sc.tier_priority),
        np.int64(sc.tier_pairs),
        sc.priority == "pairs_first",
        bool(sc.has_priority),
        np.int64(int((d.match_col >= 0).sum())),
    )
    total = ctx.scores.total
    if to:
        return _kernels()["to_target"](
            np.int64(node),
            total,
            d.allowed,
            d.row_free,
            d.col_open,
            d.u,
            d.v,
            d.match_col,
            d.used,
            d.caps_left,
            d.prio_row,
            d.prio_col,
            *common,
        )
    _, _, dist = _kernels()["shortest"](
        np.int64(node),
        np.int64(-1),
        total,
        d.allowed,
        d.row_free,
        d.col_open,
        d.u,
        d.v,
        d.match_col,
        d.col_ptr,
        d.col_rows,
        d.used,
        d.caps_left,
        d.prio_row,
        d.prio_col,
        *common,
        np.int64(2**62),
    )
    return dist


def _cycle(
    ctx: _Context, d: _Dual, src: int, dst: int, limit: int = 2**62
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
    """The pairs added and dropped along the shortest path ``src -> dst`` (None: no path
    shorter than ``limit``, in reduced integer weights)."""
    total = ctx.scores.total
    n, m = total.shape
    sc = d.scale
    dist, pred, _ = _kernels()["shortest"](
        np.int64(src),
        np.int64(dst),
        total,
        d.allowed,
        d.row_free,
        d.col_open,
        d.u,
        d.v,
        d.match_col,
        d.col_ptr,
        d.col_rows,
        d.used,
        d.caps_left,
        d.prio_row,
        d.prio_col,
        float(sc.resolution),
        np.int64(sc.s_min),
        np.int64(sc.tier_priority),
        np.int64(sc.tier_pairs),
        sc.priority == "pairs_first",
        bool(sc.has_priority),
        np.int64(int((d.match_col >= 0).sum())),
        np.int64(limit),
    )
    if dist >= 2**62:
        return None
    add: list[tuple[int, int]] = []
    drop: list[tuple[int, int]] = []
    x = dst
    while x != src:
        p = int(pred[x])
        if p < n and n <= x < n + m:
            add.append((p, x - n))
        elif n <= p < n + m and x < n:
            drop.append((x, p - n))
        x = p
    return add, drop


# --------------------------------------------------------------------------- questions


@dataclass
class _Delta:
    pairs: int
    score: float
    priority: int
    add: list[tuple[int, int]]
    drop: list[tuple[int, int]]
    method: str


def _delta_from(ctx: _Context, add: list, drop: list, method: str) -> _Delta:
    ar = np.array([p[0] for p in add], np.int64)
    ac = np.array([p[1] for p in add], np.int64)
    dr = np.array([p[0] for p in drop], np.int64)
    dc = np.array([p[1] for p in drop], np.int64)
    score = float(np.sum(_scores_of(ctx, ar, ac)) - np.sum(_scores_of(ctx, dr, dc)))
    return _Delta(len(add) - len(drop), score, _priority_delta(ctx, add, drop), add, drop, method)


def _priority_delta(ctx: _Context, add: list, drop: list) -> int:
    """Change in priority people matched: mentees and mentors whose matched status flips."""
    s = ctx.setup
    out = 0
    if s.mentee_priority is not None:
        gained = {a for a, _ in add} - {a for a, _ in drop}
        lost = {a for a, _ in drop} - {a for a, _ in add}
        out += int(
            sum(s.mentee_priority[a] for a in gained) - sum(s.mentee_priority[a] for a in lost)
        )
    if s.mentor_priority is not None:
        load = ctx.load()
        net: dict[int, int] = {}
        for _, b in add:
            net[b] = net.get(b, 0) + 1
        for _, b in drop:
            net[b] = net.get(b, 0) - 1
        for b, k in net.items():
            was, now = load[b] > 0, load[b] + k > 0
            out += int(s.mentor_priority[b]) * (int(now) - int(was))
    return out


def _delta_resolved(ctx: _Context, sol: _Solution) -> _Delta:
    old = ctx.pair_set()
    new = set(zip(sol.rows.tolist(), sol.cols.tolist(), strict=True))
    add, drop = sorted(new - old), sorted(old - new)
    delta = _delta_from(ctx, add, drop, "re-solve")
    delta.score = sol.objective - ctx.objective
    return delta


def _forced_delta(ctx: _Context, i: int, j: int) -> _Delta:
    """The exact effect of locking (i, j); raises MatchInfeasibleError on a lock conflict."""
    setup = _question_setup(ctx, (i, j), None)
    if set(setup.forced) == set(ctx.setup.forced) | {(i, j)}:
        d = _dual(ctx)
        if d is not None and d.row_free[i] and d.col_open[j]:
            n = ctx.scores.total.shape[0]
            found = _cycle(ctx, d, n + j, i)
            if found is not None:
                add, drop = found
                return _delta_from(ctx, [(i, j), *add], drop, "dual")
    return _delta_resolved(ctx, _resolve(ctx, setup, None))


def _forbidden_delta(ctx: _Context, i: int, j: int) -> _Delta:
    """The exact effect of forbidding (i, j), a pair of the result (not locked)."""
    setup = _question_setup(ctx, None, (i, j))
    if set(setup.forced) == set(ctx.setup.forced):
        d = _dual(ctx)
        if d is not None and d.match_col[i] == j:
            n = ctx.scores.total.shape[0]
            found = _cycle(ctx, d, i, n + j)
            if found is not None:
                add, drop = found
                return _delta_from(ctx, add, [(i, j), *drop], "dual")
    return _delta_resolved(ctx, _resolve(ctx, setup, (i, j)))


def why_not(ctx: _Context, mentee_id: Any, mentor_id: Any, func: str) -> WhyNot:
    """:meth:`MatchResult.why_not` (see there)."""
    i, j = _positions(ctx, mentee_id, mentor_id, func)
    return _why_not_at(ctx, i, j)


def _why_not_at(ctx: _Context, i: int, j: int, delta: _Delta | None = None) -> WhyNot:
    sc = ctx.scorer
    mentee, mentor = str(sc.mentee_ids_[i]), str(sc.mentor_ids_[j])
    in_result = (i, j) in ctx.pair_set()
    caveat = (
        ""
        if ctx.proven
        else " (The result stopped at its time limit and is not proven optimal: the numbers "
        "compare a new solve with it.)"
    )
    base: dict[str, Any] = {"mentee_id": mentee, "mentor_id": mentor, "proven": ctx.proven}
    if in_result:
        return WhyNot(
            **base,
            allowed=True,
            rules=(),
            in_result=True,
            pairs_change=0,
            score_change=0.0,
            priority_change=0,
            detail=f"Mentee {mentee} and mentor {mentor} are paired in this result.",
        )
    blocking = _blocking_rules(ctx, i, j)
    if blocking:
        sentences = [s for _, s in sc.rules_.why_not(i, j)]
        if "forbidden" in blocking:
            sentences.append("Staff forbade this pair.")
        if "min_score" in blocking:
            sentences.append(
                f"The pair scores {_pair_score(ctx, i, j):.3f}, below the minimum score of "
                f"{ctx.min_score:g}."
            )
        return WhyNot(
            **base,
            allowed=False,
            rules=tuple(blocking),
            in_result=False,
            pairs_change=None,
            score_change=None,
            priority_change=None,
            detail=f"Mentee {mentee} and mentor {mentor} cannot be paired: " + " ".join(sentences),
        )
    if delta is None:
        try:
            delta = _forced_delta(ctx, i, j)
        except MatchInfeasibleError as exc:
            codes = tuple(dict.fromkeys(str(r) for r in exc.conflicts["rule"]))
            lines = "; ".join(str(t) for t in exc.conflicts["detail"])
            return WhyNot(
                **base,
                allowed=False,
                rules=codes,
                in_result=False,
                pairs_change=None,
                score_change=None,
                priority_change=None,
                detail=f"Mentee {mentee} and mentor {mentor} cannot be paired as well as the "
                f"staff's locks: {lines}",
            )
    changes = _changes_frame(ctx, delta)
    return WhyNot(
        **base,
        allowed=True,
        rules=(),
        in_result=False,
        pairs_change=delta.pairs,
        score_change=delta.score,
        priority_change=delta.priority,
        changes=changes,
        detail=_sentence(mentee, mentor, delta) + caveat,
        method=delta.method,
    )


def _changes_frame(ctx: _Context, delta: _Delta) -> pd.DataFrame:
    sc = ctx.scorer
    rows = [(p, "add") for p in sorted(delta.add)] + [(p, "drop") for p in sorted(delta.drop)]
    return pd.DataFrame(
        {
            "mentee_id": pd.array([str(sc.mentee_ids_[p[0]]) for p, _ in rows], dtype="string"),
            "mentor_id": pd.array([str(sc.mentor_ids_[p[1]]) for p, _ in rows], dtype="string"),
            "action": pd.array([a for _, a in rows], dtype="string"),
        },
        columns=CHANGE_COLUMNS,
    )


def _sentence(mentee: str, mentor: str, delta: _Delta) -> str:
    n_other = len(delta.add) - 1 + len(delta.drop)
    parts = [f"Pairing mentee {mentee} with mentor {mentor} is possible"]
    if delta.pairs < 0:
        k = -delta.pairs
        parts.append(
            f", but the program would make {k} pair{'s' if k != 1 else ''} fewer"
            f" and the total match score would change by {delta.score:+.3f}"
        )
    elif delta.score < 0:
        parts.append(f", but the total match score would fall by {-delta.score:.3f}")
    elif delta.score > 0:
        parts.append(
            f"; the total match score would even rise by {delta.score:.3f}, as a staff lock "
            "takes the place of the mutual requests it clashes with"
        )
    else:
        parts.append(" at no cost")
    if delta.priority < 0:
        k = -delta.priority
        parts.append(
            f", and {k} applicant{'s' if k != 1 else ''} unmatched last time would stay unmatched"
        )
    moved = f"; {n_other} other pair{'s' if n_other != 1 else ''} would change" if n_other else ""
    tail = (
        " The current pairs are the best the rules allow."
        if delta.score <= 0 or delta.priority < 0 or delta.pairs < 0
        else " The mutual requests are forced by the program's rules; staff may lock this pair."
    )
    return "".join(parts) + moved + "." + tail


# --------------------------------------------------------------------------- margins


#: The margins of every pair are computed exactly while their shortest paths read at
#: most this many cells in all (pairs x mentees x mentors: about 1,000 pairs of
#: 1,000 x 1,000 takes 7 s on one core); above it only the close calls are exact.
MARGIN_CELLS = 2_000_000_000
#: Without the dual (candidate path, spot limit, time limit), margins by one solve per
#: pair, for results of at most this many pairs.
MARGIN_RESOLVES = 200


def margins_are_cheap(ctx: _Context) -> bool:
    """Whether ``result.pairs`` computes the margins on first access (else ``result.margins()``)."""
    n_rows, n_cols = ctx.scorer.shape
    if ctx.path == "dense" and ctx.proven:
        return len(ctx.rows) * n_rows * n_cols <= MARGIN_CELLS
    return len(ctx.rows) <= MARGIN_RESOLVES


def pending_margins(n: int) -> pd.DataFrame:
    """The margin columns before they are computed (``result.margins()``)."""
    return pd.DataFrame(
        {
            "margin_pairs": pd.array([pd.NA] * n, dtype="Int64"),
            "margin": np.full(n, np.nan),
            "close_call": pd.array([pd.NA] * n, dtype="boolean"),
        }
    )


def margins(ctx: _Context, close_call: float) -> pd.DataFrame:
    """``margin_pairs``, ``margin`` and ``close_call`` for each pair of the result (its order).

    ``margin_pairs`` and ``margin`` are what this result has more than
    ``match(..., forbidden=[pair])``: pairs, and total score. A locked pair
    cannot be forbidden (staff decided): ``<NA>`` and ``nan``. Only optimized
    pairs can be close calls (a forced mutual request may even have a negative
    margin: without it the optimizer would do better).

    How much is computed (``result.stats["margins"]``):

    * ``"exact"``: every margin (dual shortest paths while they read at most
      :data:`MARGIN_CELLS` cells, else one solve per pair up to
      :data:`MARGIN_RESOLVES` pairs);
    * ``"close calls"`` (larger dense results): each pair's shortest path is
      stopped at the close-call threshold, so ``close_call`` is exact for
      every pair and ``margin`` is given for the close calls, ``nan`` for the
      others (which lose at least the threshold) and for the forced mutual
      requests (never close calls; each would cost a solve);
    * ``"not computed"`` (large results without the dual: the candidate path,
      a binding spot limit, a time-limited result): ``<NA>`` everywhere; ask
      ``result.why_not`` or a new ``match(..., forbidden=[pair])``.
    """
    t0 = time.perf_counter()
    n = len(ctx.rows)
    lost_pairs = np.zeros(n, np.int64)
    lost_score = np.full(n, np.nan)
    lost_prio = np.zeros(n, np.int64)
    known = np.zeros(n, dtype=bool)
    close_known = np.zeros(n, dtype=bool)
    reasons = ctx.setup.forced_reason
    optimized = np.array(
        [(int(i), int(j)) not in reasons for i, j in zip(ctx.rows, ctx.cols, strict=True)],
        dtype=bool,
    )
    d = _dual(ctx) if n else None
    n_rows, n_cols = ctx.scorer.shape
    if d is not None:
        mode = "exact" if n * n_rows * n_cols <= MARGIN_CELLS else "close calls"
    else:
        mode = "exact" if n <= MARGIN_RESOLVES else "not computed"
    limit = 2**62
    if mode == "close calls" and d is not None:
        units = int(np.ceil(close_call / d.scale.resolution)) + 2 * n + 2  # rounding slack
        limit = units * (d.scale.tier_priority if d.scale.priority == "score_first" else 1)
    methods: dict[str, int] = {}
    for k in range(n if mode != "not computed" else 0):  # one shortest path (or solve) a pair
        i, j = int(ctx.rows[k]), int(ctx.cols[k])
        if reasons.get((i, j)) == "locked" or (mode == "close calls" and not optimized[k]):
            close_known[k] = True  # never a close call; a forced pair's margin costs a solve
            continue
        if mode == "close calls" and d is not None and d.match_col[i] == j:
            found = _cycle(ctx, d, i, n_rows + j, limit)
            if found is None:  # loses at least the threshold: not a close call
                close_known[k] = True
                methods["dual (stopped)"] = methods.get("dual (stopped)", 0) + 1
                continue
            delta = _delta_from(ctx, found[0], [(i, j), *found[1]], "dual")
        else:
            delta = _forbidden_delta(ctx, i, j)
        lost_pairs[k], lost_score[k], lost_prio[k] = -delta.pairs, -delta.score, -delta.priority
        known[k] = close_known[k] = True
        methods[delta.method] = methods.get(delta.method, 0) + 1
    close = optimized & known & (lost_pairs == 0) & (lost_prio == 0) & (lost_score < close_call)
    ctx.stats["margin_s"] = time.perf_counter() - t0
    ctx.stats["margins"] = mode
    ctx.stats["margin_methods"] = methods
    return pd.DataFrame(
        {
            "margin_pairs": pd.Series(lost_pairs, dtype="Int64").mask(~known).array,
            "margin": np.where(known, lost_score, np.nan),
            "close_call": pd.Series(close, dtype="boolean").mask(~close_known).array,
        }
    )


# --------------------------------------------------------------------------- alternatives


#: Without the dual, ``alternatives`` re-solves for this many partners (the best scores).
ALTERNATIVE_RESOLVES = 30


def alternatives(ctx: _Context, participant_id: Any, k: int, func: str) -> pd.DataFrame:
    """:meth:`MatchResult.alternatives` (see there)."""
    sc = ctx.scorer
    pid = str(participant_id).strip()
    i = int(sc.mentee_ids_.get_indexer([pid])[0])
    j = int(sc.mentor_ids_.get_indexer([pid])[0])
    if i < 0 and j < 0:
        raise param_error("participant_id", func, "the id of an applicant of this cohort", pid)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise param_error("k", func, "an int >= 1", k)
    is_mentee = i >= 0
    n, m = sc.shape
    me = i if is_mentee else j
    others = np.arange(m if is_mentee else n)
    rr = np.full(len(others), me) if is_mentee else others
    cc = others if is_mentee else np.full(len(others), me)
    # Allowed partners (rules, staff, minimum score), not the current ones.
    ok = (
        sc.rules_.allowed(np.array([me]), others)[0]
        if is_mentee
        else sc.rules_.allowed(others, np.array([me]))[:, 0]
    )
    forbidden = set(ctx.setup.forbidden)
    current = ctx.pair_set()
    scores = _scores_of(ctx, rr, cc) if ctx.scores is not None else None
    if scores is None:
        block = (
            sc.score_block(np.array([me]), others, keep_features=False).total[0]
            if is_mentee
            else sc.score_block(others, np.array([me]), keep_features=False).total[:, 0]
        )
        scores = np.asarray(block, dtype=np.float64)
    if ctx.min_score is not None:
        ok &= np.asarray(scores, np.float32) >= np.float32(ctx.min_score)
    # Partners held by the staff's decisions are left out: a person in a forced pair, a
    # mentor whose places forced pairs fill (their lock would override a mutual request
    # or contradict a lock).
    forced_rows = {a for a, _ in ctx.setup.forced}
    forced_load = np.bincount(
        np.array([b for _, b in ctx.setup.forced], dtype=np.int64), minlength=m
    )
    full = forced_load >= ctx.setup.capacities
    cand = [
        int(o)
        for o in others[ok]
        if (int(rr[o]), int(cc[o])) not in forbidden
        and (int(rr[o]), int(cc[o])) not in current
        and int(rr[o]) not in forced_rows
        and not full[int(cc[o])]
    ]
    d = _dual(ctx)
    answers: list[tuple[Any, WhyNot]] = []

    def ask(o: int) -> None:
        w = _why_not_at(ctx, int(rr[o]), int(cc[o]))
        if w.pairs_change is not None:
            key = _w_change(ctx, d, w) if d is not None else _rank(w)
            answers.append((key, w))
            answers.sort(key=lambda t: t[0], reverse=True)
            del answers[k:]

    if d is not None:
        # One Dijkstra gives every partner's exact effect: forcing (i, j) changes the
        # integer objective by -(reduced cost of (i, j) + distance from mentor j to mentee
        # i); distances to this mentee (reversed graph) or from this mentor.
        cand_a = np.array(cand, dtype=np.int64)
        cr, ccc = rr[cand_a], cc[cand_a]
        red = d.u[cr] + d.v[ccc] - _weights(d, ctx.scores.total, cr, ccc)
        rest = np.ones(len(cand_a), dtype=bool)
        if rest.any():
            if is_mentee:
                dist = _all_distances(ctx, d, me, to=True)[n + ccc[rest]]
            else:
                dist = _all_distances(ctx, d, n + me, to=False)[cr[rest]]
            reach = dist < 2**62
            gain = -(red[rest][reach] + dist[reach])
            picks = cand_a[rest][reach]
            top = np.argsort(-gain, kind="stable")[:k]
            for o in picks[top]:
                ask(int(o))
    else:
        # The re-solve: one solve per partner, the best-scoring ones first, at most
        # ALTERNATIVE_RESOLVES of them (exact among those).
        order = sorted(cand, key=lambda o: -scores[o])
        ctx.stats["alternatives_considered"] = min(len(order), ALTERNATIVE_RESOLVES)
        for o in order[:ALTERNATIVE_RESOLVES]:
            ask(int(o))
    rows = []
    for _, w in answers:
        partner = w.mentor_id if is_mentee else w.mentee_id
        rows.append(
            {
                "partner_id": partner,
                "score": _pair_score(ctx, *_positions(ctx, w.mentee_id, w.mentor_id, func)),
                "pairs_change": w.pairs_change,
                "score_change": w.score_change,
                "priority_change": w.priority_change,
                "n_changes": len(w.changes),
                "detail": w.detail,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "partner_id",
            "score",
            "pairs_change",
            "score_change",
            "priority_change",
            "n_changes",
            "detail",
        ],
    )


def _rank(w: WhyNot) -> tuple:
    """Best first: pairs, then priority people (the policy's tiers), then score."""
    if w.priority_change is None or w.pairs_change is None or w.score_change is None:
        return (-np.inf,)
    return (w.pairs_change, w.priority_change, w.score_change)


def _w_change(ctx: _Context, d: _Dual, w: WhyNot) -> int:
    """The change of the integer objective (the optimizer's tiers) the answer's changes make."""
    sc = ctx.scorer
    ch = w.changes
    r = sc.mentee_ids_.get_indexer(ch["mentee_id"].astype(str)).astype(np.int64)
    c = sc.mentor_ids_.get_indexer(ch["mentor_id"].astype(str)).astype(np.int64)
    wt = _weights(d, ctx.scores.total, r, c)
    sign = np.where(ch["action"].to_numpy() == "add", 1, -1)
    return int(np.sum(sign * wt))
