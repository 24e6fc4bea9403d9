"""Article questions in a real Chromium: answered by keyboard, resolved into gold."""

import os
import shutil
import time

import pytest
from django.test import override_settings

from annotations.models import ArticleAnswers, GoldAnswer
from annotations.services.agreement import agreement_recompute
from annotations.services.article_answers import answers_put
from tests.browser.conftest import ARTIFACTS, api_get, login, open_article
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-123"  # tests.factories.UserFactory's password
SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"
TEXT = (
    "You won't believe what the minister said next. Officials confirmed on "
    "Friday that the talks had ended, citing a ministry report."
)


@pytest.fixture
def team(transactional_db):
    reviewer = UserFactory(username="q_reviewer")
    other = UserFactory(username="q_other")
    adjudicator = UserFactory(username="q_adjudicator")
    article = ArticleFactory(
        external_id="questions-browser", text=TEXT, title="What the minister said"
    )
    session = session_with_team(
        articles=[article], reviewers=[reviewer, other], adjudicators=[adjudicator]
    )
    return session, article, reviewer, other, adjudicator


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _stored(session, article, reviewer):
    row = ArticleAnswers.objects.filter(
        session=session, article=article, reviewer=reviewer
    ).first()
    return row.answers if row else {}


def test_reviewer_answers_the_article_questions_by_keyboard(page, live_server, team):
    session, article, reviewer, other, _ = team
    answers_put(
        session=session,
        article_id=article.pk,
        reviewer=other,
        answers={"emotional_tone": "extremely"},
        version=0,
    )
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    page.wait_for_selector("#questions:not([hidden])")
    # Blind: the other reviewer's answer is not shown.
    assert page.locator("#questions input:checked").count() == 0
    page.locator("body").focus()
    page.keyboard.press("a")  # to the first question
    assert (
        page.evaluate("() => document.activeElement.name")
        == "q-title_representativeness"
    )
    page.keyboard.press("4")  # mostly; moves on to the clickbait question
    page.keyboard.press("4")  # yes: listicle
    page.keyboard.press("2")  # tone: slightly charged
    page.keyboard.press("2")  # source types: experts (a multi-select stays)
    page.keyboard.press("3")  # and studies
    page.keyboard.press("Enter")  # next question
    page.keyboard.press("5")  # calibration: completely
    page.keyboard.press("2")  # non-original content attributed: no
    expected = {
        "title_representativeness": "mostly",
        "clickbait_headline": "listicle",
        "emotional_tone": "slightly",
        "source_types": ["experts", "studies"],
        "confidence_calibration": "completely",
        "non_original_attributed": False,
    }
    _wait_for(lambda: _stored(session, article, reviewer) == expected)
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.id") == "article-text"
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.wait_for_selector("#questions:not([hidden])")
    checked = page.eval_on_selector_all(
        "#questions input:checked", "(inputs) => inputs.map((i) => i.id)"
    )
    assert "q-source_types-experts" in checked and "q-source_types-studies" in checked
    assert "q-non_original_attributed-no" in checked
    assert page.inner_text("#questions-count") == "6 of 6 answered"
    assert page.inner_text("#shortcut-list").count("article questions") == 1
    mine = api_get(
        page, live_server, f"/api/sessions/{session.pk}/articles/{article.pk}/answers/"
    )
    assert mine["answers"] == expected and "by_reviewer" not in mine
    assert page.js_errors == []


def test_adjudicator_resolves_a_disputed_question(page, live_server, team):
    session, article, reviewer, other, adjudicator = team
    for user, value in ((reviewer, "listicle"), (other, "no")):
        answers_put(
            session=session,
            article_id=article.pk,
            reviewer=user,
            answers={"clickbait_headline": value},
            version=0,
        )
    with override_settings(AGREEMENT_BOOTSTRAP_DRAWS=50):
        agreement_recompute(session_id=session.pk)
    login(page, live_server, adjudicator.username, PASSWORD)
    # The dashboard shows the question figures beside the span figures.
    page.goto(f"{live_server.url}/sessions/{session.pk}/dashboard/")
    row = page.wait_for_selector(
        "[data-testid=question-agreement] tr[data-code=clickbait_headline]"
    )
    cells = row.eval_on_selector_all("td", "(tds) => tds.map((td) => td.textContent)")
    # One article, listicle / no: o_ln = o_nl = 1 (n = 2), D_o = 1, D_e = 2/2,
    # alpha = 1 - (n - 1) * 2 / 2 = 0. Then CI, articles, agreed, disputed, adjud.
    assert cells[0] == "nominal" and cells[1] == "0.000"
    assert cells[3:] == ["1", "0", "1", "0"]
    page.goto(f"{live_server.url}/sessions/{session.pk}/disputes/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    card = page.locator("[data-testid=question-dispute]")
    assert card.count() == 1
    assert "q_reviewer" in card.inner_text() and "Yes: listicle" in card.inner_text()
    card.locator("label", has_text="Yes: curiosity gap").click()
    card.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=question-queue-empty]")
    assert "by q_adjudicator" in page.inner_text("[data-testid=status]")
    gold = GoldAnswer.objects.get(session=session, article=article)
    assert gold.question_code == "clickbait_headline"
    assert gold.value == "curiosity_gap" and gold.decided_by == adjudicator
    assert gold.source_answers == {"q_reviewer": "listicle", "q_other": "no"}
    assert page.js_errors == []


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_screenshot_of_the_article_questions_panel(
    page, live_server, team, width, height
):
    session, article, reviewer, _, _ = team
    answers_put(
        session=session,
        article_id=article.pk,
        reviewer=reviewer,
        answers={
            "title_representativeness": "somewhat",
            "clickbait_headline": "curiosity_gap",
            "source_types": ["organisations"],
        },
        version=0,
    )
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    panel = page.wait_for_selector("#questions:not([hidden])")
    # The panel and every option fit the viewport (no sideways scrolling in it).
    wide = page.evaluate(
        """() => [...document.querySelectorAll('#questions, #questions *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth)
            .map((e) => e.tagName + '#' + e.id)"""
    )
    assert wide == [], f"wider than {width} px: {wide}"
    ARTIFACTS.mkdir(exist_ok=True)
    name = (
        "article-questions.png" if width == 1366 else f"article-questions-{width}.png"
    )
    path = ARTIFACTS / name
    if width < 600:  # one column: the panel comes below the text
        panel.scroll_into_view_if_needed()
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, SCREENSHOTS / name)
