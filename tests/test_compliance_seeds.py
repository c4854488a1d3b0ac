"""Compliance true to the seed documents (shared/seeds/): submission windows, the two
logs reconciled meeting by meeting, statutory holidays, rule sentences that follow
their parameters, and the heat map.

Each test quotes the seed line the rule comes from. Every test here failed on the
code before this change (issue 15).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import replace

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
