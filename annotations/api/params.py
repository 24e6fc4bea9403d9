"""Query-string and path values, parsed one way for every API view.

Ids and counts are ASCII digits within range, text carries no NUL; anything
else is a 400 naming the parameter (`annotations.parsing` does the parsing).
"""

from rest_framework.exceptions import ValidationError

from annotations.metrics.reasons import REASON_KINDS
from annotations.parsing import MAX_ID, clamped_count, has_nul, whole_number
from annotations.services.spans import OFFSET_UNITS

OFFSET_UNIT_MESSAGE = f"Must be one of {', '.join(OFFSET_UNITS)}."


def invalid(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def number_value(
    value: str, name: str, *, minimum: int = 0, maximum: int = MAX_ID
) -> int:
    """`value` as an int in [minimum, maximum], else a 400 naming `name`."""
    try:
        return whole_number(value, minimum=minimum, maximum=maximum)
    except ValueError:
        raise invalid(
            name, f"Must be a whole number from {minimum} to {maximum}."
        ) from None


def query_number(
    request,
    name: str,
    *,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = MAX_ID,
) -> int | None:
    """The query parameter `name` as an int; `default` when absent or empty."""
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    return number_value(value, name, minimum=minimum, maximum=maximum)


def query_id(request, name: str) -> int | None:
    """An id in the query string (1 to 2^63-1), or None when absent or empty."""
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    return number_value(value, name, minimum=1, maximum=MAX_ID)


def query_count(request, name: str, *, minimum: int, cap: int) -> int | None:
    """A count in the query string, at least `minimum`, larger values capped."""
    value = request.query_params.get(name)
    if value is None:
        return None
    count = clamped_count(value, maximum=cap)
    if count is None or count < minimum:
        raise invalid(name, f"Must be a whole number, at least {minimum}.")
    return count


def text_value(value: str, name: str) -> str:
    """A text value from the query string or path: refused if it holds NUL."""
    if has_nul(value):
        raise invalid(name, "Null characters are not allowed.")
    return value


def query_text(request, name: str, default: str = "") -> str:
    return text_value(request.query_params.get(name, default), name)


def reason_value(value: str | None) -> str | None:
    """A disagreement reason from the query string, or None when absent.

    An empty value is refused like any other outside the documented enum.
    """
    if value is not None and value not in REASON_KINDS:
        raise invalid("reason", f"Must be one of {', '.join(REASON_KINDS)}.")
    return value


def offset_unit_value(body_value, query_value: str | None) -> str | None:
    """The offset unit a request names (body first, then the query string, else
    code points); None when it names none of OFFSET_UNITS."""
    value = body_value or query_value or "codepoint"
    return value if value in OFFSET_UNITS else None


def query_offset_unit(request) -> str:
    """`?offset_unit=` (default codepoint), else a 400 naming it."""
    value = offset_unit_value(None, request.query_params.get("offset_unit"))
    if value is None:
        raise invalid("offset_unit", OFFSET_UNIT_MESSAGE)
    return value
