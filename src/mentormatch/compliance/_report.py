"""The result of a cycle check: :class:`ComplianceReport`."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import MentormatchError
from .._params import check_number
from .._policy import ProgramPolicy

__all__ = ["INPUT_COLUMNS", "ComplianceReport"]

VIOLATION_COLUMNS = [
    "mentor_id",
    "mentee_id",
    "rule",
    "severity",
    "period_start",
    "period_end",
    "detail",
    "participant_id",
]
INPUT_COLUMNS = [
    "table",
    "source",
    "encoding",
    "delimiter",
    "rows",
    "blank_lines",
    "date_order",
]
UPCOMING_COLUMNS = ["mentor_id", "mentee_id", "participant_id", "rule", "severity", "due", "action"]


class ComplianceReport:
    """Which of the program's cycle rules each pair kept, and when they broke one.

    Built by :func:`~mentormatch.check_cycle`; every table is a plain DataFrame.

    Attributes
    ----------
    violations : DataFrame
        One row per occurrence: ``mentor_id``, ``mentee_id``, ``rule`` (the
        policy's rule code), ``severity`` (``"required"`` / ``"recommended"``),
        ``period_start``, ``period_end`` (the dates the occurrence covers, e.g.
        the gap, the month, or from when to the due date), ``detail`` (a sentence
        staff can send to the pair) and ``participant_id`` (the mentor or the
        mentee for per-participant rules such as surveys, ``<NA>`` otherwise).
        Sorted by pair (in the order of the pairs table), then ``period_start``,
        the rule's place in the policy, mentor before mentee, ``period_end``
        (the same order whatever the order of the input rows).
    summary : DataFrame
        One row per pair, in the order of the pairs table: ``mentor_id``,
        ``mentee_id``, ``meetings`` (meetings counted), ``hours`` (their total),
        ``longest_gap_days`` (longest stretch without a meeting from the pair's
        start up to ``as_of`` or the end; ``<NA>`` before the pair starts),
        ``required_violations``, ``recommended_violations``, ``compliant`` (no
        required rule broken), ``start``, ``end`` (the pair's cycle; ``end`` is
        NaT when open-ended).
    unused_meetings : DataFrame
        Meeting rows that no rule used, with why: ``row``, ``mentor_id``,
        ``mentee_id``, ``date``, ``duration_minutes``, ``reason`` (before the
        pair's cycle start, after its end, after ``as_of``, or "the same meeting
        as row N": a row identical to an earlier one, counted once). Every other
        row is in :attr:`meetings`. ``row`` here, in :attr:`meetings` and in
        :attr:`unused_events` is the row number of the table given: the file row
        (header = row 1) for a file or a table from ``read_meetings``/
        ``read_events`` (whose index, named ``"row"``, holds it), else the 0-based
        position.
    unused_events : DataFrame
        Event rows no rule used (``row`` as above, ``mentor_id``, ``mentee_id``, ``kind``,
        ``date``, ``reason``): after ``as_of``, a kind the policy has no rule for,
        an assessment outside the cycle, an update dated before the pair's cycle
        start, a survey before its window opens ("before the mid-program survey
        opens on 2027-03-01"), a form or plan from an earlier cycle or before the
        assignment, a first contact before the assignment...
    not_checked : DataFrame
        ``rule``, ``severity``, ``reason``: rules of the policy that could not be
        judged with the tables given (no ``mode`` column for
        ``in_person_meeting``, no ``reported_by`` for ``log_agreement``, no events
        table, open-ended cycles for end-of-cycle rules). They are not counted as
        kept: read this table before trusting :attr:`ok`.
    meetings : DataFrame
        Every meeting row inside its pair's cycle and on or before ``as_of``:
        ``row`` (as in :attr:`unused_meetings`), ``mentor_id``,
        ``mentee_id``, ``date``, ``duration_minutes``, ``mode`` and ``reported_by``
        (when given), ``counted``: whether the row counts as a meeting for the
        meeting rules, and ``reconciled_with``: the ``row`` of the other side's
        log it was reconciled with (``<NA>``: none, or a single log). ``counted``
        is False only for the mentor's row of a meeting reconciled with the
        mentee's (two logs, see :mod:`mentormatch.compliance`); ``log_agreement``
        compares the two. Every row of the meetings table is in exactly one of
        :attr:`meetings` and :attr:`unused_meetings`.
    inputs : DataFrame
        What the check read, one row per table (pairs, meetings, events when
        given): ``table``, ``source`` (the file, with its sheet, or "DataFrame"),
        ``encoding`` and ``delimiter`` (CSV files), ``rows`` (data rows read),
        ``blank_lines`` (blank rows of the file left out) and ``date_order``: for
        each date column how its dates were read (ISO, a day/month order given by
        ``date_format`` or inferred from a row, shown with the row).
    calendar : dict
        The public-holiday calendar business days were counted with:
        ``country``, ``subdivision``, ``observed`` (whether the ``holidays``
        package's observed days counted), ``package`` and ``version`` (the
        ``holidays`` release: its calendars change between releases) and
        ``rules``, the rules that count business days (empty: the calendar
        decided nothing).
    policy : ProgramPolicy
    as_of, start, end : Timestamp
        The check date and the cycle dates (``start``/``end`` are ``None`` when
        each pair has its own, rolling programs).

    Methods
    -------
    ok
        True when no required rule is broken.
    upcoming(days=30)
        What each pair must do next, and by when.
    counts()
        Violations and pairs per rule.
    plot()
        A pairs × months heat map (matplotlib, imported on first use).
    """

    def __init__(
        self,
        *,
        policy: ProgramPolicy,
        as_of: pd.Timestamp,
        start: pd.Timestamp | None,
        end: pd.Timestamp | None,
        violations: pd.DataFrame,
        summary: pd.DataFrame,
        unused_meetings: pd.DataFrame,
        unused_events: pd.DataFrame,
        not_checked: pd.DataFrame,
        meetings: pd.DataFrame,
        upcoming: pd.DataFrame,
        inputs: pd.DataFrame | None = None,
        calendar: Mapping[str, Any] | None = None,
    ) -> None:
        self.policy = policy
        self.as_of = as_of
        self.start = start
        self.end = end
        self.violations = violations
        self.summary = summary
        self.unused_meetings = unused_meetings
        self.unused_events = unused_events
        self.not_checked = not_checked
        self.meetings = meetings
        self._upcoming = upcoming
        if inputs is None:
            inputs = pd.DataFrame({c: pd.array([], dtype="string") for c in INPUT_COLUMNS})
            inputs = inputs.astype({"rows": "int64", "blank_lines": "int64"})
        self.inputs = inputs
        self.calendar: dict[str, Any] = dict(calendar) if calendar is not None else {}

    @property
    def ok(self) -> bool:
        """True when no pair broke a ``"required"`` rule (see :attr:`not_checked`)."""
        return not bool((self.violations["severity"] == "required").any())

    def upcoming(self, days: int = 30) -> pd.DataFrame:
        """What each pair must do next, due within ``days`` days of ``as_of``.

        Parameters
        ----------
        days : int
            Deadlines from ``as_of`` (inclusive) to ``as_of + days`` are listed.

        Returns
        -------
        DataFrame
            ``mentor_id``, ``mentee_id``, ``participant_id`` (for per-participant
            items, ``<NA>`` otherwise), ``rule``, ``severity``, ``due`` (the last
            day to do it) and ``action`` (a sentence for the pair), sorted by
            ``due`` then pair. Overdue items are in :attr:`violations`, not here.
        """
        check_number(days, "days", "ComplianceReport.upcoming", low=0, integer=True)
        limit = self.as_of + pd.Timedelta(days=int(days))
        table = self._upcoming
        return table[table["due"] <= limit].reset_index(drop=True)

    # ------------------------------------------------------------------ display

    def counts(self) -> pd.DataFrame:
        """Violations and pairs affected per rule, in the policy's rule order."""
        rules = [r.code for r in self.policy.cycle.rules]
        sev = {r.code: r.severity for r in self.policy.cycle.rules}
        v = self.violations
        grouped = v.groupby("rule", sort=False)
        n = grouped.size()
        pairs = (
            grouped.apply(
                lambda g: len(g[["mentor_id", "mentee_id"]].drop_duplicates()), include_groups=False
            )
            if len(v)
            else pd.Series(dtype="int64")
        )
        return pd.DataFrame(
            {
                "rule": rules,
                "severity": [sev[r] for r in rules],
                "violations": [int(n.get(r, 0)) for r in rules],
                "pairs": [int(pairs.get(r, 0)) for r in rules],
                "checked": [r not in set(self.not_checked["rule"]) for r in rules],
            }
        )

    def __repr__(self) -> str:
        n_pairs = len(self.summary)
        req = int((self.violations["severity"] == "required").sum())
        bad = int((~self.summary["compliant"]).sum()) if n_pairs else 0
        return (
            f"<ComplianceReport {self.policy.name}, as of {self.as_of.date()}: {n_pairs} pairs, "
            f"{len(self.violations)} violations ({req} of required rules), "
            f"{bad} pairs not compliant, {len(self.not_checked)} rules not checked>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        head = (
            f"<p><b>{esc(self.policy.name)}</b> — cycle check as of {self.as_of.date()}: "
            f"{len(self.summary)} pairs, {len(self.violations)} violations, "
            f"{int((~self.summary['compliant']).sum()) if len(self.summary) else 0} pairs "
            f"not compliant; ok = {self.ok}.</p>"
        )
        parts = [head, self.counts().to_html(index=False, escape=True)]
        if len(self.not_checked):
            items = "".join(
                f"<li>{esc(str(r.rule))}: {esc(str(r.reason))}</li>"
                for r in self.not_checked.itertuples(index=False)
            )
            parts.append(f"<p>Not checked:</p><ul>{items}</ul>")
        if len(self.unused_meetings) or len(self.unused_events):
            parts.append(
                f"<p>Unused rows: {len(self.unused_meetings)} meetings, "
                f"{len(self.unused_events)} events (see .unused_meetings / .unused_events).</p>"
            )
        if len(self.violations):
            parts.append("<p>First violations:</p>")
            parts.append(self.violations.head(10).to_html(index=False, escape=True))
        return "\n".join(parts)

    # ------------------------------------------------------------------ files

    def about(self) -> dict[str, Any]:
        """The facts of this check, as the files' ``about`` sheet lists them.

        Program, date written, version, the cycle window and ``as_of`` used,
        counts, each rule not checked with why, the rows not used counted by
        reason, the business-day calendar, and how each table was read.
        """
        from ._files import about

        return about(self)

    def export_tables(self) -> dict[str, pd.DataFrame]:
        """The tables :meth:`to_excel` and :meth:`to_csv` write, in order.

        ``violations``, ``summary``, ``upcoming`` (the next 30 days),
        ``not_checked``, ``unused_meetings``, ``unused_events``, ``meetings``
        (the rows used) and ``inputs``.
        """
        from ._files import tables

        return tables(self)

    def to_excel(self, path: str | Path) -> Path:
        """Write the report to one ``.xlsx``: an ``about`` sheet, then each table.

        Headers bold and frozen with filters; dates as date cells; text a
        spreadsheet would run as a formula kept as text. Written whole or not
        at all.
        """
        from .._params import param_error
        from ._files import write

        if Path(path).suffix.lower() != ".xlsx":
            raise param_error(
                "path", "ComplianceReport.to_excel", "a path ending in .xlsx", str(path)
            )
        return write(self, path, "ComplianceReport.to_excel")

    def to_csv(self, path: str | Path) -> Path:
        """Write ``violations`` to ``path`` and each other table beside it.

        ``report.csv`` gets ``report_summary.csv``, ``report_upcoming.csv``,
        ``report_not_checked.csv``, ``report_unused_meetings.csv``,
        ``report_unused_events.csv``, ``report_meetings.csv``,
        ``report_inputs.csv`` and ``report_about.csv``. UTF-8 with a BOM (Excel
        reads the accents), formula-looking text with a leading ``'``.
        """
        from .._params import param_error
        from ._files import write

        if Path(path).suffix.lower() != ".csv":
            raise param_error("path", "ComplianceReport.to_csv", "a path ending in .csv", str(path))
        return write(self, path, "ComplianceReport.to_csv")

    # ------------------------------------------------------------------ plot

    def plot(self, ax: Any = None, *, max_pairs: int = 40) -> Any:
        """A pairs × months heat map of meetings, with each violation marked.

        Cells are the number of meetings the pair held in the month, one colour
        each for 0, 1, 2 and 3 or more (grey outside the pair's cycle and after
        ``as_of``); a red ``x`` marks a violation of a required rule and an
        orange circle one of a recommended rule, in the month its period ends (a
        month after the cycle is added for what is due after the end). The pairs
        with the most violations come first (required ones first, then
        recommended), at most ``max_pairs`` of them: the title says how many of
        the report's pairs are shown ("40 of 64 pairs, most violations first").

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Drawn on a new figure when not given.
        max_pairs : int
            At most this many pairs (rows).

        Returns
        -------
        matplotlib.axes.Axes

        Raises
        ------
        MentormatchError
            When matplotlib is not installed (``pip install "mentormatch[plot]"``).
        """
        check_number(max_pairs, "max_pairs", "ComplianceReport.plot", low=1, integer=True)
        try:  # deferred: plotting is optional
            import matplotlib.pyplot as plt
            from matplotlib.colors import BoundaryNorm, ListedColormap
        except ImportError:
            raise MentormatchError(
                "ComplianceReport.plot needs matplotlib, which is not installed; install it "
                'with: pip install "mentormatch[plot]"'
            ) from None

        s = self.summary
        worst = (s["required_violations"] * 1000 + s["recommended_violations"]).to_numpy()
        order = np.argsort(-worst, kind="stable")[: int(max_pairs)]
        shown = s.iloc[order].reset_index(drop=True)
        if ax is None:
            height = 0.3 * max(len(shown), 4) + 2
            _, ax = plt.subplots(figsize=(10, height), layout="constrained")
        if len(shown) == 0:
            ax.set_title(f"{self.policy.name}: no pairs")
            return ax
        which = f"all {len(s)} pairs" if len(shown) == len(s) else f"{len(shown)} of {len(s)} pairs"
        row_of = pd.Index(_keys(shown))
        as_of = self.as_of.to_period("M")
        starts = shown["start"].dt.to_period("M")
        ends = shown["end"].dt.to_period("M").where(shown["end"].notna(), as_of)
        v = self.violations
        vr = row_of.get_indexer(_keys(v))
        # a violation due after the cycle end (AMCTO's final survey) gets its own column
        v_last = v["period_end"][vr >= 0].dt.to_period("M")
        last = max(max(ends), min(starts), *([max(v_last)] if len(v_last) else []))
        months = pd.period_range(min(starts), last, freq="M")
        col_of = {p: i for i, p in enumerate(months)}
        grid = np.zeros((len(shown), len(months)))
        m = self.meetings[self.meetings["counted"]]
        r = row_of.get_indexer(_keys(m))
        c = m["date"].dt.to_period("M").map(col_of).to_numpy(dtype=float, na_value=np.nan)
        ok = (r >= 0) & ~np.isnan(c)
        np.add.at(grid, (r[ok], c[ok].astype(int)), 1)
        month_idx = np.arange(len(months))
        lo = starts.map(col_of).to_numpy(dtype=np.int64)
        hi = ends.map(col_of).to_numpy(dtype=np.int64)
        outside = (month_idx[None, :] < lo[:, None]) | (month_idx[None, :] > hi[:, None])
        outside |= np.asarray(months > as_of)[None, :]
        # whole meeting counts: one colour each for 0, 1, 2 and 3 or more
        greens = plt.get_cmap("Greens")(np.linspace(0.08, 0.85, len(_COUNT_LABELS)))
        cmap = ListedColormap(greens).with_extremes(bad="#dddddd", over=greens[-1])
        bounds = np.arange(len(_COUNT_LABELS) + 1) - 0.5
        image = ax.imshow(
            np.ma.masked_array(grid, mask=outside),
            aspect="auto",
            cmap=cmap,
            norm=BoundaryNorm(bounds, cmap.N),
            interpolation="nearest",
        )
        vc = v["period_end"].dt.to_period("M").map(col_of).to_numpy(dtype=float, na_value=np.nan)
        for severity, marker, style in (
            ("required", "x", {"color": "red"}),
            ("recommended", "o", {"facecolors": "none", "edgecolors": "darkorange"}),
        ):
            sel = (vr >= 0) & ~np.isnan(vc) & (v["severity"] == severity).to_numpy()
            if sel.any():
                ax.scatter(
                    vc[sel], vr[sel], marker=marker, s=40, label=f"{severity} rule broken", **style
                )
        if len(v):
            ax.legend(
                loc="lower right", bbox_to_anchor=(1, 1), ncols=2, fontsize="small", frameon=False
            )
        ax.set_xticks(month_idx)
        ax.set_xticklabels([p.strftime("%b %Y") for p in months], rotation=60, ha="right")
        ax.set_yticks(np.arange(len(shown)))
        ax.set_yticklabels(
            (shown["mentor_id"].astype(str) + " / " + shown["mentee_id"].astype(str)).tolist(),
            fontsize="small",
        )
        ax.set_title(
            f"{self.policy.name}: meetings per month, as of {self.as_of.date()} "
            f"({which}, most violations first)",
            loc="left",
            pad=18,
        )
        bar = ax.figure.colorbar(
            image, ax=ax, label="meetings", ticks=np.arange(len(_COUNT_LABELS))
        )
        bar.ax.set_yticklabels(_COUNT_LABELS)
        bar.minorticks_off()
        return ax


#: The heat map's colour classes: meetings in the month.
_COUNT_LABELS = ("0", "1", "2", "3+")


def _keys(frame: pd.DataFrame) -> pd.Series:
    """One text key per row for its pair."""
    return frame["mentor_id"].astype(str) + "\x1f" + frame["mentee_id"].astype(str)
