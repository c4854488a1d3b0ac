"""The preset policies of the four programs mentormatch was built from.

Each rule cites the document it comes from (``shared/seeds/`` in the project's
repository). Start from a preset and change what your program does differently,
in code with :func:`dataclasses.replace` or in TOML with ``base = "amcto"``.

>>> import mentormatch as mm
>>> mm.get_policy("AMCTO").name
'AMCTO Mentorship Program'
>>> [r.code for r in mm.policies.AMCTO.eligibility]
['membership', 'mentor_experience', 'mentee_experience', 'commitment']
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._errors import PolicyError
from ._policy import (
    CycleRule,
    CycleSettings,
    EligibilityRule,
    MatchingSettings,
    ProgramPolicy,
    set_base_lookup,
)

__all__ = ["AMA", "AMCTO", "CMA3", "LTB", "PRESETS", "get_policy"]

_AMCTO_GUIDE = "amcto-program-guide.txt"
_AMCTO_BOOK = "amcto-mentorship-handbook.md"
_AMA = "ama-mentorship-program.md"
_CMA3 = "3cma-connect-mentorship.txt"
_LTB = "ltb-mentoring-guide.txt"


def _cite(document: str, section: str, line: str) -> str:
    """A rule's source: the document, its section, and the line quoted as the document has it."""
    return f'{document}: {section}: "{line}"'


#: The one-on-one rule, the mutual requests and "most people matched first" (AMCTO FAQ and
#: timeline), shared by the presets whose documents say nothing else on them.
_ONE_ON_ONE = _cite(
    _AMCTO_GUIDE, "FAQ", "we are currently only matching individuals on a one-on-one basis."
)

#: Regions of Ontario used by the AMCTO preset (a preference only: AMCTO FAQ
#: "This may include someone who is not necessarily from your region").
ONTARIO_REGIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Eastern": ("Central", "Northeastern"),
        "Central": ("Eastern", "Toronto", "Southwestern", "Northeastern"),
        "Toronto": ("Central", "Southwestern"),
        "Southwestern": ("Central", "Toronto"),
        "Northeastern": ("Eastern", "Central", "Northwestern"),
        "Northwestern": ("Northeastern",),
    }
)

ALBERTA_REGIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Northern": ("Edmonton", "Central"),
        "Edmonton": ("Northern", "Central"),
        "Central": ("Northern", "Edmonton", "Calgary", "Southern"),
        "Calgary": ("Central", "Southern"),
        "Southern": ("Central", "Calgary"),
    }
)

US_REGIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Northeast": ("Southeast", "Midwest"),
        "Southeast": ("Northeast", "Midwest", "Southwest"),
        "Midwest": ("Northeast", "Southeast", "Southwest", "West", "Northwest"),
        "Southwest": ("Southeast", "Midwest", "West"),
        "West": ("Southwest", "Midwest", "Northwest"),
        "Northwest": ("West", "Midwest"),
    }
)


AMCTO = ProgramPolicy(
    name="AMCTO Mentorship Program",
    description=(
        "Association of Municipal Managers, Clerks and Treasurers of Ontario. Applications in "
        "July, matching in August, the program runs September to June. One-on-one matches; "
        "mutual requests honored; matches may be outside the applicant's region."
    ),
    eligibility=(
        EligibilityRule(
            code="membership",
            test="is_true",
            column="member_in_good_standing",
            detail=(
                "The program is only open to AMCTO members in good standing; "
                "the application says {actual}."
            ),
            source=_cite(
                _AMCTO_GUIDE,
                "Requirements for participation",
                "Be an active AMCTO member in good standing.",
            ),
        ),
        EligibilityRule(
            code="mentor_experience",
            test="at_least",
            column="years_experience",
            roles=("mentor",),
            value=7,
            detail=(
                "Mentors need at least {value} years of professional experience; "
                "the application says {actual}."
            ),
            source=_cite(
                _AMCTO_GUIDE,
                "Roles & Responsibilities",
                "Mentors should have a minimum of seven (7) years professional experience",
            ),
        ),
        EligibilityRule(
            code="mentee_experience",
            test="below",
            column="years_experience",
            roles=("mentee",),
            value=7,
            unless="new_to_sector",
            detail=(
                "Mentees need under {value} years of professional experience or to be new to "
                "the municipal sector; the application says {actual} years and "
                "new to the sector: {unless_actual}."
            ),
            source=_cite(
                _AMCTO_GUIDE,
                "Roles & Responsibilities",
                "Mentees should be new professionals (under seven years professional experience) or should be new to working in the municipal sector.",
            ),
        ),
        EligibilityRule(
            code="commitment",
            test="at_least",
            column="commitment_months",
            value=9,
            detail=(
                "Participants commit to at least {value} months in the program; "
                "the application says {actual}."
            ),
            source=_cite(
                _AMCTO_GUIDE,
                "Requirements for participation",
                "Demonstrate a willingness to participate in a mentoring relationship for at least a nine-month period.",
            ),
        ),
    ),
    matching=MatchingSettings(
        capacity_cap=1,
        # Not a rule of the program: the only basis is a participant's testimonial in the
        # handbook ("I learnt from someone outside of my own organization"). A program that
        # forbids colleagues sets allow_same_organization = false; then a mutual request
        # between colleagues is not honored either (result.requests says why).
        allow_same_organization=True,
        allow_previous_partners=False,
        honor_mutual_requests=True,
        weights={"goals": 0.35, "skills": 0.3, "interests": 0.1, "region": 0.1, "experience": 0.15},
        region_adjacency=ONTARIO_REGIONS,
        priority="pairs_first",
        sources={
            "capacity_cap": _ONE_ON_ONE,
            "honor_mutual_requests": _cite(
                _AMCTO_GUIDE,
                "FAQ",
                "we will only consider matching people together if both parties have agreed "
                "to this.",
            ),
            "priority": _cite(
                _AMCTO_GUIDE,
                "Program Timeline",
                "We will do our best to match each eligible individual",
            ),
            "weights": _cite(
                _AMCTO_GUIDE,
                "Program Timeline; FAQ",
                "match individuals based on shared interests and goals … this includes your "
                "goals, background and experience",
            )
            + " (the features; their numbers are the library's choice)",
            "region_adjacency": _cite(
                _AMCTO_GUIDE,
                "FAQ",
                "This may include someone who is not necessarily from your region.",
            )
            + " (a preference; which regions neighbour is the library's choice)",
        },
    ),
    cycle=CycleSettings(
        start_month=9,
        end_month=6,
        holidays_country="CA",
        holidays_subdivision="ON",
        rules=(
            CycleRule(
                code="max_gap",
                severity="required",
                params={"max_days": 42},
                description="Never more than six weeks between meetings.",
                source=_cite(
                    _AMCTO_GUIDE,
                    "Mentorship Agreement",
                    "Mentor and mentee should seek regular meetings without ever going more than six weeks between meetings.",
                ),
            ),
            CycleRule(
                code="monthly_meeting",
                severity="recommended",
                params={"min_meetings": 1},
                description="Meet at least once a month or every 4-6 weeks.",
                source=_cite(
                    _AMCTO_GUIDE,
                    "FAQ",
                    "it is important to meet at least once a month or every 4-6 weeks",
                ),
            ),
            CycleRule(
                code="meeting_duration",
                severity="required",
                params={"min_minutes": 30, "max_minutes": 90},
                description="Each meeting lasts a minimum of 30 and a maximum of 90 minutes.",
                source=_cite(
                    _AMCTO_GUIDE,
                    "Mentorship Agreement",
                    "Each meeting will last a minimum of 30 minutes and a maximum of 90 minutes.",
                ),
            ),
            CycleRule(
                code="monthly_hours",
                severity="recommended",
                params={"min_hours": 1},
                description=(
                    '"We also recommend a minimum commitment of 1-3 hours per month": read as '
                    'at least 1 hour a month, no ceiling (the same FAQ: "You can meet with your '
                    'match as often as you like"). A program that wants 3 hours as a ceiling '
                    "sets max_hours = 3."
                ),
                choices={
                    "min_hours": "the lower end of the guide's '1-3 hours'",
                    "max_hours": "no ceiling: the guide recommends a minimum only",
                },
                source=_cite(
                    _AMCTO_GUIDE,
                    "FAQ",
                    "We also recommend a minimum commitment of 1-3 hours per month to working through your program goals.",
                ),
            ),
            CycleRule(
                code="min_relationship_length",
                severity="required",
                params={"months": 9, "measure": "person"},
                choices={"measure": "a re-matched participant's time counts over all their pairs"},
                description=(
                    "The relationship will last for at least nine months; a participant "
                    're-matched during the cycle ("so that a new match can be made") keeps '
                    "it with their time over all their pairs (measure='person': the "
                    "library's reading of \"committing to participate in the program for the "
                    'full nine months"). A pair that ended early (ended_on) is not judged.'
                ),
                source=_cite(
                    _AMCTO_GUIDE,
                    "Mentorship Agreement",
                    "The relationship will last for at least nine months.",
                ),
            ),
            CycleRule(
                code="forms_signed",
                severity="required",
                params={
                    "kinds": ["agreement_signed", "confidentiality_signed"],
                    "each_participant": True,
                },
                choices={"due": "signing on the day of the first meeting counts as 'prior to'"},
                description=(
                    "Signed program agreement and confidentiality forms before participating: "
                    '"each party will be required to review and sign-off on" them, so the '
                    "mentor and the mentee each sign (an event row without participant_id is "
                    "a copy both signed). Discussed at the first meeting: signing that day "
                    'counts (the library\'s reading of "prior to participation").'
                ),
                source=_cite(
                    _AMCTO_GUIDE,
                    "The Mentorship Agreement",
                    "Prior to participation in the program, each party will be required to review and sign-off on a mentorship agreement.",
                ),
            ),
            CycleRule(
                code="final_survey",
                severity="required",
                params={"within_days_after_end": 30},
                choices={"within_days_after_end": "the guide sets no deadline"},
                description=(
                    "All participants complete a survey after the formal program end date "
                    "(the guide sets no deadline; the preset allows 30 days)."
                ),
                source=_cite(
                    _AMCTO_GUIDE,
                    "Program Timeline",
                    "Following the formal program end date, all participants will be asked to complete a survey",
                ),
            ),
            CycleRule(
                code="informal_assessment",
                severity="recommended",
                params={"max_interval_months": 3},
                choices={"max_interval_months": "the longer end of 'every two-three months'"},
                description="Informal assessment of the relationship every two-three months.",
                source=_cite(
                    _AMCTO_GUIDE,
                    "Mentorship Agreement",
                    "Informal assessment of the relationship should occur every two-three months between mentor and mentee.",
                ),
            ),
            CycleRule(
                code="log_agreement",
                severity="required",
                params={"tolerance_minutes": 0},
                choices={
                    "tolerance_minutes": "the guide asks for agreement; no tolerance given",
                    "tolerance_days": "the guide asks for agreement; no tolerance given",
                },
                description=(
                    "Mentor and mentee each keep a log and agree on the time spent together "
                    "(required to claim PDUs): every meeting in one log is in the other, the "
                    "same day, with the same minutes."
                ),
                source=_cite(
                    _AMCTO_GUIDE,
                    "FAQ",
                    "You must also ensure that you and your mentee/mentor are in agreement as to the time that you have spent together.",
                ),
            ),
        ),
    ),
)


AMA = ProgramPolicy(
    name="AMA Mentorship Program",
    description=(
        "Alberta Museums Association. Open to Individual Members in good standing ratified by "
        "the Board; runs October to August; Mentorship Plan, Quarterly Updates, mid-program and "
        "final surveys required."
    ),
    eligibility=(
        EligibilityRule(
            code="membership",
            test="is_true",
            column="member_in_good_standing",
            detail=(
                "The program is open to AMA Individual Members in good standing; "
                "the application says {actual}."
            ),
            source=_cite(
                _AMA, "Eligibility and Requirements", "open to Individual Members in good standing."
            ),
        ),
        EligibilityRule(
            code="board_ratified",
            test="is_true",
            column="board_ratified",
            detail=(
                "Individual Members must be ratified by the AMA's Board of Directors before "
                "the mentoring relationship starts; the application says {actual}."
            ),
            source=_cite(
                _AMA,
                "Eligibility and Requirements",
                "Individual Members must be ratified by the AMA's Board of Directors prior to the start of the mentoring relationship.",
            ),
        ),
        EligibilityRule(
            code="career_stage",
            test="stage_above",
            column="career_stage",
            scale=(1, 4),
            detail=(
                "A mentor's Professional Development Map stage must be above their mentee's "
                "(stages {low} to {high}); the application says stage {actual}, where no "
                "{counterpart} can be found."
            ),
            source=_cite(
                _AMA,
                "Eligibility and Requirements",
                "Participants should consult the [Professional Development Map](#) to determine the category that best matches their career stage.",
            ),
        ),
    ),
    matching=MatchingSettings(
        capacity_cap=1,
        allow_same_organization=True,
        weights={"goals": 0.4, "skills": 0.2, "interests": 0.2, "experience": 0.2},
        region_adjacency=ALBERTA_REGIONS,
        sources={
            "capacity_cap": _cite(
                _AMA, "Timeline and Meetings", "the mentorship pair meets for at least one hour"
            )
            + " (pairs of one Mentor and one Mentee)",
            "weights": _cite(
                _AMA,
                "Eligibility and Requirements",
                "match the self-identified Mentors with the most appropriate Mentees.",
            )
            + " (the features and their numbers are the library's choice)",
        },
    ),
    cycle=CycleSettings(
        start_month=10,
        end_month=8,
        holidays_country="CA",
        holidays_subdivision="AB",
        rules=(
            CycleRule(
                code="monthly_meeting",
                severity="required",
                params={"min_meetings": 1},
                description="Pairs are expected to meet at least once per month.",
                source=_cite(
                    _AMA,
                    "Timeline and Meetings",
                    "mentorship pairs are expected to meet at least once per month for the duration of the Program.",
                ),
            ),
            CycleRule(
                code="meeting_duration",
                severity="recommended",
                params={"min_minutes": 60},
                description="Meetings are most productive at one hour or more.",
                source=_cite(
                    _AMA,
                    "Timeline and Meetings",
                    "Meetings will be most productive if the mentorship pair meets for at least one hour at a time.",
                ),
            ),
            CycleRule(
                code="plan_submitted",
                severity="required",
                params={"within_months": 1},
                description="Submit the Mentorship Plan to the Program Coordinator in October.",
                source=_cite(
                    _AMA,
                    "Sample Mentorship Plan (October)",
                    "Don't forget to send your Mentorship Plan to the Program coordinator!",
                ),
            ),
            CycleRule(
                code="quarterly_update",
                severity="required",
                params={"months": [1, 4, 7], "business_day": 1},
                description=(
                    "One Quarterly Update per pair on the first business day of January, "
                    "April and July."
                ),
                source=_cite(
                    _AMA,
                    "Quarterly Updates",
                    "only one submission is required for each mentorship pair.",
                ),
            ),
            CycleRule(
                code="mid_survey",
                severity="required",
                params={"month": 3},
                description="Each participant completes the mid-program survey in March.",
                source=_cite(
                    _AMA,
                    "Sample Mentorship Plan (March)",
                    "Complete your mid-program surveys. Participants should complete the survey individually.",
                ),
            ),
            CycleRule(
                code="final_survey",
                severity="required",
                params={"month": 8},
                description="Each participant completes the final survey in August.",
                source=_cite(
                    _AMA,
                    "Sample Mentorship Plan (August)",
                    "Complete your final surveys. Participants should complete the survey individually.",
                ),
            ),
            CycleRule(
                code="in_person_meeting",
                severity="recommended",
                params={"min_count": 1},
                description="Meet in person at least once if possible.",
                source=_cite(
                    _AMA,
                    "Timeline and Meetings",
                    "We recommend meeting in person at least once if possible",
                ),
            ),
        ),
    ),
)


CMA3 = ProgramPolicy(
    name="3CMA Connect Member Mentorship",
    description=(
        "City-County Communications & Marketing Association. Rolling registration; matched on "
        "mutual areas of interest, community size and geographic location; initial contact "
        "within 30 days of the assignment."
    ),
    eligibility=(
        EligibilityRule(
            code="membership",
            test="is_true",
            column="member_in_good_standing",
            detail=(
                "All mentees and mentors must be 3CMA members in good standing; "
                "the application says {actual}."
            ),
            source=_cite(
                _CMA3,
                "Eligibility Requirements",
                "All mentees and mentors must be members of 3CMA in good standing.",
            ),
        ),
        EligibilityRule(
            code="comms_role",
            test="is_true",
            column="comms_role",
            detail=(
                "Participants must serve in a local-government position that involves "
                "marketing and communication; the application says {actual}."
            ),
            source=_cite(
                _CMA3,
                "Eligibility Requirements",
                "Must serve in a position in local government that involves some aspects of marketing and communication",
            ),
        ),
        EligibilityRule(
            code="application_complete",
            test="is_true",
            column="application_complete",
            detail=(
                "All mentees and mentors must complete the online application; "
                "the application says {actual}."
            ),
            source=_cite(
                _CMA3,
                "Eligibility Requirements",
                "All mentees and mentors must complete an online application.",
            ),
        ),
    ),
    matching=MatchingSettings(
        capacity_cap=1,
        allow_same_organization=True,
        weights={"interests": 0.4, "community_size": 0.3, "region": 0.3},
        region_adjacency=US_REGIONS,
        sources={
            "capacity_cap": _cite(
                _CMA3,
                "Application and Mentorship Process",
                "with emails sent to each mentor and mentee",
            )
            + " (one mentor per mentee)",
            "weights": _cite(
                _CMA3,
                "Application and Mentorship Process",
                "matched based on such factors as mutual areas of interest, community size, "
                "geographic location, etc.",
            )
            + " (the features; their numbers are the library's choice)",
        },
    ),
    cycle=CycleSettings(
        holidays_country="US",
        holidays_observed=True,  # US federal holidays move off weekends (5 U.S.C. 6103(b))
        rules=(
            CycleRule(
                code="first_contact",
                severity="required",
                params={"within_days": 30},
                description="Make initial contact within 30 days of the assignment.",
                source=_cite(
                    _CMA3,
                    "Application and Mentorship Process",
                    "with a request to make initial contact within 30 days.",
                ),
            ),
            CycleRule(
                code="monthly_meeting",
                severity="recommended",
                params={"min_meetings": 1},
                description=(
                    "Meetings recommended a minimum of once each month (ideally two to three)."
                ),
                source=_cite(
                    _CMA3,
                    "Application and Mentorship Process",
                    "recommended a minimum of once each month.",
                ),
            ),
        ),
    ),
)


LTB = ProgramPolicy(
    name="LTB Mentoring Program",
    description=(
        "LTB mentoring guide: a one-year relationship with a signed agreement sent to the "
        "Mentorship Committee, a plan and an evaluation of the relationship."
    ),
    eligibility=(),
    matching=MatchingSettings(
        capacity_cap=1,
        allow_same_organization=True,
        weights={"goals": 0.6, "skills": 0.4},
        sources={
            "capacity_cap": _cite(
                _LTB, "What is Mentoring?", "relationship between the Mentor and Protégé/ Mentee."
            ),
            "weights": _cite(_LTB, "Action Plan Item #2", "What do you hope to achieve together?")
            + " (the features and their numbers are the library's choice)",
        },
    ),
    cycle=CycleSettings(
        length_months=12,
        holidays_country="CA",
        holidays_subdivision="ON",
        rules=(
            CycleRule(
                code="forms_signed",
                severity="required",
                params={"kinds": ["agreement_signed"], "due": "cycle_end"},
                choices={"due": "the guide sets no date: judged at the end of the pair's year"},
                description=(
                    "Complete the Mentorship Agreement; send a signed copy to the LTB "
                    "Mentorship Committee (one copy per pair; the guide sets no date, so it "
                    "is judged at the end of the pair's year: set 'due' = 'first_meeting' for "
                    "a deadline)."
                ),
                source=_cite(
                    _LTB,
                    "Action Plan Item #1",
                    "Complete the Mentorship Agreement … Send a signed copy to the LTB Mentorship Committee",
                ),
            ),
            CycleRule(
                code="plan_submitted",
                severity="recommended",
                params={"due": "cycle_end"},
                choices={"due": "the guide sets no date: judged at the end of the pair's year"},
                description=(
                    "Develop a plan (the guide sets no date: judged at the end of the pair's "
                    "year; set 'due' = 'within_months' and 'within_months' for a deadline)."
                ),
                source=_cite(_LTB, "Action Plan Item #2", "Develop a Plan"),
            ),
            CycleRule(
                code="informal_assessment",
                severity="recommended",
                params={"min_count": 1},
                choices={"min_count": "the guide sets no number: at least once in the year"},
                description=(
                    'Evaluate the mentoring relationship ("When and how will you evaluate '
                    "your mentoring relationship?\": at least once in the pair's year, judged "
                    "at its end; the guide sets no date)."
                ),
                source=_cite(
                    _LTB,
                    "Action Plan Item #3",
                    "When and how will you evaluate your mentoring relationship?",
                ),
            ),
        ),
    ),
)

#: The presets by their lookup names.
PRESETS: Mapping[str, ProgramPolicy] = MappingProxyType(
    {"amcto": AMCTO, "ama": AMA, "3cma": CMA3, "ltb": LTB}
)


def get_policy(name: str | ProgramPolicy) -> ProgramPolicy:
    """Look up a preset policy by name, case-insensitively.

    Parameters
    ----------
    name : str or ProgramPolicy
        ``"amcto"``, ``"ama"``, ``"3cma"`` or ``"ltb"``; a policy is returned as is.

    Raises
    ------
    PolicyError
        When the name is not a preset; the message lists the valid names.
    """
    if isinstance(name, ProgramPolicy):
        return name
    key = name.strip().lower() if isinstance(name, str) else name
    if key in ("cma3", "3-cma"):
        key = "3cma"
    try:
        return PRESETS[key]
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in PRESETS)
        raise PolicyError(
            f"Unknown policy {name!r}; the presets are {valid} "
            "(or pass a ProgramPolicy, e.g. ProgramPolicy.from_toml(path))."
        ) from None


set_base_lookup(get_policy)  # base = "amcto" in a policy file (see _policy._program)
