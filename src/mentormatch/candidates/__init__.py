"""Stage 4, candidates: cohorts too large for a dense score matrix (the candidate path).

In: a fitted :class:`~mentormatch.scoring.PairScorer`, the staff's forbidden and
forced pairs, the minimum score. Out: a :class:`CandidateGraph` (a long table of
the pairs worth a variable, for :func:`~mentormatch.solver.solve_pairs`) and the
pricer that certifies the solver's answer for every other pair. Why its own
package and not inside ``solver/``: the solver works on arrays of scores and
knows no scorer, policy or feature; this stage is where the scorer meets the
solver's dual.

At 100,000 x 100,000 a dense matrix has 10^10 pairs; it is never built. One
pass over the eligible mentees, block by block, keeps

* each mentee's ``k`` best allowed mentors and each mentor's ``k`` best allowed
  mentees (the *candidate graph*), with every forced pair;
* the *reserve*: each line's next best pairs, outside the LP but priced
  exactly every round;
* the best score after those of every row and column (``t_i``, ``t'_j``):
  every other pair scores at most ``min(t_i, t'_j)``, since it is in neither
  list;
* per person, how many partners the rules allow, how many staff left and how
  many reach the minimum score, and the best of those scores (for the
  unmatched reasons).

The solver then proves the answer optimal for the *whole* problem with a
pricer (``mentormatch.solver.solve_pairs``): a pair left out can only violate
the current dual ``(u, v, lam)`` if ``W(min(t_i, t'_j)) > u_i + v_j + lam``, that
is if its row and its column both fail their bound (some ``j`` with ``v_j <
W(t_i) - u_i - lam`` and ``W(t'_j) - v_j - lam > u_i``): a two-sided dominance
test answered for every row and column at once by sorting by the dual and
taking prefix maxima, O((n + m) log m), no pair scored. The smaller flagged
side is scored again, exactly, against the whole other side. Violators join
the graph; every pair within ``NEAR_MARGIN`` of violating joins the reserve;
and the line keeps a *dual-aware* bound on the rest, ``zeta`` = the largest
``rint(q_ij) - C_j`` (the pair's score in integer units less the other side's
dual offset). Under a later dual a pair left out has slack at most ``zeta +
max_j (C_j - C'_j) - R'_i``, so the line stays certified, unscored, while the
dual moves less than the margin. When a few lines of the other side moved
much more than the rest, those few are scored again in full (*exceptions*)
and the margin only has to cover the others. Rounds whose reserve still
holds violators skip the rescoring. When nothing can violate, the dual is
feasible for all pairs and the solution is certified optimal.

The scoring, the selection and the pricing prefilters are compiled
(:mod:`mentormatch.scoring._fused`, :mod:`._topk`): each pair is
read once per pass, with the same scores, bit for bit, as the dense path.

Modules: ``_scan`` (the first pass: graph, reserve, counts), ``_pricer``
(the certificate's pricing rounds), ``_topk`` (the compiled selection and
pricing prefilters).
"""

from ._pricer import make_pricer
from ._scan import (
    BlockSource,
    CandidateGraph,
    Cluster,
    PairFilter,
    block_rows,
    build_candidates,
    pair_features,
)

__all__ = [
    "BlockSource",
    "CandidateGraph",
    "Cluster",
    "PairFilter",
    "block_rows",
    "build_candidates",
    "make_pricer",
    "pair_features",
]
