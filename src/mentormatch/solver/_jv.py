"""Dense linear assignment by Jonker-Volgenant, with its dual as the proof.

In: an integer cost matrix ``cost`` (n x m, n <= m, minimize; every pair
allowed). Out: ``col_of_row`` (each row's column), the dual ``u`` (rows) and
``v`` (columns), and whether the dual proves the assignment optimal.

The algorithm is LAPJV (R. Jonker and A. Volgenant, "A shortest augmenting
path algorithm for dense and sparse linear assignment problems", Computing 38,
1987): for a square matrix, column reduction, reduction transfer and two
passes of augmenting row reduction give most rows a column cheaply; every row
still free is then given one by a shortest augmenting path (Dijkstra on the
reduced costs ``cost - v``). For n < m the reductions that assume a square
matrix are left out and the prices start at 0, so they only fall: a column
never assigned keeps ``v = 0``, which the rectangular dual needs.

The proof does not trust the algorithm: :func:`certify` checks, in integers,
``u[i] + v[j] <= cost[i, j]`` for every pair, equality on the assignment, and
for n < m ``v <= 0`` with ``v = 0`` on every column left free. These are the
LP duality conditions, so a certified assignment is optimal whatever the code
that found it did; the caller falls back to its general path when the check
fails (it never has in the tests) or the costs are too large for exact
integer sums (:func:`max_cost`).

The kernels are compiled by numba on first use (cached on disk in the
library's private cache, :mod:`mentormatch._jit`); importing this module
imports no numba.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MAX_CELLS", "certify", "lap_dense", "max_cost", "solve_dense"]

#: ``|cost| * (n + m + 2)`` must stay below this: a price or a path length is at
#: most a sum of ``2 (n + m)`` reduced costs, and 2**62 is the kernels' infinity.
COST_HEADROOM = 2**61


def max_cost(n: int, m: int) -> int:
    """The largest ``|cost|`` the kernels take for an n x m matrix (sums stay in int64)."""
    return COST_HEADROOM // (n + m + 2)


#: The most cells (rows x column slots) solved this way. Above it the flow path,
#: whose pricing reads only the best pairs of each row, is faster on the scores of
#: real cohorts (AMCTO synthetic cohort, 5,000 x 5,000: JV 8.3 s, flow 6.0 s; at
#: 3,000 x 3,000 1.5 and 1.6 s), though JV is faster on uniform random matrices
#: (5,000 x 5,000 floats: 2.9 s). JV also cannot be stopped by a time limit.
MAX_CELLS = 9_000_000

#: JV's work per cell, in work units (seconds of the reference machine; a generous
#: estimate: measured 3e-8 s at 5,000 x 5,000). JV cannot be stopped: under a time
#: limit it runs only when ``cells x SECONDS_PER_CELL`` fits the work budget, a
#: choice made by the size of the problem, never by a clock.
SECONDS_PER_CELL = 2e-7

_KERNELS: dict[str, Any] = {}


def solve_dense(
    problem: Any, limit: int, budget: Any = None
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """A dense assignment problem solved and proven by JV, or ``None`` to use the flow path.

    ``problem`` is the dense problem of :func:`~mentormatch.solver.solve_assignment`
    (``block`` gives the integer weights, 0 where a pair cannot be made;
    ``row_free``, ``caps``). It applies when the limit on pairs does not bind
    and every pair that can be made is worth making (weight > 0: always for
    "pairs_first"): then the best matching is a best assignment of the free
    rows to the column slots (a column repeated ``caps`` times) in which a pair
    of weight 0 stands for "unmatched", and JV's dual proves it. Returns the
    rows, columns and total weight of the pairs, or ``None`` (too large, a
    binding limit, a weight too large, a work ``budget`` (a
    :class:`~mentormatch.solver._budget.WorkBudget`) that cannot afford
    ``cells x SECONDS_PER_CELL``: JV cannot be stopped, or a proof that fails).
    The work is charged to ``budget`` when JV runs.
    """
    rows = np.flatnonzero(problem.row_free)
    slots = np.repeat(np.arange(problem.n_cols), np.maximum(problem.caps, 0))
    cells = len(rows) * len(slots)
    if len(rows) == 0 or len(slots) == 0 or cells > MAX_CELLS:
        return None
    work = cells * SECONDS_PER_CELL
    if budget is not None and not budget.affords(work):
        return None  # by the size and the limit alone: the same on a loaded machine
    w = problem.block(0, problem.n_rows)  # do not modify: it may be the problem's cache
    if len(rows) < problem.n_rows or not np.array_equal(slots, np.arange(problem.n_cols)):
        w = w[np.ix_(rows, slots)]
    allowed = w > 0
    # no matching has more pairs than rows, or slots, with a pair they can make
    most = min(int(allowed.any(axis=1).sum()), int(allowed.any(axis=0).sum()))
    if most == 0 or limit < most or int(w.max()) > max_cost(len(rows), len(slots)):
        return None
    weights = w if len(rows) <= len(slots) else np.ascontiguousarray(w.T)
    if budget is not None:
        budget.spend(work)
    col_of_row, u, v = lap_dense(weights, maximize=True)
    if not certify(weights, col_of_row, u, v, maximize=True):  # pragma: no cover - never seen
        return None
    if len(rows) <= len(slots):
        r, c = np.arange(len(rows)), col_of_row
    else:
        r, c = col_of_row, np.arange(len(slots))
    keep = allowed[r, c]
    r, c = r[keep], c[keep]
    return rows[r], slots[c], int(w[r, c].sum())


def lap_dense(
    cost: np.ndarray, *, maximize: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve ``min sum cost[i, col_of_row[i]]`` over injective ``col_of_row``.

    Parameters
    ----------
    cost : ndarray of int64, shape (n, m), n <= m
        ``|cost| <= max_cost(n, m)``.
    maximize : bool
        Solve for ``-cost`` instead (without a negated copy); the dual is
        then that of ``-cost``.

    Returns
    -------
    col_of_row, u, v : ndarray of int64
        The assignment and the dual; check them with :func:`certify`.
    """
    n, m = cost.shape
    if n > m:
        raise ValueError("lap_dense needs n <= m (transpose the matrix)")
    cost = np.ascontiguousarray(cost, dtype=np.int64)
    if n == 0:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(m, np.int64)
    return _kernels()["jv"](cost, np.int64(-1 if maximize else 1))


def certify(
    cost: np.ndarray,
    col_of_row: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    *,
    maximize: bool = False,
) -> bool:
    """Whether ``(u, v)`` proves ``col_of_row`` optimal for ``cost`` (see the module).

    ``maximize``: the dual is that of ``-cost`` (as :func:`lap_dense` returns it).
    """
    n, m = cost.shape
    if len(col_of_row) != n or len(u) != n or len(v) != m:
        return False
    if n == 0:
        return True
    sign = np.int64(-1 if maximize else 1)
    cost = np.ascontiguousarray(cost, dtype=np.int64)
    return bool(_kernels()["certify"](cost, sign, col_of_row.astype(np.int64, copy=False), u, v))


def _kernels() -> dict[str, Any]:
    if _KERNELS:
        return _KERNELS
    from mentormatch._jit import njit  # numba's cache, in a private per-user directory

    @njit(nogil=True)
    def jv(cost, sg):  # pragma: no cover - compiled; covered through lap_dense
        n, m = cost.shape
        inf = np.int64(2**62)
        rowsol = np.full(n, -1, dtype=np.int64)
        colsol = np.full(m, -1, dtype=np.int64)
        v = np.zeros(m, dtype=np.int64)
        free = np.empty(n, dtype=np.int64)
        numfree = 0
        if n == m and n > 1:
            # column reduction, from the last column (as in LAPJV); the minima
            # (first row reaching each) are found row by row, in memory order
            colmin = np.empty(m, dtype=np.int64)
            argmin = np.zeros(m, dtype=np.int64)
            for j in range(m):
                colmin[j] = sg * cost[0, j]
            for i in range(1, n):
                for j in range(m):
                    c = sg * cost[i, j]
                    if c < colmin[j]:
                        colmin[j] = c
                        argmin[j] = i
            matches = np.zeros(n, dtype=np.int64)
            for j in range(m - 1, -1, -1):
                low = colmin[j]
                imin = argmin[j]
                v[j] = low
                matches[imin] += 1
                if matches[imin] == 1:
                    rowsol[imin] = j
                    colsol[j] = imin
                elif v[j] < v[rowsol[imin]]:
                    j1 = rowsol[imin]
                    rowsol[imin] = j
                    colsol[j] = imin
                    colsol[j1] = -1
                else:
                    colsol[j] = -1
            # reduction transfer
            for i in range(n):
                if matches[i] == 0:
                    free[numfree] = i
                    numfree += 1
                elif matches[i] == 1:
                    j1 = rowsol[i]
                    low = inf
                    for j in range(m):
                        if j != j1:
                            h = sg * cost[i, j] - v[j]
                            if h < low:
                                low = h
                    v[j1] -= low
        else:
            for i in range(n):
                free[i] = i
            numfree = n
        # augmenting row reduction, two passes (prices only fall)
        if m > 1:
            budget = 16 * (n + m)  # row reinsertions: a guard, the augmentation finishes
            for _ in range(2):
                k = 0
                prev = numfree
                numfree = 0
                while k < prev:
                    i = free[k]
                    k += 1
                    umin = sg * cost[i, 0] - v[0]
                    j1 = 0
                    j2 = -1
                    usub = inf
                    for j in range(1, m):
                        h = sg * cost[i, j] - v[j]
                        if h < usub:
                            if h >= umin:
                                usub = h
                                j2 = j
                            else:
                                usub = umin
                                umin = h
                                j2 = j1
                                j1 = j
                    i0 = colsol[j1]
                    strict = umin < usub
                    if strict:
                        v[j1] -= usub - umin
                    elif i0 >= 0:
                        j1 = j2
                        i0 = colsol[j2]
                    if rowsol[i] >= 0 and colsol[rowsol[i]] == i:
                        colsol[rowsol[i]] = -1
                    rowsol[i] = j1
                    colsol[j1] = i
                    if i0 >= 0:
                        rowsol[i0] = -1
                        if strict and budget > 0:
                            budget -= 1
                            k -= 1
                            free[k] = i0
                        else:
                            free[numfree] = i0
                            numfree += 1
        # augmentation: a shortest augmenting path for each free row
        d = np.empty(m, dtype=np.int64)
        pred = np.empty(m, dtype=np.int64)
        collist = np.empty(m, dtype=np.int64)
        for f in range(numfree):
            start = free[f]
            for j in range(m):
                d[j] = sg * cost[start, j] - v[j]
                pred[j] = start
                collist[j] = j
            low = 0
            up = 0
            last = 0
            end = -1
            dmin = inf
            while end < 0:
                if up == low:
                    last = low - 1
                    dmin = d[collist[up]]
                    up += 1
                    for k in range(up, m):
                        j = collist[k]
                        h = d[j]
                        if h <= dmin:
                            if h < dmin:
                                up = low
                                dmin = h
                            collist[k] = collist[up]
                            collist[up] = j
                            up += 1
                    for k in range(low, up):
                        if colsol[collist[k]] < 0:
                            end = collist[k]
                            break
                if end < 0:
                    j1 = collist[low]
                    low += 1
                    i = colsol[j1]
                    h = sg * cost[i, j1] - v[j1] - dmin
                    for k in range(up, m):
                        j = collist[k]
                        v2 = sg * cost[i, j] - v[j] - h
                        if v2 < d[j]:
                            pred[j] = i
                            if v2 == dmin:
                                if colsol[j] < 0:
                                    end = j
                                    break
                                collist[k] = collist[up]
                                collist[up] = j
                                up += 1
                            d[j] = v2
            for k in range(last + 1):
                j1 = collist[k]
                v[j1] += d[j1] - dmin
            while True:
                i = pred[end]
                colsol[end] = i
                j1 = end
                end = rowsol[i]
                rowsol[i] = j1
                if i == start:
                    break
        u = np.empty(n, dtype=np.int64)
        for i in range(n):
            u[i] = sg * cost[i, rowsol[i]] - v[rowsol[i]]
        return rowsol, u, v

    @njit(nogil=True)
    def certify_kernel(cost, sg, col_of_row, u, v):  # pragma: no cover - compiled
        n, m = cost.shape
        used = np.zeros(m, dtype=np.bool_)
        for i in range(n):  # an injective assignment into the columns
            j = col_of_row[i]
            if j < 0 or j >= m or used[j]:
                return False
            used[j] = True
        for i in range(n):
            ui = u[i]
            for j in range(m):
                if ui + v[j] > sg * cost[i, j]:
                    return False
            if ui + v[col_of_row[i]] != sg * cost[i, col_of_row[i]]:
                return False
        if n < m:
            for j in range(m):
                if v[j] > 0 or (not used[j] and v[j] != 0):
                    return False
        return True

    _KERNELS["jv"] = jv
    _KERNELS["certify"] = certify_kernel
    return _KERNELS
