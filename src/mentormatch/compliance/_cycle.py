"""Each pair's cycle window: the program-wide cycle, then every pair's start, end and assignment.

In come the ``start`` / ``end`` / ``as_of`` arguments of :func:`~mentormatch.check_cycle`
(or of :func:`~mentormatch.datasets.make_cycle_logs`), the policy and the pairs
table; out goes a :class:`Cycle`: the validated :class:`~._tables.PairTable` and,
as day numbers, every pair's cycle start, end (``OPEN`` when open-ended) and
assignment date. Problems of the pairs table go to the caller's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._dates import DateFormat, is_iso_text
from .._params import param_error
from .._policy import ProgramPolicy
from ._calendar import (
    NO_DAY,
    OPEN,
    add_months,
    day_of,
    month_end,
    month_of,
    month_start,
    today,
)
from ._tables import PairTable
from ._validate import check_pair_windows, validate_pairs

__all__ = ["Cycle", "cycle_windows", "pair_windows", "read_cycle"]


@dataclass(frozen=True)
class Cycle:
    """The pairs and their cycles, as day numbers (``OPEN``: an open-ended cycle)."""

    pairs: PairTable
    as_of: int
    start: int | None  # the program-wide cycle; None when each pair has its own
    end: int | None
    pair_start: np.ndarray
    pair_end: np.ndarray  # the end judged: the cycle's end, or ended_on when earlier
    assigned: np.ndarray  # each pair's assignment date: matched_on, else its start
    ended: np.ndarray | None = None  # the pair ended (ended_on) before its cycle's end
    cycle_end: np.ndarray | None = None  # the cycle's own end, whatever ended_on says

    @property
    def end_reason(self) -> np.ndarray:
        """Each pair's ``end_reason`` where it ended before its cycle's end, else ``None``."""
        reason = self.pairs.end_reason
        if reason is None or self.ended is None:
            return np.full(len(self.pairs), None, dtype=object)
        return np.where(self.ended, reason, np.full(len(reason), None, dtype=object))


def read_cycle(
    pairs: Any,
    policy: Any,
    start: Any,
    end: Any,
    as_of: Any,
    func: str,
    problems: list[dict[str, Any]],
    *,
    date_format: DateFormat | None = None,
    info: dict[str, Any] | None = None,
) -> tuple[ProgramPolicy, Cycle]:
    """Check the parameters ``func`` shares with :func:`check_cycle`, read the pairs
    table (its problems go to ``problems``) and work out every pair's cycle.

    ``start``, ``end`` and ``as_of`` given as text must be ISO (``2027-03-15``):
    ``03/04/2027`` could be either of two days. ``info`` receives how the pairs
    table was given and read.
    """
    from ..policies import get_policy

    if not isinstance(policy, (str, ProgramPolicy)):
        raise param_error("policy", func, "a preset name or a ProgramPolicy", policy)
    pol = get_policy(policy)
    for name, value in (("as_of", as_of), ("start", start), ("end", end)):
        if isinstance(value, str) and not is_iso_text(value):
            raise param_error(
                name, func, "a date written YYYY-MM-DD (or a date or a Timestamp)", value
            )
    a = day_of(as_of, "as_of", func)
    a = today() if a is None else a
    s0 = day_of(start, "start", func)
    e0 = day_of(end, "end", func)
    if s0 is not None and e0 is not None and s0 > e0:
        raise param_error("end", func, f"a date on or after start ({start})", end)
    need = None
    if pol.cycle.rolling and s0 is None:
        need = (
            f"the pair's assignment date: the {pol.name} cycle is rolling, each pair's "
            "cycle starts on its matched_on date (or pass start=)"
        )
    table = validate_pairs(
        pairs, problems, need_matched_on=need, func=func, date_format=date_format, info=info
    )
    s_all, e_all = cycle_windows(pol, a, s0, e0)
    p_start, p_end, p_assign = pair_windows(pol, table, s_all, e_all)
    check_pair_windows(table, p_start, p_end, problems)
    ended_on = table.ended_on if table.ended_on is not None else np.full(len(table), NO_DAY)
    ended = (ended_on != NO_DAY) & (ended_on < p_end)
    judged_end = np.where(ended, ended_on, p_end)
    return pol, Cycle(
        table, a, s_all, e_all, p_start, judged_end, p_assign, ended=ended, cycle_end=p_end
    )


def cycle_windows(
    policy: ProgramPolicy, as_of: int, start: int | None, end: int | None
) -> tuple[int | None, int | None]:
    """The program-wide cycle (day numbers) from the arguments and the policy's months."""
    cyc = policy.cycle
    if cyc.rolling:
        return start, end
    months = int(cyc.duration_months)  # type: ignore[arg-type]
    if start is None:
        if end is None:
            m = int(month_of(np.asarray(as_of)))
            m -= (m % 12 - (int(cyc.start_month) - 1)) % 12  # type: ignore[arg-type]
        else:
            m = int(month_of(np.asarray(end))) - months + 1
        start = int(month_start(np.asarray(m)))
    if end is None:
        end = int(month_end(np.asarray(int(month_of(np.asarray(start))) + months - 1)))
    return start, end


def pair_windows(
    policy: ProgramPolicy, pairs: PairTable, start: int | None, end: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pair's cycle start, end (``OPEN`` when open-ended) and assignment date."""
    matched = pairs.matched_on
    has = matched != NO_DAY
    base = np.full(len(pairs), NO_DAY if start is None else start, dtype=np.int64)
    p_start = np.where(has, np.maximum(matched, base), base)
    assign = np.where(has, matched, p_start)
    length = policy.cycle.length_months
    if end is not None:
        p_end = np.full(len(pairs), end, dtype=np.int64)
    elif length is not None:
        p_end = add_months(p_start, int(length)) - 1
    else:
        p_end = np.full(len(pairs), OPEN, dtype=np.int64)
    return p_start, p_end, assign
