"""A unit's discussion thread (comments and read markers) stays with its claim
when a recompute re-keys the unit, as its gold decision does."""

import pytest

from annotations.models import AgreementUnit, CommentReadMarker, GoldSpan, UnitComment
from annotations.services import recompute
from annotations.services.adjudication import gold_decide
from annotations.services.agreement import agreement_recompute
from annotations.services.agreement_types import SpanRow, UnitData
from annotations.services.discussion_follow import thread_targets
from annotations.services.spans import annotation_delete, annotation_update
from tests.conftest import api_client_for
from tests.plugins.adjudication import TALKS_TEXT, disputed_claim

pytestmark = pytest.mark.django_db

TEXT = TALKS_TEXT


@pytest.fixture
def discussed(reviewer_a, reviewer_b, reviewer_c, adjudicator, staff, monkeypatch):
    """Three reviewers disagree on one claim; its unit has a two-comment thread
    that the staff member has read up to the first comment."""
    monkeypatch.setattr(recompute, "agreement_enqueue", lambda **kwargs: None)
    world = disputed_claim((reviewer_a, reviewer_b, reviewer_c), adjudicator)
    url = f"/api/sessions/{world.session.pk}/units/{world.unit.pk}/comments/"
    first = api_client_for(adjudicator).post(
        url, {"text": "Is C right that this is an event?"}, format="json"
    )
    api_client_for(reviewer_a).post(url, {"text": "No, it is a quote."}, format="json")
    marked = api_client_for(staff).post(
        url + "read/", {"up_to": first.json()["id"]}, format="json"
    )
    assert marked.json() == {"last_read": first.json()["id"], "unread": 1}
    world.url = url
    return world


def _thread_of(world, user, unit):
    url = f"/api/sessions/{world.session.pk}/units/{unit.pk}/comments/"
    response = api_client_for(user).get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _recompute(world):
    agreement_recompute(session_id=world.session.pk, bootstrap_draws=20)
    return AgreementUnit.objects.get(session=world.session)


def test_deleting_a_member_re_keys_the_unit_and_the_thread_follows(
    discussed, reviewer_c, adjudicator, staff, reviewer_a
):
    world = discussed
    annotation_delete(span_id=world.spans["reviewer_c"].pk, actor=reviewer_c)
    survivor = _recompute(world)
    assert survivor.key != world.unit.key
    assert not UnitComment.objects.filter(unit_key=world.unit.key).exists()
    thread = _thread_of(world, adjudicator, survivor)
    assert [c["text"] for c in thread["results"]] == [
        "Is C right that this is an event?",
        "No, it is a quote.",
    ]
    # Unread state came along: the adjudicator has not read reviewer_a's
    # reply, staff read up to the first comment, reviewer_a read all (wrote last).
    assert thread["unread"] == 1
    assert _thread_of(world, staff, survivor)["unread"] == 1
    assert _thread_of(world, reviewer_a, survivor)["unread"] == 0
    assert set(
        CommentReadMarker.objects.filter(session=world.session).values_list(
            "unit_key", flat=True
        )
    ) == {survivor.key}
    unread = api_client_for(staff).get(
        f"/api/sessions/{world.session.pk}/comments/unread/"
    )
    assert unread.json()["units"] == [
        {"unit": survivor.pk, "article": world.article.pk, "unread": 1}
    ]


def test_thread_and_gold_move_together_when_a_member_moves(
    discussed, reviewer_b, adjudicator
):
    world = discussed
    gold = gold_decide(
        unit_id=world.unit.pk,
        adjudicator=adjudicator,
        decision="accepted",
        accept_span_id=world.spans["reviewer_a"].pk,
    )
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
    unit = _recompute(world)
    assert unit.key != world.unit.key
    assert GoldSpan.objects.get(pk=gold.pk).unit_key == unit.key
    assert _thread_of(world, adjudicator, unit)["count"] == 2


def test_a_thread_whose_claim_is_gone_stays_under_its_key(
    discussed, reviewer_a, reviewer_b, reviewer_c
):
    world = discussed
    for name, user in (
        ("reviewer_a", reviewer_a),
        ("reviewer_b", reviewer_b),
        ("reviewer_c", reviewer_c),
    ):
        annotation_delete(span_id=world.spans[name].pk, actor=user)
    agreement_recompute(session_id=world.session.pk, bootstrap_draws=20)
    assert not AgreementUnit.objects.filter(session=world.session).exists()
    assert UnitComment.objects.filter(unit_key=world.unit.key).count() == 2


def _row(span_id, start, end):
    return SpanRow(span_id, 1, "r", start, end, 1, "q", "s", 1, "")


def test_thread_targets_prefer_shared_spans_then_overlap_one_thread_per_unit():
    units = {
        (1, "new-shared"): UnitData(1, "new-shared", 0, 10, [_row(7, 0, 10)], "d"),
        (1, "new-overlap"): UnitData(1, "new-overlap", 20, 30, [_row(9, 20, 30)], "d"),
        (2, "elsewhere"): UnitData(2, "elsewhere", 0, 10, [_row(7, 0, 10)], "d"),
    }
    old = {
        # Shares span 7 with new-shared (not the unit of another article).
        (1, "old-a"): (0, 10, {7, 8}),
        # Overlaps new-shared more (Jaccard 1.0) but that unit is taken;
        # new-overlap: [21, 30) against [20, 30) is 9/10 >= 0.5.
        (1, "old-b"): (21, 30, set()),
        # Jaccard [40, 50) with everything is 0: no target, stays.
        (1, "old-c"): (40, 50, set()),
    }
    assert thread_targets(old, units, threshold=0.5) == {
        (1, "old-a"): (1, "new-shared"),
        (1, "old-b"): (1, "new-overlap"),
    }
