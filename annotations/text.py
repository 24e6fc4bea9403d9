"""Text helpers: hashing and code-point/UTF-16 offset conversion (pure Python)."""

import hashlib
from itertools import accumulate


def text_sha256(text: str) -> str:
    """Hex sha256 of the UTF-8 encoding of `text`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utf16_length(text: str) -> int:
    """Length of `text` in UTF-16 code units (what JavaScript's .length counts)."""
    return len(text.encode("utf-16-le")) // 2


class OffsetMap:
    """Converts offsets of one text between code points and UTF-16 code units.

    Built once per text (O(n)), then each conversion is O(1), so a bulk request
    of thousands of spans on one article converts cheaply.
    """

    def __init__(self, text: str) -> None:
        widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
        # utf16_at[cp] = UTF-16 offset of code point cp (cp in 0..len(text)).
        self.utf16_at = [0, *accumulate(widths)]
        self.codepoint_at = {units: cp for cp, units in enumerate(self.utf16_at)}
        self.length = len(text)
        self.utf16_length = self.utf16_at[-1]

    def to_utf16(self, offset: int) -> int:
        if not 0 <= offset <= self.length:
            raise ValueError(f"offset {offset} is outside the text (0..{self.length})")
        return self.utf16_at[offset]

    def to_codepoint(self, offset: int) -> int:
        if not 0 <= offset <= self.utf16_length:
            raise ValueError(
                f"UTF-16 offset {offset} is outside the text (0..{self.utf16_length})"
            )
        try:
            return self.codepoint_at[offset]
        except KeyError:
            raise ValueError(
                f"UTF-16 offset {offset} falls inside a surrogate pair"
            ) from None
