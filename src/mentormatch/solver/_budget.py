"""The work budget a time limit becomes: counted work, not wall seconds.

A time-limited answer must not depend on how busy the machine is: the same
input and the same ``time_limit`` give the same pairs on an idle machine and
on a loaded one. So ``time_limit`` seconds become a budget of as many *work
units* (``work_limit``), one unit being about one second of work on the
reference machine (the project's 2-core CI machine). Each step is charged an
estimate computed from its size alone, never from a clock:

* Jonker-Volgenant on a dense matrix: cells (rows x column slots) times
  :data:`~mentormatch.solver._jv.SECONDS_PER_CELL`, charged before it runs
  (it cannot be stopped), so it runs only when that fits the budget;
* the first candidates of a dense matrix: :data:`TOPK_WORK_PER_CELL` a cell;
* an LP round: :func:`lp_work` of its graph (edges and nodes), charged
  before it starts, which it only does when the budget affords it (it cannot
  be interrupted; the first round always runs: it gives the first answer);
* the pricing of each round: cells of a dense matrix, listed pairs of a long
  table, and what a pricer charges itself (the candidate path's pricer counts
  the pairs it scores again, block by block, and stops when the budget is spent);
* CP-SAT over the tight pairs: its own deterministic time
  (``max_deterministic_time``, OR-Tools' work count in units "as close as
  possible to a second"), one worker and a fixed seed.

The wall clock is only a safety net, for a machine much slower than the
reference or an estimate far off: a run still going after
:data:`WALL_FACTOR` x ``time_limit`` + :data:`WALL_GRACE` seconds stops
there. The answer is then honest (``"FEASIBLE"`` unless proven) but depends
on the machine's speed; ``stats["stopped_by"]`` says ``"wall_clock"``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["WALL_FACTOR", "WALL_GRACE", "WorkBudget", "lp_work"]

#: The wall clock stops a run after this many times its time limit (plus :data:`WALL_GRACE`).
WALL_FACTOR = 3.0
#: Seconds added to the wall clock's limit, so that short limits are not cut by noise
#: (a loaded machine easily runs a 0.05 s budget in 0.5 s).
WALL_GRACE = 5.0
#: Work of the first candidates of a dense matrix, per cell (measured: 2e-8 s).
TOPK_WORK_PER_CELL = 3e-8
#: Work of pricing a dense matrix, per cell: weights kept (measured 1.5e-8 to 3e-8 s)
#: or computed again block by block (above ``_problem._CACHE_CELLS``).
DENSE_PRICE_WORK_PER_CELL = 3e-8
DENSE_PRICE_WORK_PER_CELL_UNCACHED = 8e-8
#: Work of pricing a long table of listed pairs, per pair (the pricer's own is charged by it).
EDGE_PRICE_WORK_PER_PAIR = 5e-8
#: Work of one LP round per edge and square root of the nodes: min-cost flow and its
#: dual measured 2.4e-8 to 4.8e-8 s x edges x sqrt(nodes), from 1,000 to 16,000 nodes.
LP_WORK = 5e-8


def lp_work(n_edges: int, n_nodes: int) -> float:
    """The work units charged for one LP round on a graph of that size."""
    return LP_WORK * n_edges * math.sqrt(max(n_nodes, 1))


class WorkBudget:
    """What a time limit allows: ``limit`` work units, and a wall-clock safety net.

    ``WorkBudget(None)`` is no limit: everything is affordable, nothing stops.
    The budget only counts: every decision to start or skip a step reads
    :meth:`affords` (work) or :meth:`wall_exceeded` (the safety net).
    """

    def __init__(self, time_limit: float | None, started: float | None = None) -> None:
        self.limit = None if time_limit is None else float(time_limit)
        self.used = 0.0
        self.started = time.perf_counter() if started is None else started
        self.wall_limit = None if self.limit is None else WALL_FACTOR * self.limit + WALL_GRACE
        #: None, "work_limit" (the budget stopped a step) or "wall_clock" (the safety net).
        self.stopped_by: str | None = None

    @property
    def left(self) -> float | None:
        """Work units left (never below 0), None without a limit."""
        return None if self.limit is None else max(self.limit - self.used, 0.0)

    def affords(self, work: float) -> bool:
        """Whether ``work`` more units fit in the budget."""
        return self.limit is None or self.used + work <= self.limit

    def spend(self, work: float) -> None:
        """Charge ``work`` units."""
        self.used += float(work)

    def stop(self, reason: str) -> None:
        """Record why a step was skipped (the first reason is kept)."""
        if self.stopped_by is None:
            self.stopped_by = reason

    def wall_left(self) -> float | None:
        """Seconds before the safety net, None without a limit."""
        if self.wall_limit is None:
            return None
        return self.wall_limit - (time.perf_counter() - self.started)

    def wall_exceeded(self) -> bool:
        """Whether the safety net is reached (then recorded as the reason to stop)."""
        left = self.wall_left()
        if left is not None and left <= 0:
            self.stop("wall_clock")
            return True
        return False

    def blocks(self, work_of: Sequence[float]) -> int:
        """How many of the steps costing ``work_of`` (in order) to do: the longest
        prefix the budget affords, at least one; their work is charged."""
        done = 0
        for w in work_of:
            if done and not self.affords(w):
                self.stop("work_limit")
                break
            self.spend(w)
            done += 1
        return done

    def record(self, stats: dict[str, Any]) -> None:
        """The budget's account in ``stats``: ``work_limit``, ``work_used``, ``wall_limit``
        and ``stopped_by``."""
        stats["work_limit"] = self.limit
        stats["work_used"] = round(self.used, 6)
        stats["wall_limit"] = self.wall_limit
        stats["stopped_by"] = self.stopped_by
