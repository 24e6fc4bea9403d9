"""Coalesced scheduling: Redis SET NX debounce on a real worker; eager inline runs."""

import logging
import time

import pytest
from celery.result import AsyncResult

from annotations.models import ReliabilityReport, TaskRecord
from annotations.services.queue import redis_client
from annotations.services.recompute import (
    RELIABILITY_DEBOUNCE_KEY,
    reliability_enqueue,
    reliability_schedule,
)
from tests.plugins.reliability import build_scenario


def _settle(session_id: int) -> None:
    """Wait until the tasks the scenario's own writes queued have run.

    Building the scenario decides gold, which schedules agreement and
    reliability runs; a burst that starts while one is pending (or releases
    its debounce key mid-burst) would measure that run, not the burst's.
    """
    seen: set[str] = set()
    while True:
        pending = (
            set(
                TaskRecord.objects.filter(session_id=session_id).values_list(
                    "task_id", flat=True
                )
            )
            - seen
        )
        if not pending:
            break
        for task_id in pending:
            AsyncResult(task_id).get(timeout=90, propagate=False)
        seen |= pending
    key = RELIABILITY_DEBOUNCE_KEY.format(session_id=session_id)
    for _ in range(100):
        if not redis_client().exists(key):
            return
        time.sleep(0.05)
    raise AssertionError("the scenario's debounce key never expired")


@pytest.mark.worker
def test_a_burst_of_enqueues_runs_one_recompute_on_the_real_worker(
    transactional_db, celery_worker_process, fast_reliability
):
    fast_reliability.RELIABILITY_DEBOUNCE_SECONDS = 1
    scenario = build_scenario()
    session_id = scenario.session.pk
    _settle(session_id)
    task_ids = [reliability_schedule(session_id=session_id) for _ in range(3)]
    assert task_ids[0] and task_ids[1:] == [None, None]
    result = AsyncResult(task_ids[0]).get(timeout=90)
    assert result["session_id"] == session_id
    report = ReliabilityReport.objects.get(session_id=session_id)
    assert report.computed_at is not None and report.stale is False
    assert report.task_id == task_ids[0]
    # The agreement engine (enqueued by gold_decide on commit) may re-align the
    # units meanwhile, so only what does not depend on its timing is checked.
    assert report.excluded_count == report.payload["excluded"]["total"]
    assert report.scores.filter(subject_kind="outlet", metric="sourcing").count() == 5
    # The run released the debounce key, so the next change schedules anew.
    assert reliability_schedule(session_id=session_id) is not None


def test_without_redis_the_enqueue_runs_inline_after_commit(
    scenario, settings, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        reliability_enqueue(session_id=scenario.session.pk)
        assert not ReliabilityReport.objects.filter(
            session=scenario.session, computed_at__isnull=False
        ).exists()
    report = ReliabilityReport.objects.get(session=scenario.session)
    assert report.computed_at is not None and report.excluded_count == 3


def test_a_failing_inline_recompute_is_logged_not_raised(db, settings, caplog):
    settings.REDIS_URL = ""
    with caplog.at_level(logging.ERROR):
        assert reliability_schedule(session_id=987654) is None
    assert "reliability recompute for session 987654 not run" in caplog.text
