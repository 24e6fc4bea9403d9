"""The task-state endpoint: real outcomes without a broker, no leak across sessions,
and the sweep's recovery of work nobody holds any more."""

import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from annotations.models import AgreementReport, ExportJob, TaskRecord
from annotations.services.exports import export_jobs_sweep
from annotations.services.queue import redis_client
from annotations.services.recompute import _keys, agreement_sweep
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded_mode(settings):
    """No broker: what `make run` uses (tasks run in this process)."""
    from workbench.celery import app

    settings.REDIS_URL = ""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_embedded_recompute_reports_its_real_outcome(
    embedded_mode, team_session, adjudicator
):
    client = api_client_for(adjudicator)
    sid = team_session.pk
    for path in (
        f"/api/sessions/{sid}/agreement/recompute/",
        f"/api/sessions/{sid}/reliability/recompute/",
    ):
        queued = client.post(path, {"force": True}, format="json")
        assert queued.status_code == 202, queued.content
        state = client.get(f"/api/tasks/{queued.json()['task_id']}/")
        assert state.status_code == 200
        body = state.json()
        assert (body["state"], body["ready"]) == ("SUCCESS", True), body
        assert body["result"]["session_id"] == sid
    report = AgreementReport.objects.get(session=team_session, article__isnull=True)
    assert report.computed_at is not None


def test_embedded_failure_is_reported_as_failure(
    embedded_mode, settings, team_session, adjudicator
):
    settings.AGREEMENT_BOOTSTRAP_DRAWS = "not a number"  # the task raises
    client = api_client_for(adjudicator)
    with pytest.raises(ValueError):
        client.post(
            f"/api/sessions/{team_session.pk}/agreement/recompute/",
            {},
            format="json",
        )
    record = TaskRecord.objects.get()
    state = client.get(f"/api/tasks/{record.task_id}/").json()
    assert (state["state"], state["ready"]) == ("FAILURE", True)
    assert "ValueError" in state["result"]


def test_a_task_is_readable_only_by_adjudicators_of_its_session(
    embedded_mode, team_session, adjudicator, reviewer_a, staff
):
    other_adjudicator = UserFactory(username="other_adjudicator")
    session_with_team(
        articles=[ArticleFactory()], reviewers=[], adjudicators=[other_adjudicator]
    )
    queued = api_client_for(adjudicator).post(
        f"/api/sessions/{team_session.pk}/reliability/recompute/", {}, format="json"
    )
    url = f"/api/tasks/{queued.json()['task_id']}/"
    assert api_client_for(adjudicator).get(url).status_code == 200
    assert api_client_for(staff).get(url).status_code == 200
    # An adjudicator of another session: as if the task did not exist.
    foreign = api_client_for(other_adjudicator).get(url)
    assert foreign.status_code == 404
    unknown = api_client_for(other_adjudicator).get("/api/tasks/no-such-task/")
    assert unknown.status_code == 404
    assert foreign.json() == unknown.json()
    assert api_client_for(reviewer_a).get(url).status_code == 403


@override_settings(AGREEMENT_DEBOUNCE_SECONDS=0.2, AGREEMENT_SCHEDULE_LEASE_SECONDS=1)
def test_a_lost_schedule_frees_itself_and_the_sweep_reschedules(
    team_session, emoji_article, reviewer_a, django_capture_on_commit_callbacks
):
    from workbench.celery import app

    scheduled, _ = _keys(team_session.pk)
    redis = redis_client()
    redis.delete(scheduled)
    quote = "on Friday"
    start = emoji_article.text.index(quote)
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client_for(reviewer_a).post(
            f"/api/sessions/{team_session.pk}/spans/",
            {
                "article": emoji_article.pk,
                "start": start,
                "end": start + len(quote),
                "quote": quote,
                "claim_type": "event_action",
                "sourcing_quality": "named_on_record",
            },
            format="json",
        )
    assert created.status_code == 201
    assert redis.exists(scheduled)
    # The lease, not ten minutes: the mark ends soon after the task was due.
    assert 0 < redis.ttl(scheduled) <= 2
    first = TaskRecord.objects.get(session=team_session)
    # The task is lost with its worker (here: purged from the queue).
    app.control.purge()
    time.sleep(2.2)
    assert not redis.exists(scheduled)
    assert team_session.pk in agreement_sweep()
    assert redis.exists(scheduled)
    again = TaskRecord.objects.filter(session=team_session).exclude(pk=first.pk)
    assert again.count() == 1
    app.control.purge()
    redis.delete(scheduled)


def test_the_sweep_fails_an_export_whose_worker_died(settings, tmp_path, staff):
    settings.EXPORT_DIR = tmp_path
    settings.EXPORT_LEASE_SECONDS = 60
    silent = timezone.now() - timedelta(seconds=61)
    dead = ExportJob.objects.create(
        created_by=staff, format="jsonl", status="running", heartbeat_at=silent
    )
    alive = ExportJob.objects.create(
        created_by=staff,
        format="jsonl",
        status="running",
        heartbeat_at=timezone.now(),
    )
    dead_part = tmp_path / f"export-{dead.pk}-session-1.jsonl.part"
    alive_part = tmp_path / f"export-{alive.pk}-session-1.jsonl.part"
    dead_part.write_text("half")
    alive_part.write_text("half")
    assert export_jobs_sweep() == [dead.pk]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and "worker went away" in dead.error
    assert not dead_part.exists()
    assert alive.status == "running" and alive_part.exists()
    detail = api_client_for(staff).get(f"/api/exports/{dead.pk}/").json()
    assert detail["status"] == "failed" and "Start the export again" in detail["error"]
