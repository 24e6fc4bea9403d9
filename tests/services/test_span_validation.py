"""Span rules: every rejected case names its field, and nothing is written."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from annotations.models import Article, SpanAnnotation
from annotations.services.articles import article_upsert
from annotations.services.errors import StaleVersion
from annotations.services.spans import (
    BulkValidationError,
    annotation_bulk_create,
    annotation_create,
    annotation_delete,
    annotation_update,
)

pytestmark = pytest.mark.django_db

QUOTE = "“the talks are over”"


def span_kwargs(session, article, reviewer, **overrides):
    start = article.text.index(QUOTE)
    values = {
        "session_id": session.pk,
        "article_id": article.pk,
        "reviewer": reviewer,
        "start": start,
        "end": start + len(QUOTE),
        "quote": QUOTE,
        "claim_type": "quoted_statement",
        "sourcing_quality": "named_on_record",
        "cited_source": "Khawaja Asif",
    }
    values.update(overrides)
    return values


def assert_rejected(field, kwargs, fragment):
    before = SpanAnnotation.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        annotation_create(**kwargs)
    assert field in excinfo.value.message_dict, excinfo.value.message_dict
    assert fragment in " ".join(excinfo.value.message_dict[field])
    assert SpanAnnotation.objects.count() == before


def test_emoji_and_curly_quotes_store_code_point_offsets(
    team_session, emoji_article, reviewer_a
):
    span = annotation_create(**span_kwargs(team_session, emoji_article, reviewer_a))
    # "Asif 😀 said " is 12 code points (the emoji is one), 13 UTF-16 units.
    assert span.start == 12
    assert span.end == 12 + len(QUOTE)
    assert emoji_article.text[span.start : span.end] == QUOTE == span.quote


def test_utf16_offsets_convert_to_the_same_code_point_span(
    team_session, emoji_article, reviewer_a
):
    span = annotation_create(
        **span_kwargs(
            team_session, emoji_article, reviewer_a, start=13, end=13 + len(QUOTE)
        ),
        offset_unit="utf16",
    )
    assert (span.start, span.end) == (12, 12 + len(QUOTE))


def test_utf16_offset_inside_a_surrogate_pair_is_refused(
    team_session, emoji_article, reviewer_a
):
    kwargs = span_kwargs(
        team_session, emoji_article, reviewer_a, start=6, end=13, quote="x"
    )
    before = SpanAnnotation.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        annotation_create(**kwargs, offset_unit="utf16")
    assert "surrogate pair" in excinfo.value.message_dict["start"][0]
    assert SpanAnnotation.objects.count() == before


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"start": -1}, "start", "0 or more"),
        ({"end": 10_000}, "end", "at most"),
        ({"start": 14, "end": 14}, "end", "greater than start"),
        ({"start": 20, "end": 14}, "end", "greater than start"),
        ({"start": "12"}, "start", "whole number"),
        ({"quote": "the talks are over"}, "quote", "Does not match"),
        ({"claim_type": "rumour"}, "claim_type", "Unknown claim type"),
        ({"sourcing_quality": "excellent"}, "sourcing_quality", "Unknown sourcing"),
        ({"cited_source": "x" * 301}, "cited_source", "At most 300"),
    ],
)
def test_invalid_span_is_rejected_naming_the_field(
    team_session, emoji_article, reviewer_a, overrides, field, fragment
):
    assert_rejected(
        field,
        span_kwargs(team_session, emoji_article, reviewer_a, **overrides),
        fragment,
    )


def test_outsider_cannot_be_the_reviewer(team_session, emoji_article, outsider):
    assert_rejected(
        "reviewer", span_kwargs(team_session, emoji_article, outsider), "not a reviewer"
    )


def test_adjudicator_cannot_make_reviewer_spans(
    team_session, emoji_article, adjudicator
):
    assert_rejected(
        "reviewer",
        span_kwargs(team_session, emoji_article, adjudicator),
        "not a reviewer",
    )


def test_article_outside_the_session_is_refused(team_session, reviewer_a):
    other, _ = article_upsert(
        external_id="other", text="Asif said “the talks are over”."
    )
    assert_rejected(
        "article", span_kwargs(team_session, other, reviewer_a), "not in this session"
    )


def test_exact_duplicate_of_the_same_reviewer_is_refused(
    team_session, emoji_article, reviewer_a, reviewer_b
):
    annotation_create(**span_kwargs(team_session, emoji_article, reviewer_a))
    assert_rejected(
        "start",
        span_kwargs(team_session, emoji_article, reviewer_a),
        "already have a span",
    )
    # Another reviewer marking the same words is the whole point of agreement.
    annotation_create(**span_kwargs(team_session, emoji_article, reviewer_b))
    assert SpanAnnotation.objects.count() == 2


def test_database_refuses_start_not_before_end(team_session, emoji_article, reviewer_a):
    span = annotation_create(**span_kwargs(team_session, emoji_article, reviewer_a))
    with pytest.raises(IntegrityError), transaction.atomic():
        SpanAnnotation.objects.filter(pk=span.pk).update(end=span.start)


def test_database_refuses_duplicate_offsets(team_session, emoji_article, reviewer_a):
    span = annotation_create(**span_kwargs(team_session, emoji_article, reviewer_a))
    clone = SpanAnnotation.objects.get(pk=span.pk)
    clone.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_update_with_stale_version_changes_nothing(
    team_session, emoji_article, reviewer_a
):
    span = annotation_create(**span_kwargs(team_session, emoji_article, reviewer_a))
    annotation_update(
        span_id=span.pk, actor=reviewer_a, expected_version=1, note="first"
    )
    with pytest.raises(StaleVersion):
        annotation_update(
            span_id=span.pk, actor=reviewer_a, expected_version=1, note="second"
        )
    span.refresh_from_db()
    assert (span.version, span.note) == (2, "first")


def test_only_the_author_can_update_or_delete(
    team_session, emoji_article, reviewer_a, reviewer_b
):
    span = annotation_create(**span_kwargs(team_session, emoji_article, reviewer_a))
    with pytest.raises(PermissionDenied):
        annotation_update(
            span_id=span.pk, actor=reviewer_b, expected_version=1, note="x"
        )
    with pytest.raises(PermissionDenied):
        annotation_delete(span_id=span.pk, actor=reviewer_b)
    span.refresh_from_db()
    assert (span.version, span.note) == (1, "")
    annotation_delete(span_id=span.pk, actor=reviewer_a, expected_version=1)
    assert not SpanAnnotation.objects.exists()


def test_bulk_create_is_all_or_nothing_with_index_and_field(
    team_session, emoji_article, reviewer_a
):
    good = span_kwargs(team_session, emoji_article, reviewer_a)
    item = {
        k: good[k] for k in ("start", "end", "quote", "claim_type", "sourcing_quality")
    }
    items = [
        {**item, "article": emoji_article.pk},
        {**item, "article": emoji_article.pk, "start": 0, "end": 4, "quote": "Asif"},
        {**item, "article": emoji_article.pk, "start": 0, "end": 4, "quote": "Tarar"},
    ]
    with pytest.raises(BulkValidationError) as excinfo:
        annotation_bulk_create(
            session_id=team_session.pk, reviewer=reviewer_a, items=items
        )
    assert excinfo.value.errors == [
        {"index": 2, "field": "quote", "message": excinfo.value.errors[0]["message"]}
    ]
    assert not SpanAnnotation.objects.exists()
    created = annotation_bulk_create(
        session_id=team_session.pk, reviewer=reviewer_a, items=items[:2]
    )
    assert len(created) == 2 == SpanAnnotation.objects.count()


def test_annotated_article_text_cannot_change(team_session, emoji_article, reviewer_a):
    annotation_create(**span_kwargs(team_session, emoji_article, reviewer_a))
    with pytest.raises(ValidationError) as excinfo:
        article_upsert(external_id=emoji_article.external_id, text="Something else.")
    assert "cannot change" in excinfo.value.message_dict["text"][0]
    assert Article.objects.get(pk=emoji_article.pk).text == emoji_article.text


def test_unannotated_article_text_can_change(db):
    article_upsert(external_id="fresh", text="First draft.")
    article, changed = article_upsert(external_id="fresh", text="Second draft.")
    assert changed and article.text == "Second draft."
