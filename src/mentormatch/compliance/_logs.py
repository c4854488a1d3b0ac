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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._dates import DateFormat, check_date_format
from .._errors import LogError
from .._policy import EVENT_KINDS
from .._read import Unreadable, read_table
from ..applications._cells import _numbers, _text_values, first_per_cell
from ._calendar import days_to_datetimes
from ._tables import (
    _MODE_ALIASES,
    MODES,
    PARTICIPANT_KINDS,
    EventLog,
    Given,
    MeetingLog,
    PairTable,
    _bad_reason,
    _date_column,
    _Dates,
    _ends,
    _flag,
    _ids,
    _in_column_order,
    _missing_columns,
    _normalized,
    _optional_ids,
    _ordered,
    _pair_keys,
    _problem,
    given,
    raise_log_problems,
)

__all__ = [
    "MODES",
    "PARTICIPANT_KINDS",
    "EventLog",
    "Given",
    "MeetingLog",
    "PairTable",
    "given",
    "load",
    "raise_log_problems",
    "read_events",
    "read_meetings",
    "read_pairs",
]

_DECIMAL_COMMA = r"^\s*\d+,\d{1,2}\s*$"


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
    """Read a pairs file (``mentor_id``, ``mentee_id``; optional ``matched_on``, ``ended_on``,
    ``end_reason``).

    ``ended_on`` / ``end_reason`` say that a pair ended before its cycle did and
    why (see :func:`~mentormatch.check_cycle`): a date on or after ``matched_on``
    and one of ``END_REASONS`` (``goals_met``, ``time_commitment_reached``,
    ``no_fault``, ``withdrawn``, ``rematched``, ``removed``; any case, spaces or
    hyphens for ``_``), each given with the other, both blank for a pair that
    has not ended.

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
        ``matched_on`` or ``ended_on`` that is not a date (or outside 1900-2200),
        an ``ended_on`` before ``matched_on``, an unknown ``end_reason``, an
        ``ended_on`` without an ``end_reason`` or the other way round, a date
        column whose day/month order cannot be told.
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
        orders = {}
        if local.matched is not None:
            typed["matched_on"] = days_to_datetimes(local.matched.days)
            orders["matched_on"] = local.matched.order
        if local.ended is not None:
            typed["ended_on"] = days_to_datetimes(local.ended.days)
            orders["ended_on"] = local.ended.order
        if local.reason is not None:
            typed["end_reason"] = pd.array(local.reason, dtype="string")
        if orders:
            info["date_order"] = orders
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
    ended: _Dates | None = None
    reason: np.ndarray | None = None  # END_REASONS codes, None where blank (or unknown)


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
    ended, reason = _ends(frame, rows, problems, date_format, matched)
    if ended is not None:
        valid &= ~ended.bad
    if reason is not None:
        valid &= ~_bad_reason(frame, reason)
    return _PairCols(mentor, mentee, valid, dup, keys, matched, ended, reason)


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
