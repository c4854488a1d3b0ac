"""Which pairs the program's rules allow, block by block.

A pair the rules forbid is not a low score: it is not allowed, and never becomes
a variable of the solver. A (mentee, mentor) pair is allowed when all hold:

* both applicants are eligible (:func:`mentormatch.eligibility.evaluate`);
* ``allow_same_organization`` is true, or their organizations differ
  (compared case- and whitespace-insensitively; a blank organization never
  clashes);
* ``allow_previous_partners`` is true, or neither lists the other in
  ``previous_partner_ids``;
* every pairwise eligibility rule holds (``stage_above``: the mentor's value
  is strictly above the mentee's; a blank on either side fails).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._policy import EligibilityRule, ProgramPolicy
from ._base import label_codes
from ._categorical import id_links

__all__ = ["PairRules", "build_rules"]


@dataclass(frozen=True)
class _Pairwise:
    rule: EligibilityRule
    mentee_values: np.ndarray  # float64, nan when blank
    mentor_values: np.ndarray


@dataclass(frozen=True)
class PairRules:
    """The per-side data the allowed-pair rules need; cheap to evaluate on any block."""

    mentee_eligible: np.ndarray
    mentor_eligible: np.ndarray
    mentee_detail: np.ndarray  # object: the eligibility sentences
    mentor_detail: np.ndarray
    mentee_org: np.ndarray | None  # int codes, -1 when blank; None when orgs may match
    mentor_org: np.ndarray | None
    org_text: np.ndarray  # object: the mentee's organization as written (for messages)
    previous: sp.csr_matrix | None  # bool (mentees x mentors); None when allowed
    pairwise: tuple[_Pairwise, ...]

    def allowed(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Boolean block ``rows`` x ``cols``: True where the pair is allowed."""
        out = self.mentee_eligible[rows][:, None] & self.mentor_eligible[cols][None, :]
        if self.mentee_org is not None and self.mentor_org is not None:
            a = self.mentee_org[rows]
            b = self.mentor_org[cols]
            clash = a[:, None] == b[None, :]
            clash &= (a >= 0)[:, None]
            out &= ~clash
        if self.previous is not None and self.previous.nnz:
            out &= ~self.previous[rows][:, cols].toarray()
        for p in self.pairwise:
            with np.errstate(invalid="ignore"):
                out &= p.mentor_values[cols][None, :] > p.mentee_values[rows][:, None]
        return out

    def why_not(self, i: int, j: int) -> list[tuple[str, str]]:
        """Every reason the pair (mentee ``i``, mentor ``j``) is not allowed: (code, sentence)."""
        out: list[tuple[str, str]] = []
        if not self.mentee_eligible[i]:
            out.append(
                ("mentee_ineligible", f"The mentee is not eligible: {self.mentee_detail[i]}")
            )
        if not self.mentor_eligible[j]:
            out.append(
                ("mentor_ineligible", f"The mentor is not eligible: {self.mentor_detail[j]}")
            )
        if self.mentee_org is not None and self.mentor_org is not None:
            a, b = self.mentee_org[i], self.mentor_org[j]
            if a >= 0 and a == b:
                out.append(
                    (
                        "same_organization",
                        f"Both work at {self.org_text[i]!r}; the program pairs people "
                        "from different organizations.",
                    )
                )
        if self.previous is not None and self.previous[i, j]:
            out.append(
                (
                    "previous_partners",
                    "They were partners before; earlier partners are not paired again.",
                )
            )
        for p in self.pairwise:
            a_val, b_val = p.mentee_values[i], p.mentor_values[j]
            if not b_val > a_val:
                col = p.rule.column
                shown = "blank" if np.isnan(b_val) else f"{b_val:g}"
                shown_a = "blank" if np.isnan(a_val) else f"{a_val:g}"
                out.append(
                    (
                        p.rule.code,
                        f"The mentor's {col} ({shown}) must be above the mentee's ({shown_a}).",
                    )
                )
        return out


def build_rules(
    mentees: pd.DataFrame,
    mentors: pd.DataFrame,
    mentee_elig: pd.DataFrame,
    mentor_elig: pd.DataFrame,
    policy: ProgramPolicy,
) -> PairRules:
    """Gather the per-side arrays of the allowed-pair rules."""
    m = policy.matching
    mentee_org = mentor_org = None
    org_text = np.full(len(mentees), None, dtype=object)
    if not m.allow_same_organization and "organization" in mentees.columns:
        (mentee_org, mentor_org), _ = label_codes(mentees["organization"], mentors["organization"])
        org_text = mentees["organization"].to_numpy(dtype=object)
    previous = None
    if not m.allow_previous_partners:
        by_mentee = id_links(mentees, mentors, "previous_partner_ids")
        by_mentor = id_links(mentors, mentees, "previous_partner_ids")
        previous = sp.csr_matrix((by_mentee + by_mentor.T) > 0, dtype=bool)
    pairwise = []
    for rule in policy.pairwise_rules():
        values = []
        for side in (mentees, mentors):
            if rule.column in side.columns:
                v = side[rule.column].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                v = np.full(len(side), np.nan)
            values.append(v)
        pairwise.append(_Pairwise(rule, values[0], values[1]))
    return PairRules(
        mentee_eligible=mentee_elig["eligible"].to_numpy(dtype=bool),
        mentor_eligible=mentor_elig["eligible"].to_numpy(dtype=bool),
        mentee_detail=mentee_elig["detail"].to_numpy(dtype=object),
        mentor_detail=mentor_elig["detail"].to_numpy(dtype=object),
        mentee_org=mentee_org,
        mentor_org=mentor_org,
        org_text=org_text,
        previous=previous,
        pairwise=tuple(pairwise),
    )
