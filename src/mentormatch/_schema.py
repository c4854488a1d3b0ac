"""The applications table: reading staff exports and validating them.

:func:`validate_applications` turns whatever staff hand over (a DataFrame, a list
of dicts, a CSV or Excel export read by :func:`read_applications`) into one clean,
typed table, or raises one :class:`~mentormatch.ApplicationError` listing every
problem at once. Nothing is dropped and nothing is coerced to a default.

The validated table
-------------------
One row per applicant, in input order, with a fresh ``RangeIndex``. Known columns
(DESIGN.md) come first in a fixed order, then any other column unchanged (names,
e-mails...). Column names are trimmed, lower-cased, with spaces and hyphens
turned into ``_`` (``"Years Experience"`` -> ``years_experience``).

========================  ===================  ===========================================
kind                      dtype                parsing
========================  ===================  ===========================================
id, role, text            ``string``           trimmed; blank -> ``<NA>``; whole numbers
                                               print without ``.0`` (Excel ids)
yes/no                    ``boolean``          yes/no, y/n, true/false, t/f, 1/0 (any
                                               case); blank -> ``<NA>``
years_experience          ``Float64``          a number from 0 to 100; blank -> ``<NA>``
whole numbers             ``Int64``            commitment_months, community_size (``12,500``
                                               allowed), career_stage, capacity (>= 1)
lists                     ``object``           Python lists of trimmed text; ``;``-separated
                                               text in files; blank -> ``[]``; repeats
                                               removed, order kept
========================  ===================  ===========================================

``role`` is ``"mentor"`` or ``"mentee"`` (any case; ``protégé``/``protege`` is read
as mentee, the LTB guide's word). A column a policy does not use may be absent;
absent columns are not added.

Ids
---
Ids are compared exactly once trimmed (spaces, no-break spaces and zero-width
characters at both ends go, see :mod:`mentormatch._ids`): ``M1`` and ``m1``,
``007`` and ``7``, an NFC and an NFD ``é`` are different applicants, and a
:class:`~mentormatch.SimilarIdsWarning` names the rows of ids that differ only so.
Each ``requested_ids`` and ``previous_partner_ids`` item must be the id of an
applicant in the table (a problem otherwise, with "did you mean" when it looks like
one). A previous partner from an earlier year who did not apply again may be kept
with the policy setting ``matching.allow_absent_previous_partners``: such an id
blocks no one (an id only blocks the applicant whose id it is exactly); a
look-alike of an applicant's id stays a problem.

Row numbers in problems
-----------------------
For files read by :func:`read_applications`, the row as the spreadsheet shows it
(the header is row 1, the first applicant row 2). A row with every cell blank is
no applicant and is left out; the rows after it keep their numbers. For a DataFrame or a list of
records, the 0-based position of the row.
"""

from __future__ import annotations

import ast
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import ApplicationError
from ._ids import did_you_mean, suggestions, trim, trim_text, warn_similar
from ._params import param_error
from ._policy import APPLICATION_COLUMNS, ProgramPolicy
from ._read import Unreadable, normalize_name, read_table

__all__ = ["read_applications", "validate_applications"]

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


def read_applications(
    path: str | Path,
    *,
    policy: str | ProgramPolicy | None = None,
    sheet_name: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pd.DataFrame:
    """Read and validate an applications export (CSV or Excel ``.xlsx``).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.tsv`` / ``.txt`` or ``.xlsx`` / ``.xlsm`` file with one
        header row. CSV: UTF-8 (with or without a byte-order mark) or
        Windows-1252, detected; ``,``, ``;`` or tab between cells, found from the
        file (a ``.tsv`` is tab). Excel: text, numbers and dates as the cells hold
        them (``NA`` stays text). See :mod:`mentormatch._read` for every rule.
    policy : str or ProgramPolicy, optional
        When given, the columns the policy needs are required.
    sheet_name : str or int, optional
        The Excel sheet to read: its name, or its 0-based position. By default
        the sheet named ``applications`` when the workbook has one, else the
        first. One sheet is read.
    encoding : str, optional
        Force the CSV's encoding (``"utf-8"``, ``"cp1252"``...) instead of detecting it.
    delimiter : str, optional
        Force the CSV's delimiter (``","``, ``";"``, ``"\\t"`` or ``"tab"``).

    Returns
    -------
    DataFrame
        The validated table (see :func:`validate_applications`). ``.attrs["mentormatch"]``
        records how the file was read: ``path``, ``format``, ``encoding``,
        ``delimiter``, ``sheet``, ``blank_lines`` (rows left out because every cell
        was blank) and ``blank_rows`` (their numbers).

    Raises
    ------
    ApplicationError
        Listing every problem; rows are numbered as in the spreadsheet (the
        header is row 1). A file that cannot be read as a table (a corrupt
        workbook, no header, a quote never closed...) is one problem.
    ParameterError
        A path that is not a ``.csv``/``.xlsx`` file, or a bad option.
    FileNotFoundError
        No file at ``path``.
    """
    try:
        raw = read_table(
            path,
            func="read_applications",
            what="applications",
            encoding=encoding,
            delimiter=delimiter,
            sheet_name=sheet_name,
        )
    except Unreadable as exc:
        raise ApplicationError(exc.problems) from None
    result = _validate(raw.frame, policy, row_base=2, rows=raw.rows, problems=raw.problems)
    result.attrs["mentormatch"] = {"table": "applications", **raw.info}
    return result


def validate_applications(
    applications: pd.DataFrame | Iterable[Mapping[str, Any]],
    policy: str | ProgramPolicy | None = None,
) -> pd.DataFrame:
    """Validate an applications table and return it clean and typed.

    Parameters
    ----------
    applications : DataFrame or iterable of dict
        One row per applicant (see the module docstring for columns and types).
        An already validated table passes through unchanged in content.
    policy : str or ProgramPolicy, optional
        A preset name (``"amcto"``...) or a policy; the columns it needs
        must be present.

    Returns
    -------
    DataFrame
        Same applicants in the same order, typed as documented.

    Raises
    ------
    ApplicationError
        Listing every problem at once (``.problems``: row, column, value,
        expected): duplicate or blank ids, unknown roles, values that do not
        parse, negative experience, a requested id that does not exist, is the
        applicant themself or has the same role, a column the policy needs.

    Examples
    --------
    >>> import mentormatch as mm
    >>> apps = mm.validate_applications([
    ...     {"id": 1, "role": "Mentor", "skills": "budgeting; council reports"},
    ...     {"id": "2", "role": "mentee", "skills": "budgeting"},
    ... ])
    >>> apps["id"].tolist(), apps["skills"].tolist()
    (['1', '2'], [['budgeting', 'council reports'], ['budgeting']])
    """
    return _validate(applications, policy, row_base=0)


# --------------------------------------------------------------------------- core


def _validate(
    data: Any,
    policy: str | ProgramPolicy | None,
    *,
    row_base: int,
    scope: str = "all",
    rows: np.ndarray | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> pd.DataFrame:
    frame = _as_frame(data)
    pol = _resolve_policy(policy)
    problems = list(problems or ())
    frame = _normalize_columns(frame, problems)
    if rows is None:
        rows = np.arange(len(frame)) + row_base

    required = pol.required_columns(scope=scope) if pol is not None else _BASE_REQUIRED
    for col, why in required.items():
        alternatives = col.split(" or ")
        if not any(a in frame.columns for a in alternatives):
            needed_by = f"the {pol.name} policy ({why})" if pol is not None else "every table"
            problems.append(
                {
                    "row": None,
                    "column": col,
                    "value": None,
                    "expected": f"a column {col!r}: {needed_by} needs it",
                }
            )

    out: dict[str, pd.Series] = {}
    for col, kind in APPLICATION_COLUMNS.items():
        if col not in frame.columns:
            continue
        parser = _PARSERS[kind]
        out[col] = parser(frame[col], col, rows, problems)
    # A program's own columns (a rule on a column DESIGN.md does not list) are
    # parsed as the rule reads them: "no" must not count as yes, "abc" is not a number.
    own: dict[str, pd.Series] = {}
    for col, kind in (_rule_column_kinds(pol) if pol is not None else {}).items():
        if col in frame.columns and col not in APPLICATION_COLUMNS:
            own[col] = _PARSERS[kind](frame[col], col, rows, problems)
    if pol is not None and "career_stage" in out:
        _check_stage_scale(out["career_stage"], pol, rows, problems)
    if "id" in out:
        keep_absent = pol is not None and pol.matching.allow_absent_previous_partners
        _check_ids(out, rows, problems, keep_absent=keep_absent)

    if problems:
        raise ApplicationError(_sorted_problems(problems))
    if "id" in out:
        warn_similar(out["id"].to_numpy(dtype=object, na_value=None), rows, "applications")
    extra = [c for c in frame.columns if c not in APPLICATION_COLUMNS]
    result = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    for col in extra:
        result[col] = own[col].array if col in own else frame[col].to_numpy()
    return result


_TEST_KINDS = {
    "is_true": "bool",
    "at_least": "number",
    "at_most": "number",
    "above": "number",
    "below": "number",
    "not_blank": "str",
    "stage_above": "int",
}


def _rule_column_kinds(policy: ProgramPolicy) -> dict[str, str]:
    """The kind each eligibility rule reads its columns as (an ``unless`` column is yes/no)."""
    kinds: dict[str, str] = {}
    for rule in policy.eligibility:
        kinds.setdefault(rule.column, _TEST_KINDS[rule.test])
        if rule.unless is not None:
            kinds.setdefault(rule.unless, "bool")
    return kinds


_BASE_REQUIRED = {"id": "every table", "role": "every table"}


def _resolve_policy(policy: str | ProgramPolicy | None) -> ProgramPolicy | None:
    if policy is None or isinstance(policy, ProgramPolicy):
        return policy
    if isinstance(policy, str):
        from .policies import get_policy

        return get_policy(policy)
    raise param_error("policy", "validate_applications", "a preset name or a ProgramPolicy", policy)


def _as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    if isinstance(data, (str, bytes, Path)) or not isinstance(data, Iterable):
        raise param_error(
            "applications",
            "validate_applications",
            "a DataFrame or a list of dicts (use read_applications for a file)",
            type(data).__name__,
        )
    records = list(data)
    bad = [i for i, r in enumerate(records) if not isinstance(r, Mapping)]
    if bad:
        raise ApplicationError(
            [
                {"row": i, "column": None, "value": type(records[i]).__name__, "expected": "a dict"}
                for i in bad
            ]
        )
    return pd.DataFrame.from_records(records) if records else pd.DataFrame()


def _normalize_columns(frame: pd.DataFrame, problems: list[dict[str, Any]]) -> pd.DataFrame:
    names = [normalize_name(c) for c in frame.columns]
    seen: dict[str, int] = {}
    keep = []
    for pos, name in enumerate(names):
        if name in seen:
            problems.append(
                {
                    "row": None,
                    "column": name,
                    "value": str(frame.columns[pos]),
                    "expected": "each column once (two columns have this name)",
                }
            )
            continue
        seen[name] = pos
        keep.append(pos)
    frame = frame.iloc[:, keep]
    frame.columns = [names[p] for p in keep]
    return frame


def _sorted_problems(problems: list[dict[str, Any]]) -> pd.DataFrame:
    problems = first_per_cell(problems)
    frame = pd.DataFrame(problems, columns=["row", "column", "value", "expected"])
    order = pd.to_numeric(frame["row"], errors="coerce").fillna(-1)
    frame = frame.assign(_o=order.to_numpy()).sort_values(["_o"], kind="stable")
    frame = frame.drop(columns="_o").reset_index(drop=True)
    frame["row"] = frame["row"].astype("Int64")
    column = frame["column"].astype(object)
    frame["column"] = column.where(column.notna(), None)  # None, not NaN, when no column
    return frame


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
            text = _scalar_text(item)
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


# --------------------------------------------------------------------------- table checks


def _check_stage_scale(
    stage: pd.Series, policy: ProgramPolicy, rows: np.ndarray, problems: list
) -> None:
    for rule in policy.pairwise_rules():
        if rule.column != "career_stage" or rule.scale is None:
            continue
        low, high = rule.scale
        out = stage.notna() & ((stage < low) | (stage > high))
        for i in np.flatnonzero(out.to_numpy(dtype=bool, na_value=False)):
            problems.append(
                _problem(
                    rows, i, "career_stage", int(stage.iloc[i]), f"a stage from {low} to {high}"
                )
            )


def _isin(values: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """``np.isin`` for object arrays by hashing (numpy compares them pairwise)."""
    return pd.Series(values, dtype=object).isin(allowed).to_numpy(dtype=bool)


_ABSENT_PARTNER = (
    " (a partner from an earlier year who did not apply again may be listed only with the "
    "policy setting matching.allow_absent_previous_partners = true)"
)


def _check_ids(
    cols: dict[str, pd.Series], rows: np.ndarray, problems: list, *, keep_absent: bool = False
) -> None:
    """Duplicate ids, and ids in ``requested_ids`` / ``previous_partner_ids`` naming no one.

    An unknown id is a problem, with "did you mean" when it looks like an applicant's
    id (:mod:`mentormatch._ids`); ``keep_absent`` (the policy's
    ``allow_absent_previous_partners``) keeps unknown previous partners that look
    like no applicant's id.
    """
    ids = cols["id"]
    present = ids.notna().to_numpy()
    dup = ids.duplicated(keep=False).to_numpy() & present
    if dup.any():
        groups = pd.Series(rows[dup]).groupby(ids[dup].to_numpy()).agg(list)
        for i in np.flatnonzero(dup):
            others = [r for r in groups[ids.iloc[i]] if r != rows[i]]
            listed = ", ".join(str(r) for r in others)
            problems.append(
                _problem(rows, i, "id", ids.iloc[i], f"a unique id (also on row {listed})")
            )
    role_of = pd.Series(
        cols["role"].to_numpy() if "role" in cols else pd.NA, index=ids.to_numpy(), dtype="string"
    )
    role_of = role_of[present & ~dup]
    for col in ("requested_ids", "previous_partner_ids"):
        if col not in cols:
            continue
        exploded = cols[col].explode().dropna()
        if exploded.empty:
            continue
        pos = exploded.index.to_numpy()
        target = exploded.astype("string").to_numpy()
        own = ids.to_numpy(dtype=object, na_value=None)[pos]  # a blank id is nobody
        is_self = target == own
        for i, t in zip(pos[is_self], target[is_self], strict=True):
            problems.append(_problem(rows, i, col, t, "the id of someone else (not the applicant)"))
        # A duplicated id exists (its rows are reported as duplicates); only its
        # role is unknown, so the same-role check skips it.
        existing = ids[present].to_numpy(dtype=object)
        unknown = ~_isin(target, existing) & ~is_self
        if unknown.any():
            alike = suggestions(target[unknown], existing)
            if col == "previous_partner_ids" and keep_absent:
                unknown[unknown] = pd.notna(alike)  # absent people are kept, look-alikes not
                alike = alike[pd.notna(alike)]
            why = "" if col == "requested_ids" else _ABSENT_PARTNER
            for i, t, s in zip(pos[unknown], target[unknown], alike, strict=True):
                hint = did_you_mean(t, s) if s is not None else why
                problems.append(
                    _problem(rows, i, col, t, "the id of an applicant in this table" + hint)
                )
        if col != "requested_ids":
            continue
        if "role" in cols:
            sel = _isin(target, role_of.index.to_numpy()) & ~is_self
            their = role_of.reindex(target[sel]).to_numpy(dtype=object, na_value=None)
            mine = cols["role"].to_numpy(dtype=object, na_value=None)[pos[sel]]
            same = (their == mine) & pd.notna(their) & pd.notna(mine)
            for i, t, r in zip(pos[sel][same], target[sel][same], mine[same], strict=True):
                problems.append(
                    _problem(rows, i, col, t, f"an applicant of the other role (both are {r}s)")
                )
