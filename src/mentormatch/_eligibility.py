"""Eligibility: who may take part, and for everyone else the rule that excluded them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._policy import EligibilityRule, ProgramPolicy
from ._schema import _resolve_policy, _validate

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
    >>> row["eligible"], row["reasons"]
    (False, ['mentor_experience'])
    >>> row["detail"]
    'Mentors need at least 7 years of professional experience; the application says 5.'
    """
    pol = _resolve_policy(policy)
    assert pol is not None
    apps = _validate(applications, pol, row_base=0, scope="eligibility")
    return evaluate(apps, pol)


def evaluate(apps: pd.DataFrame, policy: ProgramPolicy) -> pd.DataFrame:
    """:func:`check_eligibility` on an already validated table."""
    n = len(apps)
    role = apps["role"].to_numpy(dtype=object)
    failures = []  # (rule, fail mask)
    for rule in policy.eligibility:
        failures.append((rule, _fails(rule, apps, role)))

    reasons: list[list[str]] = [[] for _ in range(n)]
    details: list[list[str]] = [[] for _ in range(n)]
    for rule, fail in failures:
        for i in np.flatnonzero(fail):
            reasons[i].append(rule.code)
            details[i].append(_detail(rule, apps, int(i), role[i]))
    eligible = np.fromiter((not r for r in reasons), dtype=bool, count=n)
    return pd.DataFrame(
        {
            "participant_id": apps["id"].astype("string").to_numpy(),
            "role": apps["role"].astype("string").to_numpy(),
            "eligible": eligible,
            "reasons": pd.Series(reasons, dtype=object),
            "detail": [" ".join(d) for d in details],
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
        return f"{float(value):g}"
    if isinstance(value, list):
        return ", ".join(value) if value else "nothing"
    return str(value)


def _detail(rule: EligibilityRule, apps: pd.DataFrame, i: int, role: str) -> str:
    actual = apps[rule.column].iloc[i]
    fields = {
        "value": _say(rule.value) if rule.value is not None else "",
        "actual": _say(actual),
        "unless_actual": _say(apps[rule.unless].iloc[i]) if rule.unless else "",
        "column": rule.column,
        "role": role,
        "Role": role.capitalize(),
        "counterpart": "mentee" if role == "mentor" else "mentor",
        "low": str(rule.scale[0]) if rule.scale else "",
        "high": str(rule.scale[1]) if rule.scale else "",
    }
    blank = _say(actual) == "nothing"
    if blank:
        # The template's second half quotes the answer; say plainly it was left blank.
        requirement = rule.detail.split(";")[0].format(**fields)
        return f"{requirement}; the application leaves {rule.column} blank."
    return rule.detail.format(**fields)
