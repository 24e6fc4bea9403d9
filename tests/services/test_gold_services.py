"""Gold decisions: provenance, revisions, untouched reviewer spans, facts, roles."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from annotations.models import (
    AgreementReport,
    AgreementStatus,
    AgreementUnit,
    Fact,
    FactLink,
    GoldSpan,
    ReliabilityReport,
    SessionMembership,
)
from annotations.selectors.adjudication import gold_history, version_letter
from annotations.services.adjudication import (
    fact_create,
    fact_link_add,
    fact_link_remove,
    gold_decide,
)
from annotations.services.spans import annotation_update
from tests.plugins.adjudication import TALKS, span_snapshot

pytestmark = pytest.mark.django_db


def member_versions(*spans) -> dict[str, int]:
    return {str(span.pk): span.version for span in spans}


def test_accept_copies_the_chosen_version_with_provenance(world):
    gold = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.talks_a.pk,
        note="  Direct quote, named speaker. ",
    )
    assert gold.decision == "accepted"
    assert (gold.start, gold.end, gold.quote) == (
        world.talks_a.start,
        world.talks_a.end,
        TALKS,
    )
    assert gold.claim_type.code == "quoted_statement"
    assert gold.sourcing_quality.code == "named_on_record"
    assert gold.cited_source == "Khawaja Asif"
    assert gold.note == "Direct quote, named speaker."
    assert gold.decided_by == world.adjudicator
    assert gold.decided_at is not None
    assert set(gold.source_spans.all()) == {world.talks_a, world.talks_b, world.talks_c}
    assert gold.source_versions == member_versions(
        world.talks_a, world.talks_b, world.talks_c
    )
    assert (gold.unit_id, gold.unit_key, gold.revision) == (
        world.talks_unit.pk,
        "talks-1",
        1,
    )
    assert gold.is_current and gold.supersedes is None
    assert gold.accepted_span == world.talks_a
    assert gold.accepted_reviewer == world.talks_a.reviewer
    world.talks_unit.refresh_from_db()
    assert world.talks_unit.status == AgreementStatus.ADJUDICATED


def test_the_accepted_reviewer_outlives_the_accepted_span(world):
    gold = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.talks_b.pk,
    )
    reviewer = world.talks_b.reviewer
    world.talks_b.delete()
    gold.refresh_from_db()
    assert gold.accepted_span is None and gold.accepted_reviewer == reviewer


def test_only_an_accepted_decision_names_an_accepted_version(world):
    rejected = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="rejected",
    )
    assert rejected.accepted_span is None and rejected.accepted_reviewer is None
    # The database refuses the combination whatever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        GoldSpan.objects.filter(pk=rejected.pk).update(accepted_span=world.talks_a)
    rejected.refresh_from_db()
    assert rejected.accepted_span is None


def test_edit_takes_explicit_offsets_and_derives_the_quote(world):
    text = world.talks_article.text
    start = text.index("the talks")
    end = start + len("the talks are over")
    gold = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="edited",
        # The emoji before the span is two UTF-16 units: offsets shift by one.
        start=start + 1,
        end=end + 1,
        offset_unit="utf16",
        claim_type="quoted_statement",
        sourcing_quality="named_institution",
        cited_source="  Pakistan   defence ministry ",
    )
    assert (gold.start, gold.end) == (start, end)
    assert gold.quote == text[start:end] == "the talks are over"
    assert gold.sourcing_quality.code == "named_institution"
    assert gold.cited_source == "Pakistan defence ministry"
    assert gold.source_versions == member_versions(
        world.talks_a, world.talks_b, world.talks_c
    )


def test_reject_stores_the_unit_extent_without_labels(world):
    gold = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="rejected",
        note="Opinion, not a claim.",
    )
    unit = world.talks_unit
    assert (gold.start, gold.end) == (unit.start, unit.end)
    assert gold.quote == world.talks_article.text[unit.start : unit.end]
    assert gold.claim_type is None and gold.sourcing_quality is None
    assert gold.cited_source == "" and gold.verdict == ""
    assert gold.source_spans.count() == 3
    unit.refresh_from_db()
    assert unit.status == AgreementStatus.ADJUDICATED


def test_revising_keeps_history_with_one_current_row(world):
    first = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.talks_b.pk,
    )
    second = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.talks_a.pk,
        verdict="supported",
    )
    third = gold_decide(
        unit_id=world.talks_unit.pk, adjudicator=world.adjudicator, decision="rejected"
    )
    rows = GoldSpan.objects.filter(unit_key="talks-1").order_by("revision")
    assert [(g.pk, g.revision, g.is_current) for g in rows] == [
        (first.pk, 1, False),
        (second.pk, 2, False),
        (third.pk, 3, True),
    ]
    assert second.supersedes_id == first.pk and third.supersedes_id == second.pk
    history = gold_history(
        session_id=world.session.pk,
        article_id=world.talks_article.pk,
        unit_key="talks-1",
    )
    assert [g.pk for g in history] == [third.pk, second.pk, first.pk]
    # The earlier decision is kept as it was.
    first.refresh_from_db()
    assert first.cited_source == "Pakistan" and first.claim_type.code == "event_action"


def test_reviewer_spans_are_never_modified(world):
    before = span_snapshot(world.session)
    gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.talks_c.pk,
    )
    text = world.talks_article.text
    gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="edited",
        start=text.index(TALKS),
        end=text.index(TALKS) + len(TALKS),
        claim_type="other",
        sourcing_quality="unsupported",
        fact_links=[{"label": "Talks collapsed", "value": "over"}],
    )
    gold_decide(
        unit_id=world.talks_unit.pk, adjudicator=world.adjudicator, decision="rejected"
    )
    assert span_snapshot(world.session) == before


def test_decision_marks_reports_stale_and_enqueues_a_recompute(
    world, django_capture_on_commit_callbacks
):
    report = AgreementReport.objects.create(session=world.session, stale=False)
    reliability = ReliabilityReport.objects.create(session=world.session, stale=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        gold_decide(
            unit_id=world.soldiers_unit.pk,
            adjudicator=world.adjudicator,
            decision="accepted",
            accept_span_id=world.soldiers_a.pk,
        )
    report.refresh_from_db()
    reliability.refresh_from_db()
    assert report.stale and reliability.stale
    assert len(callbacks) == 1


@pytest.mark.parametrize("who", ["reviewer_a", "outsider", "staff_reviewer"])
def test_only_adjudicators_and_staff_may_decide(world, who):
    user = world.outsider if who == "outsider" else world.reviewer_a
    if who == "staff_reviewer":
        # A staff member who reviews in the session is a reviewer there.
        user.is_staff = True
        user.save()
    with pytest.raises(PermissionDenied):
        gold_decide(
            unit_id=world.talks_unit.pk,
            adjudicator=user,
            decision="accepted",
            accept_span_id=world.talks_a.pk,
        )
    assert not GoldSpan.objects.exists()
    world.talks_unit.refresh_from_db()
    assert world.talks_unit.status == AgreementStatus.DISPUTED


def test_staff_without_a_role_may_decide(world):
    gold = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.staff,
        decision="accepted",
        accept_span_id=world.talks_a.pk,
    )
    assert gold.decided_by == world.staff


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({"accept_span_id": None}, "accept"),
        ({"accept_span_id": "soldiers"}, "accept"),
        ({"start": 0}, "start"),
        ({"verdict": "true"}, "verdict"),
        ({"note": 5}, "note"),
        ({"fact_links": [{"fact_id": 999999, "value": "x"}]}, "facts"),
        ({"fact_links": [{"value": "x"}]}, "facts"),
        ({"fact_links": "a fact"}, "facts"),
    ],
)
def test_bad_accept_input_names_the_field_and_writes_nothing(world, overrides, field):
    kwargs = {
        "unit_id": world.talks_unit.pk,
        "adjudicator": world.adjudicator,
        "decision": "accepted",
        "accept_span_id": world.talks_a.pk,
        **overrides,
    }
    if kwargs["accept_span_id"] == "soldiers":
        kwargs["accept_span_id"] = world.soldiers_a.pk  # a span of another unit
    with pytest.raises(ValidationError) as excinfo:
        gold_decide(**kwargs)
    assert field in excinfo.value.message_dict, excinfo.value.message_dict
    assert not GoldSpan.objects.exists() and not Fact.objects.exists()


def test_a_failed_revision_leaves_the_current_decision_current(world):
    first = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.talks_a.pk,
    )
    with pytest.raises(ValidationError):
        gold_decide(
            unit_id=world.talks_unit.pk,
            adjudicator=world.adjudicator,
            decision="edited",
            start=3,
            end=2,
            claim_type="quantity",
            sourcing_quality="unsupported",
        )
    first.refresh_from_db()
    assert first.is_current and GoldSpan.objects.count() == 1


def test_verdict_is_stored_and_refused_on_a_rejection(world):
    gold = gold_decide(
        unit_id=world.soldiers_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.soldiers_b.pk,
        verdict="contradicted",
    )
    assert GoldSpan.objects.get(pk=gold.pk).verdict == "contradicted"
    with pytest.raises(ValidationError) as excinfo:
        gold_decide(
            unit_id=world.soldiers_unit.pk,
            adjudicator=world.adjudicator,
            decision="rejected",
            verdict="supported",
        )
    assert "verdict" in excinfo.value.message_dict


def test_fact_links_connect_units_across_articles(world):
    fact, created = fact_create(
        session_id=world.session.pk, label="Soldiers killed", actor=world.adjudicator
    )
    assert created
    again, created_again = fact_create(
        session_id=world.session.pk, label=" soldiers   KILLED", actor=world.adjudicator
    )
    assert again == fact and not created_again
    soldiers = gold_decide(
        unit_id=world.soldiers_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.soldiers_a.pk,
        fact_links=[{"fact_id": fact.pk, "value": "23"}],
    )
    # The other article links by label: the same fact, no duplicate row.
    talks = gold_decide(
        unit_id=world.talks_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.talks_a.pk,
        fact_links=[{"label": "Soldiers killed", "value": "none reported"}],
    )
    assert Fact.objects.filter(session=world.session).count() == 1
    links = FactLink.objects.filter(fact=fact).order_by("gold_span__article_id")
    assert {(link.gold_span.article_id, link.value) for link in links} == {
        (world.soldiers_article.pk, "23"),
        (world.talks_article.pk, "none reported"),
    }
    # Revising without facts carries the links forward to the new revision.
    revised = gold_decide(
        unit_id=world.soldiers_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.soldiers_b.pk,
    )
    assert list(
        FactLink.objects.filter(gold_span=revised).values_list("fact_id", "value")
    ) == [(fact.pk, "23")]
    # History keeps its own link.
    assert FactLink.objects.filter(gold_span=soldiers).count() == 1
    assert fact_link_remove(fact_id=fact.pk, gold_span_id=talks.pk, actor=world.staff)
    assert not FactLink.objects.filter(gold_span=talks).exists()
    link = fact_link_add(
        fact_id=fact.pk, gold_span_id=talks.pk, value="0", actor=world.adjudicator
    )
    assert link.value == "0"


def test_facts_of_another_session_cannot_be_linked(world, other_world):
    foreign, _ = fact_create(
        session_id=other_world.session.pk, label="Deaths", actor=other_world.adjudicator
    )
    with pytest.raises(ValidationError) as excinfo:
        gold_decide(
            unit_id=world.soldiers_unit.pk,
            adjudicator=world.adjudicator,
            decision="accepted",
            accept_span_id=world.soldiers_a.pk,
            fact_links=[{"fact_id": foreign.pk, "value": "23"}],
        )
    assert "facts" in excinfo.value.message_dict
    with pytest.raises(PermissionDenied):
        fact_create(
            session_id=other_world.session.pk, label="x", actor=world.adjudicator
        )


def test_a_recomputed_unit_with_the_same_key_continues_the_history(world):
    first = gold_decide(
        unit_id=world.soldiers_unit.pk,
        adjudicator=world.adjudicator,
        decision="accepted",
        accept_span_id=world.soldiers_a.pk,
    )
    spans = list(world.soldiers_unit.spans.all())
    world.soldiers_unit.delete()
    first.refresh_from_db()
    assert first.unit_id is None and first.is_current
    unit = AgreementUnit.objects.create(
        session=world.session,
        article=world.soldiers_article,
        key="soldiers-1",
        start=first.start,
        end=first.end,
        status=AgreementStatus.DISPUTED,
    )
    unit.spans.set(spans)
    second = gold_decide(
        unit_id=unit.pk, adjudicator=world.adjudicator, decision="rejected"
    )
    assert second.revision == 2 and second.supersedes_id == first.pk


def test_version_letters_continue_past_z():
    assert [version_letter(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
    ]


def test_membership_role_is_what_counts(world):
    SessionMembership.objects.filter(user=world.adjudicator).update(role="reviewer")
    with pytest.raises(PermissionDenied):
        gold_decide(
            unit_id=world.talks_unit.pk,
            adjudicator=world.adjudicator,
            decision="rejected",
        )


def test_migration_backfills_the_accepted_version_only_when_it_is_certain(world):
    """Decisions made before GoldSpan.accepted_span existed get it back where
    exactly one source span still matches the gold span as decided."""
    backfill = importlib.import_module(
        "annotations.migrations.0003_gold_accepted_version"
    ).accepted_versions_backfill
    decided = {
        name: gold_decide(
            unit_id=unit.pk,
            adjudicator=world.adjudicator,
            decision="accepted",
            accept_span_id=span.pk,
        )
        for name, unit, span in (
            ("talks", world.talks_unit, world.talks_a),
            ("soldiers", world.soldiers_unit, world.soldiers_b),
            # Two reviewers marked these words identically: either could be it.
            ("friday", world.friday_unit, world.friday_unit.spans.first()),
        )
    }
    # The soldiers span was edited after the decision: no longer as decided.
    annotation_update(
        span_id=world.soldiers_b.pk,
        actor=world.soldiers_b.reviewer,
        expected_version=world.soldiers_b.version,
        cited_source="a different source",
    )
    GoldSpan.objects.update(accepted_span=None, accepted_reviewer=None)
    backfill(django_apps, None)
    restored = {
        name: GoldSpan.objects.get(pk=gold.pk) for name, gold in decided.items()
    }
    assert restored["talks"].accepted_span_id == world.talks_a.pk
    assert restored["talks"].accepted_reviewer_id == world.talks_a.reviewer_id
    for name in ("soldiers", "friday"):
        assert restored[name].accepted_span_id is None
        assert restored[name].accepted_reviewer_id is None
