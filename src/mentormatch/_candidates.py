"""The candidate path: cohorts too large for a dense score matrix.

At 100,000 x 100,000 a dense matrix has 10^10 pairs; it is never built. One
pass over the mentees, block by block, keeps

* each mentee's ``k`` best allowed mentors and each mentor's ``k`` best allowed
  mentees (the *candidate graph*), with every forced pair;
* the ``k``-th best score of every row and column (``t_i``, ``t'_j``): every pair
  left out scores at most ``min(t_i, t'_j)``, since it is in neither list;
* per person, how many partners the rules allow, how many staff left and how
  many reach the minimum score, and the best of those scores (for the
  unmatched reasons).

The solver then proves the answer optimal for the *whole* problem with a
pricer (``mentormatch.solver.solve_pairs``): a pair left out can only violate
the current dual ``(u, v, lam)`` if ``W(min(t_i, t'_j)) > u_i + v_j + lam``. For
each row that is a two-sided dominance question over the columns (some ``j``
with ``v_j < W(t_i) - u_i - lam`` and ``W(t'_j) - v_j - lam > u_i``), answered for
every row at once by sorting the columns by ``v`` and taking prefix maxima:
O((n + m) log m), no pair scored. Only the rows that might violate are scored
again, exactly; their violators join the graph and their ``k`` grows (x4), so
their bound tightens. When no row can violate, the dual is feasible for all
10^10 pairs and the solution is certified optimal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CandidateGraph", "build_candidates", "make_pricer"]

#: Target cells per scoring block (rows x all mentors): ~25 M keeps every
#: feature block around 100 MB and the scoring near its best speed per pair.
BLOCK_CELLS = 25_000_000
_NEG = np.float32(-np.inf)


@dataclass
class CandidateGraph:
    """The candidate pairs, the bounds on the pairs left out, and per-person counts."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray  # float32 totals
    row_kth: np.ndarray  # float64: bound on every pair outside graph + reserve (-inf: none)
    col_kth: np.ndarray
    # The reserve: each row's and column's next best pairs, kept outside the LP and
    # priced exactly every round (cheap), so that the bounds above can be low.
    reserve_rows: np.ndarray
    reserve_cols: np.ndarray
    reserve_scores: np.ndarray
    # Per-person counts for the unmatched reasons (mentees, then mentors).
    n_rule: tuple[np.ndarray, np.ndarray]
    n_staff: tuple[np.ndarray, np.ndarray]
    n_final: tuple[np.ndarray, np.ndarray]
    best_staff: tuple[np.ndarray, np.ndarray]
    best_final: tuple[np.ndarray, np.ndarray]
    stats: dict[str, Any] = field(default_factory=dict)


class _Filter:
    """Staff-forbidden pairs and the minimum score, applied to any block."""

    def __init__(self, forbidden: list[tuple[int, int]], min_score: float | None) -> None:
        self.min_score = None if min_score is None else np.float32(min_score)
        self.by_row: dict[int, np.ndarray] = {}
        for i, j in forbidden:
            self.by_row.setdefault(i, np.empty(0, np.int64))
            self.by_row[i] = np.append(self.by_row[i], j)

    def staff(
        self, rows: np.ndarray, allowed: np.ndarray, col_index: np.ndarray | None
    ) -> np.ndarray:
        out = allowed.copy()
        for k, i in enumerate(rows.tolist()):
            cols = self.by_row.get(i)
            if cols is None:
                continue
            if col_index is None:
                out[k, cols] = False
            else:
                hit = np.isin(col_index, cols)
                out[k, hit] = False
        return out

    def final(self, total: np.ndarray, staff: np.ndarray) -> np.ndarray:
        if self.min_score is None:
            return staff
        return staff & (total >= self.min_score)


def _block_rows(n_cols: int) -> int:
    return max(16, min(2048, BLOCK_CELLS // max(n_cols, 1)))


def build_candidates(
    scorer: Any,
    *,
    k: int,
    reserve: int = 256,
    forbidden: list[tuple[int, int]],
    min_score: float | None,
    forced: list[tuple[int, int]],
    progress: Callable[[str, float], None] | None = None,
) -> CandidateGraph:
    """One blockwise pass: top-k per row and column, the reserve, bounds and counts."""
    started = time.perf_counter()
    n_rows, n_cols = scorer.shape
    filt = _Filter(forbidden, min_score)
    step = _block_rows(n_cols)
    rows_out: list[np.ndarray] = []
    cols_out: list[np.ndarray] = []
    scores_out: list[np.ndarray] = []
    res_r: list[np.ndarray] = []
    res_c: list[np.ndarray] = []
    res_s: list[np.ndarray] = []
    deep = k + reserve  # pairs kept per row and column (graph, then reserve)
    row_kth = np.full(n_rows, -np.inf)
    counts = {
        key: (np.zeros(n_rows, np.int64), np.zeros(n_cols, np.int64))
        for key in ("rule", "staff", "final")
    }
    best = {key: (np.full(n_rows, -np.inf), np.full(n_cols, -np.inf)) for key in ("staff", "final")}
    col_best_s = np.full((0, n_cols), _NEG, dtype=np.float32)
    col_best_r = np.zeros((0, n_cols), dtype=np.int64)
    for r0 in range(0, n_rows, step):
        r1 = min(r0 + step, n_rows)
        rows = np.arange(r0, r1)
        block = scorer.score_block(rows, None, keep_features=False)
        total, rule = block.total, block.allowed
        staff = filt.staff(rows, rule, None)
        final = filt.final(total, staff)
        for key, mask in (("rule", rule), ("staff", staff), ("final", final)):
            counts[key][0][r0:r1] = mask.sum(axis=1)
            counts[key][1][:] += mask.sum(axis=0)
        for key, mask in (("staff", staff), ("final", final)):
            masked = np.where(mask, total, _NEG)
            best[key][0][r0:r1] = masked.max(axis=1, initial=-np.inf)
            np.maximum(best[key][1], masked.max(axis=0, initial=-np.inf), out=best[key][1])
        masked = np.where(final, total, _NEG)
        del total, staff, rule
        # Each row's k best columns (the graph), its next `reserve` (kept aside), and
        # the best score after those: the largest score of every pair left out.
        kk = min(deep + 1, n_cols)
        if kk > 0:
            idx = np.argpartition(masked, n_cols - kk, axis=1)[:, n_cols - kk :]
            vals = np.take_along_axis(masked, idx, axis=1)
            order = np.argsort(-vals, axis=1, kind="stable")
            idx = np.take_along_axis(idx, order, axis=1)
            vals = np.take_along_axis(vals, order, axis=1)
            for lo, hi, out in (
                (0, min(k, kk), (rows_out, cols_out, scores_out)),
                (min(k, kk), min(deep, kk), (res_r, res_c, res_s)),
            ):
                keep = vals[:, lo:hi] > _NEG
                out[0].append(np.broadcast_to(rows[:, None], (len(rows), hi - lo))[keep])
                out[1].append(idx[:, lo:hi][keep])
                out[2].append(vals[:, lo:hi][keep])
            row_kth[r0:r1] = vals[:, deep] if kk > deep else -np.inf
        # Each column's deep + 1 best rows so far.
        kr = min(deep + 1, r1 - r0)
        if kr > 0:
            idx = np.argpartition(masked, (r1 - r0) - kr, axis=0)[(r1 - r0) - kr :]
            cand_s = np.vstack([col_best_s, np.take_along_axis(masked, idx, axis=0)])
            cand_r = np.vstack([col_best_r, idx + r0])
            if len(cand_s) > deep + 1:
                cut = len(cand_s) - (deep + 1)
                sel = np.argpartition(cand_s, cut, axis=0)[cut:]
                cand_s = np.take_along_axis(cand_s, sel, axis=0)
                cand_r = np.take_along_axis(cand_r, sel, axis=0)
            col_best_s, col_best_r = cand_s, cand_r
        del masked, final
        if progress:
            progress("finding candidates", r1 / max(n_rows, 1))
    order = np.argsort(-col_best_s, axis=0, kind="stable")
    col_best_s = np.take_along_axis(col_best_s, order, axis=0)
    col_best_r = np.take_along_axis(col_best_r, order, axis=0)
    depth = len(col_best_s)
    all_cols = np.arange(n_cols)
    for lo, hi, out in (
        (0, min(k, depth), (rows_out, cols_out, scores_out)),
        (min(k, depth), min(deep, depth), (res_r, res_c, res_s)),
    ):
        keep = col_best_s[lo:hi] > _NEG
        out[0].append(col_best_r[lo:hi][keep])
        out[1].append(np.broadcast_to(all_cols, (hi - lo, n_cols))[keep])
        out[2].append(col_best_s[lo:hi][keep])
    if depth > deep:
        col_kth = col_best_s[deep].astype(np.float64)  # -inf when nothing is left out
    else:
        col_kth = np.full(n_cols, -np.inf)
    rows_all = np.concatenate(rows_out) if rows_out else np.empty(0, np.int64)
    cols_all = np.concatenate(cols_out) if cols_out else np.empty(0, np.int64)
    scores_all = np.concatenate(scores_out) if scores_out else np.empty(0, np.float32)
    if forced:
        fr, fc, fs = _pair_scores(scorer, forced)
        rows_all = np.concatenate([rows_all, fr])
        cols_all = np.concatenate([cols_all, fc])
        scores_all = np.concatenate([scores_all, fs])
    key = rows_all.astype(np.int64) * max(n_cols, 1) + cols_all
    key, first = np.unique(key, return_index=True)
    rr = np.concatenate(res_r).astype(np.int64) if res_r else np.empty(0, np.int64)
    rc = np.concatenate(res_c).astype(np.int64) if res_c else np.empty(0, np.int64)
    rs = np.concatenate(res_s) if res_s else np.empty(0, np.float32)
    res_key, res_first = np.unique(rr * max(n_cols, 1) + rc, return_index=True)
    res_first = res_first[~np.isin(res_key, key, assume_unique=True)]
    graph = CandidateGraph(
        rows=rows_all[first].astype(np.int64),
        cols=cols_all[first].astype(np.int64),
        scores=scores_all[first].astype(np.float32),
        row_kth=row_kth,
        col_kth=col_kth,
        reserve_rows=rr[res_first],
        reserve_cols=rc[res_first],
        reserve_scores=rs[res_first].astype(np.float32),
        n_rule=counts["rule"],
        n_staff=counts["staff"],
        n_final=counts["final"],
        best_staff=best["staff"],
        best_final=best["final"],
    )
    graph.stats["candidates_s"] = time.perf_counter() - started
    graph.stats["candidate_pairs"] = len(graph.rows)
    graph.stats["block_rows"] = step
    return graph


def _pair_scores(
    scorer: Any, pairs: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores of specific pairs (forced ones), scored in one small block."""
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    urows, ri = np.unique(arr[:, 0], return_inverse=True)
    ucols, ci = np.unique(arr[:, 1], return_inverse=True)
    out = np.empty(len(arr), dtype=np.float32)
    step = max(1, 4_000_000 // max(len(ucols), 1))
    for a in range(0, len(urows), step):
        sel = (ri >= a) & (ri < a + step)
        block = scorer.score_block(urows[a : a + step], ucols, keep_features=False)
        out[sel] = block.total[ri[sel] - a, ci[sel]]
    return arr[:, 0], arr[:, 1], out


def pair_features(
    scorer: Any, rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Totals and raw feature values of given pairs, block-diagonally (no full matrix)."""
    total = np.empty(len(rows), dtype=np.float32)
    feats = {n: np.empty(len(rows), dtype=np.float32) for n in scorer.weights_}
    if len(rows) == 0:
        return total, feats
    order = np.argsort(rows, kind="stable")
    step = 512
    for a in range(0, len(order), step):
        sel = order[a : a + step]
        ucols, ci = np.unique(cols[sel], return_inverse=True)
        block = scorer.score_block(rows[sel], ucols)
        diag = np.arange(len(sel))
        total[sel] = block.total[diag, ci]
        for n in feats:
            feats[n][sel] = block.features[n][diag, ci]
    return total, feats


def _dominated(
    key: np.ndarray, value: np.ndarray, threshold: np.ndarray, other: np.ndarray
) -> np.ndarray:
    """For each query q: is there an item with ``key < threshold[q]`` and ``value > other[q]``?"""
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    prefix_max = np.maximum.accumulate(value[order])
    pos = np.searchsorted(key_sorted, threshold, side="left")
    hit = np.zeros(len(threshold), dtype=bool)
    has = pos > 0
    hit[has] = prefix_max[pos[has] - 1] > other[has]
    return hit


def _row_violators(
    pricing: Any, rows: np.ndarray, total: np.ndarray, final: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each row's ``pricing.per_row`` largest positive slacks, and every row's largest slack.

    The largest slack is the per-row bound the solver needs if it stops here;
    it is exact for these rows (every pair of them was scored).
    """
    out_r, out_c, out_s = [], [], []
    worst = np.zeros(len(rows), dtype=np.int64)
    n_cols = total.shape[1]
    step = max(1, 2_000_000 // max(n_cols, 1))
    for a in range(0, len(rows), step):
        rr = rows[a : a + step]
        t = total[a : a + step]
        rep_r = np.repeat(rr, n_cols)
        rep_c = np.tile(cols, len(rr))
        slack = pricing.slack(rep_r, rep_c, t.ravel()).reshape(len(rr), n_cols)
        slack[~final[a : a + step]] = 0
        worst[a : a + step] = np.maximum(slack.max(axis=1, initial=0), 0)
        kk = min(pricing.per_row, n_cols)
        idx = np.argpartition(slack, n_cols - kk, axis=1)[:, n_cols - kk :]
        vals = np.take_along_axis(slack, idx, axis=1)
        keep = vals > 0
        if keep.any():
            hit_r = np.broadcast_to(np.arange(len(rr))[:, None], idx.shape)[keep]
            out_r.append(rr[hit_r])
            out_c.append(cols[idx[keep]])
            out_s.append(t[hit_r, idx[keep]])
    if not out_r:
        e = np.empty(0, np.int64)
        return e, e, np.empty(0, np.float32), worst
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_s), worst


def make_pricer(
    scorer: Any,
    graph: CandidateGraph,
    *,
    forbidden: list[tuple[int, int]],
    min_score: float | None,
    progress: Callable[[str, float], None] | None = None,
) -> Callable[[Any], Any]:
    """The pricer that certifies the candidate graph's answer for every pair."""
    n_rows, n_cols = scorer.shape
    filt = _Filter(forbidden, min_score)
    known = {"keys": np.unique(graph.rows * max(n_cols, 1) + graph.cols)}
    state = {"rounds": 0, "rescored_rows": 0}
    graph.stats["pricing"] = state

    def bound_weights(pricing: Any, t: np.ndarray, prio: Any) -> np.ndarray:
        """W of pairs scoring t with `prio` priority people (int or array)."""
        finite = np.isfinite(t)
        w = np.full(len(t), np.iinfo(np.int64).min // 4, dtype=np.int64)
        if finite.any():
            p = np.broadcast_to(np.asarray(prio, dtype=np.int64), t.shape)[finite]
            w[finite] = pricing.scale.weights(t[finite], p if pricing.scale.has_priority else None)
        return w

    def suspects(pricing: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """Blocks (rows, columns) that may hold a left-out pair with positive slack.

        A left-out pair (i, j) scores at most min(t_i, t'_j), so it can only violate
        the dual if ``v_j < A_i = W(t_i) - u_i - lam`` and ``u_i < B_j = W(t'_j) - v_j -
        lam``. Rows that may violate are sorted by ``A_i`` and taken in chunks; each
        chunk is scored only against the columns that can qualify for some row of
        it (``v_j`` below the chunk's largest ``A``, ``B_j`` above its smallest ``u``).
        """
        u, v, lam = pricing.u, pricing.v, int(pricing.lam)
        rp = pricing.row_prio if pricing.row_prio is not None else np.zeros(n_rows, np.int64)
        cp = pricing.col_prio if pricing.col_prio is not None else np.zeros(n_cols, np.int64)
        row_ok = pricing.row_free & np.isfinite(graph.row_kth)
        col_ok = (pricing.caps > 0) & np.isfinite(graph.col_kth)
        # The priority of a pair is rp_i + cp_j; take the larger (weaker) bound of the two
        # column classes for each row, and of the two row classes for each column.
        a_val = np.full(n_rows, np.iinfo(np.int64).min // 4, dtype=np.int64)
        b_val = np.full(n_cols, np.iinfo(np.int64).min // 4, dtype=np.int64)
        for extra in (0, 1):
            a_val[row_ok] = np.maximum(
                a_val[row_ok],
                bound_weights(pricing, graph.row_kth[row_ok], rp[row_ok] + extra) - u[row_ok] - lam,
            )
            b_val[col_ok] = np.maximum(
                b_val[col_ok],
                bound_weights(pricing, graph.col_kth[col_ok], cp[col_ok] + extra) - v[col_ok] - lam,
            )
        # Exact test per priority class (a, b): rows and columns that may violate.
        row_flag = np.zeros(n_rows, dtype=bool)
        col_flag = np.zeros(n_cols, dtype=bool)
        for a in (0, 1):
            rows_a = np.flatnonzero((rp == a) & row_ok)
            if not len(rows_a):
                continue
            for b in (0, 1):
                cols_b = np.flatnonzero((cp == b) & col_ok)
                if not len(cols_b):
                    continue
                ra = bound_weights(pricing, graph.row_kth[rows_a], a + b) - u[rows_a] - lam
                cb = bound_weights(pricing, graph.col_kth[cols_b], a + b) - v[cols_b] - lam
                row_flag[rows_a[_dominated(v[cols_b], cb, ra, u[rows_a])]] = True
                col_flag[cols_b[_dominated(u[rows_a], ra, cb, v[cols_b])]] = True
        rows = np.flatnonzero(row_flag)
        cols = np.flatnonzero(col_flag)
        if not len(rows) or not len(cols):
            return []
        rows = rows[np.argsort(a_val[rows], kind="stable")]
        cols = cols[np.argsort(v[cols], kind="stable")]
        v_sorted = v[cols]
        blocks = []
        chunk = 256
        for start in range(0, len(rows), chunk):
            rr = rows[start : start + chunk]
            upto = np.searchsorted(v_sorted, a_val[rr].max(), side="left")
            cc = cols[:upto]
            cc = cc[b_val[cc] > u[rr].min()]
            if len(cc):
                blocks.append((rr, np.sort(cc)))
        return blocks

    def pricer(pricing: Any) -> Any:
        state["rounds"] += 1
        out_r, out_c, out_s = [], [], []
        # The reserve: listed with their scores, priced exactly.
        slack = pricing.slack(graph.reserve_rows, graph.reserve_cols, graph.reserve_scores)
        bad = slack > 0
        out_r.append(graph.reserve_rows[bad])
        out_c.append(graph.reserve_cols[bad])
        out_s.append(graph.reserve_scores[bad])
        # Everything else: only the blocks the bounds cannot clear are scored.
        for rows, cols in suspects(pricing):
            state["rescored_rows"] += len(rows)
            state["rescored_pairs"] = state.get("rescored_pairs", 0) + len(rows) * len(cols)
            block = scorer.score_block(rows, cols, keep_features=False)
            staff = filt.staff(rows, block.allowed, cols)
            final = filt.final(block.total, staff)
            vr, vc, vs, _ = _row_violators(pricing, rows, block.total, final, cols)
            out_r.append(vr)
            out_c.append(vc)
            out_s.append(vs)
        r = np.concatenate(out_r)
        c = np.concatenate(out_c)
        s = np.concatenate(out_s)
        key, first = np.unique(r * max(n_cols, 1) + c, return_index=True)
        fresh = ~np.isin(key, known["keys"], assume_unique=True)
        r, c, s = r[first][fresh], c[first][fresh], s[first][fresh]
        known["keys"] = np.union1d(known["keys"], key[fresh])
        if progress:
            progress("certifying", min(0.99, 0.5 + 0.05 * state["rounds"]))
        if len(r) == 0:
            # No left-out pair of the suspect rows and columns violates the dual.
            return None
        return r, c, s.astype(np.float64), None

    return pricer
