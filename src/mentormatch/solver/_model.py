"""The CP-SAT model over a long table of allowed pairs.

One Boolean per pair (row of the table), constraints from grouping by row and
by column, the objective as a dot product (the OR-Tools ``assignment_sat``
sample's shape). Pairs that are not allowed never become variables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CpResult", "solve_cp"]


@dataclass(frozen=True)
class CpResult:
    """What CP-SAT returned."""

    chosen: np.ndarray | None  # bool over the table's pairs; None when no solution
    status: str  # CP-SAT's status name
    bound: int | None  # its best objective bound (maximization), when it has an objective
    wall_time: float
    work: float = 0.0  # its deterministic time (OR-Tools' work count, about seconds)


def solve_cp(
    rows: np.ndarray,
    cols: np.ndarray,
    w: np.ndarray,
    *,
    caps: np.ndarray,
    limit: int,
    at_least: int | None = None,
    maximize: bool = True,
    hint: np.ndarray | None = None,
    work_limit: float | None = None,
    time_limit: float | None = None,
) -> CpResult:
    """Solve the b-matching model on the given pairs with CP-SAT.

    Parameters
    ----------
    rows, cols, w : ndarray
        The long table: one allowed pair per entry and its int64 weight.
    caps : ndarray of int
        Capacity of every column (rows take one pair each).
    limit : int
        At most this many pairs.
    at_least : int, optional
        Require ``w . x >= at_least`` (a proven optimum value: any solution
        is then optimal, and the model is solved as a feasibility problem).
    maximize : bool
        Maximize ``w . x`` (ignored when ``at_least`` is given).
    hint : ndarray of bool, optional
        A solution to start from.
    work_limit : float, optional
        CP-SAT's ``max_deterministic_time``: its own count of work done, in
        units "as close as possible to a second" (OR-Tools), which does not
        depend on the machine's load.
    time_limit : float, optional
        Wall seconds (``max_time_in_seconds``): only a safety net, since where
        it stops depends on the load.

    Notes
    -----
    One worker and a fixed seed: the same model gives the same answer, not
    one that depends on thread timing; with a work limit and no wall limit
    reached, where the search stops is reproducible too. ``linearization_level = 2`` puts the
    assignment LP into the search, which is what makes CP-SAT prove these
    models quickly (``shared/notes/solver-performance.md``).
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    n = len(rows)
    x = [model.new_bool_var("") for _ in range(n)]
    if n:
        order = np.lexsort((cols, rows))
        rows_sorted = rows[order]
        bounds = np.flatnonzero(np.diff(rows_sorted)) + 1
        for group in np.split(order, bounds):
            if len(group) > 1:
                model.add_at_most_one(x[k] for k in group)
        order = np.lexsort((rows, cols))
        bounds = np.flatnonzero(np.diff(cols[order])) + 1
        for group in np.split(order, bounds):
            cap = int(caps[cols[group[0]]])
            if len(group) > cap:
                if cap == 1:
                    model.add_at_most_one(x[k] for k in group)
                else:
                    model.add(cp_model.LinearExpr.sum([x[k] for k in group]) <= cap)
        if limit < min(len(np.unique(rows)), int(caps[np.unique(cols)].sum())):
            model.add(cp_model.LinearExpr.sum(x) <= int(limit))
    objective = cp_model.LinearExpr.weighted_sum(x, [int(v) for v in w]) if n else 0
    if at_least is not None:
        model.add(objective >= int(at_least))
    elif maximize:
        model.maximize(objective)
    if hint is not None:
        for var, value in zip(x, hint.tolist(), strict=True):
            model.add_hint(var, bool(value))
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.random_seed = 0
    params.linearization_level = 2
    if at_least is not None:
        # A feasibility model whose hint already meets the proven optimum: presolve
        # only costs time here (0.2 s vs 6 ms at n = 2,000; the notes saw 7 s at 5,000).
        params.cp_model_presolve = False
    if work_limit is not None:
        params.max_deterministic_time = max(float(work_limit), 0.0)
    if time_limit is not None:
        params.max_time_in_seconds = max(float(time_limit), 0.01)
    status = solver.solve(model)
    name = solver.status_name(status)
    chosen = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    bound = None
    if at_least is None and maximize and chosen is not None:
        bound = int(np.floor(solver.best_objective_bound + 1e-9))
    return CpResult(
        chosen=chosen,
        status=name,
        bound=bound,
        wall_time=solver.wall_time,
        work=float(solver.deterministic_time),
    )
