"""The package: its public names, and that importing it changes nothing."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
import textwrap

import pytest

import mentormatch as mm

PUBLIC = [
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


def test_all_is_exactly_the_public_names_sorted_and_resolvable():
    assert [n for n in mm.__all__ if n != "__version__"] == PUBLIC
    for name in mm.__all__:
        assert getattr(mm, name) is not None, name
    assert mm.policies.__all__ == sorted(mm.policies.__all__)
    assert all(hasattr(mm.policies, n) for n in mm.policies.__all__)


def test_errors_form_one_hierarchy():
    for cls in (mm.ApplicationError, mm.LogError, mm.PolicyError, mm.ParameterError):
        assert issubclass(cls, mm.MentormatchError)
        assert issubclass(cls, ValueError)


def test_import_has_no_side_effects_and_star_import_works():
    code = textwrap.dedent(
        """
        import logging, os, sys, warnings
        import numpy, pandas
        filters, env = list(warnings.filters), dict(os.environ)
        handlers = list(logging.root.handlers)
        import mentormatch
        assert warnings.filters == filters, "warnings filters changed"
        assert dict(os.environ) == env, "environment changed"
        assert logging.root.handlers == handlers, "logging configured"
        heavy = [m for m in ("ortools", "sklearn", "holidays", "matplotlib") if m in sys.modules]
        assert not heavy, heavy
        from mentormatch import *  # noqa: F403  (loads the lazy subpackages)
        assert callable(match) and callable(score_pairs)  # noqa: F405
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "module",
    [
        "mentormatch",
        "mentormatch.applications._schema",
        "mentormatch.policies",
        "mentormatch.eligibility._evaluate",
        "mentormatch.scoring._matrix",
    ],
)
def test_docstring_examples_run(module):
    # STYLE.md: docstring examples are doctests; nothing else ran these.
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
