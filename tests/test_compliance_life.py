"""A pair's whole life in compliance (issue 21): ended pairs, re-matched pairs, forms
signed per person, late quarterly updates, each participant's hours, and the LTB
preset kept to its guide.

Each test quotes the seed line (shared/seeds/) the behaviour comes from; every
regression test here failed on the code before this change.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch import CycleRule, ProgramPolicy
from mentormatch.policies import AMA, AMCTO, LTB


def meet(pair: tuple[str, str], rows: list[tuple[str, float]], **extra: list) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {"mentor_id": pair[0], "mentee_id": pair[1], "date": d, "duration_minutes": m}
            for d, m in rows
        ],
        columns=["mentor_id", "mentee_id", "date", "duration_minutes"],
    )
    for col, values in extra.items():
        frame[col] = values
    return frame


def monthly(start: str, end: str, day: int = 10, minutes: float = 60) -> list[tuple[str, float]]:
    months = pd.period_range(start, end, freq="M")
    return [(str(p.to_timestamp().replace(day=day).date()), minutes) for p in months]


def ev(pair: tuple[str, str], *rows: tuple) -> pd.DataFrame:
    """Rows of (kind, date) or (kind, date, participant_id)."""
    return pd.DataFrame(
        [
            {
                "mentor_id": pair[0],
                "mentee_id": pair[1],
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


def only(policy: ProgramPolicy, *codes: str) -> ProgramPolicy:
    rules = tuple(r for r in policy.cycle.rules if r.code in codes)
    return replace(policy, cycle=replace(policy.cycle, rules=rules))


def not_checked(report: mm.ComplianceReport, rule: str) -> list[str]:
    nc = report.not_checked
    return list(nc.loc[nc["rule"] == rule, "reason"])


P1 = ("m1", "e1")

# ============================================================================ ended pairs


def test_withdrawn_pair_is_not_judged_after_its_end():
    # AMCTO guide: "We encourage you to try to meet at least twice before deciding to
    # either request a new match or withdraw from the program."
    pairs = pd.DataFrame(
        {
            "mentor_id": ["m1"],
            "mentee_id": ["e1"],
            "ended_on": ["2026-11-20"],
            "end_reason": ["withdrawn"],
        }
    )
    meetings = meet(P1, [("2026-09-10", 60), ("2026-10-10", 60), ("2027-02-01", 60)])
    pol = only(AMCTO, "max_gap", "monthly_meeting", "min_relationship_length", "monthly_hours")
    r = mm.check_cycle(pairs, meetings, pol, as_of="2027-07-31")
    # nothing after 2026-11-20: no gap running to June, no month after November,
    # no nine-month violation (the program accepted the withdrawal)
    assert r.violations.empty or (r.violations["period_end"] <= "2026-11-20").all()
    assert of(r, "min_relationship_length").empty
    assert of(r, "max_gap").empty  # 10 Oct -> 20 Nov is 41 days
    assert not_checked(r, "min_relationship_length") == [
        "1 pair ended early (withdrawn): the rule is judged at the cycle end, and the "
        "program accepted the end (ended_on, end_reason)"
    ]
    # the February meeting is after the end: listed, with the reason
    um = r.unused_meetings
    assert list(um["reason"]) == ["after the pair ended on 2026-11-20 (withdrawn)"]
    s = r.summary.iloc[0]
    assert str(s["end"].date()) == "2026-11-20" and s["end_reason"] == "withdrawn"
    assert str(s["ended_on"].date()) == "2026-11-20"


def test_withdrawn_pair_is_still_judged_before_its_end():
    # "Nothing is judged after the end": before it, every rule applies.
    pairs = pd.DataFrame(
        {"mentor_id": ["m1"], "mentee_id": ["e1"], "ended_on": ["2026-12-15"]}
        | {"end_reason": ["No-fault conclusion"]}
    )
    meetings = meet(P1, [("2026-09-10", 60), ("2026-11-10", 60)])
    r = mm.check_cycle(pairs, meetings, only(AMCTO, "monthly_meeting"), as_of="2027-07-31")
    v = of(r, "monthly_meeting")
    assert [str(d.date()) for d in v["period_start"]] == ["2026-10-01"]  # December not whole
    assert r.summary.loc[0, "end_reason"] == "no_fault"


def test_completed_pair_is_judged_at_its_end():
    # LTB guide: "When and how will you evaluate your mentoring relationship?"; AMCTO:
    # "The mentorship ends when either the agreed upon time commitment has been
    # reached or when the goals outlined have been met."
    pairs = pd.DataFrame(
        {
            "mentor_id": ["m1", "m2"],
            "mentee_id": ["e1", "e2"],
            "matched_on": ["2026-09-01", "2026-09-01"],
            "ended_on": ["2027-03-01", "2027-03-01"],
            "end_reason": ["goals_met", "withdrawn"],
        }
    )
    meetings = meet(P1, monthly("2026-09", "2027-02"))
    pol = only(LTB, "informal_assessment")
    r = mm.check_cycle(pairs, meetings, pol, as_of="2027-04-01", events=ev(P1))
    v = of(r, "informal_assessment")
    # the cycle would end 2027-08-31; the completed pair is judged at its own end
    assert list(v["mentor_id"]) == ["m1"]
    assert str(v.loc[0, "period_end"].date()) == "2027-03-01"
    assert not_checked(r, "informal_assessment") == [
        "1 pair ended early (withdrawn): the rule is judged at the cycle end, and the "
        "program accepted the end (ended_on, end_reason)"
    ]


def test_final_survey_of_a_completed_pair_is_due_after_its_end():
    # AMCTO guide: "Following the formal program end date, all participants will be
    # asked to complete a survey"; for a pair whose mentorship ended (goals met), the
    # survey follows its end.
    pairs = pd.DataFrame(
        {
            "mentor_id": ["m1"],
            "mentee_id": ["e1"],
            "ended_on": ["2027-03-31"],
            "end_reason": ["goals met"],
        }
    )
    events = ev(P1, ("final_survey", "2027-04-10", "m1"))
    r = mm.check_cycle(
        pairs, meet(P1, []), only(AMCTO, "final_survey"), as_of="2027-05-15", events=events
    )
    v = of(r, "final_survey")
    assert list(v["participant_id"]) == ["e1"]
    assert "due by 2027-04-30" in v.loc[0, "detail"]


@pytest.mark.parametrize(
    ("cells", "column", "value", "expected"),
    [
        ({"ended_on": ["2027-01-10"], "end_reason": ["bored"]}, "end_reason", "bored", "one of"),
        ({"ended_on": ["2027-01-10"], "end_reason": [None]}, "end_reason", None, "since ended_on"),
        ({"ended_on": [None], "end_reason": ["withdrawn"]}, "ended_on", None, "since end_reason"),
        ({"ended_on": ["someday"], "end_reason": ["withdrawn"]}, "ended_on", "someday", "a date"),
        (
            {"matched_on": ["2027-01-15"], "ended_on": ["2027-01-10"], "end_reason": ["removed"]},
            "ended_on",
            "2027-01-10",
            "on or after matched_on, 2027-01-15",
        ),
    ],
)
def test_end_columns_are_validated(cells, column, value, expected):
    pairs = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"], **cells})
    with pytest.raises(mm.LogError) as info:
        mm.check_cycle(pairs, meet(P1, []), "amcto", as_of="2027-03-01")
    p = info.value.problems
    hit = p[p["column"] == column]
    assert len(hit) == 1, p
    assert hit["row"].iloc[0] == 0
    assert (hit["value"].iloc[0] if value is not None else None) == value or pd.isna(
        hit["value"].iloc[0]
    )
    assert expected in hit["expected"].iloc[0]


def test_ended_before_the_cycle_start_is_a_problem():
    pairs = pd.DataFrame(
        {"mentor_id": ["m1"], "mentee_id": ["e1"], "ended_on": ["2026-08-20"]}
        | {"end_reason": ["withdrawn"]}
    )
    with pytest.raises(mm.LogError) as info:
        mm.check_cycle(pairs, meet(P1, []), "amcto", as_of="2027-03-01")
    p = info.value.problems
    assert list(p["column"]) == ["ended_on"]
    assert p["expected"].iloc[0] == "a date on or after the pair's cycle start, 2026-09-01"


def test_read_pairs_types_the_end_columns(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(
        "mentor_id,mentee_id,ended_on,end_reason\nm1,e1,2027-01-10,Goals Met\nm2,e2,,\n"
    )
    got = mm.read_pairs(path)
    assert list(got["end_reason"].astype(object).where(got["end_reason"].notna(), None)) == [
        "goals_met",
        None,
    ]
    assert str(got["ended_on"].iloc[0].date()) == "2027-01-10" and pd.isna(got["ended_on"].iloc[1])


@given(
    end_day=st.integers(0, 300),
    days=st.lists(st.integers(0, 300), max_size=12, unique=True),
    reason=st.sampled_from(["withdrawn", "removed", "rematched", "no_fault"]),
)
def test_nothing_is_judged_after_an_early_end(end_day, days, reason):
    # Property: for a pair that ended early, every violation lies on or before its end
    # (the oracle: the end date itself), and every meeting row is in exactly one of
    # report.meetings / report.unused_meetings, those after the end with the reason.
    start = pd.Timestamp("2026-09-01")
    ended = start + pd.Timedelta(days=end_day)
    pairs = pd.DataFrame(
        {"mentor_id": ["m1"], "mentee_id": ["e1"], "ended_on": [ended], "end_reason": [reason]}
    )
    rows = [(str((start + pd.Timedelta(days=d)).date()), 45) for d in days]
    meetings = meet(P1, rows)
    r = mm.check_cycle(pairs, meetings, "amcto", as_of="2027-07-31", events=ev(P1))
    assert (r.violations["period_end"] <= ended).all()
    assert (r.violations["period_start"] <= ended).all()
    assert len(r.meetings) + len(r.unused_meetings) == len(meetings)
    after = sum(start + pd.Timedelta(days=d) > ended for d in days)
    assert (r.unused_meetings["reason"].str.startswith("after the pair ended")).sum() == after


# ============================================================================ re-matched


def test_rematched_mentee_keeps_the_nine_months_over_both_pairs():
    # AMCTO guide: "parties are encouraged to connect with AMCTO staff so that a new
    # match can be made"; handbook: "you are committing to participate in the program
    # for the full nine months".
    pairs = pd.DataFrame(
        {
            "mentor_id": ["m1", "m2", "m2"],
            "mentee_id": ["e1", "e2", "e1"],
            "matched_on": [None, None, "2027-01-15"],
            "ended_on": ["2027-01-10", None, None],
            "end_reason": ["rematched", None, None],
        }
    )
    meetings = pd.concat(
        [
            meet(("m1", "e1"), monthly("2026-09", "2026-12")),
            meet(("m2", "e2"), monthly("2026-09", "2027-06")),
            meet(("m2", "e1"), monthly("2027-02", "2027-06", day=20)),
        ]
    )
    r = mm.check_cycle(pairs, meetings, only(AMCTO, "min_relationship_length"), as_of="2027-07-31")
    assert of(r, "min_relationship_length").empty  # was: "until 2027-10-15"
    assert r.summary["compliant"].all()
    # the pair's own window starts at its matched_on
    assert str(r.summary.loc[2, "start"].date()) == "2027-01-15"


def test_rematched_with_a_new_mentor_names_the_one_short_of_the_months():
    pairs = pd.DataFrame(
        {
            "mentor_id": ["m1", "m3"],
            "mentee_id": ["e1", "e1"],
            "matched_on": [None, "2027-01-15"],
            "ended_on": ["2027-01-10", None],
            "end_reason": ["rematched", None],
        }
    )
    meetings = pd.concat(
        [
            meet(("m1", "e1"), monthly("2026-09", "2026-12")),
            meet(("m3", "e1"), monthly("2027-02", "2027-06", day=20)),
        ]
    )
    r = mm.check_cycle(pairs, meetings, only(AMCTO, "min_relationship_length"), as_of="2027-07-31")
    v = of(r, "min_relationship_length")
    assert list(v["participant_id"]) == ["m3"]  # the mentee's time: 2026-09-01 -> 2027-06-20
    assert "2027-10-15" in v.loc[0, "detail"]
    # measure="pair": the pair's own time, as before
    pol = only(AMCTO, "min_relationship_length")
    rule = replace(pol.cycle.rules[0], params={"months": 9, "measure": "pair"}, description="")
    r = mm.check_cycle(
        pairs, meetings, replace(pol, cycle=replace(pol.cycle, rules=(rule,))), as_of="2027-07-31"
    )
    v = of(r, "min_relationship_length")
    assert len(v) == 1 and pd.isna(v.loc[0, "participant_id"])


def test_one_pair_per_person_reports_the_relationship_once():
    # measure="person" with nobody re-matched: one violation per pair, as before.
    meetings = meet(P1, monthly("2026-09", "2027-02"))
    r = mm.check_cycle(
        pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]}),
        meetings,
        only(AMCTO, "min_relationship_length"),
        as_of="2027-07-31",
    )
    v = of(r, "min_relationship_length")
    assert len(v) == 1 and pd.isna(v.loc[0, "participant_id"])
    assert "until 2027-06-01" in v.loc[0, "detail"]


# ============================================================================ forms per person


def test_each_party_signs_the_agreement():
    # AMCTO guide: "Prior to participation in the program, each party will be required
    # to review and sign-off on a mentorship agreement."
    pairs = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]})
    meetings = meet(P1, [("2026-09-15", 60)])
    events = ev(
        P1,
        ("agreement_signed", "2026-09-10", "m1"),  # the mentor's signature only
        ("confidentiality_signed", "2026-09-10"),  # no participant: both signed this copy
    )
    r = mm.check_cycle(
        pairs, meetings, only(AMCTO, "forms_signed"), as_of="2026-10-01", events=events
    )
    v = of(r, "forms_signed")
    assert list(v["participant_id"]) == ["e1"]
    assert v.loc[0, "detail"] == (
        "The mentee has not signed the mentorship agreement; it was due on or before the "
        "first meeting on 2026-09-15."
    )


def test_forms_without_participant_ids_count_for_both():
    # A table without participant_id (the events tables of before): each row is a copy
    # both parties signed.
    pairs = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]})
    events = ev(P1, ("agreement_signed", "2026-09-10"), ("confidentiality_signed", "2026-09-10"))
    events = events.drop(columns="participant_id")
    r = mm.check_cycle(
        pairs, meet(P1, [("2026-09-15", 60)]), only(AMCTO, "forms_signed"),
        as_of="2026-10-01", events=events,
    )  # fmt: skip
    assert of(r, "forms_signed").empty


def test_each_party_late_is_one_sentence_per_party():
    pairs = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]})
    events = ev(
        P1,
        ("agreement_signed", "2026-09-10", "m1"),
        ("agreement_signed", "2026-09-20", "e1"),
        ("confidentiality_signed", "2026-09-10"),
    )
    r = mm.check_cycle(
        pairs, meet(P1, [("2026-09-15", 60)]), only(AMCTO, "forms_signed"),
        as_of="2026-10-01", events=events,
    )  # fmt: skip
    v = of(r, "forms_signed")
    assert list(v["participant_id"]) == ["e1"]
    assert v.loc[0, "detail"].startswith("The mentee signed the mentorship agreement on 2026-09-20")


# ============================================================================ quarterly


def test_a_late_quarterly_update_is_late_for_its_own_period():
    # AMA: "These will be emailed to the Program Coordinator ... on the first business
    # day of each of the following months: January, April, July"
    pairs = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]})
    events = ev(P1, ("quarterly_update", "2027-02-20"))
    r = mm.check_cycle(
        pairs, meet(P1, []), only(AMA, "quarterly_update"), as_of="2027-05-01", events=events
    )
    v = of(r, "quarterly_update")
    assert list(v["detail"]) == [
        "The quarterly update due on 2027-01-04 (the first business day of January 2027) was "
        "submitted on 2027-02-20, 47 days after it was due.",
        "No quarterly update was submitted for 2027-04-01 (the first business day of April 2027).",
    ]


def test_late_then_on_time_updates_each_find_their_period():
    pairs = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]})
    events = ev(P1, ("quarterly_update", "2027-02-20"), ("quarterly_update", "2027-03-30"))
    r = mm.check_cycle(
        pairs, meet(P1, []), only(AMA, "quarterly_update"), as_of="2027-05-01", events=events
    )
    v = of(r, "quarterly_update")
    assert len(v) == 1 and "due on 2027-01-04" in v.loc[0, "detail"]
    # on time for January: February's update is then early for April
    events = ev(P1, ("quarterly_update", "2027-01-02"), ("quarterly_update", "2027-02-20"))
    r = mm.check_cycle(
        pairs, meet(P1, []), only(AMA, "quarterly_update"), as_of="2027-05-01", events=events
    )
    assert of(r, "quarterly_update").empty


# ============================================================================ hours


def test_hours_per_participant_verified_and_not():
    # AMCTO guide: "you must maintain your own log of the actual time spent with your
    # mentee/mentor. You must also ensure that you and your mentee/mentor are in
    # agreement as to the time that you have spent together."
    pairs = pd.DataFrame({"mentor_id": ["m1", "m1"], "mentee_id": ["e1", "e2"]})
    rows = [
        # (pair, date, minutes, reported_by)
        (("m1", "e1"), "2026-09-10", 60, "m1"),
        (("m1", "e1"), "2026-09-10", 60, "e1"),  # agreed: 60 verified each
        (("m1", "e1"), "2026-10-10", 90, "m1"),
        (("m1", "e1"), "2026-10-10", 45, "e1"),  # disagree: unverified both
        (("m1", "e1"), "2026-11-10", 30, "m1"),  # only the mentor logged it
        (("m1", "e2"), "2026-09-12", 50, "m1"),
        (("m1", "e2"), "2026-09-12", 50, "e2"),  # agreed
    ]
    meetings = pd.concat(
        [meet(p, [(d, m)], reported_by=[who]) for p, d, m, who in rows], ignore_index=True
    )
    r = mm.check_cycle(pairs, meetings, "amcto", as_of="2027-07-31")
    h = r.hours.set_index("participant_id")
    # independent oracle: the sums above
    assert list(r.hours["participant_id"]) == ["m1", "e1", "e2"]
    assert h.loc["m1", "pairs"] == 2 and h.loc["m1", "meetings"] == 4
    assert h.loc["m1", "verified_meetings"] == 2
    assert h.loc["m1", "logged_hours"] == round((60 + 90 + 30 + 50) / 60, 2)
    assert h.loc["m1", "verified_hours"] == round((60 + 50) / 60, 2)
    assert h.loc["m1", "unverified_hours"] == round((90 + 30) / 60, 2)
    assert h.loc["e1", "verified_hours"] == 1.0 and h.loc["e1", "unverified_hours"] == 0.75
    assert h.loc["e2", "verified_hours"] == round(50 / 60, 2)
    assert list(r.hours["role"]) == ["mentor", "mentee", "mentee"]


def test_hours_within_the_tolerance_are_verified_at_the_smaller_time():
    pol = AMCTO
    rules = tuple(
        replace(r, params={"tolerance_minutes": 10}, description="")
        if r.code == "log_agreement"
        else r
        for r in pol.cycle.rules
    )
    pol = replace(pol, cycle=replace(pol.cycle, rules=rules))
    meetings = pd.concat(
        [
            meet(P1, [("2026-09-10", 60)], reported_by=["m1"]),
            meet(P1, [("2026-09-10", 55)], reported_by=["e1"]),
        ]
    )
    r = mm.check_cycle(pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]}), meetings, pol,
                       as_of="2026-12-01")  # fmt: skip
    h = r.hours.set_index("participant_id")
    assert h.loc["m1", "verified_hours"] == round(55 / 60, 2)
    assert h.loc["m1", "unverified_hours"] == round(5 / 60, 2)
    assert h.loc["e1", "unverified_hours"] == 0


def test_hours_of_a_single_log_are_unverified():
    meetings = meet(P1, [("2026-09-10", 60), ("2026-10-10", 30)])
    r = mm.check_cycle(pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]}), meetings,
                       "amcto", as_of="2026-12-01")  # fmt: skip
    h = r.hours.set_index("participant_id")
    assert h["logged_hours"].tolist() == [1.5, 1.5]
    assert h["verified_hours"].tolist() == [0, 0]
    assert h["unverified_hours"].tolist() == [1.5, 1.5]


# ============================================================================ LTB


def test_ltb_agreement_and_plan_have_no_dates_the_guide_does_not_give():
    # LTB guide: "Action Plan Item # 1: Complete the Mentorship Agreement ... Send a
    # signed copy to the LTB Mentorship Committee"; "Action Plan Item # 2: Develop a
    # Plan" (no date in either).
    pairs = pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"], "matched_on": ["2026-09-15"]})
    meetings = meet(P1, monthly("2026-09", "2027-08", day=20))
    events = ev(
        P1,
        ("agreement_signed", "2026-11-02"),  # after the first meeting: fine
        ("plan_submitted", "2027-01-10"),  # in month 4: fine
        ("informal_assessment", "2027-06-01"),
    )
    r = mm.check_cycle(pairs, meetings, "ltb", as_of="2027-10-01", events=events)
    assert r.violations.empty, r.violations["detail"].tolist()
    # never sent: judged at the end of the pair's year
    r = mm.check_cycle(pairs, meetings, "ltb", as_of="2027-10-01", events=events.iloc[2:])
    v = of(r, "forms_signed")
    assert list(v["detail"]) == [
        "No signed mentorship agreement is on file; it was due by the end of the cycle on "
        "2027-09-14."
    ]
    assert list(of(r, "plan_submitted")["detail"]) == [
        "No mentorship plan has been submitted; it was due by 2027-09-14."
    ]
    # before the end: upcoming, not violated
    r = mm.check_cycle(pairs, meetings.iloc[:2], "ltb", as_of="2026-12-01", events=events.iloc[2:])
    assert of(r, "forms_signed").empty and of(r, "plan_submitted").empty
    up = r.upcoming(days=400)
    assert set(up["rule"]) >= {"forms_signed", "plan_submitted"}


def test_deadlines_are_options():
    # The dates are options: a program that wants them sets them.
    rule = CycleRule(code="forms_signed", params={"due": "first_meeting"})
    assert (
        rule.description
        == "The mentorship agreement is signed by the pair on or before the first meeting."
    )
    rule = CycleRule(code="plan_submitted", params={"due": "within_months", "within_months": 2})
    assert (
        rule.description
        == "The mentorship plan is submitted within the first 2 months of the cycle."
    )
    with pytest.raises(mm.PolicyError, match="'first_meeting', 'cycle_end'"):
        CycleRule(code="forms_signed", params={"due": "soon"})
    with pytest.raises(mm.PolicyError, match="true or false"):
        CycleRule(code="forms_signed", params={"each_participant": "yes"})


def test_presets_round_trip_the_new_settings(tmp_path):
    for pol in (AMCTO, LTB):
        path = tmp_path / "p.toml"
        pol.to_toml(path)
        back = ProgramPolicy.from_toml(path)
        assert [dict(r.params) for r in back.cycle.rules] == [
            dict(r.params) for r in pol.cycle.rules
        ]


def test_hours_table_is_empty_but_typed_without_meetings():
    r = mm.check_cycle(pd.DataFrame({"mentor_id": ["m1"], "mentee_id": ["e1"]}), meet(P1, []),
                       "amcto", as_of="2026-12-01")  # fmt: skip
    assert list(r.hours["logged_hours"]) == [0.0, 0.0]
    assert r.hours["meetings"].dtype == np.int64
