"""Span annotation writes: validate, create (single and bulk), update, delete.

Every client (API, admin, commands, importers) writes spans through these
functions, so the rules live in one place (services/span_rules.py):

* `0 <= start < end <= len(text)`, offsets in code points (end exclusive);
  with `offset_unit="utf16"` the offsets are converted first;
* `quote == text[start:end]`;
* no offset inside a grapheme cluster; `snap="word"` first clips the end to
  the text and grows the span to whole words (services/span_offsets.py);
* labels belong to the session's scheme;
* the reviewer is a reviewer of the session and the article is in it;
* no exact duplicate (same reviewer, same offsets).

Bulk creation is in services/spans_bulk.py (re-exported here).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from annotations.models import SpanAnnotation
from annotations.services.errors import StaleVersion
from annotations.services.recompute import articles_changed
from annotations.services.span_rules import (
    MAX_CITED_SOURCE,
    OFFSET_UNITS,
    SpanContext,
    duplicate_error,
    duplicate_exists,
    reviewer_check,
    span_clean,
    span_context,
    span_context_for_writer,
)
from annotations.services.span_undo import span_tombstone_keep
from annotations.services.spans_bulk import (
    MAX_BULK_SPANS,
    BulkValidationError,
    annotation_bulk_create,
)

__all__ = [
    "MAX_BULK_SPANS",
    "MAX_CITED_SOURCE",
    "OFFSET_UNITS",
    "BulkValidationError",
    "SpanContext",
    "annotation_bulk_create",
    "annotation_check",
    "annotation_create",
    "annotation_delete",
    "annotation_update",
    "annotation_update_as_staff",
    "reviewer_check",
    "span_clean",
    "span_context",
]


def annotation_check(
    *,
    session_id: int,
    article_id: int,
    reviewer,
    span_id: int | None = None,
    offset_unit: str = "codepoint",
    **values: Any,
) -> tuple[SpanContext, dict[str, Any]]:
    """Validate a span as `annotation_create` would (nothing is written).

    Returns the context and the model field values; ValidationError names each
    offending field. `span_id` is the span being edited (not its own duplicate).
    """
    context = span_context(session_id=session_id, article_id=article_id)
    reviewer_check(session_id=session_id, reviewer=reviewer)
    cleaned = span_clean(context, offset_unit=offset_unit, **values)
    if duplicate_exists(context, reviewer, cleaned["start"], cleaned["end"], span_id):
        raise duplicate_error(cleaned["start"], cleaned["end"])
    return context, cleaned


@transaction.atomic
def annotation_create(
    *,
    session_id: int,
    article_id: int,
    reviewer,
    start: Any,
    end: Any,
    quote: Any,
    claim_type: Any,
    sourcing_quality: Any,
    cited_source: Any = "",
    note: Any = "",
    offset_unit: str = "codepoint",
    snap: str | None = None,
    origin: str = SpanAnnotation.Origin.MANUAL,
) -> SpanAnnotation:
    """Create one span for `reviewer`; enqueue the agreement recompute on commit.

    `snap="word"` stores the span grown to whole words (see span_clean).
    The hot path of a reviewer's save: two queries load and check the context,
    the unique constraint on (session, article, reviewer, start, end) is the
    duplicate check (its IntegrityError rolls this transaction, a savepoint
    when nested, back), and one UPDATE bumps the article's change counter.
    """
    context = span_context_for_writer(
        session_id=session_id, article_id=article_id, reviewer=reviewer
    )
    values = span_clean(
        context,
        start=start,
        end=end,
        quote=quote,
        claim_type=claim_type,
        sourcing_quality=sourcing_quality,
        cited_source=cited_source,
        note=note,
        offset_unit=offset_unit,
        snap=snap,
    )
    try:
        span = SpanAnnotation.objects.create(
            session=context.session,
            article=context.article,
            reviewer=reviewer,
            origin=origin,
            **values,
        )
    except IntegrityError:
        # The reviewer already has a span there (perhaps saved concurrently).
        raise duplicate_error(values["start"], values["end"]) from None
    articles_changed(session_id=session_id, article_ids=[article_id])
    return span


def _own_span(span_id: int, actor) -> SpanAnnotation:
    span = SpanAnnotation.objects.select_related("article", "session", "reviewer").get(
        pk=span_id
    )
    if span.reviewer_id != actor.pk:
        raise PermissionDenied("Only the reviewer who made a span can change it.")
    return span


UPDATABLE = frozenset(
    ("start", "end", "quote", "claim_type", "sourcing_quality", "cited_source", "note")
)


def _version_check(expected_version: Any) -> None:
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ValidationError(
            {"version": "Send the version you read (a whole number)."}
        )


@transaction.atomic
def annotation_update(
    *,
    span_id: int,
    actor,
    expected_version: Any,
    offset_unit: str = "codepoint",
    snap: str | None = None,
    **changes: Any,
) -> SpanAnnotation:
    """Apply `changes` to the actor's own span if its version is `expected_version`.

    `snap="word"` grows changed offsets to whole words; unchanged offsets stay.

    The compare-and-set is one conditional UPDATE, so of two clients editing
    the same version exactly one wins; the other gets StaleVersion and the
    stored span is untouched.
    """
    _version_check(expected_version)
    span = _own_span(span_id, actor)
    return _span_update(span, expected_version, offset_unit, changes, snap=snap)


@transaction.atomic
def annotation_update_as_staff(
    *, span_id: int, staff, expected_version: Any, **changes: Any
) -> SpanAnnotation:
    """Staff correct any reviewer's span (the Django admin): the same rules and
    the same compare-and-set as the reviewer's own edit, so a correction made
    from a stale page cannot overwrite what the reviewer saved meanwhile.

    Precondition: `staff.is_staff` (PermissionDenied otherwise).
    """
    if not getattr(staff, "is_staff", False):
        raise PermissionDenied("Only staff may change another reviewer's span.")
    _version_check(expected_version)
    span = SpanAnnotation.objects.select_related("article", "session", "reviewer").get(
        pk=span_id
    )
    return _span_update(span, expected_version, "codepoint", changes)


def _span_update(
    span: SpanAnnotation,
    expected_version: int,
    offset_unit: str,
    changes: dict[str, Any],
    snap: str | None = None,
) -> SpanAnnotation:
    """Validate `changes` over the stored values, then compare-and-set."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError(
            {name: "This field cannot be changed." for name in unknown}
        )
    context = span_context(session_id=span.session_id, article_id=span.article_id)
    current = {
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
        "claim_type": span.claim_type.code,
        "sourcing_quality": span.sourcing_quality.code,
        "cited_source": span.cited_source,
        "note": span.note,
    }
    if offset_unit == "utf16":
        # Untouched offsets are stored in code points; express them in UTF-16.
        for name in ("start", "end"):
            if name not in changes:
                current[name] = context.offset_map.to_utf16(current[name])
    moved = "start" in changes or "end" in changes
    values = span_clean(
        context,
        offset_unit=offset_unit,
        snap=snap if moved else "keep",
        **{**current, **changes},
    )
    if span.version != expected_version:
        raise StaleVersion(expected=expected_version, current=span.version)
    reviewer = span.reviewer
    if duplicate_exists(context, reviewer, values["start"], values["end"], span.pk):
        raise duplicate_error(values["start"], values["end"])
    updated = SpanAnnotation.objects.filter(
        pk=span.pk, version=expected_version
    ).update(**values, version=F("version") + 1, updated_at=timezone.now())
    if updated == 0:
        span.refresh_from_db(fields=["version"])
        raise StaleVersion(expected=expected_version, current=span.version)
    articles_changed(session_id=span.session_id, article_ids=[span.article_id])
    return SpanAnnotation.objects.select_related(
        "claim_type", "sourcing_quality", "reviewer"
    ).get(pk=span.pk)


@transaction.atomic
def annotation_delete(*, span_id: int, actor, expected_version: Any = None) -> None:
    """Delete the actor's own span (optionally only if still at `expected_version`)."""
    span = _own_span(span_id, actor)
    query = SpanAnnotation.objects.filter(pk=span.pk)
    if expected_version is not None:
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise ValidationError({"version": "Must be a whole number."})
        query = query.filter(version=expected_version)
    deleted, _ = query.delete()
    if deleted == 0:
        span.refresh_from_db(fields=["version"])
        raise StaleVersion(expected=expected_version, current=span.version)
    span_tombstone_keep(span)
    articles_changed(session_id=span.session_id, article_ids=[span.article_id])
