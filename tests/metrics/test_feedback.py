"""Reviewer feedback against gold: matching, differences and figures by hand."""

import pytest

from annotations.metrics.feedback import (
    FeedbackSpan,
    differences,
    feedback_summary,
    match_gold,
)


def S(id, start, end, claim="fact", sourcing="good", source="", key=None):
    return FeedbackSpan(id, start, end, claim, sourcing, source, key)


SPANS = [
    S(1, 0, 10, key="u1", source="Reuters"),
    S(2, 20, 30, claim="event", key="u2"),
    S(3, 40, 50, key="u3"),
    S(4, 60, 70, sourcing="poor"),
]
GOLD = [
    S("g1", 0, 10, key="u1", source="reuters."),
    S("g2", 22, 30, claim="quantity", key="u2"),
    S("g4", 62, 70, key="u9"),
    S("g5", 80, 90, key="u5"),
]


def test_matching_by_unit_then_overlap_and_missed_gold():
    rows, missed = match_gold(SPANS, GOLD, frozenset({"u3"}))
    by_span = {row["span"].id: row for row in rows}
    assert by_span[1]["gold"].id == "g1" and by_span[1]["differs"] == []
    assert by_span[2]["gold"].id == "g2"
    assert by_span[2]["differs"] == ["offsets", "claim_type"]
    assert by_span[3]["gold"] is None and by_span[3]["rejected"] is True
    assert by_span[4]["gold"].id == "g4"  # no unit: by overlap (8/10)
    assert by_span[4]["differs"] == ["offsets", "sourcing_quality"]
    assert [g.id for g in missed] == ["g5"]


def test_summary_hand_worked():
    rows, missed = match_gold(SPANS, GOLD, frozenset({"u3"}))
    summary = feedback_summary(rows, len(GOLD), ["agreed", "disputed", "agreed"])
    # exact: only span 1 has gold's offsets: P = R = 1/4, F1 = 2*1/(4+4)
    assert summary["exact"] == pytest.approx(
        {"precision": 0.25, "recall": 0.25, "f1": 0.25, "hits": 1}
    )
    # overlap: spans 1, 2, 4 meet gold: P = R = 3/4, F1 = 6/8
    assert summary["overlap"]["f1"] == pytest.approx(0.75)
    assert summary["matched"] == 3
    # both labels equal on 1 of the 3 matched (span 2 type, span 4 sourcing)
    assert summary["label_agreement"] == pytest.approx(1 / 3)
    assert summary["field_agreement"]["claim_type"] == pytest.approx(2 / 3)
    assert summary["field_agreement"]["sourcing_quality"] == pytest.approx(2 / 3)
    assert summary["field_agreement"]["cited_source"] == pytest.approx(1.0)
    assert summary["peers"] == {"units": 3, "agreed": 2, "agreed_share": 2 / 3}


def test_overlap_prefers_the_largest_jaccard_and_uses_gold_once():
    spans = [S(1, 0, 10), S(2, 5, 12)]
    gold = [S("a", 0, 4), S("b", 4, 12)]
    rows, missed = match_gold(spans, gold)
    # span 1: a = 4/10, b = 6/12 -> b; span 2 then has only a, which it misses
    assert [(r["span"].id, r["gold"] and r["gold"].id) for r in rows] == [
        (1, "b"),
        (2, None),
    ]
    assert [g.id for g in missed] == ["a"]


def test_empty_inputs_give_none_not_zero():
    summary = feedback_summary([], 0, [])
    assert summary["exact"]["f1"] is None
    assert summary["label_agreement"] is None
    assert summary["peers"]["agreed_share"] is None
    rows, missed = match_gold([], [S("g", 0, 3)])
    assert feedback_summary(rows, 1)["exact"] == {
        "precision": None,
        "recall": 0.0,
        "f1": 0.0,
        "hits": 0,
    }


def test_cited_source_compared_normalised():
    assert (
        differences(S(1, 0, 5, source="The  BBC"), S(2, 0, 5, source="the bbc")) == []
    )
    assert differences(S(1, 0, 5, source="BBC"), S(2, 0, 5, source="CNN")) == [
        "cited_source"
    ]


def test_peer_pairs_weighted_by_n_and_unnamed():
    from annotations.metrics.feedback import peer_pairs

    labels = {
        "claim_type": {
            "pairs": [
                {
                    "reviewer_a": "ann",
                    "reviewer_b": "bob",
                    "n": 4,
                    "cohen_kappa": 0.5,
                    "percent_agreement": 0.75,
                },
                {
                    "reviewer_a": "ann",
                    "reviewer_b": "cat",
                    "n": 1,
                    "cohen_kappa": None,
                    "percent_agreement": 0.0,
                },
                {
                    "reviewer_a": "bob",
                    "reviewer_b": "cat",
                    "n": 9,
                    "cohen_kappa": 1.0,
                    "percent_agreement": 1.0,
                },
            ]
        }
    }
    # ann: (0.75*4 + 0*1) / 5 = 0.6; kappa only the defined pair: 0.5
    assert peer_pairs(labels, "ann") == {
        "claim_type": {"peers": 2, "n": 5, "percent_agreement": 0.6, "cohen_kappa": 0.5}
    }
    assert peer_pairs({}, "ann") == {}
