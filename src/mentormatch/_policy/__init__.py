"""Program policies: a mentorship program's rules, as data (the types; presets are elsewhere).

A :class:`ProgramPolicy` holds everything that differs from one program to the
next: who may take part (:class:`EligibilityRule`), how pairs are chosen
(:class:`MatchingSettings`) and what the pairs must do during the cycle
(:class:`CycleSettings` with its :class:`CycleRule`). A new association's program
is written as a TOML file, never as code.

Every class here is a frozen, keyword-only dataclass and checks its own values
when built, so a policy that exists is a valid policy. Errors name the key, the
value and the allowed values.

This package defines the types only; the four programs' presets are built from
them in :mod:`mentormatch.policies`, which imports this package and never the
other way round (a TOML file's ``base = "amcto"`` finds the presets through
:func:`set_base_lookup`, which :mod:`mentormatch.policies` calls).

Modules: ``_base`` (roles, columns, tests, error helpers), ``_rules``
(eligibility and matching), ``_cycle`` (cycle rules and settings), ``_program``
(the whole policy, its dict and TOML forms).
"""

from ._base import (
    APPLICATION_COLUMNS,
    ELIGIBILITY_TESTS,
    FEATURE_COLUMNS,
    ROLES,
    SEVERITIES,
)
from ._cycle import CYCLE_RULE_PARAMS, EVENT_KINDS, EVENT_LABELS, CycleRule, CycleSettings
from ._program import ProgramPolicy, set_base_lookup
from ._rules import EligibilityRule, MatchingSettings

__all__ = [
    "APPLICATION_COLUMNS",
    "CYCLE_RULE_PARAMS",
    "ELIGIBILITY_TESTS",
    "EVENT_KINDS",
    "EVENT_LABELS",
    "FEATURE_COLUMNS",
    "ROLES",
    "SEVERITIES",
    "CycleRule",
    "CycleSettings",
    "EligibilityRule",
    "MatchingSettings",
    "ProgramPolicy",
    "set_base_lookup",
]
