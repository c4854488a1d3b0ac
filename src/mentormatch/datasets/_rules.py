"""Step 3 of :func:`~mentormatch.datasets.make_cohort`: the policy's eligibility rules applied as data.

Every applicant is first made to pass every rule (:func:`_repair`), then some are
made to fail one or two (:func:`_break`), blank answers and boundary values included.
"""

from __future__ import annotations

import math

import numpy as np

from .._policy import EligibilityRule, ProgramPolicy
from ._people import _Col, _generic, _numeric

_SHARE_AT_THRESHOLD = 0.03  # eligible applicants exactly on an at_least threshold
_SHARE_TWO_FAILURES = 0.15
_SHARE_BLANK_FAILURE = 0.15


def _add_rule_columns(
    cols: dict[str, _Col], policy: ProgramPolicy, is_mentor: np.ndarray, rng: np.random.Generator
) -> None:
    """Add every column the policy's rules and features read that the program lacks."""
    for rule in policy.eligibility:
        if rule.column not in cols:
            cols[rule.column] = _generic(rule.column, rng, is_mentor, rule)
        if rule.unless is not None and rule.unless not in cols:
            n = len(is_mentor)
            cols[rule.unless] = _numeric(np.zeros(n), "bool")
    for need in policy.required_columns():
        options = need.split(" or ")
        if not any(o in cols for o in options) and need not in ("id", "role"):
            cols[options[0]] = _generic(options[0], rng, is_mentor, None)


# --------------------------------------------------------------------------- eligibility


def _applies(rule: EligibilityRule, is_mentor: np.ndarray) -> np.ndarray:
    roles = set(rule.roles)
    if roles == {"mentor", "mentee"}:
        return np.ones(len(is_mentor), dtype=bool)
    return is_mentor.copy() if "mentor" in roles else ~is_mentor


def _passes(rule: EligibilityRule, cols: dict[str, _Col], is_mentor: np.ndarray) -> np.ndarray:
    """Whether each row passes the rule on its own, as :func:`check_eligibility` decides."""
    c = cols[rule.column]
    v, present = c.values, ~c.blank
    if rule.test == "not_blank":
        ok = present
    elif c.kind in ("str", "list"):
        ok = present  # no number to compare: cannot pass a numeric test; leave to validation
    elif rule.test == "is_true":
        ok = present & (v != 0)
    elif rule.test == "stage_above":
        assert rule.scale is not None
        low, high = rule.scale
        ok = present & np.where(is_mentor, v > low, v < high)
    else:
        t = rule.value
        ok = (
            present
            & {
                "at_least": v >= t,
                "at_most": v <= t,
                "above": v > t,
                "below": v < t,
            }[rule.test]
        )
    if rule.unless is not None:
        u = cols[rule.unless]
        ok = ok | (~u.blank & (u.values != 0))
    return ok | ~_applies(rule, is_mentor)


def _eligible(cols: dict[str, _Col], policy: ProgramPolicy, is_mentor: np.ndarray) -> np.ndarray:
    ok = np.ones(len(is_mentor), dtype=bool)
    for rule in policy.eligibility:
        ok &= _passes(rule, cols, is_mentor)
    return ok


def _apply_eligibility(
    cols: dict[str, _Col],
    policy: ProgramPolicy,
    is_mentor: np.ndarray,
    rng: np.random.Generator,
    rate: float,
) -> None:
    """Make everyone pass every rule, then make ``rate`` of them fail one or two."""
    rules = [r for r in policy.eligibility if cols[r.column].kind not in ("str", "list")]
    rules += [r for r in policy.eligibility if r.test == "not_blank" and r not in rules]
    for rule in rules:
        _repair(rule, cols, is_mentor, rng)
    for rule in rules:  # boundary cases that pass: exactly on the threshold
        c = cols[rule.column]
        if rule.test == "at_least" and (c.kind == "float" or float(rule.value).is_integer()):  # type: ignore[arg-type]
            sel = _applies(rule, is_mentor) & (rng.random(len(is_mentor)) < _SHARE_AT_THRESHOLD)
            sel &= ~c.blank
            c.values[sel] = rule.value
    n = len(is_mentor)
    if not rules or n == 0:
        return
    applicable = np.stack([_applies(r, is_mentor) for r in rules], axis=1)
    candidates = np.flatnonzero(applicable.any(axis=1))
    k = min(round(rate * n), len(candidates))
    if k == 0:
        return
    target = np.sort(rng.choice(candidates, size=k, replace=False))
    keys = np.where(applicable[target], rng.random((k, len(rules))), -1.0)
    order = np.argsort(-keys, axis=1)
    chosen = np.zeros((k, len(rules)), dtype=bool)
    chosen[np.arange(k), order[:, 0]] = True
    if len(rules) > 1:
        two = (rng.random(k) < _SHARE_TWO_FAILURES) & (keys[np.arange(k), order[:, 1]] >= 0)
        chosen[np.arange(k)[two], order[two, 1]] = True
    for j, rule in enumerate(rules):
        rows = target[chosen[:, j]]
        if len(rows):
            _break(rule, cols, is_mentor, rng, rows)


def _repair(
    rule: EligibilityRule, cols: dict[str, _Col], is_mentor: np.ndarray, rng: np.random.Generator
) -> None:
    """Change the values of the rows failing ``rule`` so that they pass it."""
    c = cols[rule.column]
    fail = ~_passes(rule, cols, is_mentor)
    if rule.test == "stage_above" and rule.scale is not None:
        low, high = rule.scale
        c.values[:] = np.clip(c.values, max(low, c.low), min(high, c.high))
        fail = ~_passes(rule, cols, is_mentor)
    if not fail.any():
        return
    rows = np.flatnonzero(fail)
    c.blank[rows] = False
    if c.kind in ("str", "list"):
        return
    k = len(rows)
    integer = c.kind in ("int", "bool")
    if rule.test == "is_true":
        c.values[rows] = 1.0
        return
    if rule.test == "stage_above":
        assert rule.scale is not None
        low, high = rule.scale
        up = rng.integers(low + 1, high + 1, k)
        down = rng.integers(low, high, k)
        c.values[rows] = np.where(is_mentor[rows], up, down)
        return
    t = float(rule.value)  # type: ignore[arg-type]
    off = rng.choice([0.0, 1.0, 2.0, 3.0], size=k)
    if rule.test in ("at_least", "above"):
        base = (math.floor(t) + 1 if integer else t + 0.5) if rule.test == "above" else t
        new = (math.ceil(base) if integer else base) + off
    else:
        base = (math.ceil(t) - 1 if integer else t - 0.5) if rule.test == "below" else t
        new = (math.floor(base) if integer else base) - off
    new = np.clip(new, c.low, c.high)
    still = ~_value_passes(rule, new)
    new = np.where(still, c.values[rows], new)  # no valid passing value: leave it failing
    c.values[rows] = new


def _value_passes(rule: EligibilityRule, v: np.ndarray) -> np.ndarray:
    t = rule.value
    return {
        "at_least": v >= t,
        "at_most": v <= t,
        "above": v > t,
        "below": v < t,
    }[rule.test]


def _break(
    rule: EligibilityRule,
    cols: dict[str, _Col],
    is_mentor: np.ndarray,
    rng: np.random.Generator,
    rows: np.ndarray,
) -> None:
    """Make ``rows`` fail ``rule``: a failing value, sometimes a blank answer."""
    c = cols[rule.column]
    k = len(rows)
    if rule.unless is not None:
        u = cols[rule.unless]
        u.values[rows] = 0.0
        u.blank[rows] = False
    if rule.test == "not_blank" or c.kind in ("str", "list"):
        c.blank[rows] = True
        return
    blank = rng.random(k) < _SHARE_BLANK_FAILURE
    if rule.test == "is_true":
        c.values[rows] = 0.0
    elif rule.test == "stage_above":
        assert rule.scale is not None
        low, high = rule.scale
        c.values[rows] = np.where(is_mentor[rows], low, high)
        blank &= rng.random(k) < 0.5
        if low < c.low:  # no valid stage at the bottom of the scale: leave it blank
            blank |= is_mentor[rows]
    else:
        t = float(rule.value)  # type: ignore[arg-type]
        integer = c.kind in ("int", "bool")
        if rule.test == "at_least":  # just under, or well under (8, 6, 3 months for 9)
            steps = [math.ceil(t) - 1, round(2 * t / 3), round(t / 3)] if integer else None
            cand = np.array(steps, dtype=np.float64) if steps else t - np.array([0.5, 1, 2, 3, 5])
        elif rule.test == "above":
            cand = (
                np.array([t, t - 1, t - 3])
                if not integer
                else np.array(
                    [math.floor(t), math.floor(t) - 1, math.floor(t) - 3], dtype=np.float64
                )
            )
        elif rule.test == "below":  # exactly on the threshold half the time
            base = math.ceil(t) if integer else t
            cand = np.array([base, base, base, base + 1, base + 3, base + 8], dtype=np.float64)
        else:  # at_most
            base = math.floor(t) + 1 if integer else t + 0.5
            cand = np.array([base, base + 1, base + 5], dtype=np.float64)
        cand = cand[(cand >= c.low) & (cand <= c.high) & ~_value_passes(rule, cand)]
        if len(cand):
            c.values[rows] = cand[rng.integers(0, len(cand), k)]
        else:
            blank[:] = True
    c.blank[rows] = blank
