"""Undo of a span deletion: the span comes back under its id at the next version."""

import pytest

from annotations.models import SpanAnnotation
from tests.api.conftest import span_body, span_rows

pytestmark = pytest.mark.django_db


def restore_url(session, span_id):
    return f"/api/sessions/{session.pk}/spans/{span_id}/restore/"


def _delete(client, session, span):
    url = f"/api/sessions/{session.pk}/spans/{span.pk}/?version={span.version}"
    assert client.delete(url).status_code == 204


def test_a_deleted_span_is_restored_under_its_id_at_the_next_version(
    sessions, reviewer_a, client_for
):
    session = sessions["blind"]
    client = client_for(reviewer_a)
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    client.patch(
        f"/api/sessions/{session.pk}/spans/{span.pk}/",
        {"version": 1, "note": "checked"},
        format="json",
    )
    span.refresh_from_db()
    assert span.version == 2
    before = {k: v for k, v in span_rows()[0].items()}
    _delete(client, session, span)
    assert not SpanAnnotation.objects.filter(pk=span.pk).exists()
    response = client.post(restore_url(session, span.pk), {"version": 2}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["id"] == span.pk and data["version"] == 3
    assert response["ETag"] == '"3"'
    restored = SpanAnnotation.objects.get(pk=span.pk)
    for name in ("start", "end", "quote", "note", "cited_source", "reviewer_id"):
        assert getattr(restored, name) == before[name]
    assert restored.claim_type_id == before["claim_type_id"]
    # Once restored it is gone from the undo list: a second restore is a 404.
    again = client.post(restore_url(session, span.pk), {"version": 2}, format="json")
    assert again.status_code == 404
    # The usual version rule holds on the restored span.
    stale = client.patch(
        f"/api/sessions/{session.pk}/spans/{span.pk}/",
        {"version": 2, "note": "stale"},
        format="json",
    )
    assert stale.status_code == 409


def test_restore_refuses_the_wrong_version_another_reviewer_and_a_duplicate(
    sessions, article, reviewer_a, reviewer_b, client_for
):
    session = sessions["blind"]
    client = client_for(reviewer_a)
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    _delete(client, session, span)
    wrong = client.post(restore_url(session, span.pk), {"version": 5}, format="json")
    assert wrong.status_code == 409 and wrong.json()["field"] == "version"
    other = client_for(reviewer_b).post(
        restore_url(session, span.pk), {"version": 1}, format="json"
    )
    assert other.status_code == 403
    missing = client.post(restore_url(session, span.pk), {}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    # The reviewer marked the same words again meanwhile: no duplicate.
    again = client.post(
        f"/api/sessions/{session.pk}/spans/", span_body(article), format="json"
    )
    assert again.status_code == 201
    duplicate = client.post(
        restore_url(session, span.pk), {"version": 1}, format="json"
    )
    assert duplicate.status_code == 400 and "start" in duplicate.json()
    assert not SpanAnnotation.objects.filter(pk=span.pk).exists()
