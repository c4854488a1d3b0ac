"""What pairs must do during the cycle: :class:`CycleRule`, :class:`CycleSettings`, their wording."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ._base import SEVERITIES, _as_tuple, _check_unknown, _fail, _is_number, _set

__all__ = ["CYCLE_RULE_PARAMS", "EVENT_KINDS", "EVENT_LABELS", "CycleRule", "CycleSettings"]

#: Kinds of rows in the events (submissions) table.
EVENT_KINDS: tuple[str, ...] = (
    "agreement_signed",
    "confidentiality_signed",
    "plan_submitted",
    "quarterly_update",
    "mid_survey",
    "final_survey",
    "informal_assessment",
    "first_contact",
)

# code -> {parameter: (kind, default)}; kind is one of int, float, month, month_list,
# kind_list, bool, "choice:a|b" (one of the words), and "?"-suffixed kinds accept None
# (absent in TOML).
CYCLE_RULE_PARAMS: Mapping[str, Mapping[str, tuple[str, Any]]] = MappingProxyType(
    {
        "max_gap": {"max_days": ("int", 42)},
        "monthly_meeting": {"min_meetings": ("int", 1)},
        "meeting_duration": {"min_minutes": ("float?", None), "max_minutes": ("float?", None)},
        "monthly_hours": {"min_hours": ("float?", None), "max_hours": ("float?", None)},
        "min_relationship_length": {
            "months": ("int", 9),
            "measure": ("choice:pair|person", "pair"),
        },
        "forms_signed": {
            "kinds": ("kind_list", ("agreement_signed",)),
            "due": ("choice:first_meeting|cycle_end", "first_meeting"),
            "each_participant": ("bool", False),
        },
        "plan_submitted": {
            "within_months": ("int", 1),
            "due": ("choice:within_months|cycle_end", "within_months"),
        },
        "quarterly_update": {"months": ("month_list", (1, 4, 7)), "business_day": ("int", 1)},
        "mid_survey": {"month": ("month", 3), "opens_days_before": ("int", 0)},
        "final_survey": {
            "month": ("month?", None),
            "within_days_after_end": ("int?", None),
            "opens_days_before": ("int", 0),
        },
        "first_contact": {"within_days": ("int", 30)},
        "informal_assessment": {
            "max_interval_months": ("int?", None),
            "min_count": ("int?", None),
        },
        "in_person_meeting": {"min_count": ("int", 1)},
        "log_agreement": {"tolerance_minutes": ("float", 0.0), "tolerance_days": ("int", 0)},
    }
)

#: What each event kind is, in words (rule descriptions and violation sentences).
EVENT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "agreement_signed": "mentorship agreement",
        "confidentiality_signed": "confidentiality agreement",
        "plan_submitted": "mentorship plan",
        "quarterly_update": "quarterly update",
        "mid_survey": "mid-program survey",
        "final_survey": "final survey",
        "informal_assessment": "informal assessment",
        "first_contact": "first contact",
    }
)


# --------------------------------------------------------------------------- cycle


@dataclass(frozen=True, kw_only=True)
class CycleRule:
    """One rule the pairs must keep during the cycle.

    Parameters
    ----------
    code : str
        One of :data:`CYCLE_RULE_PARAMS` (``max_gap``, ``monthly_meeting``...).
    severity : {"required", "recommended"}
        A broken required rule makes a pair non-compliant; a recommended one is
        reported but does not.
    params : mapping
        The rule's thresholds, e.g. ``{"max_days": 42}``; missing ones take the
        defaults of :data:`CYCLE_RULE_PARAMS`.
    description : str
        The rule in the program's words. Left empty, a sentence is made from
        ``params`` (``max_gap`` with ``max_days=35``: "Never more than 35 days
        between meetings."). A rule whose parameters a TOML file changes
        (``base = "amcto"``) gets that sentence too unless the file gives its
        own ``description``: the preset's words would quote the old numbers.
        After :func:`dataclasses.replace` of ``params`` in code, pass
        ``description=""`` (or your own) for the same reason.
    source : str
        The document it comes from, with the line quoted.
    choices : mapping of str to str
        Parameters whose value is the library's choice, not the program's:
        parameter -> why (AMCTO's ``final_survey``: the guide sets no deadline,
        the preset allows 30 days). ``mentormatch policies NAME`` lists them. A
        policy file that sets such a parameter (``base = "amcto"``) makes it the
        program's own and drops it from here.
    """

    code: str
    severity: str = "required"
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CYCLE_RULE_PARAMS:
            raise _fail("cycle rule", "code", self.code, ", ".join(map(repr, CYCLE_RULE_PARAMS)))
        where = f"cycle rule {self.code!r}"
        if self.severity not in SEVERITIES:
            raise _fail(where, "severity", self.severity, "'required', 'recommended'")
        if not isinstance(self.params, Mapping):
            raise _fail(where, "params", self.params, "a table of parameters")
        spec = CYCLE_RULE_PARAMS[self.code]
        _check_unknown(where, self.params, list(spec))
        params: dict[str, Any] = {}
        for name, (kind, default) in spec.items():
            value = self.params.get(name, default)
            params[name] = _check_param(where, name, value, kind)
        _check_cycle_rule_consistency(where, self.code, params)
        _set(self, "params", MappingProxyType(params))
        for name in ("description", "source"):
            if not isinstance(getattr(self, name), str):
                raise _fail(where, name, getattr(self, name), "text")
        if not self.description.strip():
            _set(self, "description", describe_cycle_rule(self.code, params))
        if not isinstance(self.choices, Mapping) or not all(
            k in spec and isinstance(v, str) for k, v in self.choices.items()
        ):
            raise _fail(
                where,
                "choices",
                self.choices,
                "a table of parameter = why, the parameters being " + ", ".join(map(repr, spec)),
            )
        _set(self, "choices", MappingProxyType(dict(self.choices)))

    def __getitem__(self, name: str) -> Any:
        return self.params[name]


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def _num(x: float) -> str:
    return f"{x:g}"


def _times(k: int) -> str:
    return {1: "once", 2: "twice"}.get(k, f"{k} times")


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _between(lo: float | None, hi: float | None, unit: str) -> str:
    last = hi if hi is not None else lo
    unit = unit if last != 1 else unit.removesuffix("s")
    if lo is not None and hi is not None:
        return f"at least {_num(lo)} and at most {_num(hi)} {unit}"
    if lo is not None:
        return f"at least {_num(lo)} {unit}"
    return f"at most {_num(hi)} {unit}"  # type: ignore[arg-type]


def describe_cycle_rule(code: str, params: Mapping[str, Any]) -> str:
    """The rule in one plain sentence, made from its parameters.

    Used for a rule without a ``description`` of its own, and for a preset's rule
    whose parameters a TOML file changed (so that the sentence never quotes the
    preset's old numbers).

    >>> describe_cycle_rule("max_gap", {"max_days": 35})
    'Never more than 35 days between meetings.'
    """
    p = params
    if code == "max_gap":
        return f"Never more than {p['max_days']} days between meetings."
    if code == "monthly_meeting":
        return f"Meet at least {_times(int(p['min_meetings']))} a month."
    if code == "meeting_duration":
        return f"Each meeting lasts {_between(p['min_minutes'], p['max_minutes'], 'minutes')}."
    if code == "monthly_hours":
        return f"Meetings total {_between(p['min_hours'], p['max_hours'], 'hours')} a month."
    if code == "min_relationship_length":
        who = (
            " (each participant's time in the program, over all their pairs)"
            if p.get("measure") == "person"
            else ""
        )
        return f"The relationship lasts at least {p['months']} months{who}."
    if code == "forms_signed":
        kinds = [EVENT_LABELS.get(k, k.replace("_", " ")) for k in p["kinds"]]
        verb = "is" if len(kinds) == 1 else "are"
        by = "each participant" if p.get("each_participant") else "the pair"
        when = (
            "by the end of the cycle"
            if p.get("due") == "cycle_end"
            else "on or before the first meeting"
        )
        return f"The {_and(kinds)} {verb} signed by {by} {when}."
    if code == "plan_submitted":
        if p.get("due") == "cycle_end":
            return "The mentorship plan is submitted by the end of the cycle."
        n = int(p["within_months"])
        when = "in the first month" if n == 1 else f"within the first {n} months"
        return f"The mentorship plan is submitted {when} of the cycle."
    if code == "quarterly_update":
        nth = _ORDINALS.get(int(p["business_day"]), f"{p['business_day']}th")
        months = _and([_MONTH_NAMES[m - 1] for m in p["months"]])
        return f"One update per pair on the {nth} business day of {months}."
    if code in ("mid_survey", "final_survey"):
        label = EVENT_LABELS[code]
        if p.get("month") is not None:
            when = f"in {_MONTH_NAMES[int(p['month']) - 1]}"
        else:
            when = f"within {p['within_days_after_end']} days after the cycle end"
        early = int(p.get("opens_days_before") or 0)
        tail = f"; a survey counts from {early} days before it opens" if early else ""
        return f"Each participant completes the {label} {when}{tail}."
    if code == "first_contact":
        return f"First contact within {p['within_days']} days of the assignment."
    if code == "informal_assessment":
        parts = []
        if p["max_interval_months"] is not None:
            parts.append(f"at least every {p['max_interval_months']} months")
        if p["min_count"] is not None:
            parts.append(f"at least {_times(int(p['min_count']))} during the cycle")
        return f"An informal assessment of the relationship {' and '.join(parts)}."
    if code == "in_person_meeting":
        return f"Meet in person at least {_times(int(p['min_count']))}."
    if code == "log_agreement":
        days = int(p["tolerance_days"])
        day = "on the same day" if days == 0 else f"within {days} day{'s' if days != 1 else ''}"
        mins = float(p["tolerance_minutes"])
        agree = "the same minutes" if mins == 0 else f"minutes within {_num(mins)} of each other"
        return f"The mentor's and the mentee's logs record each meeting {day}, with {agree}."
    raise AssertionError(code)  # pragma: no cover


def _check_param(where: str, name: str, value: Any, kind: str) -> Any:
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if value is None:
        if optional:
            return None
        if kind == "bool" or kind.startswith("choice:"):
            words = ["true", "false"] if kind == "bool" else kind[7:].split("|")
            raise _fail(where, name, value, "one of " + ", ".join(map(repr, words)))
        raise _fail(where, name, value, _KIND_WORDS[kind])
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _fail(where, name, value, _KIND_WORDS[kind])
        return value
    if kind == "float":
        if not _is_number(value) or value < 0 or math.isinf(value):
            raise _fail(where, name, value, _KIND_WORDS[kind])
        return float(value)
    if kind == "month":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 12:
            raise _fail(where, name, value, _KIND_WORDS[kind])
        return value
    if kind == "month_list":
        months = _as_tuple(where, name, value, _KIND_WORDS[kind])
        if not months or not all(
            isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months
        ):
            raise _fail(where, name, value, _KIND_WORDS[kind])
        return tuple(sorted(set(months)))
    if kind == "bool":
        if not isinstance(value, bool):
            raise _fail(where, name, value, "true or false")
        return value
    if kind.startswith("choice:"):
        words = kind.removeprefix("choice:").split("|")
        if value not in words:
            raise _fail(where, name, value, "one of " + ", ".join(map(repr, words)))
        return value
    if kind == "kind_list":
        kinds = _as_tuple(where, name, value, _KIND_WORDS[kind])
        if not kinds or not all(k in EVENT_KINDS for k in kinds):
            raise _fail(where, name, value, _KIND_WORDS[kind])
        return tuple(dict.fromkeys(kinds))
    raise AssertionError(kind)  # pragma: no cover


_KIND_WORDS = {
    "int": "a whole number >= 0",
    "float": "a number >= 0",
    "month": "a month number 1..12",
    "month_list": "a list of month numbers 1..12",
    "kind_list": "a list of event kinds: " + ", ".join(map(repr, EVENT_KINDS)),
}


def _check_cycle_rule_consistency(where: str, code: str, p: Mapping[str, Any]) -> None:
    for low, high in (("min_minutes", "max_minutes"), ("min_hours", "max_hours")):
        if low in p:
            if p[low] is None and p[high] is None:
                raise _fail(where, low, None, f"a number (set {low!r}, {high!r} or both)")
            if p[low] is not None and p[high] is not None and p[low] > p[high]:
                raise _fail(where, low, p[low], f"a number <= {high} ({p[high]:g})")
    if code == "final_survey" and (p["month"] is None) == (p["within_days_after_end"] is None):
        raise _fail(
            where, "month", p["month"], "exactly one of 'month' and 'within_days_after_end'"
        )
    if (
        code == "informal_assessment"
        and p["max_interval_months"] is None
        and p["min_count"] is None
    ):
        raise _fail(where, "max_interval_months", None, "a number (or set 'min_count')")
    if code == "quarterly_update" and not 1 <= p["business_day"] <= 20:
        raise _fail(where, "business_day", p["business_day"], "a whole number 1..20")
    if code == "monthly_meeting" and p["min_meetings"] < 1:
        raise _fail(where, "min_meetings", p["min_meetings"], "a whole number >= 1")


@dataclass(frozen=True, kw_only=True)
class CycleSettings:
    """When the cycle runs, whose holidays count, and the rules pairs keep.

    Parameters
    ----------
    start_month, end_month : int, optional
        Month the cycle starts and ends (AMCTO: September to June). ``None``
        for rolling programs, where each pair's assignment date starts its own
        cycle (3CMA).
    length_months : int, optional
        For programs without fixed months: how long a pair's cycle lasts
        (LTB: 12). ``None`` with rolling intake means open-ended.
    holidays_country : str
        ISO country code of the public-holiday calendar for business days.
    holidays_subdivision : str, optional
        Province or state code (``"ON"``, ``"AB"``); ``None`` for national
        holidays only.
    holidays_observed : bool
        Whether the "observed" days the ``holidays`` package adds when a holiday
        falls on a weekend (Christmas observed, Boxing Day observed, New Year's
        Day observed) are holidays too. Default ``False``: the statutory dates
        only, the dates the Canadian provinces' holiday lists name (a day off in
        lieu of a holiday that falls on a weekend is an employee's entitlement,
        not a public holiday that closes offices). Set it for a calendar that
        moves the holiday itself off weekends: US federal holidays (5 U.S.C.
        6103(b)), which the 3CMA preset uses.
    rules : sequence of CycleRule
        At most one rule per code.
    """

    start_month: int | None = None
    end_month: int | None = None
    length_months: int | None = None
    holidays_country: str = "CA"
    holidays_subdivision: str | None = None
    holidays_observed: bool = False
    rules: tuple[CycleRule, ...] = ()

    def __post_init__(self) -> None:
        where = "cycle"
        for name in ("start_month", "end_month"):
            v = getattr(self, name)
            if v is not None and (
                not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 12
            ):
                raise _fail(where, name, v, "a month number 1..12")
        if (self.start_month is None) != (self.end_month is None):
            raise _fail(where, "end_month", self.end_month, "set together with start_month")
        lm = self.length_months
        if lm is not None and (not isinstance(lm, int) or isinstance(lm, bool) or lm < 1):
            raise _fail(where, "length_months", lm, "a whole number >= 1")
        if self.start_month is not None and lm is not None:
            raise _fail(where, "length_months", lm, "nothing when start_month/end_month are set")
        if not isinstance(self.holidays_country, str) or not self.holidays_country:
            raise _fail(where, "holidays_country", self.holidays_country, "an ISO country code")
        sub = self.holidays_subdivision
        if sub is not None and (not isinstance(sub, str) or not sub):
            raise _fail(where, "holidays_subdivision", sub, "a province/state code")
        if not isinstance(self.holidays_observed, bool):
            raise _fail(where, "holidays_observed", self.holidays_observed, "true or false")
        rules = _as_tuple(where, "rules", self.rules, "a list of cycle rules")
        seen: set[str] = set()
        for rule in rules:
            if not isinstance(rule, CycleRule):
                raise _fail(where, "rules", rule, "CycleRule objects")
            if rule.code in seen:
                raise _fail(where, "rules", rule.code, "each rule code at most once")
            seen.add(rule.code)
        _set(self, "rules", rules)

    @property
    def rolling(self) -> bool:
        """Whether each pair's own assignment date starts its cycle."""
        return self.start_month is None

    @property
    def duration_months(self) -> int | None:
        """Months from the cycle's start to its end, inclusive of both months."""
        if self.start_month is None:
            return self.length_months
        return (self.end_month - self.start_month) % 12 + 1  # type: ignore[operator]

    def calendar(self, years: Any = None) -> Any:
        """The public-holiday calendar (a ``holidays.HolidayBase``) of this cycle.

        Observed days are in it only with ``holidays_observed``. Raises
        :class:`PolicyError` when the ``holidays`` package does not know the
        country or subdivision. (Checked here and when a policy is loaded from
        TOML, not when built in code: loading calendars is not import work.)
        """
        return _calendar(
            self.holidays_country, self.holidays_subdivision, years, self.holidays_observed
        )

    def calendar_text(self) -> str:
        """The calendar in words: ``"CA/AB public holidays, statutory dates only"``."""
        where = self.holidays_country + (
            f"/{self.holidays_subdivision}" if self.holidays_subdivision else ""
        )
        how = "observed days included" if self.holidays_observed else "statutory dates only"
        return f"{where} public holidays, {how}"

    def rule(self, code: str) -> CycleRule | None:
        """The rule with that code, or ``None`` when the program does not have it."""
        for r in self.rules:
            if r.code == code:
                return r
        return None


def _calendar(
    country: str, subdivision: str | None, years: Any = None, observed: bool = False
) -> Any:
    import holidays  # deferred: loading the calendars is not import-time work

    try:
        return holidays.country_holidays(
            country, subdiv=subdivision, years=years, observed=observed
        )
    except (NotImplementedError, KeyError) as exc:
        raise _fail(
            "cycle",
            "holidays_country" if subdivision is None else "holidays_subdivision",
            country if subdivision is None else subdivision,
            "a country and subdivision the 'holidays' package knows, e.g. CA/ON, CA/AB, US",
        ) from exc
