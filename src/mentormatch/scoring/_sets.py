"""Skills and interests: features over lists of labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._params import param_error
from ._base import (
    FeatureExtractor,
    check_blank,
    clip_unit,
    list_indicators,
    mark_missing,
    require_columns,
    scale_rows,
    sparse_dot_block,
)

__all__ = ["InterestOverlap", "SkillsCoverage"]


class SkillsCoverage(FeatureExtractor):
    """Share of the skills a mentee seeks that the mentor offers.

    AMCTO: "Mentees should indicate on their program application what skills
    they are looking to develop". A mentee seeking budgeting and council
    reports and a mentor offering both scores 1; a mentor offering one of the
    two scores 0.5; skills the mentor offers beyond them do not lower it.

    Parameters
    ----------
    column : str
        The list column: skills sought on the mentee's row, offered on the mentor's.
    blank : float or "average"
        What a pair scores here when a side left the column blank (no
        information). Default 0: saying nothing ranks below any real partial
        match (a blank is not the cohort's average fit). ``"average"``: the
        cohort's average over the pairs that have the information, so a blank
        neither helps nor hurts on average (the library's rule before); a number
        in [0, 1]: that value.

    Attributes
    ----------
    vocabulary_ : list of str
        Every skill named in the cohort, normalized (case-folded, runs of
        whitespace made one space), sorted.
    mentee_vectors_ : scipy.sparse.csr_matrix
        Indicator of the skills sought, each row divided by its count.
    mentor_vectors_ : scipy.sparse.csr_matrix
        Indicator of the skills offered.

    Notes
    -----
    ``|sought ∩ offered| / |sought|``, compared case- and
    whitespace-insensitively. An empty list on either side is no information
    (``nan``; the scorer counts ``blank``, 0 by default: a mentee who named no
    skill does not outrank one a mentor covers in part).
    """

    def __init__(self, *, column: str = "skills", blank: float | str = 0.0) -> None:
        self.column = column
        self.blank = blank

    def required_columns(self) -> tuple[tuple[str, ...], ...]:
        return ((self.column,),)

    def fit(
        self, mentees: pd.DataFrame, mentors: pd.DataFrame, *, policy: Any = None
    ) -> SkillsCoverage:
        _fit_lists(self, mentees, mentors)
        counts = np.asarray(self._mentee_raw.sum(axis=1)).ravel()
        with np.errstate(divide="ignore"):
            self.mentee_vectors_ = scale_rows(self._mentee_raw, np.where(counts > 0, 1 / counts, 0))
        self.mentor_vectors_ = self._mentor_raw
        del self._mentee_raw, self._mentor_raw
        return self

    def score(self, rows: Any = None, cols: Any = None) -> np.ndarray:
        return _score_lists(self, rows, cols)


class InterestOverlap(FeatureExtractor):
    """Overlap of the areas of interest (3CMA "mutual areas of interest").

    Parameters
    ----------
    column : str
        The list column of areas of interest, on both sides.
    blank : float or "average"
        What a pair scores here when a side left the column blank (no
        information). Default 0: saying nothing ranks below any real partial
        match (a blank is not the cohort's average fit). ``"average"``: the
        cohort's average over the pairs that have the information, so a blank
        neither helps nor hurts on average (the library's rule before); a number
        in [0, 1]: that value.

    Attributes
    ----------
    vocabulary_ : list of str
        Every area named in the cohort, normalized and sorted.
    mentee_vectors_, mentor_vectors_ : scipy.sparse.csr_matrix
        Indicator rows divided by the square root of their count.

    Notes
    -----
    The Ochiai coefficient ``|A ∩ B| / sqrt(|A| |B|)`` (the cosine of the two
    indicator vectors): symmetric, as "mutual" asks; 1 only for the same
    areas; someone listing every area does not match everyone perfectly, and a
    shared area counts more between two people with few areas. Compared
    case- and whitespace-insensitively; an empty list is no information
    (the scorer counts ``blank``, 0 by default).
    """

    def __init__(self, *, column: str = "interests", blank: float | str = 0.0) -> None:
        self.column = column
        self.blank = blank

    def required_columns(self) -> tuple[tuple[str, ...], ...]:
        return ((self.column,),)

    def fit(
        self, mentees: pd.DataFrame, mentors: pd.DataFrame, *, policy: Any = None
    ) -> InterestOverlap:
        _fit_lists(self, mentees, mentors)
        for side in ("mentee", "mentor"):
            raw = getattr(self, f"_{side}_raw")
            counts = np.asarray(raw.sum(axis=1)).ravel()
            with np.errstate(divide="ignore"):
                factors = np.where(counts > 0, 1 / np.sqrt(counts), 0)
            setattr(self, f"{side}_vectors_", scale_rows(raw, factors))
        del self._mentee_raw, self._mentor_raw
        return self

    def score(self, rows: Any = None, cols: Any = None) -> np.ndarray:
        return _score_lists(self, rows, cols)


def _fit_lists(est: Any, mentees: pd.DataFrame, mentors: pd.DataFrame) -> None:
    name = type(est).__name__
    if not isinstance(est.column, str):
        raise param_error("column", name, "a column name", est.column)
    check_blank(est.blank, name)
    require_columns(name, mentees, [est.column])
    require_columns(name, mentors, [est.column])
    est._set_sizes(mentees, mentors)
    (a, b), vocab = list_indicators(mentees[est.column], mentors[est.column])
    est.vocabulary_ = vocab
    est._mentee_raw, est._mentor_raw = a, b
    est.mentee_missing_ = np.diff(a.indptr) == 0
    est.mentor_missing_ = np.diff(b.indptr) == 0


def _score_lists(est: Any, rows: Any, cols: Any) -> np.ndarray:
    r, c = est._block_index(rows, cols, f"{type(est).__name__}.score")
    block = sparse_dot_block(est.mentee_vectors_, est.mentor_vectors_, r, c)
    mark_missing(block, est.mentee_missing_[r], est.mentor_missing_[c])
    return clip_unit(block)
