"""The fitted scorer: every feature fitted once on the cohort, any block of mentees x mentors scored.

:class:`PairScorer` validates the applications, decides eligibility, builds the
pair rules and fits the extractors; :meth:`PairScorer.score_block` gives one
:class:`ScoreBlock` (totals, features, allowed pairs).
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._errors import ApplicationError
from .._params import param_error
from .._policy import ProgramPolicy
from ..applications._schema import _validate
from ..eligibility._evaluate import evaluate
from ._base import as_positions, blank_value, fill_rows
from ._categorical import MutualRequest, RegionProximity
from ._numeric import CommunitySizeSimilarity, ExperienceGap
from ._rules import PairRules, build_rules
from ._sets import InterestOverlap, SkillsCoverage
from ._text import GoalsSimilarity

__all__ = ["BUILTIN_EXTRACTORS", "PairScorer", "ScoreBlock"]

#: The built-in features: name -> extractor class (built with default parameters).
BUILTIN_EXTRACTORS: Mapping[str, type] = MappingProxyType(
    {
        "goals": GoalsSimilarity,
        "skills": SkillsCoverage,
        "interests": InterestOverlap,
        "region": RegionProximity,
        "community_size": CommunitySizeSimilarity,
        "experience": ExperienceGap,
        "mutual_request": MutualRequest,
    }
)
_BUILTIN_TYPES = tuple(BUILTIN_EXTRACTORS.values())

#: Column names of :meth:`ScoreMatrix.to_frame` that a feature may not take.
RESERVED_NAMES = frozenset(
    {"mentee_index", "mentee_id", "mentor_index", "mentor_id", "score", "reason", "total"}
)

#: Mentees and mentors per side of the sample the neutral values are averaged on.
NEUTRAL_SAMPLE = 1024
#: Neutral value of a feature no pair in the sample has information for.
NEUTRAL_FALLBACK = 0.5


class ScoreBlock(NamedTuple):
    """One block of scores, as returned by :meth:`PairScorer.score_block`."""

    rows: np.ndarray
    """Mentee positions of the block's rows."""
    cols: np.ndarray
    """Mentor positions of the block's columns."""
    total: np.ndarray
    """float32 (rows x cols): the weighted sum of the features, in [0, 1]."""
    features: dict[str, np.ndarray]
    """Feature name -> float32 raw values in [0, 1], blanks replaced by the neutral value."""
    allowed: np.ndarray
    """bool (rows x cols): whether the rules allow the pair."""


# --------------------------------------------------------------------------- parameters


def _resolve_policy(policy: Any, func: str) -> ProgramPolicy:
    if isinstance(policy, ProgramPolicy):
        return policy
    if isinstance(policy, str):
        from ..policies import get_policy

        return get_policy(policy)
    raise param_error("policy", func, "a preset name or a ProgramPolicy", policy)


def _normalized_weights(weights: Any, func: str) -> dict[str, float]:
    expected = "a mapping of feature name to a finite number >= 0, with one above 0"
    if not isinstance(weights, Mapping) or not weights:
        raise param_error("weights", func, expected, weights)
    out: dict[str, float] = {}
    for name, w in weights.items():
        if not isinstance(name, str) or not name:
            raise param_error("weights", func, expected, weights)
        if name in RESERVED_NAMES:
            raise param_error(
                "weights", func, f"feature names other than {sorted(RESERVED_NAMES)}", name
            )
        if (
            isinstance(w, bool)
            or not isinstance(w, numbers.Real)
            or not math.isfinite(float(w))
            or float(w) < 0
        ):
            raise param_error("weights", func, expected, weights)
        out[name] = float(w)
    try:
        total = math.fsum(out.values())
    except OverflowError:  # weights near the float maximum: only their ratios matter
        total = math.inf
    if math.isinf(total):
        top = max(out.values())
        out = {name: w / top for name, w in out.items()}
        total = math.fsum(out.values())
    if total <= 0:
        raise param_error("weights", func, expected, weights)
    return {name: w / total for name, w in out.items() if w > 0}


def _check_extractors(extractors: Any, func: str) -> dict[str, Any]:
    if extractors is None:
        return {}
    expected = "a mapping of feature name to an extractor (an object with fit and score)"
    if not isinstance(extractors, Mapping):
        raise param_error("extractors", func, expected, extractors)
    for name, ext in extractors.items():
        if not isinstance(name, str) or not name or name in RESERVED_NAMES:
            raise param_error("extractors", func, expected, name)
        if isinstance(ext, type) or not (
            callable(getattr(ext, "fit", None)) and callable(getattr(ext, "score", None))
        ):
            raise param_error("extractors", func, expected, ext)
    return dict(extractors)


def _missing_columns(
    apps: pd.DataFrame, policy: ProgramPolicy, extractors: Mapping[str, Any]
) -> list[dict[str, Any]]:
    problems = []
    needs: list[tuple[tuple[str, ...], str]] = []
    if not policy.matching.allow_same_organization:
        needs.append((("organization",), "matching setting allow_same_organization = false"))
    for name, ext in extractors.items():
        required = getattr(ext, "required_columns", None)
        for alternatives in required() if callable(required) else ():
            needs.append((tuple(alternatives), f"scoring feature {name!r}"))
    seen = set()
    for alternatives, why in needs:
        if any(a in apps.columns for a in alternatives) or alternatives in seen:
            continue
        seen.add(alternatives)
        col = " or ".join(alternatives)
        problems.append(
            {
                "row": None,
                "column": col,
                "value": None,
                "expected": f"a column {col!r}: the {policy.name} policy ({why}) needs it",
            }
        )
    return problems


# --------------------------------------------------------------------------- scorer


class PairScorer:
    """Fit the features on a whole cohort, then score any block of pairs.

    :func:`score_pairs` is ``PairScorer(...).fit(apps)`` followed by one block
    holding every pair. For cohorts too large for one matrix, score blocks of
    mentees against blocks of mentors with :meth:`score_block`; every block is
    the same as the matching part of the full matrix.

    Parameters
    ----------
    policy : str or ProgramPolicy
        A preset name (``"amcto"``, ``"ama"``, ``"3cma"``, ``"ltb"``) or a policy.
    weights : mapping of str to float, optional
        Feature weights; ``None`` uses ``policy.matching.weights``. When given,
        they *replace* the policy's weights (write
        ``{**policy.matching.weights, "language": 0.2}`` to add one). They are
        normalized to sum to 1, so totals are in [0, 1]; features with weight 0
        are not computed.
    extractors : mapping of str to extractor, optional
        Extractors by feature name, for features of your own or to change a
        built-in one's parameters (``{"region": RegionProximity(adjacent=0.25)}``).
        Each is cloned (:func:`sklearn.base.clone`) before fitting, so the object
        you pass stays unfitted. Names not given use :data:`BUILTIN_EXTRACTORS`.

    Attributes
    ----------
    policy_ : ProgramPolicy
    weights_ : dict of str to float
        The normalized weights of the features computed (weight above 0).
    extractors_ : dict of str to extractor
        The fitted extractors, in the order of ``weights_``.
    neutral_ : dict of str to float
        The value counted for a pair where a feature has no information: the
        extractor's ``blank`` (0 for goals, skills and interests), or the
        feature's average over the pairs that have it (see Notes).
    applications_ : DataFrame
        The validated applications.
    eligibility_ : DataFrame
        :func:`~mentormatch.check_eligibility`'s table, in input order.
    mentee_positions_, mentor_positions_ : ndarray of int
        Rows of ``applications_`` that are the matrix's rows and columns.
    mentee_ids_, mentor_ids_ : pandas.Index
        The ids of the rows (mentees) and columns (mentors), in input order.
    rules_ : PairRules
        What the allowed-pair rules need, per side.
    fit_times_ : dict of str to float
        Seconds spent validating (``validate_s``), checking eligibility
        (``eligibility_s``) and fitting the features (``features_s``).

    Notes
    -----
    **No information.** A blank answer (no goals text, no skills, no region...)
    on either side leaves a feature without information for that pair. For
    what applicants *state* (goals, skills, interests) the pair scores the
    extractor's ``blank``, 0 by default: saying nothing ranks below a real
    partial match (before, a blank scored the cohort average, 0.625 where a
    stated but different answer scored 0.25), and ``explain`` says so. For
    what applicants *are* (region, community size, experience) a blank is
    neither a perfect nor a zero match: the pair gets the feature's *neutral
    value*, the average of the feature over the cohort's pairs that do have the
    information, so a blank neither helps nor hurts on average (give an own
    extractor ``blank="average"`` for goals, skills or interests to count them
    so too). The average is
    taken over every pair when each side has at most 1,024 applicants, and
    otherwise over an evenly spaced sample of 1,024 mentees and 1,024 mentors
    taken in sorted-id order (deterministic, and the same whatever the row
    order). When no sampled pair has the information, the neutral value is 0.5.

    **Memory.** Fitting keeps per-side data only (sparse TF-IDF and indicator
    rows, codes, numbers: linear in the cohort). A block of ``R`` mentees x ``C``
    mentors takes ``R * C * (4 * (n_features + 1) + 1)`` bytes (float32
    features and total, a bool mask), so a 100,000 x 100,000 cohort is scored
    as, e.g., 200 x 100,000 blocks of about 0.5 GB each with five features, or
    smaller ones.
    """

    def __init__(
        self,
        policy: str | ProgramPolicy = "amcto",
        weights: Mapping[str, float] | None = None,
        *,
        extractors: Mapping[str, Any] | None = None,
    ) -> None:
        self.policy = policy
        self.weights = weights
        self.extractors = extractors

    def fit(self, applications: Any) -> PairScorer:
        """Validate the applications, check eligibility and fit every feature.

        Parameters
        ----------
        applications : DataFrame or iterable of dict
            The applications table (validated here).

        Returns
        -------
        self
        """
        return self._fit(applications, func="PairScorer")

    def _fit(self, applications: Any, *, func: str) -> PairScorer:
        policy = _resolve_policy(self.policy, func)
        weights = _normalized_weights(
            policy.matching.weights if self.weights is None else self.weights, func
        )
        given = _check_extractors(self.extractors, func)
        unknown = [n for n in weights if n not in given and n not in BUILTIN_EXTRACTORS]
        if unknown:
            known = sorted(set(BUILTIN_EXTRACTORS) | set(given))
            raise param_error(
                "weights",
                func,
                f"weights of features with an extractor ({', '.join(map(repr, known))}; "
                "add your own with extractors=)",
                unknown[0],
            )
        extractors = {
            n: clone(given[n], safe=False) if n in given else BUILTIN_EXTRACTORS[n]()
            for n in weights
        }

        self._func = func  # names the caller in errors about extractors' output
        t0 = time.perf_counter()
        apps = _validate(applications, policy, row_base=0, scope="eligibility")
        problems = _missing_columns(apps, policy, extractors)
        if problems:
            raise ApplicationError(problems)
        t1 = time.perf_counter()
        eligibility = evaluate(apps, policy)
        t2 = time.perf_counter()
        role = apps["role"].to_numpy(dtype=object)
        mentee_pos = np.flatnonzero(role == "mentee")
        mentor_pos = np.flatnonzero(role == "mentor")
        mentees = apps.iloc[mentee_pos].reset_index(drop=True)
        mentors = apps.iloc[mentor_pos].reset_index(drop=True)
        for ext in extractors.values():
            ext.fit(mentees, mentors, policy=policy)

        self.policy_ = policy
        self.weights_ = weights
        self.extractors_ = extractors
        self.applications_ = apps
        self.eligibility_ = eligibility
        self.mentee_positions_ = mentee_pos
        self.mentor_positions_ = mentor_pos
        self.mentee_ids_ = pd.Index(mentees["id"].astype("string"), name="mentee_id")
        self.mentor_ids_ = pd.Index(mentors["id"].astype("string"), name="mentor_id")
        self.rules_: PairRules = build_rules(
            mentees,
            mentors,
            eligibility.iloc[mentee_pos].reset_index(drop=True),
            eligibility.iloc[mentor_pos].reset_index(drop=True),
            policy,
        )
        rows = _sample(self.mentee_ids_)
        cols = _sample(self.mentor_ids_)
        self.neutral_ = {
            n: _neutral(self._raw(n, rows, cols)) if blank_value(ext) is None else blank_value(ext)
            for n, ext in extractors.items()
        }
        self.fit_times_ = {
            "validate_s": t1 - t0,
            "eligibility_s": t2 - t1,
            "features_s": time.perf_counter() - t2,
        }
        return self

    @property
    def shape(self) -> tuple[int, int]:
        """(number of mentees, number of mentors)."""
        return len(self.mentee_ids_), len(self.mentor_ids_)

    def _raw(self, name: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The extractor's block, checked: float32, right shape, in [0, 1] or nan."""
        ext = self.extractors_[name]
        out = ext.score(rows, cols)
        if type(ext) in _BUILTIN_TYPES:  # tested; a user's subclass is checked like any other
            return out
        try:
            given = np.asarray(out)
        except (TypeError, ValueError):  # ragged lists
            given = np.asarray(None)
        if given.dtype.kind not in "biuf":  # text, objects; complex parts would be dropped
            raise param_error(
                "extractors",
                self._func,
                f"extractors whose score(rows, cols) returns real numbers; {name!r} returned "
                f"{type(out).__name__} of dtype {given.dtype}",
                ext,
            )
        block = np.array(given, dtype=np.float32)  # a copy: filling nan must not touch its state
        if block.shape != (len(rows), len(cols)):
            raise param_error(
                "extractors",
                self._func,
                f"extractors whose score(rows, cols) has shape ({len(rows)}, {len(cols)}); "
                f"{name!r} returned shape {block.shape}",
                ext,
            )
        with np.errstate(invalid="ignore"):
            bad = (block < 0) | (block > 1) | np.isinf(block)
        if bad.any():
            value = float(block[bad][0])
            raise param_error(
                "extractors",
                self._func,
                f"extractors whose score returns values in [0, 1] or nan; {name!r} returned "
                f"{value!r}",
                ext,
            )
        return block

    def allowed_block(self, rows: Any = None, cols: Any = None) -> np.ndarray:
        """Boolean block: whether the rules allow each (mentee, mentor) pair."""
        r = as_positions(rows, self.shape[0], "rows", "PairScorer.allowed_block")
        c = as_positions(cols, self.shape[1], "cols", "PairScorer.allowed_block")
        return self.rules_.allowed(r, c)

    def score_block(
        self, rows: Any = None, cols: Any = None, *, keep_features: bool = True
    ) -> ScoreBlock:
        """Scores of the mentees ``rows`` against the mentors ``cols``.

        Parameters
        ----------
        rows : array of int, optional
            Mentee positions (0-based, the order of ``mentee_ids_``); all when ``None``.
        cols : array of int, optional
            Mentor positions; all when ``None``.

        keep_features : bool
            ``False`` returns an empty ``features`` dict and computes the total
            in place, feature by feature (less memory and time when only the
            totals are needed, as when finding candidates block by block).

        Returns
        -------
        ScoreBlock
            ``total`` (float32), ``features`` (float32 raw values, blanks replaced
            by the neutral value) and ``allowed`` (bool), each of shape
            ``(len(rows), len(cols))``.
        """
        r = as_positions(rows, self.shape[0], "rows", "PairScorer.score_block")
        c = as_positions(cols, self.shape[1], "cols", "PairScorer.score_block")
        total = np.zeros((len(r), len(c)), dtype=np.float32)
        if not keep_features:
            for n, w in self.weights_.items():
                part = self._raw(n, r, c)
                np.copyto(part, np.float32(self.neutral_[n]), where=np.isnan(part))
                part *= np.float32(w)
                total += part
            np.minimum(total, np.float32(1), out=total)
            return ScoreBlock(r, c, total, {}, self.rules_.allowed(r, c))
        features = {n: self._raw(n, r, c) for n in self.extractors_}
        items = [
            (features[n], np.float32(self.neutral_[n]), np.float32(w))
            for n, w in self.weights_.items()
        ]

        def compute(start: int, stop: int) -> None:
            acc = total[start:stop]
            for block, neutral, weight in items:
                part = block[start:stop]
                np.copyto(part, neutral, where=np.isnan(part))
                acc += part * weight
            # A weighted mean of values in [0, 1]; rounding may overshoot by an ulp.
            np.minimum(acc, np.float32(1), out=acc)

        fill_rows(total, compute, cells_per_row=max(len(c), 1) * max(len(items), 1))
        return ScoreBlock(r, c, total, features, self.rules_.allowed(r, c))

    def explain(self, mentee_id: str, mentor_id: str) -> pd.DataFrame:
        """Why a pair scores what it scores, and whether it is allowed.

        Parameters
        ----------
        mentee_id, mentor_id : str
            The pair's ids.

        Returns
        -------
        DataFrame
            One row per feature with ``value`` (the raw value in [0, 1]),
            ``weight`` (normalized), ``contribution`` (``weight * value``) and
            ``note`` (says when a side gave no information and the neutral
            value was counted), then a ``total`` row whose ``contribution`` is
            the pair's total (the feature contributions add up to it) and whose
            ``note`` says whether the pair is allowed and, if not, why.
            ``.attrs`` holds ``mentee_id``, ``mentor_id``, ``total``, ``allowed``
            and ``reasons`` (the codes of the rules that forbid the pair:
            ``mentee_ineligible``, ``mentor_ineligible``, ``same_organization``,
            ``previous_partners`` or a pairwise rule's code).
        """
        func = "PairScorer.explain"
        i = _id_position(self.mentee_ids_, mentee_id, "mentee_id", func)
        j = _id_position(self.mentor_ids_, mentor_id, "mentor_id", func)
        block = self.score_block(np.array([i]), np.array([j]))
        rows = []
        for name, weight in self.weights_.items():
            value = float(block.features[name][0, 0])
            informed = not np.isnan(self._raw(name, np.array([i]), np.array([j]))[0, 0])
            fixed = blank_value(self.extractors_[name])
            note = (
                ""
                if informed
                else f"no information on one side: the cohort average ({value:.3f}) is counted"
                if fixed is None
                else f"no information on one side (a blank answer): counted as {fixed:g}"
            )
            rows.append(
                {
                    "feature": name,
                    "value": value,
                    "weight": weight,
                    "contribution": weight * value,
                    "note": note,
                }
            )
        total = float(block.total[0, 0])
        why = self.rules_.why_not(i, j)
        allowed = bool(block.allowed[0, 0])
        rows.append(
            {
                "feature": "total",
                "value": total,
                "weight": math.fsum(self.weights_.values()),
                "contribution": total,
                "note": "allowed" if allowed else "not allowed: " + " ".join(s for _, s in why),
            }
        )
        frame = pd.DataFrame(rows, columns=["feature", "value", "weight", "contribution", "note"])
        frame = frame.set_index("feature")
        frame.attrs.update(
            {
                "mentee_id": str(self.mentee_ids_[i]),
                "mentor_id": str(self.mentor_ids_[j]),
                "total": total,
                "allowed": allowed,
                "reasons": [code for code, _ in why],
            }
        )
        return frame


def _id_position(
    ids: pd.Index, value: Any, name: str, func: str, where: str = "this cohort"
) -> int:
    pos = ids.get_indexer([str(value)])[0] if isinstance(value, (str, int)) else -1
    if pos < 0:
        role = name.split("_")[0]
        raise param_error(name, func, f"the id of a {role} in {where}", value)
    return int(pos)


def _sample(ids: pd.Index) -> np.ndarray:
    order = np.argsort(ids.to_numpy(dtype=object), kind="stable")
    if len(order) <= NEUTRAL_SAMPLE:
        return order
    picks = np.linspace(0, len(order) - 1, NEUTRAL_SAMPLE).round().astype(np.intp)
    return np.sort(order[np.unique(picks)])


def _neutral(block: np.ndarray) -> float:
    known = ~np.isnan(block)
    count = int(known.sum())
    if count == 0:
        return NEUTRAL_FALLBACK
    return float(np.sum(block, where=known, dtype=np.float64) / count)
