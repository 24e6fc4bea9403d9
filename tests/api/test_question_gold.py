"""Disputed questions reach the queue and resolve into gold answers with provenance."""

import pytest

from tests.conftest import api_client_for
from tests.plugins.questions import answer

pytestmark = [pytest.mark.django_db]


def test_disputed_question_resolves_into_gold(
    question_session, articles, reviewer_a, reviewer_b, adjudicator
):
    article = articles[0]
    answer(
        reviewer_a,
        question_session,
        article,
        {
            "clickbait_headline": "listicle",
            "non_original_attributed": True,
        },
    )
    answer(
        reviewer_b,
        question_session,
        article,
        {
            "clickbait_headline": "no",
            "non_original_attributed": True,
        },
    )
    client = api_client_for(adjudicator)
    queue = client.get(f"/api/sessions/{question_session.pk}/question-disputes/")
    assert queue.status_code == 200
    [dispute] = queue.json()["results"]
    assert dispute["article"] == article.pk
    assert dispute["question"] == "clickbait_headline"
    assert dispute["answers"] == {
        reviewer_a.username: "listicle",
        reviewer_b.username: "no",
    }
    url = f"/api/sessions/{question_session.pk}/articles/{article.pk}/gold-answers/"
    bad = client.put(url, {"answers": {"clickbait_headline": "maybe"}}, format="json")
    assert bad.status_code == 400 and "answers.clickbait_headline" in bad.json()
    decided = client.put(
        url, {"answers": {"clickbait_headline": "listicle"}}, format="json"
    )
    assert decided.status_code == 200, decided.content
    gold = decided.json()["gold"]
    assert gold["clickbait_headline"]["value"] == "listicle"
    assert gold["clickbait_headline"]["source"] == "adjudicated"
    assert gold["clickbait_headline"]["decided_by"] == adjudicator.username
    assert gold["clickbait_headline"]["decided_at"]
    assert gold["clickbait_headline"]["answers"] == dispute["answers"]
    # Everyone agreed on attribution: gold by agreement, no adjudicator.
    assert gold["non_original_attributed"] == {
        "value": True,
        "source": "agreed",
        "decided_by": None,
        "decided_at": None,
        "answers": {reviewer_a.username: True, reviewer_b.username: True},
    }
    queue = client.get(f"/api/sessions/{question_session.pk}/question-disputes/")
    assert queue.json()["count"] == 0
    # Withdrawing the decision puts the question back in the queue.
    client.put(url, {"answers": {"clickbait_headline": None}}, format="json")
    queue = client.get(f"/api/sessions/{question_session.pk}/question-disputes/")
    assert queue.json()["count"] == 1
