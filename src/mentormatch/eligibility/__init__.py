"""Stage 2, eligibility: the validated table and the policy -> who may take part, and why not.

In: the validated applications (:mod:`mentormatch.applications`) and a
:class:`~mentormatch.ProgramPolicy`. Out: per applicant an eligible flag, the
failing rule codes and a detail staff can pass on (:func:`check_eligibility`,
public as :func:`mentormatch.check_eligibility`); :func:`evaluate` gives the
same table for an already validated one (scoring uses it). Rules that compare a
mentee with a mentor (career stage) also shape the allowed pairs: that part is
in :mod:`mentormatch.scoring` (``_rules``).
"""

from ._evaluate import ELIGIBILITY_COLUMNS, check_eligibility, evaluate

__all__ = ["ELIGIBILITY_COLUMNS", "check_eligibility", "evaluate"]
