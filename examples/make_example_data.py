"""Regenerate the bundled example data (deterministic).

Writes, from mentormatch's synthetic generators and the AMCTO preset:

* ``examples/data/applications.csv`` and ``applications.xlsx`` — 70 mentors and
  90 mentees as a coordinator's export would have them (``;``-separated lists);
* ``examples/data/pairs.csv`` — the pairs ``mentormatch.match`` makes of them,
  assigned on the cycle's start (``matched_on``);
* ``examples/data/meetings.csv`` and ``events.csv`` — the cycle's meeting and
  submission logs up to 2027-03-15, with realistic lapses;

and the same files into ``src/mentormatch/datasets/data/`` (bundled with the
package for ``mentormatch demo`` and ``mm.datasets.example_path``).

Run it from anywhere: ``python examples/make_example_data.py``. With
``--out DIR`` it writes the five files to ``DIR`` only (the test suite does
that and compares them with the committed ones).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

import mentormatch as mm

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "examples" / "data"
PACKAGE = ROOT / "src" / "mentormatch" / "datasets" / "data"

START, END, AS_OF = "2026-09-01", "2027-06-30", "2027-03-15"


def as_export(apps: pd.DataFrame) -> pd.DataFrame:
    """Lists as ';'-separated text and yes/no answers, as staff exports have them."""
    out = apps.copy()
    for col in out.columns:
        values = out[col]
        if values.dtype == object and values.map(lambda v: isinstance(v, list)).any():
            out[col] = values.map(lambda v: "; ".join(v) if isinstance(v, list) else v)
        elif str(values.dtype) in ("bool", "boolean"):
            out[col] = values.map({True: "yes", False: "no"}).astype(object)
    return out


def main(out: Path = OUT, package: Path | None = PACKAGE) -> None:
    out.mkdir(parents=True, exist_ok=True)
    apps = mm.datasets.make_cohort(n_mentors=70, n_mentees=90, policy="amcto", seed=2026)
    export = as_export(apps)
    export.to_csv(out / "applications.csv", index=False)
    export.to_excel(out / "applications.xlsx", index=False, sheet_name="applications")

    apps_read = mm.read_applications(out / "applications.csv", policy="amcto")
    result = mm.match(apps_read, "amcto", matched_on=START)
    columns = ["mentee_id", "mentor_id", "score", "reason", "matched_on"]
    pairs = result.pairs[columns].round({"score": 4})
    pairs["matched_on"] = pairs["matched_on"].dt.strftime("%Y-%m-%d")
    pairs.to_csv(out / "pairs.csv", index=False)

    meetings, events = mm.datasets.make_cycle_logs(
        pairs, "amcto", start=START, end=END, as_of=AS_OF, seed=2026, lapse_rate=0.15
    )
    meetings.to_csv(out / "meetings.csv", index=False)
    events.to_csv(out / "events.csv", index=False)

    where = str(out)
    if package is not None:
        package.mkdir(parents=True, exist_ok=True)
        for name in ("applications.csv", "pairs.csv", "meetings.csv", "events.csv"):
            shutil.copyfile(out / name, package / name)
        where += f" and {package}"
    print(
        f"{len(apps)} applications, {len(pairs)} pairs, {len(meetings)} meetings, "
        f"{len(events)} events written to {where}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="write here only (not into the package)")
    args = parser.parse_args()
    if args.out is None:
        main()
    else:
        main(args.out, package=None)
