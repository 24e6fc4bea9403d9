"""schema.org ClaimReview (JSON-LD): one review per adjudicated claim with a verdict."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from string import Formatter
from typing import Any
from urllib.parse import quote as url_quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from annotations.exporters.base import (
    ExportFilters,
    article_iri,
    article_queryset,
    dumps,
    gold_span_queryset,
)
from annotations.metrics.sources import (
    is_vague_source,
    normalise_aliases,
    normalise_source,
)
from annotations.models import (
    ClaimType,
    FactLink,
    GoldSpan,
    SourceAlias,
    SourcingLevel,
)

# The context is referenced, not inlined, as Google's examples do; the file
# beside this module is the subset of it that the export uses (for offline use).
SCHEMA_CONTEXT_URL = "https://schema.org"
BUNDLED_CONTEXT = Path(__file__).with_name("contexts") / "schemaorg.jsonld"
# Properties outside schema.org: our own (`wb:`) and the W3C Web Annotation
# vocabulary (`oa:`) for the evidence selectors. Both expand to absolute IRIs,
# so JSON-LD processors keep them.
WB_VOCAB = "urn:workbench:vocab:"
OA_VOCAB = "http://www.w3.org/ns/oa#"
CONTEXT = [SCHEMA_CONTEXT_URL, {"wb": WB_VOCAB, "oa": OA_VOCAB}]

# The rating scale (docs/export.md): 1 = contradicted, 5 = supported; 3 says
# that neither could be established. Integers, higher = more truthful, worst
# at least 1, as Google's ClaimReview guidelines ask.
BEST_RATING = 5
WORST_RATING = 1
RATING_VALUES = {
    GoldSpan.Verdict.CONTRADICTED.value: 1,
    GoldSpan.Verdict.UNVERIFIABLE.value: 3,
    GoldSpan.Verdict.SUPPORTED.value: 5,
}
RATING_NAMES = {verdict.value: verdict.label for verdict in GoldSpan.Verdict}

SHORT_CLAIM_LIMIT = 75  # Google: keep claimReviewed under 75 characters
QUOTE_CONTEXT = 32  # code points of prefix/suffix in the TextQuoteSelector
ELLIPSIS = "\u2026"
URL_PLACEHOLDERS = frozenset({"session", "unit", "gold"})

# Author types (docs/export.md). The sourcing level decides when it names the
# kind of source; otherwise the name's shape does.
PERSON_LEVELS = frozenset({"named_on_record"})
ORGANIZATION_LEVELS = frozenset(
    {"named_institution", "secondary_media", "primary_document"}
)
ORGANIZATION_WORDS = frozenset(
    "ministry ministries department office government council committee "
    "commission agency army military forces police court parliament assembly "
    "senate embassy bureau authority authorities party league union association "
    "institute foundation university bank company corporation group news "
    "times post press tribune herald journal tv television radio reuters ap afp "
    "bbc cnn dawn aljazeera organisation organization un nato isi ispr taliban "
    "administration secretariat service services directorate cabinet".split()
)


def shorten_claim(quote: str, limit: int = SHORT_CLAIM_LIMIT) -> str:
    """The quote in fewer than `limit` code points, cut at a word boundary.

    Whitespace runs (line breaks of a span across paragraphs) become one space.
    A longer text is cut after the last whole word that fits with an ellipsis;
    a single word longer than that is cut inside it (no boundary to use).
    """
    text = " ".join(quote.split())
    if len(text) < limit:
        return text
    room = limit - 1 - len(ELLIPSIS)  # the result stays strictly under `limit`
    cut = text.rfind(" ", 0, room + 1)
    head = text[:cut] if cut > 0 else text[:room]
    return head.rstrip(" ,;:-\u2013\u2014") + ELLIPSIS


def author_type(name: str, sourcing_level: str | None) -> str:
    """ "Person" or "Organization" for a named source (the documented heuristic)."""
    if sourcing_level in PERSON_LEVELS:
        return "Person"
    if sourcing_level in ORGANIZATION_LEVELS:
        return "Organization"
    if ORGANIZATION_WORDS.intersection(normalise_source(name).split()):
        return "Organization"
    words = name.split()
    if 2 <= len(words) <= 4 and all(word[:1].isupper() for word in words):
        return "Person"
    return "Organization"


def source_iri(name: str) -> str:
    return "urn:workbench:source:" + url_quote(normalise_source(name), safe="")


def claim_author(
    cited_source: str,
    sourcing_level: str | None,
    aliases: Mapping[str, str],
    outlet: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """Who made the claim: the cited source, the outlet, or nobody known.

    Spellings merge through the alias table (normalised keys, as reliability
    does). A vague source ("diplomatic sources") names nobody, so the claim
    has no author; with no cited source the claim is in the outlet's voice.
    """
    text = " ".join((cited_source or "").split())
    if not text:
        return outlet
    key = normalise_source(text)
    if key in aliases:
        name = aliases[key]
    elif is_vague_source(key):
        return None
    else:
        name = text
    return {
        "@id": source_iri(name),
        "@type": author_type(name, sourcing_level),
        "name": name,
    }


class FactClusters:
    """Same-fact clusters: gold spans linked, directly or through one another,
    to the same facts. A cluster is named by its smallest fact id.
    """

    def __init__(self, links: Iterable[tuple[int, int]]) -> None:
        parent: dict[int, int] = {}

        def find(fact: int) -> int:
            parent.setdefault(fact, fact)
            while parent[fact] != fact:
                parent[fact] = parent[parent[fact]]
                fact = parent[fact]
            return fact

        facts_of_gold: dict[int, list[int]] = {}
        for fact_id, gold_id in links:
            find(fact_id)
            facts_of_gold.setdefault(gold_id, []).append(fact_id)
        for facts in facts_of_gold.values():
            for other in facts[1:]:
                first, second = find(facts[0]), find(other)
                if first != second:
                    parent[max(first, second)] = min(first, second)
        # Roots are the smallest fact id of their component (union keeps min).
        self.cluster_of_gold = {
            gold_id: find(facts[0]) for gold_id, facts in facts_of_gold.items()
        }

    def cluster(self, gold_id: int) -> int | None:
        return self.cluster_of_gold.get(gold_id)


def earliest_article(articles: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The article published first; undated ones only when there is no other."""
    if not articles:
        return None
    dated = [article for article in articles if article["published_date"]]
    if dated:
        return min(dated, key=lambda a: (a["published_date"], a["external_id"]))
    return articles[0] if len(articles) == 1 else None


def url_pattern() -> str:
    pattern = settings.CLAIMREVIEW_URL_PATTERN
    try:
        names = {name for _, name, _, _ in Formatter().parse(pattern) if name}
    except ValueError as exc:
        raise ImproperlyConfigured(f"CLAIMREVIEW_URL_PATTERN: {exc}") from None
    unknown = names - URL_PLACEHOLDERS
    if unknown:
        raise ImproperlyConfigured(
            f"CLAIMREVIEW_URL_PATTERN: unknown placeholder {sorted(unknown)[0]!r}; "
            f"use {{session}}, {{unit}} or {{gold}}."
        )
    return pattern


def review_author() -> dict[str, Any]:
    author = {"@type": "Organization", "name": settings.CLAIMREVIEW_AUTHOR_NAME}
    if settings.CLAIMREVIEW_AUTHOR_URL:
        author["url"] = settings.CLAIMREVIEW_AUTHOR_URL
    return author


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
    "start",
    "end",
    "quote",
    "claim_type_id",
    "sourcing_quality_id",
    "cited_source",
    "verdict",
    "decided_at",
    "revision",
)


def outlet_node(article: dict[str, Any]) -> dict[str, Any] | None:
    if article["outlet__name"] is None:
        return None
    node = {
        "@id": "urn:workbench:outlet:" + url_quote(article["outlet__name"], safe=""),
        "@type": "Organization",
        "name": article["outlet__name"],
    }
    if article["outlet__domain"]:
        node["url"] = f"https://{article['outlet__domain']}/"
    return node


def appearance_node(article: dict[str, Any]) -> dict[str, Any]:
    """The article as a schema.org NewsArticle (one @id per article)."""
    node: dict[str, Any] = {
        "@id": article_iri(article["external_id"]),
        "@type": "NewsArticle",
    }
    if article["url"]:
        node["url"] = article["url"]
    if article["title"]:
        node["headline"] = article["title"]
    if article["published_date"]:
        node["datePublished"] = article["published_date"].isoformat()
    publisher = outlet_node(article)
    if publisher is not None:
        node["publisher"] = publisher
    return node


def _decision_date(value: datetime) -> str:
    return value.astimezone(UTC).date().isoformat()


def claim_review(
    gold: dict[str, Any],
    article: dict[str, Any],
    *,
    session_id: int,
    claim_id: str,
    first_article: dict[str, Any] | None,
    author: dict[str, Any] | None,
    codes: Mapping[str, str | None],
    review_by: dict[str, Any],
    pattern: str,
) -> dict[str, Any]:
    """The ClaimReview of one current gold decision with a verdict."""
    external_id = article["external_id"]
    text = article["text"]
    start, end = gold["start"], gold["end"]
    quote = text[start:end]
    unit_key = gold["unit_key"]
    claim: dict[str, Any] = {
        "@id": claim_id,
        "@type": "Claim",
        "appearance": appearance_node(article),
    }
    if author is not None:
        claim["author"] = author
    if first_article is not None:
        claim["firstAppearance"] = appearance_node(first_article)
        if first_article["published_date"]:
            claim["datePublished"] = first_article["published_date"].isoformat()
    verdict = gold["verdict"]
    review: dict[str, Any] = {
        "@id": (
            f"urn:workbench:session:{session_id}:review:"
            f"{url_quote(external_id, safe='-_.~')}:{url_quote(unit_key, safe='')}"
        ),
        "@type": "ClaimReview",
        "url": pattern.format(
            session=session_id,
            unit="" if gold["unit_id"] is None else gold["unit_id"],
            gold=gold["id"],
        ),
        "claimReviewed": shorten_claim(quote),
        "author": review_by,
        "datePublished": _decision_date(gold["decided_at"]),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING_VALUES[verdict],
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": RATING_NAMES[verdict],
        },
        "itemReviewed": claim,
        "wb:quote": quote,
        "wb:verdict": verdict,
        "wb:decision": gold["decision"],
        "wb:revision": gold["revision"],
        "wb:unitKey": unit_key,
        "wb:claimType": codes["claim_type"],
        "wb:sourcingQuality": codes["sourcing_quality"],
        "wb:evidence": {
            "@type": "oa:SpecificResource",
            "oa:hasSource": {"@id": article_iri(external_id)},
            "oa:hasSelector": [
                {
                    "@type": "oa:TextQuoteSelector",
                    "oa:exact": quote,
                    "oa:prefix": text[max(0, start - QUOTE_CONTEXT) : start],
                    "oa:suffix": text[end : end + QUOTE_CONTEXT],
                },
                {
                    "@type": "oa:TextPositionSelector",
                    "oa:start": start,
                    "oa:end": end,
                },
            ],
        },
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
    pattern = url_pattern()
    review_by = review_author()
    aliases = normalise_aliases(
        dict(SourceAlias.objects.values_list("alias", "canonical"))
    )
    claim_codes = dict(ClaimType.objects.values_list("pk", "code"))
    level_codes = dict(SourcingLevel.objects.values_list("pk", "code"))
    clusters, first_of_cluster = _clusters(filters.session_id)
    session_id = filters.session_id
    articles = article_queryset(filters).order_by("external_id")
    last: str | None = None
    done = 0
    while True:
        page = articles if last is None else articles.filter(external_id__gt=last)
        chunk = list(page.values(*ARTICLE_FIELDS)[:chunk_size])
        if not chunk:
            return
        last = chunk[-1]["external_id"]
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
        for gold in rows:
            article = by_id[gold["article_id"]]
            level = level_codes.get(gold["sourcing_quality_id"])
            cluster = clusters.cluster(gold["id"])
            if cluster is None:
                claim_id = (
                    f"urn:workbench:session:{session_id}:claim:"
                    f"{url_quote(article['external_id'], safe='-_.~')}:"
                    f"{url_quote(gold['unit_key'], safe='')}"
                )
                first_article = earliest_article([article])
            else:
                claim_id = f"urn:workbench:session:{session_id}:fact:{cluster}"
                first_article = first_of_cluster.get(cluster)
            yield claim_review(
                gold,
                article,
                session_id=session_id,
                claim_id=claim_id,
                first_article=first_article,
                author=claim_author(
                    gold["cited_source"], level, aliases, outlet_node(article)
                ),
                codes={
                    "claim_type": claim_codes.get(gold["claim_type_id"]),
                    "sourcing_quality": level,
                },
                review_by=review_by,
                pattern=pattern,
            )
        done += len(chunk)
        if on_chunk is not None:
            on_chunk(done)
        if len(chunk) < chunk_size:
            return


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
