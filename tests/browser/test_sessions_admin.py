"""A lead sets up a balanced session in Chromium; reviewers walk their queues.

The lead creates the session (k = 2, three reviewers, four articles) on the New
session page; each reviewer then sees exactly the articles the plan gives
them, walks them with "Next article", and is refused an article that is not
theirs (404 page, 403 from the API).
"""

import pytest
from django.contrib.auth.models import Permission

from annotations.models import AnnotationSession, Assignment, SessionArticle
from annotations.services.schemes import scheme_ensure_default
from tests.browser.conftest import ARTIFACTS, login
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-123"  # the factories' password
SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"


def _people():
    # A live-server test runs on a flushed database: the default scheme the
    # migration made may be gone, so make sure the page has one to offer.
    scheme_ensure_default()
    lead = UserFactory(username="lead_lena")
    lead.user_permissions.add(Permission.objects.get(codename="manage_sessions"))
    reviewers = [UserFactory(username=f"rev_{name}") for name in ("ana", "ben", "cai")]
    UserFactory(username="bystander")
    articles = [
        ArticleFactory(
            title=f"Ceasefire report {n}",
            text=f"Report {n}. Officials said “the talks are over” on Friday.",
        )
        for n in range(1, 5)
    ]
    return lead, reviewers, articles


def _new_context(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text)
        if "Content Security Policy" in m.text
        else None,
    )
    return context, page, refused


def _create_session(page, live_server, reviewers, articles):
    page.click("[data-testid=new-session-link]")
    page.wait_for_url(f"{live_server.url}/sessions/new/")
    page.fill("#id_name", "Ceasefire week 1")
    page.fill("#id_required_reviewers", "2")
    page.check("#id_assignment_balanced")
    for reviewer in reviewers:
        page.select_option(f"#role_{reviewer.pk}", "reviewer")
    page.fill("#article-filter", "Ceasefire")
    page.click("[data-check-shown='#article-list']")
    checked = page.locator("#article-list input[name=articles]:checked").count()
    assert checked == len(articles)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=str(SCREENSHOTS / "new-session.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "new-session-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    with page.expect_navigation():
        page.click("[data-testid=create-session]")
    errors = page.locator("[data-testid=form-errors]")
    assert errors.count() == 0, errors.inner_text()
    page.wait_for_url("**/manage/")
    session = AnnotationSession.objects.get(name="Ceasefire week 1")
    page.screenshot(path=str(ARTIFACTS / "session-manage.png"), full_page=True)
    return session


def _assigned(session, reviewer):
    order = dict(
        SessionArticle.objects.filter(session=session).values_list(
            "article_id", "position"
        )
    )
    ids = Assignment.objects.filter(session=session, reviewer=reviewer).values_list(
        "article_id", flat=True
    )
    return sorted(ids, key=order.__getitem__)


def _walk_queue(page, live_server, session, expected):
    page.goto(f"{live_server.url}/sessions/{session.pk}/queue/")
    shown = [
        int(value)
        for value in page.locator("[data-testid=queue] li").evaluate_all(
            "(items) => items.map((item) => item.dataset.articleId)"
        )
    ]
    assert shown == expected
    page.click("[data-testid=queue-start]")
    visited = []
    for _ in expected:
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        visited.append(int(page.locator("#workspace").get_attribute("data-article-id")))
        page.click("#done-button")
        page.wait_for_function(
            "() => document.getElementById('done-button').textContent === 'Reopen'"
        )
        if len(visited) < len(expected):
            page.click("[data-testid=next-article]")
    assert visited == expected
    page.click("[data-testid=queue-done]")
    page.wait_for_url("**/queue/")
    total = len(expected)
    assert f"{total} of {total} assigned articles done" in page.text_content(
        "[data-testid=queue-progress]"
    )


def test_lead_sets_up_a_balanced_session_and_reviewers_walk_their_queues(
    page, browser, live_server
):
    lead, reviewers, articles = _people()
    login(page, live_server, lead.username, PASSWORD)
    session = _create_session(page, live_server, reviewers, articles)
    assert session.created_by == lead
    assert session.assignment == "balanced" and session.required_reviewers == 2
    matrix = page.locator("[data-testid=assignment-matrix] tbody tr")
    assert matrix.count() == 4
    for article in articles:
        assert Assignment.objects.filter(session=session, article=article).count() == 2
    all_ids = {article.pk for article in articles}
    # 4 articles x k=2 = 8 pairs over three reviewers: loads 3, 3, 2.
    assert sorted(len(_assigned(session, r)) for r in reviewers) == [2, 3, 3]
    for reviewer in reviewers:
        expected = _assigned(session, reviewer)
        context, other, refused = _new_context(browser)
        try:
            login(other, live_server, reviewer.username, PASSWORD)
            _walk_queue(other, live_server, session, expected)
            stranger = min(all_ids - set(expected))
            response = other.goto(
                f"{live_server.url}/sessions/{session.pk}/articles/{stranger}/"
            )
            assert response.status == 404
            api = other.request.get(
                f"{live_server.url}/api/sessions/{session.pk}/articles/{stranger}/"
            )
            assert api.status == 403
            other.screenshot(path=str(ARTIFACTS / f"queue-{reviewer.username}.png"))
            assert refused == []
        finally:
            context.close()
