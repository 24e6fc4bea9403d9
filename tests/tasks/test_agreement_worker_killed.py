"""A worker SIGKILLed in the middle of a fanned-out chunk, then restarted, leaves
one complete session report equal to a one-worker run (acks_late: the chunk's
message was never acknowledged, so the broker hands it out again; chunks are
upserts, so the redone one writes the same rows)."""

import os
import signal
import time

import pytest
from django.conf import settings
from django.test import override_settings

from annotations.models import AgreementArticleStats, AgreementReport, SessionArticle
from annotations.tasks import recompute_agreement
from tests.conftest import WorkerProcess
from tests.tasks.test_agreement_fanout import _corpus, _stored

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CHUNK = "annotations.recompute_agreement_chunk["


def _children(pid: int) -> list[int]:
    """The process ids whose parent is ``pid`` (the worker's pool processes)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _kill_hard(worker: WorkerProcess) -> None:
    """SIGKILL the worker and its pool processes: nothing acknowledges anything."""
    pids = [worker.process.pid, *_children(worker.process.pid)]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    worker.process.wait(timeout=30)
    worker.log.close()


def _wait_report(session, timeout: float = 180) -> dict:
    articles = SessionArticle.objects.filter(session=session).count()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = AgreementReport.objects.filter(
            session=session, article__isnull=True, computed_at__isnull=False
        ).first()
        if report is not None and not report.stale:
            assert (
                AgreementArticleStats.objects.filter(session=session).count()
                == articles
            )
            return _stored(session)
        time.sleep(0.2)
    raise AssertionError(f"no fresh session report within {timeout} s")


def _forget(session) -> None:
    AgreementReport.objects.filter(session=session).delete()
    AgreementArticleStats.objects.filter(session=session).delete()


def _started_chunks(worker: WorkerProcess) -> tuple[int, int]:
    """(chunks received, chunks succeeded) so far in the worker's log."""
    text = worker.log_path.read_text(errors="replace")
    lines = [line for line in text.splitlines() if CHUNK in line]
    return (
        sum("received" in line for line in lines),
        sum("succeeded" in line for line in lines),
    )


def test_worker_killed_mid_chunk_and_restarted_leaves_one_complete_report(
    reviewer_a, reviewer_b, reviewer_c, tmp_path, monkeypatch
):
    session = _corpus([reviewer_a, reviewer_b, reviewer_c])
    monkeypatch.setenv("AGREEMENT_FANOUT_CHUNK", "2")  # seven articles: 4 chunks
    # An unacknowledged message goes back to the queue after this long.
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "3")
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}_killed"
    with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
        reference_worker = WorkerProcess(tmp_path / "one.log", name="one")
        reference_worker.start()
    try:
        recompute_agreement.apply_async(
            kwargs={"session_id": session.pk, "bootstrap_draws": 100}, queue=queue
        )
        one = _wait_report(session)
    finally:
        reference_worker.stop()
    _forget(session)
    with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
        victim = WorkerProcess(tmp_path / "victim.log", name="victim")
        victim.start()
    recompute_agreement.apply_async(
        kwargs={"session_id": session.pk, "bootstrap_draws": 100}, queue=queue
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        received, succeeded = _started_chunks(victim)
        if received > succeeded:  # a chunk is running: kill now
            break
        time.sleep(0.005)
    else:
        victim.stop()
        raise AssertionError("the worker never started a chunk")
    _kill_hard(victim)
    received, succeeded = _started_chunks(victim)
    assert received > succeeded, "the killed worker had finished its chunk"
    with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
        restarted = WorkerProcess(tmp_path / "restarted.log", name="restarted")
        restarted.start()
    try:
        two = _wait_report(session)
    finally:
        restarted.stop()
    assert two == one
    assert one["session"]["counts"]["articles"] == 7
    # The interrupted chunk ran again on the restarted worker.
    again, done = _started_chunks(restarted)
    assert done >= 1 and succeeded + done >= 4, (succeeded, again, done)
