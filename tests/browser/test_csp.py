"""Every page works under the Content-Security-Policy, on a closed network.

The `page` fixture fails any test whose page the policy refused something
(tests/browser/conftest.py); this module walks the pages the other browser
tests do not: sign-in, the admin, the browsable API and the API docs.
"""

import pytest

from annotations.services.seeds import DEMO_PASSWORD, demo_setup
from tests.browser.conftest import login, open_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    session = demo_setup()
    return session, session.articles.order_by("pk").first()


@pytest.fixture
def closed_network(page, live_server):
    """Requests anywhere but the live server fail, as on an offline network."""
    outside: list[str] = []

    def route(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return outside


def test_pages_send_the_policy_and_run_without_a_refusal(
    page, live_server, demo, closed_network
):
    session, article = demo
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    login(page, live_server, "reviewer1", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    open_article(page, live_server, session.pk, article.pk)
    assert page.locator("#article-text").inner_text()

    page.context.clear_cookies()
    login(page, live_server, "admin", DEMO_PASSWORD)
    for path in (
        f"/sessions/{session.pk}/dashboard/",
        f"/sessions/{session.pk}/disputes/",
        "/admin/",
        "/admin/annotations/annotationsession/",
        f"/admin/annotations/annotationsession/{session.pk}/change/",
        "/admin/axes/accessattempt/",
        "/api/sessions/",  # the browsable API
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    assert page.js_errors == []
    assert closed_network == []


def test_api_docs_render_offline_with_redoc_from_the_app(
    page, live_server, closed_network
):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector("h1:has-text('Source-credibility annotation workbench')")
    # Redoc's search runs in its blob: worker.
    page.fill("input[placeholder='Search...']", "rotate")
    page.wait_for_selector("[data-role='search:results'] >> text=Rotate my API token")
    assert page.js_errors == []
    # The one thing refused is Redocly's footer logo on their CDN: nothing
    # outside the app is loaded, and the page does not need it.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert all(logo in message for message in page.csp_violations)
    page.csp_violations.clear()
    assert set(closed_network) <= {logo}
