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

from typing import Any

import numpy as np
import pandas as pd

from .._params import check_number, param_error
from .._policy import APPLICATION_COLUMNS, ProgramPolicy
from ..policies import AMA, AMCTO, CMA3, LTB, get_policy
from ._people import _Col, _objects, _People
from ._rules import _add_rule_columns, _apply_eligibility, _eligible
from ._vocab import AMA_VOCAB, CMA3_VOCAB, MUNICIPAL_VOCAB, Vocabulary

__all__ = ["make_cohort"]

_FUNC = "make_cohort"
_SHARE_PREVIOUS_PARTNER = 0.05


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
