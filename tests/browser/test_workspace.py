"""The reviewer's workspace in a real headless Chromium against the live server."""

import json

import pytest
from django.test import Client

from annotations.models import Article, SpanAnnotation
from annotations.services.seeds import DEMO_PASSWORD, demo_setup
from annotations.services.spans import annotation_create, annotation_update
from tests.browser.conftest import (
    ARTIFACTS,
    api_get,
    character_granularity,
    drag_select,
    login,
    open_article,
    span_results,
)
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-123"  # tests.factories.UserFactory's password
EMOJI_TEXT = (
    "Asif 😀 said “the talks are over” on Friday in Istanbul.\n"
    "🇵🇰 Tarar agreed, and 😀 the ceasefire held."
)


def _highlighted_text(page, span_id: int) -> str:
    return page.evaluate(
        """(id) => [...document.querySelectorAll('#article-text .seg')]
            .filter((el) => el.dataset.spans.split(' ').includes(String(id)))
            .map((el) => el.textContent).join('')""",
        span_id,
    )


def _span(session, article, reviewer, phrase, **values):
    start = article.text.index(phrase)
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=reviewer,
        start=start,
        end=start + len(phrase),
        quote=phrase,
        claim_type=values.pop("claim_type", "event_action"),
        sourcing_quality=values.pop("sourcing_quality", "named_institution"),
        **values,
    )


@pytest.fixture
def demo(transactional_db):
    session = character_granularity(demo_setup())
    article = Article.objects.get(external_id="003_347a960315ef51da")
    return session, article


@pytest.fixture
def emoji_session(transactional_db):
    reviewer = UserFactory(username="emoji_reviewer")
    article = ArticleFactory(external_id="emoji-browser", text=EMOJI_TEXT)
    session = character_granularity(
        session_with_team(articles=[article], reviewers=[reviewer])
    )
    return session, article, reviewer


def test_mouse_selection_labelled_by_keyboard_is_saved_and_survives_reload(
    page, live_server, demo
):
    session, article = demo
    login(page, live_server, "reviewer1", DEMO_PASSWORD)
    assert page.inner_text("[data-testid=username]") == "reviewer1"
    page.click(f"a[href='/sessions/{session.pk}/']")
    page.click(f"a[href='/sessions/{session.pk}/articles/{article.pk}/']")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    phrase = "Khawaja Asif has confirmed that peace talks with Afghanistan"
    drag_select(page, phrase)
    assert page.inner_text("#editor-quote") == phrase
    page.keyboard.press("s")  # quoted_statement
    page.keyboard.press("2")  # named_on_record
    assert page.is_checked("input[name=claim_type][value=quoted_statement]")
    assert page.is_checked("input[name=sourcing_quality][value=named_on_record]")
    page.fill("#cited-source", "Khawaja Asif")
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    (span,) = span_results(page, live_server, session.pk, article.pk)
    assert span["quote"] == phrase
    start = article.text.index(phrase)
    assert (span["start"], span["end"]) == (start, start + len(phrase))
    assert span["claim_type"] == "quoted_statement"
    assert span["sourcing_quality"] == "named_on_record"
    assert span["cited_source"] == "Khawaja Asif"
    assert _highlighted_text(page, span["id"]) == phrase
    assert page.inner_text("#span-list").count("Khawaja Asif") >= 1
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    row = page.locator(f"tr[data-article-id='{article.pk}']")
    assert row.locator("[data-testid=span-count]").inner_text() == "1"
    assert page.js_errors == []


def test_overlapping_spans_are_both_reachable_and_can_be_edited_and_deleted(
    page, live_server, demo
):
    session, article = demo
    reviewer = session.members.get(username="reviewer1")
    outer = _span(
        session,
        article,
        reviewer,
        "peace talks with Afghanistan have broken down",
        claim_type="event_action",
    )
    inner = _span(
        session,
        article,
        reviewer,
        "talks with Afghanistan",
        claim_type="quantity",
        note="inner note",
    )
    login(page, live_server, "reviewer1", DEMO_PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    shared = page.locator(f"#article-text .seg[data-spans='{outer.pk} {inner.pk}']")
    assert shared.inner_text() == "talks with Afghanistan"
    shared.click()
    chooser = page.locator("#chooser")
    assert chooser.is_visible()
    assert chooser.locator(".chooser-item").count() == 2
    chooser.locator(f".chooser-item[data-span-id='{inner.pk}']").click()
    assert page.input_value("#note") == "inner note"
    assert page.inner_text("#editor-quote") == "talks with Afghanistan"
    page.locator("#editor-title").focus()
    page.keyboard.press("c")  # causal
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    inner.refresh_from_db()
    assert (inner.claim_type.code, inner.version) == ("causal", 2)
    # The outer span alone covers "have broken down"; one click opens it.
    page.locator(f"#article-text .seg[data-spans='{outer.pk}']").last.click()
    assert page.inner_text("#editor-quote") == outer.quote
    page.click("#delete-button")
    page.wait_for_selector("#editor", state="hidden")
    remaining = span_results(page, live_server, session.pk, article.pk)
    assert [span["id"] for span in remaining] == [inner.pk]
    # The side list jumps to (and flashes) a span's place.
    page.click(f".span-item[data-span-id='{inner.pk}']")
    page.wait_for_selector("#article-text .seg.flash")
    assert page.js_errors == []
    page.screenshot(path=str(ARTIFACTS / "workspace-overlap.png"))


def test_emoji_before_the_selection_stores_code_point_offsets_and_exact_quote(
    page, live_server, emoji_session
):
    session, article, reviewer = emoji_session
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    phrase = "the talks are over"
    drag_select(page, phrase)
    page.keyboard.press("s")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    # A second selection crosses the paragraph break and starts after 🇵🇰 and 😀.
    drag_select(page, "Friday in Istanbul.", to_phrase="Tarar agreed")
    page.keyboard.press("e")
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    # A drag that starts and ends on spaces snaps them off.
    drag_select(page, " and 😀 the ceasefire ")
    assert page.inner_text("#editor-quote") == "and 😀 the ceasefire"
    page.keyboard.press("r")
    page.keyboard.press("6")
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    spans = span_results(page, live_server, session.pk, article.pk)
    by_quote = {span["quote"]: span for span in spans}
    crossing = "Friday in Istanbul.\n🇵🇰 Tarar agreed"
    assert set(by_quote) == {phrase, crossing, "and 😀 the ceasefire"}
    for quote, span in by_quote.items():
        start = EMOJI_TEXT.index(quote)  # Python indexes code points
        assert (span["start"], span["end"]) == (start, start + len(quote))
        assert EMOJI_TEXT[span["start"] : span["end"]] == quote
    assert by_quote[phrase]["start_utf16"] == by_quote[phrase]["start"] + 1
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert _highlighted_text(page, by_quote[phrase]["id"]) == phrase
    assert page.js_errors == []


def test_change_words_moves_a_saved_span_and_keeps_its_labels(
    page, live_server, emoji_session
):
    session, article, reviewer = emoji_session
    span = _span(
        session,
        article,
        reviewer,
        "the talks are over",
        claim_type="quoted_statement",
        note="keep this note",
    )
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    # "w" starts a reselection; Esc ends it and leaves the span as it was.
    page.click(f".span-item[data-span-id='{span.pk}']")
    page.locator("#editor-title").focus()
    page.keyboard.press("w")
    assert page.is_visible("#rebound-hint")
    page.keyboard.press("Escape")
    assert page.is_hidden("#rebound-hint") and page.is_visible("#editor")
    assert page.inner_text("#editor-quote") == "the talks are over"
    # The button, then a new mouse selection (after 😀, with curly quotes).
    page.click("#rebound-button")
    wider = "said “the talks are over”"
    drag_select(page, wider)
    # The panel was open already: wait for the mouseup handler to take the words.
    page.wait_for_function(
        "(quote) => document.getElementById('editor-quote').textContent === quote",
        arg=wider,
    )
    assert page.is_hidden("#rebound-hint")
    assert page.input_value("#note") == "keep this note"
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    span.refresh_from_db()
    start = EMOJI_TEXT.index(wider)
    assert (span.start, span.end, span.quote) == (start, start + len(wider), wider)
    assert (span.version, span.claim_type.code, span.note) == (
        2,
        "quoted_statement",
        "keep this note",
    )
    assert SpanAnnotation.objects.filter(session=session).count() == 1
    assert _highlighted_text(page, span.pk) == wider
    assert page.js_errors == []


def _chosen_words(page) -> str:
    """The words the keyboard has chosen, as the page draws them.

    The page draws them as the `word-cursor` CSS highlight; a browser without the
    highlight API gets `.seg--kbd` segments instead. Both are read, so words drawn
    twice (or by neither) show up in the result.
    """
    return page.evaluate(
        """() => {
          const highlight = window.CSS && CSS.highlights
            ? CSS.highlights.get('word-cursor') : undefined;
          const ranges = [...(highlight ?? [])].map((range) => range.toString());
          const segments = [...document.querySelectorAll('#article-text .seg--kbd')]
            .map((el) => el.textContent);
          return [...ranges, ...segments].join('');
        }"""
    )


def _press(page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def test_keyboard_alone_chooses_words_after_an_emoji_and_saves_code_point_offsets(
    page, live_server, emoji_session
):
    session, article, reviewer = emoji_session
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    words = EMOJI_TEXT.split()
    assert "Shift+← →" in page.inner_text("#shortcut-list")
    page.focus("#article-text")
    page.keyboard.press("Home")  # the first word: "Asif"
    assert _chosen_words(page) == "Asif"
    _press(page, "ArrowRight", words.index("said"))  # past 😀
    _press(page, "Shift+ArrowRight", 4)
    phrase = "said “the talks are over”"
    assert _chosen_words(page) == phrase
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor:not([hidden])")
    assert page.inner_text("#editor-quote") == phrase
    page.keyboard.press("s")  # quoted_statement
    page.keyboard.press("2")  # named_on_record
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    # Focus is back in the text and the cursor continues after the saved words; the
    # text was re-rendered for the new span, and the cursor is drawn over it again.
    assert page.evaluate("document.activeElement.id") == "article-text"
    assert _chosen_words(page) == "over”"
    _press(page, "ArrowRight", 2)
    assert _chosen_words(page) == "Friday"
    page.keyboard.press("Enter")
    page.keyboard.press("e")
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    by_quote = {
        span["quote"]: span
        for span in span_results(page, live_server, session.pk, article.pk)
    }
    assert set(by_quote) == {phrase, "Friday"}
    for quote, span in by_quote.items():
        start = EMOJI_TEXT.index(quote)  # Python counts code points
        assert (span["start"], span["end"]) == (start, start + len(quote))
    said = by_quote[phrase]
    assert (said["claim_type"], said["sourcing_quality"]) == (
        "quoted_statement",
        "named_on_record",
    )
    assert said["start_utf16"] == said["start"] + 1  # one emoji before it
    assert _highlighted_text(page, said["id"]) == phrase
    assert page.js_errors == []


def test_keyboard_range_extends_backwards_across_a_paragraph_break(
    page, live_server, emoji_session
):
    session, article, reviewer = emoji_session
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    words = EMOJI_TEXT.split()
    page.focus("#article-text")
    page.keyboard.press("End")  # the last word: "held."
    _press(page, "ArrowLeft", len(words) - 1 - words.index("Tarar"))
    _press(page, "Shift+ArrowLeft", 2)  # back over 🇵🇰 and the paragraph break
    crossing = "Istanbul.\n🇵🇰 Tarar"
    assert _chosen_words(page) == crossing.replace("\n", "")
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor:not([hidden])")
    page.keyboard.press("e")
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor", state="hidden")
    (span,) = span_results(page, live_server, session.pk, article.pk)
    start = EMOJI_TEXT.index(crossing)
    assert span["quote"] == crossing
    assert (span["start"], span["end"]) == (start, start + len(crossing))
    assert page.js_errors == []


def test_esc_clears_the_keyboard_range_and_saves_nothing(
    page, live_server, emoji_session
):
    session, article, reviewer = emoji_session
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    page.focus("#article-text")
    page.keyboard.press("Home")
    _press(page, "Shift+ArrowRight", 3)
    assert _chosen_words(page) == "Asif 😀 said “the"
    page.keyboard.press("Escape")
    assert _chosen_words(page) == ""
    # With no words chosen, Enter and the label keys do nothing in the text.
    page.keyboard.press("Enter")
    page.keyboard.press("s")
    assert page.is_hidden("#editor")
    # The next arrow shows the cursor where Esc left it.
    page.keyboard.press("ArrowRight")
    assert _chosen_words(page) == "“the"
    # Words chosen again open the panel; Esc there cancels and returns to the text.
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    page.wait_for_selector("#editor:not([hidden])")
    assert page.inner_text("#editor-quote") == "Asif"
    page.keyboard.press("Escape")
    page.wait_for_selector("#editor", state="hidden")
    assert page.evaluate("document.activeElement.id") == "article-text"
    assert span_results(page, live_server, session.pk, article.pk) == []
    assert SpanAnnotation.objects.count() == 0
    assert page.js_errors == []


def test_word_cursor_steps_move_the_highlight_without_rebuilding_the_text(
    page, live_server, emoji_session
):
    session, article, reviewer = emoji_session
    _span(session, article, reviewer, "the talks are over")
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    words = EMOJI_TEXT.split()
    page.focus("#article-text")
    page.keyboard.press("Home")
    page.evaluate(
        """() => {
          const text = document.getElementById('article-text');
          window.__firstParagraph = text.querySelector('p');
          window.__firstSegment = text.querySelector('.seg');
        }"""
    )
    # Into, across and out of the saved span, and on over the paragraph break.
    _press(page, "ArrowRight", words.index("“the"))
    _press(page, "Shift+ArrowRight", 6)
    assert _chosen_words(page) == "“the talks are over” on Friday in"
    _press(page, "ArrowRight", 2)
    _press(page, "Shift+ArrowLeft", 1)
    assert _chosen_words(page) == "Istanbul.🇵🇰"
    assert page.evaluate(
        """() => window.__firstParagraph.isConnected
            && window.__firstSegment.isConnected"""
    )
    assert page.evaluate("document.activeElement.id") == "article-text"
    assert page.text_content("#word-cursor-live") == "2 words: Istanbul. 🇵🇰"
    assert page.js_errors == []


def test_change_words_by_keyboard_extends_a_saved_span(
    page, live_server, emoji_session
):
    session, article, reviewer = emoji_session
    span = _span(
        session, article, reviewer, "the ceasefire", claim_type="quoted_statement"
    )
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    page.focus(f".span-item[data-span-id='{span.pk}']")
    page.keyboard.press("Enter")  # opens the span in the panel
    page.wait_for_selector("#editor:not([hidden])")
    page.locator("#editor-title").focus()
    page.keyboard.press("w")  # the cursor starts on the span's own words
    assert page.evaluate("document.activeElement.id") == "article-text"
    assert _chosen_words(page) == "the ceasefire"
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")  # takes the words; the panel keeps the labels
    assert page.inner_text("#editor-quote") == "the ceasefire held."
    assert page.is_hidden("#rebound-hint")
    page.keyboard.press("Enter")  # saves
    page.wait_for_selector("#editor", state="hidden")
    span.refresh_from_db()
    start = EMOJI_TEXT.index("the ceasefire held.")
    assert (span.start, span.end, span.quote) == (
        start,
        start + len("the ceasefire held."),
        "the ceasefire held.",
    )
    assert (span.version, span.claim_type.code) == (2, "quoted_statement")
    assert page.js_errors == []


def test_blind_session_never_sends_another_reviewers_span_to_the_page(
    page, live_server, transactional_db
):
    alice = UserFactory(username="alice_blind")
    bob = UserFactory(username="bob_blind")
    article = ArticleFactory(external_id="blind", text=EMOJI_TEXT)
    session = character_granularity(
        session_with_team(articles=[article], reviewers=[alice, bob])
    )
    secret = _span(
        session,
        article,
        alice,
        "Tarar agreed",
        cited_source="Cited-Only-By-Alice",
        note="alice-private-note-7731",
    )
    bodies: list[str] = []

    def record(response):
        try:
            bodies.append(response.text())
        except Exception:  # noqa: BLE001 - redirects have no body
            pass

    page.on("response", record)
    login(page, live_server, bob.username, PASSWORD)
    page.click(f"a[href='/sessions/{session.pk}/']")
    page.click(f"a[href='/sessions/{session.pk}/articles/{article.pk}/']")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    drag_select(page, "the talks are over")  # opens the panel: cited-source lookups
    page.fill("#cited-source", "Cit")
    page.wait_for_timeout(600)
    page.keyboard.press("Escape")
    assert "Press Esc (or Cancel) again" in page.inner_text("#messages")
    assert page.is_visible("#editor")
    page.keyboard.press("Escape")
    page.wait_for_selector("#editor", state="hidden")
    assert page.locator("#article-text .seg").count() == 0
    assert len(bodies) >= 5
    for body in bodies:
        assert "alice-private-note-7731" not in body
        assert "Cited-Only-By-Alice" not in body
        # The session lists its reviewers by name; no span may carry Alice's name.
        assert '"reviewer":"alice_blind"' not in body.replace(" ", "")
        assert f'"reviewer_id":{alice.pk}' not in body.replace(" ", "")
        if body.lstrip().startswith("{"):
            data = json.loads(body)
            for item in data.get("results", []) if isinstance(data, dict) else []:
                assert not (isinstance(item, dict) and item.get("id") == secret.pk)
    assert page.js_errors == []


def test_open_session_shows_others_spans_muted_and_read_only(
    page, live_server, transactional_db
):
    alice = UserFactory(username="alice_open")
    bob = UserFactory(username="bob_open")
    article = ArticleFactory(external_id="open", text=EMOJI_TEXT)
    session = character_granularity(
        session_with_team(articles=[article], reviewers=[alice, bob], blind=False)
    )
    theirs = _span(session, article, alice, "Tarar agreed", note="visible note")
    login(page, live_server, bob.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    segment = page.locator(f"#article-text .seg[data-spans='{theirs.pk}']")
    assert "seg--others" in segment.get_attribute("class")
    segment.click()
    assert page.inner_text("#editor-owner").startswith("By alice_open")
    assert page.is_disabled("#note")
    assert not page.is_visible("#save-button")
    assert page.locator("#span-list .span-item").count() == 0


def test_workspace_loads_spans_past_the_ones_the_article_read_carries(
    page, live_server, emoji_session, monkeypatch
):
    session, article, reviewer = emoji_session
    phrases = ["Asif", "Friday", "Istanbul", "Tarar agreed", "the ceasefire held"]
    spans = [_span(session, article, reviewer, phrase) for phrase in phrases]
    # The article read carries 2 spans; the page fetches the rest from spans_next.
    monkeypatch.setattr("annotations.api.views.SPANS_INCLUDED", 2)
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    assert page.locator("#span-list .span-item").count() == len(phrases)
    for span, phrase in zip(spans, phrases, strict=True):
        assert _highlighted_text(page, span.pk) == phrase


def test_html_in_article_and_span_fields_is_shown_as_text_and_never_runs(
    page, live_server, transactional_db
):
    reviewer = UserFactory(username="xss_reviewer")
    text = (
        "Breaking: <script>window.__pwned = 'script'</script> talks over.\n"
        "Caption <img src=x onerror=\"window.__pwned = 'img'\"> was here."
    )
    article = ArticleFactory(
        external_id="xss",
        text=text,
        title="<img src=x onerror=\"window.__pwned = 'title'\">Title",
    )
    session = character_granularity(
        session_with_team(articles=[article], reviewers=[reviewer])
    )
    span = _span(
        session,
        article,
        reviewer,
        "talks over.",
        note="<img src=x onerror=\"window.__pwned = 'note'\">",
        cited_source="<b onmouseover=\"window.__pwned='src'\">Bold</b>",
    )
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    page.click(f".span-item[data-span-id='{span.pk}']")
    page.hover("#span-list")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    body_text = page.inner_text("body")
    assert "<script>window.__pwned = 'script'</script>" in body_text
    assert "<img src=x onerror=" in body_text
    assert page.locator("#article-text img, #article-text script").count() == 0
    assert page.locator("h1 img, #span-list b, #editor img").count() == 0
    assert page.input_value("#note").startswith("<img src=x")


def test_stale_edit_keeps_the_users_note_and_shows_the_server_version(
    page, live_server, demo
):
    session, article = demo
    reviewer = session.members.get(username="reviewer1")
    span = _span(session, article, reviewer, "Talks Reach a Breaking Point")
    login(page, live_server, "reviewer1", DEMO_PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    page.click(f".span-item[data-span-id='{span.pk}']")
    page.fill("#note", "my careful reasoning about this headline")
    # Meanwhile, another tab changes the span.
    annotation_update(
        span_id=span.pk,
        actor=reviewer,
        expected_version=1,
        claim_type="opinion_not_claim",
        cited_source="Other tab",
    )
    page.click("#save-button")
    alert = page.locator("#messages[role=alert]")
    alert.locator(".message--error").wait_for()
    assert "changed this span" in alert.inner_text()
    assert "kept your unsaved edits" in alert.inner_text()
    assert page.input_value("#note") == "my careful reasoning about this headline"
    server = page.locator("#server-version")
    assert server.is_visible()
    assert "Other tab" in server.inner_text()
    assert "Opinion (not a claim)" in server.inner_text()
    page.screenshot(path=str(ARTIFACTS / "workspace-stale.png"))
    # Saving again applies the user's edits over the current version.
    page.click("#save-button")
    page.wait_for_selector("#editor", state="hidden")
    span.refresh_from_db()
    assert span.version == 3
    assert span.note == "my careful reasoning about this headline"
    assert span.cited_source == "Other tab"


def test_unsaved_edits_ask_before_leaving_and_esc_needs_confirming(
    page, live_server, emoji_session
):
    session, article, reviewer = emoji_session
    login(page, live_server, reviewer.username, PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    drag_select(page, "the talks are over")
    page.fill("#note", "half-written thought")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert SpanAnnotation.objects.count() == 0


def test_mark_as_done_and_reopen_round_trip(page, live_server, demo):
    session, article = demo
    login(page, live_server, "reviewer2", DEMO_PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    assert page.inner_text("#review-status") == "Open"
    page.click("#done-button")
    page.wait_for_function(
        "() => document.getElementById('review-status').textContent === 'Done'"
    )
    assert page.inner_text("#done-button") == "Reopen"
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.inner_text("#review-status") == "Done"
    state = api_get(
        page, live_server, f"/api/sessions/{session.pk}/articles/{article.pk}/"
    )
    assert state["my_done"] is True
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    assert "Done" in page.locator(f"tr[data-article-id='{article.pk}']").inner_text()
    open_article(page, live_server, session.pk, article.pk)
    page.click("#done-button")
    page.wait_for_function(
        "() => document.getElementById('review-status').textContent === 'Open'"
    )
    state = api_get(
        page, live_server, f"/api/sessions/{session.pk}/articles/{article.pk}/"
    )
    assert state["my_done"] is False


def test_pages_are_404_for_non_members_and_redirect_anonymous_users(demo):
    session, article = demo
    annotate = f"/sessions/{session.pk}/articles/{article.pk}/"
    anonymous = Client()
    assert anonymous.get(annotate).status_code == 302
    outsider = UserFactory(username="outsider_web")
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/sessions/{session.pk}/").status_code == 404
    assert client.get(annotate).status_code == 404
    assert "demo" not in client.get("/").content.decode()


def test_readme_screenshot_of_the_annotate_page(page, live_server, demo):
    """Several labelled spans, one open in the panel: the picture in the README."""
    session, article = demo
    reviewer = session.members.get(username="reviewer1")
    _span(
        session,
        article,
        reviewer,
        "Khawaja Asif has confirmed that peace talks with Afghanistan have broken down",
        claim_type="event_action",
        sourcing_quality="named_on_record",
        cited_source="Khawaja Asif",
    )
    _span(
        session,
        article,
        reviewer,
        "mediated by Qatar and Turkiye",
        claim_type="rule_or_agreement",
        sourcing_quality="unsupported",
    )
    _span(
        session,
        article,
        reviewer,
        "the talks are over,",
        claim_type="quoted_statement",
        sourcing_quality="named_on_record",
        cited_source="Geo News",
    )
    login(page, live_server, "reviewer1", DEMO_PASSWORD)
    open_article(page, live_server, session.pk, article.pk)
    drag_select(page, "renewed border clashes between the two neighbours")
    page.keyboard.press("c")
    page.keyboard.press("5")
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "workspace.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
