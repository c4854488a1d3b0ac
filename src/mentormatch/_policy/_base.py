"""Vocabulary every policy class shares: roles, columns, tests, and the error helpers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

from .._errors import PolicyError

__all__ = ["APPLICATION_COLUMNS", "ELIGIBILITY_TESTS", "FEATURE_COLUMNS", "ROLES", "SEVERITIES"]

Role = Literal["mentor", "mentee"]
ROLES: tuple[str, ...] = ("mentor", "mentee")
SEVERITIES: tuple[str, ...] = ("required", "recommended")

#: Known columns of the applications table and their kind (DESIGN.md).
APPLICATION_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "id": "id",
        "role": "role",
        "member_in_good_standing": "bool",
        "years_experience": "float",
        "new_to_sector": "bool",
        "commitment_months": "int",
        "region": "str",
        "community_size": "int",
        "organization": "str",
        "goals": "str",
        "skills": "list",
        "interests": "list",
        "requested_ids": "list",
        "career_stage": "int",
        "board_ratified": "bool",
        "comms_role": "bool",
        "application_complete": "bool",
        "capacity": "int",
        "previous_partner_ids": "list",
        "previously_unmatched": "bool",
    }
)

#: Columns each built-in scoring feature reads. A tuple of alternatives means
#: "at least one of these" (experience uses years, career stage, or both).
FEATURE_COLUMNS: Mapping[str, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        "goals": (("goals",),),
        "skills": (("skills",),),
        "interests": (("interests",),),
        "region": (("region",),),
        "community_size": (("community_size",),),
        "experience": (("years_experience", "career_stage"),),
        "mutual_request": (),  # requested_ids is optional: absent means no requests
    }
)

#: Eligibility tests: name -> what it checks, in words.
ELIGIBILITY_TESTS: Mapping[str, str] = MappingProxyType(
    {
        "is_true": "the column must be yes",
        "at_least": "the column must be >= value",
        "at_most": "the column must be <= value",
        "above": "the column must be > value",
        "below": "the column must be < value",
        "not_blank": "the column must be filled in",
        "stage_above": (
            "pairwise: the mentor's column must be above the mentee's; on its own, a mentor "
            "at the bottom of the scale or a mentee at its top can have no partner"
        ),
    }
)
_NUMERIC_TESTS = ("at_least", "at_most", "above", "below")
#: Kinds of APPLICATION_COLUMNS each test can read (not_blank reads any).
_TEST_FITS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "is_true": ("bool",),
        **{t: ("float", "int") for t in _NUMERIC_TESTS},
        "stage_above": ("int", "float"),
    }
)
#: Placeholders an eligibility rule's ``detail`` sentence may use.
DETAIL_PLACEHOLDERS = (
    "value",
    "actual",
    "unless_actual",
    "column",
    "role",
    "Role",
    "counterpart",
    "low",
    "high",
)

_BUILTIN_FEATURES = tuple(FEATURE_COLUMNS)


# --------------------------------------------------------------------------- helpers


def _fail(where: str, key: str, value: Any, allowed: str) -> PolicyError:
    return PolicyError(f"{where}: key {key!r} has value {value!r}; allowed: {allowed}.")


def _check_unknown(where: str, given: Mapping[str, Any], known: Sequence[str]) -> None:
    for key in given:
        if key not in known:
            raise _fail(where, key, given[key], "keys " + ", ".join(repr(k) for k in known))


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and not (isinstance(value, float) and math.isnan(value))
    )


def _as_tuple(where: str, key: str, value: Any, allowed: str) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _fail(where, key, value, allowed)
    return tuple(value)


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)
