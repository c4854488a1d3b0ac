"""Synthetic, realistic data for examples, tests and benchmarks, and the bundled example.

Deterministic by ``seed``: the same call gives the same table.

* :func:`make_cohort` — an applications table for a program (municipal, museum
  or communications vocabulary by preset).
* :func:`make_cycle_logs` — meeting and submission logs for a set of pairs,
  with realistic lapses.
* :func:`example_path` — the path of a bundled example file
  (``applications.csv``, ``pairs.csv``, ``meetings.csv``, ``events.csv``;
  AMCTO rules, cycle 2026-09-01 to 2027-06-30, logs up to 2027-03-15).
"""

from __future__ import annotations

from pathlib import Path

from .._params import check_choice
from ._cohort import make_cohort
from ._logs import make_cycle_logs

__all__ = ["EXAMPLE_FILES", "example_path", "make_cohort", "make_cycle_logs"]

EXAMPLE_FILES = ("applications.csv", "pairs.csv", "meetings.csv", "events.csv")


def example_path(name: str) -> Path:
    """Path of a bundled example file (one of :data:`EXAMPLE_FILES`).

    >>> example_path("applications.csv").name
    'applications.csv'
    """
    check_choice(name, "name", "example_path", EXAMPLE_FILES)
    return Path(__file__).resolve().parent / "data" / name
