"""The dense matrix's checks and integer weights in two compiled passes.

What :func:`~mentormatch.solver.solve_assignment` does with a score matrix
before solving — find the allowed pairs (not ``nan``, ``allowed``, at least
``min_score``), the range of their scores and whether they are all integers
(:class:`~mentormatch.solver._weights.WeightScale`), then the integer weight of
every pair (:meth:`WeightScale.weights`, 0 where a pair cannot be made) — is a
handful of numpy passes over the matrix, each reading or writing every cell:
at 2,000 x 2,000 about a third of the whole solve. Here it is one pass that
reads the matrix and one that writes the weights, with the same arithmetic
(``rint(sign * s / resolution)``, round half to even, as ``np.rint``), so the
weights are the same integers bit for bit (``tests/test_solver_prep.py``).

Every dense solve compiles numba kernels anyway (Jonker-Volgenant, or the flow
path's Bellman-Ford), so these are used for every non-empty matrix of float32
or float64 scores (the passes also spare most of the Python calls that made a
100 x 100 solve cost 0.4 ms); numpy's passes stay for other inputs and as the
tests' reference. A float32 matrix is read as numpy reads it: ``min_score``
compared in float32, the scores widened to float64 exactly before scaling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MIN_CELLS", "dense_weights", "scan_dense"]

#: From this many cells the compiled passes are used (numpy below).
MIN_CELLS = 1

_KERNELS: dict[str, Any] = {}


def scan_dense(
    s: np.ndarray, allowed: np.ndarray | None, min_score: float | None
) -> tuple[np.ndarray, bool, float, float, bool]:
    """One pass: ``(ok, has_inf, lo, hi, integral)``.

    ``ok`` marks the allowed pairs; ``lo``/``hi`` are the extremes of their
    scores (``inf``/``-inf`` when none), ``integral`` whether they are all
    whole numbers; ``has_inf`` whether any cell is infinite (an error).
    """
    k = _kernels()
    a = np.ones((0, 0), dtype=np.bool_) if allowed is None else allowed
    if min_score is None:
        ms = np.nan
    elif s.dtype == np.float32:  # numpy compares a float32 matrix with min_score in float32
        ms = float(np.float32(min_score))
    else:
        ms = float(min_score)
    ok, has_inf, lo, hi, integral = k["scan"](
        np.ascontiguousarray(s), np.ascontiguousarray(a), allowed is not None, ms
    )
    return ok, bool(has_inf), float(lo), float(hi), bool(integral)


def dense_weights(
    s: np.ndarray,
    ok: np.ndarray,
    row_free: np.ndarray,
    col_open: np.ndarray,
    scale: Any,
    row_prio: np.ndarray | None,
    col_prio: np.ndarray | None,
) -> np.ndarray:
    """The int64 weights of every pair, 0 where it cannot be made (or is worth <= 0).

    The same as ``scale.weights(s, prio)`` masked by ``ok``, ``row_free`` and
    ``col_open`` and clipped at 0.
    """
    n, m = s.shape
    rp = np.zeros(n, np.int64) if row_prio is None else row_prio.astype(np.int64)
    cp = np.zeros(m, np.int64) if col_prio is None else col_prio.astype(np.int64)
    use_prio = bool(scale.has_priority and (row_prio is not None or col_prio is not None))
    return _kernels()["weights"](
        np.ascontiguousarray(s),
        np.ascontiguousarray(ok),
        np.ascontiguousarray(row_free, dtype=np.bool_),
        np.ascontiguousarray(col_open, dtype=np.bool_),
        np.float64(scale.sign),
        np.float64(scale.resolution),
        scale.priority == "pairs_first",
        np.int64(scale.tier_pairs),
        np.int64(scale.s_min),
        np.int64(scale.tier_priority),
        use_prio,
        rp,
        cp,
    )


def _kernels() -> dict[str, Any]:
    if _KERNELS:
        return _KERNELS
    from mentormatch._jit import njit  # numba's cache, in a private per-user directory

    @njit(nogil=True)
    def scan(s, allowed, has_allowed, min_score):  # pragma: no cover - compiled
        n, m = s.shape
        ok = np.empty((n, m), dtype=np.bool_)
        lo = np.inf
        hi = -np.inf
        integral = True
        has_inf = False
        check_min = not np.isnan(min_score)
        for i in range(n):
            for j in range(m):
                x = s[i, j]
                good = not np.isnan(x)
                if np.isinf(x):
                    has_inf = True
                    good = False
                if good and has_allowed:
                    good = allowed[i, j]
                if good and check_min:
                    good = x >= min_score
                ok[i, j] = good
                if good:
                    if x < lo:
                        lo = x
                    if x > hi:
                        hi = x
                    if integral and np.rint(x) != x:
                        integral = False
        return ok, has_inf, lo, hi, integral

    @njit(nogil=True)
    def weights(
        s, ok, row_free, col_open, sign, res, pairs_first, tier_c, s_min, tier_p, use_prio, rp, cp
    ):  # pragma: no cover - compiled
        n, m = s.shape
        w = np.zeros((n, m), dtype=np.int64)
        divide = res != 1.0
        for i in range(n):
            if not row_free[i]:
                continue
            for j in range(m):
                if not (ok[i, j] and col_open[j]):
                    continue
                x = np.float64(s[i, j])  # exact for float32 too, as numpy's astype
                if sign < 0:
                    x = -x
                if divide:
                    x = x / res
                si = np.int64(np.rint(x))
                if pairs_first:
                    v = tier_c + (si - s_min + 1)
                    if use_prio:
                        v += tier_p * (rp[i] + cp[j])
                else:
                    v = si * tier_p
                    if use_prio:
                        v += rp[i] + cp[j]
                if v > 0:
                    w[i, j] = v
        return w

    _KERNELS["scan"] = scan
    _KERNELS["weights"] = weights
    return _KERNELS
