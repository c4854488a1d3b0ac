"""Synthetic, realistic data for examples, tests and benchmarks.

Deterministic by ``seed``: the same call gives the same table.
"""
from ._cohort import make_cohort
from ._logs import make_cycle_logs

__all__ = ["make_cohort", "make_cycle_logs"]
