"""Answers API: blind, compare-and-set, validation naming the field, permissions."""

import pytest
from rest_framework.test import APIClient

from annotations.models import ArticleAnswers
from tests.conftest import api_client_for
from tests.plugins.questions import answer

pytestmark = [pytest.mark.django_db]


def test_session_detail_lists_the_six_default_questions(question_session, reviewer_a):
    body = api_client_for(reviewer_a).get(f"/api/sessions/{question_session.pk}/")
    questions = body.json()["scheme"]["article_questions"]
    assert [q["code"] for q in questions] == [
        "title_representativeness",
        "clickbait_headline",
        "emotional_tone",
        "source_types",
        "confidence_calibration",
        "non_original_attributed",
    ]
    by_code = {q["code"]: q for q in questions}
    assert by_code["title_representativeness"]["type"] == "ordinal"
    assert by_code["source_types"]["type"] == "multi"
    assert [o["code"] for o in by_code["source_types"]["options"]] == [
        "none",
        "experts",
        "studies",
        "organisations",
        "other",
    ]
    assert by_code["non_original_attributed"]["type"] == "boolean"
    assert [o["code"] for o in by_code["non_original_attributed"]["options"]] == [
        "yes",
        "no",
    ]
    assert all(q["help"] for q in questions)


def test_answers_are_saved_blind(question_session, articles, reviewer_a, reviewer_b):
    article = articles[0]
    first = answer(
        reviewer_a,
        question_session,
        article,
        {"clickbait_headline": "listicle", "source_types": ["studies", "experts"]},
    )
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 1
    # Stored in the options' order.
    assert first.json()["answers"]["source_types"] == ["experts", "studies"]
    assert "by_reviewer" not in first.json()
    answer(reviewer_b, question_session, article, {"clickbait_headline": "no"})
    url = f"/api/sessions/{question_session.pk}/articles/{article.pk}/answers/"
    seen_by_b = api_client_for(reviewer_b).get(url).json()
    assert seen_by_b["answers"] == {"clickbait_headline": "no"}
    assert "by_reviewer" not in seen_by_b
    assert ArticleAnswers.objects.filter(session=question_session).count() == 2


def test_adjudicator_reads_every_reviewers_answers(
    question_session, articles, reviewer_a, reviewer_b, adjudicator
):
    article = articles[0]
    answer(reviewer_a, question_session, article, {"emotional_tone": "very"})
    answer(reviewer_b, question_session, article, {"emotional_tone": "neutral"})
    url = f"/api/sessions/{question_session.pk}/articles/{article.pk}/answers/"
    body = api_client_for(adjudicator).get(url).json()
    assert body["by_reviewer"] == {
        reviewer_a.username: {"emotional_tone": "very"},
        reviewer_b.username: {"emotional_tone": "neutral"},
    }


def test_stale_version_is_409_and_changes_nothing(
    question_session, articles, reviewer_a
):
    article = articles[0]
    answer(reviewer_a, question_session, article, {"emotional_tone": "very"}, 0)
    stale = answer(
        reviewer_a, question_session, article, {"emotional_tone": "neutral"}, 0
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["field"] == "version"
    assert body["current"]["answers"] == {"emotional_tone": "very"}
    again = answer(reviewer_a, question_session, article, {"emotional_tone": None}, 1)
    assert again.status_code == 200 and again.json()["answers"] == {}
    assert again.json()["version"] == 2


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"no_such_question": "yes"}, "answers.no_such_question"),
        ({"emotional_tone": "furious"}, "answers.emotional_tone"),
        ({"emotional_tone": 3}, "answers.emotional_tone"),
        ({"source_types": "experts"}, "answers.source_types"),
        ({"source_types": ["experts", "astrology"]}, "answers.source_types"),
        ({"source_types": ["experts", "experts"]}, "answers.source_types"),
        ({"non_original_attributed": "yes"}, "answers.non_original_attributed"),
        ({"clickbait_headline": True}, "answers.clickbait_headline"),
        ("not an object", "answers"),
    ],
)
def test_bad_answers_are_400_naming_the_field(
    question_session, articles, reviewer_a, answers, field
):
    response = answer(reviewer_a, question_session, articles[0], answers, 0)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ArticleAnswers.objects.exists()


def test_version_is_required(question_session, articles, reviewer_a):
    url = f"/api/sessions/{question_session.pk}/articles/{articles[0].pk}/answers/"
    response = api_client_for(reviewer_a).put(
        url, {"answers": {"emotional_tone": "very"}}, format="json"
    )
    assert response.status_code == 400 and "version" in response.json()


def test_permissions(question_session, articles, adjudicator, outsider, reviewer_a):
    url = f"/api/sessions/{question_session.pk}/articles/{articles[0].pk}/answers/"
    body = {"answers": {"emotional_tone": "very"}, "version": 0}
    assert APIClient().get(url).status_code == 401
    assert APIClient().put(url, body, format="json").status_code == 401
    assert api_client_for(outsider).get(url).status_code == 404
    assert api_client_for(outsider).put(url, body, format="json").status_code == 404
    assert api_client_for(adjudicator).put(url, body, format="json").status_code == 403
    other = f"/api/sessions/{question_session.pk}/articles/999999/answers/"
    assert api_client_for(reviewer_a).put(other, body, format="json").status_code == 404
    disputes = f"/api/sessions/{question_session.pk}/question-disputes/"
    assert api_client_for(reviewer_a).get(disputes).status_code == 403
    assert api_client_for(outsider).get(disputes).status_code == 404
    gold = (
        f"/api/sessions/{question_session.pk}/articles/{articles[0].pk}/gold-answers/"
    )
    assert api_client_for(reviewer_a).put(gold, body, format="json").status_code == 403
    assert not ArticleAnswers.objects.exists()
