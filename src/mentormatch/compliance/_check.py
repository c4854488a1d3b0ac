"""``check_cycle``: judge the meetings and events logs of every pair against the policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._params import param_error
from .._policy import ProgramPolicy
from ._calendar import (
    NO_DAY,
    OPEN,
    add_months,
    calendar_record,
    date_text,
    day_of,
    days_to_datetimes,
    month_end,
    month_of,
    month_start,
    today,
)
from ._logs import (
    EventLog,
    MeetingLog,
    PairTable,
    check_pair_windows,
    raise_log_problems,
    read_events,
    read_meetings,
    read_pairs,
)
from ._report import UPCOMING_COLUMNS, VIOLATION_COLUMNS, ComplianceReport
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

__all__ = ["Cycle", "check_cycle", "read_cycle"]


def check_cycle(
    pairs: Any,
    meetings: Any,
    policy: str | ProgramPolicy = "amcto",
    *,
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    events: Any = None,
) -> ComplianceReport:
    """Check every pair's meetings and submissions against the program's cycle rules.

    Parameters
    ----------
    pairs : DataFrame or MatchResult
        ``mentor_id``, ``mentee_id`` (text; numbers are read as text) and,
        optionally, ``matched_on``: each pair's assignment date. Any object with a
        ``.pairs`` DataFrame (a match result) is accepted; other columns are ignored.
    meetings : DataFrame or list of dict
        One row per meeting: ``mentor_id``, ``mentee_id``, ``date``,
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
    events : DataFrame or list of dict, optional
        One row per submission: ``mentor_id``, ``mentee_id``, ``kind`` (one of
        ``EVENT_KINDS``), ``date`` and ``participant_id`` (required for surveys,
        which each participant completes). ``None`` (default): the rules that read
        events are listed in ``not_checked`` instead of being judged; pass an
        empty table to judge them with nothing submitted.

    Returns
    -------
    ComplianceReport

    Raises
    ------
    LogError
        One error listing every problem of the pairs, meetings and events tables
        together: in pairs, a duplicate pair, a blank id, an unreadable
        ``matched_on``, an assignment after the cycle end; in meetings and events,
        a pair that is not in the pairs table, a missing or negative duration, a
        missing or unreadable date, an unknown event kind or meeting mode, a
        ``reported_by`` / ``participant_id`` that is not the pair's mentor or
        mentee, a missing column. ``.problems`` has row (0-based position in the
        table given), column (``meetings.date`` when several tables have problems),
        value and what was expected. (A pairs table without ``mentor_id`` or
        ``mentee_id`` is reported alone: nothing can be matched to it.)
    ParameterError
        For a ``start``, ``end`` or ``as_of`` that is not a date, or ``start``
        after ``end``.

    Notes
    -----
    **Two logs.** With ``reported_by``, the two logs are reconciled meeting by
    meeting (rows of the same pair on the same day, or at most the
    ``log_agreement`` rule's ``tolerance_days`` apart, closest first); a
    reconciled meeting counts once, as the mentee logged it, and a row the other
    log lacks still counts; ``log_agreement`` reports each disagreeing or
    unconfirmed entry. ``report.meetings`` shows which rows counted and what each
    was ``reconciled_with``.

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
    problems: list[dict[str, Any]] = []
    pol, cycle = read_cycle(pairs, policy, start, end, as_of, "check_cycle", problems)
    mt = read_meetings(meetings, cycle.pairs, problems)
    ev = read_events(events, cycle.pairs, problems) if events is not None else None
    raise_log_problems(problems)
    return _judge(pol, cycle, mt, ev)


@dataclass(frozen=True)
class Cycle:
    """The pairs and their cycles, as day numbers (``OPEN``: an open-ended cycle)."""

    pairs: PairTable
    as_of: int
    start: int | None  # the program-wide cycle; None when each pair has its own
    end: int | None
    pair_start: np.ndarray
    pair_end: np.ndarray
    assigned: np.ndarray  # each pair's assignment date: matched_on, else its start


def read_cycle(
    pairs: Any,
    policy: Any,
    start: Any,
    end: Any,
    as_of: Any,
    func: str,
    problems: list[dict[str, Any]],
) -> tuple[ProgramPolicy, Cycle]:
    """Check the parameters ``func`` shares with :func:`check_cycle`, read the pairs
    table (its problems go to ``problems``) and work out every pair's cycle."""
    from ..policies import get_policy

    if not isinstance(policy, (str, ProgramPolicy)):
        raise param_error("policy", func, "a preset name or a ProgramPolicy", policy)
    pol = get_policy(policy)
    a = day_of(as_of, "as_of", func)
    a = today() if a is None else a
    s0 = day_of(start, "start", func)
    e0 = day_of(end, "end", func)
    if s0 is not None and e0 is not None and s0 > e0:
        raise param_error("end", func, f"a date on or after start ({start})", end)
    need = None
    if pol.cycle.rolling and s0 is None:
        need = (
            f"the pair's assignment date: the {pol.name} cycle is rolling, each pair's "
            "cycle starts on its matched_on date (or pass start=)"
        )
    table = read_pairs(pairs, problems, need_matched_on=need, func=func)
    s_all, e_all = cycle_windows(pol, a, s0, e0)
    p_start, p_end, p_assign = pair_windows(pol, table, s_all, e_all)
    check_pair_windows(table, p_start, p_end, problems)
    return pol, Cycle(table, a, s_all, e_all, p_start, p_end, p_assign)


def cycle_windows(
    policy: ProgramPolicy, as_of: int, start: int | None, end: int | None
) -> tuple[int | None, int | None]:
    """The program-wide cycle (day numbers) from the arguments and the policy's months."""
    cyc = policy.cycle
    if cyc.rolling:
        return start, end
    months = int(cyc.duration_months)  # type: ignore[arg-type]
    if start is None:
        if end is None:
            m = int(month_of(np.asarray(as_of)))
            m -= (m % 12 - (int(cyc.start_month) - 1)) % 12  # type: ignore[arg-type]
        else:
            m = int(month_of(np.asarray(end))) - months + 1
        start = int(month_start(np.asarray(m)))
    if end is None:
        end = int(month_end(np.asarray(int(month_of(np.asarray(start))) + months - 1)))
    return start, end


def pair_windows(
    policy: ProgramPolicy, pairs: PairTable, start: int | None, end: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pair's cycle start, end (``OPEN`` when open-ended) and assignment date."""
    matched = pairs.matched_on
    has = matched != NO_DAY
    base = np.full(len(pairs), NO_DAY if start is None else start, dtype=np.int64)
    p_start = np.where(has, np.maximum(matched, base), base)
    assign = np.where(has, matched, p_start)
    length = policy.cycle.length_months
    if end is not None:
        p_end = np.full(len(pairs), end, dtype=np.int64)
    elif length is not None:
        p_end = add_months(p_start, int(length)) - 1
    else:
        p_end = np.full(len(pairs), OPEN, dtype=np.int64)
    return p_start, p_end, assign


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
    reason[after] = cat("after the pair's cycle end (", date_text(e[after]), ")")
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
    ids = _Ids(table)
    frame, pair_required, pair_recommended = _violations(found, rule_pos, ids)
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
        upcoming=_upcoming(found, rule_pos, ids, a),
        calendar=calendar_record(
            pol.cycle, [r.code for r in pol.cycle.rules if r.code in BUSINESS_DAY_RULES]
        ),
    )


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


class _Ids:
    def __init__(self, table: PairTable) -> None:
        self.mentor = table.mentor
        self.mentee = table.mentee
        self.mentor_s = pd.Series(table.mentor, dtype="string")
        self.mentee_s = pd.Series(table.mentee, dtype="string")

    def participant(self, pair: np.ndarray, side: np.ndarray) -> Any:
        """The id of each pair's mentor (side 0) or mentee (side 1); ``<NA>`` otherwise."""
        out = np.where(side == 0, self.mentor[pair], np.where(side == 1, self.mentee[pair], None))
        return pd.array(out, dtype="string")


def _stack(found: list[Found], attr: str, rule_pos: dict[str, int]) -> dict[str, np.ndarray]:
    """The rules' chunks as one set of columns; ``seq`` numbers the chunks in order."""
    parts: dict[str, list[np.ndarray]] = {}
    seq = 0
    for f in found:
        for chunk in getattr(f, attr):
            k = len(chunk["pair"])
            for name, values in chunk.items():
                parts.setdefault(name, []).append(values)
            parts.setdefault("rule", []).append(np.full(k, f.code, dtype=object))
            parts.setdefault("severity", []).append(np.full(k, f.severity, dtype=object))
            parts.setdefault("pos", []).append(np.full(k, rule_pos[f.code], dtype=np.int64))
            parts.setdefault("seq", []).append(np.full(k, seq, dtype=np.int64))
            seq += 1
    return {name: np.concatenate(v) for name, v in parts.items()}


def _violations(
    found: list[Found], rule_pos: dict[str, int], ids: _Ids
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The violations table, and the pair of each required / recommended violation."""
    v = _stack(found, "violations", rule_pos)
    if not v:
        frame = pd.DataFrame(
            {
                "mentor_id": pd.array([], dtype="string"),
                "mentee_id": pd.array([], dtype="string"),
                "rule": pd.array([], dtype="string"),
                "severity": pd.array([], dtype="string"),
                "period_start": np.array([], dtype="datetime64[ns]"),
                "period_end": np.array([], dtype="datetime64[ns]"),
                "detail": pd.array([], dtype="string"),
                "participant_id": pd.array([], dtype="string"),
            }
        )
        empty = np.zeros(0, dtype=np.int64)
        return frame, empty, empty
    # ties: in the order the rule wrote them (e.g. form by form), then by the sentence
    text = pd.factorize(v["detail"], sort=True)[0]
    order = np.lexsort((text, v["seq"], v["end"], v["side"], v["pos"], v["start"], v["pair"]))
    v = {k: a[order] for k, a in v.items()}
    pair = v["pair"]
    frame = pd.DataFrame(
        {
            "mentor_id": pd.array(ids.mentor[pair], dtype="string"),
            "mentee_id": pd.array(ids.mentee[pair], dtype="string"),
            "rule": pd.array(v["rule"], dtype="string"),
            "severity": pd.array(v["severity"], dtype="string"),
            "period_start": days_to_datetimes(v["start"]),
            "period_end": days_to_datetimes(v["end"]),
            "detail": pd.array(v["detail"], dtype="string"),
            "participant_id": ids.participant(pair, v["side"]),
        }
    )[VIOLATION_COLUMNS]
    required = v["severity"] == "required"
    return frame, pair[required], pair[~required]


def _upcoming(found: list[Found], rule_pos: dict[str, int], ids: _Ids, a: int) -> pd.DataFrame:
    u = _stack(found, "upcoming", rule_pos)
    if not u:
        return pd.DataFrame(
            {
                "mentor_id": pd.array([], dtype="string"),
                "mentee_id": pd.array([], dtype="string"),
                "participant_id": pd.array([], dtype="string"),
                "rule": pd.array([], dtype="string"),
                "severity": pd.array([], dtype="string"),
                "due": np.array([], dtype="datetime64[ns]"),
                "action": pd.array([], dtype="string"),
            }
        )
    keep = u["due"] >= a
    u = {k: x[keep] for k, x in u.items()}
    text = pd.factorize(u["action"], sort=True)[0]
    order = np.lexsort((text, u["seq"], u["side"], u["pos"], u["pair"], u["due"]))
    u = {k: x[order] for k, x in u.items()}
    pair = u["pair"]
    return pd.DataFrame(
        {
            "mentor_id": pd.array(ids.mentor[pair], dtype="string"),
            "mentee_id": pd.array(ids.mentee[pair], dtype="string"),
            "participant_id": ids.participant(pair, u["side"]),
            "rule": pd.array(u["rule"], dtype="string"),
            "severity": pd.array(u["severity"], dtype="string"),
            "due": days_to_datetimes(u["due"]),
            "action": pd.array(u["action"], dtype="string"),
        }
    )[UPCOMING_COLUMNS]
