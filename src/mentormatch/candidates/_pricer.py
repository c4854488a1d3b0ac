"""The certificate's pricer: the pairs left out of the candidate graph, priced against each dual.

See :mod:`mentormatch.candidates` for the argument; :func:`make_pricer` builds
the callable :func:`~mentormatch.solver.solve_pairs` calls once per LP round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _scan
from ._scan import BlockSource, CandidateGraph, Cluster, _member, _merge, block_rows
from ._topk import above_threshold, near_tight, pairs_above

__all__ = ["make_pricer"]
#: A pricing round is "cheap" (no line scored again) while the reserve holds at
#: least one violator per this many rows.
CHEAP_SHARE = 200
#: A line scored again keeps every pair within this much score of violating the
#: dual; the rest is bounded for later duals (see ``make_pricer``).
NEAR_MARGIN = 0.1
#: A round adding reserve violators to the graph also adds the reserve's pairs
#: within this much score of violating.
RESERVE_MARGIN = 0.02
#: Work units (seconds of the reference machine, see ``mentormatch.solver._budget``)
#: charged per pair scored again (measured: 3e-8 to 1e-7 s with the built-in features),
#: per reserve pair priced (measured 6e-9 to 9e-9 s) and per line (row or column) a
#: round (the bounds and the dominance tests: measured about 1.6e-6 s). The pricer
#: stops scoring lines again when the budget is spent, never by a clock.
RESCORE_WORK_PER_PAIR = 1e-7
RESERVE_WORK_PER_PAIR = 1.5e-8
LINE_WORK = 3e-6

#: What :func:`_offsets` returns: ``(sign / resolution, R, C, row_ok, col_ok)``.
_Offsets = tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


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


def _offsets(pricing: Any, rows: np.ndarray, cols: np.ndarray) -> _Offsets:
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
    prefilter (:func:`~mentormatch.candidates._topk.above_threshold`) finds the few pairs
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

    Under a time limit the work is counted, not timed: each round charges the
    solver's work budget (``pricing.budget``) for its lines, the reserve and
    the pairs it scores again, and scores again only the blocks of lines the
    budget affords (at least one), so the same input and limit give the same
    answer whatever the machine's load (the wall clock only as the budget's
    safety net).
    """
    if source is None:
        source = BlockSource(scorer, forbidden, min_score)
    return _CertifyingPricer(scorer, graph, source, progress, cluster)


class _CertifyingPricer:
    """The pricer :func:`make_pricer` returns: one call per LP round (see there).

    It keeps, across rounds, the keys of the graph's pairs, the statistics
    (``graph.stats["pricing"]``) and the dual-aware bounds of the lines scored
    again (:meth:`_rescore`): per line the largest ``rint(q) - offset`` of the
    other side over its pairs left out (``zeta``), and the round whose offsets it
    was computed with (``snap``, -1: none; ``snaps`` holds those offsets).
    """

    def __init__(
        self,
        scorer: Any,
        graph: CandidateGraph,
        source: BlockSource,
        progress: Callable[[str, float], None] | None,
        cluster: Cluster | None,
    ) -> None:
        n_rows, n_cols = scorer.shape
        self.n_rows, self.n_cols = n_rows, n_cols
        self.width = max(n_cols, 1)
        self.graph, self.source = graph, source
        self.progress, self.cluster = progress, cluster
        # Sorted keys (row * width + col) of the pairs in the graph.
        self.keys = np.unique(graph.rows * self.width + graph.cols)
        self.state: dict[str, Any] = {"rounds": 0, "rescored_lines": 0, "rescored_pairs": 0}
        graph.stats["pricing"] = self.state
        self.live = (
            np.flatnonzero(scorer.rules_.mentee_eligible),
            np.flatnonzero(scorer.rules_.mentor_eligible),
        )
        self.zeta = (np.full(n_rows, np.inf), np.full(n_cols, np.inf))
        self.snap = (np.full(n_rows, -1, np.int64), np.full(n_cols, -1, np.int64))
        self.snaps: list[tuple[np.ndarray, np.ndarray]] = []
        self.all_rows = np.arange(n_rows)
        self.all_cols = np.arange(n_cols)

    def __call__(self, pricing: Any) -> Any:
        self.state["rounds"] += 1
        if pricing.budget is not None:
            work = LINE_WORK * (self.n_rows + self.n_cols)
            pricing.budget.spend(work + RESERVE_WORK_PER_PAIR * len(self.graph.reserve_rows))
        offsets = _offsets(pricing, self.all_rows, self.all_cols)
        out: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
        worst, n_bad = self._price_reserve(pricing, offsets, out)
        # Cheap first: while the reserve has many violators (one in 200 rows), or
        # pairs between rows and columns priced at 0 do (mostly the unmatched and
        # the mentors with room: such a pair adds a whole pair, violating the dual
        # by the pairs tier), the LP takes those and no line is scored again: its
        # dual is still far from the final one, and the bounds below could not
        # close anyway. A few reserve violators go along with the rescoring.
        cheap = n_bad >= max(1, len(self.live[0]) // CHEAP_SHARE)
        if n_bad == 0:
            cheap = self._price_zero_lines(pricing, out, cheap)
        if cheap:
            # Not every pair was priced: each row's bound covers the rest.
            np.maximum(worst, _row_bound(pricing, self.graph, self.n_rows), out=worst)
        else:
            # Otherwise: only the lines the bounds cannot clear are scored again.
            self._rescore_uncertified(pricing, offsets, out, worst)
        r, c, s = self._fresh(out)
        self.state.setdefault("added", []).append(len(r))
        self.state.setdefault("cheap", []).append(bool(cheap))
        if self.progress:
            self.progress("certifying", min(0.99, 0.5 + 0.05 * self.state["rounds"]))
        if len(r) == 0 and not worst.any():
            # No pair outside the graph violates the dual: certified for every pair.
            return None
        # (No pairs with a positive bound: out of time before any violator was found.)
        return r, c, s.astype(np.float64), worst

    def _price_reserve(
        self, pricing: Any, offsets: _Offsets, out: tuple[list[np.ndarray], ...]
    ) -> tuple[np.ndarray, int]:
        """The reserve: listed with their scores, priced exactly (a compiled
        prefilter, then the exact slack of the few pairs it lets through).

        Adds to ``out`` the violators and, when there are any, the reserve's pairs
        near violation (the next dual will move, and they would be the next
        round's violators). Returns each row's worst slack and the violators' count.
        """
        graph = self.graph
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
        worst = np.zeros(self.n_rows, dtype=np.int64)
        np.maximum.at(worst, rr[bad], slack[bad])
        unit = pricing.scale.tier_priority if pricing.scale.priority == "score_first" else 1
        take = (slack > -near * unit) if bad.any() else bad
        _add(out, rr[take], rc[take], rs[take])
        return worst, int(bad.sum())

    def _price_zero_lines(
        self, pricing: Any, out: tuple[list[np.ndarray], ...], cheap: bool
    ) -> bool:
        """With no reserve violator: the pairs between rows and columns priced at 0,
        scored and priced when there are few enough. Whether the round stays cheap."""
        live = self.live
        zero_r = live[0][pricing.row_free[live[0]] & (pricing.u[live[0]] == 0)]
        zero_c = live[1][(pricing.caps[live[1]] > 0) & (pricing.v[live[1]] == 0)]
        if 0 < len(zero_r) * len(zero_c) <= 4 * _scan.BLOCK_CELLS:  # read now: tests set it
            masked = self.source.block(zero_r, zero_c, counts=False).masked
            vr, vc, vs, _ = _violators(pricing, zero_r, zero_c, masked, False)
            self.state["rescored_pairs"] += len(zero_r) * len(zero_c)
            if pricing.budget is not None:
                pricing.budget.spend(RESCORE_WORK_PER_PAIR * len(zero_r) * len(zero_c))
            cheap = len(vr) > 0
            _add(out, vr, vc, vs)
        return cheap

    def _rescore_uncertified(
        self,
        pricing: Any,
        offsets: _Offsets,
        out: tuple[list[np.ndarray], ...],
        worst: np.ndarray,
    ) -> None:
        """Score again the exception lines, then the smaller side of the lines the
        bounds cannot clear; their violators go to ``out``, their worst slacks to ``worst``."""
        (row_cert, col_cert), (ex_rows, ex_cols) = self._certified(offsets)
        # The exception lines, scored again in full now, are certified too.
        for lines_, by_col_ in ((ex_cols, True), (ex_rows, False)):
            if len(lines_):
                (vr, vc, vs), ex_worst = self._rescore(pricing, lines_, by_col_, offsets)
                _add(out, vr, vc, vs)
                np.maximum(worst, ex_worst, out=worst)
        col_cert[ex_cols] = True
        row_cert[ex_rows] = True
        self.state.setdefault("exceptions", []).append((len(ex_rows), len(ex_cols)))
        rows, cols = _flagged(pricing, self.graph, self.n_rows, self.n_cols, row_cert, col_cert)
        self.state.setdefault("flagged", []).append((len(rows), len(cols)))
        if len(rows) and len(cols):
            by_col = len(cols) * len(self.live[0]) < len(rows) * len(self.live[1])
            (vr, vc, vs), rescored_worst = self._rescore(
                pricing, cols if by_col else rows, by_col, offsets
            )
            _add(out, vr, vc, vs)
            np.maximum(worst, rescored_worst, out=worst)

    def _fresh(
        self, out: tuple[list[np.ndarray], ...]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs of ``out`` not in the graph yet (once each), now counted in it."""
        r = np.concatenate(out[0]).astype(np.int64)
        c = np.concatenate(out[1]).astype(np.int64)
        s = np.concatenate(out[2])
        key, first = np.unique(r * self.width + c, return_index=True)
        fresh = ~_member(key, self.keys)
        r, c, s = r[first][fresh], c[first][fresh], s[first][fresh]
        self.keys = _merge(self.keys, key[fresh])
        return r, c, s

    def _rescore(
        self, pricing: Any, lines: np.ndarray, by_col: bool, offsets: _Offsets
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
        if not self.snaps or self.snaps[-1][0] is not r_off:
            self.snaps.append((r_off, c_off))
        here = len(self.snaps) - 1
        side = 1 if by_col else 0
        found: list[list[np.ndarray]] = [[], [], [], []]
        worst = np.zeros(self.n_rows, dtype=np.int64)
        add: list[list[np.ndarray]] = [[], [], []]
        others = self.live[0] if by_col else self.live[1]
        step = block_rows(len(others))
        line_off, other_off, line_ok, other_ok = (
            (c_off, r_off, c_ok, r_ok) if by_col else (r_off, c_off, r_ok, c_ok)
        )
        args = (others, by_col, q_scale, line_off, other_off, line_ok, other_ok, margin)
        budget = pricing.budget
        todo = lines
        if budget is not None:
            # The blocks the budget affords, decided up front from their sizes: the
            # same lines are scored on a loaded machine and on an idle one.
            work = [
                RESCORE_WORK_PER_PAIR * min(step, len(lines) - a) * len(others)
                for a in range(0, len(lines), step)
            ]
            todo = lines[: budget.blocks(work) * step]
        if self.cluster is None:
            parts = _rescore_here(self.source, todo, step, args, budget)
        else:
            parts = _rescore_on_cluster(self.cluster, self.source, todo, step, args, budget)
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
            self.zeta[side][done] = z[own_ok]
            self.snap[side][done] = here
            (self.graph.col_kth if by_col else self.graph.row_kth)[done] = tmax[own_ok]
            self.state["rescored_pairs"] += len(ll) * len(others)
            n_done += len(ll)
        if n_done < len(lines):
            # Out of work: the lines not scored keep their bound. Every row may
            # have a violator in a column not scored; only the rows not scored can.
            loose = _row_bound(pricing, self.graph, self.n_rows)
            if not by_col:
                left = np.zeros(self.n_rows, dtype=bool)
                left[lines[n_done:]] = True
                loose[~left] = 0
            np.maximum(worst, loose, out=worst)
            self.state["stopped_early"] = True
        self.state["rescored_lines"] += n_done
        self.state["kept"] = self.state.get("kept", 0) + sum(len(x) for x in add[0])
        # Appended as they are: a pair already in the graph or the reserve is priced
        # twice (a graph pair never violates the LP's dual), which is cheaper than
        # looking every key up.
        self.graph.reserve_rows = np.concatenate([self.graph.reserve_rows, *add[0]])
        self.graph.reserve_cols = np.concatenate([self.graph.reserve_cols, *add[1]])
        self.graph.reserve_scores = np.concatenate([self.graph.reserve_scores, *add[2]])
        if not found[0]:
            e = np.empty(0, np.int64)
            return [e, e, np.empty(0, np.float32)], worst
        r, c, sc, sl = (np.concatenate(x) for x in found)
        keep = _top_per_owner(c if by_col else r, sl, pricing.per_row)
        return [r[keep], c[keep], sc[keep]], worst

    def _certified(self, offsets: _Offsets) -> tuple[list[np.ndarray], list[np.ndarray]]:
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
        cert = [np.zeros(self.n_rows, dtype=bool), np.zeros(self.n_cols, dtype=bool)]
        extra = [np.empty(0, np.int64), np.empty(0, np.int64)]
        # A pair is covered when either of its lines is certified: the side holding
        # more bounds goes second and ignores the other side's certified lines.
        first = 0 if (self.snap[0] >= 0).sum() <= (self.snap[1] >= 0).sum() else 1
        for side in (first, 1 - first):
            own, now, ok = (r_off, c_off, c_ok) if side == 0 else (c_off, r_off, r_ok)
            if side != first:
                ok = ok & ~cert[first]
            used = [k for k in range(len(self.snaps)) if (self.snap[side] == k).any()]
            if not used:
                continue
            # Per snapshot: how far each line of the other side dropped (-inf: it can
            # hold no violating pair), and own - zeta of the lines certified with it.
            drops, gaps, sels = [], [], []
            for k in used:
                then = self.snaps[k][1 - side]
                drops.append(np.where(ok, then - now, -np.inf))
                sel = np.flatnonzero(self.snap[side] == k)
                sels.append(sel)
                gaps.append(np.sort(own[sel] - self.zeta[side][sel]))
            worst = np.max(drops, axis=0)
            order = np.argsort(-worst, kind="stable")
            # The largest drop left once the first s of `order` are scored again.
            rest = [np.append(np.maximum.accumulate(d[order][::-1])[::-1], -np.inf) for d in drops]
            n_other = len(order)
            grid = np.unique(np.minimum(n_other, np.r_[0, 2 ** np.arange(0, 17)]))
            # An exception line is scored against this side's lines, a line of this
            # side left uncertified against the other side's.
            per_exception, per_line = len(self.live[side]), len(self.live[1 - side])
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
                cert[side][sel] = own[sel] - self.zeta[side][sel] >= r[best_s]
            extra[1 - side] = np.sort(order[:best_s][np.isfinite(worst[order[:best_s]])])
        return cert, extra


def _add(
    out: tuple[list[np.ndarray], ...], rows: np.ndarray, cols: np.ndarray, scores: np.ndarray
) -> None:
    """Append pairs (rows, cols, scores) to the round's lists."""
    out[0].append(rows)
    out[1].append(cols)
    out[2].append(scores)


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
    source: BlockSource, lines: np.ndarray, step: int, args: tuple, budget: Any
) -> Any:
    """The blocks of ``lines`` with their :func:`_rescore_block`, in order; past the
    budget's wall-clock safety net no further block starts (the first always runs)."""
    for a in range(0, len(lines), step):
        if a and budget is not None and budget.wall_exceeded():
            return
        ll = lines[a : a + step]
        yield ll, _rescore_block(source, ll, *args)


def _rescore_on_cluster(
    cluster: Cluster,
    source: BlockSource,
    lines: np.ndarray,
    step: int,
    args: tuple,
    budget: Any,
) -> Any:
    """:func:`_rescore_here` on the workers: one part of whole blocks per worker
    thread, taken in order; past the budget's wall-clock safety net the parts not
    finished are dropped (the first is always waited for), so the lines done are
    a prefix."""
    from distributed import wait

    shared = cluster.source(source)
    ranges = cluster.parts(-(-len(lines) // step), step)
    futures = [
        cluster.client.submit(_rescore_part, shared, lines[a:b], step, *args, pure=False)
        for a, b in ranges
    ]
    try:
        for n, ((a, b), future) in enumerate(zip(ranges, futures, strict=True)):
            wall = None if budget is None else budget.wall_left()
            if n and wall is not None:
                try:
                    wait(future, timeout=max(wall, 0.0))
                except TimeoutError:
                    budget.stop("wall_clock")
                    return
            part = future.result()
            future.release()
            yield lines[a:b], part
    finally:
        cluster.client.cancel(futures)


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
