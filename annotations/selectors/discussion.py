"""Reads of the discussion on claims: threads and unread counts."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from annotations.models import AgreementUnit, CommentReadMarker, UnitComment


def thread_comments(*, unit, user) -> list[dict[str, Any]]:
    """The unit's comments, oldest first, each flagged unread for `user`.

    A comment is unread when someone else wrote it after the user's read
    marker for the thread.
    """
    last_read = (
        CommentReadMarker.objects.filter(
            session_id=unit.session_id,
            article_id=unit.article_id,
            unit_key=unit.key,
            user_id=user.pk,
        )
        .values_list("last_read_id", flat=True)
        .first()
    ) or 0
    rows = (
        UnitComment.objects.filter(
            session_id=unit.session_id, article_id=unit.article_id, unit_key=unit.key
        )
        .order_by("created_at", "pk")
        .values("pk", "author_id", "author__username", "text", "created_at")
    )
    return [
        {
            "id": row["pk"],
            "unit": unit.pk,
            "article": unit.article_id,
            "author": row["author__username"],
            "text": row["text"],
            "created_at": row["created_at"],
            "unread": row["author_id"] != user.pk and row["pk"] > last_read,
        }
        for row in rows
    ]


def unread_comment_counts(
    *, session_id: int, user, article_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Per unit of the session: how many comments `user` has not read.

    `article_ids` limits the articles (None: all). Threads whose unit no longer
    exists under that key are left out (nothing to open them from).
    """
    markers = CommentReadMarker.objects.filter(
        session_id=OuterRef("session_id"),
        article_id=OuterRef("article_id"),
        unit_key=OuterRef("unit_key"),
        user_id=user.pk,
    ).values("last_read_id")[:1]
    comments = (
        UnitComment.objects.filter(session_id=session_id)
        .exclude(author_id=user.pk)
        .annotate(last_read=Coalesce(Subquery(markers, output_field=IntegerField()), 0))
        .filter(pk__gt=F("last_read"))
    )
    if article_ids is not None:
        comments = comments.filter(article_id__in=list(article_ids))
    counts = {
        (row["article_id"], row["unit_key"]): row["total"]
        for row in comments.order_by()
        .values("article_id", "unit_key")
        .annotate(total=Count("pk"))
    }
    if not counts:
        return []
    units = AgreementUnit.objects.filter(
        session_id=session_id, article_id__in={a for a, _ in counts}
    ).values_list("pk", "article_id", "key")
    return sorted(
        (
            {"unit": pk, "article": article_id, "unread": counts[(article_id, key)]}
            for pk, article_id, key in units
            if (article_id, key) in counts
        ),
        key=lambda row: row["unit"],
    )
