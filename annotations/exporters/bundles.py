"""The chunked export read: keyset-paginated article chunks with their spans."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from annotations.exporters.answers import article_questions_by_article
from annotations.exporters.bundle_gold import _add_gold
from annotations.exporters.filters import ExportFilters
from annotations.exporters.queries import article_chunks
from annotations.exporters.rows import _Names, _raw_rows, _units
from annotations.interchange import timestamp
from annotations.models import (
    ARTICLE_CONTENT_FIELDS,
    AnnotationSession,
    ClaimType,
    ReviewState,
    SourcingLevel,
    UnitComment,
)

ARTICLE_FIELDS = (
    "id",
    "external_id",
    *ARTICLE_CONTENT_FIELDS,
    "text_sha256",
    "outlet__name",
    "outlet__domain",
)
LAYER_ORDER = {"gold": 0, "raw": 1}


def span_sort_key(span: dict[str, Any]) -> tuple:
    return (
        span["start"],
        span["end"],
        LAYER_ORDER[span["layer"]],
        span.get("reviewer") or "",
        span.get("unit_key") or "",
    )


@dataclass
class ArticleBundle:
    """One article (a values() dict) and its filtered spans, sorted."""

    article: dict[str, Any]
    spans: list[dict[str, Any]]
    # Only read when asked for (`review_states=True`): the JSONL carries them.
    review_states: list[dict[str, Any]] = field(default_factory=list)
    # Discussion threads by unit key (`threads=True`; never for hide_units).
    threads: list[dict[str, Any]] = field(default_factory=list)
    # Article-question answers and gold answers (`article_questions=True`).
    article_questions: dict[str, Any] = field(default_factory=dict)


def session_summary(session_id: int) -> dict[str, Any]:
    """The session as exported: portable fields only (no database ids)."""
    session = AnnotationSession.objects.select_related("scheme").get(pk=session_id)
    return {
        "alignment_threshold": session.alignment_threshold,
        "blind": session.blind,
        "description": session.description,
        "name": session.name,
        "required_reviewers": session.required_reviewers,
        "scheme": session.scheme.slug,
    }


def iter_bundles(
    filters: ExportFilters,
    *,
    chunk_size: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    review_states: bool = False,
    threads: bool = False,
    article_questions: bool = False,
) -> Iterator[ArticleBundle]:
    """Articles by external id, `chunk_size` at a time, with their spans.

    Keyset pagination keeps memory flat however large the session; each chunk
    costs a fixed handful of queries (articles, spans, gold, units, provenance,
    and with `review_states` the reviewers' done states of the raw layer, with
    `threads` the units' discussion comments).
    """
    if chunk_size is None:
        chunk_size = settings.EXPORT_CHUNK_ARTICLES
    claim_codes = dict(ClaimType.objects.values_list("pk", "code"))
    level_codes = dict(SourcingLevel.objects.values_list("pk", "code"))
    names = _Names()
    for chunk in article_chunks(filters, ARTICLE_FIELDS, chunk_size, on_chunk):
        yield from _chunk_bundles(
            filters,
            chunk,
            names,
            claim_codes,
            level_codes,
            review_states=review_states,
            threads=threads,
            article_questions=article_questions,
        )


def _chunk_bundles(
    filters: ExportFilters,
    chunk: list[dict[str, Any]],
    names: "_Names",
    claim_codes: dict[int, str],
    level_codes: dict[int, str],
    *,
    review_states: bool,
    threads: bool,
    article_questions: bool,
) -> Iterator[ArticleBundle]:
    """The bundles of one chunk of articles: a fixed handful of queries."""
    ids = [article["id"] for article in chunk]
    spans_by_article: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    unit_of_span, status_of_key = ({}, {})
    if not filters.hide_units:
        unit_of_span, status_of_key = _units(filters.session_id, ids)
    if filters.include_raw:
        _add_raw(
            filters,
            ids,
            spans_by_article,
            unit_of_span,
            names,
            claim_codes,
            level_codes,
        )
    if filters.include_gold:
        _add_gold(
            filters,
            ids,
            spans_by_article,
            status_of_key,
            names,
            claim_codes,
            level_codes,
        )
    states_by_article, threads_by_article, questions_by_article = _extras(
        filters,
        ids,
        names,
        review_states=review_states,
        threads=threads,
        article_questions=article_questions,
    )
    for article in chunk:
        spans = spans_by_article[article["id"]]
        spans.sort(key=span_sort_key)
        yield ArticleBundle(
            article=article,
            spans=spans,
            review_states=states_by_article.get(article["id"], []),
            threads=threads_by_article.get(article["id"], []),
            article_questions=questions_by_article.get(article["id"], {}),
        )


def _add_raw(
    filters, ids, spans_by_article, unit_of_span, names, claim_codes, level_codes
):
    """The reviewer spans of the chunk's articles, with their unit and status."""
    rows = _raw_rows(filters, ids)
    names.load({row[2] for row in rows})
    usernames = names.by_id
    for (
        pk,
        article_id,
        reviewer_id,
        start,
        end,
        quote,
        claim_type_id,
        level_id,
        cited_source,
        note,
        origin,
        created_at,
        updated_at,
    ) in rows:
        reviewer = usernames[reviewer_id]
        unit = unit_of_span.get(pk)
        spans_by_article[article_id].append(
            {
                "id": f"{reviewer}:{start}:{end}",
                "layer": "raw",
                "start": start,
                "end": end,
                "quote": quote,
                "claim_type": claim_codes[claim_type_id],
                "sourcing_quality": level_codes[level_id],
                "cited_source": cited_source,
                "note": note,
                "reviewer": reviewer,
                "origin": origin,
                "created": created_at,
                "modified": updated_at,
                "unit_key": unit[0] if unit else None,
                "agreement_status": unit[1] if unit else None,
            }
        )


def _extras(filters, ids, names, *, review_states, threads, article_questions):
    """What the JSONL adds per article when asked: review states, threads, answers."""
    states_by_article: dict[int, list[dict[str, Any]]] = {}
    if review_states and filters.include_raw:
        states_by_article = _review_states(filters, ids, names)
    threads_by_article: dict[int, list[dict[str, Any]]] = {}
    if threads and not filters.hide_units:
        threads_by_article = _threads(filters, ids, names)
    questions_by_article: dict[int, dict[str, Any]] = {}
    if article_questions:
        questions_by_article = _article_questions(filters, ids)
    return states_by_article, threads_by_article, questions_by_article


def _article_questions(filters: ExportFilters, ids: list[int]) -> dict:
    session = AnnotationSession.objects.only("scheme_id").get(pk=filters.session_id)
    return article_questions_by_article(filters, ids, session)


def _review_states(
    filters: ExportFilters, article_ids: list[int], names: _Names
) -> dict[int, list[dict[str, Any]]]:
    """Each article's review states (the reviewers filter applies), by username.

    They decide which units are still pending, so the JSONL round trip needs
    them to recompute the same statuses.
    """
    query = ReviewState.objects.filter(
        session_id=filters.session_id, article_id__in=article_ids
    )
    if filters.reviewer_ids is not None:
        query = query.filter(reviewer_id__in=filters.reviewer_ids)
    rows = list(query.values_list("article_id", "reviewer_id", "done", "done_at"))
    names.load({row[1] for row in rows})
    states: dict[int, list[dict[str, Any]]] = {}
    for article_id, reviewer_id, done, done_at in rows:
        states.setdefault(article_id, []).append(
            {
                "reviewer": names.by_id[reviewer_id],
                "done": done,
                "done_at": timestamp(done_at),
            }
        )
    for items in states.values():
        items.sort(key=lambda state: state["reviewer"])
    return states


def _threads(
    filters: ExportFilters, article_ids: list[int], names: _Names
) -> dict[int, list[dict[str, Any]]]:
    """Each article's discussion threads: by unit key, comments oldest first.

    They are the adjudication's conversation, so a blind reviewer's own export
    (`hide_units`) never carries them; no other filter applies.
    """
    rows = list(
        UnitComment.objects.filter(
            session_id=filters.session_id, article_id__in=article_ids
        )
        .order_by("article_id", "unit_key", "created_at", "pk")
        .values_list("article_id", "unit_key", "author_id", "text", "created_at")
    )
    names.load({row[2] for row in rows})
    threads: dict[int, list[dict[str, Any]]] = {}
    for article_id, unit_key, author_id, text, created_at in rows:
        items = threads.setdefault(article_id, [])
        if not items or items[-1]["unit_key"] != unit_key:
            items.append({"unit_key": unit_key, "comments": []})
        items[-1]["comments"].append(
            {
                "author": names.by_id[author_id],
                "created": timestamp(created_at),
                "text": text,
            }
        )
    return threads
