"""Writing tables that staff open in spreadsheets and that mentormatch reads back.

Formulas
--------
A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is run as a formula by Excel, LibreOffice and Google Sheets when it is typed
in or read from a CSV file (CSV/formula injection). The two formats are
protected differently, so that the text survives a round trip through
mentormatch's readers, which remove ONE leading ``'`` from a text cell
matching ``^'+[=+\\-@\\t\\r]`` in any file:

* **CSV**: text matching ``^'*[=+\\-@\\t\\r]`` gets one ``'`` in front
  (``=A1`` is written ``'=A1``, ``'=A1`` is written ``''=A1``), which
  spreadsheets show as text; mentormatch's readers take it off again.
* **xlsx**: text is written as a *string cell*, unaltered: Excel never
  evaluates a string cell, so ``=A1`` stays ``=A1`` for Excel, pandas and
  openpyxl alike. Only text that already matches ``^'+[=+\\-@\\t]`` gets one
  more ``'`` (so that the readers' rule gives it back unchanged; a carriage
  return comes back from XML as a line feed, which the rule leaves alone).

Headers follow the same rules. Numbers stay numbers; list cells are written as
``;``-separated text, the way :func:`~mentormatch.read_applications` reads them.

Display
-------
* Floats are rounded to :data:`DECIMALS` decimals in CSV (as text; the API
  keeps full precision); in xlsx the cell keeps the value (to 16 significant
  digits, as openpyxl writes floats) and shows ``0.000``.
* Dates: CSV ``YYYY-MM-DD`` (``YYYY-MM-DD HH:MM:SS`` for a column with times of
  day); xlsx real date cells shown ``yyyy-mm-dd`` (``yyyy-mm-dd hh:mm``).
  Time-zone-aware values are written in their own wall time.
* xlsx sheets have a bold, frozen header row, an autofilter and column widths
  fitted to the content (at most :data:`MAX_WIDTH` characters); an optional
  first sheet ``about`` lists facts about the file (``about=`` of
  :func:`write_table`).
* CSV files are UTF-8 with a byte order mark (Excel then shows accents right)
  and CRLF rows, so that a line break inside a cell is always quoted (a bare
  carriage return would otherwise start a new row).

Characters an xlsx file cannot hold
-----------------------------------
XML cannot store control characters other than tab, line feed and carriage
return (openpyxl raises ``IllegalCharacterError``). In xlsx each is written as
its visible Unicode *control picture* (U+2400 + code: ``"\\x07"`` becomes
``"␇"``), and the ``about`` sheet counts the cells changed; CSV keeps them as
they are. An xlsx file also stores a carriage return inside a cell as a line
feed (XML line-end rules; Excel's own line break in a cell is a line feed).

Files
-----
Every file is first written to a temporary file in the same folder and then
moved over the target (``os.replace``), so a crash or a full disk never leaves
a half-written file under the target's name.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._params import param_error

__all__ = [
    "DECIMALS",
    "MAX_WIDTH",
    "escape_cell",
    "escape_csv_text",
    "escape_xlsx_text",
    "write_table",
]

#: Decimals shown for floats (rounded text in CSV, the number format in xlsx).
DECIMALS = 3
#: Widest column of an xlsx sheet, in characters.
MAX_WIDTH = 60
_ABOUT_WIDTH = 100
_MIN_WIDTH = 6
_FLOAT_FORMAT = "0." + "0" * DECIMALS
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

_CSV_ESCAPE = re.compile(r"^'*[=+\-@\t\r]")
# Not ``\r``: XML reads a carriage return back as a line feed, so ``'`` + CR comes back
# as ``'`` + LF, which the readers leave alone (an added ``'`` would stay).
_XLSX_ESCAPE = re.compile(r"^'+[=+\-@\t]")
#: What XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PICTURES = {c: chr(0x2400 + c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]}
#: Text openpyxl would store as something other than a string.
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
_BAD_SHEET_CHARS = re.compile(r"[\\*?:/\[\]]")


# --------------------------------------------------------------------------- escaping


def escape_csv_text(text: str) -> str:
    """``text`` as written to a CSV cell: one ``'`` added when it matches ``^'*[=+\\-@\\t\\r]``."""
    return "'" + text if _CSV_ESCAPE.match(text) else text


def escape_xlsx_text(text: str) -> str:
    """``text`` as written to an xlsx string cell: one ``'`` added when it matches ``^'+[=+\\-@\\t]``.

    Control characters XML cannot hold become their Unicode control pictures.
    """
    if _ILLEGAL.search(text):
        text = text.translate(_PICTURES)
    return "'" + text if _XLSX_ESCAPE.match(text) else text


def escape_cell(value: Any, target: str = "csv") -> Any:
    """Return ``value`` as written to a ``target`` (``"csv"`` or ``"xlsx"``) text cell.

    Lists, tuples and arrays become ``;``-separated text; other non-text values
    (numbers, dates, ``None``) are returned unchanged.
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        return escape_xlsx_text(value) if target == "xlsx" else escape_csv_text(value)
    return value


# --------------------------------------------------------------------------- columns


@dataclass
class _Column:
    """One column made ready for a file: header, cell values, display format, width."""

    header: str
    values: list[Any]  # Python values: str, int, float, bool, datetime, None
    number_format: str | None  # xlsx format of every cell (None: per value / general)
    width: float
    kind: str  # "text", "float", "int", "bool", "date", "datetime", "mixed"
    n_control: int = 0  # cells (and the header) whose control characters were replaced


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _object_value(value: Any) -> Any:
    """A cell of an object column as a plain Python value (text not yet escaped)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return "; ".join(str(v) for v in value)
    if _is_blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, _dt.date):
        return value
    return str(value)


def _datetimes(series: pd.Series) -> tuple[pd.Series, bool]:
    """Naive datetimes (time zones dropped, wall time kept) and whether any has a time of day."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    present = series.dropna()
    timed = bool(len(present)) and bool((present != present.dt.normalize()).any())
    return series, timed


def _columns(frame: pd.DataFrame, target: str, max_width: float = MAX_WIDTH) -> list[_Column]:
    """Every column of ``frame`` typed and escaped for ``target`` ("csv" or "xlsx")."""
    escape = escape_xlsx_text if target == "xlsx" else escape_csv_text
    out: list[_Column] = []
    for k in range(frame.shape[1]):
        s = frame.iloc[:, k]
        header = escape(str(frame.columns[k]))
        dtype = s.dtype
        fmt: str | None = None
        n_control = int(target == "xlsx" and bool(_ILLEGAL.search(str(frame.columns[k]))))
        if pd.api.types.is_bool_dtype(dtype):
            kind = "bool"
            values = s.astype(object).where(s.notna(), None).tolist()
            texts = pd.Series(["False"] * (len(s) > 0), dtype=object)  # width only
        elif pd.api.types.is_integer_dtype(dtype):
            kind = "int"
            values = s.astype(object).where(s.notna(), None).tolist()
            texts = s.astype("string")
        elif pd.api.types.is_float_dtype(dtype):
            kind = "float"
            if target == "csv":
                s = s.astype(np.float64).round(DECIMALS)
            values = [None if v != v else v for v in s.astype(np.float64).tolist()]  # nan -> None
            texts = s.round(DECIMALS).astype("string")
            fmt = _FLOAT_FORMAT
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            naive, timed = _datetimes(s)
            kind = "datetime" if timed else "date"
            if target == "csv":
                pattern = "%Y-%m-%d %H:%M:%S" if timed else "%Y-%m-%d"
                values = (
                    naive.dt.strftime(pattern).astype(object).where(naive.notna(), None).tolist()
                )
            else:
                values = [
                    None if v is pd.NaT or _is_blank(v) else v.to_pydatetime()
                    for v in naive.astype(object)
                ]
            fmt = _DATETIME_FORMAT if timed else _DATE_FORMAT
            texts = pd.Series(["0000-00-00 00:00" if timed else "0000-00-00"] * (len(s) > 0))
        else:
            kind = "text"
            raw = s.to_numpy(dtype=object)
            plain = [_object_value(v) for v in raw]
            if any(not isinstance(v, str) and v is not None for v in plain):
                kind = "mixed"
            values = [escape(v) if isinstance(v, str) else v for v in plain]
            if target == "xlsx":
                n_control = sum(1 for v in plain if isinstance(v, str) and _ILLEGAL.search(v))
            if target == "csv" and kind == "mixed":
                values = [_csv_scalar(v) for v in values]
            texts = pd.Series([_display(v) for v in values], dtype=object)
        lengths = texts.astype("string").str.len()  # <NA> for missing cells
        widest = int(lengths.max()) if lengths.notna().any() else 0
        width = float(min(max(widest, len(header), _MIN_WIDTH) + 2, max_width))
        out.append(_Column(header, values, fmt, width, kind, n_control))
    return out


def _csv_scalar(value: Any) -> Any:
    """A non-text value of a mixed column as CSV text (floats rounded, dates ISO)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(round(value, DECIMALS))
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d" if value == _midnight(value) else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _midnight(value: _dt.datetime) -> _dt.datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def _display(value: Any) -> str:
    """Roughly what a spreadsheet shows, for the column width (longest line)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return max(value.split("\n"), key=len) if "\n" in value else value
    if isinstance(value, float):
        return f"{value:.{DECIMALS}f}"
    if isinstance(value, _dt.datetime):
        return "0000-00-00 00:00"
    if isinstance(value, _dt.date):
        return "0000-00-00"
    return str(value)


# --------------------------------------------------------------------------- files


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A new empty file beside ``target`` (permissions as for any new file); removed on error."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(fd)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _commit(done: Sequence[tuple[Path, Path]]) -> None:
    """Move each temporary file over its target; on failure remove what is left."""
    try:
        for tmp, target in done:
            os.replace(tmp, target)
    finally:
        for tmp, _ in done:
            tmp.unlink(missing_ok=True)


def _about_frame(about: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {"item": list(about), "value": pd.Series(list(about.values()), dtype=object)}
    )


def write_table(
    frames: pd.DataFrame | Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    func: str,
    about: Mapping[str, Any] | None = None,
) -> Path:
    """Write one table to ``.csv`` or several as sheets of one ``.xlsx``.

    Parameters
    ----------
    frames : DataFrame or mapping of str to DataFrame
        The tables, in order (a single DataFrame is one table called ``data``).
    path : str or Path
        Ends in ``.csv`` or ``.xlsx``. With several tables, a CSV ``path``
        receives the first and each other one goes beside it as
        ``<stem>_<name>.csv``.
    func : str
        The public function or command writing, for the error message.
    about : mapping, optional
        Facts about the file (item -> value), written first: the ``about``
        sheet of an xlsx, ``<stem>_about.csv`` beside a CSV. In xlsx, the
        number of cells whose control characters were replaced is added.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    See the module notes for formula escaping, number and date display,
    control characters, and atomic writes.
    """
    p = Path(path)
    sheets = dict(frames) if isinstance(frames, Mapping) else {"data": frames}
    for name, frame in sheets.items():
        if not isinstance(frame, pd.DataFrame):
            raise param_error("frames", func, "DataFrames", f"{type(frame).__name__} for {name!r}")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        _write_csv(sheets, p, about)
    elif suffix == ".xlsx":
        _write_xlsx(sheets, p, about)
    else:
        raise param_error("path", func, "a path ending in .csv or .xlsx", str(p))
    return p


def _write_csv(
    sheets: Mapping[str, pd.DataFrame], p: Path, about: Mapping[str, Any] | None
) -> None:
    targets: list[tuple[pd.DataFrame, Path]] = []
    for k, (name, frame) in enumerate(sheets.items()):
        targets.append((frame, p if k == 0 else p.with_name(f"{p.stem}_{name}.csv")))
    if about is not None:
        targets.append((_about_frame(about), p.with_name(f"{p.stem}_about.csv")))
    done: list[tuple[Path, Path]] = []
    try:
        for frame, target in targets:
            with _temporary(target) as tmp:
                _csv_ready(frame).to_csv(
                    tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n"
                )
            done.append((tmp, target))
    except BaseException:
        for tmp, _ in done:
            tmp.unlink(missing_ok=True)
        raise
    _commit(done)


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    cols = _columns(frame, "csv")
    data = {}
    for k, col in enumerate(cols):
        if col.kind == "float":
            data[k] = pd.Series(col.values, dtype=np.float64)
        elif col.kind == "int":
            data[k] = pd.Series(col.values, dtype="Int64")
        else:
            data[k] = pd.Series(col.values, dtype=object)
    out = pd.DataFrame(data, index=pd.RangeIndex(len(frame)))
    out.columns = [c.header for c in cols]
    return out


def _sheet_names(names: Sequence[str]) -> list[str]:
    """Valid, distinct Excel sheet names (31 characters, no ``[]:*?/\\``)."""
    out: list[str] = []
    for name in names:
        base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "sheet"
        base = _ILLEGAL.sub("_", base)[:31]
        title, n = base, 1
        while title.lower() in {t.lower() for t in out}:
            n += 1
            tail = f" ({n})"
            title = base[: 31 - len(tail)] + tail
        out.append(title)
    return out


def _write_xlsx(
    sheets: Mapping[str, pd.DataFrame], p: Path, about: Mapping[str, Any] | None
) -> None:
    from openpyxl import Workbook

    prepared = [(name, _columns(frame, "xlsx"), len(frame)) for name, frame in sheets.items()]
    if about is not None:
        facts = dict(about)
        n_control = sum(c.n_control for _, cols, _ in prepared for c in cols)
        if n_control:
            facts["control characters"] = (
                f"{n_control} cell{'s' if n_control != 1 else ''} held control characters an "
                "xlsx file cannot store; each is shown as its symbol (U+0007 as \u2407)"
            )
        frame = _about_frame(facts)
        prepared.insert(0, ("about", _columns(frame, "xlsx", _ABOUT_WIDTH), len(frame)))
    names = _sheet_names([name for name, _, _ in prepared])
    book = Workbook(write_only=True)
    for title, (_, cols, n_rows) in zip(names, prepared, strict=True):
        _xlsx_sheet(book, title, cols, n_rows)
    with _temporary(p) as tmp:
        book.save(tmp)
    _commit([(tmp, p)])


def _xlsx_sheet(book: Any, title: str, cols: list[_Column], n_rows: int) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(title=title)
    for k, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(k)].width = col.width
    ws.freeze_panes = "A2"
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{n_rows + 1}"
    bold = Font(bold=True)
    header = []
    for col in cols:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.data_type = "s"  # a header "=x" is text, never a formula
        cell.font = bold
        header.append(cell)
    ws.append(header)

    def cell_of(value: Any, fmt: str | None) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            if value.startswith("=") or value in _ERROR_CODES:
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # a string cell: Excel never evaluates it
                return cell
            return value
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and fmt is None:
            fmt = _FLOAT_FORMAT if isinstance(value, float) else None
        elif isinstance(value, _dt.datetime) and fmt is None:
            fmt = _DATE_FORMAT if value == _midnight(value) else _DATETIME_FORMAT
        elif isinstance(value, _dt.date) and fmt is None:
            fmt = _DATE_FORMAT
        if fmt is None:
            return value
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = fmt
        return cell

    formats = [c.number_format if c.kind != "mixed" else None for c in cols]
    columns = [c.values for c in cols]
    plain = [c.kind in ("text", "bool", "int") for c in cols]
    for row in zip(*columns, strict=True):
        ws.append(
            [
                (v if v is None or (ok and not isinstance(v, str)) else cell_of(v, f))
                for v, f, ok in zip(row, formats, plain, strict=True)
            ]
        )
