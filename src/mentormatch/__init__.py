"""mentormatch: matching and cycle monitoring for professional mentorship programs.

Applications -> eligibility -> scoring -> one CP-SAT model -> pairs, and later
meeting logs -> cycle compliance. See the README for a tour.

>>> import mentormatch as mm
>>> mm.get_policy("amcto").matching.capacity_cap
1

Every table staff hand in is read the same way: :func:`read_applications`,
:func:`read_pairs`, :func:`read_meetings` and :func:`read_events` (CSV in UTF-8
or Windows-1252 with ``,`` ``;`` or tab, or Excel; rows numbered as the file
shows them).

Importing the package is cheap and changes nothing: the heavy parts (scoring
with scikit-learn, the OR-Tools solver, compliance) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import datasets, policies
from ._errors import (
    ApplicationError,
    LogError,
    MatchInfeasibleError,
    MentormatchError,
    MentormatchWarning,
    PolicyError,
    SimilarIdsWarning,
)
from ._params import ParameterError
from ._policy import CycleRule, CycleSettings, EligibilityRule, MatchingSettings, ProgramPolicy
from .applications import read_applications, validate_applications
from .eligibility import check_eligibility
from .policies import get_policy

if TYPE_CHECKING:
    from . import scoring
    from .compliance import ComplianceReport, check_cycle
    from .compliance._logs import read_events, read_meetings, read_pairs
    from .matching import MatchResult, match, rematch
    from .scoring import ScoreMatrix, score_pairs
    from .solver import AssignmentResult, solve_assignment

__version__ = "0.1.0"

# name -> module that defines it, imported on first access (PEP 562).
_LAZY = {
    "AssignmentResult": ".solver",
    "ComplianceReport": ".compliance",
    "MatchResult": ".matching",
    "ScoreMatrix": ".scoring",
    "check_cycle": ".compliance",
    "match": ".matching",
    "read_events": ".compliance._logs",
    "read_meetings": ".compliance._logs",
    "read_pairs": ".compliance._logs",
    "rematch": ".matching",
    "score_pairs": ".scoring",
    "solve_assignment": ".solver",
}
_LAZY_MODULES = {"scoring": ".scoring", "solver": ".solver", "compliance": ".compliance"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module(_LAZY_MODULES[name], __name__)
    else:
        raise AttributeError(f"module 'mentormatch' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))


__all__ = [
    "ApplicationError",
    "AssignmentResult",
    "ComplianceReport",
    "CycleRule",
    "CycleSettings",
    "EligibilityRule",
    "LogError",
    "MatchInfeasibleError",
    "MatchResult",
    "MatchingSettings",
    "MentormatchError",
    "MentormatchWarning",
    "ParameterError",
    "PolicyError",
    "ProgramPolicy",
    "ScoreMatrix",
    "SimilarIdsWarning",
    "check_cycle",
    "check_eligibility",
    "datasets",
    "get_policy",
    "match",
    "policies",
    "read_applications",
    "read_events",
    "read_meetings",
    "read_pairs",
    "rematch",
    "score_pairs",
    "scoring",
    "solve_assignment",
    "validate_applications",
]
