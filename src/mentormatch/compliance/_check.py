"""Placeholder: the compliance helper replaces this module."""
from __future__ import annotations

from typing import Any


class ComplianceReport:  # placeholder
    pass


def check_cycle(*args: Any, **kwargs: Any) -> ComplianceReport:
    raise NotImplementedError
