"""The cycle rules' registry: rule code -> function, and what each rule reads.

A rule function takes a :class:`~._context.Context` (pairs, their cycle windows,
the meetings and events used) and the policy's :class:`~mentormatch.CycleRule`
and writes into a :class:`~._context.Found`. The functions live in
:mod:`._meeting_rules` (meetings) and :mod:`._event_rules` (submissions); this
module maps codes to them (:data:`RULES`), names the rules that count business
days and the event kinds each rule reads, and re-exports the helpers the check
and the log generator use.
"""

from __future__ import annotations

from collections.abc import Callable

from .._policy import CycleRule
from ._context import Context, Found, _expand, cat, paperwork_opens, reconcile
from ._event_rules import (
    final_survey,
    first_contact,
    forms_signed,
    informal_assessment,
    mid_survey,
    plan_submitted,
    quarterly_due_dates,
    quarterly_update,
    survey_due,
)
from ._meeting_rules import (
    in_person_meeting,
    log_agreement,
    max_gap,
    meeting_duration,
    min_relationship_length,
    monthly_hours,
    monthly_meeting,
)

__all__ = [
    "BUSINESS_DAY_RULES",
    "RULES",
    "RULE_EVENT_KINDS",
    "Context",
    "Found",
    "_expand",
    "cat",
    "paperwork_opens",
    "quarterly_due_dates",
    "reconcile",
    "survey_due",
]


RULES: dict[str, Callable[[Context, CycleRule, Found], None]] = {
    "max_gap": max_gap,
    "monthly_meeting": monthly_meeting,
    "meeting_duration": meeting_duration,
    "monthly_hours": monthly_hours,
    "min_relationship_length": min_relationship_length,
    "forms_signed": forms_signed,
    "plan_submitted": plan_submitted,
    "quarterly_update": quarterly_update,
    "mid_survey": mid_survey,
    "final_survey": final_survey,
    "first_contact": first_contact,
    "informal_assessment": informal_assessment,
    "in_person_meeting": in_person_meeting,
    "log_agreement": log_agreement,
}

#: Rules that count business days (``ComplianceReport.calendar``).
BUSINESS_DAY_RULES: tuple[str, ...] = ("quarterly_update",)

#: Event kinds each rule reads (events of other kinds are reported unused).
RULE_EVENT_KINDS: dict[str, Callable[[CycleRule], tuple[str, ...]]] = {
    "forms_signed": lambda r: tuple(r["kinds"]),
    "plan_submitted": lambda r: ("plan_submitted",),
    "quarterly_update": lambda r: ("quarterly_update",),
    "mid_survey": lambda r: ("mid_survey",),
    "final_survey": lambda r: ("final_survey",),
    "first_contact": lambda r: ("first_contact",),
    "informal_assessment": lambda r: ("informal_assessment",),
}
