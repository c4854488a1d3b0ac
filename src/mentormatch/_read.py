"""One reader for every table staff hand in (applications, pairs, meetings, events).

:func:`read_table` turns a ``.csv`` / ``.tsv`` / ``.txt`` or ``.xlsx`` / ``.xlsm``
file into cells, the same way for every table and both formats; the table's own
reader (:func:`~mentormatch.read_applications`, :func:`~mentormatch.read_pairs`,
...) then validates them. Nothing in a cell is guessed: text stays text.

CSV
---
* **Encoding**: a UTF-8 byte-order mark means UTF-8; else UTF-8 when every byte
  is valid UTF-8; else Windows-1252 (Excel's "CSV" on Windows; Latin-1 files read
  the same for every letter). A UTF-16 byte-order mark (Excel's "Unicode text")
  means UTF-16. ``encoding=`` forces a codec. A byte the encoding has no
  character for (``0x81`` in Windows-1252) is a problem of its row and column.
  A Windows-1252 file whose accented bytes happen to form valid UTF-8 (rare:
  ``Ã©``) is read as UTF-8: pass ``encoding="cp1252"``.
* **Delimiter**: ``,`` ``;`` or tab, the one found the same number of times
  (outside quotes) on the header and the first lines; a ``.tsv`` is tab, a file
  with one column is ``,``. ``delimiter=`` forces one.
* **Quotes**: a quote that is never closed, or a quoted cell followed by
  something other than the delimiter, is one problem at the row where the quote
  opens (nothing after it could be trusted). A quoted cell that runs over
  several lines each shaped like a row of the table (the delimiter as many times
  as the header has) is a problem of its row too: most likely a quote closed
  lines too late, which would swallow those rows. Cells of any length are read.
* A non-blank cell beyond the header's columns is a problem of its row (never a
  shift of the row's cells); a row with fewer cells has blanks at the end.

Excel
-----
Read with openpyxl: text is text (``NA``, ``N/A``, ``None``, ``null`` stay
text, as in a CSV), numbers are numbers, date cells are dates, a formula cell
gives the value Excel last computed (a workbook saved by a program that never
computed it reads blank), an error cell (``#N/A``, ``#DIV/0!``...) is a problem
of its row and column. One sheet: the one ``sheet_name`` names (or numbers from
0); by default the sheet named after the table (``pairs``, ``meetings``,
``events``, ``applications``, any case) when the workbook has one, so the
workbook ``match`` writes (``about`` first, then ``pairs``) reads as pairs, else
the first sheet.

Merged cells: Excel keeps the value of a merged range in its top-left cell only
(the others read blank). A range merged down one column below the header (a
coordinator merging ``mentor-0001`` over the three rows of that mentor's meetings)
means that value for each of its rows: every row of the range gets it (a row
with nothing else in it stays a blank row); ``info["merged"]`` lists the ranges so
spread. A range merged across columns, or taking in the header row, has no one
meaning: it is a problem naming the range (its top-left row and column), unless
it is blank. The ranges are read from the sheet's XML, streamed (the read-only
mode of openpyxl does not give them); a sheet without merged cells costs one
scan of its XML for the word ``mergeCell``.

Both
----
Rows are numbered as the file shows them: the header is row 1, the first data
row is row 2. A row with every cell blank is no data: it is left out, the rows
after it keep their numbers, and how many were left out is recorded. A text
cell that starts with one or more ``'`` followed by ``= + - @``, a tab or a
carriage return loses one ``'``: that is the mark mentormatch's exports (and
careful staff) put before text a spreadsheet would run as a formula.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._params import param_error

__all__ = ["SUFFIXES", "RawTable", "Unreadable", "normalize_name", "read_table"]

#: The file kinds every reader accepts.
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
_EXCEL = (".xlsx", ".xlsm")
_CANDIDATES = (",", ";", "\t")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")
_BREAK = re.compile(r"[\r\n]")
_SURROGATE = re.compile("[\udc80-\udcff]")
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_SNIFF_CHARS = 1 << 16
_SNIFF_LINES = 50
_FIELD_LIMIT = 2**31 - 1  # a C long on every platform
_FIELD_LOCK = threading.Lock()


class Unreadable(Exception):
    """The file cannot be read as a table; ``problems`` say why (the caller raises its error)."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass
class RawTable:
    """A file's cells, before any table's validation.

    ``frame`` has the header's columns (names normalized, see
    :func:`normalize_name`; a blank header cell is ``unnamed_<k>``), blank rows
    left out and a ``RangeIndex``; ``rows`` is the file row number of each of its
    rows. CSV cells are ``str``; Excel cells are ``str``, numbers, ``bool``,
    ``datetime`` or ``None``. ``problems`` are cell problems found while reading
    (undefined byte, extra cell, error cell...), each marked ``_read``.
    ``info`` is how the file was read (see :func:`read_table`).
    """

    frame: pd.DataFrame
    rows: np.ndarray
    problems: list[dict[str, Any]]
    info: dict[str, Any] = field(default_factory=dict)


def normalize_name(name: Any) -> str:
    """A column name as every table reads it: trimmed, lower case, spaces and ``-`` as ``_``."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def check_options(
    func: str, encoding: Any, delimiter: Any, sheet_name: Any
) -> tuple[str | None, str | None]:
    """Check the reading options every reader shares; the codec's name and the delimiter."""
    codec = None
    if encoding is not None:
        expected = "None (detected) or the name of a text encoding such as 'utf-8' or 'cp1252'"
        if not isinstance(encoding, str):
            raise param_error("encoding", func, expected, encoding)
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise param_error("encoding", func, expected, encoding) from None
    sep = None
    if delimiter is not None:
        expected = (
            "None (found from the file), ',', ';', '\\t' (or 'tab') or another single character"
        )
        if not isinstance(delimiter, str):
            raise param_error("delimiter", func, expected, delimiter)
        sep = "\t" if delimiter.lower() in ("tab", "\\t") else delimiter
        if len(sep) != 1 or sep in "\"\r\n'" or sep.isalnum():
            raise param_error("delimiter", func, expected, delimiter)
    if sheet_name is not None and (
        isinstance(sheet_name, bool) or not isinstance(sheet_name, (str, int))
    ):
        raise param_error(
            "sheet_name",
            func,
            "None (the sheet named after the table, else the first), a sheet name or a "
            "0-based sheet number (one sheet is read)",
            sheet_name,
        )
    if isinstance(sheet_name, int) and sheet_name < 0:
        raise param_error("sheet_name", func, "a sheet name or a 0-based sheet number", sheet_name)
    return codec, sep


def read_table(
    path: Any,
    *,
    func: str,
    what: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | int | None = None,
) -> RawTable:
    """Read a table file's cells (see the module docstring).

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.tsv``, ``.txt``, ``.xlsx`` or ``.xlsm`` file.
    func, what : str
        The public function reading, and what the table is ("meetings"), for messages.
    encoding, delimiter, sheet_name
        As the public readers take them.

    Returns
    -------
    RawTable
        ``info`` has ``path``, ``format`` ("csv"/"xlsx"), ``encoding``,
        ``delimiter`` (``None`` for Excel), ``sheet`` (``None`` for CSV),
        ``blank_lines`` (how many rows were left out), ``blank_rows`` (their numbers)
        and ``merged`` (the merged ranges of an Excel sheet whose value was given to
        each of their cells, ``"A2:A4"``; empty for CSV).

    Raises
    ------
    ParameterError
        A path that is not a table file, or a bad option.
    FileNotFoundError
        No file at ``path``.
    Unreadable
        The file is not a table (corrupt workbook, no header, an unclosed quote...).
    """
    if not isinstance(path, (str, Path)):
        raise param_error("path", func, "a path (str or Path) to a .csv or .xlsx file", path)
    codec, sep = check_options(func, encoding, delimiter, sheet_name)
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise param_error("path", func, "a .csv, .tsv or .xlsx file", str(p))
    if not p.is_file():
        raise FileNotFoundError(f"No {what} file at {str(p)!r}.")
    if suffix in _EXCEL:
        from ._read_excel import read_excel  # openpyxl, only for Excel files

        header, body, problems, info = read_excel(p, sheet_name, what)
    else:
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise Unreadable(
                [_whole(str(exc), "a readable CSV file with one header row")]
            ) from None
        header, body, problems, info = _read_csv(data, codec, sep, suffix)
    info = {"path": str(p), **info}
    return _assemble(header, body, problems, info)


def _whole(value: str, expected: str) -> dict[str, Any]:
    return {"row": None, "column": None, "value": value[:200], "expected": expected}


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes, codec: str | None) -> tuple[str, str, bool]:
    """The file's text, the encoding used, and whether some bytes did not decode.

    Bytes that do not decode are kept as lone surrogates (``surrogateescape``),
    so that the cell holding one can be named.
    """
    if codec is None:
        if data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            codec = "utf-16"
        else:
            try:
                return data.decode("utf-8"), "utf-8", False
            except UnicodeDecodeError:
                codec = "cp1252"
    try:
        text, escaped = data.decode(codec), False
    except UnicodeDecodeError:
        escaped = True
        try:
            text = data.decode(codec, errors="surrogateescape")
        except UnicodeDecodeError:  # codecs such as UTF-16 cannot escape an odd last byte
            text = data.decode(codec, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, codec, escaped


def _sniff(text: str) -> str | None:
    """The delimiter found the same number of times on the header and the first lines."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:
        sample = sample[: max(sample.rfind("\n"), 0)]
    lines = [ln for ln in re.split(r"\r\n|\r|\n", _QUOTED.sub("", sample)) if ln.strip()]
    lines = lines[:_SNIFF_LINES]
    if not lines:
        return None
    best: tuple[float, int, int] | None = None
    choice = None
    for rank, c in enumerate(_CANDIDATES):
        counts = [ln.count(c) for ln in lines]
        if counts[0] == 0:
            continue
        rest = counts[1:]
        same = sum(k == counts[0] for k in rest) / len(rest) if rest else 1.0
        key = (same, counts[0], -rank)
        if best is None or key > best:
            best, choice = key, c
    return choice


def _read_csv(
    data: bytes, codec: str | None, sep: str | None, suffix: str
) -> tuple[list[str], list[list[str]], list[dict[str, Any]], dict[str, Any]]:
    text, used, escaped = _decode(data, codec)
    if sep is None:
        sep = _sniff(text) or ("\t" if suffix == ".tsv" else ",")
        if suffix == ".tsv":
            sep = "\t"
    info: dict[str, Any] = {
        "format": "csv",
        "encoding": used,
        "delimiter": sep,
        "sheet": None,
        "merged": [],
    }
    records: list[list[str]] = []
    with _FIELD_LOCK:  # the csv module's limit is global: raised for this read only
        old = csv.field_size_limit(_FIELD_LIMIT)
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
            try:
                records.extend(reader)
            except csv.Error as exc:
                raise Unreadable([_quote_problem(text, sep, records, str(exc))]) from None
        finally:
            csv.field_size_limit(old)
    if not records or not any(c.strip() for c in records[0]):
        raise Unreadable([_whole("", "a header row, then one row per record")])
    problems: list[dict[str, Any]] = []
    if escaped:
        problems.extend(_undecodable(records, used))
    # only a cell that starts with ' then = + - @ tab or CR loses its ': is there one?
    ascii_bytes = used in ("utf-8", "utf-8-sig", "cp1252")  # ' and = + - @ are one byte each
    hay: bytes | str = data if ascii_bytes else text
    info["escapes"] = any(
        ("'" + c).encode() in hay if ascii_bytes else "'" + c in hay for c in "=+-@\t\r"
    )
    width = len(records[0])
    lines = text.count("\n") + text.count("\r") - text.count("\r\n")
    if lines + (not text.endswith(("\n", "\r"))) > len(records):  # a cell spans lines
        problems.extend(_swallowed(records, sep, width))
    return records[0], records[1:], problems, info


def _quote_problem(text: str, sep: str, records: list[list[str]], error: str) -> dict[str, Any]:
    """The problem of a record the csv module could not read: where its quote opens."""
    row = len(records) + 1
    # the record starts on the physical line after the last one read
    line = _start_line(text, sep, len(records))
    lines = io.StringIO(text, newline="").readlines()
    first = lines[line - 1] if 0 < line <= len(lines) else ""
    column = None
    if records and first:
        column = _column_name(records[0], _open_field(first.rstrip("\r\n"), sep))
    where = f" (line {line} of the file)" if line != row else ""
    if "end of data" in error:
        expected = (
            f"a closing quote: the quote that opens in this row{where} is never closed, "
            "so every later line would be read into this one cell"
        )
    elif "expected after" in error:
        expected = (
            f"a quoted cell that ends with a quote followed by {_DELIMITER_NAMES.get(sep, repr(sep))} "
            f'or the end of the line{where}; a quote inside a cell is written twice ("")'
        )
    else:
        expected = f"a row a CSV reader can read{where} ({error})"
    return {"row": row, "column": column, "value": first.rstrip("\r\n")[:100], "expected": expected}


def _open_field(line: str, sep: str) -> int:
    """The 0-based cell of ``line`` whose quote is not closed on it, or is closed badly."""
    k, i, n = 0, 0, len(line)
    while i <= n:
        if i < n and line[i] == '"':
            j = i + 1
            while True:
                j = line.find('"', j)
                if j < 0:
                    return k  # never closed on this line
                if j + 1 < n and line[j + 1] == '"':
                    j += 2
                    continue
                break
            if j + 1 < n and line[j + 1] != sep:
                return k  # text after the closing quote
            i = j + 1
        else:
            i = line.find(sep, i)
            if i < 0:
                return k
        k += 1
        i += 1
    return k


def _start_line(text: str, sep: str, n_records: int) -> int:
    """The physical line (1-based) on which record ``n_records + 1`` starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    last = 0
    try:
        for _ in range(n_records):
            next(reader)
            last = reader.line_num
    except (StopIteration, csv.Error):
        pass
    return last + 1


def _shown_bytes(cell: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", cell)


def _undecodable(records: list[list[str]], codec: str) -> list[dict[str, Any]]:
    """One problem per cell holding a byte the file's encoding has no character for."""
    header = records[0]
    names = {"cp1252": "Windows-1252", "utf-8": "UTF-8", "utf-8-sig": "UTF-8"}
    name = names.get(codec, codec)
    out = []
    joined = map("".join, records)
    for number in np.flatnonzero(np.fromiter(map(bool, map(_SURROGATE.search, joined)), bool)):
        rec = records[number]
        number += 1
        for k, cell in enumerate(rec):
            m = _SURROGATE.search(cell)
            if m is None:
                continue
            byte = ord(m.group()) - 0xDC00
            column = _column_name(header, k) if number > 1 else None
            out.append(
                {
                    "row": number,
                    "column": column,
                    "value": _shown_bytes(cell)[:100],
                    "expected": f"text in {name}: byte 0x{byte:02x} is no {name} character "
                    "(save the file as UTF-8, or give its encoding: encoding= / --encoding)",
                    "_read": True,
                }
            )
    return out


def _column_name(header: list[Any], k: int) -> str | None:
    if k >= len(header):
        return None
    name = header[k]
    return normalize_name(name) if not _blank(name) else f"unnamed_{k}"


def _swallowed(records: list[list[str]], sep: str, width: int) -> list[dict[str, Any]]:
    """Quoted cells over several lines that each look like a row: a quote closed too late."""
    if width < 2:
        return []
    out = []
    header = records[0]
    spans = np.fromiter(map(bool, map(_BREAK.search, map("".join, records))), bool)
    for i in np.flatnonzero(spans[1:]) + 1:  # the records with a line break in a cell
        rec, number = records[i], int(i) + 1
        for k, cell in enumerate(rec):
            if "\n" not in cell and "\r" not in cell:
                continue
            inner = re.split(r"\r\n|\r|\n", cell)[1:]
            counts = [ln.count(sep) for ln in inner]
            if counts and all(c >= width - 1 for c in counts) and (width - 1) in counts:
                out.append(
                    {
                        "row": number,
                        "column": _column_name(header, k),
                        "value": cell[:100],
                        "expected": f"a cell on one line: the quote that opens here closes "
                        f"{len(inner)} line(s) later, and each of those lines looks like a "
                        "row of its own (it has as many delimiters as the header); close the "
                        'quote on its own line (a quote inside a cell is written twice: "")',
                        "_read": True,
                    }
                )
    return out


# --------------------------------------------------------------------------- both


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _assemble(
    header: list[Any],
    body: list[list[Any]],
    problems: list[dict[str, Any]],
    info: dict[str, Any],
) -> RawTable:
    """Cells as a frame: header names, blank rows out, extra cells as problems, ``'`` off."""
    header = list(header)
    while header and _blank(header[-1]):
        header.pop()  # a trailing blank header cell is no column (its cells are extra)
    width = len(header)
    names = [_unescape_one(str(h)) for h in header]
    columns = [normalize_name(h) if h.strip() else f"unnamed_{k}" for k, h in enumerate(names)]
    n = len(body)
    lengths = np.fromiter(map(len, body), dtype=np.int64, count=n)
    longest = int(lengths.max()) if n else width
    full = max(width, longest)
    if n and (lengths != full).any():
        filler: Any = "" if info["format"] == "csv" else None
        for i in np.flatnonzero(lengths != full):
            body[i] = list(body[i]) + [filler] * (full - int(lengths[i]))
    cells = np.empty((n, full), dtype=object)
    if n:
        cells[:] = body if full else np.empty((n, 0), dtype=object)
    text = info["format"] == "csv"  # every CSV cell is a str
    if text:  # a record is blank when its cells joined are only spaces (C loops, no Python)
        blank = ~np.fromiter(map(bool, map(str.strip, map("".join, body))), bool, count=n)
    else:
        blank = np.ones(n, dtype=bool)
        for k in range(full):
            blank &= _blank_column(cells[:, k], text)
    rows = np.arange(n, dtype=np.int64) + 2
    if full > width:
        extra = ~np.column_stack([_blank_column(cells[:, k], text) for k in range(width, full)])
        for i in np.flatnonzero(extra.any(axis=1)):
            shown = [_cell_text(v) for v in cells[i, width:][extra[i]]]
            problems.append(
                {
                    "row": int(rows[i]),
                    "column": None,
                    "value": (info["delimiter"] or " ").join(shown)[:100],
                    "expected": f"at most {width} cells, one per header column",
                    "_read": True,
                }
            )
    keep = ~blank
    frame = pd.DataFrame(cells[keep][:, :width], columns=pd.Index(columns, dtype=object))
    frame = frame.astype(object)
    if info.get("escapes", True):
        for col in range(width):
            frame.isetitem(col, _unescape(frame.iloc[:, col], text))
    info.pop("escapes", None)
    info["blank_rows"] = rows[blank].tolist()
    info["blank_lines"] = int(blank.sum())
    return RawTable(frame=frame, rows=rows[keep], problems=problems, info=info)


def _cell_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _blank_column(values: np.ndarray, all_text: bool) -> np.ndarray:
    """Which cells are blank (``None`` or only spaces); ``all_text``: every cell is a str."""
    s = pd.Series(values, dtype=object)
    if all_text:
        return s.str.strip().eq("").to_numpy(dtype=bool)
    is_none = s.isna().to_numpy()
    is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
    if not is_str.any():
        return is_none
    text = pd.Series(np.where(is_str, values, "x"), dtype=object)  # only str cells are stripped
    empty = text.str.strip().eq("").to_numpy(dtype=bool)
    return is_none | empty


def _unescape_one(value: str) -> str:
    return value[1:] if _ESCAPED.match(value) else value


def _unescape(column: pd.Series, all_text: bool) -> pd.Series:
    """Text cells marked against formulas (``'=...``) lose one ``'``; ``all_text``: all are str."""
    values = column.to_numpy(dtype=object)
    if all_text:
        is_text = np.ones(len(values), dtype=bool)
    else:
        is_text = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
    if not is_text.any():
        return column
    text = pd.Series(np.where(is_text, values, ""), dtype=object)
    marked = text.str.match(_ESCAPED).to_numpy(dtype=bool) & is_text
    if not marked.any():
        return column
    out = values.copy()
    out[marked] = text[marked].str.slice(1).to_numpy(dtype=object)
    return pd.Series(out, dtype=object, index=column.index)
