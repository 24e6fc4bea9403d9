"""Fixtures: a two-article session with disputed units made of real reviewer spans."""

from types import SimpleNamespace

import pytest

from annotations.models import AgreementStatus, AgreementUnit, SpanAnnotation
from annotations.services.spans import annotation_create
from tests.factories import ArticleFactory, UserFactory, session_with_team

TALKS = "“the talks are over”"
SOLDIERS = "23 soldiers were killed"


def make_span(session, article, reviewer, quote, claim_type, sourcing, cited=""):
    start = article.text.index(quote)
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=reviewer,
        start=start,
        end=start + len(quote),
        quote=quote,
        claim_type=claim_type,
        sourcing_quality=sourcing,
        cited_source=cited,
    )


def make_unit(session, article, key, spans, status=AgreementStatus.DISPUTED):
    unit = AgreementUnit.objects.create(
        session=session,
        article=article,
        key=key,
        start=min(span.start for span in spans),
        end=max(span.end for span in spans),
        status=status,
        reviewer_count=len({span.reviewer_id for span in spans}),
    )
    unit.spans.set(spans)
    return unit


TALKS_TEXT = "Asif 😀 said “the talks are over” on Friday in Istanbul, officials said."


def disputed_claim(reviewers, adjudicator) -> SimpleNamespace:
    """One article in which three reviewers mark the same quote: two as a
    quoted statement, the third as an event. All are done and agreement has
    run, so its one unit is disputed. (session, article, spans by username,
    unit)."""
    from annotations.services.agreement import agreement_recompute
    from annotations.services.review import review_state_set

    article = ArticleFactory(external_id="talks", text=TALKS_TEXT)
    session = session_with_team(
        articles=[article], reviewers=list(reviewers), adjudicators=[adjudicator]
    )
    spans = {
        reviewer.username: make_span(
            session, article, reviewer, TALKS, claim, "named_on_record", "Asif"
        )
        for reviewer, claim in zip(
            reviewers,
            ("quoted_statement", "quoted_statement", "event_action"),
            strict=True,
        )
    }
    for reviewer in reviewers:
        review_state_set(
            session_id=session.pk, article_id=article.pk, reviewer=reviewer, done=True
        )
    agreement_recompute(session_id=session.pk, bootstrap_draws=20)
    unit = AgreementUnit.objects.get(session=session)
    return SimpleNamespace(session=session, article=article, spans=spans, unit=unit)


def span_snapshot(session) -> list[tuple]:
    """Every reviewer span's stored values, to prove adjudication never edits them."""
    return list(
        SpanAnnotation.objects.filter(session=session)
        .order_by("pk")
        .values_list(
            "pk",
            "start",
            "end",
            "quote",
            "claim_type_id",
            "sourcing_quality_id",
            "cited_source",
            "note",
            "version",
            "updated_at",
        )
    )


@pytest.fixture
def world(db, reviewer_a, reviewer_b, reviewer_c, adjudicator, outsider, staff):
    """Article 1 (emoji) with a disputed and an agreed unit; article 2 disputed."""
    talks_article = ArticleFactory(
        external_id="talks",
        text="Asif 😀 said “the talks are over” on Friday in Istanbul.",
    )
    soldiers_article = ArticleFactory(
        external_id="soldiers",
        text="Officials said 23 soldiers were killed near the border 🇵🇰 on Friday.",
    )
    session = session_with_team(
        articles=[talks_article, soldiers_article],
        reviewers=[reviewer_a, reviewer_b, reviewer_c],
        adjudicators=[adjudicator],
    )
    # Reviewer versions of the talks claim, deliberately made in reverse
    # username order so letters cannot come from creation order.
    talks_c = make_span(
        session,
        talks_article,
        reviewer_c,
        "said “the talks are over”",
        "event_action",
        "anonymous_vague",
    )
    talks_b = make_span(
        session,
        talks_article,
        reviewer_b,
        "the talks are over",
        "event_action",
        "named_institution",
        "Pakistan",
    )
    talks_a = make_span(
        session,
        talks_article,
        reviewer_a,
        TALKS,
        "quoted_statement",
        "named_on_record",
        "Khawaja Asif",
    )
    friday_spans = [
        make_span(
            session,
            talks_article,
            reviewer,
            "on Friday in Istanbul",
            "event_action",
            "unsupported",
        )
        for reviewer in (reviewer_a, reviewer_b)
    ]
    soldiers_a = make_span(
        session,
        soldiers_article,
        reviewer_a,
        SOLDIERS,
        "quantity",
        "named_institution",
        "officials",
    )
    soldiers_b = make_span(
        session,
        soldiers_article,
        reviewer_b,
        SOLDIERS,
        "quantity",
        "anonymous_vague",
        "Officials",
    )
    talks_unit = make_unit(
        session, talks_article, "talks-1", [talks_c, talks_b, talks_a]
    )
    friday_unit = make_unit(
        session, talks_article, "friday-1", friday_spans, AgreementStatus.AGREED
    )
    soldiers_unit = make_unit(
        session, soldiers_article, "soldiers-1", [soldiers_a, soldiers_b]
    )
    return SimpleNamespace(
        session=session,
        talks_article=talks_article,
        soldiers_article=soldiers_article,
        talks_unit=talks_unit,
        friday_unit=friday_unit,
        soldiers_unit=soldiers_unit,
        talks_a=talks_a,
        talks_b=talks_b,
        talks_c=talks_c,
        soldiers_a=soldiers_a,
        soldiers_b=soldiers_b,
        reviewer_a=reviewer_a,
        reviewer_b=reviewer_b,
        reviewer_c=reviewer_c,
        adjudicator=adjudicator,
        outsider=outsider,
        staff=staff,
    )


@pytest.fixture
def other_world(db):
    """A second session with its own adjudicator, unit and fact."""
    article = ArticleFactory(external_id="elsewhere", text="The minister said 23 died.")
    reviewer = UserFactory(username="other_reviewer")
    other_adjudicator = UserFactory(username="other_adjudicator")
    session = session_with_team(
        articles=[article], reviewers=[reviewer], adjudicators=[other_adjudicator]
    )
    span = make_span(
        session, article, reviewer, "23 died", "quantity", "named_on_record"
    )
    unit = make_unit(session, article, "other-1", [span])
    return SimpleNamespace(
        session=session,
        article=article,
        unit=unit,
        span=span,
        adjudicator=other_adjudicator,
    )
