"""Cycle compliance: which of the program's rules each pair kept, and when they broke one.

>>> import mentormatch as mm
>>> report = mm.check_cycle(pairs, meetings, "amcto", as_of="2027-03-15",
...                         events=events)                       # doctest: +SKIP
>>> report.violations; report.summary; report.upcoming(days=30)  # doctest: +SKIP

Dates and windows
-----------------
Each pair has a cycle ``[start, end]`` (see :func:`check_cycle` for the
defaults) and is judged up to ``as_of``. A deadline is missed only once
``as_of`` is after it (on the due day itself the pair still has time); a
calendar month is judged once it is over, and only months lying entirely inside
the pair's cycle are judged. Meeting rows before the pair's start, after its end
or after ``as_of`` are not used: they are listed in ``report.unused_meetings``
with the reason, every other row is in ``report.meetings``. Forms and the
plan count whenever they are dated, up to ``as_of`` (a form signed in August
before a September start counts); quarterly updates and surveys count only from
the pair's cycle start, and a ``first_contact`` event only from the assignment
(an earlier row is stale or mistyped: it is listed, with the reason, in
``report.unused_events``, like every event row no rule reads).

The rules (thresholds and severities from the policy's ``CycleRule.params``)
---------------------------------------------------------------------------
max_gap
    Days between consecutive meetings, and from the pair's start to its first
    meeting, must be at most ``max_days`` (42: a 42-day gap is fine, 43 is not).
    The stretch after the last meeting (or from the start, when the pair has
    not met) up to ``as_of`` or the cycle end, whichever comes first, is judged
    the same way while it runs. One violation per gap.
monthly_meeting
    At least ``min_meetings`` meetings in each whole calendar month of the
    cycle, judged once the month is over. One violation per month.
meeting_duration
    Each meeting lasts at least ``min_minutes`` and at most ``max_minutes``
    (either may be unset). One violation per meeting.
monthly_hours
    Total minutes of each whole calendar month, once over, at least
    ``min_hours`` and at most ``max_hours`` hours (either may be unset). One
    violation per month.
min_relationship_length
    Judged after the cycle end only: the last meeting must fall on or after the
    start plus ``months`` calendar months (September 1 + 9 months = June 1). A
    pair whose cycle is shorter than that (matched late) cannot keep it.
forms_signed
    Each event kind in ``kinds`` logged on or before the pair's first meeting
    (the same day counts: the AMCTO agreement is discussed at the first
    meeting). A pair that never met owes the forms by the cycle end. Late and
    missing forms are violations, one per kind.
plan_submitted
    A ``plan_submitted`` event by the day before ``start + within_months``
    months (AMA: October 1 -> October 31; LTB, a pair matched September 15 ->
    October 14).
quarterly_update
    One update per pair on or before the ``business_day``-th business day of
    each month in ``months`` inside the cycle: weekends and the public holidays
    of the policy's calendar (``policy.cycle.calendar(years)``, observed days
    included) are skipped (AMA, Alberta: January 2027 -> Monday 2027-01-04).
    Each update counts for its nearest due date (the earlier one on a tie): on
    or before it is on time, after it is late. One violation per due date.
mid_survey
    Each participant (mentor and mentee: ``participant_id``) completes it by the
    last day of the first month ``month`` of the cycle (AMA: March). Not due,
    and not missing, before then; completing it earlier counts.
final_survey
    Each participant, by the last day of the cycle's last month ``month`` (AMA:
    August) or within ``within_days_after_end`` days after the cycle end
    (AMCTO: 30). Not judged for open-ended cycles.
first_contact
    A meeting in the pair's cycle or a ``first_contact`` event within
    ``within_days`` days of the assignment (``matched_on``, else the start):
    30 days is fine, 31 is late.
informal_assessment
    ``max_interval_months``: assessments at most that many calendar months
    apart, from the start, and the running stretch up to ``as_of``/the end
    judged like ``max_gap``. ``min_count``: at least that many in the cycle,
    judged after the end. Assessments outside the cycle are unused.
in_person_meeting
    At least ``min_count`` meetings with ``mode == "in_person"``, judged after
    the cycle end (a blank mode is not in person). Without a ``mode`` column, or
    with one left blank on every row, the rule is listed in
    ``report.not_checked``, never passed.
log_agreement
    With ``reported_by``: for each calendar month of the pair's cycle in which
    either side logged a meeting, judged once the month is over, the minutes the
    mentor logged and the minutes the mentee logged may differ by at most
    ``tolerance_minutes``. One violation per month. Without ``reported_by``,
    listed in ``report.not_checked``.

A rule that needs a table the call did not give (``events=None``, no ``mode``,
no ``reported_by``) or an end date an open-ended cycle lacks is listed in
``report.not_checked`` instead of being judged.

Two logs
--------
When meetings carry ``reported_by``, every rule but ``log_agreement`` counts
every row of the mentee's log, and a row of the mentor's log only on a day the
mentee logged nothing for that pair: a meeting both logged counts once, with the
duration the mentee logged (the mentee initiates meetings in these programs),
and a meeting only one side logged still counts. A meeting the two sides logged
on different days counts twice for the meeting rules; ``log_agreement``, which
compares whole months, is unaffected. ``report.meetings["counted"]`` shows
which rows counted.
"""

from ._check import check_cycle
from ._report import ComplianceReport

__all__ = ["ComplianceReport", "check_cycle"]
