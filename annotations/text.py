"""Text helpers: hashing, code point/UTF-16 offsets, graphemes, words (pure Python)."""

import hashlib
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate

import regex


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


# --- Graphemes and words ------------------------------------------------------------
#
# The browser snaps selections with `Intl.Segmenter` (annotations/static/annotations/
# words.js); this is the same rule for API clients that send `"snap": "word"`, and
# the check that no span splits a grapheme cluster. Python has no ICU, so words are
# found with the Unicode word-break rules (UAX #29, via the `regex` module's
# Word_Break property) plus the tailorings Chromium's ICU applies (a full stop or a
# colon does not join letters: "www.example.com" is three words). Scripts that ICU
# segments with a dictionary (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar) are one
# word per grapheme cluster here: coarser words from the browser are still whole
# words here, so a span the browser snapped is never moved by the server.
# tests/fixtures/snap_cases.json holds the cases both implementations agree on.

_GRAPHEME = regex.compile(r"\X")
# Invisible format characters (bidi marks and isolates, soft hyphen, BOM) are part of
# a word inside it but never at its edges. ZWJ, ZWNJ and the prepended concatenation
# marks belong to the character next to them, so they are never stripped.
_EDGE_FORMAT = regex.compile(
    r"[\p{Cf}--[\u200c\u200d\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2"
    r"\U000110bd\U000110cd]]",
    regex.V1,
)
# Signs that belong to the number they touch: "23%", "$5", "₨500".
_ATTACHED = regex.compile(r"[\p{Sc}%\u2030\u2031\u066a\u0609\u060a]")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")
# ICU's tailoring of UAX #29: these join neither letters ("a.b", "a:b") nor, for the
# vertical presentation forms, digits.
_NOT_LETTER_JOINERS = frozenset(":\ufe55\uff1a.\uff0e")
_NOT_NUMBER_JOINERS = frozenset("\ufe10\ufe14")
_CLASSES = [
    ("CR", r"\r"),
    ("LF", r"\n"),
    ("Newline", r"\p{WB=Newline}"),
    ("Extend", r"[\p{WB=Extend}\p{WB=ZWJ}]"),
    ("Format", r"\p{WB=Format}"),
    (
        "Dictionary",
        r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Ideographic}"
        r"\p{Script=Hangul}\p{Line_Break=Complex_Context}]",
    ),
    ("Hebrew", r"\p{WB=Hebrew_Letter}"),
    ("Letter", r"\p{WB=ALetter}"),
    ("Numeric", r"\p{WB=Numeric}"),
    ("ExtendNumLet", r"\p{WB=ExtendNumLet}"),
    ("SingleQuote", r"\p{WB=Single_Quote}"),
    ("DoubleQuote", r"\p{WB=Double_Quote}"),
    ("MidLetter", r"\p{WB=MidLetter}"),
    ("MidNumLet", r"\p{WB=MidNumLet}"),
    ("MidNum", r"\p{WB=MidNum}"),
    ("RegionalIndicator", r"\p{WB=Regional_Indicator}"),
    ("Space", r"\p{WB=WSegSpace}"),
]
_CLASS_PATTERNS = [(name, regex.compile(pattern)) for name, pattern in _CLASSES]
_LETTERS = ("Letter", "Hebrew")
_WORDLIKE = ("Letter", "Hebrew", "Numeric", "Dictionary")


@lru_cache(maxsize=4096)
def _word_class(char: str) -> str:
    for name, pattern in _CLASS_PATTERNS:
        if pattern.match(char):
            return name
    return "Other"


def _joins_letters(char: str) -> bool:
    kind = _word_class(char)
    return (
        kind in ("MidLetter", "MidNumLet", "SingleQuote")
        and char not in _NOT_LETTER_JOINERS
    )


def _joins_numbers(char: str) -> bool:
    kind = _word_class(char)
    if char in ".\uff0e":
        return True
    return (
        kind in ("MidNum", "MidNumLet", "SingleQuote")
        and char not in _NOT_NUMBER_JOINERS
    )


def grapheme_boundaries(text: str) -> list[int]:
    """Offsets (code points) where a grapheme cluster starts, and len(text)."""
    bounds = [0]
    for match in _GRAPHEME.finditer(text):
        bounds.append(match.end())
    return bounds if text else [0]


def grapheme_split_at(text: str, offset: int, bounds=None) -> tuple[int, int] | None:
    """None if `offset` is a cluster boundary; else the cluster's (start, end)."""
    bounds = grapheme_boundaries(text) if bounds is None else bounds
    index = bisect_right(bounds, offset)
    if bounds[index - 1] == offset:
        return None
    return bounds[index - 1], bounds[index]


def _units(text: str) -> list[tuple[int, int, str]]:
    """(start, end, class) with extending and format characters folded into the
    character before them (UAX #29 rule WB4)."""
    units: list[list] = []
    for offset, char in enumerate(text):
        kind = _word_class(char)
        if (
            kind in ("Extend", "Format")
            and units
            and units[-1][2] not in ("CR", "LF", "Newline")
        ):
            units[-1][1] = offset + 1
            continue
        units.append([offset, offset + 1, "Other" if kind == "Extend" else kind])
    return [tuple(unit) for unit in units]


def _joined(text: str, units, index: int, ri_run: int) -> bool:
    """Whether unit `index` continues the word of unit `index - 1` (no break)."""
    before = units[index - 1][2]
    here = units[index][2]
    after = units[index + 1][2] if index + 1 < len(units) else None
    before2 = units[index - 2][2] if index >= 2 else None
    first_char = text[units[index][0]]
    prev_char = text[units[index - 1][0]]
    if text[units[index - 1][1] - 1] == "\u200d" and _EMOJI.match(first_char):
        return True  # WB3c: an emoji ZWJ sequence
    if before == "Space" and here == "Space":
        return True
    if "Dictionary" in (before, here):
        return False  # one word per cluster (see above)
    if {before, here} <= {"Letter", "Hebrew", "Numeric"}:
        return True  # WB5, WB8-WB10
    if here == "ExtendNumLet" and before in (*_LETTERS, "Numeric", "ExtendNumLet"):
        return True
    if before == "ExtendNumLet" and here in (*_LETTERS, "Numeric"):
        return True
    if before in _LETTERS and after in _LETTERS and _joins_letters(first_char):
        return True
    if before2 in _LETTERS and here in _LETTERS and _joins_letters(prev_char):
        return True
    if before == "Hebrew" and here == "SingleQuote":
        return True
    if before == "Hebrew" and here == "DoubleQuote" and after == "Hebrew":
        return True
    if before2 == "Hebrew" and before == "DoubleQuote" and here == "Hebrew":
        return True
    if before == "Numeric" and after == "Numeric" and _joins_numbers(first_char):
        return True
    if before2 == "Numeric" and here == "Numeric" and _joins_numbers(prev_char):
        return True
    return before == here == "RegionalIndicator" and ri_run % 2 == 1


def word_spans(text: str) -> list[tuple[int, int]]:
    """The words of `text` as (start, end) code points, in order.

    A word is a run of letters and digits (with the joiners inside it, as in
    "don't", "1,000.5", "می‌شود"), one cluster of a dictionary script, or one emoji
    (a ZWJ sequence or a flag counts once); never with format characters at its
    edges.
    """
    units = _units(text)
    words: list[tuple[int, int]] = []
    segment_start = 0
    ri_run = 0
    for index in range(len(units) + 1):
        if index < len(units):
            # Regional indicators pair up into flags: count the run before this one.
            after_ri = index > 0 and units[index - 1][2] == "RegionalIndicator"
            ri_run = ri_run + 1 if after_ri else 0
            if index > 0 and _joined(text, units, index, ri_run):
                continue
        if index > 0:
            segment = units[segment_start:index]
            start, end = segment[0][0], segment[-1][1]
            wordlike = any(unit[2] in _WORDLIKE for unit in segment) or bool(
                _EMOJI.search(text, start, end)
            )
            while wordlike and start < end and _EDGE_FORMAT.match(text[start]):
                start += 1
            while wordlike and end > start and _EDGE_FORMAT.match(text[end - 1]):
                end -= 1
            if wordlike and end > start:
                words.append((start, end))
        segment_start = index
    return words


def snap_to_words(
    text: str, start: int, end: int, words: list[tuple[int, int]] | None = None
) -> tuple[int, int] | None:
    """[start, end) grown to the whole words it touches; None if it touches none.

    The selection is clipped to the text first. Spaces, punctuation and quotation
    marks around the words are left out (a quote's enclosing marks, a trailing
    comma or full stop); a currency or percent sign touching the first or last
    word is kept ("$5", "23%"). The result never splits a grapheme cluster.
    """
    words = word_spans(text) if words is None else words
    start, end = max(start, 0), min(end, len(text))
    if end <= start:
        return None
    index = bisect_right([word[1] for word in words], start)
    touched = [word for word in words[index:] if word[0] < end]
    if not touched:
        return None
    first, last = touched[0][0], touched[-1][1]
    if first > 0 and _ATTACHED.match(text[first - 1]):
        first -= 1
    if last < len(text) and _ATTACHED.match(text[last]):
        last += 1
    bounds = grapheme_boundaries(text)
    first = bounds[bisect_right(bounds, first) - 1]
    last = bounds[bisect_left(bounds, last)]
    return first, last


# --- Direction ----------------------------------------------------------------------

_RTL_LETTER = regex.compile(
    r"[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}"
    r"\p{Script=Nko}\p{Script=Adlam}\p{Script=Samaritan}\p{Script=Mandaic}"
    r"\p{Script=Hanifi_Rohingya}\p{Script=Yezidi}]"
)
_LETTER = regex.compile(r"\p{L}")


def text_direction(text: str) -> str:
    """ "rtl" when most of the text's letters are of a right-to-left script.

    The same rule as words.js `textDirection`: a share of letters, not the first
    strong character, so an Urdu article that opens with "(Reuters)" or a Latin
    name is still right to left.
    """
    rtl = len(_RTL_LETTER.findall(text))
    letters = len(_LETTER.findall(text))
    return "rtl" if rtl > letters - rtl else "ltr"
