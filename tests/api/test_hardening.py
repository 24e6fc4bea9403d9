"""Hardening (#12): malformed input is a documented 4xx JSON answer, never a 500."""

import io

import pytest
from django.test import Client

from annotations.models import AgreementUnit, ExportJob, ReviewState, SpanAnnotation
from annotations.services.adjudication import fact_create, fact_link_add, gold_decide
from annotations.text import grapheme_boundaries
from tests.api.conftest import assert_documented, make_span

pytestmark = pytest.mark.django_db

TOO_BIG = str(2**63)  # 9223372036854775808: one past PostgreSQL's bigint

# (who, session, method, path in the session, query or body, field named)
MALFORMED = [
    ("adjudicator", "blind", "get", "units/", {"article": "²"}, "article"),
    ("adjudicator", "blind", "get", "disputes/", {"article": "²"}, "article"),
    ("adjudicator", "blind", "get", "gold/", {"article": "²"}, "article"),
    ("reviewer_a", "open", "get", "export/", {"articles": "²"}, "articles"),
    ("reviewer_a", "open", "get", "export/", {"reviewers": "²"}, "reviewers"),
    ("reviewer_a", "open", "post", "exports/", {"articles": "²"}, "articles"),
    ("reviewer_a", "open", "post", "exports/", {"reviewers": "²"}, "reviewers"),
    ("adjudicator", "blind", "post", "decision", {"accept": "²"}, "accept"),
    ("reviewer_a", "blind", "get", "export/", {"articles": "\x00"}, "articles"),
    ("reviewer_a", "open", "get", "export/", {"reviewers": "\x00"}, "reviewers"),
    ("reviewer_a", "blind", "post", "exports/", {"articles": "\x00"}, "articles"),
    (
        "adjudicator",
        "blind",
        "get",
        "reliability/outlet/\x00/evidence/",
        {},
        "subject_key",
    ),
    ("reviewer_a", "blind", "get", "export/", {"until": "9999-12-31"}, "until"),
    (
        "reviewer_a",
        "blind",
        "get",
        "export/",
        {"until": "9999-12-31T23:59:59.999999"},
        "until",
    ),
    (
        "reviewer_a",
        "blind",
        "get",
        "export/",
        {"since": "0001-01-01T00:00+01:00"},
        "since",
    ),
    ("reviewer_a", "blind", "post", "exports/", {"until": "9999-12-31"}, "until"),
    ("adjudicator", "blind", "get", "facts/", {"limit": "1e3"}, "limit"),
    ("adjudicator", "blind", "get", "disputes/", {"offset": "-1"}, "offset"),
    ("reviewer_a", "blind", "get", "cited-sources/", {"limit": "00010000"}, "limit"),
    ("reviewer_a", "blind", "get", "cited-sources/", {"limit": "0101"}, "limit"),
    ("reviewer_a", "blind", "get", "spans/", {"article": TOO_BIG}, "article"),
]


@pytest.fixture
def unit(sessions, reviewer_a):
    span = SpanAnnotation.objects.get(session=sessions["blind"], reviewer=reviewer_a)
    unit = AgreementUnit.objects.create(
        session=sessions["blind"],
        article=span.article,
        key=str(span.pk),
        start=span.start,
        end=span.end,
        status="disputed",
        reviewer_count=1,
    )
    unit.spans.set([span])
    return unit


@pytest.mark.parametrize(("who", "which", "method", "path", "data", "field"), MALFORMED)
def test_malformed_ids_numbers_nul_and_dates_are_400_naming_the_field(
    who, which, method, path, data, field, request, sessions, unit, client_for
):
    client = client_for(request.getfixturevalue(who))
    base = f"/api/sessions/{sessions[which].pk}/"
    if path == "decision":
        path = f"units/{unit.pk}/decision/"
        data = {"decision": "accepted", **data}
    if method == "get":
        response = client.get(base + path, data)
    else:
        response = client.post(base + path, data, format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json(), response.json()
    assert_documented(response)


def test_a_non_ascii_digit_reviewer_is_a_username_not_a_crash(
    sessions, reviewer_a, client_for
):
    response = client_for(reviewer_a).get(
        f"/api/sessions/{sessions['blind'].pk}/spans/", {"reviewer": "¹"}
    )
    assert response.status_code == 200 and response.json()["results"] == []
    assert_documented(response)


@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("path", ["facts/", "disputes/", "gold/"])
def test_huge_limit_or_offset_is_capped_not_a_database_error(
    name, path, sessions, adjudicator, unit, client_for
):
    session = sessions["blind"]
    gold = gold_decide(
        unit_id=unit.pk,
        adjudicator=adjudicator,
        decision="accepted",
        accept_span_id=unit.spans.get().pk,
    )
    fact, _ = fact_create(session_id=session.pk, label="talks", actor=adjudicator)
    fact_link_add(
        fact_id=fact.pk, gold_span_id=gold.pk, value="over", actor=adjudicator
    )
    query = {name: TOO_BIG, **({"status": "all"} if path == "disputes/" else {})}
    response = client_for(adjudicator).get(f"/api/sessions/{session.pk}/{path}", query)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["count"] == 1
    assert_documented(response)


def test_cited_sources_limit_is_read_whole(sessions, article, reviewer_a, client_for):
    session = sessions["open"]
    text = article.text
    bounds = set(grapheme_boundaries(text))  # spans never split a flag
    extents = [
        (start, end)
        for start in range(len(text))
        for end in range(start + 1, len(text) + 1)
        if text[start] != " " and text[end - 1] != " "
        if start in bounds and end in bounds
    ]
    for number, (start, end) in enumerate(extents[:120]):
        make_span(
            session,
            article,
            reviewer_a,
            quote=text[start:end],
            cited_source=f"source {number}",
        )
    url = f"/api/sessions/{session.pk}/cited-sources/"
    client = client_for(reviewer_a)
    assert client.get(url, {"limit": "00010000"}).status_code == 400
    assert len(client.get(url, {"limit": "0100"}).json()["results"]) == 100
    assert len(client.get(url).json()["results"]) == 20


# --- JSON errors everywhere under /api/ -----------------------------------------


def test_unknown_api_routes_and_non_integer_ids_answer_json_404(
    sessions, reviewer_a, client_for
):
    client = client_for(reviewer_a)
    for url in (
        "/api/nope/",
        "/api/sessions/abc/",
        f"/api/sessions/{sessions['blind'].pk}/spans/abc/",
        "/api/exports/1.5/download/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_crash_under_api_answers_json_500(reviewer_a, monkeypatch):
    from annotations.api import views

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.MeView, "get", crash)
    client = Client(raise_request_exception=False)
    client.force_login(reviewer_a)
    response = client.get("/api/me/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}


# --- Export filters do not reveal who has an account ------------------------------


def test_blind_reviewer_gets_the_same_403_for_any_other_name(
    sessions, reviewer_a, outsider, client_for
):
    url = f"/api/sessions/{sessions['blind'].pk}/export/"
    client = client_for(reviewer_a)
    answers = [
        client.get(url, {"reviewers": name})
        for name in ("nosuchuser", "reviewer_b", "outsider", "adjudicator")
    ]
    assert {answer.status_code for answer in answers} == {403}
    assert len({answer.content for answer in answers}) == 1
    assert client.get(url, {"reviewers": "reviewer_a"}).status_code == 200


def test_full_export_names_unknown_and_foreign_users_alike(
    sessions, adjudicator, outsider, client_for
):
    url = f"/api/sessions/{sessions['blind'].pk}/export/"
    client = client_for(adjudicator)
    messages = {}
    for name in ("nosuchuser", "outsider"):
        response = client.get(url, {"reviewers": name})
        assert response.status_code == 400
        messages[name] = response.json()["reviewers"][0].replace(name, "NAME")
    assert messages["nosuchuser"] == messages["outsider"]
    assert client.get(url, {"reviewers": "reviewer_b"}).status_code == 200


# --- Bodies: JSON objects, size limits, missing form fields -----------------------


@pytest.mark.parametrize("body", ["[1, 2]", '"done"', "true", "null", "3"])
def test_non_object_json_bodies_are_400_on_every_endpoint(
    body, sessions, article, reviewer_a, adjudicator, unit, client_for
):
    blind = sessions["blind"].pk
    writes = [
        (reviewer_a, "post", f"/api/sessions/{blind}/exports/"),
        (reviewer_a, "post", f"/api/sessions/{blind}/spans/"),
        (
            reviewer_a,
            "put",
            f"/api/sessions/{blind}/articles/{article.pk}/review-state/",
        ),
        (adjudicator, "post", f"/api/sessions/{blind}/agreement/recompute/"),
        (adjudicator, "post", f"/api/sessions/{blind}/reliability/recompute/"),
        (adjudicator, "post", f"/api/sessions/{blind}/facts/"),
        (adjudicator, "post", f"/api/sessions/{blind}/units/{unit.pk}/decision/"),
    ]
    for user, method, url in writes:
        url += "review-state/" if url.endswith(f"/{article.pk}/") else ""
        response = getattr(client_for(user), method)(
            url, body, content_type="application/json"
        )
        assert response.status_code == 400, (url, response.content[:200])
        assert "detail" in response.json(), url
        assert_documented(response)
    bulk = client_for(reviewer_a).post(
        f"/api/sessions/{blind}/spans/bulk/", body, content_type="application/json"
    )
    assert bulk.status_code == 400 and bulk.json()["errors"][0]["index"] is None
    assert_documented(bulk)


class CountingInput(io.RawIOBase):
    """A request body of `size` bytes that counts what the server reads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.consumed)
        buffer[:count] = b"-" * count
        self.consumed += count
        return count


MEGABYTE = 1024 * 1024


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary=xyz",
        "application/x-www-form-urlencoded",
        "application/json",
    ],
)
@pytest.mark.parametrize("size", [10 * MEGABYTE, 50 * MEGABYTE])
def test_oversized_bodies_are_413_before_being_read(
    size, content_type, sessions, reviewer_a, client_for
):
    targets = [
        (client_for(reviewer_a), f"/api/sessions/{sessions['blind'].pk}/spans/"),
        (client_for(None), "/api/auth/token/"),
    ]
    for client, url in targets:
        body = CountingInput(size)
        response = client.generic(
            "POST",
            url,
            content_type=content_type,
            CONTENT_LENGTH=str(size),
            **{"wsgi.input": body},
        )
        assert response.status_code == 413, (url, response.content[:200])
        assert "detail" in response.json()
        assert body.consumed == 0, (url, body.consumed)
        assert_documented(response)


def test_a_body_longer_than_it_says_is_cut_at_the_limit():
    from annotations.api.exceptions import PayloadTooLarge
    from annotations.api.parsers import CappedStream

    stream = CappedStream(io.BytesIO(b"x" * 5000), 1000)
    assert len(stream.read(600)) == 600
    with pytest.raises(PayloadTooLarge):
        stream.read()
    assert stream.consumed == 1001


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_review_state_without_done_is_400_whatever_the_content_type(
    form, sessions, article, reviewer_a, client_for
):
    session = sessions["blind"]
    url = f"/api/sessions/{session.pk}/articles/{article.pk}/review-state/"
    client = client_for(reviewer_a)
    assert client.put(url, {"done": True}, format="json").status_code == 200
    if form == "multipart":
        response = client.put(url, {}, format="multipart")
    else:
        response = client.put(url, "", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "done" in response.json()
    assert_documented(response)
    assert ReviewState.objects.get(session=session, article=article).done
    empty_json = client.put(url, {}, format="json")
    assert empty_json.status_code == 400 and "done" in empty_json.json()


# --- The schema says what the API answers ------------------------------------------


def test_export_download_before_it_is_done_is_a_documented_409(reviewer_a, client_for):
    job = ExportJob.objects.create(created_by=reviewer_a, format="jsonl")
    response = client_for(reviewer_a).get(f"/api/exports/{job.pk}/download/")
    assert response.status_code == 409
    assert response.json() == {"detail": "The export is queued, not ready yet."}
    assert_documented(response)


@pytest.mark.parametrize("body", ["{not json", '{"spans": [1,]}', "[" * 100_000])
def test_bulk_with_unparseable_json_answers_the_bulk_error_shape(
    body, sessions, reviewer_a, client_for
):
    response = client_for(reviewer_a).post(
        f"/api/sessions/{sessions['blind'].pk}/spans/bulk/",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "non_field_errors"
    assert_documented(response)


def test_adjudication_reads_document_their_400_403_and_404(
    sessions, reviewer_a, adjudicator, outsider, unit, client_for
):
    base = f"/api/sessions/{sessions['blind'].pk}/"
    answers = [
        (client_for(adjudicator).get(base + "disputes/", {"article": 10**6}), 400),
        (client_for(adjudicator).get(base + "gold/", {"article": "x"}), 400),
        (client_for(reviewer_a).get(base + "disputes/"), 403),
        (client_for(reviewer_a).get(base + f"units/{unit.pk}/"), 403),
        (client_for(reviewer_a).get(base + "facts/"), 403),
        (client_for(outsider).get(base + "gold/"), 404),
        (client_for(adjudicator).get(base + f"units/{10**6}/"), 404),
    ]
    for response, status in answers:
        assert response.status_code == status, response.request["PATH_INFO"]
        assert_documented(response)


def test_the_schema_span_example_quotes_article_1_of_the_demo(db):
    from annotations.api.views import SPAN_EXAMPLE
    from annotations.services.seeds import seeds_load

    example = SPAN_EXAMPLE.value
    first = seeds_load()[0].article  # id 1 after `make run`
    assert example["article"] == 1
    assert first.text[example["start"] : example["end"]] == example["quote"]
