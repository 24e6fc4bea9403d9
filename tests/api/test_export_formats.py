"""Each export format is valid and its offsets select the right text."""

import csv
import io
import json
import re

from annotations.exporters.conll import DOC_DELIMITER, tokenize
from tests.helpers.exports import export_response, export_text


def _jsonl(staff, session, **params):
    return [
        json.loads(line) for line in export_text(staff, session, **params).splitlines()
    ]


def test_jsonl_quotes_equal_the_text_slice_for_every_span(staff, corpus):
    records = _jsonl(staff, corpus["session"])
    assert [r["external_id"] for r in records] == ["emoji-article", "plain-article"]
    spans = [span for record in records for span in record["spans"]]
    assert {span["layer"] for span in spans} == {"raw", "gold"}
    assert len(spans) == 8
    for record in records:
        for span in record["spans"]:
            assert record["text"][span["start"] : span["end"]] == span["quote"]
        keys = [(s["start"], s["end"], s["layer"]) for s in record["spans"]]
        assert keys == sorted(keys, key=lambda k: (k[0], k[1], k[2] == "raw"))


def test_jsonl_carries_metadata_provenance_and_units(staff, corpus):
    emoji = _jsonl(staff, corpus["session"])[0]
    assert emoji["metadata"]["outlet"] == {"domain": "dawn.com", "name": "Dawn"}
    assert emoji["metadata"]["url"] == "https://example.org/talks"
    assert len(emoji["text_sha256"]) == 64
    gold = [s for s in emoji["spans"] if s["layer"] == "gold"]
    accepted = next(s for s in gold if s["decision"] == "accepted")
    assert accepted["decided_by"] == "adjudicator"
    assert accepted["revision"] == 2
    assert accepted["verdict"] == "supported"
    assert accepted["agreement_status"] == "adjudicated"
    start, end = accepted["start"], accepted["end"]
    assert accepted["source_span_ids"] == [
        f"reviewer_a:{start}:{end}",
        f"reviewer_b:{start}:{end}",
    ]
    assert accepted["accepted_span_id"] == f"reviewer_a:{start}:{end}"
    rejected = next(s for s in gold if s["decision"] == "rejected")
    assert rejected["claim_type"] is None
    assert rejected["accepted_span_id"] is None
    raw = {s["id"]: s for s in emoji["spans"] if s["layer"] == "raw"}
    assert raw[f"reviewer_a:{start}:{end}"]["unit_key"] == accepted["unit_key"]
    no_unit = next(s for s in raw.values() if s["reviewer"] == "reviewer_c")
    assert no_unit["unit_key"] is None and no_unit["agreement_status"] is None


def test_emoji_text_exports_code_point_offsets(staff, corpus):
    record = _jsonl(staff, corpus["session"], articles="emoji-article")[0]
    text = record["text"]
    assert "😀" in text[:20] and "🇵🇰" in text[:20]
    span = next(s for s in record["spans"] if s["claim_type"] == "quoted_statement")
    # Code points: the emoji and the two regional indicators count one each.
    assert span["start"] == text.index("“the talks")
    utf16_start = len(text[: span["start"]].encode("utf-16-le")) // 2
    assert utf16_start == span["start"] + 3


def test_jsonl_lines_are_deterministic_and_compact(staff, corpus):
    first = export_text(staff, corpus["session"])
    assert first == export_text(staff, corpus["session"])
    line = first.splitlines()[0]
    parsed = json.loads(line)
    assert line == json.dumps(
        parsed, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert "😀" in line  # ensure_ascii=False


def _resolve_position(text, selector):
    return text[selector["start"] : selector["end"]]


def _resolve_quote(text, selector):
    """Independent TextQuoteSelector resolver: all matches of prefix+exact+suffix."""
    needle = selector["prefix"] + selector["exact"] + selector["suffix"]
    found = [m.start() for m in re.finditer(re.escape(needle), text)]
    return [start + len(selector["prefix"]) for start in found]


def test_web_annotation_selectors_resolve_to_the_same_text(staff, corpus):
    response = export_response(staff, corpus["session"], format="webanno")
    assert response["Content-Type"].startswith("application/ld+json")
    document = json.loads(b"".join(response.streaming_content))
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert document["type"] == "AnnotationCollection"
    page = document["first"]
    assert page["type"] == "AnnotationPage"
    texts = {
        "urn:workbench:article:emoji-article": corpus["emoji"].text,
        "urn:workbench:article:plain-article": corpus["plain"].text,
    }
    assert len(page["items"]) == 8
    for item in page["items"]:
        assert item["type"] == "Annotation"
        assert item["id"].startswith("urn:")
        assert item["motivation"]
        assert item["creator"]["nickname"]
        assert item["created"] and item["modified"]
        text = texts[item["target"]["source"]]
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector"
        assert position["type"] == "TextPositionSelector"
        assert _resolve_position(text, position) == quote["exact"]
        assert _resolve_quote(text, quote) == [position["start"]]
        assert len(quote["prefix"]) <= 32 and len(quote["suffix"]) <= 32
        purposes = {body["purpose"] for body in item["body"]}
        if "assessing" not in item["motivation"]:
            assert {"classifying", "tagging"} <= purposes


def test_web_annotation_lines_carry_their_context(staff, corpus):
    text = export_text(staff, corpus["session"], format="webanno-jsonl", layer="raw")
    items = [json.loads(line) for line in text.splitlines()]
    assert len(items) == 6
    assert all(i["@context"] == "http://www.w3.org/ns/anno.jsonld" for i in items)
    identifying = [
        body["value"]
        for item in items
        for body in item["body"]
        if body["purpose"] == "identifying"
    ]
    assert "Reuters" in identifying


def test_csv_opens_with_the_csv_module_and_formula_cells_are_escaped(staff, corpus):
    response = export_response(staff, corpus["session"], format="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment; filename=" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 8
    cited = {row["cited_source"] for row in rows}
    assert '\'=HYPERLINK("http://evil")' in cited
    assert "'@ministry" in cited
    assert "'+1 check the count" in {row["note"] for row in rows}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    quote = next(r for r in rows if r["claim_type"] == "quantity")["quote"]
    assert quote == "23 soldiers were killed"


def test_conll_tokens_reassemble_each_aligned_span(staff, corpus):
    text = export_text(staff, corpus["session"], format="conll")
    # The file has no comment lines: the data card says which article and
    # layer each -DOCSTART- document is, in file order.
    card = json.loads(export_text(staff, corpus["session"], format="datacard-json"))
    documents = iter(card["conll"]["documents"])
    sections = {}
    current = None
    for line in text.splitlines():
        if line == DOC_DELIMITER:
            document = next(documents)
            current = (document["doc_id"], document["layer"])
            sections[current] = []
        elif line:
            token, start, end, tag = line.split("\t")
            sections[current].append((token, int(start), int(end), tag))
    assert next(documents, None) is None
    texts = {
        "emoji-article": corpus["emoji"].text,
        "plain-article": corpus["plain"].text,
    }
    assert ("emoji-article", "gold") in sections
    assert ("emoji-article", "raw:reviewer_c") in sections
    records = [
        json.loads(line) for line in export_text(staff, corpus["session"]).splitlines()
    ]
    checked = 0
    for record in records:
        doc_text = texts[record["external_id"]]
        token_bounds = {(s, e) for _, s, e in tokenize(doc_text)}
        for span in record["spans"]:
            if span["layer"] == "gold" and span["decision"] == "rejected":
                continue
            layer = "gold" if span["layer"] == "gold" else f"raw:{span['reviewer']}"
            rows = sections[(record["external_id"], layer)]
            for token, start, end, _ in rows:
                assert doc_text[start:end] == token
            starts = {s for s, _ in token_bounds}
            ends = {e for _, e in token_bounds}
            if span["start"] not in starts or span["end"] not in ends:
                continue
            tagged = [r for r in rows if span["start"] <= r[1] and r[2] <= span["end"]]
            assert tagged[0][3] == f"B-{span['claim_type']}"
            assert all(r[3] == f"I-{span['claim_type']}" for r in tagged[1:])
            rebuilt = doc_text[tagged[0][1] : tagged[-1][2]]
            assert rebuilt == span["quote"]
            checked += 1
    assert checked >= 6
    gold_tags = {r[3] for r in sections[("emoji-article", "gold")]}
    assert not any("prediction" in tag for tag in gold_tags)  # rejected gold left out


def test_datacard_counts_labels_annotators_and_agreement(staff, corpus):
    response = export_response(staff, corpus["session"], format="datacard-json")
    card = json.loads(b"".join(response.streaming_content))
    assert card["counts"]["articles"] == 2
    assert card["raw"]["spans"] == 6 and card["gold"]["spans"] == 2
    assert card["raw"]["by_claim_type"]["quoted_statement"] == 2
    assert card["raw"]["by_agreement_status"] == {
        "adjudicated": 2,
        "disputed": 1,
        "none": 3,
    }
    assert {a["username"]: a["spans"] for a in card["raw"]["annotators"]} == {
        "reviewer_a": 2,
        "reviewer_b": 2,
        "reviewer_c": 2,
    }
    assert card["gold"]["by_decision"] == {"accepted": 1, "rejected": 1}
    assert card["agreement"]["report"]["claim_type"]["ci_low"] == 0.4
    assert card["filters"]["layer"] == "both"
    assert card["format_version"] and card["label_scheme"]["claim_types"]
    markdown = export_text(staff, corpus["session"], format="datacard-md")
    assert markdown.startswith("# Data card:")
    assert "reviewer_c" in markdown and "## Agreement" in markdown


def test_filters_narrow_the_export(staff, corpus, reviewer_b):
    session = corpus["session"]
    only_b = _jsonl(staff, session, reviewers="reviewer_b", layer="raw")
    spans = [s for r in only_b for s in r["spans"]]
    assert {s["reviewer"] for s in spans} == {"reviewer_b"} and len(spans) == 2
    adjudicated = _jsonl(staff, session, statuses="adjudicated")
    spans = [s for r in adjudicated for s in r["spans"]]
    assert {s["agreement_status"] for s in spans} == {"adjudicated"}
    assert len(spans) == 3
    future = _jsonl(staff, session, since="2999-01-01")
    assert all(r["spans"] == [] for r in future)
    by_id = _jsonl(staff, session, articles=str(corpus["plain"].pk), layer="gold")
    assert [r["external_id"] for r in by_id] == ["plain-article"]


def test_invalid_filter_values_get_400_naming_the_field(staff, corpus):
    session = corpus["session"]
    cases = {
        "layer": {"layer": "silver"},
        "statuses": {"statuses": "agreed,maybe"},
        "since": {"since": "yesterday"},
        "until": {"since": "2025-02-01", "until": "2025-01-01"},
        "articles": {"articles": "no-such-article"},
        "reviewers": {"reviewers": "nobody_here"},
        "format": {"format": "xlsx"},
    }
    for field, params in cases.items():
        response = export_response(staff, session, **params)
        assert response.status_code == 400, (field, response.status_code)
        assert field in response.json(), (field, response.json())
