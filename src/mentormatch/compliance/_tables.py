"""The typed logs a cycle check judges, and the helpers every table check shares.

In come the cells of a pairs, meetings or events table (a DataFrame, a match
result, a list of dicts, or a file read by :func:`load`); out go the typed,
validated logs the rules read (:class:`PairTable`, :class:`MeetingLog`,
:class:`EventLog`: day numbers and positions, no pandas), plus the shared cell
checks (ids, dates, missing columns) that write problems as row, column, value
and what was expected, and :func:`raise_log_problems`, which raises the problems
of all three tables as one :class:`~mentormatch.LogError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._dates import RANGE_TEXT, DateFormat, read_dates
from .._errors import LogError
from .._params import param_error
from ..applications._cells import _shown, _text_values
from ..applications._schema import _normalize_columns
from ._calendar import NO_DAY, date_text

__all__ = [
    "COMPLETED_REASONS",
    "END_REASONS",
    "MODES",
    "PARTICIPANT_KINDS",
    "EventLog",
    "Given",
    "MeetingLog",
    "PairTable",
    "given",
    "raise_log_problems",
]

#: Meeting modes (DESIGN.md).
MODES: tuple[str, ...] = ("in_person", "video", "phone")
#: Event kinds each participant submits on their own (a ``participant_id`` is required).
PARTICIPANT_KINDS: tuple[str, ...] = ("mid_survey", "final_survey")

#: Why a pair ended (the pairs table's ``end_reason``), each from the seeds:
#: AMCTO "The mentorship ends when either the agreed upon time commitment has been
#: reached or when the goals outlined have been met"; "Both parties agree to a
#: no-fault conclusion of this relationship"; "request a new match or withdraw from
#: the program" / "so that a new match can be made"; "Staff will intervene ... when
#: there has been a breach of professional conduct or confidentiality".
END_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "goals_met": "the goals outlined have been met",
        "time_commitment_reached": "the agreed upon time commitment has been reached",
        "no_fault": "a no-fault conclusion both parties agreed to",
        "withdrawn": "a participant withdrew from the program",
        "rematched": "the pair was dissolved so that a new match could be made",
        "removed": "removed by staff for a breach of professional conduct or confidentiality",
    }
)
#: Reasons that complete the mentorship (the seed's own end): the rest end it early.
COMPLETED_REASONS: tuple[str, ...] = ("goals_met", "time_commitment_reached")
_REASON_ALIASES = {
    **{k: k for k in END_REASONS},
    "goals_reached": "goals_met",
    "time_commitment_met": "time_commitment_reached",
    "no_fault_conclusion": "no_fault",
    "withdrew": "withdrawn",
    "withdrawal": "withdrawn",
    "new_match": "rematched",
    "removed_for_breach": "removed",
    "breach": "removed",
}

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
    label: np.ndarray | None = None  # the row number shown for each row (see the module)
    ended_on: np.ndarray | None = None  # day numbers, NO_DAY where the pair has not ended
    end_reason: np.ndarray | None = None  # END_REASONS codes (object), None where not ended

    def __len__(self) -> int:
        return len(self.mentor)

    def lookup(self, mentor: np.ndarray, mentee: np.ndarray) -> np.ndarray:
        """The position of each (mentor, mentee) pair in the table, -1 when absent."""
        at = self.keys.get_indexer(_pair_keys(mentor, mentee))
        return np.where(at >= 0, self.first[np.maximum(at, 0)], -1)


@dataclass(frozen=True)
class MeetingLog:
    """Valid meeting rows: position in the input, pair, day, minutes, mode, reporting side.

    ``label`` is the row number shown for each row (see the module docstring);
    ``same_as`` the position of an identical earlier row (-1: none), see
    :meth:`distinct`.
    """

    row: np.ndarray
    pair: np.ndarray
    day: np.ndarray
    minutes: np.ndarray
    mode: np.ndarray | None  # object array of MODES or None (blank); None when no column
    side: np.ndarray | None  # int8: 0 mentor, 1 mentee; None when no reported_by column
    label: np.ndarray | None = None
    same_as: np.ndarray | None = None

    @classmethod
    def empty(cls) -> MeetingLog:
        z = np.zeros(0, np.int64)
        return cls(
            row=z, pair=z, day=z, minutes=np.zeros(0, float), mode=None, side=None, label=z,
            same_as=z,
        )  # fmt: skip

    def distinct(self) -> tuple[MeetingLog, np.ndarray]:
        """The log without rows identical to an earlier one, and the positions kept.

        Identical: the same pair, date, minutes, mode and ``reported_by`` (the
        columns the check reads). Only the first of them counts; the others are
        listed as unused ("the same meeting as row N").
        """
        same = self.same_as if self.same_as is not None else np.full(len(self.row), -1)
        kept = np.flatnonzero(same < 0)
        label = self.label if self.label is not None else self.row
        log = MeetingLog(
            row=np.arange(len(kept), dtype=np.int64),
            pair=self.pair[kept],
            day=self.day[kept],
            minutes=self.minutes[kept],
            mode=None if self.mode is None else self.mode[kept],
            side=None if self.side is None else self.side[kept],
            label=label[kept],
            same_as=np.full(len(kept), -1, dtype=np.int64),
        )
        return log, kept


@dataclass(frozen=True)
class EventLog:
    """Valid event rows: position in the input, pair, kind, day, participant side (-1: none)."""

    row: np.ndarray
    pair: np.ndarray
    kind: np.ndarray
    day: np.ndarray
    side: np.ndarray
    label: np.ndarray | None = None  # the row number shown for each row

    @classmethod
    def empty(cls) -> EventLog:
        z = np.zeros(0, np.int64)
        return cls(
            row=z, pair=z, kind=np.zeros(0, object), day=z, side=np.zeros(0, np.int8), label=z
        )


# --------------------------------------------------------------------------- tables given


@dataclass
class Given:
    """A table as given to a validator: cells, the row number of each row, how it was read."""

    frame: pd.DataFrame
    rows: np.ndarray
    info: dict[str, Any]
    problems: list[dict[str, Any]] = field(default_factory=list)  # found while reading


def given(data: Any, name: str, func: str = "check_cycle") -> Given:
    """A DataFrame, a match result (pairs) or a list of dicts, with its row numbers.

    A DataFrame whose index is named ``"row"`` (as the readers return it) keeps
    its index labels as row numbers; any other table is numbered by 0-based
    position. ``info`` is the DataFrame's ``attrs["mentormatch"]`` (how its file
    was read), or says what kind of table it was.
    """
    if isinstance(data, Given):
        return data
    if isinstance(data, pd.DataFrame):
        index = data.index
        if index.name == "row" and pd.api.types.is_integer_dtype(index.dtype):
            rows = index.to_numpy(dtype=np.int64)
        else:
            rows = np.arange(len(data), dtype=np.int64)
        attrs = data.attrs.get("mentormatch")
        info = dict(attrs) if isinstance(attrs, Mapping) else {"source": "DataFrame"}
        return Given(data.reset_index(drop=True), rows, info)
    if name == "pairs" and isinstance(getattr(data, "pairs", None), pd.DataFrame):
        frame = data.pairs.reset_index(drop=True)  # a MatchResult
        return Given(frame, np.arange(len(frame), dtype=np.int64), {"source": "match result"})
    if isinstance(data, (str, bytes, Path)) or not isinstance(data, Iterable):
        expected = "a DataFrame or a list of dicts"
        if name == "pairs":
            expected += " (or a MatchResult)"
        if func == "check_cycle":
            expected += ", or the path of a .csv or .xlsx file"
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
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    return Given(frame, np.arange(len(frame), dtype=np.int64), {"source": "list of dicts"})


def _problem(row: Any, column: str | None, value: Any, expected: str) -> dict[str, Any]:
    """One problem; ``row=None`` is about the whole table (``value=None``: column missing)."""
    return {
        "row": None if row is None else int(row),
        "column": column,
        "value": None if row is None and value is None else _shown(value),
        "expected": expected,
    }


def _flag(
    problems: list[dict[str, Any]],
    frame: pd.DataFrame,
    col: str,
    mask: np.ndarray,
    expected: str,
    rows: np.ndarray,
) -> None:
    """One problem per row of ``mask``, showing the cell as given."""
    at = np.flatnonzero(mask)
    if len(at):
        raw = frame[col].iloc[at].to_numpy(dtype=object)
        problems.extend(_problem(rows[i], col, v, expected) for i, v in zip(at, raw, strict=True))


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
    frame: pd.DataFrame, col: str, problems: list[dict[str, Any]], expected: str, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Ids as an object array of text, and a mask of valid (non-blank) cells."""
    text, bad = _text_values(frame[col])
    values = text.to_numpy(dtype=object, na_value=None)
    blank = text.isna().to_numpy() & ~bad
    _flag(problems, frame, col, bad | blank, expected, rows)
    return values, ~(bad | blank)


def _optional_ids(
    frame: pd.DataFrame,
    col: str,
    problems: list[dict[str, Any]],
    expected: str,
    rows: np.ndarray,
    required: np.ndarray,
) -> np.ndarray:
    """An id column that may be blank where not ``required`` (``None`` there)."""
    text, bad = _text_values(frame[col])
    values = text.to_numpy(dtype=object, na_value=None)
    blank = text.isna().to_numpy() & ~bad
    _flag(problems, frame, col, bad | (blank & required), expected, rows)
    return values


@dataclass
class _Dates:
    days: np.ndarray
    blank: np.ndarray
    bad: np.ndarray  # not a date, or outside the range (flagged already)
    order: str


def _date_column(
    frame: pd.DataFrame,
    col: str,
    rows: np.ndarray,
    date_format: DateFormat | None,
    problems: list[dict[str, Any]],
    expected: str,
    *,
    blank_is_bad: bool,
) -> _Dates:
    """A date column read one way (see :mod:`mentormatch._dates`); its problems appended."""
    got = read_dates(frame[col], col, rows, date_format)
    problems.extend(got.problems)
    bad = got.bad | (got.blank & blank_is_bad)
    _flag(problems, frame, col, bad, expected, rows)
    _flag(problems, frame, col, got.out_of_range, RANGE_TEXT, rows)
    return _Dates(got.days, got.blank, bad | got.out_of_range | got.undecided, got.order)


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


def _in_column_order(problems: list[dict[str, Any]], columns: pd.Index) -> list[dict[str, Any]]:
    """Problems by row, then by the column's place in the table (table-wide ones first)."""
    place = {c: k for k, c in enumerate(columns)}
    keyed = [
        (-1 if p["row"] is None else p["row"], place.get(p["column"], -1), k)
        for k, p in enumerate(problems)
    ]
    return [problems[k] for *_, k in sorted(keyed)]


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
    for col in ("column", "value"):  # missing stays None (not NaN) in text columns
        values = frame[col].astype(object)
        frame[col] = values.where(values.notna(), None)
    return frame


# --------------------------------------------------------------------------- pair ends

_REASON_TEXT = "one of " + ", ".join(map(repr, END_REASONS)) + " (why the pair ended)"


def _bad_reason(frame: pd.DataFrame, reason: np.ndarray) -> np.ndarray:
    """Rows whose ``end_reason`` is given but is not a known reason."""
    text, _ = _text_values(frame["end_reason"])
    return text.notna().to_numpy() & pd.isna(reason)


def _ends(
    frame: pd.DataFrame,
    rows: np.ndarray,
    problems: list[dict[str, Any]],
    date_format: DateFormat | None,
    matched: _Dates | None,
) -> tuple[_Dates | None, np.ndarray | None]:
    """``ended_on`` and ``end_reason``: a date on or after ``matched_on`` and a known reason,
    each given with the other (the per-pair start is checked with the cycle)."""
    has_date, has_reason = "ended_on" in frame.columns, "end_reason" in frame.columns
    if not (has_date or has_reason):
        return None, None
    n = len(frame)
    ended = None
    if has_date:
        ended = _date_column(
            frame,
            "ended_on",
            rows,
            date_format,
            problems,
            "a date (the day the pair ended) or blank",
            blank_is_bad=False,
        )
    reason = None
    given_reason = np.zeros(n, dtype=bool)
    if has_reason:
        text, rbad = _text_values(frame["end_reason"])
        norm = text.str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)
        reason = norm.map(_REASON_ALIASES).to_numpy(dtype=object, na_value=None)
        given_reason = text.notna().to_numpy() | rbad
        unknown = rbad | (given_reason & pd.isna(reason))
        _flag(problems, frame, "end_reason", unknown, _REASON_TEXT + " or blank", rows)
    dated = np.zeros(n, dtype=bool) if ended is None else ~ended.blank & ~ended.bad
    # a date without a reason, a reason without a date
    if has_reason:
        _flag(
            problems,
            frame,
            "end_reason",
            dated & ~given_reason,
            _REASON_TEXT + ", since ended_on is given",
            rows,
        )
    else:
        at = np.flatnonzero(dated)
        if len(at):
            problems.append(
                _problem(
                    None,
                    "end_reason",
                    None,
                    "a column 'end_reason' saying why each pair with an ended_on date ended ("
                    + ", ".join(map(repr, END_REASONS))
                    + f"; row {int(rows[at[0]])} is one)",
                )
            )
    blank_date = np.ones(n, dtype=bool) if ended is None else ended.blank
    if has_date:
        _flag(
            problems,
            frame,
            "ended_on",
            blank_date & given_reason,
            "the date the pair ended, since end_reason is given",
            rows,
        )
    elif given_reason.any():
        at = np.flatnonzero(given_reason)
        problems.append(
            _problem(
                None,
                "ended_on",
                None,
                "a column 'ended_on' with the date each pair with an end_reason ended"
                + f" (row {int(rows[at[0]])} is one)",
            )
        )
    if ended is not None and matched is not None:
        early = dated & ~matched.blank & ~matched.bad & (ended.days < matched.days)
        at = np.flatnonzero(early)
        if len(at):
            when = date_text(matched.days[at])
            raw = frame["ended_on"].iloc[at].to_numpy(dtype=object)
            problems.extend(
                _problem(rows[i], "ended_on", v, f"a date on or after matched_on, {t}")
                for i, v, t in zip(at, raw, when, strict=True)
            )
    return ended, reason
