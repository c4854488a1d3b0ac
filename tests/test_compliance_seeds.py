"""Compliance true to the seed documents (shared/seeds/): submission windows, the two
logs reconciled meeting by meeting, statutory holidays, rule sentences that follow
their parameters, and the heat map.

Each test quotes the seed line the rule comes from. Every test here failed on the
code before this change (issue 15).
"""

from __future__ import annotations

import builtins
import importlib.metadata
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import mentormatch as mm
from mentormatch import CycleRule, ProgramPolicy
from mentormatch.policies import AMA, AMCTO

PAIR = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]})


def meetings(*rows: tuple, reported_by: list[str] | None = None) -> pd.DataFrame:
    """Rows of (date, minutes) for pair m1/e1."""
    frame = pd.DataFrame(
        [{"mentor_id": "m1", "mentee_id": "e1", "date": d, "duration_minutes": m} for d, m in rows],
        columns=["mentor_id", "mentee_id", "date", "duration_minutes"],
    )
    if reported_by is not None:
        frame["reported_by"] = reported_by
    return frame


def monthly(start: str, end: str, day: int = 10, minutes: int = 60) -> list[tuple]:
    months = pd.period_range(start, end, freq="M")
    return [(str(p.to_timestamp().replace(day=day).date()), minutes) for p in months]


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


def of(report: mm.ComplianceReport, rule: str) -> pd.DataFrame:
    return report.violations[report.violations["rule"] == rule].reset_index(drop=True)


def with_rules(policy: ProgramPolicy, *rules: CycleRule) -> ProgramPolicy:
    codes = {r.code for r in rules}
    kept = tuple(r for r in policy.cycle.rules if r.code not in codes)
    return replace(policy, cycle=replace(policy.cycle, rules=kept + rules))


def only(policy: ProgramPolicy, *codes: str) -> ProgramPolicy:
    rules = tuple(r for r in policy.cycle.rules if r.code in codes)
    return replace(policy, cycle=replace(policy.cycle, rules=rules))


def dates(frame: pd.DataFrame, col: str) -> list[str]:
    return [str(d.date()) for d in frame[col]]


def unused(report: mm.ComplianceReport) -> list[tuple[str, str, str]]:
    u = report.unused_events
    return [
        (k, str(d.date()), r) for k, d, r in zip(u["kind"], u["date"], u["reason"], strict=True)
    ]


AMA_LOG = meetings(*monthly("2026-10", "2027-08", day=5))
AMCTO_LOG = meetings(*monthly("2026-09", "2027-06"))
AMCTO_FORMS = events(("agreement_signed", "2026-09-01"), ("confidentiality_signed", "2026-09-01"))


# =========================================================================== survey windows


class TestSurveyWindows:
    def test_ama_mid_survey_in_november_does_not_count(self):
        # ama-mentorship-program.md, Sample Mentorship Plan: "March: Complete your
        # mid-program surveys. Participants should complete the survey individually."
        ev = events(("mid_survey", "2026-11-01", "m1"), ("mid_survey", "2027-03-01", "e1"))
        r = mm.check_cycle(PAIR, AMA_LOG, "ama", as_of="2027-04-01", events=ev)
        v = of(r, "mid_survey")
        assert v["participant_id"].tolist() == ["m1"]
        assert v["detail"].tolist() == [
            "The mentor's mid-program survey has not been completed; it was due by 2027-03-31 "
            "(due in March 2027)."
        ]
        assert dates(v, "period_start") == ["2027-03-01"]
        # the first day of March counts; the November row is listed with the reason
        assert unused(r) == [
            ("mid_survey", "2026-11-01", "before the mid-program survey opens on 2027-03-01")
        ]

    def test_ama_final_survey_in_december_does_not_count(self):
        # ama-mentorship-program.md, Sample Mentorship Plan: "August: ... Complete your
        # final surveys. Participants should complete the survey individually."
        ev = events(
            ("final_survey", "2026-12-01", "m1"),
            ("final_survey", "2026-12-01", "e1"),
            ("final_survey", "2027-08-31", "e1"),
        )
        r = mm.check_cycle(PAIR, AMA_LOG, "ama", as_of="2027-09-15", events=ev)
        v = of(r, "final_survey")
        assert v["participant_id"].tolist() == ["m1"]
        assert v["detail"].tolist() == [
            "The mentor's final survey has not been completed; it was due by 2027-08-31 "
            "(due in August 2027)."
        ]
        assert (
            unused(r)
            == [("final_survey", "2026-12-01", "before the final survey opens on 2027-08-01")] * 2
        )

    def test_amcto_final_survey_counts_only_after_the_program_end_date(self):
        # amcto-program-guide.txt, Program Timeline: "Following the formal program end
        # date, all participants will be asked to complete a survey" -- following the
        # end date (2027-06-30): from 2027-07-01, not on the end date itself.
        ev = pd.concat(
            [
                AMCTO_FORMS,
                events(
                    ("final_survey", "2026-10-01", "m1"),  # a month into the cycle
                    ("final_survey", "2027-06-30", "e1"),  # on the end date
                ),
            ],
            ignore_index=True,
        )
        r = mm.check_cycle(PAIR, AMCTO_LOG, "amcto", as_of="2027-08-15", events=ev)
        v = of(r, "final_survey")
        assert v["participant_id"].tolist() == ["m1", "e1"]
        assert dates(v, "period_start") == ["2027-07-01", "2027-07-01"]
        assert unused(r) == [
            ("final_survey", "2026-10-01", "before the final survey opens on 2027-07-01"),
            ("final_survey", "2027-06-30", "before the final survey opens on 2027-07-01"),
        ]
        on_time = pd.concat(
            [
                AMCTO_FORMS,
                events(("final_survey", "2027-07-01", "m1"), ("final_survey", "2027-07-30", "e1")),
            ],
            ignore_index=True,
        )
        r = mm.check_cycle(PAIR, AMCTO_LOG, "amcto", as_of="2027-08-15", events=on_time)
        assert of(r, "final_survey").empty and r.unused_events.empty

    def test_opens_days_before_is_a_rule_parameter(self):
        # a program that sends its final survey in the last week counts it from then
        early = with_rules(
            AMCTO,
            CycleRule(
                code="final_survey", params={"within_days_after_end": 30, "opens_days_before": 7}
            ),
        )
        ev = pd.concat(
            [
                AMCTO_FORMS,
                events(("final_survey", "2027-06-24", "m1"), ("final_survey", "2027-06-23", "e1")),
            ],
            ignore_index=True,
        )
        r = mm.check_cycle(PAIR, AMCTO_LOG, early, as_of="2027-08-15", events=ev)
        assert of(r, "final_survey")["participant_id"].tolist() == ["e1"]
        assert unused(r) == [
            ("final_survey", "2027-06-23", "before the final survey opens on 2027-06-24")
        ]
        assert "7 days before it opens" in early.cycle.rule("final_survey").description

    def test_upcoming_says_when_the_window_opens(self):
        r = mm.check_cycle(PAIR, AMA_LOG, "ama", as_of="2027-02-20", events=events())
        soon = r.upcoming(days=60)
        mid = soon[(soon["rule"] == "mid_survey") & (soon["participant_id"] == "m1")]
        assert mid["action"].tolist() == [
            "The mentor completes the mid-program survey between 2027-03-01 and 2027-03-31 "
            "(due in March 2027)."
        ]


# =========================================================================== forms and plan


class TestPaperworkCannotPredateThePair:
    def test_last_years_agreement_does_not_count(self):
        # amcto-program-guide.txt, The Mentorship Agreement: "Prior to participation in
        # the program, each party will be required to review and sign-off on a
        # mentorship agreement" -- the agreement of this mentor and this mentee, who are
        # matched in August ("August Applications Reviewed & Matches"): a row dated
        # before the previous cycle ended (2026-06-30) is another cycle's.
        ev = events(("agreement_signed", "2025-09-05"), ("confidentiality_signed", "2026-08-20"))
        r = mm.check_cycle(PAIR, AMCTO_LOG, "amcto", as_of="2026-10-01", events=ev)
        v = of(r, "forms_signed")
        assert v["detail"].tolist() == [
            "No signed mentorship agreement is on file; it was due on or before the first "
            "meeting on 2026-09-10."
        ]
        assert unused(r) == [
            ("agreement_signed", "2025-09-05", "from an earlier cycle (dated before 2026-07-01)")
        ]

    def test_a_plan_before_the_previous_cycle_ended_does_not_count(self):
        # ama-mentorship-program.md: "Creating a Mentorship Plan at the first meeting";
        # the AMA program runs "October to August": September is between cycles.
        stale = events(("plan_submitted", "2026-08-20"))
        r = mm.check_cycle(PAIR, AMA_LOG, only(AMA, "plan_submitted"), as_of="2026-11-15",
                           events=stale)  # fmt: skip
        assert dates(of(r, "plan_submitted"), "period_end") == ["2026-10-31"]
        assert unused(r) == [
            ("plan_submitted", "2026-08-20", "from an earlier cycle (dated before 2026-09-01)")
        ]
        fresh = events(("plan_submitted", "2026-09-20"))
        r = mm.check_cycle(PAIR, AMA_LOG, only(AMA, "plan_submitted"), as_of="2026-11-15",
                           events=fresh)  # fmt: skip
        assert of(r, "plan_submitted").empty and r.unused_events.empty

    def test_a_rolling_pairs_agreement_counts_from_its_assignment(self):
        # ltb-mentoring-guide.txt, Action Plan Item # 1: "Complete the Mentorship
        # Agreement ... Send a signed copy to the LTB Mentorship Committee"
        p = PAIR.assign(matched_on="2026-03-10")
        ev = events(("agreement_signed", "2026-03-01"), ("plan_submitted", "2026-03-20"))
        r = mm.check_cycle(p, meetings(("2026-03-15", 60)), "ltb", as_of="2027-03-15",
                           events=ev)  # fmt: skip
        assert of(r, "forms_signed")["detail"].tolist() == [
            "No signed mentorship agreement is on file; it was due by the end of the cycle on "
            "2027-03-09."
        ]
        assert unused(r) == [
            ("agreement_signed", "2026-03-01", "before the pair's assignment (2026-03-10)")
        ]


# =========================================================================== two logs


def two_logs(*rows: tuple) -> pd.DataFrame:
    """Rows of (reported_by, date, minutes) for pair m1/e1."""
    return pd.DataFrame(
        [
            {"mentor_id": "m1", "mentee_id": "e1", "date": d, "duration_minutes": m,
             "reported_by": who}
            for who, d, m in rows
        ]
    )  # fmt: skip


def agreement(tolerance_minutes: float = 0, tolerance_days: int = 0) -> ProgramPolicy:
    params: dict[str, float] = {"tolerance_minutes": tolerance_minutes}
    if tolerance_days:  # (the default left out: the test then runs on the old code too)
        params["tolerance_days"] = tolerance_days
    return with_rules(AMCTO, CycleRule(code="log_agreement", params=params))


class TestLogsReconciledMeetingByMeeting:
    # amcto-program-guide.txt, FAQ 'How do I account for the time...': "you must
    # maintain your own log of the actual time spent with your mentee/mentor. You must
    # also ensure that you and your mentee/mentor are in agreement as to the time that
    # you have spent together."

    def test_two_different_meetings_are_not_in_agreement(self):
        log = two_logs(("m1", "2026-10-03", 60), ("e1", "2026-10-17", 60))
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2026-11-05")
        v = of(r, "log_agreement")
        assert v["detail"].tolist() == [
            "The mentor logged 60 minutes on 2026-10-03; the mentee's log has no counterpart "
            "on that day (its nearest entry: 60 minutes on 2026-10-17); every meeting must be "
            "in both logs.",
            "The mentee logged 60 minutes on 2026-10-17; the mentor's log has no counterpart "
            "on that day (its nearest entry: 60 minutes on 2026-10-03); every meeting must be "
            "in both logs.",
        ]
        assert dates(v, "period_start") == dates(v, "period_end") == ["2026-10-03", "2026-10-17"]
        assert v["severity"].tolist() == ["required", "required"]
        # neither side confirmed the other's meeting: two unconfirmed entries, each a
        # meeting for the other rules, neither reconciled with anything
        assert r.meetings["reconciled_with"].isna().all()
        assert r.meetings["counted"].tolist() == [True, True]

    def test_one_meeting_logged_twice_counts_once_and_minutes_must_agree(self):
        log = two_logs(("m1", "2026-10-05", 60), ("e1", "2026-10-05", 45), ("e1", "2026-10-19", 60),
                       ("m1", "2026-10-19", 60))  # fmt: skip
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2026-11-05")
        assert of(r, "log_agreement")["detail"].tolist() == [
            "The mentor logged 60 minutes on 2026-10-05 and the mentee 45 minutes on "
            "2026-10-05 for the same meeting; the two logs must agree."
        ]
        m = r.meetings.set_index("row")
        assert m["reconciled_with"].to_dict() == {1: 0, 0: 1, 2: 3, 3: 2}
        assert m["counted"].to_dict() == {1: True, 0: False, 2: True, 3: False}
        assert r.summary.loc[0, "meetings"] == 2
        assert r.summary.loc[0, "hours"] == pytest.approx(105 / 60, abs=0.01)  # the mentee's

    def test_monthly_totals_that_agree_are_not_enough(self):
        # +15 minutes on one meeting, -15 on the other: the old monthly totals agreed
        log = two_logs(("m1", "2026-10-05", 75), ("e1", "2026-10-05", 60),
                       ("m1", "2026-10-19", 45), ("e1", "2026-10-19", 60))  # fmt: skip
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2026-11-05")
        assert dates(of(r, "log_agreement"), "period_start") == ["2026-10-05", "2026-10-19"]

    def test_tolerance_days_reconciles_nearby_dates_and_counts_the_meeting_once(self):
        # the mentor logs Friday's meeting on Saturday: within a day, one meeting
        log = two_logs(("e1", "2026-10-02", 20), ("m1", "2026-10-03", 20))
        strict = mm.check_cycle(PAIR, log, agreement(), as_of="2026-11-05")
        assert len(of(strict, "meeting_duration")) == 2  # two meetings, both too short
        assert len(of(strict, "log_agreement")) == 2
        lenient = mm.check_cycle(PAIR, log, agreement(tolerance_days=1), as_of="2026-11-05")
        v = of(lenient, "meeting_duration")
        assert v["detail"].tolist() == [
            "The meeting on 2026-10-02 lasted 20 minutes; meetings should last at least 30 minutes."
        ]  # counted once, as the mentee logged it
        assert of(lenient, "log_agreement").empty
        assert lenient.summary.loc[0, "meetings"] == 1
        assert lenient.meetings.set_index("row")["reconciled_with"].to_dict() == {0: 1, 1: 0}

    def test_closest_rows_are_paired_first(self):
        # mentor: 3rd and 5th; mentee: 4th and 9th. Within 4 days every mentor row could
        # take the 4th; the closest pair (5th-4th is 1 day, as is 3rd-4th: the earlier
        # mentor row on a tie) comes first, the 5th then pairs with the 9th.
        log = two_logs(("m1", "2026-10-03", 60), ("m1", "2026-10-05", 60),
                       ("e1", "2026-10-04", 60), ("e1", "2026-10-09", 60))  # fmt: skip
        r = mm.check_cycle(PAIR, log, agreement(tolerance_days=4), as_of="2026-11-05")
        assert r.meetings.set_index("row")["reconciled_with"].to_dict() == {
            0: 2, 2: 0, 1: 3, 3: 1
        }  # fmt: skip
        # with equal dates the minutes decide: the mentee's 45 goes with the mentor's 45
        log = two_logs(("m1", "2026-10-05", 60), ("m1", "2026-10-05", 45),
                       ("e1", "2026-10-05", 45), ("e1", "2026-10-05", 60))  # fmt: skip
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2026-11-05")
        assert r.meetings.set_index("row")["reconciled_with"].to_dict() == {
            0: 3, 3: 0, 1: 2, 2: 1
        }  # fmt: skip
        assert of(r, "log_agreement").empty

    def test_an_entry_is_judged_once_its_month_is_over_and_the_tolerance_passed(self):
        log = two_logs(("m1", "2026-10-30", 60))
        policy = agreement(tolerance_days=3)
        for as_of, judged in (("2026-10-31", False), ("2026-11-02", False), ("2026-11-03", True)):
            r = mm.check_cycle(PAIR, log, policy, as_of=as_of)
            assert len(of(r, "log_agreement")) == int(judged), as_of
        # without a tolerance, once the month is over
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2026-11-01")
        assert of(r, "log_agreement")["detail"].tolist() == [
            "The mentor logged 60 minutes on 2026-10-30; the mentee's log has no entry for "
            "this pair; every meeting must be in both logs."
        ]

    def test_minutes_tolerance_applies_to_each_meeting(self):
        log = two_logs(("m1", "2026-10-05", 60), ("e1", "2026-10-05", 50),
                       ("m1", "2026-10-19", 60), ("e1", "2026-10-19", 75))  # fmt: skip
        r = mm.check_cycle(PAIR, log, agreement(tolerance_minutes=10), as_of="2026-11-05")
        assert of(r, "log_agreement")["detail"].tolist() == [
            "The mentor logged 60 minutes on 2026-10-19 and the mentee 75 minutes on "
            "2026-10-19 for the same meeting; the two logs must agree within 10 minutes."
        ]

    def test_the_parameters_are_in_the_rules_sentence(self):
        rule = agreement(tolerance_minutes=10, tolerance_days=2).cycle.rule("log_agreement")
        assert rule.description == (
            "The mentor's and the mentee's logs record each meeting within 2 days, with "
            "minutes within 10 of each other."
        )


# =========================================================================== holidays


def quarterly(policy: ProgramPolicy, month: int, business_day: int, **cycle) -> ProgramPolicy:
    rule = CycleRule(
        code="quarterly_update", params={"months": [month], "business_day": business_day}
    )
    p = only(with_rules(policy, rule), "quarterly_update")
    return replace(p, cycle=replace(p.cycle, **cycle))


def due_dates(policy: ProgramPolicy, start: str, end: str, as_of: str) -> list[str]:
    r = mm.check_cycle(PAIR, meetings(), policy, start=start, end=end, as_of=as_of,
                       events=events())  # fmt: skip
    return dates(of(r, "quarterly_update"), "period_start")


class TestStatutoryHolidays:
    # ama-mentorship-program.md, Quarterly Updates: "on the first business day of each
    # of the following months: January, April, July"

    def test_ama_january_2028_update_is_due_monday_january_3(self):
        # New Year's Day 2028 is a Saturday; Alberta has no substitute holiday: Monday
        # 2028-01-03 is the first business day (the 'holidays' package's "New Year's Day
        # (observed)" made it the 4th)
        r = mm.check_cycle(PAIR, meetings(("2027-10-05", 60)), "ama", as_of="2028-01-05",
                           events=events())  # fmt: skip
        assert dates(of(r, "quarterly_update"), "period_start") == ["2028-01-03"]
        observed = replace(AMA, cycle=replace(AMA.cycle, holidays_observed=True))
        r = mm.check_cycle(PAIR, meetings(("2027-10-05", 60)), observed, as_of="2028-01-05",
                           events=events())  # fmt: skip
        assert dates(of(r, "quarterly_update"), "period_start") == ["2028-01-04"]

    def test_alberta_2027_12_27_is_a_business_day(self):
        # December 2027: Christmas is a Saturday; the 19th business day is Monday the 27th
        # (the 28th with "Christmas Day (observed)")
        policy = quarterly(AMA, 12, 19)
        assert due_dates(policy, "2027-10-01", "2028-08-31", "2028-01-15") == ["2027-12-27"]
        policy = quarterly(AMA, 12, 19, holidays_observed=True)
        assert due_dates(policy, "2027-10-01", "2028-08-31", "2028-01-15") == ["2027-12-28"]

    def test_ontario_2026_12_28_is_a_business_day(self):
        # December 2026: Boxing Day is a Saturday; the 19th business day is Monday the 28th
        # (the 29th with "Boxing Day (observed)")
        policy = quarterly(AMCTO, 12, 19)
        assert due_dates(policy, "2026-09-01", "2027-06-30", "2027-01-15") == ["2026-12-28"]
        policy = quarterly(AMCTO, 12, 19, holidays_observed=True)
        assert due_dates(policy, "2026-09-01", "2027-06-30", "2027-01-15") == ["2026-12-29"]

    def test_the_report_records_the_calendar(self):
        r = mm.check_cycle(PAIR, AMA_LOG, "ama", as_of="2027-02-01", events=events())
        assert r.calendar == {
            "country": "CA",
            "subdivision": "AB",
            "observed": False,
            "package": "holidays",
            "version": importlib.metadata.version("holidays"),
            "rules": ["quarterly_update"],
        }
        r = mm.check_cycle(PAIR, AMCTO_LOG, "amcto", as_of="2027-02-01")
        assert r.calendar["subdivision"] == "ON" and r.calendar["rules"] == []

    def test_observance_is_a_policy_setting_in_toml_and_in_words(self):
        from mentormatch.cli import describe_policy

        policy = ProgramPolicy.from_toml_string(
            'base = "ama"\nname = "x"\n[cycle]\nholidays_observed = true\n'
        )
        assert policy.cycle.holidays_observed is True
        assert "holidays_observed = true" in policy.to_toml()
        assert ProgramPolicy.from_toml_string(policy.to_toml()) == policy
        assert "CA/AB public holidays, observed days included" in describe_policy(policy)
        assert "CA/AB public holidays, statutory dates only" in describe_policy(AMA)
        with pytest.raises(mm.PolicyError, match="holidays_observed"):
            ProgramPolicy.from_toml_string('name = "x"\n[cycle]\nholidays_observed = "yes"\n')


# =========================================================================== rule sentences


class TestRuleSentencesFollowTheirParameters:
    def test_a_toml_override_gets_a_sentence_with_the_new_number(self):
        # amcto-program-guide.txt, Mentorship Agreement: "without ever going more than
        # six weeks between meetings" -- a program that sets 35 days must not say "six weeks"
        policy = ProgramPolicy.from_toml_string(
            'base = "amcto"\nname = "Five weeks"\n[[cycle.rules]]\ncode = "max_gap"\n'
            "max_days = 35\n"
        )
        rule = policy.cycle.rule("max_gap")
        assert rule.description == "Never more than 35 days between meetings."
        assert rule.source == AMCTO.cycle.rule("max_gap").source
        log = meetings(("2026-09-10", 60), ("2026-10-20", 60))
        v = of(mm.check_cycle(PAIR, log, policy, as_of="2026-10-25"), "max_gap")
        assert v["detail"].tolist() == [
            "No meeting between 2026-09-10 and 2026-10-20 (40 days); the program allows at most 35."
        ]

    def test_a_sentence_given_with_the_override_is_kept(self):
        policy = ProgramPolicy.from_toml_string(
            'base = "amcto"\nname = "x"\n[[cycle.rules]]\ncode = "max_gap"\nmax_days = 35\n'
            'description = "Meet at least every five weeks."\n'
        )
        assert policy.cycle.rule("max_gap").description == "Meet at least every five weeks."

    def test_unchanged_parameters_keep_the_presets_sentence(self):
        policy = ProgramPolicy.from_toml_string(
            'base = "amcto"\nname = "x"\n[[cycle.rules]]\ncode = "max_gap"\nmax_days = 42\n'
            'severity = "recommended"\n'
        )
        rule = policy.cycle.rule("max_gap")
        assert rule.severity == "recommended"
        assert rule.description == "Never more than six weeks between meetings."

    def test_every_rule_has_a_sentence_made_from_its_parameters(self):
        made = {
            "monthly_hours": ({"min_hours": 1, "max_hours": 3},
                              "Meetings total at least 1 and at most 3 hours a month."),
            "meeting_duration": ({"min_minutes": 45},
                                 "Each meeting lasts at least 45 minutes."),
            "quarterly_update": ({"months": [3, 9], "business_day": 2},
                                 "One update per pair on the second business day of March "
                                 "and September."),
            "final_survey": ({"within_days_after_end": 14},
                             "Each participant completes the final survey within 14 days "
                             "after the cycle end."),
            "informal_assessment": ({"max_interval_months": 2, "min_count": 3},
                                    "An informal assessment of the relationship at least every "
                                    "2 months and at least 3 times during the cycle."),
        }  # fmt: skip
        for code, (params, sentence) in made.items():
            assert CycleRule(code=code, params=params).description == sentence
        for code in mm._policy.CYCLE_RULE_PARAMS:
            params = {"final_survey": {"month": 8}, "informal_assessment": {"min_count": 1},
                      "meeting_duration": {"min_minutes": 30},
                      "monthly_hours": {"min_hours": 1}}.get(code, {})  # fmt: skip
            text = CycleRule(code=code, params=params).description
            assert text.endswith(".") and text[0].isupper(), code


# =========================================================================== heat map


def example_report() -> mm.ComplianceReport:
    from mentormatch.datasets import example_path

    return mm.check_cycle(
        pd.read_csv(example_path("pairs.csv"), dtype=str),
        pd.read_csv(example_path("meetings.csv")),
        "amcto",
        start="2026-09-01",
        end="2027-06-30",
        as_of="2027-03-15",
        events=pd.read_csv(example_path("events.csv")),
    )


class TestHeatMap:
    def test_the_title_says_how_many_pairs_are_shown(self):
        import matplotlib.pyplot as plt

        r = example_report()
        assert len(r.summary) == 64
        ax = r.plot()
        assert ax.get_title(loc="left").endswith("(40 of 64 pairs, most violations first)")
        assert ax.get_images()[0].get_array().shape[0] == 40
        plt.close(ax.figure)
        ax = r.plot(max_pairs=100)
        assert ax.get_title(loc="left").endswith("(all 64 pairs, most violations first)")
        plt.close(ax.figure)

    def test_whole_meeting_counts_get_one_colour_each(self):
        import matplotlib.pyplot as plt

        # 0, 1, 2, 3 and 5 meetings in five months
        days = (["2026-10-05"] + ["2026-11-03", "2026-11-20"]
                + ["2026-12-01", "2026-12-10", "2026-12-20"]
                + [f"2027-01-{d:02d}" for d in (4, 8, 12, 18, 25)])  # fmt: skip
        log = meetings(*[(d, 60) for d in days])
        r = mm.check_cycle(PAIR, log, "amcto", as_of="2027-02-10")
        ax = r.plot()
        image = ax.get_images()[0]
        grid = image.get_array()
        assert grid[0, :5].tolist() == [0, 1, 2, 3, 5]  # Sep..Jan: the counts themselves
        colour = [tuple(image.cmap(image.norm(x))) for x in (0, 1, 2, 3, 5)]
        assert len(set(colour[:4])) == 4  # a colour per count...
        assert colour[4] == colour[3]  # ...and 3 or more share the last
        assert image.cmap.N == 4
        bar = ax.figure.axes[-1]
        assert [t.get_text() for t in bar.get_yticklabels()] == ["0", "1", "2", "3+"]
        assert [float(t) for t in bar.get_yticks()] == [0.0, 1.0, 2.0, 3.0]
        plt.close(ax.figure)

    def test_without_matplotlib_the_error_names_the_extra(self, monkeypatch):
        r = mm.check_cycle(PAIR, meetings(("2026-09-10", 60)), "amcto", as_of="2026-10-01")
        for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
            monkeypatch.delitem(sys.modules, name)
        real_import = builtins.__import__

        def no_matplotlib(name, *args, **kwargs):
            if name == "matplotlib" or name.startswith("matplotlib."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", no_matplotlib)
        with pytest.raises(mm.MentormatchError, match=r'pip install "mentormatch\[plot\]"'):
            r.plot()


def test_nothing_is_lost_a_survey_for_a_pair_with_no_such_month():
    # a pair matched on 2027-04-10 has no March in its AMA cycle: its mid-program survey
    # row is listed, with why, not silently ignored
    p = PAIR.assign(matched_on="2027-04-10")
    ev = events(("mid_survey", "2027-04-20", "m1"))
    r = mm.check_cycle(p, meetings(("2027-04-12", 60)), "ama", as_of="2027-05-01", events=ev)
    assert unused(r) == [
        ("mid_survey", "2027-04-20", "no mid-program survey is due in the pair's cycle")
    ]
    assert np.all(r.violations["rule"] != "mid_survey")
