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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import MatchInfeasibleError
from .._params import check_choice, check_number, param_error
from ._jv import solve_dense
from ._lp import Duals, Flow, fits_int64, solve_flow
from ._model import solve_cp

__all__ = ["AssignmentResult", "Pricing", "WeightScale", "solve_assignment", "solve_pairs"]

PRIORITIES = ("pairs_first", "score_first")
#: Candidates per row and per column before pricing.
DEFAULT_K = 8
#: Cells per block when a dense matrix is read block by block.
_BLOCK_CELLS = 4_000_000
#: Up to this many cells, the integer weights are computed once and kept (8 bytes a cell).
_CACHE_CELLS = 16_000_000


@dataclass(frozen=True)
class Pricing:
    """What a pricer gets each round: the current dual and the integer weights.

    A pair's *slack* is ``W - (u_i + v_j + lam)``; the dual is feasible (and the
    solution proven optimal) when no pair of the full problem has positive slack.
    """

    u: np.ndarray
    v: np.ndarray
    lam: int
    scale: WeightScale
    row_free: np.ndarray
    caps: np.ndarray
    row_prio: np.ndarray | None
    col_prio: np.ndarray | None
    per_row: int

    def weights(self, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Integer weights of pairs; 0 where the pair cannot be made any more."""
        w = self.scale.weights(scores, _pair_priority(self.row_prio, self.col_prio, rows, cols))
        ok = self.row_free[rows] & (self.caps[cols] > 0) & (w > 0)
        return np.where(ok, w, 0)

    def slack(self, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """``W - u - v - lam`` per pair (<= 0 everywhere: the dual is feasible)."""
        w = self.weights(rows, cols, scores)
        return np.where(w > 0, w - self.u[rows] - self.v[cols] - self.lam, 0)

    def slack_block(self, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """:meth:`slack` of the block ``rows`` x ``cols`` (``scores`` 2-D), by broadcasting."""
        prio = None
        if self.row_prio is not None or self.col_prio is not None:
            rp = self.row_prio[rows] if self.row_prio is not None else np.zeros(len(rows), int)
            cp = self.col_prio[cols] if self.col_prio is not None else np.zeros(len(cols), int)
            prio = rp.astype(np.int64)[:, None] + cp.astype(np.int64)[None, :]
        w = self.scale.weights(scores, prio)
        ok = self.row_free[rows][:, None] & (self.caps[cols] > 0)[None, :] & (w > 0)
        w -= self.u[rows][:, None]
        w -= self.v[cols][None, :]
        w -= self.lam
        return np.where(ok, w, 0)


def _pair_priority(
    row_prio: np.ndarray | None, col_prio: np.ndarray | None, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray | None:
    """Priority people in each pair (0, 1 or 2); ``None`` when nobody has priority."""
    if row_prio is None and col_prio is None:
        return None
    prio = np.zeros(len(rows), dtype=np.int64)
    if row_prio is not None:
        prio += row_prio[rows]
    if col_prio is not None:
        prio += col_prio[cols]
    return prio


#: ``pricer(pricing) -> (rows, cols, scores, row_bound)`` or ``None`` (nothing to add).
#: The pairs returned join the candidate graph (violators, or any pairs the pricer
#: wants in); ``row_bound[i] >= 0`` bounds the slack of row i's pairs it did not
#: return (``None``: all zero). ``None`` overall means no pair violates the dual.
Pricer = Callable[[Pricing], Any]


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
        ``"FEASIBLE"`` when the time limit stopped the search first.
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
        Per-stage seconds, graph sizes, pricing rounds, the resolution used.
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


# --------------------------------------------------------------------------- weights


@dataclass(frozen=True)
class WeightScale:
    """The one scaling step from float scores to the integer weights of the model.

    ``s_int = round(sign * score / resolution)`` where ``sign`` is -1 when
    minimizing. Integer-valued scores keep ``resolution = 1`` (exact); other
    scores use ``resolution = 1e-6 * max(1, max |score|)`` unless given. The
    weight of a pair is then

    * ``pairs_first``: ``C + P * p + (s_int - s_min + 1)`` with ``p`` the
      number of priority people in the pair (0, 1 or 2), ``P`` larger than any
      total of the score tier and ``C`` larger than any total of the two tiers
      below it;
    * ``score_first``: ``Q * s_int + p`` with ``Q`` larger than any total of
      ``p`` (priority breaks ties only); pairs of weight <= 0 add nothing and
      are not made.

    When those integers could overflow 64 bits (very large cohorts with
    priorities), the resolution is coarsened tenfold until they fit; the
    resolution used is reported in ``stats["resolution"]``. The proof of
    optimality is exact for the scores rounded to the resolution.
    """

    resolution: float
    sign: int
    s_min: int
    s_max: int
    priority: str
    tier_priority: int  # P (pairs_first) or Q (score_first)
    tier_pairs: int  # C (pairs_first); 0 for score_first
    has_priority: bool

    @classmethod
    def build(
        cls,
        scores: np.ndarray,
        *,
        maximize: bool,
        priority: str,
        has_priority: bool,
        max_pairs: int,
        n_nodes: int,
        resolution: float | None,
        where: np.ndarray | None = None,
        max_priority: int | None = None,
    ) -> WeightScale:
        sign = 1 if maximize else -1
        finite = np.isfinite(scores) if where is None else where
        lo = float(np.min(scores, where=finite, initial=np.inf))
        hi = float(np.max(scores, where=finite, initial=-np.inf))
        if lo > hi:  # no finite score
            lo = hi = 0.0
        top = max(abs(lo), abs(hi))
        if resolution is None:
            integral = bool(np.all(np.equal(scores, np.round(scores)), where=finite))
            resolution = 1.0 if integral and top < 2**40 else 1e-6 * max(1.0, top)
        ends = np.array([lo, hi])  # rounding is monotonic: the extremes bound every s_int
        while True:
            scale = cls._make(
                ends, sign, resolution, priority, has_priority, max_pairs, n_nodes, max_priority
            )
            if scale is not None:
                return scale
            resolution *= 10.0

    @classmethod
    def _make(
        cls,
        finite: np.ndarray,
        sign: int,
        resolution: float,
        priority: str,
        has_priority: bool,
        max_pairs: int,
        n_nodes: int,
        max_priority: int | None = None,
    ) -> WeightScale | None:
        if finite.size:
            ints = np.round(sign * finite / resolution)
            lo, hi = float(ints.min()), float(ints.max())
        else:
            lo = hi = 0.0
        if max(abs(lo), abs(hi)) >= 2**62:
            return None
        s_min, s_max = int(lo), int(hi)
        k = max(int(max_pairs), 1)
        # The largest total of p over any solution (each pair counts 0, 1 or 2).
        prio_max = 2 * k if max_priority is None else max(min(int(max_priority), 2 * k), 1)
        if priority == "pairs_first":
            span = s_max - s_min + 1
            score_total = k * span
            tier_p = score_total + 1 if has_priority else 0
            prio_total = prio_max * tier_p
            tier_c = prio_total + score_total + 1
            top = tier_c + 2 * tier_p + span
        else:
            tier_p = prio_max + 1 if has_priority else 1
            tier_c = 0
            top = max(abs(s_min), abs(s_max)) * tier_p + 2
        if not fits_int64(top, k, n_nodes):
            return None
        return cls(
            resolution=resolution,
            sign=sign,
            s_min=s_min,
            s_max=s_max,
            priority=priority,
            tier_priority=tier_p,
            tier_pairs=tier_c,
            has_priority=has_priority,
        )

    def weights(self, scores: np.ndarray, prio: np.ndarray | None) -> np.ndarray:
        """Integer weights of pairs (int64); pairs not worth making get <= 0."""
        s = np.asarray(scores, dtype=np.float64)
        if self.sign < 0:
            s = -s
        if self.resolution != 1.0:
            s = s / self.resolution
        s_int = np.rint(s).astype(np.int64)
        if self.priority == "pairs_first":
            w = self.tier_pairs + (s_int - self.s_min + 1)
            if prio is not None and self.has_priority:
                w = w + self.tier_priority * prio.astype(np.int64)
            return w
        w = s_int * self.tier_priority
        if prio is not None and self.has_priority:
            w = w + prio.astype(np.int64)
        return w


def _max_priority(
    row_prio: np.ndarray | None, col_prio: np.ndarray | None, caps: np.ndarray, limit: int
) -> int:
    """The most priority people a solution can match (a pair counts each side once)."""
    limit = max(int(limit), 0)
    rows = min(int(row_prio.sum()), limit) if row_prio is not None else 0
    cols = min(int(np.maximum(caps[col_prio], 0).sum()), limit) if col_prio is not None else 0
    return rows + cols


# --------------------------------------------------------------------------- checks


def _check_common(
    func: str,
    priority: str,
    maximize: bool,
    min_score: Any,
    max_pairs: Any,
    time_limit: Any,
    resolution: Any,
) -> None:
    check_choice(priority, "priority", func, PRIORITIES)
    if not isinstance(maximize, (bool, np.bool_)):
        raise param_error("maximize", func, "a bool", maximize)
    check_number(min_score, "min_score", func, allow_none=True)
    if min_score is not None and not maximize:
        raise param_error(
            "min_score", func, "None when minimizing (filter with `allowed` instead)", min_score
        )
    check_number(max_pairs, "max_pairs", func, low=0, integer=True, allow_none=True)
    check_number(time_limit, "time_limit", func, low=0, low_open=True, allow_none=True)
    check_number(resolution, "resolution", func, low=0, low_open=True, allow_none=True)


def _vector(
    value: Any, n: int, name: str, func: str, *, default: int | None, dtype: Any
) -> np.ndarray | None:
    if value is None:
        return None if default is None else np.full(n, default, dtype=dtype)
    try:
        arr = np.asarray(value)
    except Exception:
        raise param_error(name, func, f"an array of length {n}", value) from None
    if arr.shape != (n,):
        raise param_error(name, func, f"an array of length {n}", f"shape {arr.shape}")
    if dtype is bool:
        if arr.dtype != bool:
            raise param_error(name, func, f"a bool array of length {n}", f"dtype {arr.dtype}")
        return arr
    if not np.issubdtype(arr.dtype, np.integer) or (arr < 0).any():
        raise param_error(name, func, f"an array of {n} ints >= 0", value)
    return arr.astype(np.int64)


def _floats(value: Any, n: int, name: str, func: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise param_error(name, func, f"an array of {n} numbers", value) from None
    if arr.shape != (n,):
        raise param_error(name, func, f"an array of {n} numbers", f"shape {arr.shape}")
    if np.isnan(arr).any():
        raise param_error(name, func, "numbers (-inf: no pair)", "nan")
    return arr


def _forced_list(forced: Any, n_rows: int, n_cols: int, func: str) -> list[tuple[int, int]]:
    expected = f"pairs (row, col) with 0 <= row < {n_rows} and 0 <= col < {n_cols}"
    if forced is None:
        return []
    try:
        items = [tuple(int(v) for v in p) for p in forced]
    except (TypeError, ValueError):
        raise param_error("forced", func, expected, forced) from None
    out: list[tuple[int, int]] = []
    for p in items:
        if len(p) != 2 or not (0 <= p[0] < n_rows and 0 <= p[1] < n_cols):
            raise param_error("forced", func, expected, p)
        out.append((p[0], p[1]))
    return list(dict.fromkeys(out))


def _conflicts(
    forced: list[tuple[int, int]],
    ok: Callable[[int, int], bool],
    caps: np.ndarray,
    max_pairs: int | None,
) -> None:
    rows: list[dict[str, Any]] = []
    by_row: dict[int, list[tuple[int, int]]] = {}
    by_col: dict[int, list[tuple[int, int]]] = {}
    for p in forced:
        by_row.setdefault(p[0], []).append(p)
        by_col.setdefault(p[1], []).append(p)
        if not ok(*p):
            rows.append(
                {"pairs": [p], "rule": "not_allowed", "detail": f"forced pair {p} is not allowed"}
            )
    for r, ps in by_row.items():
        if len(ps) > 1:
            rows.append(
                {"pairs": ps, "rule": "one_per_row", "detail": f"row {r} is forced {len(ps)} times"}
            )
    for c, ps in by_col.items():
        if len(ps) > caps[c]:
            rows.append(
                {
                    "pairs": ps,
                    "rule": "capacity",
                    "detail": f"column {c} is forced {len(ps)} times, capacity {int(caps[c])}",
                }
            )
    if max_pairs is not None and len(forced) > max_pairs:
        rows.append(
            {
                "pairs": forced,
                "rule": "max_pairs",
                "detail": f"{len(forced)} forced pairs exceed max_pairs = {max_pairs}",
            }
        )
    if rows:
        frame = pd.DataFrame(rows, columns=["pairs", "rule", "detail"])
        lines = "\n".join(f"  - {r['rule']}: {r['detail']}" for r in rows)
        raise MatchInfeasibleError(f"The forced pairs contradict each other:\n{lines}", frame)


# --------------------------------------------------------------------------- sources


class _Problem:
    """What the candidate loop needs: weights of any pair, top-k, pricing."""

    n_rows: int
    n_cols: int
    row_free: np.ndarray
    caps: np.ndarray  # remaining capacity per column
    scale: WeightScale

    def top_k(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError

    def price(
        self, duals: Duals, per_row: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Violating pairs (rows, cols, weights) and each row's largest violation (>= 0)."""
        raise NotImplementedError


def _top_per_row(w: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of each row's ``k`` largest positive entries of a block."""
    n, m = w.shape
    if m == 0 or n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if k < m:
        idx = np.argpartition(-w, k - 1, axis=1)[:, :k]
    else:
        idx = np.broadcast_to(np.arange(m), (n, m))
    vals = np.take_along_axis(w, idx, axis=1)
    keep = vals > 0
    r = np.broadcast_to(np.arange(n)[:, None], idx.shape)[keep]
    return r.astype(np.int64), idx[keep].astype(np.int64)


class _Dense(_Problem):
    def __init__(
        self,
        scores: np.ndarray,
        allowed: np.ndarray,
        scale: WeightScale,
        row_prio: np.ndarray | None,
        col_prio: np.ndarray | None,
        row_free: np.ndarray,
        caps: np.ndarray,
    ) -> None:
        self.scores = scores
        self.allowed = allowed
        self.scale = scale
        self.row_prio = row_prio
        self.col_prio = col_prio
        self.n_rows, self.n_cols = scores.shape
        self.row_free = row_free
        self.caps = caps
        self.col_open = caps > 0
        self.step = max(1, _BLOCK_CELLS // max(self.n_cols, 1))
        self._cache: np.ndarray | None = None
        if self.n_rows * self.n_cols <= _CACHE_CELLS:
            # Small enough to keep: compute the weights once for top-k and every pricing round.
            self.step = max(self.n_rows, 1)
            self._cache = self._compute(0, self.n_rows)

    def block(self, r0: int, r1: int) -> np.ndarray:
        """int64 weights of rows r0:r1; 0 where a pair cannot be made (do not modify)."""
        if self._cache is not None:
            return self._cache[r0:r1]
        return self._compute(r0, r1)

    def _compute(self, r0: int, r1: int) -> np.ndarray:
        s = self.scores[r0:r1]
        prio = None
        if self.row_prio is not None or self.col_prio is not None:
            a = self.row_prio[r0:r1] if self.row_prio is not None else np.zeros(r1 - r0, bool)
            b = self.col_prio if self.col_prio is not None else np.zeros(self.n_cols, bool)
            prio = a[:, None].astype(np.int8) + b[None, :].astype(np.int8)
        with np.errstate(invalid="ignore"):  # nan scores (not allowed) are masked below
            w = self.scale.weights(s, prio)
        ok = self.allowed[r0:r1] & self.row_free[r0:r1, None] & self.col_open[None, :]
        w[~ok] = 0
        np.maximum(w, 0, out=w)
        return w

    def top_k(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows, cols = [], []
        col_best_w = np.zeros((0, self.n_cols), dtype=np.int64)
        col_best_r = np.zeros((0, self.n_cols), dtype=np.int64)
        for r0 in range(0, self.n_rows, self.step):
            r1 = min(r0 + self.step, self.n_rows)
            w = self.block(r0, r1)
            r, c = _top_per_row(w, k)
            rows.append(r + r0)
            cols.append(c)
            # Running top-k per column: merge this block's best with the best so far.
            kk = min(k, r1 - r0)
            idx = np.argpartition(-w, kk - 1, axis=0)[:kk] if kk < r1 - r0 else None
            if idx is None:
                idx = np.broadcast_to(np.arange(r1 - r0)[:, None], w.shape)
            best_w = np.vstack([col_best_w, np.take_along_axis(w, idx, axis=0)])
            best_r = np.vstack([col_best_r, idx + r0])
            if len(best_w) > k:
                keep = np.argpartition(-best_w, k - 1, axis=0)[:k]
                best_w = np.take_along_axis(best_w, keep, axis=0)
                best_r = np.take_along_axis(best_r, keep, axis=0)
            col_best_w, col_best_r = best_w, best_r
        mask = col_best_w > 0
        rows.append(col_best_r[mask])
        cols.append(np.broadcast_to(np.arange(self.n_cols), col_best_w.shape)[mask])
        return _unique_edges(np.concatenate(rows), np.concatenate(cols), self)

    def weights_of(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        prio = _pair_priority(self.row_prio, self.col_prio, rows, cols)
        return self.scale.weights(self.scores[rows, cols], prio)

    def price(
        self, duals: Duals, per_row: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rows, cols = [], []
        worst = np.zeros(self.n_rows, dtype=np.int64)
        for r0 in range(0, self.n_rows, self.step):
            r1 = min(r0 + self.step, self.n_rows)
            w = self.block(r0, r1)
            slack = w - duals.u[r0:r1, None] - duals.v[None, :] - duals.lam
            slack[w <= 0] = 0
            worst[r0:r1] = np.maximum(slack.max(axis=1, initial=0), 0)
            if not (slack > 0).any():
                continue
            r, c = _top_per_row(slack, per_row)
            rows.append(r + r0)
            cols.append(c)
        if not rows:
            e = np.empty(0, np.int64)
            return e, e, e, worst
        r, c = np.concatenate(rows), np.concatenate(cols)
        return r, c, self.weights_of(r, c), worst


class _Edges(_Problem):
    def __init__(
        self,
        rows: np.ndarray,
        cols: np.ndarray,
        w: np.ndarray,
        n_rows: int,
        n_cols: int,
        row_free: np.ndarray,
        caps: np.ndarray,
        pricer: Pricer | None,
        scale: WeightScale,
        row_prio: np.ndarray | None,
        col_prio: np.ndarray | None,
    ) -> None:
        ok = (w > 0) & row_free[rows] & (caps[cols] > 0)
        self.rows, self.cols, self.w = rows[ok], cols[ok], w[ok]
        self.n_rows, self.n_cols = n_rows, n_cols
        self.row_free, self.caps = row_free, caps
        self.pricer = pricer
        self.scale = scale
        self.row_prio, self.col_prio = row_prio, col_prio

    def top_k(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keep = np.zeros(len(self.w), dtype=bool)
        for key, other in ((self.rows, self.cols), (self.cols, self.rows)):
            order = np.lexsort((other, -self.w, key))
            sorted_key = key[order]
            first = np.searchsorted(sorted_key, sorted_key, side="left")
            rank = np.arange(len(order)) - first
            keep[order[rank < k]] = True
        return self.rows[keep], self.cols[keep], self.w[keep]

    def price(
        self, duals: Duals, per_row: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        slack = duals.slack(self.rows, self.cols, self.w)
        worst = np.zeros(self.n_rows, dtype=np.int64)
        np.maximum.at(worst, self.rows, np.maximum(slack, 0))
        bad = slack > 0
        r, c, w = self.rows[bad], self.cols[bad], self.w[bad]
        if self.pricer is not None:
            pricing = Pricing(
                u=duals.u,
                v=duals.v,
                lam=duals.lam,
                scale=self.scale,
                row_free=self.row_free,
                caps=self.caps,
                row_prio=self.row_prio,
                col_prio=self.col_prio,
                per_row=per_row,
            )
            extra = self.pricer(pricing)
            if extra is not None:
                er, ec, es, bound = extra
                er = np.asarray(er, dtype=np.int64)
                ec = np.asarray(ec, dtype=np.int64)
                if len(er):
                    ew = pricing.weights(er, ec, np.asarray(es, dtype=np.float64))
                    keep = ew > 0
                    er, ec, ew = er[keep], ec[keep], ew[keep]
                    r = np.concatenate([r, er])
                    c = np.concatenate([c, ec])
                    w = np.concatenate([w, ew])
                    np.maximum.at(
                        worst, er, np.maximum(ew - duals.u[er] - duals.v[ec] - duals.lam, 0)
                    )
                if bound is not None:
                    np.maximum(worst, np.asarray(bound, dtype=np.int64), out=worst)
                # No pairs but a positive bound: the pricer ran out of time before it
                # found any violator. Not certified; the bound still holds.
        return r, c, w, worst


def _unique_edges(
    rows: np.ndarray, cols: np.ndarray, problem: _Dense
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    key = rows * problem.n_cols + cols
    key = np.unique(key)
    r, c = key // problem.n_cols, key % problem.n_cols
    w = problem.weights_of(r, c)
    return r, c, w


# --------------------------------------------------------------------------- the loop


def _solve(
    problem: _Problem,
    *,
    limit: int,
    k: int,
    deadline: float | None,
    progress: Callable[[str, float], None] | None,
    stats: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, int, int, bool]:
    """Candidate loop + certificate + CP-SAT. Returns rows, cols, W total, bound, proven."""
    t0 = time.perf_counter()
    if isinstance(problem, _Dense):
        fast = solve_dense(problem, limit, deadline)
        if fast is not None:  # proven by the JV dual: no candidate loop, no CP-SAT
            stats["method"] = "jv"
            stats["jv_s"] = time.perf_counter() - t0
            return fast[0], fast[1], fast[2], fast[2], True
    stats["method"] = "flow"
    rows, cols, w = problem.top_k(k)
    stats["candidates_s"] = time.perf_counter() - t0
    stats["rounds"] = 0
    flow: Flow | None = None
    proven = False
    bound: int | None = None
    while True:
        stats["rounds"] += 1
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
        vr, vc, vw, worst = problem.price(flow.duals, per_row=min(k, DEFAULT_K))
        stats["pricing_s"] = stats.get("pricing_s", 0.0) + time.perf_counter() - t0
        if len(vr) == 0 and not worst.any():
            bound = flow.duals.objective(problem.caps, limit)
            proven = bound == flow.primal
            break
        repaired = Duals(u=flow.duals.u + worst, v=flow.duals.v, lam=flow.duals.lam)
        bound = repaired.objective(problem.caps, limit)
        # The next round's LP cannot be interrupted: it is not started unless it can
        # end before the deadline (taking about as long as this round's).
        if len(vr) == 0 or (deadline is not None and time.perf_counter() + flow_s > deadline):
            break
        key = np.concatenate([rows, vr]) * problem.n_cols + np.concatenate([cols, vc])
        _, first = np.unique(key, return_index=True)
        all_w = np.concatenate([w, vw])
        rows = np.concatenate([rows, vr])[first]
        cols = np.concatenate([cols, vc])[first]
        w = all_w[first]
    stats["graph_edges"] = len(rows)
    chosen = flow.chosen
    total = flow.primal
    # CP-SAT over the tight pairs: with the optimum as a constraint, any answer is optimal.
    t0 = time.perf_counter()
    if proven:
        slack = flow.duals.slack(rows, cols, w)
        tight = slack == 0
        stats["tight_edges"] = int(tight.sum())
        remaining = None if deadline is None else max(deadline - time.perf_counter(), 1.0)
        cp = solve_cp(
            rows[tight],
            cols[tight],
            w[tight],
            caps=problem.caps,
            limit=limit,
            at_least=total,
            hint=chosen[tight],
            time_limit=remaining,
        )
        stats["cp_status"] = cp.status
        if cp.chosen is not None:
            sel = np.flatnonzero(tight)[cp.chosen]
            chosen = np.zeros(len(rows), dtype=bool)
            chosen[sel] = True
            total = int(w[chosen].sum())
            if total != flow.primal:  # pragma: no cover - the constraint forbids it
                raise RuntimeError("internal error: CP-SAT answer below the proven optimum")
    stats["cp_s"] = time.perf_counter() - t0
    assert bound is not None
    return rows[chosen], cols[chosen], total, bound, proven


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
        Seconds; when reached before the proof, the status is ``"FEASIBLE"``.
        A round of the candidate loop (its LP cannot be interrupted) starts
        only if it can end in time, judged by the previous round.
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
    n_rows, n_cols = s.shape
    if np.isinf(s).any():
        raise param_error("scores", func, "finite numbers or nan", "an infinite value")
    ok = ~np.isnan(s)
    if allowed is not None:
        a = np.asarray(allowed)
        if a.shape != s.shape or a.dtype != bool:
            raise param_error(
                "allowed", func, f"a bool array of shape {s.shape}", f"{a.dtype} {a.shape}"
            )
        ok &= a
    if min_score is not None:
        with np.errstate(invalid="ignore"):
            ok &= s >= min_score
    caps = _vector(capacities, n_cols, "capacities", func, default=1, dtype=np.int64)
    assert caps is not None
    row_prio = _vector(row_priority, n_rows, "row_priority", func, default=None, dtype=bool)
    col_prio = _vector(col_priority, n_cols, "col_priority", func, default=None, dtype=bool)
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
    )
    stats: dict[str, Any] = {"n_allowed": int(ok.sum())}
    deadline = None if time_limit is None else started + float(time_limit)
    if limit <= 0:
        e = np.empty(0, np.int64)
        stats["method"] = "none"  # no pair can be added to the forced ones
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
        problem, limit=limit, k=DEFAULT_K, deadline=deadline, progress=progress, stats=stats
    )
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
    caps = _vector(capacities, n_cols, "capacities", func, default=1, dtype=np.int64)
    assert caps is not None
    row_prio = _vector(row_priority, n_rows, "row_priority", func, default=None, dtype=bool)
    col_prio = _vector(col_priority, n_cols, "col_priority", func, default=None, dtype=bool)
    given = None
    if score_tops is not None:
        if not isinstance(score_tops, tuple) or len(score_tops) != 2:
            raise param_error("score_tops", func, "a pair (row_tops, col_tops)", score_tops)
        given = (
            _floats(score_tops[0], n_rows, "score_tops[0]", func),
            _floats(score_tops[1], n_cols, "score_tops[1]", func),
        )
    forced_l = _forced_list(forced, n_rows, n_cols, func)
    listed = set(zip(r.tolist(), c.tolist(), strict=True)) if forced_l else set()
    _conflicts(forced_l, lambda a, b: (a, b) in listed, caps, max_pairs)

    row_free = np.zeros(n_rows, dtype=bool)
    row_free[r] = True
    if pricer is not None:
        possible = _vector(pricer_rows, n_rows, "pricer_rows", func, default=None, dtype=bool)
        if possible is None:
            row_free[:] = True
        else:
            row_free |= possible
    caps_left = caps.copy()
    for a, b in forced_l:
        row_free[a] = False
        caps_left[b] -= 1
    limit = int(min(row_free.sum(), caps_left.sum()))
    if max_pairs is not None:
        limit = min(limit, max_pairs - len(forced_l))
    has_prio = bool(
        (row_prio is not None and row_prio.any()) or (col_prio is not None and col_prio.any())
    )
    rng = s if score_range is None else np.concatenate([s, np.asarray(score_range, float)])
    if pricer is not None and resolution is None:
        # Pairs the pricer brings need not be integral like the listed ones.
        resolution = 1e-6 * max(1.0, float(np.max(np.abs(rng), initial=0.0)))
    scale = WeightScale.build(
        rng,
        maximize=bool(maximize),
        priority=priority,
        has_priority=has_prio,
        max_pairs=max(limit, 1),
        n_nodes=n_rows + n_cols + 2,
        resolution=resolution,
        max_priority=_max_priority(row_prio, col_prio, caps_left, limit),
    )
    score_lookup = pd.Series(s, index=pd.Index(key))
    stats: dict[str, Any] = {"n_listed": len(r)}
    deadline = None if time_limit is None else started + float(time_limit)
    row_prio_i = row_prio.astype(np.int64) if row_prio is not None else None
    col_prio_i = col_prio.astype(np.int64) if col_prio is not None else None
    prio = None
    if row_prio_i is not None or col_prio_i is not None:
        prio = np.zeros(len(r), dtype=np.int64)
        if row_prio_i is not None:
            prio += row_prio_i[r]
        if col_prio_i is not None:
            prio += col_prio_i[c]
    w = scale.weights(s, prio)
    # Pairs the pricer brought (keys and scores, as arrays): looked up by binary search.
    found_keys: list[np.ndarray] = []
    found_scores: list[np.ndarray] = []

    def score_of(rr: np.ndarray, cc: np.ndarray) -> np.ndarray:
        keys = rr * max(n_cols, 1) + cc
        out = score_lookup.reindex(keys).to_numpy(dtype=np.float64, copy=True)
        missing = np.isnan(out)
        if missing.any():
            all_keys = np.concatenate(found_keys)
            order = np.argsort(all_keys, kind="stable")
            pos = np.searchsorted(all_keys[order], keys[missing])
            out[missing] = np.concatenate(found_scores)[order][pos]
        return out

    wrapped = None
    if pricer is not None:

        def wrapped(pricing: Pricing) -> Any:
            res = pricer(pricing)
            if res is not None:
                er, ec, es = (np.asarray(a) for a in res[:3])
                found_keys.append(er.astype(np.int64) * max(n_cols, 1) + ec.astype(np.int64))
                found_scores.append(es.astype(np.float64))
            return res

    if limit <= 0:
        e = np.empty(0, np.int64)
        stats["method"] = "none"  # no pair can be added to the forced ones
        return _finish(e, e, forced_l, score_of, scale, 0, 0, True, started, stats)
    problem = _Edges(
        r, c, w, n_rows, n_cols, row_free, caps_left, wrapped, scale, row_prio_i, col_prio_i
    )
    pr, pc, total, bound, proven = _solve(
        problem, limit=limit, k=int(k), deadline=deadline, progress=progress, stats=stats
    )

    def tops() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # The listed pairs' best scores, raised to the caller's bounds on the rest.
        live = row_free[r] & (caps_left[c] > 0)
        row_top = np.full(n_rows, -np.inf)
        col_top = np.full(n_cols, -np.inf)
        np.maximum.at(row_top, r[live], s[live])
        np.maximum.at(col_top, c[live], s[live])
        if pricer is not None:
            assert given is not None
            np.maximum(row_top, np.where(row_free, given[0], -np.inf), out=row_top)
            np.maximum(col_top, np.where(caps_left > 0, given[1], -np.inf), out=col_top)
        return row_top, col_top, caps_left

    return _finish(
        pr,
        pc,
        forced_l,
        score_of,
        scale,
        total,
        bound,
        proven,
        started,
        stats,
        limit=limit,
        tops=None if pricer is not None and given is None else tops,
    )
