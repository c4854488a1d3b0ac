"""Who may take part and how pairs are chosen: :class:`EligibilityRule`, :class:`MatchingSettings`."""

from __future__ import annotations

import dataclasses
import math
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ._base import (
    _NUMERIC_TESTS,
    _TEST_FITS,
    APPLICATION_COLUMNS,
    DETAIL_PLACEHOLDERS,
    ELIGIBILITY_TESTS,
    ROLES,
    _as_tuple,
    _fail,
    _is_number,
    _set,
)

__all__ = ["EligibilityRule", "MatchingSettings"]


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
        applied before and were not matched (``previously_unmatched``). Off by
        default and in every preset: AMCTO and AMA only invite them to reapply
        ("those who are not accepted are encouraged to re-apply the following
        year"), no document puts them first. When it is on and an applicant is
        left out because a previously unmatched applicant took the place, the
        unmatched ``detail`` says so.
    contact_columns : sequence of str
        Columns of the applications the exports carry next to the ids, besides
        ``name``, ``first_name``, ``last_name`` and ``email`` (always carried
        when present): e.g. ``["phone", "job_title"]``. Never in logs or
        summaries. A listed column the applications lack is named in
        ``result.notes``.
    close_call_margin : float
        A pair is a *close call* (``result.pairs["close_call"]``) when
        forbidding it would cost no pair and less than this much total score
        (default 0.01): the optimum could nearly as well have done without it.
    sources : mapping of str to str
        For settings a program document states: setting name -> the document
        and the line it comes from (``"capacity_cap": 'amcto-program-guide.txt:
        FAQ: "...one-on-one basis."'``). A setting not listed is the library's
        choice, not the program's (``mentormatch policies NAME`` says so). A
        policy file that changes a preset's setting (``base = "amcto"``) drops
        its source: the value is then the program's own.
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
    favor_previously_unmatched: bool = False
    contact_columns: tuple[str, ...] = ()
    close_call_margin: float = 0.01
    sources: Mapping[str, str] = field(default_factory=dict)

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
        margin = self.close_call_margin
        if not _is_number(margin) or not 0 <= margin < math.inf:
            raise _fail(where, "close_call_margin", margin, "a finite number >= 0")
        _set(self, "close_call_margin", float(margin))
        settings = [f for f in MATCHING_SETTING_NAMES if f != "sources"]
        if not isinstance(self.sources, Mapping) or not all(
            k in settings and isinstance(v, str) for k, v in self.sources.items()
        ):
            raise _fail(
                where,
                "sources",
                self.sources,
                "a table of setting = text, the settings being " + ", ".join(map(repr, settings)),
            )
        _set(self, "sources", MappingProxyType(dict(self.sources)))

    def source(self, setting: str) -> str:
        """Where ``setting`` comes from: its document and line, or ``""`` (the library's choice)."""
        return self.sources.get(setting, "")

    def adjacent_pairs(self) -> frozenset[tuple[str, str]]:
        """Every (region, region) pair that counts as adjacent, both directions."""
        out = set()
        for a, near in self.region_adjacency.items():
            for b in near:
                out.add((a, b))
                out.add((b, a))
        return frozenset(out)


#: The settings of :class:`MatchingSettings`, in order.
MATCHING_SETTING_NAMES: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(MatchingSettings)
)
