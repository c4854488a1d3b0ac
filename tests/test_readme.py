"""The README's code runs as written: the five-minute tour, the policy TOML, the error example."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

import mentormatch as mm

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", README, flags=re.S | re.M)


def blocks(lang: str) -> list[str]:
    return [code for kind, code in BLOCKS if kind == lang]


def test_first_commands_are_the_fresh_machine_ones() -> None:
    """The top of the README: install + demo, then install + the CI test command."""
    demo, tests = blocks("bash")[:2]
    assert demo.strip().endswith("pip install . && mentormatch demo")
    assert tests.strip().endswith('pip install -q -e ".[dev]" && python -m pytest -n 2')


def test_tour_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tour = next(code for code in blocks("python") if "mm.match(apps" in code)
    monkeypatch.chdir(tmp_path)  # the tour writes pairs.xlsx
    os.symlink(ROOT / "examples", tmp_path / "examples")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {}
    exec(compile(tour, "README.md (tour)", "exec"), namespace)
    assert (tmp_path / "pairs.xlsx").exists()
    result, result2 = namespace["result"], namespace["result2"]
    assert isinstance(result, mm.MatchResult) and isinstance(result2, mm.MatchResult)
    assert result.status == "OPTIMAL"
    assert ("mentee-0003", "mentor-0021") in set(
        zip(result.pairs["mentee_id"], result.pairs["mentor_id"], strict=True)
    )
    assert len(result.pairs) <= 40
    # the tour goes on with the rematch's result (issue 15: it kept using the old one)
    dissolved = ("mentee-0017", "mentor-0010")
    pairs2 = set(zip(result2.pairs["mentee_id"], result2.pairs["mentor_id"], strict=True))
    assert dissolved in set(zip(result.pairs["mentee_id"], result.pairs["mentor_id"], strict=True))
    assert dissolved not in pairs2 and result2.pairs["new_pair"].any()
    assert pd.read_excel(tmp_path / "pairs.xlsx", sheet_name="pairs")["mentee_id"].tolist() == (
        result2.pairs["mentee_id"].tolist()
    )
    report = namespace["report"]
    assert isinstance(report, mm.ComplianceReport) and len(report.summary) == 64
    assert (tmp_path / "compliance.xlsx").exists()


def test_policy_toml_example_loads(tmp_path: Path) -> None:
    (toml,) = blocks("toml")
    path = tmp_path / "our_program.toml"
    path.write_text(toml, encoding="utf-8")
    policy = mm.ProgramPolicy.from_toml(path)
    assert policy.matching.capacity_cap == 2
    assert policy.cycle.rule("max_gap").params["max_days"] == 35


def test_error_example_is_what_read_applications_says(tmp_path: Path) -> None:
    shown = next(code for kind, code in BLOCKS if code.startswith("ApplicationError:"))
    raw = pd.read_csv(ROOT / "examples" / "data" / "applications.csv", dtype=str)
    raw.loc[2, "years_experience"] = "lots"  # row 4 as a spreadsheet shows it
    raw.loc[5, "requested_ids"] = "mentor-999"  # row 7
    bad = tmp_path / "applications.csv"
    raw.to_csv(bad, index=False)
    with pytest.raises(mm.ApplicationError) as info:
        mm.read_applications(bad, policy="amcto")
    assert f"ApplicationError: {info.value}" == shown.strip()
