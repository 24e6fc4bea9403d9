"""An outlet's indicator profile in the reliability report: shares, n, Wilson CI."""

import pytest

from annotations.services.reliability import reliability_recompute
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, OutletFactory, session_with_team
from tests.plugins.questions import answer

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def daily(reviewer_a, reviewer_b, adjudicator):
    outlet = OutletFactory(name="Daily Bugle")
    articles = [ArticleFactory(outlet=outlet) for _ in range(4)]
    session = session_with_team(
        articles=articles,
        reviewers=[reviewer_a, reviewer_b],
        adjudicators=[adjudicator],
    )
    # Clickbait: agreed listicle, agreed no, disputed (adjudicated no later),
    # one reviewer only (unresolved: needs two answers or a decision).
    for article, first, second in zip(
        articles,
        ["listicle", "no", "listicle", "no"],
        ["listicle", "no", "no", None],
        strict=False,
    ):
        answer(reviewer_a, session, article, {"clickbait_headline": first})
        if second:
            answer(reviewer_b, session, article, {"clickbait_headline": second})
    return session, articles


def _profile(session, adjudicator):
    reliability_recompute(session_id=session.pk)
    body = api_client_for(adjudicator).get(f"/api/sessions/{session.pk}/reliability/")
    assert body.status_code == 200
    [entry] = body.json()["outlet_indicators"]
    assert entry["label"] == "Daily Bugle"
    return entry["indicators"]["clickbait_headline"]


def test_profile_counts_resolved_articles_with_wilson_intervals(daily, adjudicator):
    session, articles = daily
    clickbait = _profile(session, adjudicator)
    # Resolved: listicle, no (the disputed and the single answer are out).
    assert clickbait["n"] == 2
    assert clickbait["options"]["no"]["share"] == pytest.approx(0.5)
    # Wilson, k = 1, n = 2, z = 1.96: centre (0.5 + z²/4) / (1 + z²/2) = 0.5,
    # half = z / (1 + z²/2) * sqrt(0.25/2 + z²/16)
    # = 1.95996 / 2.92073 * sqrt(0.125 + 0.24009) = 0.67105 * 0.60423 = 0.40547.
    assert clickbait["options"]["no"]["ci_low"] == pytest.approx(0.0945, abs=1e-4)
    assert clickbait["options"]["no"]["ci_high"] == pytest.approx(0.9055, abs=1e-4)


def test_a_gold_answer_enters_the_profile(daily, adjudicator):
    session, articles = daily
    _profile(session, adjudicator)
    url = f"/api/sessions/{session.pk}/articles/{articles[2].pk}/gold-answers/"
    response = api_client_for(adjudicator).put(
        url, {"answers": {"clickbait_headline": "no"}}, format="json"
    )
    assert response.status_code == 200
    clickbait = _profile(session, adjudicator)
    # Now listicle, no, no: share of clickbait headlines 1 - 2/3 = 1/3.
    assert clickbait["n"] == 3
    assert clickbait["options"]["no"]["share"] == pytest.approx(2 / 3)
    assert clickbait["options"]["listicle"]["count"] == 1
    # Wilson, k = 2, n = 3: centre (2/3 + z²/6) / (1 + z²/3) = 0.57308, half
    # z / (1 + z²/3) * sqrt((2/9)/3 + z²/36) = 0.85945 * 0.42518 = 0.36543.
    assert clickbait["options"]["no"]["ci_low"] == pytest.approx(0.2077, abs=1e-4)
    assert clickbait["options"]["no"]["ci_high"] == pytest.approx(0.9385, abs=1e-4)
