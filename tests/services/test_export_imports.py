"""Label Studio and doccano spans import as one reviewer's pre-annotations."""

import json

import pytest
from django.core.management import CommandError, call_command

from annotations.models import SpanAnnotation
from annotations.services.imports import ImportRefused, preannotations_import


def _offsets(text, phrase):
    start = text.index(phrase)
    return start, start + len(phrase)


def _labelstudio(article, phrases):
    results = []
    for index, (phrase, label) in enumerate(phrases):
        start, end = _offsets(article.text, phrase)
        results.append(
            {
                "id": f"r{index}",
                "type": "labels",
                "from_name": "label",
                "to_name": "text",
                "value": {
                    "start": start,
                    "end": end,
                    "text": phrase,
                    "labels": [label],
                },
            }
        )
    return [
        {
            "id": 1,
            "data": {"text": article.text, "external_id": article.external_id},
            "annotations": [{"id": 7, "result": results}],
        }
    ]


def test_labelstudio_file_creates_import_spans(corpus, reviewer_b, tmp_path):
    emoji = corpus["emoji"]
    path = tmp_path / "ls.json"
    tasks = _labelstudio(emoji, [("Friday", "Event / action"), ("Tarar", "QUOTE")])
    path.write_text(json.dumps(tasks), encoding="utf-8")
    before = SpanAnnotation.objects.filter(reviewer=reviewer_b).count()
    call_command(
        "import_corpus",
        str(path),
        format="labelstudio",
        session=corpus["session"].pk,
        reviewer="reviewer_b",
        label_map="QUOTE=quoted_statement",
        default_sourcing="anonymous_vague",
        verbosity=0,
    )
    spans = SpanAnnotation.objects.filter(reviewer=reviewer_b, origin="import")
    assert spans.count() == 2
    assert SpanAnnotation.objects.filter(reviewer=reviewer_b).count() == before + 2
    friday = spans.get(quote="Friday")
    assert emoji.text[friday.start : friday.end] == "Friday"
    assert friday.claim_type.code == "event_action"
    assert friday.sourcing_quality.code == "anonymous_vague"
    assert spans.get(quote="Tarar").claim_type.code == "quoted_statement"


def test_labelstudio_wrong_offset_writes_nothing_and_names_the_result(
    corpus, reviewer_b
):
    emoji = corpus["emoji"]
    tasks = _labelstudio(emoji, [("Friday", "event_action"), ("Tarar", "quantity")])
    tasks[0]["annotations"][0]["result"][1]["value"]["start"] += 1
    before = SpanAnnotation.objects.count()
    with pytest.raises(ImportRefused) as caught:
        preannotations_import(
            session_id=corpus["session"].pk,
            reviewer_username="reviewer_b",
            source_format="labelstudio",
            content=json.dumps(tasks),
        )
    assert caught.value.errors[0]["record"] == 1
    assert caught.value.errors[0]["where"] == "annotation 0 result 1"
    assert "record 1 annotation 0 result 1" in str(caught.value)
    assert SpanAnnotation.objects.count() == before


def test_doccano_jsonl_matched_by_text_hash_creates_spans(corpus, reviewer_c):
    plain = corpus["plain"]
    lines = [
        json.dumps(
            {
                "text": plain.text,
                "label": [
                    [*_offsets(plain.text, "published"), "event_action"],
                    [*_offsets(plain.text, "on Monday"), "Other"],
                ],
            }
        ),
        json.dumps(
            {
                "text": corpus["emoji"].text,
                "entities": [
                    {
                        "start_offset": _offsets(corpus["emoji"].text, "Asif")[0],
                        "end_offset": _offsets(corpus["emoji"].text, "Asif")[1],
                        "label": "other",
                    }
                ],
            }
        ),
    ]
    summary = preannotations_import(
        session_id=corpus["session"].pk,
        reviewer_username="reviewer_c",
        source_format="doccano",
        content="\n".join(lines),
        article_match="text_sha256",
    )
    assert summary == {"spans": 3, "articles": 2}
    imported = SpanAnnotation.objects.filter(reviewer=reviewer_c, origin="import")
    assert sorted(imported.values_list("quote", flat=True)) == [
        "Asif",
        "on Monday",
        "published",
    ]
    assert {s.sourcing_quality.code for s in imported} == {"unsupported"}


def test_doccano_out_of_range_offset_refuses_the_file_naming_line_and_index(
    corpus, tmp_path
):
    plain = corpus["plain"]
    good = {"text": plain.text, "label": [[0, 3, "other"]]}
    bad = {"text": plain.text, "label": [[4, 12, "other"], [5, 9999, "other"]]}
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    before = SpanAnnotation.objects.count()
    with pytest.raises(CommandError, match=r"record 2 label 1 end:"):
        call_command(
            "import_corpus",
            str(path),
            format="doccano",
            session=corpus["session"].pk,
            reviewer="reviewer_a",
            article_match="text_sha256",
            verbosity=0,
        )
    assert SpanAnnotation.objects.count() == before


def test_unknown_label_and_non_reviewer_are_refused(corpus, adjudicator):
    plain = corpus["plain"]
    content = json.dumps({"text": plain.text, "label": [[0, 3, "SPOOKY"]]})
    with pytest.raises(ImportRefused, match="SPOOKY"):
        preannotations_import(
            session_id=corpus["session"].pk,
            reviewer_username="reviewer_a",
            source_format="doccano",
            content=content,
            article_match="text_sha256",
        )
    with pytest.raises(Exception, match="reviewer"):
        preannotations_import(
            session_id=corpus["session"].pk,
            reviewer_username="adjudicator",
            source_format="doccano",
            content=content,
            article_match="text_sha256",
        )
