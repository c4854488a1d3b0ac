"""Region and mutual requests: features over labels and ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._params import check_number, param_error
from ._base import FeatureExtractor, fill_rows, label_codes, normalize_label, require_columns

__all__ = ["MutualRequest", "RegionProximity"]


class RegionProximity(FeatureExtractor):
    """Same region 1, neighbouring region ``adjacent``, anywhere else 0.

    Region is a preference only (AMCTO FAQ: a match "may include someone who
    is not necessarily from your region"; meetings are virtual); 3CMA matches
    on geographic location. Nothing here forbids a pair.

    Parameters
    ----------
    adjacent : float
        The value of two neighbouring regions, in [0, 1] (half a match by default).
    adjacency : mapping of str to list of str, optional
        Which regions are neighbours (symmetric: listing B under A is enough).
        ``None`` uses the policy's ``matching.region_adjacency``; without a
        policy, no two regions are neighbours.
    column : str
        The region column.

    Attributes
    ----------
    regions_ : list of str
        The normalized region names (case-folded, runs of whitespace made one
        space) of the cohort and the adjacency, sorted.
    table_ : ndarray of float32, shape (n_regions + 1, n_regions + 1)
        Value of each (mentee region, mentor region); the last row and column
        stand for a blank region and hold ``nan`` (no information).
    mentee_codes_, mentor_codes_ : ndarray of int
        Each applicant's row of ``table_``.
    """

    def __init__(
        self,
        *,
        adjacent: float = 0.5,
        adjacency: Mapping[str, Sequence[str]] | None = None,
        column: str = "region",
    ) -> None:
        self.adjacent = adjacent
        self.adjacency = adjacency
        self.column = column

    def required_columns(self) -> tuple[tuple[str, ...], ...]:
        return ((self.column,),)

    def fit(
        self, mentees: pd.DataFrame, mentors: pd.DataFrame, *, policy: Any = None
    ) -> RegionProximity:
        name = type(self).__name__
        check_number(self.adjacent, "adjacent", name, low=0, high=1)
        require_columns(name, mentees, [self.column])
        require_columns(name, mentors, [self.column])
        self._set_sizes(mentees, mentors)
        pairs = _adjacent_pairs(self.adjacency, policy, name)
        extra = pd.Series([r for pair in pairs for r in pair], dtype=object)
        (codes_a, codes_b, _), regions = label_codes(
            mentees[self.column], mentors[self.column], extra
        )
        pos = {r: i for i, r in enumerate(regions)}
        k = len(regions)
        table = np.zeros((k + 1, k + 1), dtype=np.float32)
        for a, b in pairs:
            table[pos[a], pos[b]] = table[pos[b], pos[a]] = self.adjacent
        table[np.arange(k), np.arange(k)] = 1.0
        table[k, :] = np.nan
        table[:, k] = np.nan
        self.regions_ = regions
        self.table_ = table
        self.mentee_codes_ = np.where(codes_a < 0, k, codes_a)
        self.mentor_codes_ = np.where(codes_b < 0, k, codes_b)
        return self

    def score(self, rows: Any = None, cols: Any = None) -> np.ndarray:
        r, c = self._block_index(rows, cols, f"{type(self).__name__}.score")
        a = self.mentee_codes_[r]
        b = self.mentor_codes_[c]
        out = np.empty((len(r), len(c)), dtype=np.float32)

        def compute(start: int, stop: int) -> None:
            # A gather from the small region table: whole-array fancy indexing.
            out[start:stop] = self.table_[a[start:stop, None], b[None, :]]

        return fill_rows(out, compute, cells_per_row=len(c))


def _adjacent_pairs(adjacency: Any, policy: Any, func: str) -> set[tuple[str, str]]:
    if adjacency is None:
        raw = policy.matching.adjacent_pairs() if policy is not None else frozenset()
    else:
        if not isinstance(adjacency, Mapping):
            raise param_error(
                "adjacency", func, "a mapping of region to neighbours or None", adjacency
            )
        raw = set()
        for region, near in adjacency.items():
            if isinstance(near, str) or not isinstance(near, Sequence):
                raise param_error(
                    "adjacency", func, "a mapping of region to a list of regions", adjacency
                )
            raw.update((region, other) for other in near)
    out = set()
    for a, b in raw:
        na, nb = normalize_label(a), normalize_label(b)
        if na is not None and nb is not None and na != nb:
            out.add((na, nb))
    return out


class MutualRequest(FeatureExtractor):
    """1 where the mentee and the mentor each asked to be matched with the other.

    AMCTO FAQ: "we will only consider matching people together if both parties
    have agreed to this. Each party should specifically request to be matched
    with each other." A one-sided request is worth 0 here (the solver may also
    force mutual requests; this feature only scores them).

    Parameters
    ----------
    column : str
        The list column of requested ids. When the table lacks it, nobody
        requested anyone and every value is 0.

    Attributes
    ----------
    mutual_ : scipy.sparse.csr_matrix of bool, shape (n_mentees, n_mentors)
        The mutual requests.
    """

    def __init__(self, *, column: str = "requested_ids") -> None:
        self.column = column

    def fit(
        self, mentees: pd.DataFrame, mentors: pd.DataFrame, *, policy: Any = None
    ) -> MutualRequest:
        self._set_sizes(mentees, mentors)
        n_a, n_b = len(mentees), len(mentors)
        if self.column not in mentees.columns or self.column not in mentors.columns:
            self.mutual_ = sp.csr_matrix((n_a, n_b), dtype=bool)
            return self
        asked_by_mentee = id_links(mentees, mentors, self.column)
        asked_by_mentor = id_links(mentors, mentees, self.column)
        mutual = asked_by_mentee.multiply(asked_by_mentor.T)
        self.mutual_ = sp.csr_matrix(mutual, dtype=bool)
        return self

    def score(self, rows: Any = None, cols: Any = None) -> np.ndarray:
        r, c = self._block_index(rows, cols, f"{type(self).__name__}.score")
        return self.mutual_[r][:, c].toarray().astype(np.float32)


def id_links(source: pd.DataFrame, target: pd.DataFrame, column: str) -> sp.csr_matrix:
    """Sparse (source x target) 0/1 matrix: the source row lists the target's id in ``column``."""
    n_s, n_t = len(source), len(target)
    if column not in source.columns or n_s == 0 or n_t == 0:
        return sp.csr_matrix((n_s, n_t), dtype=np.int8)
    lists = source[column].to_numpy(dtype=object)
    lengths = np.fromiter(
        (len(v) if isinstance(v, (list, tuple)) else 0 for v in lists), dtype=np.int64, count=n_s
    )
    owners = np.repeat(np.arange(n_s), lengths)
    listed = np.array(
        [str(x) for v in lists if isinstance(v, (list, tuple)) for x in v], dtype=object
    )
    target_pos = pd.Index(target["id"].astype(str).to_numpy(dtype=object)).get_indexer(listed)
    keep = target_pos >= 0
    data = np.ones(int(keep.sum()), dtype=np.int8)
    links = sp.coo_matrix((data, (owners[keep], target_pos[keep])), shape=(n_s, n_t)).tocsr()
    links.data[:] = 1  # an id listed twice counts once
    return links
