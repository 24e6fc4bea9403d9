"""GET /api/sessions/{sid}/articles/{aid}/feedback/: a reviewer against gold."""

import json

import pytest

from annotations.models import AgreementUnit
from annotations.services.adjudication import gold_decide
from annotations.services.agreement import agreement_recompute
from annotations.services.review import review_state_set
from tests.api.conftest import QUOTE, TEXT, make_span
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, session_with_team

pytestmark = pytest.mark.django_db
SECRET_B = "Marker B secret source"


@pytest.fixture
def world(reviewer_a, reviewer_b, adjudicator):
    article = ArticleFactory(external_id="feedback", text=TEXT)
    session = session_with_team(
        articles=[article],
        reviewers=[reviewer_a, reviewer_b],
        adjudicators=[adjudicator],
        blind=True,
    )
    span_a = make_span(session, article, reviewer_a)
    make_span(session, article, reviewer_a, quote="Tarar agreed")
    make_span(session, article, reviewer_b, claim_type="other", cited_source=SECRET_B)
    agreement_recompute(session_id=session.pk, force=True, bootstrap_draws=10)
    return {"session": session, "article": article, "span_a": span_a}


def _url(world, query=""):
    return (
        f"/api/sessions/{world['session'].pk}/articles/{world['article'].pk}"
        f"/feedback/{query}"
    )


def _decide(world, adjudicator):
    unit = AgreementUnit.objects.get(session=world["session"], spans=world["span_a"])
    start = TEXT.index(QUOTE)
    return gold_decide(
        unit_id=unit.pk,
        adjudicator=adjudicator,
        decision="edited",
        start=start,
        end=start + len(QUOTE),
        claim_type="other",
        sourcing_quality="unsupported",
    )


def _enable(world):
    world["session"].reviewer_feedback = True
    world["session"].save(update_fields=["reviewer_feedback"])


def test_disabled_then_no_gold_then_feedback(world, reviewer_a, adjudicator):
    client = api_client_for(reviewer_a)
    off = client.get(_url(world))
    assert off.status_code == 403
    assert "not enabled" in off.json()["detail"]
    _enable(world)
    before = client.get(_url(world))
    assert before.status_code == 403
    assert "no adjudicated or agreed gold" in before.json()["detail"]
    gold = _decide(world, adjudicator)
    response = client.get(_url(world))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["reviewer"]["id"] == reviewer_a.pk
    talks, tarar = data["spans"]
    assert talks["id"] == world["span_a"].pk
    assert talks["gold"]["id"] == f"gold:{gold.pk}"
    assert talks["gold"]["claim_type"] == "other"
    assert talks["gold"]["provenance"] == "edited"
    assert talks["differs"] == ["claim_type", "sourcing_quality", "cited_source"]
    assert tarar["gold"] is None and tarar["differs"] == []
    assert data["missed"] == []
    summary = data["summary"]
    # 2 spans, 1 gold, 1 exact hit: F1 = 2*1/(2+1)
    assert summary["exact"]["f1"] == pytest.approx(2 / 3)
    assert summary["exact"]["precision"] == pytest.approx(0.5)
    assert summary["exact"]["recall"] == pytest.approx(1.0)
    assert summary["label_agreement"] == 0.0
    # A's units: the disputed (now adjudicated) quote and Tarar (pending)
    assert summary["peers"]["units"] == 2 and summary["peers"]["agreed"] == 0


def test_blind_session_leaks_no_other_reviewer_span(
    world, reviewer_a, reviewer_b, adjudicator
):
    _enable(world)
    _decide(world, adjudicator)
    body = api_client_for(reviewer_a).get(_url(world)).content.decode()
    assert SECRET_B not in body
    assert reviewer_b.username not in body, body
    b_ids = {s.pk for s in world["session"].spans.filter(reviewer=reviewer_b)}
    ids = {s["id"] for s in json.loads(body)["spans"]}
    assert ids.isdisjoint(b_ids)
    other = api_client_for(reviewer_a).get(_url(world, f"?reviewer={reviewer_b.pk}"))
    assert other.status_code == 403


def test_offsets_in_utf16_on_request(world, reviewer_a, adjudicator):
    _enable(world)
    _decide(world, adjudicator)
    client = api_client_for(reviewer_a)
    points = client.get(_url(world)).json()["spans"][0]
    units = client.get(_url(world, "?offset_unit=utf16")).json()
    start = TEXT.index(QUOTE)  # 12 code points; the emoji is two UTF-16 units
    assert (points["start"], points["gold"]["start"]) == (start, start)
    span = units["spans"][0]
    assert units["offset_unit"] == "utf16"
    assert (span["start"], span["end"]) == (start + 1, start + 1 + len(QUOTE))
    assert span["gold"]["start"] == start + 1
    bad = client.get(_url(world, "?offset_unit=bytes"))
    assert bad.status_code == 400 and "offset_unit" in bad.json()


def test_permissions(world, reviewer_a, adjudicator, staff, outsider):
    _decide(world, adjudicator)  # feedback stays off: adjudicators still read
    assert api_client_for(None).get(_url(world)).status_code == 401
    assert api_client_for(outsider).get(_url(world)).status_code == 404
    judge = api_client_for(adjudicator)
    missing = judge.get(_url(world))
    assert missing.status_code == 403 and "?reviewer=" in missing.json()["detail"]
    assert judge.get(_url(world, "?reviewer=abc")).status_code == 400
    not_reviewer = judge.get(_url(world, f"?reviewer={adjudicator.pk}"))
    assert not_reviewer.status_code == 404
    read = judge.get(_url(world, f"?reviewer={reviewer_a.pk}"))
    assert read.status_code == 200
    assert read.json()["reviewer"]["username"] == reviewer_a.username
    assert (
        api_client_for(staff).get(_url(world, f"?reviewer={reviewer_a.pk}")).status_code
        == 200
    )
    elsewhere = f"/api/sessions/{world['session'].pk}/articles/999999/feedback/"
    assert api_client_for(reviewer_a).get(elsewhere).status_code == 404


def test_agreed_unit_is_gold_without_adjudication(reviewer_a, reviewer_b):
    article = ArticleFactory(external_id="agreed", text=TEXT)
    session = session_with_team(
        articles=[article], reviewers=[reviewer_a, reviewer_b], blind=True
    )
    session.reviewer_feedback = True
    session.save(update_fields=["reviewer_feedback"])
    make_span(session, article, reviewer_a)
    make_span(session, article, reviewer_b)
    for user in (reviewer_a, reviewer_b):
        review_state_set(
            session_id=session.pk, article_id=article.pk, reviewer=user, done=True
        )
    agreement_recompute(session_id=session.pk, force=True, bootstrap_draws=10)
    data = (
        api_client_for(reviewer_a)
        .get(f"/api/sessions/{session.pk}/articles/{article.pk}/feedback/")
        .json()
    )
    assert data["spans"][0]["gold"]["provenance"] == "agreed"
    assert data["spans"][0]["differs"] == []
    assert data["summary"]["exact"]["f1"] == 1.0
    assert data["summary"]["peers"] == {"units": 1, "agreed": 1, "agreed_share": 1.0}


def test_setting_through_the_session_api(world, staff):
    client = api_client_for(staff)
    url = f"/api/sessions/{world['session'].pk}/"
    assert client.get(url).json()["reviewer_feedback"] is False
    bad = client.patch(url, {"reviewer_feedback": "maybe"}, format="json")
    assert bad.status_code == 400 and "reviewer_feedback" in bad.json()
    ok = client.patch(url, {"reviewer_feedback": True}, format="json")
    assert ok.status_code == 200, ok.content
    assert client.get(url).json()["reviewer_feedback"] is True


def test_manage_page_turns_feedback_on_and_off(world, staff, client):
    session = world["session"]
    client.force_login(staff)
    url = f"/sessions/{session.pk}/manage/"
    page = client.get(url)
    assert b'name="reviewer_feedback"' in page.content
    on = client.post(url, {"action": "reviewer_feedback", "reviewer_feedback": "on"})
    assert on.status_code == 302
    session.refresh_from_db()
    assert session.reviewer_feedback is True
    client.post(url, {"action": "reviewer_feedback"})
    session.refresh_from_db()
    assert session.reviewer_feedback is False
