"""The export's querysets (also used by the data card for its counts)."""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db.models import Exists, OuterRef

from annotations.exporters.filters import STATUS_NONE, ExportFilters
from annotations.models import AgreementUnit, Article, GoldSpan, SpanAnnotation


def article_queryset(filters: ExportFilters):
    query = Article.objects.filter(sessions=filters.session_id)
    if filters.article_ids is not None:
        query = query.filter(pk__in=filters.article_ids)
    return query


def article_chunks(
    filters: ExportFilters,
    fields: Sequence[str],
    chunk_size: int,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The filtered articles by external id, `chunk_size` at a time (keyset).

    Each chunk is a list of ``fields`` dicts; ``on_chunk`` hears the running
    count once a chunk has been dealt with.
    """
    articles = article_queryset(filters).order_by("external_id")
    last: str | None = None
    done = 0
    while True:
        page = articles if last is None else articles.filter(external_id__gt=last)
        chunk = list(page.values(*fields)[:chunk_size])
        if not chunk:
            return
        last = chunk[-1]["external_id"]
        yield chunk
        done += len(chunk)
        if on_chunk is not None:
            on_chunk(done)
        if len(chunk) < chunk_size:
            return


def raw_span_queryset(filters: ExportFilters):
    query = SpanAnnotation.objects.filter(session_id=filters.session_id)
    if filters.article_ids is not None:
        query = query.filter(article_id__in=filters.article_ids)
    if filters.reviewer_ids is not None:
        query = query.filter(reviewer_id__in=filters.reviewer_ids)
    if filters.since is not None:
        query = query.filter(updated_at__gte=filters.since)
    if filters.until is not None:
        query = query.filter(updated_at__lt=filters.until)
    if filters.statuses:
        through = AgreementUnit.spans.through.objects.filter(
            spanannotation_id=OuterRef("pk")
        )
        query = query.filter(
            _status_condition(through, "agreementunit__status__in", filters.statuses)
        )
    return query.order_by()


def gold_span_queryset(filters: ExportFilters):
    query = GoldSpan.objects.filter(session_id=filters.session_id, is_current=True)
    if filters.article_ids is not None:
        query = query.filter(article_id__in=filters.article_ids)
    if filters.since is not None:
        query = query.filter(decided_at__gte=filters.since)
    if filters.until is not None:
        query = query.filter(decided_at__lt=filters.until)
    if filters.statuses:
        units = AgreementUnit.objects.filter(
            session_id=OuterRef("session_id"),
            article_id=OuterRef("article_id"),
            key=OuterRef("unit_key"),
        )
        query = query.filter(_status_condition(units, "status__in", filters.statuses))
    return query.order_by()


def _status_condition(related, lookup: str, statuses: tuple[str, ...]):
    """Spans whose unit has one of `statuses` ("none": held by no unit)."""
    named = [status for status in statuses if status != STATUS_NONE]
    condition = None
    if named:
        condition = Exists(related.filter(**{lookup: named}))
    if STATUS_NONE in statuses:
        missing = ~Exists(related)
        condition = missing if condition is None else condition | missing
    return condition
