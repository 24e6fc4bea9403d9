"""Content-Security-Policy on every response; the API docs need no CDN.

The browser side (no page is refused anything) is tests/browser/test_csp.py.
"""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/admin/login/", "/api/me/", "/api/schema/", "/"]
)
def test_every_response_carries_a_strict_policy(client, url):
    policy = directives(client.get(url))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_signed_in_pages_carry_it_too(client, team_session, reviewer_a):
    client.force_login(reviewer_a)
    article = team_session.articles.get()
    for url in (
        "/",
        f"/sessions/{team_session.pk}/",
        f"/sessions/{team_session.pk}/articles/{article.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], url


def test_templates_have_no_inline_script_style_or_handler(client, team_session):
    """What a strict policy would block never reaches the page."""
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    article = team_session.articles.get()
    sid = team_session.pk
    for url in (
        "/",
        f"/sessions/{sid}/",
        f"/sessions/{sid}/articles/{article.pk}/",
        f"/sessions/{sid}/dashboard/",
        f"/sessions/{sid}/disputes/",
        "/library/",
    ):
        html = client.get(url).content.decode()
        # Only external scripts; JSON data blocks (json_script) are not run.
        inline = r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>"
        assert not re.search(inline, html), url
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), url


def test_the_browsable_api_allows_only_style_attributes(client, reviewer_a):
    client.force_login(reviewer_a)
    response = client.get("/api/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
    assert "<style" not in response.content.decode()


def test_api_docs_load_redoc_from_the_app_itself(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts == [
        "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
    ]
    assert "https://" not in html and "//cdn" not in html
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    # Redoc's own needs: run-time <style> elements and a blob: search worker.
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["'self'", "blob:"]
