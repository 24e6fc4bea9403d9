"""Report figures of any set of articles from their sufficient statistics.

`figures_reduce` concatenates the articles' tables (`article_stats`), maps
their local reviewer and source indices onto the scope's sorted names, and
computes every figure with numpy sums over the concatenated rows: the cost
is proportional to the number of table rows, with no Python loop over units
or articles' contents. The formulas are in docs/agreement.md.

Confidence intervals of alpha: by default a cluster bootstrap over articles
(units of one article are not independent: same reviewers, same text, one
sitting), drawing articles with replacement and summing their coincidence
matrices; ``bootstrap="unit"`` resamples units as a single-scope computation
does (it needs the per-unit tables, `article_stats(with_units=True)`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any, Literal

import numpy as np
from scipy import sparse

from annotations.metrics.agreement import (
    _ordinal_delta,
    alpha_from_coincidences,
    bootstrap_alpha_counts,
    kappa_from_confusion,
)
from annotations.metrics.article_stats import (
    ALL_TABLES,
    DIMENSIONS,
    MODES,
    STATUSES,
    ArticleStats,
    Frame,
)
from annotations.metrics.reasons import REASON_COUNT_KEYS

Bootstrap = Literal["article", "unit"]


class _Scope:
    """The articles' tables concatenated, local name indices made global."""

    def __init__(self, stats: Sequence[ArticleStats]) -> None:
        self.stats = stats
        self.n = len(stats)
        self.reviewers, self._reviewer_map, self._reviewer_offset = _names(
            [s.reviewers for s in stats]
        )
        self.sources, self._source_map, self._source_offset = _names(
            [s.sources for s in stats]
        )
        self._built: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def table(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, article position of each row), name columns made global.

        Built once per scope (read-only arrays): the figures read each table
        several times, and concatenating thousands of articles' rows is the
        cost of a reduction.
        """
        if name not in self._built:
            rows, article = self._build(name)
            rows.setflags(write=False)
            article.setflags(write=False)
            self._built[name] = (rows, article)
        return self._built[name]

    def _build(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        columns = ALL_TABLES[name]
        blocks = [s.table(name) for s in self.stats]
        counts = np.array([len(block) for block in blocks], dtype=np.int64)
        rows = (
            np.concatenate(blocks).astype(np.int64)
            if blocks
            else np.zeros((0, len(columns)), dtype=np.int64)
        )
        article = np.repeat(np.arange(self.n), counts)
        for index, column in enumerate(columns):
            if column.startswith("reviewer"):
                local = self._reviewer_offset[article] + rows[:, index]
                rows[:, index] = self._reviewer_map[local]
            elif name.startswith("cited_source.") and column in ("i", "j"):
                local = self._source_offset[article] + rows[:, index]
                rows[:, index] = self._source_map[local]
        return rows, article


def _names(lists: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Sorted union of the lists, each list entry's index in it, list offsets."""
    sizes = np.array([len(names) for names in lists], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    flat = [name for names in lists for name in names]
    if not flat:
        return [], np.zeros(0, dtype=np.int64), offsets
    unique, inverse = np.unique(np.array(flat, dtype=object), return_inverse=True)
    return [str(name) for name in unique], inverse.ravel().astype(np.int64), offsets


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def figures_reduce(
    stats: Sequence[ArticleStats],
    *,
    frame: Frame,
    unitizing_needed: int,
    draws: int,
    seed: int,
    bootstrap: Bootstrap = "article",
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Reviewers, counts, label, detection and unitizing figures of the articles.

    ``stats`` in the scope's article order (alpha_U lays the articles end to
    end in that order). Only articles with at least ``unitizing_needed``
    active reviewers take part in alpha_U. Undefined figures are None.
    """
    scope = _Scope(stats)
    counts = scope.table("counts")[0].sum(axis=0)
    marked = np.unique(scope.table("marked")[0][:, 0])
    reviewers = [scope.reviewers[index] for index in marked]
    labels, pairable_by_article = {}, None
    for name in DIMENSIONS:
        figures, pairable_by_article = _label_figures(scope, name, frame, marked)
        labels[name] = figures
    _intervals(
        scope,
        labels,
        frame,
        pairable_by_article,
        draws=draws,
        seed=seed,
        bootstrap=bootstrap,
        confidence=confidence,
    )
    return {
        "reviewers": reviewers,
        "counts": {
            "articles": scope.n,
            "spans": int(counts[0]) if scope.n else 0,
            "units": int(counts[1]) if scope.n else 0,
            "status": {
                status: int(counts[2 + index]) if scope.n else 0
                for index, status in enumerate(STATUSES)
            },
            "reasons": {
                kind: int(counts[2 + len(STATUSES) + index]) if scope.n else 0
                for index, kind in enumerate(REASON_COUNT_KEYS)
            },
        },
        "labels": labels,
        "detection": {mode: _detection(scope, mode) for mode in MODES},
        "unitizing": _unitizing(scope, frame, unitizing_needed),
    }


# --- Label agreement ------------------------------------------------------------


def _coincidence_rows(
    scope: _Scope, name: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coincidence entries (i, j, value, article) with i <= j, from the products.

    o_ck = sum over units of size m >= 2 of (n_uc n_uk - [c = k] n_uc) / (m - 1).
    """
    products, product_article = scope.table(f"{name}.products")
    totals, total_article = scope.table(f"{name}.totals")
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


def _label_figures(
    scope: _Scope, name: str, frame: Frame, marked: np.ndarray
) -> tuple[dict[str, Any], np.ndarray]:
    """One dimension's figures (CI filled in later); pairable units per article."""
    fixed = frame.categories(name)
    categories = list(fixed) if fixed is not None else scope.sources
    n_categories = len(categories)
    totals, total_article = scope.table(f"{name}.totals")
    size, category, count = totals[:, 0], totals[:, 1], totals[:, 2]
    pairable_rows = size >= 2
    # Each unit of size m adds m to the totals of its size.
    pairable_by_article = np.bincount(
        total_article[pairable_rows],
        weights=count[pairable_rows] / size[pairable_rows],
        minlength=scope.n,
    )
    pairable = int(round(pairable_by_article.sum()))
    i, j, value, _ = _coincidence_rows(scope, name)
    marginals = np.bincount(i, weights=value, minlength=n_categories)
    marginals += np.bincount(j, weights=value * (i != j), minlength=n_categories)
    diagonal = np.bincount(i, weights=value * (i == j), minlength=n_categories)
    ordinal = name == "sourcing_quality"
    if not pairable:
        alpha = None
    elif ordinal:
        alpha = alpha_from_coincidences(
            _dense(i, j, value, n_categories), "ordinal", frame.sourcing_ranks
        )
    else:
        alpha = _nominal_alpha(marginals.sum(), diagonal.sum(), marginals)
    fleiss, fleiss_units = _fleiss(scope, name, len(marked), n_categories)
    figures: dict[str, Any] = {
        "level": "ordinal" if ordinal else "nominal",
        "categories": categories,
        "values": int(count.sum()),
        "pairable_units": pairable,
        "alpha": alpha,
        "ci": None,
        "fleiss_kappa": fleiss,
        "fleiss_units": fleiss_units,
        "pairs": _pairs(scope, name, marked, n_categories, fixed is not None),
    }
    if fixed is not None:
        label_counts = np.bincount(category, weights=count, minlength=n_categories)
        total = marginals.sum()
        figures["per_label"] = {
            code: {
                "n": int(label_counts[index]),
                "alpha": _binary_alpha(total, marginals[index], diagonal[index])
                if pairable
                else None,
            }
            for index, code in enumerate(categories)
        }
    return figures, pairable_by_article


def _dense(i: np.ndarray, j: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """The symmetric coincidence matrix from its upper-triangle entries."""
    matrix = np.zeros((n, n))
    np.add.at(matrix, (i, j), value)
    off = i != j
    np.add.at(matrix, (j[off], i[off]), value[off])
    return matrix


def _nominal_alpha(
    total: float, agreeing: float, marginals: np.ndarray
) -> float | None:
    """1 - (n - 1) (n - sum o_cc) / (n^2 - sum n_c^2)."""
    expected = total * total - float(marginals @ marginals)
    if total <= 1 or expected <= 0:
        return None
    return float(1.0 - (total - 1) * (total - agreeing) / expected)


def _binary_alpha(total: float, marginal: float, agreeing: float) -> float | None:
    """Alpha of "this label / another label" from o_cc, n_c and n."""
    expected = 2.0 * marginal * (total - marginal)
    if total <= 1 or expected <= 0:
        return None
    return float(1.0 - (total - 1) * 2.0 * (marginal - agreeing) / expected)


def _fleiss(
    scope: _Scope, name: str, raters: int, n_categories: int
) -> tuple[float | None, int]:
    """Fleiss' kappa over the units every scope reviewer marked (size == raters)."""
    if raters < 2:
        return None, 0
    totals, _ = scope.table(f"{name}.totals")
    products, _ = scope.table(f"{name}.products")
    totals = totals[totals[:, 0] == raters]
    units = int(totals[:, 2].sum()) // raters
    if not units:
        return None, 0
    diagonal = products[(products[:, 0] == raters) & (products[:, 1] == products[:, 2])]
    squares = float(diagonal[:, 3].sum())
    share = np.bincount(totals[:, 1], weights=totals[:, 2], minlength=n_categories)
    share /= units * raters
    observed = (squares - units * raters) / (units * raters * (raters - 1))
    expected = float((share**2).sum())
    if math.isclose(expected, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return None, units
    return float((observed - expected) / (1.0 - expected)), units


def _pairs(
    scope: _Scope, name: str, marked: np.ndarray, n_categories: int, confusion: bool
) -> list[dict[str, Any]]:
    """Cohen's kappa, percent agreement (and confusion) of every reviewer pair."""
    pairs = list(combinations(marked.tolist(), 2))
    rows, _ = scope.table(f"{name}.confusion")
    width = max(len(scope.reviewers), 1)
    position = np.full(width * width, -1, dtype=np.int64)
    for index, (a, b) in enumerate(pairs):
        position[a * width + b] = index
    pair = position[rows[:, 0] * width + rows[:, 1]]
    i, j, count = rows[:, 2], rows[:, 3], rows[:, 4].astype(float)
    n_pairs, k = len(pairs), n_categories
    totals = np.bincount(pair, weights=count, minlength=n_pairs)
    agreeing = np.bincount(pair, weights=count * (i == j), minlength=n_pairs)
    row_marginals = np.bincount(pair * k + i, weights=count, minlength=n_pairs * k)
    column_marginals = np.bincount(pair * k + j, weights=count, minlength=n_pairs * k)
    row_marginals = row_marginals.reshape(n_pairs, k)
    column_marginals = column_marginals.reshape(n_pairs, k)
    tables = None
    if confusion:
        tables = np.zeros((n_pairs, k, k), dtype=np.int64)
        np.add.at(tables, (pair, i, j), rows[:, 4])
    result = []
    for index, (a, b) in enumerate(pairs):
        n = float(totals[index])
        if tables is not None:
            kappa = kappa_from_confusion(tables[index])
        else:
            kappa = _kappa(
                n, agreeing[index], row_marginals[index], column_marginals[index]
            )
        row = {
            "reviewer_a": scope.reviewers[a],
            "reviewer_b": scope.reviewers[b],
            "n": int(n),
            "cohen_kappa": kappa,
            "percent_agreement": float(agreeing[index]) / n if n else None,
        }
        if tables is not None:
            row["confusion"] = tables[index].tolist()
        result.append(row)
    return result


def _kappa(
    total: float, agreeing: float, rows: np.ndarray, columns: np.ndarray
) -> float | None:
    """`kappa_from_confusion` from the trace and the two marginals."""
    if total == 0:
        return None
    observed = agreeing / total
    expected = float(rows @ columns) / total**2
    if math.isclose(expected, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return None
    return float((observed - expected) / (1.0 - expected))


# --- Confidence intervals -------------------------------------------------------


def _intervals(
    scope: _Scope,
    labels: dict[str, dict[str, Any]],
    frame: Frame,
    pairable_by_article: np.ndarray,
    *,
    draws: int,
    seed: int,
    bootstrap: Bootstrap,
    confidence: float,
) -> None:
    """Fill in each defined alpha's 95% percentile interval."""
    if draws < 1 or not 0 < confidence < 1:
        raise ValueError("need draws >= 1 and 0 < confidence < 1")
    wanted = [name for name in DIMENSIONS if labels[name]["alpha"] is not None]
    if not wanted:
        return
    if bootstrap == "unit":
        for name in wanted:
            labels[name]["ci"] = _unit_interval(
                scope,
                name,
                frame,
                len(labels[name]["categories"]),
                pairable_by_article,
                draws=draws,
                seed=seed,
                confidence=confidence,
            )
        return
    if bootstrap != "article":
        raise ValueError(f"unknown bootstrap {bootstrap!r}")
    clusters = np.flatnonzero(pairable_by_article > 0)
    cluster_of = np.full(scope.n, -1, dtype=np.int64)
    cluster_of[clusters] = np.arange(len(clusters))
    features = {
        name: _cluster_features(
            scope, name, cluster_of, len(clusters), len(labels[name]["categories"])
        )
        for name in wanted
    }
    alphas: dict[str, list[np.ndarray]] = {name: [] for name in wanted}
    rng = np.random.default_rng(seed)
    n = len(clusters)
    chunk = max(1, min(draws, 4_000_000 // n))
    for first in range(0, draws, chunk):
        size = min(chunk, draws - first)
        picks = rng.integers(0, n, size=(size, n)) + np.arange(size)[:, None] * n
        weights = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n)
        weights = weights.astype(float)
        for name in wanted:
            alphas[name].append(_draw_alphas(name, weights, features[name]))
    tail = (1.0 - confidence) / 2
    for name in wanted:
        values = np.concatenate(alphas[name])
        if len(values):
            low, high = np.quantile(values, [tail, 1.0 - tail])
            labels[name]["ci"] = [float(low), float(high)]


def _cluster_features(
    scope: _Scope, name: str, cluster_of: np.ndarray, n_clusters: int, k: int
):
    """Per article: nominal (n_c, n - sum o_cc), ordinal the upper coincidences."""
    i, j, value, article = _coincidence_rows(scope, name)
    cluster = cluster_of[article]
    keep = cluster >= 0
    i, j, value, cluster = i[keep], j[keep], value[keep], cluster[keep]
    if name == "sourcing_quality":
        upper_i, upper_j = np.triu_indices(k)
        slot = np.full((k, k), -1, dtype=np.int64)
        slot[upper_i, upper_j] = np.arange(len(upper_i))
        upper = np.zeros((n_clusters, len(upper_i)))
        np.add.at(upper, (cluster, slot[i, j]), value)
        return upper
    # Nominal: n_c and n - sum o_cc per article (sparse: the source set is open).
    off = i != j
    columns = np.concatenate([i, j[off], np.full(len(i), k)])
    rows = np.concatenate([cluster, cluster[off], cluster])
    # n - sum o_cc: each off-diagonal entry stands for itself and its mirror.
    data = np.concatenate([value, value[off], 2.0 * value * off])
    return sparse.csr_matrix((data, (rows, columns)), shape=(n_clusters, k + 1))


def _draw_alphas(name: str, weights: np.ndarray, features) -> np.ndarray:
    """Alpha of each draw (rows of ``weights``: how often each article is drawn)."""
    if name == "sourcing_quality":
        sums = weights @ features
        k = int((math.isqrt(8 * sums.shape[1] + 1) - 1) // 2)
        upper_i, upper_j = np.triu_indices(k)
        coincidences = np.empty((len(weights), k, k))
        coincidences[:, upper_i, upper_j] = sums
        coincidences[:, upper_j, upper_i] = sums
        marginals = coincidences.sum(axis=2)
        deltas = _ordinal_delta(marginals)
        observed = (coincidences * deltas).sum(axis=(1, 2))
        expected = np.einsum("dc,dck,dk->d", marginals, deltas, marginals)
    else:
        sums = np.asarray((features.T @ weights.T).T)
        marginals, observed = sums[:, :-1], sums[:, -1]
        total = marginals.sum(axis=1)
        expected = total * total - (marginals**2).sum(axis=1)
    total = marginals.sum(axis=1)
    defined = expected > 0
    return 1.0 - (total[defined] - 1) * observed[defined] / expected[defined]


def _unit_interval(
    scope: _Scope,
    name: str,
    frame: Frame,
    n_categories: int,
    pairable_by_article: np.ndarray,
    *,
    draws: int,
    seed: int,
    confidence: float,
) -> list[float] | None:
    """The per-unit bootstrap over the scope's pairable units, in scope order."""
    if not all(f"{name}.units" in s.tables for s in scope.stats):
        raise ValueError("the per-unit bootstrap needs article_stats(with_units=True)")
    rows, article = scope.table(f"{name}.units")
    per_article = np.rint(pairable_by_article).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(per_article)[:-1]]).astype(np.int64)
    counts = np.zeros((n_categories, int(per_article.sum())))
    counts[rows[:, 1], offset[article] + rows[:, 0]] = rows[:, 2]
    ordinal = name == "sourcing_quality"
    interval = bootstrap_alpha_counts(
        counts,
        "ordinal" if ordinal else "nominal",
        domain=np.asarray(frame.sourcing_ranks, dtype=float) if ordinal else None,
        draws=draws,
        seed=seed,
        confidence=confidence,
    )
    return [interval[0], interval[1]] if interval else None


# --- Span detection ----------------------------------------------------------


def _detection(scope: _Scope, mode: str) -> dict[str, Any]:
    """Pooled pair counts, P/R/F1 per pair, micro and macro."""
    rows, _ = scope.table(f"detection.{mode}")
    width = max(len(scope.reviewers), 1)
    keys, inverse = np.unique(rows[:, 0] * width + rows[:, 1], return_inverse=True)
    sums = np.zeros((len(keys), 3), dtype=np.int64)
    np.add.at(sums, inverse.ravel(), rows[:, 2:5])
    pairs = []
    for key, (matched, count_a, count_b) in zip(
        keys.tolist(), sums.tolist(), strict=True
    ):
        pairs.append(
            {
                "reviewer_a": scope.reviewers[key // width],
                "reviewer_b": scope.reviewers[key % width],
                "matched": matched,
                "count_a": count_a,
                "count_b": count_b,
                "precision": _ratio(matched, count_b),
                "recall": _ratio(matched, count_a),
                "f1": _ratio(2 * matched, count_a + count_b),
            }
        )
    matched, count_a, count_b = (int(total) for total in sums.sum(axis=0))
    f1s = [p["f1"] for p in pairs if p["f1"] is not None]
    return {
        "micro_precision": _ratio(matched, count_b),
        "micro_recall": _ratio(matched, count_a),
        "micro_f1": _ratio(2 * matched, count_a + count_b),
        "macro_f1": sum(f1s) / len(f1s) if f1s else None,
        "pairs": pairs,
    }


# --- Unitizing alpha ---------------------------------------------------------


def _unitizing(scope: _Scope, frame: Frame, needed: int) -> dict[str, Any]:
    """alpha_U of the articles with >= ``needed`` active reviewers, end to end."""
    active, active_article = scope.table("active")
    active_count = np.bincount(active_article, minlength=scope.n)
    included = active_count >= needed
    n_included = int(included.sum())
    raters = np.unique(active[included[active_article], 0])
    m = len(raters)
    counts, _ = scope.table("counts")
    lengths_by_article = counts[:, -1] if scope.n else np.zeros(0, dtype=np.int64)
    article_length = np.where(included, lengths_by_article, 0).astype(float)
    total_length = float(article_length.sum())
    if m < 2 or total_length == 0:
        return {"articles": n_included, "alpha": None, "per_label": {}}
    start_of = np.concatenate([[0.0], np.cumsum(article_length)[:-1]])

    def rows_of(name: str) -> np.ndarray:
        rows, article = scope.table(name)
        return rows[included[article]], article[included[article]]

    terms, _ = rows_of("unitizing.terms")
    lengths, _ = rows_of("unitizing.lengths")
    gaps, _ = rows_of("unitizing.gaps")
    ends, end_article = rows_of("unitizing.ends")
    present = np.unique(terms[:, 0])
    n_labels = len(frame.claim_codes)

    def per_label(column: int) -> np.ndarray:
        return np.bincount(
            terms[:, 0], weights=terms[:, column].astype(float), minlength=n_labels
        )

    squares, interaction = per_label(1), per_label(2)
    units, cubic, pairs = per_label(3), per_label(4), per_label(5)
    chain_label, chain_gap = _chain_gaps(
        ends, end_article, start_of, article_length, total_length
    )
    # A rater with no segment of a label on the whole continuum has one gap: all of it.
    groups = np.unique(ends[:, 1] * (len(scope.reviewers) + 1) + ends[:, 0])
    groups_per_label = np.bincount(
        groups // (len(scope.reviewers) + 1), minlength=n_labels
    )
    length = total_length
    disagreements = {}
    for label in present.tolist():
        observed = (m - 1) * squares[label] + interaction[label]
        observed *= 2.0 / (m * (m - 1) * length * length)
        unit_lengths = lengths[lengths[:, 0] == label, 1].astype(float)
        gap_values = np.concatenate(
            [
                gaps[gaps[:, 0] == label, 1].astype(float),
                chain_gap[chain_label == label],
                np.full(m - int(groups_per_label[label]), length),
            ]
        )
        gap_values.sort()
        first_fit = np.searchsorted(gap_values, unit_lengths, side="left")
        gap_tail = np.concatenate([np.cumsum(gap_values[::-1])[::-1], [0.0]])
        fitting = len(gap_values) - first_fit
        placements = gap_tail[first_fit] - fitting * (unit_lengths - 1)
        within = (units[label] - 1) * cubic[label]
        expected = float(within + (unit_lengths**2 * placements).sum()) * 2.0 / length
        expected /= m * length * (m * length - 1) - pairs[label]
        disagreements[frame.claim_codes[label]] = (float(observed), expected)
    per_code = {
        code: (float(1.0 - observed / expected) if expected > 0 else None)
        for code, (observed, expected) in disagreements.items()
    }
    observed_total = sum(observed for observed, _ in disagreements.values())
    expected_total = sum(expected for _, expected in disagreements.values())
    return {
        "articles": n_included,
        "alpha": float(1.0 - observed_total / expected_total)
        if expected_total > 0
        else None,
        "per_label": {code: per_code[code] for code in sorted(per_code)},
    }


def _chain_gaps(
    ends: np.ndarray,
    article: np.ndarray,
    start_of: np.ndarray,
    article_length: np.ndarray,
    total_length: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The gaps that cross article boundaries, per (reviewer, label) chain.

    On the continuum a reviewer's gap before its first segment of a label in
    an article runs back to its last segment of that label in an earlier
    article, across every article in between (where it has none); likewise
    after the last segment. Returns (label, length) of those gaps > 0.
    """
    if not len(ends):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    reviewer, label, lead, trail = (ends[:, c] for c in range(4))
    order = np.lexsort((article, label, reviewer))
    reviewer, label, lead, trail = (
        reviewer[order],
        label[order],
        lead[order],
        trail[order],
    )
    article = article[order]
    start, size = start_of[article], article_length[article]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (reviewer[1:] != reviewer[:-1]) | (label[1:] != label[:-1])
    last = np.ones(len(order), dtype=bool)
    last[:-1] = first[1:]
    previous_end = np.zeros(len(order))
    # Where the previous segment of the chain ends on the continuum.
    previous_end[1:] = start[:-1] + size[:-1] - trail[:-1]
    before = np.where(first, start + lead, start + lead - previous_end)
    after = total_length - (start + size - trail)
    gap_label = np.concatenate([label, label[last]])
    gap = np.concatenate([before, after[last]])
    keep = gap > 0
    return gap_label[keep], gap[keep]
