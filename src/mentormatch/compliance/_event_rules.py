"""The submission rules: forms, plan, quarterly updates, surveys, first contact, assessments.

Each rule function reads the events of a :class:`~._context.Context` (rows on or
before ``as_of``, with the pair, kind, day and the participant's side) and the
policy's :class:`~mentormatch.CycleRule`, and writes violations and next
deadlines into a :class:`~._context.Found`; an event row no rule may count (dated
before its window, a survey no cycle asks for) is given its reason in
``ctx.unused_events``. Also the due-date helpers the log generator shares
(:func:`quarterly_due_dates`, :func:`survey_due`).
"""

from __future__ import annotations

import numpy as np

from .._policy import CycleRule, ProgramPolicy
from ._calendar import (
    OPEN,
    add_months,
    business_days_in_months,
    month_end,
    month_of,
    month_start,
    month_text,
    num_text,
)
from ._context import (
    _FORM_LABELS,
    _ORDINAL_WORDS,
    _SIDES,
    Context,
    D,
    Found,
    _count_at_end,
    _expand,
    _needs_events,
    _open_ended,
    cat,
    plural,
)

__all__ = [
    "final_survey",
    "first_contact",
    "forms_signed",
    "informal_assessment",
    "mid_survey",
    "plan_submitted",
    "quarterly_due_dates",
    "quarterly_update",
    "survey_due",
]


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
