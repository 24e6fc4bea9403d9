"""ClaimReview building blocks: the vocabulary, the rating scale and the nodes.

The pieces `claimreview.py` assembles: short claim text, the claim's author
(the documented Person / Organization heuristic), same-fact clusters, the first
appearance, the article and outlet nodes and the article's indicator values
(its gold article-question answers). Plain data in, JSON-LD dicts out.
"""

from collections.abc import Iterable, Mapping
from pathlib import Path
from string import Formatter
from typing import Any
from urllib.parse import quote as url_quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from annotations.exporters.base import article_iri
from annotations.metrics.sources import is_vague_source, normalise_source
from annotations.models import GoldSpan

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


def appearance_node(
    article: dict[str, Any], indicators: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The article as a schema.org NewsArticle (one @id per article), with its
    indicator values (`indicator_nodes`) when given."""
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
    if indicators:
        node["wb:articleIndicator"] = indicators
    return node


def indicator_nodes(
    questions: list[dict[str, Any]], gold: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The article's gold article-question answers as schema.org PropertyValues.

    ClaimReview has no property for an article's credibility indicators (nor
    does `NewsArticle`: `additionalProperty` is not defined on CreativeWork),
    so they hang from the appearance under `wb:articleIndicator`, each a
    `PropertyValue` (`propertyID` the question code, `name` its prompt,
    `value` the option code, a JSON-LD `@list` of codes for a multi-select,
    true/false for yes/no) with its provenance: `wb:provenance` adjudicated
    or agreed, `wb:answerCount`, and who decided when for an adjudicated one.
    `gold` is `exporters.answers.gold_answers_by_article`'s entry.
    """
    nodes = []
    for question in questions:
        entry = gold.get(question["code"])
        if entry is None:
            continue
        labels = {option["code"]: option["label"] for option in question["options"]}
        value = entry["value"]
        if question["type"] == "multi":
            shown: Any = {"@list": [labels.get(code, code) for code in value]}
            value = {"@list": list(value)}
        elif question["type"] == "boolean":
            shown = labels["yes" if value else "no"]
        else:
            shown = labels.get(value, value)
        node = {
            "@type": "PropertyValue",
            "propertyID": question["code"],
            "name": question["prompt"],
            "value": value,
            "wb:valueLabel": shown,
            "wb:provenance": entry["source"],
            "wb:answerCount": len(entry["answers"]),
        }
        if entry["decided_by"]:
            node["wb:decidedBy"] = entry["decided_by"]
            node["wb:decidedAt"] = entry["decided_at"]
        nodes.append(node)
    return nodes
