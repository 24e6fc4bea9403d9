"""Adjudication API: side-by-side versions, decisions, gold layer, facts, access."""

import pytest
from django.urls import reverse

from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    Fact,
    FactLink,
    GoldSpan,
)
from tests.conftest import api_client_for
from tests.plugins.adjudication import TALKS, span_snapshot

pytestmark = pytest.mark.django_db


def url(name, world, **kwargs):
    return reverse(f"api:{name}", kwargs={"sid": world.session.pk, **kwargs})


def decide(world, user, unit, body):
    return api_client_for(user).post(
        url("adjudication-decision", world, unit_id=unit.pk), body, format="json"
    )


def database_state(world):
    return (
        span_snapshot(world.session),
        list(GoldSpan.objects.values_list("pk", "is_current", "revision")),
        list(AgreementUnit.objects.order_by("pk").values_list("pk", "status")),
        list(Fact.objects.values_list("pk", "label")),
        list(FactLink.objects.values_list("pk", "value")),
    )


def test_disputes_show_the_versions_side_by_side_lettered_by_reviewer(world):
    response = api_client_for(world.adjudicator).get(
        url("adjudication-disputes", world)
    )
    assert response.status_code == 200, response.data
    body = response.json()
    assert body["count"] == 2
    talks, soldiers = body["results"]
    assert [talks["key"], soldiers["key"]] == ["talks-1", "soldiers-1"]
    assert talks["status"] == "disputed" and talks["gold"] is None
    assert [(v["letter"], v["reviewer"]) for v in talks["versions"]] == [
        ("A", "reviewer_a"),
        ("B", "reviewer_b"),
        ("C", "reviewer_c"),
    ]
    version_a = talks["versions"][0]
    text = world.talks_article.text
    assert version_a["id"] == world.talks_a.pk
    assert (version_a["start"], version_a["end"]) == (
        world.talks_a.start,
        world.talks_a.end,
    )
    assert text[version_a["start"] : version_a["end"]] == version_a["quote"] == TALKS
    # One emoji (two UTF-16 units) precedes the span.
    assert version_a["start_utf16"] == version_a["start"] + 1
    assert version_a["claim_type"] == "quoted_statement"
    assert version_a["sourcing_quality"] == "named_on_record"
    assert version_a["cited_source"] == "Khawaja Asif"
    assert version_a["version"] == 1
    assert talks["quote"] == text[talks["start"] : talks["end"]]


def test_status_all_lists_every_unit_article_by_article_in_text_order(world):
    client = api_client_for(world.adjudicator)
    everything = client.get(url("adjudication-disputes", world), {"status": "all"})
    assert [u["key"] for u in everything.json()["results"]] == [
        "talks-1",
        "friday-1",
        "soldiers-1",
    ]
    one_article = client.get(
        url("adjudication-disputes", world),
        {"status": "all", "article": world.soldiers_article.pk},
    )
    assert [u["key"] for u in one_article.json()["results"]] == ["soldiers-1"]
    page = client.get(
        url("adjudication-disputes", world), {"status": "all", "limit": 1}
    )
    assert page.json()["count"] == 3 and len(page.json()["results"]) == 1
    assert page.json()["next"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "closed"}, "status"), ({"article": "x"}, "article")],
)
def test_bad_list_filters_get_400_naming_the_field(world, params, field):
    response = api_client_for(world.adjudicator).get(
        url("adjudication-disputes", world), params
    )
    assert response.status_code == 400 and field in response.json()


def test_accepting_version_a_creates_gold_with_provenance(world):
    response = decide(
        world,
        world.adjudicator,
        world.talks_unit,
        {"decision": "accepted", "accept": "A", "verdict": "supported", "note": "ok"},
    )
    assert response.status_code == 201, response.data
    gold = response.json()
    assert gold["decision"] == "accepted" and gold["revision"] == 1
    assert (gold["start"], gold["end"], gold["quote"]) == (
        world.talks_a.start,
        world.talks_a.end,
        TALKS,
    )
    assert gold["claim_type"] == "quoted_statement"
    assert gold["cited_source"] == "Khawaja Asif"
    assert gold["verdict"] == "supported" and gold["note"] == "ok"
    assert gold["decided_by"] == "adjudicator"
    assert gold["accepted_span"] == world.talks_a.pk
    assert gold["accepted_reviewer"] == world.talks_a.reviewer.username
    assert gold["unit"] == world.talks_unit.pk and gold["unit_status"] == "adjudicated"
    assert gold["source_spans"] == [
        {
            "id": span.pk,
            "version": 1,
            "current_version": 1,
            "reviewer": span.reviewer.username,
            "letter": letter,
        }
        for span, letter in sorted(
            [(world.talks_a, "A"), (world.talks_b, "B"), (world.talks_c, "C")],
            key=lambda pair: pair[0].pk,
        )
    ]
    stored = GoldSpan.objects.get(pk=gold["id"])
    assert stored.verdict == "supported"
    assert stored.source_versions == {
        str(s.pk): 1 for s in (world.talks_a, world.talks_b, world.talks_c)
    }
    disputes = api_client_for(world.adjudicator).get(
        url("adjudication-disputes", world)
    )
    assert [u["key"] for u in disputes.json()["results"]] == ["soldiers-1"]


def test_accept_by_span_id_edit_and_reject_through_the_api(world):
    accepted = decide(
        world,
        world.adjudicator,
        world.soldiers_unit,
        {"decision": "accepted", "accept": str(world.soldiers_b.pk)},
    )
    assert accepted.status_code == 201, accepted.data
    assert accepted.json()["sourcing_quality"] == "anonymous_vague"
    text = world.talks_article.text
    start = text.index("the talks")
    edited = decide(
        world,
        world.adjudicator,
        world.talks_unit,
        {
            "decision": "edited",
            "start": start,
            "end": start + len("the talks are over"),
            "claim_type": "event_action",
            "sourcing_quality": "named_on_record",
            "cited_source": "Khawaja Asif",
        },
    )
    assert edited.status_code == 201, edited.data
    assert edited.json()["quote"] == "the talks are over"
    rejected = decide(
        world, world.adjudicator, world.friday_unit, {"decision": "rejected"}
    )
    assert rejected.status_code == 201, rejected.data
    assert rejected.json()["claim_type"] is None
    assert accepted.json()["accepted_reviewer"] == world.soldiers_b.reviewer.username
    for other in (edited.json(), rejected.json()):
        assert other["accepted_span"] is None and other["accepted_reviewer"] is None
    statuses = set(AgreementUnit.objects.values_list("status", flat=True))
    assert statuses == {AgreementStatus.ADJUDICATED}


def test_revising_through_the_api_keeps_the_history(world):
    client = api_client_for(world.adjudicator)
    first = decide(
        world,
        world.adjudicator,
        world.talks_unit,
        {"decision": "accepted", "accept": "B"},
    )
    second = decide(
        world, world.adjudicator, world.talks_unit, {"decision": "rejected"}
    )
    assert first.status_code == second.status_code == 201
    assert second.json()["supersedes"] == first.json()["id"]
    detail = client.get(url("adjudication-unit", world, unit_id=world.talks_unit.pk))
    assert detail.status_code == 200
    body = detail.json()
    assert body["status"] == "adjudicated"
    assert body["gold"]["id"] == second.json()["id"]
    assert [(g["revision"], g["is_current"]) for g in body["history"]] == [
        (2, True),
        (1, False),
    ]
    assert [v["letter"] for v in body["versions"]] == ["A", "B", "C"]
    gold = client.get(url("adjudication-gold", world))
    assert [g["id"] for g in gold.json()["results"]] == [second.json()["id"]]


def body_for(world, case):
    text = world.talks_article.text
    start = text.index(TALKS)
    edit = {
        "decision": "edited",
        "start": start,
        "end": start + len(TALKS),
        "claim_type": "quantity",
        "sourcing_quality": "unsupported",
    }
    return {
        "unknown decision": ({"decision": "maybe"}, "decision"),
        "missing decision": ({"accept": "A"}, "decision"),
        "accept missing": ({"decision": "accepted"}, "accept"),
        "accept unknown letter": ({"decision": "accepted", "accept": "Q"}, "accept"),
        "accept not a member": (
            {"decision": "accepted", "accept": world.soldiers_a.pk},
            "accept",
        ),
        "accept with labels": (
            {"decision": "accepted", "accept": "A", "claim_type": "quantity"},
            "claim_type",
        ),
        "end past the text": ({**edit, "end": len(text) + 1}, "end"),
        "end before start": ({**edit, "end": start}, "end"),
        "start not a number": ({**edit, "start": "soon"}, "start"),
        "inside a surrogate pair": (
            {**edit, "start": 6, "end": 20, "offset_unit": "utf16"},
            "start",
        ),
        "unknown offset unit": ({**edit, "offset_unit": "bytes"}, "offset_unit"),
        "claim type not in scheme": ({**edit, "claim_type": "rumour"}, "claim_type"),
        "sourcing not in scheme": (
            {**edit, "sourcing_quality": "psychic"},
            "sourcing_quality",
        ),
        "unknown verdict": ({**edit, "verdict": "true"}, "verdict"),
        "verdict on a rejection": (
            {"decision": "rejected", "verdict": "supported"},
            "verdict",
        ),
        "labels on a rejection": (
            {"decision": "rejected", "sourcing_quality": "unsupported"},
            "sourcing_quality",
        ),
        "unknown fact": ({**edit, "facts": [{"fact": 999999, "value": "1"}]}, "facts"),
        "fact without id or label": ({**edit, "facts": [{"value": "1"}]}, "facts"),
        "facts not a list": ({**edit, "facts": "killed"}, "facts"),
    }[case]


BAD_CASES = [
    "unknown decision",
    "missing decision",
    "accept missing",
    "accept unknown letter",
    "accept not a member",
    "accept with labels",
    "end past the text",
    "end before start",
    "start not a number",
    "inside a surrogate pair",
    "unknown offset unit",
    "claim type not in scheme",
    "sourcing not in scheme",
    "unknown verdict",
    "verdict on a rejection",
    "labels on a rejection",
    "unknown fact",
    "fact without id or label",
    "facts not a list",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_decision_gets_400_naming_the_field_and_changes_nothing(world, case):
    body, field = body_for(world, case)
    before = database_state(world)
    response = decide(world, world.adjudicator, world.talks_unit, body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert database_state(world) == before


def test_a_non_object_body_gets_400(world):
    response = api_client_for(world.adjudicator).post(
        url("adjudication-decision", world, unit_id=world.talks_unit.pk),
        ["accepted"],
        format="json",
    )
    assert response.status_code == 400


def endpoint_calls(world):
    unit = world.talks_unit
    fact = Fact.objects.create(
        session=world.session, label="Soldiers killed", created_by=world.adjudicator
    )
    return [
        ("get", url("adjudication-disputes", world), None),
        ("get", url("adjudication-unit", world, unit_id=unit.pk), None),
        (
            "post",
            url("adjudication-decision", world, unit_id=unit.pk),
            {"decision": "accepted", "accept": "A"},
        ),
        ("get", url("adjudication-gold", world), None),
        ("get", url("adjudication-facts", world), None),
        ("post", url("adjudication-facts", world), {"label": "Talks over"}),
        (
            "post",
            url("adjudication-fact-links", world, fact_id=fact.pk),
            {"gold_span": 1, "value": "x"},
        ),
        (
            "delete",
            url("adjudication-fact-link", world, fact_id=fact.pk, gold_span_id=1),
            None,
        ),
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("reviewer_a", 403), ("reviewer_c", 403), ("outsider", 404)],
)
def test_reviewers_get_403_and_outsiders_404_everywhere_without_changes(
    world, who, expected
):
    user = getattr(world, who)
    client = api_client_for(user)
    calls = endpoint_calls(world)
    before = database_state(world)
    for method, address, body in calls:
        response = getattr(client, method)(address, body, format="json")
        assert response.status_code == expected, (method, address, response.content)
    assert database_state(world) == before


def test_anonymous_users_are_refused(world):
    response = api_client_for(None).get(url("adjudication-disputes", world))
    assert response.status_code in (401, 403)


def test_a_unit_of_another_session_is_not_found(world, other_world):
    response = decide(
        world, world.adjudicator, other_world.unit, {"decision": "rejected"}
    )
    assert response.status_code == 404
    assert not GoldSpan.objects.exists()
    # And the other session's adjudicator cannot see this session at all.
    other = api_client_for(other_world.adjudicator).get(
        url("adjudication-unit", world, unit_id=world.talks_unit.pk)
    )
    assert other.status_code == 404


def test_staff_without_a_role_can_adjudicate(world):
    response = decide(
        world, world.staff, world.talks_unit, {"decision": "accepted", "accept": "c"}
    )
    assert response.status_code == 201, response.data
    assert response.json()["decided_by"] == "staff"
    assert response.json()["claim_type"] == "event_action"


def test_fact_linking_across_two_articles(world):
    client = api_client_for(world.adjudicator)
    created = client.post(
        url("adjudication-facts", world), {"label": "Soldiers killed"}
    )
    assert created.status_code == 201, created.data
    fact_id = created.json()["id"]
    same = client.post(url("adjudication-facts", world), {"label": "soldiers killed"})
    assert same.status_code == 200 and same.json()["id"] == fact_id
    first = decide(
        world,
        world.adjudicator,
        world.soldiers_unit,
        {
            "decision": "accepted",
            "accept": "A",
            "facts": [{"fact": fact_id, "value": "23"}],
        },
    )
    second = decide(
        world,
        world.adjudicator,
        world.talks_unit,
        {
            "decision": "accepted",
            "accept": "A",
            "facts": [
                {"fact": fact_id, "value": "none"},
                {"label": "Talks collapsed", "value": "yes"},
            ],
        },
    )
    assert first.status_code == second.status_code == 201, second.data
    assert [f["label"] for f in second.json()["facts"]] == [
        "Soldiers killed",
        "Talks collapsed",
    ]
    facts = client.get(url("adjudication-facts", world)).json()["results"]
    soldiers = next(f for f in facts if f["id"] == fact_id)
    assert {(link["article"], link["value"]) for link in soldiers["links"]} == {
        (world.soldiers_article.pk, "23"),
        (world.talks_article.pk, "none"),
    }
    removed = client.delete(
        url(
            "adjudication-fact-link",
            world,
            fact_id=fact_id,
            gold_span_id=second.json()["id"],
        )
    )
    assert removed.status_code == 204
    added = client.post(
        url("adjudication-fact-links", world, fact_id=fact_id),
        {"gold_span": second.json()["id"], "value": "0"},
        format="json",
    )
    assert added.status_code == 201 and added.json()["value"] == "0"
    bad = client.post(
        url("adjudication-fact-links", world, fact_id=fact_id),
        {"gold_span": 999999},
        format="json",
    )
    assert bad.status_code == 400 and "gold_span" in bad.json()


def test_the_schema_documents_the_adjudication_endpoints(world):
    response = api_client_for(world.staff).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    decision = paths["/api/sessions/{sid}/units/{unit_id}/decision/"]["post"]
    assert "201" in decision["responses"]
    assert "/api/sessions/{sid}/disputes/" in paths
