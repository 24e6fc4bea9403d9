"""Discussion threads survive the JSONL round trip; bad ones refuse the file."""

import json

import pytest
from django.core.management import CommandError, call_command

from annotations.exporters.base import ExportFilters
from annotations.exporters.jsonl import jsonl_lines
from annotations.models import AgreementUnit, AnnotationSession, Article, UnitComment
from annotations.services.discussion import comment_post


@pytest.mark.django_db(transaction=True)
def test_threads_round_trip_byte_identical(corpus, adjudicator, reviewer_a, tmp_path):
    unit = AgreementUnit.objects.get(session=corpus["session"], status="adjudicated")
    comment_post(unit=unit, author=adjudicator, text="Both read it as a quote.")
    comment_post(unit=unit, author=reviewer_a, text='<img src=x onerror="alert(1)">')
    first = b"".join(jsonl_lines(ExportFilters(session_id=corpus["session"].pk)))
    record = json.loads(first.splitlines()[0])
    assert [c["author"] for c in record["threads"][0]["comments"]] == [
        "adjudicator",
        "reviewer_a",
    ]
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(first)
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_corpus", str(path), verbosity=0)
    assert UnitComment.objects.count() == 2
    session = AnnotationSession.objects.get()
    assert b"".join(jsonl_lines(ExportFilters(session_id=session.pk))) == first


@pytest.mark.parametrize(
    ("threads", "field"),
    [
        ({"unit_key": "x"}, "threads"),
        ([{"unit_key": "", "comments": []}], "unit_key"),
        ([{"unit_key": "k", "comments": []}], "comments"),
        ([{"unit_key": "k", "comments": [{"author": "", "text": "x"}]}], "author"),
        (
            [
                {
                    "unit_key": "k",
                    "comments": [
                        {"author": "a", "text": " ", "created": "2025-11-09T10:00:00Z"}
                    ],
                }
            ],
            "text",
        ),
        (
            [
                {
                    "unit_key": "k",
                    "comments": [{"author": "a", "text": "x", "created": "x"}],
                }
            ],
            "created",
        ),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_import_refuses_a_bad_thread_naming_it(corpus, tmp_path, threads, field):
    lines = b"".join(jsonl_lines(ExportFilters(session_id=corpus["session"].pk)))
    records = [json.loads(line) for line in lines.splitlines()]
    records[1]["threads"] = threads
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match=rf"record 2 .*{field}:"):
        call_command("import_corpus", str(path), verbosity=0)
    assert not Article.objects.exists() and not UnitComment.objects.exists()
