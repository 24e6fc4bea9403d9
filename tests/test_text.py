"""Graphemes, words and the word-snap rule of annotations/text.py (no database)."""

import pytest

from annotations.text import (
    grapheme_boundaries,
    grapheme_split_at,
    snap_to_words,
    word_spans,
)
from tests import snap_cases

WORD_CASES = snap_cases.cases("word")


@pytest.mark.parametrize("case", WORD_CASES, ids=[case.name for case in WORD_CASES])
def test_server_snaps_the_shared_cases(case):
    assert snap_to_words(case.text, case.start, case.end) == case.server


@pytest.mark.parametrize("case", WORD_CASES, ids=[case.name for case in WORD_CASES])
def test_server_keeps_a_span_the_browser_snapped(case):
    # Where the server's words are finer (dictionary scripts), a browser word is
    # still a run of whole server words: snapping it again changes nothing.
    if case.expect is not None:
        assert snap_to_words(case.text, *case.expect) == case.expect


@pytest.mark.parametrize("raw", snap_cases.load()["graphemes"], ids=lambda r: r["name"])
def test_offsets_inside_a_grapheme_cluster_are_found(raw):
    text = raw["text"]
    bounds = grapheme_boundaries(text)
    inside = [offset for offset in range(len(text) + 1) if offset not in bounds]
    assert inside == raw["splits"]
    for offset in raw["splits"]:
        cluster = grapheme_split_at(text, offset)
        assert cluster is not None and cluster[0] < offset < cluster[1]
    assert grapheme_split_at(text, 0) is None
    assert grapheme_split_at(text, len(text)) is None


@pytest.mark.parametrize(
    "case", snap_cases.cases("character"), ids=lambda case: case.name
)
def test_character_mode_cases_are_whole_clusters(case):
    bounds = set(grapheme_boundaries(case.text))
    assert case.expect[0] in bounds and case.expect[1] in bounds


def test_words_of_a_mixed_text():
    text = (
        "Asif’s “peace” 1,000.5 — می\u200cشود \u200f2025\u200f 👩\u200d👩\u200d👧 🇵🇰!"
    )
    words = [text[start:end] for start, end in word_spans(text)]
    assert words == [
        "Asif’s",
        "peace",
        "1,000.5",
        "می\u200cشود",
        "2025",
        "👩\u200d👩\u200d👧",
        "🇵🇰",
    ]


def test_two_flags_in_a_row_are_two_words():
    assert [t for t in word_spans("🇵🇰🇦🇫")] == [(0, 2), (2, 4)]


def test_snap_of_an_empty_or_outside_range_is_none():
    assert snap_to_words("talks", 3, 3) is None
    assert snap_to_words("talks", 9, 12) is None
    assert snap_to_words("", 0, 1) is None
    assert snap_to_words("talks", -4, 2) == (0, 5)
