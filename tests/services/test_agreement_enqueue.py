"""Debounced enqueue on real Redis; writes survive a dead broker; eager mode."""

import base64
import json
import logging

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from annotations.models import AgreementReport
from annotations.services.agreement import agreement_recompute
from annotations.services.recompute import _keys, agreement_pending_pop
from annotations.services.spans import annotation_create
from tests.conftest import api_client_for
from workbench.celery import app

pytestmark = pytest.mark.django_db

PHRASES = ("the talks are over", "on Friday", "Tarar agreed", "Asif")


def _span(session, article, user, phrase, claim="quoted_statement", start=None):
    start = article.text.index(phrase) if start is None else start
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=user,
        start=start,
        end=start + len(phrase),
        quote=phrase,
        claim_type=claim,
        sourcing_quality="named_on_record",
    )


def _queued_recomputes(client: redis.Redis, session_id: int) -> int:
    """Recompute messages for the session, waiting in the queue or held unacked."""
    raw = client.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1)
    raw += [json.loads(v)[0] for v in client.hgetall("unacked").values()]
    count = 0
    for message in raw:
        message = json.loads(message) if isinstance(message, bytes | str) else message
        if message["headers"].get("task") != "annotations.recompute_agreement":
            continue
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        if kwargs.get("session_id") == session_id:
            count += 1
    return count


@override_settings(AGREEMENT_DEBOUNCE_SECONDS=60)
def test_burst_of_twenty_span_writes_schedules_one_recompute(
    team_session,
    emoji_article,
    reviewer_a,
    reviewer_b,
    django_capture_on_commit_callbacks,
):
    client = redis.Redis.from_url(settings.REDIS_URL)
    scheduled, pending = _keys(team_session.pk)
    client.delete(scheduled, pending)
    users = [reviewer_a, reviewer_b]
    # Ids repeat across test runs, so count what this burst adds.
    before = _queued_recomputes(client, team_session.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for index in range(20):
            # Ten distinct 4-character windows per reviewer.
            start = index // 2
            phrase = emoji_article.text[start : start + 4]
            _span(team_session, emoji_article, users[index % 2], phrase, start=start)
    assert len(callbacks) == 20
    assert client.exists(scheduled)
    assert 0 < client.ttl(scheduled) <= 60 + 600
    assert _queued_recomputes(client, team_session.pk) == before + 1
    # The task takes the gathered article ids and frees the schedule.
    assert agreement_pending_pop(session_id=team_session.pk) == [emoji_article.pk]
    assert not client.exists(scheduled) and not client.exists(pending)


@override_settings(AGREEMENT_DEBOUNCE_SECONDS=60)
def test_a_write_after_an_early_run_took_the_schedule_schedules_anew(
    team_session,
    emoji_article,
    reviewer_a,
    django_capture_on_commit_callbacks,
):
    """A run that starts before its due time (a forced recompute, the sweep)
    takes the schedule; a write after it must schedule a new run, or it would
    stay unrecomputed until some later write comes along."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    scheduled, pending = _keys(team_session.pk)
    client.delete(scheduled, pending)
    before = _queued_recomputes(client, team_session.pk)
    text = emoji_article.text
    with django_capture_on_commit_callbacks(execute=True):
        _span(team_session, emoji_article, reviewer_a, text[0:4], start=0)
    assert _queued_recomputes(client, team_session.pk) == before + 1
    # The run starts now, long before its debounce is over, and clears the mark.
    assert agreement_pending_pop(session_id=team_session.pk) == [emoji_article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        _span(team_session, emoji_article, reviewer_a, text[5:9], start=5)
    assert client.exists(scheduled)
    assert _queued_recomputes(client, team_session.pk) == before + 2
    assert agreement_pending_pop(session_id=team_session.pk) == [emoji_article.pk]


def test_span_write_succeeds_and_report_stays_stale_when_broker_is_down(
    team_session, emoji_article, reviewer_a, django_capture_on_commit_callbacks, caplog
):
    _span(team_session, emoji_article, reviewer_a, "Asif")
    report = agreement_recompute(session_id=team_session.pk)
    assert report.stale is False
    start = emoji_article.text.index("on Friday")
    with (
        override_settings(REDIS_URL="redis://127.0.0.1:1/0"),
        caplog.at_level(logging.WARNING, logger="annotations.services.recompute"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api_client_for(reviewer_a).post(
            f"/api/sessions/{team_session.pk}/spans/",
            {
                "article": emoji_article.pk,
                "start": start,
                "end": start + len("on Friday"),
                "quote": "on Friday",
                "claim_type": "event_action",
                "sourcing_quality": "named_on_record",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    report.refresh_from_db()
    assert report.stale is True
    assert "not enqueued" in caplog.text


def test_eager_mode_recomputes_inline_on_commit(
    team_session,
    emoji_article,
    reviewer_a,
    reviewer_b,
    django_capture_on_commit_callbacks,
):
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with (
            override_settings(REDIS_URL="", AGREEMENT_BOOTSTRAP_DRAWS=50),
            django_capture_on_commit_callbacks(execute=True),
        ):
            _span(team_session, emoji_article, reviewer_a, "on Friday")
            _span(team_session, emoji_article, reviewer_b, "on Friday")
    finally:
        app.conf.task_always_eager = previous
    report = AgreementReport.objects.get(session=team_session, article__isnull=True)
    assert report.stale is False and report.computed_at is not None
    assert report.payload["counts"]["units"] == 1
    assert report.payload["detection"]["exact"]["micro_f1"] == 1.0


def test_failing_inline_recompute_does_not_fail_the_write(
    team_session, emoji_article, reviewer_a, django_capture_on_commit_callbacks, caplog
):
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        # A draw count that is not a number makes the recompute fail.
        with (
            override_settings(REDIS_URL="", AGREEMENT_BOOTSTRAP_DRAWS="not a number"),
            caplog.at_level(logging.WARNING, logger="annotations.services.recompute"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            span = _span(team_session, emoji_article, reviewer_a, "on Friday")
    finally:
        app.conf.task_always_eager = previous
    assert span.pk is not None
    assert "not enqueued" in caplog.text
    assert not AgreementReport.objects.fresh().filter(session=team_session).exists()
