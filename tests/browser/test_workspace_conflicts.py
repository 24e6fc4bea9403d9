"""The span panel when the span changed or went away in another tab."""

import pytest

from annotations.models import SpanAnnotation
from annotations.services.spans import (
    annotation_create,
    annotation_delete,
    annotation_update,
)
from tests.browser.conftest import login, open_article, span_results
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-123"  # tests.factories.UserFactory's password
TEXT = "Asif 😀 said “the talks are over” on Friday in Istanbul."
PHRASE = "the talks are over"


@pytest.fixture
def own_span(transactional_db):
    reviewer = UserFactory(username="conflict_reviewer")
    article = ArticleFactory(external_id="conflicts", text=TEXT)
    session = session_with_team(articles=[article], reviewers=[reviewer])
    start = TEXT.index(PHRASE)
    span = annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=reviewer,
        start=start,
        end=start + len(PHRASE),
        quote=PHRASE,
        claim_type="quoted_statement",
        sourcing_quality="named_on_record",
    )
    return session, article, reviewer, span


def test_edit_of_a_span_deleted_elsewhere_can_be_saved_as_a_new_span(
    page, live_server, own_span
):
    session, article, reviewer, span = own_span
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    page.click(f".span-item[data-span-id='{span.pk}']")
    page.fill("#note", "written before the delete")
    annotation_delete(span_id=span.pk, actor=reviewer)
    page.click("#save-button")
    page.locator("#messages .message--error").wait_for()
    assert "deleted elsewhere" in page.inner_text("#messages")
    assert page.inner_text("#editor-title") == "New span"
    assert page.is_hidden("#delete-button")
    assert page.input_value("#note") == "written before the delete"
    assert page.locator("#span-list .span-item").count() == 0
    page.click("#save-button")
    page.wait_for_selector("#editor", state="hidden")
    (saved,) = span_results(page, live_server, session.pk, article.pk)
    start = TEXT.index(PHRASE)  # code points, after the emoji
    assert (saved["start"], saved["end"], saved["quote"]) == (
        start,
        start + len(PHRASE),
        PHRASE,
    )
    assert saved["note"] == "written before the delete"
    assert saved["id"] != span.pk
    assert page.js_errors == []


def test_delete_of_a_span_changed_elsewhere_is_refused_and_shows_the_saved_version(
    page, live_server, own_span
):
    session, article, reviewer, span = own_span
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    page.click(f".span-item[data-span-id='{span.pk}']")
    annotation_update(
        span_id=span.pk, actor=reviewer, expected_version=1, note="from the other tab"
    )
    page.click("#delete-button")
    page.locator("#messages .message--error").wait_for()
    assert "The span was not deleted" in page.inner_text("#messages")
    assert "from the other tab" in page.inner_text("#server-version")
    # Fields the user left alone take the saved values.
    assert page.input_value("#note") == "from the other tab"
    page.click("#delete-button")
    page.wait_for_selector("#editor", state="hidden")
    assert not SpanAnnotation.objects.filter(pk=span.pk).exists()
    assert page.inner_text("#span-count") == "0 spans"
    assert page.js_errors == []
