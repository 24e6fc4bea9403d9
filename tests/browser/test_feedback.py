"""Reviewer feedback on the annotate page: gold that differs, shown in place."""

import pytest

from annotations.models import AgreementUnit, SpanAnnotation
from annotations.services.adjudication import gold_decide
from annotations.services.agreement import agreement_recompute
from annotations.services.spans import annotation_create
from tests.browser.conftest import ARTIFACTS, login, open_article
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"
TEXT = (
    "Asif 😀 said “the talks are over” on Friday.\n"
    "Prices rose 40% in March, the statistics bureau said in its monthly report. "
    "🇵🇰 Tarar agreed that the ceasefire would hold."
)
QUOTE = "“the talks are over”"
PRICES = "Prices rose 40% in March"
TARAR = "Tarar agreed that the ceasefire would hold"


def _span(session, article, reviewer, quote, claim, sourcing="named_on_record"):
    start = TEXT.index(quote)
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=reviewer,
        start=start,
        end=start + len(quote),
        quote=quote,
        claim_type=claim,
        sourcing_quality=sourcing,
        cited_source="",
    )


def _world():
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    judge = UserFactory(username="judge")
    article = ArticleFactory(external_id="feedback-ui", title="Talks", text=TEXT)
    session = session_with_team(
        articles=[article], reviewers=[ann, bob], adjudicators=[judge]
    )
    session.reviewer_feedback = True
    session.save(update_fields=["reviewer_feedback"])
    mine = _span(session, article, ann, QUOTE, "event_action")
    _span(session, article, ann, TARAR, "rule_or_agreement")
    _span(session, article, bob, QUOTE, "quantity")
    theirs = _span(session, article, bob, PRICES, "quantity", "named_institution")
    agreement_recompute(session_id=session.pk, force=True, bootstrap_draws=10)
    quote_unit = AgreementUnit.objects.get(session=session, spans=mine)
    start = TEXT.index(QUOTE)
    gold_decide(
        unit_id=quote_unit.pk,
        adjudicator=judge,
        decision="edited",
        start=start,
        end=start + len(QUOTE),
        claim_type="quantity",
        sourcing_quality="named_on_record",
    )
    prices_unit = AgreementUnit.objects.get(session=session, spans=theirs)
    gold_decide(
        unit_id=prices_unit.pk,
        adjudicator=judge,
        decision="accepted",
        accept_span_id=theirs.pk,
    )
    return session, article


def test_reviewer_sees_differing_gold_in_place_and_figures(page, live_server):
    session, article = _world()
    login(page, live_server, "ann", "pw-test-123")
    open_article(page, live_server, session.pk, article.pk)
    page.wait_for_function("() => document.body.dataset.feedback === '1'")
    panel = page.get_by_test_id("feedback-panel")
    assert panel.is_visible()
    figures = panel.locator("#feedback-figures").inner_text()
    # ann: 2 spans, gold 2 (quote, prices); 1 exact hit -> F1 = 2/(2+2) = 50%
    assert "Span F1 (exact offsets)\n50%" in figures.replace("\t", "\n")
    # the one matched span's claim type differs from gold: 0% labels as gold
    assert "Labels as gold\n0%" in figures.replace("\t", "\n")
    items = panel.get_by_test_id("feedback-item").all_inner_texts()
    assert items[0].startswith("1. “" + QUOTE)
    assert "claim type: gold says Quantity, you said Event" in items[0]
    assert "missed" in items[1] and PRICES in items[1]
    assert "bob" not in panel.inner_text()
    differs = page.get_by_test_id("feedback-gold-differs").first
    tag = differs.locator(".fb-tag")
    assert "gold says Quantity, you said Event" in tag.get_attribute("title")
    # the outline sits over the quote's words in the text
    box = differs.bounding_box()
    words = page.evaluate(
        """(quote) => {
          const root = document.getElementById("article-text");
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const i = n.data.indexOf(quote);
            if (i >= 0) {
              const r = document.createRange();
              r.setStart(n, i); r.setEnd(n, i + quote.length);
              const b = r.getBoundingClientRect();
              return { x: b.x, y: b.y, width: b.width, height: b.height };
            }
          }
          return null;
        }""",
        "the talks are over",
    )
    assert words is not None
    assert box["x"] <= words["x"] + 1
    assert box["x"] + box["width"] >= words["x"] + words["width"] - 1
    assert abs(box["y"] - words["y"]) < 8
    assert page.get_by_test_id("feedback-gold-missed").count() >= 1
    assert SpanAnnotation.objects.filter(session=session).count() == 4
    assert page.js_errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(200)
    page.screenshot(path=str(SCREENSHOTS / "feedback.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    page.screenshot(path=str(ARTIFACTS / "feedback-390.png"), full_page=True)
    # narrow: the outline still follows the quote (redrawn on resize)
    assert page.get_by_test_id("feedback-gold-differs").count() >= 1


def test_no_panel_while_feedback_is_off(page, live_server):
    session, article = _world()
    session.reviewer_feedback = False
    session.save(update_fields=["reviewer_feedback"])
    login(page, live_server, "ann", "pw-test-123")
    open_article(page, live_server, session.pk, article.pk)
    page.wait_for_timeout(300)
    assert page.get_by_test_id("feedback-panel").is_hidden()
    assert page.get_by_test_id("feedback-gold-differs").count() == 0
