"""The problem the loop solves, from a dense matrix (:class:`_Dense`) or a long table (:class:`_Edges`).

Either gives the weights of any pair, each row's and column's top ``k`` and the
pricing of the pairs left out against a dual.
"""

from __future__ import annotations

import numpy as np

from ._budget import (
    DENSE_PRICE_WORK_PER_CELL,
    DENSE_PRICE_WORK_PER_CELL_UNCACHED,
    EDGE_PRICE_WORK_PER_PAIR,
    TOPK_WORK_PER_CELL,
    WorkBudget,
)
from ._lp import Duals
from ._prep import MIN_CELLS, dense_weights
from ._weights import Pricer, Pricing, WeightScale, _pair_priority

#: Cells per block when a dense matrix is read block by block.
_BLOCK_CELLS = 4_000_000
#: Up to this many cells, the integer weights are computed once and kept (8 bytes a cell).
_CACHE_CELLS = 16_000_000


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

    def top_k_work(self) -> float:
        """Work units :meth:`top_k` is charged (from the size only)."""
        return 0.0

    def price_work(self) -> float:
        """Work units :meth:`price` is charged each round, besides what a pricer charges."""
        raise NotImplementedError

    def price(
        self, duals: Duals, per_row: int, budget: WorkBudget | None = None
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
        if s.dtype in (np.float32, np.float64) and s.size >= MIN_CELLS:
            return dense_weights(
                s,
                self.allowed[r0:r1],
                self.row_free[r0:r1],
                self.col_open,
                self.scale,
                self.row_prio[r0:r1] if self.row_prio is not None else None,
                self.col_prio,
            )
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

    def top_k_work(self) -> float:
        return TOPK_WORK_PER_CELL * self.n_rows * self.n_cols

    def price_work(self) -> float:
        per_cell = (
            DENSE_PRICE_WORK_PER_CELL
            if self._cache is not None
            else DENSE_PRICE_WORK_PER_CELL_UNCACHED
        )
        return per_cell * self.n_rows * self.n_cols

    def price(
        self, duals: Duals, per_row: int, budget: WorkBudget | None = None
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

    def price_work(self) -> float:
        return EDGE_PRICE_WORK_PER_PAIR * len(self.rows)

    def price(
        self, duals: Duals, per_row: int, budget: WorkBudget | None = None
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
                budget=budget,
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
                # No pairs but a positive bound: the pricer ran out of work before it
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
