""":func:`~mentormatch.rematch`: dissolve some pairs, keep every other, match the people freed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .._params import ParameterError, param_error
from .._progress import ProgressLike
from ._pipeline import DEFAULT_TIME_LIMIT, _assignment_date, _match
from ._result import MatchResult
from ._staff import _pair_list

__all__ = ["rematch"]


# --------------------------------------------------------------------------- rematch


def rematch(
    result: MatchResult,
    applications: Any,
    dissolve: Iterable[tuple[str, str]] = (),
    *,
    locked: Any = (),
    forbidden: Any = (),
    time_limit: float | None = None,
    progress: ProgressLike = False,
    client: Any = None,
    matched_on: Any = None,
) -> MatchResult:
    """Dissolve some pairs and match again, keeping every other pair.

    The kept pairs are locked, the dissolved ones forbidden (as are the earlier
    call's forbidden pairs), and everyone freed is matched together with the
    applicants still unmatched (AMCTO: "so that a new match can be made").
    Rolling intake (3CMA registers at any time) uses the same path: pass the
    applications with the newcomers added; existing pairs are kept and the
    newcomers matched.

    Parameters
    ----------
    result : MatchResult
        The earlier result.
    applications : DataFrame or iterable of dict
        The applications now: the earlier ones (updated if need be) plus any
        newcomers. Every person of a kept pair must still be in it.
    dissolve : iterable of (mentee_id, mentor_id)
        Pairs of ``result.pairs`` to undo.
    locked, forbidden : optional
        Further staff decisions, added to the earlier ones.
    time_limit : float, optional
        Defaults to the earlier call's.
    progress : bool or callable
    client : dask.distributed.Client, optional
        As in :func:`match` (the earlier call's client is not kept).
    matched_on : str, date or Timestamp, optional
        The assignment date of the new pairs, with the same default as in
        :func:`match` (today while a cycle is under way).

    Returns
    -------
    MatchResult
        The kept pairs keep their earlier ``reason`` and ``matched_on`` and
        have ``new_pair`` False; the pairs made now have ``new_pair`` True and
        this call's ``matched_on``. ``stats["kept_pairs"]`` counts the kept
        ones. A kept pair that no longer meets a pair rule stays, with a note.
    """
    func = "rematch"
    if not isinstance(result, MatchResult):
        raise param_error("result", func, "a MatchResult from match()", type(result).__name__)
    assigned = _assignment_date(matched_on, result.policy, func)
    dissolved = _pair_list(dissolve, "dissolve", func)
    current, dates = _current_pairs(result)
    canonical = _as_listed(dissolved, current, func)
    gone = set(canonical)
    kept = [p for p in current if p not in gone]
    settings = dict(result.settings)
    all_forbidden = list(
        dict.fromkeys(
            list(settings.get("forbidden", []))
            + canonical
            + _pair_list(forbidden, "forbidden", func)
        )
    )
    all_locked = list(dict.fromkeys(kept + _pair_list(locked, "locked", func)))
    # Kept pairs stay even if they no longer meet a pair rule; a missing person is an error.
    try:
        new = _match(
            applications,
            result.policy,
            weights=settings.get("weights"),
            locked=all_locked,
            forbidden=all_forbidden,
            min_score=settings.get("min_score"),
            max_pairs=settings.get("max_pairs"),
            time_limit=settings.get("time_limit", DEFAULT_TIME_LIMIT)
            if time_limit is None
            else time_limit,
            progress=progress,
            extractors=settings.get("extractors"),
            candidates=settings.get("candidates", "auto"),
            client=client,
            matched_on=assigned,
            func="match",
            kept=frozenset(kept),
        )
    except ParameterError as exc:
        if "'locked' parameter" in str(exc):
            raise param_error(
                "applications",
                func,
                "a table that still holds everyone of the kept pairs",
                "a table without some of them",
            ) from exc
        raise
    _restore_kept(new, current, gone, dates)
    new.stats["kept_pairs"] = len(kept)
    new.stats["dissolved_pairs"] = len(canonical)
    return new


def _current_pairs(
    result: MatchResult,
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], Any]]:
    """The result's pairs: (mentee, mentor) -> reason, and -> assignment date (NaT: unknown)."""
    current = {
        (str(a), str(b)): str(r)
        for a, b, r in zip(
            result.pairs["mentee_id"],
            result.pairs["mentor_id"],
            result.pairs["reason"],
            strict=True,
        )
    }
    if "matched_on" in result.pairs:
        earlier = pd.to_datetime(result.pairs["matched_on"])
    else:  # a result whose pairs lost the column: the kept pairs' dates are unknown
        earlier = pd.Series(pd.NaT, index=result.pairs.index, dtype="datetime64[ns]")
    dates = dict(zip(current, earlier.to_numpy(dtype="datetime64[ns]"), strict=True))
    return current, dates


def _as_listed(
    dissolved: list[tuple[str, str]], current: dict[tuple[str, str], str], func: str
) -> list[tuple[str, str]]:
    """The pairs to dissolve as ``result.pairs`` lists them (either order is accepted)."""
    canonical = []
    unknown = []
    for a, b in dissolved:
        if (a, b) in current:
            canonical.append((a, b))
        elif (b, a) in current:
            canonical.append((b, a))
        else:
            unknown.append((a, b))
    if unknown:
        raise param_error("dissolve", func, "pairs of result.pairs (mentee_id, mentor_id)", unknown)
    return canonical


def _restore_kept(
    new: MatchResult,
    current: dict[tuple[str, str], str],
    gone: set[tuple[str, str]],
    dates: dict[tuple[str, str], Any],
) -> None:
    """The kept pairs get back their reason and date, and are not new."""
    reasons = new.pairs["reason"].to_numpy(dtype=object)
    on = new.pairs["matched_on"].to_numpy(dtype="datetime64[ns]").copy()
    fresh = new.pairs["new_pair"].to_numpy(dtype=bool).copy()
    for k, (a, b) in enumerate(zip(new.pairs["mentee_id"], new.pairs["mentor_id"], strict=True)):
        if (str(a), str(b)) in current and (str(a), str(b)) not in gone:
            reasons[k] = current[(str(a), str(b))]
            on[k] = dates[(str(a), str(b))]
            fresh[k] = False
    new.pairs["reason"] = pd.array(reasons, dtype="string")
    new.pairs["matched_on"] = pd.Series(on, index=new.pairs.index, dtype="datetime64[ns]")
    new.pairs["new_pair"] = fresh
