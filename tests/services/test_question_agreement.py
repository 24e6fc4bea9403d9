"""Question agreement in the session report, checked against values worked by hand."""

import pytest
from django.test import override_settings

from annotations.metrics.article_questions import alpha_with_distance, jaccard_distance
from annotations.models import AgreementReport
from annotations.services.agreement import agreement_recompute
from annotations.services.question_agreement import _matrix, question_inputs_load
from tests.conftest import api_client_for
from tests.plugins.questions import answer

pytestmark = [pytest.mark.django_db]

# Title representativeness (ordinal, points 0..4 = not_at_all..completely):
#   article 1: A not_at_all (0), B not_at_all (0)
#   article 2: A slightly (1),   B somewhat (2)
#   article 3: A completely (4), B completely (4)
# n_0 = 2, n_1 = 1, n_2 = 1, n_3 = 0, n_4 = 2 (n = 6); coincidences o_00 = o_44
# = 2, o_12 = o_21 = 1. Ordinal distance d(c, k) = (sum_{g=c..k} n_g -
# (n_c + n_k)/2)^2: d(1,2) = 1, d(0,1) = 2.25, d(0,2) = 6.25, d(0,4) = 16,
# d(1,4) = 6.25, d(2,4) = 2.25. Observed sum o*d = 2; expected sum n_c n_k d
# over ordered pairs = 2 * (2*2.25 + 2*6.25 + 4*16 + 1*1 + 2*6.25 + 2*2.25)
# = 198. alpha = 1 - (n - 1) * 2 / 198 = 1 - 5/99 = 94/99.
TITLE = [("not_at_all", "not_at_all"), ("slightly", "somewhat"), ("completely",) * 2]
# Source types (multi-select, MASI):
#   article 1: {experts} / {experts}
#   article 2: {experts, studies} / {experts}
#   article 3: {organisations} / {other}
# Values: {e} x3, {e,s} x1, {o} x1, {x} x1 (n = 6). MASI d({e},{e,s}) = 1 -
# (1/2)(2/3) = 2/3; every other pair of distinct values is disjoint: 1.
# Observed: article 2 gives 2 * 2/3, article 3 gives 2 * 1: 10/3. Expected over
# ordered pairs: 2 * (3*1*2/3 + 3 + 3 + 1 + 1 + 1) = 22.
# alpha = 1 - 5 * (10/3) / 22 = 8/33. With Jaccard (d({e},{e,s}) = 1/2):
# observed 3, expected 21, alpha = 1 - 15/21 = 2/7.
SOURCES = [
    (["experts"], ["experts"]),
    (["experts", "studies"], ["experts"]),
    (["organisations"], ["other"]),
]


@pytest.fixture
def answered(question_session, articles, reviewer_a, reviewer_b):
    for article, (title_a, title_b), (sources_a, sources_b) in zip(
        articles, TITLE, SOURCES, strict=True
    ):
        for user, title, sources in (
            (reviewer_a, title_a, sources_a),
            (reviewer_b, title_b, sources_b),
        ):
            response = answer(
                user,
                question_session,
                article,
                {"title_representativeness": title, "source_types": sources},
            )
            assert response.status_code == 200, response.content
    return question_session


def _figures(session) -> dict:
    with override_settings(AGREEMENT_BOOTSTRAP_DRAWS=200):
        agreement_recompute(session_id=session.pk)
    report = AgreementReport.objects.get(session=session, article__isnull=True)
    return {q["code"]: q for q in report.payload["article_questions"]["questions"]}


def test_ordinal_alpha_matches_the_hand_worked_value(answered):
    title = _figures(answered)["title_representativeness"]
    assert title["level"] == "ordinal"
    assert title["alpha"] == pytest.approx(94 / 99)
    assert title["pairable_articles"] == 3
    low, high = title["ci"]
    assert low <= high <= 1.0
    assert title["agreed"] == 2 and title["disputed"] == 1


def test_multi_select_set_agreement_matches_the_hand_worked_value(answered):
    sources = _figures(answered)["source_types"]
    assert sources["level"] == "masi" and sources["distance"] == "masi"
    assert sources["alpha"] == pytest.approx(8 / 33)
    assert sources["ci"] is not None
    matrix = _matrix(
        question_inputs_load(session_id=answered.pk),
        {"code": "source_types", "type": "multi", "options": []},
    )
    assert alpha_with_distance(matrix, jaccard_distance) == pytest.approx(2 / 7)


def test_a_new_answer_makes_the_session_report_recompute(
    answered, articles, reviewer_a
):
    _figures(answered)
    answer(reviewer_a, answered, articles[1], {"title_representativeness": "somewhat"})
    assert _figures(answered)["title_representativeness"]["alpha"] == pytest.approx(1.0)


def test_report_api_carries_the_question_figures(answered, adjudicator):
    _figures(answered)
    body = api_client_for(adjudicator).get(f"/api/sessions/{answered.pk}/agreement/")
    questions = body.json()["report"]["payload"]["article_questions"]["questions"]
    assert {q["code"] for q in questions} >= {"title_representativeness"}
    assert "labels" in body.json()["report"]["payload"]
