"""Auth, sessions, articles, review state, outsiders and the OpenAPI schema."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import ReviewState
from tests.api.conftest import QUOTE, TEXT, make_span

pytestmark = pytest.mark.django_db


def test_token_auth_works_with_authorization_header(sessions, reviewer_a):
    anonymous = APIClient()
    assert anonymous.get("/api/me/").status_code == 401
    refused = anonymous.post(
        "/api/auth/token/",
        {"username": "reviewer_a", "password": "wrong"},
        format="json",
    )
    assert refused.status_code == 400
    issued = anonymous.post(
        "/api/auth/token/",
        {"username": "reviewer_a", "password": "pw-test-123"},
        format="json",
    )
    assert issued.status_code == 200, issued.json()
    token = issued.json()["token"]
    assert Token.objects.get(user=reviewer_a).key == token
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json() == {
        "id": reviewer_a.pk,
        "username": "reviewer_a",
        "is_staff": False,
    }
    assert client.get("/api/sessions/").json()["count"] == 2
    bad = APIClient(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get("/api/sessions/").status_code == 401


def test_session_list_and_detail_carry_role_progress_and_scheme(
    sessions, article, reviewer_a, reviewer_b, adjudicator, staff, client_for
):
    session = sessions["blind"]
    ReviewState.objects.create(
        session=session,
        article=article,
        reviewer=reviewer_b,
        done=True,
        done_at="2025-11-20T10:00:00Z",
    )
    listed = client_for(reviewer_a).get("/api/sessions/").json()
    assert listed["count"] == 2 and set(listed) >= {"next", "previous", "results"}
    mine = next(row for row in listed["results"] if row["id"] == session.pk)
    assert mine["my_role"] == "reviewer" and mine["blind"] is True
    assert mine["progress"] == {"articles": 1, "my_done": 0, "my_spans": 1}
    judged = client_for(adjudicator).get(f"/api/sessions/{session.pk}/").json()
    assert judged["my_role"] == "adjudicator"
    assert judged["progress"]["all_done"] == 1
    assert judged["progress"]["all_pairs"] == 2
    assert judged["reviewers"] == ["reviewer_a", "reviewer_b"]
    ranks = [level["rank"] for level in judged["scheme"]["sourcing_levels"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    codes = {claim["code"] for claim in judged["scheme"]["claim_types"]}
    assert "quoted_statement" in codes
    assert client_for(staff).get(f"/api/sessions/{session.pk}/").json()["my_role"] == (
        "staff"
    )


def test_articles_list_and_detail(sessions, article, reviewer_a, client_for):
    session = sessions["blind"]
    client = client_for(reviewer_a)
    listed = client.get(f"/api/sessions/{session.pk}/articles/").json()
    row = listed["results"][0]
    assert row["length"] == len(TEXT)
    assert row["my_span_count"] == 1 and row["my_done"] is False
    assert "text" not in row
    detail = client.get(f"/api/sessions/{session.pk}/articles/{article.pk}/").json()
    assert detail["text"] == TEXT
    assert detail["utf16_length"] == len(TEXT.encode("utf-16-le")) // 2
    assert detail["utf16_length"] > detail["length"]
    assert detail["text_sha256"] == article.text_sha256


def test_article_with_spans_in_one_read(
    sessions, article, reviewer_a, adjudicator, client_for, monkeypatch
):
    session = sessions["blind"]
    client = client_for(reviewer_a)
    url = f"/api/sessions/{session.pk}/articles/{article.pk}/"
    make_span(session, article, reviewer_a, quote="Friday")
    client.put(f"{url}review-state/", {"done": True}, format="json")
    plain = client.get(url).json()
    opened = client.get(f"{url}?include=spans").json()
    assert "spans" not in plain
    assert {key: opened[key] for key in plain} == plain
    assert opened["my_span_count"] == 2 and opened["my_done"] is True
    assert opened["spans_next"] is None
    quote, friday = opened["spans"]
    assert [quote["quote"], friday["quote"]] == [QUOTE, "Friday"]
    # Code points in the database; UTF-16 as a browser counts them (😀 is 2 units).
    assert quote["start"] == TEXT.index(QUOTE)
    assert quote["start_utf16"] == len(TEXT[: quote["start"]].encode("utf-16-le")) // 2
    assert quote["start_utf16"] == quote["start"] + 1
    assert friday["end_utf16"] - friday["start_utf16"] == len("Friday")
    judged = client_for(adjudicator).get(f"{url}?include=spans").json()
    assert len(judged["spans"]) == 3 and judged["my_span_count"] == 0

    # Past the cap the answer says where the span list continues.
    monkeypatch.setattr("annotations.api.views.SPANS_INCLUDED", 2)
    cut = client_for(adjudicator).get(f"{url}?include=spans").json()
    assert [span["id"] for span in cut["spans"]] == [
        span["id"] for span in judged["spans"][:2]
    ]
    assert cut["spans_next"].endswith(
        f"/api/sessions/{session.pk}/spans/?article={article.pk}&limit=2&offset=2"
    )
    rest = client_for(adjudicator).get(cut["spans_next"]).json()
    assert [span["id"] for span in rest["results"]] == [judged["spans"][2]["id"]]
    mine = client.get(f"{url}?include=spans").json()
    assert mine["my_span_count"] == 2 and mine["spans_next"] is None


def test_article_include_must_be_spans(sessions, article, reviewer_a, client_for):
    session = sessions["blind"]
    url = f"/api/sessions/{session.pk}/articles/{article.pk}/"
    for value in ("reviews", "spans,text", "SPANS"):
        response = client_for(reviewer_a).get(url, {"include": value})
        assert response.status_code == 400
        assert "include" in response.json()
    missing = client_for(reviewer_a).get(
        f"/api/sessions/{session.pk}/articles/{10**6}/?include=spans"
    )
    assert missing.status_code == 404


def test_review_state_done_and_reopen(
    sessions, article, reviewer_a, adjudicator, client_for
):
    session = sessions["blind"]
    url = f"/api/sessions/{session.pk}/articles/{article.pk}/review-state/"
    client = client_for(reviewer_a)
    done = client.put(url, {"done": True}, format="json")
    assert done.status_code == 200 and done.json()["done"] is True
    assert done.json()["done_at"] is not None
    articles = client.get(f"/api/sessions/{session.pk}/articles/").json()
    assert articles["results"][0]["my_done"] is True
    reopened = client.put(url, {"done": False}, format="json")
    assert reopened.json() == {"done": False, "done_at": None}
    assert ReviewState.objects.get(reviewer=reviewer_a, session=session).done is False
    assert client.put(url, {}, format="json").status_code == 400
    assert client.put(url, ["x"], format="json").status_code == 400
    assert (
        client_for(adjudicator).put(url, {"done": True}, format="json").status_code
        == 403
    )


def test_outsider_gets_404_for_the_session_and_everything_in_it(
    sessions, article, reviewer_a, outsider, client_for
):
    from annotations.models import SpanAnnotation

    session = sessions["open"]
    span = SpanAnnotation.objects.filter(session=session).first()
    client = client_for(outsider)
    base = f"/api/sessions/{session.pk}"
    for method, url in [
        ("get", f"{base}/"),
        ("get", f"{base}/articles/"),
        ("get", f"{base}/articles/{article.pk}/"),
        ("get", f"{base}/articles/{article.pk}/?include=spans"),
        ("put", f"{base}/articles/{article.pk}/review-state/"),
        ("get", f"{base}/spans/"),
        ("get", f"{base}/spans/{span.pk}/"),
        ("post", f"{base}/spans/bulk/"),
        ("get", f"{base}/cited-sources/"),
        ("get", f"/api/sessions/{10**6}/"),
        ("get", f"/api/sessions/{10**30}/spans/"),
    ]:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 404, (url, response.status_code)
    assert client.get("/api/sessions/").json()["count"] == 0


def test_annotation_endpoints_schema_is_complete_and_warning_free():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS._warn_cache.clear()
    GENERATOR_STATS._error_cache.clear()
    patterns = [path("api/", include("annotations.api.urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    validate_schema(schema)
    ours = [
        message
        for message in list(GENERATOR_STATS._warn_cache)
        + list(GENERATOR_STATS._error_cache)
        if "annotations/api/views.py" in message
        or "annotations/api/serializers.py" in message
    ]
    assert ours == []
    paths = schema["paths"]
    bulk = paths["/api/sessions/{sid}/spans/bulk/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "413"} <= set(bulk)
    patch = paths["/api/sessions/{sid}/spans/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "412", "413", "428"} <= set(patch)
    assert "/api/sessions/{sid}/articles/{aid}/review-state/" in paths
    assert "/api/auth/token/" in paths and "/api/me/" in paths
    span = schema["components"]["schemas"]["Span"]["properties"]
    assert {"start_utf16", "end_utf16", "version", "can_edit"} <= set(span)


def test_openapi_schema_validates_with_fail_on_warn(tmp_path):
    """The whole project's schema, as `manage.py spectacular` checks it."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/sessions/{sid}/spans/bulk/" in target.read_text()
