"""Excel sheets read for :func:`mentormatch._read.read_table` (openpyxl, read-only).

In: an ``.xlsx``/``.xlsm`` path, the sheet asked for (or ``None``: the sheet
named after the table, else the first) and the table's name. Out: the header
row, the data rows as cell values, the problems of cells (an error cell such as
``#N/A``, a merged range across columns) and how the sheet was read. The rules
are those of :mod:`mentormatch._read` ("Excel"); a range merged down one column
gives its value to every row of the range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._read import Unreadable, _blank, _cell_text, _column_name, _whole

__all__ = ["read_excel"]


def read_excel(
    path: Path, sheet_name: str | int | None, what: str
) -> tuple[list[Any], list[list[Any]], list[dict[str, Any]], dict[str, Any]]:
    import openpyxl  # deferred: only Excel files need it

    unreadable = "a readable XLSX file with one header row"
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any failure of a hostile or corrupt workbook is one problem
        detail = str(exc).strip() or type(exc).__name__
        raise Unreadable([_whole(detail, unreadable)]) from None
    try:
        names = list(wb.sheetnames)
        if sheet_name is None:
            named = [n for n in names if n.strip().lower() == what.lower()]
            sheet_name = named[0] if named else 0
        if isinstance(sheet_name, int):
            if sheet_name >= len(names):
                raise Unreadable(
                    [
                        _whole(
                            str(sheet_name),
                            f"a sheet number below {len(names)} (the workbook has "
                            + ", ".join(map(repr, names))
                            + ")",
                        )
                    ]
                )
            name = names[sheet_name]
        else:
            if sheet_name not in names:
                raise Unreadable(
                    [_whole(sheet_name, "a sheet of the workbook: " + ", ".join(map(repr, names)))]
                )
            name = sheet_name
        ws = wb[name]
        if not hasattr(ws, "iter_rows"):
            raise Unreadable([_whole(name, "a worksheet (this sheet is a chart)")])
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # the stored size may be wrong: read every cell there is
        rows: list[list[Any]] = []
        errors: list[tuple[int, int, Any]] = []
        for number, row in enumerate(ws.iter_rows(), start=1):
            values = [c.value for c in row]
            if "e" in [getattr(c, "data_type", None) for c in row]:
                errors.extend(
                    (number, k, c.value)
                    for k, c in enumerate(row)
                    if getattr(c, "data_type", None) == "e" and c.value is not None
                )
            rows.append(values)
        merged = _merged_ranges(wb, ws, path)
    except Unreadable:
        raise
    except Exception as exc:  # corrupt sheet XML, entity tricks, missing parts...
        detail = str(exc).strip() or type(exc).__name__
        raise Unreadable([_whole(detail, unreadable)]) from None
    finally:
        wb.close()
    spread, merge_problems = _spread_merged(rows, merged, what)
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()  # formatted empty rows at the end of a sheet
    if not rows or all(_blank(v) for v in rows[0]):
        raise Unreadable([_whole("", "a header row, then one row per record")])
    header = rows[0]
    for p in merge_problems:
        p["column"] = _column_name(header, p.pop("_k"))
    problems = merge_problems + [
        {
            "row": number,
            "column": _column_name(header, k),
            "value": str(value),
            "expected": f"a value, not the spreadsheet error {value} (correct the formula, "
            "or type the value)",
            "_read": True,
        }
        for number, k, value in errors
        if number > 1 or k < len(header)
    ]
    head = ["" if v is None else v if isinstance(v, str) else _header_text(v) for v in header]
    info: dict[str, Any] = {
        "format": "xlsx",
        "encoding": None,
        "delimiter": None,
        "sheet": name,
        "merged": spread,
    }
    return head, rows[1:], problems, info


def _merged_ranges(wb: Any, ws: Any, path: Path) -> list[str]:
    """The merged ranges of a sheet (``"A2:A4"``), read from its XML.

    openpyxl's read-only mode does not give them. The sheet's XML is first scanned
    in chunks for a ``mergeCell`` (most sheets have none: nothing more is done),
    then parsed as a stream for the ranges (their list is at the end of the sheet).
    """
    archive = getattr(wb, "_archive", None)
    part = getattr(ws, "_worksheet_path", None)
    if archive is None or part is None:  # another openpyxl: ask it, with a full load
        import openpyxl

        full = openpyxl.load_workbook(path, data_only=True)
        try:
            return [str(r) for r in full[ws.title].merged_cells.ranges]
        finally:
            full.close()
    with archive.open(part) as f:
        tail = b""
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                return []
            if b"mergeCell" in tail + chunk:
                break
            tail = chunk[-16:]
    from openpyxl.xml.functions import iterparse

    refs = []
    with archive.open(part) as f:
        for _, element in iterparse(f):
            if element.tag.rpartition("}")[2] == "mergeCell" and element.get("ref"):
                refs.append(element.get("ref"))
            element.clear()
    return refs


def _spread_merged(
    rows: list[list[Any]], refs: list[str], what: str
) -> tuple[list[str], list[dict[str, Any]]]:
    """Give each cell of a merged range in one column the value Excel shows; others are problems.

    Returns the ranges spread, and the problems (``_k``: the 0-based column, named
    by the caller once the header is known).
    """
    from openpyxl.utils.cell import range_boundaries

    spread: list[str] = []
    problems: list[dict[str, Any]] = []
    for ref in refs:
        try:
            c0, r0, c1, r1 = range_boundaries(ref)
        except (ValueError, TypeError):
            continue  # not a range (Excel would not open the file either)
        if None in (c0, r0, c1, r1) or r0 > len(rows) or (c0 == c1 and r0 == r1):
            continue
        c0, r0, c1, r1 = int(c0), int(r0), int(c1), int(r1)
        top_row = rows[r0 - 1]
        top = top_row[c0 - 1] if c0 - 1 < len(top_row) else None
        if _blank(top):
            continue  # nothing shown: every cell of the range is blank
        if c0 == c1 and r0 >= 2:
            k = c0 - 1
            for row in rows[r0:r1]:
                if all(_blank(v) for j, v in enumerate(row) if j != k):
                    continue  # a row with nothing else stays a blank row
                if len(row) <= k:
                    row.extend([None] * (k + 1 - len(row)))
                row[k] = top
            spread.append(ref)
            continue
        where = "the header row" if r0 == 1 else f"{c1 - c0 + 1} columns"
        problems.append(
            {
                "row": r0,
                "_k": c0 - 1,
                "value": _cell_text(top)[:100],
                "expected": f"one value per cell: the cells {ref} are merged over {where} "
                f"(unmerge them, and type the value in each cell of the {what} it is meant for)",
                "_read": True,
            }
        )
    return spread, problems


def _header_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
