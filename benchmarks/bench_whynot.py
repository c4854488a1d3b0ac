"""Benchmark: ``result.why_not``, the margins of ``result.pairs`` and ``alternatives`` (issue 17).

Target: milliseconds per why_not question at 5,000 x 5,000 (dense path, the
dual's shortest path); the margins of every pair cheap next to ``match``.
Measured on the shared 2-core machine (AMCTO cohorts, seed 0): 1,000 x 1,000
about 10 ms a question; 5,000 x 5,000 about 0.1 s a question after a first one
of about 15 s (the dual: one JV solve of the integer weights, whose priority
tier makes the costs large), 11-13 s when the lock releases a forced mutual
request (a re-solve), margins ("close calls" mode) about 100 s.
Sizes: 1,000 and 5,000 dense, 20,000 on the candidate path (where every answer
is a warm re-solve of the certified candidate graph: seconds each, so few are
asked). The times are printed, not asserted (shared machines). Run::

    python -m pytest benchmarks/bench_whynot.py -m slow -s -p no:xdist
    python benchmarks/bench_whynot.py [n ...]

The small size (300) runs with the default test run and checks the numbers
against a new ``match`` with the pair locked.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
import pytest

import mentormatch as mm


def run(n: int, *, questions: int = 20, candidates: bool | str = "auto", seed: int = 0) -> dict:
    apps = mm.datasets.make_cohort(n_mentors=n, n_mentees=n, seed=seed)
    t0 = time.perf_counter()
    result = mm.match(apps, "amcto", candidates=candidates)
    match_s = time.perf_counter() - t0
    ctx = result._context
    rng = np.random.default_rng(seed)
    mentees = np.asarray(result.scorer.mentee_ids_)
    mentors = np.asarray(result.scorer.mentor_ids_)
    times: list[float] = []
    methods: dict[str, int] = {}
    first_s = None
    asked: list[Any] = []
    while len(times) < questions:
        i, j = rng.integers(len(mentees)), rng.integers(len(mentors))
        t0 = time.perf_counter()
        w = result.why_not(mentees[i], mentors[j])
        dt = time.perf_counter() - t0
        if first_s is None:
            first_s = dt  # includes the dual (one JV solve) and the kernel's load
            continue
        if w.pairs_change is None or w.in_result:
            continue
        times.append(dt)
        methods[w.method] = methods.get(w.method, 0) + 1
        asked.append((str(mentees[i]), str(mentors[j]), w))
    out: dict[str, Any] = {
        "n": n,
        "path": result.stats["path"],
        "match_s": match_s,
        "dual_s": ctx.stats.get("dual_s"),
        "first_why_not_s": first_s,
        "why_not_median_ms": 1000 * float(np.median(times)),
        "why_not_max_ms": 1000 * float(np.max(times)),
        "methods": methods,
    }
    if result.stats["path"] == "dense":
        t0 = time.perf_counter()
        pairs = result.margins()  # on first access of pairs when cheap, else here
        out["margins_s"] = time.perf_counter() - t0
        out["margins_per_pair_ms"] = 1000 * out["margins_s"] / max(len(pairs), 1)
        out["close_calls"] = int(pairs["close_call"].sum())
        out["margins_mode"] = result.stats["margins"]
        t0 = time.perf_counter()
        result.alternatives(str(mentees[0]), k=3)
        out["alternatives_s"] = time.perf_counter() - t0
    out["asked"] = asked
    return out


def show(out: dict) -> str:
    keys = [k for k in out if k != "asked"]
    return ", ".join(
        f"{k}={out[k]:.4g}" if isinstance(out[k], float) else f"{k}={out[k]}" for k in keys
    )


@pytest.mark.benchmark
def test_whynot_small_checked() -> None:
    out = run(300, questions=4)
    print(show(out))
    apps = mm.datasets.make_cohort(n_mentors=300, n_mentees=300, seed=0)
    base = mm.match(apps, "amcto")
    for mentee, mentor, w in out["asked"][:2]:
        oracle = mm.match(apps, "amcto", locked=[(mentee, mentor)])
        assert w.pairs_change == len(oracle.pairs) - len(base.pairs)
        assert w.score_change == pytest.approx(oracle.objective - base.objective, abs=1e-4)


@pytest.mark.benchmark
@pytest.mark.slow
@pytest.mark.parametrize("n", [1000, 5000])
def test_whynot_dense(n: int) -> None:
    print(show(run(n, candidates=False)))


@pytest.mark.benchmark
@pytest.mark.slow
def test_whynot_candidates_20000() -> None:
    print(show(run(20_000, questions=2, candidates=True)))


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000"]:
        size = int(arg)
        print(show(run(size, candidates=size > 5000, questions=2 if size > 5000 else 20)))
