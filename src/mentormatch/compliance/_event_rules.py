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
    """Each form signed on or before the first meeting (same day counts), or by the end.

    ``due="first_meeting"``: on or before the pair's first meeting (a pair that never
    met owes them by its end); ``due="cycle_end"``: by the pair's end (LTB: the guide
    gives no date). ``each_participant``: the mentor and the mentee each sign (AMCTO
    "each party will be required to review and sign-off on"): an event with
    ``participant_id`` counts for that participant, one without (a blank cell, or no
    such column) is a copy both signed. One violation per form and participant; when
    both participants are late or missing alike (e.g. no copy at all), one for the pair.
    """
    if not _needs_events(ctx, rule):
        return
    met = ctx.has_meeting
    by_end = rule["due"] == "cycle_end"
    due = ctx.end if by_end else np.where(met, ctx.first_day, ctx.end)
    at_meeting = ~by_end & met  # due at the first meeting (else: by the end)
    ends = cat(ctx.end_words(), " on ", D(np.minimum(due, OPEN - 1)))
    each = bool(rule["each_participant"])
    why = ctx.paperwork_reasons()
    for kind in rule["kinds"]:
        label = _FORM_LABELS.get(kind, kind.replace("_", " "))
        if each:
            sig = [
                ctx.first_event(kind, side, since=ctx.formed, why=why, joint=True)
                for side in (0, 1)
            ]
            same = sig[0] == sig[1]
            parts = [(-1, sig[0], same)] + [(sd, sig[sd], ~same) for sd in (0, 1)]
        else:
            signed = ctx.first_event(kind, since=ctx.formed, why=why)
            parts = [(-1, signed, np.ones(ctx.n, dtype=bool))]
        for side, signed, mine in parts:
            who = "The " + ("" if side < 0 else _SIDES[side] + " ")
            has = signed < OPEN
            p = np.flatnonzero(mine & has & (signed > due))
            subject = f"{who}{label} was" if side < 0 else f"{who}signed the {label}"
            out.violation(
                p,
                ctx.start[p],
                due[p],
                np.where(
                    at_meeting[p],
                    cat(
                        (f"The {label} was signed on " if side < 0 else f"{subject} on "),
                        D(signed[p]),
                        ", after the first meeting on ",
                        D(due[p]),
                        "; it must be signed on or before the first meeting.",
                    ),
                    cat(
                        (f"The {label} was signed on " if side < 0 else f"{subject} on "),
                        D(signed[p]),
                        ", after ",
                        ends[p],
                        ".",
                    ),
                ),
                side,
            )
            p = np.flatnonzero(mine & ~has & (due < OPEN) & (ctx.as_of > due))
            missing = (
                f"No signed {label} is on file"
                if side < 0
                else f"The {_SIDES[side]} has not signed the {label}"
            )
            out.violation(
                p,
                ctx.start[p],
                due[p],
                np.where(
                    at_meeting[p],
                    cat(
                        missing + "; it was due on or before the first meeting on ", D(due[p]), "."
                    ),
                    np.where(
                        by_end,
                        cat(missing + "; it was due by the end of the cycle on ", D(due[p]), "."),
                        cat(missing + "; ", ends[p], "."),
                    ),
                ),
                side,
            )
            if by_end:
                p = np.flatnonzero(mine & ~has & (ctx.end < OPEN) & (ctx.end >= ctx.as_of))
                text = f"Sign the {label} by {{}}."
                out.due(p, ctx.end[p], np.array([text], dtype=object), side)
            else:
                p = np.flatnonzero(mine & ~has & ~met & (ctx.end >= ctx.as_of))
                out.due(
                    p,
                    np.maximum(ctx.start[p], ctx.as_of),
                    np.array([f"Sign the {label} on or before the first meeting."], dtype=object),
                    side,
                )


def plan_submitted(ctx: Context, rule: CycleRule, out: Found) -> None:
    """The plan submitted by the last day of the pair's first ``within_months`` months."""
    if not _needs_events(ctx, rule):
        return
    w = int(rule["within_months"])
    by_end = rule["due"] == "cycle_end"  # LTB: the guide gives no date
    if by_end:
        _open_ended(ctx, rule, "is due by the cycle end")
    due = ctx.end if by_end else add_months(ctx.start, w) - 1
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

    An update belongs to the period it is for (:func:`_attribute_updates`): the
    due date just passed when that one has no update yet (a late update, "submitted
    on 2027-02-20, 47 days after it was due"), else the next due date (on time).
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
    on_time, late = _attribute_updates(dues, pair, k, ep, ed, plo, phi)
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
            " after it was due.",
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


def _attribute_updates(
    dues: np.ndarray,
    pair: np.ndarray,
    k: np.ndarray,
    ep: np.ndarray,
    ed: np.ndarray,
    plo: np.ndarray,
    phi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which due dates (rows ``pair``, ``k``) each pair's updates cover, and when late.

    The updates of a pair, in date order, between two of its due dates ``D[j-1]`` and
    ``D[j]``: the first is late for ``D[j-1]`` when no update was on time for it, and
    otherwise (and every later one) on time for ``D[j]``; those after the pair's last
    due date can only be late for it, those up to its first are on time for it. (A
    late submission belongs to the period it is late for; it is neither called
    missing nor counted as the next period's early one.) Vectorized over pairs; the
    loop runs over the pair's due dates (three or four a year), since whether
    ``D[j-1]`` was covered depends on the updates before it.

    Returns ``on_time`` (bool per due row) and ``late`` (the first late date per due
    row, ``OPEN`` when none).
    """
    n_due = len(dues)
    on_time = np.zeros(len(pair), dtype=bool)
    late = np.full(len(pair), OPEN, dtype=np.int64)
    if len(ep) == 0:
        return on_time, late
    j = np.clip(np.searchsorted(dues, ed, "left"), plo, phi)  # the next due date (phi: none)
    order = np.lexsort((ed, j, ep))
    ep, ed, j, plo, phi = ep[order], ed[order], j[order], plo[order], phi[order]
    first = np.ones(len(ep), dtype=bool)
    first[1:] = (ep[1:] != ep[:-1]) | (j[1:] != j[:-1])
    rel = j - plo
    slot_keys = pair * n_due + k  # sorted: rows are by pair, then due date

    def slot(p: np.ndarray, jj: np.ndarray) -> np.ndarray:
        return np.searchsorted(slot_keys, p * n_due + jj)

    for r in range(int(rel.max(initial=-1)) + 1):
        at = rel == r
        prev_ok = np.zeros(int(at.sum()), dtype=bool)
        has_prev = j[at] > plo[at]
        if has_prev.any():
            sp = slot(ep[at][has_prev], j[at][has_prev] - 1)
            prev_ok[has_prev] = on_time[sp]
        takes_late = first[at] & has_prev & ~prev_ok
        if takes_late.any():
            sl = slot(ep[at][takes_late], j[at][takes_late] - 1)
            np.minimum.at(late, sl, ed[at][takes_late])
        now = ~takes_late & (j[at] < phi[at])
        if now.any():
            on_time[slot(ep[at][now], j[at][now])] = True
    return on_time, late


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
    if kind == "final_survey":  # a pair that left early is not asked for the final survey
        valid &= ctx.skip_ended_early(rule, "is due at the cycle end")
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
