"""Dates as whole day numbers, calendar months, business days and plain-text dates.

Inside the compliance package a date is an ``int64`` count of days since
1970-01-01 and a calendar month an ``int64`` count of months since January 1970:
whole-array arithmetic with no time zones and no times of day. ``OPEN`` is the
end day of an open-ended cycle (3CMA) and ``NO_DAY`` a missing date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._params import param_error

if TYPE_CHECKING:
    from .._policy import CycleSettings

__all__ = [
    "NO_DAY",
    "OPEN",
    "add_months",
    "business_days_in_months",
    "calendar_record",
    "date_text",
    "day_of",
    "days_to_datetimes",
    "month_end",
    "month_of",
    "month_start",
    "month_text",
    "num_text",
    "ordinal",
]

#: The end "day" of an open-ended cycle: later than any real date, safe to add to.
OPEN = np.int64(2**40)
#: A missing date.
NO_DAY = np.int64(-(2**40))

_MONTH_NAMES = np.array(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    dtype=object,
)


def day_of(value: Any, name: str, func: str) -> int | None:
    """A scalar date parameter (str, date, datetime, Timestamp) as a day number.

    ``None`` stays ``None``; anything that is not a date raises
    :class:`~mentormatch.ParameterError` with the library's message template.
    """
    if value is None:
        return None
    expected = "a date (a 'YYYY-MM-DD' string, a date or a Timestamp)"
    if isinstance(value, (bool, int, float, np.number)):
        raise param_error(name, func, expected, value)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise param_error(name, func, expected, value) from None
    if ts is pd.NaT or pd.isna(ts):
        raise param_error(name, func, expected, value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int((ts.normalize() - pd.Timestamp("1970-01-01")).days)


def today() -> int:
    """Today's date (local clock) as a day number."""
    return (dt.date.today() - dt.date(1970, 1, 1)).days


def month_of(days: np.ndarray) -> np.ndarray:
    """The calendar month (months since January 1970) of each day number."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return d.astype("datetime64[M]").astype(np.int64)


def month_start(months: np.ndarray) -> np.ndarray:
    """The first day of each month."""
    m = np.asarray(months, dtype=np.int64).astype("datetime64[M]")
    return m.astype("datetime64[D]").astype(np.int64)


def month_end(months: np.ndarray) -> np.ndarray:
    """The last day of each month."""
    return month_start(np.asarray(months, dtype=np.int64) + 1) - 1


def add_months(days: np.ndarray, k: int | np.ndarray) -> np.ndarray:
    """Each day moved ``k`` calendar months on, clamped to the month's end.

    2026-09-01 + 9 months is 2027-06-01; 2027-01-31 + 1 month is 2027-02-28
    (the rule of :class:`pandas.DateOffset`).
    """
    d = np.asarray(days, dtype=np.int64)
    m = month_of(d)
    dom = d - month_start(m)
    target = m + np.asarray(k, dtype=np.int64)
    last = month_end(target) - month_start(target)
    return month_start(target) + np.minimum(dom, last)


def days_to_datetimes(days: np.ndarray) -> np.ndarray:
    """Day numbers as ``datetime64[ns]``; ``OPEN`` and ``NO_DAY`` become NaT."""
    d = np.asarray(days, dtype=np.int64)
    bad = (d >= OPEN) | (d <= NO_DAY)
    out = np.where(bad, 0, d).astype("datetime64[D]").astype("datetime64[ns]")
    out[bad] = np.datetime64("NaT")
    return out


def date_text(days: np.ndarray) -> np.ndarray:
    """Each day written plainly, ``YYYY-MM-DD`` (object array)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return np.datetime_as_string(d).astype(object)


def month_text(months: np.ndarray) -> np.ndarray:
    """Each month written plainly, ``November 2026`` (object array)."""
    m = np.asarray(months, dtype=np.int64)
    years = (m // 12 + 1970).astype(str).astype(object)
    return _MONTH_NAMES[m % 12] + " " + years


def num_text(values: np.ndarray | float) -> np.ndarray:
    """Numbers as text with at most one decimal, whole numbers without ``.0``."""
    x = np.round(np.atleast_1d(np.asarray(values, dtype=float)), 1)
    whole = x == np.floor(x)
    ints = np.where(whole, x, 0).astype(np.int64).astype(str).astype(object)
    return np.where(whole, ints, x.astype(str).astype(object))


def ordinal(n: int) -> str:
    """``1`` -> ``"1st"``, ``2`` -> ``"2nd"``, ``11`` -> ``"11th"``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def business_days_in_months(months: np.ndarray, nth: int, cycle: CycleSettings) -> np.ndarray:
    """The ``nth`` business day of each month (weekends and public holidays skipped).

    Holidays are those of the program's calendar, ``cycle.calendar(years)`` (the
    ``holidays`` package for its country and province or state): the statutory
    dates, and the "observed" weekdays the package adds for a holiday on a
    weekend (Christmas observed...) only with ``cycle.holidays_observed``.
    """
    m = np.asarray(months, dtype=np.int64)
    if m.size == 0:
        return np.zeros(0, dtype=np.int64)
    years = list(range(int(m.min() // 12 + 1970), int(m.max() // 12 + 1970) + 1))
    hol = np.array(sorted(cycle.calendar(years)), dtype="datetime64[D]")
    first = month_start(m).astype("datetime64[D]")
    due = np.busday_offset(first, nth - 1, roll="forward", holidays=hol)
    return due.astype(np.int64)


def calendar_record(cycle: CycleSettings, rules: list[str]) -> dict[str, Any]:
    """What the business days of a check were counted with (``ComplianceReport.calendar``).

    ``country``, ``subdivision`` (``None``: national holidays only), ``observed``
    (whether observed days count), ``package`` and ``version`` (the ``holidays``
    package's: its calendars change from release to release) and ``rules``: the
    rule codes that count business days (empty: the calendar decided nothing).
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver: str | None = version("holidays")
    except PackageNotFoundError:  # pragma: no cover - a declared dependency
        ver = None
    return {
        "country": cycle.holidays_country,
        "subdivision": cycle.holidays_subdivision,
        "observed": cycle.holidays_observed,
        "package": "holidays",
        "version": ver,
        "rules": list(rules),
    }
