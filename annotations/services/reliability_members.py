"""Reviewer spans of units and gold decisions, read as rows: labels, consensus."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from annotations.metrics.sources import normalise_source
from annotations.models import ClaimType, SourcingLevel


@dataclass
class MemberLabel:
    """One reviewer's labels on a unit (first span of theirs in the unit)."""

    span_id: int
    reviewer: str
    article_id: int
    labels: dict[str, str]


@dataclass(frozen=True)
class MemberSpan:
    """A reviewer span of a unit or gold decision, read as a row (no model)."""

    pk: int
    article_id: int
    username: str
    claim_type: ClaimType
    sourcing_quality: SourcingLevel
    cited_source: str


def member_spans(through, owner: str, **owners) -> dict[int, list[MemberSpan]]:
    """Member spans by owner id (unit or gold span) from one query on `through`.

    Sessions have tens of thousands of units: rows and two small label tables,
    instead of a model instance per span, reviewer and label.
    """
    rows = list(
        through.objects.filter(**owners).values_list(
            owner,
            "spanannotation_id",
            "spanannotation__article_id",
            "spanannotation__reviewer__username",
            "spanannotation__claim_type_id",
            "spanannotation__sourcing_quality_id",
            "spanannotation__cited_source",
        )
    )
    claim_types = ClaimType.objects.in_bulk({row[4] for row in rows})
    levels = SourcingLevel.objects.in_bulk({row[5] for row in rows})
    members: dict[int, list[MemberSpan]] = defaultdict(list)
    for owner_id, pk, article_id, username, claim_id, level_id, cited in rows:
        members[owner_id].append(
            MemberSpan(
                pk=pk,
                article_id=article_id,
                username=username,
                claim_type=claim_types[claim_id],
                sourcing_quality=levels[level_id],
                cited_source=cited,
            )
        )
    return members


class SourceKeys(dict):
    """Each cited source's normalised key, computed once per load (few distinct
    spellings, tens of thousands of spans)."""

    def __init__(self, alias_table: dict[str, str]) -> None:
        super().__init__()
        self.alias_table = alias_table

    def __missing__(self, cited_source: str) -> str:
        key = self[cited_source] = normalise_source(cited_source, self.alias_table)
        return key


def member_labels(spans: list[MemberSpan], keys: SourceKeys) -> list[MemberLabel]:
    """One entry per reviewer (their first span), ordered by username."""
    first: dict[str, MemberSpan] = {}
    for span in sorted(spans, key=lambda s: s.pk):
        first.setdefault(span.username, span)
    return [
        MemberLabel(
            span_id=span.pk,
            reviewer=username,
            article_id=span.article_id,
            labels={
                "claim_type": span.claim_type.code,
                "sourcing_quality": span.sourcing_quality.code,
                "cited_source": keys[span.cited_source],
            },
        )
        for username, span in sorted(first.items())
    ]


def unit_consensus(spans: list[MemberSpan], keys: SourceKeys) -> dict[str, Any] | None:
    """Shared labels of an agreed unit's members; None when they differ.

    Claim type and sourcing must be identical; the cited source is the most
    common spelling after normalisation and aliases (ties: first reviewer).
    """
    members = sorted(spans, key=lambda s: (s.username, s.pk))
    if not members:
        return None
    claim_types = {span.claim_type.pk for span in members}
    levels = {span.sourcing_quality.pk for span in members}
    if len(claim_types) != 1 or len(levels) != 1:
        return None
    counts = Counter(keys[s.cited_source] for s in members)
    best = max(counts.values())
    cited = next(
        s.cited_source for s in members if counts[keys[s.cited_source]] == best
    )
    return {
        "claim_type": members[0].claim_type,
        "sourcing_quality": members[0].sourcing_quality,
        "cited_source": cited,
        "span_ids": sorted(span.pk for span in members),
    }
