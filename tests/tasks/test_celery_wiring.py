"""Celery wiring: a real worker on the real Redis answers; the eager path works."""

import pytest

from workbench.celery import app, ping


@pytest.mark.worker
def test_real_worker_runs_a_task_and_returns_its_result(celery_worker_process):
    result = ping.delay("hello from the test")
    assert result.get(timeout=30) == "hello from the test"
    assert result.successful()


def test_eager_mode_runs_tasks_in_process():
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        result = ping.delay("in-process")
        assert result.get() == "in-process"
    finally:
        app.conf.task_always_eager = previous
