"""The candidate path: cohorts too large for a dense score matrix.

At 100,000 x 100,000 a dense matrix has 10^10 pairs; it is never built. One
pass over the eligible mentees, block by block, keeps

* each mentee's ``k`` best allowed mentors and each mentor's ``k`` best allowed
  mentees (the *candidate graph*), with every forced pair;
* the *reserve*: each line's next best pairs, outside the LP but priced
  exactly every round;
* the best score after those of every row and column (``t_i``, ``t'_j``):
  every other pair scores at most ``min(t_i, t'_j)``, since it is in neither
  list;
* per person, how many partners the rules allow, how many staff left and how
  many reach the minimum score, and the best of those scores (for the
  unmatched reasons).

The solver then proves the answer optimal for the *whole* problem with a
pricer (``mentormatch.solver.solve_pairs``): a pair left out can only violate
the current dual ``(u, v, lam)`` if ``W(min(t_i, t'_j)) > u_i + v_j + lam``, that
is if its row and its column both fail their bound (some ``j`` with ``v_j <
W(t_i) - u_i - lam`` and ``W(t'_j) - v_j - lam > u_i``): a two-sided dominance
test answered for every row and column at once by sorting by the dual and
taking prefix maxima, O((n + m) log m), no pair scored. The smaller flagged
side is scored again, exactly, against the whole other side. Violators join
the graph; every pair within ``NEAR_MARGIN`` of violating joins the reserve;
and the line keeps a *dual-aware* bound on the rest, ``zeta`` = the largest
``rint(q_ij) - C_j`` (the pair's score in integer units less the other side's
dual offset). Under a later dual a pair left out has slack at most ``zeta +
max_j (C_j - C'_j) - R'_i``, so the line stays certified, unscored, while the
dual moves less than the margin. When a few lines of the other side moved
much more than the rest, those few are scored again in full (*exceptions*)
and the margin only has to cover the others. Rounds whose reserve still
holds violators skip the rescoring. When nothing can violate, the dual is
feasible for all pairs and the solution is certified optimal.

The scoring, the selection and the pricing prefilters are compiled
(:mod:`mentormatch.scoring._fused`, :mod:`mentormatch._topk`): each pair is
read once per pass, with the same scores, bit for bit, as the dense path.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .candidates._topk import ColumnHeaps, above_threshold, merge_columns, near_tight, pairs_above, select_rows
from .scoring._base import _workers
from .scoring._fused import BlockStats, FusedBlocks

__all__ = ["CandidateGraph", "Cluster", "build_candidates", "make_pricer"]

#: Target cells per scoring block (rows x all mentors): ~25 M keeps every
#: feature block around 100 MB and the scoring near its best speed per pair.
BLOCK_CELLS = 25_000_000
_NEG = np.float32(-np.inf)
#: A pricing round is "cheap" (no line scored again) while the reserve holds at
#: least one violator per this many rows.
CHEAP_SHARE = 200
#: A line scored again keeps every pair within this much score of violating the
#: dual; the rest is bounded for later duals (see ``make_pricer``).
NEAR_MARGIN = 0.1
#: A round adding reserve violators to the graph also adds the reserve's pairs
#: within this much score of violating.
RESERVE_MARGIN = 0.02


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


class PairFilter:
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
        """``allowed`` less the staff-forbidden pairs (the same array when none is here)."""
        hits = [(k, self.by_row[i]) for k, i in enumerate(rows.tolist()) if i in self.by_row]
        if not hits:
            return allowed
        out = allowed.copy()
        for k, cols in hits:
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


class Cluster:
    """A ``dask.distributed`` client and what its workers hold: the block source,
    sent to every worker once and shared by the scan and the certificate."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._sent: dict[int, tuple[Any, Any]] = {}

    def source(self, source: BlockSource) -> Any:
        """The future of ``source`` on every worker."""
        key = id(source)
        if key not in self._sent:  # the source is kept with its future: the id stays its own
            self._sent[key] = (source, self.client.scatter(source, broadcast=True))
        return self._sent[key][1]

    def parts(self, n_blocks: int, step: int) -> list[tuple[int, int]]:
        """Ranges of whole blocks, one per worker thread (at most one per block)."""
        threads = max(sum(int(n) for n in self.client.nthreads().values()), 1)
        cuts = np.linspace(0, n_blocks, min(n_blocks, threads) + 1).round().astype(int) * step
        return [(int(a), int(b)) for a, b in itertools.pairwise(cuts) if b > a]


def block_rows(n_cols: int) -> int:
    return max(16, min(2048, BLOCK_CELLS // max(n_cols, 1)))


class BlockSource:
    """Masked totals and counts of any block: the fused kernel for the built-in
    features (:class:`~mentormatch.scoring._fused.FusedBlocks`), else
    :meth:`PairScorer.score_block` with the filter applied in numpy. Both give
    the same :class:`~mentormatch.scoring._fused.BlockStats`, bit for bit."""

    def __init__(
        self, scorer: Any, forbidden: list[tuple[int, int]], min_score: float | None
    ) -> None:
        self.scorer = scorer
        self.forbidden, self.min_score = forbidden, min_score
        self.fused = FusedBlocks.from_scorer(scorer, forbidden, min_score)
        self._filt: PairFilter | None = None  # built on first use of numpy_block

    def block(self, rows: np.ndarray, cols: np.ndarray, *, counts: bool = True) -> BlockStats:
        """The block's statistics; ``counts=False``: only ``masked`` is needed
        (the fused kernel then skips the counts; the numpy path computes them anyway)."""
        if self.fused is not None:
            return self.fused.block(rows, cols, counts=counts)
        return self.numpy_block(rows, cols)

    def numpy_block(self, rows: np.ndarray, cols: np.ndarray) -> BlockStats:
        """The same statistics from :meth:`PairScorer.score_block` (any extractor)."""
        if self._filt is None:
            self._filt = PairFilter(self.forbidden, self.min_score)
        block = self.scorer.score_block(rows, cols, keep_features=False)
        total, rule = block.total, block.allowed
        staff = self._filt.staff(rows, rule, cols)
        final = self._filt.final(total, staff)
        masked = np.where(final, total, _NEG)
        staff_masked = masked if staff is final else np.where(staff, total, _NEG)
        sums = {id(m): (m.sum(axis=1), m.sum(axis=0)) for m in (rule, staff, final)}
        return BlockStats(
            masked=masked,
            row_rule=sums[id(rule)][0],
            row_staff=sums[id(staff)][0],
            row_final=sums[id(final)][0],
            row_best_staff=staff_masked.max(axis=1, initial=-np.inf).astype(np.float64),
            row_best_final=masked.max(axis=1, initial=-np.inf).astype(np.float64),
            col_rule=sums[id(rule)][1],
            col_staff=sums[id(staff)][1],
            col_final=sums[id(final)][1],
            col_best_staff=staff_masked.max(axis=0, initial=-np.inf).astype(np.float64),
            col_best_final=masked.max(axis=0, initial=-np.inf).astype(np.float64),
        )


def build_candidates(
    scorer: Any,
    *,
    k: int,
    reserve: int = 256,
    forbidden: list[tuple[int, int]],
    min_score: float | None,
    forced: list[tuple[int, int]],
    progress: Callable[[str, float], None] | None = None,
    source: BlockSource | None = None,
    cluster: Cluster | None = None,
) -> CandidateGraph:
    """One blockwise pass: top-k per row and column, the reserve, bounds and counts.

    Only eligible mentees and mentors are scored: the rules allow no pair of an
    ineligible applicant, whose counts stay 0 and bounds ``-inf``. On a
    ``dask.distributed`` cluster, the mentees are split into parts of whole
    blocks scored on its workers (:func:`_scan_part`, the same code as here),
    each part with its own column heaps, merged here: the same graph, bit for
    bit, as the pass on this machine.
    """
    started = time.perf_counter()
    n_rows, n_cols = scorer.shape
    if source is None:
        source = BlockSource(scorer, forbidden, min_score)
    live_rows = np.flatnonzero(scorer.rules_.mentee_eligible)
    live_cols = np.flatnonzero(scorer.rules_.mentor_eligible)
    n_live = len(live_cols)
    step = block_rows(n_live)
    deep = k + reserve  # pairs kept per row and column (graph, then reserve)
    # (rows, cols, scores) of the graph's pairs and of the reserve's, block by block.
    lists: dict[str, tuple[list[np.ndarray], ...]] = {
        "graph": ([], [], []),
        "reserve": ([], [], []),
    }
    row_kth = np.full(n_rows, -np.inf)
    row_stats = {key: np.zeros(n_rows, np.int64) for key in _COUNTS}
    row_stats.update({key: np.full(n_rows, -np.inf) for key in _BESTS})
    col_stats = _no_col_stats(n_live)

    def take(rows: np.ndarray, idx: np.ndarray, vals: np.ndarray, stats: dict) -> None:
        # Each row's k best columns (the graph), its next `reserve` (kept aside), and
        # the best score after those: the largest score of every pair left out.
        for key, arr in stats.items():
            row_stats[key][rows] = arr
        _collect(rows[:, None], live_cols, idx, vals, k, deep, lists, by_col=False)
        row_kth[rows] = vals[:, deep]

    n_todo = len(live_rows) if n_live else 0
    if cluster is None:
        # Each column's deep + 1 best rows so far, in a heap per mentor.
        heaps = ColumnHeaps(n_live, deep + 1, _workers())
        for a in range(0, n_todo, step):
            rows = live_rows[a : a + step]
            idx, vals, r_stats, c_stats = _scan_block(source, rows, live_cols, deep, heaps)
            take(rows, idx, vals, r_stats)
            _add_col_stats(col_stats, c_stats)
            if progress:
                progress("finding candidates", (a + len(rows)) / max(len(live_rows), 1))
        col_lists = heaps.sorted() if n_live else None
    else:
        col_lists = None
        done = 0
        for part in _scan_on_cluster(cluster, source, live_rows[:n_todo], live_cols, deep, step):
            take(part.rows, part.idx, part.vals, part.row_stats)
            _add_col_stats(col_stats, part.col_stats)
            col_lists = (
                part.col_lists if col_lists is None else merge_columns(col_lists, part.col_lists)
            )
            done += len(part.rows)
            if progress:
                progress("finding candidates", done / max(len(live_rows), 1))
    col_kth = np.full(n_cols, -np.inf)
    if n_live:
        assert col_lists is not None
        col_rows, col_vals = col_lists
        _collect(col_rows, live_cols, None, col_vals, k, deep, lists, by_col=True)
        col_kth[live_cols] = col_vals[:, deep]  # -inf when nothing is left out
    counts = {key: (row_stats[key], np.zeros(n_cols, np.int64)) for key in _COUNTS}
    best = {key: (row_stats[key], np.full(n_cols, -np.inf)) for key in _BESTS}
    for key in _COUNTS:
        counts[key][1][live_cols] = col_stats[key]
    for key in _BESTS:
        best[key][1][live_cols] = col_stats[key]
    rows_out, cols_out, scores_out = lists["graph"]
    res_r, res_c, res_s = lists["reserve"]
    rows_all = np.concatenate(rows_out) if rows_out else np.empty(0, np.int64)
    cols_all = np.concatenate(cols_out) if cols_out else np.empty(0, np.int64)
    scores_all = np.concatenate(scores_out) if scores_out else np.empty(0, np.float32)
    if forced:
        fr, fc, fs = _pair_scores(scorer, forced)
        rows_all = np.concatenate([rows_all, fr])
        cols_all = np.concatenate([cols_all, fc])
        scores_all = np.concatenate([scores_all, fs])
    width = max(n_cols, 1)
    pair_key, first = np.unique(rows_all.astype(np.int64) * width + cols_all, return_index=True)
    rr = np.concatenate(res_r).astype(np.int64) if res_r else np.empty(0, np.int64)
    rc = np.concatenate(res_c).astype(np.int64) if res_c else np.empty(0, np.int64)
    rs = np.concatenate(res_s) if res_s else np.empty(0, np.float32)
    res_key, res_first = np.unique(rr * width + rc, return_index=True)
    res_first = res_first[~_member(res_key, pair_key)]
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
        best_staff=best["best_staff"],
        best_final=best["best_final"],
    )
    graph.stats["candidates_s"] = time.perf_counter() - started
    graph.stats["candidate_pairs"] = len(graph.rows)
    graph.stats["block_rows"] = step
    graph.stats["depth"] = deep
    graph.stats["fused"] = source.fused is not None
    graph.stats["cluster"] = cluster is not None
    return graph


#: Per-person statistics of a block: pairs allowed by the rules, after staff
#: decisions, after the minimum score (counts), and the best score of the last two.
_COUNTS = ("rule", "staff", "final")
_BESTS = ("best_staff", "best_final")


def _no_col_stats(n: int) -> dict[str, np.ndarray]:
    out = {key: np.zeros(n, np.int64) for key in _COUNTS}
    out.update({key: np.full(n, -np.inf) for key in _BESTS})
    return out


def _add_col_stats(acc: dict[str, np.ndarray], more: dict[str, np.ndarray]) -> None:
    """Column statistics of more rows: counts add up, best scores take the larger."""
    for key in _COUNTS:
        acc[key] += more[key]
    for key in _BESTS:
        np.maximum(acc[key], more[key], out=acc[key])


def _scan_block(
    source: BlockSource,
    rows: np.ndarray,
    live_cols: np.ndarray,
    deep: int,
    heaps: ColumnHeaps,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Score mentees ``rows`` against every live mentor: each row's ``deep + 1`` best
    (positions in ``live_cols``, scores), the rows' and the columns' statistics; the
    block's pairs are offered to ``heaps``."""
    st = source.block(rows, live_cols)
    idx, vals = select_rows(st.masked, deep + 1)
    heaps.push(st.masked, rows)
    r_stats = {key: np.asarray(getattr(st, f"row_{key}")) for key in (*_COUNTS, *_BESTS)}
    c_stats = {key: np.asarray(getattr(st, f"col_{key}")) for key in (*_COUNTS, *_BESTS)}
    return idx, vals, r_stats, c_stats


@dataclass
class _ScanPart:
    """The pass over some mentees (on a worker): their lists and statistics, and each
    column's statistics and best rows among them."""

    rows: np.ndarray
    idx: np.ndarray
    vals: np.ndarray
    row_stats: dict[str, np.ndarray]
    col_stats: dict[str, np.ndarray]
    col_lists: tuple[np.ndarray, np.ndarray]


def _scan_part(
    source: BlockSource, rows: np.ndarray, live_cols: np.ndarray, deep: int, step: int
) -> _ScanPart:
    """:func:`build_candidates`' pass over ``rows`` (increasing), block by block."""
    heaps = ColumnHeaps(len(live_cols), deep + 1, _workers())
    col_stats = _no_col_stats(len(live_cols))
    parts: list[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]] = []
    for a in range(0, len(rows), step):
        idx, vals, r_stats, c_stats = _scan_block(
            source, rows[a : a + step], live_cols, deep, heaps
        )
        parts.append((idx, vals, r_stats))
        _add_col_stats(col_stats, c_stats)
    return _ScanPart(
        rows=rows,
        idx=np.concatenate([p[0] for p in parts]),
        vals=np.concatenate([p[1] for p in parts]),
        row_stats={key: np.concatenate([p[2][key] for p in parts]) for key in parts[0][2]},
        col_stats=col_stats,
        col_lists=heaps.sorted(),
    )


def _scan_on_cluster(
    cluster: Cluster,
    source: BlockSource,
    rows: np.ndarray,
    live_cols: np.ndarray,
    deep: int,
    step: int,
) -> Any:
    """The parts of the pass over ``rows``, scored on the workers, as they finish.

    One part of whole blocks per worker thread: each part starts its column heaps
    empty, and the first blocks of a heap take the most inserts, so fewer parts
    do less work (at 20,000 x 20,000 on one 2-core machine, a part per worker:
    scan 20.5 s; four: 29.8 s; here without a cluster: 13.0 s). The kernels of a
    part use every core of its machine: a worker thread per machine is best.
    """
    from distributed import as_completed

    shared = cluster.source(source)
    futures = [
        cluster.client.submit(_scan_part, shared, rows[a:b], live_cols, deep, step, pure=False)
        for a, b in cluster.parts(-(-len(rows) // step), step)
    ]
    try:
        for future in as_completed(futures):
            part = future.result()
            future.release()
            yield part
    finally:
        cluster.client.cancel(futures)


def _collect(
    rows: np.ndarray,
    live_cols: np.ndarray,
    idx: np.ndarray | None,
    vals: np.ndarray,
    k: int,
    deep: int,
    lists: dict[str, tuple[list[np.ndarray], ...]],
    *,
    by_col: bool,
) -> None:
    """File each line's best ``k`` in the graph and its next ``deep - k`` in the reserve.

    Rows: ``rows`` is a column of mentee positions and ``idx`` the positions in
    ``live_cols``. Columns (``by_col``): ``rows`` holds the mentee positions of
    each mentor's list, one line per live column.
    """
    for lo, hi, name in ((0, k, "graph"), (k, deep, "reserve")):
        v = vals[:, lo:hi]
        keep = v > _NEG
        if by_col:
            r = rows[:, lo:hi][keep]
            c = np.broadcast_to(live_cols[:, None], v.shape)[keep]
        else:
            assert idx is not None
            r = np.broadcast_to(rows, v.shape)[keep]
            c = live_cols[idx[:, lo:hi][keep]]
        for out, arr in zip(lists[name], (r, c, v[keep]), strict=True):
            out.append(arr)


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


def _offsets(
    pricing: Any, rows: np.ndarray, cols: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pair (i, j) can have positive slack only if ``q > R_i + C_j - 1/2``,
    ``q = sign * score / resolution``: ``(sign / resolution, R, C, row_ok, col_ok)``.

    pairs_first: ``W = T + (rint(q) - s_min + 1) + P p`` with ``p = p_i + p_j``,
    so slack > 0 iff ``rint(q) > (u_i + lam - T + s_min - 1 - P p_i) + (v_j - P p_j)``;
    score_first: ``W = Q rint(q) + p``, iff ``rint(q) > (u_i + lam - p_i) / Q + (v_j - p_j) / Q``.
    """
    scale = pricing.scale
    lam = int(pricing.lam)
    u = pricing.u[rows].astype(np.int64)
    v = pricing.v[cols].astype(np.int64)
    rp: np.ndarray | int = 0
    cp: np.ndarray | int = 0
    if scale.has_priority:
        if pricing.row_prio is not None:
            rp = pricing.row_prio[rows].astype(np.int64)
        if pricing.col_prio is not None:
            cp = pricing.col_prio[cols].astype(np.int64)
    if scale.priority == "pairs_first":
        tier = int(scale.tier_priority)
        row_off = (u + (lam - int(scale.tier_pairs) + int(scale.s_min) - 1) - tier * rp).astype(
            np.float64
        )
        col_off = (v - tier * cp).astype(np.float64)
    else:
        q = float(scale.tier_priority)
        row_off = (u + lam - rp) / q
        col_off = (v - cp) / q
    return (
        scale.sign / scale.resolution,
        np.broadcast_to(row_off, len(rows)),
        np.broadcast_to(col_off, len(cols)),
        pricing.row_free[rows],
        pricing.caps[cols] > 0,
    )


def _violators(
    pricing: Any,
    rows: np.ndarray,
    cols: np.ndarray,
    masked: np.ndarray,
    by_col: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The block's pairs with positive slack (the largest ``per_row`` of each row, or
    of each column when ``by_col``) and each row's largest slack.

    ``masked`` holds the scores, ``-inf`` where no pair can be made. A compiled
    prefilter (:func:`~mentormatch._topk.above_threshold`) finds the few pairs
    whose slack may be positive; their exact integer slack is computed here.
    The largest slack per row is the bound the solver needs if it stops here;
    it covers every violation of the row when the block holds every pair that
    may violate (all the row's columns, or all the flagged columns).
    """
    q_scale, row_off, col_off, row_ok, col_ok = _offsets(pricing, rows, cols)
    hit_r, hit_c = above_threshold(masked, q_scale, row_off, col_off, row_ok, col_ok)
    r, c = rows[hit_r], cols[hit_c]
    sc = masked[hit_r, hit_c]
    sl = pricing.slack(r, c, sc)
    worst = np.zeros(len(rows), dtype=np.int64)
    np.maximum.at(worst, hit_r, np.maximum(sl, 0))
    pos = sl > 0
    r, c, sc, sl = r[pos], c[pos], sc[pos], sl[pos]
    keep = _top_per_owner(c if by_col else r, sl, pricing.per_row)
    return r[keep], c[keep], sc[keep], worst


def _top_per_owner(owner: np.ndarray, slack: np.ndarray, per_owner: int) -> np.ndarray:
    """Positions of the ``per_owner`` largest slacks of each owner (a row or a column)."""
    order = np.lexsort((-slack, owner))
    owner = owner[order]
    first = np.searchsorted(owner, owner, side="left")
    return order[(np.arange(len(order)) - first) < per_owner]


def make_pricer(
    scorer: Any,
    graph: CandidateGraph,
    *,
    forbidden: list[tuple[int, int]],
    min_score: float | None,
    progress: Callable[[str, float], None] | None = None,
    deadline: float | None = None,
    source: BlockSource | None = None,
    cluster: Cluster | None = None,
) -> Callable[[Any], Any]:
    """The pricer that certifies the candidate graph's answer for every pair.

    Each round the reserve is priced exactly. A pair outside the graph and the
    reserve can only violate the dual if its row *and* its column fail their
    bound (:func:`_flagged`) and neither line is certified by its dual-aware
    bound (see the module); the smaller of the two flagged sets is scored
    again against the whole other side, which covers every possible violator.
    The lines scored keep the pairs near violation in the reserve and a bound
    on the rest that holds while the dual moves less than ``NEAR_MARGIN``, so
    the loop ends with the dual feasible for every pair of the full problem.
    On a ``dask.distributed`` cluster, the lines are scored again on its
    workers (:func:`_rescore_part`), with the same result.
    """
    n_rows, n_cols = scorer.shape
    width = max(n_cols, 1)
    if source is None:
        source = BlockSource(scorer, forbidden, min_score)
    # Sorted keys (row * width + col) of the pairs in the graph.
    known = {"keys": np.unique(graph.rows * width + graph.cols)}
    state: dict[str, Any] = {"rounds": 0, "rescored_lines": 0, "rescored_pairs": 0}
    graph.stats["pricing"] = state
    live = (
        np.flatnonzero(scorer.rules_.mentee_eligible),
        np.flatnonzero(scorer.rules_.mentor_eligible),
    )

    # The dual-aware bounds of the lines scored again (see `rescore`): per line the
    # largest ``rint(q) - offset`` of the other side over its pairs left out, and the
    # round whose offsets it was computed with (-1: none).
    zeta = (np.full(n_rows, np.inf), np.full(n_cols, np.inf))
    snap = (np.full(n_rows, -1, np.int64), np.full(n_cols, -1, np.int64))
    snaps: list[tuple[np.ndarray, np.ndarray]] = []

    def rescore(
        pricing: Any, lines: np.ndarray, by_col: bool, offsets: tuple[Any, ...]
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Score ``lines`` (rows, or columns) against the whole other side.

        Every pair within ``margin`` of violating the current dual joins the
        reserve (priced exactly from now on; those violating it are returned);
        for the others the line keeps ``zeta``, the largest ``rint(q) -
        offset`` of the other side: under a later dual their slack is at most
        ``zeta + (largest drop of the other side's offsets) - own offset``,
        which certifies the line without scoring it again while the dual
        moves less than the margin.
        """
        q_scale, r_off, c_off, r_ok, c_ok = offsets
        margin = NEAR_MARGIN / pricing.scale.resolution  # in units of q (both priorities)
        # One snapshot per round, shared by the calls of that round: the offsets are
        # computed afresh every round (read-only arrays), so they are kept, not copied.
        if not snaps or snaps[-1][0] is not r_off:
            snaps.append((r_off, c_off))
        here = len(snaps) - 1
        side = 1 if by_col else 0
        found: list[list[np.ndarray]] = [[], [], [], []]
        worst = np.zeros(n_rows, dtype=np.int64)
        add: list[list[np.ndarray]] = [[], [], []]
        others = live[0] if by_col else live[1]
        step = block_rows(len(others))
        line_off, other_off, line_ok, other_ok = (
            (c_off, r_off, c_ok, r_ok) if by_col else (r_off, c_off, r_ok, c_ok)
        )
        args = (others, by_col, q_scale, line_off, other_off, line_ok, other_ok, margin)
        if cluster is None:
            parts = _rescore_here(source, lines, step, args, deadline)
        else:
            parts = _rescore_on_cluster(cluster, source, lines, step, args, deadline)
        n_done = 0
        for ll, (li, oi, ps, z, tmax) in parts:
            pr, pc = (others[oi], ll[li]) if by_col else (ll[li], others[oi])
            sl = pricing.slack(pr, pc, ps)
            np.maximum.at(worst, pr, np.maximum(sl, 0))
            bad = sl > 0
            for acc, arr in zip(found, (pr[bad], pc[bad], ps[bad], sl[bad]), strict=True):
                acc.append(arr)
            add[0].append(pr)
            add[1].append(pc)
            add[2].append(ps)
            own_ok = line_ok[ll]
            done = ll[own_ok]
            zeta[side][done] = z[own_ok]
            snap[side][done] = here
            (graph.col_kth if by_col else graph.row_kth)[done] = tmax[own_ok]
            state["rescored_pairs"] += len(ll) * len(others)
            n_done += len(ll)
        if n_done < len(lines):
            # Out of time: the lines not scored keep their bound. Every row may
            # have a violator in a column not scored; only the rows not scored can.
            loose = _row_bound(pricing, graph, n_rows)
            if not by_col:
                left = np.zeros(n_rows, dtype=bool)
                left[lines[n_done:]] = True
                loose[~left] = 0
            np.maximum(worst, loose, out=worst)
            state["stopped_early"] = True
        state["rescored_lines"] += n_done
        state["kept"] = state.get("kept", 0) + sum(len(x) for x in add[0])
        # Appended as they are: a pair already in the graph or the reserve is priced
        # twice (a graph pair never violates the LP's dual), which is cheaper than
        # looking every key up.
        graph.reserve_rows = np.concatenate([graph.reserve_rows, *add[0]])
        graph.reserve_cols = np.concatenate([graph.reserve_cols, *add[1]])
        graph.reserve_scores = np.concatenate([graph.reserve_scores, *add[2]])
        if not found[0]:
            e = np.empty(0, np.int64)
            return [e, e, np.empty(0, np.float32)], worst
        r, c, sc, sl = (np.concatenate(x) for x in found)
        keep = _top_per_owner(c if by_col else r, sl, pricing.per_row)
        return [r[keep], c[keep], sc[keep]], worst

    def certified(offsets: tuple[Any, ...]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Lines whose dual-aware bound still shows no pair left out can violate,
        and the *exception* lines of the other side to score again for that.

        A line's bound needs the largest drop of the other side's offsets since
        its snapshot. A few lines of the other side often drop far more than
        the rest (the dual moved along a few alternating paths): scoring those
        few again covers their pairs exactly, and the bound then only needs
        the largest drop among the others. The number of exceptions is chosen
        to minimize the pairs to score: ``s`` exception lines cost ``s`` times
        the other side, each line left uncertified may cost its whole length.
        Returns ``([row_cert, col_cert], [exception_rows, exception_cols])``.
        """
        _, r_off, c_off, r_ok, c_ok = offsets
        cert = [np.zeros(n_rows, dtype=bool), np.zeros(n_cols, dtype=bool)]
        extra = [np.empty(0, np.int64), np.empty(0, np.int64)]
        # A pair is covered when either of its lines is certified: the side holding
        # more bounds goes second and ignores the other side's certified lines.
        first = 0 if (snap[0] >= 0).sum() <= (snap[1] >= 0).sum() else 1
        for side in (first, 1 - first):
            own, now, ok = (r_off, c_off, c_ok) if side == 0 else (c_off, r_off, r_ok)
            if side != first:
                ok = ok & ~cert[first]
            used = [k for k in range(len(snaps)) if (snap[side] == k).any()]
            if not used:
                continue
            # Per snapshot: how far each line of the other side dropped (-inf: it can
            # hold no violating pair), and own - zeta of the lines certified with it.
            drops, gaps, sels = [], [], []
            for k in used:
                then = snaps[k][1 - side]
                drops.append(np.where(ok, then - now, -np.inf))
                sel = np.flatnonzero(snap[side] == k)
                sels.append(sel)
                gaps.append(np.sort(own[sel] - zeta[side][sel]))
            worst = np.max(drops, axis=0)
            order = np.argsort(-worst, kind="stable")
            # The largest drop left once the first s of `order` are scored again.
            rest = [np.append(np.maximum.accumulate(d[order][::-1])[::-1], -np.inf) for d in drops]
            n_other = len(order)
            grid = np.unique(np.minimum(n_other, np.r_[0, 2 ** np.arange(0, 17)]))
            # An exception line is scored against this side's lines, a line of this
            # side left uncertified against the other side's.
            per_exception, per_line = len(live[side]), len(live[1 - side])
            best_s, best_cost = 0, None
            for s_ in grid.tolist():
                left = sum(
                    int(np.searchsorted(g, r[s_], side="left"))
                    for g, r in zip(gaps, rest, strict=True)
                )
                cost = s_ * per_exception + left * per_line
                if best_cost is None or cost < best_cost:
                    best_s, best_cost = s_, cost
            for sel, r in zip(sels, rest, strict=True):
                cert[side][sel] = own[sel] - zeta[side][sel] >= r[best_s]
            extra[1 - side] = np.sort(order[:best_s][np.isfinite(worst[order[:best_s]])])
        return cert, extra

    all_rows = np.arange(n_rows)
    all_cols = np.arange(n_cols)

    def pricer(pricing: Any) -> Any:
        state["rounds"] += 1
        # The reserve: listed with their scores, priced exactly (a compiled
        # prefilter, then the exact slack of the few pairs it lets through).
        offsets = _offsets(pricing, all_rows, all_cols)
        near = RESERVE_MARGIN / pricing.scale.resolution  # in units of q
        maybe = np.flatnonzero(
            pairs_above(
                graph.reserve_rows, graph.reserve_cols, graph.reserve_scores, *offsets, near
            )
        )
        rr, rc, rs = (
            graph.reserve_rows[maybe],
            graph.reserve_cols[maybe],
            graph.reserve_scores[maybe],
        )
        slack = pricing.slack(rr, rc, rs)
        bad = slack > 0
        worst = np.zeros(n_rows, dtype=np.int64)
        np.maximum.at(worst, rr[bad], slack[bad])
        # With violators to add, the reserve's pairs near violation go along: the
        # next dual will move, and they would be the next round's violators.
        unit = pricing.scale.tier_priority if pricing.scale.priority == "score_first" else 1
        take = (slack > -near * unit) if bad.any() else bad
        out_r = [rr[take]]
        out_c = [rc[take]]
        out_s = [rs[take]]
        # Cheap first: while the reserve has many violators (one in 200 rows), or
        # pairs between rows and columns priced at 0 do (mostly the unmatched and
        # the mentors with room: such a pair adds a whole pair, violating the dual
        # by the pairs tier), the LP takes those and no line is scored again: its
        # dual is still far from the final one, and the bounds below could not
        # close anyway. A few reserve violators go along with the rescoring.
        cheap = int(bad.sum()) >= max(1, len(live[0]) // CHEAP_SHARE)
        if not bad.any():
            zero_r = live[0][pricing.row_free[live[0]] & (pricing.u[live[0]] == 0)]
            zero_c = live[1][(pricing.caps[live[1]] > 0) & (pricing.v[live[1]] == 0)]
            if 0 < len(zero_r) * len(zero_c) <= 4 * BLOCK_CELLS:
                masked = source.block(zero_r, zero_c, counts=False).masked
                vr, vc, vs, _ = _violators(pricing, zero_r, zero_c, masked, False)
                state["rescored_pairs"] += len(zero_r) * len(zero_c)
                cheap = len(vr) > 0
                out_r.append(vr)
                out_c.append(vc)
                out_s.append(vs)
        if cheap:
            # Not every pair was priced: each row's bound covers the rest.
            np.maximum(worst, _row_bound(pricing, graph, n_rows), out=worst)
        # Otherwise: only the lines the bounds cannot clear are scored again.
        none = np.empty(0, np.int64)
        rows, cols = none, none
        if not cheap:
            (row_cert, col_cert), (ex_rows, ex_cols) = certified(offsets)
            # The exception lines, scored again in full now, are certified too.
            for lines_, by_col_ in ((ex_cols, True), (ex_rows, False)):
                if len(lines_):
                    (vr, vc, vs), ex_worst = rescore(pricing, lines_, by_col_, offsets)
                    out_r.append(vr)
                    out_c.append(vc)
                    out_s.append(vs)
                    np.maximum(worst, ex_worst, out=worst)
            col_cert[ex_cols] = True
            row_cert[ex_rows] = True
            state.setdefault("exceptions", []).append((len(ex_rows), len(ex_cols)))
            rows, cols = _flagged(pricing, graph, n_rows, n_cols, row_cert, col_cert)
            state.setdefault("flagged", []).append((len(rows), len(cols)))
        if len(rows) and len(cols):
            by_col = len(cols) * len(live[0]) < len(rows) * len(live[1])
            (vr, vc, vs), rescored_worst = rescore(
                pricing, cols if by_col else rows, by_col, offsets
            )
            out_r.append(vr)
            out_c.append(vc)
            out_s.append(vs)
            np.maximum(worst, rescored_worst, out=worst)
        r = np.concatenate(out_r).astype(np.int64)
        c = np.concatenate(out_c).astype(np.int64)
        s = np.concatenate(out_s)
        key, first = np.unique(r * width + c, return_index=True)
        fresh = ~_member(key, known["keys"])
        r, c, s = r[first][fresh], c[first][fresh], s[first][fresh]
        known["keys"] = _merge(known["keys"], key[fresh])
        state.setdefault("added", []).append(len(r))
        state.setdefault("cheap", []).append(bool(cheap))
        if progress:
            progress("certifying", min(0.99, 0.5 + 0.05 * state["rounds"]))
        if len(r) == 0 and not worst.any():
            # No pair outside the graph violates the dual: certified for every pair.
            return None
        # (No pairs with a positive bound: out of time before any violator was found.)
        return r, c, s.astype(np.float64), worst

    return pricer


def _rescore_block(
    source: BlockSource,
    lines: np.ndarray,
    others: np.ndarray,
    by_col: bool,
    q_scale: float,
    line_off: np.ndarray,
    other_off: np.ndarray,
    line_ok: np.ndarray,
    other_ok: np.ndarray,
    margin: float,
) -> tuple[np.ndarray, ...]:
    """Score ``lines`` (rows, or columns when ``by_col``) against ``others``: the pairs
    within ``margin`` of violating (positions in ``lines`` and ``others``, scores), and
    each line's ``zeta`` and largest score among the rest (:func:`near_tight`)."""
    rr, cc = (others, lines) if by_col else (lines, others)
    masked = source.block(rr, cc, counts=False).masked
    if by_col:
        masked = np.ascontiguousarray(masked.T)
    li, oi, z, tmax = near_tight(
        masked,
        q_scale,
        line_off[lines],
        other_off[others],
        line_ok[lines],
        other_ok[others],
        margin,
    )
    return li, oi, masked[li, oi], z, tmax


def _rescore_part(
    source: BlockSource, lines: np.ndarray, step: int, *args: Any
) -> tuple[np.ndarray, ...]:
    """:func:`_rescore_block` over ``lines``, block by block, as one result (on a worker)."""
    out: list[tuple[np.ndarray, ...]] = []
    for a in range(0, len(lines), step):
        li, oi, ps, z, tmax = _rescore_block(source, lines[a : a + step], *args)
        out.append((li + a, oi, ps, z, tmax))
    return tuple(np.concatenate(x) for x in zip(*out, strict=True))


def _rescore_here(
    source: BlockSource, lines: np.ndarray, step: int, args: tuple, deadline: float | None
) -> Any:
    """The blocks of ``lines`` with their :func:`_rescore_block`, in order; past the
    deadline no further block starts (the first always runs)."""
    for a in range(0, len(lines), step):
        if a and deadline is not None and time.perf_counter() > deadline:
            return
        ll = lines[a : a + step]
        yield ll, _rescore_block(source, ll, *args)


def _rescore_on_cluster(
    cluster: Cluster,
    source: BlockSource,
    lines: np.ndarray,
    step: int,
    args: tuple,
    deadline: float | None,
) -> Any:
    """:func:`_rescore_here` on the workers: one part of whole blocks per worker
    thread, taken in order; past the deadline the parts not finished are dropped
    (the first is always waited for), so the lines done are a prefix."""
    from distributed import wait

    shared = cluster.source(source)
    ranges = cluster.parts(-(-len(lines) // step), step)
    futures = [
        cluster.client.submit(_rescore_part, shared, lines[a:b], step, *args, pure=False)
        for a, b in ranges
    ]
    try:
        for n, ((a, b), future) in enumerate(zip(ranges, futures, strict=True)):
            if n and deadline is not None:
                try:
                    wait(future, timeout=max(deadline - time.perf_counter(), 0.0))
                except TimeoutError:
                    return
            part = future.result()
            future.release()
            yield lines[a:b], part
    finally:
        cluster.client.cancel(futures)


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``np.isin(keys, sorted_keys)`` by binary search (no sort of the large side)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def _merge(sorted_keys: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``sorted_keys`` with the distinct keys of ``new`` (not already in it) inserted."""
    new = np.unique(new)
    return np.insert(sorted_keys, np.searchsorted(sorted_keys, new), new)


def _bound_weights(pricing: Any, t: np.ndarray, prio: Any) -> np.ndarray:
    """W of pairs scoring ``t`` with ``prio`` priority people (int or array); very low for -inf."""
    finite = np.isfinite(t)
    w = np.full(len(t), np.iinfo(np.int64).min // 4, dtype=np.int64)
    if finite.any():
        p = np.broadcast_to(np.asarray(prio, dtype=np.int64), t.shape)[finite]
        w[finite] = pricing.scale.weights(t[finite], p if pricing.scale.has_priority else None)
    return w


def _row_bound(pricing: Any, graph: CandidateGraph, n_rows: int) -> np.ndarray:
    """A bound on the slack of every pair of each row outside the graph (``v >= 0``)."""
    rp = pricing.row_prio if pricing.row_prio is not None else np.zeros(n_rows, np.int64)
    top = _bound_weights(pricing, graph.row_kth, rp + 1)  # a pair's priority: at most rp + 1
    bound = np.maximum(top - pricing.u - int(pricing.lam), 0)
    bound[~pricing.row_free] = 0
    return bound


def _flagged(
    pricing: Any,
    graph: CandidateGraph,
    n_rows: int,
    n_cols: int,
    row_cert: np.ndarray | None = None,
    col_cert: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns that may hold a pair outside the graph and the reserve with
    positive slack.

    Such a pair (i, j) scores at most ``min(t_i, t'_j)``, so it can only violate
    the dual if ``v_j < A_i = W(t_i) - u_i - lam`` and ``u_i < B_j = W(t'_j) - v_j -
    lam``: a two-sided dominance test, answered for every row and every column
    at once (:func:`_dominated`), per priority class of the pair.
    """
    u, v, lam = pricing.u, pricing.v, int(pricing.lam)
    rp = pricing.row_prio if pricing.row_prio is not None else np.zeros(n_rows, np.int64)
    cp = pricing.col_prio if pricing.col_prio is not None else np.zeros(n_cols, np.int64)
    row_ok = pricing.row_free & np.isfinite(graph.row_kth)
    col_ok = (pricing.caps > 0) & np.isfinite(graph.col_kth)
    # A line certified by its dual-aware bound covers all its pairs left out.
    if row_cert is not None:
        row_ok &= ~row_cert
    if col_cert is not None:
        col_ok &= ~col_cert
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
            ra = _bound_weights(pricing, graph.row_kth[rows_a], a + b) - u[rows_a] - lam
            cb = _bound_weights(pricing, graph.col_kth[cols_b], a + b) - v[cols_b] - lam
            row_flag[rows_a[_dominated(v[cols_b], cb, ra, u[rows_a])]] = True
            col_flag[cols_b[_dominated(u[rows_a], ra, cb, v[cols_b])]] = True
    return np.flatnonzero(row_flag), np.flatnonzero(col_flag)
