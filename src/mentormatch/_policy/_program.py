"""A program's whole policy (:class:`ProgramPolicy`) and its dict / TOML form."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .._errors import PolicyError
from ._base import FEATURE_COLUMNS, _as_tuple, _check_unknown, _fail, _set
from ._cycle import CYCLE_RULE_PARAMS, CycleRule, CycleSettings
from ._rules import EligibilityRule, MatchingSettings

__all__ = ["ProgramPolicy", "set_base_lookup"]

#: How ``base = "amcto"`` in a policy file finds its preset. The presets are built
#: from these types in :mod:`mentormatch.policies`, which hands its ``get_policy``
#: over when it is imported (the package imports it first); the types never import
#: the presets, so the two modules do not import each other.
_BASE_LOOKUP: list[Callable[[str], ProgramPolicy]] = []


def set_base_lookup(lookup: Callable[[str], ProgramPolicy]) -> None:
    """Set the function that turns a policy file's ``base`` name into a preset."""
    _BASE_LOOKUP[:] = [lookup]


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
            "close_call_margin": m.close_call_margin,
            "weights": dict(m.weights),
            "region_adjacency": {k: list(v) for k, v in m.region_adjacency.items()},
        }
        if m.sources:
            matching["sources"] = dict(m.sources)
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
            data = _merge_policy(_BASE_LOOKUP[0](base).to_dict(), data)
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
    if rule.choices:
        out["choices"] = dict(rule.choices)
    return out


def _cycle_rule_from(raw: Any) -> CycleRule:
    if not isinstance(raw, Mapping) or "code" not in raw:
        raise _fail("cycle.rules", "rule", raw, "a table with a 'code'")
    raw = dict(raw)
    raw.pop("enabled", None)
    code = raw.pop("code")
    if code not in CYCLE_RULE_PARAMS:
        raise _fail("cycle rule", "code", code, ", ".join(map(repr, CYCLE_RULE_PARAMS)))
    meta = {k: raw.pop(k) for k in ("severity", "description", "source", "choices") if k in raw}
    return CycleRule(code=code, params=raw, **meta)


def _merge_policy(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay ``over`` on a preset's dict: tables by key, rule lists by code."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if key == "eligibility" and isinstance(value, list):
            out[key] = _merge_rules(out.get(key, []), value)
        elif key in ("matching", "cycle") and isinstance(value, Mapping):
            merged = dict(out.get(key, {}))
            if key == "matching" and "sources" not in value and "sources" in merged:
                # A setting the file changes is the program's own: the preset's source
                # (the document and line of the preset's value) no longer applies.
                merged["sources"] = {k: v for k, v in merged["sources"].items() if k not in value}
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


_CYCLE_RULE_META = ("code", "severity", "description", "source", "choices", "enabled")


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
            if "choices" not in rule and isinstance(old.get("choices"), Mapping):
                # A parameter the file sets is the program's choice, not the library's.
                rule = {
                    **rule,
                    "choices": {k: v for k, v in old["choices"].items() if k not in rule},
                }
        fixed.append(rule)
    return _merge_rules(base, fixed)
