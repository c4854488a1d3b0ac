"""What every cycle rule reads and writes: :class:`Context` and :class:`Found`.

In come the pairs' cycle windows (day numbers), the meetings used (after
reconciling the two sides' logs) and the events on or before ``as_of``, gathered
by :func:`~mentormatch.compliance._check.check_cycle` into one :class:`Context`
with the derived arrays every rule shares (first and last meeting, gaps, whole
months); out go, per rule, a :class:`Found` of violations and upcoming deadlines.
Also here: the helpers shared by several rules (text building, ``reconcile`` of
two logs, when paperwork may be dated, the "judged at the end" bookkeeping).

Conventions shared by every rule
--------------------------------
* A deadline ``D`` is missed when ``as_of`` is after ``D``: on the due day
  itself the pair still has time ("nothing is judged before it is due").
* A calendar month is judged once it is over (``as_of`` after its last day),
  and only whole months inside a pair's cycle are judged.
* "At the end" rules (relationship length, in-person meeting, assessment
  count) are judged once ``as_of`` is after the pair's cycle end, never for an
  open-ended cycle (listed in ``not_checked`` instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._policy import EVENT_LABELS, CycleRule, ProgramPolicy
from ._calendar import (
    OPEN,
    add_months,
    date_text,
    month_end,
    month_of,
    month_start,
    num_text,
)
from ._tables import COMPLETED_REASONS

__all__ = [
    "Context",
    "Found",
    "cat",
    "paperwork_opens",
    "plural",
    "reconcile",
]


def cat(*parts: Any) -> np.ndarray:
    """Element-wise concatenation of text arrays and plain strings (object array)."""
    n = max((len(p) for p in parts if isinstance(p, np.ndarray)), default=1)
    out = np.full(n, "", dtype=object)
    for p in parts:
        out = out + (p.astype(object) if isinstance(p, np.ndarray) else str(p))
    return out


def D(days: np.ndarray) -> np.ndarray:
    """Dates as ``YYYY-MM-DD`` text (short name: sentences read better)."""
    return date_text(days)


def plural(count: np.ndarray, word: str, words: str | None = None) -> np.ndarray:
    """``word`` where the count is 1, its plural elsewhere."""
    return np.where(np.asarray(count) == 1, word, words or word + "s").astype(object)


_FORM_LABELS = EVENT_LABELS
_SIDES = ("mentor", "mentee")
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


@dataclass
class Found:
    """Violations and next deadlines written by one rule."""

    code: str
    severity: str
    violations: list[dict[str, np.ndarray]] = field(default_factory=list)
    upcoming: list[dict[str, np.ndarray]] = field(default_factory=list)

    def violation(
        self,
        pair: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        detail: np.ndarray,
        side: np.ndarray | int = -1,
    ) -> None:
        k = len(pair)
        if k == 0:
            return
        self.violations.append(
            {
                "pair": np.asarray(pair, dtype=np.int64),
                "side": np.broadcast_to(np.asarray(side, dtype=np.int8), (k,)).copy(),
                "start": np.broadcast_to(np.asarray(start, dtype=np.int64), (k,)).copy(),
                "end": np.broadcast_to(np.asarray(end, dtype=np.int64), (k,)).copy(),
                "detail": np.broadcast_to(np.asarray(detail, dtype=object), (k,)).copy(),
            }
        )

    def due(
        self, pair: np.ndarray, due: np.ndarray, action: np.ndarray, side: np.ndarray | int = -1
    ) -> None:
        """Something pair ``pair`` must do by ``due``; ``{}`` in ``action`` is the date."""
        k = len(pair)
        if k == 0:
            return
        due = np.broadcast_to(np.asarray(due, dtype=np.int64), (k,)).copy()
        text = np.broadcast_to(np.asarray(action, dtype=object), (k,))
        string = np.dtypes.StringDType()
        text = np.strings.replace(text.astype(string), "{}", D(due).astype(string)).astype(object)
        self.upcoming.append(
            {
                "pair": np.asarray(pair, dtype=np.int64),
                "side": np.broadcast_to(np.asarray(side, dtype=np.int8), (k,)).copy(),
                "due": due,
                "action": text,
            }
        )


@dataclass
class Context:
    """Everything a rule reads. Day numbers throughout (see ``_calendar``).

    Meetings (``m_*``) are the meetings used, one row per meeting after
    reconciling the two sides' logs, sorted by pair then day. The per-side log
    (``s_*``) holds every in-window row with its reporting side and
    ``s_partner``, the position of the other side's row reconciled with it
    (``-1``: none), or is ``None`` when the table has no ``reported_by``. Events
    (``e_*``) are those on or before ``as_of``; ``has_events`` is False when no
    events table was given. ``formed``: the first day each pair's forms and plan
    may be dated (:func:`paperwork_opens`).
    """

    policy: ProgramPolicy
    as_of: int
    start: np.ndarray
    end: np.ndarray
    assign: np.ndarray
    formed: np.ndarray
    m_pair: np.ndarray
    m_day: np.ndarray
    m_minutes: np.ndarray
    m_mode: np.ndarray | None
    s_pair: np.ndarray | None
    s_day: np.ndarray | None
    s_minutes: np.ndarray | None
    s_side: np.ndarray | None
    s_partner: np.ndarray | None
    has_events: bool
    e_row: np.ndarray
    e_pair: np.ndarray
    e_kind: np.ndarray
    e_day: np.ndarray
    e_side: np.ndarray
    # the pair ended (ended_on) before its cycle's end, and why (END_REASONS; None: not ended)
    ended: np.ndarray | None = None
    reason: np.ndarray | None = None
    # each pair's mentor and mentee as person codes (pairs sharing a person share its code)
    person: tuple[np.ndarray, np.ndarray] | None = None
    not_checked: list[tuple[str, str]] = field(default_factory=list)
    # (rows, why): why is one sentence, or one per row
    unused_events: list[tuple[np.ndarray, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.start)
        self.n = n
        self.is_ended: np.ndarray = (
            np.zeros(n, dtype=bool) if self.ended is None else np.asarray(self.ended, bool)
        )
        self.why_ended: np.ndarray = (
            np.full(n, None, dtype=object) if self.reason is None else self.reason
        )
        self.persons: tuple[np.ndarray, np.ndarray] = (
            (np.arange(n), np.arange(n)) if self.person is None else self.person
        )
        completed = np.isin(self.why_ended, np.array(COMPLETED_REASONS, dtype=object))
        #: ended before the cycle's end for a reason that does not complete the mentorship
        self.ended_early = self.is_ended & ~completed
        self.horizon = np.minimum(self.as_of, self.end)
        self.started = self.start <= self.as_of
        self.closed = self.as_of > self.end  # the cycle is over (never for open-ended)
        counts = np.bincount(self.m_pair, minlength=n)
        self.m_count = counts
        offsets = np.concatenate([[0], np.cumsum(counts)])
        has = counts > 0
        self.first_day = np.full(n, OPEN, dtype=np.int64)
        self.last_day = np.full(n, OPEN, dtype=np.int64)
        self.first_day[has] = self.m_day[offsets[:-1][has]]
        self.last_day[has] = self.m_day[offsets[1:][has] - 1]
        self.has_meeting = has
        # gaps: each meeting from the previous one (or from the pair's start)
        first_of_pair = np.ones(len(self.m_pair), dtype=bool)
        first_of_pair[1:] = self.m_pair[1:] != self.m_pair[:-1]
        prev = np.empty_like(self.m_day)
        prev[1:] = self.m_day[:-1]
        prev[first_of_pair] = self.start[self.m_pair[first_of_pair]]
        self.m_prev = prev
        self.m_is_first = first_of_pair
        self.m_gap = self.m_day - prev
        self.last_or_start = np.where(has, self.last_day, self.start)
        self.tail = np.where(self.started, self.horizon - self.last_or_start, 0)
        self._grid: tuple[np.ndarray, ...] | None = None

    # -------------------------------------------------------------- helpers

    def end_words(self) -> np.ndarray:
        """Per pair, how its end reads in a sentence: "the cycle ended" / "the pair ended"."""
        return np.where(self.is_ended, "the pair ended", "the cycle ended").astype(object)

    def skip_ended_early(self, rule: CycleRule, why: str) -> np.ndarray:
        """The pairs an end-of-cycle rule is judged for: not those that ended early.

        A pair that ended before its cycle's end for a reason that does not complete
        the mentorship (no-fault, withdrawn, rematched, removed) is not judged by
        it; ``not_checked`` says how many and why. Returns the mask of the others.
        """
        early = self.ended_early
        k = int(early.sum())
        if k:
            reasons = ", ".join(sorted({str(r) for r in self.why_ended[early]}))
            self.not_checked.append(
                (
                    rule.code,
                    f"{k} pair{'s' if k != 1 else ''} ended early ({reasons}): the rule {why}, "
                    "and the program accepted the end (ended_on, end_reason)",
                )
            )
        return ~early

    def events_of(self, kind: str) -> np.ndarray:
        return np.flatnonzero(self.e_kind == kind)

    def first_event(
        self,
        kind: str,
        side: int | None = None,
        since: np.ndarray | None = None,
        what: str = "cycle start",
        why: np.ndarray | None = None,
        joint: bool = False,
    ) -> np.ndarray:
        """Each pair's earliest event of a kind (``OPEN`` when none).

        ``since`` (one day per pair): rows dated before it do not count; they are
        listed in ``unused_events`` (e.g. a survey dated before the pair's cycle),
        with the reason "before the pair's {what} (date)" or, given, ``why`` (one
        sentence per pair). ``joint``: with ``side``, rows without a
        ``participant_id`` count too (a form both participants signed).
        """
        idx = self.events_of(kind)
        if side is not None:  # joint: rows without a participant count for each side
            idx = idx[(self.e_side[idx] == side) | (joint & (self.e_side[idx] < 0))]
        if since is not None:
            early = self.e_day[idx] < since[self.e_pair[idx]]
            if why is None:
                self.early_events(idx[early], since, what)
            elif early.any():
                self.unused_events.append((self.e_row[idx[early]], why[self.e_pair[idx[early]]]))
            idx = idx[~early]
        out = np.full(self.n, OPEN, dtype=np.int64)
        np.minimum.at(out, self.e_pair[idx], self.e_day[idx])
        return out

    def early_events(self, idx: np.ndarray, since: np.ndarray, what: str = "cycle start") -> None:
        """Report the events ``idx`` as unused: dated before their pair's ``since`` day."""
        if len(idx):
            why = cat(f"before the pair's {what} (", date_text(since[self.e_pair[idx]]), ")")
            self.unused_events.append((self.e_row[idx], why))

    def paperwork_reasons(self) -> np.ndarray:
        """Per pair, why a form or plan dated before ``formed`` does not count."""
        return np.where(
            self.formed == self.assign,
            cat("before the pair's assignment (", date_text(self.formed), ")"),
            cat("from an earlier cycle (dated before ", date_text(self.formed), ")"),
        )

    def whole_months(self) -> tuple[np.ndarray, np.ndarray]:
        """Each pair's first and last calendar month lying entirely in its cycle."""
        ms = month_of(self.start)
        first = ms + (self.start != month_start(ms))
        me = month_of(np.minimum(self.end, OPEN - 1))
        last = np.where(
            self.end >= OPEN, np.iinfo(np.int64).max // 4, me - (self.end != month_end(me))
        )
        return first, last

    def month_grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Judged months: (pair, month, meetings, minutes) for every whole month that is over."""
        if self._grid is None:
            first, last = self.whole_months()
            last = np.minimum(last, month_of(np.asarray(self.as_of)) - 1)
            pair, month = _expand(first, last)
            count, minutes = self.month_totals(pair, month)
            self._grid = (pair, month, count, minutes)
        return self._grid  # type: ignore[return-value]

    def month_totals(self, pair: np.ndarray, month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Meetings and minutes of each (pair, month) (meetings up to ``as_of``)."""
        mm = month_of(self.m_day)
        base = int(min(mm.min(initial=0), month.min(initial=0))) - 1
        span = int(max(mm.max(initial=0), month.max(initial=0))) - base + 2
        mkey = self.m_pair * span + (mm - base)  # sorted: meetings are sorted by pair, day
        gkey = pair * span + (month - base)
        lo = np.searchsorted(mkey, gkey, "left")
        hi = np.searchsorted(mkey, gkey, "right")
        csum = np.concatenate([[0.0], np.cumsum(self.m_minutes)])
        return hi - lo, csum[hi] - csum[lo]


def paperwork_opens(
    policy: ProgramPolicy, start: np.ndarray, assign: np.ndarray, program_start: int | None
) -> np.ndarray:
    """The first day each pair's forms and plan may be dated (``Context.formed``).

    A pair's agreement and plan cannot predate the pair. In a rolling program,
    and for a pair matched during a fixed-month cycle, that is its assignment
    (``matched_on``). A pair matched for a fixed-month cycle is matched between
    cycles (AMCTO: applications July, matching August), so its paperwork counts
    from the day after the previous cycle ended (AMCTO: 1 July, AMA:
    1 September; at least a month before the start), or from an earlier
    ``matched_on``.
    """
    cyc = policy.cycle
    if cyc.rolling:
        return assign.copy()
    gap = max(12 - int(cyc.duration_months), 1)  # type: ignore[arg-type]
    between = add_months(month_start(month_of(start)), -gap)
    late = start > (program_start if program_start is not None else start)
    return np.where(late, assign, np.minimum(assign, between))


def reconcile(
    pair: np.ndarray,
    day: np.ndarray,
    minutes: np.ndarray,
    side: np.ndarray,
    tolerance_days: int,
    tie: np.ndarray | None = None,
) -> np.ndarray:
    """Pair each row of the mentor's log with at most one row of the mentee's.

    Two rows can be the same meeting when they are of the same pair, one from
    each side (``side`` 0 / 1), dated at most ``tolerance_days`` apart. Of all
    such candidates the closest are paired first: the greedy matching in the
    order of (days apart, minutes apart, the mentor's row's day, the mentee's
    row's day, the mentor's minutes, the mentee's minutes, ``tie`` of the
    mentor's row, of the mentee's row, the mentor's row's position, the
    mentee's). Every key but the last two is content, so the result does not
    depend on the order of the input rows except between rows that are equal in
    all of them.

    The greedy matching is built in rounds, each vectorized: every candidate
    that is the best remaining one of both its rows is taken (with a strict
    order these are exactly the greedy matching's pairs), then the candidates
    of taken rows are dropped. Rounds run until no candidate is left (one or two
    for real logs).

    Returns, per row, the position of its counterpart, ``-1`` for none.
    """
    n = len(pair)
    partner = np.full(n, -1, dtype=np.int64)
    a = np.flatnonzero(side == 0)
    b = np.flatnonzero(side == 1)
    if len(a) == 0 or len(b) == 0:
        return partner
    tol = int(tolerance_days)
    lo_day = int(day.min())
    span = int(day.max()) - lo_day + 2 * tol + 1
    key = pair.astype(np.int64) * span + (day - lo_day)
    border = np.lexsort((day[b], pair[b]))  # b by (pair, day)
    b = b[border]
    kb = key[b]
    lo = np.searchsorted(kb, key[a] - tol, "left")
    hi = np.searchsorted(kb, key[a] + tol, "right")
    count = hi - lo
    ei = np.repeat(a, count)
    ej = b[
        np.repeat(lo, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    ]
    if len(ei) == 0:
        return partner
    t = np.zeros(n, dtype=np.int64) if tie is None else np.asarray(tie, dtype=np.int64)
    order = np.lexsort(
        (
            ej,
            ei,
            t[ej],
            t[ei],
            minutes[ej],
            minutes[ei],
            day[ej],
            day[ei],
            np.abs(minutes[ei] - minutes[ej]),
            np.abs(day[ei] - day[ej]),
        )
    )
    rank = np.empty(len(ei), dtype=np.int64)
    rank[order] = np.arange(len(ei))
    active = np.ones(len(ei), dtype=bool)
    never = np.iinfo(np.int64).max
    while active.any():
        ai, aj, ar = ei[active], ej[active], rank[active]
        best = np.full(n, never, dtype=np.int64)
        np.minimum.at(best, ai, ar)
        np.minimum.at(best, aj, ar)  # a row is on one side only: one array serves both
        take = (best[ai] == ar) & (best[aj] == ar)
        partner[ai[take]] = aj[take]
        partner[aj[take]] = ai[take]
        active &= (partner[ei] < 0) & (partner[ej] < 0)
    return partner


def _expand(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows (pair, value) for every value in [first, last] of each pair."""
    length = np.maximum(last - first + 1, 0)
    pair = np.repeat(np.arange(len(first)), length)
    offsets = np.concatenate([[0], np.cumsum(length)])[:-1]
    value = first[pair] + (np.arange(len(pair)) - offsets[pair])
    return pair, value


def _open_ended(ctx: Context, rule: CycleRule, why: str) -> None:
    n_open = int((ctx.end >= OPEN).sum())
    if n_open:
        ctx.not_checked.append(
            (
                rule.code,
                f"{n_open} pair{'s' if n_open != 1 else ''} with an open-ended cycle: "
                f"the rule {why}, and the cycle has no end date",
            )
        )


def _count_at_end(
    ctx: Context,
    rule: CycleRule,
    out: Found,
    count: np.ndarray,
    k: int,
    words: tuple[str, str, str],
    action: str,
) -> None:
    """At least ``k`` of something (``count`` per pair) during the cycle, judged after its
    end; open-ended cycles are not judged. ``words``: singular, plural, what follows."""
    one, many, tail = words
    tail = f" {tail}" if tail else ""
    judged = ctx.skip_ended_early(rule, "is judged at the cycle end")
    p = np.flatnonzero(judged & ctx.closed & (count < k))
    c = count[p]
    asks = f"; the program asks for at least {k}."
    out.violation(
        p,
        ctx.start[p],
        ctx.end[p],
        np.where(
            c == 0,
            f"No {one}{tail} was logged during the cycle{asks}",
            cat(num_text(c), " ", plural(c, one, many), f"{tail} logged during the cycle{asks}"),
        ),
    )
    _open_ended(ctx, rule, "is judged at the cycle end")
    p = np.flatnonzero(judged & (ctx.end < OPEN) & (ctx.end >= ctx.as_of) & (count < k))
    text = action.format(k=k, s="" if k == 1 else "s", times="once" if k == 1 else f"{k} times")
    out.due(p, ctx.end[p], np.array([text], dtype=object))


def _needs_events(ctx: Context, rule: CycleRule) -> bool:
    if not ctx.has_events:
        ctx.not_checked.append((rule.code, "no events table was given (events=None)"))
    return ctx.has_events


#: Rule code -> function, in the order of ``CYCLE_RULE_PARAMS``.
