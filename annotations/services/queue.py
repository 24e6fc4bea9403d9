"""Putting tasks on the queue: the one place that talks to the broker.

`task_send` publishes a task (or, without a broker, runs it in this process),
records whose it is (`TaskRecord`, read by the task-state endpoint) and fails
fast with `QueueUnavailable` when the broker does not answer, so an endpoint
can say 503 instead of hanging. `task_state` reads a recorded task's state.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import redis
from celery import Task
from celery.result import AsyncResult
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from annotations.models import TaskRecord

logger = logging.getLogger(__name__)

# What a dead broker or result store raises while publishing: kombu's and
# redis-py's connection errors, socket errors, and the RuntimeError Celery's
# Redis result backend raises when its reconnect retries run out.
BROKER_ERRORS = (BrokerError, RedisError, OSError, RuntimeError)


class QueueUnavailable(Exception):
    """The broker does not answer; nothing was queued."""

    def __init__(self, cause: BaseException | None = None) -> None:
        self.cause = cause
        super().__init__(
            "The task queue (the Redis broker at REDIS_URL) is unavailable; "
            "nothing was queued. Try again shortly."
        )


_clients: dict[str, redis.Redis] = {}


def redis_client() -> redis.Redis:
    """One client per URL for the debounce keys (the broker has its own)."""
    url = settings.REDIS_URL
    if url not in _clients:
        # Short timeouts: a dead Redis must not hold up a user's write.
        _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2
        )
    return _clients[url]


def tasks_run_inline() -> bool:
    """No broker configured, or Celery set to eager: tasks run in this process."""
    from workbench.celery import app

    return not settings.REDIS_URL or app.conf.task_always_eager


def task_get(name: str) -> Task:
    """The registered task of that name (services send tasks by name, so they
    never import `annotations.tasks`, which imports them)."""
    from workbench.celery import app

    return app.tasks[name]


def task_send(
    task: Task | str,
    *,
    kwargs: dict[str, Any],
    session_id: int | None = None,
    countdown: float | None = None,
) -> str:
    """Queue ``task`` with JSON ``kwargs``; return its id. Raises QueueUnavailable.

    Inline (no broker), the task runs now and its outcome is recorded; a
    failure is recorded, logged and re-raised. With a broker, the record is
    written first so the id is known to the task-state endpoint at once.
    """
    if isinstance(task, str):
        task = task_get(task)
    task_id = str(uuid.uuid4())
    inline = tasks_run_inline()
    record = TaskRecord.objects.create(
        task_id=task_id, name=task.name, session_id=session_id, inline=inline
    )
    if inline:
        _run_inline(task, record, kwargs)
        return task_id
    try:
        task.apply_async(
            kwargs=kwargs, task_id=task_id, countdown=countdown, retry=False
        )
    except BROKER_ERRORS as exc:
        TaskRecord.objects.filter(pk=record.pk).delete()
        logger.warning("broker unavailable: %s not queued (%s)", task.name, exc)
        raise QueueUnavailable(exc) from exc
    return task_id


def chord_send(
    parts: list[tuple[str, dict[str, Any]]],
    *,
    then: tuple[str, dict[str, Any]],
    session_id: int | None = None,
) -> str:
    """Queue ``parts`` (task name, kwargs) to run in parallel, then ``then`` once
    they all succeeded (a Celery chord); the id of ``then``. Broker mode only.
    Raises QueueUnavailable."""
    from celery import chord

    name, kwargs = then
    task_id = str(uuid.uuid4())
    record = TaskRecord.objects.create(
        task_id=task_id, name=name, session_id=session_id, inline=False
    )
    header = [task_get(part).si(**part_kwargs) for part, part_kwargs in parts]
    try:
        chord(header)(task_get(name).si(**kwargs).set(task_id=task_id))
    except BROKER_ERRORS as exc:
        TaskRecord.objects.filter(pk=record.pk).delete()
        raise QueueUnavailable(exc) from exc
    return task_id


def _run_inline(task: Task, record: TaskRecord, kwargs: dict[str, Any]) -> None:
    try:
        outcome = task.apply(kwargs=kwargs, task_id=record.task_id, throw=True)
    except Exception as exc:
        TaskRecord.objects.filter(pk=record.pk).update(
            state=TaskRecord.State.FAILURE, result=f"{type(exc).__name__}: {exc}"
        )
        raise
    TaskRecord.objects.filter(pk=record.pk).update(
        state=TaskRecord.State.SUCCESS, result=outcome.result
    )


def task_record_get(*, task_id: str) -> TaskRecord | None:
    return TaskRecord.objects.filter(task_id=task_id).first()


def task_state(*, record: TaskRecord) -> dict[str, Any]:
    """{"task_id", "state", "ready", "result"?} of a recorded task.

    Inline runs answer from the record; queued ones from the result store
    (RedisError/OSError propagate when it is down). A task STARTED on a worker
    that no longer runs it (the worker was killed) is reported as FAILURE.
    """
    data: dict[str, Any] = {"task_id": record.task_id}
    if record.inline:
        data.update(state=record.state, ready=record.state != "PENDING")
        if data["ready"]:
            data["result"] = record.result
        return data
    from workbench.celery import app

    result = AsyncResult(record.task_id, app=app)
    state, ready = result.state, result.ready()
    if state == "STARTED" and _worker_lost(result, record):
        return {
            **data,
            "state": "FAILURE",
            "ready": True,
            "result": "The worker running this task stopped before it finished; "
            "the periodic sweep schedules the work again.",
        }
    data.update(state=state, ready=ready)
    if ready:
        data["result"] = result.result if result.successful() else str(result.result)
    return data


def _worker_lost(result: AsyncResult, record: TaskRecord) -> bool:
    """Whether the worker a STARTED task names has lost it.

    Asked only once the task was queued TASK_STARTED_GRACE_SECONDS ago, of that
    one worker, with a short timeout. A worker that answers without the task
    among its active ones has lost it (SIGKILL, OOM; a restarted worker of the
    same name does not list the old task). A worker that does not answer may
    be gone or only busy: the task counts as lost once it is older than the
    hard time limit (CELERY_TASK_TIME_LIMIT), which would have ended it anyway.
    """
    meta = result.info if isinstance(result.info, dict) else {}
    hostname = meta.get("hostname")
    grace = timedelta(seconds=settings.TASK_STARTED_GRACE_SECONDS)
    if not hostname or timezone.now() - record.created_at < grace:
        return False
    from workbench.celery import app

    inspect = app.control.inspect(destination=[hostname], limit=1, timeout=2.0)
    replies = inspect.active() or {}
    if hostname in replies:
        return result.id not in {task["id"] for task in replies[hostname]}
    # No answer: the worker is gone, or just too busy to answer in time. Only
    # past the hard time limit is the task surely dead either way.
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return timezone.now() - record.created_at > limit


def task_records_prune() -> int:
    """Delete records older than the result store keeps results; returns count."""
    cutoff = timezone.now() - timedelta(seconds=settings.CELERY_RESULT_EXPIRES)
    deleted, _ = TaskRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
