"""Article questions in the exports: JSONL round trip, CSV rows, the data card."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from annotations.exporters.base import ExportFilters
from annotations.exporters.csv_rows import csv_lines
from annotations.exporters.datacard import datacard_build
from annotations.exporters.jsonl import jsonl_lines
from annotations.models import AnnotationSession, Article, ArticleAnswers, GoldAnswer
from annotations.services.article_answers import answers_put, gold_answers_put
from annotations.services.imports import ImportRefused, corpus_import


@pytest.fixture
def answered(corpus, reviewer_a, reviewer_b, adjudicator):
    session = corpus["session"]
    article = corpus["emoji"]
    answers_put(
        session=session,
        article_id=article.pk,
        reviewer=reviewer_a,
        answers={
            "clickbait_headline": "listicle",
            "source_types": ["experts", "studies"],
            "non_original_attributed": True,
        },
        version=0,
    )
    answers_put(
        session=session,
        article_id=article.pk,
        reviewer=reviewer_b,
        answers={"clickbait_headline": "no", "non_original_attributed": True},
        version=0,
    )
    gold_answers_put(
        session=session,
        article_id=article.pk,
        adjudicator=adjudicator,
        answers={"clickbait_headline": "no"},
    )
    return corpus


@pytest.mark.django_db(transaction=True)
def test_jsonl_round_trip_keeps_the_answers(answered, tmp_path):
    first = b"".join(jsonl_lines(ExportFilters(session_id=answered["session"].pk)))
    record = next(
        json.loads(line)
        for line in first.splitlines()
        if json.loads(line)["external_id"] == "emoji-article"
    )
    questions = record["article_questions"]
    assert [a["reviewer"] for a in questions["answers"]] == ["reviewer_a", "reviewer_b"]
    assert questions["answers"][0]["answers"]["source_types"] == [
        "experts",
        "studies",
    ]
    assert questions["gold"]["clickbait_headline"]["source"] == "adjudicated"
    assert questions["gold"]["clickbait_headline"]["decided_by"] == "adjudicator"
    assert questions["gold"]["non_original_attributed"]["source"] == "agreed"
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(first)
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_corpus", str(path), verbosity=0)
    assert ArticleAnswers.objects.count() == 2
    assert GoldAnswer.objects.count() == 1  # the agreed one is derived, not stored
    session = AnnotationSession.objects.get()
    assert b"".join(jsonl_lines(ExportFilters(session_id=session.pk))) == first


@pytest.mark.django_db(transaction=True)
def test_import_refuses_a_bad_answer_naming_it(answered):
    lines = [
        json.loads(line)
        for line in b"".join(
            jsonl_lines(ExportFilters(session_id=answered["session"].pk))
        ).splitlines()
    ]
    target = next(r for r in lines if r["article_questions"]["answers"])
    target["article_questions"]["answers"][0]["answers"]["emotional_tone"] = "furious"
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(ImportRefused) as refused:
        corpus_import(lines=[json.dumps(r) for r in lines])
    [error] = refused.value.errors
    assert error["field"] == "article_questions.answers[0].answers.emotional_tone"
    assert not ArticleAnswers.objects.exists() and not Article.objects.exists()


@pytest.mark.django_db
def test_csv_has_answer_and_gold_answer_rows(answered):
    text = "".join(csv_lines(ExportFilters(session_id=answered["session"].pk)))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    answers = [r for r in rows if r["layer"] == "answer"]
    assert {(r["reviewer"], r["question"], r["answer"]) for r in answers} == {
        ("reviewer_a", "clickbait_headline", "listicle"),
        ("reviewer_a", "source_types", "experts|studies"),
        ("reviewer_a", "non_original_attributed", "true"),
        ("reviewer_b", "clickbait_headline", "no"),
        ("reviewer_b", "non_original_attributed", "true"),
    }
    gold = {r["question"]: r for r in rows if r["layer"] == "gold_answer"}
    assert gold["clickbait_headline"]["answer"] == "no"
    assert gold["clickbait_headline"]["decision"] == "adjudicated"
    assert gold["clickbait_headline"]["decided_by"] == "adjudicator"
    assert gold["non_original_attributed"]["decision"] == "agreed"
    spans = [r for r in rows if r["layer"] in ("raw", "gold")]
    assert spans and all(r["question"] == "" for r in spans)


@pytest.mark.django_db
def test_data_card_lists_questions_and_counts(answered):
    card = datacard_build(ExportFilters(session_id=answered["session"].pk))
    codes = [q["code"] for q in card["label_scheme"]["article_questions"]]
    assert "source_types" in codes
    by_code = {q["code"]: q for q in card["article_questions"]["questions"]}
    assert by_code["clickbait_headline"]["answers"] == 2
    assert by_code["clickbait_headline"]["gold_adjudicated"] == 1
    assert by_code["non_original_attributed"]["gold_agreed"] == 1
    assert by_code["emotional_tone"]["answers"] == 0
