"""Two clients editing the same span version: exactly one wins, nothing is lost."""

import threading

import pytest
from django.db import connection

from annotations.models import SpanAnnotation
from tests.api.conftest import make_span
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, UserFactory, session_with_team


def patch(client, session, span, note, version):
    return client.patch(
        f"/api/sessions/{session.pk}/spans/{span.pk}/",
        {"note": note, "version": version},
        format="json",
    )


@pytest.mark.django_db
def test_sequential_edits_from_the_same_version(sessions, reviewer_a):
    session = sessions["blind"]
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    first = patch(api_client_for(reviewer_a), session, span, "first", span.version)
    second = patch(api_client_for(reviewer_a), session, span, "second", span.version)
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["current"]["note"] == "first"
    stored = SpanAnnotation.objects.get(pk=span.pk)
    assert (stored.note, stored.version) == ("first", span.version + 1)


@pytest.mark.django_db(transaction=True)
def test_two_threads_racing_on_one_version_one_wins(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reviewer = UserFactory(username="racer")
    article = ArticleFactory(text="Asif said the talks are over on Friday.")
    session = session_with_team(articles=[article], reviewers=[reviewer])
    span = make_span(session, article, reviewer, quote="the talks are over")
    for round_number in range(5):
        version = SpanAnnotation.objects.get(pk=span.pk).version
        barrier = threading.Barrier(2)
        results: dict[str, object] = {}

        def edit(name, version=version, barrier=barrier, results=results):
            try:
                client = api_client_for(reviewer)
                barrier.wait(timeout=10)
                results[name] = patch(client, session, span, name, version)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=edit, args=(f"r{round_number}-{side}",))
            for side in ("left", "right")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        statuses = sorted(response.status_code for response in results.values())
        assert statuses == [200, 409], statuses
        winner = next(n for n, r in results.items() if r.status_code == 200)
        loser = next(r for r in results.values() if r.status_code == 409)
        stored = SpanAnnotation.objects.get(pk=span.pk)
        assert stored.version == version + 1
        assert stored.note == winner
        assert loser.json()["current"]["note"] == winner
        assert loser.json()["current"]["version"] == version + 1
