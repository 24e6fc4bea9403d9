"""URL intake: off by default, SSRF refused after DNS and at every redirect hop."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings

from annotations.models import Article
from annotations.services.intake_fetch import (
    FetchRefused,
    address_allowed,
    url_fetch,
)
from tests.plugins.intake import IMPORT_URL, html_fixture


class FixtureHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        FixtureHandler.hits.append(self.path)
        port = self.server.server_address[1]
        redirects = {
            "/redirect-ok": "/floods",
            "/redirect-private": "http://10.0.0.1/secret",
            "/redirect-loopback": f"http://localhost:{port}/floods",
            "/loop": "/loop",
        }
        if self.path in redirects:
            self.send_response(302)
            self.send_header("Location", redirects[self.path])
            self.end_headers()
            return
        bodies = {
            "/floods": html_fixture("floods_opengraph.html"),
            "/talks": html_fixture("talks_jsonld.html"),
            "/big": b"<p>" + b"x" * 10_000 + b"</p>",
        }
        if self.path not in bodies:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(bodies[self.path])


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FixtureHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetching(settings, server):
    """Fetching on; the private-address rule off for the fixture server only."""
    settings.ARTICLE_FETCH_ENABLED = True
    settings.ARTICLE_FETCH_ALLOW_HOSTS = [server]
    FixtureHandler.hits.clear()
    return server


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_private_and_reserved_addresses_are_refused(address):
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_global_addresses_are_allowed(address):
    assert address_allowed(address)


def test_fetching_is_off_by_default(monkeypatch):
    import importlib

    import workbench.settings as workbench_settings

    monkeypatch.delenv("ARTICLE_FETCH_ENABLED", raising=False)
    fresh = importlib.reload(workbench_settings)
    try:
        assert fresh.ARTICLE_FETCH_ENABLED is False
        assert fresh.ARTICLE_FETCH_ALLOW_HOSTS == []
    finally:
        importlib.reload(workbench_settings)
    assert django_settings.ARTICLE_FETCH_ENABLED is False


@pytest.mark.django_db
def test_urls_are_not_fetched_when_off(lead_client, server):
    FixtureHandler.hits.clear()
    response = lead_client.post(
        IMPORT_URL, {"urls": [f"http://{server}/floods"]}, format="json"
    )
    assert response.status_code == 400
    [result] = response.json()["results"]
    assert result["status"] == "error"
    assert "ARTICLE_FETCH_ENABLED" in result["message"]
    assert FixtureHandler.hits == []
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_a_fetched_page_is_imported_with_its_metadata(lead_client, fetching):
    urls = [f"http://{fetching}/floods", f"http://{fetching}/redirect-ok"]
    response = lead_client.post(IMPORT_URL, {"urls": urls}, format="json")
    assert response.status_code == 201, response.json()
    created, duplicate = response.json()["results"]
    assert created["status"] == "created" and created["file"] == urls[0]
    assert duplicate["status"] == "duplicate"  # same page through a redirect
    article = Article.objects.get(pk=created["article"]["id"])
    assert article.byline == "Ayesha Khan"
    # The page's canonical URL, not the address it was fetched from.
    assert article.url == "https://meridian.example/news/2024/08/12/sindh-floods"


def test_a_host_resolving_to_loopback_is_refused(fetching):
    port = fetching.split(":")[1]
    with pytest.raises(FetchRefused, match="127.0.0.1"):
        url_fetch(f"http://localhost:{port}/floods")
    assert FixtureHandler.hits == []


def test_a_private_10_address_is_refused_before_connecting(fetching):
    with pytest.raises(FetchRefused, match="10.9.8.7"):
        url_fetch("http://10.9.8.7/article")


def test_a_redirect_to_a_private_address_is_refused(fetching):
    with pytest.raises(FetchRefused, match="10.0.0.1"):
        url_fetch(f"http://{fetching}/redirect-private")
    assert FixtureHandler.hits == ["/redirect-private"]


def test_a_redirect_to_loopback_is_refused_even_from_an_allowed_host(fetching):
    with pytest.raises(FetchRefused, match="resolves to"):
        url_fetch(f"http://{fetching}/redirect-loopback")
    assert FixtureHandler.hits == ["/redirect-loopback"]


def test_redirects_are_capped(fetching, settings):
    settings.ARTICLE_FETCH_MAX_REDIRECTS = 2
    with pytest.raises(FetchRefused, match="More than 2 redirects"):
        url_fetch(f"http://{fetching}/loop")
    assert FixtureHandler.hits == ["/loop"] * 3


def test_the_body_size_is_capped(fetching, settings):
    settings.ARTICLE_FETCH_MAX_BYTES = 1000
    with pytest.raises(FetchRefused, match="larger than 1000 bytes"):
        url_fetch(f"http://{fetching}/big")


@pytest.mark.parametrize(
    "url,message",
    [
        ("ftp://example.com/a", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("http:///nohost", "no host"),
    ],
)
def test_other_schemes_are_refused(fetching, url, message):
    with pytest.raises(FetchRefused, match=message):
        url_fetch(url)


def test_an_error_status_is_a_clear_refusal(fetching):
    with pytest.raises(FetchRefused, match="HTTP 404"):
        url_fetch(f"http://{fetching}/missing")
