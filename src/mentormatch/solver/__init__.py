"""The assignment optimizer (placeholder until the solver lands)."""
from ._assignment import AssignmentResult, solve_assignment

__all__ = ["AssignmentResult", "solve_assignment"]
