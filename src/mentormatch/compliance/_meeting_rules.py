"""The meeting rules: gaps, monthly meetings and hours, durations, length, in person, two logs.

Each rule function reads a :class:`~._context.Context` (the meetings used, one
row per meeting after reconciling the two sides' logs, sorted by pair and day,
plus the per-side log when the table has ``reported_by``) and the policy's
:class:`~mentormatch.CycleRule` (thresholds from ``rule.params``), and writes its
violations and next deadlines into a :class:`~._context.Found`. Vectorized over
every pair at once: loops run over bounds or sides, never over pairs or rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._policy import CycleRule
from ._calendar import (
    OPEN,
    add_months,
    month_end,
    month_of,
    month_start,
    month_text,
    num_text,
)
from ._context import Context, D, Found, _count_at_end, _open_ended, cat, plural

__all__ = [
    "in_person_meeting",
    "log_agreement",
    "max_gap",
    "meeting_duration",
    "min_relationship_length",
    "monthly_hours",
    "monthly_meeting",
]


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
    """The last meeting is at least ``months`` months after the start; judged after the end.

    ``measure="pair"``: the pair's own start and last meeting. ``measure="person"``:
    each participant's time in the program over all their pairs (the earliest start
    of any pair they are in, in the same role, to their last meeting in any of them),
    so that a participant re-matched during the cycle keeps the rule; a participant
    short of it is named (``participant_id``), and when both are short and neither
    had another pair, the pair is reported once, as with ``"pair"``. Pairs that
    ended early (``ended_on`` with a reason other than goals met or time commitment
    reached) are not judged, nor are completed ones (the seed's own end); both are
    listed in ``not_checked``.
    """
    months = int(rule["months"])
    target = add_months(ctx.start, months)
    last = np.where(ctx.has_meeting, ctx.last_day, -OPEN)
    judged = ctx.skip_ended_early(rule, "is judged at the cycle end") & ~ctx.is_ended
    k_done = int((ctx.is_ended & ~ctx.ended_early).sum())
    if k_done:
        ctx.not_checked.append(
            (
                rule.code,
                f"{k_done} pair{'s' if k_done != 1 else ''} ended having met the goals or the "
                'time commitment (goals_met, time_commitment_reached): "The mentorship ends '
                "when either the agreed upon time commitment has been reached or when the "
                'goals outlined have been met"',
            )
        )
    short = ctx.closed & judged & (last < target)
    whole_pair = short
    if rule["measure"] == "person":
        whole_pair = np.zeros(ctx.n, dtype=bool)
        for side, who in enumerate(("mentor", "mentee")):
            code = ctx.persons[side]
            k = int(code.max(initial=-1)) + 1
            p_start = np.full(k, OPEN, dtype=np.int64)
            np.minimum.at(p_start, code, ctx.start)
            p_last = np.full(k, -OPEN, dtype=np.int64)
            np.maximum.at(p_last, code, last)
            s0, l0 = p_start[code], p_last[code]
            tgt = add_months(s0, months)
            fail = ctx.closed & judged & (l0 < tgt)
            alone = (s0 == ctx.start) & (l0 == last)  # no other pair changes the person's time
            if side == 0:
                fail_0, alone_0, s_0, l_0, t_0 = fail, alone, s0, l0, tgt
                continue
            both = fail_0 & fail & alone_0 & alone
            whole_pair = both
            for sd, f, s_x, l_x, t_x, name in (
                (0, fail_0, s_0, l_0, t_0, "mentor"),
                (1, fail, s0, l0, tgt, who),
            ):
                p = np.flatnonzero(f & ~both)
                met = l_x[p] > -OPEN
                out.violation(
                    p,
                    s_x[p],
                    ctx.end[p],
                    np.where(
                        met,
                        cat(
                            f"The {name}'s time in the program, from ",
                            D(s_x[p]),
                            " to their last meeting on ",
                            D(np.where(met, l_x[p], 0)),
                            f", is less than {months} months over all their pairs; the "
                            f"relationship should last at least {months} months (until ",
                            D(t_x[p]),
                            ").",
                        ),
                        cat(
                            f"The {name} never met during the program since ",
                            D(s_x[p]),
                            f"; the relationship should last at least {months} months (until ",
                            D(t_x[p]),
                            ").",
                        ),
                    ),
                    sd,
                )
        target = np.maximum(t_0, tgt)
    p = np.flatnonzero(whole_pair)
    met = ctx.has_meeting[p]
    t_pair = add_months(ctx.start, months)
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
                D(t_pair[p]),
                ").",
            ),
            cat(
                f"The pair never met during the cycle; the relationship should last at least "
                f"{months} months (from ",
                D(ctx.start[p]),
                " until ",
                D(t_pair[p]),
                ").",
            ),
        ),
    )
    _open_ended(ctx, rule, "is judged at the cycle end")
    p = np.flatnonzero(judged & (target >= ctx.as_of) & (target <= ctx.end) & (last < target))
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
