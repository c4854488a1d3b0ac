"""The assignment LP: integer weights, min-cost flow on a candidate graph, duals, pricing.

The problem is a bipartite b-matching: mentees (rows) take at most one mentor,
mentor ``j`` takes at most ``cap[j]`` mentees, at most ``F`` pairs in all. Its LP
relaxation has integral optima, so an integral solution ``x`` and a dual
``(u >= 0, v >= 0, lam >= 0)`` with ``u_i + v_j + lam >= W_ij`` on every allowed
pair and ``sum(u) + cap . v + F * lam == W . x`` prove ``x`` optimal, whatever
found it. We find ``x`` with OR-Tools' min-cost flow on a small candidate graph,
read a dual off the flow's residual graph (shortest-path potentials), and
*price* every pair left out of the graph against that dual: pairs that violate
it join the graph and the loop repeats. When nothing violates it, the dual is
feasible for the whole problem and the certificate is exact integer arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Duals", "Flow", "solve_flow"]

_INT64_HEADROOM = 2**61


@dataclass(frozen=True)
class Flow:
    """The optimum of the LP on one candidate graph."""

    chosen: np.ndarray  # bool over the candidate edges
    duals: Duals
    primal: int  # sum of W over the chosen edges


@dataclass(frozen=True)
class Duals:
    """A dual solution: row prices ``u``, column prices ``v``, cardinality price ``lam``."""

    u: np.ndarray  # int64, one per row (0 for rows outside the graph)
    v: np.ndarray  # int64, one per column
    lam: int

    def objective(self, caps: np.ndarray, limit: int) -> int:
        """``sum(u) + caps . v + limit * lam`` (an upper bound once feasible)."""
        return int(self.u.sum()) + int(np.dot(caps, self.v)) + int(limit) * int(self.lam)

    def slack(self, rows: np.ndarray, cols: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``W - (u + v + lam)`` per edge: > 0 means the dual is violated there."""
        return w - (self.u[rows] + self.v[cols] + self.lam)


def solve_flow(
    rows: np.ndarray,
    cols: np.ndarray,
    w: np.ndarray,
    *,
    n_rows: int,
    n_cols: int,
    row_free: np.ndarray,
    caps: np.ndarray,
    limit: int,
    canonical: bool = True,
    pairs_tier: int = 0,
) -> Flow:
    """Max-weight b-matching with at most ``limit`` pairs on the given edges.

    Parameters
    ----------
    rows, cols, w : ndarray
        Candidate edges (row, column, positive int64 weight); no duplicates.
    row_free : ndarray of bool
        Rows that may still be matched (every such row gets a source arc,
        even without candidate edges, so that it has a price).
    caps : ndarray of int
        Remaining capacity of every column.
    limit : int
        At most this many pairs.
    canonical : bool
        Return the canonical optimal dual (:func:`_rows_high` or
        :func:`_cols_high`: the prices of the side that can take everyone of
        the other as high as they can be) instead of the one read off the
        residual graph. Both prove the same bound on the graph; the canonical
        one leaves fewer pairs outside the graph violated, so pricing
        converges in fewer rounds.
    pairs_tier : int
        ``C`` when every weight is ``C + w'`` with ``w' > 0`` and ``C`` more
        than any total of ``w'`` (pairs first): the flow is then found in two
        steps, a max flow for the most pairs and a min-cost flow without ``C``
        in its costs, about twice as fast (:func:`_two_phase`); the dual is read
        off its residual graph as for one flow (a negative cycle there would
        mean it is not optimal: the one-phase flow is solved instead).

    Raises
    ------
    OverflowError
        When OR-Tools reports that the costs are out of its range.
    """
    from ortools.graph.python import min_cost_flow

    limit = int(limit)
    net = _Network(rows, cols, n_rows, n_cols, row_free, caps, bypass=limit)
    cost = net.costs(w)
    d = flow = None
    if pairs_tier > 0 and len(w) and int(w.min()) > pairs_tier:
        flow = _two_phase(net, w, limit=limit, tier=int(pairs_tier))
        if flow is not None:
            d = _residual_potentials(net, cost, flow, len(rows))
    if d is None:  # one phase (or the two-phase flow was not optimal: a negative cycle)
        smcf = min_cost_flow.SimpleMinCostFlow()
        arcs = smcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.capacity, cost)
        smcf.set_nodes_supplies(np.array([0, 1]), np.array([limit, -limit]))
        status = smcf.solve()
        if status == smcf.BAD_COST_RANGE:
            raise OverflowError("min-cost flow: costs out of range")
        if status != smcf.OPTIMAL:  # pragma: no cover - the bypass arc makes it always feasible
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flow = np.asarray(smcf.flows(arcs), dtype=np.int64)
        d = _residual_potentials(net, cost, flow, len(rows))
        if d is None:  # pragma: no cover - an optimal flow has no negative cycle
            raise RuntimeError("internal error: negative cycle in an optimal flow's residual graph")
    assert flow is not None
    s, t = 0, 1
    lam = int(d[s] - d[t])  # >= 0: the bypass arc s -> t is always residual
    u = np.maximum(0, d[net.row_nodes] - d[s])
    u[~row_free] = 0
    v = np.maximum(0, d[t] - d[net.col_nodes])
    v[caps <= 0] = 0
    start = len(net.free_rows)
    chosen = flow[start : start + len(rows)] > 0
    primal = int(w[chosen].sum())
    duals = Duals(u=u, v=v, lam=lam)
    if canonical:
        # The side that can take everyone of the other side gets the high prices.
        has_row = np.zeros(n_rows, dtype=bool)
        has_row[rows] = True
        has_col = np.zeros(n_cols, dtype=bool)
        has_col[cols] = True
        demand = int((has_row & row_free).sum())
        supply = int(np.maximum(caps[has_col], 0).sum())
        pick = _cols_high if supply <= demand else _rows_high
        high = pick(rows, cols, w, chosen, duals, n_rows, n_cols, caps, row_free)
        if high is not None and high.objective(caps, limit) == duals.objective(caps, limit):
            duals = high
    return Flow(chosen=chosen, duals=duals, primal=primal)


class _Network:
    """The flow network of a b-matching: source 0 -> row (1) -> column (1) -> sink 1
    (the column's capacity), plus, with ``bypass``, an arc source -> sink of that
    capacity (the pairs not made, up to the limit). Nodes: 0, 1, rows, columns."""

    def __init__(
        self,
        rows: np.ndarray,
        cols: np.ndarray,
        n_rows: int,
        n_cols: int,
        row_free: np.ndarray,
        caps: np.ndarray,
        *,
        bypass: int | None,
    ) -> None:
        self.row_nodes = 2 + np.arange(n_rows)
        self.col_nodes = 2 + n_rows + np.arange(n_cols)
        self.free_rows = np.flatnonzero(row_free)
        self.open_cols = np.flatnonzero(caps > 0)
        self.n_nodes = 2 + n_rows + n_cols
        n_free, n_open = len(self.free_rows), len(self.open_cols)
        tails = [np.zeros(n_free, np.int64), self.row_nodes[rows], self.col_nodes[self.open_cols]]
        heads = [self.row_nodes[self.free_rows], self.col_nodes[cols], np.ones(n_open, np.int64)]
        capacity = [np.ones(n_free + len(rows), np.int64), caps[self.open_cols].astype(np.int64)]
        if bypass is not None:
            tails.append(np.zeros(1, np.int64))
            heads.append(np.ones(1, np.int64))
            capacity.append(np.array([int(bypass)], np.int64))
        self.tails = np.concatenate(tails).astype(np.int64)
        self.heads = np.concatenate(heads).astype(np.int64)
        self.capacity = np.concatenate(capacity)
        self.has_bypass = bypass is not None

    def costs(self, w: np.ndarray) -> np.ndarray:
        """Arc costs for pair weights ``w`` (maximized: ``-w`` on the pair arcs)."""
        return np.concatenate(
            [
                np.zeros(len(self.free_rows), dtype=np.int64),
                -np.asarray(w).astype(np.int64),
                np.zeros(len(self.open_cols) + int(self.has_bypass), dtype=np.int64),
            ]
        )


def _two_phase(net: _Network, w: np.ndarray, *, limit: int, tier: int) -> np.ndarray | None:
    """An optimal flow of the one-phase network (bypass included) found in two flows,
    for pairs-first weights ``W = C + w'`` (``C = tier``); ``None`` if a solver fails.

    A max flow gives the most pairs ``p`` (at most ``limit``); a min-cost flow of
    exactly ``p`` units with costs ``-w'`` gives the best ``w'`` among the answers
    with ``p`` pairs, which is the one-phase optimum (the tier puts the most pairs
    first), with ``limit - p`` units on the bypass. OR-Tools' cost scaling spends
    most of its time on the tier: without it the min-cost flow is about twice as
    fast. The dual is then read off this flow's residual graph with the tiered
    costs, as for the one-phase flow, and checked like it.
    """
    from ortools.graph.python import max_flow, min_cost_flow

    no_bypass = slice(0, len(net.tails) - 1)  # the bypass is the last arc
    tails, heads, capacity = net.tails[no_bypass], net.heads[no_bypass], net.capacity[no_bypass]
    smf = max_flow.SimpleMaxFlow()
    smf.add_arcs_with_capacity(tails, heads, capacity)
    if smf.solve(0, 1) != smf.OPTIMAL:  # pragma: no cover - integral capacities
        return None
    pairs = min(int(smf.optimal_flow()), limit)
    cost = net.costs(w - tier)[no_bypass]  # w' > 0
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, capacity, cost)
    mcf.set_nodes_supplies(np.array([0, 1]), np.array([pairs, -pairs]))
    if mcf.solve() != mcf.OPTIMAL:  # pragma: no cover - p units fit (the max flow)
        return None
    return np.append(np.asarray(mcf.flows(arcs), dtype=np.int64), limit - pairs)


def _cols_high(
    rows: np.ndarray,
    cols: np.ndarray,
    w: np.ndarray,
    chosen: np.ndarray,
    duals: Duals,
    n_rows: int,
    n_cols: int,
    caps: np.ndarray,
    row_free: np.ndarray,
) -> Duals | None:
    """The optimal dual with every column price as high as it can be (``lam`` kept).

    The mirror of :func:`_rows_high`: ``u_i = W_i,m(i) - v_m(i) - lam`` for a
    matched row, ``u_i = 0`` for a row left unmatched, ``v_j = 0`` for a column
    with room left; the constraints ``v_m(i) <= v_j + W_i,m(i) - W_ij`` on every
    other edge of a matched row ``i`` and the upper bounds ``v_j <= W_ij - lam``
    for every row ``i`` holding ``j`` (``u >= 0``) make a shortest-path problem
    over the columns. ``None`` when the result is not a feasible dual.
    """
    lam = int(duals.lam)
    m_rows, m_cols, m_w = rows[chosen], cols[chosen], w[chosen] - lam
    load = np.bincount(m_cols, minlength=n_cols)
    saturated = load >= np.maximum(caps, 1)
    upper = np.zeros(n_cols, dtype=np.int64)
    cap_w = np.full(n_cols, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(cap_w, m_cols, m_w)
    upper[saturated] = cap_w[saturated]
    holds = np.full(n_rows, -1, dtype=np.int64)  # each matched row's column
    holds[m_rows] = m_cols
    held_w = np.zeros(n_rows, dtype=np.int64)
    held_w[m_rows] = m_w
    other = (holds[rows] >= 0) & (holds[rows] != cols)
    tail = cols[other]
    head = holds[rows[other]]
    length = held_w[rows[other]] - (w[other] - lam)
    v = _bf(n_cols, tail, head, length, start=upper)
    if v is None:
        return None
    v = np.maximum(v, 0)
    v[~saturated] = 0
    u = np.zeros(n_rows, dtype=np.int64)
    u[m_rows] = m_w - v[m_cols]
    u = np.maximum(u, 0)
    u[~row_free] = 0
    high = Duals(u=u, v=v, lam=lam)
    if len(rows) and (high.slack(rows, cols, w) > 0).any():
        return None
    return high


def _rows_high(
    rows: np.ndarray,
    cols: np.ndarray,
    w: np.ndarray,
    chosen: np.ndarray,
    duals: Duals,
    n_rows: int,
    n_cols: int,
    caps: np.ndarray,
    row_free: np.ndarray,
) -> Duals | None:
    """The optimal dual with every row price as high as it can be (``lam`` kept).

    Complementary slackness fixes ``v_j = W_ij - u_i - lam`` on every chosen
    pair, ``v_j = 0`` for a column with room left and ``u_i = 0`` for a row left
    unmatched; what remains is a system of difference constraints on ``u``
    (``u_i' <= u_i + W_i'j - W_ij`` when row ``i'`` holds column ``j``) with the
    upper bounds ``u_i <= W_i,m(i) - lam`` (``v >= 0``). Its largest solution is a
    shortest-path problem from a root with an arc of length ``U_i`` to each row.

    Why: in a pairs-first objective every weight carries the same large
    constant, and a dual read off the flow splits it between the two sides
    at random. Pairs left out of a candidate graph between a row and a column
    that both got the small half violate the dual by that constant, which
    pricing would then have to find pair by pair. With the rows high, the
    constant sits on the rows whenever the matching allows it (the König
    cover of the matched rows), and a pair left out can only violate the dual
    by a score difference. ``None`` when the result is not a feasible dual of
    the graph (it is checked, not assumed).
    """
    lam = int(duals.lam)
    m_rows, m_cols, m_w = rows[chosen], cols[chosen], w[chosen] - lam
    order = np.argsort(m_cols, kind="stable")
    m_rows, m_cols, m_w = m_rows[order], m_cols[order], m_w[order]
    load = np.bincount(m_cols, minlength=n_cols)
    first = np.searchsorted(m_cols, np.arange(n_cols))
    upper = np.zeros(n_rows, dtype=np.int64)
    upper[m_rows] = m_w
    # Row i' holding column j: u_i' <= u_i + W_i'j - W_ij for every other edge (i, j).
    fan = load[cols]
    edge = np.repeat(np.arange(len(rows)), fan)
    slot = np.repeat(first[cols] - np.cumsum(fan) + fan, fan) + np.arange(int(fan.sum()))
    holder = m_rows[slot]
    keep = holder != rows[edge]
    edge, slot, holder = edge[keep], slot[keep], holder[keep]
    length = m_w[slot] - (w[edge] - lam)
    u = _bf(n_rows, rows[edge], holder, length, start=upper)
    if u is None:
        return None
    u = np.maximum(u, 0)
    u[~row_free] = 0
    v = np.zeros(n_cols, dtype=np.int64)
    saturated = load >= np.maximum(caps, 1)
    # v_j = W - u - lam on the chosen pairs (the same for every holder of j once
    # the constraints hold); a column with room keeps v_j = 0.
    price = m_w - u[m_rows]
    v_sat = np.full(n_cols, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(v_sat, m_cols, price)
    v[saturated] = v_sat[saturated]
    v = np.maximum(v, 0)
    high = Duals(u=u, v=v, lam=lam)
    if len(rows) and (high.slack(rows, cols, w) > 0).any():
        return None
    return high


def _residual_potentials(
    net: _Network, cost: np.ndarray, flow: np.ndarray, n_pairs: int
) -> np.ndarray | None:
    """:func:`_potentials` of a flow on ``net``. The pair arcs and the bypass never
    bind (a row's source arc carries 1, the supply is `limit`): treating them as
    uncapacitated makes every chosen pair tight, ``u_i + v_j + lam == W_ij``, so the
    dual read off is complementary. ``None`` when the flow is not optimal."""
    unbounded = np.zeros(len(net.tails), dtype=bool)
    unbounded[len(net.free_rows) : len(net.free_rows) + n_pairs] = True
    unbounded[-1] = True
    return _potentials(net.n_nodes, net.tails, net.heads, net.capacity, cost, flow, unbounded)


def _potentials(
    n_nodes: int,
    tails: np.ndarray,
    heads: np.ndarray,
    capacity: np.ndarray,
    cost: np.ndarray,
    flow: np.ndarray,
    unbounded: np.ndarray,
) -> np.ndarray | None:
    """Shortest-path distances in the residual graph from a virtual root (0 to every node),
    ``None`` on a negative cycle (the flow is not optimal).

    An optimal flow's residual graph has no negative cycle, so the distances
    exist; they satisfy ``d[b] <= d[a] + c`` on every residual arc, which is
    the reduced-cost optimality condition. Bellman-Ford with a frontier: each
    pass relaxes only the arcs leaving the nodes whose distance just dropped.
    """
    fwd = (flow < capacity) | unbounded
    bwd = flow > 0
    a = np.concatenate([tails[fwd], heads[bwd]])
    b = np.concatenate([heads[fwd], tails[bwd]])
    c = np.concatenate([cost[fwd], -cost[bwd]])
    return _bf(n_nodes, a, b, c, start=np.zeros(n_nodes, dtype=np.int64))


def _bf(
    n_nodes: int, a: np.ndarray, b: np.ndarray, c: np.ndarray, *, start: np.ndarray
) -> np.ndarray | None:
    """Shortest distances with ``d <= start`` and ``d[b] <= d[a] + c`` on every arc.

    ``start`` are the lengths of arcs from a virtual root to every node.
    Bellman-Ford with a queue (compiled): only the arcs leaving a node whose
    distance just dropped are relaxed again. ``None`` on a negative cycle
    (a node relaxed more than ``n_nodes`` times).
    """
    order = np.argsort(a, kind="stable")
    a, b, c = a[order], b[order], c[order]
    offset = np.searchsorted(a, np.arange(n_nodes + 1)).astype(np.int64)
    d = np.array(start, dtype=np.int64)
    ok = _bf_kernel()(
        offset, np.ascontiguousarray(b, dtype=np.int64), np.ascontiguousarray(c, dtype=np.int64), d
    )
    return d if ok else None


_BF: dict[str, Any] = {}


def _bf_kernel() -> Any:
    """The queue-based Bellman-Ford, compiled with numba on first use."""
    if "bf" in _BF:
        return _BF["bf"]
    from mentormatch._jit import njit  # numba's cache, in a private per-user directory

    @njit(nogil=True)
    def bf(offset, heads, length, d):
        n = len(d)
        queue = np.empty(n + 1, dtype=np.int64)
        queued = np.zeros(n, dtype=np.bool_)
        count = np.zeros(n, dtype=np.int64)
        lo = 0
        hi = 0
        size = n + 1
        for x in range(n):
            if offset[x + 1] > offset[x]:
                queue[hi] = x
                hi += 1
                queued[x] = True
        while lo != hi:
            x = queue[lo]
            lo = (lo + 1) % size
            queued[x] = False
            dx = d[x]
            for p in range(offset[x], offset[x + 1]):
                y = heads[p]
                cand = dx + length[p]
                if cand < d[y]:
                    d[y] = cand
                    if not queued[y]:
                        count[y] += 1
                        if count[y] > n:
                            return False
                        queued[y] = True
                        queue[hi] = y
                        hi = (hi + 1) % size
        return True

    _BF["bf"] = bf
    return bf


def fits_int64(max_weight: int, n_pairs: int, n_nodes: int) -> bool:
    """Whether sums of weights, and OR-Tools' cost scaling (x nodes), stay in int64."""
    return (
        max_weight * max(n_pairs, 1) < _INT64_HEADROOM
        and max_weight * (n_nodes + 2) * 4 < _INT64_HEADROOM
    )
