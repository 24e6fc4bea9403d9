"""The rules one span must obey, and the context they are checked in.

`span_context` loads what validating spans of one (session, article) needs;
`span_context_for_writer` does the same for a reviewer's write in two queries
(the session, article and reviewer role in one; the scheme's labels in
another), which is the span save's hot path. `span_clean` checks one span's
values against a context (see services/spans.py for the rules).
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import CharField, Exists, F, OuterRef, Value

from annotations.models import (
    AnnotationSession,
    Article,
    ClaimType,
    SessionArticle,
    SessionMembership,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.span_offsets import SNAP_MODES, offsets_settle, snap_clip
from annotations.text import OffsetMap

OFFSET_UNITS = ("codepoint", "utf16")
MAX_CITED_SOURCE = 300


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


def _not_in_session(article_id: int) -> ValidationError:
    return ValidationError({"article": f"Article {article_id} is not in this session."})


def scheme_labels(
    scheme_id: int,
) -> tuple[dict[str, ClaimType], dict[str, SourcingLevel]]:
    """The scheme's claim types and sourcing levels by code, in one query.

    The instances carry id, scheme and code; their other fields load on access.
    """
    claims = ClaimType.objects.filter(scheme_id=scheme_id).annotate(
        kind=Value("claim", output_field=CharField()), order=F("position")
    )
    levels = SourcingLevel.objects.filter(scheme_id=scheme_id).annotate(
        kind=Value("level", output_field=CharField()), order=F("rank")
    )
    fields = ("kind", "order", "code", "pk")
    rows = (
        claims.order_by()
        .values_list(*fields)
        .union(levels.order_by().values_list(*fields), all=True)
    )
    claim_types: dict[str, ClaimType] = {}
    sourcing_levels: dict[str, SourcingLevel] = {}
    db = ClaimType.objects.db
    # The models' orderings: claim types by position and code, levels by rank.
    for row_kind, _, code, pk in sorted(rows):
        model, into = (
            (ClaimType, claim_types)
            if row_kind == "claim"
            else (SourcingLevel, sourcing_levels)
        )
        into[code] = model.from_db(
            db, ["id", "scheme_id", "code"], [pk, scheme_id, code]
        )
    return claim_types, sourcing_levels


def span_context(*, session_id: int, article_id: int) -> SpanContext:
    """Load the session, the article (checked to be in it) and the label scheme."""
    session = AnnotationSession.objects.select_related("scheme").get(pk=session_id)
    # One query: the article, only if it belongs to the session.
    article = Article.objects.filter(
        pk=article_id, sessionarticle__session_id=session_id
    ).first()
    if article is None:
        raise _not_in_session(article_id)
    claim_types, sourcing_levels = scheme_labels(session.scheme_id)
    return SpanContext(
        session=session,
        article=article,
        claim_types=claim_types,
        sourcing_levels=sourcing_levels,
    )


def span_context_for_writer(
    *, session_id: int, article_id: int, reviewer
) -> SpanContext:
    """`span_context` plus `reviewer_check`, in two queries; the same errors.

    The session, the article (in the session) and whether `reviewer` is a
    reviewer of it come in one row; the labels in one more query.
    """
    is_reviewer = Exists(
        SessionMembership.objects.filter(
            session_id=OuterRef("session_id"),
            user_id=reviewer.pk,
            role=SessionMembership.Role.REVIEWER,
        )
    )
    row = (
        SessionArticle.objects.filter(session_id=session_id, article_id=article_id)
        .select_related("session", "article")
        .annotate(is_reviewer=is_reviewer)
        .first()
    )
    if row is None:
        # Which error (no session, article not in it) the slow path tells.
        span_context(session_id=session_id, article_id=article_id)
        raise _not_in_session(article_id)
    if not row.is_reviewer:
        raise _not_a_reviewer(reviewer)
    claim_types, sourcing_levels = scheme_labels(row.session.scheme_id)
    return SpanContext(
        session=row.session,
        article=row.article,
        claim_types=claim_types,
        sourcing_levels=sourcing_levels,
    )


def _not_a_reviewer(reviewer) -> ValidationError:
    return ValidationError(
        {"reviewer": f"{reviewer} is not a reviewer of this session."}
    )


def reviewer_check(*, session_id: int, reviewer) -> None:
    """The reviewer must hold the reviewer role in the session."""
    if not SessionMembership.objects.filter(
        session_id=session_id,
        user_id=reviewer.pk,
        role=SessionMembership.Role.REVIEWER,
    ).exists():
        raise _not_a_reviewer(reviewer)


def _modes_check(offset_unit: str, snap: str | None) -> None:
    if offset_unit not in OFFSET_UNITS:
        raise ValidationError(
            {"offset_unit": f"Must be one of {', '.join(OFFSET_UNITS)}."}
        )
    if snap not in (None, "keep", *SNAP_MODES):
        raise ValidationError({"snap": f"Must be one of {', '.join(SNAP_MODES)}."})


def _utf16_to_codepoints(
    context: SpanContext, start: int, end: int, snap: str | None, errors: dict
) -> tuple[int, int]:
    if snap == "word":
        end = min(end, context.offset_map.utf16_length)
    converted = {}
    for name, value in (("start", start), ("end", end)):
        try:
            converted[name] = context.offset_map.to_codepoint(value)
        except ValueError as exc:
            errors[name] = str(exc)
    return converted.get("start", start), converted.get("end", end)


def _clean_offsets(
    context: SpanContext, start, end, offset_unit: str, snap, errors: dict
) -> tuple[Any, Any]:
    """Whole numbers, in code points, clipped (snap), inside the text, start < end."""
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = "Must be a whole number (a character offset)."
    if errors:
        return start, end
    if offset_unit == "utf16":
        start, end = _utf16_to_codepoints(context, start, end, snap, errors)
        if errors:
            return start, end
    text = context.article.text
    end = snap_clip(text, end, snap)
    if start < 0:
        errors["start"] = "Must be 0 or more."
    if end > len(text):
        errors["end"] = (
            f"Must be at most {len(text)}, the article's length in characters."
        )
    if "start" not in errors and "end" not in errors and end <= start:
        errors["end"] = "Must be greater than start (offsets are end-exclusive)."
    return start, end


def _clean_quote(
    text: str, start, end, quote, snap, errors: dict
) -> tuple[Any, Any, Any]:
    """The quote matches the offsets sent; then offsets settle (grapheme, snap)."""
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
    return start, end, quote


def _clean_labels(context: SpanContext, claim_type, sourcing_quality, errors: dict):
    claim = context.claim_types.get(claim_type) if isinstance(claim_type, str) else None
    if claim is None:
        errors["claim_type"] = (
            f"Unknown claim type {claim_type!r}; expected one of "
            f"{', '.join(context.claim_types)}."
        )
    levels = context.sourcing_levels
    level = levels.get(sourcing_quality) if isinstance(sourcing_quality, str) else None
    if level is None:
        errors["sourcing_quality"] = (
            f"Unknown sourcing quality {sourcing_quality!r}; expected one of "
            f"{', '.join(levels)}."
        )
    return claim, level


def _clean_texts(cited_source, note, errors: dict) -> None:
    if not isinstance(cited_source, str):
        errors["cited_source"] = "Must be a string."
    elif len(cited_source.strip()) > MAX_CITED_SOURCE:
        errors["cited_source"] = f"At most {MAX_CITED_SOURCE} characters."
    if not isinstance(note, str):
        errors["note"] = "Must be a string."


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
    _modes_check(offset_unit, snap)
    errors: dict[str, str] = {}
    start, end = _clean_offsets(context, start, end, offset_unit, snap, errors)
    start, end, quote = _clean_quote(
        context.article.text, start, end, quote, snap, errors
    )
    claim, level = _clean_labels(context, claim_type, sourcing_quality, errors)
    _clean_texts(cited_source, note, errors)
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


def duplicate_error(start: int, end: int) -> ValidationError:
    return ValidationError(
        {"start": f"You already have a span at [{start}, {end}) on this article."}
    )


def duplicate_exists(
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
