"""ComplianceReport and check_cycle as a whole: cycle defaults, tables, display, logs."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import mentormatch as mm
import mentormatch.compliance as compliance
from mentormatch.compliance import _check, _report
from mentormatch.datasets import _logs as dataset_logs


def pairs_table(n: int, matched_on: list[str] | None = None) -> pd.DataFrame:
    out = pd.DataFrame(
        {"mentor_id": [f"m{i}" for i in range(n)], "mentee_id": [f"e{i}" for i in range(n)]}
    )
    if matched_on is not None:
        out["matched_on"] = matched_on
    return out


EMPTY = pd.DataFrame(columns=["mentor_id", "mentee_id", "date", "duration_minutes"])
EMPTY_EVENTS = pd.DataFrame(columns=["mentor_id", "mentee_id", "kind", "date", "participant_id"])


# --------------------------------------------------------------------------- cycle defaults


@pytest.mark.parametrize(
    ("policy", "as_of", "start", "end"),
    [
        ("amcto", "2027-03-15", "2026-09-01", "2027-06-30"),
        ("amcto", "2027-08-10", "2026-09-01", "2027-06-30"),  # after the end: the cycle just run
        ("amcto", "2027-09-01", "2027-09-01", "2028-06-30"),
        ("ama", "2026-10-01", "2026-10-01", "2027-08-31"),
        ("ama", "2027-09-15", "2026-10-01", "2027-08-31"),
    ],
)
def test_fixed_cycle_defaults_from_the_policy_and_as_of(policy, as_of, start, end):
    report = mm.check_cycle(pairs_table(1), EMPTY, policy, as_of=as_of)
    assert (str(report.start.date()), str(report.end.date())) == (start, end)
    assert list(report.summary["start"].dt.date.astype(str)) == [start]
    assert list(report.summary["end"].dt.date.astype(str)) == [end]


def test_start_or_end_alone():
    r = mm.check_cycle(pairs_table(1), EMPTY, "amcto", start="2026-09-15", as_of="2026-10-01")
    assert str(r.end.date()) == "2027-06-30"
    r = mm.check_cycle(pairs_table(1), EMPTY, "ama", end="2027-08-31", as_of="2026-10-01")
    assert str(r.start.date()) == "2026-10-01"


def test_rolling_cycles_per_pair():
    pairs = pairs_table(2, matched_on=["2026-09-15", "2027-01-31"])
    ltb = mm.check_cycle(pairs, EMPTY, "ltb", as_of="2027-02-01")
    assert ltb.start is None and ltb.end is None
    assert list(ltb.summary["end"].dt.date.astype(str)) == ["2027-09-14", "2028-01-30"]
    cma = mm.check_cycle(pairs, EMPTY, "3cma", as_of="2027-02-01")
    assert cma.summary["end"].isna().all()  # open-ended
    assert list(cma.summary["start"].dt.date.astype(str)) == ["2026-09-15", "2027-01-31"]


def test_a_pair_matched_late_starts_on_its_matched_on():
    pairs = pairs_table(2, matched_on=["2026-08-20", "2026-10-15"])
    r = mm.check_cycle(pairs, EMPTY, "amcto", as_of="2026-10-20")
    assert list(r.summary["start"].dt.date.astype(str)) == ["2026-09-01", "2026-10-15"]


def test_as_of_defaults_to_today():
    report = mm.check_cycle(pairs_table(1), EMPTY, "amcto")
    assert report.as_of == pd.Timestamp.today().normalize()


def test_pairs_may_be_a_match_result():
    class Result:
        pairs = pd.DataFrame({"mentee_id": ["e0"], "mentor_id": ["m0"], "score": [0.5]})

    report = mm.check_cycle(Result(), EMPTY, "amcto", as_of="2026-10-01")
    assert list(report.summary["mentor_id"]) == ["m0"]


# --------------------------------------------------------------------------- tables


def sample_report() -> mm.ComplianceReport:
    pairs = pairs_table(3)
    meetings = pd.DataFrame(
        {
            "mentor_id": ["m0", "m0", "m0", "m0", "m1", "m0", "m0"],
            "mentee_id": ["e0", "e0", "e0", "e0", "e1", "e0", "e0"],
            "date": [
                "2026-08-25",  # before the cycle
                "2026-09-10",
                "2026-10-10",
                "2026-11-12",
                "2026-09-10",
                "2027-01-20",  # after as_of
                "2026-10-20",
            ],
            "duration_minutes": [60, 60, 20, 60, 60, 60, 60],
        }
    )
    events = pd.DataFrame(
        {
            "mentor_id": ["m0", "m0", "m0"],
            "mentee_id": ["e0", "e0", "e0"],
            "kind": ["agreement_signed", "quarterly_update", "agreement_signed"],
            "date": ["2026-09-01", "2026-10-01", "2027-02-01"],
        }
    )
    return mm.check_cycle(pairs, meetings, "amcto", as_of="2026-12-15", events=events)


def test_violation_table_columns_and_types():
    v = sample_report().violations
    assert list(v.columns) == [
        "mentor_id",
        "mentee_id",
        "rule",
        "severity",
        "period_start",
        "period_end",
        "detail",
        "participant_id",
    ]
    assert v["period_start"].dtype.kind == "M" and v["period_end"].dtype.kind == "M"
    assert (v["period_start"] <= v["period_end"]).all()
    assert set(v["severity"]) <= {"required", "recommended"}
    assert v["detail"].str.endswith(".").all()


def test_summary_one_row_per_pair():
    r = sample_report()
    s = r.summary
    assert list(s.columns[:8]) == [
        "mentor_id",
        "mentee_id",
        "meetings",
        "hours",
        "longest_gap_days",
        "required_violations",
        "recommended_violations",
        "compliant",
    ]
    assert list(s["mentor_id"]) == ["m0", "m1", "m2"]
    assert list(s["meetings"]) == [4, 1, 0]
    assert list(s["hours"]) == [pytest.approx(200 / 60, abs=0.01), 1.0, 0.0]
    # m0: Nov 12 to as_of Dec 15 = 33; m1: Sep 10 to Dec 15 = 96; m2: Sep 1 to Dec 15 = 105
    assert list(s["longest_gap_days"]) == [33, 96, 105]
    v = r.violations
    for row in s.itertuples():
        mine = v[v["mentor_id"] == row.mentor_id]
        assert row.required_violations == (mine["severity"] == "required").sum()
        assert row.recommended_violations == (mine["severity"] == "recommended").sum()
        assert row.compliant == (row.required_violations == 0)
    assert r.ok is False
    assert bool(s["compliant"].all()) is r.ok


def test_every_meeting_row_is_used_or_reported():
    r = sample_report()
    assert sorted(r.meetings["row"].tolist() + r.unused_meetings["row"].tolist()) == list(range(7))
    reasons = dict(zip(r.unused_meetings["row"], r.unused_meetings["reason"], strict=True))
    assert reasons == {
        0: "before the pair's cycle start (2026-09-01)",
        5: "after as_of (2026-12-15)",
    }
    assert r.meetings["counted"].all()


def test_meeting_after_the_cycle_end_is_reported():
    m = pd.DataFrame(
        {"mentor_id": ["m0"], "mentee_id": ["e0"], "date": ["2027-07-05"], "duration_minutes": [60]}
    )
    r = mm.check_cycle(pairs_table(1), m, "amcto", as_of="2027-08-01")
    assert list(r.unused_meetings["reason"]) == ["after the pair's cycle end (2027-06-30)"]
    assert r.summary.loc[0, "meetings"] == 0


def test_unused_events_with_reasons():
    r = sample_report()
    reasons = dict(zip(r.unused_events["row"], r.unused_events["reason"], strict=True))
    assert reasons == {
        1: "the AMCTO Mentorship Program policy has no rule that uses 'quarterly_update'",
        2: "after as_of (2026-12-15)",
    }


def test_upcoming_lists_what_is_due_next():
    r = sample_report()
    soon = r.upcoming(days=30)
    assert list(soon.columns) == [
        "mentor_id",
        "mentee_id",
        "participant_id",
        "rule",
        "severity",
        "due",
        "action",
    ]
    assert (soon["due"] >= r.as_of).all()
    assert (soon["due"] <= r.as_of + pd.Timedelta(days=30)).all()
    assert soon["due"].is_monotonic_increasing
    m0 = soon[(soon["mentor_id"] == "m0") & (soon["rule"] == "max_gap")]
    assert list(m0["action"]) == [
        "Meet by 2026-12-24: at most 42 days may pass between meetings (last met 2026-11-12)."
    ]
    assert len(r.upcoming(days=0)) <= len(soon) <= len(r.upcoming(days=365))
    message = (
        "The 'days' parameter of ComplianceReport.upcoming must be an int >= 0. Got -1 instead."
    )
    with pytest.raises(mm.ParameterError, match=f"^{re.escape(message)}$"):
        r.upcoming(days=-1)


def test_display():
    r = sample_report()
    html = r._repr_html_()
    assert "AMCTO Mentorship Program" in html and "<table" in html and "max_gap" in html
    assert "3 pairs" in repr(r)
    counts = r.counts()
    assert list(counts["rule"]) == [rule.code for rule in mm.policies.AMCTO.cycle.rules]
    assert counts["violations"].sum() == len(r.violations)


def test_plot_heat_map():
    import matplotlib.pyplot as plt

    r = sample_report()
    ax = r.plot()
    assert ax.get_images()[0].get_array().shape == (3, 10)  # 3 pairs x Sep..Jun
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["m1 / e1", "m0 / e0", "m2 / e2"]  # most required violations first
    plt.close(ax.figure)
    ax = r.plot(max_pairs=1)
    assert ax.get_images()[0].get_array().shape[0] == 1
    plt.close(ax.figure)
    with pytest.raises(mm.ParameterError):
        r.plot(max_pairs=0)


def test_plot_cells_count_meetings_and_every_violation_is_marked():
    import matplotlib.pyplot as plt

    # met on the 10th of every month; no forms, no survey: the final surveys, due
    # 2027-07-30 (after the June end), are marked in a July column
    dates = pd.period_range("2026-09", "2027-06", freq="M").to_timestamp() + pd.Timedelta(days=9)
    m = pd.DataFrame({"mentor_id": "m0", "mentee_id": "e0", "date": dates, "duration_minutes": 60})
    r = mm.check_cycle(pairs_table(1), m, "amcto", as_of="2027-08-15", events=EMPTY_EVENTS)
    assert sorted(r.violations["rule"]) == ["final_survey"] * 2 + ["forms_signed"] * 2 + [
        "informal_assessment"
    ]
    ax = r.plot()
    grid = ax.get_images()[0].get_array()
    assert grid.shape == (1, 11)  # Sep..Jun and July
    assert grid[0, :10].tolist() == [1.0] * 10 and bool(np.ma.getmaskarray(grid)[0, 10])
    marked = sum(len(c.get_offsets()) for c in ax.collections)
    assert marked == len(r.violations)
    plt.close(ax.figure)


def test_compliance_and_matplotlib_are_imported_on_first_use():
    code = (
        "import sys, pandas as pd, mentormatch as mm\n"
        "assert 'mentormatch.compliance' not in sys.modules\n"
        "p = pd.DataFrame({'mentor_id': ['a'], 'mentee_id': ['b']})\n"
        "r = mm.check_cycle(p, [], 'amcto', as_of='2026-10-01')\n"
        "r._repr_html_()\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- make_cycle_logs


def test_make_cycle_logs_is_deterministic_and_follows_as_of():
    pairs = pairs_table(20)
    a = mm.datasets.make_cycle_logs(pairs, "amcto", as_of="2027-03-15", seed=3)
    b = mm.datasets.make_cycle_logs(pairs, "amcto", as_of="2027-03-15", seed=3)
    c = mm.datasets.make_cycle_logs(pairs, "amcto", as_of="2027-03-15", seed=4)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[0].equals(c[0])
    meetings, events = a
    assert list(meetings.columns) == [
        "mentor_id",
        "mentee_id",
        "date",
        "duration_minutes",
        "mode",
        "reported_by",  # AMCTO has log_agreement: each side keeps a log
    ]
    assert list(events.columns) == ["mentor_id", "mentee_id", "kind", "date", "participant_id"]
    assert meetings["date"].max() <= pd.Timestamp("2027-03-15")
    assert events["date"].max() <= pd.Timestamp("2027-03-15")


def test_make_cycle_logs_lapses_are_realistic():
    pairs = pairs_table(200)
    meetings, events = mm.datasets.make_cycle_logs(pairs, "ama", as_of="2027-09-15", seed=0)
    r = mm.check_cycle(pairs, meetings, "ama", as_of="2027-09-15", events=events)
    share = 1 - r.summary["compliant"].mean()
    assert 0.2 < share < 0.9  # some pairs keep every rule, many slip somewhere
    assert set(r.violations["rule"]) == {rule.code for rule in mm.policies.AMA.cycle.rules}
    per_pair = r.summary["meetings"]
    assert 7 <= per_pair.median() <= 14  # about once a month, October to August
    clean = mm.datasets.make_cycle_logs(pairs, "ama", as_of="2027-09-15", seed=0, lapse_rate=0)
    r0 = mm.check_cycle(pairs, clean[0], "ama", as_of="2027-09-15", events=clean[1])
    assert r0.violations.empty and r0.not_checked.empty


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lapse_rate": 1.5}, "lapse_rate"),
        ({"seed": "x"}, "seed"),
        ({"as_of": "soon"}, "as_of"),
        ({"two_sided": "yes"}, "two_sided"),
    ],
)
def test_make_cycle_logs_parameter_errors(kwargs, name):
    with pytest.raises(mm.ParameterError, match=f"The '{name}' parameter of make_cycle_logs"):
        mm.datasets.make_cycle_logs(pairs_table(2), "amcto", **kwargs)


def test_make_cycle_logs_rolling_needs_assignment_dates():
    with pytest.raises(mm.LogError, match="matched_on"):
        mm.datasets.make_cycle_logs(pairs_table(2), "3cma", as_of="2027-01-01")


# --------------------------------------------------------------------------- module


def test_public_names():
    assert compliance.__all__ == sorted(compliance.__all__) == ["ComplianceReport", "check_cycle"]
    assert mm.check_cycle is compliance.check_cycle
    assert mm.ComplianceReport is compliance.ComplianceReport


@pytest.mark.parametrize("module", [compliance, _check, _report, dataset_logs])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_nothing_is_judged_before_the_cycle_starts():
    pairs = pairs_table(1, matched_on=["2027-01-10"])
    no_events = pd.DataFrame(columns=["mentor_id", "mentee_id", "kind", "date"])
    r = mm.check_cycle(pairs, EMPTY, "amcto", as_of="2027-01-01", events=no_events)
    assert r.violations.empty
    assert np.isnan(r.summary["longest_gap_days"].astype(float).iloc[0])


@pytest.mark.parametrize("as_text", [False, True])
def test_logs_read_back_from_csv_give_the_same_report(tmp_path, as_text):
    pairs = pairs_table(30)
    meetings, events = mm.datasets.make_cycle_logs(pairs, "amcto", as_of="2027-03-15", seed=7)
    direct = mm.check_cycle(pairs, meetings, "amcto", as_of="2027-03-15", events=events)
    meetings.to_csv(tmp_path / "meetings.csv", index=False)
    events.to_csv(tmp_path / "events.csv", index=False)
    read = {"dtype": str, "keep_default_na": False, "na_values": [""]} if as_text else {}
    again = mm.check_cycle(
        pairs,
        pd.read_csv(tmp_path / "meetings.csv", **read),
        "amcto",
        as_of="2027-03-15",
        events=pd.read_csv(tmp_path / "events.csv", **read),
    )
    pd.testing.assert_frame_equal(direct.violations, again.violations)
    pd.testing.assert_frame_equal(direct.summary, again.summary)
