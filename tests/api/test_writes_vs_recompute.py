"""A reviewer's write never waits on, or deadlocks with, a running recompute.

Both on the real PostgreSQL: the recompute holds the session report's row lock
(and the article reports' and reliability report's) while it stores; a span
write touches only its own article's change counter.
"""

import threading

import pytest
from django.db import connection, transaction

from annotations.models import AgreementReport, ReliabilityReport, SpanAnnotation
from annotations.services.agreement import agreement_recompute
from annotations.services.agreement_store import report_lock
from annotations.services.reliability import reliability_recompute
from tests.api.conftest import span_body
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = [f"claim{number}" for number in range(40)]
TEXT = " ".join(WORDS) + ". 😀 مذاکرات ختم ہو گئے"


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reviewers = [UserFactory(username=f"writer{n}") for n in range(2)]
    articles = [ArticleFactory(text=TEXT) for _ in range(2)]
    session = session_with_team(articles=articles, reviewers=reviewers)
    return session, articles, reviewers


def _create(client, session, article, word):
    return client.post(
        f"/api/sessions/{session.pk}/spans/",
        span_body(article, quote=word),
        format="json",
    )


def test_writes_do_not_wait_for_the_locks_a_recompute_holds(world):
    session, articles, reviewers = world
    client = api_client_for(reviewers[0])
    assert _create(client, session, articles[0], "claim1").status_code == 201
    agreement_recompute(session_id=session.pk, bootstrap_draws=10)
    reliability_recompute(session_id=session.pk)
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def recompute_holding_its_locks():
        # What a recompute holds while it stores: the session report row, every
        # article report row and (reliability) the reliability report row.
        try:
            with transaction.atomic():
                report_lock(session_id=session.pk)
                list(
                    AgreementReport.objects.select_for_update().filter(session=session)
                )
                list(
                    ReliabilityReport.objects.select_for_update().filter(
                        session=session
                    )
                )
                locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()
            done.set()

    holder = threading.Thread(target=recompute_holding_its_locks)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with connection.cursor() as cursor:
            # Any wait on a row lock fails the write instead of blocking it.
            cursor.execute("SET lock_timeout = '300ms'")
        created = _create(client, session, articles[0], "claim2")
        assert created.status_code == 201, created.content
        span = created.json()
        patched = client.patch(
            f"/api/sessions/{session.pk}/spans/{span['id']}/",
            {"note": "edited", "version": span["version"]},
            format="json",
        )
        assert patched.status_code == 200, patched.content
        state = client.put(
            f"/api/sessions/{session.pk}/articles/{articles[0].pk}/review-state/",
            {"done": True},
            format="json",
        )
        assert state.status_code == 200, state.content
        deleted = client.delete(
            f"/api/sessions/{session.pk}/spans/{span['id']}/"
            f"?version={patched.json()['version']}"
        )
        assert deleted.status_code == 204, deleted.content
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
        release.set()
        holder.join(timeout=60)
    assert done.is_set()
    # The writes are visible as staleness although no report row was written.
    report = AgreementReport.objects.get(session=session, article__isnull=True)
    assert report.stale is True
    assert ReliabilityReport.objects.get(session=session).stale is True
    assert AgreementReport.objects.get(session=session, article=articles[0]).stale
    assert not AgreementReport.objects.get(session=session, article=articles[1]).stale


def test_concurrent_writers_and_forced_recomputes_lose_nothing(world):
    session, articles, reviewers = world
    failures: list[str] = []
    statuses: list[int] = []
    writers_done = threading.Event()

    def writer(reviewer, article):
        client = api_client_for(reviewer)
        try:
            for word in WORDS:
                response = _create(client, session, article, word)
                statuses.append(response.status_code)
                if response.status_code != 201:
                    failures.append(f"create {word}: {response.status_code}")
                    continue
                if int(word.removeprefix("claim")) % 2:
                    body = response.json()
                    gone = client.delete(
                        f"/api/sessions/{session.pk}/spans/{body['id']}/"
                        f"?version={body['version']}"
                    )
                    statuses.append(gone.status_code)
                    if gone.status_code != 204:
                        failures.append(f"delete {word}: {gone.status_code}")
        except Exception as exc:  # a 500 raises in the test client
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    def recomputer():
        try:
            while not writers_done.is_set():
                agreement_recompute(
                    session_id=session.pk, force=True, bootstrap_draws=5
                )
                reliability_recompute(session_id=session.pk, force=True)
        except Exception as exc:
            failures.append(f"recompute {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    writers = [
        threading.Thread(target=writer, args=(reviewers[n], articles[n]))
        for n in range(2)
    ]
    forcing = threading.Thread(target=recomputer)
    forcing.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=300)
    writers_done.set()
    forcing.join(timeout=300)
    assert failures == []
    assert len(statuses) == 2 * (len(WORDS) + len(WORDS) // 2)
    kept = {word for word in WORDS if int(word.removeprefix("claim")) % 2 == 0}
    for n in range(2):
        stored = set(
            SpanAnnotation.objects.filter(
                session=session, article=articles[n], reviewer=reviewers[n]
            ).values_list("quote", flat=True)
        )
        assert stored == kept
    # A last recompute catches up: fresh, and counting every kept span.
    report = agreement_recompute(session_id=session.pk, bootstrap_draws=5)
    assert report.stale is False
    assert report.payload["counts"]["spans"] == 2 * len(kept)
