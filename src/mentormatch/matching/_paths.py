"""The two ways to the optimum: every pair in one matrix (dense), or the candidate graph and its certificate.

Both return an :class:`_Outcome`: the solver's answer and what the unmatched
reasons need (per person: partners the rules allow, left by staff, reaching the
minimum score; the best scores).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._policy import ProgramPolicy
from .._progress import Reporter
from ._staff import _Setup


@dataclass
class _Outcome:
    """What a path returns: the solver's answer and what explains it."""

    solved: Any
    scores: Any  # ScoreMatrix on the dense path, None on the candidate path
    # Per side (mentees, mentors): partners the rules allow, left by staff, reaching
    # the minimum score, and the best scores among the last two.
    n_rule: tuple[np.ndarray, np.ndarray]
    n_staff: tuple[np.ndarray, np.ndarray]
    n_final: tuple[np.ndarray, np.ndarray]
    best_staff: tuple[np.ndarray, np.ndarray]
    best_final: tuple[np.ndarray, np.ndarray]
    pair_values: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, dict[str, np.ndarray]]]
    free_partner: Callable[[str, np.ndarray, np.ndarray], np.ndarray]
    min_score: float | None
    # What result.why_not re-solves with (no copy: references to arrays made anyway):
    # dense: "final" (the pairs rules, staff and the minimum score allow); candidates:
    # "graph" (the certified candidate graph).
    kept: dict[str, Any] = field(default_factory=dict)


def _run_dense(
    scorer: Any,
    setup: _Setup,
    policy: ProgramPolicy,
    *,
    min_score: float | None,
    time_limit: float | None,
    report: Reporter,
    stats: dict[str, Any],
    client: Any = None,  # the dense path scores here
) -> _Outcome:
    from ..scoring import ScoreMatrix
    from ..solver import solve_assignment

    report("scoring every pair", 0.1)
    t0 = time.perf_counter()
    scores = ScoreMatrix(scorer, scorer.score_block())
    stats["scoring_s"] = time.perf_counter() - t0
    total = scores.total
    rule = scores.allowed
    staff = rule.copy()
    if setup.forbidden:
        fr, fc = np.array(setup.forbidden).T
        staff[fr, fc] = False
    final = staff & (total >= np.float32(min_score)) if min_score is not None else staff
    allowed = final.copy()
    if setup.forced:
        r, c = np.array(setup.forced).T
        allowed[r, c] = True  # locks override pair rules; mutual ones are allowed anyway
    report("solving", 0.4)
    t0 = time.perf_counter()
    solved = solve_assignment(
        total,
        capacities=setup.capacities,
        allowed=allowed,
        forced=setup.forced,
        max_pairs=setup.max_pairs,
        time_limit=time_limit,
        priority=policy.matching.priority,
        row_priority=setup.mentee_priority,
        col_priority=setup.mentor_priority,
        progress=report.sub(0.45, 0.95),
    )
    stats["solve_s"] = time.perf_counter() - t0
    stats["solver"] = dict(solved.stats)
    stats["n_allowed_pairs"] = int(np.count_nonzero(allowed))

    def counts(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return mask.sum(axis=1), mask.sum(axis=0)

    def best(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        masked = np.where(mask, total, np.float32(-np.inf))
        return (
            masked.max(axis=1, initial=-np.inf).astype(np.float64),
            masked.max(axis=0, initial=-np.inf).astype(np.float64),
        )

    def pair_values(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, dict]:
        return total[rows, cols], {n: f[rows, cols] for n, f in scores.features.items()}

    def free_partner(side: str, idx: np.ndarray, free_other: np.ndarray) -> np.ndarray:
        block = (
            final[np.ix_(idx, free_other)] if side == "mentee" else final[np.ix_(free_other, idx)].T
        )
        return block.any(axis=1)

    return _Outcome(
        solved=solved,
        scores=scores,
        n_rule=counts(rule),
        n_staff=counts(staff),
        n_final=counts(final),
        best_staff=best(staff),
        best_final=best(final),
        pair_values=pair_values,
        free_partner=free_partner,
        min_score=min_score,
        kept={"final": final},
    )


def _run_candidates(
    scorer: Any,
    setup: _Setup,
    policy: ProgramPolicy,
    *,
    min_score: float | None,
    time_limit: float | None,
    report: Reporter,
    stats: dict[str, Any],
    client: Any = None,
    k: int,
    reserve: int,
) -> _Outcome:
    from ..candidates import (
        BlockSource,
        Cluster,
        build_candidates,
        make_pricer,
        pair_features,
    )

    t0 = time.perf_counter()
    source = BlockSource(scorer, setup.forbidden, min_score)
    cluster = None if client is None else Cluster(client)
    graph = build_candidates(
        scorer,
        k=k,
        reserve=reserve,
        forbidden=setup.forbidden,
        min_score=min_score,
        forced=setup.forced,
        progress=report.sub(0.05, 0.8),
        source=source,
        cluster=cluster,
    )
    stats["candidates_s"] = time.perf_counter() - t0
    # The optimizer's limit, as on the dense path (the scan is not limited): a work
    # budget that solve_pairs hands the pricer each round, not a clock.
    remaining = time_limit
    pricer = make_pricer(
        scorer,
        graph,
        forbidden=setup.forbidden,
        min_score=min_score,
        progress=report.sub(0.8, 0.95),
        source=source,
        cluster=cluster,
    )
    report("solving and certifying", 0.8)
    t0 = time.perf_counter()
    solved = _solve_certified(scorer, setup, policy, graph, pricer, remaining)
    stats["solve_s"] = time.perf_counter() - t0
    stats["solver"] = dict(solved.stats)
    stats["candidate_graph"] = dict(graph.stats)

    def pair_values(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, dict]:
        return pair_features(scorer, rows, cols)

    return _Outcome(
        solved=solved,
        scores=None,
        n_rule=graph.n_rule,
        n_staff=graph.n_staff,
        n_final=graph.n_final,
        best_staff=graph.best_staff,
        best_final=graph.best_final,
        pair_values=pair_values,
        free_partner=functools.partial(_free_partner_blockwise, source),
        min_score=min_score,
        kept={"graph": graph},
    )


def _solve_certified(
    scorer: Any, setup: _Setup, policy: ProgramPolicy, graph: Any, pricer: Any, remaining: Any
) -> Any:
    """The optimizer on the candidate graph, the pricer certifying it for every pair."""
    from ..solver import solve_pairs

    return solve_pairs(
        graph.rows,
        graph.cols,
        graph.scores,
        n_rows=scorer.shape[0],
        n_cols=scorer.shape[1],
        capacities=setup.capacities,
        forced=setup.forced,
        max_pairs=setup.max_pairs,
        time_limit=remaining,
        priority=policy.matching.priority,
        row_priority=setup.mentee_priority,
        col_priority=setup.mentor_priority,
        score_range=(0.0, 1.0),
        pricer=pricer,
        k=max(len(graph.rows), 1),  # the graph is small already: all of it goes to the LP
        pricer_rows=graph.n_final[0] > 0,  # mentees with a possible partner
        score_tops=graph.best_final,
    )


def _free_partner_blockwise(
    source: Any, side: str, idx: np.ndarray, free_other: np.ndarray
) -> np.ndarray:
    """Whether each of ``idx`` has a possible partner among the free others (blockwise)."""
    from ..candidates import block_rows

    others = np.flatnonzero(free_other)
    out = np.zeros(len(idx), dtype=bool)
    if len(idx) == 0 or len(others) == 0:
        return out
    step = block_rows(len(others))
    for a in range(0, len(idx), step):
        part = idx[a : a + step]
        rows_, cols_ = (part, others) if side == "mentee" else (others, part)
        ok = source.block(rows_, cols_, counts=False).masked > -np.inf
        out[a : a + step] = ok.any(axis=1) if side == "mentee" else ok.any(axis=0)
    return out
