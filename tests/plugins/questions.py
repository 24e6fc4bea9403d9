"""Article-question fixtures: a blind session of three articles, two reviewers."""

import pytest

from tests.conftest import api_client_for
from tests.factories import ArticleFactory, session_with_team


@pytest.fixture
def articles(db):
    return [ArticleFactory() for _ in range(3)]


@pytest.fixture
def question_session(articles, reviewer_a, reviewer_b, adjudicator):
    return session_with_team(
        articles=articles,
        reviewers=[reviewer_a, reviewer_b],
        adjudicators=[adjudicator],
    )


def answer(user, session, article, answers, version=None):
    """PUT answers as `user`, reading the current version first when not given."""
    client = api_client_for(user)
    url = f"/api/sessions/{session.pk}/articles/{article.pk}/answers/"
    if version is None:
        version = client.get(url).json()["version"]
    return client.put(url, {"answers": answers, "version": version}, format="json")
