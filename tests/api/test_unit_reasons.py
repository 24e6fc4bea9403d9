"""Disagreement reasons in the units and disputes APIs, and the reason filter."""

import pytest
from django.test import override_settings

from annotations.models import AgreementUnit
from annotations.services.agreement import agreement_recompute
from annotations.services.review import review_state_set
from annotations.services.spans import annotation_create
from tests.conftest import api_client_for

pytestmark = [pytest.mark.django_db]

TEXT = "Asif 😀 said “the talks are over” on Friday. 🇵🇰 Tarar agreed."


def _mark(session, article, user, phrase, claim, *, extra=0):
    start = article.text.index(phrase)
    end = start + len(phrase) + extra
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=user,
        start=start,
        end=end,
        quote=article.text[start:end],
        claim_type=claim,
        sourcing_quality="named_institution",
    )


def _recompute(session):
    with override_settings(AGREEMENT_BOOTSTRAP_DRAWS=20):
        agreement_recompute(session_id=session.pk)


@pytest.fixture
def disputed(team_session, emoji_article, reviewer_a, reviewer_b, reviewer_c):
    """a and b mark the talks (b one code point longer, another claim type);
    c marks only Tarar; all three are done, so c missed the talks and a, b
    missed Tarar."""
    _mark(
        team_session,
        emoji_article,
        reviewer_a,
        "the talks are over",
        "quoted_statement",
    )
    _mark(
        team_session,
        emoji_article,
        reviewer_b,
        "the talks are over",
        "event_action",
        extra=1,
    )
    _mark(team_session, emoji_article, reviewer_c, "Tarar agreed", "event_action")
    for user in (reviewer_a, reviewer_b, reviewer_c):
        review_state_set(
            session_id=team_session.pk,
            article_id=emoji_article.pk,
            reviewer=user,
            done=True,
        )
    _recompute(team_session)
    return team_session


def test_units_carry_their_reasons(disputed, adjudicator):
    body = api_client_for(adjudicator).get(f"/api/sessions/{disputed.pk}/units/").json()
    talks, tarar = body["results"]
    assert talks["status"] == "disputed"
    assert talks["reasons"] == [
        {"kind": "missed_by", "reviewers": ["reviewer_c"], "values": {}},
        {
            "kind": "boundary",
            "reviewers": ["reviewer_a", "reviewer_b"],
            "values": {
                "reviewer_a": [talks["spans"][0]["start"], talks["spans"][0]["end"]],
                "reviewer_b": [talks["spans"][1]["start"], talks["spans"][1]["end"]],
            },
        },
        {
            "kind": "claim_type",
            "reviewers": ["reviewer_a", "reviewer_b"],
            "values": {"reviewer_a": "quoted_statement", "reviewer_b": "event_action"},
        },
    ]
    assert talks["spans"][1]["end"] == talks["spans"][0]["end"] + 1
    assert tarar["reasons"] == [
        {"kind": "missed_by", "reviewers": ["reviewer_a", "reviewer_b"], "values": {}}
    ]


def test_reason_filter_on_units_and_disputes(disputed, adjudicator):
    client = api_client_for(adjudicator)
    units = f"/api/sessions/{disputed.pk}/units/"
    assert client.get(units, {"reason": "missed_by"}).json()["count"] == 2
    [unit] = client.get(units, {"reason": "claim_type"}).json()["results"]
    assert unit["reasons"][2]["kind"] == "claim_type"
    assert client.get(units, {"reason": "cited_source"}).json()["count"] == 0
    bad = client.get(units, {"reason": "everything"})
    assert bad.status_code == 400
    assert "reason" in str(bad.json())
    disputes = f"/api/sessions/{disputed.pk}/disputes/"
    [dispute] = client.get(disputes, {"reason": "boundary"}).json()["results"]
    assert [r["kind"] for r in dispute["reasons"]] == [
        "missed_by",
        "boundary",
        "claim_type",
    ]
    assert client.get(disputes, {"reason": "sourcing_quality"}).json()["count"] == 0
    assert client.get(disputes, {"reason": "nope"}).status_code == 400
    assert client.get(disputes, {"reason": ""}).status_code == 400


def test_reasons_follow_an_edit_and_the_tolerance(
    disputed, emoji_article, reviewer_c, adjudicator
):
    _mark(disputed, emoji_article, reviewer_c, "the talks are over", "quoted_statement")
    _recompute(disputed)
    unit = AgreementUnit.objects.get(
        session=disputed, start=emoji_article.text.index("the talks")
    )
    assert [r["kind"] for r in unit.reasons] == ["boundary", "claim_type"]
    # A tolerance of one character absorbs b's extra code point.
    disputed.boundary_tolerance = 1
    disputed.save(update_fields=["boundary_tolerance"])
    _recompute(disputed)
    unit.refresh_from_db()
    assert [r["kind"] for r in unit.reasons] == ["claim_type"]


def test_agreement_report_sends_readings_and_reason_counts(disputed, adjudicator):
    body = (
        api_client_for(adjudicator)
        .get(f"/api/sessions/{disputed.pk}/agreement/")
        .json()
    )
    report = body["report"]
    counts = report["payload"]["counts"]["reasons"]
    assert counts["missed_by"] == 2 and counts["boundary"] == 1
    assert counts["boundary_only"] == 0 and counts["none"] == 0
    readings = report["readings"]
    claim = readings["labels"]["claim_type"]["alpha"]
    # One unit with two values: far below the 30 pairable units a reading needs.
    assert claim["level"] == "too_few" and claim["words"] == "too few units to tell"
    assert readings["min_units"] == 30
    assert readings["diagnostics"][0]["kind"] == "few_units"
    [row] = body["articles"]
    assert row["claim_type_reading"]["level"] == "too_few"


def test_article_report_readings_and_who_is_behind_ties(
    disputed, emoji_article, reviewer_a, adjudicator
):
    from annotations.selectors import session_progress_matrix

    url = f"/api/sessions/{disputed.pk}/articles/{emoji_article.pk}/agreement/"
    body = api_client_for(adjudicator).get(url).json()
    assert body["readings"]["labels"]["claim_type"]["alpha"]["level"] == "too_few"
    # All three are done with the one article: tied, and the page says so.
    progress = session_progress_matrix(disputed)
    assert [(r["rank"], r["tied"]) for r in progress["reviewers"]] == [(1, True)] * 3
    assert progress["behind_note"] == (
        "Nobody is behind: all 3 reviewers have done 1 of 1 articles."
    )
    review_state_set(
        session_id=disputed.pk,
        article_id=emoji_article.pk,
        reviewer=reviewer_a,
        done=False,
    )
    progress = session_progress_matrix(disputed)
    ranks = [(r["username"], r["rank"], r["tied"]) for r in progress["reviewers"]]
    assert ranks == [
        ("reviewer_a", 1, False),
        ("reviewer_b", 2, True),
        ("reviewer_c", 2, True),
    ]
    assert progress["behind_note"] == ""
