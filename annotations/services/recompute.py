"""What happens after spans or review states change: reports go stale and the
agreement recompute is enqueued once the transaction commits.
"""

import logging
from collections.abc import Iterable

import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum

from annotations.models import (
    AgreementReport,
    ReliabilityReport,
    SessionArticle,
    SpanAnnotation,
)
from annotations.services.queue import redis_client, task_send, tasks_run_inline

logger = logging.getLogger(__name__)


def articles_touch(*, session_id: int, article_ids: Iterable[int]) -> None:
    """Bump the change counters of the touched articles (and nothing else).

    This is all a write does to the derived layers inside its transaction: it
    row-locks only its own articles' SessionArticle rows, which no recompute
    locks, so a write never waits on (or deadlocks with) a recompute holding
    report rows. The reports' staleness follows from the counters
    (`ReportQuerySet`). Several articles are locked in id order.
    """
    article_ids = sorted(set(article_ids))
    if not article_ids:
        return
    rows = SessionArticle.objects.filter(session_id=session_id)
    if len(article_ids) > 1:
        list(
            rows.filter(article_id__in=article_ids)
            .select_for_update()
            .order_by("article_id")
            .values_list("pk", flat=True)
        )
    rows.filter(article_id__in=article_ids).update(changes=F("changes") + 1)


def session_changes(*, session_id: int) -> dict[int, int]:
    """{article_id: change counter} of a session; read before loading inputs."""
    return dict(
        SessionArticle.objects.filter(session_id=session_id).values_list(
            "article_id", "changes"
        )
    )


def session_changes_total(*, session_id: int) -> int:
    """The session's change counters summed (what session reports remember)."""
    total = SessionArticle.objects.filter(session_id=session_id).aggregate(
        total=Sum("changes")
    )["total"]
    return int(total or 0)


def spans_changed(*, session_id: int, article_ids: Iterable[int]) -> None:
    """Call inside the writing transaction; the enqueue happens after commit."""
    article_ids = sorted(set(article_ids))
    articles_touch(session_id=session_id, article_ids=article_ids)
    transaction.on_commit(
        lambda: agreement_enqueue(session_id=session_id, article_ids=article_ids)
    )


def aliases_changed() -> None:
    """The alias table is global: every report goes stale, every session recomputes.

    Call inside the writing transaction. Agreement runs first (cited-source
    matching uses the aliases) and schedules reliability when it finishes.
    """
    AgreementReport.objects.update(marked_stale=True)
    ReliabilityReport.objects.update(marked_stale=True)
    session_ids = sorted(_sessions_with_spans())

    def enqueue_all() -> None:
        for session_id in session_ids:
            agreement_enqueue(session_id=session_id, article_ids=[])

    transaction.on_commit(enqueue_all)


def _keys(session_id: int) -> tuple[str, str]:
    prefix = f"workbench:agreement:{session_id}"
    return f"{prefix}:scheduled", f"{prefix}:articles"


def _sessions_with_spans() -> set[int]:
    return set(SpanAnnotation.objects.values_list("session_id", flat=True).distinct())


def agreement_enqueue(*, session_id: int, article_ids: list[int]) -> None:
    """Schedule ONE debounced agreement recompute per session; never fails the write.

    The touched article ids gather in a Redis set; `SET NX EX` on a per-session
    key lets only the first write of a burst schedule the task (with
    countdown=AGREEMENT_DEBOUNCE_SECONDS); the task clears the key and takes
    the set when it starts. Without a broker (eager mode) the recompute runs
    inline. If Redis or the broker is down, the reports stay stale (they were
    marked so in the write's transaction) until the sweep or the next write.
    """
    try:
        _agreement_enqueue(session_id, article_ids)
    except Exception:  # noqa: BLE001 - a recompute must never fail the write
        logger.warning(
            "agreement recompute for session %s not enqueued; reports stay stale",
            session_id,
            exc_info=True,
        )


def _agreement_enqueue(session_id: int, article_ids: list[int]) -> None:
    from annotations.tasks import recompute_agreement

    kwargs = {"session_id": session_id, "article_ids": sorted(set(article_ids))}
    if tasks_run_inline():
        recompute_agreement.apply(kwargs=kwargs, throw=True)
        return
    debounce = float(settings.AGREEMENT_DEBOUNCE_SECONDS)
    scheduled, pending = _keys(session_id)
    pipe = redis_client().pipeline(transaction=True)
    if article_ids:
        pipe.sadd(pending, *sorted(set(article_ids)))
        pipe.expire(pending, int(debounce) + 600)
    # The schedule mark is a lease: if the task has not started (and cleared
    # the mark) SCHEDULE_LEASE seconds after it was due, its worker lost it
    # (SIGKILL, broker restart) and the next write or sweep schedules anew.
    lease = max(1, round(debounce + settings.AGREEMENT_SCHEDULE_LEASE_SECONDS))
    pipe.set(scheduled, "1", nx=True, ex=lease)
    first_of_burst = pipe.execute()[-1]
    if not first_of_burst:
        return
    try:
        task_send(
            recompute_agreement,
            kwargs={"session_id": session_id},
            session_id=session_id,
            countdown=debounce,
        )
    except Exception:
        redis_client().delete(scheduled)
        raise


def agreement_recompute_request(
    *, session_id: int, article_ids: list[int], force: bool
) -> str:
    """Queue a recompute now (the dashboard's button, the admin); its task id.

    ``article_ids`` must belong to the session (ValidationError naming them);
    with ``force`` they limit the forced work to those articles. Raises
    QueueUnavailable when the broker is down: nothing is queued then.
    """
    from annotations.tasks import recompute_agreement

    article_ids = sorted(set(article_ids))
    known = set(
        SessionArticle.objects.filter(
            session_id=session_id, article_id__in=article_ids
        ).values_list("article_id", flat=True)
    )
    missing = [a for a in article_ids if a not in known]
    if missing:
        raise ValidationError({"article_ids": f"Not in this session: {missing[:20]}."})
    return task_send(
        recompute_agreement,
        kwargs={"session_id": session_id, "article_ids": article_ids, "force": force},
        session_id=session_id,
    )


def agreement_pending_pop(*, session_id: int) -> list[int]:
    """Clear the session's schedule mark and take the article ids gathered so far.

    Clearing first means an edit from now on schedules a new task.
    """
    if not settings.REDIS_URL:
        return []
    scheduled, pending = _keys(session_id)
    try:
        pipe = redis_client().pipeline(transaction=True)
        pipe.delete(scheduled)
        pipe.smembers(pending)
        pipe.delete(pending)
        _, members, _ = pipe.execute()
    except redis.RedisError:
        logger.warning("agreement: cannot read pending articles", exc_info=True)
        return []
    return sorted(int(member) for member in members)


def agreement_sweep() -> list[int]:
    """Enqueue a recompute for sessions with spans whose reports are stale or missing.

    Returns the session ids enqueued. The debounce key keeps a sweep from
    piling tasks onto a session that already has one scheduled. A session
    whose agreement is fresh but whose reliability report is stale gets a
    reliability recompute only (agreement would schedule one anyway).
    """
    from annotations.services.reliability import reliability_schedule

    with_spans = _sessions_with_spans()
    stale = set(AgreementReport.objects.stale().values_list("session_id", flat=True))
    reported = set(
        AgreementReport.objects.fresh()
        .filter(article__isnull=True)
        .values_list("session_id", flat=True)
    )
    due = sorted(with_spans & (stale | (with_spans - reported)))
    for session_id in due:
        agreement_enqueue(session_id=session_id, article_ids=[])
    reliability_due = set(
        ReliabilityReport.objects.stale().values_list("session_id", flat=True)
    ) - set(due)
    for session_id in sorted(reliability_due):
        reliability_schedule(session_id=session_id)
    return sorted(set(due) | reliability_due)
