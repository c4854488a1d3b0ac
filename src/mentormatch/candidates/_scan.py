"""The first pass: every eligible pair scored once, block by block, into the candidate graph.

:func:`build_candidates` keeps each person's ``k`` best allowed partners (the
graph), the next best ones (the reserve), the best score after those (``t_i``,
``t'_j``) and the per-person counts the unmatched reasons need. The blocks come
from :class:`BlockSource` (the fused kernels of :mod:`mentormatch.scoring._fused`),
here or on a ``dask.distributed`` cluster (:class:`Cluster`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scoring._base import _workers
from ..scoring._fused import BlockStats, FusedBlocks
from ._topk import ColumnHeaps, merge_columns, select_rows

__all__ = ["CandidateGraph", "Cluster", "build_candidates"]

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
    step = block_rows(len(live_cols))
    deep = k + reserve  # pairs kept per row and column (graph, then reserve)
    found = _Found(n_rows, n_cols, live_cols, k, deep)
    rows_todo = live_rows if len(live_cols) else live_rows[:0]
    report = _reporter(progress, len(live_rows))
    if cluster is None:
        col_lists = _scan_here(source, rows_todo, live_cols, deep, step, found, report)
    else:
        col_lists = _scan_cluster(cluster, source, rows_todo, live_cols, deep, step, found, report)
    graph = found.graph(col_lists, scorer, forced)
    graph.stats["candidates_s"] = time.perf_counter() - started
    graph.stats["candidate_pairs"] = len(graph.rows)
    graph.stats["block_rows"] = step
    graph.stats["depth"] = deep
    graph.stats["fused"] = source.fused is not None
    graph.stats["cluster"] = cluster is not None
    return graph


def _reporter(
    progress: Callable[[str, float], None] | None, n_rows: int
) -> Callable[[int], None] | None:
    """Rows done -> the progress of the pass (None without a progress callback)."""
    if not progress:
        return None
    return lambda done: progress("finding candidates", done / max(n_rows, 1))


def _scan_here(
    source: BlockSource,
    rows_todo: np.ndarray,
    live_cols: np.ndarray,
    deep: int,
    step: int,
    found: _Found,
    report: Callable[[int], None] | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The pass on this machine, block by block; each column's best rows (or None)."""
    n_live = len(live_cols)
    # Each column's deep + 1 best rows so far, in a heap per mentor.
    heaps = ColumnHeaps(n_live, deep + 1, _workers())
    for a in range(0, len(rows_todo), step):
        rows = rows_todo[a : a + step]
        idx, vals, r_stats, c_stats = _scan_block(source, rows, live_cols, deep, heaps)
        found.take(rows, idx, vals, r_stats)
        _add_col_stats(found.col_stats, c_stats)
        if report:
            report(a + len(rows))
    return heaps.sorted() if n_live else None


def _scan_cluster(
    cluster: Cluster,
    source: BlockSource,
    rows_todo: np.ndarray,
    live_cols: np.ndarray,
    deep: int,
    step: int,
    found: _Found,
    report: Callable[[int], None] | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The pass on a cluster, a part of the mentees per task; the parts' column heaps merged."""
    col_lists = None
    done = 0
    for part in _scan_on_cluster(cluster, source, rows_todo, live_cols, deep, step):
        found.take(part.rows, part.idx, part.vals, part.row_stats)
        _add_col_stats(found.col_stats, part.col_stats)
        col_lists = (
            part.col_lists if col_lists is None else merge_columns(col_lists, part.col_lists)
        )
        done += len(part.rows)
        if report:
            report(done)
    return col_lists


class _Found:
    """What the pass keeps: the graph's and the reserve's pairs, bounds and counts."""

    def __init__(self, n_rows: int, n_cols: int, live_cols: np.ndarray, k: int, deep: int):
        self.n_rows, self.n_cols = n_rows, n_cols
        self.live_cols, self.k, self.deep = live_cols, k, deep
        # (rows, cols, scores) of the graph's pairs and of the reserve's, block by block.
        self.lists: dict[str, tuple[list[np.ndarray], ...]] = {
            "graph": ([], [], []),
            "reserve": ([], [], []),
        }
        self.row_kth = np.full(n_rows, -np.inf)
        self.row_stats = {key: np.zeros(n_rows, np.int64) for key in _COUNTS}
        self.row_stats.update({key: np.full(n_rows, -np.inf) for key in _BESTS})
        self.col_stats = _no_col_stats(len(live_cols))

    def take(self, rows: np.ndarray, idx: np.ndarray, vals: np.ndarray, stats: dict) -> None:
        """Each row's k best columns (the graph), its next ``reserve`` (kept aside), and
        the best score after those: the largest score of every pair left out."""
        for key, arr in stats.items():
            self.row_stats[key][rows] = arr
        _collect(
            rows[:, None], self.live_cols, idx, vals, self.k, self.deep, self.lists, by_col=False
        )
        self.row_kth[rows] = vals[:, self.deep]

    def graph(
        self,
        col_lists: tuple[np.ndarray, np.ndarray] | None,
        scorer: Any,
        forced: list[tuple[int, int]],
    ) -> CandidateGraph:
        """The candidate graph: the rows' and columns' lists, the forced pairs, the
        reserve less the graph's pairs, and each person's counts and bounds."""
        n_cols, live_cols, deep, lists = self.n_cols, self.live_cols, self.deep, self.lists
        col_kth = np.full(n_cols, -np.inf)
        if len(live_cols):
            assert col_lists is not None
            col_rows, col_vals = col_lists
            _collect(col_rows, live_cols, None, col_vals, self.k, deep, lists, by_col=True)
            col_kth[live_cols] = col_vals[:, deep]  # -inf when nothing is left out
        row_stats, col_stats = self.row_stats, self.col_stats
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
        return CandidateGraph(
            rows=rows_all[first].astype(np.int64),
            cols=cols_all[first].astype(np.int64),
            scores=scores_all[first].astype(np.float32),
            row_kth=self.row_kth,
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
