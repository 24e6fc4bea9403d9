"""What happens after a write: the one module for it.

A write that changes what agreement or reliability read (spans, review
states, gold decisions, fact links) calls `articles_changed` inside its
transaction: that bumps the touched articles' change counters (report
staleness is derived from them) and, once the transaction commits, schedules
one debounced agreement recompute per session; the agreement run schedules
the reliability one. Recompute requests (the API's buttons, the admin) and the
periodic sweep's rescheduling live here too. This module sends tasks by name
(`services.queue`; without a broker, inside a request, `services.background`
runs them after the response) and imports no other service.
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
    AnnotationSession,
    ReliabilityReport,
    SessionArticle,
    SpanAnnotation,
)
from annotations.services.background import recompute_defer
from annotations.services.queue import (
    redis_client,
    task_get,
    task_send,
    tasks_run_inline,
)

logger = logging.getLogger(__name__)

AGREEMENT_TASK = "annotations.recompute_agreement"
RELIABILITY_TASK = "annotations.recompute_reliability"
RELIABILITY_DEBOUNCE_KEY = "workbench:reliability:debounce:{session_id}"


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


def articles_changed(*, session_id: int, article_ids: Iterable[int]) -> None:
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
    kwargs = {"session_id": session_id, "article_ids": sorted(set(article_ids))}
    if tasks_run_inline():
        # In a request: after the response, in the background (services.background).
        if not recompute_defer(AGREEMENT_TASK, session_id=session_id, kwargs=kwargs):
            task_get(AGREEMENT_TASK).apply(kwargs=kwargs, throw=True)
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
            AGREEMENT_TASK,
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
        AGREEMENT_TASK,
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


# --- Reliability scheduling ---------------------------------------------------


def _debounce_seconds() -> float:
    return float(getattr(settings, "RELIABILITY_DEBOUNCE_SECONDS", 5))


def reliability_enqueue(*, session_id: int) -> None:
    """Schedule one coalesced recompute after the current transaction commits.

    With Redis, the first call of a burst sets a `SET NX EX` key and schedules
    the task after the debounce delay; later calls in the window are dropped
    (the scheduled run reads their data). Without Redis (eager mode) the
    recompute runs inline. Errors are logged, never raised: the write that
    triggered this must not fail; the report just stays stale.
    """
    transaction.on_commit(lambda: reliability_schedule(session_id=session_id))


def reliability_schedule(*, session_id: int) -> str | None:
    """Schedule (or, in eager mode, run) the recompute now; never raises.

    Returns the task id, "inline" after an eager run, or None when a recompute
    is already scheduled for this burst (or scheduling failed, which is logged).
    """
    try:
        if tasks_run_inline():
            if not AnnotationSession.objects.filter(pk=session_id).exists():
                raise AnnotationSession.DoesNotExist(f"no session {session_id}")
            kwargs = {"session_id": session_id}
            if recompute_defer(RELIABILITY_TASK, session_id=session_id, kwargs=kwargs):
                return "deferred"
            task_get(RELIABILITY_TASK).apply(
                kwargs={"session_id": session_id}, throw=True
            )
            return "inline"
        delay = _debounce_seconds()
        key = RELIABILITY_DEBOUNCE_KEY.format(session_id=session_id)
        if not redis_client().set(key, "1", nx=True, ex=max(1, round(delay))):
            return None
        task_id = task_send(
            RELIABILITY_TASK,
            kwargs={"session_id": session_id},
            session_id=session_id,
            countdown=delay,
        )
        ReliabilityReport.objects.filter(session_id=session_id).update(task_id=task_id)
        return task_id
    except Exception:  # a failed schedule must not fail the write
        logger.exception("reliability recompute for session %s not run", session_id)
        return None


def reliability_recompute_request(*, session_id: int, force: bool) -> str:
    """Queue a recompute now (the API's button); its task id, noted on the report.

    Raises QueueUnavailable when the broker is down: nothing is queued then.
    """
    ReliabilityReport.objects.get_or_create(session_id=session_id)
    task_id = task_send(
        RELIABILITY_TASK,
        kwargs={"session_id": session_id, "force": force},
        session_id=session_id,
    )
    ReliabilityReport.objects.filter(session_id=session_id).update(task_id=task_id)
    return task_id


def reliability_schedule_release(*, session_id: int) -> None:
    """The reliability task's first step: later changes schedule a new run."""
    if not settings.REDIS_URL:
        return
    try:
        redis_client().delete(RELIABILITY_DEBOUNCE_KEY.format(session_id=session_id))
    except Exception:  # the recompute itself still runs
        logger.warning("could not release reliability debounce key", exc_info=True)


# --- Sweep ----------------------------------------------------------------------


def agreement_sweep() -> list[int]:
    """Enqueue a recompute for sessions with spans whose reports are stale or missing.

    Returns the session ids enqueued. The debounce key keeps a sweep from
    piling tasks onto a session that already has one scheduled. A session
    whose agreement is fresh but whose reliability report is stale gets a
    reliability recompute only (agreement would schedule one anyway).
    """
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
