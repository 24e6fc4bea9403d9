"""Right-to-left rendering, Undo (a deleted span, a gold decision), the span panel's
place on narrow and laptop screens, and the adjudicator's word-snapped edit."""

import json
import os
import shutil
from pathlib import Path

import pytest

from annotations.models import AgreementStatus, AgreementUnit, GoldSpan, SpanAnnotation
from annotations.services.agreement import agreement_recompute
from annotations.services.review import review_state_set
from annotations.services.spans import annotation_create
from tests.browser.conftest import ARTIFACTS, api_get, login, open_article
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PASHTO = json.loads(
    (ROOT / "tests" / "fixtures" / "word_articles.json").read_text(encoding="utf-8")
)["articles"]["pashto"]
PASSWORD = "rtl-pass-1"
QUOTE = "د 2025 کال تړون"


def _span(session, article, reviewer, quote, claim_type="quoted_statement"):
    start = article.text.index(quote)
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=reviewer,
        start=start,
        end=start + len(quote),
        quote=quote,
        claim_type=claim_type,
        sourcing_quality="named_on_record",
        cited_source="Khawaja Asif",
    )


@pytest.fixture
def pashto(transactional_db):
    reviewer = UserFactory(username="rtl_reviewer", password=PASSWORD)
    article = ArticleFactory(
        external_id="pashto-talks", title=PASHTO["title"], text=PASHTO["text"]
    )
    session = session_with_team(articles=[article], reviewers=[reviewer])
    span = _span(session, article, reviewer, QUOTE)
    return session, article, reviewer, span


# The article's layout: direction, where its first character sits, and what is
# under the middle of each character of the span (hit-testing the highlight).
LAYOUT_JS = """
(spanId) => {
  const root = document.getElementById("article-text");
  const first = root.querySelector("p").firstChild;
  const range = document.createRange();
  range.setStart(first, 0);
  range.setEnd(first, 1);
  const firstBox = range.getBoundingClientRect();
  const box = root.getBoundingClientRect();
  const segments = [...root.querySelectorAll(".seg")].filter(
    (s) => s.dataset.spans.split(" ").includes(String(spanId)),
  );
  const hits = [];
  for (const segment of segments) {
    const node = segment.firstChild;
    for (let i = 0; i < node.length; i += 1) {
      if (/\\s/.test(node.data[i])) continue;
      const r = document.createRange();
      r.setStart(node, i);
      r.setEnd(node, i + 1);
      const b = r.getBoundingClientRect();
      const x = (b.left + b.right) / 2;
      const under = document.elementFromPoint(x, (b.top + b.bottom) / 2);
      hits.push(Boolean(under && under.closest(".seg") === segment));
    }
  }
  return {
    dir: root.dir,
    direction: getComputedStyle(root).direction,
    firstRightGap: box.right - firstBox.right,
    firstLeftGap: firstBox.left - box.left,
    highlighted: segments.map((s) => s.textContent).join(""),
    hits,
    listDir: document.querySelector(".span-item-quote").getAttribute("dir"),
  };
}
"""


def _save_screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / "screenshots" / name)


def test_rtl_article_renders_right_to_left_with_highlights_on_its_words(
    page, live_server, pashto
):
    session, article, reviewer, span = pashto
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    layout = page.evaluate(LAYOUT_JS, span.pk)
    assert layout["dir"] == "rtl" and layout["direction"] == "rtl"
    # The first letter sits at the right edge of the text box, not the left.
    assert layout["firstRightGap"] < 60 < layout["firstLeftGap"]
    assert layout["highlighted"] == QUOTE
    assert layout["hits"] and all(layout["hits"])
    assert layout["listDir"] == "auto"
    data = api_get(page, live_server, f"/api/sessions/{session.pk}/spans/{span.pk}/")
    assert data["quote"] == QUOTE == article.text[data["start"] : data["end"]]
    page.click(f".span-item[data-span-id='{span.pk}']")
    page.wait_for_selector("#editor:not([hidden])")
    assert page.inner_text("#editor-quote") == QUOTE
    _save_screenshot(page, "rtl.png")
    page.set_viewport_size({"width": 390, "height": 844})
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rtl-390.png"))
    assert page.js_errors == []


def test_panel_is_a_bottom_sheet_at_390px_and_fits_a_laptop_screen(
    page, live_server, pashto
):
    session, article, reviewer, span = pashto
    login(page, live_server, reviewer.username, PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    open_article(page, live_server, session.pk, article.pk)
    page.click(f".span-item[data-span-id='{span.pk}']")
    page.wait_for_selector("#editor:not([hidden])")
    sheet = page.evaluate(
        """() => {
          const r = document.getElementById("editor").getBoundingClientRect();
          const save = document.getElementById("save-button").getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, height: innerHeight, width: r.width,
                  saveBottom: save.bottom, position: getComputedStyle(
                    document.getElementById("editor")).position};
        }"""
    )
    assert sheet["position"] == "fixed"
    assert (
        sheet["bottom"] <= sheet["height"] + 1 and sheet["top"] > 0.3 * sheet["height"]
    )
    assert sheet["saveBottom"] <= sheet["height"] and sheet["width"] >= 389
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "panel-390.png"))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.evaluate("() => window.scrollTo(0, 0)")
    visible = page.evaluate(
        """() => {
          const side = document.querySelector(".side").getBoundingClientRect();
          const inView = (el) => {
            const r = el.getBoundingClientRect();
            return r.top >= Math.max(side.top, 0) - 1
              && r.bottom <= Math.min(side.bottom, innerHeight) + 1;
          };
          const levels = [...document.querySelectorAll("#sourcing-levels .choice")];
          return {levels: levels.length > 0 && levels.every(inView),
                  save: inView(document.getElementById("save-button")),
                  scrolled: document.querySelector(".side").scrollTop};
        }"""
    )
    assert visible == {"levels": True, "save": True, "scrolled": 0}
    page.screenshot(path=str(ARTIFACTS / "panel-1366.png"))


def test_undo_restores_a_deleted_span(page, live_server, pashto):
    session, article, reviewer, span = pashto
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    page.click(f".span-item[data-span-id='{span.pk}']")
    page.wait_for_selector("#editor:not([hidden])")
    page.click("#delete-button")
    page.wait_for_selector("#undo-bar:not([hidden])")
    assert not SpanAnnotation.objects.filter(pk=span.pk).exists()
    assert page.locator(".span-item").count() == 0
    page.click("#undo-button")
    page.wait_for_selector(f".span-item[data-span-id='{span.pk}']")
    restored = SpanAnnotation.objects.get(pk=span.pk)
    assert (restored.start, restored.end, restored.quote) == (
        span.start,
        span.end,
        QUOTE,
    )
    assert restored.version == span.version + 1
    assert page.locator("#undo-bar").is_hidden()
    assert page.js_errors == []


TALKS = "Asif said “the talks are over,” on Friday in Istanbul."


@pytest.fixture
def dispute(transactional_db):
    ann, bob = UserFactory(username="ann_undo"), UserFactory(username="bob_undo")
    judge = UserFactory(username="judge_undo", password=PASSWORD)
    article = ArticleFactory(external_id="undo-talks", text=TALKS)
    session = session_with_team(
        articles=[article], reviewers=[ann, bob], adjudicators=[judge]
    )
    for reviewer, claim_type in [(ann, "quantity"), (bob, "event_action")]:
        _span(session, article, reviewer, "the talks are over", claim_type)
        review_state_set(
            session_id=session.pk, article_id=article.pk, reviewer=reviewer, done=True
        )
    agreement_recompute(session_id=session.pk, bootstrap_draws=10)
    unit = AgreementUnit.objects.get(session=session)
    assert unit.status == AgreementStatus.DISPUTED
    return session, unit, judge


def _unit_status(page, status: str) -> None:
    page.wait_for_function(
        "(status) => document.querySelector('[data-testid=unit-status]')"
        ".textContent === status",
        arg=status,
    )


def test_undo_reverts_a_gold_decision_taken_by_one_key(page, live_server, dispute):
    session, unit, judge = dispute
    login(page, live_server, judge.username, PASSWORD)
    page.goto(f"{live_server.url}/sessions/{session.pk}/disputes/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.locator("#dispute-title").focus()
    page.keyboard.press("a")
    page.wait_for_selector("#undo-bar:not([hidden])")
    gold = GoldSpan.objects.get(session=session, is_current=True)
    assert gold.decision == "accepted" and gold.revision == 1
    page.keyboard.press("u")
    _unit_status(page, "disputed")
    assert not GoldSpan.objects.filter(session=session, is_current=True).exists()
    assert GoldSpan.objects.filter(session=session).count() == 1  # history kept
    assert "Undone" in page.inner_text("[data-testid=status]")
    # Two decisions, then undo: the first comes back as a new revision.
    page.keyboard.press("a")
    _unit_status(page, "adjudicated")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=status]').textContent"
        ".startsWith('Decided: accept')"
    )
    page.keyboard.press("r")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=status]').textContent"
        ".startsWith('Decided: reject')"
    )
    page.click("#undo-bar #undo-button")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=status]').textContent"
        ".includes('previous decision is back')"
    )
    current = GoldSpan.objects.get(session=session, is_current=True)
    assert current.decision == "accepted" and current.revision == 4
    assert AgreementUnit.objects.get(pk=unit.pk).status == "adjudicated"
    assert page.js_errors == []


def test_adjudicator_edit_snaps_a_mid_word_selection_to_words(
    page, live_server, dispute
):
    session, unit, judge = dispute
    assert session.granularity == "word"
    login(page, live_server, judge.username, PASSWORD)
    page.goto(f"{live_server.url}/sessions/{session.pk}/disputes/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.locator("#dispute-title").focus()
    page.keyboard.press("e")
    page.evaluate(
        """(words) => {
          const mark = document.querySelector('#context mark');
          const node = mark.firstChild;
          const at = node.data.indexOf(words);
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + words.length);
          window.getSelection().removeAllRanges();
          window.getSelection().addRange(range);
          document.getElementById('context').dispatchEvent(
            new MouseEvent('mouseup', { bubbles: true }),
          );
        }""",
        "alks are ov",
    )
    words = "talks are over"
    assert page.input_value("#edit-start") == str(TALKS.index(words))
    assert page.input_value("#edit-end") == str(TALKS.index(words) + len(words))
    assert page.inner_text("#edit-quote") == words
