"""Many spans in one request (the API's bulk route, the importers): all or nothing.

The same rules as one span (services/span_rules.py); every refusal is listed
as (index, field, message) and nothing is written then.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import Article, SpanAnnotation
from annotations.services.recompute import articles_changed
from annotations.services.span_rules import (
    SpanContext,
    reviewer_check,
    span_clean,
    span_context,
)

MAX_BULK_SPANS = 5000
SPAN_FIELDS = ("start", "end", "quote", "claim_type", "sourcing_quality")


class BulkValidationError(Exception):
    """A bulk request was refused; `errors` lists index, field and message."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} span(s) are invalid; nothing was saved")


def _error(index: int | None, field: str, message: str) -> dict[str, Any]:
    return {"index": index, "field": field, "message": message}


def _item_shape_errors(index: int, item: Any) -> list[dict[str, Any]]:
    """An object with an article id and every required span field."""
    if not isinstance(item, dict):
        return [_error(index, "non_field_errors", "Each span must be a JSON object.")]
    article_id = item.get("article")
    if isinstance(article_id, bool) or not isinstance(article_id, int):
        return [_error(index, "article", "Must be an article id (a whole number).")]
    return [
        _error(index, name, "This field is required.")
        for name in SPAN_FIELDS
        if name not in item
    ]


def _item_clean(
    session_id: int,
    item: dict[str, Any],
    contexts: dict[int, SpanContext],
    offset_unit: str,
    snap: str | None,
) -> tuple[SpanContext, dict[str, Any]]:
    """One item's context (loaded once per article) and cleaned values."""
    article_id = item["article"]
    if article_id not in contexts:
        contexts[article_id] = span_context(
            session_id=session_id, article_id=article_id
        )
    context = contexts[article_id]
    values = span_clean(
        context,
        offset_unit=offset_unit,
        snap=snap,
        **{k: item[k] for k in SPAN_FIELDS},
        cited_source=item.get("cited_source", ""),
        note=item.get("note", ""),
    )
    return context, values


def _items_clean(session_id, items, offset_unit, snap):
    """(contexts by article, cleaned (context, values), errors) of every item."""
    contexts: dict[int, SpanContext] = {}
    errors: list[dict[str, Any]] = []
    cleaned: list[tuple[SpanContext, dict[str, Any]]] = []
    seen: set[tuple[int, int, int]] = set()
    for index, item in enumerate(items):
        shape = _item_shape_errors(index, item)
        if shape:
            errors.extend(shape)
            continue
        try:
            context, values = _item_clean(session_id, item, contexts, offset_unit, snap)
        except Article.DoesNotExist:
            message = f"Article {item['article']} does not exist."
            errors.append(_error(index, "article", message))
            continue
        except ValidationError as exc:
            errors.extend(
                _error(index, name, " ".join(messages))
                for name, messages in exc.message_dict.items()
            )
            continue
        key = (item["article"], values["start"], values["end"])
        if key in seen:
            message = "Duplicates an earlier span in this request."
            errors.append(_error(index, "start", message))
            continue
        seen.add(key)
        cleaned.append((context, values))
    return contexts, cleaned, errors


def _existing_errors(session_id, reviewer, contexts, cleaned) -> list[dict[str, Any]]:
    """Items at offsets where the reviewer already has a span."""
    existing = set(
        SpanAnnotation.objects.filter(
            session_id=session_id,
            reviewer_id=reviewer.pk,
            article_id__in=list(contexts),
        ).values_list("article_id", "start", "end")
    )
    return [
        _error(index, "start", "You already have a span at these offsets.")
        for index, (context, values) in enumerate(cleaned)
        if (context.article.pk, values["start"], values["end"]) in existing
    ]


def _spans_insert(cleaned, reviewer, origin: str) -> list[SpanAnnotation]:
    now = timezone.now()
    spans = [
        SpanAnnotation(
            session=context.session,
            article=context.article,
            reviewer=reviewer,
            origin=origin,
            created_at=now,
            updated_at=now,
            **values,
        )
        for context, values in cleaned
    ]
    try:
        with transaction.atomic():
            return SpanAnnotation.objects.bulk_create(spans, batch_size=1000)
    except IntegrityError:
        message = "A span at these offsets was saved concurrently; retry."
        raise BulkValidationError([_error(None, "start", message)]) from None


@transaction.atomic
def annotation_bulk_create(
    *,
    session_id: int,
    reviewer,
    items: list[dict[str, Any]],
    offset_unit: str = "codepoint",
    snap: str | None = None,
    origin: str = SpanAnnotation.Origin.MANUAL,
) -> list[SpanAnnotation]:
    """Create many spans, all or nothing.

    Each item carries `article` (id) and the span fields. Any invalid item
    rejects the whole batch with BulkValidationError listing every
    (index, field, message).
    """
    if len(items) > MAX_BULK_SPANS:
        message = f"At most {MAX_BULK_SPANS} spans per request."
        raise BulkValidationError([_error(None, "spans", message)])
    reviewer_check(session_id=session_id, reviewer=reviewer)
    contexts, cleaned, errors = _items_clean(session_id, items, offset_unit, snap)
    if not errors and cleaned:
        errors = _existing_errors(session_id, reviewer, contexts, cleaned)
    if errors:
        raise BulkValidationError(errors)
    created = _spans_insert(cleaned, reviewer, origin)
    if contexts:
        articles_changed(session_id=session_id, article_ids=sorted(contexts))
    return created
