"""``check_cycle``: judge the meetings and events logs of every pair against the policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._dates import check_date_format
from .._policy import ProgramPolicy
from .._read import check_options
from ._calendar import (
    OPEN,
    calendar_record,
    date_text,
    days_to_datetimes,
)
from ._cycle import Cycle, read_cycle
from ._logs import load
from ._output import (
    Ids,
    file_rows,
    hours_table,
    inputs_table,
    upcoming_table,
    violations_table,
)
from ._report import ComplianceReport
from ._rules import (
    BUSINESS_DAY_RULES,
    RULE_EVENT_KINDS,
    RULES,
    Context,
    Found,
    cat,
    paperwork_opens,
    reconcile,
)
from ._tables import EventLog, MeetingLog, raise_log_problems
from ._validate import validate_events, validate_meetings

__all__ = ["Cycle", "check_cycle", "inputs_table", "read_cycle"]


def check_cycle(
    pairs: Any,
    meetings: Any,
    policy: str | ProgramPolicy = "amcto",
    *,
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    events: Any = None,
    date_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ComplianceReport:
    """Check every pair's meetings and submissions against the program's cycle rules.

    Parameters
    ----------
    pairs : DataFrame, MatchResult, or str / Path
        ``mentor_id``, ``mentee_id`` (text; numbers are read as text) and,
        optionally, ``matched_on``: each pair's assignment date (a pair re-matched
        during the cycle starts its window there), ``ended_on`` and ``end_reason``:
        the day a pair ended before its cycle did and why, one of ``goals_met``,
        ``time_commitment_reached`` (the mentorship completed: AMCTO "The
        mentorship ends when either the agreed upon time commitment has been
        reached or when the goals outlined have been met"), ``no_fault``,
        ``withdrawn``, ``rematched``, ``removed`` (it ended early), both blank
        for a pair that has not ended. Nothing is judged after ``ended_on``
        (meetings after it are unused; deadlines after it are not due); the
        end-of-cycle rules are judged at it for a completed pair, and not for one
        that ended early (``not_checked`` says how many and why);
        ``min_relationship_length`` is judged for neither. Any object with a
        ``.pairs`` DataFrame (a match result) is accepted; other columns are ignored.
        A path (``.csv`` / ``.xlsx``, first sheet) is read as
        :func:`~mentormatch.read_pairs` reads it.
    meetings : DataFrame, list of dict, or str / Path
        One row per meeting (a path is read as :func:`~mentormatch.read_meetings`
        reads it): ``mentor_id``, ``mentee_id``, ``date``,
        ``duration_minutes``; optional ``mode`` (``in_person`` / ``video`` /
        ``phone``, blank allowed) and ``reported_by`` (the id of the side whose log
        the row is from, when each side keeps its own log).
    policy : str or ProgramPolicy
        A preset name (``"amcto"``, ``"ama"``, ``"3cma"``, ``"ltb"``) or a policy.
        Every threshold and severity comes from its cycle rules.
    start, end : str, date or Timestamp, optional
        The cycle. Defaults: for programs with fixed months (AMCTO September to
        June, AMA October to August) ``start`` is the first day of the start month
        on or before ``as_of`` (or before ``end``) and ``end`` the last day of the
        end month after ``start``. For rolling programs each pair's ``matched_on``
        is its start (``start`` when the column is absent; one of them is
        required), and ``end`` is the start plus ``length_months`` less one day
        (LTB: 12 months) or open-ended (3CMA). A pair matched after ``start``
        starts on its ``matched_on``; ``end`` given applies to every pair.
    as_of : str, date or Timestamp, optional
        The day of the check (default: today). Nothing is judged before it is
        due; rows dated after it are not used (see ``unused_meetings``).
    events : DataFrame, list of dict, or str / Path, optional
        One row per submission (a path: see :func:`~mentormatch.read_events`): ``mentor_id``, ``mentee_id``, ``kind`` (one of
        ``EVENT_KINDS``), ``date`` and ``participant_id`` (required for surveys,
        which each participant completes). ``None`` (default): the rules that read
        events are listed in ``not_checked`` instead of being judged; pass an
        empty table to judge them with nothing submitted.
    date_format : str, optional
        How day/month dates written as text are ordered, in every text date column
        of the tables (files and DataFrames alike): ``"dd/mm/yyyy"`` or
        ``"mm/dd/yyyy"`` (any of ``/ . -`` between the parts; a time may follow),
        or a ``strptime`` pattern such as ``"%d.%m.%Y"``. ISO dates
        (``2026-10-03``) and dates with a month name (``3 Oct 2026``) are always
        read. When not given, a column of day/month dates is read in the order it
        proves (a first number above 12 in any cell: day first for every cell; a
        second one above 12: month first); a column that cannot tell is a problem
        naming the column, two of its cells and this option. Two-digit years are
        2000 + the number; dates before 1900 or after 2200 are problems of their cell.
    encoding, delimiter : str, optional
        For tables given as CSV paths: force the encoding (default: detected,
        UTF-8 or Windows-1252) or the delimiter (default: found from each file;
        ``","``, ``";"``, ``"\t"``).

    Returns
    -------
    ComplianceReport
        ``report.inputs`` says what was read: each table's source, encoding,
        delimiter, rows, blank lines left out and how its dates were read.

    Raises
    ------
    LogError
        One error listing every problem of the pairs, meetings and events tables
        together: in pairs, a duplicate pair, a blank id, an unreadable
        ``matched_on``, an assignment after the cycle end; in meetings and events,
        a pair that is not in the pairs table, a missing or negative duration, a
        missing or unreadable date, an unknown event kind or meeting mode, a
        ``reported_by`` / ``participant_id`` that is not the pair's mentor or
        mentee, a missing column, a date column whose day/month order cannot be
        told. ``.problems`` has row, column (``meetings.date`` when several tables
        have problems), value and what was expected. The row is the file row
        (header = row 1, first data row = 2) for a path, and for a DataFrame its
        index label when the index is named ``"row"`` (as the readers return it,
        filtered or not), else the 0-based position; ``report.meetings``,
        ``report.unused_meetings`` and ``report.unused_events`` number rows the
        same way. (A pairs table without ``mentor_id`` or ``mentee_id`` is
        reported alone: nothing can be matched to it; a file that cannot be read
        as a table is reported alone too.)
    ParameterError
        For a ``start``, ``end`` or ``as_of`` that is not a date (text must be
        written ``YYYY-MM-DD``: ``03/04/2027`` could be either of two days), or
        ``start`` after ``end``; a bad ``date_format``, ``encoding`` or ``delimiter``.
    FileNotFoundError
        A path with no file.

    Notes
    -----
    **Two logs.** With ``reported_by``, the two logs are reconciled meeting by
    meeting (rows of the same pair on the same day, or at most the
    ``log_agreement`` rule's ``tolerance_days`` apart, closest first); a
    reconciled meeting counts once, as the mentee logged it, and a row the other
    log lacks still counts; ``log_agreement`` reports each disagreeing or
    unconfirmed entry. ``report.meetings`` shows which rows counted and what each
    was ``reconciled_with``.

    **Identical rows.** A meeting row identical to an earlier one (the same pair,
    date, minutes, ``mode`` and ``reported_by``) is counted once: the others are
    listed in ``report.unused_meetings`` as "the same meeting as row N".

    **Rules.** See ``mentormatch.compliance`` for each rule's exact semantics.

    Examples
    --------
    >>> import pandas as pd, mentormatch as mm
    >>> pairs = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]})
    >>> meetings = pd.DataFrame({"mentor_id": "m1", "mentee_id": "e1",
    ...     "date": ["2026-09-10", "2026-10-05", "2026-11-20"], "duration_minutes": 60})
    >>> policy = mm.policies.AMCTO
    >>> report = mm.check_cycle(pairs, meetings, policy, as_of="2026-12-01")
    >>> report.violations.loc[report.violations.rule == "max_gap", "detail"].item()
    'No meeting between 2026-10-05 and 2026-11-20 (46 days); the program allows at most 42.'
    """
    fmt = check_date_format(date_format, "check_cycle")
    check_options("check_cycle", encoding, delimiter, 0)
    pairs, meetings, events = (
        _file(table, name, encoding, delimiter)
        for table, name in ((pairs, "pairs"), (meetings, "meetings"), (events, "events"))
    )
    problems: list[dict[str, Any]] = []
    inputs: dict[str, dict[str, Any]] = {"pairs": {}, "meetings": {}}
    pol, cycle = read_cycle(
        pairs,
        policy,
        start,
        end,
        as_of,
        "check_cycle",
        problems,
        date_format=fmt,
        info=inputs["pairs"],
    )
    mt = validate_meetings(
        meetings, cycle.pairs, problems, date_format=fmt, info=inputs["meetings"]
    )
    ev = None
    if events is not None:
        inputs["events"] = {}
        ev = validate_events(events, cycle.pairs, problems, date_format=fmt, info=inputs["events"])
    raise_log_problems(problems)
    judged, kept = mt.distinct()
    report = _judge(pol, cycle, judged, ev)
    file_rows(report, mt, judged, kept, ev, cycle.pairs)
    report.inputs = inputs_table(inputs)
    return report


def _file(data: Any, name: str, encoding: str | None, delimiter: str | None) -> Any:
    """A table given as a path, read (cells, file rows); anything else as it is."""
    if isinstance(data, (str, Path)):
        return load(data, name, "check_cycle", encoding=encoding, delimiter=delimiter)
    return data


def _judge(
    pol: ProgramPolicy, cycle: Cycle, mt: MeetingLog, ev: EventLog | None
) -> ComplianceReport:
    table, a = cycle.pairs, cycle.as_of
    p_start, p_end, p_assign = cycle.pair_start, cycle.pair_end, cycle.assigned
    # ------------------------------------------------------------ meetings used
    s = p_start[mt.pair]
    e = p_end[mt.pair]
    late = mt.day > a
    before = ~late & (mt.day < s)
    after = ~late & ~before & (mt.day > e)
    inside = ~(late | before | after)
    reason = np.full(len(mt.day), None, dtype=object)
    reason[late] = "after as_of (" + date_text(np.asarray([a]))[0] + ")"
    reason[before] = cat("before the pair's cycle start (", date_text(s[before]), ")")
    ended = cycle.ended if cycle.ended is not None else np.zeros(len(table), dtype=bool)
    why_end = cycle.end_reason
    after_end = after & ended[mt.pair]
    reason[after & ~after_end] = cat(
        "after the pair's cycle end (", date_text(e[after & ~after_end]), ")"
    )
    reason[after_end] = cat(
        "after the pair ended on ",
        date_text(e[after_end]),
        " (",
        why_end[mt.pair[after_end]].astype(object),
        ")",
    )
    unused_m = np.flatnonzero(~inside)

    ip, iday, imin = mt.pair[inside], mt.day[inside], mt.minutes[inside]
    irow = mt.row[inside]
    order = np.lexsort((irow, iday, ip))
    ip, iday, imin, irow = ip[order], iday[order], imin[order], irow[order]
    counted = np.ones(len(ip), dtype=bool)
    partner = np.full(len(ip), -1, dtype=np.int64)
    s_log: tuple[np.ndarray, ...] | None = None
    if mt.side is not None:
        iside = mt.side[irow]
        agreement = pol.cycle.rule("log_agreement")
        tol_days = int(agreement["tolerance_days"]) if agreement is not None else 0
        mode_code = pd.factorize(mt.mode[irow], sort=True)[0] if mt.mode is not None else None
        counted, partner = _counted(ip, iday, imin, iside, tol_days, mode_code)
        s_log = (ip, iday, imin, iside, partner)
    m_pair, m_day, m_min = ip[counted], iday[counted], imin[counted]
    m_mode = mt.mode[irow[counted]] if mt.mode is not None else None

    # ------------------------------------------------------------ events used
    rule_pos = {r.code: i for i, r in enumerate(pol.cycle.rules)}
    used_kinds = {
        k
        for r in pol.cycle.rules
        if r.code in RULE_EVENT_KINDS
        for k in RULE_EVENT_KINDS[r.code](r)
    }
    has_events = ev is not None
    if ev is None:
        ev = EventLog.empty()
    e_late = ev.day > a
    e_kind_unused = ~np.isin(ev.kind, np.array(sorted(used_kinds), dtype=object))
    e_reason = np.full(len(ev.day), None, dtype=object)
    e_reason[e_kind_unused] = cat(
        f"the {pol.name} policy has no rule that uses '", ev.kind[e_kind_unused], "'"
    )
    e_reason[e_late] = "after as_of (" + date_text(np.asarray([a]))[0] + ")"
    keep = ~e_late

    ctx = Context(
        policy=pol,
        as_of=a,
        start=p_start,
        end=p_end,
        assign=p_assign,
        formed=paperwork_opens(pol, p_start, p_assign, cycle.start),
        m_pair=m_pair,
        m_day=m_day,
        m_minutes=m_min,
        m_mode=m_mode,
        s_pair=s_log[0] if s_log else None,
        s_day=s_log[1] if s_log else None,
        s_minutes=s_log[2] if s_log else None,
        s_side=s_log[3] if s_log else None,
        s_partner=s_log[4] if s_log else None,
        has_events=has_events,
        e_row=ev.row[keep],
        e_pair=ev.pair[keep],
        e_kind=ev.kind[keep],
        e_day=ev.day[keep],
        e_side=ev.side[keep],
        ended=ended,
        reason=why_end,
        person=(pd.factorize(table.mentor)[0], pd.factorize(table.mentee)[0]),
    )
    found = []
    for rule in pol.cycle.rules:
        out = Found(rule.code, rule.severity)
        RULES[rule.code](ctx, rule, out)
        found.append(out)
    for rows, why in ctx.unused_events:  # the first reason given for a row is kept
        at = np.searchsorted(ev.row, rows)  # ev.row is the rows' positions, ascending
        free = pd.isna(e_reason[at])
        e_reason[at[free]] = why[free] if isinstance(why, np.ndarray) else why

    # ------------------------------------------------------------ tables
    ids = Ids(table)
    frame, pair_required, pair_recommended = violations_table(found, rule_pos, ids)
    req = np.bincount(pair_required, minlength=len(table))
    rec = np.bincount(pair_recommended, minlength=len(table))
    longest = np.full(len(table), -1, dtype=np.int64)
    np.maximum.at(longest, ctx.m_pair, ctx.m_gap)
    longest = np.maximum(longest, ctx.tail)
    summary = pd.DataFrame(
        {
            "mentor_id": ids.mentor_s,
            "mentee_id": ids.mentee_s,
            "meetings": ctx.m_count.astype(np.int64),
            "hours": np.round(np.bincount(m_pair, weights=m_min, minlength=len(table)) / 60, 2),
            "longest_gap_days": pd.arrays.IntegerArray(
                np.where(ctx.started, longest, 0), ~ctx.started
            ),
            "required_violations": req.astype(np.int64),
            "recommended_violations": rec.astype(np.int64),
            "compliant": req == 0,
            "start": days_to_datetimes(p_start),
            "end": days_to_datetimes(p_end),
            "ended_on": days_to_datetimes(np.where(ended, p_end, OPEN)),
            "end_reason": pd.array(why_end, dtype="string"),
        }
    )
    unused_meetings = pd.DataFrame(
        {
            "row": mt.row[unused_m],
            "mentor_id": ids.mentor_s.iloc[mt.pair[unused_m]].to_numpy(),
            "mentee_id": ids.mentee_s.iloc[mt.pair[unused_m]].to_numpy(),
            "date": days_to_datetimes(mt.day[unused_m]),
            "duration_minutes": mt.minutes[unused_m],
            "reason": pd.array(reason[unused_m].astype(str), dtype="string"),
        }
    )
    ue = np.flatnonzero(pd.notna(e_reason))
    unused_events = pd.DataFrame(
        {
            "row": ev.row[ue],
            "mentor_id": ids.mentor_s.iloc[ev.pair[ue]].to_numpy(),
            "mentee_id": ids.mentee_s.iloc[ev.pair[ue]].to_numpy(),
            "kind": pd.array(ev.kind[ue].astype(str), dtype="string"),
            "date": days_to_datetimes(ev.day[ue]),
            "reason": pd.array(e_reason[ue].astype(str), dtype="string"),
        }
    )
    sev = {r.code: r.severity for r in pol.cycle.rules}
    nc = list(dict.fromkeys(ctx.not_checked))
    not_checked = pd.DataFrame(
        {
            "rule": pd.array([r for r, _ in nc], dtype="string"),
            "severity": pd.array([sev[r] for r, _ in nc], dtype="string"),
            "reason": pd.array([w for _, w in nc], dtype="string"),
        }
    )
    used = pd.DataFrame(
        {
            "row": irow,
            "mentor_id": ids.mentor_s.iloc[ip].to_numpy(),
            "mentee_id": ids.mentee_s.iloc[ip].to_numpy(),
            "date": days_to_datetimes(iday),
            "duration_minutes": imin,
        }
    )
    if mt.mode is not None:
        used["mode"] = pd.array(mt.mode[irow], dtype="string")
    if mt.side is not None:
        used["reported_by"] = ids.participant(ip, mt.side[irow])
    used["counted"] = counted
    used["reconciled_with"] = pd.arrays.IntegerArray(
        np.where(partner >= 0, irow[np.maximum(partner, 0)], 0).astype(np.int64), partner < 0
    )
    return ComplianceReport(
        policy=pol,
        as_of=_timestamp(a),
        start=_timestamp(cycle.start),
        end=_timestamp(cycle.end),
        violations=frame,
        summary=summary,
        unused_meetings=unused_meetings,
        unused_events=unused_events,
        not_checked=not_checked,
        meetings=used,
        upcoming=upcoming_table(found, rule_pos, ids, a),
        hours=hours_table(
            ids,
            ip,
            imin,
            mt.side[irow] if mt.side is not None else None,
            partner,
            _tolerance_minutes(pol),
        ),
        calendar=calendar_record(
            pol.cycle, [r.code for r in pol.cycle.rules if r.code in BUSINESS_DAY_RULES]
        ),
    )


def _tolerance_minutes(policy: ProgramPolicy) -> float:
    """The minutes two logs may differ by and still agree (``log_agreement``; 0 without it)."""
    rule = policy.cycle.rule("log_agreement")
    return float(rule["tolerance_minutes"]) if rule is not None else 0.0


def _timestamp(day: int | None) -> Any:
    return None if day is None else pd.Timestamp(days_to_datetimes(np.asarray([day]))[0])


def _counted(
    pair: np.ndarray,
    day: np.ndarray,
    minutes: np.ndarray,
    side: np.ndarray,
    tolerance_days: int,
    mode: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Which rows of a two-sided log count as meetings, and each row's counterpart.

    The two logs are reconciled meeting by meeting (:func:`._rules.reconcile`:
    rows of the same pair at most ``tolerance_days`` apart, closest first). A
    reconciled meeting counts once, as the mentee logged it (date, minutes,
    mode: the mentee initiates the meetings, AMCTO "Initiate meetings with your
    mentor"); a row the other log lacks still counts (one side's record of a
    meeting is enough for the meeting rules; ``log_agreement`` reports it).
    Returns ``(counted, partner)``, ``partner`` the position of the counterpart
    (``-1``: none).
    """
    partner = reconcile(pair, day, minutes, side, tolerance_days, tie=mode)
    return (side == 1) | (partner < 0), partner
