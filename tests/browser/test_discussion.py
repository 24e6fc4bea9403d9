"""The disputes page's discussion in Chromium: text stays text, unread badges, note."""

import json

import pytest

from annotations.models import (
    AgreementStatus,
    ArticleNote,
    GoldAnswer,
    GoldSpan,
    UnitComment,
)
from annotations.services import recompute
from annotations.services.article_answers import answers_put
from tests.browser.conftest import api_get, login
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, UserFactory, session_with_team
from tests.plugins.adjudication import make_span, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-123"  # tests.factories.UserFactory
PAYLOADS = [
    '<img src=x onerror="window.__xss = 1">',
    "<script>window.__xss = 2</script>",
    '"><svg onload="window.__xss = 3"></svg>',
]
TEXT = "Asif said “the talks are over” on Friday in Istanbul 😀 after four days."


@pytest.fixture
def disputes(monkeypatch):
    monkeypatch.setattr(recompute, "agreement_enqueue", lambda **kwargs: None)
    first = UserFactory(username="adjudicator_one")
    second = UserFactory(username="adjudicator_two")
    reviewers = [UserFactory(username=f"rev_{n}") for n in (1, 2)]
    article = ArticleFactory(external_id="talks", text=TEXT, title="Talks")
    session = session_with_team(
        articles=[article], reviewers=reviewers, adjudicators=[first, second]
    )
    talks = [
        make_span(
            session,
            article,
            reviewers[0],
            "the talks are over",
            "event_action",
            "unsupported",
        ),
        make_span(
            session,
            article,
            reviewers[1],
            "“the talks are over”",
            "quoted_statement",
            "named_on_record",
            "Asif",
        ),
    ]
    unit = make_unit(session, article, "talks-1", talks)
    friday = [
        make_span(session, article, who, "on Friday", "event_action", "unsupported")
        for who in reviewers
    ]
    decided = make_unit(
        session, article, "friday-1", friday, AgreementStatus.ADJUDICATED
    )
    for payload in PAYLOADS[:2]:
        response = api_client_for(second).post(
            f"/api/sessions/{session.pk}/units/{unit.pk}/comments/",
            {"text": payload},
            format="json",
        )
        assert response.status_code == 201
    return {
        "session": session,
        "unit": unit,
        "decided": decided,
        "first": first,
        "reviewers": reviewers,
    }


def comment_texts(page):
    return page.locator("[data-testid=comment-text]").all_text_contents()


def test_comment_payloads_stay_inert_text_and_unread_clears(
    page, live_server, disputes
):
    session, unit = disputes["session"], disputes["unit"]
    login(page, live_server, "adjudicator_one", PASSWORD)
    page.goto(f"{live_server.url}/sessions/{session.pk}/disputes/?unit={unit.pk}")
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("document.body.dataset.unitId") == str(unit.pk)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=comment-text]').length === 2"
    )
    assert comment_texts(page) == PAYLOADS[:2]
    # Shown as new on arrival (written by the other adjudicator) ...
    assert page.locator(".comment--unread").count() == 2
    # ... then read: the queue's badge goes away.
    queue_item = page.locator(f".queue-item[data-unit-id='{unit.pk}']")
    queue_item.locator("[data-testid=unread-badge]").wait_for(state="detached")

    page.fill("#comment-text", PAYLOADS[2])
    page.click("#comment-post")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=comment-text]').length === 3"
    )
    assert comment_texts(page) == PAYLOADS
    assert page.locator("#comments img, #comments script, #comments svg").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.js_errors == []
    stored = UnitComment.objects.order_by("pk").last()
    assert stored.text == PAYLOADS[2] and stored.author == disputes["first"]

    page.fill("#article-note", "<b>Check</b> the wire copy")
    page.click("#note-save")
    page.wait_for_function(
        "() => document.getElementById('note-meta')"
        ".textContent.includes('adjudicator_one')"
    )
    assert ArticleNote.objects.get().text == "<b>Check</b> the wire copy"
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_function("() => document.getElementById('article-note').value !== ''")
    assert page.input_value("#article-note") == "<b>Check</b> the wire copy"
    assert page.evaluate("window.__xss") is None


def test_new_comments_show_a_badge_in_the_queue(page, live_server, disputes):
    session, unit, decided = disputes["session"], disputes["unit"], disputes["decided"]
    login(page, live_server, "adjudicator_one", PASSWORD)
    # Opening the decided unit (the ClaimReview permalink) widens the queue.
    page.goto(f"{live_server.url}/sessions/{session.pk}/disputes/?unit={decided.pk}")
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("document.body.dataset.unitId") == str(decided.pk)
    assert page.input_value("#queue-filter") == "all"
    badge = page.locator(
        f".queue-item[data-unit-id='{unit.pk}'] [data-testid=unread-badge]"
    )
    assert badge.text_content() == "2 new"


def test_adjudicator_reads_the_thread_then_resolves_a_question_and_a_span(
    page, live_server, disputes
):
    """The chain: open the disputes queue, read the unit's thread, decide the
    disputed article question and the span dispute, both into gold."""
    session, unit = disputes["session"], disputes["unit"]
    article = unit.article
    for reviewer, value in zip(disputes["reviewers"], ("listicle", "no"), strict=True):
        answers_put(
            session=session,
            article_id=article.pk,
            reviewer=reviewer,
            answers={"clickbait_headline": value},
            version=0,
        )
    login(page, live_server, "adjudicator_one", PASSWORD)
    page.goto(f"{live_server.url}/sessions/{session.pk}/dashboard/")
    page.click("[data-testid=disputes-link]")
    page.wait_for_url(f"{live_server.url}/sessions/{session.pk}/disputes/")
    page.wait_for_selector("body[data-ready='1']")
    # The queue opens at the disputed unit; its thread is read there.
    assert page.evaluate("document.body.dataset.unitId") == str(unit.pk)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=comment-text]').length === 2"
    )
    assert comment_texts(page) == PAYLOADS[:2]
    page.locator(
        f".queue-item[data-unit-id='{unit.pk}'] [data-testid=unread-badge]"
    ).wait_for(state="detached")
    thread = api_get(
        page, live_server, f"/api/sessions/{session.pk}/units/{unit.pk}/comments/"
    )
    assert thread["unread"] == 0
    assert page.evaluate("window.__xss") is None

    # The disputed article question, into a gold answer.
    card = page.locator("[data-testid=question-dispute]")
    assert card.count() == 1
    assert "rev_1" in card.inner_text() and "Yes: listicle" in card.inner_text()
    card.locator("label", has_text="Yes: teasing question").click()
    card.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=question-queue-empty]")
    gold_answer = GoldAnswer.objects.get(session=session, article=article)
    assert (gold_answer.question_code, gold_answer.value) == (
        "clickbait_headline",
        "question",
    )
    assert gold_answer.decided_by == disputes["first"]
    assert gold_answer.source_answers == {"rev_1": "listicle", "rev_2": "no"}

    # The span dispute, by keyboard: accept version B (rev_2's quote).
    b_card = page.locator(".version[data-letter=B]")
    assert "rev_2" in b_card.inner_text()
    page.locator("#dispute-title").focus()
    page.keyboard.press("b")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=status]')"
        ".textContent.includes('Decided: accept version B')"
    )
    gold = GoldSpan.objects.get(session=session, unit_key=unit.key, is_current=True)
    assert gold.decision == GoldSpan.Decision.ACCEPTED
    assert gold.quote == "“the talks are over”"
    assert gold.accepted_reviewer.username == "rev_2"
    assert gold.decided_by == disputes["first"]
    assert gold.claim_type.code == "quoted_statement"
    # Both decisions show as made; nothing else was touched.
    answers = api_get(
        page,
        live_server,
        f"/api/sessions/{session.pk}/articles/{article.pk}/gold-answers/",
    )
    assert "clickbait_headline" in json.dumps(answers)
    assert UnitComment.objects.filter(session=session).count() == 2
    assert page.js_errors == []
