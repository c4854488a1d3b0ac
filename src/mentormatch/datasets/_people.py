"""Steps 1 and 2 of :func:`~mentormatch.datasets.make_cohort`: employers, then people with their topics.

Regions, organizations, years of experience, goals text, skills and interests,
and the generic columns a policy's rules read, all drawn from one generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._policy import APPLICATION_COLUMNS, ProgramPolicy
from ._vocab import NAMES, Topic, Vocabulary

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
_SHARE_PREVIOUSLY_UNMATCHED = 0.06


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


def _objects(items: Any) -> np.ndarray:
    """A 1-D object array of the items as they are (lists stay lists, never a 2-D array)."""
    return np.fromiter(items, dtype=object)
