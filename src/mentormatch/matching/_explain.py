"""From the solver's answer to the tables staff read: pairs with their reason, unmatched with theirs, notes.

Every applicant ends in exactly one of ``pairs`` and ``unmatched``
(:func:`_check_accounted` asserts it before a result is returned).
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
import pandas as pd

from .._policy import ProgramPolicy
from ._paths import _Outcome
from ._result import CONTACT_COLUMNS, REQUEST_COLUMNS, UNMATCHED_COLUMNS, MatchResult
from ._staff import _Setup

# --------------------------------------------------------------------------- assemble


def _assemble(
    scorer: Any,
    setup: _Setup,
    outcome: _Outcome,
    policy: ProgramPolicy,
    *,
    started: float,
    stats: dict[str, Any],
    settings: dict[str, Any],
    matched_on: pd.Timestamp,
    kept: frozenset[tuple[str, str]] = frozenset(),
) -> MatchResult:
    solved = outcome.solved
    rows, cols, pairs = _pairs_table(scorer, setup, outcome, matched_on)
    notes = [
        *setup.notes,
        *_forced_notes(scorer, setup, outcome, rows, cols, pairs["score"].to_numpy(), kept),
    ]
    contacts, missing = _contacts(scorer.applications_, policy)
    if missing:
        listed = ", ".join(map(repr, missing))
        notes.append(
            f"The policy's contact column{'s' if len(missing) != 1 else ''} {listed} "
            f"{'are' if len(missing) != 1 else 'is'} not in the applications; the exports "
            "leave them out."
        )

    unmatched = _unmatched(scorer, setup, outcome, rows, cols)
    requests = _requests_table(setup, rows, cols)

    objective = float(pairs["score"].sum())
    status = str(solved.status)
    best_bound = float(solved.best_bound)
    if status == "OPTIMAL":
        best_bound = objective
    else:
        best_bound = max(best_bound, objective)
    _check_accounted(scorer, pairs, unmatched)
    return MatchResult(
        pairs=pairs,
        unmatched=unmatched,
        requests=requests,
        eligibility=scorer.eligibility_,
        status=status,
        objective=objective,
        best_bound=best_bound,
        wall_time=time.perf_counter() - started,
        policy=policy,
        scores=outcome.scores,
        scorer=scorer,
        settings=settings,
        stats=stats,
        notes=tuple(notes),
        contacts=contacts,
    )


def _pairs_table(
    scorer: Any, setup: _Setup, outcome: _Outcome, matched_on: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """The chosen pairs in (mentee, mentor) order, and ``result.pairs`` (one column per feature)."""
    chosen = np.asarray(outcome.solved.pairs, dtype=np.int64).reshape(-1, 2)
    rows, cols = chosen[:, 0], chosen[:, 1]
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    reason = np.array(
        [
            setup.forced_reason.get((int(i), int(j)), "optimized")
            for i, j in zip(rows, cols, strict=True)
        ],
        dtype=object,
    )
    total, features = outcome.pair_values(rows, cols)
    weights = scorer.weights_
    pairs = pd.DataFrame(
        {
            "mentee_id": pd.array(scorer.mentee_ids_[rows], dtype="string"),
            "mentor_id": pd.array(scorer.mentor_ids_[cols], dtype="string"),
            "score": np.asarray(total, dtype=np.float64),
            "reason": pd.array(reason, dtype="string"),
            "matched_on": pd.Series(
                np.full(len(rows), matched_on.to_datetime64()), dtype="datetime64[ns]"
            ),
            "new_pair": np.ones(len(rows), dtype=bool),
        }
    )
    for name, weight in weights.items():
        pairs[name] = np.asarray(features[name], dtype=np.float64) * weight
    return rows, cols, pairs


def _requests_table(setup: _Setup, rows: np.ndarray, cols: np.ndarray) -> pd.DataFrame:
    """``result.requests``: each request and whether its pair was made."""
    requests = setup.requests
    if len(requests):
        matched = set(zip(rows.tolist(), cols.tolist(), strict=True))
        requests = requests.assign(
            matched=[(i, j) in matched for i, j in zip(requests["_i"], requests["_j"], strict=True)]
        ).drop(columns=["_i", "_j"])
    else:
        requests = pd.DataFrame(columns=REQUEST_COLUMNS)
    return requests


def _contacts(apps: pd.DataFrame, policy: ProgramPolicy) -> tuple[pd.DataFrame, list[str]]:
    """The applicants' contact columns, indexed by id, and the policy's that are missing."""
    # Column names as validation writes them ("E-mail" -> "e_mail", "Phone Number" -> ...).
    own = [re.sub(r"[\s\-]+", "_", c.strip().lower()) for c in policy.matching.contact_columns]
    wanted = list(dict.fromkeys([*CONTACT_COLUMNS, *own]))
    present = [c for c in wanted if c in apps.columns and c not in ("id", "role")]
    missing = [
        given
        for given, c in zip(policy.matching.contact_columns, own, strict=True)
        if c not in apps.columns
    ]
    frame = apps[present].copy()
    frame.index = pd.Index(apps["id"].astype(str).to_numpy(), name="id")
    return frame, missing


#: How a note names each pair rule a forced pair may override.
_RULE_WORDS = {
    "same_organization": (
        "same organization",
        "both list the same organization, and the program pairs people from different "
        "organizations.",
    ),
    "previous_partners": (
        "previous partners",
        "they were partners before, and earlier partners are not paired again.",
    ),
}


def _forced_notes(
    scorer: Any,
    setup: _Setup,
    outcome: _Outcome,
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    kept: frozenset[tuple[str, str]],
) -> list[str]:
    """One note per pair rule (and minimum score) a forced pair overrides (a loop per lock)."""
    rules = scorer.rules_
    min_score = outcome.min_score
    position = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(rows, cols, strict=True))}
    notes: list[str] = []
    for i, j in setup.forced:
        mentee, mentor = str(scorer.mentee_ids_[i]), str(scorer.mentor_ids_[j])
        is_lock = setup.forced_reason.get((i, j)) == "locked"
        if (mentee, mentor) in kept:
            who = f"The kept pair (mentee {mentee}, mentor {mentor})"
            verb, end = "no longer meets", "rematch keeps it."
        elif is_lock:
            who = f"The staff lock (mentee {mentee}, mentor {mentor})"
            verb, end = "overrides", "the pair is made as staff decided."
        else:
            who = f"The mutual request (mentee {mentee}, mentor {mentor})"
            verb, end = "is forced despite", "mutual requests are forced."
        broken: list[tuple[str, str]] = []
        if is_lock:
            for code, sentence in rules.why_not(i, j):
                if code in ("mentee_ineligible", "mentor_ineligible"):
                    continue  # a lock of an ineligible applicant is an error, not a note
                label, words = _RULE_WORDS.get(code, (code, sentence[:1].lower() + sentence[1:]))
                broken.append((label, words))
        k = position.get((i, j))
        if (
            min_score is not None
            and k is not None
            and np.float32(scores[k]) < np.float32(min_score)
        ):
            got, floor = _distinct_scores(float(np.float32(scores[k])), float(min_score))
            broken.append(
                (
                    "minimum score",
                    f"it scores {got}, below the minimum score of {floor} (which applies to "
                    "optimized pairs only).",
                )
            )
        for label, words in broken:
            notes.append(f"{who} {verb} the {label} rule: {words[:-1]}; {end}")
    return notes


def _distinct_scores(a: float, b: float, low: int = 2, high: int = 12) -> tuple[str, str]:
    """``a`` and ``b`` with the fewest decimals (at least ``low``) that tell them apart.

    Rounding is monotone, so when ``a < b`` the texts read ``a`` below ``b``
    ("0.4599, below the minimum of 0.46"); equal values print equal.
    """
    ta, tb = f"{a:.{low}f}", f"{b:.{low}f}"
    for d in range(low, high + 1):
        ta, tb = f"{a:.{d}f}", f"{b:.{d}f}"
        if ta != tb:
            break
    return ta, tb


def _unmatched(
    scorer: Any, setup: _Setup, outcome: _Outcome, rows: np.ndarray, cols: np.ndarray
) -> pd.DataFrame:
    """Every applicant without a pair, with the reason a coordinator can pass on."""
    elig = scorer.eligibility_
    records = _ineligible_records(elig)
    n_mentees, n_mentors = scorer.shape
    load = np.bincount(cols, minlength=n_mentors)
    mentee_free = np.ones(n_mentees, dtype=bool)
    mentee_free[rows] = False
    mentor_free = load < setup.capacities
    full = setup.max_pairs is not None and len(rows) >= setup.max_pairs

    sides = (
        (
            "mentee",
            0,
            np.flatnonzero(mentee_free & scorer.rules_.mentee_eligible),
            mentor_free,
            scorer.mentee_ids_,
        ),
        (
            "mentor",
            1,
            np.flatnonzero((load == 0) & scorer.rules_.mentor_eligible),
            mentee_free,
            scorer.mentor_ids_,
        ),
    )
    held = _held_by_priority(setup, rows, cols, n_mentees, n_mentors)
    for side, s, idx, free_other, ids in sides:
        n_rule = outcome.n_rule[s][idx]
        n_staff = outcome.n_staff[s][idx]
        n_final = outcome.n_final[s][idx]
        need_free = (n_final > 0) & (not full)
        has_free = np.zeros(len(idx), dtype=bool)
        if need_free.any():
            has_free[need_free] = outcome.free_partner(side, idx[need_free], free_other)
        # Whether a possible partner went to a previously unmatched applicant while this
        # one is not (only when the policy gives them priority).
        lost = np.zeros(len(idx), dtype=bool)
        own_priority, holders = held[s]
        if holders is not None and holders.any():
            ask = (n_final > 0) & ~has_free & ~own_priority[idx]
            if ask.any():
                lost[ask] = outcome.free_partner(side, idx[ask], holders)
        for k, person in enumerate(idx.tolist()):
            code, detail = _unmatched_reason(
                scorer,
                setup,
                outcome,
                side,
                s,
                person,
                counts=(int(n_rule[k]), int(n_staff[k]), int(n_final[k])),
                full=full,
                has_free=bool(has_free[k]),
            )
            if lost[k] and code in ("partners_taken", "program_full"):
                detail += _PRIORITY_SENTENCE
            records.append(
                {"participant_id": str(ids[person]), "role": side, "reason": code, "detail": detail}
            )
    frame = pd.DataFrame(records, columns=UNMATCHED_COLUMNS)
    order = {pid: k for k, pid in enumerate(elig["participant_id"])}
    frame = frame.iloc[np.argsort([order[p] for p in frame["participant_id"]], kind="stable")]
    return frame.reset_index(drop=True).astype("string")


#: Said when the policy's priority for previously unmatched applicants took a place.
_PRIORITY_SENTENCE = (
    " A previously unmatched applicant was given the place: the program's policy matches "
    "applicants who were not matched before first (favor_previously_unmatched)."
)


def _held_by_priority(
    setup: _Setup, rows: np.ndarray, cols: np.ndarray, n_mentees: int, n_mentors: int
) -> tuple[tuple[np.ndarray, np.ndarray | None], tuple[np.ndarray, np.ndarray | None]]:
    """Per side (mentees, mentors): who has priority, and the other side's people paired
    with someone of this side who has it (``None`` when nobody has priority)."""
    out: list[tuple[np.ndarray, np.ndarray | None]] = []
    for prio, own, other, n_own, n_other in (
        (setup.mentee_priority, rows, cols, n_mentees, n_mentors),
        (setup.mentor_priority, cols, rows, n_mentors, n_mentees),
    ):
        if prio is None:
            out.append((np.zeros(n_own, dtype=bool), None))
            continue
        holders = np.zeros(n_other, dtype=bool)
        holders[other[prio[own]]] = True
        out.append((np.asarray(prio, dtype=bool), holders))
    return out[0], out[1]


def _ineligible_records(elig: pd.DataFrame) -> list[dict[str, Any]]:
    """The ineligible applicants: every failing rule is the reason (codes joined by "; ",
    in the policy's order, as the exported eligibility table writes them); ``detail`` has
    one sentence per failing rule."""
    records: list[dict[str, Any]] = []
    for pid, role, reasons, detail in zip(
        elig["participant_id"], elig["role"], elig["reasons"], elig["detail"], strict=True
    ):
        if reasons:
            records.append(
                {
                    "participant_id": str(pid),
                    "role": str(role),
                    "reason": "; ".join(reasons),
                    "detail": detail,
                }
            )
    return records


def _unmatched_reason(
    scorer: Any,
    setup: _Setup,
    outcome: _Outcome,
    side: str,
    s: int,
    person: int,
    *,
    counts: tuple[int, int, int],
    full: bool,
    has_free: bool,
) -> tuple[str, str]:
    """Why an eligible ``side`` (index ``person``) has no pair: (reason code, detail).

    ``counts``: the partners the rules allow, those staff left, those reaching
    the minimum score; ``has_free``: one of the last is still free.
    """
    other = "mentor" if side == "mentee" else "mentee"
    n_rule, n_staff, n = counts
    best_staff = float(outcome.best_staff[s][person])
    best = float(outcome.best_final[s][person])
    plural = other + ("s" if n != 1 else "")
    if n_rule == 0:
        return "no_allowed_partner", _no_partner_detail(scorer.rules_, side, person)
    if n_staff == 0:
        return (
            "no_allowed_partner",
            f"Staff excluded every {other} the program's rules allow for this {side}.",
        )
    if n == 0:
        best_text, floor_text = _distinct_scores(best_staff, float(outcome.min_score))  # type: ignore[arg-type]
        return "below_min_score", (
            f"The best possible {other} scored {best_text}, below the program's "
            f"minimum score of {floor_text}."
        )
    if full:
        return "program_full", (
            f"All {setup.max_pairs} program spots were filled; this {side} had {n} "
            f"possible {plural} (best score {best:.2f})."
        )
    if has_free:
        return "not_selected", (
            f"A compatible {other} was left free, but pairing them added nothing to the "
            "objective or the search stopped at its time limit; staff may pair them by "
            "hand."
        )
    if n == 1:
        return "partners_taken", (
            f"The only {other} who could be paired with this {side} was matched with "
            f"someone else (that pair would have scored {best:.2f})."
        )
    return "partners_taken", (
        f"Each of the {n} {plural} who could be paired with this {side} was matched "
        f"with someone else (the best of them scored {best:.2f} with this {side})."
    )


def _no_partner_detail(rules: Any, side: str, k: int) -> str:
    """Why the rules allow no partner at all: counts per rule over the other side."""
    if side == "mentee":
        other_eligible = rules.mentor_eligible
        block = lambda: rules.allowed(np.array([k]), np.arange(len(other_eligible)))[0]  # noqa: E731
        other = "mentor"
    else:
        other_eligible = rules.mentee_eligible
        block = lambda: rules.allowed(np.arange(len(other_eligible)), np.array([k]))[:, 0]  # noqa: E731
        other = "mentee"
    n_eligible = int(other_eligible.sum())
    if n_eligible == 0:
        return f"No eligible {other} applied, so no {other} can be offered."
    reasons: list[str] = []
    if rules.mentee_org is not None and rules.mentor_org is not None:
        mine = rules.mentee_org[k] if side == "mentee" else rules.mentor_org[k]
        theirs = rules.mentor_org if side == "mentee" else rules.mentee_org
        same = int(((theirs == mine) & (mine >= 0) & other_eligible).sum())
        if same:
            reasons.append(f"{same} work{'s' if same == 1 else ''} at the same organization")
    if rules.previous is not None and rules.previous.nnz:
        prev = (
            rules.previous[k].toarray()[0]
            if side == "mentee"
            else rules.previous[:, k].toarray()[:, 0]
        )
        n_prev = int((prev & other_eligible).sum())
        if n_prev:
            reasons.append(
                f"{n_prev} {'is a previous partner' if n_prev == 1 else 'are previous partners'}"
            )
    for p in rules.pairwise:
        if side == "mentee":
            fail = ~(p.mentor_values > p.mentee_values[k])
        else:
            fail = ~(p.mentor_values[k] > p.mentee_values)
        n_fail = int((fail & other_eligible).sum())
        if n_fail:
            reasons.append(f"{n_fail} fail the {p.rule.code} rule")
    assert not block().any()
    listed = "; ".join(reasons) if reasons else "the pair rules exclude them"
    return (
        f"None of the {n_eligible} eligible {other}{'s' if n_eligible != 1 else ''} can be paired "
        f"with this {side} under the program's rules: {listed}."
    )


def _check_accounted(scorer: Any, pairs: pd.DataFrame, unmatched: pd.DataFrame) -> None:
    """Every applicant in exactly one of pairs / unmatched (an internal invariant)."""
    ids = set(scorer.eligibility_["participant_id"].astype(str))
    in_pairs = set(pairs["mentee_id"].astype(str)) | set(pairs["mentor_id"].astype(str))
    in_unmatched = list(unmatched["participant_id"].astype(str))
    if (
        in_pairs & set(in_unmatched)
        or len(set(in_unmatched)) != len(in_unmatched)
        or (in_pairs | set(in_unmatched)) != ids
        or pairs["mentee_id"].duplicated().any()
    ):
        raise RuntimeError(  # pragma: no cover - a bug, not an input problem
            "mentormatch internal error: an applicant is missing from, or repeated in, "
            "pairs/unmatched. Please report it."
        )
