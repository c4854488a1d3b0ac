"""The candidate path's scan on a dask.distributed cluster: the same graph and the
same match as on one machine (a LocalCluster of worker processes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from unittest import mock

import numpy as np
import pandas as pd
import pytest

import mentormatch as mm
from mentormatch.candidates import _scan as _candidates
from mentormatch.matching import _pipeline as _match

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as c:
        yield c


def _graph(apps: pd.DataFrame, client: object | None) -> _candidates.CandidateGraph:
    """The candidate graph of an AMCTO cohort, with blocks of 16 mentees (many parts)."""
    scorer = mm.scoring.PairScorer("amcto")._fit(apps, func="test")
    with mock.patch.object(_candidates, "BLOCK_CELLS", 1):
        return _candidates.build_candidates(
            scorer,
            k=3,
            reserve=5,
            forbidden=[(0, 1)],
            min_score=0.1,
            forced=[],
            cluster=None if client is None else _candidates.Cluster(client),
        )


def test_scan_on_a_cluster_gives_the_same_graph(client: object) -> None:
    apps = mm.datasets.make_cohort(n_mentors=150, n_mentees=170, policy="amcto", seed=3)
    here = _graph(apps, None)
    there = _graph(apps, client)
    assert there.stats["cluster"] and not here.stats["cluster"]
    assert here.stats["block_rows"] == 16  # 170 mentees: parts of several blocks
    for f in fields(_candidates.CandidateGraph):
        if f.name == "stats":
            continue
        a, b = getattr(here, f.name), getattr(there, f.name)
        for x, y in zip(a, b, strict=True) if isinstance(a, tuple) else [(a, b)]:
            np.testing.assert_array_equal(x, y, err_msg=f.name)


@contextmanager
def tiny_candidates() -> Iterator[None]:
    """One candidate a person and no reserve: the certificate must score lines again."""
    with (
        mock.patch.object(_match, "CANDIDATES_K", 1),
        mock.patch.object(_match, "CANDIDATES_RESERVE", 0),
        mock.patch.object(_candidates, "BLOCK_CELLS", 1),  # blocks of 16 lines
    ):
        yield


def test_match_with_a_client_is_the_same_match(client: object) -> None:
    apps = mm.datasets.make_cohort(n_mentors=120, n_mentees=140, policy="amcto", seed=8)
    with tiny_candidates():
        here = mm.match(apps, "amcto", candidates=True)
        there = mm.match(apps, "amcto", candidates=True, client=client)
    assert here.status == there.status == "OPTIMAL"
    pd.testing.assert_frame_equal(here.pairs, there.pairs)
    pd.testing.assert_frame_equal(here.unmatched, there.unmatched)
    assert there.stats["candidate_graph"]["cluster"]
    # The certificate scored lines again, on the workers, exactly as here.
    pricing_here = here.stats["candidate_graph"]["pricing"]
    pricing_there = there.stats["candidate_graph"]["pricing"]
    assert pricing_here["rescored_pairs"] > 0
    for key in ("rounds", "rescored_lines", "rescored_pairs", "kept", "added"):
        assert pricing_here[key] == pricing_there[key], key


def test_match_on_a_cluster_out_of_time_is_honest(client: object) -> None:
    apps = mm.datasets.make_cohort(n_mentors=120, n_mentees=140, policy="amcto", seed=8)
    dense = mm.match(apps, "amcto", candidates=False)
    with tiny_candidates():
        stopped = mm.match(apps, "amcto", candidates=True, client=client, time_limit=1e-9)
    assert 2 * len(stopped.pairs) + len(stopped.unmatched) == len(apps)
    assert stopped.status == "FEASIBLE"
    assert stopped.objective <= dense.objective + 1e-9
    assert stopped.best_bound >= dense.objective - 1e-6


def test_a_client_that_is_not_one_is_refused() -> None:
    apps = mm.datasets.make_cohort(n_mentors=10, n_mentees=10, policy="amcto", seed=1)
    with pytest.raises(mm.ParameterError, match="client"):
        mm.match(apps, "amcto", client="tcp://127.0.0.1:8786")
