"""The generator behind :func:`mentormatch.datasets.make_cycle_logs`.

It lives with the compliance code it mirrors (cycle windows, due dates), so that
importing :mod:`mentormatch.datasets` does not load the compliance package.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .._policy import CycleRule, ProgramPolicy
from ._calendar import OPEN, add_months, days_to_datetimes, month_end, month_of, month_start
from ._cycle import Cycle
from ._rules import _expand, paperwork_opens, quarterly_due_dates, survey_due

__all__ = ["LogGenerator"]


class LogGenerator:
    """Meetings and events of every pair at once, lapses drawn with ``rng``."""

    def __init__(
        self, policy: ProgramPolicy, cycle: Cycle, rng: np.random.Generator, lapse_rate: float
    ) -> None:
        self.pol = policy
        self.rng = rng
        self.p = lapse_rate
        self.a = cycle.as_of
        self.S, self.E, self.ASG = cycle.pair_start, cycle.pair_end, cycle.assigned
        # forms and the plan are never dated before the pair exists (check_cycle ignores them)
        self.formed = paperwork_opens(policy, self.S, self.ASG, cycle.start)
        self.n = len(self.S)
        self.H = np.minimum(self.E, self.a)  # nothing is logged after as_of
        self._rows: list[dict[str, np.ndarray]] = []

    def rule(self, code: str) -> CycleRule | None:
        return self.pol.cycle.rule(code)

    def chance(self, k: int, rate: float) -> np.ndarray:
        return self.rng.random(k) < rate * self.p if self.p > 0 else np.zeros(k, dtype=bool)

    # ------------------------------------------------------------------ meetings

    def _schedule(self) -> tuple[int, int, int]:
        """Meetings a month, and the window of the month's first meeting (offset, width).

        Each (pair, month) holds ``count`` meetings: the first on day ``1 + offset``
        with ``offset`` in ``[base, base + width]``, the others spread evenly over
        the rest of the month. With ``count >= base count`` meetings in every month,
        no two consecutive meetings (nor the start and the first meeting) are more
        than ``max_days`` apart: ``width`` is what the month's length leaves of
        ``max_days`` (AMCTO, 42 days: the 8th to the 19th).
        """
        gap = self.rule("max_gap")
        max_days = int(gap["max_days"]) if gap is not None else 42
        mm = self.rule("monthly_meeting")
        k = int(mm["min_meetings"]) if mm is not None else 1
        k_gap = 1
        while math.ceil(31 / k_gap) + (k_gap > 1) > max_days and k_gap < 31:
            k_gap += 1
        count = min(max(k, k_gap), 31)
        slack = max(max_days - math.ceil(31 / count) - (count > 1), 0)
        base = 7 if count == 1 else min(7, slack // 2)
        width = min(11, slack if count == 1 else slack - base)
        return count, base, width

    def meetings(self, mentor: np.ndarray, mentee: np.ndarray, two_sided: bool) -> pd.DataFrame:
        rng, n = self.rng, self.n
        # one row per (pair, calendar month) from the pair's start to as_of / its end
        pair, month = _expand(month_of(self.S), month_of(np.where(self.H >= self.S, self.H, 0)))
        k = len(pair)
        ms = month_start(month)
        days_in = month_end(month) - ms + 1
        base_count, base, width = self._schedule()
        offset = base + rng.integers(0, width + 1, k)
        late = self.chance(k, 1 / 3)  # lapse: the month's meetings late, a long gap before
        offset = np.where(late, base + width + rng.integers(5, 12, k), offset)
        hours = self.rule("monthly_hours")
        count = base_count + (rng.random(k) < 0.2)  # now and then one meeting more
        lo, hi = self._duration_range(count, hours)
        if hours is not None and hours["max_hours"] is not None:
            count = np.where(count * lo <= hours["max_hours"] * 60, count, base_count)
            lo, hi = self._duration_range(count, hours)
        offset = np.maximum(np.minimum(offset, days_in - count), 0)
        row = np.repeat(np.arange(k), count)
        j = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
        spacing = (days_in - offset)[row] * j // count[row]
        mp, md = pair[row], ms[row] + offset[row] + spacing
        minutes = rng.integers(lo[row] // 5, hi[row] // 5 + 1) * 5
        minutes = np.clip(minutes, lo[row], hi[row]).astype(float)
        # a pair starting mid-month meets within a few days of its start
        s = self.S[mp]
        dropped = np.zeros(n, dtype=bool)
        dropped[mp[md < s]] = True
        first = np.flatnonzero(dropped & (self.S <= self.H))
        add_day = self.S[first] + rng.integers(0, min(5, width) + 1, len(first))
        add_day = np.minimum(add_day, self.H[first])
        add_lo, _ = self._duration_range(np.ones(len(first), dtype=np.int64), hours)
        # ...unless it already meets that day: two meetings of a pair on one day are one
        both = np.concatenate([md, add_day])
        base_day = int(np.min(both, initial=0))
        span = int(np.max(both, initial=0)) - base_day + 1
        taken = np.isin(first * span + (add_day - base_day), mp * span + (md - base_day))
        first, add_day, add_lo = first[~taken], add_day[~taken], add_lo[~taken]
        mp = np.concatenate([mp, first])
        md = np.concatenate([md, add_day])
        minutes = np.concatenate([minutes, add_lo.astype(float)])
        keep = (md >= self.S[mp]) & (md <= self.H[mp])
        # one meeting a day per pair: the added first meeting may fall on a scheduled
        # one, and check_cycle counts a row identical to an earlier one once
        keep &= ~pd.Series(mp * np.int64(1 << 32) + md).duplicated().to_numpy()
        # lapses: missed months, pairs that stop early or start late
        missed = np.zeros(len(mp), dtype=bool)
        missed[: len(row)] = self.chance(k, 1 / 2)[row]
        keep &= ~missed
        stop_early = self.chance(n, 1 / 3)
        stop_at = self.S + (np.maximum(self.H - self.S, 0) * rng.uniform(0.3, 0.8, n)).astype(
            np.int64
        )
        keep &= ~(stop_early[mp] & (md > stop_at[mp]))
        fc = self.rule("first_contact")
        self.slow_start = self.chance(n, 1 / 3) & (fc is not None)
        slow_until = self.ASG + (int(fc["within_days"]) if fc is not None else 30) + 5
        keep &= ~(self.slow_start[mp] & (md < slow_until[mp]))
        mp, md, minutes = mp[keep], md[keep], minutes[keep]
        short = self.chance(len(mp), 1 / 2)
        minutes = np.where(short, rng.integers(1, 4, len(mp)) * 5 + 10, minutes)
        dur = self.rule("meeting_duration")
        if dur is not None and dur["max_minutes"] is not None:
            long_ = self.chance(len(mp), 1 / 4)
            minutes = np.where(
                long_, dur["max_minutes"] + 15 * rng.integers(1, 3, len(mp)), minutes
            )
        order = np.lexsort((md, mp))
        mp, md, minutes = mp[order], md[order], minutes[order]
        mode = self._modes(mp)
        self.m_pair, self.m_day = mp, md
        frame = pd.DataFrame(
            {
                "mentor_id": pd.array(mentor[mp], dtype="string"),
                "mentee_id": pd.array(mentee[mp], dtype="string"),
                "date": days_to_datetimes(md),
                "duration_minutes": minutes.astype(np.int64),
                "mode": pd.array(mode, dtype="string"),
            }
        )
        if not two_sided:
            return frame
        mentee_log = frame.assign(reported_by=frame["mentee_id"])
        mentor_log = frame.assign(reported_by=frame["mentor_id"])
        k = len(frame)
        differ = self.chance(k, 1 / 3)
        shift = np.where(rng.random(k) < 0.5, -15, 15)
        mentor_log["duration_minutes"] = np.where(
            differ,
            np.maximum(frame["duration_minutes"].to_numpy() + shift, 15),
            frame["duration_minutes"].to_numpy(),
        )
        forgot = self.chance(k, 1 / 5)
        both = pd.concat([mentor_log[~forgot], mentee_log], ignore_index=False)
        return both.sort_index(kind="stable").reset_index(drop=True)

    def _duration_range(
        self, count: np.ndarray, hours: CycleRule | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per meeting, the shortest and longest duration (multiples of 5 minutes when
        possible) that keep ``meeting_duration`` and, with ``count`` meetings in the
        month, ``monthly_hours``."""
        dur = self.rule("meeting_duration")
        lo = np.full(len(count), 45.0)
        hi = np.full(len(count), 90.0)
        if dur is not None:
            if dur["min_minutes"] is not None:
                lo = np.full(len(count), float(dur["min_minutes"]))
                hi = np.maximum(hi, lo + 30)
            if dur["max_minutes"] is not None:
                hi = np.minimum(hi, float(dur["max_minutes"]))
                lo = np.minimum(lo, hi)
        if hours is not None:
            if hours["min_hours"] is not None:
                lo = np.maximum(lo, hours["min_hours"] * 60 / count)
            if hours["max_hours"] is not None:
                hi = np.minimum(hi, hours["max_hours"] * 60 / count)
        lo_r, hi_r = np.ceil(lo / 5) * 5, np.floor(hi / 5) * 5
        exact = lo_r > hi_r  # no multiple of 5 fits: the nearest whole minute
        lo_r = np.where(exact, np.ceil(lo), lo_r)
        hi_r = np.where(exact, np.maximum(np.ceil(lo), np.floor(hi)), hi_r)
        return lo_r.astype(np.int64), hi_r.astype(np.int64)

    def _modes(self, mp: np.ndarray) -> np.ndarray:
        rng = self.rng
        video_first = self.pol.cycle.rule("in_person_meeting") is None
        probs = [0.05, 0.7, 0.25] if video_first else [0.3, 0.5, 0.2]
        mode = rng.choice(np.array(["in_person", "video", "phone"], dtype=object), len(mp), p=probs)
        ip = self.rule("in_person_meeting")
        if ip is not None:
            first = np.ones(len(mp), dtype=bool)
            first[1:] = mp[1:] != mp[:-1]
            starts = np.flatnonzero(first)
            rank = np.arange(len(mp)) - np.repeat(starts, np.diff(np.append(starts, len(mp))))
            skip = self.chance(self.n, 1)[mp]
            mode = np.where(skip, np.where(mode == "in_person", "video", mode), mode)
            mode = np.where(~skip & (rank < int(ip["min_count"])), "in_person", mode)
        return mode.astype(object)

    # ------------------------------------------------------------------ events

    def events(self, mentor: np.ndarray, mentee: np.ndarray) -> pd.DataFrame:
        for rule in self.pol.cycle.rules:
            fn = getattr(self, "_ev_" + rule.code, None)
            if fn is not None:
                fn(rule)
        rows = self._rows
        if rows:
            pair = np.concatenate([r["pair"] for r in rows])
            kind = np.concatenate([r["kind"] for r in rows])
            day = np.concatenate([r["day"] for r in rows])
            side = np.concatenate([r["side"] for r in rows])
        else:
            pair = day = np.zeros(0, np.int64)
            kind = np.zeros(0, object)
            side = np.zeros(0, np.int8)
        keep = day <= self.a
        pair, kind, day, side = pair[keep], kind[keep], day[keep], side[keep]
        order = np.lexsort((side, kind, day, pair))
        pair, kind, day, side = pair[order], kind[order], day[order], side[order]
        participant = np.where(side == 0, mentor[pair], np.where(side == 1, mentee[pair], None))
        return pd.DataFrame(
            {
                "mentor_id": pd.array(mentor[pair], dtype="string"),
                "mentee_id": pd.array(mentee[pair], dtype="string"),
                "kind": pd.array(kind, dtype="string"),
                "date": days_to_datetimes(day),
                "participant_id": pd.array(participant, dtype="string"),
            }
        )

    def _add(self, pair: np.ndarray, kind: str, day: np.ndarray, side: int = -1) -> None:
        """Log ``kind`` on ``day``; a lapse drops it or makes it late (after ``due``)."""
        self._rows.append(
            {
                "pair": pair,
                "kind": np.full(len(pair), kind, dtype=object),
                "day": day,
                "side": np.full(len(pair), side, dtype=np.int8),
            }
        )

    def _deadline(
        self, pair: np.ndarray, kind: str, on_time: np.ndarray, due: np.ndarray, side: int = -1
    ) -> None:
        rng, k = self.rng, len(pair)
        missing = self.chance(k, 1 / 3)
        late = self.chance(k, 1 / 3)
        day = np.where(late, due + rng.integers(1, 21, k), on_time)
        self._add(pair[~missing], kind, day[~missing], side)

    def _first_meeting(self) -> np.ndarray:
        first = np.full(self.n, OPEN, dtype=np.int64)
        np.minimum.at(first, self.m_pair, self.m_day)
        return first

    def _ev_forms_signed(self, rule: CycleRule) -> None:
        first = self._first_meeting()
        met = first < OPEN
        pair = np.arange(self.n)
        for kind in rule["kinds"]:
            on_time = np.where(
                met,
                first - self.rng.integers(0, 7, self.n),
                self.S + self.rng.integers(0, 10, self.n),
            )
            on_time = np.maximum(on_time, self.formed)
            due = self.E if rule["due"] == "cycle_end" else np.where(met, first, self.E)
            self._deadline(pair, kind, on_time, due)

    def _ev_plan_submitted(self, rule: CycleRule) -> None:
        due = add_months(self.S, int(rule["within_months"])) - 1
        if rule["due"] == "cycle_end":  # submitted in the first months all the same
            due = np.where(self.E < OPEN, self.E, due)
        room = np.maximum(np.minimum(due - self.S, 20), 0)
        on_time = self.S + (self.rng.random(self.n) * (room + 1)).astype(np.int64)
        self._deadline(np.arange(self.n), "plan_submitted", on_time, due)

    def _ev_quarterly_update(self, rule: CycleRule) -> None:
        dues, lo, hi = quarterly_due_dates(self.pol, rule, self.S, self.E, self.a)
        pair, k = _expand(lo, hi - 1)
        d = dues[k]
        on_time = np.maximum(d - self.rng.integers(0, 6, len(pair)), self.S[pair])
        self._deadline(pair, "quarterly_update", on_time, d)

    def _surveys(self, rule: CycleRule, kind: str) -> None:
        valid, opens, due, _ = survey_due(rule, kind, self.S, self.E)
        pair = np.flatnonzero(valid)
        # completed between the window's opening (or the pair's start) and the due date
        opens = np.maximum(opens[pair], self.S[pair])
        for side in (0, 1):
            room = np.maximum(due[pair] - opens, 0)
            on_time = opens + (self.rng.random(len(pair)) * (room + 1)).astype(np.int64)
            self._deadline(pair, kind, on_time, due[pair], side)

    def _ev_mid_survey(self, rule: CycleRule) -> None:
        self._surveys(rule, "mid_survey")

    def _ev_final_survey(self, rule: CycleRule) -> None:
        self._surveys(rule, "final_survey")

    def _ev_first_contact(self, rule: CycleRule) -> None:
        w = int(rule["within_days"])
        pair = np.arange(self.n)
        day = self.ASG + self.rng.integers(0, min(w, 8) + 1, self.n)
        slow = self.slow_start
        day = np.where(slow, self.ASG + w + self.rng.integers(1, 16, self.n), day)
        self._add(pair, "first_contact", day)

    def _ev_informal_assessment(self, rule: CycleRule) -> None:
        rng, n = self.rng, self.n
        every, k = rule["max_interval_months"], rule["min_count"]
        days: list[np.ndarray] = []
        pairs: list[np.ndarray] = []
        if every is not None:
            every = int(every)
            prev = self.S.copy()
            span = int(np.max(month_of(self.H) - month_of(self.S), initial=0))
            for _ in range(math.ceil((span + 2) / max(every, 1)) + 2):
                nxt = add_months(prev, every) - rng.integers(1, 21, n)
                nxt = np.maximum(nxt, prev + 1)
                live = nxt <= self.H
                skipped = self.chance(n, 1 / 2)
                take = live & ~skipped
                pairs.append(np.flatnonzero(take))
                days.append(nxt[take])
                prev = np.where(live, nxt, prev)
        if k is not None:
            k = int(k)
            finite = self.E < OPEN
            until = np.where(finite, self.E, self.H)
            for i in range(k):
                day = self.S + ((until - self.S) * (i + 1) // (k + 1))
                take = ~self.chance(n, 1) & (day <= self.H)
                pairs.append(np.flatnonzero(take))
                days.append(day[take])
        if pairs:
            self._add(np.concatenate(pairs), "informal_assessment", np.concatenate(days))
