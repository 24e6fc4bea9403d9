"""The CoNLL export loads in spaCy and CoNLL-2003 readers, one entity per span."""

import json
import re
import subprocess
import sys
from collections import Counter

import pytest
from spacy.tokens import DocBin
from spacy.training.converters import conll_ner_to_docs

from annotations.exporters.conll import DOC_DELIMITER, tokenize
from annotations.services.spans import annotation_create
from tests.helpers.exports import export_text

TAG = re.compile(r"^(O|[BI]-\S+)$")


def _add(session, article, reviewer, phrase, claim_type, sourcing="named_on_record"):
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


@pytest.fixture
def lossy_corpus(corpus, reviewer_a, reviewer_b):
    """The export corpus plus a nested span (dropped), a span across a line
    break, and a span starting inside a word (snapped outwards)."""
    session, emoji = corpus["session"], corpus["emoji"]
    _add(session, emoji, reviewer_a, "talks are", "quantity")  # inside a1: dropped
    _add(
        session,
        emoji,
        reviewer_b,
        "the border.\n=SUM(A1) is not a formula",
        "other",
        "unsupported",
    )
    _add(session, emoji, reviewer_b, "oldiers were killed", "quantity")
    return corpus


def _exported(staff, session):
    conll = export_text(staff, session, format="conll")
    card = json.loads(export_text(staff, session, format="datacard-json"))
    records = [json.loads(line) for line in export_text(staff, session).splitlines()]
    return conll, card["conll"]["documents"], records


def _layer_spans(records):
    """(external id, CoNLL layer) -> the exported spans that layer tags."""
    spans = {}
    for record in records:
        for span in record["spans"]:
            if span["layer"] == "gold":
                if span["decision"] == "rejected" or not span["claim_type"]:
                    continue
                layer = "gold"
            else:
                layer = f"raw:{span['reviewer']}"
            spans.setdefault((record["external_id"], layer), []).append(span)
    return spans


def _entity_of(text, span):
    """The entity a reader builds for a span: the tokens it overlaps, spaced."""
    tokens = [t for t, s, e in tokenize(text) if s < span["end"] and span["start"] < e]
    return (" ".join(tokens), span["claim_type"])


def _check_entities(docs, index, records):
    """Entity counts and (text, label) pairs match the spans of each document."""
    texts = {record["external_id"]: record["text"] for record in records}
    spans = _layer_spans(records)
    assert len(docs) == len(index)
    total = 0
    for doc, meta in zip(docs, index, strict=True):
        layer_spans = spans.get((meta["doc_id"], meta["layer"]), [])
        kept = len(layer_spans) - meta["dropped_overlapping_spans"]
        assert len(doc.ents) == meta["entities"] == kept, meta
        expected = Counter(_entity_of(texts[meta["doc_id"]], s) for s in layer_spans)
        found = Counter((ent.text, ent.label_) for ent in doc.ents)
        assert not found - expected, (meta, found, expected)
        assert len(doc) == meta["tokens"]
        total += len(doc.ents)
    return total


def test_spacy_ner_converter_loads_one_entity_per_exported_span(staff, lossy_corpus):
    conll, index, records = _exported(staff, lossy_corpus["session"])
    docs = list(conll_ner_to_docs(conll, no_print=True))
    total = _check_entities(docs, index, records)
    assert total == 9  # 9 raw spans less the nested one, and 1 gold (not rejected)
    documents = {
        (meta["doc_id"], meta["layer"]): (doc, meta)
        for doc, meta in zip(docs, index, strict=True)
    }
    emoji_a, meta_a = documents["emoji-article", "raw:reviewer_a"]
    assert meta_a["dropped_overlapping_spans"] == 1
    # The outer span wins over the nested one.
    assert ("“ the talks are over ”", "quoted_statement") in {
        (ent.text, ent.label_) for ent in emoji_a.ents
    }
    emoji_b, _ = documents["emoji-article", "raw:reviewer_b"]
    # One entity across the line break, and the snapped word is whole.
    assert {(ent.text, ent.label_) for ent in emoji_b.ents} >= {
        ("the border . = SUM ( A1 ) is not a formula", "other"),
        ("soldiers were killed", "quantity"),
    }


@pytest.mark.parametrize("converter", ["ner", "conll"])
def test_spacy_convert_command_reads_the_export(
    staff, lossy_corpus, tmp_path, converter
):
    conll, index, records = _exported(staff, lossy_corpus["session"])
    source = tmp_path / "corpus.conll"
    source.write_text(conll, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "convert",
            str(source),
            str(tmp_path),
            "--converter",
            converter,
            "--file-type",
            "spacy",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    import spacy

    vocab = spacy.blank("xx").vocab
    docs = list(DocBin().from_disk(tmp_path / "corpus.spacy").get_docs(vocab))
    _check_entities(docs, index, records)


def _read_conll2003(text):
    """A CoNLL-2003 reader as the usual loaders do it: -DOCSTART- lines end a
    document, blank lines a sentence; token first, NER tag last."""
    documents, sentence = [], []
    for line in text.splitlines():
        if line.startswith("-DOCSTART-"):
            documents.append([])
            continue
        if not line.strip():
            if sentence:
                documents[-1].append(sentence)
            sentence = []
            continue
        columns = line.split()
        assert len(columns) == 4, line
        assert TAG.match(columns[-1]), line
        sentence.append((columns[0], columns[-1]))
    if sentence:
        documents[-1].append(sentence)
    return documents


def test_conll_2003_layout_has_docstart_documents_and_no_other_lines(
    staff, lossy_corpus
):
    conll, index, _ = _exported(staff, lossy_corpus["session"])
    assert conll.startswith(DOC_DELIMITER + "\n\n")
    assert not [line for line in conll.splitlines() if line.startswith("#")]
    documents = _read_conll2003(conll)
    assert len(documents) == len(index)
    for sentences, meta in zip(documents, index, strict=True):
        tags = [tag for sentence in sentences for _, tag in sentence]
        assert sum(tag.startswith("B-") for tag in tags) == meta["entities"]
        # No sentence opens inside an entity.
        assert not [s for s in sentences if s[0][1].startswith("I-")]


def test_datacard_lists_the_conll_documents(staff, lossy_corpus):
    card = json.loads(
        export_text(staff, lossy_corpus["session"], format="datacard-json")
    )
    conll = card["conll"]
    assert conll["document_delimiter"] == DOC_DELIMITER
    assert conll["columns"] == ["token", "start", "end", "tag"]
    layers = [(d["doc_id"], d["layer"]) for d in conll["documents"]]
    assert layers == [
        ("emoji-article", "gold"),
        ("emoji-article", "raw:reviewer_a"),
        ("emoji-article", "raw:reviewer_b"),
        ("emoji-article", "raw:reviewer_c"),
        ("plain-article", "gold"),
        ("plain-article", "raw:reviewer_b"),
        ("plain-article", "raw:reviewer_c"),
    ]
    assert conll["dropped_overlapping_spans"] == 1
    markdown = export_text(staff, lossy_corpus["session"], format="datacard-md")
    assert "## CoNLL export" in markdown and "raw:reviewer_a" in markdown
