"""Optimal one-to-one matching on small weight matrices, with a fixed tie-break."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

# Totals this close to the best count as equal: float sums of the same weights
# in another order must not decide which tied matching wins.
_TIE_TOLERANCE = 1e-9


def max_weight_matching(weights: np.ndarray) -> list[tuple[int, int]]:
    """Return the (row, column) pairs of a maximum-total-weight matching.

    Entries <= 0 mean "may not be matched"; every allowed entry must be > 0.
    With positive allowed weights a best partial matching is a best complete
    assignment of the smaller side with the forbidden pairs dropped, so the
    problem reduces to a rectangular assignment
    (``scipy.optimize.linear_sum_assignment``).  The matrix is split into
    connected components of allowed pairs first: spans only compete with spans
    they overlap, so the components stay tiny even in long articles.

    Ties are broken deterministically, lowest indices first: of all matchings
    with the best total, the one whose sorted pair list is lexicographically
    smallest (row 0 takes the lowest column it can, then row 1, ...; a matched
    row comes before an unmatched one).  The result depends only on the
    matrix, never on hashing, input order or the solver's own tie-breaking.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2:
        raise ValueError("weights must be a 2-D matrix")
    allowed = weights > 0
    gains = np.where(allowed, weights, 0.0)
    pairs: list[tuple[int, int]] = []
    for rows, cols in _components(allowed):
        block = gains[np.ix_(rows, cols)]
        pairs.extend((rows[i], cols[j]) for i, j in _lowest_best_matching(block))
    pairs.sort()
    return pairs


def _components(allowed: np.ndarray) -> list[tuple[list[int], list[int]]]:
    """Connected components (rows, cols) of the bipartite graph of allowed pairs."""
    n_rows, n_cols = allowed.shape
    parent = list(range(n_rows + n_cols))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in zip(*np.nonzero(allowed), strict=True):
        root_a, root_b = find(int(i)), find(n_rows + int(j))
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)

    groups: dict[int, tuple[list[int], list[int]]] = {}
    for i in range(n_rows):
        if allowed[i].any():
            groups.setdefault(find(i), ([], []))[0].append(i)
    for j in range(n_cols):
        if allowed[:, j].any():
            groups.setdefault(find(n_rows + j), ([], []))[1].append(j)
    return [groups[root] for root in sorted(groups)]


def _best(
    gains: np.ndarray, rows: list[int], cols: list[int]
) -> tuple[float, list[tuple[int, int]]]:
    """(total, allowed pairs) of a best matching of ``rows`` x ``cols``."""
    if not rows or not cols:
        return 0.0, []
    block = gains[np.ix_(rows, cols)]
    row_index, col_index = linear_sum_assignment(block, maximize=True)
    total = float(block[row_index, col_index].sum())
    pairs = [
        (rows[i], cols[j])
        for i, j in zip(row_index.tolist(), col_index.tolist(), strict=True)
        if block[i, j] > 0
    ]
    return total, pairs


def _lowest_best_matching(gains: np.ndarray) -> list[tuple[int, int]]:
    """The lexicographically smallest of the best matchings of ``gains``.

    Row by row, a lower column than the current best matching's is tried
    (lowest first) by fixing it and re-solving the rows below; it is kept when
    the total stays the best.  Without ties that costs one solve per lower
    allowed column, and components have few.
    """
    n_rows, n_cols = gains.shape
    best, current = _best(gains, list(range(n_rows)), list(range(n_cols)))
    floor = best - _TIE_TOLERANCE * max(1.0, abs(best))
    chosen: list[tuple[int, int]] = []
    used: set[int] = set()
    fixed_total = 0.0
    for row in range(n_rows):
        col_now = dict(current).get(row)
        for col in np.flatnonzero(gains[row] > 0).tolist():
            if col_now is not None and col >= col_now:
                break
            if col in used:
                continue
            rest_cols = [c for c in range(n_cols) if c not in used and c != col]
            rest_total, rest = _best(gains, list(range(row + 1, n_rows)), rest_cols)
            if fixed_total + gains[row, col] + rest_total >= floor:
                current = [*chosen, (row, col), *rest]
                col_now = col
                break
        if col_now is not None:
            chosen.append((row, col_now))
            used.add(col_now)
            fixed_total += gains[row, col_now]
    return chosen
