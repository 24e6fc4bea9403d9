"""JSON Lines: one article per line with its text, metadata and sorted spans."""

from collections.abc import Iterator
from typing import Any

from annotations.exporters.base import (
    FORMAT_VERSION,
    ArticleBundle,
    ExportFilters,
    article_iri,
    dumps,
    iter_bundles,
    session_summary,
)


def article_record(bundle: ArticleBundle, session: dict[str, Any]) -> dict[str, Any]:
    """The JSONL record of one article; portable ids only (no database keys)."""
    article = bundle.article
    outlet = None
    if article["outlet__name"] is not None:
        outlet = {"domain": article["outlet__domain"], "name": article["outlet__name"]}
    published = article["published_date"]
    return {
        "article_questions": bundle.article_questions,
        "format_version": FORMAT_VERSION,
        "id": article_iri(article["external_id"]),
        "external_id": article["external_id"],
        "metadata": {
            "byline": article["byline"],
            "outlet": outlet,
            "published_date": published.isoformat() if published else None,
            "published_text": article["published_text"],
            "title": article["title"],
            "url": article["url"],
        },
        "review_states": bundle.review_states,
        "session": session,
        "spans": bundle.spans,
        "text": article["text"],
        "text_sha256": article["text_sha256"],
        "threads": bundle.threads,
    }


def jsonl_lines(filters: ExportFilters, **options: Any) -> Iterator[bytes]:
    """Yield one serialised article per line (sorted keys, UTF-8, no spaces)."""
    session = session_summary(filters.session_id)
    for bundle in iter_bundles(
        filters, review_states=True, threads=True, article_questions=True, **options
    ):
        yield dumps(article_record(bundle, session)) + b"\n"
