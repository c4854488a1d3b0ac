"""Writing tables that staff open in spreadsheets, safely.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is run as a formula by Excel, LibreOffice and Google Sheets (CSV/formula
injection). Every text cell of that kind is written with a leading ``'``,
which spreadsheets show as plain text. Numbers stay numbers; list cells are
written as ``;``-separated text, the way :func:`~mentormatch.read_applications`
reads them back. CSV rows end in CRLF so that a line break inside a cell is
always quoted (a bare carriage return would otherwise start a new row).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._params import param_error

__all__ = ["escape_cell", "safe_frame", "write_table"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Return ``value`` made safe for a spreadsheet cell (text only; numbers untouched)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text and list cell (and header) escaped."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue
        values = s.to_numpy(dtype=object)
        out[col] = pd.Series(
            [escape_cell(v) for v in values], index=out.index, dtype=object
        ).astype(object)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def write_table(
    frames: pd.DataFrame | dict[str, pd.DataFrame], path: str | Path, *, func: str
) -> Path:
    """Write one table to ``.csv`` or several sheets to ``.xlsx``, escaped.

    For CSV with several tables, only the first is written to ``path`` and the
    others next to it as ``<stem>_<name>.csv``.
    """
    p = Path(path)
    sheets = frames if isinstance(frames, dict) else {"data": frames}
    suffix = p.suffix.lower()
    if suffix == ".csv":
        first = True
        for name, frame in sheets.items():
            target = p if first else p.with_name(f"{p.stem}_{name}.csv")
            # CRLF rows (RFC 4180): the csv module then quotes every cell that holds a
            # CR or LF. With bare "\n" rows a CR inside a cell is written unquoted,
            # and a spreadsheet starts a new row there, whose first cell could be a
            # formula ("x\r=cmd").
            safe_frame(frame).to_csv(target, index=False, encoding="utf-8", lineterminator="\r\n")
            first = False
    elif suffix == ".xlsx":
        with pd.ExcelWriter(p, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe_frame(_excel_ready(frame)).to_excel(writer, sheet_name=name[:31], index=False)
    else:
        raise param_error("path", func, "a path ending in .csv or .xlsx", str(p))
    return p


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cannot store time-zone-aware datetimes; write them in local wall time."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
        elif out[col].dtype == object and len(out) and isinstance(out[col].iloc[0], np.ndarray):
            out[col] = out[col].map(list)
    return out
