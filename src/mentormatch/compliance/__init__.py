"""Cycle compliance (placeholder until the compliance package lands)."""
from ._check import ComplianceReport, check_cycle

__all__ = ["ComplianceReport", "check_cycle"]
