"""Staff decisions and requests, in matrix positions: locks, forbidden pairs, capacities, mutual requests.

:meth:`_Setup.build` checks the locks against each other and the rules
(:class:`~mentormatch.MatchInfeasibleError` naming the conflict) and decides
which mutual requests are forced (``result.requests`` says why not).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._errors import MatchInfeasibleError
from .._params import param_error
from .._policy import ProgramPolicy
from ._result import REQUEST_COLUMNS

# --------------------------------------------------------------------------- parameters


def _pair_list(value: Any, name: str, func: str) -> list[tuple[str, str]]:
    expected = "pairs of (mentee_id, mentor_id), or a DataFrame with those columns"
    if value is None:
        return []
    if isinstance(value, pd.DataFrame):
        if not {"mentee_id", "mentor_id"} <= set(value.columns):
            raise param_error(name, func, expected, f"a DataFrame with {list(value.columns)}")
        return [
            (str(a), str(b)) for a, b in zip(value["mentee_id"], value["mentor_id"], strict=True)
        ]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise param_error(name, func, expected, value)
    out = []
    for item in value:
        if isinstance(item, (str, bytes)) or not isinstance(item, Iterable):
            raise param_error(name, func, expected, item)
        pair = tuple(item)
        if len(pair) != 2:
            raise param_error(name, func, expected, item)
        out.append((_id_text(pair[0]), _id_text(pair[1])))
    return out


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _orient(
    pairs: list[tuple[str, str]],
    mentee_pos: Mapping[str, int],
    mentor_pos: Mapping[str, int],
    name: str,
    func: str,
) -> list[tuple[int, int]]:
    """(mentee, mentor) ids -> matrix positions; either order is accepted."""
    out, bad = [], []
    for a, b in pairs:
        if a in mentee_pos and b in mentor_pos:
            out.append((mentee_pos[a], mentor_pos[b]))
        elif b in mentee_pos and a in mentor_pos:
            out.append((mentee_pos[b], mentor_pos[a]))
        else:
            bad.append((a, b))
    if bad:
        shown = ", ".join(f"({a!r}, {b!r})" for a, b in bad[:10])
        raise param_error(
            name,
            func,
            "pairs of a mentee's and a mentor's id from the applications",
            f"[{shown}{', ...' if len(bad) > 10 else ''}]",
        )
    return list(dict.fromkeys(out))


@dataclass
class _Setup:
    """Staff decisions, capacities, priorities and requests, in matrix positions."""

    capacities: np.ndarray
    forced: list[tuple[int, int]]
    forced_reason: dict[tuple[int, int], str]
    locked: list[tuple[int, int]]
    forbidden: list[tuple[int, int]]
    requests: pd.DataFrame
    mentee_priority: np.ndarray | None
    mentor_priority: np.ndarray | None
    max_pairs: int | None
    notes: list[str]  # about capacities (the lock notes come after solving)

    @classmethod
    def build(
        cls,
        scorer: Any,
        policy: ProgramPolicy,
        locked_ids: list[tuple[str, str]],
        forbidden_ids: list[tuple[str, str]],
        max_pairs: int | None,
        func: str,
    ) -> _Setup:
        apps: pd.DataFrame = scorer.applications_
        mentees = apps.iloc[scorer.mentee_positions_].reset_index(drop=True)
        mentors = apps.iloc[scorer.mentor_positions_].reset_index(drop=True)
        mentee_pos = {k: i for i, k in enumerate(scorer.mentee_ids_)}
        mentor_pos = {k: j for j, k in enumerate(scorer.mentor_ids_)}
        locked = _orient(locked_ids, mentee_pos, mentor_pos, "locked", func)
        forbidden = _orient(forbidden_ids, mentee_pos, mentor_pos, "forbidden", func)

        capacities = np.ones(len(mentors), dtype=np.int64)
        if "capacity" in mentors.columns:
            capacities = mentors["capacity"].astype("Int64").fillna(1).to_numpy(dtype=np.int64)
        notes = _capacity_notes(mentors, capacities, policy)
        capacities = np.minimum(capacities, policy.matching.capacity_cap)

        _check_locks(locked, forbidden, scorer, capacities, max_pairs)
        requests, mutual_forced = _requests(
            mentees, mentors, scorer, locked, forbidden, capacities, max_pairs, policy
        )
        locked_set = set(locked)
        forced = list(locked) + [p for p in mutual_forced if p not in locked_set]
        forced_reason = {p: "mutual_request" for p in mutual_forced}
        forced_reason.update({p: "locked" for p in locked})

        mentee_priority = mentor_priority = None
        if policy.matching.favor_previously_unmatched and "previously_unmatched" in apps.columns:
            mentee_priority = mentees["previously_unmatched"].fillna(False).to_numpy(dtype=bool)
            mentor_priority = mentors["previously_unmatched"].fillna(False).to_numpy(dtype=bool)
            if not mentee_priority.any() and not mentor_priority.any():
                mentee_priority = mentor_priority = None
        return cls(
            capacities=capacities,
            forced=forced,
            forced_reason=forced_reason,
            locked=locked,
            forbidden=forbidden,
            requests=requests,
            mentee_priority=mentee_priority,
            mentor_priority=mentor_priority,
            max_pairs=max_pairs,
            notes=notes,
        )


def _capacity_notes(
    mentors: pd.DataFrame, capacities: np.ndarray, policy: ProgramPolicy
) -> list[str]:
    """What the capacities came to, when the policy and the table do not say it alone."""
    cap = policy.matching.capacity_cap
    if len(mentors) == 0:
        return []
    if "capacity" not in mentors.columns:
        if cap > 1:
            return [
                f"The policy lets a mentor take up to {cap} mentees (capacity_cap = {cap}), but "
                "the applications have no 'capacity' column, so every mentor takes at most 1 "
                "mentee. Add a 'capacity' column to let mentors take more."
            ]
        return []
    notes = []
    blank = int(mentors["capacity"].isna().sum())
    if blank and cap > 1:
        notes.append(
            f"{blank} mentor{'s' if blank != 1 else ''} left 'capacity' blank: "
            f"{'each takes' if blank != 1 else 'takes'} at most 1 mentee."
        )
    over = int((capacities > cap).sum())
    if over:
        notes.append(
            f"{over} mentor{'s' if over != 1 else ''} offered to take more than {cap} "
            f"mentee{'s' if cap != 1 else ''}; the policy caps every mentor at {cap} "
            f"(capacity_cap = {cap})."
        )
    return notes


def _check_locks(
    locked: list[tuple[int, int]],
    forbidden: list[tuple[int, int]],
    scorer: Any,
    capacities: np.ndarray,
    max_pairs: int | None,
) -> None:
    """Raise MatchInfeasibleError naming every contradiction among the locks."""
    conflicts: list[dict[str, Any]] = []
    mentee_ids, mentor_ids = scorer.mentee_ids_, scorer.mentor_ids_
    rules = scorer.rules_

    def add(pairs: list[tuple[int, int]], rule: str, detail: str) -> None:
        conflicts.append(
            {
                "pairs": [(str(mentee_ids[i]), str(mentor_ids[j])) for i, j in pairs],
                "rule": rule,
                "detail": detail,
            }
        )

    forbidden_set = set(forbidden)
    for i, j in locked:
        if (i, j) in forbidden_set:
            add([(i, j)], "forbidden", "The pair is both locked and forbidden.")
        if not rules.mentee_eligible[i]:
            add(
                [(i, j)],
                "mentee_ineligible",
                f"The mentee is not eligible: {rules.mentee_detail[i]}",
            )
        if not rules.mentor_eligible[j]:
            add(
                [(i, j)],
                "mentor_ineligible",
                f"The mentor is not eligible: {rules.mentor_detail[j]}",
            )
    by_mentee: dict[int, list[tuple[int, int]]] = {}
    by_mentor: dict[int, list[tuple[int, int]]] = {}
    for p in locked:
        by_mentee.setdefault(p[0], []).append(p)
        by_mentor.setdefault(p[1], []).append(p)
    for i, ps in by_mentee.items():
        if len(ps) > 1:
            add(
                ps,
                "one_mentor_per_mentee",
                f"Mentee {mentee_ids[i]!r} is locked to {len(ps)} mentors.",
            )
    for j, ps in by_mentor.items():
        if len(ps) > capacities[j]:
            add(
                ps,
                "mentor_capacity",
                f"Mentor {mentor_ids[j]!r} is locked to {len(ps)} mentees but may take "
                f"{int(capacities[j])}.",
            )
    if max_pairs is not None and len(locked) > max_pairs:
        add(locked, "max_pairs", f"{len(locked)} locked pairs exceed max_pairs = {max_pairs}.")
    if conflicts:
        frame = pd.DataFrame(conflicts, columns=["pairs", "rule", "detail"])
        lines = "\n".join(f"  - {c['rule']}: {c['pairs']}: {c['detail']}" for c in conflicts)
        raise MatchInfeasibleError(
            f"The locked pairs cannot all be made ({len(conflicts)} conflicts):\n{lines}", frame
        )


def _requests(
    mentees: pd.DataFrame,
    mentors: pd.DataFrame,
    scorer: Any,
    locked: list[tuple[int, int]],
    forbidden: list[tuple[int, int]],
    capacities: np.ndarray,
    max_pairs: int | None,
    policy: ProgramPolicy,
) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """Every request, whether it is mutual, and the mutual ones that are forced."""
    asked = _asked(mentees, mentors, scorer)
    if not asked:
        return pd.DataFrame(columns=REQUEST_COLUMNS), []
    counts: dict[tuple[int, int], int] = {}
    for _, _, i, j in asked:
        counts[(i, j)] = counts.get((i, j), 0) + 1
    mutual_pairs = sorted(p for p, n in counts.items() if n >= 2)
    notes: dict[tuple[int, int], str] = {}
    locked_load: dict[int, int] = {}
    for _, j in locked:
        locked_load[j] = locked_load.get(j, 0) + 1
    candidates = _honorable(
        mutual_pairs, scorer, locked, forbidden, locked_load, capacities, policy, notes
    )
    forced = _forced_requests(candidates, locked, locked_load, capacities, max_pairs, notes)
    forced_set = set(forced) | set(locked)
    rows = []
    for requester, requested, i, j in asked:
        mutual = counts[(i, j)] >= 2
        rows.append(
            {
                "requester_id": requester,
                "requested_id": requested,
                "mutual": mutual,
                "forced": (i, j) in forced_set,
                "matched": False,  # filled in after solving
                "note": notes[(i, j)] if mutual else "one-sided request: never forced",
                "_i": i,
                "_j": j,
            }
        )
    return pd.DataFrame(rows), forced


def _asked(
    mentees: pd.DataFrame, mentors: pd.DataFrame, scorer: Any
) -> list[tuple[str, str, int, int]]:
    """Every request: requester, requested, mentee position, mentor position."""
    mentee_pos = {k: i for i, k in enumerate(scorer.mentee_ids_)}
    mentor_pos = {k: j for j, k in enumerate(scorer.mentor_ids_)}
    asked: list[tuple[str, str, int, int]] = []
    for side, own, other in ((mentees, mentee_pos, mentor_pos), (mentors, mentor_pos, mentee_pos)):
        if "requested_ids" not in side.columns:
            continue
        exploded = side[["id", "requested_ids"]].explode("requested_ids").dropna()
        for requester, requested in zip(exploded["id"], exploded["requested_ids"], strict=True):
            requester, requested = str(requester), str(requested)
            if requested not in other:
                continue  # validation guarantees the id exists with the other role
            if own is mentee_pos:
                asked.append((requester, requested, own[requester], other[requested]))
            else:
                asked.append((requester, requested, other[requested], own[requester]))
    return asked


def _honorable(
    mutual_pairs: list[tuple[int, int]],
    scorer: Any,
    locked: list[tuple[int, int]],
    forbidden: list[tuple[int, int]],
    locked_load: dict[int, int],
    capacities: np.ndarray,
    policy: ProgramPolicy,
    notes: dict[tuple[int, int], str],
) -> list[tuple[int, int]]:
    """The mutual requests the policy, the rules and staff let be forced; why not in ``notes``."""
    rules = scorer.rules_
    candidates = []
    forbidden_set, locked_set = set(forbidden), set(locked)
    locked_mentee = {i: j for i, j in locked}
    for i, j in mutual_pairs:
        if (i, j) in locked_set:
            notes[(i, j)] = "mutual request; also locked by staff"
        elif not policy.matching.honor_mutual_requests:
            notes[(i, j)] = "mutual request; the policy does not force mutual requests"
        elif (i, j) in forbidden_set:
            notes[(i, j)] = "mutual request not honored: staff forbade this pair"
        elif not rules.allowed(np.array([i]), np.array([j]))[0, 0]:
            why = " ".join(s for _, s in rules.why_not(i, j))
            notes[(i, j)] = f"mutual request not honored: {why}"
        elif i in locked_mentee:
            other = scorer.mentor_ids_[locked_mentee[i]]
            notes[(i, j)] = f"mutual request not honored: staff locked the mentee with {other}"
        elif locked_load.get(j, 0) >= capacities[j]:
            notes[(i, j)] = "mutual request not honored: staff locks fill the mentor's places"
        else:
            candidates.append((i, j))
    return candidates


def _forced_requests(
    candidates: list[tuple[int, int]],
    locked: list[tuple[int, int]],
    locked_load: dict[int, int],
    capacities: np.ndarray,
    max_pairs: int | None,
    notes: dict[tuple[int, int], str],
) -> list[tuple[int, int]]:
    """Of those, the ones forced: none that clash with each other or overfill the spots."""
    per_mentee: dict[int, int] = {}
    per_mentor: dict[int, int] = {}
    for i, j in candidates:
        per_mentee[i] = per_mentee.get(i, 0) + 1
        per_mentor[j] = per_mentor.get(j, 0) + 1
    forced = []
    for i, j in candidates:
        if per_mentee[i] > 1:
            notes[(i, j)] = "mutual request not forced: the mentee has several mutual requests"
        elif per_mentor[j] + locked_load.get(j, 0) > capacities[j]:
            notes[(i, j)] = (
                "mutual request not forced: the mentor has more mutual requests than places"
            )
        else:
            forced.append((i, j))
    if max_pairs is not None and len(locked) + len(forced) > max_pairs:
        for p in forced:
            notes[p] = (
                f"mutual request not forced: {len(locked) + len(forced)} forced pairs exceed "
                f"the {max_pairs} program spots"
            )
        forced = []
    for p in forced:
        notes[p] = "mutual request: forced"
    return forced
