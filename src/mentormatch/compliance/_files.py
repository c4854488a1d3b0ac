"""What a cycle check writes for staff: the report's facts and tables, as files.

In: a :class:`~mentormatch.compliance.ComplianceReport`. Out: :func:`about`
(the facts a coordinator needs before trusting the counts: the cycle window
and the as-of date used, what was read and how, the rules not checked, the
rows not used, the holiday calendar) and :func:`tables` (every table of the
report, in the order the files hold them), written by :func:`write` with
:func:`mentormatch._export.write_table` (formula escaping, dates as dates,
atomic writes).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ._report import ComplianceReport

__all__ = ["about", "tables", "write"]


def about(report: ComplianceReport) -> dict[str, Any]:
    """The facts of a check, item -> value (the ``about`` sheet, ``<stem>_about.csv``)."""
    from .. import __version__

    summary = report.summary
    n = len(summary)
    compliant = int(summary["compliant"].sum()) if n else 0
    facts: dict[str, Any] = {
        "program": report.policy.name,
        "written": _dt.datetime.now().replace(microsecond=0),
        "mentormatch_version": __version__,
        "cycle": cycle_text(report),
        "as_of": report.as_of.date(),
        "pairs_checked": n,
        "compliant": compliant,
        "with_required_rules_broken": n - compliant,
        "violations": len(report.violations),
        "rules_not_checked": len(report.not_checked),
    }
    for rule, reason in zip(report.not_checked["rule"], report.not_checked["reason"], strict=True):
        facts[f"not checked: {rule}"] = reason
    facts["meeting_rows_not_used"] = len(report.unused_meetings)
    facts["event_rows_not_used"] = len(report.unused_events)
    for table, frame in (("meetings", report.unused_meetings), ("events", report.unused_events)):
        for reason, count in reason_counts(frame).items():
            facts[f"{table} not used: {reason}"] = count
    cal = report.calendar
    if cal:
        facts["business_days"] = calendar_text(cal)
    for row in report.inputs.itertuples(index=False):
        facts[f"read: {row.table}"] = input_text(row)
    return facts


def tables(report: ComplianceReport) -> dict[str, pd.DataFrame]:
    """Every table of the report, as the files hold them (the first is the CSV's own file)."""
    return {
        "violations": report.violations,
        "summary": report.summary,
        "upcoming": report.upcoming(30),
        "not_checked": report.not_checked,
        "unused_meetings": report.unused_meetings,
        "unused_events": report.unused_events,
        "meetings": report.meetings,
        "inputs": report.inputs,
    }


def write(
    report: ComplianceReport,
    path: str | Path,
    func: str,
    words: Callable[[str], str] | None = None,
) -> Path:
    """Write :func:`tables` with the :func:`about` facts to ``.xlsx`` or ``.csv``.

    ``words`` rewrites the sentences of the facts and of ``not_checked`` (the
    command line names its options there instead of the library's parameters).
    """
    from .._export import write_table

    facts = about(report)
    frames = tables(report)
    if words is not None:
        facts = {k: words(v) if isinstance(v, str) else v for k, v in facts.items()}
        nc = frames["not_checked"]
        frames["not_checked"] = nc.assign(reason=nc["reason"].map(words, na_action="ignore"))
    return write_table(frames, path, func=func, about=facts)


# --------------------------------------------------------------------------- words


def cycle_text(report: ComplianceReport) -> str:
    """The cycle window used: its dates, or each pair's own for a rolling program."""
    if report.start is not None and report.end is not None:
        return f"{report.start.date()} to {report.end.date()}"
    if report.start is not None:
        return f"from {report.start.date()} (open-ended)"
    return "rolling: each pair's cycle starts on its matched_on date"


def calendar_text(cal: dict[str, Any]) -> str:
    """``"CA-ON public holidays (statutory dates only; holidays 0.62)"``."""
    place = "-".join(str(p) for p in (cal.get("country"), cal.get("subdivision")) if p)
    how = "observed days count" if cal.get("observed") else "statutory dates only"
    version = f"; {cal.get('package')} {cal.get('version')}" if cal.get("version") else ""
    text = f"{place or 'no'} public holidays ({how}{version})"
    if not cal.get("rules"):
        text += ", no rule counts business days"
    return text


def input_text(row: Any) -> str:
    """How one table was read: source, rows, encoding, delimiter, blank lines, date orders."""
    parts = [str(row.source), f"{int(row.rows)} rows"]
    if isinstance(row.encoding, str):
        parts.append(row.encoding)
    if isinstance(row.delimiter, str):
        parts.append(f"delimiter {row.delimiter!r}" if row.delimiter != "tab" else "tab-delimited")
    if int(row.blank_lines):
        parts.append(f"{int(row.blank_lines)} blank rows left out")
    if isinstance(row.date_order, str):
        parts.append(f"dates: {row.date_order}")
    return ", ".join(parts)


def reason_counts(unused: pd.DataFrame) -> pd.Series:
    """Unused rows counted by kind of reason (dates and row numbers set aside)."""
    if not len(unused):
        return pd.Series(dtype="int64")
    kind = (
        unused["reason"]
        .astype(str)
        .str.replace(r" \([^)]*\)", "", regex=True)
        .str.replace(r"\b\d{4}-\d{2}-\d{2}\b", "a date", regex=True)
        .str.replace(r"\brow \d+\b", "an earlier row", regex=True)
    )
    return kind.value_counts(sort=True)
