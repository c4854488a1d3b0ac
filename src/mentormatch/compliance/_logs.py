"""Reading and validating the pairs, meetings and events tables of a cycle check.

Every problem of a table is collected and raised once as a
:class:`~mentormatch.LogError` whose ``.problems`` lists row (the 0-based
position of the row in the table given), column, value and what was expected.
The problems of the pairs, meetings and events tables are raised together, in
one error (only a pairs table without its id columns is reported alone: no
meeting could be matched to a pair).

Column names are trimmed and lower-cased, with spaces and hyphens read as ``_``
(``"Mentor ID"`` is ``mentor_id``). Ids are text: in a numeric column ``17`` and
``17.0`` are both ``"17"``. Dates may be dates, datetimes (the time of day is
dropped) or text (ISO ``2026-10-03`` first, then any format pandas can read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._errors import LogError
from .._params import param_error
from .._policy import EVENT_KINDS
from .._schema import _is_blank, _normalize_columns, _numbers, _shown, _text_values
from ._calendar import NO_DAY, date_text

__all__ = [
    "MODES",
    "PARTICIPANT_KINDS",
    "EventLog",
    "MeetingLog",
    "PairTable",
    "read_events",
    "read_meetings",
    "read_pairs",
]

#: Meeting modes (DESIGN.md).
MODES: tuple[str, ...] = ("in_person", "video", "phone")
#: Event kinds each participant submits on their own (a ``participant_id`` is required).
PARTICIPANT_KINDS: tuple[str, ...] = ("mid_survey", "final_survey")

_MODE_ALIASES = {
    "in_person": "in_person",
    "inperson": "in_person",
    "video": "video",
    "phone": "phone",
}
_SEP = "\x1f"


@dataclass(frozen=True)
class PairTable:
    """The pairs, in input order: ids as text, ``matched_on`` as day numbers (``NO_DAY``)."""

    mentor: np.ndarray
    mentee: np.ndarray
    matched_on: np.ndarray
    valid: np.ndarray  # rows without a problem
    keys: pd.Index  # "mentor\x1fmentee" of each pair's first row
    first: np.ndarray  # position in the table of each key

    def __len__(self) -> int:
        return len(self.mentor)

    def lookup(self, mentor: np.ndarray, mentee: np.ndarray) -> np.ndarray:
        """The position of each (mentor, mentee) pair in the table, -1 when absent."""
        at = self.keys.get_indexer(_pair_keys(mentor, mentee))
        return np.where(at >= 0, self.first[np.maximum(at, 0)], -1)


@dataclass(frozen=True)
class MeetingLog:
    """Valid meeting rows: position in the input, pair, day, minutes, mode, reporting side."""

    row: np.ndarray
    pair: np.ndarray
    day: np.ndarray
    minutes: np.ndarray
    mode: np.ndarray | None  # object array of MODES or None (blank); None when no column
    side: np.ndarray | None  # int8: 0 mentor, 1 mentee; None when no reported_by column

    @classmethod
    def empty(cls) -> MeetingLog:
        z = np.zeros(0, np.int64)
        return cls(row=z, pair=z, day=z, minutes=np.zeros(0, float), mode=None, side=None)


@dataclass(frozen=True)
class EventLog:
    """Valid event rows: position in the input, pair, kind, day, participant side (-1: none)."""

    row: np.ndarray
    pair: np.ndarray
    kind: np.ndarray
    day: np.ndarray
    side: np.ndarray

    @classmethod
    def empty(cls) -> EventLog:
        z = np.zeros(0, np.int64)
        return cls(row=z, pair=z, kind=np.zeros(0, object), day=z, side=np.zeros(0, np.int8))


# --------------------------------------------------------------------------- tables


def _as_frame(data: Any, name: str, func: str = "check_cycle") -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    if name == "pairs" and isinstance(getattr(data, "pairs", None), pd.DataFrame):
        return data.pairs.reset_index(drop=True)  # a MatchResult
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        expected = "a DataFrame or a list of dicts"
        if name == "pairs":
            expected += " (or a MatchResult)"
        raise param_error(name, func, expected, type(data).__name__)
    records = list(data)
    bad = [i for i, r in enumerate(records) if not isinstance(r, Mapping)]
    if bad:
        raise LogError(
            [
                {"row": i, "column": None, "value": type(records[i]).__name__, "expected": "a dict"}
                for i in bad
            ],
            name,
        )
    return pd.DataFrame.from_records(records) if records else pd.DataFrame()


def _problem(row: Any, column: str | None, value: Any, expected: str) -> dict[str, Any]:
    """One problem; ``row=None`` is about the whole table (``value=None``: column missing)."""
    return {
        "row": None if row is None else int(row),
        "column": column,
        "value": None if row is None and value is None else _shown(value),
        "expected": expected,
    }


def _flag(
    problems: list[dict[str, Any]], frame: pd.DataFrame, col: str, mask: np.ndarray, expected: str
) -> None:
    """One problem per row of ``mask``, showing the cell as given."""
    rows = np.flatnonzero(mask)
    if len(rows):
        raw = frame[col].iloc[rows].to_numpy(dtype=object)
        problems.extend(_problem(i, col, v, expected) for i, v in zip(rows, raw, strict=True))


def _missing_columns(
    frame: pd.DataFrame, required: Iterable[str], what: str, problems: list[dict[str, Any]]
) -> bool:
    missing = False
    for col in required:
        if col not in frame.columns:
            problems.append(_problem(None, col, None, f"a column {col!r} in the {what} table"))
            missing = True
    return missing


def _ids(
    frame: pd.DataFrame, col: str, problems: list[dict[str, Any]], expected: str
) -> tuple[np.ndarray, np.ndarray]:
    """Ids as an object array of text, and a mask of valid (non-blank) cells."""
    text, bad = _text_values(frame[col])
    values = text.to_numpy(dtype=object, na_value=None)
    blank = text.isna().to_numpy() & ~bad
    _flag(problems, frame, col, bad | blank, expected)
    return values, ~(bad | blank)


def _dates(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day numbers of a date column, with masks of blank and of unreadable cells."""
    n = len(series)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        blank = series.isna().to_numpy()
        return _days(series.to_numpy()), blank, np.zeros(n, dtype=bool)
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        blank = series.isna().to_numpy()
        return np.full(n, NO_DAY, dtype=np.int64), blank, ~blank  # numbers are not dates
    raw = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        text = series.astype("string").str.strip()
        blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
        values = text.astype(object).where(~blank, None)
    else:  # mixed cells: dates, datetimes, text, and maybe things that are no date at all
        blank = np.fromiter((_is_blank(v) for v in raw), dtype=bool, count=n)
        usable = np.fromiter(
            (isinstance(v, (str, dt.date, np.datetime64)) for v in raw), dtype=bool, count=n
        )
        values = pd.Series(
            [v.strip() if isinstance(v, str) else v for v in raw], dtype=object
        ).where(usable & ~blank, None)
    days = _parse(values, "ISO8601")
    retry = (days == NO_DAY) & values.notna().to_numpy()
    if retry.any():
        days[retry] = _parse(values[retry], "mixed")
    return days, blank, (days == NO_DAY) & ~blank


def _parse(values: pd.Series, fmt: str) -> np.ndarray:
    try:
        parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    except (ValueError, TypeError, OverflowError):
        if len(values) == 1:
            return np.full(1, NO_DAY, dtype=np.int64)
        # one cell spoils the whole column (mixed time zones...): read them one by one
        return np.concatenate([_parse(values.iloc[i : i + 1], fmt) for i in range(len(values))])
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return _days(parsed.to_numpy())


def _days(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind != "M":
        return np.full(len(values), NO_DAY, dtype=np.int64)
    nat = np.isnat(values)
    days = values.astype("datetime64[D]").astype(np.int64)
    days[nat] = NO_DAY
    return days


def _pair_keys(mentor: np.ndarray, mentee: np.ndarray) -> np.ndarray:
    m = np.where(pd.isna(mentor), "", mentor).astype(object)
    e = np.where(pd.isna(mentee), "", mentee).astype(object)
    return m + _SEP + e


def _normalized(frame: pd.DataFrame, problems: list[dict[str, Any]]) -> pd.DataFrame:
    """Column names normalized; a name given twice is a table-wide problem (row ``None``)."""
    before = len(problems)
    out = _normalize_columns(frame, problems)
    for p in problems[before:]:
        p["row"] = None
    return out


# --------------------------------------------------------------------------- pairs


def read_pairs(
    pairs: Any,
    problems: list[dict[str, Any]],
    *,
    need_matched_on: str | None,
    func: str = "check_cycle",
) -> PairTable:
    """Validate the pairs table; its problems are appended to ``problems``.

    Raises :class:`LogError` at once only when an id column is missing (no
    meeting could then be matched to a pair). ``need_matched_on``: when not
    ``None``, a blank or absent ``matched_on`` is a problem and the text says why
    (a rolling program without ``start``).
    """
    frame = _as_frame(pairs, "pairs", func)
    local: list[dict[str, Any]] = []
    frame = _normalized(frame, local)
    if _missing_columns(frame, ("mentor_id", "mentee_id"), "pairs", local):
        raise LogError(_ordered(local), "pairs")
    mentor, ok_m = _ids(frame, "mentor_id", local, "a non-blank mentor id")
    mentee, ok_e = _ids(frame, "mentee_id", local, "a non-blank mentee id")
    valid = ok_m & ok_e
    same = valid & (mentor == mentee)
    for i in np.flatnonzero(same):
        local.append(_problem(i, "mentee_id", mentee[i], "a mentee who is not the mentor"))
    keys = _pair_keys(mentor, mentee)
    dup = pd.Series(keys).duplicated(keep="first").to_numpy()
    if (dup & valid).any():
        first = pd.Series(np.arange(len(keys))).groupby(keys).transform("min").to_numpy()
        for i in np.flatnonzero(dup & valid):
            local.append(
                _problem(i, "mentee_id", mentee[i], f"each pair once (also on row {first[i]})")
            )
    valid &= ~same & ~dup
    n = len(frame)
    matched = np.full(n, NO_DAY, dtype=np.int64)
    if "matched_on" in frame.columns:
        matched, blank, bad = _dates(frame["matched_on"])
        _flag(local, frame, "matched_on", bad, "a date (the pair's assignment)")
        valid &= ~bad
        if need_matched_on is not None:
            _flag(local, frame, "matched_on", blank, need_matched_on)
            valid &= ~blank
    elif need_matched_on is not None and n:
        local.append(_problem(None, "matched_on", None, need_matched_on))
        valid[:] = False
    problems.extend(_tagged(local, "pairs"))
    return PairTable(
        mentor=mentor,
        mentee=mentee,
        matched_on=matched,
        valid=valid,
        keys=pd.Index(keys[~dup]),
        first=np.flatnonzero(~dup),
    )


def check_pair_windows(
    pairs: PairTable, start: np.ndarray, end: np.ndarray, problems: list[dict[str, Any]]
) -> None:
    """A pair assigned after its cycle's end cannot be judged: a problem of the pairs table."""
    bad = pairs.valid & (start > end)
    text = date_text(end[bad])
    problems.extend(
        _tagged(
            [
                _problem(
                    i,
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
    frame: pd.DataFrame, pairs: PairTable, problems: list[dict[str, Any]], what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    mentor, ok_m = _ids(frame, "mentor_id", problems, "a non-blank mentor id")
    mentee, ok_e = _ids(frame, "mentee_id", problems, "a non-blank mentee id")
    ok = ok_m & ok_e
    pos = pairs.lookup(mentor, mentee)
    unknown = ok & (pos < 0)
    if unknown.any():
        mentors = set(pairs.mentor.tolist())
        mentees = set(pairs.mentee.tolist())
        for i in np.flatnonzero(unknown):
            if mentor[i] not in mentors:
                problems.append(
                    _problem(i, "mentor_id", mentor[i], "the mentor of one of the pairs")
                )
            elif mentee[i] not in mentees:
                problems.append(
                    _problem(i, "mentee_id", mentee[i], "the mentee of one of the pairs")
                )
            else:
                problems.append(
                    _problem(
                        i,
                        "mentee_id",
                        mentee[i],
                        f"a mentee paired with mentor {mentor[i]!r} in the pairs table "
                        f"(this {what} row names a pair that does not exist)",
                    )
                )
    return pos, ok & (pos >= 0), mentor, mentee


def _sides(
    frame: pd.DataFrame,
    col: str,
    pos: np.ndarray,
    known: np.ndarray,
    pairs: PairTable,
    problems: list[dict[str, Any]],
    *,
    required: np.ndarray,
    expected: str,
) -> np.ndarray:
    """0 when the cell is the pair's mentor, 1 its mentee, -1 blank; problems otherwise."""
    text, bad = _text_values(frame[col])
    values = text.to_numpy(dtype=object, na_value=None)
    blank = text.isna().to_numpy() & ~bad
    safe = np.where(known, pos, 0)
    is_mentor = known & (values == pairs.mentor[safe])
    is_mentee = known & (values == pairs.mentee[safe])
    side = np.where(is_mentor, 0, np.where(is_mentee, 1, -1)).astype(np.int8)
    wrong = known & ~blank & ~is_mentor & ~is_mentee
    wrong |= known & blank & required
    wrong |= bad
    _flag(problems, frame, col, wrong, expected)
    return side


# --------------------------------------------------------------------------- meetings


def read_meetings(meetings: Any, pairs: PairTable, problems: list[dict[str, Any]]) -> MeetingLog:
    """Validate the meetings table; problems are appended to ``problems``."""
    frame = _as_frame(meetings, "meetings")
    n = len(frame)
    empty = MeetingLog.empty()
    if n == 0 and frame.columns.empty:
        return empty
    local: list[dict[str, Any]] = []
    frame = _normalized(frame, local)
    if _missing_columns(
        frame, ("mentor_id", "mentee_id", "date", "duration_minutes"), "meetings", local
    ):
        problems.extend(_tagged(local, "meetings"))
        return empty
    pos, known, _, _ = _lookup_pairs(frame, pairs, local, "meeting")
    days, blank, bad = _dates(frame["date"])
    _flag(local, frame, "date", blank | bad, "the date of the meeting")
    minutes, m_blank, m_bad = _numbers(frame["duration_minutes"], "duration_minutes")
    with np.errstate(invalid="ignore"):
        m_bad = m_bad | (~m_blank & ~m_bad & (~np.isfinite(minutes) | (minutes < 0)))
    _flag(local, frame, "duration_minutes", m_blank | m_bad, "a number of minutes >= 0")
    mode = None
    if "mode" in frame.columns:
        text, mbad = _text_values(frame["mode"])
        norm = text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
        mapped = norm.map(_MODE_ALIASES)
        mode = mapped.to_numpy(dtype=object, na_value=None)
        unknown = mbad | (text.notna().to_numpy() & pd.isna(mode))
        _flag(local, frame, "mode", unknown, "one of " + ", ".join(map(repr, MODES)) + " or blank")
    side = None
    if "reported_by" in frame.columns:
        side = _sides(
            frame,
            "reported_by",
            pos,
            known,
            pairs,
            local,
            required=np.ones(n, dtype=bool),
            expected="the id of the pair's mentor or mentee (whose log the row is from)",
        )
    problems.extend(_tagged(local, "meetings"))
    return MeetingLog(
        row=np.arange(n, dtype=np.int64),
        pair=pos.astype(np.int64),
        day=days,
        minutes=np.where(np.isfinite(minutes), minutes, 0.0),
        mode=mode,
        side=side,
    )


# --------------------------------------------------------------------------- events


def read_events(events: Any, pairs: PairTable, problems: list[dict[str, Any]]) -> EventLog:
    """Validate the events table; problems are appended to ``problems``."""
    frame = _as_frame(events, "events")
    n = len(frame)
    empty = EventLog.empty()
    if n == 0 and frame.columns.empty:
        return empty
    local: list[dict[str, Any]] = []
    frame = _normalized(frame, local)
    if _missing_columns(frame, ("mentor_id", "mentee_id", "kind", "date"), "events", local):
        problems.extend(_tagged(local, "events"))
        return empty
    pos, known, _, _ = _lookup_pairs(frame, pairs, local, "event")
    text, kbad = _text_values(frame["kind"])
    kind = text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    kind_v = kind.to_numpy(dtype=object, na_value=None)
    unknown = kbad | ~np.isin(kind_v, np.array(EVENT_KINDS, dtype=object))
    _flag(local, frame, "kind", unknown, "one of " + ", ".join(map(repr, EVENT_KINDS)))
    days, blank, bad = _dates(frame["date"])
    _flag(local, frame, "date", blank | bad, "the date of the submission")
    per_person = np.isin(kind_v, np.array(PARTICIPANT_KINDS, dtype=object))
    side = np.full(n, -1, dtype=np.int8)
    if "participant_id" in frame.columns:
        side = _sides(
            frame,
            "participant_id",
            pos,
            known,
            pairs,
            local,
            required=per_person,
            expected=(
                "the id of the pair's mentor or mentee (required for "
                + " and ".join(PARTICIPANT_KINDS)
                + ": each participant submits their own)"
            ),
        )
    elif per_person.any():
        local.append(
            _problem(
                None,
                "participant_id",
                None,
                "a column 'participant_id' naming who submitted each "
                + " / ".join(PARTICIPANT_KINDS)
                + f" (row {int(np.flatnonzero(per_person)[0])} is one)",
            )
        )
    problems.extend(_tagged(local, "events"))
    return EventLog(
        row=np.arange(n, dtype=np.int64),
        pair=pos.astype(np.int64),
        kind=kind_v,
        day=days,
        side=side,
    )


def _tagged(problems: list[dict[str, Any]], table: str) -> list[dict[str, Any]]:
    return [{**p, "_table": table} for p in problems]


_TABLES = ("pairs", "meetings", "events")


def raise_log_problems(problems: list[dict[str, Any]]) -> None:
    """Raise one :class:`LogError` for the problems of the pairs, meetings and events tables.

    When only one table has problems the error names it and its columns; when
    several do, the error's table is e.g. ``"meetings/events"`` and columns are
    written ``meetings.date`` / ``events.kind`` (pairs, then meetings, then events).
    """
    if not problems:
        return
    tables = [t for t in _TABLES if any(p["_table"] == t for p in problems)]
    if len(tables) == 1:
        clean = [{k: v for k, v in p.items() if k != "_table"} for p in problems]
        raise LogError(_ordered(clean), tables[0])
    merged = []
    for table in tables:
        part = [
            {
                **{k: v for k, v in p.items() if k != "_table"},
                "column": table if p["column"] is None else f"{table}.{p['column']}",
            }
            for p in problems
            if p["_table"] == table
        ]
        merged.append(_ordered(part))
    frame = pd.concat(merged, ignore_index=True)
    frame["value"] = frame["value"].astype(object).where(frame["value"].notna(), None)
    raise LogError(frame, "/".join(tables))


def _ordered(problems: list[dict[str, Any]]) -> pd.DataFrame:
    """Problems as a table, table-wide ones first, then by row (stable)."""
    frame = pd.DataFrame(problems, columns=["row", "column", "value", "expected"])
    order = pd.to_numeric(frame["row"], errors="coerce").fillna(-1).to_numpy()
    frame = frame.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    frame["row"] = frame["row"].astype("Int64")
    return frame
