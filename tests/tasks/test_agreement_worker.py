"""A real Celery worker recomputes agreement after API writes, and after a crash."""

import os
import time

import psutil
import pytest
from django.conf import settings
from django.test import override_settings

from annotations.models import (
    AgreementReport,
    ReliabilityReport,
    SpanAnnotation,
    TaskRecord,
)
from annotations.services.recompute import agreement_sweep
from annotations.tasks import recompute_agreement
from tests.conftest import WorkerProcess, api_client_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Units and claim types (reviewer_a, reviewer_b, reviewer_c):
#   "the talks are over"  quoted  quoted  quoted
#   "Tarar agreed"        event   event   quoted
# Nominal alpha: o_ss = 3 (unit 1) ; unit 2 adds o_ee 1, o_es 1, o_se 1.
#   n_s = 4, n_e = 2, n = 6: D_o = 2/6, D_e = (36 - 16 - 4) / 30 = 16/30
#   alpha = 1 - (2/6) / (16/30) = 1 - 5/8 = 3/8.  After reviewer_c relabels
#   unit 2 as event every unit is unanimous: alpha = 1.
SCRIPT = (
    ("the talks are over", ("quoted_statement",) * 3),
    ("Tarar agreed", ("event_action", "event_action", "quoted_statement")),
)


def _session_report(session):
    return AgreementReport.objects.filter(session=session, article__isnull=True).first()


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _claim_alpha_is(session, expected):
    def check():
        report = _session_report(session)
        if report is None or report.stale or report.computed_at is None:
            return None
        alpha = report.payload["labels"]["claim_type"]["alpha"]
        return report if alpha == pytest.approx(expected) else None

    return check


@override_settings(AGREEMENT_DEBOUNCE_SECONDS=0.3)
def test_worker_computes_report_after_api_writes_and_after_an_edit(
    celery_worker_process,
    team_session,
    emoji_article,
    reviewer_a,
    reviewer_b,
    reviewer_c,
):
    reviewers = (reviewer_a, reviewer_b, reviewer_c)
    created = {}
    for phrase, claims in SCRIPT:
        start = emoji_article.text.index(phrase)
        for user, claim in zip(reviewers, claims, strict=True):
            response = api_client_for(user).post(
                f"/api/sessions/{team_session.pk}/spans/",
                {
                    "article": emoji_article.pk,
                    "start": start,
                    "end": start + len(phrase),
                    "quote": phrase,
                    "claim_type": claim,
                    "sourcing_quality": "named_on_record",
                },
                format="json",
            )
            assert response.status_code == 201, response.content
            created[phrase, user.username] = response.json()
    report = _wait_for(_claim_alpha_is(team_session, 3 / 8), 45, "the first report")
    assert report.payload["counts"]["units"] == 2
    assert report.task_id
    assert (
        AgreementReport.objects.fresh()
        .filter(session=team_session, article=emoji_article)
        .exists()
    )
    # The worker's agreement run schedules the reliability recompute after it
    # (debounced by RELIABILITY_DEBOUNCE_SECONDS, 5 s by default).
    reliability = _wait_for(
        lambda: ReliabilityReport.objects.fresh()
        .filter(session=team_session, computed_at__isnull=False)
        .first(),
        45,
        "the reliability report the agreement run scheduled",
    )
    assert reliability.task_id
    assert reliability.payload["excluded"]["total"] >= 0

    span = created["Tarar agreed", "reviewer_c"]
    response = api_client_for(reviewer_c).patch(
        f"/api/sessions/{team_session.pk}/spans/{span['id']}/",
        {"claim_type": "event_action", "version": span["version"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    edited = _wait_for(_claim_alpha_is(team_session, 1.0), 45, "the edited report")
    assert edited.fingerprint != report.fingerprint
    assert AgreementReport.objects.filter(session=team_session).count() == 2


def _kill_tree(worker: WorkerProcess) -> None:
    """SIGKILL the pool children first (so the running task dies too), then the main."""
    main = psutil.Process(worker.process.pid)
    for child in main.children(recursive=True):
        child.kill()
    worker.stop(kill=True)


def _task_state(user, task_id):
    response = api_client_for(user).get(f"/api/tasks/{task_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_killed_worker_mid_task_then_restart_leaves_one_complete_report(
    team_session,
    emoji_article,
    reviewer_a,
    reviewer_b,
    reviewer_c,
    adjudicator,
    tmp_path,
):
    # Spans straight into the table: no enqueue, so only our tasks run.
    reviewers = (reviewer_a, reviewer_b, reviewer_c)
    rows = []
    for phrase, claims in SCRIPT:
        start = emoji_article.text.index(phrase)
        for user, claim in zip(reviewers, claims, strict=True):
            rows.append(
                SpanAnnotation(
                    session=team_session,
                    article=emoji_article,
                    reviewer=user,
                    start=start,
                    end=start + len(phrase),
                    quote=phrase,
                    claim_type=team_session.scheme.claim_types.get(code=claim),
                    sourcing_quality=team_session.scheme.sourcing_levels.get(
                        rank=1 + len(rows) % 3
                    ),
                )
            )
    SpanAnnotation.objects.bulk_create(rows)
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}_kill"
    # Its own node name: the session's worker may be running beside it.
    worker = WorkerProcess(tmp_path / "kill-worker.log", name="kill")
    with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
        worker.start()
    try:
        # A million bootstrap draws make this recompute take many seconds.
        slow = recompute_agreement.apply_async(
            kwargs={"session_id": team_session.pk, "bootstrap_draws": 1_000_000},
            queue=queue,
        )
        _wait_for(
            lambda: (_session_report(team_session) or AgreementReport()).task_id
            == slow.id,
            30,
            "the slow task to start",
        )
        # What task_send records for a queued task (the API reads it).
        TaskRecord.objects.create(
            task_id=slow.id, name=recompute_agreement.name, session=team_session
        )
        with override_settings(TASK_STARTED_GRACE_SECONDS=0):
            assert _task_state(adjudicator, slow.id)["state"] == "STARTED"
        _kill_tree(worker)
        report = _session_report(team_session)
        assert report.computed_at is None and report.stale  # died mid-task
        # The result store still says STARTED; the endpoint tells the truth
        # once the silent worker's task is past the hard time limit.
        with override_settings(TASK_STARTED_GRACE_SECONDS=0):
            assert _task_state(adjudicator, slow.id)["state"] == "STARTED"
            with override_settings(CELERY_TASK_TIME_LIMIT=0):
                lost = _task_state(adjudicator, slow.id)
        assert (lost["state"], lost["ready"]) == ("FAILURE", True)
        assert "worker" in lost["result"]

        # Restart a worker (both queues); the sweep finds the stale report.
        restarted = WorkerProcess(tmp_path / "restarted-worker.log", name="kill")
        listen = f"{queue},{settings.CELERY_TASK_DEFAULT_QUEUE}"
        with override_settings(CELERY_TASK_DEFAULT_QUEUE=listen):
            restarted.start()
        try:
            # A restarted worker of the same name answers without the task.
            # (It may take a moment to answer control messages after start.)
            with override_settings(TASK_STARTED_GRACE_SECONDS=0):
                relisted = _wait_for(
                    lambda: (
                        state
                        if (state := _task_state(adjudicator, slow.id))["ready"]
                        else None
                    ),
                    30,
                    "the restarted worker to answer without the task",
                )
            assert (relisted["state"], relisted["ready"]) == ("FAILURE", True)
            with override_settings(AGREEMENT_DEBOUNCE_SECONDS=0.2):
                assert team_session.pk in agreement_sweep()
            report = _wait_for(
                _claim_alpha_is(team_session, 3 / 8), 40, "the recovered report"
            )
        finally:
            restarted.stop()
    finally:
        if worker.process.poll() is None:
            _kill_tree(worker)
    assert (
        AgreementReport.objects.filter(
            session=team_session, article__isnull=True
        ).count()
        == 1
    )
    assert report.stale is False
    assert report.payload["counts"]["units"] == 2
    assert AgreementReport.objects.filter(session=team_session).count() == 2
    assert os.path.exists(tmp_path / "kill-worker.log")
