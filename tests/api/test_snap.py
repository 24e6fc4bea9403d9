"""Span writes that ask for word snapping, clipping, grapheme refusal, granularity."""

import pytest

from annotations.models import SpanAnnotation
from tests.api.conftest import span_body, span_rows
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

# TEXT = "Asif 😀 said “the talks are over” on Friday. 🇵🇰 Tarar agreed."


def spans_url(session, span_id=None):
    base = f"/api/sessions/{session.pk}/spans/"
    return f"{base}{span_id}/" if span_id else base


def mid_word_body(article, first, last, **overrides):
    """A selection from inside `first` to inside `last` (one character in/out)."""
    text = article.text
    start = text.index(first) + 1
    end = text.index(last) + len(last) - 1
    return span_body(article, quote=text[start:end], start=start, end=end, **overrides)


def test_snap_word_expands_a_mid_word_drag_and_returns_the_snapped_span(
    sessions, article, reviewer_a, client_for
):
    session = sessions["blind"]
    body = mid_word_body(article, "talks", "over", snap="word")
    assert body["quote"] == "alks are ove"
    response = client_for(reviewer_a).post(spans_url(session), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    start = article.text.index("talks")
    assert (data["start"], data["end"]) == (start, start + len("talks are over"))
    assert data["quote"] == "talks are over"
    stored = SpanAnnotation.objects.get(pk=data["id"])
    assert (stored.start, stored.end, stored.quote) == (
        data["start"],
        data["end"],
        "talks are over",
    )


def test_snap_word_leaves_the_quotation_marks_out(
    sessions, article, reviewer_a, client_for
):
    # The whole quotation with its marks, as a keyboard user chose it.
    body = span_body(article, quote="“the talks are over”", snap="word")
    response = client_for(reviewer_a).post(
        spans_url(sessions["blind"]), body, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["quote"] == "the talks are over"


def test_snap_word_quote_must_match_the_offsets_sent(
    sessions, article, reviewer_a, client_for
):
    body = mid_word_body(article, "talks", "over", snap="word")
    body["quote"] = "talks are over"  # the snapped words, not what was sent
    before = span_rows()
    response = client_for(reviewer_a).post(
        spans_url(sessions["blind"]), body, format="json"
    )
    assert response.status_code == 400
    assert "quote" in response.json()
    assert span_rows() == before


def test_snap_word_with_utf16_offsets(sessions, article, reviewer_a, client_for):
    text = article.text
    start_cp = text.index("Tarar") + 2
    end_cp = text.index("agreed") + 3
    # One astral emoji and a two-code-point flag before: +3 UTF-16 units.
    body = span_body(
        article,
        quote=text[start_cp:end_cp],
        start=start_cp + 3,
        end=end_cp + 3,
        offset_unit="utf16",
        snap="word",
    )
    response = client_for(reviewer_a).post(
        spans_url(sessions["blind"]), body, format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["quote"] == "Tarar agreed"
    assert data["start"] == text.index("Tarar")
    assert data["start_utf16"] == data["start"] + 3


def test_a_selection_past_the_end_is_clipped_when_snapping(
    sessions, article, reviewer_a, client_for
):
    text = article.text
    start = text.index("agreed") + 2
    body = span_body(
        article, quote=text[start:], start=start, end=len(text) + 40, snap="word"
    )
    response = client_for(reviewer_a).post(
        spans_url(sessions["blind"]), body, format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["quote"] == "agreed"  # clipped, snapped, the full stop left out
    assert data["end"] == len(text) - 1


def test_past_the_end_without_snap_is_still_refused_naming_end(
    sessions, article, reviewer_a, client_for
):
    text = article.text
    start = text.index("agreed")
    body = span_body(article, quote=text[start:], start=start, end=len(text) + 1)
    response = client_for(reviewer_a).post(
        spans_url(sessions["blind"]), body, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["end"]


def test_a_selection_covering_no_word_says_so(
    sessions, article, reviewer_a, client_for
):
    text = article.text
    start = text.index("” on")  # the closing mark and the space after it
    body = span_body(article, quote="” ", start=start, end=start + 2, snap="word")
    before = span_rows()
    response = client_for(reviewer_a).post(
        spans_url(sessions["blind"]), body, format="json"
    )
    assert response.status_code == 400
    assert "covers no word" in response.json()["start"][0]
    assert span_rows() == before


@pytest.mark.parametrize("field", ["start", "end"])
def test_offsets_inside_a_flag_are_refused_naming_the_field(
    field, sessions, article, reviewer_a, client_for
):
    text = article.text
    flag = text.index("🇵🇰")
    if field == "start":
        start, end = flag + 1, text.index("Tarar") + len("Tarar")  # half the flag
    else:
        start, end = text.index("Friday"), flag + 1
    body = span_body(article, quote=text[start:end], start=start, end=end)
    before = span_rows()
    response = client_for(reviewer_a).post(
        spans_url(sessions["blind"]), body, format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert f"[{flag}, {flag + 2})" in errors[field][0]
    assert span_rows() == before


def test_combining_mark_and_zwj_sequence_are_clusters(db, reviewer_a, client_for):
    from tests.factories import ArticleFactory, session_with_team

    text = "Cafe\u0301 👩\u200d👩\u200d👧 met."
    article = ArticleFactory(external_id="clusters", text=text)
    session = session_with_team(articles=[article], reviewers=[reviewer_a])
    client = client_for(reviewer_a)
    family = text.index("👩")
    cases = [
        ((0, 4), "end"),  # "Cafe" without its combining acute accent
        ((family, family + 1), "end"),  # one woman of the family
        ((family + 2, family + 5), "start"),  # from inside the sequence
    ]
    for (start, end), field in cases:
        body = span_body(article, quote=text[start:end], start=start, end=end)
        response = client.post(spans_url(session), body, format="json")
        assert response.status_code == 400, (start, end)
        assert field in response.json(), response.json()
    whole = span_body(article, quote="👩\u200d👩\u200d👧")
    assert client.post(spans_url(session), whole, format="json").status_code == 201


def test_update_with_snap_moves_to_whole_words(
    sessions, article, reviewer_a, client_for
):
    session = sessions["blind"]
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    text = article.text
    start, end = text.index("Friday") + 2, text.index("Friday") + 4
    response = client_for(reviewer_a).patch(
        spans_url(session, span.pk),
        {
            "version": span.version,
            "start": start,
            "end": end,
            "quote": text[start:end],
            "snap": "word",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["quote"] == "Friday"
    assert response.json()["version"] == span.version + 1


def test_bulk_with_snap_word(sessions, article, reviewer_c, client_for):
    from annotations.models import SessionMembership

    session = sessions["blind"]
    SessionMembership.objects.create(session=session, user=reviewer_c, role="reviewer")
    text = article.text
    items = []
    for word in ("said", "Friday"):
        start = text.index(word) + 1
        end = start + 2
        item = span_body(article, quote=text[start:end], start=start, end=end)
        items.append(item)
    response = client_for(reviewer_c).post(
        spans_url(session) + "bulk/", {"spans": items, "snap": "word"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert [span["quote"] for span in response.json()["spans"]] == ["said", "Friday"]
    bad = client_for(reviewer_c).post(
        spans_url(session) + "bulk/", {"spans": items, "snap": "nope"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "snap"


def test_unknown_snap_is_a_400_naming_snap(sessions, article, reviewer_a, client_for):
    body = span_body(article, snap="sentence")
    response = client_for(reviewer_a).post(
        spans_url(sessions["blind"]), body, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["snap"]


def test_session_api_shows_granularity(sessions, reviewer_a, client_for):
    session = sessions["blind"]
    client = client_for(reviewer_a)
    assert session.granularity == "word"  # the default for a new session
    detail = client.get(f"/api/sessions/{session.pk}/").json()
    assert detail["granularity"] == "word"
    session.granularity = "character"
    session.save(update_fields=["granularity"])
    detail = client.get(f"/api/sessions/{session.pk}/").json()
    assert detail["granularity"] == "character"
    listed = client.get("/api/sessions/").json()["results"]
    assert {row["id"]: row["granularity"] for row in listed}[session.pk] == (
        "character"
    )
    assert SessionFactory().granularity == "word"


def test_article_direction_is_detected_or_set(db, reviewer_a, client_for):
    from tests.factories import ArticleFactory, session_with_team

    urdu = ArticleFactory(
        external_id="urdu-dir",
        text="(Reuters) — وزیرِ دفاع Khawaja Asif نے جمعہ کو کہا کہ مذاکرات ختم ہیں۔",
    )
    english = ArticleFactory(external_id="en-dir", text="Asif said “بس” today.")
    forced = ArticleFactory(external_id="forced", text="Mostly Latin", direction="rtl")
    session = session_with_team(
        articles=[urdu, english, forced], reviewers=[reviewer_a]
    )
    client = client_for(reviewer_a)
    got = {
        article.external_id: client.get(
            f"/api/sessions/{session.pk}/articles/{article.pk}/"
        ).json()["direction"]
        for article in (urdu, english, forced)
    }
    assert got == {"urdu-dir": "rtl", "en-dir": "ltr", "forced": "rtl"}
