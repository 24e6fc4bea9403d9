"""Optimal one-to-one matching (Hungarian algorithm) on small weight matrices."""

from __future__ import annotations

import numpy as np


def max_weight_matching(weights: np.ndarray) -> list[tuple[int, int]]:
    """Return the (row, column) pairs of a maximum-total-weight matching.

    Entries <= 0 mean "may not be matched"; every allowed entry must be > 0.
    With positive allowed weights a best partial matching is a best complete
    assignment of the smaller side with the forbidden pairs dropped, so the
    problem reduces to a rectangular assignment.  The matrix is split into
    connected components of allowed pairs first: spans only compete with spans
    they overlap, so the components stay tiny even in long articles.

    Ties are broken deterministically (lowest indices first), so the result
    depends only on the matrix, never on hashing or input order.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2:
        raise ValueError("weights must be a 2-D matrix")
    allowed = weights > 0
    pairs: list[tuple[int, int]] = []
    for rows, cols in _components(allowed):
        block = weights[np.ix_(rows, cols)]
        for i, j in _assign(block):
            if block[i, j] > 0:
                pairs.append((rows[i], cols[j]))
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


def _assign(weights: np.ndarray) -> list[tuple[int, int]]:
    """Maximum-weight complete assignment of the smaller side of ``weights``."""
    if weights.shape[0] > weights.shape[1]:
        return [(i, j) for j, i in _min_cost_assignment(-weights.T)]
    return _min_cost_assignment(-weights)


def _min_cost_assignment(cost: np.ndarray) -> list[tuple[int, int]]:
    """Hungarian algorithm with potentials, O(n^2 m) for n <= m rows.

    Kuhn-Munkres in the shortest-augmenting-path form (Jonker-Volgenant
    style potentials); the scan over columns is vectorised with numpy.
    Index 0 of ``col_row``/``col_potential`` is a virtual column.
    """
    n_rows, n_cols = cost.shape
    row_potential = np.zeros(n_rows + 1)
    col_potential = np.zeros(n_cols + 1)
    col_row = np.zeros(n_cols + 1, dtype=np.int64)  # 1-based row, 0 = free
    way = np.zeros(n_cols + 1, dtype=np.int64)
    for row in range(1, n_rows + 1):
        col_row[0] = row
        current_col = 0
        min_slack = np.full(n_cols + 1, np.inf)
        used = np.zeros(n_cols + 1, dtype=bool)
        while True:
            used[current_col] = True
            current_row = col_row[current_col]
            slack = (
                cost[current_row - 1] - row_potential[current_row] - col_potential[1:]
            )
            free = ~used[1:]
            improved = free & (slack < min_slack[1:])
            min_slack[1:][improved] = slack[improved]
            way[1:][improved] = current_col
            masked = np.where(free, min_slack[1:], np.inf)
            next_col = int(np.argmin(masked)) + 1
            delta = masked[next_col - 1]
            used_cols = np.nonzero(used)[0]
            row_potential[col_row[used_cols]] += delta
            col_potential[used_cols] -= delta
            min_slack[1:][free] -= delta
            current_col = next_col
            if col_row[current_col] == 0:
                break
        while current_col:
            previous = way[current_col]
            col_row[current_col] = col_row[previous]
            current_col = previous
    return [
        (int(col_row[col]) - 1, col - 1) for col in range(1, n_cols + 1) if col_row[col]
    ]
