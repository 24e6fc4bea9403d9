"""Embedded default (no broker): a save returns before its recompute runs.

The session report row is held FOR UPDATE by another connection, which is the
lock a recompute's store phase takes. A save that ran its recompute inline
would wait on it; here the save returns 201 while the lock is held, the report
shows the background task as running, and once the lock is released the one
background thread stores a fresh report.
"""

import psycopg
import pytest
from django.db import connection

from annotations.models import AgreementReport, TaskRecord
from annotations.services.agreement import agreement_recompute
from annotations.services.background import recomputes_wait
from tests.conftest import api_client_for
from workbench.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def embedded(settings):
    settings.REDIS_URL = ""
    settings.AGREEMENT_BOOTSTRAP_DRAWS = 50
    settings.RELIABILITY_BOOTSTRAP_DRAWS = 50
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
    recomputes_wait(30)


def _dsn() -> str:
    params = connection.get_connection_params()
    return (
        f"host={params.get('host', '127.0.0.1')} port={params.get('port', 5432)} "
        f"user={params.get('user', 'postgres')} dbname={params['dbname']}"
    )


def _post(session, article, user, phrase, claim):
    start = article.text.index(phrase)
    return api_client_for(user).post(
        f"/api/sessions/{session.pk}/spans/",
        {
            "article": article.pk,
            "start": start,
            "end": start + len(phrase),
            "quote": phrase,
            "claim_type": claim,
            "sourcing_quality": "named_on_record",
        },
        format="json",
    )


def test_save_returns_while_the_recompute_waits_then_the_report_is_fresh(
    embedded, team_session, emoji_article, reviewer_a, reviewer_b, reviewer_c
):
    agreement_recompute(session_id=team_session.pk)
    report = AgreementReport.objects.get(session=team_session, article__isnull=True)
    with psycopg.connect(_dsn(), autocommit=False) as holder:
        # An inline recompute would wait on this lock: the timeout turns that
        # hang into a failure (the report would then be fresh, not stale).
        holder.execute("SET idle_in_transaction_session_timeout = '45s'")
        holder.execute(
            "SELECT id FROM annotations_agreementreport WHERE id = %s FOR UPDATE",
            [report.pk],
        )
        statuses = [
            _post(team_session, emoji_article, user, "on Friday", "event_action")
            for user in (reviewer_a, reviewer_b, reviewer_c)
        ]
        assert [r.status_code for r in statuses] == [201] * 3, statuses[0].content
        # Every save returned while the recompute could not store: it is
        # running in the background (its task record not done yet).
        report.refresh_from_db()
        assert report.stale
        running = TaskRecord.objects.filter(
            session_id=team_session.pk, name="annotations.recompute_agreement"
        )
        assert running and {r.state for r in running} == {TaskRecord.State.PENDING}
        holder.rollback()
    assert recomputes_wait(60)
    report.refresh_from_db()
    assert not report.stale
    assert report.payload["counts"]["units"] == 1
    assert report.payload["detection"]["exact"]["micro_f1"] == 1.0
    # One at a time and coalesced: three saves, at most two runs (the first
    # save's, then one for those that came while it waited).
    states = list(
        TaskRecord.objects.filter(
            session_id=team_session.pk, name="annotations.recompute_agreement"
        ).values_list("state", flat=True)
    )
    assert 1 <= len(states) <= 2 and set(states) == {TaskRecord.State.SUCCESS}
