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
with the reason, every other row is in ``report.meetings``.

A submission counts only inside its window, up to ``as_of``; an earlier row is
stale, mistyped or not the submission asked for, and is listed, with the reason,
in ``report.unused_events`` (like every event row no rule reads):

* forms and the plan from the day the pair can exist: its assignment
  (``matched_on``) in a rolling program or when matched during the cycle; for a
  pair matched for a fixed-month cycle, from the day after the previous cycle
  ended (AMCTO 1 July, AMA 1 September: a form signed in August before a
  September start counts, last year's does not);
* quarterly updates from the pair's cycle start (see ``quarterly_update``);
* surveys from their window's opening: the first day of the survey month (AMA
  "March: Complete your mid-program surveys" opens on 1 March), or the day after
  the cycle end for a survey due after it (AMCTO "Following the formal program
  end date ...": 1 July), ``opens_days_before`` days earlier if the rule says so;
  never before the pair's start;
* a ``first_contact`` event from the assignment; assessments inside the cycle.

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
    start plus ``months`` calendar months (September 1 + 9 months = June 1).
    ``measure="pair"``: the pair's own start and last meeting (a pair matched
    late cannot keep it). ``measure="person"`` (AMCTO): each participant's time
    over all their pairs, from the earliest start to their last meeting in any,
    so a participant re-matched during the cycle keeps it; the participant short
    of it is named, and a pair whose two participants had no other pair is
    reported once. Not judged for a pair that ended (``ended_on``).
forms_signed
    Each event kind in ``kinds`` logged on or before the pair's first meeting
    (``due="first_meeting"``, the same day counts: the AMCTO agreement is
    discussed at the first meeting; a pair that never met owes the forms by the
    cycle end) or by the pair's end (``due="cycle_end"``: LTB, whose guide gives
    no date). With ``each_participant`` (AMCTO "each party will be required to
    review and sign-off on") the mentor and the mentee each sign: an event with
    ``participant_id`` counts for that participant, one without (blank, or a
    table with no such column) is a copy both signed. Late and missing forms are
    violations, one per kind (and participant, unless both are alike).
plan_submitted
    A ``plan_submitted`` event by the day before ``start + within_months``
    months (AMA: October 1 -> October 31), or by the pair's end with
    ``due="cycle_end"`` (LTB: "Develop a Plan", no date).
quarterly_update
    One update per pair on or before the ``business_day``-th business day of
    each month in ``months`` inside the cycle: weekends and the public holidays
    of the policy's calendar (``policy.cycle.calendar(years)``: the statutory
    dates, observed days only with ``holidays_observed``) are skipped (AMA,
    Alberta: January 2027 -> Monday 2027-01-04; January 2028 -> Monday
    2028-01-03, New Year's Day being a Saturday). ``report.calendar`` records the
    calendar used and the ``holidays`` package's version. A late update belongs to
    the period it is late for: the first update after a due date that had none
    on time is that due date's, late ("submitted on 2027-02-20, 47 days after it
    was due"); any other counts, on time, for the next due date. One violation
    per due date.
mid_survey
    Each participant (mentor and mentee: ``participant_id``) completes it in the
    first month ``month`` of the cycle (AMA: March): from its first day
    (``opens_days_before`` days earlier if set) to its last. Not due, and not
    missing, before then; a survey dated before the window opens does not count.
final_survey
    Each participant, in the cycle's last month ``month`` (AMA: August), or
    after the cycle end and within ``within_days_after_end`` days of it (AMCTO:
    30; from the day after the end, "following the formal program end date").
    ``opens_days_before`` opens the window that many days earlier. Not judged
    for open-ended cycles.
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
    With ``reported_by``: the two logs are reconciled meeting by meeting (see
    *Two logs*); one violation per reconciled meeting whose two rows differ by
    more than ``tolerance_minutes``, and one per row the other log lacks (an
    unconfirmed entry), each sentence with both sides' dates and minutes (for an
    unconfirmed entry, the other side's nearest entry). An entry is judged once
    its calendar month is over and ``as_of`` is more than ``tolerance_days``
    after it (until then the other side may still log it). Without
    ``reported_by``, listed in ``report.not_checked``.

Ended pairs
-----------
A pair with ``ended_on`` (and ``end_reason``) in the pairs table is judged up
to that day only: it is the pair's end in ``report.summary``, meetings after it
are unused ("after the pair ended on 2026-11-20 (withdrawn)"), deadlines after
it are not due. The end-of-cycle rules (``in_person_meeting``, the
``informal_assessment`` count, ``final_survey``) are judged at it when the
mentorship completed (``goals_met``, ``time_commitment_reached``), and not for a
pair that ended early (``no_fault``, ``withdrawn``, ``rematched``, ``removed``:
the program accepted the end); ``min_relationship_length`` is judged for
neither. ``report.not_checked`` says, per rule, how many pairs were left out and
why.

Hours
-----
``report.hours`` gives each participant's logged, verified (both logs agree,
within ``log_agreement``'s ``tolerance_minutes``) and unverified hours, for a
designation claim (AMCTO PDUs: "you must maintain your own log of the actual
time spent").

A rule that needs a table the call did not give (``events=None``, no ``mode``,
no ``reported_by``) or an end date an open-ended cycle lacks is listed in
``report.not_checked`` instead of being judged.

Two logs
--------
When meetings carry ``reported_by`` (each side keeps its own log: AMCTO "you
must maintain your own log of the actual time spent ... ensure that you and your
mentee/mentor are in agreement as to the time that you have spent together"),
each row of the mentor's log is paired with at most one row of the mentee's, of
the same pair, dated the same day or at most ``tolerance_days`` apart (a
``log_agreement`` parameter, default 0: the same day). The closest are paired
first: the greedy matching in the order (days apart, minutes apart, the mentor's
row's date, the mentee's row's date, the mentor's minutes, the mentee's
minutes, mode, row order), so the pairing does not depend on the order of the
rows. A reconciled meeting counts once for every other rule, as the mentee
logged it (date, minutes and mode: the mentee initiates the meetings, AMCTO
"Initiate meetings with your mentor"); a row with no counterpart still counts as
a meeting (one side's record is enough for the meeting rules; ``log_agreement``
reports it). ``report.meetings`` shows, per row, whether it ``counted`` and the
``row`` it was ``reconciled_with``.
"""

from ._check import check_cycle
from ._report import ComplianceReport

__all__ = ["ComplianceReport", "check_cycle"]
