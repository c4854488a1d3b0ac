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

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ApplicationError
from .._ids import did_you_mean, suggestions, warn_similar
from .._params import param_error
from .._policy import APPLICATION_COLUMNS, ProgramPolicy
from .._read import Unreadable, normalize_name, read_table
from ._cells import _PARSERS, _problem, first_per_cell

__all__ = ["read_applications", "validate_applications"]


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
        from ..policies import get_policy

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
