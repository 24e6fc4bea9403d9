"""Client-supplied ids, counts and text, parsed one way: ASCII digits, in range, no NUL.

`str.isdigit()` is true for "²", which `int()` then refuses; a number past
the database's bigint, or a NUL character, reaches PostgreSQL as an error.
Every query parameter, path part, body value and export filter that names an
id or a count goes through here (the API wraps it in `annotations.api.params`).
"""

MAX_ID = 2**63 - 1  # bigint primary keys
MAX_INT32 = 2**31 - 1  # offsets and versions are 32-bit in the database


def is_digits(text: object) -> bool:
    """True for a non-empty string of ASCII digits 0-9 (and nothing else)."""
    return isinstance(text, str) and text.isascii() and text.isdigit()


def whole_number(text: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """`text` as an int: ValueError unless ASCII digits within [minimum, maximum]."""
    if not is_digits(text):
        raise ValueError(f"{text!r} is not a whole number.")
    digits = text.lstrip("0") or "0"
    # Compare lengths first: no int() of a million-digit string.
    if len(digits) > len(str(maximum)) or not minimum <= int(digits) <= maximum:
        raise ValueError(f"{text!r} is not between {minimum} and {maximum}.")
    return int(digits)


def parse_id(text: object) -> int:
    """A primary key: ASCII digits from 1 to MAX_ID, else ValueError."""
    return whole_number(text, minimum=1, maximum=MAX_ID)


def clamped_count(text: object, *, maximum: int) -> int | None:
    """A count capped at `maximum`; None unless ASCII digits (any length)."""
    if not is_digits(text):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):
        return maximum
    return min(int(digits), maximum)


def has_nul(text: object) -> bool:
    """PostgreSQL text cannot hold U+0000: such a value is refused at the edge."""
    return isinstance(text, str) and "\x00" in text
