"""The mentormatch command: success, bad input (one clear message, exit code), --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mentormatch.cli import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_OK, EXIT_VIOLATIONS, main
from mentormatch.datasets import example_path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mentormatch.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_help_lists_commands_and_exit_codes() -> None:
    out = run("--help")
    assert out.returncode == 0
    for word in ("match", "check", "policies", "demo", "Exit codes"):
        assert word in out.stdout
    for command in ("match", "check", "policies", "demo"):
        sub = run(command, "--help")
        assert sub.returncode == 0, sub.stderr
        assert "usage: mentormatch " + command in sub.stdout


def test_match_writes_excel_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    apps = example_path("applications.csv")
    code = main(["match", str(apps), "--policy", "amcto", "-o", str(tmp_path / "pairs.xlsx")])
    assert code == EXIT_OK
    out = capsys.readouterr().out
    assert "proven optimal" in out and "pairs" in out
    sheets = pd.read_excel(tmp_path / "pairs.xlsx", sheet_name=None)
    assert next(iter(sheets)) == "about"  # the facts of the run first
    assert {"pairs", "unmatched", "requests", "eligibility"} <= set(sheets)
    n_apps = len(pd.read_csv(apps))
    pairs, unmatched = sheets["pairs"], sheets["unmatched"]
    assert 2 * len(pairs) + len(unmatched) == n_apps
    assert main(["match", str(apps), "-o", str(tmp_path / "pairs.csv"), "--quiet"]) == EXIT_OK
    assert capsys.readouterr().out == ""
    assert len(pd.read_csv(tmp_path / "pairs.csv")) == len(pairs)


def test_match_bad_input_is_one_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,role,years_experience\n1,mentor,lots\n1,boss,5\n", encoding="utf-8")
    out = run("match", str(bad), "--policy", "ltb")
    assert out.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in out.stderr
    assert "row 2, column 'years_experience': got 'lots'" in out.stderr
    assert "row 3, column 'role': got 'boss'" in out.stderr
    assert "expected a unique id (also on row 3)" in out.stderr
    missing = run("match", str(tmp_path / "nope.csv"))
    assert missing.returncode == EXIT_BAD_INPUT
    assert missing.stderr.startswith("mentormatch: No applications file")
    policy = run("match", str(bad), "--policy", "nope")
    assert policy.returncode == EXIT_BAD_INPUT
    assert "'amcto', 'ama', '3cma', 'ltb'" in policy.stderr


def test_match_contradictory_locks_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    apps = str(example_path("applications.csv"))
    code = main(
        [
            "match",
            apps,
            "--lock",
            "mentee-0001:mentor-0002",
            "--lock",
            "mentee-0001:mentor-0003",
            "--quiet",
        ]
    )
    assert code == EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert "one_mentor_per_mentee" in err and "mentee-0001" in err
    assert main(["match", apps, "--lock", "nocolon"]) == EXIT_BAD_INPUT


def test_check_exit_code_follows_required_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "check",
        str(example_path("pairs.csv")),
        str(example_path("meetings.csv")),
        "--events",
        str(example_path("events.csv")),
        "--policy",
        "amcto",
        "--as-of",
        "2027-03-15",
        "-o",
        str(tmp_path / "v.csv"),
    ]
    assert main(args) == EXIT_VIOLATIONS  # the example logs have lapses
    out = capsys.readouterr().out
    assert "pairs checked" in out and "max_gap" in out
    assert (tmp_path / "v.csv").exists() and (tmp_path / "v_summary.csv").exists()
    # Only the first meeting of one pair and nothing else: no rule is due yet on day 2.
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("mentor_id,mentee_id\nm1,e1\n", encoding="utf-8")
    meetings = tmp_path / "meetings.csv"
    meetings.write_text(
        "mentor_id,mentee_id,date,duration_minutes\nm1,e1,2026-09-01,60\n", encoding="utf-8"
    )
    ok = ["check", str(pairs), str(meetings), "--policy", "3cma", "--start", "2026-09-01"]
    assert main([*ok, "--as-of", "2026-09-02"]) == EXIT_OK


def test_check_bad_log_is_one_clear_message(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("mentor_id,mentee_id\nm1,e1\n", encoding="utf-8")
    meetings = tmp_path / "meetings.csv"
    meetings.write_text(
        "mentor_id,mentee_id,date,duration_minutes\nm1,e1,not a date,-5\nm9,e1,2026-10-01,30\n",
        encoding="utf-8",
    )
    out = run("check", str(pairs), str(meetings), "--as-of", "2027-01-01")
    assert out.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in out.stderr
    assert "not a date" in out.stderr and "-5" in out.stderr and "m9" in out.stderr


def test_policies_listing_and_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies"]) == EXIT_OK
    out = capsys.readouterr().out
    assert all(k in out for k in ("amcto", "ama", "3cma", "ltb"))
    assert main(["policies", "amcto", "--toml"]) == EXIT_OK
    toml = capsys.readouterr().out
    path = tmp_path / "mine.toml"
    path.write_text(toml, encoding="utf-8")
    assert main(["policies", str(path)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "Mentors need at least 7 years of professional experience" in text
    assert "{" not in text.split("Matching:")[0]  # placeholders filled in


def test_demo_runs_on_bundled_data(tmp_path: Path) -> None:
    out = run("demo", "-o", str(tmp_path / "demo"))
    assert out.returncode == 0, out.stderr
    assert "proven optimal" in out.stdout
    for name in ("pairs.xlsx", "pairs.csv", "compliance.xlsx"):
        assert (tmp_path / "demo" / name).exists()


def test_unreadable_files_and_bad_outputs_fail_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad input is one sentence and exit code 2, checked before any matching is done."""
    apps = str(example_path("applications.csv"))
    junk = tmp_path / "applications.xlsx"
    junk.write_bytes(b"not a workbook\x00\x01")
    cases = [
        (["match", str(junk)], "applications.xlsx could not be read as an Excel workbook"),
        (["check", str(junk), apps], "applications.xlsx could not be read as an Excel workbook"),
        (["match", apps, "-o", str(tmp_path / "pairs.txt")], "must end in .csv or .xlsx"),
        (["match", apps, "-o", str(tmp_path / "no" / "pairs.xlsx")], "does not exist"),
        (["check", apps, apps, "-o", str(tmp_path / "v.json")], "must end in .csv or .xlsx"),
        (["demo", "-o", str(junk)], "is a file, not a folder"),
        (["match", apps, "--forbid", "mentee-0001"], "--forbid expects MENTEE:MENTOR"),
    ]
    for argv, message in cases:
        assert main(argv) == EXIT_BAD_INPUT, argv
        err = capsys.readouterr().err
        assert err.startswith("mentormatch: ") and message in err, (argv, err)
        assert "unexpected error" not in err and "Traceback" not in err
        assert err.count("\n") == 1, err  # one line
    assert not (tmp_path / "no").exists()
