"""API fixtures: a blind and an open session with spans by two reviewers."""

import pytest

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
