"""What match writes, staff can send and ``check`` can read (issue 15, items 3, 4, 6).

* every pair has ``matched_on``; ``check_cycle`` takes ``result.pairs`` and the
  files ``to_csv``/``to_excel`` write, for every preset, with no editing;
* ``rematch`` keeps the kept pairs' dates and flags the new pairs;
* the exports carry the applicants' contact columns, never ``summary()``;
* ``result.notes`` says what staff decided and what the settings did silently;
* reason sentences show enough decimals to tell two scores apart.

Files are read back with pandas/openpyxl, the readers' contract applied by hand
(a text cell matching ``^'+[=+\\-@\\t\\r]`` loses one ``'``), so the tests do not
depend on mentormatch's own readers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentormatch as mm
import mentormatch.matching._pipeline as match_module
from mentormatch._export import write_table
from mentormatch.cli import EXIT_OK, EXIT_VIOLATIONS, main
from test_match import SKILLS_ONLY, check_result, person

PRESETS = ["amcto", "ama", "3cma", "ltb"]
READER_RULE = re.compile(r"^'+[=+\-@\t\r]")


def unescape(value: object) -> object:
    if isinstance(value, str) and READER_RULE.match(value):
        return value[1:]
    return value


def read_csv_back(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [unescape(c) for c in frame.columns]
    return frame.map(unescape)


def set_today(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    monkeypatch.setattr(match_module, "_today", lambda: pd.Timestamp(day))


# --------------------------------------------------------------------------- matched_on


@pytest.mark.parametrize(
    ("policy", "today", "expected"),
    [
        ("amcto", "2026-07-15", "2026-09-01"),  # between cycles: the next September
        ("amcto", "2026-08-31", "2026-09-01"),
        ("amcto", "2026-09-01", "2026-09-01"),
        ("amcto", "2026-11-20", "2026-11-20"),  # a late match: today
        ("amcto", "2027-06-30", "2027-06-30"),
        ("ama", "2026-09-10", "2026-10-01"),  # AMA runs October to August
        ("ama", "2026-08-10", "2026-08-10"),
        ("ama", "2027-01-05", "2027-01-05"),
        ("3cma", "2026-07-15", "2026-07-15"),  # rolling: today
        ("ltb", "2026-07-15", "2026-07-15"),
    ],
)
def test_default_matched_on(
    monkeypatch: pytest.MonkeyPatch, policy: str, today: str, expected: str
) -> None:
    from mentormatch.matching._pipeline import default_matched_on

    pol = mm.get_policy(policy)
    assert default_matched_on(pol, today) == pd.Timestamp(expected)
    set_today(monkeypatch, today)
    apps = [person("e1", "mentee", "a"), person("r1", "mentor", "a")]
    own = replace(SKILLS_ONLY, cycle=pol.cycle)
    result = mm.match(apps, own)
    assert list(result.pairs["matched_on"]) == [pd.Timestamp(expected)]


@pytest.mark.parametrize(
    "value",
    ["2026-09-01", dt.date(2026, 9, 1), dt.datetime(2026, 9, 1, 17, 5), pd.Timestamp("2026-09-01 08:00"),
     pd.Timestamp("2026-09-01 23:00", tz="America/Toronto"), np.datetime64("2026-09-01")],
)  # fmt: skip
def test_matched_on_argument(value: object) -> None:
    apps = [person("e1", "mentee", "a"), person("r1", "mentor", "a")]
    result = mm.match(apps, SKILLS_ONLY, matched_on=value)
    check_result(result, apps)
    assert list(result.pairs["matched_on"]) == [pd.Timestamp("2026-09-01")]


@pytest.mark.parametrize("value", ["01/09/2026", "2026-13-01", "tomorrow", 20260901, pd.NaT])
def test_bad_matched_on(value: object) -> None:
    apps = [person("e1", "mentee", "a"), person("r1", "mentor", "a")]
    with pytest.raises(
        mm.ParameterError,
        match=r"^The 'matched_on' parameter of match must be a date \(YYYY-MM-DD text, a "
        r"datetime\.date or a Timestamp\) or None\. Got .* instead\.$",
    ):
        mm.match(apps, SKILLS_ONLY, matched_on=value)
    first = mm.match(apps, SKILLS_ONLY)
    with pytest.raises(mm.ParameterError, match="'matched_on' parameter of rematch"):
        mm.rematch(first, apps, matched_on=value)


def _logs(pairs: pd.DataFrame, policy: str, as_of: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return mm.datasets.make_cycle_logs(pairs, policy, as_of=as_of, seed=2)


@pytest.mark.parametrize("policy", PRESETS)
def test_check_reads_what_match_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str
) -> None:
    """result.pairs, pairs.csv and pairs.xlsx are pairs tables of check_cycle, no editing."""
    set_today(monkeypatch, "2026-09-15")
    apps = mm.datasets.make_cohort(n_mentors=12, n_mentees=14, policy=policy, seed=4)
    result = mm.match(apps, policy)
    assert len(result.pairs) >= 5
    as_of = "2027-03-15"
    meetings, events = _logs(result.pairs, policy, as_of)
    api = mm.check_cycle(result.pairs, meetings, policy, as_of=as_of, events=events)
    assert len(api.summary) == len(result.pairs)

    result.to_csv(tmp_path / "pairs.csv")
    result.to_excel(tmp_path / "pairs.xlsx")
    from_csv = read_csv_back(tmp_path / "pairs.csv")
    assert from_csv["matched_on"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    from_xlsx = pd.read_excel(tmp_path / "pairs.xlsx", sheet_name="pairs", dtype={"mentee_id": str})
    assert pd.api.types.is_datetime64_any_dtype(from_xlsx["matched_on"])
    for table in (from_csv, from_xlsx):
        report = mm.check_cycle(table, meetings, policy, as_of=as_of, events=events)
        pd.testing.assert_frame_equal(
            report.summary.astype(str).reset_index(drop=True),
            api.summary.astype(str).reset_index(drop=True),
        )
        pd.testing.assert_frame_equal(
            report.violations.astype(str).reset_index(drop=True),
            api.violations.astype(str).reset_index(drop=True),
        )


def test_formula_looking_ids_round_trip_to_check(tmp_path: Path) -> None:
    """Ids starting with = + - @ (and accents) match their meetings after to_csv/to_excel."""
    mentees = ["=A1", "-17", "+x", "@y", "Éloïse"]
    mentors = ["=B2", "-18", "+z", "@w", "Zoë"]
    apps = [person(i, "mentee", "budgeting") for i in mentees]
    apps += [person(i, "mentor", "budgeting") for i in mentors]
    result = mm.match(apps, SKILLS_ONLY, matched_on="2026-09-01")
    assert len(result.pairs) == 5
    result.to_csv(tmp_path / "p.csv")
    result.to_excel(tmp_path / "p.xlsx")
    book = openpyxl.load_workbook(tmp_path / "p.xlsx")
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    meetings = pd.DataFrame(
        {
            "mentor_id": result.pairs["mentor_id"],
            "mentee_id": result.pairs["mentee_id"],
            "date": "2026-09-10",
            "duration_minutes": 60,
        }
    )
    api = mm.check_cycle(result.pairs, meetings, "3cma", as_of="2026-10-01")
    assert (api.summary["meetings"] == 1).all()
    from_xlsx = pd.read_excel(tmp_path / "p.xlsx", sheet_name="pairs")  # exact: no unescaping
    assert set(from_xlsx["mentee_id"]) == set(mentees)
    for table in (read_csv_back(tmp_path / "p.csv"), from_xlsx):
        report = mm.check_cycle(table, meetings, "3cma", as_of="2026-10-01")
        assert (report.summary["meetings"] == 1).all()
        assert set(report.summary["mentee_id"]) == set(mentees)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("policy", PRESETS)
def test_cli_match_then_check(tmp_path: Path, policy: str, suffix: str) -> None:
    """mentormatch match -o pairs.csv, then mentormatch check pairs.csv: no hand editing."""
    apps = mm.datasets.make_cohort(n_mentors=10, n_mentees=12, policy=policy, seed=5)
    write_table(apps, tmp_path / "apps.csv", func="test")  # lists as ';'-separated text
    out = tmp_path / f"pairs{suffix}"
    code = main(["match", str(tmp_path / "apps.csv"), "--policy", policy, "-o", str(out),
                 "--quiet"])  # fmt: skip
    assert code == EXIT_OK
    pairs = read_csv_back(out) if suffix == ".csv" else pd.read_excel(out, sheet_name="pairs")
    as_of = (pd.to_datetime(pairs["matched_on"]).max() + pd.Timedelta(days=90)).date()
    meetings, events = _logs(pairs, policy, str(as_of))
    meetings.to_csv(tmp_path / "meetings.csv", index=False)
    events.to_csv(tmp_path / "events.csv", index=False)
    report_path = tmp_path / "report.xlsx"
    code = main(["check", str(out), str(tmp_path / "meetings.csv"), "--events",
                 str(tmp_path / "events.csv"), "--policy", policy, "--as-of", str(as_of),
                 "--quiet", "-o", str(report_path)])  # fmt: skip
    # the files say what the same check on the tables in memory says
    direct = mm.check_cycle(pairs, meetings, policy, as_of=str(as_of), events=events)
    assert code == (EXIT_OK if direct.ok else EXIT_VIOLATIONS)
    sheets = pd.read_excel(report_path, sheet_name=None)
    assert list(sheets)[:3] == ["about", "violations", "summary"]
    summary = sheets["summary"]
    assert len(summary) == len(pairs) > 0
    assert summary["compliant"].tolist() == direct.summary["compliant"].tolist()
    assert summary["meetings"].tolist() == direct.summary["meetings"].tolist()
    assert len(sheets["violations"]) == len(direct.violations)
    assert len(sheets["meetings"]) + len(sheets["unused_meetings"]) == len(meetings)


def test_rematch_keeps_matched_on_and_flags_new_pairs() -> None:
    apps = [person(f"e{k}", "mentee", "a; b") for k in range(4)] + [
        person(f"r{k}", "mentor", "a; b" if k < 4 else "a") for k in range(5)
    ]
    first = mm.match(apps, SKILLS_ONLY, matched_on="2026-09-01")
    assert first.pairs["new_pair"].all()
    gone = (first.pairs["mentee_id"].iloc[0], first.pairs["mentor_id"].iloc[0])
    newcomers = [*apps, person("e9", "mentee", "a"), person("r9", "mentor", "a")]
    second = mm.rematch(first, newcomers, dissolve=[gone], matched_on="2026-11-15")
    check_result(second, newcomers)
    before = set(zip(first.pairs["mentee_id"], first.pairs["mentor_id"], strict=True)) - {gone}
    rows = second.pairs.set_index(["mentee_id", "mentor_id"])
    for pair, row in rows.iterrows():
        if pair in before:
            assert row["matched_on"] == pd.Timestamp("2026-09-01") and not row["new_pair"]
        else:
            assert row["matched_on"] == pd.Timestamp("2026-11-15") and row["new_pair"]
    assert int((~second.pairs["new_pair"]).sum()) == len(before) == second.stats["kept_pairs"]
    assert gone[0] in set(second.pairs.loc[second.pairs["new_pair"], "mentee_id"])


# --------------------------------------------------------------------------- notes


def test_note_capacity_cap_without_capacity_column() -> None:
    policy = replace(SKILLS_ONLY, matching=replace(SKILLS_ONLY.matching, capacity_cap=3))
    apps = [person("e1", "mentee", "a"), person("e2", "mentee", "a"), person("r1", "mentor", "a")]
    result = mm.match(apps, policy)
    assert len(result.pairs) == 1  # every mentor at 1: said in the notes
    assert any(
        "capacity_cap = 3" in n and "no 'capacity' column" in n and "at most 1" in n
        for n in result.notes
    )
    assert "1 note for staff" in result.summary()
    # with the column, no such note, and the mentor takes both
    with_column = [*apps[:2], person("r1", "mentor", "a", capacity=2)]
    result = mm.match(with_column, policy)
    assert len(result.pairs) == 2 and result.notes == ()
    assert "note" not in result.summary()


def test_notes_blank_and_capped_capacities() -> None:
    policy = replace(SKILLS_ONLY, matching=replace(SKILLS_ONLY.matching, capacity_cap=2))
    apps = [
        person("e1", "mentee", "a"),
        person("r1", "mentor", "a", capacity=""),
        person("r2", "mentor", "a", capacity=5),
    ]
    notes = mm.match(apps, policy).notes
    assert any("1 mentor left 'capacity' blank" in n for n in notes)
    assert any("1 mentor offered to take more than 2 mentees" in n for n in notes)


def test_note_lock_overriding_previous_partners_and_same_organization() -> None:
    apps = [
        person("e1", "mentee", "a", previous_partner_ids="r1"),
        person("r1", "mentor", "a"),
        person("e2", "mentee", "a", organization="Town X"),
        person("r2", "mentor", "a", organization="Town X"),
    ]
    result = mm.match(apps, SKILLS_ONLY, locked=[("e1", "r1"), ("e2", "r2")])
    check_result(result, apps)
    assert set(result.pairs["reason"]) == {"locked"}
    notes = "\n".join(result.notes)
    assert "staff lock (mentee e1, mentor r1) overrides the previous partners rule" in notes
    assert "staff lock (mentee e2, mentor r2) overrides the same organization rule" in notes
    assert "Town X" not in notes  # ids only
    assert len(result.notes) == 2
    assert "2 notes for staff" in result.summary()
    # without the locks the rules hold and nothing is noted
    free = mm.match(apps, SKILLS_ONLY)
    assert free.notes == ()


def test_note_lock_below_min_score_and_kept_pair_in_rematch() -> None:
    apps = [
        person("e1", "mentee", "a; b; c"),
        person("r1", "mentor", "a"),
        person("e2", "mentee", "a"),
        person("r2", "mentor", "a"),
    ]
    result = mm.match(apps, SKILLS_ONLY, locked=[("e1", "r1")], min_score=0.5)
    assert [n for n in result.notes if "minimum score" in n] == [
        "The staff lock (mentee e1, mentor r1) overrides the minimum score rule: it scores "
        "0.33, below the minimum score of 0.50 (which applies to optimized pairs only); the "
        "pair is made as staff decided."
    ]
    again = mm.rematch(result, apps, dissolve=[("e2", "r2")])
    assert any(
        n.startswith("The kept pair (mentee e1, mentor r1) no longer meets") for n in again.notes
    )


def test_notes_are_listed_in_the_about_sheet_and_summary_csv(tmp_path: Path) -> None:
    apps = [person("e1", "mentee", "a", previous_partner_ids="r1"), person("r1", "mentor", "a")]
    result = mm.match(apps, SKILLS_ONLY, locked=[("e1", "r1")])
    assert len(result.notes) == 1
    result.to_excel(tmp_path / "r.xlsx")
    result.to_csv(tmp_path / "r.csv")
    about = pd.read_excel(tmp_path / "r.xlsx", sheet_name="about").set_index("item")["value"]
    assert about["note 1"] == result.notes[0]
    assert about["notes"] == 1
    summary = read_csv_back(tmp_path / "r_summary.csv").set_index("item")["value"]
    assert summary["note 1"] == result.notes[0]
    for facts in (about, summary):
        assert facts["program"] == "skills only"
        assert facts["status"] == "OPTIMAL"
        assert facts["mentormatch_version"] == mm.__version__
        assert {"objective", "best_bound", "gap", "pairs", "unmatched", "written"} <= set(
            facts.index
        )
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames[0] == "about"
    written = next(r[1] for r in book["about"].iter_rows(min_row=2) if r[0].value == "written")
    assert written.is_date


# --------------------------------------------------------------------------- decimals


def test_below_min_score_detail_shows_the_difference() -> None:
    apps = [person("e1", "mentee", "a; b; c"), person("r1", "mentor", "a")]
    result = mm.match(apps, SKILLS_ONLY, min_score=0.3334)
    detail = result.unmatched.set_index("participant_id")["detail"]
    assert detail["e1"] == (
        "The best possible mentor scored 0.3333, below the program's minimum score of 0.3334."
    )
    result = mm.match(apps, SKILLS_ONLY, min_score=0.5)  # far apart: two decimals, as before
    assert result.unmatched.set_index("participant_id").loc["e1", "detail"] == (
        "The best possible mentor scored 0.33, below the program's minimum score of 0.50."
    )


@given(
    a=st.floats(0, 1, allow_nan=False, width=32),
    b=st.floats(0, 1, allow_nan=False),
)
def test_distinct_scores_tell_below_from_equal(a: float, b: float) -> None:
    """Two different scores never print the same, and the texts keep their order."""
    from mentormatch.matching._explain import _distinct_scores

    ta, tb = _distinct_scores(a, b)
    assert len(ta.split(".")[1]) >= 2
    if a < b - 1e-12:
        assert ta != tb and float(ta) < float(tb)
    if ta == tb:
        assert abs(a - b) < 1e-12


# --------------------------------------------------------------------------- contacts


def _contact_apps() -> list[dict[str, object]]:
    return [
        person("e1", "mentee", "a", name="Élise Tremblay", email="elise@example.ca", phone="555-1"),
        person("r1", "mentor", "a", name="=Bob", email="bob@example.ca", phone="555-2"),
        person("e2", "mentee", "a", name="Zoë Roy", email="zoe@example.ca",
               member_in_good_standing="no"),
    ]  # fmt: skip


def test_exports_carry_contact_columns(tmp_path: Path) -> None:
    policy = replace(
        SKILLS_ONLY, matching=replace(SKILLS_ONLY.matching, contact_columns=("Phone", "Fax"))
    )
    result = mm.match(_contact_apps(), policy)
    # the API tables hold ids only; the contacts are one table of their own
    assert not {"name", "email", "mentee_name"} & set(result.pairs.columns)
    assert list(result.contacts.columns) == ["name", "email", "phone"]
    assert result.contacts.loc["e1", "email"] == "elise@example.ca"
    assert result.notes == (
        "The policy's contact column 'Fax' is not in the applications; the exports leave them out.",
    )
    for text in (result.summary(), repr(result), *result.notes):
        assert "Élise" not in text and "example.ca" not in text
    result.to_csv(tmp_path / "c.csv")
    result.to_excel(tmp_path / "c.xlsx")
    for pairs, unmatched in (
        (read_csv_back(tmp_path / "c.csv"), read_csv_back(tmp_path / "c_unmatched.csv")),
        (
            pd.read_excel(tmp_path / "c.xlsx", sheet_name="pairs", dtype=str),
            pd.read_excel(tmp_path / "c.xlsx", sheet_name="unmatched", dtype=str),
        ),
    ):
        assert list(pairs.columns[:8]) == [
            "mentee_id", "mentee_name", "mentee_email", "mentee_phone",
            "mentor_id", "mentor_name", "mentor_email", "mentor_phone",
        ]  # fmt: skip
        row = pairs.iloc[0]
        assert (row["mentee_name"], row["mentor_name"]) == ("Élise Tremblay", "=Bob")
        assert (row["mentee_email"], row["mentor_phone"]) == ("elise@example.ca", "555-2")
        assert list(unmatched.columns[:4]) == ["participant_id", "name", "email", "phone"]
        assert unmatched.iloc[0]["name"] == "Zoë Roy"


def test_contact_columns_in_toml() -> None:
    text = 'base = "amcto"\n[matching]\ncontact_columns = ["phone", "job_title"]\n'
    policy = mm.ProgramPolicy.from_toml_string(text)
    assert policy.matching.contact_columns == ("phone", "job_title")
    again = mm.ProgramPolicy.from_toml_string(policy.to_toml())
    assert again.matching.contact_columns == ("phone", "job_title")
    with pytest.raises(mm.PolicyError, match="contact_columns"):
        mm.ProgramPolicy.from_toml_string('name = "x"\n[matching]\ncontact_columns = ["id"]\n')
    with pytest.raises(mm.PolicyError, match="contact_columns"):
        mm.ProgramPolicy.from_toml_string('name = "x"\n[matching]\ncontact_columns = "phone"\n')


def test_scores_rounded_in_csv_exact_in_api_and_xlsx(tmp_path: Path) -> None:
    apps = mm.datasets.make_cohort(n_mentors=8, n_mentees=8, seed=2)
    result = mm.match(apps, "amcto")
    result.to_csv(tmp_path / "s.csv")
    result.to_excel(tmp_path / "s.xlsx")
    csv_scores = read_csv_back(tmp_path / "s.csv")["score"]
    assert csv_scores.str.fullmatch(r"\d\.\d{1,3}|[01]").all()
    np.testing.assert_allclose(csv_scores.astype(float), result.pairs["score"].round(3))
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    ws = book["pairs"]
    header = [c.value for c in ws[1]]
    col = header.index("score") + 1
    cells = [ws.cell(row=k + 2, column=col) for k in range(len(result.pairs))]
    # the full value (openpyxl writes 16 significant digits), shown with 3 decimals
    np.testing.assert_allclose([c.value for c in cells], result.pairs["score"], rtol=1e-15)
    assert all(c.number_format == "0.000" for c in cells)
    assert result.pairs["score"].map(lambda v: len(repr(v)) > 6).any()  # not rounded in the API


def test_note_mutual_request_forced_below_min_score() -> None:
    apps = [
        person("e1", "mentee", "a; b; c", requested_ids="r1"),
        person("r1", "mentor", "a", requested_ids="e1"),
    ]
    result = mm.match(apps, SKILLS_ONLY, min_score=0.5)
    assert list(result.pairs["reason"]) == ["mutual_request"]
    assert result.notes == (
        "The mutual request (mentee e1, mentor r1) is forced despite the minimum score rule: "
        "it scores 0.33, below the minimum score of 0.50 (which applies to optimized pairs "
        "only); mutual requests are forced.",
    )


def test_a_feature_may_not_take_a_pairs_column_name() -> None:
    from mentormatch.scoring import SkillsCoverage

    apps = [person("e1", "mentee", "a"), person("r1", "mentor", "a")]
    with pytest.raises(mm.ParameterError, match=r"'weights' parameter of match .* 'matched_on'"):
        mm.match(
            apps,
            SKILLS_ONLY,
            weights={"matched_on": 1.0},
            extractors={"matched_on": SkillsCoverage()},
        )


def test_readers_take_the_sheet_named_after_the_table(tmp_path: Path) -> None:
    """The workbook match writes has 'about' first: read_pairs takes its 'pairs' sheet."""
    apps = mm.datasets.make_cohort(n_mentors=6, n_mentees=6, policy="amcto", seed=3)
    result = mm.match(apps, "amcto", matched_on="2026-09-01")
    result.to_excel(tmp_path / "m.xlsx")
    pairs = mm.read_pairs(tmp_path / "m.xlsx")
    assert pairs.attrs["mentormatch"]["sheet"] == "pairs"
    assert pairs["mentee_id"].tolist() == result.pairs["mentee_id"].tolist()
    with pytest.raises(mm.LogError, match="mentor_id"):
        mm.read_pairs(tmp_path / "m.xlsx", sheet_name=0)  # the about sheet, asked for
    # a workbook without such a sheet: the first one
    book = tmp_path / "b.xlsx"
    result.pairs[["mentor_id", "mentee_id"]].to_excel(book, sheet_name="Sheet1", index=False)
    assert len(mm.read_pairs(book)) == len(result.pairs)
