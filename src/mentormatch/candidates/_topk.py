"""Compiled selection for the candidate path: each row's best entries, each
column's best rows kept in heaps across blocks.

Both read a block of masked totals (``-inf`` where no pair can be made) once.
numba is imported and the kernels compiled on first use, not on import.

* :func:`select_rows`: per row, the ``depth`` largest entries in decreasing
  order (ties by column position), found with a histogram of the values in
  [0, 1] and a sort of the few entries in the top bins, not a partition of
  the whole row.
* :class:`ColumnHeaps`: per column a min-heap of the ``depth`` best entries
  seen so far; a block's entry enters only if it beats the heap's root, so
  after the first blocks almost every entry costs one comparison.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mentormatch._jit import njit  # numba's cache, in a private per-user directory

__all__ = [
    "ColumnHeaps",
    "above_threshold",
    "merge_columns",
    "near_tight",
    "pairs_above",
    "select_rows",
]

_BINS = 4096
#: Columns per tile in ColumnHeaps.push: 256 heaps of a few KB stay in cache.
_TILE = 256
_KERNELS: dict[str, Any] = {}


def _kernels() -> dict[str, Any]:
    """The compiled kernels by name, made on first use (numba is not imported before)."""
    if _KERNELS:
        return _KERNELS
    import numba as nb

    made = {
        "merge": _merge_kernel(nb),
        "lines": _lines_kernel(nb),
        "pairs_above": _pairs_above_kernel(nb),
        "select": _select_kernel(nb),
        "push": _push_kernel(nb),
    }
    _KERNELS.update(made)
    return _KERNELS


def _select_kernel(nb: Any) -> Any:
    @njit(parallel=True, nogil=True)
    def select(masked, depth, out_idx, out_val):
        nr, m = masked.shape
        nbins = _BINS
        for i in nb.prange(nr):
            row = masked[i]
            hist = np.zeros(nbins + 1, dtype=np.int64)
            finite = 0
            for j in range(m):
                v = row[j]
                if v > -np.inf:
                    # The bin of a score in [0, 1], clamped (the order is all that
                    # matters). Written out twice, not as a jitted helper: a kernel
                    # calling a function made in this closure is not cached by numba
                    # (it recompiled in every process, 7 s at 10,000 x 10,000).
                    b = int(v * nbins)
                    if b < 0:
                        b = 0
                    elif b > nbins:
                        b = nbins
                    hist[b] += 1
                    finite += 1
            want = min(depth, finite)
            if want == 0:
                continue
            # The lowest bin whose entries, with those of every bin above, reach `want`.
            cut = nbins
            seen = hist[nbins]
            while seen < want:
                cut -= 1
                seen += hist[cut]
            idx = np.empty(seen, dtype=np.int64)
            val = np.empty(seen, dtype=np.float32)
            c = 0
            for j in range(m):
                v = row[j]
                if v > -np.inf:
                    b = int(v * nbins)
                    if b < 0:
                        b = 0
                    elif b > nbins:
                        b = nbins
                    if b >= cut:
                        idx[c] = j
                        val[c] = v
                        c += 1
            order = np.argsort(-val, kind="mergesort")  # stable: ties by column
            for t in range(want):
                out_idx[i, t] = idx[order[t]]
                out_val[i, t] = val[order[t]]

    return select


def _push_kernel(nb: Any) -> Any:
    @njit(parallel=True, nogil=True)
    def push(masked, rows, n_chunks, tile, root, heap_val, heap_row):
        nr, m = masked.shape
        depth = heap_val.shape[1]
        step = (m + n_chunks - 1) // n_chunks
        for ch in nb.prange(n_chunks):
            lo = ch * step
            hi = min(m, lo + step)
            # Columns in tiles whose heaps stay in cache while every row visits them
            # (each column gets the same inserts in the same order as row by row).
            for t0 in range(lo, hi, tile):
                t1 = min(hi, t0 + tile)
                for i in range(nr):
                    r = rows[i]
                    line = masked[i]
                    for j in range(t0, t1):
                        v = line[j]
                        if v > root[j]:
                            hv = heap_val[j]
                            hr = heap_row[j]
                            # Replace the root (the smallest kept) and sift down.
                            pos = 0
                            while True:
                                left = 2 * pos + 1
                                if left >= depth:
                                    break
                                # The heap is ordered by (value, then the higher row is
                                # worse): its root is the entry to drop, ties included.
                                child = left
                                right = left + 1
                                if right < depth and (
                                    hv[right] < hv[left]
                                    or (hv[right] == hv[left] and hr[right] > hr[left])
                                ):
                                    child = right
                                # Rows come in increasing order: a kept entry of equal
                                # value has a lower row and stays above.
                                if hv[child] >= v:
                                    break
                                hv[pos] = hv[child]
                                hr[pos] = hr[child]
                                pos = child
                            hv[pos] = v
                            hr[pos] = r
                            root[j] = hv[0]

    return push


def _pairs_above_kernel(nb: Any) -> Any:
    @njit(parallel=True, nogil=True)
    def pairs_above(rows, cols, scores, q_scale, row_off, col_off, row_ok, col_ok, margin, out):
        for t in nb.prange(len(rows)):
            i = rows[t]
            j = cols[t]
            if row_ok[i] and col_ok[j]:
                r = row_off[i]
                cj = col_off[j]
                out[t] = scores[t] * q_scale > r + cj - 1.0 - margin - 1e-15 * (abs(r) + abs(cj))

    return pairs_above


def _lines_kernel(nb: Any) -> Any:
    @njit(parallel=True, nogil=True)
    def lines(
        masked,
        q_scale,
        line_off,
        other_off,
        line_ok,
        other_ok,
        margin,
        counts,
        out,
        fill,
        zeta,
        tmax,
    ):
        nr, m = masked.shape
        for i in nb.prange(nr):
            if not line_ok[i]:
                continue
            r = line_off[i]
            ar = abs(r)
            base = counts[i] if fill else 0
            n = 0
            z = -np.inf
            t = -np.inf
            for j in range(m):
                s = masked[i, j]
                if s > -np.inf and other_ok[j]:
                    cj = other_off[j]
                    x = s * q_scale - cj
                    if x > r - 1.0 - margin - 1e-15 * (ar + abs(cj)):
                        if fill:
                            out[base + n] = j
                        n += 1
                    elif not fill:
                        if x > z:
                            z = x
                        if s > t:
                            t = s
            if not fill:
                counts[i] = n
                if z > -np.inf:
                    # rint(q) <= q + 1/2, and float64's error on q - offset (a few
                    # ulps of |z|: the offsets are integers up to ~1e13, exact in float64).
                    z = z + 0.5 + 1e-14 * abs(z) + 1e-6
                zeta[i] = z
                tmax[i] = t

    return lines


def _merge_kernel(nb: Any) -> Any:
    @njit(parallel=True, nogil=True)
    def merge(va, ra, vb, rb, out_v, out_r):
        n, depth = out_v.shape
        da = va.shape[1]
        db = vb.shape[1]
        for j in nb.prange(n):
            a = 0
            b = 0
            for t in range(depth):
                if a < da and (
                    b >= db or va[j, a] > vb[j, b] or (va[j, a] == vb[j, b] and ra[j, a] < rb[j, b])
                ):
                    out_v[j, t] = va[j, a]
                    out_r[j, t] = ra[j, a]
                    a += 1
                elif b < db:
                    out_v[j, t] = vb[j, b]
                    out_r[j, t] = rb[j, b]
                    b += 1

    return merge


def select_rows(masked: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``depth`` best entries of ``masked``, best first.

    Returns column positions (``-1`` past the row's finite entries) and values
    (``-inf`` there), each of shape ``(n_rows, depth)``.
    """
    n = masked.shape[0]
    idx = np.full((n, depth), -1, dtype=np.int64)
    val = np.full((n, depth), -np.inf, dtype=np.float32)
    if n and depth and masked.shape[1]:
        _kernels()["select"](np.ascontiguousarray(masked, dtype=np.float32), depth, idx, val)
    return idx, val


class ColumnHeaps:
    """The ``depth`` best (value, row) of each of ``n`` columns, over every block pushed."""

    def __init__(self, n: int, depth: int, threads: int) -> None:
        self.depth = depth
        self.root = np.full(n, -np.inf, dtype=np.float32)
        self.values = np.full((n, depth), -np.inf, dtype=np.float32)
        self.rows = np.full((n, depth), -1, dtype=np.int64)
        self.chunks = max(1, 4 * threads)

    def push(self, masked: np.ndarray, rows: np.ndarray) -> None:
        """Offer every entry of the block (row ``rows[i]``, column ``j``) to column ``j``."""
        if masked.size and self.depth:
            _kernels()["push"](
                np.ascontiguousarray(masked, dtype=np.float32),
                np.asarray(rows, dtype=np.int64),
                min(self.chunks, masked.shape[1]),
                _TILE,
                self.root,
                self.values,
                self.rows,
            )

    def sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows and values of each column's heap, best first, ties by row (``-1``/``-inf``
        when empty): each column's ``depth`` first entries in that order, whatever the
        blocks were, as long as each block's rows come after the previous block's."""
        order = np.lexsort((self.rows, -self.values), axis=1)
        return (
            np.take_along_axis(self.rows, order, axis=1),
            np.take_along_axis(self.values, order, axis=1),
        )


def merge_columns(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Each column's best entries of two :meth:`ColumnHeaps.sorted` lists of disjoint
    rows, in the same order (value, then row): the lists of the rows of both."""
    (ra, va), (rb, vb) = a, b
    out_r = np.full(ra.shape, -1, dtype=np.int64)
    out_v = np.full(va.shape, -np.inf, dtype=np.float32)
    if out_v.size:
        _kernels()["merge"](
            np.ascontiguousarray(va, dtype=np.float32),
            np.ascontiguousarray(ra, dtype=np.int64),
            np.ascontiguousarray(vb, dtype=np.float32),
            np.ascontiguousarray(rb, dtype=np.int64),
            out_v,
            out_r,
        )
    return out_r, out_v


def above_threshold(
    masked: np.ndarray,
    q_scale: float,
    row_off: np.ndarray,
    col_off: np.ndarray,
    row_ok: np.ndarray,
    col_ok: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` where ``masked[i, j] * q_scale > row_off[i] + col_off[j] - 1``
    (and ``row_ok[i]``, ``col_ok[j]``, the entry finite), with a margin for float error.

    The pricer's prefilter: a pair can only have positive slack there; the
    exact integer slack of those few pairs is computed afterwards. It is
    :func:`near_tight` with no margin.
    """
    rows, cols, _, _ = near_tight(masked, q_scale, row_off, col_off, row_ok, col_ok, 0.0)
    return rows, cols


def pairs_above(
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    q_scale: float,
    row_off: np.ndarray,
    col_off: np.ndarray,
    row_ok: np.ndarray,
    col_ok: np.ndarray,
    margin: float = 0.0,
) -> np.ndarray:
    """:func:`above_threshold` for listed pairs: a mask, True where the slack may
    exceed ``-margin`` (in units of ``q``; 0: where it may be positive)."""
    out = np.zeros(len(rows), dtype=np.bool_)
    if len(rows):
        _kernels()["pairs_above"](
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.asarray(scores, dtype=np.float32),
            *_pricing_args(q_scale, row_off, col_off, row_ok, col_ok, margin),
            out,
        )
    return out


def _pricing_args(
    q_scale: float,
    row_off: np.ndarray,
    col_off: np.ndarray,
    row_ok: np.ndarray,
    col_ok: np.ndarray,
    margin: float,
) -> tuple[Any, ...]:
    """The pricing kernels' dual arguments in the types they were compiled for."""
    return (
        float(q_scale),
        np.ascontiguousarray(row_off, dtype=np.float64),
        np.ascontiguousarray(col_off, dtype=np.float64),
        np.asarray(row_ok, dtype=np.bool_),
        np.asarray(col_ok, dtype=np.bool_),
        float(margin),
    )


def near_tight(
    masked: np.ndarray,
    q_scale: float,
    line_off: np.ndarray,
    other_off: np.ndarray,
    line_ok: np.ndarray,
    other_ok: np.ndarray,
    margin: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per line of ``masked``: the pairs within ``margin`` of violating, and a bound on the rest.

    With ``q = score * q_scale`` and the pair's slack ``rint(q) - line_off[i] -
    other_off[j]`` (see :func:`mentormatch.candidates._pricer._offsets`), returns the
    positions ``(i, j)`` of the entries whose slack may exceed ``-margin``, and
    for each line ``zeta`` (at least ``rint(q) - other_off[j]`` of every other
    entry: ``-inf`` when none) and ``tmax`` (the largest score of those other
    entries). Lines not ``line_ok`` are skipped (``zeta = tmax = -inf``).
    """
    nr, m = masked.shape
    zeta = np.full(nr, -np.inf)
    tmax = np.full(nr, -np.inf, dtype=np.float32)
    if nr == 0 or m == 0:
        e = np.empty(0, np.int64)
        return e, e, zeta, tmax
    fn = _kernels()["lines"]
    masked = np.ascontiguousarray(masked, dtype=np.float32)
    args = _pricing_args(q_scale, line_off, other_off, line_ok, other_ok, margin)
    counts = np.zeros(nr, dtype=np.int64)
    fn(masked, *args, counts, np.empty(0, np.int64), False, zeta, tmax)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    out = np.empty(int(counts.sum()), dtype=np.int64)
    fn(masked, *args, starts, out, True, zeta, tmax)
    return np.repeat(np.arange(nr, dtype=np.int64), counts), out, zeta, tmax
