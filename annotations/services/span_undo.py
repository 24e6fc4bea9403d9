"""Undoing a span deletion: the deleted span is kept for a while and restored.

`annotation_delete` (services/spans.py) keeps a tombstone of what it deleted;
`span_restore` brings the span back under its old id with the next version, so
a client holding the deleted version number can tell the restored span from
the one it deleted, and the usual compare-and-set on `version` still holds.
"""

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import (
    ClaimType,
    DeletedSpan,
    SessionMembership,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.errors import NotFound, StaleVersion
from annotations.services.recompute import articles_changed

# How long a deleted span can be restored (the page offers Undo for seconds;
# the server keeps it longer so a slow network still makes it).
UNDO_WINDOW = timedelta(minutes=10)


def span_tombstone_keep(span: SpanAnnotation) -> None:
    """Keep what `span` (just deleted) held; drop tombstones past the window."""
    DeletedSpan.objects.filter(deleted_at__lt=timezone.now() - UNDO_WINDOW).delete()
    DeletedSpan.objects.update_or_create(
        span_id=span.pk,
        defaults={
            "session_id": span.session_id,
            "article_id": span.article_id,
            "reviewer_id": span.reviewer_id,
            "version": span.version,
            "deleted_at": timezone.now(),
            "fields": {
                "start": span.start,
                "end": span.end,
                "quote": span.quote,
                "claim_type": span.claim_type_id,
                "sourcing_quality": span.sourcing_quality_id,
                "cited_source": span.cited_source,
                "note": span.note,
                "origin": span.origin,
                "created_at": span.created_at.isoformat(),
            },
        },
    )


class NothingToRestore(NotFound):
    """No deleted span with this id can be restored (never deleted, or too late)."""


def _restorable(*, session_id: int, span_id: int, actor) -> DeletedSpan:
    tombstone = (
        DeletedSpan.objects.select_for_update()
        .filter(
            span_id=span_id,
            session_id=session_id,
            deleted_at__gte=timezone.now() - UNDO_WINDOW,
        )
        .first()
    )
    if tombstone is None:
        raise NothingToRestore(
            "No span deleted here in the last 10 minutes has this id."
        )
    if tombstone.reviewer_id != actor.pk:
        raise PermissionDenied("Only the reviewer who deleted a span can restore it.")
    if not SessionMembership.objects.filter(
        session_id=session_id,
        user_id=actor.pk,
        role=SessionMembership.Role.REVIEWER,
    ).exists():
        raise PermissionDenied("Only reviewers of this session can restore spans.")
    return tombstone


@transaction.atomic
def span_restore(
    *, session_id: int, span_id: int, actor, expected_version: Any
) -> SpanAnnotation:
    """Bring back the actor's deleted span `span_id` at version + 1.

    `expected_version` is the version that was deleted (what the client held):
    a mismatch is StaleVersion. Raises NothingToRestore when there is no
    tombstone within the undo window, ValidationError when the reviewer has
    since made a span at the same offsets (restoring would duplicate it).
    """
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ValidationError({"version": "Send the version you deleted."})
    tombstone = _restorable(session_id=session_id, span_id=span_id, actor=actor)
    if tombstone.version != expected_version:
        raise StaleVersion(expected=expected_version, current=tombstone.version)
    fields = tombstone.fields
    claim = ClaimType.objects.filter(pk=fields["claim_type"]).first()
    level = SourcingLevel.objects.filter(pk=fields["sourcing_quality"]).first()
    if claim is None or level is None:
        raise ValidationError({"span": "Its labels no longer exist in the scheme."})
    try:
        with transaction.atomic():
            span = SpanAnnotation.objects.create(
                pk=tombstone.span_id,
                session_id=session_id,
                article_id=tombstone.article_id,
                reviewer_id=tombstone.reviewer_id,
                start=fields["start"],
                end=fields["end"],
                quote=fields["quote"],
                claim_type=claim,
                sourcing_quality=level,
                cited_source=fields["cited_source"],
                note=fields["note"],
                origin=fields["origin"],
                version=tombstone.version + 1,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "start": "You have made another span at these offsets since; "
                "the deleted one cannot come back beside it."
            }
        ) from None
    tombstone.delete()
    articles_changed(session_id=session_id, article_ids=[tombstone.article_id])
    return SpanAnnotation.objects.select_related(
        "article", "claim_type", "sourcing_quality", "reviewer"
    ).get(pk=span.pk)
