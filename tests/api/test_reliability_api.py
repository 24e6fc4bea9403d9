"""Reliability endpoints: report, evidence, recompute, and who may see them."""

from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model

from annotations.models import ReliabilityReport
from annotations.services.reliability import reliability_recompute
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.plugins.reliability import A2, A3, SOLDIERS


@pytest.fixture
def computed(scenario):
    reliability_recompute(session_id=scenario.session.pk)
    return scenario


def url(session, tail=""):
    return f"/api/sessions/{session.pk}/reliability/{tail}"


def test_adjudicator_gets_meta_outlets_sources_conflicts_and_annotators(computed):
    response = api_client_for(computed.adjudicator).get(url(computed.session))
    assert response.status_code == 200
    body = response.json()
    report = ReliabilityReport.objects.get(session=computed.session)
    assert body["report"]["fingerprint"] == report.fingerprint
    assert body["report"]["stale"] is False
    assert body["report"]["excluded_count"] == 3
    assert body["report"]["excluded"] == {"disputed": 1, "pending": 1, "rejected": 1}
    assert body["outlets"][0]["label"] == f"Unknown outlet ({A2})"
    assert body["outlets"][-1]["sourcing"]["value"] is None
    assert body["outlets"][-1]["sourcing"]["insufficient"] is True
    assert [c["label"] for c in body["conflicts"]] == [SOLDIERS]
    assert {a["reviewer"] for a in body["annotators"]} == {
        "reviewer1",
        "reviewer2",
        "reviewer3",
    }
    assert len(body["truthfinder"]["trust"]) == 2


def test_evidence_endpoint_returns_the_gold_spans_an_outlet_score_used(computed):
    outlet = quote(f"Unknown outlet ({A3})")
    response = api_client_for(computed.adjudicator).get(
        url(computed.session, f"outlet/{outlet}/evidence/")
    )
    assert response.status_code == 200
    body = response.json()
    expected = {
        gold.pk for gold in computed.gold.values() if gold.article.external_id == A3
    }
    assert {e["gold_span_id"] for e in body["evidence"]} == expected
    article_text = computed.articles[A3].text
    for entry in body["evidence"]:
        # Code point offsets, end exclusive, and the quote they cut.
        assert article_text[entry["start"] : entry["end"]] == entry["quote"]
        assert entry["span_ids"]
    assert body["metrics"]["sourcing"]["n"] == 6
    taliban = next(
        e for e in body["evidence"] if e["labels"]["cited_source"] == "Taliban"
    )
    assert taliban["labels"]["verdict"] == "contradicted"
    assert taliban["used_for"] == ["sourcing", "truthfinder_trust"]


def test_evidence_of_a_vague_source_and_of_a_reviewer(computed):
    client = api_client_for(computed.adjudicator)
    vague = client.get(
        url(
            computed.session,
            f"cited_source/{quote(f'afghan officials@{A2}')}/evidence/",
        )
    )
    assert vague.status_code == 200
    gold = computed.gold["Afghan officials reported at least 58 soldiers killed"]
    assert [e["gold_span_id"] for e in vague.json()["evidence"]] == [gold.pk]
    reviewer = client.get(url(computed.session, "reviewer/reviewer3/evidence/"))
    assert reviewer.status_code == 200
    misses = {
        e["span_id"]
        for e in reviewer.json()["evidence"]
        if e["metric"] == "gold_sourcing_quality" and not e["match"]
    }
    assert misses == {
        span.pk
        for g in computed.gold.values()
        if g.article.external_id == A2
        for span in g.source_spans.filter(reviewer__username="reviewer3")
    }


def test_evidence_bad_kind_is_400_and_unknown_subject_404(computed):
    client = api_client_for(computed.adjudicator)
    bad = client.get(url(computed.session, "planet/mars/evidence/"))
    assert bad.status_code == 400 and "kind" in bad.json()
    missing = client.get(url(computed.session, "outlet/Nobody/evidence/"))
    assert missing.status_code == 404


def test_reviewers_get_403_outsiders_404_staff_200(scenario):
    users = get_user_model().objects
    reviewer = users.get(username="reviewer1")
    staff = users.get(username="admin")
    outsider = UserFactory(username="stranger")
    for path in (url(scenario.session), url(scenario.session, "recompute/")):
        method = "post" if path.endswith("recompute/") else "get"
        assert getattr(api_client_for(reviewer), method)(path).status_code == 403
        assert getattr(api_client_for(outsider), method)(path).status_code == 404
        assert getattr(api_client_for(None), method)(path).status_code in (401, 403)
    response = api_client_for(staff).get(url(scenario.session))
    assert response.status_code == 200
    # Not computed yet: empty lists and a stale report, not an error.
    assert response.json()["report"]["computed_at"] is None
    assert response.json()["outlets"] == []
    assert (
        api_client_for(outsider).get("/api/sessions/999999/reliability/").status_code
        == 404
    )


def test_recompute_returns_202_with_a_task_id_and_validates_force(scenario):
    client = api_client_for(scenario.adjudicator)
    response = client.post(
        url(scenario.session, "recompute/"), {"force": True}, format="json"
    )
    assert response.status_code == 202
    task_id = response.json()["task_id"]
    assert task_id
    report = ReliabilityReport.objects.get(session=scenario.session)
    assert report.task_id == task_id
    bad = client.post(
        url(scenario.session, "recompute/"), {"force": "yes"}, format="json"
    )
    assert bad.status_code == 400 and "force" in bad.json()


def test_schema_documents_the_reliability_endpoints(db):
    staff = UserFactory(username="schema-staff", is_staff=True)
    response = api_client_for(staff).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/sessions/{sid}/reliability/" in paths
    assert "/api/sessions/{sid}/reliability/recompute/" in paths
    assert "/api/sessions/{sid}/reliability/{kind}/{subject_key}/evidence/" in paths
