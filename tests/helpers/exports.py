"""Helpers for the export tests: fetch an export through the API."""

from django.http import StreamingHttpResponse

from tests.conftest import api_client_for


def export_response(user, session, **params):
    return api_client_for(user).get(f"/api/sessions/{session.pk}/export/", params)


def export_text(user, session, **params) -> str:
    response = export_response(user, session, **params)
    assert response.status_code == 200, getattr(response, "data", response)
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")
