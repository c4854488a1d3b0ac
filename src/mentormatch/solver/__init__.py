"""The assignment optimizer: one CP-SAT model over the allowed pairs, proven by LP duality.

:func:`solve_assignment` takes a dense score matrix; :func:`solve_pairs` a long
table of allowed pairs (and, for cohorts too large for any matrix, a pricer
that checks the pairs left out). See ``_assignment`` for how answers are found
and proven, the integer scaling (:class:`WeightScale`) and the tie-break.
"""

from ._assignment import AssignmentResult, Pricing, WeightScale, solve_assignment, solve_pairs

__all__ = ["AssignmentResult", "Pricing", "WeightScale", "solve_assignment", "solve_pairs"]
