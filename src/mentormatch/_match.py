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

import datetime as _dt
import html
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import MatchInfeasibleError
from ._params import ParameterError, check_number, param_error
from ._policy import ProgramPolicy
from ._progress import ProgressLike, Reporter
from .policies import get_policy

__all__ = ["MatchResult", "match", "rematch"]

PAIR_REASONS = ("mutual_request", "locked", "optimized")
#: The columns of ``result.pairs`` before the one column per scoring feature.
PAIR_COLUMNS = ("mentee_id", "mentor_id", "score", "reason", "matched_on", "new_pair")
#: Contact columns of the applications every export carries when the table has them
#: (the policy's ``matching.contact_columns`` are added).
CONTACT_COLUMNS = ("name", "first_name", "last_name", "email")
UNMATCHED_REASONS = (
    "no_allowed_partner",
    "below_min_score",
    "program_full",
    "partners_taken",
    "not_selected",
)
UNMATCHED_COLUMNS = ["participant_id", "role", "reason", "detail"]
REQUEST_COLUMNS = ["requester_id", "requested_id", "mutual", "forced", "matched", "note"]
DEFAULT_TIME_LIMIT = 60.0
#: Above this many (mentee, mentor) pairs, candidates="auto" takes the candidate path
#: (measured: 3,500 x 3,500 takes 3.0 s there and 7.1 s on the dense path; 2,000 x 2,000
#: 4.1 s and 1.8 s).
CANDIDATE_THRESHOLD = 9_000_000
#: Candidates per mentee and per mentor on the candidate path (enlarged where needed).
CANDIDATES_K = 10
#: Each person's next best pairs after those, kept aside and priced exactly every round.
CANDIDATES_RESERVE = 256


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class MatchResult:
    """The outcome of :func:`match`: who is paired with whom, who is not, and why.

    Attributes
    ----------
    pairs : DataFrame
        One row per pair: ``mentee_id``, ``mentor_id``, ``score`` (in [0, 1]),
        ``reason`` (``mutual_request``, ``locked`` or ``optimized``),
        ``matched_on`` (the assignment date, ``datetime64`` with no time of
        day; see the module notes), ``new_pair`` (``True`` for a pair this call
        made, ``False`` for a pair :func:`rematch` kept from the earlier result)
        and one column per scoring feature with its contribution to the score
        (they add up to ``score``). In the mentees' input order. No contact
        data: ids only (see ``contacts``).
    unmatched : DataFrame
        One row per applicant without a pair: ``participant_id``, ``role``,
        ``reason`` and ``detail`` (a sentence a coordinator can send). For an
        ineligible applicant, ``reason`` is the first failing eligibility rule
        and ``detail`` gives all of them; otherwise ``reason`` is one of
        ``no_allowed_partner`` (the rules or staff allow no partner at all),
        ``below_min_score`` (no allowed partner reaches the minimum score),
        ``program_full`` (``max_pairs`` was reached), ``partners_taken``
        (every compatible partner was matched with someone else in the
        optimum) or ``not_selected`` (a compatible partner was left free: a
        zero-value pair under ``score_first``, or a search stopped by its time
        limit). Every applicant is in exactly one of ``pairs`` and
        ``unmatched``.
    requests : DataFrame
        Every request in ``requested_ids``: ``requester_id``, ``requested_id``,
        ``mutual``, ``forced``, ``matched`` and a ``note`` (why a mutual request
        was not forced; one-sided requests are never forced).
    eligibility : DataFrame
        :func:`~mentormatch.check_eligibility`'s table.
    status : str
        ``"OPTIMAL"`` when the optimum is proven, ``"FEASIBLE"`` when the time
        limit stopped the search first (then ``best_bound`` and ``gap`` say how
        far from the optimum it may be).
    objective : float
        Sum of the pairs' scores.
    best_bound : float
        Proven upper bound on ``objective`` (among solutions with as many pairs
        when the policy puts pairs first).
    wall_time : float
        Seconds, end to end.
    policy : ProgramPolicy
    scores : ScoreMatrix or None
        Every pair's score (``None`` on the candidate path, which never holds
        the full matrix).
    scorer : PairScorer
        The fitted features: scores any pair or block on demand.
    settings : dict
        The arguments of the call (for :func:`rematch`).
    stats : dict
        Seconds per stage and model sizes.
    notes : tuple of str
        Sentences for staff about decisions and settings that changed the
        outcome without an error (ids only, no personal data): a policy
        ``capacity_cap`` above 1 that no ``capacity`` column uses, capacities
        left blank or capped, a staff lock (or a pair kept by :func:`rematch`)
        that overrides a pair rule or the minimum score, a mutual request
        forced below the minimum score, a contact column the policy lists that
        the applications lack.
    contacts : DataFrame
        The applicants' contact columns (``name``, ``first_name``,
        ``last_name``, ``email`` and the policy's ``matching.contact_columns``,
        those the applications have), indexed by applicant id. The exports
        put them next to the ids; ``pairs``, ``summary()`` and the notes never
        hold them.
    """

    pairs: pd.DataFrame
    unmatched: pd.DataFrame
    requests: pd.DataFrame
    eligibility: pd.DataFrame
    status: str
    objective: float
    best_bound: float
    wall_time: float
    policy: ProgramPolicy
    scores: Any = None
    scorer: Any = None
    settings: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    contacts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(index=pd.Index([])))

    @property
    def is_optimal(self) -> bool:
        """Whether the result is proven optimal."""
        return self.status == "OPTIMAL"

    @property
    def gap(self) -> float:
        """``best_bound - objective`` (0 when optimal)."""
        return max(0.0, self.best_bound - self.objective)

    @property
    def n_pairs(self) -> int:
        """Number of pairs."""
        return len(self.pairs)

    def explain(self, mentee_id: str, mentor_id: str) -> pd.DataFrame:
        """Each feature's value, weight and contribution for a pair, and whether it is allowed.

        Works for any mentee and mentor of the cohort, matched or not (see
        :meth:`mentormatch.scoring.PairScorer.explain`).
        """
        if self.scorer is None:
            raise param_error(
                "self", "MatchResult.explain", "a result made by match()", "no scorer"
            )
        return self.scorer.explain(mentee_id, mentor_id)

    # ------------------------------------------------------------------ text

    def _proof(self) -> str:
        extra = int(self.stats.get("solver", {}).get("gap_pairs", 0) or 0)
        more = (
            f"; up to {extra} more pair{'s' if extra != 1 else ''} may be possible" if extra else ""
        )
        if self.is_optimal:
            return "proven optimal"
        return f"time limit reached, not proven optimal (gap at most {self.gap:.4f}{more})"

    def summary(self) -> str:
        """A few lines for a terminal or a log (no personal data)."""
        n_apps = len(self.eligibility)
        n_matched = 2 * len(self.pairs) - _extra_mentee_slots(self.pairs)
        lines = [
            f"{len(self.pairs)} pairs ({n_matched} of {n_apps} applicants matched); "
            f"{len(self.unmatched)} unmatched.",
        ]
        if len(self.unmatched):
            counts = self.unmatched["reason"].value_counts()
            lines.append(
                "Unmatched by reason: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "."
            )
        if len(self.pairs):
            reasons = self.pairs["reason"].value_counts()
            lines.append(
                "Pairs by reason: "
                + ", ".join(f"{k} {v}" for k, v in reasons.items())
                + f"; mean score {self.pairs['score'].mean():.3f}."
            )
            if "matched_on" in self.pairs:
                lines.append(f"Matched on {_date_range(self.pairs['matched_on'])}.")
        lines.append(
            f"Status {self.status} ({self._proof()}); total score {self.objective:.4f}, "
            f"bound {self.best_bound:.4f}; {self.wall_time:.2f} s."
        )
        if self.notes:
            n = len(self.notes)
            lines.append(f"{n} note{'s' if n != 1 else ''} for staff: see result.notes.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<MatchResult {self.policy.name}: {len(self.pairs)} pairs, "
            f"{len(self.unmatched)} unmatched, {self.status}, objective {self.objective:.4f}>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(
            f"<p style='margin:0'>{esc(line)}</p>" for line in self.summary().split("\n")
        )
        pairs = self.pairs.head(10).to_html(index=False, float_format=lambda v: f"{v:.3f}")
        unmatched = self.unmatched.head(10).to_html(index=False)
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.notes)
        notes_html = (
            f"<details><summary>notes ({len(self.notes)})</summary><ul>{notes}</ul></details>"
            if self.notes
            else ""
        )
        return (
            f"<div><strong>MatchResult &mdash; {esc(self.policy.name)}</strong>{head}"
            f"<details open><summary>pairs ({len(self.pairs)}; first 10)</summary>{pairs}</details>"
            f"<details><summary>unmatched ({len(self.unmatched)}; first 10)</summary>"
            f"{unmatched}</details>{notes_html}</div>"
        )

    # ------------------------------------------------------------------ export

    def about(self) -> dict[str, Any]:
        """Facts about this result, as the exports' ``about`` sheet and ``_summary.csv`` list them.

        Program, the date written, status and proof, objective, bound, gap,
        counts, the assignment dates, the mentormatch version, the contact
        columns carried and every note (``note 1``, ``note 2``...).
        """
        from . import __version__

        facts: dict[str, Any] = {
            "program": self.policy.name,
            "written": _dt.datetime.now().replace(microsecond=0),
            "mentormatch_version": __version__,
            "status": self.status,
            "proof": self._proof(),
            "objective": self.objective,
            "best_bound": self.best_bound,
            "gap": self.gap,
            "pairs": len(self.pairs),
            "unmatched": len(self.unmatched),
            "applicants": len(self.eligibility),
        }
        if "matched_on" in self.pairs and len(self.pairs):
            facts["matched_on"] = _date_range(self.pairs["matched_on"])
        facts["contact_columns"] = ", ".join(map(str, self.contacts.columns)) or "none"
        facts["wall_time_s"] = round(self.wall_time, 3)
        facts["notes"] = len(self.notes)
        for k, note in enumerate(self.notes, start=1):
            facts[f"note {k}"] = note
        return facts

    def export_tables(self) -> dict[str, pd.DataFrame]:
        """The tables :meth:`to_csv` and :meth:`to_excel` write, before formatting.

        ``pairs`` with ``mentee_<contact>`` columns after ``mentee_id`` and
        ``mentor_<contact>`` after ``mentor_id``; ``unmatched`` with the
        contact columns after ``participant_id``; ``requests``; ``eligibility``
        (its reasons as ``;``-separated text). Full precision (the files round
        for display).
        """
        elig = self.eligibility.copy()
        elig["reasons"] = elig["reasons"].map(lambda r: "; ".join(r))
        return {
            "pairs": _with_contacts(
                self.pairs, self.contacts, [("mentee_id", "mentee_"), ("mentor_id", "mentor_")]
            ),
            "unmatched": _with_contacts(self.unmatched, self.contacts, [("participant_id", "")]),
            "requests": self.requests,
            "eligibility": elig,
        }

    def to_csv(self, path: str | Path) -> Path:
        """Write ``pairs`` to ``path`` and the other tables next to it.

        ``pairs.csv`` gets ``pairs_unmatched.csv``, ``pairs_requests.csv``,
        ``pairs_eligibility.csv`` and ``pairs_summary.csv`` (the facts of
        :meth:`about`: program, date written, status, objective, bound, gap,
        counts, version, notes) beside it. The pairs file is a valid pairs
        table of :func:`~mentormatch.check_cycle` and ``mentormatch check``
        (ids, ``matched_on`` as ``YYYY-MM-DD``). Contact columns sit next to
        the ids (see :meth:`export_tables`); scores are rounded to 3 decimals;
        text a spreadsheet would run as a formula gets a leading ``'``, which
        mentormatch's readers remove (see :mod:`mentormatch._export`). Each
        file is written whole or not at all.
        """
        from ._export import write_table

        p = Path(path)
        if p.suffix.lower() != ".csv":
            raise param_error("path", "MatchResult.to_csv", "a path ending in .csv", str(p))
        tables = self.export_tables()
        facts = self.about()
        tables["summary"] = pd.DataFrame(
            {"item": list(facts), "value": pd.Series(list(facts.values()), dtype=object)}
        )
        return write_table(tables, p, func="MatchResult.to_csv")

    def to_excel(self, path: str | Path) -> Path:
        """Write every table to one ``.xlsx`` workbook, a sheet each, after an ``about`` sheet.

        Sheets: ``about`` (the facts of :meth:`about`, notes included),
        ``pairs``, ``unmatched``, ``requests``, ``eligibility``. Headers are
        bold and frozen, with an autofilter and fitted column widths; scores
        keep their full value and show 3 decimals; ``matched_on`` is a date
        cell. Text is stored as text cells, exactly as it is (Excel never runs
        a text cell as a formula). The workbook is written whole or not at all.
        """
        from ._export import write_table

        p = Path(path)
        if p.suffix.lower() != ".xlsx":
            raise param_error("path", "MatchResult.to_excel", "a path ending in .xlsx", str(p))
        return write_table(self.export_tables(), p, func="MatchResult.to_excel", about=self.about())


def _date_range(dates: pd.Series) -> str:
    """``2026-09-01`` or ``2026-09-01 to 2026-11-03`` (blank when there are none)."""
    present = pd.to_datetime(dates).dropna()
    if present.empty:
        return "none"
    lo, hi = present.min(), present.max()
    first = lo.strftime("%Y-%m-%d")
    return first if lo == hi else f"{first} to {hi.strftime('%Y-%m-%d')}"


def _with_contacts(
    frame: pd.DataFrame, contacts: pd.DataFrame, keys: Sequence[tuple[str, str]]
) -> pd.DataFrame:
    """``frame`` with each key's contact columns (prefixed) right after the key column."""
    if contacts.shape[1] == 0:
        return frame
    out = frame.copy()
    for key, prefix in keys:
        ids = out[key].astype(str)
        at = list(out.columns).index(key) + 1
        for col in contacts.columns:
            name = f"{prefix}{col}"
            if name in out.columns:  # a column of that name already there: keep it
                continue
            values = contacts[col].reindex(ids.to_numpy()).to_numpy(dtype=object)
            out.insert(at, name, values)
            at += 1
    return out


def _extra_mentee_slots(pairs: pd.DataFrame) -> int:
    """Mentors counted once however many mentees they take."""
    if pairs.empty:
        return 0
    return int(len(pairs) - pairs["mentor_id"].nunique())


# --------------------------------------------------------------------------- parameters


def _pair_list(value: Any, name: str, func: str) -> list[tuple[str, str]]:
    expected = "pairs of (mentee_id, mentor_id), or a DataFrame with those columns"
    if value is None:
        return []
    if isinstance(value, pd.DataFrame):
        if not {"mentee_id", "mentor_id"} <= set(value.columns):
            raise param_error(name, func, expected, f"a DataFrame with {list(value.columns)}")
        return [
            (str(a), str(b)) for a, b in zip(value["mentee_id"], value["mentor_id"], strict=True)
        ]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise param_error(name, func, expected, value)
    out = []
    for item in value:
        if isinstance(item, (str, bytes)) or not isinstance(item, Iterable):
            raise param_error(name, func, expected, item)
        pair = tuple(item)
        if len(pair) != 2:
            raise param_error(name, func, expected, item)
        out.append((_id_text(pair[0]), _id_text(pair[1])))
    return out


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _orient(
    pairs: list[tuple[str, str]],
    mentee_pos: Mapping[str, int],
    mentor_pos: Mapping[str, int],
    name: str,
    func: str,
) -> list[tuple[int, int]]:
    """(mentee, mentor) ids -> matrix positions; either order is accepted."""
    out, bad = [], []
    for a, b in pairs:
        if a in mentee_pos and b in mentor_pos:
            out.append((mentee_pos[a], mentor_pos[b]))
        elif b in mentee_pos and a in mentor_pos:
            out.append((mentee_pos[b], mentor_pos[a]))
        else:
            bad.append((a, b))
    if bad:
        shown = ", ".join(f"({a!r}, {b!r})" for a, b in bad[:10])
        raise param_error(
            name,
            func,
            "pairs of a mentee's and a mentor's id from the applications",
            f"[{shown}{', ...' if len(bad) > 10 else ''}]",
        )
    return list(dict.fromkeys(out))


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
        Seconds for the optimizer (default 60); ``None`` for no limit. When it
        stops the search, ``status`` is ``"FEASIBLE"`` and the gap is reported.
        On the candidate path the optimizer includes the certificate (pairs
        scored again); the first pass over the cohort is not limited. An LP
        round, which cannot be interrupted, starts only if it can end in time
        (judged by the previous round), so the limit holds to about one
        pricing block.
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
    """:func:`match`; ``kept`` are the locked pairs :func:`rematch` keeps (worded so in notes)."""
    started = time.perf_counter()
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
    locked_ids = _pair_list(locked, "locked", func)
    forbidden_ids = _pair_list(forbidden, "forbidden", func)
    settings = {
        "weights": None if weights is None else dict(weights),
        "locked": locked_ids,
        "forbidden": forbidden_ids,
        "min_score": min_score,
        "max_pairs": max_pairs,
        "time_limit": time_limit,
        "extractors": extractors,
        "candidates": candidates,
    }

    stats: dict[str, Any] = {}
    with Reporter(progress, total_label="match") as report:
        report("validating and fitting features", 0.0)
        t0 = time.perf_counter()
        from .scoring import PairScorer

        scorer = PairScorer(pol, weights, extractors=extractors)._fit(applications, func=func)
        stats["fit_s"] = time.perf_counter() - t0
        stats.update(scorer.fit_times_)
        clash = [n for n in scorer.weights_ if n in PAIR_COLUMNS]
        if clash:
            raise param_error(
                "weights",
                func,
                "features named otherwise than the columns of result.pairs ("
                + ", ".join(map(repr, PAIR_COLUMNS))
                + ")",
                clash[0],
            )
        setup = _Setup.build(scorer, pol, locked_ids, forbidden_ids, max_pairs, func)
        n_cells = scorer.shape[0] * scorer.shape[1]
        use_candidates = candidates is True or (
            candidates == "auto" and n_cells > CANDIDATE_THRESHOLD
        )
        stats["path"] = "candidates" if use_candidates else "dense"
        run = _run_candidates if use_candidates else _run_dense
        outcome = run(
            scorer,
            setup,
            pol,
            min_score=min_score,
            time_limit=time_limit,
            report=report,
            stats=stats,
            client=client,
        )
        report("explaining", 0.97)
        t0 = time.perf_counter()
        result = _assemble(
            scorer,
            setup,
            outcome,
            pol,
            started=started,
            stats=stats,
            settings=settings,
            matched_on=assigned,
            kept=kept,
        )
        stats["explain_s"] = time.perf_counter() - t0
        report("done", 1.0)
    return result


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


@dataclass
class _Setup:
    """Staff decisions, capacities, priorities and requests, in matrix positions."""

    capacities: np.ndarray
    forced: list[tuple[int, int]]
    forced_reason: dict[tuple[int, int], str]
    locked: list[tuple[int, int]]
    forbidden: list[tuple[int, int]]
    requests: pd.DataFrame
    mentee_priority: np.ndarray | None
    mentor_priority: np.ndarray | None
    max_pairs: int | None
    notes: list[str]  # about capacities (the lock notes come after solving)

    @classmethod
    def build(
        cls,
        scorer: Any,
        policy: ProgramPolicy,
        locked_ids: list[tuple[str, str]],
        forbidden_ids: list[tuple[str, str]],
        max_pairs: int | None,
        func: str,
    ) -> _Setup:
        apps: pd.DataFrame = scorer.applications_
        mentees = apps.iloc[scorer.mentee_positions_].reset_index(drop=True)
        mentors = apps.iloc[scorer.mentor_positions_].reset_index(drop=True)
        mentee_pos = {k: i for i, k in enumerate(scorer.mentee_ids_)}
        mentor_pos = {k: j for j, k in enumerate(scorer.mentor_ids_)}
        locked = _orient(locked_ids, mentee_pos, mentor_pos, "locked", func)
        forbidden = _orient(forbidden_ids, mentee_pos, mentor_pos, "forbidden", func)

        capacities = np.ones(len(mentors), dtype=np.int64)
        if "capacity" in mentors.columns:
            capacities = mentors["capacity"].astype("Int64").fillna(1).to_numpy(dtype=np.int64)
        notes = _capacity_notes(mentors, capacities, policy)
        capacities = np.minimum(capacities, policy.matching.capacity_cap)

        _check_locks(locked, forbidden, scorer, capacities, max_pairs)
        requests, mutual_forced = _requests(
            mentees, mentors, scorer, locked, forbidden, capacities, max_pairs, policy
        )
        locked_set = set(locked)
        forced = list(locked) + [p for p in mutual_forced if p not in locked_set]
        forced_reason = {p: "mutual_request" for p in mutual_forced}
        forced_reason.update({p: "locked" for p in locked})

        mentee_priority = mentor_priority = None
        if policy.matching.favor_previously_unmatched and "previously_unmatched" in apps.columns:
            mentee_priority = mentees["previously_unmatched"].fillna(False).to_numpy(dtype=bool)
            mentor_priority = mentors["previously_unmatched"].fillna(False).to_numpy(dtype=bool)
            if not mentee_priority.any() and not mentor_priority.any():
                mentee_priority = mentor_priority = None
        return cls(
            capacities=capacities,
            forced=forced,
            forced_reason=forced_reason,
            locked=locked,
            forbidden=forbidden,
            requests=requests,
            mentee_priority=mentee_priority,
            mentor_priority=mentor_priority,
            max_pairs=max_pairs,
            notes=notes,
        )


def _capacity_notes(
    mentors: pd.DataFrame, capacities: np.ndarray, policy: ProgramPolicy
) -> list[str]:
    """What the capacities came to, when the policy and the table do not say it alone."""
    cap = policy.matching.capacity_cap
    if len(mentors) == 0:
        return []
    if "capacity" not in mentors.columns:
        if cap > 1:
            return [
                f"The policy lets a mentor take up to {cap} mentees (capacity_cap = {cap}), but "
                "the applications have no 'capacity' column, so every mentor takes at most 1 "
                "mentee. Add a 'capacity' column to let mentors take more."
            ]
        return []
    notes = []
    blank = int(mentors["capacity"].isna().sum())
    if blank and cap > 1:
        notes.append(
            f"{blank} mentor{'s' if blank != 1 else ''} left 'capacity' blank: "
            f"{'each takes' if blank != 1 else 'takes'} at most 1 mentee."
        )
    over = int((capacities > cap).sum())
    if over:
        notes.append(
            f"{over} mentor{'s' if over != 1 else ''} offered to take more than {cap} "
            f"mentee{'s' if cap != 1 else ''}; the policy caps every mentor at {cap} "
            f"(capacity_cap = {cap})."
        )
    return notes


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
    from .scoring import ScoreMatrix
    from .solver import solve_assignment

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
) -> _Outcome:
    from .candidates import (
        BlockSource,
        Cluster,
        block_rows,
        build_candidates,
        make_pricer,
        pair_features,
    )
    from .solver import solve_pairs

    t0 = time.perf_counter()
    source = BlockSource(scorer, setup.forbidden, min_score)
    cluster = None if client is None else Cluster(client)
    graph = build_candidates(
        scorer,
        k=CANDIDATES_K,
        reserve=CANDIDATES_RESERVE,
        forbidden=setup.forbidden,
        min_score=min_score,
        forced=setup.forced,
        progress=report.sub(0.05, 0.8),
        source=source,
        cluster=cluster,
    )
    stats["candidates_s"] = time.perf_counter() - t0
    remaining = time_limit  # the optimizer's, as on the dense path: the scan is not limited
    pricer = make_pricer(
        scorer,
        graph,
        forbidden=setup.forbidden,
        min_score=min_score,
        progress=report.sub(0.8, 0.95),
        deadline=None if remaining is None else time.perf_counter() + remaining,
        source=source,
        cluster=cluster,
    )
    report("solving and certifying", 0.8)
    t0 = time.perf_counter()
    solved = solve_pairs(
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
    stats["solve_s"] = time.perf_counter() - t0
    stats["solver"] = dict(solved.stats)
    stats["candidate_graph"] = dict(graph.stats)

    def pair_values(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, dict]:
        return pair_features(scorer, rows, cols)

    def free_partner(side: str, idx: np.ndarray, free_other: np.ndarray) -> np.ndarray:
        """Whether each of ``idx`` has a possible partner among the free others (blockwise)."""
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

    return _Outcome(
        solved=solved,
        scores=None,
        n_rule=graph.n_rule,
        n_staff=graph.n_staff,
        n_final=graph.n_final,
        best_staff=graph.best_staff,
        best_final=graph.best_final,
        pair_values=pair_values,
        free_partner=free_partner,
        min_score=min_score,
    )


def _check_locks(
    locked: list[tuple[int, int]],
    forbidden: list[tuple[int, int]],
    scorer: Any,
    capacities: np.ndarray,
    max_pairs: int | None,
) -> None:
    """Raise MatchInfeasibleError naming every contradiction among the locks."""
    conflicts: list[dict[str, Any]] = []
    mentee_ids, mentor_ids = scorer.mentee_ids_, scorer.mentor_ids_
    rules = scorer.rules_

    def add(pairs: list[tuple[int, int]], rule: str, detail: str) -> None:
        conflicts.append(
            {
                "pairs": [(str(mentee_ids[i]), str(mentor_ids[j])) for i, j in pairs],
                "rule": rule,
                "detail": detail,
            }
        )

    forbidden_set = set(forbidden)
    for i, j in locked:
        if (i, j) in forbidden_set:
            add([(i, j)], "forbidden", "The pair is both locked and forbidden.")
        if not rules.mentee_eligible[i]:
            add(
                [(i, j)],
                "mentee_ineligible",
                f"The mentee is not eligible: {rules.mentee_detail[i]}",
            )
        if not rules.mentor_eligible[j]:
            add(
                [(i, j)],
                "mentor_ineligible",
                f"The mentor is not eligible: {rules.mentor_detail[j]}",
            )
    by_mentee: dict[int, list[tuple[int, int]]] = {}
    by_mentor: dict[int, list[tuple[int, int]]] = {}
    for p in locked:
        by_mentee.setdefault(p[0], []).append(p)
        by_mentor.setdefault(p[1], []).append(p)
    for i, ps in by_mentee.items():
        if len(ps) > 1:
            add(
                ps,
                "one_mentor_per_mentee",
                f"Mentee {mentee_ids[i]!r} is locked to {len(ps)} mentors.",
            )
    for j, ps in by_mentor.items():
        if len(ps) > capacities[j]:
            add(
                ps,
                "mentor_capacity",
                f"Mentor {mentor_ids[j]!r} is locked to {len(ps)} mentees but may take "
                f"{int(capacities[j])}.",
            )
    if max_pairs is not None and len(locked) > max_pairs:
        add(locked, "max_pairs", f"{len(locked)} locked pairs exceed max_pairs = {max_pairs}.")
    if conflicts:
        frame = pd.DataFrame(conflicts, columns=["pairs", "rule", "detail"])
        lines = "\n".join(f"  - {c['rule']}: {c['pairs']}: {c['detail']}" for c in conflicts)
        raise MatchInfeasibleError(
            f"The locked pairs cannot all be made ({len(conflicts)} conflicts):\n{lines}", frame
        )


def _requests(
    mentees: pd.DataFrame,
    mentors: pd.DataFrame,
    scorer: Any,
    locked: list[tuple[int, int]],
    forbidden: list[tuple[int, int]],
    capacities: np.ndarray,
    max_pairs: int | None,
    policy: ProgramPolicy,
) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """Every request, whether it is mutual, and the mutual ones that are forced."""
    mentee_pos = {k: i for i, k in enumerate(scorer.mentee_ids_)}
    mentor_pos = {k: j for j, k in enumerate(scorer.mentor_ids_)}
    asked: list[tuple[str, str, int, int]] = []  # requester, requested, mentee pos, mentor pos
    for side, own, other in ((mentees, mentee_pos, mentor_pos), (mentors, mentor_pos, mentee_pos)):
        if "requested_ids" not in side.columns:
            continue
        exploded = side[["id", "requested_ids"]].explode("requested_ids").dropna()
        for requester, requested in zip(exploded["id"], exploded["requested_ids"], strict=True):
            requester, requested = str(requester), str(requested)
            if requested not in other:
                continue  # validation guarantees the id exists with the other role
            if own is mentee_pos:
                asked.append((requester, requested, own[requester], other[requested]))
            else:
                asked.append((requester, requested, other[requested], own[requester]))
    if not asked:
        return pd.DataFrame(columns=REQUEST_COLUMNS), []
    counts: dict[tuple[int, int], int] = {}
    for _, _, i, j in asked:
        counts[(i, j)] = counts.get((i, j), 0) + 1
    mutual_pairs = sorted(p for p, n in counts.items() if n >= 2)

    rules = scorer.rules_
    notes: dict[tuple[int, int], str] = {}
    candidates = []
    forbidden_set, locked_set = set(forbidden), set(locked)
    locked_mentee = {i: j for i, j in locked}
    locked_load: dict[int, int] = {}
    for _, j in locked:
        locked_load[j] = locked_load.get(j, 0) + 1
    for i, j in mutual_pairs:
        if (i, j) in locked_set:
            notes[(i, j)] = "mutual request; also locked by staff"
        elif not policy.matching.honor_mutual_requests:
            notes[(i, j)] = "mutual request; the policy does not force mutual requests"
        elif (i, j) in forbidden_set:
            notes[(i, j)] = "mutual request not honored: staff forbade this pair"
        elif not rules.allowed(np.array([i]), np.array([j]))[0, 0]:
            why = " ".join(s for _, s in rules.why_not(i, j))
            notes[(i, j)] = f"mutual request not honored: {why}"
        elif i in locked_mentee:
            other = scorer.mentor_ids_[locked_mentee[i]]
            notes[(i, j)] = f"mutual request not honored: staff locked the mentee with {other}"
        elif locked_load.get(j, 0) >= capacities[j]:
            notes[(i, j)] = "mutual request not honored: staff locks fill the mentor's places"
        else:
            candidates.append((i, j))
    # Mutual requests that clash with each other are not forced (none of the clashing ones).
    per_mentee: dict[int, int] = {}
    per_mentor: dict[int, int] = {}
    for i, j in candidates:
        per_mentee[i] = per_mentee.get(i, 0) + 1
        per_mentor[j] = per_mentor.get(j, 0) + 1
    forced = []
    for i, j in candidates:
        if per_mentee[i] > 1:
            notes[(i, j)] = "mutual request not forced: the mentee has several mutual requests"
        elif per_mentor[j] + locked_load.get(j, 0) > capacities[j]:
            notes[(i, j)] = (
                "mutual request not forced: the mentor has more mutual requests than places"
            )
        else:
            forced.append((i, j))
    if max_pairs is not None and len(locked) + len(forced) > max_pairs:
        for p in forced:
            notes[p] = (
                f"mutual request not forced: {len(locked) + len(forced)} forced pairs exceed "
                f"the {max_pairs} program spots"
            )
        forced = []
    for p in forced:
        notes[p] = "mutual request: forced"
    forced_set = set(forced) | locked_set
    rows = []
    for requester, requested, i, j in asked:
        mutual = counts[(i, j)] >= 2
        rows.append(
            {
                "requester_id": requester,
                "requested_id": requested,
                "mutual": mutual,
                "forced": (i, j) in forced_set,
                "matched": False,  # filled in after solving
                "note": notes[(i, j)] if mutual else "one-sided request: never forced",
                "_i": i,
                "_j": j,
            }
        )
    return pd.DataFrame(rows), forced


# --------------------------------------------------------------------------- assemble


def _assemble(
    scorer: Any,
    setup: _Setup,
    outcome: _Outcome,
    policy: ProgramPolicy,
    *,
    started: float,
    stats: dict[str, Any],
    settings: dict[str, Any],
    matched_on: pd.Timestamp,
    kept: frozenset[tuple[str, str]] = frozenset(),
) -> MatchResult:
    solved = outcome.solved
    chosen = np.asarray(solved.pairs, dtype=np.int64).reshape(-1, 2)
    rows, cols = chosen[:, 0], chosen[:, 1]
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    reason = np.array(
        [
            setup.forced_reason.get((int(i), int(j)), "optimized")
            for i, j in zip(rows, cols, strict=True)
        ],
        dtype=object,
    )
    total, features = outcome.pair_values(rows, cols)
    weights = scorer.weights_
    pairs = pd.DataFrame(
        {
            "mentee_id": pd.array(scorer.mentee_ids_[rows], dtype="string"),
            "mentor_id": pd.array(scorer.mentor_ids_[cols], dtype="string"),
            "score": np.asarray(total, dtype=np.float64),
            "reason": pd.array(reason, dtype="string"),
            "matched_on": pd.Series(
                np.full(len(rows), matched_on.to_datetime64()), dtype="datetime64[ns]"
            ),
            "new_pair": np.ones(len(rows), dtype=bool),
        }
    )
    for name, weight in weights.items():
        pairs[name] = np.asarray(features[name], dtype=np.float64) * weight
    notes = [
        *setup.notes,
        *_forced_notes(scorer, setup, outcome, rows, cols, pairs["score"].to_numpy(), kept),
    ]
    contacts, missing = _contacts(scorer.applications_, policy)
    if missing:
        listed = ", ".join(map(repr, missing))
        notes.append(
            f"The policy's contact column{'s' if len(missing) != 1 else ''} {listed} "
            f"{'are' if len(missing) != 1 else 'is'} not in the applications; the exports "
            "leave them out."
        )

    unmatched = _unmatched(scorer, setup, outcome, rows, cols)
    requests = setup.requests
    if len(requests):
        matched = set(zip(rows.tolist(), cols.tolist(), strict=True))
        requests = requests.assign(
            matched=[(i, j) in matched for i, j in zip(requests["_i"], requests["_j"], strict=True)]
        ).drop(columns=["_i", "_j"])
    else:
        requests = pd.DataFrame(columns=REQUEST_COLUMNS)

    objective = float(pairs["score"].sum())
    status = str(solved.status)
    best_bound = float(solved.best_bound)
    if status == "OPTIMAL":
        best_bound = objective
    else:
        best_bound = max(best_bound, objective)
    _check_accounted(scorer, pairs, unmatched)
    return MatchResult(
        pairs=pairs,
        unmatched=unmatched,
        requests=requests,
        eligibility=scorer.eligibility_,
        status=status,
        objective=objective,
        best_bound=best_bound,
        wall_time=time.perf_counter() - started,
        policy=policy,
        scores=outcome.scores,
        scorer=scorer,
        settings=settings,
        stats=stats,
        notes=tuple(notes),
        contacts=contacts,
    )


def _contacts(apps: pd.DataFrame, policy: ProgramPolicy) -> tuple[pd.DataFrame, list[str]]:
    """The applicants' contact columns, indexed by id, and the policy's that are missing."""
    # Column names as validation writes them ("E-mail" -> "e_mail", "Phone Number" -> ...).
    own = [re.sub(r"[\s\-]+", "_", c.strip().lower()) for c in policy.matching.contact_columns]
    wanted = list(dict.fromkeys([*CONTACT_COLUMNS, *own]))
    present = [c for c in wanted if c in apps.columns and c not in ("id", "role")]
    missing = [
        given
        for given, c in zip(policy.matching.contact_columns, own, strict=True)
        if c not in apps.columns
    ]
    frame = apps[present].copy()
    frame.index = pd.Index(apps["id"].astype(str).to_numpy(), name="id")
    return frame, missing


#: How a note names each pair rule a forced pair may override.
_RULE_WORDS = {
    "same_organization": (
        "same organization",
        "both list the same organization, and the program pairs people from different "
        "organizations.",
    ),
    "previous_partners": (
        "previous partners",
        "they were partners before, and earlier partners are not paired again.",
    ),
}


def _forced_notes(
    scorer: Any,
    setup: _Setup,
    outcome: _Outcome,
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    kept: frozenset[tuple[str, str]],
) -> list[str]:
    """One note per pair rule (and minimum score) a forced pair overrides (a loop per lock)."""
    rules = scorer.rules_
    min_score = outcome.min_score
    position = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(rows, cols, strict=True))}
    notes: list[str] = []
    for i, j in setup.forced:
        mentee, mentor = str(scorer.mentee_ids_[i]), str(scorer.mentor_ids_[j])
        is_lock = setup.forced_reason.get((i, j)) == "locked"
        if (mentee, mentor) in kept:
            who = f"The kept pair (mentee {mentee}, mentor {mentor})"
            verb, end = "no longer meets", "rematch keeps it."
        elif is_lock:
            who = f"The staff lock (mentee {mentee}, mentor {mentor})"
            verb, end = "overrides", "the pair is made as staff decided."
        else:
            who = f"The mutual request (mentee {mentee}, mentor {mentor})"
            verb, end = "is forced despite", "mutual requests are forced."
        broken: list[tuple[str, str]] = []
        if is_lock:
            for code, sentence in rules.why_not(i, j):
                if code in ("mentee_ineligible", "mentor_ineligible"):
                    continue  # a lock of an ineligible applicant is an error, not a note
                label, words = _RULE_WORDS.get(code, (code, sentence[:1].lower() + sentence[1:]))
                broken.append((label, words))
        k = position.get((i, j))
        if (
            min_score is not None
            and k is not None
            and np.float32(scores[k]) < np.float32(min_score)
        ):
            got, floor = _distinct_scores(float(np.float32(scores[k])), float(min_score))
            broken.append(
                (
                    "minimum score",
                    f"it scores {got}, below the minimum score of {floor} (which applies to "
                    "optimized pairs only).",
                )
            )
        for label, words in broken:
            notes.append(f"{who} {verb} the {label} rule: {words[:-1]}; {end}")
    return notes


def _distinct_scores(a: float, b: float, low: int = 2, high: int = 12) -> tuple[str, str]:
    """``a`` and ``b`` with the fewest decimals (at least ``low``) that tell them apart.

    Rounding is monotone, so when ``a < b`` the texts read ``a`` below ``b``
    ("0.4599, below the minimum of 0.46"); equal values print equal.
    """
    ta, tb = f"{a:.{low}f}", f"{b:.{low}f}"
    for d in range(low, high + 1):
        ta, tb = f"{a:.{d}f}", f"{b:.{d}f}"
        if ta != tb:
            break
    return ta, tb


def _unmatched(
    scorer: Any, setup: _Setup, outcome: _Outcome, rows: np.ndarray, cols: np.ndarray
) -> pd.DataFrame:
    """Every applicant without a pair, with the reason a coordinator can pass on."""
    elig = scorer.eligibility_
    records: list[dict[str, Any]] = []
    for pid, role, reasons, detail in zip(
        elig["participant_id"], elig["role"], elig["reasons"], elig["detail"], strict=True
    ):
        if reasons:
            records.append(
                {
                    "participant_id": str(pid),
                    "role": str(role),
                    "reason": reasons[0],
                    "detail": detail,
                }
            )

    n_mentees, n_mentors = scorer.shape
    load = np.bincount(cols, minlength=n_mentors)
    mentee_free = np.ones(n_mentees, dtype=bool)
    mentee_free[rows] = False
    mentor_free = load < setup.capacities
    full = setup.max_pairs is not None and len(rows) >= setup.max_pairs
    min_score = outcome.min_score

    sides = (
        (
            "mentee",
            0,
            np.flatnonzero(mentee_free & scorer.rules_.mentee_eligible),
            mentor_free,
            scorer.mentee_ids_,
        ),
        (
            "mentor",
            1,
            np.flatnonzero((load == 0) & scorer.rules_.mentor_eligible),
            mentee_free,
            scorer.mentor_ids_,
        ),
    )
    for side, s, idx, free_other, ids in sides:
        other = "mentor" if side == "mentee" else "mentee"
        n_rule = outcome.n_rule[s][idx]
        n_staff = outcome.n_staff[s][idx]
        n_final = outcome.n_final[s][idx]
        need_free = (n_final > 0) & (not full)
        has_free = np.zeros(len(idx), dtype=bool)
        if need_free.any():
            has_free[need_free] = outcome.free_partner(side, idx[need_free], free_other)
        for k, person in enumerate(idx.tolist()):
            best_staff = float(outcome.best_staff[s][person])
            best = float(outcome.best_final[s][person])
            n = int(n_final[k])
            plural = other + ("s" if n != 1 else "")
            if n_rule[k] == 0:
                code, detail = "no_allowed_partner", _no_partner_detail(scorer.rules_, side, person)
            elif n_staff[k] == 0:
                code = "no_allowed_partner"
                detail = f"Staff excluded every {other} the program's rules allow for this {side}."
            elif n == 0:
                code = "below_min_score"
                best_text, floor_text = _distinct_scores(best_staff, float(min_score))  # type: ignore[arg-type]
                detail = (
                    f"The best possible {other} scored {best_text}, below the program's "
                    f"minimum score of {floor_text}."
                )
            elif full:
                code = "program_full"
                detail = (
                    f"All {setup.max_pairs} program spots were filled; this {side} had {n} "
                    f"possible {plural} (best score {best:.2f})."
                )
            elif has_free[k]:
                code = "not_selected"
                detail = (
                    f"A compatible {other} was left free, but pairing them added nothing to the "
                    "objective or the search stopped at its time limit; staff may pair them by "
                    "hand."
                )
            elif n == 1:
                code = "partners_taken"
                detail = (
                    f"The only {other} who could be paired with this {side} was matched with "
                    f"someone else (that pair would have scored {best:.2f})."
                )
            else:
                code = "partners_taken"
                detail = (
                    f"Each of the {n} {plural} who could be paired with this {side} was matched "
                    f"with someone else (the best of them scored {best:.2f} with this {side})."
                )
            records.append(
                {"participant_id": str(ids[person]), "role": side, "reason": code, "detail": detail}
            )
    frame = pd.DataFrame(records, columns=UNMATCHED_COLUMNS)
    order = {pid: k for k, pid in enumerate(elig["participant_id"])}
    frame = frame.iloc[np.argsort([order[p] for p in frame["participant_id"]], kind="stable")]
    return frame.reset_index(drop=True).astype("string")


def _no_partner_detail(rules: Any, side: str, k: int) -> str:
    """Why the rules allow no partner at all: counts per rule over the other side."""
    if side == "mentee":
        other_eligible = rules.mentor_eligible
        block = lambda: rules.allowed(np.array([k]), np.arange(len(other_eligible)))[0]  # noqa: E731
        other = "mentor"
    else:
        other_eligible = rules.mentee_eligible
        block = lambda: rules.allowed(np.arange(len(other_eligible)), np.array([k]))[:, 0]  # noqa: E731
        other = "mentee"
    n_eligible = int(other_eligible.sum())
    if n_eligible == 0:
        return f"No eligible {other} applied, so no {other} can be offered."
    reasons: list[str] = []
    if rules.mentee_org is not None and rules.mentor_org is not None:
        mine = rules.mentee_org[k] if side == "mentee" else rules.mentor_org[k]
        theirs = rules.mentor_org if side == "mentee" else rules.mentee_org
        same = int(((theirs == mine) & (mine >= 0) & other_eligible).sum())
        if same:
            reasons.append(f"{same} work{'s' if same == 1 else ''} at the same organization")
    if rules.previous is not None and rules.previous.nnz:
        prev = (
            rules.previous[k].toarray()[0]
            if side == "mentee"
            else rules.previous[:, k].toarray()[:, 0]
        )
        n_prev = int((prev & other_eligible).sum())
        if n_prev:
            reasons.append(
                f"{n_prev} {'is a previous partner' if n_prev == 1 else 'are previous partners'}"
            )
    for p in rules.pairwise:
        if side == "mentee":
            fail = ~(p.mentor_values > p.mentee_values[k])
        else:
            fail = ~(p.mentor_values[k] > p.mentee_values)
        n_fail = int((fail & other_eligible).sum())
        if n_fail:
            reasons.append(f"{n_fail} fail the {p.rule.code} rule")
    assert not block().any()
    listed = "; ".join(reasons) if reasons else "the pair rules exclude them"
    return (
        f"None of the {n_eligible} eligible {other}{'s' if n_eligible != 1 else ''} can be paired "
        f"with this {side} under the program's rules: {listed}."
    )


def _check_accounted(scorer: Any, pairs: pd.DataFrame, unmatched: pd.DataFrame) -> None:
    """Every applicant in exactly one of pairs / unmatched (an internal invariant)."""
    ids = set(scorer.eligibility_["participant_id"].astype(str))
    in_pairs = set(pairs["mentee_id"].astype(str)) | set(pairs["mentor_id"].astype(str))
    in_unmatched = list(unmatched["participant_id"].astype(str))
    if (
        in_pairs & set(in_unmatched)
        or len(set(in_unmatched)) != len(in_unmatched)
        or (in_pairs | set(in_unmatched)) != ids
        or pairs["mentee_id"].duplicated().any()
    ):
        raise RuntimeError(  # pragma: no cover - a bug, not an input problem
            "mentormatch internal error: an applicant is missing from, or repeated in, "
            "pairs/unmatched. Please report it."
        )


# --------------------------------------------------------------------------- rematch


def rematch(
    result: MatchResult,
    applications: Any,
    dissolve: Iterable[tuple[str, str]] = (),
    *,
    locked: Any = (),
    forbidden: Any = (),
    time_limit: float | None = None,
    progress: ProgressLike = False,
    client: Any = None,
    matched_on: Any = None,
) -> MatchResult:
    """Dissolve some pairs and match again, keeping every other pair.

    The kept pairs are locked, the dissolved ones forbidden (as are the earlier
    call's forbidden pairs), and everyone freed is matched together with the
    applicants still unmatched (AMCTO: "so that a new match can be made").
    Rolling intake (3CMA registers at any time) uses the same path: pass the
    applications with the newcomers added; existing pairs are kept and the
    newcomers matched.

    Parameters
    ----------
    result : MatchResult
        The earlier result.
    applications : DataFrame or iterable of dict
        The applications now: the earlier ones (updated if need be) plus any
        newcomers. Every person of a kept pair must still be in it.
    dissolve : iterable of (mentee_id, mentor_id)
        Pairs of ``result.pairs`` to undo.
    locked, forbidden : optional
        Further staff decisions, added to the earlier ones.
    time_limit : float, optional
        Defaults to the earlier call's.
    progress : bool or callable
    client : dask.distributed.Client, optional
        As in :func:`match` (the earlier call's client is not kept).
    matched_on : str, date or Timestamp, optional
        The assignment date of the new pairs, with the same default as in
        :func:`match` (today while a cycle is under way).

    Returns
    -------
    MatchResult
        The kept pairs keep their earlier ``reason`` and ``matched_on`` and
        have ``new_pair`` False; the pairs made now have ``new_pair`` True and
        this call's ``matched_on``. ``stats["kept_pairs"]`` counts the kept
        ones. A kept pair that no longer meets a pair rule stays, with a note.
    """
    func = "rematch"
    if not isinstance(result, MatchResult):
        raise param_error("result", func, "a MatchResult from match()", type(result).__name__)
    assigned = _assignment_date(matched_on, result.policy, func)
    dissolved = _pair_list(dissolve, "dissolve", func)
    current = {
        (str(a), str(b)): str(r)
        for a, b, r in zip(
            result.pairs["mentee_id"],
            result.pairs["mentor_id"],
            result.pairs["reason"],
            strict=True,
        )
    }
    if "matched_on" in result.pairs:
        earlier = pd.to_datetime(result.pairs["matched_on"])
    else:  # a result whose pairs lost the column: the kept pairs' dates are unknown
        earlier = pd.Series(pd.NaT, index=result.pairs.index, dtype="datetime64[ns]")
    dates = dict(zip(current, earlier.to_numpy(dtype="datetime64[ns]"), strict=True))
    canonical = []
    unknown = []
    for a, b in dissolved:
        if (a, b) in current:
            canonical.append((a, b))
        elif (b, a) in current:
            canonical.append((b, a))
        else:
            unknown.append((a, b))
    if unknown:
        raise param_error("dissolve", func, "pairs of result.pairs (mentee_id, mentor_id)", unknown)
    gone = set(canonical)
    kept = [p for p in current if p not in gone]
    settings = dict(result.settings)
    all_forbidden = list(
        dict.fromkeys(
            list(settings.get("forbidden", []))
            + canonical
            + _pair_list(forbidden, "forbidden", func)
        )
    )
    all_locked = list(dict.fromkeys(kept + _pair_list(locked, "locked", func)))
    # Kept pairs stay even if they no longer meet a pair rule; a missing person is an error.
    try:
        new = _match(
            applications,
            result.policy,
            weights=settings.get("weights"),
            locked=all_locked,
            forbidden=all_forbidden,
            min_score=settings.get("min_score"),
            max_pairs=settings.get("max_pairs"),
            time_limit=settings.get("time_limit", DEFAULT_TIME_LIMIT)
            if time_limit is None
            else time_limit,
            progress=progress,
            extractors=settings.get("extractors"),
            candidates=settings.get("candidates", "auto"),
            client=client,
            matched_on=assigned,
            func="match",
            kept=frozenset(kept),
        )
    except ParameterError as exc:
        if "'locked' parameter" in str(exc):
            raise param_error(
                "applications",
                func,
                "a table that still holds everyone of the kept pairs",
                "a table without some of them",
            ) from exc
        raise
    reasons = new.pairs["reason"].to_numpy(dtype=object)
    on = new.pairs["matched_on"].to_numpy(dtype="datetime64[ns]").copy()
    fresh = new.pairs["new_pair"].to_numpy(dtype=bool).copy()
    for k, (a, b) in enumerate(zip(new.pairs["mentee_id"], new.pairs["mentor_id"], strict=True)):
        if (str(a), str(b)) in current and (str(a), str(b)) not in gone:
            reasons[k] = current[(str(a), str(b))]
            on[k] = dates[(str(a), str(b))]
            fresh[k] = False
    new.pairs["reason"] = pd.array(reasons, dtype="string")
    new.pairs["matched_on"] = pd.Series(on, index=new.pairs.index, dtype="datetime64[ns]")
    new.pairs["new_pair"] = fresh
    new.stats["kept_pairs"] = len(kept)
    new.stats["dissolved_pairs"] = len(canonical)
    return new
