"""Properties of check_cycle on generated logs (Hypothesis).

* A log made with ``lapse_rate=0`` keeps every rule: no violation, nothing unused.
* Deleting one meeting from such a log gives exactly the gap and month
  violations the deletion creates, worked out here by a plain reference
  implementation (Python dates, one pair at a time).
* Shuffling the rows of the meetings and events tables changes nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch import ProgramPolicy


def variant(base: str, rules: list[dict], **cycle: object) -> ProgramPolicy:
    return ProgramPolicy.from_dict(
        {"base": base, "name": f"{base} variant", "cycle": {"rules": rules, **cycle}}
    )


_POLICIES = [
    mm.policies.AMCTO,
    mm.policies.AMA,
    mm.policies.CMA3,
    mm.policies.LTB,
    variant("amcto", [{"code": "max_gap", "max_days": 35}]),  # "5 weeks"
    variant(
        "amcto", [{"code": "max_gap", "max_days": 14}, {"code": "monthly_hours", "max_hours": 6}]
    ),
    variant("amcto", [{"code": "monthly_meeting", "min_meetings": 2}]),
    variant(
        "ama",
        [
            {"code": "quarterly_update", "business_day": 3, "months": [1, 4, 7, 10]},
            {"code": "meeting_duration", "min_minutes": 35, "max_minutes": 40},
        ],
    ),
    variant(
        "3cma",
        [{"code": "monthly_meeting", "min_meetings": 3}, {"code": "max_gap", "max_days": 20}],
    ),
    variant(
        "ltb",
        [
            {"code": "informal_assessment", "max_interval_months": 2, "min_count": 3},
            {"code": "final_survey", "within_days_after_end": 14},
            {"code": "mid_survey", "month": 3},
        ],
    ),
    variant(
        "amcto",
        [
            {"code": "in_person_meeting", "min_count": 2},
            {"code": "first_contact", "within_days": 10},
            {"code": "plan_submitted", "within_months": 2},
            {"code": "quarterly_update"},
        ],
    ),
]
#: By a short name, so that a failing example reads "amcto+gap35", not a whole policy.
POLICIES = {
    name: policy
    for name, policy in zip(
        [
            "amcto",
            "ama",
            "3cma",
            "ltb",
            "amcto+gap35",
            "amcto+gap14",
            "amcto+twice",
            "ama+updates",
            "3cma+thrice",
            "ltb+assessments",
            "amcto+more",
        ],
        _POLICIES,
        strict=True,
    )
}
MEETING_RULES = ("max_gap", "monthly_meeting", "monthly_hours")

DAY0 = dt.date(2026, 6, 1)


@st.composite
def scenarios(draw):
    policy = POLICIES[draw(st.sampled_from(sorted(POLICIES)))]
    n = draw(st.integers(1, 8))
    as_of = DAY0 + dt.timedelta(days=draw(st.integers(0, 900)))
    pairs = pd.DataFrame(
        {"mentor_id": [f"m{i}" for i in range(n)], "mentee_id": [f"e{i}" for i in range(n)]}
    )
    if policy.cycle.rolling:
        back = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
        pairs["matched_on"] = [str(as_of - dt.timedelta(days=b)) for b in back]
    elif draw(st.booleans()):  # assignment dates in the weeks before the cycle starts
        start_month = policy.cycle.start_month
        year = as_of.year if as_of.month >= start_month else as_of.year - 1
        back = draw(st.lists(st.integers(1, 25), min_size=n, max_size=n))
        start = dt.date(year, start_month, 1)
        pairs["matched_on"] = [str(start - dt.timedelta(days=b)) for b in back]
    seed = draw(st.integers(0, 2**31 - 1))
    return policy, pairs, str(as_of), seed


# --------------------------------------------------------------------------- reference


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def reference_violations(
    policy: ProgramPolicy, report: mm.ComplianceReport, meetings: pd.DataFrame, as_of: str
) -> Counter:
    """The max_gap / monthly_meeting / monthly_hours violations, one pair at a time."""
    day = dt.date.fromisoformat(as_of)
    gap = policy.cycle.rule("max_gap")
    per_month = policy.cycle.rule("monthly_meeting")
    hours = policy.cycle.rule("monthly_hours")
    out: Counter = Counter()
    for pair in report.summary.itertuples():
        start = pair.start.date()
        end = None if pd.isna(pair.end) else pair.end.date()
        if start > day:
            continue
        mine = meetings[(meetings["mentor_id"] == pair.mentor_id)]
        dates = [pd.Timestamp(d).date() for d in mine["date"]]
        minutes = list(mine["duration_minutes"])
        used = sorted(
            (d, m)
            for d, m in zip(dates, minutes, strict=True)
            if start <= d <= day and (end is None or d <= end)
        )
        horizon = day if end is None else min(day, end)
        if gap is not None:
            prev = start
            for d, _ in used:
                if (d - prev).days > gap["max_days"]:
                    out["max_gap", pair.mentor_id, prev, d] += 1
                prev = d
            if (horizon - prev).days > gap["max_days"]:
                out["max_gap", pair.mentor_id, prev, horizon] += 1
        y, m = start.year, start.month
        while True:
            first, last = dt.date(y, m, 1), _month_end(y, m)
            if last >= day or (end is not None and last > end):
                break
            if first >= start:
                inside = [mins for d, mins in used if first <= d <= last]
                if per_month is not None and len(inside) < per_month["min_meetings"]:
                    out["monthly_meeting", pair.mentor_id, first, last] += 1
                if hours is not None:
                    lo, hi = hours["min_hours"], hours["max_hours"]
                    if lo is not None and sum(inside) < lo * 60:
                        out["monthly_hours", pair.mentor_id, first, last] += 1
                    if hi is not None and sum(inside) > hi * 60:
                        out["monthly_hours", pair.mentor_id, first, last] += 1
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def reported(report: mm.ComplianceReport, rules: tuple[str, ...]) -> Counter:
    v = report.violations
    v = v[v["rule"].isin(rules)]
    return Counter(
        (r.rule, r.mentor_id, r.period_start.date(), r.period_end.date())
        for r in v.itertuples(index=False)
    )


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.sampled_from([None, False, True]))
def test_a_log_that_keeps_every_rule_has_no_violation(scenario, two_sided):
    policy, pairs, as_of, seed = scenario
    meetings, events = mm.datasets.make_cycle_logs(
        pairs, policy, as_of=as_of, seed=seed, lapse_rate=0, two_sided=two_sided
    )
    report = mm.check_cycle(pairs, meetings, policy, as_of=as_of, events=events)
    assert report.violations.empty, report.violations[["rule", "detail"]].head().to_string()
    assert report.unused_meetings.empty
    assert report.unused_events.empty
    assert report.ok
    assert report.summary["compliant"].all()
    for rule, reason in zip(report.not_checked["rule"], report.not_checked["reason"], strict=True):
        # not judged only for want of an end date, or of both sides' logs when asked for one
        assert "open-ended" in reason or (rule == "log_agreement" and two_sided is False)


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.integers(0, 10**6))
def test_deleting_one_meeting_gives_exactly_the_gap_and_month_violations(scenario, pick):
    policy, pairs, as_of, seed = scenario
    meetings, events = mm.datasets.make_cycle_logs(
        pairs, policy, as_of=as_of, seed=seed, lapse_rate=0, two_sided=False
    )
    before = mm.check_cycle(pairs, meetings, policy, as_of=as_of, events=events)
    assert reported(before, MEETING_RULES) == Counter()
    assert reference_violations(policy, before, meetings, as_of) == Counter()
    if meetings.empty:
        return
    gone = meetings.index[pick % len(meetings)]
    fewer = meetings.drop(index=gone)
    after = mm.check_cycle(pairs, fewer, policy, as_of=as_of, events=events)
    assert reported(after, MEETING_RULES) == reference_violations(policy, after, fewer, as_of)
    # ...and nothing else, but what hangs on that one meeting, for that one pair
    v = after.violations
    assert (v["mentor_id"] == meetings.loc[gone, "mentor_id"]).all()
    assert set(v["rule"]) - set(MEETING_RULES) <= {
        "min_relationship_length",  # it was the last meeting
        "in_person_meeting",  # it was an in-person one
        "first_contact",  # it was the first contact
    }


@settings(max_examples=40, deadline=None)
@given(
    scenarios(),
    st.sampled_from([0.1, 0.4, 1.0]),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_shuffling_rows_changes_nothing(scenario, lapse_rate, two_sided, rnd):
    policy, pairs, as_of, seed = scenario
    meetings, events = mm.datasets.make_cycle_logs(
        pairs, policy, as_of=as_of, seed=seed, lapse_rate=lapse_rate, two_sided=two_sided
    )
    report = mm.check_cycle(pairs, meetings, policy, as_of=as_of, events=events)
    m_order = list(range(len(meetings)))
    e_order = list(range(len(events)))
    rnd.shuffle(m_order)
    rnd.shuffle(e_order)
    shuffled = mm.check_cycle(
        pairs,
        meetings.iloc[m_order].reset_index(drop=True),
        policy,
        as_of=as_of,
        events=events.iloc[e_order].reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(report.violations, shuffled.violations)
    pd.testing.assert_frame_equal(report.summary, shuffled.summary)
    pd.testing.assert_frame_equal(report.upcoming(days=400), shuffled.upcoming(days=400))
    pd.testing.assert_frame_equal(report.not_checked, shuffled.not_checked)
    # the same input rows are unused, for the same reasons
    back = shuffled.unused_meetings.assign(
        row=np.asarray(m_order, dtype=np.int64)[shuffled.unused_meetings["row"].to_numpy()]
    )
    pd.testing.assert_frame_equal(
        report.unused_meetings.sort_values("row", ignore_index=True),
        back.sort_values("row", ignore_index=True),
    )
    back = shuffled.unused_events.assign(
        row=np.asarray(e_order, dtype=np.int64)[shuffled.unused_events["row"].to_numpy()]
    )
    pd.testing.assert_frame_equal(
        report.unused_events.sort_values("row", ignore_index=True),
        back.sort_values("row", ignore_index=True),
    )
    to_old = np.asarray(m_order, dtype=np.int64)
    partner = shuffled.meetings["reconciled_with"]
    back = shuffled.meetings.assign(
        row=to_old[shuffled.meetings["row"].to_numpy()],
        reconciled_with=partner.map(lambda r: to_old[r], na_action="ignore").astype("Int64"),
    )
    pd.testing.assert_frame_equal(
        report.meetings.sort_values("row", ignore_index=True),
        back.sort_values("row", ignore_index=True),
    )
    # every meeting row is used or reported, exactly once
    rows = sorted(report.meetings["row"].tolist() + report.unused_meetings["row"].tolist())
    assert rows == list(range(len(meetings)))
    assert report.summary["meetings"].sum() == report.meetings["counted"].sum()
