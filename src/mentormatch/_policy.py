"""Program policies: a mentorship program's rules, as data.

A :class:`ProgramPolicy` holds everything that differs from one program to the
next: who may take part (:class:`EligibilityRule`), how pairs are chosen
(:class:`MatchingSettings`) and what the pairs must do during the cycle
(:class:`CycleSettings` with its :class:`CycleRule`). A new association's program
is written as a TOML file, never as code.

Every class here is a frozen, keyword-only dataclass and checks its own values
when built, so a policy that exists is a valid policy. Errors name the key, the
value and the allowed values.
"""

from __future__ import annotations

import copy
import math
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from ._errors import PolicyError

__all__ = [
    "APPLICATION_COLUMNS",
    "CYCLE_RULE_PARAMS",
    "ELIGIBILITY_TESTS",
    "EVENT_KINDS",
    "EVENT_LABELS",
    "FEATURE_COLUMNS",
    "ROLES",
    "SEVERITIES",
    "CycleRule",
    "CycleSettings",
    "EligibilityRule",
    "MatchingSettings",
    "ProgramPolicy",
]

Role = Literal["mentor", "mentee"]
ROLES: tuple[str, ...] = ("mentor", "mentee")
SEVERITIES: tuple[str, ...] = ("required", "recommended")

#: Known columns of the applications table and their kind (DESIGN.md).
APPLICATION_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "id": "id",
        "role": "role",
        "member_in_good_standing": "bool",
        "years_experience": "float",
        "new_to_sector": "bool",
        "commitment_months": "int",
        "region": "str",
        "community_size": "int",
        "organization": "str",
        "goals": "str",
        "skills": "list",
        "interests": "list",
        "requested_ids": "list",
        "career_stage": "int",
        "board_ratified": "bool",
        "comms_role": "bool",
        "application_complete": "bool",
        "capacity": "int",
        "previous_partner_ids": "list",
        "previously_unmatched": "bool",
    }
)

#: Columns each built-in scoring feature reads. A tuple of alternatives means
#: "at least one of these" (experience uses years, career stage, or both).
FEATURE_COLUMNS: Mapping[str, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        "goals": (("goals",),),
        "skills": (("skills",),),
        "interests": (("interests",),),
        "region": (("region",),),
        "community_size": (("community_size",),),
        "experience": (("years_experience", "career_stage"),),
        "mutual_request": (),  # requested_ids is optional: absent means no requests
    }
)

#: Eligibility tests: name -> what it checks, in words.
ELIGIBILITY_TESTS: Mapping[str, str] = MappingProxyType(
    {
        "is_true": "the column must be yes",
        "at_least": "the column must be >= value",
        "at_most": "the column must be <= value",
        "above": "the column must be > value",
        "below": "the column must be < value",
        "not_blank": "the column must be filled in",
        "stage_above": (
            "pairwise: the mentor's column must be above the mentee's; on its own, a mentor "
            "at the bottom of the scale or a mentee at its top can have no partner"
        ),
    }
)
_NUMERIC_TESTS = ("at_least", "at_most", "above", "below")
#: Kinds of APPLICATION_COLUMNS each test can read (not_blank reads any).
_TEST_FITS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "is_true": ("bool",),
        **{t: ("float", "int") for t in _NUMERIC_TESTS},
        "stage_above": ("int", "float"),
    }
)
#: Placeholders an eligibility rule's ``detail`` sentence may use.
DETAIL_PLACEHOLDERS = (
    "value",
    "actual",
    "unless_actual",
    "column",
    "role",
    "Role",
    "counterpart",
    "low",
    "high",
)

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

_BUILTIN_FEATURES = tuple(FEATURE_COLUMNS)


# --------------------------------------------------------------------------- helpers


def _fail(where: str, key: str, value: Any, allowed: str) -> PolicyError:
    return PolicyError(f"{where}: key {key!r} has value {value!r}; allowed: {allowed}.")


def _check_unknown(where: str, given: Mapping[str, Any], known: Sequence[str]) -> None:
    for key in given:
        if key not in known:
            raise _fail(where, key, given[key], "keys " + ", ".join(repr(k) for k in known))


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and not (isinstance(value, float) and math.isnan(value))
    )


def _as_tuple(where: str, key: str, value: Any, allowed: str) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _fail(where, key, value, allowed)
    return tuple(value)


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


# --------------------------------------------------------------------------- eligibility


@dataclass(frozen=True, kw_only=True)
class EligibilityRule:
    """One eligibility rule: a test of one column of the applications table.

    Parameters
    ----------
    code : str
        Short code reported when the rule fails (``"mentor_experience"``).
    test : str
        One of :data:`ELIGIBILITY_TESTS`: ``is_true``, ``at_least``, ``at_most``,
        ``above``, ``below``, ``not_blank`` or ``stage_above``.
    column : str
        The applications column tested.
    roles : tuple of {"mentor", "mentee"}
        Who the rule applies to; the other role passes it.
    value : float, optional
        The threshold of numeric tests.
    unless : str, optional
        A yes/no column that, when yes, satisfies the rule on its own
        (AMCTO: under 7 years' experience *or new to the sector*).
    scale : tuple of (int, int), optional
        For ``stage_above``: the lowest and highest stage (AMA: 1 to 4).
    detail : str
        The sentence a coordinator sends when the rule fails; placeholders
        ``{value}``, ``{actual}``, ``{unless_actual}``, ``{column}``, ``{role}``,
        ``{Role}``, ``{counterpart}``, ``{low}``, ``{high}``. ``{actual}`` prints numbers plainly,
        yes/no for booleans and "nothing" for a blank.
    source : str
        The program document the rule comes from.
    """

    code: str
    test: str
    column: str
    roles: tuple[str, ...] = ROLES
    value: float | None = None
    unless: str | None = None
    scale: tuple[int, int] | None = None
    detail: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        where = f"eligibility rule {self.code!r}"
        if not isinstance(self.code, str) or not self.code.isidentifier():
            raise _fail("eligibility rule", "code", self.code, "a name of letters, digits and _")
        if self.test not in ELIGIBILITY_TESTS:
            raise _fail(where, "test", self.test, ", ".join(map(repr, ELIGIBILITY_TESTS)))
        if not isinstance(self.column, str) or not self.column:
            raise _fail(where, "column", self.column, "a column name")
        roles = _as_tuple(where, "roles", self.roles, "a list of 'mentor' and/or 'mentee'")
        if not roles or any(r not in ROLES for r in roles) or len(set(roles)) != len(roles):
            raise _fail(where, "roles", list(roles), "a list of 'mentor' and/or 'mentee'")
        _set(self, "roles", roles)
        if self.test in _NUMERIC_TESTS:
            if not _is_number(self.value):
                raise _fail(where, "value", self.value, f"a number (test {self.test!r})")
            _set(self, "value", float(self.value))  # type: ignore[arg-type]
        elif self.value is not None:
            raise _fail(where, "value", self.value, f"nothing (test {self.test!r} takes no value)")
        if self.unless is not None and (not isinstance(self.unless, str) or not self.unless):
            raise _fail(where, "unless", self.unless, "a yes/no column name")
        # A known column must be of the kind the test reads (is_true on years would
        # take any nonzero number as yes); a program's own columns are parsed by test.
        kind = APPLICATION_COLUMNS.get(self.column)
        fits = _TEST_FITS.get(self.test)
        if kind is not None and fits is not None and kind not in fits:
            same = sorted(c for c, k in APPLICATION_COLUMNS.items() if k in fits)
            raise _fail(
                where, "column", self.column,
                f"a column test {self.test!r} can read: " + ", ".join(map(repr, same))
                + " or a program's own column",
            )  # fmt: skip
        if self.unless is not None and APPLICATION_COLUMNS.get(self.unless, "bool") != "bool":
            bools = sorted(c for c, k in APPLICATION_COLUMNS.items() if k == "bool")
            raise _fail(
                where, "unless", self.unless,
                "a yes/no column: " + ", ".join(map(repr, bools)) + " or a program's own column",
            )  # fmt: skip
        if self.test == "stage_above":
            if self.scale is None:
                raise _fail(where, "scale", None, "[lowest, highest] stage, e.g. [1, 4]")
            sc = _as_tuple(where, "scale", self.scale, "[lowest, highest] stage")
            if len(sc) != 2 or not all(isinstance(s, int) and not isinstance(s, bool) for s in sc):
                raise _fail(where, "scale", list(sc), "[lowest, highest] whole-number stages")
            if sc[0] >= sc[1]:
                raise _fail(where, "scale", list(sc), "lowest stage below the highest")
            _set(self, "scale", (int(sc[0]), int(sc[1])))
        elif self.scale is not None:
            raise _fail(where, "scale", self.scale, "nothing (only test 'stage_above' has a scale)")
        for name in ("detail", "source"):
            if not isinstance(getattr(self, name), str):
                raise _fail(where, name, getattr(self, name), "text")
        if not self.detail:
            _set(self, "detail", _default_detail(self))
        if not _plain_placeholders(self.detail):
            allowed = ", ".join("{" + k + "}" for k in DETAIL_PLACEHOLDERS)
            raise _fail(
                where,
                "detail",
                self.detail,
                f"text with plain placeholders {allowed} (no format spec, attribute or index; "
                "write {{ and }} for braces)",
            )

    def requirement(self) -> str:
        """The rule in words: the ``detail`` sentence up to the applicant's answer."""
        fields = {k: "" for k in DETAIL_PLACEHOLDERS}
        fields.update(
            value=f"{self.value:g}" if self.value is not None else "",
            low=str(self.scale[0]) if self.scale else "",
            high=str(self.scale[1]) if self.scale else "",
            column=self.column,
            role=" or ".join(self.roles),
            Role=" or ".join(self.roles).capitalize(),
            counterpart="partner",
        )
        return self.detail.split(";")[0].format(**fields)

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns of the applications table this rule reads."""
        return (self.column,) if self.unless is None else (self.column, self.unless)

    @property
    def pairwise(self) -> bool:
        """Whether the rule also constrains pairs (``stage_above``)."""
        return self.test == "stage_above"


def _plain_placeholders(text: str) -> bool:
    """Whether every ``{...}`` of ``text`` is one of :data:`DETAIL_PLACEHOLDERS`, as is.

    A format spec (``{column:>10000000}``: megabytes per applicant), an attribute
    (``{value.real}``) or an index would run arbitrary formatting on staff's text.
    """
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:  # an unmatched brace
        return False
    return all(
        name is None or (name in DETAIL_PLACEHOLDERS and not spec and conversion is None)
        for _, name, spec, conversion in fields
    )


def _default_detail(rule: EligibilityRule) -> str:
    who = " and ".join(f"{r}s" for r in rule.roles).capitalize()
    col = rule.column.replace("_", " ")
    text = {
        "is_true": f"{who} must have {col} = yes",
        "at_least": f"{who} need {col} of at least {{value}}",
        "at_most": f"{who} need {col} of at most {{value}}",
        "above": f"{who} need {col} above {{value}}",
        "below": f"{who} need {col} below {{value}}",
        "not_blank": f"{who} must fill in {col}",
        "stage_above": (
            f"A mentor's {col} must be above their mentee's, on a scale of {{low}} to {{high}}"
        ),
    }[rule.test]
    if rule.unless:
        text += f", unless {rule.unless.replace('_', ' ')} is yes"
        return text + "; the application says {actual}, and {unless_actual} for the exception."
    return text + "; the application says {actual}."


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, kw_only=True)
class MatchingSettings:
    """How pairs are chosen.

    Parameters
    ----------
    capacity_cap : int
        The most mentees one mentor may take; a mentor's ``capacity`` column is
        capped at it (AMCTO: 1, "one-on-one basis").
    allow_same_organization : bool
        Whether a mentor and mentee from the same employer may be paired.
    allow_previous_partners : bool
        Whether earlier partners (``previous_partner_ids``) may be paired again.
    allow_absent_previous_partners : bool
        Whether ``previous_partner_ids`` may list ids that are not in the
        applications table: partners from earlier years who did not apply again
        (AMCTO and AMA take applications each year). Off (the default), such an
        id is a problem of its row, as a mistyped id would let the real earlier
        partner be paired. On, it is kept and blocks no one: an id only ever
        blocks the applicant whose id it is exactly. An id that looks like an
        applicant's (case, spaces, leading zeros) is a problem either way.
    honor_mutual_requests : bool
        Force pairs where each side requested the other (AMCTO FAQ).
    weights : mapping of str to float
        Weight of each scoring feature; normalized to sum to 1 when scoring,
        so the total score is in [0, 1].
    min_score : float, optional
        No pair scoring below this (in [0, 1]) is made.
    region_adjacency : mapping of str to list of str
        Regions that count as neighbours for the region feature. Made
        symmetric: listing B under A is enough.
    priority : {"pairs_first", "score_first"}
        ``pairs_first``: match as many people as possible, then maximize the
        total score. ``score_first``: maximize the total score only.
    favor_previously_unmatched : bool
        Among solutions with as many pairs, prefer matching applicants who
        applied before and were not matched (AMCTO, AMA invite them to reapply).
    contact_columns : sequence of str
        Columns of the applications the exports carry next to the ids, besides
        ``name``, ``first_name``, ``last_name`` and ``email`` (always carried
        when present): e.g. ``["phone", "job_title"]``. Never in logs or
        summaries. A listed column the applications lack is named in
        ``result.notes``.
    """

    capacity_cap: int = 1
    allow_same_organization: bool = True
    allow_previous_partners: bool = False
    allow_absent_previous_partners: bool = False
    honor_mutual_requests: bool = True
    weights: Mapping[str, float] = field(
        default_factory=lambda: {"goals": 0.4, "skills": 0.3, "interests": 0.2, "region": 0.1}
    )
    min_score: float | None = None
    region_adjacency: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    priority: str = "pairs_first"
    favor_previously_unmatched: bool = True
    contact_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = "matching"
        contacts = _as_tuple(
            where, "contact_columns", self.contact_columns, "a list of column names"
        )
        if not all(isinstance(c, str) and c.strip() not in ("", "id", "role") for c in contacts):
            raise _fail(
                where,
                "contact_columns",
                list(contacts),
                "a list of column names other than 'id' and 'role'",
            )
        _set(self, "contact_columns", tuple(dict.fromkeys(c.strip() for c in contacts)))
        cap = self.capacity_cap
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            raise _fail(where, "capacity_cap", cap, "a whole number >= 1")
        for name in (
            "allow_same_organization",
            "allow_previous_partners",
            "allow_absent_previous_partners",
            "honor_mutual_requests",
            "favor_previously_unmatched",
        ):
            if not isinstance(getattr(self, name), bool):
                raise _fail(where, name, getattr(self, name), "true or false")
        if not isinstance(self.weights, Mapping) or not self.weights:
            raise _fail(where, "weights", self.weights, "a table of feature = weight")
        weights: dict[str, float] = {}
        for name, w in self.weights.items():
            if not isinstance(name, str) or not name:
                raise _fail("matching.weights", "feature", name, "a feature name")
            if not _is_number(w) or w < 0 or math.isinf(w):
                raise _fail("matching.weights", name, w, "a finite number >= 0")
            weights[name] = float(w)
        if sum(weights.values()) <= 0:
            raise _fail(where, "weights", weights, "at least one weight above 0")
        _set(self, "weights", MappingProxyType(weights))
        if self.min_score is not None:
            if not _is_number(self.min_score) or not 0 <= self.min_score <= 1:
                raise _fail(where, "min_score", self.min_score, "a number in [0, 1]")
            _set(self, "min_score", float(self.min_score))
        if not isinstance(self.region_adjacency, Mapping):
            raise _fail(
                where, "region_adjacency", self.region_adjacency, "a table of region = [regions]"
            )
        adjacency: dict[str, tuple[str, ...]] = {}
        for region, near in self.region_adjacency.items():
            near_t = _as_tuple("matching.region_adjacency", str(region), near, "a list of regions")
            if not isinstance(region, str) or not all(isinstance(r, str) for r in near_t):
                raise _fail(
                    "matching.region_adjacency", str(region), near, "a list of region names"
                )
            adjacency[region] = tuple(sorted(set(near_t) - {region}))
        _set(self, "region_adjacency", MappingProxyType(adjacency))
        if self.priority not in ("pairs_first", "score_first"):
            raise _fail(where, "priority", self.priority, "'pairs_first', 'score_first'")

    def adjacent_pairs(self) -> frozenset[tuple[str, str]]:
        """Every (region, region) pair that counts as adjacent, both directions."""
        out = set()
        for a, near in self.region_adjacency.items():
            for b in near:
                out.add((a, b))
                out.add((b, a))
        return frozenset(out)


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
        The document it comes from.
    """

    code: str
    severity: str = "required"
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""

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


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True, kw_only=True)
class ProgramPolicy:
    """A mentorship program's rules: eligibility, matching and cycle.

    Build one in code, load one with :meth:`from_toml`, or start from a preset
    in :mod:`mentormatch.policies`. Use :func:`dataclasses.replace` to change
    one setting of a preset::

        from dataclasses import replace
        mine = replace(mm.policies.AMCTO, name="My program",
                       matching=replace(mm.policies.AMCTO.matching, capacity_cap=2))

    Parameters
    ----------
    name : str
        The program's name, used in messages.
    eligibility : sequence of EligibilityRule
        Checked in this order; failing codes are reported in this order.
    matching : MatchingSettings
    cycle : CycleSettings
    description : str
        Free text: who runs the program, where its documents are.
    """

    name: str
    eligibility: tuple[EligibilityRule, ...] = ()
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    cycle: CycleSettings = field(default_factory=CycleSettings)
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise _fail("policy", "name", self.name, "a non-empty name")
        rules = _as_tuple("policy", "eligibility", self.eligibility, "a list of eligibility rules")
        codes: set[str] = set()
        for rule in rules:
            if not isinstance(rule, EligibilityRule):
                raise _fail("policy", "eligibility", rule, "EligibilityRule objects")
            if rule.code in codes:
                raise _fail("policy", "eligibility", rule.code, "each rule code at most once")
            codes.add(rule.code)
        _set(self, "eligibility", rules)
        if not isinstance(self.matching, MatchingSettings):
            raise _fail("policy", "matching", self.matching, "a MatchingSettings")
        if not isinstance(self.cycle, CycleSettings):
            raise _fail("policy", "cycle", self.cycle, "a CycleSettings")
        if not isinstance(self.description, str):
            raise _fail("policy", "description", self.description, "text")

    # ------------------------------------------------------------------ columns

    def required_columns(self, *, scope: str = "all") -> dict[str, str]:
        """Columns the applications table must have under this policy.

        Parameters
        ----------
        scope : {"all", "eligibility"}
            ``"eligibility"`` lists only what the eligibility rules read.

        Returns
        -------
        dict
            Column -> why (the rule or feature that needs it). Alternatives
            are one key, ``"years_experience or career_stage"``: either will do.
        """
        need: dict[str, str] = {"id": "every policy", "role": "every policy"}
        for rule in self.eligibility:
            for col in rule.columns:
                need.setdefault(col, f"eligibility rule {rule.code!r}")
        if scope == "eligibility":
            return need
        if not self.matching.allow_same_organization:
            need.setdefault("organization", "matching setting allow_same_organization = false")
        for feature, weight in self.matching.weights.items():
            if weight <= 0:
                continue
            for alternatives in FEATURE_COLUMNS.get(feature, ()):
                if len(alternatives) == 1:
                    need.setdefault(alternatives[0], f"scoring feature {feature!r}")
                elif not any(col in need for col in alternatives):
                    key = " or ".join(alternatives)
                    need.setdefault(key, f"scoring feature {feature!r}")
        return need

    def pairwise_rules(self) -> tuple[EligibilityRule, ...]:
        """Eligibility rules that also constrain which pairs are allowed."""
        return tuple(r for r in self.eligibility if r.pairwise)

    # ------------------------------------------------------------------ TOML

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of this policy, as written to TOML (``None`` values left out)."""
        m = self.matching
        c = self.cycle
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out["eligibility"] = [_rule_dict(r) for r in self.eligibility]
        matching = {
            "capacity_cap": m.capacity_cap,
            "allow_same_organization": m.allow_same_organization,
            "allow_previous_partners": m.allow_previous_partners,
            "allow_absent_previous_partners": m.allow_absent_previous_partners,
            "honor_mutual_requests": m.honor_mutual_requests,
            "priority": m.priority,
            "favor_previously_unmatched": m.favor_previously_unmatched,
            "contact_columns": list(m.contact_columns),
            "weights": dict(m.weights),
            "region_adjacency": {k: list(v) for k, v in m.region_adjacency.items()},
        }
        if m.min_score is not None:
            matching["min_score"] = m.min_score
        out["matching"] = matching
        cycle: dict[str, Any] = {"holidays_country": c.holidays_country}
        for name in ("start_month", "end_month", "length_months", "holidays_subdivision"):
            if getattr(c, name) is not None:
                cycle[name] = getattr(c, name)
        cycle["holidays_observed"] = c.holidays_observed
        cycle["rules"] = [_cycle_rule_dict(r) for r in c.rules]
        out["cycle"] = cycle
        return out

    def to_toml(self, path: str | Path | None = None) -> str:
        """This policy as TOML text; also written to ``path`` when given."""
        import tomli_w

        text = tomli_w.dumps(self.to_dict())
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProgramPolicy:
        """Build a policy from a plain dict (the structure of :meth:`to_dict`).

        A ``base = "amcto"`` key starts from that preset: tables given here
        update it key by key, and rules update the preset's rule with the same
        code (``enabled = false`` removes one; a new code adds one).
        """
        if not isinstance(data, Mapping):
            raise _fail("policy", "(top level)", data, "a table")
        data = dict(data)
        base = data.pop("base", None)
        if base is not None:
            from .policies import get_policy

            data = _merge_policy(get_policy(base).to_dict(), data)
        _check_unknown("policy", data, ["name", "description", "eligibility", "matching", "cycle"])
        if "name" not in data:
            raise _fail("policy", "name", None, "a program name")
        elig_raw = data.get("eligibility", [])
        if not isinstance(elig_raw, list):
            raise _fail("policy", "eligibility", elig_raw, "a list of rules ([[eligibility]])")
        eligibility = tuple(_rule_from(r) for r in elig_raw if not _disabled(r))
        matching_raw = data.get("matching", {})
        if not isinstance(matching_raw, Mapping):
            raise _fail("policy", "matching", matching_raw, "a table ([matching])")
        _check_unknown("matching", matching_raw, [f.name for f in fields(MatchingSettings)])
        matching = MatchingSettings(**matching_raw)
        if not isinstance(data.get("cycle", {}), Mapping):
            raise _fail("policy", "cycle", data.get("cycle"), "a table ([cycle])")
        cycle_raw = dict(data.get("cycle", {}))
        _check_unknown("cycle", cycle_raw, [f.name for f in fields(CycleSettings)])
        rules_raw = cycle_raw.pop("rules", [])
        if not isinstance(rules_raw, list):
            raise _fail("cycle", "rules", rules_raw, "a list of rules ([[cycle.rules]])")
        rules = tuple(_cycle_rule_from(r) for r in rules_raw if not _disabled(r))
        cycle = CycleSettings(rules=rules, **cycle_raw)
        cycle.calendar(years=2026)  # an unknown country or province is a policy error
        return cls(
            name=data["name"],
            description=data.get("description", ""),
            eligibility=eligibility,
            matching=matching,
            cycle=cycle,
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> ProgramPolicy:
        """Load a program's policy from a TOML file (see :meth:`from_dict` for ``base``)."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except FileNotFoundError as exc:
            raise PolicyError(f"Policy file not found: {str(p)!r}.") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise PolicyError(
                f"{p} is not UTF-8 text (TOML files are UTF-8): byte {raw[exc.start]:#04x} "
                f"on line {line}; save it as UTF-8."
            ) from None
        return cls.from_toml_string(text, source=str(p))

    @classmethod
    def from_toml_string(cls, text: str, *, source: str = "<string>") -> ProgramPolicy:
        """Load a policy from TOML text."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{source} is not valid TOML: {exc}.") from exc
        except RecursionError:  # tomllib recurses once per nested array or table
            raise PolicyError(
                f"{source} is nested too deeply to be a policy (arrays or tables inside "
                "each other hundreds of levels deep)."
            ) from None
        return cls.from_dict(data)


def _disabled(raw: Any) -> bool:
    return isinstance(raw, Mapping) and raw.get("enabled", True) is False


def _rule_dict(rule: EligibilityRule) -> dict[str, Any]:
    out: dict[str, Any] = {"code": rule.code, "test": rule.test, "column": rule.column}
    out["roles"] = list(rule.roles)
    if rule.value is not None:
        out["value"] = rule.value
    if rule.unless is not None:
        out["unless"] = rule.unless
    if rule.scale is not None:
        out["scale"] = list(rule.scale)
    out["detail"] = rule.detail
    if rule.source:
        out["source"] = rule.source
    return out


def _rule_from(raw: Any) -> EligibilityRule:
    if not isinstance(raw, Mapping):
        raise _fail("eligibility", "rule", raw, "a table with code, test, column")
    raw = {k: v for k, v in raw.items() if k != "enabled"}
    known = [f.name for f in fields(EligibilityRule)]
    _check_unknown(f"eligibility rule {raw.get('code')!r}", raw, known)
    for key in ("code", "test", "column"):
        if key not in raw:
            raise _fail(f"eligibility rule {raw.get('code')!r}", key, None, "a value (required)")
    if "scale" in raw and isinstance(raw["scale"], list):
        raw["scale"] = tuple(raw["scale"])
    return EligibilityRule(**raw)


def _cycle_rule_dict(rule: CycleRule) -> dict[str, Any]:
    out: dict[str, Any] = {"code": rule.code, "severity": rule.severity}
    for k, v in rule.params.items():
        if v is not None:
            out[k] = list(v) if isinstance(v, tuple) else v
    if rule.description:
        out["description"] = rule.description
    if rule.source:
        out["source"] = rule.source
    return out


def _cycle_rule_from(raw: Any) -> CycleRule:
    if not isinstance(raw, Mapping) or "code" not in raw:
        raise _fail("cycle.rules", "rule", raw, "a table with a 'code'")
    raw = dict(raw)
    raw.pop("enabled", None)
    code = raw.pop("code")
    if code not in CYCLE_RULE_PARAMS:
        raise _fail("cycle rule", "code", code, ", ".join(map(repr, CYCLE_RULE_PARAMS)))
    meta = {k: raw.pop(k) for k in ("severity", "description", "source") if k in raw}
    return CycleRule(code=code, params=raw, **meta)


def _merge_policy(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay ``over`` on a preset's dict: tables by key, rule lists by code."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if key == "eligibility" and isinstance(value, list):
            out[key] = _merge_rules(out.get(key, []), value)
        elif key in ("matching", "cycle") and isinstance(value, Mapping):
            merged = dict(out.get(key, {}))
            for k, v in value.items():
                if key == "cycle" and k == "rules" and isinstance(v, list):
                    merged[k] = _merge_cycle_rules(merged.get(k, []), v)
                elif (
                    k == "weights" and isinstance(v, Mapping) and isinstance(merged.get(k), Mapping)
                ):
                    # Weights replace as a whole: a program states its own mix.
                    merged[k] = dict(v)
                else:
                    merged[k] = v
            out[key] = merged
        else:
            out[key] = value
    return out


def _merge_rules(base: list[Any], over: list[Any]) -> list[Any]:
    by_code = {r["code"]: i for i, r in enumerate(base) if isinstance(r, Mapping) and "code" in r}
    out = [dict(r) for r in base]
    for rule in over:
        if isinstance(rule, Mapping) and rule.get("code") in by_code:
            i = by_code[rule["code"]]
            if rule.get("enabled", True) is False:
                out[i] = {"code": rule["code"], "enabled": False}
            else:
                updated = {**out[i], **rule}
                # A new test or column invalidates the preset's sentence; a new threshold
                # only when the sentence quotes the old number instead of {value}.
                old_detail = str(out[i].get("detail", ""))
                stale = any(k in rule for k in ("test", "column")) or (
                    "value" in rule and "{value}" not in old_detail
                )
                if "detail" not in rule and stale:
                    updated.pop("detail", None)
                out[i] = updated
        else:
            out.append(rule)
    return out


_CYCLE_RULE_META = ("code", "severity", "description", "source", "enabled")


def _merge_cycle_rules(base: list[Any], over: list[Any]) -> list[Any]:
    """:func:`_merge_rules` for cycle rules: a preset's rule whose parameters change
    and that is given no ``description`` of its own gets one made from the new
    parameters (the preset's sentence quotes the old numbers: "six weeks")."""
    by_code = {r["code"]: r for r in base if isinstance(r, Mapping) and "code" in r}
    fixed = []
    for rule in over:
        old = by_code.get(rule.get("code")) if isinstance(rule, Mapping) else None
        if old is not None and "description" not in rule:
            changed = any(k not in _CYCLE_RULE_META and old.get(k) != v for k, v in rule.items())
            if changed:
                rule = {**rule, "description": ""}
        fixed.append(rule)
    return _merge_rules(base, fixed)
