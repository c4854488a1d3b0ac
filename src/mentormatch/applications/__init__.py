"""Stage 1, applications: whatever staff hand in -> one validated, typed table.

In: a DataFrame, records, or a CSV / Excel file (read by the shared reader,
:mod:`mentormatch._read`) and the policy (which columns it needs). Out: the
validated table (one row per applicant, in input order, typed columns), or one
:class:`~mentormatch.ApplicationError` listing every problem at once.

``_schema`` checks the table (columns, ids, the policy's needs) and runs
``_cells``, one vectorized parser per kind of column. Public names:
:func:`~mentormatch.read_applications`, :func:`~mentormatch.validate_applications`.
"""

from ._schema import read_applications, validate_applications

__all__ = ["read_applications", "validate_applications"]
