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
    for word in ("match", "explain", "check", "policies", "demo", "Exit codes"):
        assert word in out.stdout
    for command in ("match", "explain", "check", "policies", "demo"):
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
    assert (
        main(
            ["match", str(apps), "--policy", "amcto", "-o", str(tmp_path / "pairs.csv"), "--quiet"]
        )
        == EXIT_OK
    )
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
    missing = run("match", str(tmp_path / "nope.csv"), "--policy", "amcto")
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
            "--policy",
            "amcto",
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
    assert main(["match", apps, "--policy", "amcto", "--lock", "nocolon"]) == EXIT_BAD_INPUT


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
    out = run("check", str(pairs), str(meetings), "--policy", "amcto", "--as-of", "2027-01-01")
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
    # issue 15: the demo checks the pairs it just made, not the bundled pairs.csv
    sheets = pd.read_excel(tmp_path / "demo" / "compliance.xlsx", sheet_name=None)
    inputs = sheets["inputs"].set_index("table")
    assert inputs.loc["pairs", "source"] == str(tmp_path / "demo" / "pairs.csv")
    made = pd.read_csv(tmp_path / "demo" / "pairs.csv", encoding="utf-8-sig", dtype=str)
    bundled = pd.read_csv(example_path("pairs.csv"), dtype=str)
    cols = ["mentee_id", "mentor_id", "matched_on"]
    pd.testing.assert_frame_equal(made[cols], bundled[cols])
    assert "10 compliant, 54 with required rules broken" in out.stdout


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
        if argv[0] != "demo":
            argv = [*argv, "--policy", "amcto"]
        assert main(argv) == EXIT_BAD_INPUT, argv
        err = capsys.readouterr().err
        assert err.startswith("mentormatch: ") and message in err, (argv, err)
        assert "unexpected error" not in err and "Traceback" not in err
        assert err.count("\n") == 1, err  # one line
    assert not (tmp_path / "no").exists()


# --------------------------------------------------------------------------- staff language


def test_match_and_check_need_a_policy(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 15: no silent AMCTO default for the two commands that apply a program's rules
    apps = str(example_path("applications.csv"))
    for argv in (["match", apps], ["check", apps, apps]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == EXIT_BAD_INPUT
        assert "the following arguments are required: --policy" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "The 'end' parameter of check_cycle must be a date on or after start (2026-09-01). "
            "Got '2026-08-01' instead.",
            "--end must be a date on or after --start (2026-09-01); got '2026-08-01'.",
        ),
        (
            "The 'min_score' parameter of match must be a float in [0, 1] or None. "
            "Got 2.0 instead.",
            "--min-score must be a float in [0, 1]; got 2.0.",
        ),
        (
            "The 'encoding' parameter of read_applications must be None (detected) or the name "
            "of a text encoding such as 'utf-8'. Got 'foo' instead.",
            "--encoding must be the name of a text encoding such as 'utf-8'; got 'foo'.",
        ),
        (
            "each pair's cycle starts on its matched_on date (or pass start=).",
            "each pair's cycle starts on its matched_on date (or give --start).",
        ),
        ("no events table was given (events=None)", "no events table was given (no --events)"),
        # not a parameter of the command: left as it is
        (
            "The 'ax' parameter of plot must be an Axes. Got 1 instead.",
            "The 'ax' parameter of plot must be an Axes. Got 1 instead.",
        ),
    ],
)
def test_messages_name_the_options(message: str, expected: str) -> None:
    from mentormatch.cli import staff_words

    assert staff_words(message) == expected


def test_bad_options_are_named_as_options(capsys: pytest.CaptureFixture[str]) -> None:
    apps = str(example_path("applications.csv"))
    pairs, meetings = str(example_path("pairs.csv")), str(example_path("meetings.csv"))
    cases = [
        (["match", apps, "--policy", "amcto", "--min-score", "2"], "--min-score must be"),
        (["match", apps, "--policy", "amcto", "--matched-on", "1/9/2026"], "--matched-on must"),
        (
            [
                "check",
                pairs,
                meetings,
                "--policy",
                "amcto",
                "--start",
                "2026-09-01",
                "--end",
                "2026-08-01",
            ],
            "--end must be a date on or after --start (2026-09-01)",
        ),
    ]
    for argv, message in cases:
        assert main(argv) == EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert message in err, err
        assert "parameter" not in err and "None" not in err and "=" not in err, err


def test_check_says_what_it_did_not_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 15: without --events three AMCTO rules were not checked while it printed
    # "12 compliant"; unused rows, the cycle window and the as-of date were not shown.
    meetings = pd.read_csv(example_path("meetings.csv"))
    extra = pd.concat([meetings, meetings.iloc[[0]]], ignore_index=True)  # an identical row
    late = meetings.iloc[[1]].assign(date="2027-05-01")  # after --as-of
    extra = pd.concat([extra, late], ignore_index=True)
    path = tmp_path / "meetings.csv"
    extra.to_csv(path, index=False)
    argv = ["check", str(example_path("pairs.csv")), str(path), "--policy", "amcto"]
    argv += ["--as-of", "2027-03-15", "-o", str(tmp_path / "report.xlsx")]
    assert main(argv) == EXIT_VIOLATIONS
    out = capsys.readouterr().out
    assert "AMCTO Mentorship Program: cycle 2026-09-01 to 2027-06-30; as of 2027-03-15." in out
    assert f"Read meetings: {path}, 893 rows, utf-8, delimiter ','" in out
    assert "Not checked (3 rules; not counted as kept or broken):" in out
    for rule in ("forms_signed", "final_survey", "informal_assessment"):
        assert f"  {rule} " in out
    assert "(no --events)" in out
    assert "2 meeting rows not used (listed with -o):" in out
    assert "1  after as_of" in out and "1  the same meeting as an earlier row" in out
    sheets = pd.read_excel(tmp_path / "report.xlsx", sheet_name=None)
    unused = sheets["unused_meetings"]
    assert sorted(unused["row"]) == [893, 894]  # file rows: header = row 1
    assert set(sheets["not_checked"]["rule"]) == {
        "forms_signed",
        "final_survey",
        "informal_assessment",
    }
    facts = dict(zip(sheets["about"].iloc[:, 0], sheets["about"].iloc[:, 1], strict=True))
    assert facts["not checked: forms_signed"] == "no events table was given (no --events)"


def test_match_without_output_says_nothing_was_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    apps = str(example_path("applications.csv"))
    assert main(["match", apps, "--policy", "amcto", "--no-progress"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.rstrip().endswith(
        "Nothing written: give -o FILE.xlsx (or FILE.csv) to save the pairs."
    )
    assert "Notes for staff:\n  1. 7 mentors offered to take more than 1 mentee" in out
