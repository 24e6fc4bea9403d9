"""Export JSONL, empty the database, import it, export again: the same bytes."""

import json
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotations.exporters.base import ExportFilters
from annotations.exporters.jsonl import jsonl_lines
from annotations.models import (
    AgreementReport,
    AgreementUnit,
    AnnotationSession,
    Article,
    GoldSpan,
    ReviewState,
    SpanAnnotation,
)
from annotations.services import recompute
from annotations.services.adjudication import gold_decide
from annotations.services.agreement import agreement_recompute
from annotations.services.review import review_state_set
from annotations.services.spans import annotation_create, annotation_update
from tests.factories import ArticleFactory, session_with_team
from tests.plugins.exports import EMOJI_TEXT, PLAIN_TEXT


@pytest.mark.django_db(transaction=True)
def test_jsonl_round_trip_through_an_empty_database_is_byte_identical(corpus, tmp_path):
    # The corpus fixture switches the agreement recompute off: it would re-key
    # the imported units from the new database ids (see docs/export.md).
    assert recompute.agreement_enqueue(session_id=0, article_ids=[]) is None
    first = b"".join(jsonl_lines(ExportFilters(session_id=corpus["session"].pk)))
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(first)

    call_command("flush", interactive=False, verbosity=0)
    assert not Article.objects.exists() and not get_user_model().objects.exists()

    call_command("import_corpus", str(path), verbosity=0)
    session = AnnotationSession.objects.get()
    assert SpanAnnotation.objects.count() == 6
    assert GoldSpan.objects.count() == 2
    imported = get_user_model().objects.get(username="reviewer_a")
    assert not imported.is_active and not imported.has_usable_password()
    second = b"".join(jsonl_lines(ExportFilters(session_id=session.pk)))
    assert second == first


def test_import_refuses_an_existing_article_and_writes_nothing(corpus, tmp_path):
    text = b"".join(jsonl_lines(ExportFilters(session_id=corpus["session"].pk)))
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(text)
    sessions = AnnotationSession.objects.count()
    with pytest.raises(Exception, match="record 1 .*already exists"):
        call_command("import_corpus", str(path), verbosity=0)
    assert AnnotationSession.objects.count() == sessions


@pytest.mark.parametrize(
    "bad", [["reviewer_a:0:5"], "reviewer_z:1:2", {"decision": "edited"}]
)
@pytest.mark.django_db(transaction=True)
def test_import_refuses_a_bad_accepted_span_id_naming_it(corpus, tmp_path, bad):
    lines = b"".join(jsonl_lines(ExportFilters(session_id=corpus["session"].pk)))
    records = [json.loads(line) for line in lines.splitlines()]
    for record in records:
        for span in record["spans"]:
            if span["layer"] == "gold" and span["decision"] == "accepted":
                if isinstance(bad, dict):  # an id on a decision that names none
                    span.update(bad)
                else:
                    span["accepted_span_id"] = bad
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="accepted_span_id"):
        call_command("import_corpus", str(path), verbosity=0)
    assert not AnnotationSession.objects.exists() and not GoldSpan.objects.exists()


@pytest.fixture
def eager_recompute(settings):
    """No broker: every write's agreement (and reliability) recompute runs inline."""
    from workbench.celery import app

    settings.REDIS_URL = ""
    settings.AGREEMENT_BOOTSTRAP_DRAWS = 50
    settings.RELIABILITY_BOOTSTRAP_DRAWS = 50
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _mark(session, article, reviewer, phrase, claim_type, sourcing):
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
    )


def _unit_of(span):
    return AgreementUnit.objects.get(spans=span)


@pytest.fixture
def recomputed_corpus(
    transactional_db, eager_recompute, reviewer_a, reviewer_b, reviewer_c, adjudicator
):
    """A session whose units, statuses and gold come from real recomputes:
    agreed, disputed and pending units, accepted and rejected decisions, one
    decision whose evidence changed since, and a reopened review state."""
    emoji = ArticleFactory(external_id="emoji-article", text=EMOJI_TEXT)
    plain = ArticleFactory(external_id="plain-article", text=PLAIN_TEXT, outlet=None)
    session = session_with_team(
        articles=[emoji, plain],
        reviewers=[reviewer_a, reviewer_b, reviewer_c],
        adjudicators=[adjudicator],
    )
    talks, soldiers = "“the talks are over”", "23 soldiers were killed"
    a_talks = _mark(
        session, emoji, reviewer_a, talks, "quoted_statement", "named_on_record"
    )
    _mark(session, emoji, reviewer_b, talks, "quoted_statement", "named_on_record")
    c_talks = _mark(
        session, emoji, reviewer_c, talks, "quoted_statement", "anonymous_vague"
    )
    for reviewer in (reviewer_a, reviewer_b, reviewer_c):
        _mark(session, emoji, reviewer, soldiers, "quantity", "named_on_record")
    for reviewer in (reviewer_a, reviewer_b):  # c did not mark it: disputed
        _mark(session, emoji, reviewer, "Tarar said", "event_action", "unsupported")
    lonely = _mark(
        session,
        emoji,
        reviewer_a,
        "new talks in March",
        "prediction_or_plan",
        "anonymous_vague",
    )
    for reviewer in (reviewer_b, reviewer_c):
        _mark(
            session,
            plain,
            reviewer,
            "the ceasefire terms",
            "rule_or_agreement",
            "primary_document",
        )
    for article in (emoji, plain):
        for reviewer in (reviewer_a, reviewer_b, reviewer_c):
            review_state_set(
                session_id=session.pk,
                article_id=article.pk,
                reviewer=reviewer,
                done=True,
            )
    # Reopened: the plain article's unit is pending again.
    review_state_set(
        session_id=session.pk, article_id=plain.pk, reviewer=reviewer_c, done=False
    )
    gold_decide(
        unit_id=_unit_of(a_talks).pk,
        adjudicator=adjudicator,
        decision="accepted",
        accept_span_id=a_talks.pk,
        verdict="supported",
    )
    gold_decide(
        unit_id=_unit_of(lonely).pk, adjudicator=adjudicator, decision="rejected"
    )
    # The accepted decision's evidence changes: it stays, flagged.
    annotation_update(
        span_id=c_talks.pk,
        actor=reviewer_c,
        expected_version=c_talks.version,
        note="sure?",
    )
    return session


def _statuses(lines: bytes) -> list[tuple]:
    return [
        (span["layer"], span["id"], span["unit_key"], span["agreement_status"])
        for line in lines.splitlines()
        for span in json.loads(line)["spans"]
    ]


@pytest.mark.django_db(transaction=True)
def test_jsonl_round_trip_survives_the_recompute_after_import(
    recomputed_corpus, tmp_path
):
    session = recomputed_corpus
    adjudicated = b"".join(
        jsonl_lines(ExportFilters(session_id=session.pk, gold="adjudicated"))
    )
    statuses = Counter(status for *_, status in _statuses(adjudicated))
    assert statuses == {"adjudicated": 6, "agreed": 3, "disputed": 2, "pending": 2}
    records = [json.loads(line) for line in adjudicated.splitlines()]
    gold = [s for r in records for s in r["spans"] if s["layer"] == "gold"]
    assert sorted(g["evidence_changed"] for g in gold) == [False, True]
    # The complete gold layer (the default) adds the agreed unit's gold span;
    # the import re-derives it from the raw layer instead of storing it.
    first = b"".join(jsonl_lines(ExportFilters(session_id=session.pk)))
    statuses = Counter(status for *_, status in _statuses(first))
    assert statuses == {"adjudicated": 6, "agreed": 4, "disputed": 2, "pending": 2}
    records = [json.loads(line) for line in first.splitlines()]
    gold = [s for r in records for s in r["spans"] if s["layer"] == "gold"]
    assert sorted(g["provenance"] for g in gold) == ["adjudicated"] * 2 + ["agreed"]
    assert records[1]["review_states"][2] == {
        "done": False,
        "done_at": None,
        "reviewer": "reviewer_c",
    }
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(first)

    call_command("flush", interactive=False, verbosity=0)
    call_command("import_corpus", str(path), verbosity=0)
    imported = AnnotationSession.objects.get()
    # The import's writes ran the agreement recompute, in this process.
    report = AgreementReport.objects.get(session=imported, article__isnull=True)
    assert report.computed_at is not None and not report.stale
    assert ReviewState.objects.filter(session=imported, done=True).count() == 5
    second = b"".join(jsonl_lines(ExportFilters(session_id=imported.pk)))
    assert _statuses(second) == _statuses(first)
    assert second == first

    agreement_recompute(session_id=imported.pk, force=True)
    assert b"".join(jsonl_lines(ExportFilters(session_id=imported.pk))) == first


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"reviewer": "reviewer_a", "done": "yes", "done_at": None}, "done"),
        ({"reviewer": "reviewer_a", "done": True, "done_at": None}, "done_at"),
        ({"reviewer": "reviewer_a", "done": False, "done_at": "2025-01-01"}, "done_at"),
        ({"reviewer": "", "done": False, "done_at": None}, "reviewer"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_import_refuses_a_bad_review_state_naming_it(corpus, tmp_path, bad, field):
    lines = b"".join(jsonl_lines(ExportFilters(session_id=corpus["session"].pk)))
    records = [json.loads(line) for line in lines.splitlines()]
    records[1]["review_states"] = [bad]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match=f"record 2 review state 0 {field}:"):
        call_command("import_corpus", str(path), verbosity=0)
    assert not AnnotationSession.objects.exists() and not ReviewState.objects.exists()
