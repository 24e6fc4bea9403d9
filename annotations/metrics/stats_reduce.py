"""Report figures of any set of articles from their summed statistics.

`figures_of` reads a `stats_sums.SessionSums` (the articles' tables summed
by key, kept up to date one article at a time) and computes every figure
with numpy over those small summed tables; `figures_reduce` builds the state
from a list of articles first. Confidence intervals are in
`stats_intervals`, alpha_U in `stats_unitizing`. The formulas are in
docs/agreement.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np

from annotations.metrics.agreement import alpha_from_coincidences, kappa_from_confusion
from annotations.metrics.article_stats import (
    DIMENSIONS,
    MODES,
    STATUSES,
    ArticleStats,
    Frame,
)
from annotations.metrics.reasons import REASON_COUNT_KEYS
from annotations.metrics.spans import detection_figures, detection_pair_row
from annotations.metrics.stats_intervals import Bootstrap, intervals_fill
from annotations.metrics.stats_parts import coincidence_rows
from annotations.metrics.stats_sums import SessionSums
from annotations.metrics.stats_unitizing import unitizing


class View:
    """A `SessionSums` read for figures: names sorted, summed tables ranked."""

    def __init__(self, state: SessionSums) -> None:
        self.state = state
        self.reviewers, reviewer_rank = state.reviewers.ranks()
        self.sources, source_rank = state.sources.ranks()
        self.rank = {"reviewer": reviewer_rank, "source": source_rank}
        self.parts = state.in_order()
        self.n = len(self.parts)
        self._tables: dict[str, np.ndarray] = {}

    def table(self, name: str) -> np.ndarray:
        """A summed table, names as positions in the sorted names (read-only)."""
        return self.ranked(name)[:, :-1]

    def weights(self, name: str) -> np.ndarray:
        """The multiplicity of each row of `table(name)`."""
        return self.ranked(name)[:, -1]

    def ranked(self, name: str) -> np.ndarray:
        if name not in self._tables:
            rows = self.state.ranked(name, self.rank)
            rows.setflags(write=False)
            self._tables[name] = rows
        return self._tables[name]

    def rows_of(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, article) as `stats_parts.coincidence_rows` reads them."""
        rows = self.table(name)
        return rows, np.zeros(len(rows), dtype=np.int64)

    def pairable_by_article(self) -> np.ndarray:
        return self.state.vectors()["pairable"]


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
    active reviewers take part in alpha_U. Undefined figures are None. The
    same as `figures_of` over `SessionSums.of(stats)`.
    """
    state = SessionSums.of(
        stats,
        needed=unitizing_needed,
        ordinal_k=len(frame.sourcing_codes),
        claim_k=len(frame.claim_codes),
    )
    return figures_of(
        state,
        frame=frame,
        draws=draws,
        seed=seed,
        bootstrap=bootstrap,
        confidence=confidence,
    )


def figures_of(
    state: SessionSums,
    *,
    frame: Frame,
    draws: int,
    seed: int,
    bootstrap: Bootstrap = "article",
    confidence: float = 0.95,
) -> dict[str, Any]:
    """The figures of a reduction state (``bootstrap="unit"`` needs the
    articles' per-unit tables, `article_stats(with_units=True)`)."""
    view = View(state)
    counts = view.table("counts").sum(axis=0)
    marked = np.unique(view.table("marked")[:, 0])
    reviewers = [view.reviewers[index] for index in marked]
    labels = {name: _label_figures(view, name, frame, marked) for name in DIMENSIONS}
    intervals_fill(
        view,
        labels,
        frame,
        draws=draws,
        seed=seed,
        bootstrap=bootstrap,
        confidence=confidence,
    )
    return {
        "reviewers": reviewers,
        "counts": _counts(counts, view.n),
        "labels": labels,
        "detection": {mode: _detection(view, mode) for mode in MODES},
        "unitizing": unitizing(view, frame),
    }


def _counts(counts: np.ndarray, n: int) -> dict[str, Any]:
    def cell(index: int) -> int:
        return int(counts[index]) if n and len(counts) else 0

    return {
        "articles": n,
        "spans": cell(0),
        "units": cell(1),
        "status": {status: cell(2 + index) for index, status in enumerate(STATUSES)},
        "reasons": {
            kind: cell(2 + len(STATUSES) + index)
            for index, kind in enumerate(REASON_COUNT_KEYS)
        },
    }


# --- Label agreement ------------------------------------------------------------


def _label_figures(
    view: View, name: str, frame: Frame, marked: np.ndarray
) -> dict[str, Any]:
    """One dimension's figures (its CI filled in by `intervals_fill`)."""
    fixed = frame.categories(name)
    categories = list(fixed) if fixed is not None else view.sources
    n_categories = len(categories)
    totals = view.table(f"{name}.totals")
    size, category, count = totals[:, 0], totals[:, 1], totals[:, 2]
    pairable_rows = size >= 2
    # Each unit of size m adds m to the totals of its size.
    pairable = int(round((count[pairable_rows] / size[pairable_rows]).sum()))
    i, j, value, _ = coincidence_rows(view.rows_of, name)
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
    fleiss, fleiss_units = _fleiss(view, name, len(marked), n_categories)
    figures: dict[str, Any] = {
        "level": "ordinal" if ordinal else "nominal",
        "categories": categories,
        "values": int(count.sum()),
        "pairable_units": pairable,
        "alpha": alpha,
        "ci": None,
        "fleiss_kappa": fleiss,
        "fleiss_units": fleiss_units,
        "pairs": _pairs(view, name, marked, n_categories, fixed is not None),
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
    return figures


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
    view: View, name: str, raters: int, n_categories: int
) -> tuple[float | None, int]:
    """Fleiss' kappa over the units every scope reviewer marked (size == raters)."""
    if raters < 2:
        return None, 0
    totals = view.table(f"{name}.totals")
    products = view.table(f"{name}.products")
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
    view: View, name: str, marked: np.ndarray, n_categories: int, confusion: bool
) -> list[dict[str, Any]]:
    """Cohen's kappa, percent agreement (and confusion) of every reviewer pair."""
    pairs = list(combinations(marked.tolist(), 2))
    rows = view.table(f"{name}.confusion")
    width = max(len(view.reviewers), 1)
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
            "reviewer_a": view.reviewers[a],
            "reviewer_b": view.reviewers[b],
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


# --- Span detection ----------------------------------------------------------


def _detection(view: View, mode: str) -> dict[str, Any]:
    """Pooled pair counts, P/R/F1 per pair, micro and macro."""
    rows = view.table(f"detection.{mode}")
    width = max(len(view.reviewers), 1)
    keys, inverse = np.unique(rows[:, 0] * width + rows[:, 1], return_inverse=True)
    sums = np.zeros((len(keys), 3), dtype=np.int64)
    np.add.at(sums, inverse.ravel(), rows[:, 2:5])
    pairs = [
        detection_pair_row(
            view.reviewers[key // width], view.reviewers[key % width], *counts
        )
        for key, counts in zip(keys.tolist(), sums.tolist(), strict=True)
    ]
    matched, count_a, count_b = (int(total) for total in sums.sum(axis=0))
    return detection_figures(pairs, matched, count_a, count_b)
