"""Benchmark: ``match`` end to end on a synthetic cohort (validate, eligibility, scoring, model).

Target (issue "Solver and match"): 5,000 mentors x 5,000 mentees of an AMCTO
cohort from :func:`mentormatch.datasets.make_cohort`, end to end in under
30 s on 2 cores, proven optimal. The cohort is generated before the clock
starts. Run the big size and see the numbers with::

    python -m pytest benchmarks/bench_match.py -m slow -s -p no:xdist

or directly (``python benchmarks/bench_match.py [n ...]``). The small size runs
with the default test run; only the status is asserted there.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import psutil
import pytest

import mentormatch as mm

TARGET_S = 30.0


class _PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 20 ms)."""

    def __enter__(self) -> _PeakRSS:
        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def run(n: int, *, seed: int = 0, policy: str = "amcto") -> dict[str, Any]:
    t0 = time.perf_counter()
    apps = mm.datasets.make_cohort(n_mentors=n, n_mentees=n, policy=policy, seed=seed)
    cohort_s = time.perf_counter() - t0
    with _PeakRSS() as mem:
        t0 = time.perf_counter()
        result = mm.match(apps, policy)
        match_s = time.perf_counter() - t0
    n_apps = len(apps)
    assert 2 * len(result.pairs) + len(result.unmatched) == n_apps
    out = {
        "n": n,
        "cohort_s": cohort_s,
        "match_s": match_s,
        "status": result.status,
        "gap": result.gap,
        "pairs": len(result.pairs),
        "peak_gb": mem.peak / 1e9,
        "solver_s": result.wall_time,
    }
    print(
        f"\nmatch {n:,} x {n:,} ({policy}, {result.stats['path']} path): {match_s:6.2f} s end to end "
        f"(result.wall_time {result.wall_time:.2f} s), {result.status}, gap {result.gap:g}, "
        f"{len(result.pairs):,} pairs, peak RSS {mem.peak / 1e9:.2f} GB "
        f"[cohort generated in {cohort_s:.1f} s, not counted; target < {TARGET_S:g} s]"
    )
    return out


@pytest.mark.benchmark
def test_match_small() -> None:
    out = run(300)
    assert out["status"] == "OPTIMAL"


@pytest.mark.benchmark
@pytest.mark.slow
def test_match_5000_under_30s() -> None:
    out = run(5000)
    assert out["status"] == "OPTIMAL"
    assert out["match_s"] < TARGET_S


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["5000"]:
        run(int(arg))
