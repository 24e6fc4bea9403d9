"""The shared offsets module in Chromium, and the disputes page's edit that uses it."""

import pytest

from annotations.models import AgreementStatus, AgreementUnit, GoldSpan
from annotations.services.agreement import agreement_recompute
from annotations.services.review import review_state_set
from annotations.services.spans import annotation_create
from tests.browser.conftest import login
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-123"  # tests.factories.UserFactory's password
TEXT = "a😀 b🇵🇰 \u00a0c\n😀 the talks are over 😀 today."

# Loads /static/annotations/offsets.js into the page and runs its functions.
OFFSETS_JS = """
async (text) => {
  const offsets = await import("/static/annotations/offsets.js");
  const utf16 = [...Array(text.length + 1).keys()];
  const points = [...Array([...text].length + 1).keys()];
  return {
    map: offsets.codePointToUtf16Map(text),
    toUtf16: points.map((p) => offsets.codePointToUtf16(text, p)),
    toPoint: utf16.map((u) => offsets.utf16ToCodePoint(text, u)),
    whole: offsets.wholeCodePoints(text, 2, 6),
    trimmed: offsets.trimWhitespace(text, 9, 13),
    blank: offsets.trimWhitespace(text, 9, 11),
  };
}
"""


def _utf16_start(text: str, point: int) -> int:
    return len(text[:point].encode("utf-16-le")) // 2


def test_offsets_module_converts_utf16_and_code_points_like_python(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    result = page.evaluate(OFFSETS_JS, TEXT)
    points = range(len(TEXT) + 1)  # Python counts code points
    assert result["map"] == [_utf16_start(TEXT, p) for p in points]
    assert result["toUtf16"] == result["map"]
    # Each UTF-16 offset maps to the code point it starts; inside a pair, the next.
    expected = []
    for unit in range(result["map"][-1] + 1):
        expected.append(next(p for p in points if result["map"][p] >= unit))
    assert result["toPoint"] == expected
    # UTF-16 2..6 cuts 😀 (units 1-2) and 🇵🇰 (units 5-8) in half: widened to both.
    assert result["whole"] == {"start": 1, "end": 7}
    # " \u00a0c\n" after 🇵🇰: the spaces (a no-break space, the newline) snap off.
    assert result["trimmed"] == {"start": 11, "end": 12}
    assert result["blank"] is None


def test_dispute_edit_by_selecting_words_after_emoji_sends_code_points(
    page, live_server, transactional_db
):
    ann, bob = UserFactory(username="ann_offsets"), UserFactory(username="bob_offsets")
    judge = UserFactory(username="judge_offsets")
    article = ArticleFactory(external_id="offsets", text=TEXT)
    session = session_with_team(
        articles=[article], reviewers=[ann, bob], adjudicators=[judge]
    )
    phrase = "the talks are over"
    start = TEXT.index(phrase)
    for reviewer, claim_type in [(ann, "quantity"), (bob, "event_action")]:
        annotation_create(
            session_id=session.pk,
            article_id=article.pk,
            reviewer=reviewer,
            start=start,
            end=start + len(phrase),
            quote=phrase,
            claim_type=claim_type,
            sourcing_quality="named_on_record",
        )
        review_state_set(
            session_id=session.pk, article_id=article.pk, reviewer=reviewer, done=True
        )
    agreement_recompute(session_id=session.pk, bootstrap_draws=10)
    unit = AgreementUnit.objects.get(session=session)
    assert unit.status == AgreementStatus.DISPUTED
    login(page, live_server, judge.username, PASSWORD)
    page.goto(f"{live_server.url}/sessions/{session.pk}/disputes/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.locator("#dispute-title").focus()
    page.keyboard.press("e")
    # Select " talks are " in the highlighted unit (spaces included), as a mouse
    # would, and let the page read the selection.
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
        " talks are ",
    )
    words = "talks are"
    assert page.input_value("#edit-start") == str(TEXT.index(words))
    assert page.input_value("#edit-end") == str(TEXT.index(words) + len(words))
    assert page.inner_text("#edit-quote") == words
    page.locator("#edit-start").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=unit-status]').textContent"
        " === 'adjudicated'"
    )
    gold = GoldSpan.objects.get(session=session, is_current=True)
    assert (gold.start, gold.end, gold.quote) == (
        TEXT.index(words),
        TEXT.index(words) + len(words),
        words,
    )
    assert page.js_errors == []
