"""mentormatch: matching and cycle monitoring for professional mentorship programs.

>>> import mentormatch as mm
>>> policy = mm.get_policy("amcto")
>>> policy.matching.capacity_cap
1
"""

from . import datasets, policies
from ._errors import (
    ApplicationError,
    LogError,
    MatchInfeasibleError,
    MentormatchError,
    PolicyError,
)
from ._params import ParameterError
from ._policy import CycleRule, CycleSettings, EligibilityRule, MatchingSettings, ProgramPolicy
from ._eligibility import check_eligibility
from ._schema import read_applications, validate_applications
from .compliance import ComplianceReport, check_cycle
from .policies import get_policy
from .solver import AssignmentResult, solve_assignment

__version__ = "0.1.0"

__all__ = [
    "ApplicationError",
    "AssignmentResult",
    "ComplianceReport",
    "CycleRule",
    "CycleSettings",
    "EligibilityRule",
    "LogError",
    "MatchInfeasibleError",
    "MatchingSettings",
    "MentormatchError",
    "ParameterError",
    "PolicyError",
    "ProgramPolicy",
    "check_cycle",
    "check_eligibility",
    "datasets",
    "get_policy",
    "policies",
    "read_applications",
    "solve_assignment",
    "validate_applications",
]
