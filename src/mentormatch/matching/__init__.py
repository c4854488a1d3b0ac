"""Stage 6, matching: applications and a policy -> a :class:`MatchResult` (the pipeline).

In: the applications table, a policy, the staff's decisions (locks, forbidden
pairs), the settings. Out: a :class:`MatchResult` in which every applicant is in
exactly one of ``pairs`` and ``unmatched``, each with a reason.

``_pipeline`` is :func:`match` as the list of its stages (arguments, features,
staff decisions, optimum, explanation); ``_staff`` turns locks, forbidden pairs,
capacities and mutual requests into matrix positions; ``_paths`` runs one of the
two paths to the optimum (the dense matrix, or :mod:`mentormatch.candidates`)
on :mod:`mentormatch.solver`; ``_explain`` builds the tables and the unmatched
reasons; ``_result`` is the result type and its exports; ``_rematch`` is
:func:`rematch`.
"""

from ._pipeline import default_matched_on, match
from ._rematch import rematch
from ._result import MatchResult

__all__ = ["MatchResult", "default_matched_on", "match", "rematch"]
