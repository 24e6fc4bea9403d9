"""A gold decision stays attached to its claim when the unit is re-keyed, and is
flagged for review when the spans it was decided on change."""

import json

import pytest

from annotations.exporters.base import ExportFilters
from annotations.exporters.jsonl import jsonl_lines
from annotations.models import AgreementReport, AgreementStatus, AgreementUnit, GoldSpan
from annotations.selectors.adjudication import gold_history
from annotations.services.adjudication import gold_decide
from annotations.services.agreement import agreement_recompute
from annotations.services.agreement_inputs import gold_attach
from annotations.services.agreement_types import GoldRow, SpanRow
from annotations.services.spans import annotation_delete, annotation_update
from tests.conftest import api_client_for
from tests.plugins.adjudication import TALKS, TALKS_TEXT, disputed_claim, make_span

pytestmark = pytest.mark.django_db

TEXT = TALKS_TEXT


@pytest.fixture
def decided(reviewer_a, reviewer_b, reviewer_c, adjudicator):
    """Three reviewers disagree on one claim; an adjudicator decided it twice."""
    world = disputed_claim((reviewer_a, reviewer_b, reviewer_c), adjudicator)
    unit, spans = world.unit, world.spans
    assert unit.status == AgreementStatus.DISPUTED
    gold_decide(
        unit_id=unit.pk,
        adjudicator=adjudicator,
        decision="accepted",
        accept_span_id=spans["reviewer_c"].pk,
    )
    gold = gold_decide(
        unit_id=unit.pk,
        adjudicator=adjudicator,
        decision="accepted",
        accept_span_id=spans["reviewer_a"].pk,
        verdict="supported",
    )
    agreement_recompute(session_id=world.session.pk, bootstrap_draws=20)
    assert AgreementUnit.objects.get(pk=unit.pk).status == AgreementStatus.ADJUDICATED
    assert not GoldSpan.objects.get(pk=gold.pk).evidence_changed
    world.gold = gold
    return world


def _recompute(world):
    return agreement_recompute(session_id=world.session.pk, bootstrap_draws=20)


def _exported_gold(world):
    (line,) = b"".join(jsonl_lines(ExportFilters(session_id=world.session.pk))).split(
        b"\n"
    )[:-1]
    record = json.loads(line)
    gold = [span for span in record["spans"] if span["layer"] == "gold"]
    raw = [span for span in record["spans"] if span["layer"] == "raw"]
    return gold, raw


def test_deleting_a_member_re_keys_the_unit_and_the_decision_follows_flagged(
    decided, reviewer_c, adjudicator
):
    world = decided
    annotation_delete(span_id=world.spans["reviewer_c"].pk, actor=reviewer_c)
    report = _recompute(world)

    survivor = AgreementUnit.objects.get(session=world.session)
    assert survivor.key != world.unit.key  # re-keyed: one member fewer
    assert survivor.status == AgreementStatus.ADJUDICATED
    gold = GoldSpan.objects.get(pk=world.gold.pk)
    assert gold.is_current
    assert (gold.unit_id, gold.unit_key) == (survivor.pk, survivor.key)
    assert gold.evidence_changed
    # Its history moved with it.
    history = gold_history(
        session_id=world.session.pk, article_id=world.article.pk, unit_key=survivor.key
    )
    assert [revision.revision for revision in history] == [2, 1]

    exported, raw = _exported_gold(world)
    assert [
        (g["unit_key"], g["agreement_status"], g["evidence_changed"]) for g in exported
    ] == [(survivor.key, "adjudicated", True)]
    assert {span["unit_key"] for span in raw} == {survivor.key}

    response = api_client_for(adjudicator).get(
        f"/api/sessions/{world.session.pk}/units/{survivor.pk}/"
    )
    assert response.status_code == 200, response.content
    assert response.json()["gold"]["evidence_changed"] is True

    # Nothing changed since: the next run does no work and keeps the rows.
    again = _recompute(world)
    assert again.computed_at == report.computed_at
    assert GoldSpan.objects.get(pk=gold.pk).unit_id == survivor.pk

    # A new decision on the re-keyed unit supersedes the flagged one.
    fresh = gold_decide(
        unit_id=survivor.pk,
        adjudicator=adjudicator,
        decision="accepted",
        accept_span_id=world.spans["reviewer_b"].pk,
    )
    assert (fresh.revision, fresh.supersedes_id) == (3, gold.pk)
    assert not fresh.evidence_changed
    assert GoldSpan.objects.filter(session=world.session, is_current=True).count() == 1


def test_moving_a_member_keeps_the_decision_on_its_claim_flagged(decided, reviewer_b):
    world = decided
    span = world.spans["reviewer_b"]
    start = TEXT.index("the talks are over")
    annotation_update(
        span_id=span.pk,
        actor=reviewer_b,
        expected_version=span.version,
        start=start,
        end=start + len("the talks are over"),
        quote="the talks are over",
    )
    _recompute(world)
    unit = AgreementUnit.objects.get(session=world.session)
    assert unit.key != world.unit.key and unit.spans.count() == 3
    gold = GoldSpan.objects.get(pk=world.gold.pk)
    assert (gold.unit_id, gold.unit_key, gold.evidence_changed) == (
        unit.pk,
        unit.key,
        True,
    )
    assert unit.status == AgreementStatus.ADJUDICATED


def test_editing_a_member_in_place_flags_the_decision(decided, reviewer_b):
    world = decided
    span = world.spans["reviewer_b"]
    annotation_update(
        span_id=span.pk,
        actor=reviewer_b,
        expected_version=span.version,
        claim_type="event_action",
    )
    _recompute(world)
    gold = GoldSpan.objects.get(pk=world.gold.pk)
    assert (gold.unit_id, gold.unit_key) == (world.unit.pk, world.unit.key)
    assert gold.evidence_changed


def test_a_member_moved_away_does_not_take_the_decision_along(decided, reviewer_c):
    world = decided
    span = world.spans["reviewer_c"]
    phrase = "officials said"
    start = TEXT.index(phrase)
    annotation_update(
        span_id=span.pk,
        actor=reviewer_c,
        expected_version=span.version,
        start=start,
        end=start + len(phrase),
        quote=phrase,
    )
    _recompute(world)
    gold = GoldSpan.objects.get(pk=world.gold.pk)
    claim = AgreementUnit.objects.get(pk=gold.unit_id)
    assert set(claim.spans.values_list("reviewer__username", flat=True)) == {
        "reviewer_a",
        "reviewer_b",
    }
    assert gold.evidence_changed
    moved = AgreementUnit.objects.get(session=world.session, spans=span)
    # It used to read "adjudicated" because it shared a source span.
    assert moved.status != AgreementStatus.ADJUDICATED


def test_a_claim_no_one_marks_any_more_keeps_its_decision_flagged_until_it_returns(
    decided, reviewer_a, reviewer_b, reviewer_c
):
    world = decided
    for reviewer in (reviewer_a, reviewer_b, reviewer_c):
        annotation_delete(span_id=world.spans[reviewer.username].pk, actor=reviewer)
    _recompute(world)
    gold = GoldSpan.objects.get(pk=world.gold.pk)
    assert gold.is_current and gold.unit_id is None and gold.evidence_changed
    exported, _ = _exported_gold(world)
    assert [(g["agreement_status"], g["evidence_changed"]) for g in exported] == [
        (None, True)
    ]

    # Marked again (new spans): the decision attaches by overlap, still flagged.
    make_span(
        world.session,
        world.article,
        reviewer_a,
        TALKS,
        "quoted_statement",
        "named_on_record",
    )
    _recompute(world)
    gold.refresh_from_db()
    unit = AgreementUnit.objects.get(session=world.session)
    assert (gold.unit_id, gold.unit_key, gold.evidence_changed) == (
        unit.pk,
        unit.key,
        True,
    )
    assert AgreementReport.objects.get(session=world.session, article=world.article)


def _row(span_id, reviewer, start, end, version=1):
    return SpanRow(
        span_id, 1, reviewer, start, end, version, "quantity", "unsupported", 6, ""
    )


def test_gold_attach_keeps_one_decision_per_unit_and_prefers_shared_sources():
    merged = ("a:0:10,b:0:12", 0, 12, [_row(1, "a", 0, 10), _row(2, "b", 0, 12)])
    other = ("c:40:50", 40, 50, [_row(3, "c", 40, 50)])
    first = GoldRow(10, "a:0:10", 0, 10, (1,), ((1, 1), (9, 1)))
    second = GoldRow(11, "b:0:12,x:0:12", 0, 12, (1, 2), ((1, 1), (2, 1)))
    by_key = GoldRow(12, "c:40:50", 40, 50, (), ())
    attached = gold_attach([merged, other], [first, second, by_key], threshold=0.5)
    # The decision sharing both members wins the merged unit; the other one is
    # left unattached rather than displacing it, and the key still counts first.
    assert attached == {11: 0, 12: 1}
