"""Benchmark: scoring a cohort (every mentor–mentee pair, every AMCTO feature).

Target (the scoring issue): 5,000 mentees x 5,000 mentors on 2 cores in under
10 s and under 2 GB peak memory. Run the big size and see the numbers with::

    python -m pytest benchmarks/bench_scoring.py -m slow -s

or directly (``python benchmarks/bench_scoring.py [n] [--profile]``). The
small size runs with the default test run. Timing is printed, not asserted:
shared CI machines are noisy.

The cohort comes from :func:`mentormatch.datasets.make_cohort`; until that
lands, from a local generator with realistic goals text below.
"""

from __future__ import annotations

import resource
import sys
import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pytest

import mentormatch.scoring as scoring

# --------------------------------------------------------------------------- cohort

_SKILLS = [
    "budgeting",
    "council reports",
    "procurement",
    "asset management",
    "by-law enforcement",
    "elections administration",
    "records management",
    "freedom of information",
    "strategic planning",
    "human resources",
    "labour relations",
    "public speaking",
    "project management",
    "financial reporting",
    "tax collection",
    "land use planning",
    "emergency management",
    "communications",
    "community engagement",
    "policy writing",
    "risk management",
    "performance measurement",
    "grant writing",
    "leadership",
    "change management",
    "negotiation",
    "customer service",
    "IT systems",
    "GIS",
    "accessibility compliance",
    "climate action",
    "indigenous relations",
    "development charges",
    "water rates",
    "capital planning",
    "committee management",
    "meeting procedure",
    "legislative services",
    "economic development",
    "team building",
]
_INTERESTS = [
    "finance",
    "clerks",
    "governance",
    "planning",
    "operations",
    "leadership",
    "technology",
    "communications",
    "people",
    "legal",
    "rural municipalities",
    "large cities",
    "northern communities",
    "sustainability",
    "equity",
    "elections",
    "public works",
    "economic development",
    "policy",
    "customer experience",
]
_REGIONS = ["Eastern", "Central", "Toronto", "Southwestern", "Northeastern", "Northwestern"]
_GOAL_OPENINGS = [
    "I hope to",
    "I want to",
    "My goal is to",
    "I would like to",
    "Looking to",
    "I can help a mentee",
    "I am keen to",
    "Hoping to",
]
_GOAL_VERBS = [
    "strengthen my",
    "build confidence in",
    "learn about",
    "develop",
    "get better at",
    "understand",
    "share my experience in",
    "grow my network in",
    "prepare for a role in",
    "improve",
    "coach someone on",
]
_GOAL_OBJECTS = [
    "municipal budgeting and long-term financial planning",
    "writing clear council reports",
    "running council and committee meetings",
    "procurement policy and tendering",
    "managing a small team through change",
    "asset management plans under O. Reg. 588/17",
    "records retention and access to information requests",
    "municipal elections",
    "working with elected officials",
    "strategic planning with council",
    "labour relations and collective bargaining",
    "emergency management planning",
    "public engagement on planning applications",
    "tax rates and the levy",
    "becoming a CAO or clerk one day",
    "leading in a rural municipality",
    "water and wastewater rates",
    "development charges background studies",
    "accessibility standards",
    "the Municipal Act and by-laws",
    "presenting to council",
    "career moves between municipalities",
    "balancing work and family in the public sector",
]


def local_cohort(n_mentors: int, n_mentees: int, *, seed: int = 0) -> pd.DataFrame:
    """A synthetic AMCTO cohort with realistic text (stand-in for ``make_cohort``)."""
    rng = np.random.default_rng(seed)
    n = n_mentors + n_mentees
    role = np.array(["mentor"] * n_mentors + ["mentee"] * n_mentees, dtype=object)
    ids = np.array(
        [f"mentor-{i}" for i in range(n_mentors)] + [f"mentee-{i}" for i in range(n_mentees)]
    )
    is_mentor = role == "mentor"
    years = np.where(is_mentor, rng.uniform(6, 35, n), rng.uniform(0, 9, n)).round(1)

    def goals() -> str:
        k = int(rng.integers(1, 4))
        parts = [
            f"{rng.choice(_GOAL_OPENINGS)} {rng.choice(_GOAL_VERBS)} {rng.choice(_GOAL_OBJECTS)}."
            for _ in range(k)
        ]
        return " ".join(parts)

    def pick(items: list[str], low: int, high: int) -> list[str]:
        k = int(rng.integers(low, high + 1))
        return [str(s) for s in rng.choice(items, size=min(k, len(items)), replace=False)]

    orgs = [f"Town of Place{i}" for i in range(max(10, n // 15))]
    goal_text = [goals() if rng.random() > 0.03 else "" for _ in range(n)]
    skills = [pick(_SKILLS, 2, 6) if rng.random() > 0.02 else [] for _ in range(n)]
    interests = [pick(_INTERESTS, 1, 4) for _ in range(n)]
    requested: list[list[str]] = [[] for _ in range(n)]
    for _ in range(max(1, n // 200)):  # a few mutual requests
        a = int(rng.integers(n_mentees)) + n_mentors
        b = int(rng.integers(n_mentors))
        requested[a].append(str(ids[b]))
        requested[b].append(str(ids[a]))
    return pd.DataFrame(
        {
            "id": ids,
            "role": role,
            "member_in_good_standing": rng.random(n) > 0.02,
            "years_experience": years,
            "new_to_sector": rng.random(n) < 0.1,
            "commitment_months": rng.choice([9, 10, 12], n),
            "region": rng.choice(_REGIONS, n),
            "community_size": np.exp(rng.normal(9.5, 1.8, n)).round().astype(np.int64),
            "organization": rng.choice(orgs, n),
            "goals": goal_text,
            "skills": skills,
            "interests": interests,
            "requested_ids": requested,
        }
    )


def cohort(n_mentors: int, n_mentees: int, *, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """``make_cohort`` when it exists, else :func:`local_cohort`; and which one was used."""
    try:
        from mentormatch.datasets import make_cohort

        return make_cohort(n_mentors, n_mentees, policy="amcto", seed=seed), "make_cohort"
    except NotImplementedError:
        return local_cohort(n_mentors, n_mentees, seed=seed), "local_cohort"


# --------------------------------------------------------------------------- measure


class PeakRSS:
    """Sample the process's resident memory every 5 ms in a thread; keep the peak."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self.start = self.peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def run(n: int, *, profile: bool = False) -> dict[str, Any]:
    """Score an n x n AMCTO cohort; return the numbers and print them."""
    apps, source = cohort(n, n, seed=0)
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        if profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        result = scoring.score_pairs(apps, "amcto")
        elapsed = time.perf_counter() - t0
        if profile:
            prof.disable()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    out = {
        "n": n,
        "source": source,
        "seconds": elapsed,
        "peak_rss_gb": mem.peak / 1e9,
        "rss_before_gb": mem.start / 1e9,
        "maxrss_gb": maxrss / 1e9,
        "allowed": result.n_allowed,
    }
    print(
        f"\nscore_pairs {n:,} x {n:,} ({source}): {elapsed:.2f} s, "
        f"peak RSS {mem.peak / 1e9:.2f} GB (before: {mem.start / 1e9:.2f} GB; "
        f"ru_maxrss {maxrss / 1e9:.2f} GB), allowed pairs {result.n_allowed:,}"
    )
    if profile:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return out


@pytest.mark.benchmark
def test_scoring_small() -> None:
    out = run(300)
    assert out["allowed"] > 0


@pytest.mark.slow
@pytest.mark.benchmark
def test_scoring_5000() -> None:
    out = run(5000)
    assert out["allowed"] > 0


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5000
    run(size, profile="--profile" in sys.argv)
