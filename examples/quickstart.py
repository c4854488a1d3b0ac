"""A coordinator's season in a few lines: eligibility, match, explain, rematch, cycle check.

Run from anywhere: ``python examples/quickstart.py``. Uses the bundled example
data (``examples/data``), the AMCTO preset and no network.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import mentormatch as mm

DATA = Path(__file__).resolve().parent / "data"
pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 90)

# 1. Read the export staff made (Excel or CSV); every problem would be listed at once.
apps = mm.read_applications(DATA / "applications.xlsx", policy="amcto")
print(f"{len(apps)} applications")

# 2. Who cannot take part, and the sentence to send them.
elig = mm.check_eligibility(apps, "amcto")
print(elig.loc[~elig["eligible"], ["participant_id", "role", "detail"]].head(), "\n")

# 3. Match: most people first, then the best total score, with a proof.
result = mm.match(apps, "amcto")
print(result.summary(), "\n")
print(result.pairs.head(), "\n")
print(result.unmatched["reason"].value_counts(), "\n")

# 4. Why is a pair a good match?
first = result.pairs.iloc[0]
print(result.explain(first["mentee_id"], first["mentor_id"]), "\n")

# 5. The pair did not work out: dissolve it and match again, keeping all others.
again = mm.rematch(result, apps, dissolve=[(first["mentee_id"], first["mentor_id"])])
kept = set(zip(result.pairs.mentee_id, result.pairs.mentor_id, strict=True)) & set(
    zip(again.pairs.mentee_id, again.pairs.mentor_id, strict=True)
)
print(f"rematch kept {len(kept)} of {len(result.pairs)} pairs\n")

# 6. Months later: check the logs as of mid-March.
report = mm.check_cycle(
    pd.read_csv(DATA / "pairs.csv"),
    pd.read_csv(DATA / "meetings.csv"),
    "amcto",
    start="2026-09-01",
    end="2027-06-30",
    as_of="2027-03-15",
    events=pd.read_csv(DATA / "events.csv"),
)
print(report.summary.head(), "\n")
print(report.violations["rule"].value_counts(), "\n")
print(report.upcoming(days=30).head())
