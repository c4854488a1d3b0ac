"""Helpers that write the files staff hand in, independently of the library's writers."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

# The mark exports put before text a spreadsheet would run as a formula (one more
# ' before text already starting with ' then = + - @ tab or CR). CSV marks every
# such text; xlsx only text that already starts with ' (a string cell never runs).
CSV_MARK = re.compile(r"^'*[=+\-@\t\r]")
XLSX_MARK = re.compile(r"^'+[=+\-@\t\r]")


def csv_bytes(
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    mark: bool = True,
    lineterminator: str = "\r\n",
) -> bytes:
    """Rows written by :mod:`csv` (quoting what needs it), text marked against formulas."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    for row in rows:
        writer.writerow(
            ["'" + c if mark and isinstance(c, str) and CSV_MARK.match(c) else c for c in row]
        )
    return out.getvalue().encode(encoding)


def write_xlsx(
    path: Path,
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    mark: bool = True,
    strings: bool = True,
) -> Path:
    """Rows written by openpyxl; text as string cells (never formulas), marked like exports."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            if isinstance(value, str) and mark and XLSX_MARK.match(value):
                value = "'" + value
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and strings:
                cell.data_type = "s"
    wb.save(path)
    return path


def patch_sheet(path: Path, cells: dict[str, tuple[str, str]]) -> Path:
    """Give formula cells (written as ``=...``) a cached value: ``{"C2": ("e", "#N/A")}``.

    openpyxl writes formulas without the value Excel computes; this writes it in the
    sheet XML as Excel does (``t="e"`` for an error, ``t="str"`` text, no type a number).
    """
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, (kind, value) in cells.items():
        typ = f' t="{kind}"' if kind != "n" else ""
        xml, n = re.subn(
            rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/>',
            rf'<c r="{ref}"{typ}><f>\2</f><v>{value}</v>',
            xml,
        )
        assert n == 1, ref
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path
