"""Reviewers' agreement with gold and with each other, with Wilson intervals."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Protocol, TypeVar


@dataclass(frozen=True)
class GoldLabel:
    reviewer: str
    dimension: str  # e.g. "claim_type", "sourcing_quality", "verdict"
    label: str | None
    gold: str


@dataclass(frozen=True)
class LabelAgreement:
    """Share of a reviewer's labels that match gold (or the other reviewers')."""

    reviewer: str
    dimension: str
    matches: int
    n: int
    rate: float
    low: float  # Wilson score interval
    high: float


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple:
    """Wilson score interval for a binomial proportion; (None, None) when n == 0."""
    if n == 0:
        return None, None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    rate = successes / n
    denominator = 1.0 + z * z / n
    centre = (rate + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def annotator_agreement_with_gold(
    pairs: Iterable[GoldLabel], *, confidence: float = 0.95
) -> dict[tuple[str, str], LabelAgreement]:
    """Per (reviewer, dimension): share of labels equal to gold, Wilson interval."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for pair in pairs:
        tally = counts[pair.reviewer, pair.dimension]
        tally[0] += pair.label == pair.gold
        tally[1] += 1
    return rates_from_counts(counts, confidence=confidence)


def rates_from_counts(
    counts: Mapping[tuple[str, str], Sequence[int]], *, confidence: float = 0.95
) -> dict[tuple[str, str], LabelAgreement]:
    """Per (reviewer, dimension) (matches, n) -> agreement with a Wilson interval.

    Counts add up across articles, so a session's rates are those of its
    articles' summed counts. Entries with n == 0 are left out.
    """
    result = {}
    for (reviewer, dimension), (matches, n) in sorted(counts.items()):
        if n:
            low, high = wilson_interval(matches, n, confidence)
            result[reviewer, dimension] = LabelAgreement(
                reviewer, dimension, matches, n, matches / n, low, high
            )
    return result


def pairs_from_counts(
    counts: Mapping[tuple[str, str, str], Sequence[int]],
) -> dict[tuple[str, str, str], PairAgreement]:
    """Per (first, second, dimension) (matches, n) -> PairAgreement (n > 0)."""
    return {
        key: PairAgreement(*key, matches, n, matches / n)
        for key, (matches, n) in sorted(counts.items())
        if n
    }


class Labelled(Protocol):
    """One reviewer's labels on a unit: dimension -> label."""

    reviewer: str
    labels: Mapping[str, str | None]


Member = TypeVar("Member", bound=Labelled)


def peer_pairs(members: Sequence[Member]) -> Iterator[tuple[Member, Member]]:
    """Every ordered pair of a unit's members by different reviewers."""
    for one in members:
        for other in members:
            if one.reviewer != other.reviewer:
                yield one, other


@dataclass(frozen=True)
class PairAgreement:
    """How often two reviewers (``first`` < ``second``) gave a unit one label."""

    first: str
    second: str
    dimension: str
    matches: int
    n: int
    rate: float


def peer_agreement(
    units: Iterable[Sequence[Labelled]],
    dimensions: Sequence[str],
    *,
    confidence: float = 0.95,
) -> tuple[
    dict[tuple[str, str], LabelAgreement],
    dict[tuple[str, str, str], PairAgreement],
]:
    """Agreement of reviewers with each other on the units they share.

    Per (reviewer, dimension): the share of comparisons with another member of
    the same unit that match, over every ordered pair of members (a unit of
    three gives each reviewer two comparisons), with a Wilson interval.  Per
    (first, second, dimension), first < second: the share of their shared
    units where they match.
    """
    by_reviewer: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_pair: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for members in units:
        for one, other in peer_pairs(members):
            for dimension in dimensions:
                match = one.labels[dimension] == other.labels[dimension]
                tally = by_reviewer[one.reviewer, dimension]
                tally[0] += match
                tally[1] += 1
                if one.reviewer < other.reviewer:
                    counts = by_pair[one.reviewer, other.reviewer, dimension]
                    counts[0] += match
                    counts[1] += 1
    return rates_from_counts(by_reviewer, confidence=confidence), pairs_from_counts(
        by_pair
    )
