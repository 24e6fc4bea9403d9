"""A gold decision goes through the real Celery worker's agreement recompute."""

import time

import pytest

from annotations.models import AgreementReport, AgreementStatus, AgreementUnit
from annotations.services.review import review_state_set
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, session_with_team
from tests.plugins.adjudication import make_span


def wait_for(predicate, timeout=90.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {message}")


@pytest.mark.worker
def test_decision_is_kept_by_the_recompute_the_worker_runs(
    transactional_db, celery_worker_process, reviewer_a, reviewer_b, adjudicator
):
    article = ArticleFactory(text="Officials said 23 soldiers were killed on Friday.")
    session = session_with_team(
        articles=[article],
        reviewers=[reviewer_a, reviewer_b],
        adjudicators=[adjudicator],
    )
    make_span(
        session, article, reviewer_a, "23 soldiers", "quantity", "anonymous_vague"
    )
    make_span(
        session, article, reviewer_b, "23 soldiers", "event_action", "unsupported"
    )
    for reviewer in (reviewer_a, reviewer_b):
        review_state_set(
            session_id=session.pk, article_id=article.pk, reviewer=reviewer, done=True
        )

    def disputed_unit():
        return AgreementUnit.objects.filter(
            session=session, status=AgreementStatus.DISPUTED
        ).first()

    unit = wait_for(disputed_unit, message="the worker to store a disputed unit")
    report = AgreementReport.objects.get(session=session, article__isnull=True)
    wait_for(
        lambda: not AgreementReport.objects.get(pk=report.pk).stale,
        message="the first report to be fresh",
    )
    before = AgreementReport.objects.get(pk=report.pk).computed_at

    response = api_client_for(adjudicator).post(
        f"/api/sessions/{session.pk}/units/{unit.pk}/decision/",
        {"decision": "accepted", "accept": "A"},
        format="json",
    )
    assert response.status_code == 201, response.content

    def recomputed():
        fresh = AgreementReport.objects.get(pk=report.pk)
        return not fresh.stale and fresh.computed_at > before

    wait_for(recomputed, message="the worker to recompute after the decision")
    unit = AgreementUnit.objects.get(session=session, key=unit.key)
    assert unit.status == AgreementStatus.ADJUDICATED
    assert unit.gold_spans.get(is_current=True).pk == response.json()["id"]
