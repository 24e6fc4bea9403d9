"""Who may export what: blind reviewers get only their own work."""

import json

from django.contrib.auth.models import Permission

from tests.factories import UserFactory
from tests.helpers.exports import export_response, export_text


def _spans(text):
    return [span for line in text.splitlines() for span in json.loads(line)["spans"]]


def test_blind_reviewer_exports_only_own_spans_without_units(reviewer_a, corpus):
    spans = _spans(export_text(reviewer_a, corpus["session"]))
    assert spans and {s["reviewer"] for s in spans} == {"reviewer_a"}
    assert {s["layer"] for s in spans} == {"raw"}
    assert all(s["unit_key"] is None and s["agreement_status"] is None for s in spans)
    rows = export_text(reviewer_a, corpus["session"], format="csv").splitlines()
    assert len(rows) == 1 + len(spans)
    card = json.loads(
        export_text(reviewer_a, corpus["session"], format="datacard-json")
    )
    assert [a["username"] for a in card["raw"]["annotators"]] == ["reviewer_a"]
    assert card["gold"] is None and card["agreement"] is None


def test_blind_reviewer_gets_403_for_gold_others_or_statuses(reviewer_a, corpus):
    session = corpus["session"]
    for params in (
        {"layer": "gold"},
        {"layer": "both"},
        {"reviewers": "reviewer_b"},
        {"reviewers": "reviewer_a,reviewer_b"},
        {"statuses": "agreed"},
    ):
        response = export_response(reviewer_a, session, **params)
        assert response.status_code == 403, params
    assert (
        export_response(reviewer_a, session, reviewers="reviewer_a").status_code == 200
    )


def test_outsider_gets_404(outsider, corpus):
    assert export_response(outsider, corpus["session"]).status_code == 404
    assert export_response(None, corpus["session"]).status_code in (401, 403)


def test_adjudicator_staff_and_export_permission_get_everything(
    adjudicator, staff, corpus
):
    holder = UserFactory(username="exporter")
    holder.user_permissions.add(Permission.objects.get(codename="export_corpus"))
    expected = None
    for user in (adjudicator, staff, holder):
        spans = _spans(export_text(user, corpus["session"]))
        reviewers = {s.get("reviewer") for s in spans if s["layer"] == "raw"}
        assert reviewers == {"reviewer_a", "reviewer_b", "reviewer_c"}
        assert any(s["layer"] == "gold" for s in spans)
        expected = expected or spans
        assert spans == expected


def test_reviewer_of_open_session_exports_everything(reviewer_a, corpus):
    session = corpus["session"]
    session.blind = False
    session.save()
    spans = _spans(export_text(reviewer_a, session))
    assert {s.get("reviewer") for s in spans if s["layer"] == "raw"} == {
        "reviewer_a",
        "reviewer_b",
        "reviewer_c",
    }
