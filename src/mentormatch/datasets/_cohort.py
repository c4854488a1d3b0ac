"""Synthetic applications tables: :func:`make_cohort`.

How a cohort is made
--------------------
1. Employers (organizations) are drawn first, each with a kind ("Township of",
   "City of", "... Museum"), a region and, for municipal and communications
   programs, the population it serves (log-uniform within the kind's range, so
   the cohort spans hamlets of a few hundred to cities of millions).
2. Each applicant works for one of them and has a main *topic* (a line of
   work: municipal finance, museum collections, social media...) and sometimes
   a second one (:mod:`._vocab`). Job title, skills, areas of interest and the
   goals text come mostly from those topics, so mentees and mentors of the same
   topic share words, skills and interests: good matches exist, and the goals'
   TF-IDF similarity is high within a topic and low across topics.
3. The policy's eligibility rules are then applied as data: every applicant
   is first made to pass every rule, then ``ineligible_rate`` of them (chosen at
   random, mentors and mentees alike) are made to fail one rule, now and then
   two, picked among the rules that apply to their role. Failures include blank
   answers and boundary values; some eligible applicants sit exactly on a
   threshold (a mentor with exactly 7 years).
4. Requests last: mutual requests between eligible mentors and mentees whose
   pair the program's rules allow, then one-sided requests.

Everything is drawn from one :class:`numpy.random.Generator` seeded by ``seed``,
in whole-array operations; only the lists and the text are assembled row by row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._params import check_number, param_error
from .._policy import APPLICATION_COLUMNS, EligibilityRule, ProgramPolicy
from ..policies import AMA, AMCTO, CMA3, LTB, get_policy
from ._vocab import AMA_VOCAB, CMA3_VOCAB, MUNICIPAL_VOCAB, NAMES, Topic, Vocabulary

__all__ = ["make_cohort"]

_FUNC = "make_cohort"

#: Columns written for each kind of program (a custom policy gets the municipal
#: ones plus whatever its rules and features read).
_PROGRAM_COLUMNS: dict[str, tuple[str, ...]] = {
    "municipal": (
        "member_in_good_standing",
        "years_experience",
        "new_to_sector",
        "commitment_months",
        "region",
        "community_size",
    ),
    "ama": ("member_in_good_standing", "region", "career_stage", "board_ratified"),
    "3cma": (
        "member_in_good_standing",
        "years_experience",
        "region",
        "community_size",
        "comms_role",
        "application_complete",
    ),
}
_SHARE_BLANK_GOALS = 0.03
_SHARE_BLANK_SKILLS = 0.02
_SHARE_BLANK_INTERESTS = 0.03
_SHARE_SECOND_TOPIC = 0.35
_SHARE_AT_THRESHOLD = 0.03  # eligible applicants exactly on an at_least threshold
_SHARE_TWO_FAILURES = 0.15
_SHARE_BLANK_FAILURE = 0.15
_SHARE_PREVIOUS_PARTNER = 0.05
_SHARE_PREVIOUSLY_UNMATCHED = 0.06


def make_cohort(
    n_mentors: int,
    n_mentees: int,
    *,
    policy: str | ProgramPolicy = "amcto",
    seed: int = 0,
    ineligible_rate: float = 0.05,
    request_rate: float = 0.03,
) -> pd.DataFrame:
    """A realistic synthetic applications table, the same for the same arguments.

    Parameters
    ----------
    n_mentors, n_mentees : int
        Applicants of each role (0 or more).
    policy : str or ProgramPolicy
        A preset name or a policy. The presets choose the vocabulary: AMCTO
        and LTB get municipal clerks, treasurers and planners in Ontario, AMA
        Alberta museum staff with career stages 1-4, 3CMA local-government
        communicators in the US. Any other policy (including a preset changed
        with :func:`dataclasses.replace`) gets the municipal vocabulary, plus
        every column its eligibility rules and scoring features read.
    seed : int
        Seed of the random generator: the same seed gives the same table.
    ineligible_rate : float in [0, 1]
        Share of applicants (``round(ineligible_rate * n)``) who fail one of
        the policy's eligibility rules that applies to their role (now and then
        two): a "no" or a blank where a "yes" is needed, too few years or
        months, a mentee with exactly 7 years who is not new to the sector, a
        mentor at the bottom of the career-stage scale... With no eligibility
        rules (LTB), everyone is eligible.
    request_rate : float in [0, 1]
        Mutual requests: ``round(request_rate * min(n_mentors, n_mentees))``
        (mentor, mentee) pairs who each name the other in ``requested_ids``,
        both eligible and a pair the policy allows (different organizations
        when it forbids the same one, the mentor's stage above the mentee's,
        not earlier partners); nobody is in two. Fewer when not enough such
        pairs exist. About half as many one-sided requests are added (someone
        names one or two applicants of the other role who do not name them).

    Returns
    -------
    DataFrame
        One row per applicant, mentors first then mentees, in the format of
        :func:`~mentormatch.validate_applications` (which returns it
        unchanged): known columns in the documented order and dtypes, then
        ``name`` and ``job_title``. Ids are ``"mentor-0001"``,
        ``"mentee-0001"``..., zero-padded to at least four digits and to the
        width of the larger side. Columns by program:

        * all: ``id``, ``role``, ``member_in_good_standing``, ``region`` (the
          keys of the policy's region adjacency), ``organization``, ``goals``
          (a few blank), ``skills`` (mentees: sought; mentors: offered),
          ``interests``, ``requested_ids``, ``capacity`` (mentors: 1, some 2
          or 3; mentees: blank), ``previous_partner_ids`` (about 5% of the
          mentees and their earlier mentors list each other),
          ``previously_unmatched`` (about 6%);
        * municipal (AMCTO, LTB, custom): ``years_experience``,
          ``new_to_sector``, ``commitment_months`` (mostly 9 to 12),
          ``community_size``;
        * AMA: ``career_stage`` (1-4, mentors mostly above mentees),
          ``board_ratified``;
        * 3CMA: ``years_experience``, ``community_size``, ``comms_role``,
          ``application_complete``;
        * a custom policy: also any column its rules or features read that the
          municipal columns lack. A known column (``career_stage``,
          ``board_ratified``...) is made as for its program; another one,
          placed after ``job_title``, from the rule that reads it (yes/no for
          ``is_true``, numbers for numeric tests, text for ``not_blank``).

    Notes
    -----
    Fast enough for benchmarks: 100,000 mentors and 100,000 mentees take
    about 1-2 seconds.

    Raises
    ------
    ParameterError
        On a bad argument.
    PolicyError
        When ``policy`` names no preset.

    Examples
    --------
    >>> import mentormatch as mm
    >>> apps = mm.datasets.make_cohort(n_mentors=2, n_mentees=3, seed=1)
    >>> apps["id"].tolist()
    ['mentor-0001', 'mentor-0002', 'mentee-0001', 'mentee-0002', 'mentee-0003']
    >>> apps.columns[:4].tolist()
    ['id', 'role', 'member_in_good_standing', 'years_experience']
    >>> apps.equals(mm.validate_applications(apps, "amcto"))
    True
    >>> museums = mm.datasets.make_cohort(20, 20, policy="ama", seed=1)
    >>> sorted(museums["career_stage"].dropna().unique().tolist())
    [1, 2, 3, 4]
    """
    check_number(n_mentors, "n_mentors", _FUNC, low=0, integer=True)
    check_number(n_mentees, "n_mentees", _FUNC, low=0, integer=True)
    check_number(seed, "seed", _FUNC, low=0, integer=True)
    check_number(ineligible_rate, "ineligible_rate", _FUNC, low=0, high=1)
    check_number(request_rate, "request_rate", _FUNC, low=0, high=1)
    if not isinstance(policy, (str, ProgramPolicy)):
        raise param_error("policy", _FUNC, "a preset name or a ProgramPolicy", policy)
    pol = get_policy(policy)
    program, vocab = _program(pol)
    rng = np.random.default_rng(int(seed))
    n_mentors, n_mentees = int(n_mentors), int(n_mentees)

    people = _People.draw(rng, vocab, pol, program, n_mentors, n_mentees)
    cols = people.columns(rng, vocab, program)
    _add_rule_columns(cols, pol, people.is_mentor, rng)
    _apply_eligibility(cols, pol, people.is_mentor, rng, ineligible_rate)
    eligible = _eligible(cols, pol, people.is_mentor)
    if program == "3cma" and "comms_role" in cols and vocab.other_titles:
        c = cols["comms_role"]
        outside = ~c.blank & (c.values == 0)
        titles = people.titles
        titles[outside] = np.asarray(vocab.other_titles, dtype=object)[
            rng.integers(0, len(vocab.other_titles), int(outside.sum()))
        ]
    previous = _previous_partners(rng, n_mentors, n_mentees)
    requested = _requests(rng, pol, cols, people, eligible, previous, request_rate)
    return _assemble(cols, people, requested, previous)


# --------------------------------------------------------------------------- program


def _program(policy: ProgramPolicy) -> tuple[str, Vocabulary]:
    if policy is AMA:
        return "ama", AMA_VOCAB
    if policy is CMA3:
        return "3cma", CMA3_VOCAB
    if policy is AMCTO or policy is LTB:
        return "municipal", MUNICIPAL_VOCAB
    return "custom", MUNICIPAL_VOCAB


@dataclass
class _Col:
    """One column while it is made: values and a blank mask (blank wins)."""

    kind: str  # "bool", "int", "float", "str", "list"
    values: np.ndarray  # float64 for bool/int/float (bool as 0/1), object otherwise
    blank: np.ndarray
    low: float = 0.0  # the smallest valid number (validation)
    high: float = math.inf


def _numeric(values: np.ndarray, kind: str, *, low: float = 0.0, high: float = math.inf) -> _Col:
    values = np.asarray(values, dtype=np.float64)
    return _Col(kind, values, np.zeros(len(values), dtype=bool), low, high)


# --------------------------------------------------------------------------- people


@dataclass
class _People:
    n_mentors: int
    n_mentees: int
    is_mentor: np.ndarray
    ids: np.ndarray  # object
    org: np.ndarray  # int: index into org_names
    org_names: np.ndarray  # object
    org_population: np.ndarray  # float
    region: np.ndarray  # object
    topic: np.ndarray  # int
    second: np.ndarray  # int, -1 for none
    titles: np.ndarray  # object
    names: np.ndarray  # object

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        vocab: Vocabulary,
        policy: ProgramPolicy,
        program: str,
        n_mentors: int,
        n_mentees: int,
    ) -> _People:
        n = n_mentors + n_mentees
        is_mentor = np.arange(n) < n_mentors
        width = max(4, len(str(max(n_mentors, n_mentees, 1))))
        ids = np.array(
            [f"mentor-{i:0{width}d}" for i in range(1, n_mentors + 1)]
            + [f"mentee-{i:0{width}d}" for i in range(1, n_mentees + 1)],
            dtype=object,
        )
        regions, region_p = _regions(vocab, policy, program)
        names, population, org_region = _organizations(rng, vocab, n, regions, region_p)
        weight = np.maximum(population, 1.0) ** 0.35
        org = rng.choice(len(names), size=n, p=weight / weight.sum())
        topics = vocab.topics
        p = np.array([t.weight for t in topics])
        p /= p.sum()
        topic = rng.choice(len(topics), size=n, p=p)
        second = rng.choice(len(topics), size=n, p=p)
        second = np.where((rng.random(n) < _SHARE_SECOND_TOPIC) & (second != topic), second, -1)
        titles = np.where(
            is_mentor,
            _pick_in_groups(rng, [t.mentor_titles for t in topics], topic),
            _pick_in_groups(rng, [t.mentee_titles for t in topics], topic),
        )
        first, last = (np.asarray(x, dtype=object) for x in NAMES)
        full_names = (
            first[rng.integers(0, len(first), n)] + " " + last[rng.integers(0, len(last), n)]
        )
        return cls(
            n_mentors=n_mentors,
            n_mentees=n_mentees,
            is_mentor=is_mentor,
            ids=ids,
            org=org,
            org_names=names,
            org_population=population,
            region=np.asarray(regions, dtype=object)[org_region[org]]
            if len(regions)
            else np.full(n, None, dtype=object),
            topic=topic,
            second=second,
            titles=titles.astype(object),
            names=full_names,
        )

    @property
    def n(self) -> int:
        return self.n_mentors + self.n_mentees

    def columns(self, rng: np.random.Generator, vocab: Vocabulary, program: str) -> dict[str, _Col]:
        """Every column of the program, before eligibility is applied."""
        n, m = self.n, self.is_mentor
        wanted = _PROGRAM_COLUMNS["municipal" if program == "custom" else program]
        cols: dict[str, _Col] = {}
        for col in wanted:
            if col == "years_experience":
                cols[col], new = _years(rng, m, changers="new_to_sector" in wanted)
                if "new_to_sector" in wanted:
                    cols["new_to_sector"] = _numeric(new, "bool")
            elif col == "new_to_sector":
                continue
            elif col == "commitment_months":
                cols[col] = _numeric(rng.choice([9, 10, 12], size=n, p=[0.3, 0.15, 0.55]), "int")
            elif col == "community_size":
                cols[col] = _numeric(self.org_population[self.org], "int")
            elif col == "region":
                cols[col] = _Col("str", self.region, _isnone(self.region))
            else:
                cols[col] = _generic(col, rng, m, None)
        orgs = self.org_names[self.org]
        cols["organization"] = _Col("str", orgs, np.zeros(n, dtype=bool))
        cols["skills"] = _lists(
            rng,
            vocab.topics,
            "skills",
            vocab.general_skills,
            self,
            k=np.where(m, rng.integers(3, 8, n), rng.integers(2, 5, n)),
            share_blank=_SHARE_BLANK_SKILLS,
        )
        cols["interests"] = _lists(
            rng,
            vocab.topics,
            "interests",
            vocab.general_interests,
            self,
            k=rng.integers(1, 5, n),
            share_blank=_SHARE_BLANK_INTERESTS,
        )
        cols["goals"] = _goals(rng, vocab, self, cols["skills"].values)
        capacity = np.where(m, rng.choice([1, 2, 3], size=n, p=[0.85, 0.12, 0.03]), 1)
        cols["capacity"] = _Col("int", capacity.astype(np.float64), ~m, 1.0)
        cols["previously_unmatched"] = _numeric(rng.random(n) < _SHARE_PREVIOUSLY_UNMATCHED, "bool")
        return cols


def _isnone(values: np.ndarray) -> np.ndarray:
    return np.fromiter((v is None for v in values), dtype=bool, count=len(values))


def _regions(
    vocab: Vocabulary, policy: ProgramPolicy, program: str
) -> tuple[list[str], np.ndarray]:
    preset = [r for r, _ in vocab.region_weights]
    adjacency = policy.matching.region_adjacency
    keys = list(dict.fromkeys([*adjacency, *(r for near in adjacency.values() for r in near)]))
    if program != "custom" or not keys or sorted(keys) == sorted(preset):
        regions = preset
        p = np.array([w for _, w in vocab.region_weights])
    else:  # a program of its own, with its own regions
        regions = keys
        p = np.ones(len(keys))
    return regions, p / p.sum()


def _organizations(
    rng: np.random.Generator,
    vocab: Vocabulary,
    n_people: int,
    regions: Sequence[str],
    region_p: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Organization names, populations served and region codes (about one per 3 people)."""
    quals = list(dict.fromkeys(vocab.place_qualifiers))
    n_first, n_second, n_qual = len(vocab.place_first), len(vocab.place_second), len(quals)
    n_places = n_first * n_second * n_qual
    kinds = vocab.org_kinds
    kind_p = np.array([k.weight for k in kinds])
    kind_p /= kind_p.sum()
    want = min(max(5, math.ceil(n_people / 3)), n_places * len(kinds) // 2)
    draw = int(want * 1.5) + 10
    kind = rng.choice(len(kinds), size=draw, p=kind_p)
    place = rng.integers(0, n_places, draw)
    qual_p = np.bincount([quals.index(q) for q in vocab.place_qualifiers], minlength=n_qual)
    place = place - place % n_qual + rng.choice(n_qual, size=draw, p=qual_p / qual_p.sum())
    code = place * len(kinds) + kind
    _, first = np.unique(code, return_index=True)
    keep = np.sort(first)[:want]
    kind, place = kind[keep], place[keep]
    q, rest = place % n_qual, place // n_qual
    s, f = rest % n_second, rest // n_second
    first_w = np.asarray(vocab.place_first, dtype=object)
    second_w = np.asarray(vocab.place_second, dtype=object)
    qual_w = np.asarray(quals, dtype=object)
    place_names = qual_w[q] + first_w[f] + second_w[s]
    patterns = [k.pattern for k in kinds]
    names = np.array(
        [patterns[k].format(p) for k, p in zip(kind.tolist(), place_names, strict=True)],
        dtype=object,
    )
    low = np.array([max(k.pop_low, 1.0) for k in kinds])[kind]
    high = np.array([max(k.pop_high, 1.0) for k in kinds])[kind]
    population = np.exp(rng.uniform(np.log(low), np.log(high)))
    population = np.where(population >= 10_000, np.round(population, -1), np.round(population))
    if all(k.pop_high <= 0 for k in kinds):
        population = np.zeros(len(names))
    region = (
        rng.choice(len(regions), size=len(names), p=region_p)
        if len(regions)
        else np.zeros(len(names), dtype=np.int64)
    )
    return names, population, region


def _pick_in_groups(
    rng: np.random.Generator, groups: Sequence[Sequence[str]], group: np.ndarray
) -> np.ndarray:
    """One item of ``groups[g]`` for each ``g`` in ``group``, uniformly (object array)."""
    return _pick_positions(rng, groups, group)[0]


def _pick_positions(
    rng: np.random.Generator, groups: Sequence[Sequence[str]], group: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_pick_in_groups` and the position of each pick within its group."""
    flat = np.array([item for g in groups for item in g], dtype=object)
    counts = np.array([len(g) for g in groups])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pick = (rng.random(len(group)) * counts[group]).astype(np.int64)
    return flat[offsets[group] + pick], pick


def _years(
    rng: np.random.Generator, is_mentor: np.ndarray, *, changers: bool
) -> tuple[_Col, np.ndarray]:
    """Years of experience and new-to-the-sector flags.

    Mentors: 7 years and more (gamma tail to about 40); mentees: under 7,
    except career changers new to the sector, who may have many years.
    """
    n = len(is_mentor)
    mentor_years = np.minimum(7 + np.round(rng.gamma(2.0, 5.0, n)), 42)
    mentee_years = np.round(rng.gamma(1.6, 1.8, n) * 2) / 2
    mentee_years = np.where(
        mentee_years >= 7, np.round(rng.uniform(0, 6.5, n) * 2) / 2, mentee_years
    )
    half = rng.random(n) < 0.1
    mentor_years = mentor_years + 0.5 * half
    new = np.where(is_mentor, rng.random(n) < 0.04, rng.random(n) < 0.08)
    changer_years = rng.integers(2, 25, n).astype(np.float64)
    years = np.where(is_mentor, mentor_years, np.where(new & changers, changer_years, mentee_years))
    return _numeric(years, "float"), new


def _goals(
    rng: np.random.Generator, vocab: Vocabulary, people: _People, skills: np.ndarray
) -> _Col:
    """One or two topic sentences, often one naming the person's skills, sometimes a general one.

    A few are blank.
    """
    n, m = people.n, people.is_mentor
    out = np.empty(n, dtype=object)
    for is_mentor_side in (True, False):
        rows = np.flatnonzero(m == is_mentor_side)
        if not len(rows):
            continue
        templates = vocab.mentor_templates if is_mentor_side else vocab.mentee_templates
        general = vocab.mentor_general if is_mentor_side else vocab.mentee_general
        groups = [[t.format(p) for t in templates for p in topic.phrases] for topic in vocab.topics]
        topic = people.topic[rows]
        second = people.second[rows]
        # Sentences are template x phrase, phrase fastest: phrase = position % phrases.
        n_phrases = np.array([len(t.phrases) for t in vocab.topics])
        first, at = _pick_positions(rng, groups, topic)
        other_topic = np.where(second >= 0, second, topic)
        other, at_other = _pick_positions(rng, groups, other_topic)
        same_phrase = (other_topic == topic) & (
            at % n_phrases[topic] == at_other % n_phrases[topic]
        )
        use_other = (rng.random(len(rows)) < 0.6) & ~same_phrase
        extra = np.asarray(general, dtype=object)[rng.integers(0, len(general), len(rows))]
        use_extra = rng.random(len(rows)) < 0.4
        skill_templates = np.asarray(
            vocab.mentor_skill_templates if is_mentor_side else vocab.mentee_skill_templates,
            dtype=object,
        )
        use_skills = rng.random(len(rows)) < 0.5
        how_many = rng.integers(1, 4, len(rows))
        template = skill_templates[rng.integers(0, len(skill_templates), len(rows))]
        named = np.full(len(rows), "", dtype=object)
        named[use_skills] = [
            " " + t.format(_and(s[:c]))
            for t, s, c in zip(
                template[use_skills], skills[rows[use_skills]], how_many[use_skills], strict=True
            )
        ]
        text = first + named + np.where(use_other, " " + other, "")
        text = text + np.where(use_extra, " " + extra, "")
        out[rows] = text
    return _Col("str", out, rng.random(n) < _SHARE_BLANK_GOALS)


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lists(
    rng: np.random.Generator,
    topics: Sequence[Topic],
    attr: str,
    general: Sequence[str],
    people: _People,
    *,
    k: np.ndarray,
    share_blank: float,
) -> _Col:
    """``k`` distinct items per row: the main topic's first, then the second topic's, then any."""
    vocab = list(dict.fromkeys([item for t in topics for item in getattr(t, attr)] + list(general)))
    pos = {item: i for i, item in enumerate(vocab)}
    member = np.zeros((len(topics), len(vocab)), dtype=np.float32)
    for i, t in enumerate(topics):
        member[i, [pos[item] for item in getattr(t, attr)]] = 1.0
    n = people.n
    kmax = int(min(k.max(initial=1), len(vocab)))
    priority = rng.random((n, len(vocab)), dtype=np.float32)
    priority += 2.0 * member[people.topic]
    has_second = people.second >= 0
    priority[has_second] += member[people.second[has_second]]
    top = np.argpartition(-priority, kmax - 1, axis=1)[:, :kmax]
    order = np.argsort(-np.take_along_axis(priority, top, axis=1), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    items = np.asarray(vocab, dtype=object)[top].tolist()
    values = _objects(row[:c] for row, c in zip(items, np.minimum(k, kmax).tolist(), strict=True))
    return _Col("list", values, rng.random(n) < share_blank)


# --------------------------------------------------------------------------- rule columns


def _generic(col: str, rng: np.random.Generator, is_mentor: np.ndarray, rule: Any) -> _Col:
    """A column the program does not write itself, made so that everyone passes."""
    n = len(is_mentor)
    kind = APPLICATION_COLUMNS.get(col)
    if col == "career_stage" or (rule is not None and rule.test == "stage_above"):
        low, high = rule.scale if rule is not None and rule.scale else (1, 4)
        span = high - low
        # Mentors mostly in the upper stages, mentees in the lower ones.
        u = rng.beta(2.2, 1.3, n) if n else np.zeros(0)
        v = rng.beta(1.3, 2.2, n) if n else np.zeros(0)
        stage = np.where(is_mentor, low + 1 + np.floor(u * span), low + np.floor(v * span))
        floor = max(low, 1) if col == "career_stage" else low  # validation: stages >= 1
        return _numeric(np.clip(stage, floor, high), "int", low=floor, high=high)
    if kind == "bool" or (kind is None and rule is not None and rule.test == "is_true"):
        return _numeric(np.ones(n), "bool")
    if kind in ("int", "float") or (kind is None and rule is not None and rule.test != "not_blank"):
        low = 1.0 if col in ("capacity", "career_stage") else 0.0
        c = _numeric(np.full(n, low), "int" if kind == "int" else "float", low=low)
        c.blank[:] = True  # filled by the rules
        return c
    if kind == "list":
        return _Col("list", _objects(["yes"] for _ in range(n)), np.zeros(n, dtype=bool))
    return _Col("str", np.full(n, "yes", dtype=object), np.zeros(n, dtype=bool))


def _add_rule_columns(
    cols: dict[str, _Col], policy: ProgramPolicy, is_mentor: np.ndarray, rng: np.random.Generator
) -> None:
    """Add every column the policy's rules and features read that the program lacks."""
    for rule in policy.eligibility:
        if rule.column not in cols:
            cols[rule.column] = _generic(rule.column, rng, is_mentor, rule)
        if rule.unless is not None and rule.unless not in cols:
            n = len(is_mentor)
            cols[rule.unless] = _numeric(np.zeros(n), "bool")
    for need in policy.required_columns():
        options = need.split(" or ")
        if not any(o in cols for o in options) and need not in ("id", "role"):
            cols[options[0]] = _generic(options[0], rng, is_mentor, None)


# --------------------------------------------------------------------------- eligibility


def _applies(rule: EligibilityRule, is_mentor: np.ndarray) -> np.ndarray:
    roles = set(rule.roles)
    if roles == {"mentor", "mentee"}:
        return np.ones(len(is_mentor), dtype=bool)
    return is_mentor.copy() if "mentor" in roles else ~is_mentor


def _passes(rule: EligibilityRule, cols: dict[str, _Col], is_mentor: np.ndarray) -> np.ndarray:
    """Whether each row passes the rule on its own, as :func:`check_eligibility` decides."""
    c = cols[rule.column]
    v, present = c.values, ~c.blank
    if rule.test == "not_blank":
        ok = present
    elif c.kind in ("str", "list"):
        ok = present  # no number to compare: cannot pass a numeric test; leave to validation
    elif rule.test == "is_true":
        ok = present & (v != 0)
    elif rule.test == "stage_above":
        assert rule.scale is not None
        low, high = rule.scale
        ok = present & np.where(is_mentor, v > low, v < high)
    else:
        t = rule.value
        ok = (
            present
            & {
                "at_least": v >= t,
                "at_most": v <= t,
                "above": v > t,
                "below": v < t,
            }[rule.test]
        )
    if rule.unless is not None:
        u = cols[rule.unless]
        ok = ok | (~u.blank & (u.values != 0))
    return ok | ~_applies(rule, is_mentor)


def _eligible(cols: dict[str, _Col], policy: ProgramPolicy, is_mentor: np.ndarray) -> np.ndarray:
    ok = np.ones(len(is_mentor), dtype=bool)
    for rule in policy.eligibility:
        ok &= _passes(rule, cols, is_mentor)
    return ok


def _apply_eligibility(
    cols: dict[str, _Col],
    policy: ProgramPolicy,
    is_mentor: np.ndarray,
    rng: np.random.Generator,
    rate: float,
) -> None:
    """Make everyone pass every rule, then make ``rate`` of them fail one or two."""
    rules = [r for r in policy.eligibility if cols[r.column].kind not in ("str", "list")]
    rules += [r for r in policy.eligibility if r.test == "not_blank" and r not in rules]
    for rule in rules:
        _repair(rule, cols, is_mentor, rng)
    for rule in rules:  # boundary cases that pass: exactly on the threshold
        c = cols[rule.column]
        if rule.test == "at_least" and (c.kind == "float" or float(rule.value).is_integer()):  # type: ignore[arg-type]
            sel = _applies(rule, is_mentor) & (rng.random(len(is_mentor)) < _SHARE_AT_THRESHOLD)
            sel &= ~c.blank
            c.values[sel] = rule.value
    n = len(is_mentor)
    if not rules or n == 0:
        return
    applicable = np.stack([_applies(r, is_mentor) for r in rules], axis=1)
    candidates = np.flatnonzero(applicable.any(axis=1))
    k = min(round(rate * n), len(candidates))
    if k == 0:
        return
    target = np.sort(rng.choice(candidates, size=k, replace=False))
    keys = np.where(applicable[target], rng.random((k, len(rules))), -1.0)
    order = np.argsort(-keys, axis=1)
    chosen = np.zeros((k, len(rules)), dtype=bool)
    chosen[np.arange(k), order[:, 0]] = True
    if len(rules) > 1:
        two = (rng.random(k) < _SHARE_TWO_FAILURES) & (keys[np.arange(k), order[:, 1]] >= 0)
        chosen[np.arange(k)[two], order[two, 1]] = True
    for j, rule in enumerate(rules):
        rows = target[chosen[:, j]]
        if len(rows):
            _break(rule, cols, is_mentor, rng, rows)


def _repair(
    rule: EligibilityRule, cols: dict[str, _Col], is_mentor: np.ndarray, rng: np.random.Generator
) -> None:
    """Change the values of the rows failing ``rule`` so that they pass it."""
    c = cols[rule.column]
    fail = ~_passes(rule, cols, is_mentor)
    if rule.test == "stage_above" and rule.scale is not None:
        low, high = rule.scale
        c.values[:] = np.clip(c.values, max(low, c.low), min(high, c.high))
        fail = ~_passes(rule, cols, is_mentor)
    if not fail.any():
        return
    rows = np.flatnonzero(fail)
    c.blank[rows] = False
    if c.kind in ("str", "list"):
        return
    k = len(rows)
    integer = c.kind in ("int", "bool")
    if rule.test == "is_true":
        c.values[rows] = 1.0
        return
    if rule.test == "stage_above":
        assert rule.scale is not None
        low, high = rule.scale
        up = rng.integers(low + 1, high + 1, k)
        down = rng.integers(low, high, k)
        c.values[rows] = np.where(is_mentor[rows], up, down)
        return
    t = float(rule.value)  # type: ignore[arg-type]
    off = rng.choice([0.0, 1.0, 2.0, 3.0], size=k)
    if rule.test in ("at_least", "above"):
        base = (math.floor(t) + 1 if integer else t + 0.5) if rule.test == "above" else t
        new = (math.ceil(base) if integer else base) + off
    else:
        base = (math.ceil(t) - 1 if integer else t - 0.5) if rule.test == "below" else t
        new = (math.floor(base) if integer else base) - off
    new = np.clip(new, c.low, c.high)
    still = ~_value_passes(rule, new)
    new = np.where(still, c.values[rows], new)  # no valid passing value: leave it failing
    c.values[rows] = new


def _value_passes(rule: EligibilityRule, v: np.ndarray) -> np.ndarray:
    t = rule.value
    return {
        "at_least": v >= t,
        "at_most": v <= t,
        "above": v > t,
        "below": v < t,
    }[rule.test]


def _break(
    rule: EligibilityRule,
    cols: dict[str, _Col],
    is_mentor: np.ndarray,
    rng: np.random.Generator,
    rows: np.ndarray,
) -> None:
    """Make ``rows`` fail ``rule``: a failing value, sometimes a blank answer."""
    c = cols[rule.column]
    k = len(rows)
    if rule.unless is not None:
        u = cols[rule.unless]
        u.values[rows] = 0.0
        u.blank[rows] = False
    if rule.test == "not_blank" or c.kind in ("str", "list"):
        c.blank[rows] = True
        return
    blank = rng.random(k) < _SHARE_BLANK_FAILURE
    if rule.test == "is_true":
        c.values[rows] = 0.0
    elif rule.test == "stage_above":
        assert rule.scale is not None
        low, high = rule.scale
        c.values[rows] = np.where(is_mentor[rows], low, high)
        blank &= rng.random(k) < 0.5
        if low < c.low:  # no valid stage at the bottom of the scale: leave it blank
            blank |= is_mentor[rows]
    else:
        t = float(rule.value)  # type: ignore[arg-type]
        integer = c.kind in ("int", "bool")
        if rule.test == "at_least":  # just under, or well under (8, 6, 3 months for 9)
            steps = [math.ceil(t) - 1, round(2 * t / 3), round(t / 3)] if integer else None
            cand = np.array(steps, dtype=np.float64) if steps else t - np.array([0.5, 1, 2, 3, 5])
        elif rule.test == "above":
            cand = (
                np.array([t, t - 1, t - 3])
                if not integer
                else np.array(
                    [math.floor(t), math.floor(t) - 1, math.floor(t) - 3], dtype=np.float64
                )
            )
        elif rule.test == "below":  # exactly on the threshold half the time
            base = math.ceil(t) if integer else t
            cand = np.array([base, base, base, base + 1, base + 3, base + 8], dtype=np.float64)
        else:  # at_most
            base = math.floor(t) + 1 if integer else t + 0.5
            cand = np.array([base, base + 1, base + 5], dtype=np.float64)
        cand = cand[(cand >= c.low) & (cand <= c.high) & ~_value_passes(rule, cand)]
        if len(cand):
            c.values[rows] = cand[rng.integers(0, len(cand), k)]
        else:
            blank[:] = True
    c.blank[rows] = blank


# --------------------------------------------------------------------------- requests


def _previous_partners(
    rng: np.random.Generator, n_mentors: int, n_mentees: int
) -> dict[int, list[int]]:
    """Earlier pairs (row positions), listed on both sides."""
    out: dict[int, list[int]] = {}
    if n_mentors == 0 or n_mentees == 0:
        return out
    k = round(_SHARE_PREVIOUS_PARTNER * n_mentees)
    mentees = n_mentors + rng.choice(n_mentees, size=k, replace=False)
    mentors = rng.integers(0, n_mentors, k)
    for e, r in zip(mentees.tolist(), mentors.tolist(), strict=True):
        out.setdefault(e, []).append(r)
        out.setdefault(r, []).append(e)
    return out


def _requests(
    rng: np.random.Generator,
    policy: ProgramPolicy,
    cols: dict[str, _Col],
    people: _People,
    eligible: np.ndarray,
    previous: dict[int, list[int]],
    rate: float,
) -> dict[int, list[int]]:
    """Mutual requests between allowed pairs of eligible people, then one-sided ones."""
    out: dict[int, list[int]] = {}
    n_r, n_e = people.n_mentors, people.n_mentees
    if n_r == 0 or n_e == 0:
        return out
    want = round(rate * min(n_r, n_e))
    mentors = rng.permutation(np.flatnonzero(eligible[:n_r]))
    mentees = n_r + rng.permutation(np.flatnonzero(eligible[n_r:]))
    c = min(len(mentors), len(mentees))
    a, b = mentors[:c], mentees[:c]
    ok = np.ones(c, dtype=bool)
    if not policy.matching.allow_same_organization:
        ok &= people.org[a] != people.org[b]
    for rule in policy.pairwise_rules():
        col = cols[rule.column]
        ok &= ~col.blank[a] & ~col.blank[b] & (col.values[a] > col.values[b])
    if not policy.matching.allow_previous_partners and previous:
        ok &= np.array(
            [bb not in previous.get(aa, ()) for aa, bb in zip(a.tolist(), b.tolist(), strict=True)],
            dtype=bool,
        )
    pairs = np.flatnonzero(ok)[:want]
    in_mutual = np.zeros(people.n, dtype=bool)
    for i in pairs.tolist():
        r, e = int(a[i]), int(b[i])
        out[r] = [e]
        out[e] = [r]
        in_mutual[[r, e]] = True
    # One-sided: the requester names people of the other role who do not name them.
    k = min(round(want / 2), int((~in_mutual).sum()))
    if k == 0:
        return out
    requesters = rng.choice(np.flatnonzero(~in_mutual), size=k, replace=False)
    is_requester = np.zeros(people.n, dtype=bool)
    is_requester[requesters] = True
    pools = {
        True: np.flatnonzero(~is_requester[n_r:]) + n_r,  # a mentor names mentees
        False: np.flatnonzero(~is_requester[:n_r]),  # a mentee names mentors
    }
    how_many = np.where(rng.random(k) < 0.85, 1, 2)
    for who, count in zip(requesters.tolist(), how_many.tolist(), strict=True):
        pool = pools[bool(people.is_mentor[who])]
        if len(pool) == 0:
            continue
        picks = rng.choice(len(pool), size=min(count, len(pool)), replace=False)
        out[who] = [int(pool[p]) for p in picks]
    return out


# --------------------------------------------------------------------------- table


def _assemble(
    cols: dict[str, _Col],
    people: _People,
    requested: dict[int, list[int]],
    previous: dict[int, list[int]],
) -> pd.DataFrame:
    n = people.n
    ids = people.ids
    data: dict[str, Any] = {
        "id": pd.array(ids, dtype="string"),
        "role": pd.array(
            np.where(people.is_mentor, "mentor", "mentee").astype(object), dtype="string"
        ),
    }

    def id_lists(links: dict[int, list[int]]) -> np.ndarray:
        out: list[list[str]] = [[] for _ in range(n)]
        for row, targets in links.items():
            out[row] = [ids[t] for t in targets]
        return _objects(out)

    lists = {
        "requested_ids": id_lists(requested),
        "previous_partner_ids": id_lists(previous),
    }
    for col in APPLICATION_COLUMNS:
        if col in lists:
            data[col] = pd.Series(lists[col], dtype=object)
        elif col in cols:
            data[col] = _as_array(cols[col])
    # Other columns as pandas makes them from text (what validation passes through).
    data["name"] = pd.Series(people.names, dtype="str")
    data["job_title"] = pd.Series(people.titles, dtype="str")
    for col, c in cols.items():
        if col not in data:
            data[col] = _as_array(c)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def _as_array(c: _Col) -> Any:
    if c.kind == "bool":
        return pd.arrays.BooleanArray(c.values != 0, c.blank.copy())
    if c.kind == "int":
        return pd.arrays.IntegerArray(
            np.where(c.blank, 0, c.values).astype(np.int64), c.blank.copy()
        )
    if c.kind == "float":
        return pd.arrays.FloatingArray(np.where(c.blank, 0.0, c.values), c.blank.copy())
    if c.kind == "list":
        blank = c.blank.tolist()
        return pd.Series(
            _objects([] if b else v for v, b in zip(c.values, blank, strict=True)),
            dtype=object,
        )
    text = c.values.copy()
    text[c.blank] = None
    return pd.array(text, dtype="string")


def _objects(items: Any) -> np.ndarray:
    """A 1-D object array of the items as they are (lists stay lists, never a 2-D array)."""
    return np.fromiter(items, dtype=object)
