"""The built-in features and the pair rules in one compiled pass over a block.

:meth:`PairScorer.score_block` builds a block feature by feature: each feature
is a whole (rows x cols) array, then ``nan`` is replaced, weighted and added,
then the rules make a mask of their own. On the candidate path that is about
thirty passes over memory per pair, for 10^10 pairs at 100,000 x 100,000.

:class:`FusedBlocks` computes the same thing row by row in one numba kernel,
with every intermediate of a row in cache: the sparse products (goals, skills,
interests) scattered exactly as scipy's ``csr @ csr`` does, then the other
features, the weighted sum, the rules, staff-forbidden pairs and the minimum
score. Every float32 operation is the one numpy performs, in the same order,
so a block's totals are *bit for bit* those of ``score_block`` (tested); the
candidate path and the dense path see the same scores.

It serves only the built-in extractors (their exact classes); a user's own
extractor falls back to ``score_block``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._base import _workers
from ._categorical import MutualRequest, RegionProximity
from ._numeric import CommunitySizeSimilarity, ExperienceGap
from ._sets import InterestOverlap, SkillsCoverage
from ._text import GoalsSimilarity

__all__ = ["BlockStats", "FusedBlocks"]

_SPARSE, _REGION, _COMMUNITY, _EXPERIENCE, _MUTUAL = range(5)
_SPARSE_TYPES = (GoalsSimilarity, SkillsCoverage, InterestOverlap)
_KERNEL: dict[str, Any] = {}


@dataclass
class BlockStats:
    """A block's masked totals and what the unmatched reasons count.

    ``masked`` holds the total where the pair is allowed by the rules, not
    forbidden by staff and reaches the minimum score, ``-inf`` elsewhere. The
    counts and bests are per row (``row_*``) and per column (``col_*``) for
    the three masks: rules, rules and staff, all three (``final``).
    """

    masked: np.ndarray
    row_rule: np.ndarray
    row_staff: np.ndarray
    row_final: np.ndarray
    row_best_staff: np.ndarray
    row_best_final: np.ndarray
    col_rule: np.ndarray
    col_staff: np.ndarray
    col_final: np.ndarray
    col_best_staff: np.ndarray
    col_best_final: np.ndarray


def _kernel() -> Any:
    """The compiled kernel (numba imported and the function compiled on first use)."""
    if "block" in _KERNEL:
        return _KERNEL["block"]
    import numba as nb

    from mentormatch._jit import njit  # numba's cache, in a private per-user directory

    @njit(parallel=True, nogil=True)
    def block_kernel(
        kinds,
        slots,
        weights,
        neutrals,
        # sparse features, stacked: rows' CSR pieces, columns' postings
        a_ptr,
        a_idx,
        a_dat,
        row_missing,
        bt_start,
        bt_ptr,
        bt_idx,
        bt_dat,
        col_missing,
        # region
        table,
        reg_a,
        reg_b,
        # community size
        com_a,
        com_b,
        com_nslope,
        # experience (up to two parts)
        exp_a,
        exp_b,
        exp_scale,
        # mutual requests (mentee rows of a CSR; columns mapped to block positions)
        mut_ptr,
        mut_idx,
        colpos,
        # rules
        el_r,
        el_c,
        org_a,
        org_b,
        prev_ptr,
        prev_idx,
        pw_a,
        pw_b,
        forb_ptr,
        forb_idx,
        min_score,
        has_min,
        with_counts,
        n_chunks,
        masked,
        row_counts,
        row_best,
        col_counts,
        col_best,
    ):
        nr, m = masked.shape
        n_feat = kinds.shape[0]
        n_pw = pw_a.shape[0]
        n_exp = exp_a.shape[0]
        one = np.float32(1.0)
        zero = np.float32(0.0)
        neg = np.float32(-np.inf)
        step = (nr + n_chunks - 1) // n_chunks
        for ch in nb.prange(n_chunks):
            buf = np.empty(m, dtype=np.float32)
            flag = np.zeros(m, dtype=np.uint8)
            for i in range(ch * step, min(nr, (ch + 1) * step)):
                acc = masked[i]
                acc[:] = zero
                for f in range(n_feat):
                    kind = kinds[f]
                    s = slots[f]
                    w = weights[f]
                    neu = neutrals[f]
                    if kind == 0:  # sparse product, then clip, then blanks
                        if row_missing[s, i]:
                            for j in range(m):
                                acc[j] += neu * w
                            continue
                        buf[:] = zero
                        for p in range(a_ptr[s, i], a_ptr[s, i + 1]):
                            x = a_dat[p]
                            base = bt_start[s] + a_idx[p]
                            for q in range(bt_ptr[base], bt_ptr[base + 1]):
                                buf[bt_idx[q]] += x * bt_dat[q]
                        for j in range(m):
                            if col_missing[s, j]:
                                v = neu
                            else:
                                v = min(max(buf[j], zero), one)
                            acc[j] += v * w
                    elif kind == 1:  # region table
                        ra = reg_a[i]
                        for j in range(m):
                            v = table[ra, reg_b[j]]
                            if np.isnan(v):
                                v = neu
                            acc[j] += v * w
                    elif kind == 2:  # community size, on a log scale
                        ca = com_a[i]
                        for j in range(m):
                            d = ca - com_b[j]
                            if np.isnan(d):
                                v = neu
                            else:
                                v = abs(d) * com_nslope + one
                                if v < zero:
                                    v = zero
                            acc[j] += v * w
                    elif kind == 3:  # experience: mean of the known parts
                        for j in range(m):
                            t = zero
                            kn = zero
                            last = zero
                            for e in range(n_exp):
                                g = (exp_b[e, j] - exp_a[e, i]) * exp_scale[e]
                                if np.isnan(g):
                                    last = g
                                    continue
                                g = min(max(g, zero), one)
                                last = g
                                t += g
                                kn += one
                            if n_exp == 1:
                                v = neu if np.isnan(last) else last
                            elif kn == zero:
                                v = neu
                            else:
                                v = t / kn
                            acc[j] += v * w
                    else:  # mutual requests: 1 on the listed pairs (adding 0 elsewhere)
                        for p in range(mut_ptr[i], mut_ptr[i + 1]):
                            j = colpos[mut_idx[p]]
                            if j >= 0:
                                acc[j] += one * w
                # rules, then staff, then the minimum score
                for p in range(prev_ptr[i], prev_ptr[i + 1]):
                    j = colpos[prev_idx[p]]
                    if j >= 0:
                        flag[j] |= 1
                for p in range(forb_ptr[i], forb_ptr[i + 1]):
                    j = colpos[forb_idx[p]]
                    if j >= 0:
                        flag[j] |= 2
                n_rule = 0
                n_staff = 0
                n_final = 0
                best_staff = neg
                best_final = neg
                oa = org_a[i]
                er = el_r[i]
                for j in range(m):
                    tot = acc[j]
                    if tot > one:
                        tot = one
                    ok = er and el_c[j] and (flag[j] & 1) == 0
                    if ok and oa >= 0 and oa == org_b[j]:
                        ok = False
                    if ok:
                        for r in range(n_pw):
                            if not pw_b[r, j] > pw_a[r, i]:
                                ok = False
                                break
                    fin = neg
                    if ok:
                        if with_counts:
                            n_rule += 1
                            col_counts[ch, 0, j] += 1
                        if (flag[j] & 2) == 0:
                            if with_counts:
                                n_staff += 1
                                col_counts[ch, 1, j] += 1
                                if tot > best_staff:
                                    best_staff = tot
                                if tot > col_best[ch, 0, j]:
                                    col_best[ch, 0, j] = tot
                            if (not has_min) or tot >= min_score:
                                fin = tot
                                if with_counts:
                                    n_final += 1
                                    col_counts[ch, 2, j] += 1
                                    if tot > best_final:
                                        best_final = tot
                                    if tot > col_best[ch, 1, j]:
                                        col_best[ch, 1, j] = tot
                    acc[j] = fin
                for p in range(prev_ptr[i], prev_ptr[i + 1]):
                    j = colpos[prev_idx[p]]
                    if j >= 0:
                        flag[j] = 0
                for p in range(forb_ptr[i], forb_ptr[i + 1]):
                    j = colpos[forb_idx[p]]
                    if j >= 0:
                        flag[j] = 0
                row_counts[i, 0] = n_rule
                row_counts[i, 1] = n_staff
                row_counts[i, 2] = n_final
                row_best[i, 0] = best_staff
                row_best[i, 1] = best_final

    _KERNEL["block"] = block_kernel
    return block_kernel


def _csr_parts(matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        matrix.indptr.astype(np.int64),
        matrix.indices.astype(np.int64),
        matrix.data.astype(np.float32, copy=False),
    )


class FusedBlocks:
    """Masked totals and counts of any block, in one compiled pass (see the module).

    Build it with :meth:`from_scorer`, which returns ``None`` when a feature
    is not one of the built-in extractors.
    """

    def __init__(self, scorer: Any, forbidden: list[tuple[int, int]], min_score: float | None):
        self.scorer = scorer
        n_rows, n_cols = scorer.shape
        names = list(scorer.weights_)
        exts = [scorer.extractors_[n] for n in names]
        self.kinds = np.empty(len(names), np.int64)
        self.slots = np.zeros(len(names), np.int64)
        self.weights = np.array([scorer.weights_[n] for n in names], dtype=np.float32)
        self.neutrals = np.array([scorer.neutral_[n] for n in names], dtype=np.float32)
        self.sparse: list[Any] = []
        self.region = self.community = self.experience = None
        self.mutual: sp.csr_matrix | None = None
        for f, ext in enumerate(exts):
            if isinstance(ext, _SPARSE_TYPES):
                self.kinds[f] = _SPARSE
                self.slots[f] = len(self.sparse)
                self.sparse.append(ext)
            elif isinstance(ext, RegionProximity):
                self.kinds[f], self.region = _REGION, ext
            elif isinstance(ext, CommunitySizeSimilarity):
                self.kinds[f], self.community = _COMMUNITY, ext
            elif isinstance(ext, ExperienceGap):
                self.kinds[f], self.experience = _EXPERIENCE, ext
            else:
                self.kinds[f], self.mutual = _MUTUAL, sp.csr_matrix(ext.mutual_)
        rules = scorer.rules_
        self.el_r = rules.mentee_eligible.astype(np.bool_)
        self.el_c = rules.mentor_eligible.astype(np.bool_)
        self.org_a = (
            rules.mentee_org.astype(np.int64)
            if rules.mentee_org is not None and rules.mentor_org is not None
            else np.full(n_rows, -1, np.int64)
        )
        self.org_b = (
            rules.mentor_org.astype(np.int64)
            if rules.mentee_org is not None and rules.mentor_org is not None
            else np.full(n_cols, -2, np.int64)
        )
        self.prev = (
            sp.csr_matrix(rules.previous)
            if rules.previous is not None and rules.previous.nnz
            else sp.csr_matrix((n_rows, n_cols), dtype=bool)
        )
        self.pw_a = np.array([p.mentee_values for p in rules.pairwise], dtype=np.float64).reshape(
            len(rules.pairwise), n_rows
        )
        self.pw_b = np.array([p.mentor_values for p in rules.pairwise], dtype=np.float64).reshape(
            len(rules.pairwise), n_cols
        )
        if forbidden:
            arr = np.array(forbidden, dtype=np.int64).reshape(-1, 2)
            self.forb = sp.csr_matrix(
                (np.ones(len(arr), bool), (arr[:, 0], arr[:, 1])), shape=(n_rows, n_cols)
            )
        else:
            self.forb = sp.csr_matrix((n_rows, n_cols), dtype=bool)
        self.min_score = np.float32(0 if min_score is None else min_score)
        self.has_min = min_score is not None
        self._cols_key: tuple[int, bytes] | None = None
        self._cols_side: dict[str, Any] = {}

    @classmethod
    def from_scorer(
        cls, scorer: Any, forbidden: list[tuple[int, int]], min_score: float | None
    ) -> FusedBlocks | None:
        """The fused pass for ``scorer``; ``None`` when a feature is not built in."""
        builtin = (*_SPARSE_TYPES, RegionProximity, CommunitySizeSimilarity, ExperienceGap)
        if not all(
            type(scorer.extractors_[n]) in (*builtin, MutualRequest) for n in scorer.weights_
        ):
            return None
        return cls(scorer, forbidden, min_score)

    def _columns(self, cols: np.ndarray) -> dict[str, Any]:
        """The column side of a block (postings, codes, values), kept for the last columns."""
        key = (len(cols), cols.tobytes())
        if self._cols_key == key:
            return self._cols_side
        n_cols = self.scorer.shape[1]
        side: dict[str, Any] = {}
        bt_ptr: list[np.ndarray] = []
        bt_idx: list[np.ndarray] = []
        bt_dat: list[np.ndarray] = []
        starts: list[int] = []
        offset = 0
        miss = np.zeros((max(len(self.sparse), 1), len(cols)), dtype=np.bool_)
        for s, ext in enumerate(self.sparse):
            bt = sp.csr_matrix(ext.mentor_vectors_[cols].T)
            bt.sort_indices()
            p, i, d = _csr_parts(bt)
            starts.append(int(sum(len(x) for x in bt_ptr)))
            bt_ptr.append(p + offset)
            bt_idx.append(i)
            bt_dat.append(d)
            offset += len(i)
            miss[s] = ext.mentor_missing_[cols]
        side["bt_start"] = np.array(starts, np.int64) if starts else np.zeros(1, np.int64)
        side["bt_ptr"] = np.concatenate(bt_ptr) if bt_ptr else np.zeros(1, np.int64)
        side["bt_idx"] = np.concatenate(bt_idx) if bt_idx else np.zeros(0, np.int64)
        side["bt_dat"] = np.concatenate(bt_dat) if bt_dat else np.zeros(0, np.float32)
        side["col_missing"] = miss
        side["table"], side["reg_b"] = (
            (self.region.table_, self.region.mentor_codes_[cols].astype(np.int64))
            if self.region is not None
            else (np.zeros((1, 1), np.float32), np.zeros(len(cols), np.int64))
        )
        side["com_b"] = (
            self.community.mentor_log_[cols]
            if self.community is not None
            else np.zeros(len(cols), np.float32)
        )
        exp = self.experience
        side["exp_b"] = (
            np.array([exp.mentor_values_[p][cols] for p in exp.parts_], dtype=np.float32)
            if exp is not None
            else np.zeros((0, len(cols)), np.float32)
        )
        colpos = np.full(n_cols, -1, np.int64)
        colpos[cols] = np.arange(len(cols))
        side["colpos"] = colpos
        side["el_c"] = self.el_c[cols]
        side["org_b"] = self.org_b[cols]
        side["pw_b"] = np.ascontiguousarray(self.pw_b[:, cols])
        self._cols_key, self._cols_side = key, side
        return side

    def _rows(self, rows: np.ndarray) -> dict[str, Any]:
        """The kernel's arrays of the mentees ``rows`` (the row side of a block)."""
        nr = len(rows)
        n_sp = max(len(self.sparse), 1)
        a_ptr = np.zeros((n_sp, nr + 1), np.int64)
        a_idx, a_dat = [], []
        row_missing = np.zeros((n_sp, nr), np.bool_)
        offset = 0
        for s, ext in enumerate(self.sparse):
            a = ext.mentee_vectors_[rows]
            p, i, d = _csr_parts(a)
            a_ptr[s] = p + offset
            a_idx.append(i)
            a_dat.append(d)
            offset += len(i)
            row_missing[s] = ext.mentee_missing_[rows]
        exp = self.experience
        if exp is not None:
            exp_a = np.array([exp.mentee_values_[p][rows] for p in exp.parts_], dtype=np.float32)
            scales = {
                exp.years_column: np.float32(1 / float(exp.years_gap)),
                exp.stage_column: np.float32(1 / float(exp.stage_gap)),
            }
            exp_scale = np.array([scales[p] for p in exp.parts_], dtype=np.float32)
        else:
            exp_a = np.zeros((0, nr), np.float32)
            exp_scale = np.zeros(0, np.float32)
        com_nslope = (
            -np.float32(1 / float(self.community.decades))
            if self.community is not None
            else np.float32(0)
        )
        mut = self.mutual[rows] if self.mutual is not None else sp.csr_matrix((nr, 1), dtype=bool)
        prev = self.prev[rows]
        forb = self.forb[rows]
        return {
            "a_ptr": a_ptr,
            "a_idx": np.concatenate(a_idx) if a_idx else np.zeros(0, np.int64),
            "a_dat": np.concatenate(a_dat) if a_dat else np.zeros(0, np.float32),
            "row_missing": row_missing,
            "reg_a": (
                self.region.mentee_codes_[rows].astype(np.int64)
                if self.region is not None
                else np.zeros(nr, np.int64)
            ),
            "com_a": (
                self.community.mentee_log_[rows]
                if self.community is not None
                else np.zeros(nr, np.float32)
            ),
            "com_nslope": np.float32(com_nslope),
            "exp_a": exp_a,
            "exp_scale": exp_scale,
            "mut_ptr": mut.indptr.astype(np.int64),
            "mut_idx": mut.indices.astype(np.int64),
            "prev_ptr": prev.indptr.astype(np.int64),
            "prev_idx": prev.indices.astype(np.int64),
            "pw_a": np.ascontiguousarray(self.pw_a[:, rows]),
            "forb_ptr": forb.indptr.astype(np.int64),
            "forb_idx": forb.indices.astype(np.int64),
        }

    def block(self, rows: np.ndarray, cols: np.ndarray, *, counts: bool = True) -> BlockStats:
        """The masked totals and the counts of the block ``rows`` x ``cols``.

        ``counts=False``: the masked totals only (the counts and bests are
        left empty), for the pricer's rescoring, which needs nothing else.
        """
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        cs = self._columns(cols)
        rs = self._rows(rows)
        nr, m = len(rows), len(cols)
        n_chunks = max(1, min(nr, 4 * _workers()))
        masked = np.empty((nr, m), dtype=np.float32)
        width = m if counts else 0
        row_counts = np.zeros((nr, 3), np.int64)
        row_best = np.full((nr, 2), -np.inf, np.float32)
        col_counts = np.zeros((n_chunks, 3, width), np.int32)
        col_best = np.full((n_chunks, 2, width), -np.inf, np.float32)
        _kernel()(
            self.kinds,
            self.slots,
            self.weights,
            self.neutrals,
            rs["a_ptr"],
            rs["a_idx"],
            rs["a_dat"],
            rs["row_missing"],
            cs["bt_start"],
            cs["bt_ptr"],
            cs["bt_idx"],
            cs["bt_dat"],
            cs["col_missing"],
            cs["table"],
            rs["reg_a"],
            cs["reg_b"],
            rs["com_a"],
            cs["com_b"],
            rs["com_nslope"],
            rs["exp_a"],
            cs["exp_b"],
            rs["exp_scale"],
            rs["mut_ptr"],
            rs["mut_idx"],
            cs["colpos"],
            self.el_r[rows],
            cs["el_c"],
            self.org_a[rows],
            cs["org_b"],
            rs["prev_ptr"],
            rs["prev_idx"],
            rs["pw_a"],
            cs["pw_b"],
            rs["forb_ptr"],
            rs["forb_idx"],
            self.min_score,
            self.has_min,
            counts,
            n_chunks,
            masked,
            row_counts,
            row_best,
            col_counts,
            col_best,
        )
        return _block_stats(masked, row_counts, row_best, col_counts, col_best)


def _block_stats(
    masked: np.ndarray,
    row_counts: np.ndarray,
    row_best: np.ndarray,
    col_counts: np.ndarray,
    col_best: np.ndarray,
) -> BlockStats:
    """The kernel's outputs as one :class:`BlockStats` (the columns' chunks summed)."""
    cc = col_counts.sum(axis=0, dtype=np.int64)
    cb = col_best.max(axis=0)
    return BlockStats(
        masked=masked,
        row_rule=row_counts[:, 0],
        row_staff=row_counts[:, 1],
        row_final=row_counts[:, 2],
        row_best_staff=row_best[:, 0].astype(np.float64),
        row_best_final=row_best[:, 1].astype(np.float64),
        col_rule=cc[0],
        col_staff=cc[1],
        col_final=cc[2],
        col_best_staff=cb[0].astype(np.float64),
        col_best_final=cb[1].astype(np.float64),
    )
