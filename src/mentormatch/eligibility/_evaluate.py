"""Eligibility: who may take part, and for everyone else the rule that excluded them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._policy import EligibilityRule, ProgramPolicy
from ..applications._schema import _resolve_policy, _validate

__all__ = ["check_eligibility"]

ELIGIBILITY_COLUMNS = ["participant_id", "role", "eligible", "reasons", "detail"]


def check_eligibility(
    applications: pd.DataFrame | Iterable[Mapping[str, Any]],
    policy: str | ProgramPolicy = "amcto",
) -> pd.DataFrame:
    """Check every applicant against the policy's eligibility rules.

    Parameters
    ----------
    applications : DataFrame or iterable of dict
        The applications table (validated here; see
        :func:`~mentormatch.validate_applications`).
    policy : str or ProgramPolicy
        A preset name or a policy.

    Returns
    -------
    DataFrame
        One row per applicant, in input order: ``participant_id``, ``role``,
        ``eligible`` (bool), ``reasons`` (list of the failing rule codes, in
        the policy's order) and ``detail`` (one sentence per failing rule, a
        coordinator can send them as they are; empty when eligible).

    Notes
    -----
    A blank answer fails the rules that read it ("the application leaves
    years_experience blank"): nothing is assumed. A rule's ``unless`` column
    (AMCTO: new to the sector) passes the rule when it is yes. For the
    pairwise ``stage_above`` rule (AMA career stage), an applicant fails on
    their own only when no partner can exist: a mentor at the bottom of the
    scale or a mentee at its top; the rest is enforced pair by pair.

    Examples
    --------
    >>> import mentormatch as mm
    >>> apps = [
    ...     {"id": "m1", "role": "mentor", "member_in_good_standing": "yes",
    ...      "years_experience": 5, "new_to_sector": "no", "commitment_months": 9},
    ... ]
    >>> row = mm.check_eligibility(apps, mm.policies.AMCTO.__class__(
    ...     name="experience only", eligibility=mm.policies.AMCTO.eligibility[1:2])).iloc[0]
    >>> bool(row["eligible"]), row["reasons"]
    (False, ['mentor_experience'])
    >>> row["detail"]
    'Mentors need at least 7 years of professional experience; the application says 5.'
    """
    pol = _resolve_policy(policy)
    assert pol is not None
    apps = _validate(applications, pol, row_base=0, scope="eligibility")
    return evaluate(apps, pol)


def evaluate(apps: pd.DataFrame, policy: ProgramPolicy) -> pd.DataFrame:
    """:func:`check_eligibility` on an already validated table.

    Whole-column work: one fail mask per rule, and each rule's sentences built
    for all its failing applicants at once (see :func:`_details`).
    """
    n = len(apps)
    role = apps["role"].to_numpy(dtype=object)
    rules = policy.eligibility
    fails = np.zeros((n, len(rules)), dtype=bool)
    detail = np.full(n, "", dtype=object)
    for k, rule in enumerate(rules):
        fail = _fails(rule, apps, role)
        fails[:, k] = fail
        idx = np.flatnonzero(fail)
        if idx.size:
            sentences = _details(rule, apps, idx, role[idx])
            before = detail[idx]
            detail[idx] = np.where(before == "", sentences, before + " " + sentences)
    # One list of codes per distinct failure pattern, copied per applicant.
    codes = np.array([r.code for r in rules], dtype=object)
    if rules:
        patterns, inverse = np.unique(fails, axis=0, return_inverse=True)
        lists = [list(codes[p]) for p in patterns]
        reasons = [list(lists[k]) for k in np.ravel(inverse)]
    else:
        reasons = [[] for _ in range(n)]
    return pd.DataFrame(
        {
            "participant_id": apps["id"].astype("string").to_numpy(),
            "role": apps["role"].astype("string").to_numpy(),
            "eligible": ~fails.any(axis=1),
            "reasons": pd.Series(reasons, dtype=object),
            "detail": detail.tolist(),
        },
        columns=ELIGIBILITY_COLUMNS,
    )


def _fails(rule: EligibilityRule, apps: pd.DataFrame, role: np.ndarray) -> np.ndarray:
    applies = np.isin(role, list(rule.roles))
    col = apps[rule.column]
    if rule.test == "is_true":
        ok = col.fillna(False).to_numpy(dtype=bool)
    elif rule.test == "not_blank":
        ok = col.notna().to_numpy()
        if col.dtype == object:  # list columns: an empty list is blank
            ok &= col.map(lambda v: len(v) > 0 if isinstance(v, list) else True).to_numpy(bool)
    elif rule.test == "stage_above":
        assert rule.scale is not None
        low, high = rule.scale
        values = col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            ok = np.where(role == "mentor", values > low, values < high)
        ok &= ~np.isnan(values)
    else:
        values = col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        threshold = rule.value
        with np.errstate(invalid="ignore"):
            ok = {
                "at_least": values >= threshold,
                "at_most": values <= threshold,
                "above": values > threshold,
                "below": values < threshold,
            }[rule.test]
        ok &= ~np.isnan(values)
    if rule.unless is not None:
        ok = ok | apps[rule.unless].fillna(False).to_numpy(dtype=bool)
    return applies & ~ok


def _say(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "nothing"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        short = f"{v:g}"
        # enough digits to show why 6.9999999 fails "at least 7" (never "has 7")
        return short if float(short) == v else np.format_float_positional(v, trim="-")
    if isinstance(value, list):
        return ", ".join(value) if value else "nothing"
    return str(value)


_ACTUAL = "\x00actual\x00"
_UNLESS = "\x00unless\x00"


def _details(
    rule: EligibilityRule, apps: pd.DataFrame, idx: np.ndarray, role: np.ndarray
) -> np.ndarray:
    """The rule's sentence for the applicants at positions ``idx`` (object array).

    The template is filled once per role with markers for the applicant's own
    answers, then the answers (as words, for the whole column at once) are
    joined in with array concatenation. A blank answer gets the requirement
    and "the application leaves <column> blank".
    """
    actual = apps[rule.column].iloc[idx].map(_say).to_numpy(dtype=object)
    unless = (
        apps[rule.unless].iloc[idx].map(_say).to_numpy(dtype=object)
        if rule.unless
        else np.full(len(idx), "", dtype=object)
    )
    out = np.empty(len(idx), dtype=object)
    blank = actual == "nothing"
    for r in np.unique(role.astype(str)):
        fields = {
            "value": _say(rule.value) if rule.value is not None else "",
            "actual": _ACTUAL,
            "unless_actual": _UNLESS,
            "column": rule.column,
            "role": r,
            "Role": r.capitalize(),
            "counterpart": "mentee" if r == "mentor" else "mentor",
            "low": str(rule.scale[0]) if rule.scale else "",
            "high": str(rule.scale[1]) if rule.scale else "",
        }
        mine = role.astype(str) == r
        # The template's second half quotes the answer; a blank one is said plainly.
        requirement = rule.detail.split(";")[0].format(**fields)
        out[mine & blank] = f"{requirement}; the application leaves {rule.column} blank."
        sel = mine & ~blank
        if not sel.any():
            continue
        text = rule.detail.format(**fields)
        filled = np.full(int(sel.sum()), "", dtype=object)
        for piece, marker in _split_markers(text):
            filled = filled + piece
            if marker == _ACTUAL:
                filled = filled + actual[sel]
            elif marker == _UNLESS:
                filled = filled + unless[sel]
        out[sel] = filled
    return out


def _split_markers(text: str) -> list[tuple[str, str | None]]:
    """``text`` cut at the answer markers: (literal piece, marker that follows or None)."""
    out: list[tuple[str, str | None]] = []
    rest = text
    while True:
        hits = [(rest.find(m), m) for m in (_ACTUAL, _UNLESS) if m in rest]
        if not hits:
            out.append((rest, None))
            return out
        pos, marker = min(hits)
        out.append((rest[:pos], marker))
        rest = rest[pos + len(marker) :]
