"""The assignment plan of a balanced session: sync it, reassign an article.

The plan itself is pure (`annotations.metrics.assignment`); this module reads
its inputs in a few set-wise queries, writes the difference in one statement
per direction (an `unnest` insert, an id-list delete) and tells the
recompute what changed. Work already started (spans or a review state of a
reviewer on an article) is never moved by a sync; a lead's reassignment may
move it, and those spans stay, outside agreement.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from annotations.metrics.assignment import PlanRequest, plan_assignments
from annotations.models import (
    AnnotationSession,
    Assignment,
    ReviewState,
    SessionArticle,
    SessionMembership,
    SpanAnnotation,
)
from annotations.services.recompute import articles_changed

BALANCED = AnnotationSession.AssignmentMode.BALANCED


def _pool(session_id: int) -> list[int]:
    return sorted(
        SessionMembership.objects.filter(
            session_id=session_id, role=SessionMembership.Role.REVIEWER
        ).values_list("user_id", flat=True)
    )


def _articles(session_id: int) -> list[int]:
    return list(
        SessionArticle.objects.filter(session_id=session_id)
        .order_by("position", "article_id")
        .values_list("article_id", flat=True)
    )


def started_pairs(session_id: int) -> set[tuple[int, int]]:
    """(article, reviewer) pairs with spans or a review state in the session."""
    spans = (
        SpanAnnotation.objects.filter(session_id=session_id)
        .order_by()
        .values_list("article_id", "reviewer_id")
        .distinct()
    )
    states = ReviewState.objects.filter(session_id=session_id).values_list(
        "article_id", "reviewer_id"
    )
    return set(spans) | set(states)


def _current(session_id: int) -> dict[int, set[int]]:
    current: dict[int, set[int]] = defaultdict(set)
    for article_id, reviewer_id in Assignment.objects.filter(
        session_id=session_id
    ).values_list("article_id", "reviewer_id"):
        current[article_id].add(reviewer_id)
    return current


def _insert(session_id: int, pairs: list[tuple[int, int, bool]]) -> None:
    """One COPY for every new pair (a few MB for 300,000 pairs, no round trips);
    a bulk insert on SQLite."""
    if not pairs:
        return
    stamp = timezone.now().isoformat()
    prefix = f"{session_id}\t"
    payload = "".join(
        f"{prefix}{article}\t{reviewer}\t{'t' if shared else 'f'}\t{stamp}\n"
        for article, reviewer, shared in pairs
    )
    if connection.vendor != "postgresql":  # the embedded SQLite default
        Assignment.objects.bulk_create(
            Assignment(
                session_id=session_id,
                article_id=article,
                reviewer_id=reviewer,
                calibration=shared,
            )
            for article, reviewer, shared in pairs
        )
        return
    table = Assignment._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(
            f"COPY {table} (session_id, article_id, reviewer_id, calibration, "
            "created_at) FROM STDIN"
        ) as copy:
            copy.write(payload.encode())


def _write_difference(session_id, current, plan, shared) -> set[int]:
    """Make the stored plan equal `plan`; the articles whose reviewers changed."""
    planned = {article: set(reviewers) for article, reviewers in plan.items()}
    removed = [
        (article, reviewer)
        for article, reviewers in current.items()
        for reviewer in reviewers
        if reviewer not in planned.get(article, ())
    ]
    added = [
        (article, reviewer, article in shared)
        for article, reviewers in plan.items()
        for reviewer in reviewers
        if reviewer not in current.get(article, ())
    ]
    if removed:
        by_article: dict[int, list[int]] = defaultdict(list)
        for article, reviewer in removed:
            by_article[article].append(reviewer)
        ids = [
            pk
            for pk, article, reviewer in Assignment.objects.filter(
                session_id=session_id, article_id__in=list(by_article)
            ).values_list("pk", "article_id", "reviewer_id")
            if reviewer in by_article[article]
        ]
        Assignment.objects.filter(pk__in=ids).delete()
    _insert(session_id, added)
    return {article for article, _ in removed} | {article for article, _, _ in added}


@transaction.atomic
def assignment_sync(*, session_id: int) -> dict[str, int]:
    """Bring the stored plan in line with the session's articles and reviewers.

    Balanced sessions: new articles and reviewers are planned in, removed ones
    planned out, started work stays where it is. Other sessions keep no plan.
    Returns {"added", "removed"} pair counts.
    """
    session = AnnotationSession.objects.select_for_update().get(pk=session_id)
    if session.assignment != BALANCED:
        removed, _ = Assignment.objects.filter(session_id=session_id).delete()
        return {"added": 0, "removed": removed}
    articles = _articles(session_id)
    current = _current(session_id)
    started = started_pairs(session_id)
    seed = current
    if not current:
        # A first plan (e.g. an "all" session turned balanced): whoever has
        # started an article keeps it.
        seed = defaultdict(set)
        for article_id, reviewer_id in started:
            seed[article_id].add(reviewer_id)
    plan = plan_assignments(
        PlanRequest(
            articles=articles,
            reviewers=_pool(session_id),
            k=session.required_reviewers,
            calibration=session.calibration,
            current=seed,
            started=started,
        )
    )
    before = sum(len(reviewers) for reviewers in current.values())
    shared = set(articles[: session.calibration])
    changed = _write_difference(session_id, current, plan, shared)
    _calibration_flags(session_id, shared)
    after = sum(len(reviewers) for reviewers in plan.values())
    _recompute_started(session_id, changed, started)
    kept = sum(
        len(set(plan.get(article, ())) & reviewers)
        for article, reviewers in current.items()
    )
    return {"added": after - kept, "removed": before - kept}


def _calibration_flags(session_id: int, shared: set[int]) -> None:
    """Keep each row's `calibration` flag true to the current calibration size."""
    rows = Assignment.objects.filter(session_id=session_id)
    rows.filter(article_id__in=shared, calibration=False).update(calibration=True)
    rows.filter(calibration=True).exclude(article_id__in=shared).update(
        calibration=False
    )


def _recompute_started(session_id, changed, started) -> None:
    """Agreement reads the plan: articles with work whose reviewers changed."""
    with_work = {article for article, _ in started}
    touched = sorted(changed & with_work)
    if touched:
        articles_changed(session_id=session_id, article_ids=touched)


@transaction.atomic
def assignment_set(*, session_id: int, article_id: int, reviewers) -> dict[str, Any]:
    """Reassign one article of a balanced session to exactly k of its reviewers.

    `reviewers` are user ids. Reviewers taken off keep their spans, which are
    then outside agreement; the answer lists them (`unassigned_with_spans`).
    """
    session = AnnotationSession.objects.select_for_update().get(pk=session_id)
    if session.assignment != BALANCED:
        raise ValidationError(
            {"assignment": "Only a balanced session has a plan to change."}
        )
    if not SessionArticle.objects.filter(
        session_id=session_id, article_id=article_id
    ).exists():
        raise ValidationError(
            {"article": f"Article {article_id} is not in this session."}
        )
    if article_id in _articles(session_id)[: session.calibration]:
        raise ValidationError(
            {"article": "A calibration article goes to every reviewer."}
        )
    chosen = _reviewers_check(session, reviewers)
    before = set(
        Assignment.objects.filter(
            session_id=session_id, article_id=article_id
        ).values_list("reviewer_id", flat=True)
    )
    changed = _write_difference(
        session_id, {article_id: before}, {article_id: sorted(chosen)}, set()
    )
    taken_off = sorted(before - chosen)
    with_spans = sorted(
        set(
            SpanAnnotation.objects.filter(
                session_id=session_id, article_id=article_id, reviewer_id__in=taken_off
            ).values_list("reviewer_id", flat=True)
        )
    )
    if changed:
        articles_changed(session_id=session_id, article_ids=[article_id])
    return {
        "article": article_id,
        "reviewers": sorted(chosen),
        "unassigned_with_spans": with_spans,
    }


def _reviewers_check(session: AnnotationSession, reviewers) -> set[int]:
    if not isinstance(reviewers, list) or not all(
        isinstance(r, int) and not isinstance(r, bool) for r in reviewers
    ):
        raise ValidationError({"reviewers": "Must be a list of user ids."})
    chosen = set(reviewers)
    if len(chosen) != len(reviewers):
        raise ValidationError({"reviewers": "A reviewer can be listed only once."})
    pool = set(_pool(session.pk))
    strangers = sorted(chosen - pool)
    if strangers:
        raise ValidationError(
            {"reviewers": f"Not reviewers of this session: {strangers}."}
        )
    wanted = min(session.required_reviewers, len(pool))
    if len(chosen) != wanted:
        raise ValidationError(
            {"reviewers": f"Give exactly {wanted} reviewers (the session's k)."}
        )
    return chosen
