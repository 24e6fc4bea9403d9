"""Reads of the assignment plan and of session management: plain data out.

The plan of a balanced session (articles × reviewers with span counts and
done flags), a reviewer's queue, and the people a lead can add.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q

from annotations.models import (
    AnnotationSession,
    Assignment,
    ReviewState,
    SessionArticle,
    SessionMembership,
    SpanAnnotation,
)

USER_RESULTS = 50


def session_reviewer_rows(session_id: int) -> list[dict[str, Any]]:
    """The session's reviewers as {id, username}, by username."""
    return [
        {"id": pk, "username": name}
        for pk, name in SessionMembership.objects.filter(
            session_id=session_id, role=SessionMembership.Role.REVIEWER
        )
        .order_by("user__username")
        .values_list("user_id", "user__username")
    ]


def session_member_rows(session_id: int) -> list[dict[str, Any]]:
    """Every member as {id, username, email, role}, by role then username."""
    return [
        {"id": pk, "username": name, "email": email, "role": role}
        for pk, name, email, role in SessionMembership.objects.filter(
            session_id=session_id
        )
        .order_by("role", "user__username")
        .values_list("user_id", "user__username", "user__email", "role")
    ]


def _work(session_id: int, article_ids) -> tuple[dict, set]:
    spans = {
        (a, r): n
        for a, r, n in SpanAnnotation.objects.filter(
            session_id=session_id, article_id__in=article_ids
        )
        .order_by()
        .values_list("article_id", "reviewer_id")
        .annotate(n=Count("pk"))
    }
    done = set(
        ReviewState.objects.filter(
            session_id=session_id, article_id__in=article_ids, done=True
        ).values_list("article_id", "reviewer_id")
    )
    return spans, done


def _planned(session: AnnotationSession, ids: list[int]) -> dict[int, list[int]]:
    """The assigned reviewer ids of each article, by username."""
    planned: dict[int, list[int]] = defaultdict(list)
    for article_id, reviewer_id in (
        Assignment.objects.filter(session=session, article_id__in=ids)
        .order_by("reviewer__username")
        .values_list("article_id", "reviewer_id")
    ):
        planned[article_id].append(reviewer_id)
    return planned


def assignment_rows(
    session: AnnotationSession, *, offset: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """The plan, one row per article in session order (a page of it).

    Each row: {article, title, position, calibration, reviewers: [{id,
    username, spans, done}], unassigned_with_spans: [{id, username, spans}]}.
    `unassigned_with_spans` are reviewers who annotated the article without
    being assigned to it (reassigned away): their spans are outside agreement.
    """
    ordered = SessionArticle.objects.filter(session=session).order_by(
        "position", "article_id"
    )
    stop = None if limit is None else offset + limit
    page = list(
        ordered.values_list(
            "article_id", "article__title", "article__external_id", "position"
        )[offset:stop]
    )
    shared = set(ordered.values_list("article_id", flat=True)[: session.calibration])
    ids = [row[0] for row in page]
    names = dict(
        get_user_model()
        .objects.filter(Q(spans__session=session) | Q(memberships__session=session))
        .values_list("pk", "username")
        .distinct()
    )
    planned = _planned(session, ids)
    spans, done = _work(session.pk, ids)
    rows = []
    for article_id, title, external_id, position in page:
        assigned = planned.get(article_id, [])
        rows.append(
            {
                "article": article_id,
                "title": title or external_id,
                "position": position,
                "calibration": article_id in shared,
                "reviewers": [
                    {
                        "id": r,
                        "username": names.get(r, ""),
                        "spans": spans.get((article_id, r), 0),
                        "done": (article_id, r) in done,
                    }
                    for r in assigned
                ],
                "unassigned_with_spans": [
                    {"id": r, "username": names.get(r, ""), "spans": n}
                    for (a, r), n in sorted(spans.items())
                    if a == article_id and r not in assigned
                ],
            }
        )
    return rows


def assignment_loads(session: AnnotationSession) -> dict[int, dict[str, int]]:
    """{reviewer id: {assigned, done}} over the whole plan."""
    loads: dict[int, dict[str, int]] = defaultdict(lambda: {"assigned": 0, "done": 0})
    for reviewer_id, total in (
        Assignment.objects.filter(session=session)
        .order_by()
        .values_list("reviewer_id")
        .annotate(total=Count("pk"))
    ):
        loads[reviewer_id]["assigned"] = total
    done = ReviewState.objects.filter(session=session, done=True)
    if session.assignment == AnnotationSession.AssignmentMode.BALANCED:
        done = done.filter(
            Exists(
                Assignment.objects.filter(
                    session=session,
                    article_id=OuterRef("article_id"),
                    reviewer_id=OuterRef("reviewer_id"),
                )
            )
        )
    for reviewer_id, total in (
        done.order_by().values_list("reviewer_id").annotate(total=Count("pk"))
    ):
        loads[reviewer_id]["done"] = total
    return dict(loads)


def users_matching(*, query: str, limit: int = USER_RESULTS) -> list[dict[str, Any]]:
    """Active users whose username or email contains `query`, by username."""
    users = get_user_model().objects.filter(is_active=True)
    if query:
        users = users.filter(Q(username__icontains=query) | Q(email__icontains=query))
    return [
        {"id": pk, "username": name, "email": email}
        for pk, name, email in users.order_by("username").values_list(
            "pk", "username", "email"
        )[:limit]
    ]


def queue_next(articles: list, current_id: int) -> int | None:
    """The first article after `current_id` in queue order (wrapping) not done."""
    ids = [article.pk for article in articles]
    if current_id not in ids:
        return None
    index = ids.index(current_id)
    for article in articles[index + 1 :] + articles[:index]:
        if not article.my_done:
            return article.pk
    return None
