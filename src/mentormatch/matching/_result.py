"""The result of :func:`~mentormatch.match`: :class:`MatchResult`, its tables' columns and its exports."""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._params import param_error
from .._policy import ProgramPolicy

__all__ = ["MatchResult"]

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


# --------------------------------------------------------------------------- result


class _PairsWithMargins:
    """``MatchResult.pairs``: the table, with its margin columns filled on first access.

    The margins take one shortest path (or one solve) per pair, so they are
    computed when ``pairs`` is first read (when cheap; else by
    :meth:`MatchResult.margins`), not by :func:`match`.
    """

    slot = "_pairs_table"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        table = obj.__dict__[self.slot]
        ctx = obj.__dict__.get("_context")
        if ctx is not None and "margin" not in table.columns and len(table) == len(ctx.rows):
            from ._whynot import margins, margins_are_cheap, pending_margins

            if margins_are_cheap(ctx):
                extra = margins(ctx, obj.policy.matching.close_call_margin)
            else:
                extra = pending_margins(len(table))
                ctx.stats["margins"] = "pending: result.margins() computes them"
            table = _with_columns(table, extra)
            obj.__dict__[self.slot] = table
        return table

    def __set__(self, obj: Any, value: pd.DataFrame) -> None:
        obj.__dict__[self.slot] = value


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
        (they add up to ``score``), then ``margin_pairs``, ``margin`` and
        ``close_call``: how much this result has more than ``match(...,
        forbidden=[pair])`` would give, in pairs and in total score (exact;
        ``<NA>`` and ``nan`` for a staff lock, which cannot be forbidden), and
        whether the pair was a coin toss: forbidding it costs no pair, no
        previously unmatched applicant and less than the policy's
        ``matching.close_call_margin`` (0.01) of score. The margins are
        computed when ``pairs`` is first read (one shortest path per pair on
        the dense path; one solve per pair otherwise) when that is cheap;
        larger results hold ``<NA>`` until :meth:`margins` is called (see
        there). In the mentees' input
        order. No contact data: ids only (see ``contacts``).
    unmatched : DataFrame
        One row per applicant without a pair: ``participant_id``, ``role``,
        ``reason`` and ``detail`` (a sentence a coordinator can send). For an
        ineligible applicant, ``reason`` is every failing eligibility rule
        (codes joined by ``"; "``: ``"membership; commitment"``) and ``detail``
        has one sentence for each; otherwise ``reason`` is one of
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
    _context: Any = field(default=None, repr=False)

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

    def why_not(self, mentee_id: str, mentor_id: str) -> Any:
        """Why a pair is not in the result, and exactly what forcing it would cost.

        Parameters
        ----------
        mentee_id, mentor_id : str
            Any mentee and mentor of the cohort.

        Returns
        -------
        WhyNot
            ``allowed`` and ``rules`` (the codes that forbid the pair),
            ``in_result``, and for an allowed pair ``pairs_change``,
            ``score_change`` and ``priority_change``: what ``match(...,
            locked=[(mentee_id, mentor_id)])`` with every other argument the
            same gives minus this result; ``changes`` (the pairs added and
            dropped) and ``detail`` (a sentence for the applicant or the
            committee). See :mod:`mentormatch.matching._whynot` for how.

        Examples
        --------
        >>> import mentormatch as mm
        >>> apps = mm.datasets.make_cohort(n_mentors=8, n_mentees=8, seed=3)
        >>> result = mm.match(apps, "amcto")
        >>> pair = result.pairs.iloc[0]
        >>> result.why_not(pair["mentee_id"], pair["mentor_id"]).in_result
        True
        """
        from ._whynot import why_not

        return why_not(self._need_context("why_not"), mentee_id, mentor_id, "MatchResult.why_not")

    def alternatives(self, participant_id: str, k: int = 3) -> pd.DataFrame:
        """The ``k`` best other partners of one applicant, best first, with their why_not numbers.

        Parameters
        ----------
        participant_id : str
            A mentee's or a mentor's id.
        k : int
            How many partners (default 3).

        Returns
        -------
        DataFrame
            ``partner_id``, ``score`` (the pair's), ``pairs_change``,
            ``score_change``, ``priority_change`` (what locking that pair would
            change, as :meth:`why_not`), ``n_changes`` (pairs added or dropped)
            and ``detail``; partners the rules, staff or minimum score forbid,
            the current partners, and partners the staff's decisions hold are
            left out (when the person or the partner is in a locked pair or a
            forced mutual request that fills the partner's places: locking them
            would override that decision; ask :meth:`why_not` for them). One
            shortest path ranks every partner on the dense path (exact);
            without the dual (candidate path, a binding ``max_pairs``, a
            time-limited result) each partner costs one solve, and only the 30
            best-scoring allowed partners are compared
            (``result.stats["alternatives_considered"]``). Ordered as the optimizer
            ranks solutions: pairs first (under ``pairs_first``), then
            previously unmatched applicants, then score.
        """
        from ._whynot import alternatives

        return alternatives(
            self._need_context("alternatives"), participant_id, k, "MatchResult.alternatives"
        )

    def margins(self) -> pd.DataFrame:
        """Compute the margin columns of ``pairs`` (if not done) and return ``pairs``.

        ``pairs`` computes them on first access when that is cheap (dense
        results up to 2e9 pairs x mentees x mentors, about 1,250 x 1,250;
        200 pairs otherwise). Larger results hold ``<NA>`` until this is
        called: then ``close_call`` is exact for every pair and ``margin`` is
        exact for the close calls (each shortest path stops at the threshold;
        5,000 x 5,000 takes about 100 s); without the dual (candidate path, a
        binding ``max_pairs``, a time-limited result) each margin is a solve,
        and results of more than 200 pairs keep ``<NA>``.
        ``result.stats["margins"]`` says which.
        """
        from ._whynot import margins

        ctx = self._need_context("margins")
        table = self.pairs
        if len(table) and table["close_call"].isna().all():
            extra = margins(ctx, self.policy.matching.close_call_margin)
            table = _with_columns(table.drop(columns=list(extra.columns)), extra)
            self.__dict__[_PairsWithMargins.slot] = table
        return table

    def _need_context(self, name: str) -> Any:
        if self._context is None:
            raise param_error(
                "self", f"MatchResult.{name}", "a result made by match() or rematch()", "none"
            )
        return self._context

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
            if "close_call" in self.pairs and self.pairs["close_call"].isna().all():
                lines.append("Close calls: not computed (result.margins() computes them).")
            elif "close_call" in self.pairs:
                close = int(self.pairs["close_call"].sum())
                lines.append(
                    f"{close} close call{'s' if close != 1 else ''} (forbidding the pair would "
                    f"cost less than {self.policy.matching.close_call_margin:g} of score)."
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
        from .. import __version__

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
        from .._export import write_table

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
        from .._export import write_table

        p = Path(path)
        if p.suffix.lower() != ".xlsx":
            raise param_error("path", "MatchResult.to_excel", "a path ending in .xlsx", str(p))
        return write_table(self.export_tables(), p, func="MatchResult.to_excel", about=self.about())


def _with_columns(table: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for name in extra.columns:
        out[name] = extra[name].array
    return out


# Installed after the dataclass is made: its __init__ stores ``pairs`` through it.
MatchResult.pairs = _PairsWithMargins()


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
