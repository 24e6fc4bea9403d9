"""Reliability of outlets and cited sources: sourcing scores, accuracy, ranking.

Nothing here knows a label scheme's codes: the caller reads from its scheme
what scoring depends on (``SchemeRules``) and passes it in.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import special

from annotations.metrics.sources import (
    SourceKey,
    normalise_aliases,
    normalise_source,
    source_key,
)

Verdict = Literal["supported", "contradicted", "unverifiable"]
COUNTED_VERDICTS = ("supported", "contradicted")


@dataclass(frozen=True)
class SchemeRules:
    """What a label scheme says about scoring; read from the scheme by the caller.

    ``level_scores``: sourcing rank -> score (see ``sourcing_level_scores``).
    ``unscored_claim_types``: claim type codes that are not checkable facts
    (opinions): no sourcing score, and no verdict counts for or against anyone.
    ``unsupported_rank``: the rank of "no attribution or evidence"; a verdict on
    such a claim also counts against the outlet.  None: the scheme has none.
    """

    level_scores: Mapping[int, float]
    unscored_claim_types: frozenset[str] = frozenset()
    unsupported_rank: int | None = None


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
    if prior_strength <= 0 or draws < 1 or not 0 < confidence < 1:
        raise ValueError("need prior_strength > 0, draws >= 1, 0 < confidence < 1")
    scores = np.asarray(claim_scores, dtype=float)
    n = int(scores.size)
    if n == 0 or n < min_n:
        return ScoreEstimate(None, None, None, n, True)
    prior_mass = prior_strength * corpus_mean
    value = (prior_mass + float(scores.sum())) / (prior_strength + n)
    distinct, counts = np.unique(scores, return_counts=True)
    rng = np.random.default_rng(seed)
    resampled = rng.multinomial(n, counts / n, size=draws)
    shrunk = (prior_mass + resampled @ distinct) / (prior_strength + n)
    tail = (1.0 - confidence) / 2
    low, high = np.quantile(shrunk, [tail, 1.0 - tail])
    return ScoreEstimate(value, float(low), float(high), n, False)


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


def accuracy_score(
    supported: int, contradicted: int, *, confidence: float = 0.95
) -> ScoreEstimate:
    """Posterior Beta(1 + s, 1 + c) mean and equal-tailed credible interval."""
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


# --- Claims, outlets and sources ----------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: Hashable
    article_id: Hashable
    outlet: str
    cited_source: str  # raw text as annotated; "" when the outlet speaks itself
    claim_type: str
    sourcing_rank: int | None  # 1 = best sourcing; a key of the level scores
    verdict: Verdict | None = None
    value: str | None = None  # the asserted value, for linking facts


def claim_score(claim: Claim, rules: SchemeRules) -> float | None:
    """The claim's sourcing score; None for an unscored claim type or no rank."""
    if claim.claim_type in rules.unscored_claim_types or claim.sourcing_rank is None:
        return None
    if claim.sourcing_rank not in rules.level_scores:
        raise ValueError(f"claim {claim.id!r}: unknown sourcing rank")
    return rules.level_scores[claim.sourcing_rank]


def corpus_mean(claims: Iterable[Claim], rules: SchemeRules) -> float | None:
    """Mean sourcing score of the scored claims; None when none is scored."""
    scores = [s for s in (claim_score(c, rules) for c in claims) if s is not None]
    return sum(scores) / len(scores) if scores else None


def accuracy_targets(claim: Claim, rules: SchemeRules) -> tuple[bool, bool]:
    """(blame_source, blame_outlet): whom a verdict on this claim speaks about.

    The cited source answers for what it is quoted as saying; the outlet only
    for claims in its own voice (nothing cited, or sourcing 'unsupported').
    """
    if claim.claim_type in rules.unscored_claim_types:
        return False, False
    cited = bool(normalise_source(claim.cited_source or ""))
    unsupported = rules.unsupported_rank is not None and (
        claim.sourcing_rank == rules.unsupported_rank
    )
    return cited, not cited or unsupported


@dataclass(frozen=True)
class SubjectScore:
    subject: Hashable  # outlet name or SourceKey
    name: str
    sourcing: ScoreEstimate
    accuracy: ScoreEstimate | None  # None without a supported/contradicted verdict
    supported: int
    contradicted: int
    n: int  # distinct claims in evidence
    evidence: tuple[Hashable, ...]  # claim ids, input order
    sourcing_evidence: tuple[Hashable, ...] = ()  # the claims scored for sourcing
    accuracy_evidence: tuple[Hashable, ...] = ()  # the claims whose verdict counted


@dataclass
class _Tally:
    name: str
    scores: list[float] = field(default_factory=list)
    supported: int = 0
    contradicted: int = 0
    evidence: dict[Hashable, None] = field(default_factory=dict)
    sourcing_evidence: dict[Hashable, None] = field(default_factory=dict)
    accuracy_evidence: dict[Hashable, None] = field(default_factory=dict)

    def add(self, claim: Claim, score: float | None, blamed: bool) -> None:
        if score is not None:
            self.scores.append(score)
            self.sourcing_evidence[claim.id] = None
            self.evidence[claim.id] = None
        if blamed and claim.verdict in COUNTED_VERDICTS:
            self.supported += claim.verdict == "supported"
            self.contradicted += claim.verdict == "contradicted"
            self.accuracy_evidence[claim.id] = None
            self.evidence[claim.id] = None


def _subject_score(subject, tally: _Tally, mean: float, options: dict):
    confidence = options.get("confidence", 0.95)
    counted = tally.supported + tally.contradicted
    return SubjectScore(
        subject=subject,
        name=tally.name,
        sourcing=sourcing_score(tally.scores, corpus_mean=mean, **options),
        accuracy=accuracy_score(
            tally.supported, tally.contradicted, confidence=confidence
        )
        if counted
        else None,
        supported=tally.supported,
        contradicted=tally.contradicted,
        n=len(tally.evidence),
        evidence=tuple(tally.evidence),
        sourcing_evidence=tuple(tally.sourcing_evidence),
        accuracy_evidence=tuple(tally.accuracy_evidence),
    )


def _score_subjects(
    assignments: Iterable[tuple[Hashable, str, Claim, bool]],
    rules: SchemeRules,
    mean: float | None,
    options: dict,
) -> dict[Hashable, SubjectScore]:
    tallies: dict[Hashable, _Tally] = {}
    all_scores: list[float] = []
    for subject, name, claim, blamed in assignments:
        tally = tallies.setdefault(subject, _Tally(name))
        score = claim_score(claim, rules)
        if score is not None:
            all_scores.append(score)
        # An opinion is blamed for nothing (accuracy_targets), so counts no verdict.
        tally.add(claim, score, blamed)
    if mean is None:
        mean = sum(all_scores) / len(all_scores) if all_scores else 0.5
    return {
        subject: _subject_score(subject, tally, mean, options)
        for subject, tally in tallies.items()
        if tally.evidence
    }


def score_outlets(
    claims: Iterable[Claim],
    *,
    rules: SchemeRules,
    corpus_mean: float | None = None,
    prior_strength: float = 5.0,
    min_n: int = 5,
    draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, SubjectScore]:
    """Sourcing of every claim an outlet published; accuracy of its own voice.

    ``corpus_mean`` defaults to the mean score of all scored claims given.
    """
    return _score_subjects(
        ((c.outlet, c.outlet, c, accuracy_targets(c, rules)[1]) for c in claims),
        rules,
        corpus_mean,
        dict(
            prior_strength=prior_strength,
            min_n=min_n,
            draws=draws,
            seed=seed,
            confidence=confidence,
        ),
    )


def score_sources(
    claims: Iterable[Claim],
    aliases: Mapping[str, str] | None = None,
    *,
    rules: SchemeRules,
    corpus_mean: float | None = None,
    prior_strength: float = 5.0,
    min_n: int = 5,
    draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[SourceKey, SubjectScore]:
    """Per cited source: how it is sourced, and the verdicts on what it said.

    ``aliases`` keys may be in any form; they are normalised here.
    """
    table = normalise_aliases(aliases)

    def assignments() -> Iterable[tuple[Hashable, str, Claim, bool]]:
        for claim in claims:
            key = source_key(claim.cited_source, claim.article_id, table)
            if key is not None:
                yield key, key.label, claim, accuracy_targets(claim, rules)[0]

    return _score_subjects(
        assignments(),
        rules,
        corpus_mean,
        dict(
            prior_strength=prior_strength,
            min_n=min_n,
            draws=draws,
            seed=seed,
            confidence=confidence,
        ),
    )


def rank_subjects(
    scores: Mapping[Hashable, SubjectScore] | Iterable[SubjectScore],
    *,
    by: Literal["sourcing", "accuracy"] = "sourcing",
) -> list[SubjectScore]:
    """Best first; insufficient or missing estimates last; ties by name."""
    items = scores.values() if isinstance(scores, Mapping) else scores

    def order(item: SubjectScore) -> tuple:
        estimate = item.sourcing if by == "sourcing" else item.accuracy
        value = None if estimate is None else estimate.value
        return (value is None, -(value or 0.0), item.name, repr(item.subject))

    return sorted(items, key=order)
