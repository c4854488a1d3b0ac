"""Cell by cell, vectorized per column: the parsers of the applications table's kinds.

Each parser takes one column and returns the typed column and its problems
(row, column, value, what was expected); :mod:`._schema` runs them.
"""

from __future__ import annotations

import ast
import math
import numbers
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._ids import trim, trim_text

_TRUE = frozenset({"yes", "y", "true", "t", "1", "1.0"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "0.0"})
_BOOL_WORDS = "yes/no, y/n, true/false, 1/0 or blank"
_ROLE_ALIASES = {"mentor": "mentor", "mentee": "mentee", "protege": "mentee", "protégé": "mentee"}
_THOUSANDS = re.compile(r"^\d{1,3}([, ]\d{3})+$")
_INT_COLUMNS = {
    "commitment_months": (0, "a whole number of months >= 0"),
    "community_size": (0, "a whole number >= 0 (population served)"),
    "career_stage": (1, "a whole-number stage >= 1"),
    "capacity": (1, "a whole number >= 1 (mentees this mentor may take)"),
}
_MISSING = object()
# A Python list (or tuple) of text, as ``DataFrame.to_csv`` writes a list cell:
# ``['budgeting', 'audit']``. Only this shape is read as a list (by
# ``ast.literal_eval`` once the shape is checked: nothing else is evaluated).
_STR_LITERAL = r"""(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_ITEMS = rf"(?:{_STR_LITERAL}(?:\s*,\s*{_STR_LITERAL})*\s*,?)?"
_STR_ITEM = re.compile(_STR_LITERAL)
_LIST_LITERAL = re.compile(rf"\s*(?:\[\s*{_ITEMS}\s*\]|\(\s*{_ITEMS}\s*\))\s*")


def first_per_cell(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems without the ones about a cell the file reader already reported.

    An Excel error cell (``#N/A``) or an undecodable byte is reported by the
    reader (marked ``_read``); the validation of the same cell would only repeat it.
    """
    seen = {(p["row"], p["column"]) for p in problems if p.get("_read")}
    if not seen:
        return problems
    return [p for p in problems if p.get("_read") or (p["row"], p["column"]) not in seen]


# --------------------------------------------------------------------------- cells


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, np.floating) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _scalar_text(value: Any) -> Any:
    """A cell as trimmed text, ``None`` when blank, ``_MISSING`` when not a scalar."""
    if _is_blank(value):
        return None
    if isinstance(value, str):
        return trim(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
            return str(int(v))
        return repr(v)
    return _MISSING


def _text_values(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Text of every cell (``string`` dtype) and a mask of cells that are not scalars."""
    # Only cells that are all text (or blank) take the fast path. An ``object``
    # column is not text just by its dtype: it may hold numbers (``1.0`` must read
    # as id ``"1"``), lists or dicts (a problem, never their ``str()``).
    if isinstance(series.dtype, pd.StringDtype) or pd.api.types.infer_dtype(
        series, skipna=True
    ) in ("string", "empty"):
        text = trim_text(series.astype("string"))  # spaces and zero-width characters
        text = text.mask(text == "")
        return text, np.zeros(len(series), dtype=bool)
    converted = [_scalar_text(v) for v in series.to_numpy(dtype=object)]
    bad = np.fromiter((c is _MISSING for c in converted), dtype=bool, count=len(converted))
    cleaned = [None if c is _MISSING else c for c in converted]
    return pd.Series(cleaned, dtype="string", index=series.index), bad


def _problem(
    rows: np.ndarray, i: int | np.integer[Any], col: str, value: Any, expected: str
) -> dict[str, Any]:
    return {"row": int(rows[i]), "column": col, "value": _shown(value), "expected": expected}


def _shown(value: Any) -> Any:
    if not isinstance(value, (list, tuple, dict, set, np.ndarray)) and _is_blank(value):
        return ""
    if isinstance(value, (list, tuple, dict, set)):
        return repr(value)[:100]
    if isinstance(value, str):
        return value[:100]
    return value


def _parse_text(series: pd.Series, col: str, rows: np.ndarray, problems: list) -> pd.Series:
    text, bad = _text_values(series)
    raw = series.to_numpy(dtype=object)
    for i in np.flatnonzero(bad):
        problems.append(_problem(rows, i, col, raw[i], "text"))
    return text.set_axis(pd.RangeIndex(len(text)))


def _parse_id(series: pd.Series, col: str, rows: np.ndarray, problems: list) -> pd.Series:
    text = _parse_text(series, col, rows, problems)
    raw = series.to_numpy(dtype=object)
    for i in np.flatnonzero(text.isna().to_numpy()):
        if _scalar_text(raw[i]) is not _MISSING:  # a non-scalar is reported as not text
            problems.append(_problem(rows, i, col, raw[i], "a non-blank applicant id"))
    return text


def _parse_role(series: pd.Series, col: str, rows: np.ndarray, problems: list) -> pd.Series:
    text = _parse_text(series, col, rows, problems)
    role = text.str.lower().map(_ROLE_ALIASES).astype("string")
    raw = series.to_numpy(dtype=object)
    bad = role.isna().to_numpy()
    for i in np.flatnonzero(bad):
        problems.append(_problem(rows, i, col, raw[i], "'mentor' or 'mentee'"))
    return role


def _parse_bool(series: pd.Series, col: str, rows: np.ndarray, problems: list) -> pd.Series:
    text, bad = _text_values(series)
    lower = text.str.lower()
    value = pd.Series(pd.NA, index=text.index, dtype="boolean")
    value[lower.isin(_TRUE).fillna(False).to_numpy()] = True
    value[lower.isin(_FALSE).fillna(False).to_numpy()] = False
    unknown = bad | (text.notna().to_numpy() & value.isna().to_numpy())
    raw = series.to_numpy(dtype=object)
    for i in np.flatnonzero(unknown):
        problems.append(_problem(rows, i, col, raw[i], _BOOL_WORDS))
    return value.set_axis(pd.RangeIndex(len(value)))


def _numbers(series: pd.Series, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float values, a blank mask and a does-not-parse mask of a column."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(values)
        return values, blank, np.zeros(len(series), dtype=bool)
    text, bad = _text_values(series)
    if col == "community_size":
        sep = text.str.match(_THOUSANDS).fillna(False).to_numpy(dtype=bool)
        text = text.where(~sep, text.str.replace(r"[, ]", "", regex=True))
    is_bool = np.fromiter(
        (isinstance(v, (bool, np.bool_)) for v in series.to_numpy(dtype=object)), bool, len(series)
    )
    blank = text.isna().to_numpy() & ~bad
    parsed = pd.to_numeric(text, errors="coerce")
    values = parsed.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    unparsed = (bad | is_bool | (np.isnan(values) & ~blank)) & ~blank
    unparsed |= bad
    values[unparsed] = np.nan
    return values, blank, unparsed


#: The most years of experience read as plausible (a career); more is a typing error
#: (``1e308`` also overflowed the float32 scoring and was then explained as "no information").
MAX_YEARS = 100.0


def _parse_float(series: pd.Series, col: str, rows: np.ndarray, problems: list) -> pd.Series:
    values, blank, unparsed = _numbers(series, col)
    with np.errstate(invalid="ignore"):
        out = ~np.isfinite(values) | (values < 0) | (values > MAX_YEARS)
    bad = unparsed | (~blank & ~unparsed & out)
    raw = series.to_numpy(dtype=object)
    for i in np.flatnonzero(bad):
        problems.append(
            _problem(rows, i, col, raw[i], f"a number of years from 0 to {MAX_YEARS:g}")
        )
    values = np.where(bad, np.nan, values)
    return pd.Series(pd.array(values, dtype="Float64")).mask(blank | bad)


def _parse_number(series: pd.Series, col: str, rows: np.ndarray, problems: list) -> pd.Series:
    """A program's own numeric column: any finite number (no unit, no sign assumed)."""
    values, blank, unparsed = _numbers(series, col)
    bad = unparsed | (~blank & ~unparsed & ~np.isfinite(values))
    raw = series.to_numpy(dtype=object)
    for i in np.flatnonzero(bad):
        problems.append(_problem(rows, i, col, raw[i], "a number"))
    values = np.where(bad, np.nan, values)
    return pd.Series(pd.array(values, dtype="Float64")).mask(blank | bad)


def _parse_int(series: pd.Series, col: str, rows: np.ndarray, problems: list) -> pd.Series:
    low, expected = _INT_COLUMNS.get(col, (0, "a whole number >= 0"))
    values, blank, unparsed = _numbers(series, col)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2**53)
    bad = unparsed | (~blank & ~unparsed & (~whole | (values < low)))
    raw = series.to_numpy(dtype=object)
    for i in np.flatnonzero(bad):
        problems.append(_problem(rows, i, col, raw[i], expected))
    ints = np.where(blank | bad, 0, np.nan_to_num(values)).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(ints, blank | bad))


def _parse_list(series: pd.Series, col: str, rows: np.ndarray, problems: list) -> pd.Series:
    raw = series.to_numpy(dtype=object)
    out: list[list[str]] = []
    for i, cell in enumerate(raw):
        items: Iterable[Any]
        if isinstance(cell, str):
            listed = _list_literal(cell)
            items = cell.split(";") if listed is None else listed
        elif isinstance(cell, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
            items = sorted(cell, key=str) if isinstance(cell, (set, frozenset)) else list(cell)
        elif _is_blank(cell):
            items = ()
        else:
            text = _scalar_text(cell)
            if text is _MISSING:
                problems.append(_problem(rows, i, col, cell, "text items separated by ';'"))
                out.append([])
                continue
            items = (text,)
        parsed: list[str] = []
        ok = True
        for item in items:
            # text items (nearly all) trimmed directly: _scalar_text's checks cost more
            text = trim(item) if type(item) is str else _scalar_text(item)
            if text is _MISSING:
                ok = False
                break
            if text and text not in parsed:
                parsed.append(text)
        if not ok:
            problems.append(_problem(rows, i, col, cell, "text items separated by ';'"))
            parsed = []
        out.append(parsed)
    return pd.Series(out, dtype=object)


def _list_literal(cell: str) -> list[str] | None:
    """The items of a cell written as a Python list of text, else ``None``."""
    if not cell.lstrip().startswith(("[", "(")) or not _LIST_LITERAL.fullmatch(cell):
        return None
    if "\\" not in cell:  # no escapes: the items are the quoted texts (fast, no eval)
        items = [m[1:-1] for m in _STR_ITEM.findall(cell)]
        body = cell.strip()
        if body.startswith("[") or len(items) != 1 or body[:-1].rstrip().endswith(","):
            return items
        return None  # ("a") is text in parentheses, not a tuple
    try:
        value = ast.literal_eval(cell.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return None  # ("a") is text in parentheses, not a tuple


_PARSERS = {
    "id": _parse_id,
    "role": _parse_role,
    "str": _parse_text,
    "bool": _parse_bool,
    "float": _parse_float,
    "number": _parse_number,
    "int": _parse_int,
    "list": _parse_list,
}
