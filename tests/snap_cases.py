"""The shared word-snap case table (tests/fixtures/snap_cases.json), read as cases.

The browser test and the server test read the same file; offsets here are code
points (the browser test converts them to UTF-16 at its edge).
"""

import json
from dataclasses import dataclass
from pathlib import Path

CASES_FILE = Path(__file__).resolve().parent / "fixtures" / "snap_cases.json"
OPEN, CLOSE = "⟦", "⟧"


@dataclass(frozen=True)
class SnapCase:
    name: str
    text: str
    start: int  # the selection, code points
    end: int
    expect: tuple[int, int] | None  # what the browser produces
    server: tuple[int, int] | None  # what the server produces


def load() -> dict:
    return json.loads(CASES_FILE.read_text(encoding="utf-8"))


def _locate(text: str, quote: str | None, start: int, end: int):
    """The occurrence of `quote` that overlaps (or touches) the selection."""
    if quote is None:
        return None
    found = []
    index = text.find(quote)
    while index != -1:
        if index <= end and index + len(quote) >= start:
            found.append((index, index + len(quote)))
        index = text.find(quote, index + 1)
    assert len(found) == 1, f"{quote!r} is not located once by the selection"
    return found[0]


def parse(raw: dict) -> SnapCase:
    marked = raw["text"]
    start = marked.index(OPEN)
    end = marked.index(CLOSE) - 1
    text = marked.replace(OPEN, "").replace(CLOSE, "")
    end += raw.get("extend_end", 0)
    expect = _locate(text, raw["expect"], start, end)
    server = _locate(text, raw["server"], start, end) if "server" in raw else expect
    return SnapCase(raw["name"], text, start, end, expect, server)


def cases(section: str) -> list[SnapCase]:
    return [parse(raw) for raw in load()[section]]
