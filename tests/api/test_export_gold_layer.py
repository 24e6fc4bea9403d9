"""The complete gold layer: adjudicated decisions plus the units reviewers agreed on."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from spacy.training.converters import conll_ner_to_docs

from annotations.exporters.gold_agreed import Member, agreed_choice
from annotations.models import AgreementUnit, ClaimType, SpanAnnotation
from tests.conftest import api_client_for
from tests.helpers.exports import export_response, export_text
from tests.plugins.exports import _span

MINISTRY = "the ceasefire terms"


@pytest.fixture
def agreed_corpus(corpus, reviewer_a):
    """The export corpus plus an agreed unit (a and b marked the ministry's terms
    alike, no decision) and a disputed unit without a decision (c's "the deal")."""
    session, plain = corpus["session"], corpus["plain"]
    a_terms = _span(
        session,
        plain,
        reviewer_a,
        MINISTRY,
        "rule_or_agreement",
        "primary_document",
        cited_source="@ministry",
    )
    b_terms = plain.spans.get(reviewer__username="reviewer_b")
    agreed = AgreementUnit.objects.create(
        session=session,
        article=plain,
        key=f"{a_terms.pk},{b_terms.pk}",
        start=a_terms.start,
        end=a_terms.end,
        status="agreed",
        reviewer_count=2,
    )
    agreed.spans.set([a_terms, b_terms])
    c_deal = plain.spans.get(reviewer__username="reviewer_c")
    disputed = AgreementUnit.objects.create(
        session=session,
        article=plain,
        key=str(c_deal.pk),
        start=c_deal.start,
        end=c_deal.end,
        status="disputed",
        reviewer_count=1,
    )
    disputed.spans.set([c_deal])
    return {**corpus, "agreed": agreed, "disputed": disputed, "a_terms": a_terms}


def _gold(staff, session, **params):
    lines = export_text(staff, session, layer="gold", **params).splitlines()
    return {
        json.loads(line)["external_id"]: [
            span for span in json.loads(line)["spans"] if span["layer"] == "gold"
        ]
        for line in lines
    }


def test_an_agreed_unit_is_gold_with_agreed_provenance_and_its_labels(
    staff, agreed_corpus
):
    gold = _gold(staff, agreed_corpus["session"])
    [span] = gold["plain-article"]
    start = agreed_corpus["plain"].text.index(MINISTRY)
    assert (span["start"], span["end"]) == (start, start + len(MINISTRY))
    assert span["quote"] == MINISTRY
    assert span["provenance"] == "agreed"
    assert span["agreed_by"] == ["reviewer_a", "reviewer_b"]
    assert span["claim_type"] == "rule_or_agreement"
    assert span["sourcing_quality"] == "primary_document"
    assert span["cited_source"] == "@ministry"
    assert span["decided_by"] is None and span["decision"] is None
    assert span["agreement_status"] == "agreed"
    assert span["unit_key"] == agreed_corpus["agreed"].key
    assert span["source_span_ids"] == [
        f"reviewer_a:{start}:{start + len(MINISTRY)}",
        f"reviewer_b:{start}:{start + len(MINISTRY)}",
    ]
    # The adjudicated decisions are still there, marked as such.
    assert {s["provenance"] for s in gold["emoji-article"]} == {"adjudicated"}
    assert len(gold["emoji-article"]) == 2


def test_gold_adjudicated_keeps_only_the_decisions(staff, agreed_corpus):
    gold = _gold(staff, agreed_corpus["session"], gold="adjudicated")
    assert gold["plain-article"] == []
    assert len(gold["emoji-article"]) == 2


def test_a_disputed_unit_without_a_decision_stays_out_of_gold(staff, agreed_corpus):
    gold = _gold(staff, agreed_corpus["session"])
    quotes = {span["quote"] for spans in gold.values() for span in spans}
    assert "the deal would hold" not in quotes
    # ... and so does the agreed unit when only disputed units are asked for.
    only_disputed = _gold(staff, agreed_corpus["session"], statuses="disputed")
    assert only_disputed["plain-article"] == []


def test_a_stale_agreed_unit_whose_members_now_differ_gives_no_gold(
    staff, agreed_corpus
):
    other = ClaimType.objects.get(scheme=agreed_corpus["session"].scheme, code="other")
    SpanAnnotation.objects.filter(pk=agreed_corpus["a_terms"].pk).update(
        claim_type=other
    )
    assert _gold(staff, agreed_corpus["session"])["plain-article"] == []


def test_csv_and_web_annotation_carry_the_agreed_gold(staff, agreed_corpus):
    session = agreed_corpus["session"]
    rows = list(
        csv.DictReader(
            io.StringIO(export_text(staff, session, format="csv", layer="gold"))
        )
    )
    agreed = [row for row in rows if row["provenance"] == "agreed"]
    assert len(agreed) == 1 and len(rows) == 3
    assert agreed[0]["agreed_by"] == "reviewer_a;reviewer_b"
    assert agreed[0]["claim_type"] == "rule_or_agreement"
    assert agreed[0]["decided_by"] == ""
    page = json.loads(export_text(staff, session, format="webanno", layer="gold"))
    items = page["first"]["items"]
    [item] = [i for i in items if i.get("workbench:provenance") == "agreed"]
    assert [c["nickname"] for c in item["creator"]] == ["reviewer_a", "reviewer_b"]
    assert {"purpose": "classifying", "value": "rule_or_agreement"}.items() <= {
        **item["body"][0]
    }.items()
    assert item["target"]["selector"][0]["exact"] == MINISTRY
    adjudicated = [i for i in items if i["workbench:provenance"] == "adjudicated"]
    assert len(adjudicated) == 2
    assert all(i["creator"]["nickname"] == "adjudicator" for i in adjudicated)
    lines = export_text(
        staff, session, format="webanno-jsonl", layer="gold", gold="adjudicated"
    ).splitlines()
    assert len(lines) == 2


def test_gold_conll_tags_the_agreed_claim_and_spacy_reads_it(staff, agreed_corpus):
    session = agreed_corpus["session"]
    conll = export_text(staff, session, format="conll", layer="gold")
    docs = list(conll_ner_to_docs(conll, no_print=True))
    assert len(docs) == 2  # one gold document per article
    plain = docs[1]
    assert [(e.text, e.label_) for e in plain.ents] == [(MINISTRY, "rule_or_agreement")]
    adjudicated = export_text(
        staff, session, format="conll", layer="gold", gold="adjudicated"
    )
    docs = list(conll_ner_to_docs(adjudicated, no_print=True))
    assert list(docs[1].ents) == []


def test_data_card_says_what_the_gold_layer_holds(staff, agreed_corpus):
    session = agreed_corpus["session"]
    card = json.loads(export_text(staff, session, format="datacard-json"))
    gold = card["gold"]
    assert gold["definition"] == "complete"
    assert gold["spans"] == 3
    assert gold["by_provenance"] == {"adjudicated": 2, "agreed": 1}
    assert gold["by_claim_type"] == {"quoted_statement": 1, "rule_or_agreement": 1}
    assert gold["by_agreement_status"]["agreed"] == 1
    assert card["filters"]["gold"] == "complete"
    card = json.loads(
        export_text(staff, session, format="datacard-json", gold="adjudicated")
    )
    assert card["gold"]["definition"] == "adjudicated"
    assert card["gold"]["spans"] == 2
    assert card["gold"]["by_provenance"] == {"adjudicated": 2}
    markdown = export_text(staff, session, format="datacard-md")
    assert "agreed by all k reviewers" in markdown and "`gold=complete`" in markdown


def test_an_unknown_gold_value_is_a_400_naming_gold(staff, agreed_corpus):
    session = agreed_corpus["session"]
    response = export_response(staff, session, gold="silver")
    assert response.status_code == 400 and "gold" in response.json()
    response = api_client_for(staff).post(
        f"/api/sessions/{session.pk}/exports/", {"gold": ["x"]}, format="json"
    )
    assert response.status_code == 400 and "gold" in response.json()


def _member(reviewer, start, end, cited="", claim=1, level=1, minute=0):
    return Member(
        reviewer,
        start,
        end,
        "x" * (end - start),
        claim,
        level,
        cited,
        datetime(2025, 1, 1, 0, minute, tzinfo=UTC),
    )


def test_agreed_choice_takes_the_offsets_and_source_most_members_marked():
    members = [
        _member("c", 5, 12, "Reuters", minute=3),
        _member("a", 4, 12, "reuters", minute=1),
        _member("b", 5, 12, "AP", minute=2),
    ]
    reading = agreed_choice(members)
    assert (reading["start"], reading["end"]) == (5, 12)  # two of three
    assert reading["cited_source"] == "reuters"  # a's spelling, first by name
    assert reading["agreed_by"] == ["a", "b", "c"]
    assert reading["decided_at"].minute == 3
    # A tie of offsets: the earliest start wins, then the shortest.
    tie = agreed_choice([_member("a", 4, 9), _member("b", 4, 8)])
    assert (tie["start"], tie["end"]) == (4, 8)
    assert (
        agreed_choice([_member("a", 1, 3, claim=1), _member("b", 1, 3, claim=2)])
        is None
    )
    assert agreed_choice([]) is None
