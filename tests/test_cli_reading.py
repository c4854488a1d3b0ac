"""The command line reads every table with the library's readers (issue 15, issue 22 item 12).

The reproductions of the issues go through ``mentormatch check`` the way they were
seen; each failed before this branch (the command read logs with ``pandas.read_csv``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from mentormatch.cli import EXIT_BAD_INPUT, main
from mentormatch.datasets import example_path
from table_files import csv_bytes

HEAD = ["mentor_id", "mentee_id", "date", "duration_minutes"]


def write(path, rows, **kw):
    path.write_bytes(csv_bytes(rows, **kw))
    return path


def test_cli_as_of_must_be_iso(capsys):
    # issue 15: --as-of 03/04/2027 was read as 4 March
    args = ["check", str(example_path("pairs.csv")), str(example_path("meetings.csv"))]
    args += ["--policy", "amcto"]
    assert main([*args, "--as-of", "03/04/2027"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == (
        "mentormatch: --as-of must be a date written YYYY-MM-DD; got '03/04/2027'.\n"
    )
    assert main([*args, "--start", "2026-9-1", "--as-of", "2027-03-15"]) == EXIT_BAD_INPUT
    assert "--start must be a date written YYYY-MM-DD; got '2026-9-1'." in capsys.readouterr().err


def test_cli_check_reads_with_the_options(tmp_path, capsys):
    pairs = write(tmp_path / "p.csv", [["mentor_id", "mentee_id"], ["m1", "e1"]], delimiter=";")
    meetings = write(
        tmp_path / "m.csv",
        [HEAD, ["m1", "e1", "01/09/2026", "60"], ["m1", "e1", "02/09/2026", "60"]],
        delimiter=";",
        encoding="cp1252",
    )
    args = ["check", str(pairs), str(meetings), "--policy", "3cma", "--start", "2026-09-01"]
    assert main([*args, "--as-of", "2026-09-03"]) == EXIT_BAD_INPUT
    assert "--date-format on the command line" in capsys.readouterr().err
    assert main([*args, "--as-of", "2026-09-03", "--date-format", "dd/mm/yyyy"]) == 0
    assert (
        main([*args, "--as-of", "2026-09-03", "--date-format", "dd/mm/yyyy", "--delimiter", ","])
        == EXIT_BAD_INPUT
    )
    capsys.readouterr()


def test_cli_match_reads_with_the_options(tmp_path, capsys):
    example = pd.read_csv(example_path("applications.csv"), dtype=str, keep_default_na=False)
    example.loc[0, "name"] = "Hélène Côté"
    apps = write(
        tmp_path / "a.csv",
        [example.columns, *example.to_numpy()],
        delimiter="\t",
        encoding="cp1252",
    )
    base = ["match", str(apps), "--policy", "amcto", "--quiet", "--no-progress"]
    out = tmp_path / "pairs.csv"
    assert main([*base, "--encoding", "cp1252", "--delimiter", "tab", "-o", str(out)]) == 0
    assert main([*base, "--delimiter", ","]) == EXIT_BAD_INPUT
    assert "a column 'id'" in capsys.readouterr().err


# ---------------------------------------------------------------- the issues, through the CLI
# (the way they were seen: the command line read logs with pandas before this branch)

CLI_CASES = {
    "unbalanced quote": (
        b'mentor_id,mentee_id,date,duration_minutes,notes\nm1,e1,2026-09-10,60,"first\n'
        b"m1,e1,2026-09-20,60,second\nm1,e1,2026-09-30,60,third\n",
        "row 2, column 'notes': got 'm1,e1,2026-09-10,60,\"first'; expected a closing quote",
    ),
    "extra cell on the first row": (
        b"mentor_id,mentee_id,date,duration_minutes\nm1,e1,2026-09-10,60,extra\n"
        b"m1,e1,2026-09-11,-5\n",
        "row 2, column None: got 'extra'; expected at most 4 cells",
    ),
    "file rows": (
        b"mentor_id,mentee_id,date,duration_minutes\nm1,e1,2026-09-10,60\n\nm1,e1,soon,60\n",
        "row 4, column 'date': got 'soon'",
    ),
    "windows-1252 and ';'": (
        "mentor_id;mentee_id;date;duration_minutes;notes\nm1;e1;2026-09-10;45,5;Réunion\n"
        "m1;e1;2026-09-12;60;x\n".encode("cp1252"),
        None,
    ),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_check_reads_logs_like_every_table(tmp_path, capsys, case):
    data, message = CLI_CASES[case]
    pairs = write(tmp_path / "p.csv", [["mentor_id", "mentee_id"], ["m1", "e1"]])
    meetings = tmp_path / "m.csv"
    meetings.write_bytes(data)
    code = main(["check", str(pairs), str(meetings), "--policy", "amcto", "--as-of", "2026-09-30"])
    err = capsys.readouterr().err
    if message is None:
        assert code == 0, err
        return
    assert code == EXIT_BAD_INPUT
    assert message in err
