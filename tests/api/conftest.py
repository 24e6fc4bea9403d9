"""API fixtures: a blind and an open session with spans by two reviewers."""

import functools

import pytest
import requests
import schemathesis
from django.test import Client

from annotations.models import SpanAnnotation
from annotations.services.spans import annotation_create
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, session_with_team

QUOTE = "“the talks are over”"
TEXT = "Asif 😀 said “the talks are over” on Friday. 🇵🇰 Tarar agreed."


def span_body(article, quote=QUOTE, **overrides):
    start = article.text.index(quote)
    body = {
        "article": article.pk,
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "claim_type": "quoted_statement",
        "sourcing_quality": "named_on_record",
        "cited_source": "Khawaja Asif",
    }
    body.update(overrides)
    return body


def make_span(session, article, reviewer, quote=QUOTE, **overrides):
    values = span_body(article, quote, **overrides)
    values.pop("article")
    return annotation_create(
        session_id=session.pk, article_id=article.pk, reviewer=reviewer, **values
    )


def span_rows():
    """Everything stored about every span: compare before and after a refusal."""
    return list(SpanAnnotation.objects.order_by("pk").values())


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The factories hash a password per user; PBKDF2 would dominate setup time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def article(db):
    return ArticleFactory(external_id="api-emoji", text=TEXT)


@pytest.fixture
def sessions(db, article, reviewer_a, reviewer_b, adjudicator):
    """{"blind": session, "open": session}, each with a span by A and one by B."""
    result = {}
    for name, blind in (("blind", True), ("open", False)):
        session = session_with_team(
            articles=[article],
            reviewers=[reviewer_a, reviewer_b],
            adjudicators=[adjudicator],
            blind=blind,
        )
        make_span(session, article, reviewer_a)
        make_span(session, article, reviewer_b, quote="Tarar agreed")
        result[name] = session
    return result


@pytest.fixture
def client_for():
    return api_client_for


# --- Responses checked against the live OpenAPI schema -------------------------


@functools.cache
def live_schema():
    body = Client().get("/api/schema/", {"format": "json"}).json()
    return schemathesis.openapi.from_dict(body)


def assert_documented(response):
    """The response's status is documented for its operation, its body matches."""
    method = response.request["REQUEST_METHOD"]
    path = response.request["PATH_INFO"]
    operation = live_schema().find_operation_by_path(method, path)
    assert operation is not None, f"{method} {path} is not in the schema"
    assert operation.responses.find_by_status_code(response.status_code), (
        f"{method} {path}: {response.status_code} is not documented"
    )
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    operation.validate_response(
        schemathesis.Response(
            status_code=response.status_code,
            headers={name: [value] for name, value in response.headers.items()},
            content=content,
            request=requests.Request(method, f"http://testserver{path}").prepare(),
            elapsed=0.0,
            verify=True,
        )
    )
