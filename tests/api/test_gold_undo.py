"""Undo of a gold decision: back to the previous revision, history kept."""

import pytest
from django.urls import reverse

from annotations.models import AgreementStatus, AgreementUnit, GoldSpan
from tests.conftest import api_client_for
from tests.plugins.adjudication import TALKS, span_snapshot

pytestmark = pytest.mark.django_db


def decide(world, unit, body):
    url = reverse(
        "api:adjudication-decision",
        kwargs={"sid": world.session.pk, "unit_id": unit.pk},
    )
    response = api_client_for(world.adjudicator).post(url, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def undo(world, user, gold_id):
    url = reverse("api:gold-undo", kwargs={"sid": world.session.pk, "gold_id": gold_id})
    return api_client_for(user).post(url, format="json")


def history(world, unit):
    return list(
        GoldSpan.objects.filter(session=world.session, unit_key=unit.key)
        .order_by("revision")
        .values_list("revision", "decision", "is_current", "supersedes__revision")
    )


def test_undo_reverts_to_the_previous_revision_and_keeps_history(world):
    unit = world.talks_unit
    spans_before = span_snapshot(world.session)
    first = decide(world, unit, {"decision": "accepted", "accept": "A", "note": "A"})
    second = decide(world, unit, {"decision": "rejected"})
    assert second["revision"] == 2
    response = undo(world, world.adjudicator, second["id"])
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["undone"] == second["id"]
    current = body["current"]
    assert current["revision"] == 3 and current["is_current"]
    assert current["decision"] == "accepted" and current["quote"] == TALKS
    assert current["accepted_span"] == first["accepted_span"] == world.talks_a.pk
    assert current["note"] == "A" and current["supersedes"] == second["id"]
    assert [s["id"] for s in current["source_spans"]] == [
        s["id"] for s in first["source_spans"]
    ]
    assert body["unit_status"] == "adjudicated"
    assert history(world, unit) == [
        (1, "accepted", False, None),
        (2, "rejected", False, 1),
        (3, "accepted", True, 2),
    ]
    assert span_snapshot(world.session) == spans_before


def test_undoing_the_first_decision_leaves_the_unit_disputed(world):
    unit = world.talks_unit
    first = decide(world, unit, {"decision": "accepted", "accept": "B"})
    response = undo(world, world.adjudicator, first["id"])
    assert response.status_code == 200, response.json()
    assert response.json()["current"] is None
    assert response.json()["unit_status"] == "disputed"
    assert AgreementUnit.objects.get(pk=unit.pk).status == AgreementStatus.DISPUTED
    assert history(world, unit) == [(1, "accepted", False, None)]
    # Deciding again numbers on from the history.
    again = decide(world, unit, {"decision": "rejected"})
    assert again["revision"] == 2
    assert history(world, unit)[-1] == (2, "rejected", True, None)


def test_undo_of_a_decision_no_longer_current_is_a_conflict(world):
    unit = world.talks_unit
    first = decide(world, unit, {"decision": "accepted", "accept": "A"})
    decide(world, unit, {"decision": "rejected"})
    before = history(world, unit)
    response = undo(world, world.adjudicator, first["id"])
    assert response.status_code == 409
    assert "no longer the current decision" in response.json()["detail"]
    assert history(world, unit) == before


def test_only_adjudicators_undo_and_unknown_ids_are_404(world):
    first = decide(world, world.talks_unit, {"decision": "accepted", "accept": "A"})
    assert undo(world, world.reviewer_a, first["id"]).status_code == 403
    assert undo(world, world.outsider, first["id"]).status_code == 404
    assert undo(world, world.adjudicator, first["id"] + 999).status_code == 404
    assert GoldSpan.objects.get(pk=first["id"]).is_current
