"""Reliability of outlets and cited sources: sourcing scores, accuracy, ranking.

Nothing here knows a label scheme's codes: the caller reads from its scheme
what scoring depends on (``SchemeRules``) and passes it in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from annotations.metrics.reliability_estimates import (  # noqa: F401 (re-exported)
    ScoreEstimate,
    accuracy_score,
    beta_cdf,
    beta_quantile,
    score_counts_sum,
    sourcing_from_counts,
    sourcing_level_scores,
    sourcing_score,
)
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


def mean_from_counts(counts: Mapping[float, int]) -> float | None:
    """Mean of scores given as {score: count}; None when there are none."""
    n, total = score_counts_sum(counts)
    return total / n if n else None


def corpus_mean(claims: Iterable[Claim], rules: SchemeRules) -> float | None:
    """Mean sourcing score of the scored claims; None when none is scored."""
    return mean_from_counts(
        Counter(s for s in (claim_score(c, rules) for c in claims) if s is not None)
    )


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
class Tally:
    """One subject's claims: score counts, verdicts counted against it, evidence."""

    name: str = ""
    scores: Counter = field(default_factory=Counter)  # score -> claims
    supported: int = 0
    contradicted: int = 0
    evidence: dict[Hashable, None] = field(default_factory=dict)
    sourcing_evidence: dict[Hashable, None] = field(default_factory=dict)
    accuracy_evidence: dict[Hashable, None] = field(default_factory=dict)

    def add(self, claim: Claim, score: float | None, blamed: bool) -> list[str]:
        """Count one claim (its score, its verdict if it counts against this
        subject); the metrics it fed, "sourcing" and/or "accuracy"."""
        fed = []
        if score is not None:
            self.scores[score] += 1
            self.sourcing_evidence[claim.id] = None
            self.evidence[claim.id] = None
            fed.append("sourcing")
        if blamed and claim.verdict in COUNTED_VERDICTS:
            self.supported += claim.verdict == "supported"
            self.contradicted += claim.verdict == "contradicted"
            self.accuracy_evidence[claim.id] = None
            self.evidence[claim.id] = None
            fed.append("accuracy")
        return fed


def subject_score(
    subject: Hashable,
    name: str,
    counts: Mapping[float, int],
    supported: int,
    contradicted: int,
    *,
    n: int,
    mean: float,
    options: dict,
    evidence: tuple[tuple[Hashable, ...], ...] = ((), (), ()),
) -> SubjectScore:
    """One subject's scores from its sufficient statistics: the claims' score
    counts, the verdict counts and ``n`` (distinct claims in evidence).
    ``evidence`` is (all, sourcing, accuracy) claim ids, when kept."""
    confidence = options.get("confidence", 0.95)
    counted = supported + contradicted
    return SubjectScore(
        subject=subject,
        name=name,
        sourcing=sourcing_from_counts(counts, corpus_mean=mean, **options),
        accuracy=accuracy_score(supported, contradicted, confidence=confidence)
        if counted
        else None,
        supported=supported,
        contradicted=contradicted,
        n=n,
        evidence=evidence[0],
        sourcing_evidence=evidence[1],
        accuracy_evidence=evidence[2],
    )


def _score_subjects(
    assignments: Iterable[tuple[Hashable, str, Claim, bool]],
    rules: SchemeRules,
    mean: float | None,
    options: dict,
) -> dict[Hashable, SubjectScore]:
    tallies: dict[Hashable, Tally] = {}
    all_scores: Counter = Counter()
    for subject, name, claim, blamed in assignments:
        tally = tallies.setdefault(subject, Tally(name))
        score = claim_score(claim, rules)
        if score is not None:
            all_scores[score] += 1
        # An opinion is blamed for nothing (accuracy_targets), so counts no verdict.
        tally.add(claim, score, blamed)
    if mean is None:
        mean = mean_from_counts(all_scores)
        mean = 0.5 if mean is None else mean
    return {
        subject: subject_score(
            subject,
            tally.name,
            tally.scores,
            tally.supported,
            tally.contradicted,
            n=len(tally.evidence),
            mean=mean,
            options=options,
            evidence=(
                tuple(tally.evidence),
                tuple(tally.sourcing_evidence),
                tuple(tally.accuracy_evidence),
            ),
        )
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
