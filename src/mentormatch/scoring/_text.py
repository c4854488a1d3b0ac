"""Goals: how close the mentee's goals text is to what the mentor wrote."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .._params import check_number, param_error
from ._base import (
    FeatureExtractor,
    check_blank,
    clip_unit,
    mark_missing,
    require_columns,
    sparse_dot_block,
)

__all__ = ["GoalsSimilarity"]


class GoalsSimilarity(FeatureExtractor):
    """Cosine similarity of TF-IDF vectors of the goals text.

    AMCTO matches "based on skills and what each party hopes to take away from
    the program" and on "your goals, background and experience"; the ``goals``
    column holds what a mentee hopes to gain and what a mentor can offer.

    Parameters
    ----------
    column : str
        The text column read on both sides.
    stop_words : {"english"}, list of str or None
        Words ignored (scikit-learn's English list by default).
    ngram_range : tuple of (int, int)
        Word n-grams used; ``(1, 2)`` also matches phrases such as "council reports".
    sublinear_tf : bool
        Use ``1 + log(tf)``: a word repeated ten times does not weigh ten times.
    min_df : int
        Ignore words used by fewer applicants than this.
    blank : float or "average"
        What a pair scores here when a side left the column blank (no
        information). Default 0: saying nothing ranks below any real partial
        match (a blank is not the cohort's average fit). ``"average"``: the
        cohort's average over the pairs that have the information, so a blank
        neither helps nor hurts on average (the library's rule before); a number
        in [0, 1]: that value.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer or None
        Fitted on the non-blank texts of the whole cohort (mentees and mentors
        together); ``None`` when no text has a usable word.
    mentee_vectors_, mentor_vectors_ : scipy.sparse.csr_matrix
        L2-normalized TF-IDF rows (float32); an all-zero row means no information.

    Notes
    -----
    A blank text (or one made only of stop words) is *no information*: the
    pair's value is ``nan`` here, and the scorer counts ``blank`` instead (0
    by default: an applicant who wrote nothing ranks below one whose goals
    differ in part from the mentor's; AMCTO matches "based on shared interests
    and goals", and a blank states none).
    """

    def __init__(
        self,
        *,
        column: str = "goals",
        stop_words: str | Sequence[str] | None = "english",
        ngram_range: tuple[int, int] = (1, 1),
        sublinear_tf: bool = True,
        min_df: int = 1,
        blank: float | str = 0.0,
    ) -> None:
        self.column = column
        self.stop_words = stop_words
        self.ngram_range = ngram_range
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.blank = blank

    def required_columns(self) -> tuple[tuple[str, ...], ...]:
        return ((self.column,),)

    def fit(
        self, mentees: pd.DataFrame, mentors: pd.DataFrame, *, policy: Any = None
    ) -> GoalsSimilarity:
        name = type(self).__name__
        check_number(self.min_df, "min_df", name, low=1, integer=True)
        if not isinstance(self.column, str):
            raise param_error("column", name, "a column name", self.column)
        _check_text_params(self, name)
        check_blank(self.blank, name)
        require_columns(name, mentees, [self.column])
        require_columns(name, mentors, [self.column])
        self._set_sizes(mentees, mentors)
        texts_a = _texts(mentees[self.column])
        texts_b = _texts(mentors[self.column])
        corpus = [t for t in texts_a + texts_b if t]
        vectorizer = TfidfVectorizer(
            stop_words=self.stop_words,
            ngram_range=self.ngram_range,
            sublinear_tf=self.sublinear_tf,
            min_df=self.min_df,
            strip_accents="unicode",
            dtype=np.float32,
        )
        try:
            if len(corpus) < self.min_df:  # no word can be used by min_df applicants
                raise ValueError("empty vocabulary")
            vectorizer.fit(corpus)
        except ValueError as exc:
            # No document, only stop words, or no word used by min_df applicants:
            # nothing to compare. Anything else is a real error, not "no information".
            text = str(exc)
            if "empty vocabulary" not in text and "no terms remain" not in text:
                raise
            self.vectorizer_ = None
            self.mentee_vectors_ = sp.csr_matrix((len(texts_a), 0), dtype=np.float32)
            self.mentor_vectors_ = sp.csr_matrix((len(texts_b), 0), dtype=np.float32)
        else:
            self.vectorizer_ = vectorizer
            self.mentee_vectors_ = _vectors(vectorizer, texts_a)
            self.mentor_vectors_ = _vectors(vectorizer, texts_b)
        self.mentee_missing_ = np.diff(self.mentee_vectors_.indptr) == 0
        self.mentor_missing_ = np.diff(self.mentor_vectors_.indptr) == 0
        return self

    def score(self, rows: Any = None, cols: Any = None) -> np.ndarray:
        r, c = self._block_index(rows, cols, f"{type(self).__name__}.score")
        block = sparse_dot_block(self.mentee_vectors_, self.mentor_vectors_, r, c)
        mark_missing(block, self.mentee_missing_[r], self.mentor_missing_[c])
        return clip_unit(block)


def _check_text_params(est: GoalsSimilarity, name: str) -> None:
    """Check the vectorizer's parameters here: sklearn's errors would read as "no text"."""
    sw = est.stop_words
    if not (
        sw is None
        or sw == "english"
        or (
            not isinstance(sw, str)
            and isinstance(sw, Sequence)
            and all(isinstance(w, str) for w in sw)
        )
    ):
        raise param_error("stop_words", name, "'english', a list of words or None", sw)
    ng = est.ngram_range
    if not (
        isinstance(ng, tuple)
        and len(ng) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in ng)
        and 1 <= ng[0] <= ng[1]
    ):
        raise param_error("ngram_range", name, "a tuple (low, high) of ints, 1 <= low <= high", ng)
    if not isinstance(est.sublinear_tf, bool):
        raise param_error("sublinear_tf", name, "a bool", est.sublinear_tf)


def _texts(series: pd.Series) -> list[str]:
    return ["" if v is None or v is pd.NA else str(v) for v in series.to_numpy(dtype=object)]


def _vectors(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    if not texts:
        return sp.csr_matrix((0, len(vectorizer.vocabulary_)), dtype=np.float32)
    # TfidfVectorizer L2-normalizes every non-empty row, so a dot product is the cosine.
    matrix = sp.csr_matrix(vectorizer.transform(texts), dtype=np.float32)
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix
