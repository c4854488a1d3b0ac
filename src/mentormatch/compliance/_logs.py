"""Reading and validating the pairs, meetings and events tables of a cycle check.

Two ways in, one set of checks:

* :func:`read_pairs`, :func:`read_meetings`, :func:`read_events` read a file
  (with the reader every table shares, :mod:`mentormatch._read`), check what
  the table can say about itself (blank ids, unreadable dates, negative
  durations, unknown kinds or modes, a pair listed twice...) and return it typed,
  its index the file row number (named ``"row"``).
* :func:`validate_pairs`, :func:`validate_meetings`, :func:`validate_events`
  (used by :func:`~mentormatch.check_cycle`) run the same checks on any table,
  then those that need the pairs: a meeting of a pair that does not exist, a
  ``reported_by`` who is not of the pair.

Every problem of a table is collected and raised once as a
:class:`~mentormatch.LogError` whose ``.problems`` lists row, column, value and
what was expected. The row is the file row (header = row 1, first data row = 2)
for a file, and for a DataFrame the index label when the index is named
``"row"`` (what the readers return, filtered or not), else the 0-based position.
The problems of the pairs, meetings and events tables are raised together
(only a pairs table without its id columns is reported alone: no meeting could
be matched to a pair).

Column names are trimmed and lower-cased, with spaces and hyphens read as ``_``
(``"Mentor ID"`` is ``mentor_id``). Ids are text: in a numeric column ``17`` and
``17.0`` are both ``"17"``. Dates are read one way per column
(:mod:`mentormatch._dates`): ISO and month names always, day/month numbers in the
order ``date_format`` gives or the column proves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._dates import RANGE_TEXT, DateFormat, check_date_format, read_dates
from .._errors import LogError
from .._params import param_error
from .._policy import EVENT_KINDS
from .._read import Unreadable, read_table
from ..applications._cells import _numbers, _shown, _text_values, first_per_cell
from ..applications._schema import _normalize_columns
from ._calendar import NO_DAY, date_text, days_to_datetimes

__all__ = [
    "MODES",
    "PARTICIPANT_KINDS",
    "EventLog",
    "Given",
    "MeetingLog",
    "PairTable",
    "check_pair_windows",
    "given",
    "load",
    "raise_log_problems",
    "read_events",
    "read_meetings",
    "read_pairs",
    "validate_events",
    "validate_meetings",
    "validate_pairs",
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
_DECIMAL_COMMA = r"^\s*\d+,\d{1,2}\s*$"


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


# --------------------------------------------------------------------------- reading files


def load(
    path: Any,
    what: str,
    func: str,
    *,
    encoding: Any = None,
    delimiter: Any = None,
    sheet_name: Any = None,
) -> Given:
    """A log file's cells, row numbers, reading problems and how it was read.

    The cells are those of the file (names normalized by the validators);
    in a ``;``-delimited CSV a ``duration_minutes`` with a decimal comma
    (``45,5``) is read as ``45.5``. Raises :class:`LogError` when the file
    cannot be read as a table.
    """
    try:
        raw = read_table(
            path,
            func=func,
            what=what,
            encoding=encoding,
            delimiter=delimiter,
            sheet_name=sheet_name,
        )
    except Unreadable as exc:
        raise LogError(exc.problems, what) from None
    frame = raw.frame
    info = {"table": what, "source": raw.info["path"], **raw.info}
    if what == "meetings":
        info["decimal_comma"] = False
        if raw.info.get("delimiter") == ";" and "duration_minutes" in frame.columns:
            cells = frame["duration_minutes"]
            comma = cells.str.match(_DECIMAL_COMMA).fillna(False).to_numpy(dtype=bool)
            if comma.any():
                fixed = cells.to_numpy(dtype=object).copy()
                fixed[comma] = cells[comma].str.replace(",", ".", regex=False).to_numpy(object)
                frame = frame.assign(duration_minutes=fixed)
                info["decimal_comma"] = True
    return Given(frame, raw.rows, info, list(raw.problems))


def _finish(
    frame: pd.DataFrame,
    rows: np.ndarray,
    problems: list[dict[str, Any]],
    info: dict[str, Any],
    typed: dict[str, Any],
    what: str,
) -> pd.DataFrame:
    """Raise the table's problems, or return it typed, indexed by file row."""
    if problems:
        raise LogError(_ordered(_in_column_order(first_per_cell(problems), frame.columns)), what)
    out = frame.copy()
    for col, values in typed.items():
        out[col] = values
    out.index = pd.Index(rows, dtype=np.int64, name="row")
    out.attrs["mentormatch"] = info
    return out


def read_pairs(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | int | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read a pairs file (``mentor_id``, ``mentee_id``, optional ``matched_on``).

    The file is read like every table (:func:`~mentormatch.read_applications`):
    CSV in UTF-8 or Windows-1252 with ``,`` ``;`` or tab, or an Excel sheet.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.tsv`` / ``.txt`` or ``.xlsx`` / ``.xlsm`` file with one header row.
    encoding : str, optional
        The CSV's encoding; detected when not given (UTF-8 with or without a
        byte-order mark, else Windows-1252).
    delimiter : str, optional
        The CSV's delimiter (``","``, ``";"``, ``"\\t"`` or ``"tab"``); found from the file.
    sheet_name : str or int, optional
        The Excel sheet (name or 0-based position). By default the sheet named
        after the table when the workbook has one, else the first.
    date_format : str, optional
        The order of day/month dates in ``matched_on`` (``"dd/mm/yyyy"`` or
        ``"mm/dd/yyyy"``) or a ``strptime`` pattern; when not given, the order
        the column proves (see :func:`~mentormatch.check_cycle`).

    Returns
    -------
    DataFrame
        Every data row of the file, its index the file row number (named
        ``"row"``: the header is row 1); ``mentor_id`` and ``mentee_id`` as
        ``string``, ``matched_on`` (when present) as ``datetime64[ns]`` dates, other
        columns as read. ``.attrs["mentormatch"]`` records how the file was read:
        ``path``, ``format``, ``encoding``, ``delimiter``, ``sheet``, ``blank_lines``,
        ``blank_rows`` and ``date_order`` (for each date column, how its day/month
        order was decided). Pass it to :func:`~mentormatch.check_cycle`, whole or
        filtered: problems and report rows keep the file's row numbers.

    Raises
    ------
    LogError
        Every problem of the table at once, with file rows: a missing id column,
        a blank id, a mentee who is the mentor, a pair listed twice, a
        ``matched_on`` that is not a date (or outside 1900-2200), a date column
        whose day/month order cannot be told.
    ParameterError, FileNotFoundError
        A bad option or path; no file there.
    """
    fmt = check_date_format(date_format, "read_pairs")
    g = load(
        path, "pairs", "read_pairs", encoding=encoding, delimiter=delimiter, sheet_name=sheet_name
    )
    frame, rows, problems, info = _normalized(g.frame, g.problems), g.rows, g.problems, g.info
    typed: dict[str, Any] = {}
    local = _pairs_local(frame, rows, problems, fmt)
    if local is not None:
        typed["mentor_id"] = pd.array(local.mentor, dtype="string")
        typed["mentee_id"] = pd.array(local.mentee, dtype="string")
        if local.matched is not None:
            typed["matched_on"] = days_to_datetimes(local.matched.days)
            info["date_order"] = {"matched_on": local.matched.order}
    info.setdefault("date_order", {})
    return _finish(frame, rows, problems, info, typed, "pairs")


def read_meetings(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | int | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read a meetings log (``mentor_id``, ``mentee_id``, ``date``, ``duration_minutes``...).

    Optional columns: ``mode`` (``in_person`` / ``video`` / ``phone``; ``In
    person`` and ``in-person`` are read as ``in_person``) and ``reported_by``
    (the id of the side whose log the row is from). In a ``;``-delimited CSV
    (Excel in French-Canadian locales) a duration may have a decimal comma with
    one or two decimals (``45,5`` is 45.5 minutes); in any other file ``45,5`` is
    not a number.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.tsv`` / ``.txt`` or ``.xlsx`` / ``.xlsm`` file with one header row.
    encoding : str, optional
        The CSV's encoding; detected when not given (UTF-8 with or without a
        byte-order mark, else Windows-1252).
    delimiter : str, optional
        The CSV's delimiter (``","``, ``";"``, ``"\\t"`` or ``"tab"``); found from the file.
    sheet_name : str or int, optional
        The Excel sheet (name or 0-based position). By default the sheet named
        after the table when the workbook has one, else the first.
    date_format : str, optional
        The order of day/month dates (``"dd/mm/yyyy"`` or ``"mm/dd/yyyy"``) or a
        ``strptime`` pattern; when not given, the order the column proves.

    Returns
    -------
    DataFrame
        Every data row, indexed by file row number (``"row"``): ids and
        ``reported_by`` as ``string``, ``date`` as ``datetime64[ns]`` dates,
        ``duration_minutes`` as float, ``mode`` normalized (``<NA>`` when blank),
        other columns as read; ``.attrs["mentormatch"]`` as for :func:`read_pairs`
        (plus ``decimal_comma``: whether a duration was read with one). Identical
        rows are all returned: :func:`~mentormatch.check_cycle` counts the first.

    Raises
    ------
    LogError
        Every problem of the table at once, with file rows: a missing column, a
        blank id, a date that is missing, not a date or outside 1900-2200, a
        column whose day/month order cannot be told, a missing or negative
        duration, an unknown mode, a blank ``reported_by``.
    ParameterError, FileNotFoundError
        A bad option or path; no file there.
    """
    fmt = check_date_format(date_format, "read_meetings")
    g = load(
        path,
        "meetings",
        "read_meetings",
        encoding=encoding,
        delimiter=delimiter,
        sheet_name=sheet_name,
    )
    frame, rows, problems, info = _normalized(g.frame, g.problems), g.rows, g.problems, g.info
    typed: dict[str, Any] = {}
    local = _meetings_local(frame, rows, problems, fmt)
    if local is not None:
        typed["mentor_id"] = pd.array(local.mentor, dtype="string")
        typed["mentee_id"] = pd.array(local.mentee, dtype="string")
        typed["date"] = days_to_datetimes(local.date.days)
        typed["duration_minutes"] = local.minutes
        if local.mode is not None:
            typed["mode"] = pd.array(local.mode, dtype="string")
        if local.reported_by is not None:
            typed["reported_by"] = pd.array(local.reported_by, dtype="string")
        info["date_order"] = {"date": local.date.order}
    info.setdefault("date_order", {})
    return _finish(frame, rows, problems, info, typed, "meetings")


def read_events(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | int | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read an events log (``mentor_id``, ``mentee_id``, ``kind``, ``date``, ``participant_id``).

    ``kind`` is one of ``EVENT_KINDS`` (any case, spaces or hyphens for ``_``:
    ``Agreement Signed`` is ``agreement_signed``); ``participant_id`` names who
    submitted a survey (``mid_survey``, ``final_survey``: required there).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.tsv`` / ``.txt`` or ``.xlsx`` / ``.xlsm`` file with one header row.
    encoding : str, optional
        The CSV's encoding; detected when not given (UTF-8 with or without a
        byte-order mark, else Windows-1252).
    delimiter : str, optional
        The CSV's delimiter (``","``, ``";"``, ``"\\t"`` or ``"tab"``); found from the file.
    sheet_name : str or int, optional
        The Excel sheet (name or 0-based position). By default the sheet named
        after the table when the workbook has one, else the first.
    date_format : str, optional
        The order of day/month dates (``"dd/mm/yyyy"`` or ``"mm/dd/yyyy"``) or a
        ``strptime`` pattern; when not given, the order the column proves.

    Returns
    -------
    DataFrame
        Every data row, indexed by file row number (``"row"``): ids and
        ``participant_id`` as ``string``, ``kind`` normalized, ``date`` as
        ``datetime64[ns]`` dates, other columns as read; ``.attrs["mentormatch"]``
        as for :func:`read_pairs`.

    Raises
    ------
    LogError
        Every problem of the table at once, with file rows: a missing column, a
        blank id, an unknown kind, a date that is missing, not a date or outside
        1900-2200, a column whose day/month order cannot be told, a survey
        without ``participant_id``.
    ParameterError, FileNotFoundError
        A bad option or path; no file there.
    """
    fmt = check_date_format(date_format, "read_events")
    g = load(
        path, "events", "read_events", encoding=encoding, delimiter=delimiter, sheet_name=sheet_name
    )
    frame, rows, problems, info = _normalized(g.frame, g.problems), g.rows, g.problems, g.info
    typed: dict[str, Any] = {}
    local = _events_local(frame, rows, problems, fmt)
    if local is not None:
        typed["mentor_id"] = pd.array(local.mentor, dtype="string")
        typed["mentee_id"] = pd.array(local.mentee, dtype="string")
        typed["kind"] = pd.array(local.kind, dtype="string")
        typed["date"] = days_to_datetimes(local.date.days)
        if local.participant is not None:
            typed["participant_id"] = pd.array(local.participant, dtype="string")
        info["date_order"] = {"date": local.date.order}
    info.setdefault("date_order", {})
    return _finish(frame, rows, problems, info, typed, "events")


# --------------------------------------------------------------------------- pairs


@dataclass
class _PairCols:
    mentor: np.ndarray
    mentee: np.ndarray
    valid: np.ndarray
    dup: np.ndarray
    keys: np.ndarray
    matched: _Dates | None


def _pairs_local(
    frame: pd.DataFrame,
    rows: np.ndarray,
    problems: list[dict[str, Any]],
    date_format: DateFormat | None,
) -> _PairCols | None:
    """The checks a pairs table needs nothing else for; ``None`` without its id columns."""
    if _missing_columns(frame, ("mentor_id", "mentee_id"), "pairs", problems):
        return None
    mentor, ok_m = _ids(frame, "mentor_id", problems, "a non-blank mentor id", rows)
    mentee, ok_e = _ids(frame, "mentee_id", problems, "a non-blank mentee id", rows)
    valid = ok_m & ok_e
    same = valid & (mentor == mentee)
    for i in np.flatnonzero(same):
        problems.append(_problem(rows[i], "mentee_id", mentee[i], "a mentee who is not the mentor"))
    keys = _pair_keys(mentor, mentee)
    dup = pd.Series(keys).duplicated(keep="first").to_numpy()
    if (dup & valid).any():
        first = pd.Series(np.arange(len(keys))).groupby(keys).transform("min").to_numpy()
        for i in np.flatnonzero(dup & valid):
            problems.append(
                _problem(
                    rows[i],
                    "mentee_id",
                    mentee[i],
                    f"each pair once (also on row {rows[first[i]]})",
                )
            )
    valid &= ~same & ~dup
    matched = None
    if "matched_on" in frame.columns:
        matched = _date_column(
            frame,
            "matched_on",
            rows,
            date_format,
            problems,
            "a date (the pair's assignment)",
            blank_is_bad=False,
        )
        valid &= ~matched.bad
    return _PairCols(mentor, mentee, valid, dup, keys, matched)


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
        info.update(_described(g, len(frame), {"matched_on": cols.matched}))
    dup = cols.dup
    return PairTable(
        mentor=cols.mentor,
        mentee=cols.mentee,
        matched_on=matched,
        valid=valid,
        keys=pd.Index(cols.keys[~dup]),
        first=np.flatnonzero(~dup),
        label=g.rows,
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
    """A pair assigned after its cycle's end cannot be judged: a problem of the pairs table."""
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


# --------------------------------------------------------------------------- meetings


@dataclass
class _MeetingCols:
    mentor: np.ndarray
    mentee: np.ndarray
    ids_ok: np.ndarray
    date: _Dates
    minutes: np.ndarray
    mode: np.ndarray | None
    reported_by: np.ndarray | None


_REPORTED_BY = "the id of the pair's mentor or mentee (whose log the row is from)"


def _meetings_local(
    frame: pd.DataFrame,
    rows: np.ndarray,
    problems: list[dict[str, Any]],
    date_format: DateFormat | None,
) -> _MeetingCols | None:
    """The checks a meetings table needs nothing else for; ``None`` when a column is missing."""
    if _missing_columns(
        frame, ("mentor_id", "mentee_id", "date", "duration_minutes"), "meetings", problems
    ):
        return None
    n = len(frame)
    mentor, ok_m = _ids(frame, "mentor_id", problems, "a non-blank mentor id", rows)
    mentee, ok_e = _ids(frame, "mentee_id", problems, "a non-blank mentee id", rows)
    date = _date_column(
        frame, "date", rows, date_format, problems, "the date of the meeting", blank_is_bad=True
    )
    minutes, m_blank, m_bad = _numbers(frame["duration_minutes"], "duration_minutes")
    with np.errstate(invalid="ignore"):
        m_bad = m_bad | (~m_blank & ~m_bad & (~np.isfinite(minutes) | (minutes < 0)))
    _flag(problems, frame, "duration_minutes", m_blank | m_bad, "a number of minutes >= 0", rows)
    minutes = np.where(np.isfinite(minutes) & ~m_bad, minutes, np.nan)
    mode = None
    if "mode" in frame.columns:
        text, mbad = _text_values(frame["mode"])
        norm = text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
        mode = norm.map(_MODE_ALIASES).to_numpy(dtype=object, na_value=None)
        unknown = mbad | (text.notna().to_numpy() & pd.isna(mode))
        _flag(
            problems,
            frame,
            "mode",
            unknown,
            "one of " + ", ".join(map(repr, MODES)) + " or blank",
            rows,
        )
    reported = None
    if "reported_by" in frame.columns:
        reported = _optional_ids(
            frame, "reported_by", problems, _REPORTED_BY, rows, np.ones(n, dtype=bool)
        )
    return _MeetingCols(mentor, mentee, ok_m & ok_e, date, minutes, mode, reported)


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
    g = given(meetings, "meetings")
    frame, rows = g.frame, g.rows
    n = len(frame)
    if info is not None:
        info.update(_described(g, n, {}))
    if n == 0 and frame.columns.empty:
        return MeetingLog.empty()
    local: list[dict[str, Any]] = list(g.problems)
    frame = _normalized(frame, local)
    cols = _meetings_local(frame, rows, local, date_format)
    if cols is None:
        problems.extend(_tagged(first_per_cell(local), "meetings"))
        return MeetingLog.empty()
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


# --------------------------------------------------------------------------- events


@dataclass
class _EventCols:
    mentor: np.ndarray
    mentee: np.ndarray
    ids_ok: np.ndarray
    kind: np.ndarray
    date: _Dates
    participant: np.ndarray | None
    per_person: np.ndarray


_PARTICIPANT = (
    "the id of the pair's mentor or mentee (required for "
    + " and ".join(PARTICIPANT_KINDS)
    + ": each participant submits their own)"
)


def _events_local(
    frame: pd.DataFrame,
    rows: np.ndarray,
    problems: list[dict[str, Any]],
    date_format: DateFormat | None,
) -> _EventCols | None:
    """The checks an events table needs nothing else for; ``None`` when a column is missing."""
    if _missing_columns(frame, ("mentor_id", "mentee_id", "kind", "date"), "events", problems):
        return None
    mentor, ok_m = _ids(frame, "mentor_id", problems, "a non-blank mentor id", rows)
    mentee, ok_e = _ids(frame, "mentee_id", problems, "a non-blank mentee id", rows)
    text, kbad = _text_values(frame["kind"])
    kind = text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    kind_v = kind.to_numpy(dtype=object, na_value=None)
    unknown = kbad | ~np.isin(kind_v, np.array(EVENT_KINDS, dtype=object))
    _flag(problems, frame, "kind", unknown, "one of " + ", ".join(map(repr, EVENT_KINDS)), rows)
    kind_v = kind_v.copy()
    kind_v[unknown] = None
    date = _date_column(
        frame, "date", rows, date_format, problems, "the date of the submission", blank_is_bad=True
    )
    per_person = np.isin(kind_v, np.array(PARTICIPANT_KINDS, dtype=object))
    participant = None
    if "participant_id" in frame.columns:
        participant = _optional_ids(
            frame, "participant_id", problems, _PARTICIPANT, rows, per_person
        )
    elif per_person.any():
        problems.append(
            _problem(
                None,
                "participant_id",
                None,
                "a column 'participant_id' naming who submitted each "
                + " / ".join(PARTICIPANT_KINDS)
                + f" (row {int(rows[np.flatnonzero(per_person)[0]])} is one)",
            )
        )
    return _EventCols(mentor, mentee, ok_m & ok_e, kind_v, date, participant, per_person)


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
    g = given(events, "events")
    frame, rows = g.frame, g.rows
    n = len(frame)
    if info is not None:
        info.update(_described(g, n, {}))
    if n == 0 and frame.columns.empty:
        return EventLog.empty()
    local: list[dict[str, Any]] = list(g.problems)
    frame = _normalized(frame, local)
    cols = _events_local(frame, rows, local, date_format)
    if cols is None:
        problems.extend(_tagged(first_per_cell(local), "events"))
        return EventLog.empty()
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
