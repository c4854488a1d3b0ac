"""Validating the pairs, meetings and events tables of a :func:`~mentormatch.check_cycle` call.

In come the three tables in any form :func:`~._tables.given` accepts; each is
checked on its own (the checks :mod:`._logs`' readers run) and then against the
pairs (a meeting or event of a pair that does not exist, a ``reported_by`` or
``participant_id`` who is not of the pair). Out go the typed logs
(:class:`~._tables.PairTable`, :class:`~._tables.MeetingLog`,
:class:`~._tables.EventLog`), with every problem appended to one list, tagged
with its table, for :func:`~._tables.raise_log_problems`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._dates import DateFormat
from .._errors import LogError
from .._ids import hint_similar
from ..applications._cells import first_per_cell
from ._calendar import NO_DAY, date_text
from ._logs import (
    _PARTICIPANT,
    _REPORTED_BY,
    _events_local,
    _meetings_local,
    _pairs_local,
)
from ._tables import (
    EventLog,
    Given,
    MeetingLog,
    PairTable,
    _Dates,
    _flag,
    _in_column_order,
    _normalized,
    _ordered,
    _problem,
    _tagged,
    given,
)

__all__ = ["check_pair_windows", "validate_events", "validate_meetings", "validate_pairs"]


def validate_pairs(
    pairs: Any,
    problems: list[dict[str, Any]],
    *,
    need_matched_on: str | None,
    func: str = "check_cycle",
    date_format: DateFormat | None = None,
    info: dict[str, Any] | None = None,
) -> PairTable:
    """Validate the pairs table; its problems are appended to ``problems``.

    Raises :class:`LogError` at once only when an id column is missing (no
    meeting could then be matched to a pair). ``need_matched_on``: when not
    ``None``, a blank or absent ``matched_on`` is a problem and the text says why
    (a rolling program without ``start``). ``info``, when given, receives how
    the table was given and read (for ``report.inputs``).
    """
    g = given(pairs, "pairs", func)
    local: list[dict[str, Any]] = list(g.problems)
    frame = _normalized(g.frame, local)
    cols = _pairs_local(frame, g.rows, local, date_format)
    if cols is None:
        raise LogError(_ordered(first_per_cell(local)), "pairs")
    n = len(frame)
    valid = cols.valid
    matched = np.full(n, NO_DAY, dtype=np.int64)
    if cols.matched is not None:
        matched = cols.matched.days
        if need_matched_on is not None:
            blank = cols.matched.blank
            _flag(local, frame, "matched_on", blank, need_matched_on, g.rows)
            valid &= ~blank
    elif need_matched_on is not None and n:
        local.append(_problem(None, "matched_on", None, need_matched_on))
        valid[:] = False
    problems.extend(_tagged(_in_column_order(first_per_cell(local), frame.columns), "pairs"))
    if info is not None:
        info.update(_described(g, len(frame), {"matched_on": cols.matched, "ended_on": cols.ended}))
    dup = cols.dup
    return PairTable(
        mentor=cols.mentor,
        mentee=cols.mentee,
        matched_on=matched,
        valid=valid,
        keys=pd.Index(cols.keys[~dup]),
        first=np.flatnonzero(~dup),
        label=g.rows,
        ended_on=cols.ended.days if cols.ended is not None else np.full(n, NO_DAY, np.int64),
        end_reason=cols.reason if cols.reason is not None else np.full(n, None, object),
    )


def _described(g: Given, n: int, dates: Mapping[str, _Dates | None]) -> dict[str, Any]:
    """How a table was given, for ``report.inputs``."""
    out = dict(g.info)
    out["rows"] = n
    orders = dict(out.get("date_order") or {})
    for col, d in dates.items():
        if d is not None and (d.order != "date cells" or col not in orders):
            orders[col] = d.order
    out["date_order"] = orders
    return out


def check_pair_windows(
    pairs: PairTable, start: np.ndarray, end: np.ndarray, problems: list[dict[str, Any]]
) -> None:
    """A pair assigned after its cycle's end cannot be judged, nor one that ended before its
    cycle started: problems of the pairs table (``end`` is the cycle's, before ``ended_on``)."""
    ended = pairs.ended_on if pairs.ended_on is not None else np.full(len(pairs), NO_DAY)
    has_end = ended != NO_DAY
    matched_ok = (pairs.matched_on == NO_DAY) | (ended >= pairs.matched_on)
    before = pairs.valid & (start <= end) & has_end & matched_ok & (ended < start)
    label0 = pairs.label if pairs.label is not None else np.arange(len(pairs))
    problems.extend(
        _tagged(
            [
                _problem(
                    label0[i],
                    "ended_on",
                    date_text(ended[i : i + 1])[0],
                    f"a date on or after the pair's cycle start, {t}",
                )
                for i, t in zip(np.flatnonzero(before), date_text(start[before]), strict=True)
            ],
            "pairs",
        )
    )
    bad = pairs.valid & (start > end)
    text = date_text(end[bad])
    label = pairs.label if pairs.label is not None else np.arange(len(pairs))
    problems.extend(
        _tagged(
            [
                _problem(
                    label[i],
                    "matched_on",
                    date_text(pairs.matched_on[i : i + 1])[0],
                    f"a date on or before the cycle end, {t}",
                )
                for i, t in zip(np.flatnonzero(bad), text, strict=True)
            ],
            "pairs",
        )
    )


def _lookup_pairs(
    mentor: np.ndarray,
    mentee: np.ndarray,
    ok: np.ndarray,
    pairs: PairTable,
    problems: list[dict[str, Any]],
    what: str,
    rows: np.ndarray,
) -> np.ndarray:
    """The position of each row's pair in the pairs table (-1: none, a problem)."""
    pos = pairs.lookup(mentor, mentee)
    unknown = ok & (pos < 0)
    start = len(problems)
    if unknown.any():
        mentors = set(pairs.mentor.tolist())
        mentees = set(pairs.mentee.tolist())
        for i in np.flatnonzero(unknown):
            if mentor[i] not in mentors:
                problems.append(
                    _problem(rows[i], "mentor_id", mentor[i], "the mentor of one of the pairs")
                )
            elif mentee[i] not in mentees:
                problems.append(
                    _problem(rows[i], "mentee_id", mentee[i], "the mentee of one of the pairs")
                )
            else:
                problems.append(
                    _problem(
                        rows[i],
                        "mentee_id",
                        mentee[i],
                        f"a mentee paired with mentor {mentor[i]!r} in the pairs table "
                        f"(this {what} row names a pair that does not exist)",
                    )
                )
    hint_similar(problems[start:], {"mentor_id": pairs.mentor, "mentee_id": pairs.mentee})
    return pos


def _sides(
    values: np.ndarray,
    col: str,
    pos: np.ndarray,
    known: np.ndarray,
    pairs: PairTable,
    problems: list[dict[str, Any]],
    *,
    expected: str,
    rows: np.ndarray,
) -> np.ndarray:
    """0 when the cell is the pair's mentor, 1 its mentee, -1 blank; problems otherwise."""
    present = pd.notna(values)
    safe = np.where(known, pos, 0)
    is_mentor = known & (values == pairs.mentor[safe])
    is_mentee = known & (values == pairs.mentee[safe])
    side = np.where(is_mentor, 0, np.where(is_mentee, 1, -1)).astype(np.int8)
    wrong = known & present & ~is_mentor & ~is_mentee
    for i in np.flatnonzero(wrong):
        problems.append(_problem(rows[i], col, values[i], expected))
    return side


def _begin(
    data: Any,
    name: str,
    columns: Any,
    problems: list[dict[str, Any]],
    date_format: DateFormat | None,
    info: dict[str, Any] | None,
) -> tuple[Given, pd.DataFrame, np.ndarray, int, list[dict[str, Any]], Any] | None:
    """A log table's own checks: ``(given, frame, rows, n, its problems, its columns)``.

    ``None`` when there is nothing to judge: no columns at all, or a table whose
    columns cannot be read (its problems then go to ``problems`` at once).
    ``columns`` is the table's column reader (``_meetings_local``...).
    """
    g = given(data, name)
    frame, rows = g.frame, g.rows
    n = len(frame)
    if info is not None:
        info.update(_described(g, n, {}))
    if n == 0 and frame.columns.empty:
        return None
    local: list[dict[str, Any]] = list(g.problems)
    frame = _normalized(frame, local)
    cols = columns(frame, rows, local, date_format)
    if cols is None:
        problems.extend(_tagged(first_per_cell(local), name))
        return None
    return g, frame, rows, n, local, cols


def validate_meetings(
    meetings: Any,
    pairs: PairTable,
    problems: list[dict[str, Any]],
    *,
    date_format: DateFormat | None = None,
    info: dict[str, Any] | None = None,
) -> MeetingLog:
    """Validate the meetings table; problems are appended to ``problems``.

    ``info``, when given, receives how the table was given and read.
    """
    begun = _begin(meetings, "meetings", _meetings_local, problems, date_format, info)
    if begun is None:
        return MeetingLog.empty()
    g, frame, rows, n, local, cols = begun
    pos = _lookup_pairs(cols.mentor, cols.mentee, cols.ids_ok, pairs, local, "meeting", rows)
    known = cols.ids_ok & (pos >= 0)
    side = None
    if cols.reported_by is not None:
        side = _sides(
            cols.reported_by,
            "reported_by",
            pos,
            known,
            pairs,
            local,
            expected=_REPORTED_BY,
            rows=rows,
        )
    problems.extend(_tagged(_in_column_order(first_per_cell(local), frame.columns), "meetings"))
    if info is not None:
        info.update(_described(g, n, {"date": cols.date}))
    minutes = np.nan_to_num(cols.minutes, nan=0.0)
    return MeetingLog(
        row=np.arange(n, dtype=np.int64),
        pair=pos.astype(np.int64),
        day=cols.date.days,
        minutes=minutes,
        mode=cols.mode,
        side=side,
        label=rows,
        same_as=_same_as(pos, cols.date.days, minutes, cols.mode, side),
    )


def _same_as(
    pair: np.ndarray,
    day: np.ndarray,
    minutes: np.ndarray,
    mode: np.ndarray | None,
    side: np.ndarray | None,
) -> np.ndarray:
    """For each row the position of the first identical row before it, else -1."""
    n = len(pair)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = pd.DataFrame(
        {
            "pair": pair,
            "day": day,
            "minutes": minutes,
            "mode": pd.factorize(mode)[0] if mode is not None else 0,
            "side": side if side is not None else 0,
        }
    )
    group = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    first = np.full(int(group.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, group, np.arange(n, dtype=np.int64))
    at = first[group]
    return np.where(at < np.arange(n), at, -1)


def validate_events(
    events: Any,
    pairs: PairTable,
    problems: list[dict[str, Any]],
    *,
    date_format: DateFormat | None = None,
    info: dict[str, Any] | None = None,
) -> EventLog:
    """Validate the events table; problems are appended to ``problems``.

    ``info``, when given, receives how the table was given and read.
    """
    begun = _begin(events, "events", _events_local, problems, date_format, info)
    if begun is None:
        return EventLog.empty()
    g, frame, rows, n, local, cols = begun
    pos = _lookup_pairs(cols.mentor, cols.mentee, cols.ids_ok, pairs, local, "event", rows)
    known = cols.ids_ok & (pos >= 0)
    side = np.full(n, -1, dtype=np.int8)
    if cols.participant is not None:
        side = _sides(
            cols.participant,
            "participant_id",
            pos,
            known,
            pairs,
            local,
            expected=_PARTICIPANT,
            rows=rows,
        )
    problems.extend(_tagged(_in_column_order(first_per_cell(local), frame.columns), "events"))
    if info is not None:
        info.update(_described(g, n, {"date": cols.date}))
    return EventLog(
        row=np.arange(n, dtype=np.int64),
        pair=pos.astype(np.int64),
        kind=cols.kind,
        day=cols.date.days,
        side=side,
        label=rows,
    )
