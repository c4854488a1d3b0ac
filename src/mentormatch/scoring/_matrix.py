"""The compatibility matrix of a whole cohort (:class:`ScoreMatrix`, :func:`score_pairs`) and its explanations."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._params import check_number, param_error
from .._policy import ProgramPolicy
from ._base import fill_rows
from ._scorer import (
    PairScorer,
    ScoreBlock,
    _check_extractors,
    _id_position,
    _normalized_weights,
    _resolve_policy,
)

__all__ = ["ScoreMatrix", "score_pairs"]


# --------------------------------------------------------------------------- matrix


class ScoreMatrix:
    """Every mentor–mentee pair's score, its parts, and whether the rules allow it.

    Rows are all mentees and columns all mentors, in input order; ineligible
    applicants are included, with their rows or columns not allowed. Built by
    :func:`score_pairs`.

    Attributes
    ----------
    mentee_ids, mentor_ids : pandas.Index
        Ids of the rows and the columns.
    total : ndarray of float32, shape (n_mentees, n_mentors)
        ``sum(weights[f] * features[f])``: in [0, 1], since the weights sum to 1.
    features : dict of str to ndarray of float32
        Each feature's raw values in [0, 1] (blanks replaced by ``neutral``).
    weights : dict of str to float
        The normalized weights (sum 1) of the features computed.
    allowed : ndarray of bool
        Whether the rules allow the pair (eligibility of both, organization,
        previous partners, pairwise eligibility rules such as AMA's career stage).
    neutral : dict of str to float
        The value counted where a feature has no information for a pair.
    eligibility : DataFrame
        The eligibility table of every applicant, in input order.
    policy : ProgramPolicy
    scorer : PairScorer
        The fitted scorer, to score further blocks or explain pairs.

    Notes
    -----
    Scores are stored as float32 (4 bytes a pair and a feature; 100 MB per
    matrix for 5,000 x 5,000), which holds a value in [0, 1] to about 6e-8,
    far below any meaningful difference between two pairs. Explanations and
    contributions are computed in float64 from these values, so they add up
    to ``total`` within 1e-6.
    """

    def __init__(self, scorer: PairScorer, block: ScoreBlock) -> None:
        self.scorer = scorer
        self.policy: ProgramPolicy = scorer.policy_
        self.mentee_ids: pd.Index = scorer.mentee_ids_
        self.mentor_ids: pd.Index = scorer.mentor_ids_
        self.total = block.total
        self.features = block.features
        self.allowed = block.allowed
        self.weights = dict(scorer.weights_)
        self.neutral = dict(scorer.neutral_)
        self.eligibility: pd.DataFrame = scorer.eligibility_

    # ------------------------------------------------------------------ basics

    @property
    def shape(self) -> tuple[int, int]:
        """(number of mentees, number of mentors)."""
        return self.total.shape

    @property
    def n_allowed(self) -> int:
        """Number of allowed pairs."""
        return int(np.count_nonzero(self.allowed))

    def contribution(self, feature: str) -> np.ndarray:
        """``weights[feature] * features[feature]`` as a float32 matrix."""
        if feature not in self.features:
            raise param_error(
                "feature", "ScoreMatrix.contribution", f"one of {list(self.features)}", feature
            )
        return self.features[feature] * np.float32(self.weights[feature])

    # ------------------------------------------------------------------ explain

    def explain(self, mentee_id: str, mentor_id: str) -> pd.DataFrame:
        """Why a pair scores what it scores, and whether it is allowed.

        See :meth:`PairScorer.explain` (the same table; the pair is scored again,
        so the values are those of this matrix).
        """
        func = "ScoreMatrix.explain"
        _id_position(self.mentee_ids, mentee_id, "mentee_id", func, "this matrix")
        _id_position(self.mentor_ids, mentor_id, "mentor_id", func, "this matrix")
        return self.scorer.explain(mentee_id, mentor_id)

    # ------------------------------------------------------------------ long table

    def to_frame(
        self,
        *,
        allowed_only: bool = True,
        min_score: float | None = None,
        top_k: int | None = None,
    ) -> pd.DataFrame:
        """The pairs as a long table, one row per pair (the solver's input).

        Parameters
        ----------
        allowed_only : bool
            Keep only the allowed pairs (the default).
        min_score : float, optional
            Keep only pairs whose total is at least this.
        top_k : int, optional
            Keep each mentee's ``top_k`` best pairs (after the filters above);
            ties go to the mentor that comes first.

        Returns
        -------
        DataFrame
            ``mentee_index``, ``mentor_index`` (int32 positions in the matrix),
            ``mentee_id``, ``mentor_id`` (categoricals: one copy of each id),
            ``score`` (float32 total) and one float32 column per feature with its
            contribution (they add up to ``score``), in (mentee_index,
            mentor_index) order. About 4 bytes per pair for each of the
            ``6 + n_features`` columns.
        """
        func = "ScoreMatrix.to_frame"
        if not isinstance(allowed_only, (bool, np.bool_)):
            raise param_error("allowed_only", func, "a bool", allowed_only)
        check_number(min_score, "min_score", func, low=0, high=1, allow_none=True)
        check_number(top_k, "top_k", func, low=1, integer=True, allow_none=True)
        mask = self.allowed.copy() if allowed_only else np.ones(self.shape, dtype=bool)
        if min_score is not None:
            mask &= self.total >= np.float32(min_score)
        if top_k is not None and top_k < self.shape[1]:
            mask = _top_k_mask(self.total, mask, int(top_k))
        r, c = _positions(mask)
        data: dict[str, Any] = {
            "mentee_index": r,
            "mentee_id": pd.Categorical.from_codes(r, categories=self.mentee_ids, validate=False),
            "mentor_index": c,
            "mentor_id": pd.Categorical.from_codes(c, categories=self.mentor_ids, validate=False),
            "score": self.total[mask],  # boolean indexing: row-major, like _positions
        }
        for name, weight in self.weights.items():
            values = self.features[name][mask]
            values *= np.float32(weight)
            data[name] = values
        return pd.DataFrame(data, copy=False)

    # ------------------------------------------------------------------ display

    def _summary(self) -> list[tuple[str, str]]:
        n_a, n_b = self.shape
        pairs = n_a * n_b
        allowed = self.n_allowed
        scores = self.total[self.allowed]
        share = f" ({allowed / pairs:.0%})" if pairs else ""
        out = [
            ("policy", self.policy.name),
            ("mentees x mentors", f"{n_a:,} x {n_b:,}"),
            ("allowed pairs", f"{allowed:,} of {pairs:,}{share}"),
            ("weights", ", ".join(f"{k} {w:.2f}" for k, w in self.weights.items())),
        ]
        if scores.size:
            q = np.quantile(scores, [0, 0.5, 1])
            out.append(("allowed totals", f"min {q[0]:.3f}, median {q[1]:.3f}, max {q[2]:.3f}"))
        return out

    def __repr__(self) -> str:
        n_a, n_b = self.shape
        return (
            f"<ScoreMatrix {n_a} mentees x {n_b} mentors, {self.n_allowed} allowed pairs, "
            f"features {list(self.weights)}>"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self._summary()
        )
        return f"<table><caption>ScoreMatrix</caption>{rows}</table>"


def _positions(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int32 (row, column) of the True cells in row-major order, without int64 temporaries."""
    n_rows, n_cols = mask.shape
    counts = np.count_nonzero(mask, axis=1)
    rows = np.repeat(np.arange(n_rows, dtype=np.int32), counts)
    cols = np.empty(len(rows), dtype=np.int32)
    step = max(1, 1_000_000 // max(n_cols, 1))
    pos = 0
    for start in range(0, n_rows, step):
        flat = np.flatnonzero(mask[start : start + step])
        cols[pos : pos + len(flat)] = flat % n_cols if n_cols else flat
        pos += len(flat)
    return rows, cols


def _top_k_mask(total: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` best cells of ``mask`` by ``total``; ties to the lower column."""
    out = np.zeros_like(mask)

    def compute(start: int, stop: int) -> None:
        s = np.where(mask[start:stop], total[start:stop], -np.inf)
        n = s.shape[1]
        kth = np.partition(s, n - k, axis=1)[:, n - k][:, None]
        above = s > kth
        tie = s == kth
        need = k - above.sum(axis=1, keepdims=True)
        keep = above | (tie & (np.cumsum(tie, axis=1) <= need))
        out[start:stop] = keep & mask[start:stop]

    fill_rows(out, compute, cells_per_row=total.shape[1] * 8)
    return out


def score_pairs(
    applications: Any,
    policy: str | ProgramPolicy = "amcto",
    weights: Mapping[str, float] | None = None,
    *,
    extractors: Mapping[str, Any] | None = None,
) -> ScoreMatrix:
    """Score every mentor–mentee pair of a cohort.

    Validates the applications, checks eligibility, fits each feature on the
    whole cohort and combines them with the weights.

    Parameters
    ----------
    applications : DataFrame or iterable of dict
        The applications table (see :func:`~mentormatch.validate_applications`).
    policy : str or ProgramPolicy
        A preset name or a policy.
    weights : mapping of str to float, optional
        Feature weights; ``None`` uses ``policy.matching.weights``. Given
        weights replace the policy's. They are normalized to sum to 1, so every
        total is in [0, 1]. Features with weight 0 are not computed.
    extractors : mapping of str to extractor, optional
        Your own features, or built-ins with other parameters, by name (see
        :class:`PairScorer`). A feature of your own needs a weight too.

    Returns
    -------
    ScoreMatrix

    Raises
    ------
    ApplicationError
        When the table has problems, or lacks a column the policy or a
        weighted feature needs.
    ParameterError
        On bad weights, unknown features, or an extractor returning values
        outside [0, 1].

    Examples
    --------
    >>> import mentormatch as mm
    >>> from mentormatch.scoring import score_pairs
    >>> apps = [
    ...     {"id": "e1", "role": "mentee", "skills": "budgeting; council reports"},
    ...     {"id": "r1", "role": "mentor", "skills": "Budgeting; Council  Reports; HR"},
    ...     {"id": "r2", "role": "mentor", "skills": "budgeting"},
    ... ]
    >>> scores = score_pairs(apps, mm.policies.LTB, weights={"skills": 1})
    >>> scores.features["skills"].tolist()
    [[1.0, 0.5]]
    >>> scores.explain("e1", "r2").loc["skills", ["value", "weight", "contribution"]].tolist()
    [0.5, 1.0, 0.5]
    """
    # Check the parameters first, so errors name score_pairs.
    _resolve_policy(policy, "score_pairs")
    if weights is not None:
        _normalized_weights(weights, "score_pairs")
    _check_extractors(extractors, "score_pairs")
    scorer = PairScorer(policy, weights, extractors=extractors)._fit(
        applications, func="score_pairs"
    )
    return ScoreMatrix(scorer, scorer.score_block())
