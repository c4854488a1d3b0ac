"""Community size and experience: features over numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._params import check_number
from ._base import FeatureExtractor, fill_rows, require_columns

__all__ = ["CommunitySizeSimilarity", "ExperienceGap"]


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


class CommunitySizeSimilarity(FeatureExtractor):
    """Similarity of the population served, on a log scale (3CMA "community size").

    Parameters
    ----------
    decades : float
        How many powers of ten apart two communities must be to score 0.
    column : str
        The population column.

    Attributes
    ----------
    mentee_log_, mentor_log_ : ndarray of float32
        ``log10(1 + population)``; ``nan`` when blank.

    Notes
    -----
    ``max(0, 1 - |log10(1 + a) - log10(1 + b)| / decades)``: a town of 5,000
    and one of 50,000 are one decade apart (0.67 with the default three
    decades); a hamlet of 300 and a city of 1,000,000 score 0. The same ratio
    counts the same at every size: 500 vs 5,000 is as far as 50,000 vs
    500,000. A blank on either side is no information (``nan``).
    """

    def __init__(self, *, decades: float = 3.0, column: str = "community_size") -> None:
        self.decades = decades
        self.column = column

    def required_columns(self) -> tuple[tuple[str, ...], ...]:
        return ((self.column,),)

    def fit(
        self, mentees: pd.DataFrame, mentors: pd.DataFrame, *, policy: Any = None
    ) -> CommunitySizeSimilarity:
        name = type(self).__name__
        check_number(self.decades, "decades", name, low=0, low_open=True)
        require_columns(name, mentees, [self.column])
        require_columns(name, mentors, [self.column])
        self._set_sizes(mentees, mentors)
        with np.errstate(invalid="ignore"):
            self.mentee_log_ = np.log10(1 + _numbers(mentees, self.column)).astype(np.float32)
            self.mentor_log_ = np.log10(1 + _numbers(mentors, self.column)).astype(np.float32)
        return self

    def score(self, rows: Any = None, cols: Any = None) -> np.ndarray:
        r, c = self._block_index(rows, cols, f"{type(self).__name__}.score")
        a = self.mentee_log_[r]
        b = self.mentor_log_[c]
        out = np.empty((len(r), len(c)), dtype=np.float32)
        slope = np.float32(1 / float(self.decades))

        def compute(start: int, stop: int) -> None:
            block = out[start:stop]
            np.subtract(a[start:stop, None], b[None, :], out=block)
            np.abs(block, out=block)
            block *= -slope
            block += np.float32(1)
            np.maximum(block, np.float32(0), out=block)  # nan stays nan

        return fill_rows(out, compute, cells_per_row=len(c))


class ExperienceGap(FeatureExtractor):
    """How far the mentor is ahead of the mentee, in years and in career stage.

    AMCTO pairs "those new to the municipal sector with more experienced,
    senior professionals" (years of professional experience); AMA asks for a
    mentor at a higher stage of its Professional Development Map.

    Parameters
    ----------
    years_gap : float
        Years the mentor must be ahead for the years part to reach 1.
    stage_gap : float
        Career stages the mentor must be ahead for the stage part to reach 1.
    years_column, stage_column : str
        The columns read; either may be absent (at least one must be present).

    Attributes
    ----------
    parts_ : list of str
        The columns used, among ``years_column`` and ``stage_column``.
    mentee_values_, mentor_values_ : dict of str to ndarray of float32
        Each part's values per side; ``nan`` when blank.

    Notes
    -----
    Years part: ``clip((mentor years - mentee years) / years_gap, 0, 1)``;
    stage part: ``clip((mentor stage - mentee stage) / stage_gap, 0, 1)``. A
    mentor behind or level with the mentee scores 0 (for AMA such a pair is
    also not allowed by the ``career_stage`` rule). With both columns the
    value is the mean of the parts that are known for the pair; with none
    known, no information (``nan``).
    """

    def __init__(
        self,
        *,
        years_gap: float = 10.0,
        stage_gap: float = 2.0,
        years_column: str = "years_experience",
        stage_column: str = "career_stage",
    ) -> None:
        self.years_gap = years_gap
        self.stage_gap = stage_gap
        self.years_column = years_column
        self.stage_column = stage_column

    def required_columns(self) -> tuple[tuple[str, ...], ...]:
        return ((self.years_column, self.stage_column),)

    def fit(
        self, mentees: pd.DataFrame, mentors: pd.DataFrame, *, policy: Any = None
    ) -> ExperienceGap:
        name = type(self).__name__
        check_number(self.years_gap, "years_gap", name, low=0, low_open=True)
        check_number(self.stage_gap, "stage_gap", name, low=0, low_open=True)
        self._set_sizes(mentees, mentors)
        parts = [
            col
            for col in (self.years_column, self.stage_column)
            if col in mentees.columns and col in mentors.columns
        ]
        if not parts:
            require_columns(name, mentees, [f"{self.years_column} or {self.stage_column}"])
        self.parts_ = parts
        self.mentee_values_ = {p: _numbers(mentees, p).astype(np.float32) for p in parts}
        self.mentor_values_ = {p: _numbers(mentors, p).astype(np.float32) for p in parts}
        return self

    def score(self, rows: Any = None, cols: Any = None) -> np.ndarray:
        r, c = self._block_index(rows, cols, f"{type(self).__name__}.score")
        out = np.empty((len(r), len(c)), dtype=np.float32)
        scales = {
            self.years_column: np.float32(1 / float(self.years_gap)),
            self.stage_column: np.float32(1 / float(self.stage_gap)),
        }
        sides = [
            (self.mentee_values_[p][r], self.mentor_values_[p][c], scales[p]) for p in self.parts_
        ]

        def part(a: np.ndarray, b: np.ndarray, scale: np.float32) -> np.ndarray:
            gap = np.subtract(b[None, :], a[:, None])
            gap *= scale
            return np.clip(gap, 0, 1, out=gap)

        def compute(start: int, stop: int) -> None:
            if len(sides) == 1:
                a, b, s = sides[0]
                out[start:stop] = part(a[start:stop], b, s)
                return
            total = np.zeros((stop - start, len(c)), dtype=np.float32)
            known = np.zeros((stop - start, len(c)), dtype=np.float32)
            for a, b, s in sides:
                value = part(a[start:stop], b, s)
                have = ~np.isnan(value)
                total += np.where(have, value, np.float32(0))
                known += have
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(total, known, out=out[start:stop])  # 0 / 0 -> nan: no information

        return fill_rows(out, compute, cells_per_row=len(c))
