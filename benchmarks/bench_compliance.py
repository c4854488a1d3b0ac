"""Benchmark: checking a cycle's meeting and submission logs (``check_cycle``).

Target (the compliance issue): 10,000 pairs with one year of meeting and event
logs (about 150,000 rows or more) checked in under 5 s on 2 cores. Run the big
size and see the numbers with::

    python -m pytest benchmarks/bench_compliance.py -m slow -s

or directly (``python benchmarks/bench_compliance.py [n_pairs]``). The small size
runs with the default test run. Timing is printed, not asserted: shared CI
machines are noisy. The logs come from
:func:`mentormatch.datasets.make_cycle_logs` (default lapse rate, so there are
violations to report); the time of ``check_cycle`` is the best of three runs
and covers reading and validating the tables, every rule, and building the
report.
"""

from __future__ import annotations

import sys
import time

import pandas as pd
import pytest

import mentormatch as mm

#: Policy, the day of the check (the end of a full cycle), rolling assignment dates.
CASES = {
    "amcto": ("2027-07-31", False),  # September to June, both sides log (log_agreement)
    "ama": ("2027-09-30", False),  # October to August, quarterly updates and surveys
    "3cma": ("2027-09-30", True),  # rolling, open-ended
    "ltb": ("2027-12-31", True),  # rolling, 12 months
}


def make_case(policy: str, n_pairs: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    as_of, rolling = CASES[policy]
    pairs = pd.DataFrame(
        {
            "mentor_id": [f"mentor-{i:05d}" for i in range(n_pairs)],
            "mentee_id": [f"mentee-{i:05d}" for i in range(n_pairs)],
        }
    )
    if rolling:  # assigned over the three months before the cycle's year
        days = pd.Series(range(n_pairs)) % 90
        pairs["matched_on"] = (
            pd.Timestamp(as_of) - pd.DateOffset(years=1) - pd.to_timedelta(days, unit="D")
        )
    meetings, events = mm.datasets.make_cycle_logs(pairs, policy, as_of=as_of, seed=0)
    return pairs, meetings, events, as_of


def run(policy: str, n_pairs: int, repeat: int = 3) -> dict[str, float]:
    t0 = time.perf_counter()
    pairs, meetings, events, as_of = make_case(policy, n_pairs)
    generate = time.perf_counter() - t0
    best = float("inf")
    report = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        report = mm.check_cycle(pairs, meetings, policy, as_of=as_of, events=events)
        best = min(best, time.perf_counter() - t0)
    assert report is not None
    rows = len(meetings) + len(events)
    print(
        f"{policy:<6} {n_pairs:>6} pairs  {len(meetings):>7} meetings + {len(events):>6} events "
        f"= {rows:>7} rows  check_cycle {best:6.2f} s (best of {repeat})  "
        f"[make_cycle_logs {generate:.2f} s]  {len(report.violations)} violations"
    )
    return {"seconds": best, "rows": rows}


@pytest.mark.benchmark
def test_compliance_small():
    for policy in CASES:
        out = run(policy, 300, repeat=1)
        assert out["rows"] > 300 * 10


@pytest.mark.slow
@pytest.mark.benchmark
@pytest.mark.parametrize("policy", list(CASES))
def test_compliance_10000_pairs(policy):
    out = run(policy, 10_000)
    assert out["rows"] >= 100_000


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for name in CASES:
        run(name, n)
