"""Synthetic meeting and submission logs for a cycle: ``make_cycle_logs``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._params import check_number, param_error
from .._policy import ProgramPolicy

__all__ = ["make_cycle_logs"]

_FUNC = "make_cycle_logs"


def make_cycle_logs(
    pairs: Any,
    policy: str | ProgramPolicy = "amcto",
    *,
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    seed: int = 0,
    lapse_rate: float = 0.15,
    two_sided: bool | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Realistic meetings and events logs for the pairs of a cycle, with lapses.

    Each pair meets in every calendar month of its cycle: as often as the
    policy's ``monthly_meeting`` asks (now and then once more), spread so that
    no gap exceeds ``max_gap`` (AMCTO: once a month between the 8th and the
    19th), within a few days of its start when it starts mid-month, for
    durations that keep ``meeting_duration`` and ``monthly_hours``, by video,
    phone or in person (in person first where the policy asks for it). Forms,
    the plan, quarterly updates, surveys, first contact and informal assessments
    are logged on or a few days before their due dates. Only what happened by
    ``as_of`` is in the logs.

    Parameters
    ----------
    pairs : DataFrame or MatchResult
        ``mentor_id``, ``mentee_id``, optional ``matched_on`` (as for
        :func:`~mentormatch.check_cycle`).
    policy : str or ProgramPolicy
        The logs follow this policy's cycle rules.
    start, end, as_of : date-like, optional
        The cycle and the day the logs are taken, with the defaults of
        :func:`~mentormatch.check_cycle` (``as_of``: today).
    seed : int
        Same seed, same logs.
    lapse_rate : float in [0, 1]
        Roughly the share of chances to break a rule that are taken: missed
        months, meetings held late in the month (long gaps), short or long
        meetings, pairs that stop early or start late, late or missing forms,
        plans, updates and surveys, skipped assessments, no in-person meeting,
        and the mentor's and mentee's logs disagreeing. ``0`` gives logs that
        keep every rule of the policy (as far as its rules can be kept together:
        a pair matched too late for ``min_relationship_length`` cannot).
    two_sided : bool, optional
        Each meeting logged by both sides, one row each (``reported_by``; the
        mentor now and then forgets one). Default: when the policy has a
        ``log_agreement`` rule.

    Returns
    -------
    meetings, events : DataFrame
        ``meetings``: ``mentor_id``, ``mentee_id``, ``date``, ``duration_minutes``,
        ``mode`` and, when two-sided, ``reported_by``. ``events``: ``mentor_id``,
        ``mentee_id``, ``kind``, ``date``, ``participant_id`` (surveys only).

    Examples
    --------
    >>> import pandas as pd, mentormatch as mm
    >>> pairs = pd.DataFrame({"mentor_id": ["m1", "m2"], "mentee_id": ["e1", "e2"]})
    >>> meetings, events = mm.datasets.make_cycle_logs(
    ...     pairs, "ama", as_of="2027-09-15", seed=1, lapse_rate=0)
    >>> mm.check_cycle(pairs, meetings, "ama", as_of="2027-09-15", events=events).ok
    True
    """
    check_number(lapse_rate, "lapse_rate", _FUNC, low=0, high=1)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise param_error("seed", _FUNC, "an int", seed)
    if two_sided is not None and not isinstance(two_sided, bool):
        raise param_error("two_sided", _FUNC, "a bool or None", two_sided)
    # deferred: importing mentormatch.datasets does not load the compliance package
    from ..compliance._cycle import read_cycle
    from ..compliance._generate import LogGenerator
    from ..compliance._tables import raise_log_problems

    problems: list[dict[str, Any]] = []
    pol, cycle = read_cycle(pairs, policy, start, end, as_of, _FUNC, problems)
    raise_log_problems(problems)
    gen = LogGenerator(pol, cycle, np.random.default_rng(int(seed)), float(lapse_rate))
    if two_sided is None:
        two_sided = pol.cycle.rule("log_agreement") is not None
    ids = cycle.pairs
    meetings = gen.meetings(ids.mentor, ids.mentee, two_sided)
    events = gen.events(ids.mentor, ids.mentee)
    return meetings, events
