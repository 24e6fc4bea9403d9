"""Span endpoints: offsets in both units, versions and ETags, bulk, bad input."""

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import SpanAnnotation
from annotations.text import grapheme_boundaries
from tests.api.conftest import QUOTE, make_span, span_body, span_rows

pytestmark = pytest.mark.django_db


def spans_url(session, span_id=None):
    base = f"/api/sessions/{session.pk}/spans/"
    return f"{base}{span_id}/" if span_id else base


# --- Offsets ----------------------------------------------------------------------


def test_utf16_offsets_store_the_same_code_point_span(
    sessions, article, reviewer_a, reviewer_b, client_for
):
    session = sessions["blind"]
    quote = "🇵🇰 Tarar"  # two astral code points: four UTF-16 units
    codepoint_body = span_body(article, quote=quote)
    by_codepoint = client_for(reviewer_a).post(
        spans_url(session), codepoint_body, format="json"
    )
    assert by_codepoint.status_code == 201, by_codepoint.json()
    prefix = article.text[: codepoint_body["start"]]
    utf16_start = len(prefix.encode("utf-16-le")) // 2
    utf16_end = utf16_start + len(quote.encode("utf-16-le")) // 2
    by_utf16 = client_for(reviewer_b).post(
        spans_url(session) + "?offset_unit=utf16",
        {**codepoint_body, "start": utf16_start, "end": utf16_end},
        format="json",
    )
    assert by_utf16.status_code == 201, by_utf16.json()
    for response in (by_codepoint, by_utf16):
        data = response.json()
        assert (data["start"], data["end"]) == (
            codepoint_body["start"],
            codepoint_body["end"],
        )
        assert (data["start_utf16"], data["end_utf16"]) == (utf16_start, utf16_end)
        assert article.text[data["start"] : data["end"]] == quote
    # The UTF-16 request really differed: the text before has a 2-unit emoji.
    assert utf16_start == codepoint_body["start"] + 1
    assert utf16_end - utf16_start == len(quote) + 2


def test_utf16_offset_unit_in_body_and_surrogate_split_is_refused(
    sessions, article, reviewer_a, client_for
):
    session = sessions["blind"]
    body = span_body(article, quote="😀 said")
    start16 = body["start"]  # "Asif " has no astral characters
    before = span_rows()
    split = client_for(reviewer_a).post(
        spans_url(session),
        {**body, "start": start16 + 1, "end": start16 + 7, "offset_unit": "utf16"},
        format="json",
    )
    assert split.status_code == 400
    assert "start" in split.json()
    assert "surrogate" in " ".join(split.json()["start"])
    assert span_rows() == before
    good = client_for(reviewer_a).post(
        spans_url(session),
        {**body, "end": start16 + 7, "offset_unit": "utf16"},
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert good.json()["end"] == body["end"]


# --- Versions, ETag and If-Match -------------------------------------------------


def test_retrieve_sends_etag_and_if_match_update_succeeds(
    sessions, reviewer_a, client_for
):
    session = sessions["blind"]
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    client = client_for(reviewer_a)
    read = client.get(spans_url(session, span.pk))
    assert read["ETag"] == f'"{span.version}"'
    changed = client.patch(
        spans_url(session, span.pk),
        {"claim_type": "event_action"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["claim_type"] == "event_action"
    assert changed["ETag"] == f'"{span.version + 1}"'
    # The old ETag is now stale: 409 with the current span, nothing changed.
    before = span_rows()
    stale = client.patch(
        spans_url(session, span.pk),
        {"claim_type": "causal"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert stale.status_code == 409
    assert stale.json()["field"] == "version"
    assert stale.json()["current"]["claim_type"] == "event_action"
    assert stale.json()["current"]["version"] == span.version + 1
    assert span_rows() == before


def test_update_without_version_is_refused_naming_version(
    sessions, reviewer_a, client_for
):
    session = sessions["blind"]
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    before = span_rows()
    response = client_for(reviewer_a).patch(
        spans_url(session, span.pk), {"note": "no version"}, format="json"
    )
    assert response.status_code == 428
    assert response.json()["field"] == "version"
    bad_header = client_for(reviewer_a).patch(
        spans_url(session, span.pk),
        {"note": "x"},
        format="json",
        HTTP_IF_MATCH='"abc"',
    )
    assert bad_header.status_code == 400 and "version" in bad_header.json()
    disagree = client_for(reviewer_a).patch(
        spans_url(session, span.pk),
        {"note": "x", "version": 1},
        format="json",
        HTTP_IF_MATCH='"7"',
    )
    assert disagree.status_code == 412
    assert span_rows() == before


def test_put_replaces_the_span_and_delete_checks_the_version(
    sessions, article, reviewer_a, client_for
):
    session = sessions["blind"]
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    client = client_for(reviewer_a)
    body = {**span_body(article, quote="Friday"), "version": span.version}
    body.pop("cited_source")
    replaced = client.put(spans_url(session, span.pk), body, format="json")
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["quote"] == "Friday"
    assert replaced.json()["cited_source"] == ""  # PUT resets omitted fields
    before = span_rows()
    stale = client.delete(spans_url(session, span.pk) + f"?version={span.version}")
    assert stale.status_code == 409 and span_rows() == before
    gone = client.delete(spans_url(session, span.pk), HTTP_IF_MATCH='W/"2"')
    assert gone.status_code == 204
    assert not SpanAnnotation.objects.filter(pk=span.pk).exists()


def test_span_cannot_move_to_another_article(sessions, reviewer_a, client_for):
    session = sessions["blind"]
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    before = span_rows()
    response = client_for(reviewer_a).patch(
        spans_url(session, span.pk),
        {"article": span.article_id + 1000, "version": 1},
        format="json",
    )
    assert response.status_code == 400 and "article" in response.json()
    assert span_rows() == before


# --- Bulk -----------------------------------------------------------------------


def thousand_spans(article):
    """1,000 distinct valid spans over the article's text.

    Valid: the offsets are grapheme boundaries (half a flag is refused).
    """
    text = article.text
    bounds = grapheme_boundaries(text)
    items = []
    for start in bounds:
        for end in (bound for bound in bounds if bound > start):
            items.append(
                {
                    "article": article.pk,
                    "start": start,
                    "end": end,
                    "quote": text[start:end],
                    "claim_type": "other",
                    "sourcing_quality": "unsupported",
                }
            )
            if len(items) == 1000:
                return items
    raise AssertionError("text too short for 1,000 spans")


def test_bulk_of_1000_spans_succeeds_in_one_request(
    sessions, article, reviewer_c, client_for
):
    from annotations.models import SessionMembership

    session = sessions["blind"]
    SessionMembership.objects.create(session=session, user=reviewer_c, role="reviewer")
    response = client_for(reviewer_c).post(
        spans_url(session) + "bulk/", {"spans": thousand_spans(article)}, format="json"
    )
    assert response.status_code == 201, response.content[:500]
    assert response.json()["created"] == 1000
    assert len(response.json()["spans"]) == 1000
    assert SpanAnnotation.objects.filter(reviewer=reviewer_c).count() == 1000
    first = response.json()["spans"][0]
    assert first["quote"] == article.text[first["start"] : first["end"]]
    assert {"start_utf16", "end_utf16", "version", "id"} <= set(first)


@pytest.mark.parametrize(
    ("field", "bad_value"),
    [
        ("quote", "not the text"),
        ("start", "seven"),
        ("end", 10**12),
        ("claim_type", "no_such_label"),
        ("article", None),
    ],
)
def test_one_bad_span_in_a_bulk_rejects_all_naming_index_and_field(
    field, bad_value, sessions, article, reviewer_a, client_for
):
    session = sessions["blind"]
    items = thousand_spans(article)[:300]
    items = [item for item in items if item["start"] != 12]  # A's existing span
    items[217][field] = bad_value
    before = span_rows()
    response = client_for(reviewer_a).post(
        spans_url(session) + "bulk/", {"spans": items}, format="json"
    )
    assert response.status_code == 400, response.content[:300]
    errors = response.json()["errors"]
    assert {"index": 217, "field": field} in [
        {"index": error["index"], "field": error["field"]} for error in errors
    ]
    assert all(error["index"] == 217 for error in errors)
    assert span_rows() == before


def test_bulk_with_utf16_offsets(sessions, article, reviewer_a, client_for):
    session = sessions["blind"]
    quote = "🇵🇰"
    start = article.text.index(quote)
    start16 = len(article.text[:start].encode("utf-16-le")) // 2
    response = client_for(reviewer_a).post(
        spans_url(session) + "bulk/",
        {
            "offset_unit": "utf16",
            "spans": [
                {
                    "article": article.pk,
                    "start": start16,
                    "end": start16 + 4,
                    "quote": quote,
                    "claim_type": "other",
                    "sourcing_quality": "unsupported",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    span = response.json()["spans"][0]
    assert (span["start"], span["end"]) == (start, start + 2)
    assert (span["start_utf16"], span["end_utf16"]) == (start16, start16 + 4)


# --- Bad input --------------------------------------------------------------------


BAD_FIELDS = [
    ("start", "12"[::-1] + "x"),
    ("start", True),
    ("start", 2**31),
    ("start", -1),
    ("end", 10**30),
    ("end", 1.5),
    ("end", 12),  # end <= start
    ("quote", 42),
    ("quote", "wrong quote"),
    ("claim_type", ["quoted_statement"]),
    ("claim_type", "nope"),
    ("sourcing_quality", "nope"),
    ("cited_source", {"a": 1}),
    ("cited_source", "bad\x00null"),
    ("note", "lone \ud800 surrogate"),
    ("article", 2**63),
    ("article", "abc"),
    ("article", 999_999),
    ("offset_unit", "bytes"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_bad_field_is_a_400_naming_it_and_nothing_is_written(
    field, value, sessions, article, reviewer_a, client_for
):
    session = sessions["open"]
    body = span_body(article, quote="Friday")
    body[field] = value
    before = span_rows()
    response = client_for(reviewer_a).post(
        spans_url(session),
        json.dumps(body, ensure_ascii=True),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert span_rows() == before


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"start": 1,}',
        b"\xff\xfe\x00garbage",
        '{"quote": "caf\xe9"}'.encode("latin-1"),
        b"[1, 2, 3]",
        b'"a string"',
        b"null",
        b"[" * 100_000,
        b'{"start": NaN}',
    ],
)
def test_unparseable_or_non_object_bodies_are_400(
    raw, sessions, reviewer_a, client_for
):
    session = sessions["open"]
    before = span_rows()
    client = client_for(reviewer_a)
    for url in (spans_url(session), spans_url(session) + "bulk/"):
        response = client.post(url, raw, content_type="application/json")
        assert response.status_code == 400, (url, response.content[:200])
        assert response["Content-Type"].startswith("application/json")
    assert span_rows() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_oversized_bodies_are_413(sessions, article, reviewer_a, client_for):
    session = sessions["open"]
    before = span_rows()
    client = client_for(reviewer_a)
    body = {**span_body(article, quote="Friday"), "note": "x" * 20_000}
    as_json = client.post(spans_url(session), body, format="json")
    assert as_json.status_code == 413 and "detail" in as_json.json()
    as_form = client.post(spans_url(session), body)  # multipart
    assert as_form.status_code in (400, 413), as_form.content[:200]
    assert as_form["Content-Type"].startswith("application/json")
    assert span_rows() == before


def test_filters_by_article_reviewer_and_labels(
    sessions, article, reviewer_a, reviewer_b, adjudicator, client_for
):
    session = sessions["open"]
    make_span(session, article, reviewer_a, quote="Friday", claim_type="event_action")
    client = client_for(adjudicator)
    base = spans_url(session)

    def quotes(query):
        response = client.get(base + query)
        assert response.status_code == 200, response.json()
        return sorted(span["quote"] for span in response.json()["results"])

    assert quotes(f"?article={article.pk}") == sorted([QUOTE, "Tarar agreed", "Friday"])
    assert quotes("?reviewer=reviewer_b") == ["Tarar agreed"]
    assert quotes(f"?reviewer={reviewer_a.pk}") == sorted([QUOTE, "Friday"])
    assert quotes("?claim_type=event_action") == ["Friday"]
    assert quotes("?sourcing_quality=unsupported") == []
    assert client.get(base + "?article=abc").status_code == 400
    assert client.get(base + f"?article={10**30}").status_code == 400
    huge = client.get(base + "?limit=99999999999999999999&offset=99999999999999999999")
    assert huge.status_code == 200 and huge.json()["results"] == []
    not_a_number = client.get(base + "?offset=1e9")
    assert not_a_number.status_code == 400 and "offset" in not_a_number.json()


# --- Query budget of the hot path -------------------------------------------------

# One span save by token, the workspace's write: the token with its user, the
# session with the caller's role, the article with the session and the
# reviewer check, the scheme's labels, the INSERT, the change counter's UPDATE,
# and the SAVEPOINT/RELEASE of the service's transaction (nested in the test's).
SPAN_CREATE_QUERY_BUDGET = 8


def test_one_span_create_stays_within_its_query_budget(sessions, article, reviewer_a):
    session = sessions["open"]
    client = APIClient()
    token = Token.objects.create(user=reviewer_a)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = span_body(article, quote="said")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(spans_url(session), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["quote"] == "said"
    assert response.json()["claim_type"] == body["claim_type"]
    assert len(queries) <= SPAN_CREATE_QUERY_BUDGET, "\n".join(
        query["sql"][:160] for query in queries.captured_queries
    )
    assert SpanAnnotation.objects.filter(
        session=session, reviewer=reviewer_a, quote="said"
    ).exists()
    # The same span again: refused by the unique constraint, as before.
    again = client.post(spans_url(session), body, format="json")
    assert again.status_code == 400
    assert "already have a span" in " ".join(again.json()["start"])
