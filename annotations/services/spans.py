"""Span annotation writes: validate, create (single and bulk), update, delete.

Every client (API, admin, commands, importers) writes spans through these
functions, so the rules live in one place:

* `0 <= start < end <= len(text)`, offsets in code points (end exclusive);
  with `offset_unit="utf16"` the offsets are converted first;
* `quote == text[start:end]`;
* no offset inside a grapheme cluster; `snap="word"` first clips the end to
  the text and grows the span to whole words (services/span_offsets.py);
* labels belong to the session's scheme;
* the reviewer is a reviewer of the session and the article is in it;
* no exact duplicate (same reviewer, same offsets).
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from annotations.models import (
    AnnotationSession,
    Article,
    ClaimType,
    SessionMembership,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.errors import StaleVersion
from annotations.services.recompute import articles_changed
from annotations.services.span_offsets import SNAP_MODES, offsets_settle, snap_clip
from annotations.services.span_undo import span_tombstone_keep
from annotations.text import OffsetMap

OFFSET_UNITS = ("codepoint", "utf16")
MAX_CITED_SOURCE = 300
MAX_BULK_SPANS = 5000


class BulkValidationError(Exception):
    """A bulk request was refused; `errors` lists index, field and message."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} span(s) are invalid; nothing was saved")


@dataclass
class SpanContext:
    """What validating spans of one (session, article) needs, loaded once."""

    session: AnnotationSession
    article: Article
    claim_types: dict[str, ClaimType]
    sourcing_levels: dict[str, SourcingLevel]
    _offset_map: OffsetMap | None = field(default=None, repr=False)

    @property
    def offset_map(self) -> OffsetMap:
        if self._offset_map is None:
            self._offset_map = OffsetMap(self.article.text)
        return self._offset_map


def span_context(*, session_id: int, article_id: int) -> SpanContext:
    """Load the session, the article (checked to be in it) and the label scheme."""
    session = AnnotationSession.objects.select_related("scheme").get(pk=session_id)
    # One query: the article, only if it belongs to the session.
    article = Article.objects.filter(
        pk=article_id, sessionarticle__session_id=session_id
    ).first()
    if article is None:
        raise ValidationError(
            {"article": f"Article {article_id} is not in this session."}
        )
    return SpanContext(
        session=session,
        article=article,
        claim_types={
            c.code: c for c in ClaimType.objects.filter(scheme=session.scheme)
        },
        sourcing_levels={
            s.code: s for s in SourcingLevel.objects.filter(scheme=session.scheme)
        },
    )


def reviewer_check(*, session_id: int, reviewer) -> None:
    """The reviewer must hold the reviewer role in the session."""
    if not SessionMembership.objects.filter(
        session_id=session_id,
        user_id=reviewer.pk,
        role=SessionMembership.Role.REVIEWER,
    ).exists():
        raise ValidationError(
            {"reviewer": f"{reviewer} is not a reviewer of this session."}
        )


def span_clean(
    context: SpanContext,
    *,
    start: Any,
    end: Any,
    quote: Any,
    claim_type: Any,
    sourcing_quality: Any,
    cited_source: Any = "",
    note: Any = "",
    offset_unit: str = "codepoint",
    snap: str | None = None,
) -> dict[str, Any]:
    """Check one span's values; return model field values or raise ValidationError.

    The error dict names every offending field with a sentence a person can act on.
    The quote must match the offsets sent (after clipping, before snapping).
    """
    errors: dict[str, str] = {}
    text = context.article.text
    if offset_unit not in OFFSET_UNITS:
        errors["offset_unit"] = f"Must be one of {', '.join(OFFSET_UNITS)}."
        raise ValidationError(errors)
    if snap not in (None, "keep", *SNAP_MODES):
        errors["snap"] = f"Must be one of {', '.join(SNAP_MODES)}."
        raise ValidationError(errors)
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = "Must be a whole number (a character offset)."
    if not errors:
        if offset_unit == "utf16":
            if snap == "word":
                end = min(end, context.offset_map.utf16_length)
            for name, value in (("start", start), ("end", end)):
                try:
                    converted = context.offset_map.to_codepoint(value)
                except ValueError as exc:
                    errors[name] = str(exc)
                else:
                    if name == "start":
                        start = converted
                    else:
                        end = converted
        if not errors:
            end = snap_clip(text, end, snap)
            if start < 0:
                errors["start"] = "Must be 0 or more."
            if end > len(text):
                errors["end"] = (
                    f"Must be at most {len(text)}, the article's length in characters."
                )
            if "start" not in errors and "end" not in errors and end <= start:
                errors["end"] = (
                    "Must be greater than start (offsets are end-exclusive)."
                )
    if not isinstance(quote, str):
        errors["quote"] = "Must be a string."
    elif not errors and text[start:end] != quote:
        errors["quote"] = (
            f"Does not match the article text at [{start}, {end}), which reads "
            f"{text[start:end][:80]!r}."
        )
    elif not errors:
        settled, offset_errors = offsets_settle(text, start, end, snap)
        errors.update(offset_errors)
        if settled is not None:
            start, end = settled
            quote = text[start:end]
    claim = context.claim_types.get(claim_type) if isinstance(claim_type, str) else None
    if claim is None:
        errors["claim_type"] = (
            f"Unknown claim type {claim_type!r}; expected one of "
            f"{', '.join(context.claim_types)}."
        )
    level = (
        context.sourcing_levels.get(sourcing_quality)
        if isinstance(sourcing_quality, str)
        else None
    )
    if level is None:
        errors["sourcing_quality"] = (
            f"Unknown sourcing quality {sourcing_quality!r}; expected one of "
            f"{', '.join(context.sourcing_levels)}."
        )
    if not isinstance(cited_source, str):
        errors["cited_source"] = "Must be a string."
    elif len(cited_source.strip()) > MAX_CITED_SOURCE:
        errors["cited_source"] = f"At most {MAX_CITED_SOURCE} characters."
    if not isinstance(note, str):
        errors["note"] = "Must be a string."
    if errors:
        raise ValidationError(errors)
    return {
        "start": start,
        "end": end,
        "quote": quote,
        "claim_type": claim,
        "sourcing_quality": level,
        "cited_source": " ".join(cited_source.split()),
        "note": note.strip(),
    }


def _duplicate_error(start: int, end: int) -> ValidationError:
    return ValidationError(
        {"start": f"You already have a span at [{start}, {end}) on this article."}
    )


def _duplicate_exists(
    context: SpanContext, reviewer, start: int, end: int, exclude_id=None
) -> bool:
    query = SpanAnnotation.objects.filter(
        session=context.session,
        article=context.article,
        reviewer_id=reviewer.pk,
        start=start,
        end=end,
    )
    if exclude_id is not None:
        query = query.exclude(pk=exclude_id)
    return query.exists()


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
    if _duplicate_exists(context, reviewer, cleaned["start"], cleaned["end"], span_id):
        raise _duplicate_error(cleaned["start"], cleaned["end"])
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
    """
    context, values = annotation_check(
        session_id=session_id,
        article_id=article_id,
        reviewer=reviewer,
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
        with transaction.atomic():
            span = SpanAnnotation.objects.create(
                session=context.session,
                article=context.article,
                reviewer=reviewer,
                origin=origin,
                **values,
            )
    except IntegrityError:
        # A concurrent request created the same span between check and insert.
        raise _duplicate_error(values["start"], values["end"]) from None
    articles_changed(session_id=session_id, article_ids=[article_id])
    return span


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
        raise BulkValidationError(
            [
                {
                    "index": None,
                    "field": "spans",
                    "message": f"At most {MAX_BULK_SPANS} spans per request.",
                }
            ]
        )
    reviewer_check(session_id=session_id, reviewer=reviewer)
    contexts: dict[int, SpanContext] = {}
    errors: list[dict[str, Any]] = []
    cleaned: list[tuple[SpanContext, dict[str, Any]]] = []
    seen: set[tuple[int, int, int]] = set()
    span_fields = ("start", "end", "quote", "claim_type", "sourcing_quality")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(
                {
                    "index": index,
                    "field": "non_field_errors",
                    "message": "Each span must be a JSON object.",
                }
            )
            continue
        article_id = item.get("article")
        if isinstance(article_id, bool) or not isinstance(article_id, int):
            errors.append(
                {
                    "index": index,
                    "field": "article",
                    "message": "Must be an article id (a whole number).",
                }
            )
            continue
        missing = [name for name in span_fields if name not in item]
        if missing:
            errors.extend(
                {"index": index, "field": name, "message": "This field is required."}
                for name in missing
            )
            continue
        try:
            if article_id not in contexts:
                contexts[article_id] = span_context(
                    session_id=session_id, article_id=article_id
                )
            context = contexts[article_id]
            values = span_clean(
                context,
                offset_unit=offset_unit,
                snap=snap,
                **{k: item[k] for k in span_fields},
                cited_source=item.get("cited_source", ""),
                note=item.get("note", ""),
            )
        except Article.DoesNotExist:
            errors.append(
                {
                    "index": index,
                    "field": "article",
                    "message": f"Article {article_id} does not exist.",
                }
            )
            continue
        except ValidationError as exc:
            errors.extend(
                {"index": index, "field": name, "message": " ".join(messages)}
                for name, messages in exc.message_dict.items()
            )
            continue
        key = (article_id, values["start"], values["end"])
        if key in seen:
            errors.append(
                {
                    "index": index,
                    "field": "start",
                    "message": "Duplicates an earlier span in this request.",
                }
            )
            continue
        seen.add(key)
        cleaned.append((context, values))
    if not errors and cleaned:
        existing = set(
            SpanAnnotation.objects.filter(
                session_id=session_id,
                reviewer_id=reviewer.pk,
                article_id__in=list(contexts),
            ).values_list("article_id", "start", "end")
        )
        for index, (context, values) in enumerate(cleaned):
            if (context.article.pk, values["start"], values["end"]) in existing:
                errors.append(
                    {
                        "index": index,
                        "field": "start",
                        "message": "You already have a span at these offsets.",
                    }
                )
    if errors:
        raise BulkValidationError(errors)
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
            created = SpanAnnotation.objects.bulk_create(spans, batch_size=1000)
    except IntegrityError:
        raise BulkValidationError(
            [
                {
                    "index": None,
                    "field": "start",
                    "message": "A span at these offsets was saved concurrently; retry.",
                }
            ]
        ) from None
    if contexts:
        articles_changed(session_id=session_id, article_ids=sorted(contexts))
    return created


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
    if _duplicate_exists(context, reviewer, values["start"], values["end"], span.pk):
        raise _duplicate_error(values["start"], values["end"])
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
