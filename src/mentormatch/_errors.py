"""The exceptions mentormatch raises.

Every error a user can cause by their input derives from :class:`MentormatchError`.
Table-shaped problems (applications, meetings, events) are collected first and
raised once, with every problem listed: row, column, value and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
    "ApplicationError",
    "InputTableError",
    "LogError",
    "MatchInfeasibleError",
    "MentormatchError",
    "MentormatchWarning",
    "PolicyError",
    "SimilarIdsWarning",
]

PROBLEM_COLUMNS = ["row", "column", "value", "expected"]
_MAX_LISTED = 50


class MentormatchError(Exception):
    """Base class of every error mentormatch raises on bad input or an impossible request."""


class PolicyError(MentormatchError, ValueError):
    """A program policy has an unknown key, a value of the wrong kind, or an unknown name."""


class InputTableError(MentormatchError, ValueError):
    """An input table has problems; ``.problems`` lists every one of them.

    Parameters
    ----------
    problems : iterable of mappings or DataFrame
        One entry per problem with ``row`` (the row number as in the file: the
        header is row 1, so the first data row of a CSV or Excel sheet is row 2;
        for a DataFrame or list of records it is the 0-based position), ``column``,
        ``value`` (the offending value, ``None`` when the column is missing) and
        ``expected`` (what was expected, in words).
    what : str
        What the table is, for the message ("applications", "meetings"...).
    """

    def __init__(self, problems: Iterable[Mapping[str, Any]] | pd.DataFrame, what: str) -> None:
        if isinstance(problems, pd.DataFrame):
            frame = problems.reindex(columns=PROBLEM_COLUMNS)
        else:
            frame = pd.DataFrame(list(problems), columns=PROBLEM_COLUMNS)
        frame = frame.astype({"column": object, "value": object, "expected": object})
        self.problems: pd.DataFrame = frame.reset_index(drop=True)
        self.what = what
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        head = f"The {self.what} table has {n} problem{'s' if n != 1 else ''}:"
        lines = [head]
        for rec in self.problems.head(_MAX_LISTED).itertuples(index=False):
            table_level = rec.row is None or pd.isna(rec.row)
            where = "table" if table_level else f"row {int(rec.row)}"
            # A table-level problem without a value is a missing column (pandas may
            # have turned the None into NaN in a column of mixed values).
            missing = rec.value is None or (
                table_level and isinstance(rec.value, float) and rec.value != rec.value
            )
            if table_level and (rec.column is None or pd.isna(rec.column)):
                # The file as a whole (unreadable, empty): no column to name.
                lines.append(f"  - {where}: got {_plain(rec.value)!r}; expected {rec.expected}.")
                continue
            value = "(column missing)" if missing else repr(_plain(rec.value))
            lines.append(
                f"  - {where}, column {rec.column!r}: got {value}; expected {rec.expected}."
            )
        if n > _MAX_LISTED:
            lines.append(f"  ... and {n - _MAX_LISTED} more (see the error's .problems table).")
        return "\n".join(lines)


def _plain(value: Any) -> Any:
    """Numpy scalars print as ``np.float64(5.0)`` in reprs; show the plain value."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


class ApplicationError(InputTableError):
    """The applications table has problems; ``.problems`` lists all of them."""

    def __init__(self, problems: Iterable[Mapping[str, Any]] | pd.DataFrame) -> None:
        super().__init__(problems, "applications")


class LogError(InputTableError):
    """The meetings, events or pairs table of a cycle check has problems."""


class MatchInfeasibleError(MentormatchError):
    """The forced pairs (mutual requests, staff locks) contradict each other or the rules.

    ``.conflicts`` is a DataFrame with one row per conflict: the pairs involved
    and the rule they break.
    """

    def __init__(self, message: str, conflicts: pd.DataFrame | None = None) -> None:
        self.conflicts = conflicts if conflicts is not None else pd.DataFrame()
        super().__init__(message)


class MentormatchWarning(UserWarning):
    """Base class of the warnings mentormatch gives (input it accepts but staff should see)."""


class SimilarIdsWarning(MentormatchWarning):
    """Ids of one table differ only in case, spacing, accent encoding or leading zeros.

    They are read as different people (ids are compared exactly); the message names
    the ids and their rows. See :mod:`mentormatch._ids`.
    """
