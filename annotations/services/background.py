"""Recomputes after the response in the embedded default (no broker).

Without a broker a task runs in this process. Inside a request (the
`RecomputeAfterResponse` middleware opens `recomputes_deferred`), a write's
recompute is not run in the request: it is noted, coalesced by (task,
session), and one background thread runs the noted recomputes one at a time
once the view has returned, so a save never waits for a recompute. Outside a
request (commands, the shell, tests calling services) tasks still run inline
when their transaction commits. The thread goes through `task_send`, so each
run has a `TaskRecord` and its id is on the report while it runs: the
dashboard shows it as running until it is done.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

logger = logging.getLogger(__name__)

_deferring: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "recomputes_deferred", default=False
)
_lock = threading.Lock()
_pending: dict[tuple[str, int], dict[str, Any]] = {}
_running = False  # a runner thread is alive (set and cleared under _lock)
_idle = threading.Event()
_idle.set()


@contextmanager
def recomputes_deferred() -> Iterator[None]:
    """Within this block inline recomputes are noted, then run in the background."""
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)
        _runner_start()


def recompute_defer(name: str, *, session_id: int, kwargs: dict[str, Any]) -> bool:
    """Note a recompute for the background thread; False when not deferring."""
    if not _deferring.get():
        return False
    with _lock:
        noted = _pending.setdefault((name, session_id), dict(kwargs))
        if "article_ids" in kwargs:
            ids = set(noted.get("article_ids") or []) | set(kwargs["article_ids"])
            noted["article_ids"] = sorted(ids)
        _idle.clear()
    return True


def recomputes_wait(timeout: float = 60.0) -> bool:
    """Block until no background recompute is noted or running (tests, shutdown)."""
    return _idle.wait(timeout)


def _runner_start() -> None:
    global _running
    with _lock:
        if not _pending or _running:
            return
        _running = True
    threading.Thread(target=_run, name="workbench-recompute", daemon=True).start()


def _run() -> None:
    """Take noted recomputes one at a time until none is left."""
    global _running
    from annotations.services.queue import task_send

    try:
        while True:
            with _lock:
                if not _pending:
                    _running = False
                    _idle.set()
                    return
                (name, session_id), kwargs = next(iter(_pending.items()))
                del _pending[(name, session_id)]
            try:
                task_send(name, kwargs=kwargs, session_id=session_id)
            except Exception:  # noqa: BLE001 - logged; the reports stay stale
                logger.exception(
                    "background %s for session %s failed", name, session_id
                )
    finally:
        connection.close()
