"""Reads of spans: blind-mode visibility, span rows, cited-source suggestions."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from annotations.access import (
    assigned_article_ids,
    assignment_limits,
    can_see_all_spans,
)
from annotations.models import SPAN_READING_FIELDS, AnnotationSession, SpanAnnotation
from annotations.selectors.articles import session_article

SPAN_FIELDS = (
    "id",
    "session_id",
    "article_id",
    "reviewer_id",
    *SPAN_READING_FIELDS,
    "note",
    "origin",
    "version",
    "created_at",
    "updated_at",
)


def spans_visible(*, session: AnnotationSession, user, role: str | None) -> QuerySet:
    """The spans of `session` that `user` (in `role`) may see, by article and start.

    Blind mode lives here: in a blind session a reviewer sees only their own
    spans; in an open session reviewers see everyone's; adjudicators and staff
    see all. Anyone without a role sees nothing.
    """
    queryset = (
        SpanAnnotation.objects.filter(session=session)
        .select_related("claim_type", "sourcing_quality", "reviewer")
        # Only what a span's representation needs: the list is the hot path.
        .only(
            *SPAN_FIELDS,
            "reviewer__username",
            "claim_type__code",
            "sourcing_quality__code",
        )
        # By article id, not the model's article order (which joins the article).
        .order_by("article_id", "start", "end", "id")
    )
    if role is None:
        return queryset.none()
    if not can_see_all_spans(role, session):
        return queryset.filter(reviewer_id=user.pk)
    if assignment_limits(session, role):  # open and balanced: assigned articles
        return queryset.filter(
            Q(reviewer_id=user.pk)
            | Q(article_id__in=assigned_article_ids(user, session))
        )
    return queryset


SPAN_ROW_FIELDS = (
    *SPAN_FIELDS,
    "reviewer__username",
    "claim_type__code",
    "sourcing_quality__code",
)


def span_rows(spans: QuerySet) -> QuerySet:
    """`spans` as plain rows (dicts keyed by SPAN_ROW_FIELDS): no model instances."""
    return spans.values(*SPAN_ROW_FIELDS)


def span_row(span: SpanAnnotation) -> dict[str, Any]:
    """One span instance as the row `span_rows` would give for it."""
    row = {name: getattr(span, name) for name in SPAN_FIELDS}
    row["reviewer__username"] = span.reviewer.username
    row["claim_type__code"] = span.claim_type.code
    row["sourcing_quality__code"] = span.sourcing_quality.code
    return row


def article_with_spans(
    *, session: AnnotationSession, user, role: str | None, article_id: int, limit: int
):
    """The workspace's one read: an article of the session and the spans it shows.

    Returns (article, spans, more) or None if the article is not in the session.
    `spans` are rows (`span_rows`): the first `limit` spans of the article that
    `user` may see, in the span list's order (start, end, id), so `more` means
    the paginated list continues at offset `limit`. `article.my_span_count` is
    counted from those rows (the user always sees their own) unless cut short.
    """
    article = session_article(session=session, user=user, article_id=article_id)
    if article is None:
        return None
    spans = list(
        span_rows(
            spans_visible(session=session, user=user, role=role).filter(
                article_id=article.pk
            )
        )[: limit + 1]
    )
    more = len(spans) > limit
    del spans[limit:]
    if more:
        article.my_span_count = SpanAnnotation.objects.filter(
            session=session, article_id=article.pk, reviewer_id=user.pk
        ).count()
    else:
        article.my_span_count = sum(span["reviewer_id"] == user.pk for span in spans)
    return article, spans, more


def cited_source_suggestions(
    *, spans: QuerySet, query: str = "", limit: int = 20
) -> list[str]:
    """Distinct cited sources among `spans`, most used first, matching `query`."""
    spans = spans.exclude(cited_source="")
    if query:
        spans = spans.filter(cited_source__icontains=query)
    rows = (
        spans.order_by()
        .values("cited_source")
        .annotate(uses=Count("id"))
        .order_by("-uses", "cited_source")[:limit]
    )
    return [row["cited_source"] for row in rows]
