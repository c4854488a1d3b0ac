"""Placeholder: replaced by the module's owner."""
from __future__ import annotations

from typing import Any


def make_cycle_logs(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError
