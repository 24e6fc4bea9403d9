"""What a reliability recompute reads: the best label of each claim, its fingerprint.

Claims come from gold spans where adjudicated, else from reviewer consensus;
cited sources are folded through the alias table before they are counted.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from annotations.metrics import reliability as rm
from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    AnnotationSession,
    Article,
    ClaimType,
    FactLink,
    GoldSpan,
    SourceAlias,
    SourcingLevel,
)

PAYLOAD_VERSION = 1


def outlet_label(article: Article) -> str:
    """The outlet subject of an article; each unknown-outlet article is its own."""
    if article.outlet_id is not None:
        return article.outlet.name
    return f"Unknown outlet ({article.external_id})"


# --- Inputs -------------------------------------------------------------------


@dataclass
class ClaimRow:
    """One input claim with its provenance (what its evidence entries show)."""

    claim: rm.Claim
    origin: str  # "gold" or "consensus"
    gold_span_id: int | None
    unit_id: int | None
    unit_key: str
    span_ids: list[int]
    article_id: int
    article_external_id: str
    start: int
    end: int
    quote: str
    claim_type: str
    sourcing_quality: str
    cited_source: str
    verdict: str
    facts: list[tuple[int, str]] = field(default_factory=list)  # (fact id, value)

    def evidence(self) -> dict[str, Any]:
        return {
            "claim": self.claim.id,
            "origin": self.origin,
            "gold_span_id": self.gold_span_id,
            "unit_id": self.unit_id,
            "unit_key": self.unit_key,
            "span_ids": self.span_ids,
            "article_id": self.article_id,
            "article_external_id": self.article_external_id,
            "outlet": self.claim.outlet,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "labels": {
                "claim_type": self.claim_type,
                "sourcing_quality": self.sourcing_quality,
                "cited_source": self.cited_source,
                "verdict": self.verdict,
            },
            "facts": [{"fact_id": fid, "value": value} for fid, value in self.facts],
        }


@dataclass
class MemberLabel:
    """One reviewer's labels on a unit (first span of theirs in the unit)."""

    span_id: int
    reviewer: str
    article_id: int
    labels: dict[str, str]


@dataclass
class Inputs:
    claims: list[ClaimRow]
    excluded: Counter
    facts: dict[int, str]  # fact id -> label
    alias_table: dict[str, str]
    level_scores: dict[int, float]
    warnings: list[str]
    # For annotators: (gold span id, unit key, gold labels, members) per gold.
    gold_members: list[tuple[int, str, dict[str, str], list[MemberLabel]]]
    # Every unit with two or more reviewers: (unit id, members).
    unit_members: list[tuple[int, list[MemberLabel]]]
    article_keys: dict[int, str]  # article id -> external id


@dataclass(frozen=True)
class MemberSpan:
    """A reviewer span of a unit or gold decision, read as a row (no model)."""

    pk: int
    article_id: int
    username: str
    claim_type: ClaimType
    sourcing_quality: SourcingLevel
    cited_source: str


def _member_spans(through, owner: str, **owners) -> dict[int, list[MemberSpan]]:
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


def _level_scores(session: AnnotationSession, warnings: list[str]) -> dict:
    levels = list(
        SourcingLevel.objects.filter(scheme_id=session.scheme_id).values_list(
            "rank", "weight"
        )
    )
    ranks = [rank for rank, _ in levels] or list(rm.SOURCING_RANKS.values())
    weights = {rank: weight for rank, weight in levels}
    if levels and all(weight is not None for weight in weights.values()):
        try:
            return rm.sourcing_level_scores(ranks, weights)
        except ValueError as exc:
            warnings.append(f"sourcing weights ignored ({exc}); ranks evenly spaced")
    return rm.sourcing_level_scores(ranks)


class SourceKeys(dict):
    """Each cited source's normalised key, computed once per load (few distinct
    spellings, tens of thousands of spans)."""

    def __init__(self, alias_table: dict[str, str]) -> None:
        super().__init__()
        self.alias_table = alias_table

    def __missing__(self, cited_source: str) -> str:
        key = self[cited_source] = rm.normalise_source(cited_source, self.alias_table)
        return key


def _member_labels(spans: list[MemberSpan], keys: SourceKeys) -> list[MemberLabel]:
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


def _consensus(spans: list[MemberSpan], keys: SourceKeys) -> dict[str, Any] | None:
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


def reliability_inputs_load(*, session_id: int) -> Inputs:
    """The best label of every claim of the session, and what was left out.

    A current gold span wins (rejected gold is not a claim); otherwise an agreed
    unit contributes its members' shared labels. Pending and disputed units,
    and agreed units whose members disagree, are counted as excluded.
    """
    session = AnnotationSession.objects.get(pk=session_id)
    warnings: list[str] = []
    alias_table = rm.normalise_aliases(
        dict(SourceAlias.objects.values_list("alias", "canonical"))
    )
    keys = SourceKeys(alias_table)
    articles = {
        article.pk: article
        for article in Article.objects.filter(sessionarticle__session_id=session_id)
        .select_related("outlet")
        .only("pk", "external_id", "text", "outlet__name", "outlet_id")
    }
    golds = list(
        GoldSpan.objects.filter(
            session_id=session_id, is_current=True, article_id__in=articles
        )
        .select_related("claim_type", "sourcing_quality")
        .order_by("article_id", "start", "end", "pk")
    )
    gold_sources = _member_spans(
        GoldSpan.source_spans.through,
        "goldspan_id",
        goldspan__session_id=session_id,
        goldspan__is_current=True,
    )
    units = list(
        AgreementUnit.objects.filter(session_id=session_id, article_id__in=articles)
        .only("pk", "article_id", "key", "start", "end", "status")
        .order_by("article_id", "start", "end", "key")
    )
    unit_spans = _member_spans(
        AgreementUnit.spans.through,
        "agreementunit_id",
        agreementunit__session_id=session_id,
    )
    units_by_key = {(unit.article_id, unit.key): unit for unit in units}
    links: dict[int, list[tuple[int, str]]] = defaultdict(list)
    facts: dict[int, str] = {}
    for link in (
        FactLink.objects.filter(gold_span__in=[g.pk for g in golds])
        .select_related("fact")
        .order_by("fact_id", "gold_span_id")
    ):
        links[link.gold_span_id].append((link.fact_id, link.value))
        facts[link.fact_id] = link.fact.label
    excluded: Counter = Counter()
    claims: list[ClaimRow] = []
    gold_members = []
    golden_keys = set()

    def add(row_id, origin, article_id, start, end, labels, **extra) -> None:
        article = articles[article_id]
        level = labels["sourcing_quality"]
        fact_values = extra.pop("facts", [])
        claims.append(
            ClaimRow(
                claim=rm.Claim(
                    id=row_id,
                    article_id=article_id,
                    outlet=outlet_label(article),
                    cited_source=labels["cited_source"],
                    claim_type=labels["claim_type"].code,
                    sourcing_rank=level.rank,
                    verdict=extra.get("verdict") or None,
                    value=fact_values[0][1] if fact_values else None,
                ),
                origin=origin,
                article_id=article_id,
                article_external_id=article.external_id,
                start=start,
                end=end,
                quote=article.text[start:end],
                claim_type=labels["claim_type"].code,
                sourcing_quality=level.code,
                cited_source=labels["cited_source"],
                verdict=extra.pop("verdict", "") or "",
                facts=fact_values,
                **extra,
            )
        )

    for gold in golds:
        golden_keys.add((gold.article_id, gold.unit_key))
        if gold.decision == GoldSpan.Decision.REJECTED:
            excluded["rejected"] += 1
            continue
        unit = units_by_key.get((gold.article_id, gold.unit_key))
        members = gold_sources.get(gold.pk) or (
            unit_spans.get(unit.pk, []) if unit else []
        )
        labels = {
            "claim_type": gold.claim_type,
            "sourcing_quality": gold.sourcing_quality,
            "cited_source": gold.cited_source,
        }
        add(
            f"gold:{gold.pk}",
            "gold",
            gold.article_id,
            gold.start,
            gold.end,
            labels,
            gold_span_id=gold.pk,
            unit_id=unit.pk if unit else gold.unit_id,
            unit_key=gold.unit_key,
            span_ids=sorted(span.pk for span in members),
            verdict=gold.verdict,
            facts=links.get(gold.pk, []),
        )
        gold_labels = {
            "claim_type": gold.claim_type.code,
            "sourcing_quality": gold.sourcing_quality.code,
            "cited_source": keys[gold.cited_source],
        }
        gold_members.append(
            (
                gold.pk,
                gold.unit_key,
                gold_labels,
                _member_labels(members, keys),
            )
        )
    unit_members = []
    for unit in units:
        spans = unit_spans.get(unit.pk, [])
        members = _member_labels(spans, keys)
        if len(members) >= 2:
            unit_members.append((unit.pk, members))
        if (unit.article_id, unit.key) in golden_keys:
            continue
        if unit.status != AgreementStatus.AGREED:
            excluded[unit.status] += 1
            continue
        consensus = _consensus(spans, keys)
        if consensus is None:
            excluded["agreed_without_consensus"] += 1
            continue
        add(
            f"unit:{unit.pk}",
            "consensus",
            unit.article_id,
            unit.start,
            unit.end,
            consensus,
            gold_span_id=None,
            unit_id=unit.pk,
            unit_key=unit.key,
            span_ids=consensus["span_ids"],
        )
    claims.sort(
        key=lambda row: (row.article_external_id, row.start, row.end, row.claim.id)
    )
    return Inputs(
        claims=claims,
        excluded=excluded,
        facts=facts,
        alias_table=alias_table,
        level_scores=_level_scores(session, warnings),
        warnings=warnings,
        gold_members=gold_members,
        unit_members=unit_members,
        article_keys={pk: article.external_id for pk, article in articles.items()},
    )


def _canonical(value: Any) -> bytes:
    """Canonical JSON (sorted keys, compact, UTF-8): the same data, the same bytes."""
    return orjson.dumps(
        value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str
    )


def reliability_fingerprint(inputs: Inputs, params: dict[str, Any]) -> str:
    """sha256 of everything the scores depend on (canonical JSON)."""
    data = {
        "version": PAYLOAD_VERSION,
        "params": params,
        "levels": sorted(inputs.level_scores.items()),
        "aliases": sorted(inputs.alias_table.items()),
        "claims": [row.evidence() for row in inputs.claims],
        "excluded": sorted(inputs.excluded.items()),
        "facts": sorted(inputs.facts.items()),
        "gold_members": [
            (gid, key, labels, [vars(m) for m in members])
            for gid, key, labels, members in inputs.gold_members
        ],
        "unit_members": [
            (uid, [vars(m) for m in members]) for uid, members in inputs.unit_members
        ],
    }
    return hashlib.sha256(_canonical(data)).hexdigest()
