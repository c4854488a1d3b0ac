"""Plain-Python validators of solver output (no solver inside).

Used on every answer the tests get: a wrong answer fails here whatever the
solver claims about itself (cpsat-primer, test-driven optimization).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np


def validate_assignment(
    result: object,
    scores: np.ndarray,
    *,
    allowed: np.ndarray | None = None,
    capacities: Iterable[int] | None = None,
    forced: Iterable[tuple[int, int]] = (),
    max_pairs: int | None = None,
    min_score: float | None = None,
) -> None:
    """Raise AssertionError unless ``result`` is a valid answer for the instance."""
    pairs = np.asarray(result.pairs)  # type: ignore[attr-defined]
    n_rows, n_cols = scores.shape
    assert pairs.ndim == 2 and pairs.shape[1] == 2, pairs.shape
    as_list = [tuple(map(int, p)) for p in pairs]
    assert as_list == sorted(as_list), "pairs must be sorted by row then column"
    caps = [1] * n_cols if capacities is None else [int(c) for c in capacities]
    rows = Counter(r for r, _ in as_list)
    cols = Counter(c for _, c in as_list)
    assert all(v == 1 for v in rows.values()), f"a row is used twice: {rows}"
    for c, used in cols.items():
        assert used <= caps[c], f"column {c} used {used} times, capacity {caps[c]}"
    for r, c in as_list:
        assert 0 <= r < n_rows and 0 <= c < n_cols
        assert not np.isnan(scores[r, c]), f"pair {(r, c)} has no score (not allowed)"
        if allowed is not None:
            assert allowed[r, c], f"pair {(r, c)} is not allowed"
    for p in forced:
        assert tuple(p) in set(as_list), f"forced pair {p} missing"
    if max_pairs is not None:
        assert len(as_list) <= max_pairs
    if min_score is not None:
        forced_set = {tuple(p) for p in forced}
        for r, c in as_list:
            if (r, c) not in forced_set:
                assert scores[r, c] >= min_score, f"pair {(r, c)} below min_score"
    total = float(sum(scores[r, c] for r, c in as_list))
    assert abs(total - result.objective) <= 1e-6 * max(1.0, abs(total)), (  # type: ignore[attr-defined]
        total,
        result.objective,  # type: ignore[attr-defined]
    )
    if result.status == "OPTIMAL":  # type: ignore[attr-defined]
        assert abs(result.best_bound - result.objective) <= 1e-6 * max(1.0, abs(total))  # type: ignore[attr-defined]
