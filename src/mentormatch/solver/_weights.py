"""Scores as integer weights (:class:`WeightScale`) and what a pricer is given (:class:`Pricing`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._lp import fits_int64

__all__ = ["Pricing", "WeightScale"]

PRIORITIES = ("pairs_first", "score_first")


@dataclass(frozen=True)
class Pricing:
    """What a pricer gets each round: the current dual and the integer weights.

    A pair's *slack* is ``W - (u_i + v_j + lam)``; the dual is feasible (and the
    solution proven optimal) when no pair of the full problem has positive slack.

    ``budget`` is the run's work budget (``None`` without a time limit; see
    ``mentormatch.solver._budget``): a pricer doing much work charges it
    (``budget.spend(units)``, one unit about a second of the reference machine)
    and stops, with a row bound, when ``budget.affords`` says no; it never reads
    a clock, so that a time-limited answer does not depend on the load. A
    pricer that ignores it is run in full every round (the rounds are still
    counted).
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
    budget: Any = None  # a WorkBudget, or None (no limit)

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
        extremes: tuple[float, float, bool] | None = None,
    ) -> WeightScale:
        """The scale for ``scores`` (those ``where`` marks, default the finite ones).

        ``extremes``: their ``(min, max, all whole numbers)`` when already known
        (``_prep.scan_dense``), so the scores are not read again.
        """
        sign = 1 if maximize else -1
        if extremes is not None:
            lo, hi, integral = extremes
        else:
            finite = np.isfinite(scores) if where is None else where
            lo = float(np.min(scores, where=finite, initial=np.inf))
            hi = float(np.max(scores, where=finite, initial=-np.inf))
        if lo > hi:  # no finite score
            lo = hi = 0.0
        top = max(abs(lo), abs(hi))
        if resolution is None:
            if extremes is None:
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
