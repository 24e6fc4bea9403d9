"""Export JSONL, empty the database, import it, export again: the same bytes."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotations.exporters.base import ExportFilters
from annotations.exporters.jsonl import jsonl_lines
from annotations.models import AnnotationSession, Article, GoldSpan, SpanAnnotation
from annotations.services import recompute


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
