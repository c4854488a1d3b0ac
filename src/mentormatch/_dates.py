"""Date columns read one way per column, never cell by cell.

A text date is read by its shape:

* ISO ``2026-10-03`` (one- or two-digit month and day, an optional time
  ``T14:30``/`` 14:30:00`` and offset, which are dropped), and year-first
  ``2026/10/03`` or ``2026.10.03``: always year, month, day.
* A month written as a word, English or French, full or abbreviated, with an
  optional weekday: ``3-Oct-2026``, ``3 octobre 2026``, ``Oct 3, 2026``,
  ``Saturday, October 3, 2026``: always.
* Day and month as numbers, ``03/10/2026``, ``3.10.2026``, ``03-10-26``
  (the same separator twice, an optional time): one order for the whole
  column. It is the order given by ``date_format`` (``"dd/mm/yyyy"``,
  ``"mm/dd/yyyy"``; the separator does not matter), else the order the column
  proves: a first number above 12 in any cell means day first for every cell,
  a second number above 12 month first. A column that cannot tell (every
  number 12 or below, with a day that differs from its month) is one problem
  naming the column, two of its cells and the option to set; a column whose
  cells prove both orders is one problem too. A cell whose day equals its
  month reads the same either way and needs no order.

Two-digit years are 2000 + the number (``03/10/26`` is 2026): the programs'
logs are of this century. Dates before 1900-01-01 or after 2200-12-31 are
problems of their cell (``9999-12-31`` is a typing mistake, not a date to
judge). Spreadsheet date cells and datetimes are read as the date they show
(the time of day, and any time zone, dropped).

``date_format`` may also be a :func:`~datetime.datetime.strptime` pattern with
``%`` (``"%d.%m.%Y"``): every text cell that is not ISO is then read with it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._params import param_error

__all__ = [
    "DATE_FORMATS",
    "DateColumn",
    "DateFormat",
    "check_date_format",
    "is_iso_text",
    "read_dates",
]

#: The spellings of ``date_format`` without ``%`` (any of ``/ . -`` as separator).
DATE_FORMATS = ("dd/mm/yyyy", "mm/dd/yyyy", "yyyy-mm-dd")
_ORDER_TEXT = {"dmy": "dd/mm/yyyy", "mdy": "mm/dd/yyyy", "ymd": "yyyy-mm-dd"}

#: Day numbers (since 1970-01-01) of the first and last date accepted.
FIRST_DAY = int((dt.date(1900, 1, 1) - dt.date(1970, 1, 1)).days)
LAST_DAY = int((dt.date(2200, 12, 31) - dt.date(1970, 1, 1)).days)
RANGE_TEXT = "a date from 1900-01-01 to 2200-12-31"
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_NO_DAY = np.int64(-(2**40))  # the compliance package's NO_DAY

_MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # French (Canada)
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "janv": 1, "févr": 2, "fevr": 2, "avr": 4, "juil": 7,
    "déc": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|sam|dim)[a-zé]*\.?,?\s+)?"
_TIME = (
    r"(?:[ T]+(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?(?:\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?))?)?"
)
_ISO = re.compile(
    rf"^(?P<y>\d{{4}})(?P<s>[-/.])(?P<m>\d{{1,2}})(?P=s)(?P<d>\d{{1,2}}){_TIME}$", re.IGNORECASE
)
_NUMERIC = re.compile(
    rf"^(?P<a>\d{{1,2}})(?P<s>[-/.])(?P<b>\d{{1,2}})(?P=s)(?P<y>\d{{4}}|\d{{2}}){_TIME}$",
    re.IGNORECASE,
)
_DAY_NAME = re.compile(
    rf"^{_WEEKDAY}(?P<d>\d{{1,2}})(?:er|st|nd|rd|th)?[\s\-/.]*(?P<mon>{_MONTH_RE})\.?,?"
    rf"[\s\-/.]*(?P<y>\d{{4}}|\d{{2}}){_TIME}$",
    re.IGNORECASE,
)
_NAME_DAY = re.compile(
    rf"^{_WEEKDAY}(?P<mon>{_MONTH_RE})\.?[\s\-]*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s*"
    rf"(?P<y>\d{{4}}){_TIME}$",
    re.IGNORECASE,
)


# dd/mm/yyyy, d/m/yy, jj/mm/aaaa (French) ...: after lower-casing and "/" as separator
_FORMAT_SHAPES = {
    "dmy": r"d{1,2}/m{1,2}/(?:y{2}|y{4})",
    "mdy": r"m{1,2}/d{1,2}/(?:y{2}|y{4})",
    "ymd": r"y{4}/m{1,2}/d{1,2}",
}


def is_iso_text(value: str) -> bool:
    """Whether ``value`` is a real date written year first (``2027-03-15``, time allowed)."""
    m = _ISO.match(value.strip())
    if m is None:
        return False
    _, ok = ymd_days(np.array([int(m["y"])]), np.array([int(m["m"])]), np.array([int(m["d"])]))
    return bool(ok[0])


@dataclass(frozen=True)
class DateFormat:
    """A checked ``date_format``: a day/month order, or a ``strptime`` pattern."""

    text: str
    order: str | None  # "dmy", "mdy", "ymd"; None for a pattern
    pattern: str | None


def check_date_format(value: Any, func: str) -> DateFormat | None:
    """``date_format`` as given to ``func``: ``None``, one of :data:`DATE_FORMATS`, or a pattern."""
    expected = (
        "None, 'dd/mm/yyyy', 'mm/dd/yyyy' or 'yyyy-mm-dd' (any of / . - between the "
        "parts, an optional time after) or a strptime pattern such as '%d.%m.%Y'"
    )
    if value is None:
        return None
    if not isinstance(value, str):
        raise param_error("date_format", func, expected, value)
    text = value.strip()
    if "%" in text:
        try:
            dt.datetime.strptime(dt.datetime(2026, 10, 3, 14, 30).strftime(text), text)
        except (ValueError, TypeError):
            raise param_error("date_format", func, expected, value) from None
        return DateFormat(text, None, text)
    key = re.sub(r"[\s/.\-]*[t ]?h{1,2}:m{1,2}(?::s{1,2})?$", "", text.lower())
    key = re.sub(r"[\s/.\-]+", "/", key.strip()).replace("j", "d").replace("a", "y")
    order = None
    for name, shape in _FORMAT_SHAPES.items():
        if re.fullmatch(shape, key):
            order = name
    if order is None:
        raise param_error("date_format", func, expected, value)
    return DateFormat(text, order, None)


@dataclass
class DateColumn:
    """A date column read: day numbers and, for each cell, why it could not be read.

    ``days`` holds ``NO_DAY`` where ``blank``, ``bad`` (not a date), ``out_of_range``
    or ``undecided`` (a day/month cell of a column whose order is not known, see
    ``problems``). ``problems`` are about the whole column (row ``None``).
    """

    days: np.ndarray
    blank: np.ndarray
    bad: np.ndarray
    out_of_range: np.ndarray
    undecided: np.ndarray
    order: str
    problems: list[dict[str, Any]] = field(default_factory=list)


def read_dates(
    series: pd.Series, column: str, rows: np.ndarray, date_format: DateFormat | None
) -> DateColumn:
    """Read one date column (see the module docstring); ``rows`` numbers its cells."""
    n = len(series)
    days = np.full(n, _NO_DAY, dtype=np.int64)
    blank = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    undecided = np.zeros(n, dtype=bool)
    kinds: list[str] = []
    problems: list[dict[str, Any]] = []
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        blank = series.isna().to_numpy()
        values = series.to_numpy().astype("datetime64[D]")
        days = np.where(blank, _NO_DAY, values.astype(np.int64))
        kinds.append("date cells")
    elif pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        blank = series.isna().to_numpy()
        bad = ~blank  # a number is not a date
    else:
        raw = series.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
            text = series.astype("string").str.strip()
            is_text = text.notna().to_numpy() & (text != "").to_numpy(dtype=bool, na_value=False)
            blank = ~is_text
        else:
            is_text = np.fromiter((isinstance(v, str) for v in raw), bool, n)
            stripped = [v.strip() if isinstance(v, str) else None for v in raw]
            text = pd.Series(stripped, dtype="string")
            is_text &= (text != "").to_numpy(dtype=bool, na_value=False)
            blank = np.fromiter((_is_blank(v) for v in raw), bool, n)
            typed = ~is_text & ~blank
            if typed.any():
                got = _typed_days(raw[typed])
                days[typed] = np.where(got == _NO_DAY, days[typed], got)
                bad[typed] = got == _NO_DAY
                if (got != _NO_DAY).any():
                    kinds.append("date cells")
        if is_text.any():
            _read_text(
                text, is_text, column, rows, date_format, days, bad, undecided, kinds, problems
            )
    known = days != _NO_DAY
    out = known & ((days < FIRST_DAY) | (days > LAST_DAY))
    days = np.where(out, _NO_DAY, days)
    order = " + ".join(dict.fromkeys(kinds)) if kinds else "blank"
    return DateColumn(days, blank, bad & ~blank, out, undecided, order, problems)


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and value != value:
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    return isinstance(value, str) and not value.strip()


def _typed_days(values: np.ndarray) -> np.ndarray:
    """Day numbers of date-like objects (the date they show), ``NO_DAY`` for anything else."""
    out = np.full(len(values), _NO_DAY, dtype=np.int64)
    for i, v in enumerate(values):  # date objects only: spreadsheets' and hand-made frames'
        if isinstance(v, dt.date):  # datetime and Timestamp too: the date as written
            out[i] = v.toordinal() - _EPOCH_ORDINAL
        elif isinstance(v, np.datetime64):
            out[i] = v.astype("datetime64[D]").astype(np.int64)
    return out


def ymd_days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers of year/month/day arrays, and whether each is a real calendar date."""
    y = np.asarray(y, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    d = np.asarray(d, dtype=np.int64)
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (y >= 1) & (y <= 9999)
    months = np.where(ok, (y - 1970) * 12 + (m - 1), 0)
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    after = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ok &= d <= after - first
    return np.where(ok, first + d - 1, _NO_DAY), ok


def _time_ok(groups: pd.DataFrame) -> np.ndarray:
    """An optional time part that is a real time of day (``25:99`` is no time)."""
    if not groups["hh"].notna().any():
        return np.ones(len(groups), dtype=bool)
    hh = pd.to_numeric(groups["hh"]).fillna(0).to_numpy()
    mi = pd.to_numeric(groups["mi"]).fillna(0).to_numpy()
    ss = pd.to_numeric(groups["ss"]).fillna(0).to_numpy()
    ampm = groups["ampm"].notna().to_numpy()
    return (mi <= 59) & (ss <= 60) & np.where(ampm, (hh >= 1) & (hh <= 12), hh <= 23)


def _ints(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values).fillna(0).to_numpy(dtype=np.int64)


def _read_text(
    text: pd.Series,
    is_text: np.ndarray,
    column: str,
    rows: np.ndarray,
    date_format: DateFormat | None,
    days: np.ndarray,
    bad: np.ndarray,
    undecided: np.ndarray,
    kinds: list[str],
    problems: list[dict[str, Any]],
) -> None:
    """Fill ``days`` for the text cells (``is_text``), one order for the whole column."""
    where = np.flatnonzero(is_text)
    cells = text.iloc[where].reset_index(drop=True).astype(object)
    cells = pd.Series(cells.to_numpy(dtype=object), dtype=object)
    got = np.full(len(cells), _NO_DAY, dtype=np.int64)
    done = np.zeros(len(cells), dtype=bool)  # a shape matched (the cell may still be no date)

    # the common case first, in C: a plain yyyy-mm-dd (a real date within pandas' range)
    plain = pd.to_datetime(cells, format="%Y-%m-%d", errors="coerce").to_numpy()
    hit = ~np.isnat(plain)
    if hit.any():
        got[hit] = plain[hit].astype("datetime64[D]").astype(np.int64)
        done |= hit
        kinds.append("ISO (yyyy-mm-dd)")
    rest = ~done
    if rest.any():
        iso = cells[rest].str.extract(_ISO)
        sub = iso["y"].notna().to_numpy()
        if sub.any():
            g = iso[sub]
            value, ok = ymd_days(_ints(g["y"]), _ints(g["m"]), _ints(g["d"]))
            at = np.flatnonzero(rest)[sub]
            got[at] = np.where(ok & _time_ok(g), value, _NO_DAY)
            done[at] = True
            kinds.append("ISO (yyyy-mm-dd)")

    if date_format is not None and date_format.pattern is not None:
        rest = ~done
        if rest.any():
            parsed = pd.to_datetime(
                cells[rest], format=date_format.pattern, errors="coerce", exact=True
            )
            value = parsed.to_numpy().astype("datetime64[D]")
            ok = ~np.isnat(value)
            got[rest] = np.where(ok, value.astype(np.int64), _NO_DAY)
            done |= rest
            kinds.append(f"{date_format.text} (given: date_format={date_format.text!r})")
    else:
        for pattern in (_DAY_NAME, _NAME_DAY):
            rest = ~done
            if not rest.any():
                break
            named = cells[rest].str.extract(pattern)
            sub = named["mon"].notna().to_numpy()
            if not sub.any():
                continue
            g = named[sub]
            month = g["mon"].str.lower().map(_MONTHS).to_numpy(dtype=np.int64)
            value, ok = ymd_days(_year(g["y"]), month, _ints(g["d"]))
            at = np.flatnonzero(rest)[sub]
            got[at] = np.where(ok & _time_ok(g), value, _NO_DAY)
            done[at] = True
            kinds.append("month names")
        rest = ~done
        if rest.any():
            _numeric(
                cells, rest, column, rows[where], date_format, got, done, undecided, where,
                kinds, problems,
            )  # fmt: skip
    bad[where] = got == _NO_DAY
    bad[where[undecided[where]]] = False
    days[where] = got


def _year(values: pd.Series) -> np.ndarray:
    y = _ints(values)
    return np.where(values.str.len().to_numpy() == 2, 2000 + y, y)


def _numeric(
    cells: pd.Series,
    rest: np.ndarray,
    column: str,
    rows: np.ndarray,
    date_format: DateFormat | None,
    got: np.ndarray,
    done: np.ndarray,
    undecided: np.ndarray,
    where: np.ndarray,
    kinds: list[str],
    problems: list[dict[str, Any]],
) -> None:
    """Day/month cells: one order for the column (given, or proved by its cells)."""
    num = cells[rest].str.extract(_NUMERIC)
    sub = num["a"].notna().to_numpy()
    if not sub.any():
        return
    at = np.flatnonzero(rest)[sub]
    g = num[sub]
    a, b, y = _ints(g["a"]), _ints(g["b"]), _year(g["y"])
    done[at] = True
    sample = cells.iloc[at].to_numpy(dtype=object)

    def shown(k: int) -> str:
        return f"row {rows[at[k]]}: {sample[k]!r}"

    if date_format is not None:
        if date_format.order == "ymd":
            return  # a day/month cell where year-month-day was given: not a date (bad)
        order = str(date_format.order)
        kinds.append(f"{_ORDER_TEXT[order]} (given: date_format={date_format.text!r})")
    else:
        day_first = (a > 12) & (b <= 12)
        month_first = (b > 12) & (a <= 12)
        if day_first.any() and month_first.any():
            i, j = np.flatnonzero(day_first)[0], np.flatnonzero(month_first)[0]
            problems.append(
                {
                    "row": None,
                    "column": column,
                    "value": f"{shown(i)}, {shown(j)}",
                    "expected": "one day/month order in the whole column (the first cell "
                    "is day first, the second month first): correct the cells, or set "
                    "date_format= ('dd/mm/yyyy' or 'mm/dd/yyyy'; --date-format on the "
                    "command line) to read the column one way",
                }
            )
            undecided[where[at]] = True
            kinds.append("day/month order unknown")
            return
        if day_first.any() or month_first.any():
            order = "dmy" if day_first.any() else "mdy"
            k = int(np.flatnonzero(day_first if order == "dmy" else month_first)[0])
            kinds.append(f"{_ORDER_TEXT[order]} (inferred from {shown(k)})")
        elif (a == b).all():
            order = "dmy"  # the day is the month in every cell: both orders agree
            kinds.append("dd/mm or mm/dd (every day equals its month)")
        else:
            two = [int(k) for k in np.flatnonzero(a != b)[:2]]
            problems.append(
                {
                    "row": None,
                    "column": column,
                    "value": ", ".join(shown(k) for k in two),
                    "expected": "dates whose day/month order the column shows (no cell has "
                    "a day above 12): set date_format= ('dd/mm/yyyy' or 'mm/dd/yyyy'; "
                    "--date-format on the command line)",
                }
            )
            undecided[where[at]] = True
            kinds.append("day/month order unknown")
            return
    day, month = (a, b) if order == "dmy" else (b, a)
    value, ok = ymd_days(y, month, day)
    got[at] = np.where(ok & _time_ok(g), value, _NO_DAY)
