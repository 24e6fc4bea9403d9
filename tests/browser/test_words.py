"""Word-snapped selections in the workspace: mouse and keyboard give the same words.

On a Latin text with curly quotes and commas, a Pashto (right-to-left) article
with Latin names, digits, guillemets, a bidi isolate and an emoji ZWJ family, and
a Chinese paragraph: a mouse drag from inside one word to inside another saves
whole words, and the keyboard's word cursor choosing the same words saves the
same offsets. Fixtures: tests/fixtures/word_articles.json.
"""

import json
from pathlib import Path

import pytest

from annotations.models import SpanAnnotation
from annotations.services.spans import annotation_delete
from annotations.text import OffsetMap
from tests.browser.conftest import login, open_article
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "word_articles.json").read_text(
        encoding="utf-8"
    )
)["articles"]
PASSWORD = "words-pass-1"

# Client points for a caret at UTF-16 offsets `start` and `end` of the article text:
# inside the character at `start` on its leading side, inside the one before `end`
# on its trailing side (leading = left in LTR runs, right in RTL runs).
CARET_POINTS_JS = """
([start, end]) => {
  const root = document.getElementById("article-text");
  const pieces = [];
  let joined = "";
  for (const paragraph of root.querySelectorAll("p")) {
    if (joined) joined += "\\n";
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      pieces.push({ node, start: joined.length });
      joined += node.data;
    }
  }
  const box = (offset) => {
    const piece = pieces.find(
      (p) => p.start <= offset && offset < p.start + p.node.data.length,
    );
    const range = document.createRange();
    range.setStart(piece.node, offset - piece.start);
    range.setEnd(piece.node, offset - piece.start + 1);
    const rtl = getComputedStyle(piece.node.parentElement).direction === "rtl";
    return { rect: range.getClientRects()[0], rtl };
  };
  root.scrollIntoView({ block: "start" });
  const first = box(start);
  const last = box(end - 1);
  const y = (r) => (r.top + r.bottom) / 2;
  return {
    from: [first.rtl ? first.rect.right - 1 : first.rect.left + 1, y(first.rect)],
    to: [last.rtl ? last.rect.left + 1 : last.rect.right - 1, y(last.rect)],
  };
}
"""

WORD_INDEXES_JS = """
async ([text, start, end]) => {
  const words = await import("/static/annotations/words.js");
  const list = new words.TextSegments(text).words;
  const at = (offset) => list.findIndex((w) => w.start <= offset && offset < w.end);
  return [at(start), at(end - 1)];
}
"""

SNAP_JS = """
async ([text, start, end]) => {
  const words = await import("/static/annotations/words.js");
  return new words.TextSegments(text).snap(start, end);
}
"""


@pytest.fixture
def word_session(transactional_db):
    reviewer = UserFactory(username="word_reviewer", password=PASSWORD)
    articles = {
        name: ArticleFactory(
            external_id=f"words-{name}", title=fixture["title"], text=fixture["text"]
        )
        for name, fixture in FIXTURES.items()
    }
    session = session_with_team(articles=list(articles.values()), reviewers=[reviewer])
    assert session.granularity == "word"
    return session, articles, reviewer


def _selection(text: str, target: dict) -> tuple[int, int]:
    """UTF-16 offsets from inside the `from` word to inside the `to` word."""
    offsets = OffsetMap(text)
    first = text.index(target["from"])
    last = text.index(target["to"], first) + len(target["to"])
    return offsets.to_utf16(first) + 1, offsets.to_utf16(last) - 1


def _label_and_save(page) -> None:
    page.wait_for_selector("#editor:not([hidden])")
    page.keyboard.press("s")  # quoted_statement
    page.keyboard.press("2")  # named_on_record
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")


def _saved(session, reviewer) -> SpanAnnotation:
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer)
    assert span.quote == span.article.text[span.start : span.end]
    return span


def _mouse(page, start16: int, end16: int) -> None:
    points = page.evaluate(CARET_POINTS_JS, [start16, end16])
    page.mouse.move(*points["from"])
    page.mouse.down()
    page.mouse.move(*points["to"], steps=6)
    page.mouse.up()


def _keyboard(page, text: str, start16: int, end16: int, rtl: bool) -> None:
    first, last = page.evaluate(WORD_INDEXES_JS, [text, start16, end16])
    assert 0 <= first <= last
    forward = "ArrowLeft" if rtl else "ArrowRight"
    page.focus("#article-text")
    page.keyboard.press("Home")
    for _ in range(first):
        page.keyboard.press(forward)
    for _ in range(last - first):
        page.keyboard.press(f"Shift+{forward}")
    page.keyboard.press("Enter")


@pytest.mark.parametrize("name", ["latin", "pashto", "cjk"])
def test_mouse_mid_word_and_keyboard_save_the_same_whole_words(
    page, live_server, word_session, name
):
    session, articles, reviewer = word_session
    article = articles[name]
    text = article.text
    fixture = FIXTURES[name]
    login(page, live_server, reviewer.username, PASSWORD)
    for target in fixture["targets"]:
        start16, end16 = _selection(text, target)
        open_article(page, live_server, session.pk, article.pk)
        _mouse(page, start16, end16)
        _label_and_save(page)
        by_mouse = _saved(session, reviewer)
        if target["words"] is not None:
            assert by_mouse.quote == target["words"], target
        else:  # dictionary words: the browser's own segmentation decides
            snapped = page.evaluate(SNAP_JS, [text, start16, end16])
            offsets = OffsetMap(text)
            assert (by_mouse.start, by_mouse.end) == (
                offsets.to_codepoint(snapped["start"]),
                offsets.to_codepoint(snapped["end"]),
            )
            # Outward: the saved words hold all that was selected.
            selected = (offsets.to_codepoint(start16), offsets.to_codepoint(end16))
            assert by_mouse.start <= selected[0] and selected[1] <= by_mouse.end
        annotation_delete(span_id=by_mouse.pk, actor=reviewer)
        open_article(page, live_server, session.pk, article.pk)
        _keyboard(page, text, start16, end16, rtl=fixture["direction"] == "rtl")
        _label_and_save(page)
        by_keyboard = _saved(session, reviewer)
        assert (by_keyboard.start, by_keyboard.end, by_keyboard.quote) == (
            by_mouse.start,
            by_mouse.end,
            by_mouse.quote,
        ), target
        annotation_delete(span_id=by_keyboard.pk, actor=reviewer)
    assert page.js_errors == []
