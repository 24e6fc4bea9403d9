"""Chance-corrected agreement coefficients and the unit status rule."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from itertools import combinations
from typing import Any, Literal

import numpy as np

from annotations.metrics.counts import distinct_rows, is_missing, value_counts

Level = Literal["nominal", "ordinal", "interval", "ratio"]
UnitStatus = Literal["pending", "agreed", "disputed", "adjudicated"]
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _level_counts(
    data: Any, level: str, value_domain: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Values x units counts of ``data`` once the level name is known good."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return value_counts(data, level, value_domain)


def _fixed_delta(level: str, n_values: int, domain: np.ndarray | None) -> np.ndarray:
    """Squared difference matrix for the levels that do not depend on marginals."""
    if level == "nominal":
        return 1.0 - np.eye(n_values)
    values = np.asarray(domain, dtype=float)
    difference = values[:, None] - values[None, :]
    if level == "interval":
        return difference**2
    total = values[:, None] + values[None, :]
    ratio = np.divide(difference, total, out=np.zeros_like(total), where=total != 0)
    return ratio**2


def _ordinal_delta(marginals: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal metric from value marginals (last axis = values).

    delta_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, ranks in domain order.
    Accepts a stack of marginal vectors and returns a stack of matrices.
    """
    n_values = marginals.shape[-1]
    zero = np.zeros(marginals.shape[:-1] + (1,))
    cumulative = np.concatenate([zero, np.cumsum(marginals, axis=-1)], axis=-1)
    rank = np.arange(n_values)
    low, high = np.minimum.outer(rank, rank), np.maximum.outer(rank, rank)
    between = cumulative[..., high + 1] - cumulative[..., low]
    ends = (marginals[..., :, None] + marginals[..., None, :]) / 2
    return (between - ends) ** 2


def _alpha(observed: float, marginals: np.ndarray, delta: np.ndarray) -> float | None:
    """1 - D_o / D_e from sum(o * delta), n_c and delta."""
    total = marginals.sum()
    expected = marginals @ delta @ marginals
    if total <= 1 or expected <= 0:
        return None
    return float(1.0 - (total - 1) * observed / expected)


def krippendorff_alpha(
    data: Any, level: Level = "nominal", *, value_domain: Sequence[Any] | None = None
) -> float | None:
    """Krippendorff's alpha of reviewers x units data (None/NaN = missing).

    Built from the coincidence matrix, as in Krippendorff (2011) "Computing
    Krippendorff's Alpha-Reliability": o_ck = sum_u (n_uc n_uk - [c=k] n_uc) /
    (m_u - 1) over units with m_u >= 2 values.  ``value_domain`` fixes the
    order of values for the ordinal metric (default: sorted observed values).
    Returns None when undefined: no pairable unit or no variation (D_e = 0).
    """
    counts, domain = _level_counts(data, level, value_domain)
    return _alpha_from_counts(counts, domain, level)


def _alpha_from_counts(
    counts: np.ndarray, domain: np.ndarray | None, level: str
) -> float | None:
    """Alpha from a values x units count matrix; single-value units weigh 0."""
    coders = counts.sum(axis=0)
    weight = np.divide(1.0, coders - 1, out=np.zeros_like(coders), where=coders >= 2)
    share = counts * weight
    coincidences = counts @ share.T
    coincidences[np.diag_indices_from(coincidences)] -= share.sum(axis=1)
    return alpha_from_coincidences(coincidences, level, domain)


def alpha_from_coincidences(
    coincidences: np.ndarray, level: str, domain: Any = None
) -> float | None:
    """Krippendorff's alpha of a values x values coincidence matrix.

    The matrix is a sufficient statistic: alpha of several batches of units is
    the alpha of their summed coincidence matrices. ``domain`` gives the
    numeric values of the rows (interval and ratio only).
    """
    coincidences = np.asarray(coincidences, dtype=float)
    marginals = coincidences.sum(axis=1)
    if level == "ordinal":
        delta = _ordinal_delta(marginals)
    else:
        delta = _fixed_delta(level, len(coincidences), domain)
    return _alpha(float((coincidences * delta).sum()), marginals, delta)


def bootstrap_alpha_ci(
    data: Any,
    level: Level = "nominal",
    *,
    draws: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    value_domain: Sequence[Any] | None = None,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of alpha, resampling units with replacement.

    Each unit's coincidence contribution is computed once (units with equal
    value counts share one row); a draw is then a weighted sum of those rows,
    so all draws of a chunk come out of one matrix product.  Draws where alpha
    is undefined are skipped.  None when alpha itself is undefined.
    """
    if draws < 1 or not 0 < confidence < 1:
        raise ValueError("need draws >= 1 and 0 < confidence < 1")
    counts, domain = _level_counts(data, level, value_domain)
    return bootstrap_alpha_counts(
        counts, level, domain=domain, draws=draws, seed=seed, confidence=confidence
    )


def bootstrap_alpha_counts(
    counts: np.ndarray,
    level: str,
    *,
    domain: Any = None,
    draws: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """`bootstrap_alpha_ci` of a values x units count matrix (rows in domain order)."""
    if draws < 1 or not 0 < confidence < 1:
        raise ValueError("need draws >= 1 and 0 < confidence < 1")
    counts = np.asarray(counts, dtype=float)
    if _alpha_from_counts(counts, domain, level) is None:
        return None
    patterns, pattern_of_unit = distinct_rows(counts[:, counts.sum(axis=0) >= 2].T)
    n_patterns, n_values = patterns.shape
    # A pattern's coincidences, upper triangle only: the matrix is symmetric.
    upper_c, upper_k = np.triu_indices(n_values)
    share = patterns / (patterns.sum(axis=1) - 1)[:, None]
    upper = patterns[:, upper_c] * share[:, upper_k]
    upper[:, upper_c == upper_k] -= share
    if level == "ordinal":
        features = upper
    else:
        delta = _fixed_delta(level, n_values, domain)
        both_halves = np.where(upper_c == upper_k, 1.0, 2.0)
        observed = upper @ (delta[upper_c, upper_k] * both_halves)
        features = np.column_stack([patterns, observed])

    rng = np.random.default_rng(seed)
    n_units = len(pattern_of_unit)
    chunk = max(1, min(draws, 4_000_000 // n_units))
    alphas: list[np.ndarray] = []
    for first in range(0, draws, chunk):
        size = min(chunk, draws - first)
        picks = pattern_of_unit[rng.integers(0, n_units, size=(size, n_units))]
        picks += np.arange(size)[:, None] * n_patterns
        weights = np.bincount(picks.ravel(), minlength=size * n_patterns)
        sums = weights.reshape(size, n_patterns).astype(float) @ features
        alphas.append(
            _draw_alphas(sums, level, n_values, None if level == "ordinal" else delta)
        )
    values = np.concatenate(alphas)
    if not len(values):
        return None
    tail = (1.0 - confidence) / 2
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return float(low), float(high)


def ordinal_draw_terms(
    sums: np.ndarray, n_values: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per draw, from the summed upper triangle of its coincidences: the
    marginals, the observed disagreement sum and the expected disagreement
    (the ordinal delta depends on each draw's marginals)."""
    upper_c, upper_k = np.triu_indices(n_values)
    coincidences = np.empty((len(sums), n_values, n_values))
    coincidences[:, upper_c, upper_k] = sums
    coincidences[:, upper_k, upper_c] = sums
    marginals = coincidences.sum(axis=2)
    deltas = _ordinal_delta(marginals)
    observed_sum = (coincidences * deltas).sum(axis=(1, 2))
    expected = np.einsum("dc,dck,dk->d", marginals, deltas, marginals)
    return marginals, observed_sum, expected


def draw_alphas_from_terms(
    marginals: np.ndarray, observed_sum: np.ndarray, expected: np.ndarray
) -> np.ndarray:
    """Alpha of each draw whose expected disagreement is positive."""
    total = marginals.sum(axis=1)
    defined = expected > 0
    return 1.0 - (total[defined] - 1) * observed_sum[defined] / expected[defined]


def _draw_alphas(
    sums: np.ndarray, level: str, n_values: int, delta: np.ndarray | None
) -> np.ndarray:
    """Alpha of each draw from its summed features (ordinal: the upper triangle
    of the coincidences; else the marginals and the observed disagreement)."""
    if level == "ordinal":
        return draw_alphas_from_terms(*ordinal_draw_terms(sums, n_values))
    marginals, observed_sum = sums[:, :n_values], sums[:, n_values]
    expected = np.einsum("dc,ck,dk->d", marginals, delta, marginals)
    return draw_alphas_from_terms(marginals, observed_sum, expected)


def fleiss_kappa(counts: Any) -> float | None:
    """Fleiss' (1971) kappa of a units x categories table of rating counts.

    Every unit must have the same number of ratings.  None when undefined: no
    units, fewer than two ratings per unit, or a single category in use.
    """
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2:
        raise ValueError("counts must be units x categories")
    if table.shape[0] == 0:
        return None
    ratings = table.sum(axis=1)
    if not np.all(ratings == ratings[0]):
        raise ValueError("every unit needs the same number of ratings")
    raters = ratings[0]
    if raters < 2:
        return None
    category_share = table.sum(axis=0) / table.sum()
    unit_agreement = ((table**2).sum(axis=1) - raters) / (raters * (raters - 1))
    observed = unit_agreement.mean()
    expected = float((category_share**2).sum())
    if math.isclose(expected, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return None
    return float((observed - expected) / (1.0 - expected))


def _paired(
    a: Sequence[Any], b: Sequence[Any], labels: Sequence[Any] | None = None
) -> list[tuple[Any, Any]]:
    """Items coded by both (and, with labels, coded within labels)."""
    if len(a) != len(b):
        raise ValueError("both codings need one value per item")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if not is_missing(x)]
    pairs = [(x, y) for x, y in pairs if not is_missing(y)]
    if labels is not None:
        allowed = set(labels)
        pairs = [(x, y) for x, y in pairs if x in allowed and y in allowed]
    return pairs


def confusion_matrix(
    a: Sequence[Any], b: Sequence[Any], labels: Sequence[Any]
) -> list[list[int]]:
    """Counts with a's label as row and b's as column, over items both coded."""
    index = {label: position for position, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for x, y in _paired(a, b, labels):
        matrix[index[x]][index[y]] += 1
    return matrix


def percent_agreement(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    """Share of items both coded on which the codes are equal."""
    pairs = _paired(a, b)
    if not pairs:
        return None
    return sum(x == y for x, y in pairs) / len(pairs)


def cohen_kappa(
    a: Sequence[Any], b: Sequence[Any], labels: Sequence[Any] | None = None
) -> float | None:
    """Cohen's (1960) kappa over the items both reviewers coded.

    With ``labels``, items coded outside them are ignored (as scikit-learn
    does).  None when undefined: no common items or chance agreement of 1.
    """
    pairs = _paired(a, b, labels)
    if not pairs:
        return None
    if labels is None:
        labels = list(dict.fromkeys(value for pair in pairs for value in pair))
    return kappa_from_confusion(confusion_matrix(*zip(*pairs, strict=True), labels))


def kappa_from_confusion(confusion: Sequence[Sequence[float]]) -> float | None:
    """Cohen's kappa of a square confusion matrix (rows: one reviewer's labels).

    None when undefined: no items, or chance agreement of 1.
    """
    matrix = np.asarray(confusion, dtype=float)
    total = matrix.sum()
    if total == 0:
        return None
    observed = np.trace(matrix) / total
    expected = float(matrix.sum(axis=1) @ matrix.sum(axis=0)) / total**2
    if math.isclose(expected, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return None
    return float((observed - expected) / (1.0 - expected))


def coded_pair_agreement(
    a: np.ndarray, b: np.ndarray, categories: int
) -> tuple[np.ndarray, float | None, float | None]:
    """Confusion counts, Cohen's kappa and percent agreement of two codings.

    ``a`` and ``b`` hold category positions (0 .. categories - 1) of the same
    items: the vectorised form of `confusion_matrix`, `cohen_kappa` and
    `percent_agreement` for the tens of thousands of units of a session.
    """
    a = np.asarray(a, dtype=np.intp)
    b = np.asarray(b, dtype=np.intp)
    if a.shape != b.shape:
        raise ValueError("both codings need one value per item")
    counts = np.bincount(a * categories + b, minlength=categories * categories)
    confusion = counts.reshape(categories, categories)
    percent = float(np.trace(confusion)) / len(a) if len(a) else None
    return confusion, kappa_from_confusion(confusion), percent


def pairwise_cohen_matrix(
    data: Sequence[Sequence[Any]],
) -> dict[tuple[int, int], float | None]:
    """Cohen's kappa of every reviewer pair (i < j) over the units both coded."""
    rows = [list(row) for row in data]
    return {
        (i, j): cohen_kappa(rows[i], rows[j])
        for i, j in combinations(range(len(rows)), 2)
    }


def unit_status(
    *,
    required_reviewers: int,
    reviewers_done: int,
    dimensions: Mapping[str, Sequence[Hashable]],
    has_gold: bool,
    member_count: int | None = None,
) -> UnitStatus:
    """Review state of one aligned unit.

    ``dimensions`` maps each judged dimension (claim type, sourcing quality,
    cited source normalised by ``reliability.normalise_source``, ...) to the
    values of the unit's member spans, one per member; ``member_count``
    defaults to their length.  A gold decision wins ("adjudicated"); before
    ``required_reviewers`` are done the unit is "pending"; it is "agreed" when
    every reviewer done marked it and every dimension has one value; otherwise
    "disputed".
    """
    lengths = {len(values) for values in dimensions.values()}
    if len(lengths) > 1:
        raise ValueError("every dimension needs one value per member span")
    if member_count is None:
        if not lengths:
            raise ValueError("give member_count when there are no dimensions")
        member_count = lengths.pop()
    if has_gold:
        return "adjudicated"
    if reviewers_done < required_reviewers:
        return "pending"
    unanimous = all(
        all(value == values[0] for value in values) for values in dimensions.values()
    )
    if member_count >= max(reviewers_done, 1) and unanimous:
        return "agreed"
    return "disputed"
