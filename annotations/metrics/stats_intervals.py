"""Confidence intervals of a reduction's alphas: cluster or per-unit bootstrap.

By default a cluster bootstrap over articles (units of one article are not
independent: same reviewers, same text, one sitting): each draw takes the
scope's articles with replacement, and its alpha is that of the summed
coincidence matrices, i.e. ``w @ F`` for the draw's article multiplicities
``w`` and the per-article feature matrix ``F`` (`SessionSums` keeps one row
per article), vectorised over all draws. ``bootstrap="unit"`` resamples units
as a single-scope computation does (it needs the per-unit tables).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import sparse

from annotations.metrics.agreement import (
    bootstrap_alpha_counts,
    draw_alphas_from_terms,
    ordinal_draw_terms,
)
from annotations.metrics.article_stats import DIMENSIONS, Frame
from annotations.metrics.stats_parts import ORDINAL, concatenated

if TYPE_CHECKING:
    from annotations.metrics.stats_reduce import View

Bootstrap = Literal["article", "unit"]
# Bound on draws x articles held at once (the draw weights' size).
DRAW_CELLS = 4_000_000
# Nominal features with fewer categories are multiplied as dense matrices.
DENSE_CATEGORIES = 64


def intervals_fill(
    view: View,
    labels: dict[str, dict[str, Any]],
    frame: Frame,
    *,
    draws: int,
    seed: int,
    bootstrap: Bootstrap,
    confidence: float,
) -> None:
    """Fill in each defined alpha's percentile interval."""
    if draws < 1 or not 0 < confidence < 1:
        raise ValueError("need draws >= 1 and 0 < confidence < 1")
    wanted = [name for name in DIMENSIONS if labels[name]["alpha"] is not None]
    if not wanted:
        return
    pairable_by_article = view.pairable_by_article()
    if bootstrap == "unit":
        for name in wanted:
            labels[name]["ci"] = _unit_interval(
                view,
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
    clusters = np.flatnonzero(pairable_by_article > 0).tolist()
    features = {
        name: _cluster_features(view, name, clusters, len(labels[name]["categories"]))
        for name in wanted
    }
    alphas = _cluster_draws(features, len(clusters), draws=draws, seed=seed)
    tail = (1.0 - confidence) / 2
    for name in wanted:
        values = alphas[name]
        if len(values):
            low, high = np.quantile(values, [tail, 1.0 - tail])
            labels[name]["ci"] = [float(low), float(high)]


def _cluster_draws(
    features: dict[str, Any], n: int, *, draws: int, seed: int
) -> dict[str, np.ndarray]:
    """Each dimension's alpha of every draw (seeded: the same draws every run)."""
    alphas: dict[str, list[np.ndarray]] = {name: [] for name in features}
    for weights in draw_weights(n, draws=draws, seed=seed):
        weights = weights.astype(float)
        for name, matrix in features.items():
            alphas[name].append(_draw_alphas(name, weights, matrix))
    return {name: np.concatenate(values) for name, values in alphas.items()}


# The draws' article multiplicities depend only on (n, draws, seed): kept, so
# a recompute after one edit does not redraw them.
_WEIGHTS: dict[tuple[int, int, int], list[np.ndarray]] = {}


def draw_weights(n: int, *, draws: int, seed: int) -> list[np.ndarray]:
    """How often each of ``n`` articles is drawn in each draw, in chunks of
    draws (rows); the same for the same arguments (memoised)."""
    key = (n, draws, seed)
    if key not in _WEIGHTS:
        rng = np.random.default_rng(seed)
        chunk = max(1, min(draws, DRAW_CELLS // max(n, 1)))
        chunks = []
        for first in range(0, draws, chunk):
            size = min(chunk, draws - first)
            picks = rng.integers(0, n, size=(size, n)) + np.arange(size)[:, None] * n
            counts = np.bincount(picks.ravel(), minlength=size * n)
            small = np.uint16 if n < 2**16 else np.uint32
            chunks.append(counts.reshape(size, n).astype(small))
        if len(_WEIGHTS) >= 2:
            _WEIGHTS.clear()
        _WEIGHTS[key] = chunks
    return _WEIGHTS[key]


def _cluster_features(view: View, name: str, clusters: list[int], k: int):
    """Per cluster: nominal (n_c, n - sum o_cc), ordinal the upper coincidences."""
    if name == ORDINAL:
        return view.state.vectors()["ordinal"][clusters]
    if name == "claim_type":
        return view.state.vectors()["claim"][clusters]
    blocks = [view.parts[index].nominal[name] for index in clusters]
    columns = np.concatenate([c for c, _ in blocks] or [np.zeros(0, np.int64)])
    data = np.concatenate([d for _, d in blocks] or [np.zeros(0)])
    rows = np.repeat(np.arange(len(blocks)), [len(c) for c, _ in blocks])
    named = columns >= 0
    columns = columns.copy()
    columns[named] = view.rank["source"][columns[named]]
    columns = np.where(columns < 0, k, columns)
    matrix = sparse.csr_matrix((data, (rows, columns)), shape=(len(blocks), k + 1))
    return matrix.toarray() if k < DENSE_CATEGORIES else matrix


def _draw_alphas(name: str, weights: np.ndarray, features) -> np.ndarray:
    """Alpha of each draw (rows of ``weights``: how often each article is drawn)."""
    if name == ORDINAL:
        sums = weights @ features
        k = int((math.isqrt(8 * sums.shape[1] + 1) - 1) // 2)
        return draw_alphas_from_terms(*ordinal_draw_terms(sums, k))
    if sparse.issparse(features):
        sums = np.asarray((features.T @ weights.T).T)
    else:
        sums = weights @ features
    marginals, observed = sums[:, :-1], sums[:, -1]
    total = marginals.sum(axis=1)
    expected = total * total - (marginals**2).sum(axis=1)
    return draw_alphas_from_terms(marginals, observed, expected)


def _unit_interval(
    view: View,
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
    stats = [part.stats for part in view.parts]
    if not all(f"{name}.units" in s.tables for s in stats):
        raise ValueError("the per-unit bootstrap needs article_stats(with_units=True)")
    rows, article = _unit_rows(view, stats, name)
    per_article = np.rint(pairable_by_article).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(per_article)[:-1]]).astype(np.int64)
    counts = np.zeros((n_categories, int(per_article.sum())))
    counts[rows[:, 1], offset[article] + rows[:, 0]] = rows[:, 2]
    ordinal = name == ORDINAL
    interval = bootstrap_alpha_counts(
        counts,
        "ordinal" if ordinal else "nominal",
        domain=np.asarray(frame.sourcing_ranks, dtype=float) if ordinal else None,
        draws=draws,
        seed=seed,
        confidence=confidence,
    )
    return [interval[0], interval[1]] if interval else None


def _unit_rows(view: View, stats, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The per-unit rows of every article, sources as sorted positions."""
    state = view.state
    ids = {}
    for kind, names, lists in (
        ("reviewer", state.reviewers, [s.reviewers for s in stats]),
        ("source", state.sources, [s.sources for s in stats]),
    ):
        sizes = np.array([len(values) for values in lists], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        ids[kind] = (names.ids([n for values in lists for n in values]), offsets)
    rows, article = concatenated(stats, f"{name}.units", ids)
    if name == "cited_source" and len(rows):
        rows[:, 1] = view.rank["source"][rows[:, 1]]
    return rows, article
