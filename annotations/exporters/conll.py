"""CoNLL-style BIO tagging of claim types, for token-classification training.

The file is the CoNLL-2003 NER layout that spaCy's `conll`/`ner` converters
and CoNLL-2003 readers load: one document per (article, layer), each opened by
the line `-DOCSTART- -X- O O`, sentences separated by blank lines, one token a
line with the tag in the last column. It holds nothing else (no comment
lines): which article and layer each document is, and how many spans it lost,
are in the data card (`conll_index`), in document order.

Lossy by design (see docs/export.md): tokens are `\\w+` runs or single other
characters, a span covers every token it overlaps (boundaries snap outwards),
overlapping spans keep the first (earliest start, then longest) and drop the
rest, and only the claim type survives as the tag.
"""

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotations.exporters.base import ExportFilters, iter_bundles

TOKEN = re.compile(r"\w+|[^\w\s]")
# spaCy splits documents on exactly this line; CoNLL-2003 readers skip any
# line starting with -DOCSTART-.
DOC_DELIMITER = "-DOCSTART- -X- O O"
COLUMNS = ("token", "start", "end", "tag")


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


@dataclass
class ConllDocument:
    """One (article, layer) document: its tokens, their tags and what was lost."""

    doc_id: str
    layer: str
    text: str
    tokens: list[tuple[str, int, int]]
    tags: list[str]
    dropped: int

    @property
    def entities(self) -> int:
        return sum(tag.startswith("B-") for tag in self.tags)

    def lines(self) -> Iterator[str]:
        yield f"{DOC_DELIMITER}\n\n"
        previous_end = 0
        for (token, start, end), tag in zip(self.tokens, self.tags, strict=True):
            # A line break in the text ends a sentence (paragraph), except
            # inside a span: a reader starts a new entity at each sentence.
            if (
                previous_end
                and not tag.startswith("I-")
                and "\n" in self.text[previous_end:start]
            ):
                yield "\n"
            yield f"{token}\t{start}\t{end}\t{tag}\n"
            previous_end = end
        yield "\n"


def _document(external_id, layer, text, tokens, spans) -> ConllDocument:
    tags, dropped = bio_tags(tokens, spans)
    return ConllDocument(external_id, layer, text, tokens, tags, dropped)


def conll_documents(filters: ExportFilters, **options: Any) -> Iterator[ConllDocument]:
    """Per article: a gold document and/or one per reviewer (raw layer).

    Rejected gold spans and spans without a claim type are left out.
    """
    for bundle in iter_bundles(filters, **options):
        text = bundle.article["text"]
        external_id = bundle.article["external_id"]
        tokens = tokenize(text)
        if filters.include_gold:
            gold = [
                span
                for span in bundle.spans
                if span["layer"] == "gold"
                and span["decision"] != "rejected"
                and span["claim_type"]
            ]
            yield _document(external_id, "gold", text, tokens, gold)
        if filters.include_raw:
            by_reviewer: dict[str, list[dict[str, Any]]] = {}
            for span in bundle.spans:
                if span["layer"] == "raw":
                    by_reviewer.setdefault(span["reviewer"], []).append(span)
            for reviewer in sorted(by_reviewer):
                yield _document(
                    external_id, f"raw:{reviewer}", text, tokens, by_reviewer[reviewer]
                )


def conll_lines(filters: ExportFilters, **options: Any) -> Iterator[str]:
    """The documents as lines. Columns: token, start, end (code points), BIO tag."""
    for document in conll_documents(filters, **options):
        yield from document.lines()


def conll_index(filters: ExportFilters) -> Iterator[dict[str, Any]]:
    """What each document of `conll_lines` is, in file order (for the data card)."""
    for number, document in enumerate(conll_documents(filters), start=1):
        yield {
            "document": number,
            "doc_id": document.doc_id,
            "layer": document.layer,
            "tokens": len(document.tokens),
            "entities": document.entities,
            "dropped_overlapping_spans": document.dropped,
        }
