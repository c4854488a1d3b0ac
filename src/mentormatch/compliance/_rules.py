"""The cycle rules, each one vectorized over every pair at once.

A rule function reads a :class:`Context` (pairs, their cycle windows, the
meetings and events used) and the policy's :class:`~mentormatch.CycleRule`
(thresholds always from ``rule.params``), and writes into a :class:`Found`:
violations (pair, period, sentence) and what is due next (for
``ComplianceReport.upcoming``). Loops run over rules, participants and form
kinds, never over pairs or rows.

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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._policy import EVENT_LABELS, CycleRule, ProgramPolicy
from ._calendar import (
    OPEN,
    add_months,
    business_days_in_months,
    date_text,
    month_end,
    month_of,
    month_start,
    month_text,
    num_text,
)

__all__ = [
    "BUSINESS_DAY_RULES",
    "RULES",
    "RULE_EVENT_KINDS",
    "Context",
    "Found",
    "paperwork_opens",
    "quarterly_due_dates",
    "reconcile",
    "survey_due",
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
    not_checked: list[tuple[str, str]] = field(default_factory=list)
    # (rows, why): why is one sentence, or one per row
    unused_events: list[tuple[np.ndarray, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.start)
        self.n = n
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

    def events_of(self, kind: str) -> np.ndarray:
        return np.flatnonzero(self.e_kind == kind)

    def first_event(
        self,
        kind: str,
        side: int | None = None,
        since: np.ndarray | None = None,
        what: str = "cycle start",
        why: np.ndarray | None = None,
    ) -> np.ndarray:
        """Each pair's earliest event of a kind (``OPEN`` when none).

        ``since`` (one day per pair): rows dated before it do not count; they are
        listed in ``unused_events`` (e.g. a survey dated before the pair's cycle),
        with the reason "before the pair's {what} (date)" or, given, ``why`` (one
        sentence per pair).
        """
        idx = self.events_of(kind)
        if side is not None:
            idx = idx[self.e_side[idx] == side]
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


# =========================================================================== rules


def max_gap(ctx: Context, rule: CycleRule, out: Found) -> None:
    """No more than ``max_days`` days between meetings, from the start, up to ``as_of``."""
    mx = int(rule["max_days"])
    i = np.flatnonzero(ctx.m_gap > mx)
    p = ctx.m_pair[i]
    out.violation(
        p,
        ctx.m_prev[i],
        ctx.m_day[i],
        cat(
            "No meeting between ",
            np.where(ctx.m_is_first[i], "the cycle start on ", "").astype(object),
            D(ctx.m_prev[i]),
            " and ",
            D(ctx.m_day[i]),
            " (",
            num_text(ctx.m_gap[i]),
            f" days); the program allows at most {mx}.",
        ),
    )
    # the open (or closing) gap after the last meeting
    p = np.flatnonzero(ctx.started & (ctx.tail > mx))
    last = ctx.last_or_start[p]
    met = ctx.has_meeting[p]
    closed = ctx.closed[p]
    since = np.where(met, "", "the cycle start on ").astype(object)
    closing = cat(
        "No meeting between ",
        since,
        D(last),
        " and the cycle end on ",
        D(ctx.end[p]),
        " (",
        num_text(ctx.tail[p]),
        f" days); the program allows at most {mx}.",
    )
    running = cat(
        np.where(met, "No meeting since ", "No meeting since the cycle started on ").astype(object),
        D(last),
        " (",
        num_text(ctx.tail[p]),
        " days as of ",
        D(ctx.horizon[p]),
        f"); the program allows at most {mx}.",
    )
    out.violation(p, last, ctx.horizon[p], np.where(closed, closing, running))
    # next meeting due
    due = ctx.last_or_start + mx
    p = np.flatnonzero((due >= ctx.as_of) & (due < ctx.end))
    out.due(
        p,
        due[p],
        np.where(
            ctx.has_meeting[p],
            cat(
                f"Meet by {{}}: at most {mx} days may pass between meetings (last met ",
                D(ctx.last_day[p]),
                ").",
            ),
            cat(
                f"Hold the first meeting by {{}}: at most {mx} days after the cycle start on ",
                D(ctx.start[p]),
                ".",
            ),
        ),
    )


def monthly_meeting(ctx: Context, rule: CycleRule, out: Found) -> None:
    """At least ``min_meetings`` meetings in every whole calendar month, judged once it is over."""
    k = int(rule["min_meetings"])
    pair, month, count, _ = ctx.month_grid()
    bad = count < k
    p, m, c = pair[bad], month[bad], count[bad]
    asks = "at least one meeting a month." if k == 1 else f"at least {k} meetings a month."
    out.violation(
        p,
        month_start(m),
        month_end(m),
        np.where(
            c == 0,
            cat("No meeting in ", month_text(m), "; the program asks for " + asks),
            cat(
                num_text(c),
                " ",
                plural(c, "meeting"),
                " in ",
                month_text(m),
                "; the program asks for " + asks,
            ),
        ),
    )
    _monthly_upcoming(
        ctx,
        out,
        lambda cnt, _mins: cnt < k,
        lambda cnt, _mins, m: cat(
            f"Meet {'at least once' if k == 1 else f'at least {k} times'} in ",
            month_text(m),
            " (",
            num_text(cnt),
            " so far) by {}.",
        ),
    )


def _monthly_upcoming(
    ctx: Context,
    out: Found,
    short: Callable[[np.ndarray, np.ndarray], np.ndarray],
    action: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> None:
    """The current and next whole month of each pair, while still short of the rule."""
    first, last = ctx.whole_months()
    now = int(month_of(np.asarray(ctx.as_of)))
    for m in (now, now + 1):
        p = np.flatnonzero((first <= m) & (m <= last))
        month = np.full(len(p), m, dtype=np.int64)
        cnt, mins = ctx.month_totals(p, month)
        sel = short(cnt, mins)
        p, month, cnt, mins = p[sel], month[sel], cnt[sel], mins[sel]
        out.due(p, month_end(month), action(cnt, mins, month))


def meeting_duration(ctx: Context, rule: CycleRule, out: Found) -> None:
    """Each meeting lasts at least ``min_minutes`` and at most ``max_minutes``."""
    lo, hi = rule["min_minutes"], rule["max_minutes"]
    x = ctx.m_minutes
    for bound, bad, word in (
        (lo, x < lo if lo is not None else None, "at least"),
        (hi, x > hi if hi is not None else None, "at most"),
    ):
        if bad is None:
            continue
        i = np.flatnonzero(bad)
        out.violation(
            ctx.m_pair[i],
            ctx.m_day[i],
            ctx.m_day[i],
            cat(
                "The meeting on ",
                D(ctx.m_day[i]),
                " lasted ",
                num_text(x[i]),
                f" minutes; meetings should last {word} {num_text(bound)[0]} minutes.",
            ),
        )


def monthly_hours(ctx: Context, rule: CycleRule, out: Found) -> None:
    """Total meeting time of each whole month within [min_hours, max_hours], once it is over."""
    lo, hi = rule["min_hours"], rule["max_hours"]
    pair, month, _, minutes = ctx.month_grid()
    for bound, bad, word in (
        (lo, minutes < lo * 60 if lo is not None else None, "at least"),
        (hi, minutes > hi * 60 if hi is not None else None, "at most"),
    ):
        if bad is None:
            continue
        p, m, mins = pair[bad], month[bad], minutes[bad]
        out.violation(
            p,
            month_start(m),
            month_end(m),
            cat(
                "Meetings in ",
                month_text(m),
                " totalled ",
                num_text(mins),
                f" minutes; the program asks for {word} {_hours(bound)} a month.",
            ),
        )
    if lo is not None:
        need = lo * 60
        _monthly_upcoming(
            ctx,
            out,
            lambda cnt, mins: mins < need,
            lambda cnt, mins, m: cat(
                "Meet for ",
                num_text(need - mins),
                " more minutes in ",
                month_text(m),
                " (",
                num_text(mins),
                " so far) by {}.",
            ),
        )


def _hours(h: float) -> str:
    text = num_text(h)[0]
    return f"{text} hour{'' if h == 1 else 's'} ({num_text(h * 60)[0]} minutes)"


def min_relationship_length(ctx: Context, rule: CycleRule, out: Found) -> None:
    """The last meeting is at least ``months`` months after the start; judged after the end."""
    months = int(rule["months"])
    target = add_months(ctx.start, months)
    last = np.where(ctx.has_meeting, ctx.last_day, -OPEN)
    p = np.flatnonzero(ctx.closed & (last < target))
    met = ctx.has_meeting[p]
    out.violation(
        p,
        ctx.start[p],
        ctx.end[p],
        np.where(
            met,
            cat(
                "The last meeting was on ",
                D(np.where(met, last[p], 0)),
                ", less than ",
                f"{months} months after the cycle started on ",
                D(ctx.start[p]),
                f"; the relationship should last at least {months} months (until ",
                D(target[p]),
                ").",
            ),
            cat(
                f"The pair never met during the cycle; the relationship should last at least "
                f"{months} months (from ",
                D(ctx.start[p]),
                " until ",
                D(target[p]),
                ").",
            ),
        ),
    )
    _open_ended(ctx, rule, "is judged at the cycle end")
    p = np.flatnonzero((target >= ctx.as_of) & (target <= ctx.end) & (last < target))
    out.due(
        p,
        target[p],
        cat(
            "Meet on or after {}: the relationship should last at least "
            f"{months} months from the start on ",
            D(ctx.start[p]),
            ".",
        ),
    )


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


def forms_signed(ctx: Context, rule: CycleRule, out: Found) -> None:
    """Each form signed on or before the first meeting (same day counts)."""
    if not _needs_events(ctx, rule):
        return
    met = ctx.has_meeting
    due = np.where(met, ctx.first_day, ctx.end)  # never met: due by the end of the cycle
    for kind in rule["kinds"]:
        label = _FORM_LABELS.get(kind, kind.replace("_", " "))
        signed = ctx.first_event(kind, since=ctx.formed, why=ctx.paperwork_reasons())
        has = signed < OPEN
        late = has & (signed > due)
        p = np.flatnonzero(late)
        out.violation(
            p,
            ctx.start[p],
            due[p],
            np.where(
                met[p],
                cat(
                    f"The {label} was signed on ",
                    D(signed[p]),
                    ", after the first meeting on ",
                    D(due[p]),
                    "; it must be signed on or before the first meeting.",
                ),
                cat(
                    f"The {label} was signed on ",
                    D(signed[p]),
                    ", after the cycle ended on ",
                    D(np.minimum(due[p], OPEN - 1)),
                    ".",
                ),
            ),
        )
        p = np.flatnonzero(~has & (due < OPEN) & (ctx.as_of > due))
        out.violation(
            p,
            ctx.start[p],
            due[p],
            np.where(
                met[p],
                cat(
                    f"No signed {label} is on file; it was due on or before the first meeting on ",
                    D(due[p]),
                    ".",
                ),
                cat(f"No signed {label} is on file; the cycle ended on ", D(due[p]), "."),
            ),
        )
        p = np.flatnonzero(~has & ~met & (ctx.end >= ctx.as_of))
        out.due(
            p,
            np.maximum(ctx.start[p], ctx.as_of),
            np.array([f"Sign the {label} on or before the first meeting."], dtype=object),
        )


def plan_submitted(ctx: Context, rule: CycleRule, out: Found) -> None:
    """The plan submitted by the last day of the pair's first ``within_months`` months."""
    if not _needs_events(ctx, rule):
        return
    w = int(rule["within_months"])
    due = add_months(ctx.start, w) - 1
    got = ctx.first_event("plan_submitted", since=ctx.formed, why=ctx.paperwork_reasons())
    has = got < OPEN
    p = np.flatnonzero(has & (got > due))
    out.violation(
        p,
        ctx.start[p],
        due[p],
        cat(
            "The mentorship plan was submitted on ",
            D(got[p]),
            ", after it was due on ",
            D(due[p]),
            ".",
        ),
    )
    p = np.flatnonzero(~has & (ctx.as_of > due))
    out.violation(
        p,
        ctx.start[p],
        due[p],
        cat("No mentorship plan has been submitted; it was due by ", D(due[p]), "."),
    )
    p = np.flatnonzero(~has & (due >= ctx.as_of))
    out.due(p, due[p], np.array(["Submit the mentorship plan by {}."], dtype=object))


def quarterly_due_dates(
    policy: ProgramPolicy, rule: CycleRule, start: np.ndarray, end: np.ndarray, as_of: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The quarterly update's due dates, and each pair's share of them.

    Returns the sorted due dates (the ``business_day``-th business day of each
    month in ``months``) of every year the pairs' cycles touch (open-ended cycles:
    up to a year after ``as_of``), and per pair ``lo``, ``hi``: its due dates are
    ``dues[lo:hi]``, those between its start and its end.
    """
    months = np.asarray(rule["months"], dtype=np.int64) - 1
    finite = end[end < OPEN]
    y0 = int(month_of(np.asarray(start.min(initial=as_of))) // 12) - 1
    last = max(int(finite.max(initial=as_of)), as_of + 400)
    y1 = int(month_of(np.asarray(last)) // 12)
    all_months = np.sort((np.arange(y0, y1 + 1)[:, None] * 12 + months[None, :]).ravel())
    dues = business_days_in_months(all_months, int(rule["business_day"]), policy.cycle)
    return dues, np.searchsorted(dues, start, "left"), np.searchsorted(dues, end, "right")


def quarterly_update(ctx: Context, rule: CycleRule, out: Found) -> None:
    """One update per pair due on the n-th business day of each listed month in the cycle.

    Each update counts for the due date nearest to it (the earlier one on a
    tie): submitted on or before that date it is on time, after it is late.
    """
    if not _needs_events(ctx, rule):
        return
    nth = int(rule["business_day"])
    dues, lo, hi = quarterly_due_dates(ctx.policy, rule, ctx.start, ctx.end, ctx.as_of)
    pair, k = _expand(lo, hi - 1)
    d = dues[k]
    # attribute each update to the pair's nearest due date
    e = ctx.events_of("quarterly_update")
    ep, ed = ctx.e_pair[e], ctx.e_day[e]
    plo, phi = lo[ep], hi[ep]
    usable = phi > plo
    ctx.unused_events.append((ctx.e_row[e[~usable]], "no quarterly update is due in its cycle"))
    # an update dated before the pair's cycle (a stale or mistyped row) counts for nothing
    early = usable & (ed < ctx.start[ep])
    ctx.early_events(e[early], ctx.start)
    usable &= ~early
    ep, ed, plo, phi = ep[usable], ed[usable], plo[usable], phi[usable]
    j = np.searchsorted(dues, ed, "left")
    right = np.clip(j, plo, phi - 1)
    left = np.clip(j - 1, plo, phi - 1)
    kk = np.where(np.abs(dues[right] - ed) < np.abs(ed - dues[left]), right, left)
    slot = np.searchsorted(pair * len(dues) + k, ep * len(dues) + kk)
    on_time = np.zeros(len(pair), dtype=bool)
    on_time[slot[ed <= dues[kk]]] = True
    late = np.full(len(pair), OPEN, dtype=np.int64)
    sel = ed > dues[kk]
    np.minimum.at(late, slot[sel], ed[sel])
    which = _ORDINAL_WORDS.get(nth, f"{nth}th")
    when = cat(f" (the {which} business day of ", month_text(month_of(d)), ")")
    bad = ~on_time & (late < OPEN)
    out.violation(
        pair[bad],
        d[bad],
        d[bad],
        cat(
            "The quarterly update due on ",
            D(d[bad]),
            when[bad],
            " was submitted on ",
            D(late[bad]),
            ", ",
            num_text(late[bad] - d[bad]),
            " ",
            plural(late[bad] - d[bad], "day"),
            " late.",
        ),
    )
    bad = ~on_time & (late >= OPEN) & (ctx.as_of > d)
    out.violation(
        pair[bad],
        d[bad],
        d[bad],
        cat("No quarterly update was submitted for ", D(d[bad]), when[bad], "."),
    )
    nxt = ~on_time & (d >= ctx.as_of)
    out.due(pair[nxt], d[nxt], cat("Send the quarterly update by {}", when[nxt], "."))


def survey_due(
    rule: CycleRule, kind: str, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """When each pair's survey window opens and when it is due: ``(valid, opens, due, month)``.

    ``month`` rule: the first such calendar month of the cycle for the mid-program
    survey, the last one for the final survey; the window is that month (AMA
    "March: Complete your mid-program surveys"), due by its last day (``month``
    is that month per pair). ``within_days_after_end`` rule: the window opens the
    day after the cycle end (AMCTO "Following the formal program end date, all
    participants will be asked to complete a survey") and is due that many days
    after the end (``month`` is ``None``). ``opens_days_before`` moves the
    opening that many days earlier. ``valid`` is False where no such date exists
    in the pair's cycle (an open-ended cycle has no end).
    """
    early = int(rule["opens_days_before"])
    month = rule.params.get("month")
    if month is None:
        valid = end < OPEN
        due = np.where(valid, end + int(rule["within_days_after_end"]), OPEN)
        opens = np.where(valid, end + 1 - early, OPEN)
        return valid, opens, due, None
    t = int(month) - 1
    if kind == "mid_survey":  # the first such month in the cycle
        ms = month_of(start)
        m = ms + (t - ms % 12) % 12
        valid = month_start(m) <= end
    else:  # the last such month in the cycle
        me = month_of(np.minimum(end, OPEN - 1))
        m = me - (me % 12 - t) % 12
        valid = (end < OPEN) & (month_end(m) >= start)
    return valid, month_start(m) - early, month_end(m), m


def _survey(ctx: Context, rule: CycleRule, out: Found, kind: str) -> None:
    if not _needs_events(ctx, rule):
        return
    label = _FORM_LABELS[kind]
    valid, opens, due, m = survey_due(rule, kind, ctx.start, ctx.end)
    if m is not None:
        when = cat(" (due in ", month_text(m), ")")
        if kind == "final_survey":
            _open_ended(ctx, rule, "is due in the last month of the cycle")
    else:
        when = cat(
            f" (due within {int(rule['within_days_after_end'])} days after the cycle ended on ",
            D(np.minimum(ctx.end, OPEN - 1)),
            ")",
        )
        _open_ended(ctx, rule, "is due after the cycle end")
    # a survey counts from its window's opening (or the pair's start, when later)
    e = ctx.events_of(kind)
    none = e[~valid[ctx.e_pair[e]]]
    if len(none):
        ctx.unused_events.append((ctx.e_row[none], f"no {label} is due in the pair's cycle"))
    since = np.where(valid, np.maximum(opens, ctx.start), OPEN)
    why = np.where(
        opens >= ctx.start,
        cat(f"before the {label} opens on ", D(np.minimum(opens, OPEN - 1))),
        cat("before the pair's cycle start (", D(ctx.start), ")"),
    )
    period_start = np.minimum(since, due)
    for side, who in enumerate(_SIDES):
        got = ctx.first_event(kind, side, since=since, why=why)
        has = got < OPEN
        p = np.flatnonzero(valid & has & (got > due))
        out.violation(
            p,
            period_start[p],
            due[p],
            cat(
                f"The {who}'s {label} was completed on ",
                D(got[p]),
                ", after it was due by ",
                D(due[p]),
                when[p],
                ".",
            ),
            side,
        )
        p = np.flatnonzero(valid & ~has & (ctx.as_of > due))
        out.violation(
            p,
            period_start[p],
            due[p],
            cat(
                f"The {who}'s {label} has not been completed; it was due by ",
                D(due[p]),
                when[p],
                ".",
            ),
            side,
        )
        p = np.flatnonzero(valid & ~has & (due >= ctx.as_of))
        window = np.where(
            since[p] > ctx.as_of,
            cat(" between ", D(np.minimum(since[p], OPEN - 1)), " and {}"),
            " by {}",
        )
        out.due(p, due[p], cat(f"The {who} completes the {label}", window, when[p], "."), side)


def mid_survey(ctx: Context, rule: CycleRule, out: Found) -> None:
    """Each participant's mid-program survey by the end of the first ``month`` in the cycle."""
    _survey(ctx, rule, out, "mid_survey")


def final_survey(ctx: Context, rule: CycleRule, out: Found) -> None:
    """Each participant's final survey by the end of the cycle's last ``month``, or within
    ``within_days_after_end`` days after the cycle end."""
    _survey(ctx, rule, out, "final_survey")


def first_contact(ctx: Context, rule: CycleRule, out: Found) -> None:
    """First contact (a meeting or a ``first_contact`` event) within ``within_days`` of the
    assignment."""
    w = int(rule["within_days"])
    due = ctx.assign + w
    contact = ctx.first_day.copy()
    if ctx.has_events:
        # contact before the assignment is not contact "within 30 days of the assignment"
        contact = np.minimum(
            contact, ctx.first_event("first_contact", since=ctx.assign, what="assignment")
        )
    has = contact < OPEN
    p = np.flatnonzero(has & (contact > due))
    out.violation(
        p,
        ctx.assign[p],
        due[p],
        cat(
            "First contact was on ",
            D(contact[p]),
            ", ",
            num_text(contact[p] - ctx.assign[p]),
            " days after the assignment on ",
            D(ctx.assign[p]),
            f"; the program asks for contact within {w} days.",
        ),
    )
    p = np.flatnonzero(~has & (ctx.as_of > due))
    out.violation(
        p,
        ctx.assign[p],
        due[p],
        cat(
            "No contact has been logged since the assignment on ",
            D(ctx.assign[p]),
            f"; the program asks for contact within {w} days (by ",
            D(due[p]),
            ").",
        ),
    )
    p = np.flatnonzero(~has & (due >= ctx.as_of))
    out.due(p, due[p], np.array(["Make first contact by {}."], dtype=object))


def informal_assessment(ctx: Context, rule: CycleRule, out: Found) -> None:
    """Assessments at most ``max_interval_months`` apart (from the start, up to ``as_of``)
    and/or at least ``min_count`` during the cycle (judged after the end)."""
    if not _needs_events(ctx, rule):
        return
    e = ctx.events_of("informal_assessment")
    ep, ed = ctx.e_pair[e], ctx.e_day[e]
    inside = (ed >= ctx.start[ep]) & (ed <= ctx.horizon[ep])
    ctx.unused_events.append((ctx.e_row[e[~inside]], "outside the pair's cycle"))
    order = np.lexsort((ed[inside], ep[inside]))
    ap, ad = ep[inside][order], ed[inside][order]
    count = np.bincount(ap, minlength=ctx.n)
    n_months, k = rule["max_interval_months"], rule["min_count"]
    if n_months is not None:
        n_months = int(n_months)
        first = np.ones(len(ap), dtype=bool)
        first[1:] = ap[1:] != ap[:-1]
        prev = np.empty_like(ad)
        prev[1:] = ad[:-1]
        prev[first] = ctx.start[ap[first]]
        due = add_months(prev, n_months)
        i = np.flatnonzero(ad > due)
        every = f"; the program asks for one at least every {n_months} months."
        out.violation(
            ap[i],
            prev[i],
            ad[i],
            cat(
                "No informal assessment of the relationship between ",
                np.where(first[i], "the cycle start on ", "").astype(object),
                D(prev[i]),
                " and ",
                D(ad[i]),
                every,
            ),
        )
        last = ctx.start.copy()
        last_idx = np.flatnonzero(np.append(ap[1:] != ap[:-1], True)) if len(ap) else ap
        last[ap[last_idx]] = ad[last_idx]
        due = add_months(last, n_months)
        p = np.flatnonzero(ctx.started & (due < ctx.horizon))
        had = count[p] > 0
        out.violation(
            p,
            last[p],
            ctx.horizon[p],
            cat(
                np.where(
                    had,
                    "No informal assessment of the relationship since ",
                    "No informal assessment of the relationship since the cycle started on ",
                ).astype(object),
                D(last[p]),
                " (as of ",
                D(ctx.horizon[p]),
                ")",
                every,
            ),
        )
        p = np.flatnonzero((due >= ctx.as_of) & (due < ctx.end))
        out.due(
            p,
            due[p],
            np.array(
                [
                    f"Hold an informal assessment of the relationship by {{}} (at least every "
                    f"{n_months} months)."
                ],
                dtype=object,
            ),
        )
    if k is not None:
        _count_at_end(
            ctx,
            rule,
            out,
            count,
            int(k),
            ("evaluation", "evaluations", "of the relationship"),
            "Evaluate the mentoring relationship by {{}} ({k} evaluation{s} during the cycle).",
        )


def in_person_meeting(ctx: Context, rule: CycleRule, out: Found) -> None:
    """At least ``min_count`` meetings in person during the cycle; judged after the end."""
    if ctx.m_mode is None:
        ctx.not_checked.append(
            (rule.code, "the meetings table has no 'mode' column (in_person / video / phone)")
        )
        return
    if len(ctx.m_mode) and not ctx.m_mode.astype(bool).any():  # every mode is blank (None)
        ctx.not_checked.append((rule.code, "the meetings table's 'mode' column is blank"))
        return
    in_person = ctx.m_mode == "in_person"
    _count_at_end(
        ctx,
        rule,
        out,
        np.bincount(ctx.m_pair[in_person], minlength=ctx.n),
        int(rule["min_count"]),
        ("in-person meeting", "in-person meetings", ""),
        "Meet in person at least {times} by {{}}.",
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
    p = np.flatnonzero(ctx.closed & (count < k))
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
    p = np.flatnonzero((ctx.end < OPEN) & (ctx.end >= ctx.as_of) & (count < k))
    text = action.format(k=k, s="" if k == 1 else "s", times="once" if k == 1 else f"{k} times")
    out.due(p, ctx.end[p], np.array([text], dtype=object))


def log_agreement(ctx: Context, rule: CycleRule, out: Found) -> None:
    """Every meeting in both logs, with the same minutes (within ``tolerance_minutes``).

    The rows were reconciled meeting by meeting (:func:`reconcile`, rows at most
    ``tolerance_days`` apart). One violation per reconciled meeting whose two
    rows differ by more than ``tolerance_minutes``, and per row the other log
    lacks; each judged once its month is over and ``as_of`` is more than
    ``tolerance_days`` after it (the other side may still log it until then).
    """
    if (
        ctx.s_pair is None
        or ctx.s_day is None
        or ctx.s_minutes is None
        or ctx.s_side is None
        or ctx.s_partner is None
    ):
        ctx.not_checked.append(
            (
                rule.code,
                "the meetings table has no 'reported_by' column: the mentor's and the "
                "mentee's own logs are needed",
            )
        )
        return
    tol = float(rule["tolerance_minutes"])
    tol_days = int(rule["tolerance_days"])
    pair, day, mins, side, partner = (
        ctx.s_pair, ctx.s_day, ctx.s_minutes, ctx.s_side, ctx.s_partner
    )  # fmt: skip

    def judged(last: np.ndarray) -> np.ndarray:
        return ctx.as_of > np.maximum(month_end(month_of(last)), last + tol_days)

    agree = "the two logs must agree" + (
        "." if tol == 0 else f" within {num_text(tol)[0]} minutes."
    )
    # reconciled meetings whose minutes differ: one violation per meeting
    i = np.flatnonzero((side == 0) & (partner >= 0))
    j = partner[i]
    bad = (np.abs(mins[i] - mins[j]) > tol + 1e-9) & judged(np.maximum(day[i], day[j]))
    i, j = i[bad], j[bad]
    out.violation(
        pair[i],
        np.minimum(day[i], day[j]),
        np.maximum(day[i], day[j]),
        cat(
            "The mentor logged ",
            num_text(mins[i]),
            " minutes on ",
            D(day[i]),
            " and the mentee ",
            num_text(mins[j]),
            " minutes on ",
            D(day[j]),
            " for the same meeting; " + agree,
        ),
    )
    # rows the other log lacks
    k = np.flatnonzero((partner < 0) & judged(day))
    k_side = side[k]
    near = _nearest_other(pair, day, side, k)
    other = np.where(k_side == 0, "the mentee's log", "the mentor's log").astype(object)
    window = "on that day" if tol_days == 0 else f"within {tol_days} days"
    lacks = np.where(
        near >= 0,
        cat(
            f" has no counterpart {window} (its nearest entry: ",
            num_text(mins[np.maximum(near, 0)]),
            " minutes on ",
            D(day[np.maximum(near, 0)]),
            ")",
        ),
        " has no entry for this pair",
    )
    out.violation(
        pair[k],
        day[k],
        day[k],
        cat(
            "The ",
            np.where(k_side == 0, "mentor", "mentee").astype(object),
            " logged ",
            num_text(mins[k]),
            " minutes on ",
            D(day[k]),
            "; ",
            other,
            lacks,
            "; every meeting must be in both logs.",
        ),
    )


def _nearest_other(
    pair: np.ndarray, day: np.ndarray, side: np.ndarray, k: np.ndarray
) -> np.ndarray:
    """For each row ``k``, the other side's row of the same pair nearest in date (the
    earlier one on a tie), ``-1`` when that side logged nothing for the pair."""
    out = np.full(len(k), -1, dtype=np.int64)
    if len(k) == 0:
        return out
    lo_day = int(day.min())
    span = int(day.max()) - lo_day + 1
    key = pair.astype(np.int64) * span + (day - lo_day)
    for s in (0, 1):
        rows = np.flatnonzero(side == 1 - s)
        want = np.flatnonzero(side[k] == s)
        if len(rows) == 0 or len(want) == 0:
            continue
        rows = rows[np.argsort(key[rows], kind="stable")]
        kr = key[rows]
        q = key[k[want]]
        at = np.searchsorted(kr, q, "left")
        left = np.clip(at - 1, 0, len(rows) - 1)
        right = np.clip(at, 0, len(rows) - 1)
        pl, pr = rows[left], rows[right]
        qp = pair[k[want]]
        ok_l = (at > 0) & (pair[pl] == qp)
        ok_r = (at < len(rows)) & (pair[pr] == qp)
        dl = np.where(ok_l, q - kr[left], np.iinfo(np.int64).max)
        dr = np.where(ok_r, kr[right] - q, np.iinfo(np.int64).max)
        pick = np.where(dr < dl, pr, pl)
        out[want] = np.where(ok_l | ok_r, pick, -1)
    return out


def _needs_events(ctx: Context, rule: CycleRule) -> bool:
    if not ctx.has_events:
        ctx.not_checked.append((rule.code, "no events table was given (events=None)"))
    return ctx.has_events


#: Rule code -> function, in the order of ``CYCLE_RULE_PARAMS``.
RULES: dict[str, Callable[[Context, CycleRule, Found], None]] = {
    "max_gap": max_gap,
    "monthly_meeting": monthly_meeting,
    "meeting_duration": meeting_duration,
    "monthly_hours": monthly_hours,
    "min_relationship_length": min_relationship_length,
    "forms_signed": forms_signed,
    "plan_submitted": plan_submitted,
    "quarterly_update": quarterly_update,
    "mid_survey": mid_survey,
    "final_survey": final_survey,
    "first_contact": first_contact,
    "informal_assessment": informal_assessment,
    "in_person_meeting": in_person_meeting,
    "log_agreement": log_agreement,
}

#: Rules that count business days (``ComplianceReport.calendar``).
BUSINESS_DAY_RULES: tuple[str, ...] = ("quarterly_update",)

#: Event kinds each rule reads (events of other kinds are reported unused).
RULE_EVENT_KINDS: dict[str, Callable[[CycleRule], tuple[str, ...]]] = {
    "forms_signed": lambda r: tuple(r["kinds"]),
    "plan_submitted": lambda r: ("plan_submitted",),
    "quarterly_update": lambda r: ("quarterly_update",),
    "mid_survey": lambda r: ("mid_survey",),
    "final_survey": lambda r: ("final_survey",),
    "first_contact": lambda r: ("first_contact",),
    "informal_assessment": lambda r: ("informal_assessment",),
}
