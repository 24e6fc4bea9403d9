"""A small annotated corpus for the export tests: blind session, units, gold."""

import pytest

from annotations.models import (
    AgreementReport,
    AgreementUnit,
    GoldSpan,
    SessionMembership,
)
from annotations.services import recompute
from annotations.services.spans import annotation_create
from tests.factories import ArticleFactory, OutletFactory, session_with_team

EMOJI_TEXT = (
    "Asif 😀 said 🇵🇰 officials confirmed “the talks are over” on Friday. "
    "Tarar said 23 soldiers were killed near the border.\n"
    "=SUM(A1) is not a formula here; analysts expect new talks in March."
)
PLAIN_TEXT = (
    "The ministry published the ceasefire terms on Monday. "
    "Officials said the deal would hold, according to Reuters."
)


def _span(session, article, reviewer, phrase, claim_type, sourcing, **extra):
    start = article.text.index(phrase)
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=reviewer,
        start=start,
        end=start + len(phrase),
        quote=phrase,
        claim_type=claim_type,
        sourcing_quality=sourcing,
        **extra,
    )


@pytest.fixture
def corpus(db, reviewer_a, reviewer_b, reviewer_c, adjudicator, monkeypatch):
    """Two articles, three reviewers, one agreed unit, gold accepted + rejected.

    The units are made by hand; the agreement recompute (not under test here)
    is switched off so that neither an eager run nor a live worker replaces them.
    """
    monkeypatch.setattr(recompute, "agreement_enqueue", lambda **kwargs: None)
    outlet = OutletFactory(name="Dawn", domain="dawn.com")
    emoji = ArticleFactory(
        external_id="emoji-article",
        text=EMOJI_TEXT,
        outlet=outlet,
        title="Talks over",
        url="https://example.org/talks",
    )
    plain = ArticleFactory(external_id="plain-article", text=PLAIN_TEXT, outlet=None)
    session = session_with_team(
        articles=[emoji, plain],
        reviewers=[reviewer_a, reviewer_b, reviewer_c],
        adjudicators=[adjudicator],
    )
    talks = "“the talks are over”"
    a1 = _span(session, emoji, reviewer_a, talks, "quoted_statement", "named_on_record")
    b1 = _span(session, emoji, reviewer_b, talks, "quoted_statement", "named_on_record")
    c1 = _span(
        session,
        emoji,
        reviewer_c,
        "23 soldiers were killed",
        "quantity",
        "named_on_record",
        cited_source='=HYPERLINK("http://evil")',
        note="+1 check the count",
    )
    a2 = _span(
        session,
        emoji,
        reviewer_a,
        "new talks in March",
        "prediction_or_plan",
        "anonymous_vague",
        cited_source="analysts",
    )
    _span(
        session,
        plain,
        reviewer_b,
        "the ceasefire terms",
        "rule_or_agreement",
        "primary_document",
        cited_source="@ministry",
    )
    _span(
        session,
        plain,
        reviewer_c,
        "the deal would hold",
        "prediction_or_plan",
        "secondary_media",
        cited_source="Reuters",
    )
    unit = AgreementUnit.objects.create(
        session=session,
        article=emoji,
        key=f"{a1.pk},{b1.pk}",
        start=a1.start,
        end=a1.end,
        status="adjudicated",
        reviewer_count=2,
    )
    unit.spans.set([a1, b1])
    lonely = AgreementUnit.objects.create(
        session=session,
        article=emoji,
        key=str(a2.pk),
        start=a2.start,
        end=a2.end,
        status="disputed",
        reviewer_count=1,
    )
    lonely.spans.set([a2])
    gold = GoldSpan.objects.create(
        session=session,
        article=emoji,
        unit=unit,
        unit_key=unit.key,
        decision="accepted",
        start=a1.start,
        end=a1.end,
        quote=a1.quote,
        claim_type=a1.claim_type,
        sourcing_quality=a1.sourcing_quality,
        verdict="supported",
        decided_by=adjudicator,
        revision=2,
        accepted_span=a1,
        accepted_reviewer=a1.reviewer,
    )
    gold.source_spans.set([a1, b1])
    rejected = GoldSpan.objects.create(
        session=session,
        article=emoji,
        unit=lonely,
        unit_key=lonely.key,
        decision="rejected",
        start=a2.start,
        end=a2.end,
        quote=a2.quote,
        decided_by=adjudicator,
    )
    rejected.source_spans.set([a2])
    AgreementReport.objects.create(
        session=session,
        payload={"claim_type": {"alpha": 0.61, "ci_low": 0.4, "ci_high": 0.8}},
        stale=False,
    )
    assert SessionMembership.objects.filter(session=session).count() == 4
    return {"session": session, "emoji": emoji, "plain": plain, "c1": c1}
