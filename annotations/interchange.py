"""The portable interchange format that exports write and imports read.

Neutral ground: the exporters and `services/imports.py` both use it, and it
imports nothing of either (no Django).
"""

from datetime import UTC, datetime

FORMAT_VERSION = "1.0"
# A gold span's `provenance`: an adjudicator's decision, or a unit every
# reviewer agreed on (exporters/gold_agreed.py).
PROVENANCE_ADJUDICATED = "adjudicated"
PROVENANCE_AGREED = "agreed"


def timestamp(value: datetime | None) -> str | None:
    """UTC ISO 8601 with microseconds: one spelling per instant."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def span_id(username: str, start: int, end: int) -> str:
    """A reviewer span's portable identity (unique per session and article)."""
    return f"{username}:{start}:{end}"
