"""Reads of sessions: the caller's sessions with progress, scheme, reviewers."""

from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from annotations.access import ROLE_LEAD, ROLE_STAFF, sessions_led_by
from annotations.models import (
    AnnotationSession,
    ArticleQuestion,
    ClaimType,
    ReviewState,
    SessionArticle,
    SessionMembership,
    SourcingLevel,
    SpanAnnotation,
)


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) subquery (no join fan-out), 0 when there are no rows."""
    counted = (
        queryset.order_by()
        .values(group_by)
        .annotate(total=Count("*"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def sessions_for_user(*, user) -> QuerySet[AnnotationSession]:
    """Sessions the user belongs to (staff: all), with role and progress counts.

    Each row carries `my_role`, `article_count`, `reviewer_count`, `my_done`,
    `my_spans` and `all_done` (done (article, reviewer) pairs of the session's
    reviewers on the session's articles).
    """
    role = Subquery(
        SessionMembership.objects.filter(session=OuterRef("pk"), user_id=user.pk)
        .order_by("role")
        .values("role")[:1]
    )
    queryset = AnnotationSession.objects.select_related("scheme")
    if not user.is_staff:
        # Members, and the leads of sessions they are not members of.
        led = sessions_led_by(user).values("pk")
        queryset = queryset.filter(
            Q(
                pk__in=SessionMembership.objects.filter(user_id=user.pk).values(
                    "session"
                )
            )
            | Q(pk__in=led)
        )
    session = OuterRef("pk")
    return queryset.annotate(
        my_role=Coalesce(role, Value(ROLE_STAFF if user.is_staff else ROLE_LEAD)),
        article_count=_count(SessionArticle.objects.filter(session=session), "session"),
        reviewer_count=_count(
            SessionMembership.objects.filter(
                session=session, role=SessionMembership.Role.REVIEWER
            ),
            "session",
        ),
        my_done=_count(
            ReviewState.objects.filter(session=session, reviewer_id=user.pk, done=True),
            "session",
        ),
        my_spans=_count(
            SpanAnnotation.objects.filter(session=session, reviewer_id=user.pk),
            "session",
        ),
        all_done=_count(
            ReviewState.objects.filter(session=session, done=True).filter(
                Exists(
                    SessionMembership.objects.filter(
                        session=OuterRef("session"),
                        user=OuterRef("reviewer"),
                        role=SessionMembership.Role.REVIEWER,
                    )
                ),
                Exists(
                    SessionArticle.objects.filter(
                        session=OuterRef("session"), article=OuterRef("article")
                    )
                ),
            ),
            "session",
        ),
    ).order_by("id")


def session_progress(session: AnnotationSession) -> dict[str, int]:
    """Plain progress figures of an annotated row of `sessions_for_user`."""
    progress = {
        "articles": session.article_count,
        "my_done": session.my_done,
        "my_spans": session.my_spans,
    }
    if session.my_role != SessionMembership.Role.REVIEWER:
        progress["all_done"] = session.all_done
        progress["all_pairs"] = session.article_count * session.reviewer_count
    return progress


def session_get_for_user(*, user, session_id: int) -> AnnotationSession:
    """The annotated session if the user may see it; Http404 otherwise (no leak)."""
    session = sessions_for_user(user=user).filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    return session


def session_for_user(*, user, session_id: int) -> AnnotationSession | None:
    """The session with the caller's `my_role` (None if not a member/staff).

    Cheaper than `session_get_for_user` (no progress counts): the span hot path.
    """
    role = Subquery(
        SessionMembership.objects.filter(session=OuterRef("pk"), user_id=user.pk)
        .order_by("role")
        .values("role")[:1]
    )
    session = (
        AnnotationSession.objects.filter(pk=session_id).annotate(my_role=role).first()
    )
    if session is None:
        return None
    if session.my_role is None:
        if not user.is_staff:
            return None
        session.my_role = ROLE_STAFF
    return session


def session_scheme(session: AnnotationSession) -> dict[str, Any]:
    """The session's label scheme as plain data (sourcing levels ordered by rank)."""
    scheme = session.scheme
    return {
        "slug": scheme.slug,
        "name": scheme.name,
        "claim_types": list(
            ClaimType.objects.filter(scheme=scheme)
            .order_by("position", "code")
            .values("code", "name", "description", "color", "shortcut", "position")
        ),
        "sourcing_levels": list(
            SourcingLevel.objects.filter(scheme=scheme)
            .order_by("rank")
            .values("code", "name", "description", "rank", "weight", "shortcut")
        ),
        "article_questions": scheme_questions(scheme.pk),
    }


def scheme_questions(scheme_id: int) -> list[dict[str, Any]]:
    """The scheme's article questions in order, options as a client shows them."""
    return [
        {
            "code": row["code"],
            "prompt": row["prompt"],
            "type": row["type"],
            "options": ArticleQuestion.shown_options(row["type"], row["options"]),
            "help": row["help"],
            "position": row["position"],
        }
        for row in ArticleQuestion.objects.filter(scheme_id=scheme_id)
        .order_by("position", "code")
        .values("code", "prompt", "type", "options", "help", "position")
    ]


def session_reviewers(session: AnnotationSession) -> list[str]:
    return list(
        SessionMembership.objects.filter(
            session=session, role=SessionMembership.Role.REVIEWER
        )
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )
