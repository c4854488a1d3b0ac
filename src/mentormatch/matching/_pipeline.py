"""match and rematch: applications in, pairs and reasons out.

``match`` runs validate -> eligibility -> scoring -> one optimization model and
returns a :class:`MatchResult` in which every applicant is in exactly one of
``pairs`` and ``unmatched``, each with a reason a coordinator can pass on.

Forced pairs
------------
* **Staff locks** (``locked``) are forced. Both people must be eligible (a lock
  of an ineligible applicant raises :class:`~mentormatch.MatchInfeasibleError`);
  a lock overrides the pair rules (same organization, previous partners,
  career stage, minimum score): staff decided, and the pair's ``reason`` is
  ``locked``.
* **Mutual requests** (each side lists the other in ``requested_ids``) are
  forced when the policy honors them, both are eligible, the pair is allowed
  by the rules, not forbidden by staff, and it clashes with no lock and no
  other mutual request (a person in two mutual requests, a mentor with more
  mutual requests than places). A mutual request that cannot be honored is
  not forced (the optimizer may still pick it) and ``result.requests`` says
  why. One-sided requests are never forced; they are listed too.
* **Forbidden pairs** (``forbidden``) are never made.

The minimum score applies to the optimized pairs, not to forced ones. A lock
that overrides a pair rule or the minimum score, and a mutual request forced
below the minimum score, are allowed and listed in ``result.notes``.

Assignment date (``matched_on``)
--------------------------------
Every pair carries the date it was made, which :func:`~mentormatch.check_cycle`
reads (the rolling programs, 3CMA and LTB, start each pair's cycle on it).
``match(..., matched_on=None)`` gives every pair:

* for programs with fixed cycle months (``policy.cycle.start_month`` set:
  AMCTO September to June, AMA October to August): the first day of the next
  cycle's start month when today lies between two cycles (a match made in
  July or August for AMCTO gives September 1), and today when a cycle is under
  way (a late match);
* for rolling programs (no cycle months: 3CMA, LTB): today.

A date given as ``matched_on`` (``YYYY-MM-DD`` text, a ``datetime.date`` or a
``Timestamp``; any time of day is dropped) is given to every pair instead.
:func:`rematch` keeps each kept pair's date and gives the new pairs its own
``matched_on`` (same default); ``new_pair`` says which are new.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._params import check_number, param_error
from .._policy import ProgramPolicy
from .._progress import ProgressLike, Reporter
from ..policies import get_policy
from ._explain import _assemble
from ._paths import _Outcome, _run_candidates, _run_dense
from ._result import PAIR_COLUMNS, MatchResult
from ._staff import _pair_list, _Setup
from ._whynot import MARGIN_COLUMNS

__all__ = ["match"]
DEFAULT_TIME_LIMIT = 60.0
#: Above this many (mentee, mentor) pairs, candidates="auto" takes the candidate path
#: (measured: 3,500 x 3,500 takes 3.0 s there and 7.1 s on the dense path; 2,000 x 2,000
#: 4.1 s and 1.8 s).
CANDIDATE_THRESHOLD = 9_000_000
#: Candidates per mentee and per mentor on the candidate path (enlarged where needed).
CANDIDATES_K = 10
#: Each person's next best pairs after those, kept aside and priced exactly every round.
CANDIDATES_RESERVE = 256


# --------------------------------------------------------------------------- match


def match(
    applications: Any,
    policy: str | ProgramPolicy = "amcto",
    *,
    weights: Mapping[str, float] | None = None,
    locked: Any = (),
    forbidden: Any = (),
    min_score: float | None = None,
    max_pairs: int | None = None,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    progress: ProgressLike = False,
    extractors: Mapping[str, Any] | None = None,
    candidates: bool | str = "auto",
    client: Any = None,
    matched_on: Any = None,
) -> MatchResult:
    """Match a cohort: eligibility, scores and one optimization model.

    Parameters
    ----------
    applications : DataFrame or iterable of dict
        The applications table (see :func:`~mentormatch.validate_applications`).
    policy : str or ProgramPolicy
        A preset name (``"amcto"``, ``"ama"``, ``"3cma"``, ``"ltb"``) or a policy.
    weights : mapping, optional
        Feature weights replacing the policy's (normalized to sum to 1).
    locked : iterable of (mentee_id, mentor_id) or DataFrame, optional
        Pairs staff force (see the module notes).
    forbidden : iterable of (mentee_id, mentor_id) or DataFrame, optional
        Pairs staff exclude.
    min_score : float, optional
        No optimized pair below this score (in [0, 1]); defaults to the
        policy's ``matching.min_score``.
    max_pairs : int, optional
        At most this many pairs (limited program spots).
    time_limit : float or None
        About this many seconds of work for the optimizer (default 60);
        ``None`` for no limit. When it stops the search, ``status`` is
        ``"FEASIBLE"`` and the gap is reported. On the candidate path the
        optimizer includes the certificate (pairs scored again); validation,
        scoring and the first pass over the cohort are not limited. The limit
        counts work, not wall seconds: it becomes a budget of ``time_limit``
        work units (one unit about a second of the reference machine), each
        step is charged an estimate from its size (the dense solve, each LP
        round, each block of pairs scored again, CP-SAT's deterministic time)
        and starts only when the budget affords it, so the same applications
        and limit give the same pairs on a busy machine as on an idle one (see
        :func:`~mentormatch.solve_assignment`). The wall clock only stops an
        optimizer still running after ``3 x time_limit + 5`` seconds;
        ``result.stats["solver"]["stopped_by"]`` then says ``"wall_clock"``.
    progress : bool or callable
        ``True`` shows a progress bar; a callable receives ``(stage, fraction)``.
    extractors : mapping, optional
        Scoring features of your own (see :func:`~mentormatch.scoring.score_pairs`).
    candidates : {"auto", True, False}
        ``False``: score every pair in one matrix (the dense path). ``True``:
        never build the matrix; each person's best candidates are found block by
        block and the answer is certified optimal for every pair (the candidate
        path, for national-size cohorts). ``"auto"`` (default) takes the
        candidate path above 9 million pairs (3,000 x 3,000). Both paths give
        the same optimum; ``result.scores`` is ``None`` on the candidate path
        (``result.explain`` still works).
    client : dask.distributed.Client, optional
        On the candidate path, the pass over every pair (the scan for each
        person's best candidates) runs on the client's workers, a part of the
        mentees per task, with the same code and the same result as on this
        machine; the scorer is sent to each worker once. The kernels of a
        task use every core of its machine: one worker thread per machine
        (``threads_per_worker=1``) is best. Install with ``pip install
        "mentormatch[dask]"``. The certificate's rescoring runs there too; the
        dense path, the solver and the explanations run here.
    matched_on : str, date or Timestamp, optional
        The assignment date of every pair (``YYYY-MM-DD`` text, a
        ``datetime.date`` or a ``Timestamp``; a time of day is dropped).
        Default: for programs with fixed cycle months (AMCTO, AMA), the first
        day of the next cycle when today lies between cycles, today during a
        cycle; for rolling programs (3CMA, LTB), today. See the module notes.

    Returns
    -------
    MatchResult
        ``result.pairs`` is a valid pairs table of
        :func:`~mentormatch.check_cycle` (ids and ``matched_on``);
        ``result.notes`` lists staff decisions and silent settings.

    Raises
    ------
    ApplicationError
        When the applications table has problems (all listed at once).
    MatchInfeasibleError
        When locks contradict each other, the forbidden pairs, eligibility,
        capacities or ``max_pairs``; ``.conflicts`` names the pairs and rules.
    ParameterError
        On a bad argument.

    Examples
    --------
    >>> import mentormatch as mm
    >>> apps = mm.datasets.make_cohort(n_mentors=30, n_mentees=40, seed=1)
    >>> result = mm.match(apps, "amcto")
    >>> result.status
    'OPTIMAL'
    >>> matched = set(result.pairs["mentee_id"]) | set(result.pairs["mentor_id"])
    >>> len(matched) + len(result.unmatched) == len(apps)
    True
    """
    return _match(
        applications,
        policy,
        weights=weights,
        locked=locked,
        forbidden=forbidden,
        min_score=min_score,
        max_pairs=max_pairs,
        time_limit=time_limit,
        progress=progress,
        extractors=extractors,
        candidates=candidates,
        client=client,
        matched_on=matched_on,
        func="match",
    )


def _match(
    applications: Any,
    policy: str | ProgramPolicy,
    *,
    weights: Mapping[str, float] | None,
    locked: Any,
    forbidden: Any,
    min_score: float | None,
    max_pairs: int | None,
    time_limit: float | None,
    progress: ProgressLike,
    extractors: Mapping[str, Any] | None,
    candidates: bool | str,
    client: Any,
    matched_on: Any,
    func: str,
    kept: frozenset[tuple[str, str]] = frozenset(),
) -> MatchResult:
    """:func:`match`; ``kept`` are the locked pairs :func:`rematch` keeps (worded so in notes).

    The stages, in order: the arguments checked; the applications validated, the
    eligibility decided and the features fitted (one :class:`PairScorer`); the
    staff's decisions and the requests in matrix positions; the optimum on one of
    the two paths; the tables that explain it.
    """
    started = time.perf_counter()
    args = _Arguments.check(
        policy,
        weights=weights,
        locked=locked,
        forbidden=forbidden,
        min_score=min_score,
        max_pairs=max_pairs,
        time_limit=time_limit,
        extractors=extractors,
        candidates=candidates,
        client=client,
        matched_on=matched_on,
        func=func,
    )
    stats: dict[str, Any] = {}
    with Reporter(progress, total_label="match") as report:
        scorer = _fit_features(applications, args, report, stats)
        setup = _Setup.build(
            scorer, args.policy, args.locked, args.forbidden, args.max_pairs, args.func
        )
        outcome = _optimize(scorer, setup, args, report, stats)
        result = _explain(scorer, setup, outcome, args, report, stats, started, kept)
        report("done", 1.0)
    return result


@dataclass(frozen=True)
class _Arguments:
    """The arguments of :func:`match`, checked, with the policy's defaults filled in."""

    policy: ProgramPolicy
    matched_on: pd.Timestamp
    weights: Mapping[str, float] | None
    extractors: Mapping[str, Any] | None
    locked: list[tuple[str, str]]
    forbidden: list[tuple[str, str]]
    min_score: float | None
    max_pairs: int | None
    time_limit: float | None
    candidates: bool | str
    client: Any
    func: str

    @classmethod
    def check(
        cls,
        policy: Any,
        *,
        weights: Mapping[str, float] | None,
        locked: Any,
        forbidden: Any,
        min_score: float | None,
        max_pairs: int | None,
        time_limit: float | None,
        extractors: Mapping[str, Any] | None,
        candidates: bool | str,
        client: Any,
        matched_on: Any,
        func: str,
    ) -> _Arguments:
        pol = _policy(policy, func)
        assigned = _assignment_date(matched_on, pol, func)
        if min_score is None:
            min_score = pol.matching.min_score
        check_number(min_score, "min_score", func, low=0, high=1, allow_none=True)
        check_number(max_pairs, "max_pairs", func, low=0, integer=True, allow_none=True)
        check_number(time_limit, "time_limit", func, low=0, low_open=True, allow_none=True)
        if candidates not in ("auto", True, False):
            raise param_error("candidates", func, "'auto', True or False", candidates)
        if client is not None and not all(
            callable(getattr(client, name, None)) for name in ("submit", "scatter", "nthreads")
        ):
            raise param_error("client", func, "a dask.distributed Client", type(client).__name__)
        return cls(
            policy=pol,
            matched_on=assigned,
            weights=weights,
            extractors=extractors,
            locked=_pair_list(locked, "locked", func),
            forbidden=_pair_list(forbidden, "forbidden", func),
            min_score=min_score,
            max_pairs=max_pairs,
            time_limit=time_limit,
            candidates=candidates,
            client=client,
            func=func,
        )

    def settings(self) -> dict[str, Any]:
        """The settings the result records (``result.settings``)."""
        return {
            "weights": None if self.weights is None else dict(self.weights),
            "locked": self.locked,
            "forbidden": self.forbidden,
            "min_score": self.min_score,
            "max_pairs": self.max_pairs,
            "time_limit": self.time_limit,
            "extractors": self.extractors,
            "candidates": self.candidates,
        }


def _fit_features(
    applications: Any, args: _Arguments, report: Reporter, stats: dict[str, Any]
) -> Any:
    """Validate the applications, decide eligibility and fit every feature (one scorer)."""
    report("validating and fitting features", 0.0)
    t0 = time.perf_counter()
    from ..scoring import PairScorer

    scorer = PairScorer(args.policy, args.weights, extractors=args.extractors)._fit(
        applications, func=args.func
    )
    stats["fit_s"] = time.perf_counter() - t0
    stats.update(scorer.fit_times_)
    clash = [n for n in scorer.weights_ if n in PAIR_COLUMNS or n in MARGIN_COLUMNS]
    if clash:
        raise param_error(
            "weights",
            args.func,
            "features named otherwise than the columns of result.pairs ("
            + ", ".join(map(repr, PAIR_COLUMNS + MARGIN_COLUMNS))
            + ")",
            clash[0],
        )
    return scorer


def _optimize(
    scorer: Any, setup: _Setup, args: _Arguments, report: Reporter, stats: dict[str, Any]
) -> _Outcome:
    """The optimum, on the dense path or the candidate path (``candidates``)."""
    n_cells = scorer.shape[0] * scorer.shape[1]
    use_candidates = args.candidates is True or (
        args.candidates == "auto" and n_cells > CANDIDATE_THRESHOLD
    )
    stats["path"] = "candidates" if use_candidates else "dense"
    common = {
        "min_score": args.min_score,
        "time_limit": args.time_limit,
        "report": report,
        "stats": stats,
        "client": args.client,
    }
    if use_candidates:
        return _run_candidates(
            scorer, setup, args.policy, k=CANDIDATES_K, reserve=CANDIDATES_RESERVE, **common
        )
    return _run_dense(scorer, setup, args.policy, **common)


def _explain(
    scorer: Any,
    setup: _Setup,
    outcome: _Outcome,
    args: _Arguments,
    report: Reporter,
    stats: dict[str, Any],
    started: float,
    kept: frozenset[tuple[str, str]],
) -> MatchResult:
    """The result: pairs and unmatched with their reasons, requests, notes."""
    report("explaining", 0.97)
    t0 = time.perf_counter()
    result = _assemble(
        scorer,
        setup,
        outcome,
        args.policy,
        started=started,
        stats=stats,
        settings=args.settings(),
        matched_on=args.matched_on,
        kept=kept,
    )
    stats["explain_s"] = time.perf_counter() - t0
    return dataclasses.replace(result, _context=_context(scorer, setup, outcome, args, result))


def _context(
    scorer: Any, setup: _Setup, outcome: _Outcome, args: _Arguments, result: MatchResult
) -> Any:
    """What ``result.why_not``, the margins and ``alternatives`` re-solve with (no copies)."""
    from ._whynot import _Context

    solved = np.asarray(outcome.solved.pairs, dtype=np.int64).reshape(-1, 2)
    order = np.lexsort((solved[:, 1], solved[:, 0]))  # the order of result.pairs
    return _Context(
        scorer=scorer,
        policy=args.policy,
        setup=setup,
        locked_ids=list(args.locked),
        forbidden_ids=list(args.forbidden),
        min_score=args.min_score,
        max_pairs=args.max_pairs,
        time_limit=args.time_limit,
        path="dense" if outcome.scores is not None else "candidates",
        scores=outcome.scores,
        kept=outcome.kept,
        rows=solved[order, 0],
        cols=solved[order, 1],
        objective=result.objective,
        proven=result.status == "OPTIMAL",
        func=args.func,
        stats=result.stats,  # the answers' timings land in result.stats
    )


def _today() -> pd.Timestamp:
    """Today's date on this computer (one place, so tests can set the clock)."""
    return pd.Timestamp(_dt.date.today())


def default_matched_on(policy: ProgramPolicy, today: Any = None) -> pd.Timestamp:
    """The assignment date :func:`match` gives new pairs when ``matched_on`` is not given.

    For a program with fixed cycle months, today when ``today`` falls inside a
    cycle (from the first day of ``start_month`` to the last day of
    ``end_month``), else the first day of the next ``start_month``. For a
    rolling program, today.
    """
    day = _today() if today is None else pd.Timestamp(today).normalize()
    cyc = policy.cycle
    if cyc.rolling:
        return day
    start = int(cyc.start_month)  # type: ignore[arg-type]
    months = int(cyc.duration_months)  # type: ignore[arg-type]
    if (day.month - start) % 12 < months:
        return day
    year = day.year if day.month < start else day.year + 1
    return pd.Timestamp(year=year, month=start, day=1)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _assignment_date(value: Any, policy: ProgramPolicy, func: str) -> pd.Timestamp:
    """``matched_on`` checked: a date (time of day dropped), or the policy's default."""
    if value is None:
        return default_matched_on(policy)
    expected = "a date (YYYY-MM-DD text, a datetime.date or a Timestamp) or None"
    day: Any = None
    if isinstance(value, str):
        if _ISO_DATE.match(value.strip()):
            day = pd.to_datetime(value.strip(), format="%Y-%m-%d", errors="coerce")
    elif isinstance(value, (_dt.date, np.datetime64)):  # datetime and Timestamp too
        day = pd.Timestamp(value)
    if day is None or pd.isna(day):
        raise param_error("matched_on", func, expected, value)
    if day.tzinfo is not None:
        day = day.tz_localize(None)
    return pd.Timestamp(day).normalize()


def _policy(policy: Any, func: str) -> ProgramPolicy:
    if isinstance(policy, ProgramPolicy):
        return policy
    if isinstance(policy, str):
        return get_policy(policy)
    raise param_error("policy", func, "a preset name or a ProgramPolicy", policy)
