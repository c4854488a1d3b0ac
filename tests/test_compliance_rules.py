"""check_cycle, rule by rule and program by program, on hand-built logs.

Every date here is computed from the seed documents' wording (shared/seeds/):
AMCTO runs September-June with never more than six weeks between meetings;
AMA runs October-August with Quarterly Updates on the first business day of
January, April and July (Alberta holidays); 3CMA asks for first contact within
30 days of the assignment; LTB runs one year.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import mentormatch as mm
from mentormatch import CycleRule, ProgramPolicy
from mentormatch.policies import AMA, AMCTO, CMA3

PAIR = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]})


def pairs(matched_on: str | None = None, n: int = 1) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"mentor_id": [f"m{i + 1}" for i in range(n)], "mentee_id": [f"e{i + 1}" for i in range(n)]}
    )
    if matched_on is not None:
        frame["matched_on"] = matched_on
    return frame


def meetings(*rows: tuple, **extra: list) -> pd.DataFrame:
    """Rows of (date, minutes) for pair m1/e1, or (mentor, mentee, date, minutes)."""
    recs = []
    for r in rows:
        if len(r) == 2:
            recs.append(
                {"mentor_id": "m1", "mentee_id": "e1", "date": r[0], "duration_minutes": r[1]}
            )
        else:
            recs.append(
                {"mentor_id": r[0], "mentee_id": r[1], "date": r[2], "duration_minutes": r[3]}
            )
    frame = pd.DataFrame(recs, columns=["mentor_id", "mentee_id", "date", "duration_minutes"])
    for col, values in extra.items():
        frame[col] = values
    return frame


def events(*rows: tuple) -> pd.DataFrame:
    """Rows of (kind, date) or (kind, date, participant_id) for pair m1/e1."""
    return pd.DataFrame(
        [
            {
                "mentor_id": "m1",
                "mentee_id": "e1",
                "kind": r[0],
                "date": r[1],
                "participant_id": r[2] if len(r) > 2 else None,
            }
            for r in rows
        ],
        columns=["mentor_id", "mentee_id", "kind", "date", "participant_id"],
    )


def monthly(start: str, end: str, day: int = 10, minutes: int = 60) -> list[tuple]:
    """One meeting on ``day`` of every month from start to end (inclusive)."""
    months = pd.period_range(start, end, freq="M")
    return [(str(p.to_timestamp().replace(day=day).date()), minutes) for p in months]


def of(report: mm.ComplianceReport, rule: str) -> pd.DataFrame:
    return report.violations[report.violations["rule"] == rule].reset_index(drop=True)


def with_rules(policy: ProgramPolicy, *rules: CycleRule, keep: bool = True) -> ProgramPolicy:
    """The policy with extra rules (``keep``) or with only these rules."""
    base = tuple(r for r in policy.cycle.rules if r.code not in {x.code for x in rules})
    new = (base if keep else ()) + rules
    return replace(policy, cycle=replace(policy.cycle, rules=new))


def only(policy: ProgramPolicy, *codes: str) -> ProgramPolicy:
    rules = tuple(r for r in policy.cycle.rules if r.code in codes)
    return replace(policy, cycle=replace(policy.cycle, rules=rules))


def dates(frame: pd.DataFrame, col: str) -> list[str]:
    return [str(d.date()) for d in frame[col]]


# =========================================================================== max_gap (AMCTO)


class TestMaxGap:
    def test_exactly_42_days_is_fine_43_is_not(self):
        # 2026-09-10 + 42 days = 2026-10-22; 2026-10-22 + 43 days = 2026-12-04
        log = meetings(("2026-09-10", 60), ("2026-10-22", 60), ("2026-12-04", 60))
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2026-12-10")
        v = of(r, "max_gap")
        assert len(v) == 1
        assert dates(v, "period_start") == ["2026-10-22"]
        assert dates(v, "period_end") == ["2026-12-04"]
        assert v.loc[0, "severity"] == "required"
        assert v.loc[0, "detail"] == (
            "No meeting between 2026-10-22 and 2026-12-04 (43 days); the program allows at most 42."
        )
        assert r.summary.loc[0, "longest_gap_days"] == 43
        assert not r.ok

    def test_gap_runs_from_the_cycle_start(self):
        fine = mm.check_cycle(PAIR, meetings(("2026-10-13", 60)), "amcto", as_of="2026-10-20")
        assert of(fine, "max_gap").empty  # 2026-09-01 + 42 = 2026-10-13
        late = mm.check_cycle(PAIR, meetings(("2026-10-14", 60)), "amcto", as_of="2026-10-20")
        v = of(late, "max_gap")
        assert dates(v, "period_start") == ["2026-09-01"]
        assert v.loc[0, "detail"].startswith(
            "No meeting between the cycle start on 2026-09-01 and 2026-10-14 (43 days)"
        )

    def test_open_gap_at_as_of(self):
        log = meetings(("2026-09-05", 60), ("2026-10-01", 60))
        assert of(mm.check_cycle(PAIR, log, "amcto", as_of="2026-11-12"), "max_gap").empty
        v = of(mm.check_cycle(PAIR, log, "amcto", as_of="2026-11-13"), "max_gap")
        assert v["detail"].tolist() == [
            "No meeting since 2026-10-01 (43 days as of 2026-11-13); the program allows at most 42."
        ]
        assert dates(v, "period_end") == ["2026-11-13"]

    def test_pair_that_never_met(self):
        empty = meetings()
        assert of(mm.check_cycle(PAIR, empty, "amcto", as_of="2026-10-13"), "max_gap").empty
        r = mm.check_cycle(PAIR, empty, "amcto", as_of="2026-10-14")
        assert of(r, "max_gap")["detail"].tolist() == [
            "No meeting since the cycle started on 2026-09-01 (43 days as of 2026-10-14); "
            "the program allows at most 42."
        ]
        assert r.summary.loc[0, "meetings"] == 0
        assert r.summary.loc[0, "longest_gap_days"] == 43

    def test_gap_closing_at_the_cycle_end(self):
        base = monthly("2026-09", "2027-04", day=15)
        # 2027-05-18 + 43 days = 2027-06-30, the last day of the cycle
        r = mm.check_cycle(PAIR, meetings(*base, ("2027-05-18", 60)), "amcto", as_of="2027-08-01")
        v = of(r, "max_gap")
        assert v["detail"].tolist() == [
            "No meeting between 2027-05-18 and the cycle end on 2027-06-30 (43 days); "
            "the program allows at most 42."
        ]
        r = mm.check_cycle(PAIR, meetings(*base, ("2027-05-19", 60)), "amcto", as_of="2027-08-01")
        assert of(r, "max_gap").empty

    def test_a_programs_toml_changes_six_weeks_to_five(self):
        five = ProgramPolicy.from_toml_string(
            'base = "amcto"\n[[cycle.rules]]\ncode = "max_gap"\nmax_days = 35\n'
        )
        log = meetings(("2026-09-10", 60), ("2026-10-16", 60))  # 36 days
        assert of(mm.check_cycle(PAIR, log, "amcto", as_of="2026-10-20"), "max_gap").empty
        v = of(mm.check_cycle(PAIR, log, five, as_of="2026-10-20"), "max_gap")
        assert v["detail"].str.endswith("(36 days); the program allows at most 35.").all()

    def test_severity_comes_from_the_policy(self):
        soft = with_rules(AMCTO, CycleRule(code="max_gap", severity="recommended"))
        log = meetings(("2026-10-20", 60))
        r = mm.check_cycle(PAIR, log, only(soft, "max_gap"), as_of="2026-10-25")
        assert of(r, "max_gap")["severity"].tolist() == ["recommended"]
        assert r.ok
        assert r.summary.loc[0, "compliant"]
        assert r.summary.loc[0, "recommended_violations"] == 1


# =========================================================================== monthly_meeting


class TestMonthlyMeeting:
    def test_ama_missed_month_is_required_and_judged_once_over(self):
        log = meetings(("2026-10-05", 60), ("2026-12-03", 60))
        assert of(mm.check_cycle(PAIR, log, "ama", as_of="2026-11-30"), "monthly_meeting").empty
        r = mm.check_cycle(PAIR, log, "ama", as_of="2026-12-15")
        v = of(r, "monthly_meeting")
        assert v["detail"].tolist() == [
            "No meeting in November 2026; the program asks for at least one meeting a month."
        ]
        assert dates(v, "period_start") == ["2026-11-01"]
        assert dates(v, "period_end") == ["2026-11-30"]
        assert v["severity"].tolist() == ["required"]

    def test_amcto_is_recommended(self):
        r = mm.check_cycle(PAIR, meetings(("2026-09-05", 60)), "amcto", as_of="2026-11-01")
        v = of(r, "monthly_meeting")
        assert v["severity"].tolist() == ["recommended"]
        assert dates(v, "period_start") == ["2026-10-01"]

    def test_3cma_partial_first_month_is_not_judged(self):
        p = pairs(matched_on="2026-03-20")
        log = meetings(("2026-05-02", 60))
        r = mm.check_cycle(p, log, "3cma", as_of="2026-06-01", events=events())
        v = of(r, "monthly_meeting")
        assert dates(v, "period_start") == ["2026-04-01"]  # March is partial; May has one
        assert v["severity"].tolist() == ["recommended"]

    def test_min_meetings_from_the_policy(self):
        twice = with_rules(CMA3, CycleRule(code="monthly_meeting", params={"min_meetings": 2}))
        p = pairs(matched_on="2026-04-01")
        log = meetings(("2026-04-02", 60), ("2026-04-20", 60), ("2026-05-02", 60))
        v = of(
            mm.check_cycle(p, log, twice, as_of="2026-06-01", events=events()), "monthly_meeting"
        )
        assert v["detail"].tolist() == [
            "1 meeting in May 2026; the program asks for at least 2 meetings a month."
        ]


# =========================================================================== duration and hours


class TestDurationAndHours:
    def test_amcto_30_to_90_minutes_required(self):
        log = meetings(
            ("2026-09-03", 29), ("2026-09-10", 30), ("2026-09-17", 90), ("2026-09-24", 91)
        )
        v = of(mm.check_cycle(PAIR, log, "amcto", as_of="2026-09-30"), "meeting_duration")
        assert dates(v, "period_start") == ["2026-09-03", "2026-09-24"]
        assert v["detail"].tolist() == [
            "The meeting on 2026-09-03 lasted 29 minutes; meetings should last at least 30 minutes.",
            "The meeting on 2026-09-24 lasted 91 minutes; meetings should last at most 90 minutes.",
        ]
        assert set(v["severity"]) == {"required"}

    def test_ama_one_hour_recommended(self):
        log = meetings(("2026-10-03", 59), ("2026-10-10", 60), ("2026-10-17", 240))
        r = mm.check_cycle(PAIR, log, "ama", as_of="2026-10-30")
        v = of(r, "meeting_duration")
        assert dates(v, "period_start") == ["2026-10-03"]
        assert v["severity"].tolist() == ["recommended"]

    def test_amcto_monthly_hours(self):
        log = meetings(
            ("2026-09-03", 30),
            ("2026-09-20", 25),  # 55 minutes in September
            ("2026-10-02", 61),
            ("2026-10-12", 61),
            ("2026-10-22", 61),  # 183 in October
            ("2026-11-05", 60),
        )
        v = of(mm.check_cycle(PAIR, log, "amcto", as_of="2026-12-01"), "monthly_hours")
        # The FAQ sets a minimum ("a minimum commitment of 1-3 hours"), no maximum.
        assert v["detail"].tolist() == [
            "Meetings in September 2026 totalled 55 minutes; the program asks for at least "
            "1 hour (60 minutes) a month.",
        ]
        assert set(v["severity"]) == {"recommended"}
        capped = mm.ProgramPolicy.from_dict(
            {
                "base": "amcto",
                "name": "capped",
                "cycle": {"rules": [{"code": "monthly_hours", "min_hours": 1, "max_hours": 3}]},
            }
        )
        v = of(mm.check_cycle(PAIR, log, capped, as_of="2026-12-01"), "monthly_hours")
        assert v["detail"].tolist()[1] == (
            "Meetings in October 2026 totalled 183 minutes; the program asks for at most "
            "3 hours (180 minutes) a month."
        )


# =========================================================================== relationship length


class TestMinRelationshipLength:
    def test_only_judged_at_the_end(self):
        log = meetings(*monthly("2026-09", "2027-05", day=20))  # last meeting 2027-05-20
        during = mm.check_cycle(PAIR, log, "amcto", as_of="2027-06-30")
        assert of(during, "min_relationship_length").empty
        after = mm.check_cycle(PAIR, log, "amcto", as_of="2027-07-01")
        v = of(after, "min_relationship_length")
        assert v["detail"].tolist() == [
            "The last meeting was on 2027-05-20, less than 9 months after the cycle started on "
            "2026-09-01; the relationship should last at least 9 months (until 2027-06-01)."
        ]
        assert dates(v, "period_start") == ["2026-09-01"]
        assert dates(v, "period_end") == ["2027-06-30"]

    def test_nine_months_to_the_day(self):
        log = meetings(*monthly("2026-09", "2027-05", day=20), ("2027-06-01", 60))
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2027-07-01")
        assert of(r, "min_relationship_length").empty


# =========================================================================== forms


class TestFormsSigned:
    LOG = meetings(("2026-09-10", 60))

    def test_same_day_as_first_meeting_counts(self):
        ev = events(("agreement_signed", "2026-09-10"), ("confidentiality_signed", "2026-08-25"))
        r = mm.check_cycle(PAIR, self.LOG, "amcto", as_of="2026-09-20", events=ev)
        assert of(r, "forms_signed").empty
        assert r.unused_events.empty  # a form signed before the cycle start is used

    def test_late_and_missing(self):
        ev = events(("agreement_signed", "2026-09-11"))
        r = mm.check_cycle(PAIR, self.LOG, "amcto", as_of="2026-09-20", events=ev)
        v = of(r, "forms_signed")
        assert v["detail"].tolist() == [
            "The mentorship agreement was signed on 2026-09-11, after the first meeting on "
            "2026-09-10; it must be signed on or before the first meeting.",
            "No signed confidentiality agreement is on file; it was due on or before the first "
            "meeting on 2026-09-10.",
        ]
        assert set(v["severity"]) == {"required"}

    def test_not_missing_before_the_first_meeting(self):
        r = mm.check_cycle(PAIR, self.LOG, "amcto", as_of="2026-09-10", events=events())
        assert of(r, "forms_signed").empty
        r = mm.check_cycle(PAIR, meetings(), "amcto", as_of="2026-09-30", events=events())
        assert of(r, "forms_signed").empty

    def test_a_pair_that_never_met_owes_them_by_the_end(self):
        r = mm.check_cycle(PAIR, meetings(), "amcto", as_of="2027-06-30", events=events())
        assert of(r, "forms_signed").empty
        r = mm.check_cycle(PAIR, meetings(), "amcto", as_of="2027-07-01", events=events())
        assert of(r, "forms_signed")["detail"].tolist() == [
            "No signed mentorship agreement is on file; the cycle ended on 2027-06-30.",
            "No signed confidentiality agreement is on file; the cycle ended on 2027-06-30.",
        ]

    def test_ltb_only_needs_the_agreement(self):
        p = pairs(matched_on="2026-03-10")
        ev = events(("agreement_signed", "2026-03-12"))
        log = meetings(("2026-03-12", 60))
        r = mm.check_cycle(p, log, "ltb", as_of="2026-04-01", events=ev)
        assert of(r, "forms_signed").empty
        # LTB guide, Action Plan Item # 1: "Send a signed copy to the LTB Mentorship
        # Committee" (no date): missing only once the pair's year is over (issue 21)
        r = mm.check_cycle(p, log, "ltb", as_of="2026-04-01", events=events())
        assert of(r, "forms_signed").empty
        r = mm.check_cycle(p, log, "ltb", as_of="2027-03-15", events=events())
        assert of(r, "forms_signed")["severity"].tolist() == ["required"]


# =========================================================================== plan


class TestPlanSubmitted:
    def test_ama_plan_in_october(self):
        log = meetings(("2026-10-05", 60))
        ok = mm.check_cycle(
            PAIR, log, "ama", as_of="2026-11-15", events=events(("plan_submitted", "2026-10-31"))
        )
        assert of(ok, "plan_submitted").empty
        late = mm.check_cycle(
            PAIR, log, "ama", as_of="2026-11-15", events=events(("plan_submitted", "2026-11-01"))
        )
        assert of(late, "plan_submitted")["detail"].tolist() == [
            "The mentorship plan was submitted on 2026-11-01, after it was due on 2026-10-31."
        ]
        none_yet = mm.check_cycle(PAIR, log, "ama", as_of="2026-10-31", events=events())
        assert of(none_yet, "plan_submitted").empty
        missing = mm.check_cycle(PAIR, log, "ama", as_of="2026-11-01", events=events())
        v = of(missing, "plan_submitted")
        assert v["detail"].tolist() == [
            "No mentorship plan has been submitted; it was due by 2026-10-31."
        ]
        assert v["severity"].tolist() == ["required"]

    def test_ltb_plan_recommended_by_the_pairs_end(self):
        # LTB guide, Action Plan Item # 2: "Develop a Plan" (no date: issue 21)
        p = pairs(matched_on="2026-03-10")
        r = mm.check_cycle(p, meetings(), "ltb", as_of="2026-04-10", events=events())
        assert of(r, "plan_submitted").empty
        r = mm.check_cycle(p, meetings(), "ltb", as_of="2027-03-10", events=events())
        v = of(r, "plan_submitted")
        assert dates(v, "period_end") == ["2027-03-09"]
        assert v["severity"].tolist() == ["recommended"]


# =========================================================================== quarterly updates


class TestQuarterlyUpdate:
    LOG = meetings(("2026-10-05", 60))

    def test_alberta_new_year_2027_moves_the_january_update_to_monday(self):
        # 2027-01-01 is a Friday (New Year's Day): the first business day is Monday 2027-01-04
        r = mm.check_cycle(
            PAIR,
            self.LOG,
            "ama",
            as_of="2027-01-04",
            events=events(("plan_submitted", "2026-10-05")),
        )
        assert of(r, "quarterly_update").empty  # due today: not late yet
        r = mm.check_cycle(
            PAIR,
            self.LOG,
            "ama",
            as_of="2027-01-05",
            events=events(("plan_submitted", "2026-10-05")),
        )
        v = of(r, "quarterly_update")
        assert v["detail"].tolist() == [
            "No quarterly update was submitted for 2027-01-04 (the first business day of "
            "January 2027)."
        ]
        assert v["severity"].tolist() == ["required"]

    def test_on_time_early_and_late(self):
        on_time = events(("quarterly_update", "2027-01-04"))
        assert of(
            mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-02-01", events=on_time),
            "quarterly_update",
        ).empty
        early = events(("quarterly_update", "2026-12-30"))
        assert of(
            mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-02-01", events=early),
            "quarterly_update",
        ).empty
        late = events(("quarterly_update", "2027-01-05"))
        v = of(
            mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-02-01", events=late),
            "quarterly_update",
        )
        assert v["detail"].tolist() == [
            "The quarterly update due on 2027-01-04 (the first business day of January 2027) "
            "was submitted on 2027-01-05, 1 day after it was due."
        ]

    def test_all_three_due_dates_of_the_cycle(self):
        # 2027-04-01 is a Thursday; 2027-07-01 is Canada Day, so July's is Friday 2027-07-02
        r = mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-09-30", events=events())
        v = of(r, "quarterly_update")
        assert dates(v, "period_start") == ["2027-01-04", "2027-04-01", "2027-07-02"]
        assert r.summary.loc[0, "required_violations"] >= 3

    def test_one_update_counts_once(self):
        # an update after a missed due date is the late one for it (issue 21: a late
        # submission belongs to the period it is late for), and counts once
        ev = events(("quarterly_update", "2027-03-28"))
        v = of(
            mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-05-01", events=ev), "quarterly_update"
        )
        assert dates(v, "period_start") == ["2027-01-04", "2027-04-01"]
        assert v["detail"].str.contains("submitted on 2027-03-28").tolist() == [True, False]

    def test_ontario_and_alberta_holidays_differ(self):
        # December 2026, 19th business day: Christmas (Fri 25th) is off in both provinces;
        # with observed days (holidays_observed), Ontario also takes Boxing Day (Saturday
        # the 26th) on Monday the 28th, Alberta (no Boxing Day) does not.
        rule = CycleRule(code="quarterly_update", params={"months": [12], "business_day": 19})
        ontario = only(with_rules(AMCTO, rule), "quarterly_update")
        alberta = only(with_rules(AMA, rule), "quarterly_update")
        ontario = replace(ontario, cycle=replace(ontario.cycle, holidays_observed=True))
        alberta = replace(alberta, cycle=replace(alberta.cycle, holidays_observed=True))
        p = pairs()
        on = of(
            mm.check_cycle(
                p,
                self.LOG,
                ontario,
                start="2026-10-01",
                end="2027-08-31",
                as_of="2027-02-01",
                events=events(),
            ),
            "quarterly_update",
        )
        ab = of(
            mm.check_cycle(p, self.LOG, alberta, as_of="2027-02-01", events=events()),
            "quarterly_update",
        )
        assert dates(on, "period_start") == ["2026-12-29"]
        assert dates(ab, "period_start") == ["2026-12-28"]
        assert on["detail"].str.contains("the 19th business day of December 2026").all()

    def test_a_programs_toml_names_its_own_calendar(self):
        # the AMA preset with Ontario's holidays instead of Alberta's, observed days
        # included: Boxing Day (Saturday 2026-12-26) is observed on Monday the 28th, so
        # the 19th business day of December 2026 moves from the 28th to the 29th
        toml = (
            'base = "ama"\n[cycle]\nholidays_subdivision = "{}"\nholidays_observed = true\n'
            '[[cycle.rules]]\ncode = "quarterly_update"\nmonths = [12]\nbusiness_day = 19\n'
        )
        due = {}
        for sub in ("AB", "ON"):
            policy = only(ProgramPolicy.from_toml_string(toml.format(sub)), "quarterly_update")
            assert policy.cycle.holidays_subdivision == sub
            r = mm.check_cycle(PAIR, self.LOG, policy, as_of="2027-02-01", events=events())
            due[sub] = dates(of(r, "quarterly_update"), "period_start")
        assert due == {"AB": ["2026-12-28"], "ON": ["2026-12-29"]}

    def test_ontario_family_day(self):
        # Family Day, the third Monday of February, is 2027-02-15 in Ontario: the 11th
        # business day of February 2027 is Tuesday the 16th (the 15th without holidays)
        rule = CycleRule(code="quarterly_update", params={"months": [2], "business_day": 11})
        policy = only(with_rules(AMCTO, rule), "quarterly_update")
        r = mm.check_cycle(PAIR, self.LOG, policy, as_of="2027-03-01", events=events())
        assert dates(of(r, "quarterly_update"), "period_start") == ["2027-02-16"]

    def test_us_federal_holidays_for_3cma(self):
        # June 2026: Juneteenth (Friday the 19th) is a US federal holiday
        rule = CycleRule(code="quarterly_update", params={"months": [6], "business_day": 15})
        policy = only(with_rules(CMA3, rule), "quarterly_update")
        p = pairs(matched_on="2026-01-15")
        v = of(
            mm.check_cycle(p, meetings(), policy, as_of="2026-07-01", events=events()),
            "quarterly_update",
        )
        assert dates(v, "period_start") == ["2026-06-22"]


# =========================================================================== surveys


class TestSurveys:
    LOG = meetings(("2026-10-05", 60))

    def test_a_survey_due_in_march_is_not_missing_in_february(self):
        r = mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-02-28", events=events())
        assert of(r, "mid_survey").empty
        r = mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-03-31", events=events())
        assert of(r, "mid_survey").empty

    def test_each_participant_answers(self):
        ev = events(("mid_survey", "2027-03-15", "m1"))
        r = mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-04-01", events=ev)
        v = of(r, "mid_survey")
        assert v["participant_id"].tolist() == ["e1"]
        assert v["detail"].tolist() == [
            "The mentee's mid-program survey has not been completed; it was due by 2027-03-31 "
            "(due in March 2027)."
        ]
        both = mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-04-01", events=events())
        assert of(both, "mid_survey")["participant_id"].tolist() == ["m1", "e1"]

    def test_late_survey(self):
        ev = events(("mid_survey", "2027-04-02", "m1"), ("mid_survey", "2027-03-02", "e1"))
        v = of(mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-04-10", events=ev), "mid_survey")
        assert v["participant_id"].tolist() == ["m1"]
        assert v.loc[0, "detail"].startswith(
            "The mentor's mid-program survey was completed on 2027-04-02"
        )

    def test_ama_final_survey_in_august(self):
        ev = events(("final_survey", "2027-08-20", "m1"), ("final_survey", "2027-08-31", "e1"))
        assert of(
            mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-09-15", events=ev), "final_survey"
        ).empty
        v = of(
            mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-09-01", events=events()),
            "final_survey",
        )
        assert dates(v, "period_end") == ["2027-08-31", "2027-08-31"]

    def test_amcto_final_survey_within_30_days_after_june_30(self):
        log = meetings(*monthly("2026-09", "2027-06"))
        ev = events(("agreement_signed", "2026-09-01"), ("confidentiality_signed", "2026-09-01"))
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2027-07-30", events=ev)
        assert of(r, "final_survey").empty
        r = mm.check_cycle(
            PAIR,
            log,
            "amcto",
            as_of="2027-07-31",
            events=pd.concat([ev, events(("final_survey", "2027-07-05", "e1"))]),
        )
        v = of(r, "final_survey")
        assert v["participant_id"].tolist() == ["m1"]
        assert v["detail"].tolist() == [
            "The mentor's final survey has not been completed; it was due by 2027-07-30 "
            "(due within 30 days after the cycle ended on 2027-06-30)."
        ]


# =========================================================================== stale events


class TestEventsBeforeTheCycle:
    """A submission dated before the pair's cycle (last year's, or a mistyped year) keeps
    nothing: it is reported unused, with the reason."""

    LOG = meetings(("2026-10-05", 60))

    def test_last_years_quarterly_update_does_not_count_for_january(self):
        ev = events(("plan_submitted", "2026-10-05"), ("quarterly_update", "2026-07-02"))
        r = mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-01-05", events=ev)
        assert dates(of(r, "quarterly_update"), "period_start") == ["2027-01-04"]
        assert r.unused_events[["row", "reason"]].values.tolist() == [
            [1, "before the pair's cycle start (2026-10-01)"]
        ]

    def test_a_survey_dated_before_the_cycle_is_not_this_cycles_survey(self):
        ev = events(("mid_survey", "2026-03-15", "m1"), ("mid_survey", "2027-03-15", "e1"))
        r = mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-04-01", events=ev)
        assert of(r, "mid_survey")["participant_id"].tolist() == ["m1"]
        assert r.unused_events["row"].tolist() == [0]

    def test_contact_before_the_assignment_is_not_first_contact(self):
        p = pairs(matched_on="2026-03-01")
        ev = events(("first_contact", "2026-02-20"))
        r = mm.check_cycle(p, meetings(), "3cma", as_of="2026-04-01", events=ev)
        assert dates(of(r, "first_contact"), "period_end") == ["2026-03-31"]
        assert r.unused_events["reason"].tolist() == ["before the pair's assignment (2026-03-01)"]


# =========================================================================== first contact (3CMA)


class TestFirstContact:
    P = pairs(matched_on="2026-03-01")

    def test_30_days_fine_31_late(self):
        ok = mm.check_cycle(
            self.P, meetings(("2026-03-31", 30)), "3cma", as_of="2026-04-15", events=events()
        )
        assert of(ok, "first_contact").empty
        late = mm.check_cycle(
            self.P, meetings(("2026-04-01", 30)), "3cma", as_of="2026-04-15", events=events()
        )
        v = of(late, "first_contact")
        assert v["detail"].tolist() == [
            "First contact was on 2026-04-01, 31 days after the assignment on 2026-03-01; "
            "the program asks for contact within 30 days."
        ]
        assert v["severity"].tolist() == ["required"]

    def test_a_contact_event_counts(self):
        r = mm.check_cycle(
            self.P,
            meetings(("2026-04-10", 30)),
            "3cma",
            as_of="2026-04-15",
            events=events(("first_contact", "2026-03-20")),
        )
        assert of(r, "first_contact").empty

    def test_missing_contact_only_after_the_deadline(self):
        r = mm.check_cycle(self.P, meetings(), "3cma", as_of="2026-03-31", events=events())
        assert of(r, "first_contact").empty
        r = mm.check_cycle(self.P, meetings(), "3cma", as_of="2026-04-01", events=events())
        assert dates(of(r, "first_contact"), "period_end") == ["2026-03-31"]

    def test_each_pair_its_own_assignment(self):
        p = pd.DataFrame(
            {
                "mentor_id": ["m1", "m2"],
                "mentee_id": ["e1", "e2"],
                "matched_on": ["2026-03-01", "2026-05-01"],
            }
        )
        r = mm.check_cycle(p, meetings(), "3cma", as_of="2026-05-15", events=events())
        assert of(r, "first_contact")["mentor_id"].tolist() == ["m1"]
        assert r.summary["end"].isna().all()  # 3CMA is open-ended


# =========================================================================== informal assessment


class TestInformalAssessment:
    LOG = meetings(*monthly("2026-09", "2027-02"))

    def test_amcto_every_three_months(self):
        ev = events(("informal_assessment", "2026-12-01"), ("informal_assessment", "2027-03-02"))
        v = of(
            mm.check_cycle(PAIR, self.LOG, "amcto", as_of="2027-03-10", events=ev),
            "informal_assessment",
        )
        assert v["detail"].tolist() == [
            "No informal assessment of the relationship between 2026-12-01 and 2027-03-02; "
            "the program asks for one at least every 3 months."
        ]
        assert v["severity"].tolist() == ["recommended"]

    def test_running_interval_from_the_start(self):
        r = mm.check_cycle(PAIR, self.LOG, "amcto", as_of="2026-12-01", events=events())
        assert of(r, "informal_assessment").empty
        r = mm.check_cycle(PAIR, self.LOG, "amcto", as_of="2026-12-02", events=events())
        assert (
            of(r, "informal_assessment")["detail"]
            .str.startswith(
                "No informal assessment of the relationship since the cycle started on 2026-09-01"
            )
            .all()
        )

    def test_ltb_one_evaluation_judged_at_the_end(self):
        p = pairs(matched_on="2026-01-15")  # one year: to 2027-01-14
        r = mm.check_cycle(p, meetings(), "ltb", as_of="2027-01-14", events=events())
        assert of(r, "informal_assessment").empty
        r = mm.check_cycle(p, meetings(), "ltb", as_of="2027-01-15", events=events())
        v = of(r, "informal_assessment")
        assert dates(v, "period_end") == ["2027-01-14"]
        assert v["severity"].tolist() == ["recommended"]
        r = mm.check_cycle(
            p,
            meetings(),
            "ltb",
            as_of="2027-01-15",
            events=events(("informal_assessment", "2026-07-01")),
        )
        assert of(r, "informal_assessment").empty


# =========================================================================== in person (AMA)


class TestInPersonMeeting:
    LOG = meetings(*monthly("2026-10", "2027-08"))

    def test_without_mode_it_is_not_checked(self):
        r = mm.check_cycle(PAIR, self.LOG, "ama", as_of="2027-09-15", events=events())
        assert of(r, "in_person_meeting").empty
        assert "in_person_meeting" in r.not_checked["rule"].tolist()

    def test_a_blank_mode_column_is_not_checked_never_passed(self):
        r = mm.check_cycle(
            PAIR, self.LOG.assign(mode=None), "ama", as_of="2027-09-01", events=events()
        )
        assert of(r, "in_person_meeting").empty
        assert "in_person_meeting" in r.not_checked["rule"].tolist()

    def test_judged_after_the_end(self):
        log = self.LOG.assign(mode="video")
        r = mm.check_cycle(PAIR, log, "ama", as_of="2027-08-31", events=events())
        assert of(r, "in_person_meeting").empty
        r = mm.check_cycle(PAIR, log, "ama", as_of="2027-09-01", events=events())
        v = of(r, "in_person_meeting")
        assert v["severity"].tolist() == ["recommended"]
        assert "in_person_meeting" not in r.not_checked["rule"].tolist()
        modes = ["In Person"] + ["video"] * (len(log) - 1)
        r = mm.check_cycle(PAIR, log.assign(mode=modes), "ama", as_of="2027-09-01", events=events())
        assert of(r, "in_person_meeting").empty


# =========================================================================== two logs (AMCTO)


class TestLogAgreement:
    def two_sided(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "mentor_id": "m1",
                "mentee_id": "e1",
                "date": ["2026-09-10", "2026-09-10", "2026-10-05", "2026-10-05", "2026-10-20"],
                "duration_minutes": [60, 60, 60, 45, 60],
                "reported_by": ["m1", "e1", "m1", "e1", "m1"],
            }
        )

    def test_meetings_where_the_logs_differ(self):
        # meeting by meeting: Oct 5 (60 vs 45 minutes) and Oct 20 (the mentor's only)
        log = self.two_sided()
        assert of(mm.check_cycle(PAIR, log, "amcto", as_of="2026-10-31"), "log_agreement").empty
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2026-11-01")
        v = of(r, "log_agreement")
        assert v["detail"].tolist() == [
            "The mentor logged 60 minutes on 2026-10-05 and the mentee 45 minutes on "
            "2026-10-05 for the same meeting; the two logs must agree.",
            "The mentor logged 60 minutes on 2026-10-20; the mentee's log has no counterpart "
            "on that day (its nearest entry: 45 minutes on 2026-10-05); every meeting must be "
            "in both logs.",
        ]
        assert dates(v, "period_start") == ["2026-10-05", "2026-10-20"]
        assert v["severity"].tolist() == ["required", "required"]
        assert "log_agreement" not in r.not_checked["rule"].tolist()

    def test_meetings_both_sides_logged_count_once_with_the_mentees_minutes(self):
        r = mm.check_cycle(PAIR, self.two_sided(), "amcto", as_of="2026-11-01")
        assert r.summary.loc[0, "meetings"] == 3  # Sep 10, Oct 5 (both sides), Oct 20 (mentor)
        counted = r.meetings[r.meetings["counted"]]
        assert counted["duration_minutes"].tolist() == [60, 45, 60]
        assert counted["reported_by"].tolist() == ["e1", "e1", "m1"]
        assert r.meetings["counted"].tolist() == [False, True, False, True, True]
        assert r.summary.loc[0, "hours"] == pytest.approx(165 / 60, abs=0.01)
        assert r.unused_meetings.empty

    def test_tolerance_from_the_policy(self):
        lenient = with_rules(
            AMCTO, CycleRule(code="log_agreement", params={"tolerance_minutes": 15})
        )
        r = mm.check_cycle(PAIR, self.two_sided(), lenient, as_of="2026-11-01")
        # 60 vs 45 minutes is within 15; the mentor's Oct 20 entry is still unconfirmed
        assert dates(of(r, "log_agreement"), "period_start") == ["2026-10-20"]

    def test_without_reported_by_it_is_not_checked(self):
        r = mm.check_cycle(PAIR, meetings(("2026-09-10", 60)), "amcto", as_of="2026-11-01")
        assert "log_agreement" in r.not_checked["rule"].tolist()


# =========================================================================== windows and unused rows


class TestWindows:
    def test_default_cycles(self):
        r = mm.check_cycle(PAIR, meetings(), "amcto", as_of="2027-03-15")
        assert (str(r.start.date()), str(r.end.date())) == ("2026-09-01", "2027-06-30")
        r = mm.check_cycle(PAIR, meetings(), "amcto", as_of="2026-08-15")
        assert (str(r.start.date()), str(r.end.date())) == ("2025-09-01", "2026-06-30")
        r = mm.check_cycle(PAIR, meetings(), "ama", as_of="2027-02-01")
        assert (str(r.start.date()), str(r.end.date())) == ("2026-10-01", "2027-08-31")
        r = mm.check_cycle(
            pairs("2026-03-10"), meetings(), "ltb", as_of="2026-06-01", events=events()
        )
        assert r.start is None
        assert dates(r.summary, "end") == ["2027-03-09"]

    def test_a_pair_matched_late_starts_on_its_matched_on(self):
        p = pairs(matched_on="2026-11-15")
        r = mm.check_cycle(p, meetings(), "amcto", as_of="2026-12-27")
        assert dates(r.summary, "start") == ["2026-11-15"]
        assert of(r, "max_gap").empty  # 2026-11-15 + 42 = 2026-12-27
        assert of(r, "monthly_meeting").empty  # November is partial; December not over

    def test_every_meeting_row_is_used_or_reported(self):
        log = meetings(
            ("2026-08-20", 60), ("2026-09-10", 60), ("2026-12-05", 60), ("2026-10-01", 60)
        )
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2026-12-01")
        u = r.unused_meetings
        assert u["row"].tolist() == [0, 2]
        assert u["reason"].tolist() == [
            "before the pair's cycle start (2026-09-01)",
            "after as_of (2026-12-01)",
        ]
        assert sorted(r.meetings["row"].tolist() + u["row"].tolist()) == [0, 1, 2, 3]
        r = mm.check_cycle(
            PAIR, meetings(("2027-07-05", 60)), "amcto", start="2026-09-01", as_of="2027-08-01"
        )
        assert r.unused_meetings["reason"].tolist() == ["after the pair's cycle end (2027-06-30)"]

    def test_unused_events_say_why(self):
        ev = events(("quarterly_update", "2026-10-01"), ("agreement_signed", "2026-12-20"))
        r = mm.check_cycle(PAIR, meetings(), "amcto", as_of="2026-12-01", events=ev)
        assert r.unused_events["reason"].tolist() == [
            "the AMCTO Mentorship Program policy has no rule that uses 'quarterly_update'",
            "after as_of (2026-12-01)",
        ]

    def test_without_events_the_event_rules_are_not_checked(self):
        r = mm.check_cycle(PAIR, meetings(("2026-09-10", 60)), "ama", as_of="2027-09-15")
        assert set(r.not_checked["rule"]) >= {
            "plan_submitted",
            "quarterly_update",
            "mid_survey",
            "final_survey",
        }
        assert r.violations["rule"].isin(["plan_submitted", "quarterly_update"]).sum() == 0

    def test_rolling_program_needs_matched_on_or_start(self):
        with pytest.raises(mm.LogError) as info:
            mm.check_cycle(PAIR, meetings(), "3cma", as_of="2026-05-01")
        assert info.value.problems["column"].tolist() == ["matched_on"]
        r = mm.check_cycle(PAIR, meetings(), "3cma", start="2026-03-01", as_of="2026-05-01")
        assert dates(r.summary, "start") == ["2026-03-01"]

    def test_ids_as_numbers_and_a_match_result(self):
        class Result:
            pairs = pd.DataFrame({"mentor_id": [17], "mentee_id": [4.0], "score": [0.5]})

        log = pd.DataFrame(
            {
                "mentor_id": ["17"],
                "mentee_id": [4],
                "date": ["2026-09-10"],
                "duration_minutes": [60],
            }
        )
        r = mm.check_cycle(Result(), log, "amcto", as_of="2026-09-30")
        assert r.summary[["mentor_id", "mentee_id", "meetings"]].values.tolist() == [["17", "4", 1]]
