"""One reader for every table: encodings, delimiters, quotes, Excel cells, row numbers.

Regression tests for issue 15 (items 1, 3 and 6, reading side) and issue 22 (items 1,
2, 8, 12); each failed on the code before the shared reader (checked by running this
file against it).
"""

from __future__ import annotations

import datetime as dt
import zipfile

import pandas as pd
import pytest

import mentormatch as mm
from table_files import csv_bytes, patch_sheet, write_xlsx

PROBLEM_COLUMNS = ["row", "column", "value", "expected"]


def app_problems(path, **kw) -> pd.DataFrame:
    with pytest.raises(mm.ApplicationError) as info:
        mm.read_applications(path, **kw)
    problems = info.value.problems
    assert list(problems.columns) == PROBLEM_COLUMNS
    return problems


def tuples(problems: pd.DataFrame) -> list[tuple]:
    return [
        (None if pd.isna(r.row) else int(r.row), r.column, r.value)
        for r in problems.itertuples(index=False)
    ]


# --------------------------------------------------------------------------- encodings


ACCENTED = [
    ["id", "role", "name", "organization"],
    ["m1", "mentor", "Hélène Côté", "Ville de Trois-Rivières"],
    ["e1", "mentee", "François L’Écuyer", "Municipalité de Saint-Zénon"],
]


def test_windows_1252_csv_with_accented_names_reads(tmp_path):
    # issue 15: Excel's default "CSV" on Windows failed with a codec error
    path = tmp_path / "apps.csv"
    path.write_bytes(csv_bytes(ACCENTED, encoding="cp1252"))
    apps = mm.read_applications(path)
    assert apps["name"].tolist() == ["Hélène Côté", "François L’Écuyer"]
    assert apps["organization"].tolist() == [
        "Ville de Trois-Rivières",
        "Municipalité de Saint-Zénon",
    ]
    assert apps.attrs["mentormatch"]["encoding"] == "cp1252"


@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")])
def test_utf8_with_or_without_byte_order_mark(tmp_path, encoding, detected):
    path = tmp_path / "apps.csv"
    path.write_bytes(csv_bytes(ACCENTED, encoding=encoding))
    apps = mm.read_applications(path)
    assert list(apps.columns[:2]) == ["id", "role"]  # no BOM glued to the first header
    assert apps["name"].iloc[1] == "François L’Écuyer"
    assert apps.attrs["mentormatch"]["encoding"] == detected


def test_a_byte_windows_1252_leaves_undefined_is_a_problem_of_its_cell(tmp_path):
    path = tmp_path / "apps.csv"
    path.write_bytes(b"id,role,name\nm1,mentor,Caf\xe9\ne1,mentee,Bad\x81byte\n")
    problems = app_problems(path)
    assert tuples(problems) == [(3, "name", "Bad\\x81byte")]
    assert "Windows-1252" in problems.loc[0, "expected"]
    assert "encoding=" in problems.loc[0, "expected"]


def test_encoding_can_be_forced(tmp_path):
    path = tmp_path / "apps.csv"
    path.write_bytes("id,role,name\nm1,mentor,Ÿ\n".encode("cp1252"))
    assert mm.read_applications(path)["name"].tolist() == ["Ÿ"]
    latin1 = mm.read_applications(path, encoding="latin-1")
    assert latin1["name"].tolist() == ["\x9f"]
    assert latin1.attrs["mentormatch"]["encoding"] == "iso8859-1"
    utf8 = tmp_path / "u.csv"
    utf8.write_bytes(b"id,role,name\nm1,mentor,\xff\n")
    problems = app_problems(utf8, encoding="utf-8")
    assert tuples(problems) == [(2, "name", "\\xff")]
    with pytest.raises(mm.ParameterError, match="'encoding' parameter of read_applications"):
        mm.read_applications(path, encoding="klingon")


# --------------------------------------------------------------------------- delimiters


def test_semicolon_csv_from_french_canadian_excel(tmp_path):
    # issue 15: a ';' CSV gave 52 lines of problems including "column nan"
    rows = [
        ["id", "role", "years_experience", "skills", "goals"],
        ["m1", "mentor", "12", "budget; audit", "Aider, écouter"],
        ["e1", "mentee", "2", "audit", "Apprendre"],
    ]
    path = tmp_path / "apps.csv"
    path.write_bytes(csv_bytes(rows, delimiter=";", encoding="cp1252"))
    apps = mm.read_applications(path)
    assert apps["id"].tolist() == ["m1", "e1"]
    assert apps["skills"].tolist() == [["budget", "audit"], ["audit"]]
    assert apps["goals"].tolist() == ["Aider, écouter", "Apprendre"]
    assert apps.attrs["mentormatch"]["delimiter"] == ";"


@pytest.mark.parametrize("name", ["apps.csv", "apps.tsv", "apps.txt"])
def test_tab_delimited(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(
        csv_bytes([["id", "role", "goals"], ["m1", "mentor", "a, b; c"]], delimiter="\t")
    )
    apps = mm.read_applications(path)
    assert apps["goals"].tolist() == ["a, b; c"]


def test_delimiter_is_found_outside_quotes_and_can_be_forced(tmp_path):
    path = tmp_path / "apps.csv"
    # the header holds ';' inside quotes only: the delimiter is ','
    path.write_text('id,role,"notes; misc"\nm1,mentor,"x;y;z"\ne1,mentee,w\n', encoding="utf-8")
    apps = mm.read_applications(path)
    assert apps["notes;_misc"].tolist() == ["x;y;z", "w"]
    forced = tmp_path / "one.csv"
    forced.write_text("id|role\nm1|mentor\n", encoding="utf-8")
    assert mm.read_applications(forced, delimiter="|")["role"].tolist() == ["mentor"]
    with pytest.raises(mm.ParameterError, match="'delimiter' parameter of read_applications"):
        mm.read_applications(forced, delimiter=";;")


# --------------------------------------------------------------------------- quotes


def test_unbalanced_quote_is_reported_where_it_opens(tmp_path):
    # issue 22 item 1: read_applications returned 1 row of 4, no error
    path = tmp_path / "q.csv"
    path.write_bytes(
        b'id,role,goals\nm1,mentor,"oops\nm2,mentor,fine\ne1,mentee,fine\ne2,mentee,fine\n'
    )
    problems = app_problems(path)
    assert tuples(problems) == [(2, "goals", 'm1,mentor,"oops')]
    assert "closing quote" in problems.loc[0, "expected"]


def test_quote_closed_lines_too_late_is_reported(tmp_path):
    path = tmp_path / "late.csv"
    path.write_text(
        'id,role,goals\nm1,mentor,"oops\nm2,mentor,fine\ne1,mentee,12"\ne2,mentee,fine\n',
        encoding="utf-8",
    )
    problems = app_problems(path)
    assert [(r, c) for r, c, _ in tuples(problems)] == [(2, "goals")]
    assert "looks like a row" in problems.loc[0, "expected"]
    # a cell with real line breaks (and a comma) is read as it is
    fine = tmp_path / "fine.csv"
    fine.write_text(
        'id,role,goals,region\nm1,mentor,"Line one\nline two, with a comma",East\n',
        encoding="utf-8",
    )
    assert mm.read_applications(fine)["goals"].tolist() == ["Line one\nline two, with a comma"]


def test_text_after_a_closing_quote_is_reported_at_its_row(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('id,role,goals\nm1,mentor,fine\nm2,mentor,"Smith" Jr\n', encoding="utf-8")
    problems = app_problems(path)
    assert tuples(problems) == [(3, "goals", 'm2,mentor,"Smith" Jr')]


def test_a_cell_over_the_csv_field_limit_is_read(tmp_path):
    # issue 22 item 8: a 131,072+ character cell rejected the whole file
    goals = "x" * 200_000
    path = tmp_path / "big.csv"
    path.write_text(f'id,role,goals\nm1,mentor,"{goals}"\ne1,mentee,short\n', encoding="utf-8")
    apps = mm.read_applications(path)
    assert apps["goals"].str.len().tolist() == [200_000, 5]
    import csv

    assert csv.field_size_limit() == 131072  # the csv module's global is left as it was


def test_extra_cells_are_problems_of_their_row_never_a_shift(tmp_path):
    path = tmp_path / "apps.csv"
    path.write_text("id,role,\nm1,mentor,x\ne1,mentee\n", encoding="utf-8")
    # a trailing blank header cell names no column: its cell is an extra cell
    assert tuples(app_problems(path)) == [(2, None, "x")]


# --------------------------------------------------------------------------- Excel


def test_excel_text_is_text_like_csv(tmp_path):
    # issue 22 item 2: read_excel's NA strings turned N/A, NA, None, null, n/a into blanks
    rows = [
        ["id", "role", "organization", "region"],
        ["NA", "mentor", "n/a", "None"],
        ["e1", "mentee", "n/a", "null"],
        ["e2", "mentee", "N/A", "N/A"],
    ]
    write_xlsx(tmp_path / "apps.xlsx", rows)
    (tmp_path / "apps.csv").write_bytes(csv_bytes(rows))
    from_xlsx = mm.read_applications(tmp_path / "apps.xlsx")
    from_csv = mm.read_applications(tmp_path / "apps.csv")
    assert from_xlsx["id"].tolist() == ["NA", "e1", "e2"]
    assert from_xlsx["organization"].tolist() == ["n/a", "n/a", "N/A"]
    pd.testing.assert_frame_equal(from_xlsx, from_csv)


def test_excel_error_cells_are_problems_and_formulas_give_their_value(tmp_path):
    path = write_xlsx(
        tmp_path / "apps.xlsx",
        [
            ["id", "role", "years_experience", "goals"],
            ["m1", "mentor", "=1+1", "=NA()"],
            ["e1", "mentee", "=2/0", "ok"],
            ["e2", "mentee", "=C2*2", '=A2&"x"'],
        ],
        strings=False,
    )
    patch_sheet(
        path,
        {
            "C2": ("n", "2"),
            "D2": ("e", "#N/A"),
            "C3": ("e", "#DIV/0!"),
            "C4": ("n", "4"),
            "D4": ("str", "m1x"),
        },
    )
    problems = app_problems(path)
    assert tuples(problems) == [(2, "goals", "#N/A"), (3, "years_experience", "#DIV/0!")]
    assert "spreadsheet error #N/A" in problems.loc[0, "expected"]
    patch_sheet(path, {})  # unchanged
    fixed = write_xlsx(
        tmp_path / "ok.xlsx",
        [["id", "role", "years_experience", "goals"], ["m1", "mentor", "=1+1", '=A2&"x"']],
        strings=False,
    )
    patch_sheet(fixed, {"C2": ("n", "2"), "D2": ("str", "m1x")})
    apps = mm.read_applications(fixed)
    assert apps["years_experience"].tolist() == [2.0]
    assert apps["goals"].tolist() == ["m1x"]


def test_excel_sheets_by_name_or_position_and_clear_errors(tmp_path):
    path = tmp_path / "apps.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"id": ["x"], "role": ["mentor"]}).to_excel(
            writer, sheet_name="old", index=False
        )
        pd.DataFrame({"id": ["m1"], "role": ["mentor"]}).to_excel(
            writer, sheet_name="2026", index=False
        )
    assert mm.read_applications(path)["id"].tolist() == ["x"]
    assert mm.read_applications(path, sheet_name=1)["id"].tolist() == ["m1"]
    assert mm.read_applications(path, sheet_name="2026")["id"].tolist() == ["m1"]
    # issue 22 item 8: sheet_name=None raised AttributeError; now it is the default
    # (the sheet named after the table, else the first) and a wrong type is one error
    assert mm.read_applications(path, sheet_name=None)["id"].tolist() == ["x"]
    with pytest.raises(mm.ParameterError, match="'sheet_name' parameter of read_applications"):
        mm.read_applications(path, sheet_name=[1])
    problems = app_problems(path, sheet_name="2027")
    assert "'old', '2026'" in problems.loc[0, "expected"]
    problems = app_problems(path, sheet_name=5)
    assert "a sheet number below 2" in problems.loc[0, "expected"]


def _workbook_parts(tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", [["id", "role"], ["m1", "mentor"]])
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _zip(path, parts):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("damage", ["no content types", "bad sheet xml", "entities", "not a zip"])
def test_corrupt_workbooks_are_one_application_error(tmp_path, damage):
    # issue 22 item 8: ParseError / KeyError from deep inside openpyxl
    parts = _workbook_parts(tmp_path)
    path = tmp_path / "bad.xlsx"
    if damage == "no content types":
        del parts["[Content_Types].xml"]
    elif damage == "bad sheet xml":
        parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c r='A1'"
    elif damage == "entities":  # a billion laughs in a cell: expat refuses to expand it
        ents = '<!ENTITY a0 "lol">' + "".join(
            f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
        )
        sheet = parts["xl/worksheets/sheet1.xml"].decode().split("?>", 1)[-1]
        sheet = sheet.replace("<t>m1</t>", "<t>&a9;</t>")
        parts["xl/worksheets/sheet1.xml"] = (
            f'<?xml version="1.0"?><!DOCTYPE worksheet [{ents}]>{sheet}'
        ).encode()
    if damage == "not a zip":
        path.write_bytes(b"PK\x03\x04 not really")
    else:
        _zip(path, parts)
    problems = app_problems(path)
    assert len(problems) == 1 and problems["row"].isna().all()
    assert problems.loc[0, "expected"] == "a readable XLSX file with one header row"


def test_excel_dates_ids_and_blank_rows(tmp_path):
    rows = [
        ["id", "role", "years_experience", "joined"],
        [101, "mentor", 7, dt.datetime(2020, 5, 1)],
        [None, None, None, None],
        [102.0, "mentee", 1.5, dt.datetime(2021, 6, 2)],
    ]
    path = write_xlsx(tmp_path / "apps.xlsx", rows)
    apps = mm.read_applications(path)
    assert apps["id"].tolist() == ["101", "102"]
    assert apps["joined"].tolist() == [dt.datetime(2020, 5, 1), dt.datetime(2021, 6, 2)]
    assert apps.attrs["mentormatch"]["blank_lines"] == 1
    assert apps.attrs["mentormatch"]["blank_rows"] == [3]


# --------------------------------------------------------------------------- formula mark


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_formula_mark_is_taken_off_once(tmp_path, suffix):
    # issue 15 item 3: ids written as '=... by exports matched no meeting
    ids = ["=m1", "+m2", "-m3", "@m4", "'=m5", "'x", "''@m6", "plain"]
    rows = [["id", "role"], *[[i, "mentor"] for i in ids]]
    path = tmp_path / f"apps{suffix}"
    if suffix == ".csv":
        path.write_bytes(csv_bytes(rows))
    else:
        write_xlsx(path, rows)
    assert mm.read_applications(path)["id"].tolist() == ids


def test_the_formula_mark_is_not_touched_in_dataframes():
    apps = mm.validate_applications([{"id": "'=m1", "role": "mentor"}])
    assert apps["id"].tolist() == ["'=m1"]


# --------------------------------------------------------------------------- list cells


def test_python_list_cells_read_as_lists(tmp_path):
    # issue 15 item 6: ['budgeting', 'audit'] became one garbage token
    path = tmp_path / "apps.csv"
    path.write_text(
        "id,role,skills,requested_ids\n"
        "m1,mentor,\"['budgeting', 'audit']\",[]\n"
        'e1,mentee,"[""it\'s"", \'a; b\']","[\'m1\']"\n'
        "e2,mentee,[not a list],\"('m1',)\"\n",
        encoding="utf-8",
    )
    apps = mm.read_applications(path)
    assert apps["skills"].tolist() == [["budgeting", "audit"], ["it's", "a; b"], ["[not a list]"]]
    assert apps["requested_ids"].tolist() == [[], ["m1"], ["m1"]]
    assert mm.validate_applications([{"id": "a", "role": "mentor", "skills": "['x', 1]"}])[
        "skills"
    ].tolist() == [["['x', 1]"]]  # not a list of text: text


def test_make_cohort_to_csv_reads_back_the_same(tmp_path):
    cohort = mm.datasets.make_cohort(40, 50, seed=3)
    cohort.to_csv(tmp_path / "cohort.csv", index=False)
    back = mm.read_applications(tmp_path / "cohort.csv")
    expected = mm.validate_applications(cohort)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    for col in ("skills", "interests", "requested_ids", "previous_partner_ids"):
        assert back[col].tolist() == expected[col].tolist()


# --------------------------------------------------------------------------- errors


def test_paths_and_options_that_are_wrong(tmp_path):
    with pytest.raises(mm.ParameterError, match="'path' parameter of read_applications"):
        mm.read_applications(tmp_path / "apps.xls")
    with pytest.raises(mm.ParameterError, match="'path' parameter of read_applications"):
        mm.read_applications(42)  # type: ignore[arg-type]
    (tmp_path / "blank.csv").write_text("\n\n", encoding="utf-8")
    assert "a header row" in app_problems(tmp_path / "blank.csv").loc[0, "expected"]
