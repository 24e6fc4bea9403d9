"""Disagreement reasons of aligned units, worked by hand."""

import pytest

from annotations.metrics.reasons import Mark, boundary_only, reason_counts, unit_reasons


def mark(reviewer, start=10, end=20, claim="fact", level="named", source="un"):
    return Mark(reviewer, start, end, claim, level, source)


def test_identical_members_with_everyone_there_have_no_reason():
    marks = [mark("r1"), mark("r2"), mark("r3")]
    assert unit_reasons(marks, expected={"r1", "r2", "r3"}) == []


def test_a_reviewer_done_but_absent_is_missed_by():
    # r3 said done with the article and marked nothing here; r4 is still working.
    reasons = unit_reasons([mark("r2"), mark("r1")], expected={"r1", "r2", "r3"})
    assert reasons == [{"kind": "missed_by", "reviewers": ["r3"], "values": {}}]


def test_boundaries_only():
    # “The ceasefire … observed,” against The ceasefire … observed: 1 char each side.
    reasons = unit_reasons(
        [mark("r1", 10, 40), mark("r2", 11, 39)], expected={"r1", "r2"}
    )
    assert reasons == [
        {
            "kind": "boundary",
            "reviewers": ["r1", "r2"],
            "values": {"r1": [10, 40], "r2": [11, 39]},
        }
    ]
    assert boundary_only(reasons)


def test_tolerance_absorbs_small_boundary_differences_only():
    marks = [mark("r1", 10, 40), mark("r2", 11, 39), mark("r3", 10, 42)]
    # Starts spread 1, ends spread 3.
    assert [r["kind"] for r in unit_reasons(marks, expected=(), tolerance=2)] == [
        "boundary"
    ]
    assert unit_reasons(marks, expected=(), tolerance=3) == []
    with pytest.raises(ValueError):
        unit_reasons(marks, expected=(), tolerance=-1)


def test_every_dimension_names_each_reviewers_value():
    marks = [
        mark("r2", claim="opinion", level="anonymous", source="ispr"),
        mark("r1", claim="fact", level="anonymous", source="un"),
        mark("r3", 12, 20, claim="fact", level="anonymous", source="un"),
    ]
    reasons = unit_reasons(marks, expected={"r1", "r2", "r3", "r4"})
    assert [r["kind"] for r in reasons] == [
        "missed_by",
        "boundary",
        "claim_type",
        "cited_source",
    ]
    assert reasons[0]["reviewers"] == ["r4"]
    assert reasons[2] == {
        "kind": "claim_type",
        "reviewers": ["r1", "r2", "r3"],
        "values": {"r1": "fact", "r2": "opinion", "r3": "fact"},
    }
    assert reasons[3]["values"] == {"r1": "un", "r2": "ispr", "r3": "un"}
    assert not boundary_only(reasons)


def test_a_lone_span_nobody_else_expected_has_no_reason():
    assert unit_reasons([mark("r1")], expected=set()) == []
    assert unit_reasons([mark("r1")], expected={"r1"}) == []


def test_counts_by_reason():
    units = [
        [],
        [{"kind": "boundary", "reviewers": [], "values": {}}],
        [
            {"kind": "missed_by", "reviewers": ["r3"], "values": {}},
            {"kind": "boundary", "reviewers": [], "values": {}},
        ],
        [{"kind": "claim_type", "reviewers": [], "values": {}}],
    ]
    counts = reason_counts(units)
    assert counts == {
        "missed_by": 1,
        "boundary": 2,
        "claim_type": 1,
        "sourcing_quality": 0,
        "cited_source": 0,
        "boundary_only": 1,
        "none": 1,
    }
