"""The checks both entry points share: parameters, vectors, forced pairs and their conflicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .._errors import MatchInfeasibleError
from .._params import check_choice, check_number, param_error
from ._weights import PRIORITIES

# --------------------------------------------------------------------------- checks


def _check_common(
    func: str,
    priority: str,
    maximize: bool,
    min_score: Any,
    max_pairs: Any,
    time_limit: Any,
    resolution: Any,
) -> None:
    check_choice(priority, "priority", func, PRIORITIES)
    if not isinstance(maximize, (bool, np.bool_)):
        raise param_error("maximize", func, "a bool", maximize)
    check_number(min_score, "min_score", func, allow_none=True)
    if min_score is not None and not maximize:
        raise param_error(
            "min_score", func, "None when minimizing (filter with `allowed` instead)", min_score
        )
    check_number(max_pairs, "max_pairs", func, low=0, integer=True, allow_none=True)
    check_number(time_limit, "time_limit", func, low=0, low_open=True, allow_none=True)
    check_number(resolution, "resolution", func, low=0, low_open=True, allow_none=True)


def _vector(
    value: Any, n: int, name: str, func: str, *, default: int | None, dtype: Any
) -> np.ndarray | None:
    if value is None:
        return None if default is None else np.full(n, default, dtype=dtype)
    try:
        arr = np.asarray(value)
    except Exception:
        raise param_error(name, func, f"an array of length {n}", value) from None
    if arr.shape != (n,):
        raise param_error(name, func, f"an array of length {n}", f"shape {arr.shape}")
    if dtype is bool:
        if arr.dtype != bool:
            raise param_error(name, func, f"a bool array of length {n}", f"dtype {arr.dtype}")
        return arr
    if not np.issubdtype(arr.dtype, np.integer) or (arr < 0).any():
        raise param_error(name, func, f"an array of {n} ints >= 0", value)
    return arr.astype(np.int64)


def _people(
    capacities: Any, row_priority: Any, col_priority: Any, n_rows: int, n_cols: int, func: str
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Each column's capacity (default 1) and the favoured rows and columns, checked."""
    caps = _vector(capacities, n_cols, "capacities", func, default=1, dtype=np.int64)
    assert caps is not None
    row_prio = _vector(row_priority, n_rows, "row_priority", func, default=None, dtype=bool)
    col_prio = _vector(col_priority, n_cols, "col_priority", func, default=None, dtype=bool)
    return caps, row_prio, col_prio


def _floats(value: Any, n: int, name: str, func: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise param_error(name, func, f"an array of {n} numbers", value) from None
    if arr.shape != (n,):
        raise param_error(name, func, f"an array of {n} numbers", f"shape {arr.shape}")
    if np.isnan(arr).any():
        raise param_error(name, func, "numbers (-inf: no pair)", "nan")
    return arr


def _forced_list(forced: Any, n_rows: int, n_cols: int, func: str) -> list[tuple[int, int]]:
    expected = f"pairs (row, col) with 0 <= row < {n_rows} and 0 <= col < {n_cols}"
    if forced is None:
        return []
    try:
        items = [tuple(int(v) for v in p) for p in forced]
    except (TypeError, ValueError):
        raise param_error("forced", func, expected, forced) from None
    out: list[tuple[int, int]] = []
    for p in items:
        if len(p) != 2 or not (0 <= p[0] < n_rows and 0 <= p[1] < n_cols):
            raise param_error("forced", func, expected, p)
        out.append((p[0], p[1]))
    return list(dict.fromkeys(out))


def _conflicts(
    forced: list[tuple[int, int]],
    ok: Callable[[int, int], bool],
    caps: np.ndarray,
    max_pairs: int | None,
) -> None:
    rows: list[dict[str, Any]] = []
    by_row: dict[int, list[tuple[int, int]]] = {}
    by_col: dict[int, list[tuple[int, int]]] = {}
    for p in forced:
        by_row.setdefault(p[0], []).append(p)
        by_col.setdefault(p[1], []).append(p)
        if not ok(*p):
            rows.append(
                {"pairs": [p], "rule": "not_allowed", "detail": f"forced pair {p} is not allowed"}
            )
    for r, ps in by_row.items():
        if len(ps) > 1:
            rows.append(
                {"pairs": ps, "rule": "one_per_row", "detail": f"row {r} is forced {len(ps)} times"}
            )
    for c, ps in by_col.items():
        if len(ps) > caps[c]:
            rows.append(
                {
                    "pairs": ps,
                    "rule": "capacity",
                    "detail": f"column {c} is forced {len(ps)} times, capacity {int(caps[c])}",
                }
            )
    if max_pairs is not None and len(forced) > max_pairs:
        rows.append(
            {
                "pairs": forced,
                "rule": "max_pairs",
                "detail": f"{len(forced)} forced pairs exceed max_pairs = {max_pairs}",
            }
        )
    if rows:
        frame = pd.DataFrame(rows, columns=["pairs", "rule", "detail"])
        lines = "\n".join(f"  - {r['rule']}: {r['detail']}" for r in rows)
        raise MatchInfeasibleError(f"The forced pairs contradict each other:\n{lines}", frame)
