"""What each article adds to a `SessionSums`: signed summed rows and its Part.

Vectorised over a list of articles (their tables concatenated once), so a
cold build costs a few numpy passes over every row and one edit the same
passes over one article. Per-article values are computed by the same
operations in the same row order either way, so they are bit-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from annotations.metrics.article_stats import ALL_TABLES, DIMENSIONS, ArticleStats

if TYPE_CHECKING:
    from annotations.metrics.stats_sums import SessionSums


# Tables summed over all articles: {name: number of leading key columns}.
SUMMED: dict[str, int] = {
    "counts": 0,
    "marked": 1,
    **{
        key: keys
        for name in DIMENSIONS
        for key, keys in (
            (f"{name}.products", 3),
            (f"{name}.totals", 2),
            (f"{name}.confusion", 4),
        )
    },
    "detection.overlap": 2,
    "detection.exact": 2,
}
# Summed over the articles alpha_U includes (enough active reviewers).
INCLUDED: dict[str, int] = {
    "active": 1,
    "unitizing.terms": 1,
    "unitizing.lengths": 2,
    "unitizing.gaps": 2,
}
ORDINAL = "sourcing_quality"
NOMINAL = ("claim_type", "cited_source")


def name_columns(name: str) -> list[tuple[int, str]]:
    """(column, "reviewer" | "source") of a table's name-indexed columns."""
    found = []
    for index, column in enumerate(ALL_TABLES[name]):
        if column.startswith("reviewer"):
            found.append((index, "reviewer"))
        elif name.startswith("cited_source.") and column in ("i", "j"):
            found.append((index, "source"))
    return found


@dataclass
class Part:
    """What one article contributes, its names as registry ids."""

    stats: ArticleStats
    reviewers: np.ndarray
    sources: np.ndarray
    included: bool
    length: int
    pairable: float
    ordinal: np.ndarray  # the upper triangle of its ordinal coincidences
    nominal: dict[str, tuple[np.ndarray, np.ndarray]]  # dim -> (columns, values)
    ends: np.ndarray  # unitizing.ends, reviewer as registry id


def concatenated(
    stats: Sequence[ArticleStats], name: str, ids: dict[str, tuple]
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, article position) of one table, names made registry ids."""
    blocks = [s.table(name) for s in stats]
    counts = np.array([len(block) for block in blocks], dtype=np.int64)
    width = len(ALL_TABLES[name])
    rows = (
        np.concatenate(blocks).astype(np.int64).reshape(-1, width)
        if blocks
        else np.zeros((0, width), dtype=np.int64)
    )
    article = np.repeat(np.arange(len(stats)), counts)
    for column, kind in name_columns(name):
        flat, offsets = ids[kind]
        rows[:, column] = flat[offsets[article] + rows[:, column]]
    return rows, article


def registry(state: SessionSums, stats: Sequence[ArticleStats], sign: int):
    """Per article its names' ids; {kind: (flat ids, offset of each article)}."""
    ids, per_article = {}, {}
    for kind, names, lists in (
        ("reviewer", state.reviewers, [s.reviewers for s in stats]),
        ("source", state.sources, [s.sources for s in stats]),
    ):
        sizes = np.array([len(values) for values in lists], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        flat = names.ids([name for values in lists for name in values], delta=sign)
        ids[kind] = (flat, offsets)
        per_article[kind] = np.split(flat, np.cumsum(sizes)[:-1]) if len(stats) else []
    return ids, per_article


def _split(values: np.ndarray, article: np.ndarray, n: int) -> list[np.ndarray]:
    """``values`` (in article order) cut into one block per article."""
    bounds = np.searchsorted(article, np.arange(1, n))
    return np.split(values, bounds)


def coincidence_rows(rows_of, name: str):
    """Coincidence entries (i, j, value, article) with i <= j, from the products.

    o_ck = sum over units of size m >= 2 of (n_uc n_uk - [c = k] n_uc) / (m - 1).
    ``rows_of(table)`` gives (rows, article) of a table.
    """
    products, product_article = rows_of(f"{name}.products")
    totals, total_article = rows_of(f"{name}.totals")
    keep = products[:, 0] >= 2
    products, product_article = products[keep], product_article[keep]
    keep = totals[:, 0] >= 2
    totals, total_article = totals[keep], total_article[keep]
    i = np.concatenate([products[:, 1], totals[:, 1]])
    j = np.concatenate([products[:, 2], totals[:, 1]])
    value = np.concatenate(
        [
            products[:, 3] / (products[:, 0] - 1),
            -totals[:, 2] / (totals[:, 0] - 1),
        ]
    )
    return i, j, value, np.concatenate([product_article, total_article])


def _ordinal_features(rows_of, n: int, k: int) -> np.ndarray:
    """Per article the upper triangle of its ordinal coincidence matrix."""
    i, j, value, article = coincidence_rows(rows_of, ORDINAL)
    upper_i, upper_j = np.triu_indices(k)
    slot = np.full((k, k), -1, dtype=np.int64)
    slot[upper_i, upper_j] = np.arange(len(upper_i))
    upper = np.zeros((n, len(upper_i)))
    np.add.at(upper, (article, slot[i, j]), value)
    return upper


def _nominal_features(rows_of, name: str, n: int) -> list[tuple]:
    """Per article (columns, values): n_c per category and, in column -1
    (the last, placed at figure time), n - sum o_cc."""
    i, j, value, article = coincidence_rows(rows_of, name)
    off = i != j
    columns = np.concatenate([i, j[off], np.full(len(i), -1)])
    data = np.concatenate([value, value[off], 2.0 * value * off])
    owner = np.concatenate([article, article[off], article])
    order = np.argsort(owner, kind="stable")
    owner, columns, data = owner[order], columns[order], data[order]
    return list(zip(_split(columns, owner, n), _split(data, owner, n), strict=True))


def parts_of(state: SessionSums, stats: Sequence[ArticleStats], *, sign: int):
    """Each article's Part and the signed rows of every summed table."""
    n = len(stats)
    ids, names = registry(state, stats, sign)
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def rows_of(name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in cache:
            cache[name] = concatenated(stats, name, ids)
        return cache[name]

    active, active_article = rows_of("active")
    included = np.bincount(active_article, minlength=n) >= state.needed
    signed: dict[str, np.ndarray] = {}
    for name in (*SUMMED, *INCLUDED):
        rows, article = rows_of(name)
        if name in INCLUDED:
            rows = rows[included[article]]
        keys = SUMMED.get(name, INCLUDED.get(name))
        rows = rows.copy()
        rows[:, keys:] *= sign
        signed[name] = np.concatenate(
            [rows, np.full((len(rows), 1), sign, dtype=np.int64)], axis=1
        )
    counts, count_article = rows_of("counts")
    lengths = np.bincount(count_article, weights=counts[:, -1], minlength=n)
    totals, total_article = rows_of("cited_source.totals")
    pairable_rows = totals[:, 0] >= 2
    pairable = np.bincount(
        total_article[pairable_rows],
        weights=totals[pairable_rows, 2] / totals[pairable_rows, 0],
        minlength=n,
    )
    ordinal = _ordinal_features(rows_of, n, state.ordinal_k)
    nominal = {name: _nominal_features(rows_of, name, n) for name in NOMINAL}
    ends, end_article = rows_of("unitizing.ends")
    ends_of = _split(ends, end_article, n)
    parts = [
        Part(
            stats=stats[a],
            reviewers=names["reviewer"][a],
            sources=names["source"][a],
            included=bool(included[a]),
            length=int(lengths[a]),
            pairable=float(pairable[a]),
            ordinal=ordinal[a],
            nominal={name: nominal[name][a] for name in NOMINAL},
            ends=ends_of[a],
        )
        for a in range(n)
    ]
    return parts, signed
