"""CoNLL-style BIO tagging of claim types, for token-classification training.

Lossy by design (see docs/export.md): tokens are `\\w+` runs or single other
characters, a span covers every token it overlaps (boundaries snap outwards),
overlapping spans keep the first (earliest start, then longest) and drop the
rest, and only the claim type survives as the tag.
"""

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

from annotations.exporters.base import ExportFilters, iter_bundles

TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) in code points, end exclusive; whitespace is dropped."""
    return [
        (match.group(), match.start(), match.end()) for match in TOKEN.finditer(text)
    ]


def bio_tags(
    tokens: list[tuple[str, int, int]], spans: list[dict[str, Any]]
) -> tuple[list[str], int]:
    """Tags for `tokens` from `spans` (first wins); returns (tags, spans dropped)."""
    tags = ["O"] * len(tokens)
    ends = [end for _, _, end in tokens]
    dropped = 0
    ordered = sorted(spans, key=lambda span: (span["start"], -span["end"]))
    for span in ordered:
        covered = []
        index = bisect_right(ends, span["start"])
        while index < len(tokens) and tokens[index][1] < span["end"]:
            covered.append(index)
            index += 1
        if not covered or any(tags[index] != "O" for index in covered):
            dropped += 1
            continue
        tags[covered[0]] = f"B-{span['claim_type']}"
        for index in covered[1:]:
            tags[index] = f"I-{span['claim_type']}"
    return tags, dropped


def _section(external_id: str, layer: str, text: str, tokens, spans) -> Iterator[str]:
    tags, dropped = bio_tags(tokens, spans)
    yield f"# doc_id = {external_id}\n"
    yield f"# layer = {layer}\n"
    if dropped:
        yield f"# dropped_overlapping_spans = {dropped}\n"
    previous_end = 0
    for (token, start, end), tag in zip(tokens, tags, strict=True):
        # A line break in the text ends a sentence (paragraph) block.
        if "\n" in text[previous_end:start] and previous_end:
            yield "\n"
        yield f"{token}\t{start}\t{end}\t{tag}\n"
        previous_end = end
    yield "\n"


def conll_lines(filters: ExportFilters, **options: Any) -> Iterator[str]:
    """Per article: a gold section and/or one section per reviewer (raw layer).

    Columns: token, start, end (code points), BIO tag. Rejected gold spans
    and spans without a claim type are left out.
    """
    for bundle in iter_bundles(filters, **options):
        text = bundle.article["text"]
        external_id = bundle.article["external_id"]
        tokens = tokenize(text)
        gold = [
            span
            for span in bundle.spans
            if span["layer"] == "gold"
            and span["decision"] != "rejected"
            and span["claim_type"]
        ]
        if filters.include_gold:
            yield from _section(external_id, "gold", text, tokens, gold)
        if filters.include_raw:
            by_reviewer: dict[str, list[dict[str, Any]]] = {}
            for span in bundle.spans:
                if span["layer"] == "raw":
                    by_reviewer.setdefault(span["reviewer"], []).append(span)
            for reviewer in sorted(by_reviewer):
                yield from _section(
                    external_id, f"raw:{reviewer}", text, tokens, by_reviewer[reviewer]
                )
