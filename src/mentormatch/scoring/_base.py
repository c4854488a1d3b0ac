"""The feature-extractor base class and the array helpers the extractors share.

A feature extractor turns the cohort into one (mentees x mentors) matrix of
values in [0, 1]. It follows scikit-learn's conventions:

* ``__init__`` stores its keyword-only parameters as given and does nothing else;
* :meth:`FeatureExtractor.fit` checks the parameters, reads the mentees' and
  mentors' tables and keeps per-side representations in attributes ending in
  ``_`` (TF-IDF vectors, indicator matrices, codes, numbers);
* :meth:`FeatureExtractor.score` returns any block of the matrix, given integer
  row (mentee) and column (mentor) positions, with whole-array operations.

``nan`` in a block means "no information for this pair" (a blank answer on
either side); the scorer replaces it with the feature's neutral value (see
:class:`~mentormatch.scoring.PairScorer`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._params import param_error

__all__ = ["FeatureExtractor"]

#: Below this many cells a block is computed in one go, above it in row chunks
#: spread over threads (scipy's sparse products and numpy release the GIL).
_PARALLEL_CELLS = 2_000_000
_CHUNK_CELLS = 2_500_000
_WS = re.compile(r"\s+")


class FeatureExtractor(BaseEstimator):
    """Base class of the scoring features (scikit-learn style).

    Subclasses implement :meth:`fit` and :meth:`score`; they may override
    :meth:`required_columns`. ``get_params``, ``set_params``, ``repr`` and
    :func:`sklearn.base.clone` come from :class:`sklearn.base.BaseEstimator`.

    A user's own feature does not have to subclass this class: any object with
    ``fit(mentees, mentors, *, policy=None)`` returning itself and
    ``score(rows=None, cols=None)`` returning a float array of shape
    ``(len(rows), len(cols))`` with values in [0, 1] (``nan`` for "no
    information") can be passed to :func:`~mentormatch.scoring.score_pairs`
    through ``extractors=``.
    """

    def required_columns(self) -> tuple[tuple[str, ...], ...]:
        """Columns of the applications table this feature reads.

        Returns
        -------
        tuple of tuple of str
            Each inner tuple is a set of alternatives: at least one of them
            must be present. Empty when the feature needs no column.
        """
        return ()

    def fit(
        self, mentees: pd.DataFrame, mentors: pd.DataFrame, *, policy: Any = None
    ) -> FeatureExtractor:  # pragma: no cover - abstract
        """Learn the per-side representations from the whole cohort.

        Parameters
        ----------
        mentees, mentors : DataFrame
            The validated applications of each side (see
            :func:`~mentormatch.validate_applications`), in matrix order.
        policy : ProgramPolicy, optional
            The program's policy, for settings such as the region adjacency.

        Returns
        -------
        self
        """
        raise NotImplementedError

    def score(
        self,
        rows: Sequence[int] | np.ndarray | None = None,
        cols: Sequence[int] | np.ndarray | None = None,
    ) -> np.ndarray:  # pragma: no cover - abstract
        """Values of the block ``rows`` x ``cols`` of the (mentees x mentors) matrix.

        Parameters
        ----------
        rows : array of int, optional
            Mentee positions (0-based, in the order given to :meth:`fit`);
            all mentees when ``None``.
        cols : array of int, optional
            Mentor positions; all mentors when ``None``.

        Returns
        -------
        ndarray of float32, shape (len(rows), len(cols))
            Values in [0, 1]; ``nan`` where a side gave no information.
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers

    def _block_index(self, rows: Any, cols: Any, func: str) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, ("n_mentees_", "n_mentors_"))
        return (
            as_positions(rows, self.n_mentees_, "rows", func),
            as_positions(cols, self.n_mentors_, "cols", func),
        )

    def _set_sizes(self, mentees: pd.DataFrame, mentors: pd.DataFrame) -> None:
        self.n_mentees_ = len(mentees)
        self.n_mentors_ = len(mentors)


# --------------------------------------------------------------------------- positions


def as_positions(index: Any, n: int, name: str, func: str) -> np.ndarray:
    """``index`` as a 1-D array of positions in ``range(n)`` (all of them when ``None``)."""
    if index is None:
        return np.arange(n, dtype=np.intp)
    arr = np.asarray(index)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.size == 0:
        return np.zeros(0, dtype=np.intp)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        raise param_error(name, func, "a 1-D array of integer positions or None", index)
    if arr.min() < 0 or arr.max() >= n:
        raise param_error(name, func, f"positions in [0, {n - 1}]", index)
    return arr.astype(np.intp, copy=False)


def require_columns(extractor: str, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise a clear ``ValueError`` when ``frame`` lacks one of ``columns``."""
    for col in columns:
        if col not in frame.columns:
            raise ValueError(
                f"{extractor} reads the applications column {col!r}, which the table lacks."
            )


# --------------------------------------------------------------------------- labels


def normalize_label(value: Any) -> str | None:
    """Case- and whitespace-insensitive form of a label; ``None`` when blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = _WS.sub(" ", str(value)).strip().casefold()
    return text or None


def label_codes(*sides: pd.Series) -> tuple[list[np.ndarray], list[str]]:
    """Shared integer codes of normalized labels on each side; ``-1`` when blank.

    Codes follow the sorted order of the labels, so they do not depend on the
    order of the rows.
    """
    normalized = [[normalize_label(v) for v in s.to_numpy(dtype=object)] for s in sides]
    vocab = sorted({v for side in normalized for v in side if v is not None})
    pos = {v: i for i, v in enumerate(vocab)}
    codes = [
        np.fromiter((-1 if v is None else pos[v] for v in side), dtype=np.int64, count=len(side))
        for side in normalized
    ]
    return codes, vocab


def list_indicators(*sides: pd.Series) -> tuple[list[sp.csr_matrix], list[str]]:
    """Binary (rows x items) indicator matrices over a shared, sorted vocabulary.

    Items are compared case- and whitespace-insensitively; repeats count once.
    """
    normalized: list[list[list[str]]] = []
    for s in sides:
        side = []
        for cell in s.to_numpy(dtype=object):
            items = cell if isinstance(cell, (list, tuple)) else []
            side.append(sorted({n for n in map(normalize_label, items) if n is not None}))
        normalized.append(side)
    vocab = sorted({item for side in normalized for cell in side for item in cell})
    pos = {v: i for i, v in enumerate(vocab)}
    out = []
    for side in normalized:
        lengths = np.fromiter((len(c) for c in side), dtype=np.int64, count=len(side))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.fromiter(
            (pos[item] for cell in side for item in cell), dtype=np.int32, count=int(indptr[-1])
        )
        data = np.ones(len(indices), dtype=np.float32)
        out.append(sp.csr_matrix((data, indices, indptr), shape=(len(side), len(vocab))))
    return out, vocab


def scale_rows(matrix: sp.csr_matrix, factors: np.ndarray) -> sp.csr_matrix:
    """Multiply each row of a CSR matrix by its factor (a new matrix)."""
    scaled = sp.csr_matrix(sp.diags(factors.astype(np.float32)) @ matrix)
    scaled.sort_indices()
    return scaled


# --------------------------------------------------------------------------- blocks


def _workers() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, min(os.cpu_count() or 1, 8))


def fill_rows(
    out: np.ndarray, compute: Callable[[int, int], None], *, cells_per_row: int
) -> np.ndarray:
    """Fill ``out`` chunk by chunk of rows with ``compute(start, stop)``, in threads when large."""
    n = out.shape[0]
    total = n * max(cells_per_row, 1)
    if total <= _PARALLEL_CELLS or n < 2:
        compute(0, n)
        return out
    step = max(1, _CHUNK_CELLS // max(cells_per_row, 1))
    starts = range(0, n, step)
    workers = min(_workers(), len(starts))
    if workers == 1:
        for s in starts:
            compute(s, min(s + step, n))
        return out
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda s: compute(s, min(s + step, n)), starts))
    return out


def sparse_dot_block(
    left: sp.csr_matrix, right: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Dense float32 block of ``left[rows] @ right[cols].T`` (both sides CSR)."""
    out = np.empty((len(rows), len(cols)), dtype=np.float32)
    if out.size == 0:
        return out
    a = left[rows]
    bt = right[cols].T.tocsr()

    def compute(start: int, stop: int) -> None:
        out[start:stop] = (a[start:stop] @ bt).toarray()

    return fill_rows(out, compute, cells_per_row=len(cols))


def mark_missing(block: np.ndarray, row_missing: np.ndarray, col_missing: np.ndarray) -> None:
    """Set ``nan`` in the rows and columns of the block that have no information."""
    if row_missing.any():
        block[row_missing, :] = np.nan
    if col_missing.any():
        block[:, col_missing] = np.nan


def clip_unit(block: np.ndarray) -> np.ndarray:
    """Clip in place to [0, 1] (rounding can put a cosine at 1 + 1e-7); ``nan`` stays."""
    np.clip(block, 0.0, 1.0, out=block)
    return block


def check_blank(value: Any, func: str) -> None:
    """``blank`` of an extractor: ``"average"`` or a value in [0, 1] (see :class:`SkillsCoverage`)."""
    ok = (
        value == "average"
        if isinstance(value, str)
        else (
            isinstance(value, (int, float, np.floating))
            and not isinstance(value, bool)
            and 0.0 <= float(value) <= 1.0
        )
    )
    if not ok:
        raise param_error("blank", func, "'average' or a number in [0, 1]", value)


def blank_value(extractor: Any) -> float | None:
    """The value a pair gets where ``extractor`` has no information; ``None`` for the
    cohort average (an extractor without a ``blank`` parameter: region, experience...)."""
    value = getattr(extractor, "blank", "average")
    if isinstance(value, str):
        return None
    return float(value)
