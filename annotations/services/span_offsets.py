"""Span offsets beyond the range check: word snapping, grapheme clusters, clipping.

`span_clean` (services/span_rules.py) calls `offsets_settle` once the offsets are code
points inside the text and the quote matches them. The rule itself is pure and
lives in annotations/text.py, shared with the browser's words.js through
tests/fixtures/snap_cases.json.
"""

from functools import lru_cache

from annotations.text import grapheme_boundaries, grapheme_split_at, snap_to_words
from annotations.text import word_spans as _word_spans

SNAP_MODES = ("word", "none")


@lru_cache(maxsize=32)
def _bounds(text: str) -> list[int]:
    # str caches its hash, so a bulk request on one article pays for this once.
    return grapheme_boundaries(text)


@lru_cache(maxsize=32)
def _words(text: str) -> list[tuple[int, int]]:
    return _word_spans(text)


def snap_clip(text: str, end: int, snap: str | None) -> int:
    """With `"snap": "word"` a selection running past the text ends at its end."""
    return min(end, len(text)) if snap == "word" else end


def offsets_settle(
    text: str, start: int, end: int, snap: str | None
) -> tuple[tuple[int, int] | None, dict[str, str]]:
    """(final offsets, errors by field) for valid code point offsets.

    `snap="word"` grows the span to the whole words it touches; a span touching
    no word is an error on `start`. Either way the result must not split a
    grapheme cluster (a letter and its combining marks, an emoji ZWJ sequence,
    a flag): offsets inside one are refused, naming the field.
    """
    if snap == "keep":
        return (start, end), {}  # offsets the request left as stored
    if snap == "word":
        snapped = snap_to_words(text, start, end, _words(text))
        if snapped is None:
            return None, {
                "start": f"The selection [{start}, {end}) covers no word (only "
                "spaces, punctuation or quotation marks); choose at least one word."
            }
        return snapped, {}
    errors: dict[str, str] = {}
    bounds = _bounds(text)
    for name, offset in (("start", start), ("end", end)):
        cluster = grapheme_split_at(text, offset, bounds)
        if cluster is not None:
            errors[name] = (
                f"Offset {offset} falls inside a grapheme cluster at "
                f"[{cluster[0]}, {cluster[1]}) (a letter with its combining marks, "
                f"an emoji sequence or a flag); use {cluster[0]} or {cluster[1]}."
            )
    return (None, errors) if errors else ((start, end), {})
