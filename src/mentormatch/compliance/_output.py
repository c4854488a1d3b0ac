"""The report's tables, built from what the rules found.

In come the rules' :class:`~._context.Found` (violations and upcoming deadlines
as arrays of pair positions, sides, day numbers and sentences) and the pairs'
ids; out go the ``violations`` and ``upcoming`` DataFrames of a
:class:`~._report.ComplianceReport` in their documented column order, the
``inputs`` table (how each table was given and read), and the file row numbers
put back in the ``row`` columns of ``meetings`` / ``unused_*``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._calendar import (
    days_to_datetimes,
)
from ._report import INPUT_COLUMNS, UPCOMING_COLUMNS, VIOLATION_COLUMNS, ComplianceReport
from ._rules import (
    Found,
)
from ._tables import EventLog, MeetingLog, PairTable

__all__ = [
    "HOURS_COLUMNS",
    "Ids",
    "file_rows",
    "hours_table",
    "inputs_table",
    "upcoming_table",
    "violations_table",
]


def file_rows(
    report: ComplianceReport,
    mt: MeetingLog,
    judged: MeetingLog,
    kept: np.ndarray,
    ev: EventLog | None,
    pairs: PairTable,
) -> None:
    """The report's ``row`` columns as the tables number their rows; duplicates listed.

    The rules judged ``judged`` (the meetings without rows identical to an earlier
    one) by position; its rows, and every identical row with the row it repeats,
    are given their row numbers here (file rows, index labels or positions).
    """
    label = mt.label if mt.label is not None else mt.row
    used = report.meetings
    partner = used["reconciled_with"].to_numpy(dtype=np.int64, na_value=0)
    report.meetings = used.assign(
        row=label[kept[used["row"].to_numpy(dtype=np.int64)]],
        reconciled_with=pd.arrays.IntegerArray(
            label[kept[partner]], used["reconciled_with"].isna().to_numpy()
        ),
    )
    unused = report.unused_meetings
    at = kept[unused["row"].to_numpy(dtype=np.int64)]
    unused = unused.assign(row=label[at])
    same = mt.same_as if mt.same_as is not None else np.full(len(mt.row), -1)
    dups = np.flatnonzero(same >= 0)
    if len(dups):
        first = label[same[dups]]
        extra = pd.DataFrame(
            {
                "row": label[dups],
                "mentor_id": pd.Series(pairs.mentor[mt.pair[dups]], dtype="string").to_numpy(),
                "mentee_id": pd.Series(pairs.mentee[mt.pair[dups]], dtype="string").to_numpy(),
                "date": days_to_datetimes(mt.day[dups]),
                "duration_minutes": mt.minutes[dups],
                "reason": pd.array([f"the same meeting as row {r}" for r in first], dtype="string"),
            }
        )
        if len(unused):
            extra = extra.astype(unused.dtypes.to_dict())
            unused = pd.concat([unused, extra], ignore_index=True)
            at = np.concatenate([at, dups])
        else:
            unused, at = extra, dups
        unused = unused.iloc[np.argsort(at, kind="stable")].reset_index(drop=True)
    report.unused_meetings = unused
    if ev is not None and ev.label is not None:
        ue = report.unused_events
        report.unused_events = ue.assign(row=ev.label[ue["row"].to_numpy(dtype=np.int64)])


def inputs_table(inputs: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """``report.inputs``: one row per table, how it was given and read."""
    records = []
    for table, info in inputs.items():
        source = str(info.get("source") or info.get("path") or "DataFrame")
        if info.get("sheet") is not None:
            source += f" (sheet {info['sheet']!r})"
        delimiter = info.get("delimiter")
        orders = info.get("date_order") or {}
        records.append(
            {
                "table": table,
                "source": source,
                "encoding": info.get("encoding"),
                "delimiter": "tab" if delimiter == "\t" else delimiter,
                "rows": int(info.get("rows", 0)),
                "blank_lines": int(info.get("blank_lines", 0)),
                "date_order": "; ".join(f"{c}: {o}" for c, o in orders.items()) or None,
            }
        )
    frame = pd.DataFrame(records, columns=INPUT_COLUMNS)
    text = [c for c in INPUT_COLUMNS if c not in ("rows", "blank_lines")]
    return frame.astype({**dict.fromkeys(text, "string"), "rows": "int64", "blank_lines": "int64"})


class Ids:
    def __init__(self, table: PairTable) -> None:
        self.mentor = table.mentor
        self.mentee = table.mentee
        self.mentor_s = pd.Series(table.mentor, dtype="string")
        self.mentee_s = pd.Series(table.mentee, dtype="string")

    def participant(self, pair: np.ndarray, side: np.ndarray) -> Any:
        """The id of each pair's mentor (side 0) or mentee (side 1); ``<NA>`` otherwise."""
        out = np.where(side == 0, self.mentor[pair], np.where(side == 1, self.mentee[pair], None))
        return pd.array(out, dtype="string")


def _stack(found: list[Found], attr: str, rule_pos: dict[str, int]) -> dict[str, np.ndarray]:
    """The rules' chunks as one set of columns; ``seq`` numbers the chunks in order."""
    parts: dict[str, list[np.ndarray]] = {}
    seq = 0
    for f in found:
        for chunk in getattr(f, attr):
            k = len(chunk["pair"])
            for name, values in chunk.items():
                parts.setdefault(name, []).append(values)
            parts.setdefault("rule", []).append(np.full(k, f.code, dtype=object))
            parts.setdefault("severity", []).append(np.full(k, f.severity, dtype=object))
            parts.setdefault("pos", []).append(np.full(k, rule_pos[f.code], dtype=np.int64))
            parts.setdefault("seq", []).append(np.full(k, seq, dtype=np.int64))
            seq += 1
    return {name: np.concatenate(v) for name, v in parts.items()}


def violations_table(
    found: list[Found], rule_pos: dict[str, int], ids: Ids
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The violations table, and the pair of each required / recommended violation."""
    v = _stack(found, "violations", rule_pos)
    if not v:
        frame = pd.DataFrame(
            {
                "mentor_id": pd.array([], dtype="string"),
                "mentee_id": pd.array([], dtype="string"),
                "rule": pd.array([], dtype="string"),
                "severity": pd.array([], dtype="string"),
                "period_start": np.array([], dtype="datetime64[ns]"),
                "period_end": np.array([], dtype="datetime64[ns]"),
                "detail": pd.array([], dtype="string"),
                "participant_id": pd.array([], dtype="string"),
            }
        )
        empty = np.zeros(0, dtype=np.int64)
        return frame, empty, empty
    # ties: in the order the rule wrote them (e.g. form by form), then by the sentence
    text = pd.factorize(v["detail"], sort=True)[0]
    order = np.lexsort((text, v["seq"], v["end"], v["side"], v["pos"], v["start"], v["pair"]))
    v = {k: a[order] for k, a in v.items()}
    pair = v["pair"]
    frame = pd.DataFrame(
        {
            "mentor_id": pd.array(ids.mentor[pair], dtype="string"),
            "mentee_id": pd.array(ids.mentee[pair], dtype="string"),
            "rule": pd.array(v["rule"], dtype="string"),
            "severity": pd.array(v["severity"], dtype="string"),
            "period_start": days_to_datetimes(v["start"]),
            "period_end": days_to_datetimes(v["end"]),
            "detail": pd.array(v["detail"], dtype="string"),
            "participant_id": ids.participant(pair, v["side"]),
        }
    )[VIOLATION_COLUMNS]
    required = v["severity"] == "required"
    return frame, pair[required], pair[~required]


def upcoming_table(found: list[Found], rule_pos: dict[str, int], ids: Ids, a: int) -> pd.DataFrame:
    u = _stack(found, "upcoming", rule_pos)
    if not u:
        return pd.DataFrame(
            {
                "mentor_id": pd.array([], dtype="string"),
                "mentee_id": pd.array([], dtype="string"),
                "participant_id": pd.array([], dtype="string"),
                "rule": pd.array([], dtype="string"),
                "severity": pd.array([], dtype="string"),
                "due": np.array([], dtype="datetime64[ns]"),
                "action": pd.array([], dtype="string"),
            }
        )
    keep = u["due"] >= a
    u = {k: x[keep] for k, x in u.items()}
    text = pd.factorize(u["action"], sort=True)[0]
    order = np.lexsort((text, u["seq"], u["side"], u["pos"], u["pair"], u["due"]))
    u = {k: x[order] for k, x in u.items()}
    pair = u["pair"]
    return pd.DataFrame(
        {
            "mentor_id": pd.array(ids.mentor[pair], dtype="string"),
            "mentee_id": pd.array(ids.mentee[pair], dtype="string"),
            "participant_id": ids.participant(pair, u["side"]),
            "rule": pd.array(u["rule"], dtype="string"),
            "severity": pd.array(u["severity"], dtype="string"),
            "due": days_to_datetimes(u["due"]),
            "action": pd.array(u["action"], dtype="string"),
        }
    )[UPCOMING_COLUMNS]


#: Columns of ``ComplianceReport.hours``.
HOURS_COLUMNS = [
    "participant_id",
    "role",
    "pairs",
    "meetings",
    "verified_meetings",
    "logged_hours",
    "verified_hours",
    "unverified_hours",
]


def hours_table(
    ids: Ids,
    pair: np.ndarray,
    minutes: np.ndarray,
    side: np.ndarray | None,
    partner: np.ndarray,
    tolerance_minutes: float,
) -> pd.DataFrame:
    """``report.hours``: each participant's logged, verified and unverified hours.

    ``pair``, ``minutes``, ``side``, ``partner``: the meeting rows inside their
    pair's window (after ``as_of`` and after an ``ended_on`` excluded; identical
    rows once), with the reporting side and the position of the other side's row
    reconciled with each (``-1``: none). A participant's own log is the rows they
    reported; a row is verified when reconciled with the other side's row and the
    two minutes agree within ``tolerance_minutes`` (the verified time is the
    smaller of the two: what both logs support). Without ``reported_by`` (one log
    for the pair) every row is each participant's, and nothing is verified.
    """
    n_rows = len(pair)
    if side is None:
        own_pair = np.concatenate([pair, pair])
        own_side = np.repeat(np.array([0, 1], dtype=np.int8), n_rows)
        own_min = np.concatenate([minutes, minutes])
        verified = np.zeros(2 * n_rows)
        agree = np.zeros(2 * n_rows, dtype=bool)
    else:
        own_pair, own_side, own_min = pair, side, minutes
        j = np.maximum(partner, 0)
        agree = (partner >= 0) & (np.abs(minutes - minutes[j]) <= tolerance_minutes + 1e-9)
        verified = np.where(agree, np.minimum(minutes, minutes[j]), 0.0)
    frames = []
    for s, role, who in ((0, "mentor", ids.mentor), (1, "mentee", ids.mentee)):
        code, uniq = pd.factorize(pd.Series(who, dtype=object))
        k = len(uniq)
        mine = own_side == s
        person = code[own_pair[mine]]
        logged = np.bincount(person, weights=own_min[mine], minlength=k)
        ver = np.bincount(person, weights=verified[mine], minlength=k)
        frames.append(
            pd.DataFrame(
                {
                    "participant_id": pd.array(np.asarray(uniq, dtype=object), dtype="string"),
                    "role": pd.array(np.full(k, role, dtype=object), dtype="string"),
                    "pairs": np.bincount(code, minlength=k).astype(np.int64),
                    "meetings": np.bincount(person, minlength=k).astype(np.int64),
                    "verified_meetings": np.bincount(
                        person, weights=agree[mine], minlength=k
                    ).astype(np.int64),
                    "logged_hours": np.round(logged / 60, 2),
                    "verified_hours": np.round(ver / 60, 2),
                    "unverified_hours": np.round((logged - ver) / 60, 2),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[HOURS_COLUMNS]
