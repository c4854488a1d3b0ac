"""The assignment optimizer: one CP-SAT model over the allowed pairs, proven by LP duality.

:func:`solve_assignment` takes a dense score matrix; :func:`solve_pairs` a long
table of allowed pairs (and, for cohorts too large for any matrix, a pricer
that checks the pairs left out). See ``_assignment`` for how answers are found
and proven, the integer scaling (:class:`WeightScale`) and the tie-break.

Stage 5, solver: in, scores (a matrix, or a long table and a pricer) and
capacities, forced pairs, limits; out, an :class:`AssignmentResult` (pairs,
objective, status, a proven bound). It knows no applicant, policy or feature.
Modules: ``_assignment`` and ``_pairs`` (the two entry points), ``_inputs``
(their checks), ``_weights`` (integer weights, the pricer's view), ``_problem``
(dense or long-table problem), ``_loop`` (LP rounds, certificate, CP-SAT, the
result), ``_lp`` (min-cost flow and its duals), ``_model`` (the CP-SAT model),
``_budget`` (the work budget a time limit becomes: counted work, not wall
seconds, so a time-limited answer does not depend on the machine's load).
"""

from ._assignment import solve_assignment
from ._loop import AssignmentResult
from ._pairs import solve_pairs
from ._weights import Pricing, WeightScale

__all__ = ["AssignmentResult", "Pricing", "WeightScale", "solve_assignment", "solve_pairs"]
