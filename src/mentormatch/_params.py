"""One place that checks the parameters of public functions, with one message template.

"The 'min_score' parameter of match must be a float in [0, 1]. Got 1.7 instead."
(the scikit-learn convention, ``utils/_param_validation.py``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any

from ._errors import MentormatchError

__all__ = ["ParameterError", "check_choice", "check_number", "param_error"]


class ParameterError(MentormatchError, ValueError, TypeError):
    """A function was called with a parameter of the wrong type or out of range."""


def param_error(name: str, func: str, expected: str, got: Any) -> ParameterError:
    """Build the error with the library's one message template."""
    return ParameterError(
        f"The {name!r} parameter of {func} must be {expected}. Got {got!r} instead."
    )


def check_number(
    value: Any,
    name: str,
    func: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
    allow_none: bool = False,
) -> Any:
    """Return ``value`` if it is a real number in range, else raise :class:`ParameterError`."""
    if value is None and allow_none:
        return None
    kind = "an int" if integer else "a float"
    if low is not None and high is not None:
        expected = f"{kind} in {'(' if low_open else '['}{low:g}, {high:g}]"
    elif low is not None:
        expected = f"{kind} {'>' if low_open else '>='} {low:g}"
    else:
        expected = kind
    if allow_none:
        expected += " or None"
    ok_type = isinstance(value, numbers.Integral) if integer else isinstance(value, numbers.Real)
    if isinstance(value, bool) or not ok_type:
        raise param_error(name, func, expected, value)
    v = float(value)
    if math.isnan(v):
        raise param_error(name, func, expected, value)
    if low is not None and (v < low or (low_open and v == low)):
        raise param_error(name, func, expected, value)
    if high is not None and v > high:
        raise param_error(name, func, expected, value)
    return value


def check_choice(value: Any, name: str, func: str, choices: Collection[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise :class:`ParameterError`."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise param_error(name, func, f"one of {listed}", value)
    return value
