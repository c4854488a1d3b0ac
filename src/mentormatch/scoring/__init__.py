"""Scoring: how well each mentor suits each mentee, and which pairs are allowed.

Each feature extractor turns the cohort into one (mentees x mentors) matrix
with values in [0, 1]; :func:`score_pairs` combines them with the policy's
weights (normalized to sum to 1) into a :class:`ScoreMatrix`, which also says
which pairs the program's rules allow and explains any pair.

Built-in features (:data:`BUILTIN_EXTRACTORS`):

==================  ==================================  ====================================
name                extractor                           value
==================  ==================================  ====================================
``goals``           :class:`GoalsSimilarity`            TF-IDF cosine of the goals texts
``skills``          :class:`SkillsCoverage`             share of the sought skills offered
``interests``       :class:`InterestOverlap`            Ochiai overlap of areas of interest
``region``          :class:`RegionProximity`            1 same, 0.5 neighbouring, 0 else
``community_size``  :class:`CommunitySizeSimilarity`    1 - (decades apart) / 3, at least 0
``experience``      :class:`ExperienceGap`              years (/10) and stages (/2) ahead
``mutual_request``  :class:`MutualRequest`              1 when each requested the other
==================  ==================================  ====================================

A feature of your own is an object with ``fit(mentees, mentors, *,
policy=None)`` and ``score(rows=None, cols=None)`` (subclass
:class:`FeatureExtractor` for the scikit-learn conveniences), passed by name
with a weight::

    score_pairs(apps, "amcto",
                weights={**mm.policies.AMCTO.matching.weights, "language": 0.2},
                extractors={"language": LanguageMatch()})

For cohorts too large for one matrix, :class:`PairScorer` fits once and scores
any block of mentees x mentors.

Stage 3 of the data flow: in, the applications and a policy (validated and
judged by :mod:`mentormatch.applications` and :mod:`mentormatch.eligibility`);
out, a fitted :class:`PairScorer` and, on the dense path, a :class:`ScoreMatrix`.
Modules: the extractors (``_text``, ``_sets``, ``_categorical``, ``_numeric``,
on ``_base``), the allowed-pair rules (``_rules``), the fitted scorer
(``_scorer``), the dense matrix (``_matrix``) and the compiled kernel that
scores and masks a block in one pass (``_fused``, used by
:mod:`mentormatch.candidates`).
"""

from ._base import FeatureExtractor
from ._categorical import MutualRequest, RegionProximity
from ._matrix import ScoreMatrix, score_pairs
from ._numeric import CommunitySizeSimilarity, ExperienceGap
from ._scorer import BUILTIN_EXTRACTORS, PairScorer, ScoreBlock
from ._sets import InterestOverlap, SkillsCoverage
from ._text import GoalsSimilarity

__all__ = [
    "BUILTIN_EXTRACTORS",
    "CommunitySizeSimilarity",
    "ExperienceGap",
    "FeatureExtractor",
    "GoalsSimilarity",
    "InterestOverlap",
    "MutualRequest",
    "PairScorer",
    "RegionProximity",
    "ScoreBlock",
    "ScoreMatrix",
    "SkillsCoverage",
    "score_pairs",
]
