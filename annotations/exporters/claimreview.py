"""schema.org ClaimReview (JSON-LD): one review per adjudicated claim with a verdict.

`claim_reviews` walks the exported articles in chunks and yields one
ClaimReview per current, non-rejected gold decision with a verdict; the nodes
it is made of (claim author, appearance, indicator values, rating scale) are
in `claimreview_nodes`. Layout and vocabulary: docs/export.md.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote as url_quote

from django.conf import settings

from annotations.exporters.answers import gold_answers_by_article
from annotations.exporters.base import (
    ExportFilters,
    article_chunks,
    article_iri,
    article_queryset,
    dumps,
    gold_span_queryset,
)
from annotations.exporters.claimreview_nodes import (  # noqa: F401 - re-exported
    BEST_RATING,
    BUNDLED_CONTEXT,
    CONTEXT,
    OA_VOCAB,
    QUOTE_CONTEXT,
    RATING_NAMES,
    RATING_VALUES,
    SCHEMA_CONTEXT_URL,
    WB_VOCAB,
    WORST_RATING,
    FactClusters,
    appearance_node,
    author_type,
    claim_author,
    earliest_article,
    indicator_nodes,
    outlet_node,
    review_author,
    shorten_claim,
    url_pattern,
)
from annotations.metrics.sources import normalise_aliases
from annotations.models import (
    SPAN_READING_FIELDS,
    AnnotationSession,
    ClaimType,
    FactLink,
    GoldSpan,
    SourceAlias,
    SourcingLevel,
)
from annotations.selectors import scheme_questions

ARTICLE_FIELDS = (
    "id",
    "external_id",
    "title",
    "url",
    "text",
    "published_date",
    "outlet__name",
    "outlet__domain",
)
GOLD_FIELDS = (
    "id",
    "article_id",
    "unit_id",
    "unit_key",
    "decision",
    *SPAN_READING_FIELDS,
    "verdict",
    "decided_at",
    "revision",
)


@dataclass(frozen=True)
class ReviewContext:
    """What every review of one export shares (loaded once)."""

    session_id: int
    pattern: str
    review_by: dict[str, Any]
    aliases: Mapping[str, str]
    claim_codes: Mapping[int, str]
    level_codes: Mapping[int, str]
    clusters: FactClusters
    first_of_cluster: Mapping[int, dict[str, Any]]
    questions: list[dict[str, Any]]


def review_context(session_id: int) -> ReviewContext:
    clusters, first_of_cluster = _clusters(session_id)
    scheme_id = AnnotationSession.objects.values_list("scheme_id", flat=True).get(
        pk=session_id
    )
    return ReviewContext(
        session_id=session_id,
        pattern=url_pattern(),
        review_by=review_author(),
        aliases=normalise_aliases(
            dict(SourceAlias.objects.values_list("alias", "canonical"))
        ),
        claim_codes=dict(ClaimType.objects.values_list("pk", "code")),
        level_codes=dict(SourcingLevel.objects.values_list("pk", "code")),
        clusters=clusters,
        first_of_cluster=first_of_cluster,
        questions=scheme_questions(scheme_id),
    )


def _decision_date(value: datetime) -> str:
    return value.astimezone(UTC).date().isoformat()


def _rating(verdict: str) -> dict[str, Any]:
    return {
        "@type": "Rating",
        "ratingValue": RATING_VALUES[verdict],
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": RATING_NAMES[verdict],
    }


def _evidence(external_id: str, text: str, start: int, end: int) -> dict[str, Any]:
    """The gold span as a Web Annotation target: quote and position selectors."""
    return {
        "@type": "oa:SpecificResource",
        "oa:hasSource": {"@id": article_iri(external_id)},
        "oa:hasSelector": [
            {
                "@type": "oa:TextQuoteSelector",
                "oa:exact": text[start:end],
                "oa:prefix": text[max(0, start - QUOTE_CONTEXT) : start],
                "oa:suffix": text[end : end + QUOTE_CONTEXT],
            },
            {"@type": "oa:TextPositionSelector", "oa:start": start, "oa:end": end},
        ],
    }


def _claim_node(
    gold: dict[str, Any],
    article: dict[str, Any],
    context: ReviewContext,
    indicators: list[dict[str, Any]],
) -> dict[str, Any]:
    """The reviewed Claim: one @id per same-fact cluster, its author and
    appearances (the article with its indicator values, the first one)."""
    session_id = context.session_id
    cluster = context.clusters.cluster(gold["id"])
    if cluster is None:
        claim_id = (
            f"urn:workbench:session:{session_id}:claim:"
            f"{url_quote(article['external_id'], safe='-_.~')}:"
            f"{url_quote(gold['unit_key'], safe='')}"
        )
        first_article = earliest_article([article])
    else:
        claim_id = f"urn:workbench:session:{session_id}:fact:{cluster}"
        first_article = context.first_of_cluster.get(cluster)
    claim: dict[str, Any] = {
        "@id": claim_id,
        "@type": "Claim",
        "appearance": appearance_node(article, indicators),
    }
    author = claim_author(
        gold["cited_source"],
        context.level_codes.get(gold["sourcing_quality_id"]),
        context.aliases,
        outlet_node(article),
    )
    if author is not None:
        claim["author"] = author
    if first_article is not None:
        claim["firstAppearance"] = appearance_node(first_article)
        if first_article["published_date"]:
            claim["datePublished"] = first_article["published_date"].isoformat()
    return claim


def claim_review(
    gold: dict[str, Any],
    article: dict[str, Any],
    context: ReviewContext,
    indicators: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ClaimReview of one current gold decision with a verdict."""
    external_id = article["external_id"]
    start, end = gold["start"], gold["end"]
    quote = article["text"][start:end]
    unit_key = gold["unit_key"]
    session_id = context.session_id
    review: dict[str, Any] = {
        "@id": (
            f"urn:workbench:session:{session_id}:review:"
            f"{url_quote(external_id, safe='-_.~')}:{url_quote(unit_key, safe='')}"
        ),
        "@type": "ClaimReview",
        "url": context.pattern.format(
            session=session_id,
            unit="" if gold["unit_id"] is None else gold["unit_id"],
            gold=gold["id"],
        ),
        "claimReviewed": shorten_claim(quote),
        "author": context.review_by,
        "datePublished": _decision_date(gold["decided_at"]),
        "reviewRating": _rating(gold["verdict"]),
        "itemReviewed": _claim_node(gold, article, context, indicators or []),
        "wb:quote": quote,
        "wb:verdict": gold["verdict"],
        "wb:decision": gold["decision"],
        "wb:revision": gold["revision"],
        "wb:unitKey": unit_key,
        "wb:claimType": context.claim_codes.get(gold["claim_type_id"]),
        "wb:sourcingQuality": context.level_codes.get(gold["sourcing_quality_id"]),
        "wb:evidence": _evidence(external_id, article["text"], start, end),
    }
    if gold["cited_source"]:
        review["wb:citedSource"] = gold["cited_source"]
    return review


def _reviewable(filters: ExportFilters):
    """Current, non-rejected gold decisions with a verdict, as filtered."""
    return (
        gold_span_queryset(filters)
        .exclude(decision=GoldSpan.Decision.REJECTED)
        .exclude(verdict="")
    )


def _clusters(session_id: int) -> tuple[FactClusters, dict[int, dict[str, Any]]]:
    """The session's same-fact clusters and each cluster's first appearance.

    Over every current, non-rejected gold span linked to a fact (whatever the
    filters), so a fact's Claim and first appearance do not depend on them.
    Memory grows with the fact links, not with the corpus.
    """
    rows = list(
        FactLink.objects.filter(fact__session_id=session_id, gold_span__is_current=True)
        .exclude(gold_span__decision=GoldSpan.Decision.REJECTED)
        .values_list("fact_id", "gold_span_id", "gold_span__article_id")
    )
    clusters = FactClusters((fact_id, gold_id) for fact_id, gold_id, _ in rows)
    article_ids: dict[int, set[int]] = {}
    for _, gold_id, article_id in rows:
        article_ids.setdefault(clusters.cluster(gold_id), set()).add(article_id)
    wanted = {pk for ids in article_ids.values() for pk in ids}
    fields = [name for name in ARTICLE_FIELDS if name != "text"]
    articles = {
        row["id"]: {**row, "text": ""}
        for row in article_queryset(ExportFilters(session_id=session_id))
        .filter(pk__in=wanted)
        .values(*fields)
    }
    first = {}
    for cluster, ids in article_ids.items():
        chosen = earliest_article(
            sorted((articles[pk] for pk in ids), key=lambda a: a["external_id"])
        )
        if chosen is not None:
            first[cluster] = chosen
    return clusters, first


def claim_reviews(
    filters: ExportFilters, *, chunk_size: int | None = None, on_chunk=None, **_
) -> Iterator[dict[str, Any]]:
    """ClaimReviews by article external id, then text order; gold layer only."""
    if not filters.include_gold:
        return
    filters = replace(filters, layer="gold")
    if chunk_size is None:
        chunk_size = settings.EXPORT_CHUNK_ARTICLES
    context = review_context(filters.session_id)
    for chunk in article_chunks(filters, ARTICLE_FIELDS, chunk_size, on_chunk):
        by_id = {article["id"]: article for article in chunk}
        rows = sorted(
            _reviewable(filters)
            .filter(article_id__in=list(by_id))
            .values(*GOLD_FIELDS),
            key=lambda g: (
                by_id[g["article_id"]]["external_id"],
                g["start"],
                g["end"],
                g["unit_key"],
            ),
        )
        reviewed = sorted({gold["article_id"] for gold in rows})
        answers = gold_answers_by_article(
            session_id=filters.session_id,
            questions=context.questions,
            article_ids=reviewed,
        )
        indicators = {
            pk: indicator_nodes(context.questions, answers.get(pk, {}))
            for pk in reviewed
        }
        for gold in rows:
            article_id = gold["article_id"]
            yield claim_review(gold, by_id[article_id], context, indicators[article_id])


def claimreview_graph(filters: ExportFilters, **options: Any) -> Iterator[bytes]:
    """One JSON-LD document: the reviews in `@graph`, streamed item by item."""
    yield dumps({"@context": CONTEXT})[:-1] + b',"@graph":[\n'
    separator = b""
    for review in claim_reviews(filters, **options):
        yield separator + dumps(review)
        separator = b",\n"
    yield b"\n]}\n"


def claimreview_jsonl(filters: ExportFilters, **options: Any) -> Iterator[bytes]:
    """One self-contained ClaimReview (with its @context) per line."""
    for review in claim_reviews(filters, **options):
        yield dumps({"@context": CONTEXT, **review}) + b"\n"
