"""Ids that look alike: one rule for every table (applications, pairs, meetings, events).

Ids are compared exactly, once trimmed. ``"M1"`` and ``"m1"``, ``"007"`` and ``"7"``,
``"José"`` typed with a composed ``é`` (NFC) or with ``e`` and a combining accent
(NFD) are different ids, so different people: the library never decides that two
people are one.

Trimming
--------
Every text cell (ids included) loses, at both ends, what Python counts as white
space (spaces, tabs, line breaks, the no-break spaces U+00A0, U+202F, U+2007...) and
the zero-width characters U+200B (zero-width space), U+200C, U+200D, U+2060 (word
joiner), U+180E and U+FEFF (a byte-order mark pasted into a cell). They are invisible
in a spreadsheet and never meant; inside an id they are kept (and make it another id).

Ids that look alike
-------------------
Two ids *look alike* when they are equal once compared loosely (:func:`loose_keys`):
Unicode compatibility form (NFKC: composed accents, full-width digits as digits),
case ignored, spaces and invisible characters anywhere removed, and the
leading zeros of every number removed (``mentor-007`` ~ ``mentor-7``). Then:

* two different ids of one table that look alike (two applicants ``M1`` and ``m1``;
  a pairs table naming mentor ``007`` and mentor ``7``) stay different people, and a
  :class:`~mentormatch.SimilarIdsWarning` names their rows (ids and row numbers only,
  no other data of the rows);
* an id that must name someone (a ``requested_ids`` or ``previous_partner_ids``
  item, a meeting's or event's ``mentor_id`` / ``mentee_id``) and names no one
  exactly but looks like one id is a problem, as any unknown id is, whose text says
  "did you mean" that id and how the two differ.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import SimilarIdsWarning

__all__ = [
    "INVISIBLE",
    "TRIMMED",
    "did_you_mean",
    "hint_similar",
    "loose_keys",
    "similar_groups",
    "suggestions",
    "trim",
    "trim_text",
    "warn_similar",
]

#: Zero-width characters trimmed like spaces at both ends of a cell.
INVISIBLE = "\u200b\u200c\u200d\u2060\u180e\ufeff"
# What str.isspace() holds true for (str.strip() with no argument): tested equal.
_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
#: Every character trimmed at both ends of a text cell.
TRIMMED = _SPACES + INVISIBLE
_INVISIBLE_RE = "[" + INVISIBLE + "]"
_LEADING_ZEROS = r"(?<![0-9])0+(?=[0-9])"
_MAX_GROUPS = 10


def trim(value: str) -> str:
    """``value`` without white space and zero-width characters at its ends."""
    return value.strip(TRIMMED)


def trim_text(text: pd.Series) -> pd.Series:
    """:func:`trim` over a ``string`` Series (vectorized)."""
    return text.str.strip(TRIMMED)


def _loose(text: pd.Series, skip: str = "") -> pd.Series:
    """The loose form of each id; ``skip`` names one step left out (to say how two differ)."""
    if skip != "invisible":
        text = text.str.replace(_INVISIBLE_RE, "", regex=True)
        text = text.str.replace(r"\s+", "", regex=True)
    if skip != "unicode":
        text = text.str.normalize("NFKC")
    if skip != "case":
        text = text.str.casefold()
    if skip != "zeros":
        text = text.str.replace(_LEADING_ZEROS, "", regex=True)
    return text


def loose_keys(ids: Sequence[Any] | np.ndarray | pd.Series) -> np.ndarray:
    """The loose form of each id (see the module docstring); ``None`` stays ``None``."""
    text = pd.Series(np.asarray(ids, dtype=object), dtype="string")
    return _loose(text).to_numpy(dtype=object, na_value=None)


def similar_groups(ids: Sequence[Any] | np.ndarray | pd.Series) -> list[np.ndarray]:
    """Positions of ids that look alike but differ: one array per loose form, in order.

    Blank ids (``None``) are in no group; an id written the same way twice is one id
    (its repeats are in the group with it).
    """
    values = np.asarray(ids, dtype=object)
    present = pd.notna(values)
    if present.sum() < 2:
        return []
    keys = loose_keys(values)
    frame = pd.DataFrame({"key": keys[present], "id": values[present]})
    distinct = frame.groupby("key", sort=False)["id"].nunique()
    alike = distinct.index[distinct.to_numpy() > 1]
    if len(alike) == 0:
        return []
    where = np.flatnonzero(present)
    in_group = frame["key"].isin(alike).to_numpy()
    sel = frame[in_group].assign(pos=where[in_group])
    return [g.to_numpy() for _, g in sel.groupby("key", sort=False)["pos"]]


def suggestions(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """For each value, the first ``known`` id that looks like it, else ``None``.

    Meant for values that name no known id exactly (an exact match suggests itself).
    """
    out = np.full(len(values), None, dtype=object)
    known = np.asarray(known, dtype=object)
    known = known[pd.notna(known)]
    if len(values) == 0 or len(known) == 0:
        return out
    known_keys = pd.Series(loose_keys(known))
    first = ~known_keys.duplicated().to_numpy()
    index = pd.Index(known_keys[first].to_numpy(dtype=object))
    at = index.get_indexer(loose_keys(values))
    hit = at >= 0
    out[hit] = known[first][at[hit]]
    return out


_HOW = {
    "invisible": "spaces or invisible characters",
    "unicode": "how accented or full-width letters are encoded",
    "case": "capital letters",
    "zeros": "leading zeros",
}


def did_you_mean(value: Any, suggestion: Any) -> str:
    """`` (did you mean 'x'? ...)`` for a problem's text, or ``""`` without a suggestion."""
    if suggestion is None or value is None:
        return ""
    pair = pd.Series([str(value), str(suggestion)], dtype="string")
    how = []
    for step, words in _HOW.items():
        a, b = _loose(pair, skip=step).tolist()
        if a != b:  # equal only with this step: the two differ in it
            how.append(words)
    differ = " and ".join(how) if how else "how they are written"
    return f" (did you mean {suggestion!r}? the two differ only in {differ})"


def hint_similar(problems: list[dict[str, Any]], known: Mapping[str, np.ndarray]) -> None:
    """Add "did you mean" to problems about an id that names no one of ``known`` exactly.

    ``known`` maps a column (``"mentor_id"``) to the ids it may name. A problem of
    that column whose value is not one of them, but looks like one, gets the
    suggestion at the end of its ``expected`` (the dicts are changed in place).
    """
    for column, ids in known.items():
        mine = [p for p in problems if p.get("column") == column and isinstance(p["value"], str)]
        if not mine:
            continue
        values = np.array([p["value"] for p in mine], dtype=object)
        ids = np.asarray(ids, dtype=object)
        absent = ~pd.Series(values, dtype=object).isin(ids[pd.notna(ids)]).to_numpy(dtype=bool)
        alike = suggestions(values, ids)
        for k in np.flatnonzero(absent & pd.notna(alike)):
            mine[k]["expected"] += did_you_mean(values[k], alike[k])


def warn_similar(ids: np.ndarray, rows: np.ndarray, table: str) -> None:
    """Warn (:class:`~mentormatch.SimilarIdsWarning`) when ids of ``table`` look alike.

    ``rows`` are the row numbers shown for each id (file rows, or 0-based positions).
    """
    groups = similar_groups(ids)
    if not groups:
        return
    parts = []
    for g in groups[:_MAX_GROUPS]:
        shown = ", ".join(f"{ids[i]!r} (row {int(rows[i])})" for i in g)
        parts.append(shown)
    more = len(groups) - _MAX_GROUPS
    tail = f"; and {more} more group(s)" if more > 0 else ""
    message = (
        f"The {table} table has ids that differ only in capital letters, spaces or "
        "invisible characters, accent encoding or leading zeros: "
        + "; ".join(parts)
        + tail
        + ". They are read as different people; if they are one person, write the id "
        "the same way everywhere."
    )
    warnings.warn(message, SimilarIdsWarning, stacklevel=_user_stacklevel())


_PACKAGE = str(Path(__file__).resolve().parent) + os.sep


def _user_stacklevel() -> int:
    """The ``stacklevel`` pointing at the first caller outside mentormatch."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        try:
            inside = str(Path(path).resolve()).startswith(_PACKAGE)
        except (OSError, ValueError):
            inside = False
        if not inside:
            return level
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    return level
