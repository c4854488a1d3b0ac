"""The presets hold only what the program documents say (issue 21, "Presets").

Each test quotes the seed line it checks (the documents are copied in
``tests/data/seeds/``). Settings no document states are options, off by default,
and ``mentormatch policies NAME`` says which settings are the library's choices.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentormatch as mm
from mentormatch._policy import MatchingSettings
from mentormatch.cli import describe_policy

SEEDS = Path(__file__).parent / "data" / "seeds"
PRESETS = dict(mm.policies.PRESETS)


def person(pid: str, role: str, skills: str = "", **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": pid,
        "role": role,
        "member_in_good_standing": "yes",
        "skills": skills,
        "organization": extra.pop("organization", f"Org {pid}"),
    }
    row.update(extra)
    return row


def amcto_with(weights: dict[str, float] | None = None, **matching: object) -> mm.ProgramPolicy:
    """AMCTO's matching settings with a feature mix easy to reason about (membership only)."""
    m = mm.policies.AMCTO.matching
    return replace(
        mm.policies.AMCTO,
        eligibility=mm.policies.AMCTO.eligibility[:1],
        matching=replace(m, weights=weights or {"skills": 1.0}, **matching),  # type: ignore[arg-type]
    )


def pairs_of(result: mm.MatchResult) -> dict[str, str]:
    return dict(zip(result.pairs["mentee_id"], result.pairs["mentor_id"], strict=True))


def seed_text(name: str) -> str:
    """A seed document with runs of whitespace made one space (the text files wrap lines)."""
    return re.sub(r"\s+", " ", (SEEDS / name).read_text(encoding="utf-8"))


# =========================================================================== 1. priority


def test_no_preset_favors_previously_unmatched_applicants():
    # AMCTO: "those who are not accepted are encouraged to re-apply the following year";
    # AMA: "Unmatched applicants are strongly encouraged to reapply for the subsequent
    # mentorship year." Neither says they are matched first.
    assert "encouraged to re-apply the following year" in seed_text("amcto-program-guide.txt")
    assert MatchingSettings().favor_previously_unmatched is False
    for name, policy in PRESETS.items():
        assert policy.matching.favor_previously_unmatched is False, name


def test_a_better_fit_is_not_displaced_by_a_previously_unmatched_applicant():
    apps = [
        person("e_fit", "mentee", "budgeting; council reports"),  # 1.00 with r1
        person("e_prev", "mentee", "budgeting; elections; records; by-laws",
               previously_unmatched="yes"),  # 0.25 with r1
        person("r1", "mentor", "budgeting; council reports"),
    ]  # fmt: skip
    result = mm.match(apps, amcto_with(), matched_on="2026-09-01")
    assert pairs_of(result) == {"e_fit": "r1"}
    detail = result.unmatched.set_index("participant_id").loc["e_prev", "detail"]
    assert "previously unmatched" not in detail


def test_the_option_when_on_says_it_decided_the_outcome():
    apps = [
        person("e_fit", "mentee", "budgeting; council reports"),
        person("e_prev", "mentee", "budgeting; elections; records; by-laws",
               previously_unmatched="yes"),
        person("r1", "mentor", "budgeting; council reports"),
    ]  # fmt: skip
    result = mm.match(apps, amcto_with(favor_previously_unmatched=True), matched_on="2026-09-01")
    assert pairs_of(result) == {"e_prev": "r1"}
    row = result.unmatched.set_index("participant_id").loc["e_fit"]
    assert row["reason"] == "partners_taken"
    assert "A previously unmatched applicant was given the place" in row["detail"]
    assert "favor_previously_unmatched" in row["detail"]


def test_the_priority_sentence_only_when_a_priority_applicant_holds_the_place():
    # Both mentees are previously unmatched: priority did not decide between them.
    apps = [
        person("e_fit", "mentee", "budgeting; council reports", previously_unmatched="yes"),
        person("e_prev", "mentee", "budgeting; elections", previously_unmatched="yes"),
        person("r1", "mentor", "budgeting; council reports"),
    ]
    result = mm.match(apps, amcto_with(favor_previously_unmatched=True), matched_on="2026-09-01")
    assert pairs_of(result) == {"e_fit": "r1"}
    detail = result.unmatched.set_index("participant_id").loc["e_prev", "detail"]
    assert "previously unmatched" not in detail


# =========================================================================== 2. same organization


def colleagues() -> list[dict[str, object]]:
    return [
        person("e1", "mentee", "budgeting", organization="Town of Milton", requested_ids="r1"),
        person("r1", "mentor", "elections", organization="Town of Milton", requested_ids="e1"),
        person("r2", "mentor", "budgeting", organization="City of Guelph"),
    ]


def test_amcto_does_not_forbid_same_organization_pairs():
    # The only basis is a participant's testimonial (handbook): "I learnt from someone
    # outside of my own organization" -- a preference, not a rule of the program.
    assert "learnt from someone outside of my own organization" in seed_text(
        "amcto-mentorship-handbook.md"
    )
    for name, policy in PRESETS.items():
        assert policy.matching.allow_same_organization is True, name
    assert "organization" not in mm.policies.AMCTO.required_columns()


def test_a_mutual_request_between_colleagues_is_honored():
    # FAQ: "we will only consider matching people together if both parties have agreed to
    # this. Each party should specifically request to be matched with each other."
    result = mm.match(colleagues(), amcto_with(), matched_on="2026-09-01")
    assert pairs_of(result) == {"e1": "r1"}
    assert result.pairs.set_index("mentee_id").loc["e1", "reason"] == "mutual_request"


def test_a_program_that_forbids_colleagues_still_can():
    result = mm.match(
        colleagues(), amcto_with(allow_same_organization=False), matched_on="2026-09-01"
    )
    assert pairs_of(result) == {"e1": "r2"}
    req = result.requests.set_index(["requester_id", "requested_id"])
    assert req.loc[("e1", "r1"), "note"].startswith("mutual request not honored: Both work at")


# =========================================================================== 3. hours


def test_amcto_hours_are_a_minimum_and_the_ceiling_an_option():
    # FAQ: "We also recommend a minimum commitment of 1-3 hours per month to working
    # through your program goals." and "You can meet with your match as often as you like".
    line = "We also recommend a minimum commitment of 1-3 hours per month"
    assert line in seed_text("amcto-program-guide.txt")
    rule = mm.policies.AMCTO.cycle.rule("monthly_hours")
    assert rule is not None
    assert (rule["min_hours"], rule["max_hours"]) == (1, None)
    assert rule.severity == "recommended"
    assert "minimum commitment of 1-3 hours" in rule.description
    assert "max_hours" in rule.description  # how to set the ceiling
    assert "max_hours" in rule.choices  # the reading is the library's


# =========================================================================== 4. blank answers


def blank_cohort() -> list[dict[str, object]]:
    # Informative skills pairs: e_full-r1 1, e_full-r2 1, e_diff-r1 0.25, e_diff-r2 0:
    # a cohort average of 0.5625, which a blank side used to score.
    return [
        person("e_full", "mentee", "communications"),
        person("e_diff", "mentee", "budgeting; elections; records; by-laws"),
        person("e_blank", "mentee", ""),
        person("r1", "mentor", "budgeting; communications"),
        person("r2", "mentor", "communications"),
    ]


@pytest.mark.parametrize("candidates", [False, True])
def test_a_blank_application_ranks_below_a_real_partial_match(candidates):
    # AMCTO: "Mentees should indicate on their program application what skills they are
    # looking to develop": a mentee who said nothing is not a 0.56 match.
    assert "Mentees should indicate on their program application what skills" in seed_text(
        "amcto-program-guide.txt"
    )
    result = mm.match(blank_cohort(), amcto_with(), matched_on="2026-09-01", candidates=candidates)
    assert pairs_of(result) == {"e_full": "r2", "e_diff": "r1"}
    assert result.objective == pytest.approx(1.25)
    sm = mm.scoring.score_pairs(blank_cohort(), amcto_with())
    e_blank = list(sm.mentee_ids).index("e_blank")
    np.testing.assert_array_equal(sm.features["skills"][e_blank], 0.0)
    note = sm.explain("e_blank", "r1").loc["skills", "note"]
    assert "no information" in note and "counted as 0" in note


def test_the_cohort_average_stays_an_option():
    from mentormatch.scoring import SkillsCoverage

    result = mm.match(
        blank_cohort(),
        amcto_with(),
        matched_on="2026-09-01",
        extractors={"skills": SkillsCoverage(blank="average")},
    )
    assert set(pairs_of(result)) == {"e_full", "e_blank"}  # 0.5625 > 0.25: e_diff left out


labels = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3, unique=True)


@given(
    mentees=st.lists(labels, min_size=1, max_size=5),
    mentors=st.lists(labels, min_size=1, max_size=5),
    goals=st.lists(st.sampled_from(["", "budget reports", "elections", "budget"]), min_size=10,
                   max_size=10),
)  # fmt: skip
def test_no_information_never_beats_a_stated_match(mentees, mentors, goals):
    """A blank side scores 0 on goals and skills, on the dense and the fused paths."""
    apps = [
        person(f"e{k}", "mentee", "; ".join(s), goals=goals[k]) for k, s in enumerate(mentees)
    ] + [person(f"r{k}", "mentor", "; ".join(s), goals=goals[5 + k]) for k, s in
         enumerate(mentors)]  # fmt: skip
    policy = amcto_with({"skills": 0.5, "goals": 0.5})
    sm = mm.scoring.score_pairs(apps, policy)
    for name, column in (("skills", "skills"), ("goals", "goals")):
        raw = sm.scorer.extractors_[name].score()
        blank = np.isnan(raw)
        np.testing.assert_array_equal(sm.features[name][blank], 0.0)
        assert (sm.features[name][~blank] >= 0).all()
        del column
    fused = sm.scorer.score_block(np.arange(len(mentees)), np.arange(len(mentors)),
                                  keep_features=False)  # fmt: skip
    np.testing.assert_allclose(fused.total, sm.total, atol=1e-6)
    from mentormatch.candidates import pair_features

    rows, cols = np.divmod(np.arange(len(mentees) * len(mentors)), len(mentors))
    total, _ = pair_features(sm.scorer, rows, cols)
    np.testing.assert_allclose(total, sm.total[rows, cols], atol=1e-6)


# =========================================================================== 5. reasons


def test_an_ineligible_applicants_reason_names_every_failed_rule():
    # Guide, Requirements for participation: "Be an active AMCTO member in good standing."
    # and "Demonstrate a willingness to participate in a mentoring relationship for at
    # least a nine-month period."
    policy = replace(mm.policies.AMCTO, matching=amcto_with().matching)
    apps = [
        person("r1", "mentor", "a", member_in_good_standing="no", years_experience=12,
               new_to_sector="no", commitment_months=6),
        person("e1", "mentee", "a", years_experience=2, new_to_sector="no",
               commitment_months=9),
    ]  # fmt: skip
    result = mm.match(apps, policy, matched_on="2026-09-01")
    row = result.unmatched.set_index("participant_id").loc["r1"]
    elig = result.eligibility.set_index("participant_id").loc["r1"]
    assert elig["reasons"] == ["membership", "commitment"]
    assert row["reason"] == "membership; commitment"
    assert row["detail"] == (
        "The program is only open to AMCTO members in good standing; the application says no. "
        "Participants commit to at least 9 months in the program; the application says 6."
    )


# =========================================================================== 6. the documentation


QUOTE = re.compile(r"\"([^\"]+)\"")


def _quotes(source: str) -> list[str]:
    return [q.replace("...", "").strip() for q in QUOTE.findall(source)]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_source_quotes_its_seed(name):
    """Every rule and every sourced setting quotes a line its document really has."""
    policy = PRESETS[name]
    sources = [r.source for r in policy.eligibility]
    sources += [r.source for r in policy.cycle.rules]
    sources += list(policy.matching.sources.values())
    assert sources
    for source in sources:
        document = source.split(":")[0]
        assert (SEEDS / document).is_file(), source
        quotes = _quotes(source)
        assert quotes, f"no quoted line in {source!r}"
        text = seed_text(document)
        for quote in quotes:
            for piece in quote.split("…"):
                assert re.sub(r"\s+", " ", piece.strip()) in text, (source, piece)


@pytest.mark.parametrize("name", list(PRESETS))
def test_mentormatch_policies_says_where_each_rule_comes_from(name):
    policy = PRESETS[name]
    text = describe_policy(policy)
    lines = text.splitlines()
    for rule in (*policy.eligibility, *policy.cycle.rules):
        k = next(k for k, ln in enumerate(lines) if ln.strip().startswith(rule.code))
        assert lines[k + 1].strip() == "from " + rule.source  # the line under the rule
        for name, why in getattr(rule, "choices", {}).items():
            assert f"{name}: library's choice, not the program's ({why})" in text
    matching = text.split("Matching:")[1].split("Cycle:")[0]
    for setting in ("mentees per mentor", "same organization", "previous partners",
                    "mutual requests", "previously unmatched", "priority", "weights"):  # fmt: skip
        line = next(ln for ln in matching.splitlines() if setting in ln)
        assert "library's choice" in line or "from " in line, line
    m = policy.matching
    choice_lines = [ln for ln in matching.splitlines() if "library's choice" in ln]
    assert any("previously unmatched" in ln for ln in choice_lines)
    for key in m.sources:
        assert m.sources[key] in text


def test_amcto_documentation_names_the_librarys_choices():
    text = describe_policy(mm.policies.AMCTO)
    assert "one-on-one basis" in text  # capacity_cap's seed line
    # Program Timeline: "Following the formal program end date, all participants will be
    # asked to complete a survey" -- no deadline: the preset's 30 days are the library's.
    assert (
        "within_days_after_end: library's choice, not the program's (the guide sets no deadline)"
        in text
    )
    assert "same organization allowed: yes  [library's choice" in text


def test_sources_and_choices_survive_toml_and_follow_an_override():
    amcto = mm.policies.AMCTO
    again = mm.ProgramPolicy.from_toml_string(amcto.to_toml())
    assert again == amcto
    mine = mm.ProgramPolicy.from_toml_string(
        'base = "amcto"\nname = "mine"\n[matching]\ncapacity_cap = 2\n'
        '[[cycle.rules]]\ncode = "monthly_hours"\nmax_hours = 3\n'
    )
    assert "capacity_cap" not in mine.matching.sources  # now the program's own setting
    assert "honor_mutual_requests" in mine.matching.sources
    assert "max_hours" not in mine.cycle.rule("monthly_hours").choices
    with pytest.raises(mm.PolicyError, match="sources"):
        MatchingSettings(sources={"no_such_setting": "x"})
