"""Agreement API: reports, units (blind mode), recompute and task state."""

import pytest
from django.test import override_settings

from annotations.services.agreement import agreement_recompute
from annotations.services.spans import annotation_create
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, session_with_team

pytestmark = [pytest.mark.django_db]


def _mark(session, article, user, phrase, claim):
    start = article.text.index(phrase)
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=user,
        start=start,
        end=start + len(phrase),
        quote=phrase,
        claim_type=claim,
        sourcing_quality="named_institution",
    )


@pytest.fixture
def computed(team_session, emoji_article, reviewer_a, reviewer_b, reviewer_c):
    for user, claim in (
        (reviewer_a, "quoted_statement"),
        (reviewer_b, "quoted_statement"),
        (reviewer_c, "event_action"),
    ):
        _mark(team_session, emoji_article, user, "the talks are over", claim)
    with override_settings(AGREEMENT_BOOTSTRAP_DRAWS=50):
        agreement_recompute(session_id=team_session.pk)
    return team_session


def test_adjudicator_reads_session_report_with_article_summaries(
    computed, emoji_article, adjudicator
):
    response = api_client_for(adjudicator).get(
        f"/api/sessions/{computed.pk}/agreement/"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["report"]["stale"] is False
    assert body["report"]["payload"]["counts"]["units"] == 1
    [summary] = body["articles"]
    assert summary["article"] == emoji_article.pk
    assert summary["units"] == 1 and summary["stale"] is False
    # One unit valued s, s, e: o_ss = 1, o_se = o_es = 1; n_s = 2, n_e = 1:
    # D_o = 2/3, D_e = (9 - 4 - 1) / 6 = 2/3, so alpha = 1 - 1 = 0.
    assert summary["claim_type_alpha"] == pytest.approx(0.0)


def test_article_report_and_unknown_article(computed, emoji_article, adjudicator):
    client = api_client_for(adjudicator)
    url = f"/api/sessions/{computed.pk}/articles/{emoji_article.pk}/agreement/"
    body = client.get(url).json()
    assert body["article"] == emoji_article.pk
    assert body["payload"]["labels"]["claim_type"]["pairs"][0]["n"] == 1
    other = ArticleFactory()
    missing = client.get(f"/api/sessions/{computed.pk}/articles/{other.pk}/agreement/")
    assert missing.status_code == 404


def test_units_list_members_for_adjudicator_and_filters(computed, adjudicator):
    client = api_client_for(adjudicator)
    body = client.get(f"/api/sessions/{computed.pk}/units/?status=pending").json()
    assert body["count"] == 1
    [unit] = body["results"]
    assert [s["reviewer"] for s in unit["spans"]] == [
        "reviewer_a",
        "reviewer_b",
        "reviewer_c",
    ]
    assert (
        client.get(f"/api/sessions/{computed.pk}/units/?status=agreed").json()["count"]
        == 0
    )
    bad = client.get(f"/api/sessions/{computed.pk}/units/?status=nope&article=x")
    assert bad.status_code == 400
    assert set(bad.json()) >= {"status", "article"}


def test_units_use_utf16_offsets_only_when_asked(computed, emoji_article, staff):
    client = api_client_for(staff)
    url = f"/api/sessions/{computed.pk}/units/"
    codepoint = client.get(url).json()["results"][0]
    utf16 = client.get(url + "?offset_unit=utf16").json()["results"][0]
    start = emoji_article.text.index("the talks are over")
    assert codepoint["start"] == start
    # One emoji (two UTF-16 units) precedes the phrase.
    assert utf16["start"] == start + 1


def test_blind_session_hides_agreement_from_reviewers(computed, reviewer_a, outsider):
    reviewer = api_client_for(reviewer_a)
    for path in ("agreement/", "units/"):
        assert reviewer.get(f"/api/sessions/{computed.pk}/{path}").status_code == 403
    assert (
        api_client_for(outsider).get(f"/api/sessions/{computed.pk}/units/").status_code
        == 404
    )
    assert api_client_for(None).get(
        f"/api/sessions/{computed.pk}/units/"
    ).status_code in (
        401,
        403,
    )


def test_open_session_lets_reviewers_read_reports(reviewer_a, reviewer_b):
    article = ArticleFactory()
    session = session_with_team(
        articles=[article], reviewers=[reviewer_a, reviewer_b], blind=False
    )
    response = api_client_for(reviewer_a).get(f"/api/sessions/{session.pk}/agreement/")
    assert response.status_code == 200
    assert response.json()["report"] is None
    assert response.json()["articles"][0]["stale"] is True


def test_recompute_is_for_adjudicators_and_validates_its_body(
    computed, reviewer_a, adjudicator
):
    url = f"/api/sessions/{computed.pk}/agreement/recompute/"
    assert api_client_for(reviewer_a).post(url, {}, format="json").status_code == 403
    client = api_client_for(adjudicator)
    bad = client.post(url, {"force": "maybe", "article_ids": ["x"]}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"force", "article_ids"}
    foreign = client.post(url, {"article_ids": [ArticleFactory().pk]}, format="json")
    assert foreign.status_code == 400 and "article_ids" in foreign.json()


def test_recompute_returns_202_with_a_task_id_and_task_state_is_guarded(
    computed, adjudicator, reviewer_a
):
    client = api_client_for(adjudicator)
    response = client.post(
        f"/api/sessions/{computed.pk}/agreement/recompute/",
        {"force": True},
        format="json",
    )
    assert response.status_code == 202
    task_id = response.json()["task_id"]
    state = client.get(f"/api/tasks/{task_id}/")
    assert state.status_code == 200
    assert state.json()["task_id"] == task_id
    assert state.json()["state"] in {"PENDING", "STARTED", "SUCCESS", "RETRY"}
    assert api_client_for(reviewer_a).get(f"/api/tasks/{task_id}/").status_code == 403
    assert client.get("/api/tasks/not%20an%20id/").status_code == 400


def test_schema_documents_the_agreement_endpoints(staff):
    schema = api_client_for(staff).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/sessions/{sid}/agreement/",
        "/api/sessions/{sid}/articles/{aid}/agreement/",
        "/api/sessions/{sid}/units/",
        "/api/sessions/{sid}/agreement/recompute/",
        "/api/tasks/{task_id}/",
    ):
        assert path in paths, path
