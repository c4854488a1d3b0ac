"""A program's own policy in TOML, and a scoring feature of its own.

The association below starts from the AMCTO preset, lets a mentor take two
mentees, wants meetings at most five weeks apart, and adds a feature: mentors
and mentees who speak a common language (French/English) match better.

Run: ``python examples/custom_policy.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

import mentormatch as mm
from mentormatch.scoring import FeatureExtractor

POLICY_TOML = """
base = "amcto"
name = "Francophone municipal mentorship"

[matching]
capacity_cap = 2
weights = { goals = 0.3, skills = 0.3, region = 0.1, experience = 0.1, language = 0.2 }

[[cycle.rules]]
code = "max_gap"
max_days = 35
"""


class SharedLanguage(FeatureExtractor):
    """1 when mentor and mentee share a language, 0 otherwise, nan when unknown."""

    def __init__(self, *, column: str = "languages") -> None:
        self.column = column

    def required_columns(self) -> tuple[tuple[str, ...], ...]:
        return ((self.column,),)

    def fit(self, mentees, mentors, *, policy=None):  # type: ignore[no-untyped-def]
        def split(frame):  # type: ignore[no-untyped-def]
            return [
                {s.strip().lower() for s in v.split(";") if s.strip()}
                if isinstance(v, str)
                else set()
                for v in frame[self.column]
            ]

        a, b = split(mentees), split(mentors)
        self.languages_ = sorted(set().union(*a, *b))
        index = {lang: k for k, lang in enumerate(self.languages_)}

        def indicator(sets):  # type: ignore[no-untyped-def]
            out = np.zeros((len(sets), len(index)), dtype=np.float32)
            for row, langs in enumerate(sets):  # one pass over people, not pairs
                out[row, [index[lang] for lang in langs]] = 1
            return out

        self.mentees_ = indicator(a)
        self.mentors_ = indicator(b)
        return self

    def score(self, rows=None, cols=None):  # type: ignore[no-untyped-def]
        a = self.mentees_ if rows is None else self.mentees_[np.asarray(rows)]
        b = self.mentors_ if cols is None else self.mentors_[np.asarray(cols)]
        shared = np.minimum(a @ b.T, 1.0)  # whole-array: every pair at once
        known = a.any(axis=1)[:, None] & b.any(axis=1)[None, :]
        return np.where(known, shared, np.nan).astype(np.float32)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.toml"
        path.write_text(POLICY_TOML, encoding="utf-8")
        policy = mm.ProgramPolicy.from_toml(path)
    print(policy.name, "| max gap:", policy.cycle.rule("max_gap")["max_days"], "days")

    apps = mm.datasets.make_cohort(n_mentors=20, n_mentees=30, policy="amcto", seed=7)
    rng = np.random.default_rng(7)
    apps["languages"] = rng.choice(["English", "French", "English; French"], size=len(apps))
    result = mm.match(apps, policy, extractors={"language": SharedLanguage()})
    print(result.summary())
    print(result.pairs.head())
    print("mentees per mentor:", result.pairs["mentor_id"].value_counts().max())


if __name__ == "__main__":
    main()
