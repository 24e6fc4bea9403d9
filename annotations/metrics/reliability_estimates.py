"""Score estimates of reliability: shrunk sourcing means with a bootstrap
interval, Beta posteriors of accuracy, and the sourcing level scores.

Pure functions of counts (no claims, no scheme codes), memoised where a
session asks the same question for thousands of subjects.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

# --- Estimates ----------------------------------------------------------------


@dataclass(frozen=True)
class ScoreEstimate:
    """A point estimate and interval; all None when ``insufficient``."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    insufficient: bool


def sourcing_level_scores(
    ranks: Sequence[int],
    weights: Mapping[int, float] | None = None,
) -> dict[int, float]:
    """Score per rank: best (lowest) rank 1.0, worst 0.0, evenly spaced.

    ``weights`` (rank -> raw score, higher is better, non-increasing as the rank
    worsens) replaces the even spacing; it is rescaled so the ends stay 1 and 0.
    """
    ordered = sorted(set(ranks))
    if len(ordered) < 2:
        raise ValueError("need at least two sourcing ranks")
    if weights is None:
        last = len(ordered) - 1
        return {rank: 1.0 - index / last for index, rank in enumerate(ordered)}
    missing = [rank for rank in ordered if rank not in weights]
    if missing:
        raise ValueError(f"no weight for ranks {missing}")
    raw = [float(weights[rank]) for rank in ordered]
    if any(worse > better for better, worse in zip(raw, raw[1:], strict=False)):
        raise ValueError("weights must not increase as the rank worsens")
    best, worst = raw[0], raw[-1]
    if best == worst:
        raise ValueError("best and worst rank need different weights")
    return {
        rank: (w - worst) / (best - worst) for rank, w in zip(ordered, raw, strict=True)
    }


def _check_options(prior_strength: float, draws: int, confidence: float) -> None:
    if prior_strength <= 0 or draws < 1 or not 0 < confidence < 1:
        raise ValueError("need prior_strength > 0, draws >= 1, 0 < confidence < 1")


@functools.lru_cache(maxsize=65536)
def _bootstrap_sum_quantiles(
    distinct: tuple[float, ...],
    counts: tuple[int, ...],
    draws: int,
    seed: int,
    confidence: float,
) -> tuple[float, float]:
    """Percentile interval of the resampled claim-score *sum*.

    Depends on the score counts only, so subjects with the same counts share
    it (memoised), and the corpus mean enters afterwards as a shift.
    """
    n = sum(counts)
    rng = np.random.default_rng(seed)
    resampled = rng.multinomial(n, np.asarray(counts) / n, size=draws)
    sums = resampled @ np.asarray(distinct, dtype=float)
    tail = (1.0 - confidence) / 2
    low, high = np.quantile(sums, [tail, 1.0 - tail])
    return float(low), float(high)


def score_counts_sum(counts: Mapping[float, int]) -> tuple[int, float]:
    """(n, sum of scores) of {score: count}, summed in ascending score order."""
    n = sum(counts.values())
    return n, float(sum(score * counts[score] for score in sorted(counts)))


def sourcing_from_counts(
    counts: Mapping[float, int],
    *,
    corpus_mean: float,
    prior_strength: float = 5.0,
    min_n: int = 5,
    draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> ScoreEstimate:
    """``sourcing_score`` of claims given as {score: count} (what sums across
    articles). The bootstrap interval of the shrunk mean is that of the sum,
    shifted by the prior mass and divided by ``prior_strength + n``: the map is
    increasing and affine, so it commutes with linear-interpolation quantiles.
    """
    _check_options(prior_strength, draws, confidence)
    counts = {float(score): int(c) for score, c in counts.items() if c}
    n, total = score_counts_sum(counts)
    if n == 0 or n < min_n:
        return ScoreEstimate(None, None, None, n, True)
    prior_mass = prior_strength * corpus_mean
    scale = prior_strength + n
    distinct = tuple(sorted(counts))
    low, high = _bootstrap_sum_quantiles(
        distinct, tuple(counts[s] for s in distinct), draws, seed, confidence
    )
    return ScoreEstimate(
        (prior_mass + total) / scale,
        (prior_mass + low) / scale,
        (prior_mass + high) / scale,
        n,
        False,
    )


def sourcing_score(
    claim_scores: Sequence[float],
    *,
    corpus_mean: float,
    prior_strength: float = 5.0,
    min_n: int = 5,
    draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> ScoreEstimate:
    """Mean claim score shrunk towards ``corpus_mean``, with a bootstrap interval.

    value = (prior_strength * corpus_mean + sum(x)) / (prior_strength + n).  The
    interval is the percentile interval of the same shrunk mean over ``draws``
    resamples of the claims.  Claim scores take few distinct values, so a
    resample is drawn as multinomial counts of those values: the same
    distribution as resampling claims, in memory independent of n.
    """
    _check_options(prior_strength, draws, confidence)
    return sourcing_from_counts(
        Counter(float(score) for score in claim_scores),
        corpus_mean=corpus_mean,
        prior_strength=prior_strength,
        min_n=min_n,
        draws=draws,
        seed=seed,
        confidence=confidence,
    )


def beta_cdf(x: float, a: float, b: float) -> float:
    """Regularised incomplete beta I_x(a, b), the CDF of Beta(a, b) at x."""
    if a <= 0 or b <= 0:
        raise ValueError("a and b must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    return float(special.betainc(a, b, x))


def beta_quantile(p: float, a: float, b: float) -> float:
    """Inverse of ``beta_cdf``: the p-quantile of Beta(a, b)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must lie in [0, 1]")
    if a <= 0 or b <= 0:
        raise ValueError("a and b must be positive")
    if p in (0.0, 1.0):
        return p
    return float(special.betaincinv(a, b, p))


@functools.lru_cache(maxsize=65536)
def accuracy_score(
    supported: int, contradicted: int, *, confidence: float = 0.95
) -> ScoreEstimate:
    """Posterior Beta(1 + s, 1 + c) mean and equal-tailed credible interval.

    Memoised: a function of three numbers, asked for every subject.
    """
    if supported < 0 or contradicted < 0 or not 0 < confidence < 1:
        raise ValueError("counts must be >= 0 and 0 < confidence < 1")
    a, b = 1.0 + supported, 1.0 + contradicted
    tail = (1.0 - confidence) / 2
    return ScoreEstimate(
        value=a / (a + b),
        low=beta_quantile(tail, a, b),
        high=beta_quantile(1.0 - tail, a, b),
        n=supported + contradicted,
        insufficient=False,
    )
