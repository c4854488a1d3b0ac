"""The two logs reconciled meeting by meeting, against a brute-force oracle (Hypothesis).

amcto-program-guide.txt, FAQ 'How do I account for the time...': "you must maintain
your own log of the actual time spent with your mentee/mentor. You must also ensure
that you and your mentee/mentor are in agreement as to the time that you have spent
together."

The oracle is the rule as documented, in plain Python, one candidate at a time: every
(mentor row, mentee row) of the same pair at most ``tolerance_days`` apart is a
candidate; candidates are taken greedily in the order (days apart, minutes apart,
mentor's day, mentee's day, mentor's minutes, mentee's minutes, mentor's row, mentee's
row) when both rows are still free.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch import CycleRule
from mentormatch.compliance._rules import reconcile
from mentormatch.policies import AMCTO

START = dt.date(2026, 9, 1)
AS_OF = "2027-08-01"  # after the cycle: every entry is judged


def oracle(rows: dict[int, dict], tol_days: int) -> dict[int, int]:
    """Row -> the row reconciled with it (greedy, closest first), plain Python."""
    candidates = []
    for i, a in rows.items():
        for j, b in rows.items():
            if a["side"] != 0 or b["side"] != 1 or a["pair"] != b["pair"]:
                continue
            days = abs((a["date"] - b["date"]).days)
            if days > tol_days:
                continue
            key = (
                days,
                abs(a["minutes"] - b["minutes"]),
                a["date"],
                b["date"],
                a["minutes"],
                b["minutes"],
                i,
                j,
            )
            candidates.append((key, i, j))
    partner: dict[int, int] = {}
    for _, i, j in sorted(candidates):
        if i not in partner and j not in partner:
            partner[i] = j
            partner[j] = i
    return partner


def _key(r: dict) -> tuple:
    return (r["pair"], r["side"], r["date"], r["minutes"])


@st.composite
def two_sided_logs(draw):
    n_pairs = draw(st.integers(1, 3))
    n = draw(st.integers(0, 30))
    rows = [
        {
            "pair": draw(st.integers(0, n_pairs - 1)),
            "side": draw(st.integers(0, 1)),
            "date": START + dt.timedelta(days=draw(st.integers(0, 40))),
            "minutes": draw(st.sampled_from([30, 45, 50, 60, 75])),
        }
        for _ in range(n)
    ]
    return n_pairs, rows, draw(st.integers(0, 4)), draw(st.sampled_from([0, 10, 15]))


@settings(max_examples=200, deadline=None)
@given(two_sided_logs())
def test_reconciliation_is_the_greedy_closest_first_matching(case):
    n_pairs, rows, tol_days, tol_minutes = case
    pairs = pd.DataFrame(
        {
            "mentor_id": [f"m{k}" for k in range(n_pairs)],
            "mentee_id": [f"e{k}" for k in range(n_pairs)],
        }
    )
    log = pd.DataFrame(
        {
            "mentor_id": [f"m{r['pair']}" for r in rows],
            "mentee_id": [f"e{r['pair']}" for r in rows],
            "date": [str(r["date"]) for r in rows],
            "duration_minutes": [r["minutes"] for r in rows],
            "reported_by": [("m" if r["side"] == 0 else "e") + str(r["pair"]) for r in rows],
        },
        columns=["mentor_id", "mentee_id", "date", "duration_minutes", "reported_by"],
    )
    rule = CycleRule(
        code="log_agreement",
        params={"tolerance_minutes": tol_minutes, "tolerance_days": tol_days},
    )
    policy = replace(AMCTO, cycle=replace(AMCTO.cycle, rules=(rule,)))
    report = mm.check_cycle(pairs, log, policy, as_of=AS_OF)

    # a row identical to an earlier one is the same meeting, counted once
    first: dict[tuple, int] = {}
    for i, r in enumerate(rows):
        first.setdefault(_key(r), i)
    distinct = {i: r for i, r in enumerate(rows) if first[_key(r)] == i}
    dups = {i: first[_key(r)] for i, r in enumerate(rows) if first[_key(r)] != i}
    u = report.unused_meetings.set_index("row")
    assert {int(i): str(w) for i, w in u["reason"].items()} == {
        i: f"the same meeting as row {j}" for i, j in dups.items()
    }

    expected = oracle(distinct, tol_days)
    m = report.meetings.set_index("row").sort_index()
    assert m.index.tolist() == sorted(distinct)
    got = {int(r): int(p) for r, p in m["reconciled_with"].dropna().items()}
    assert got == expected
    # a reconciled meeting counts once (the mentee's row); an entry the other log lacks counts
    counted = {i for i, r in distinct.items() if r["side"] == 1 or i not in expected}
    assert set(m.index[m["counted"]]) == counted
    per_pair = Counter(distinct[i]["pair"] for i in counted)
    assert report.summary["meetings"].tolist() == [per_pair[k] for k in range(n_pairs)]
    # one violation per disagreeing meeting and per unconfirmed entry, with its dates
    want = Counter()
    for i, r in distinct.items():
        if i not in expected:
            want[r["pair"], r["date"], r["date"], "in both logs"] += 1
        elif r["side"] == 0:
            o = distinct[expected[i]]
            if abs(r["minutes"] - o["minutes"]) > tol_minutes:
                lo, hi = sorted((r["date"], o["date"]))
                want[r["pair"], lo, hi, "for the same meeting"] += 1
    v = report.violations
    have = Counter(
        (
            int(mentor[1:]),
            start.date(),
            end.date(),
            "for the same meeting" if "for the same meeting" in detail else "in both logs",
        )
        for mentor, start, end, detail in zip(
            v["mentor_id"], v["period_start"], v["period_end"], v["detail"], strict=True
        )
    )
    assert have == want


@settings(max_examples=100, deadline=None)
@given(two_sided_logs(), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_does_not_matter(case, rnd):
    """Up to rows equal in every key, the reconciliation is a function of the contents."""
    _, rows, tol_days, _ = case
    order = list(range(len(rows)))
    rnd.shuffle(order)

    def run(rs: list[dict]) -> np.ndarray:
        pair = np.array([r["pair"] for r in rs], dtype=np.int64)
        day = np.array([(r["date"] - START).days for r in rs], dtype=np.int64)
        minutes = np.array([r["minutes"] for r in rs], dtype=float)
        side = np.array([r["side"] for r in rs], dtype=np.int8)
        sort = np.lexsort((day, pair))
        partner = reconcile(pair[sort], day[sort], minutes[sort], side[sort], tol_days)
        out = np.full(len(rs), -1)
        out[sort] = np.where(partner >= 0, sort[np.maximum(partner, 0)], -1)
        return out

    def content(rs: list[dict], partner: np.ndarray) -> Counter:
        key = [(r["pair"], r["side"], r["date"], r["minutes"]) for r in rs]
        return Counter((key[i], key[p] if p >= 0 else None) for i, p in enumerate(partner))

    first = run(rows)
    shuffled = [rows[i] for i in order]
    assert content(rows, first) == content(shuffled, run(shuffled))


def test_reconciliation_is_vectorized_at_scale():
    """200,000 rows (two logs of 100,000 meetings, 5,000 pairs) in well under a minute:
    the rounds are few (one per chain of equally close candidates)."""
    import time

    rng = np.random.default_rng(0)
    n = 100_000
    pair = np.repeat(np.arange(5_000), n // 5_000)
    day = np.tile(np.arange(n // 5_000) * 14, 5_000) + rng.integers(0, 3, n)
    minutes = rng.choice([45.0, 60.0, 75.0], n)
    shift = rng.integers(-1, 2, n)
    P = np.concatenate([pair, pair])
    Dy = np.concatenate([day, day + shift])
    Mi = np.concatenate([minutes, minutes])
    S = np.concatenate([np.zeros(n, np.int8), np.ones(n, np.int8)])
    sort = np.lexsort((Dy, P))
    t0 = time.perf_counter()
    partner = reconcile(P[sort], Dy[sort], Mi[sort], S[sort], tolerance_days=1)
    elapsed = time.perf_counter() - t0
    assert (partner >= 0).mean() > 0.99
    assert elapsed < 30, elapsed
