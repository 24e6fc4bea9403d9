"""Why an aligned unit's members disagree: its disagreement reasons (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

DIMENSIONS = ("claim_type", "sourcing_quality", "cited_source")
REASON_KINDS = ("missed_by", "boundary", *DIMENSIONS)
# The keys of `reason_counts`: units per reason kind, boundary-only, no reason.
REASON_COUNT_KEYS = (*REASON_KINDS, "boundary_only", "none")


@dataclass(frozen=True)
class Mark:
    """One reviewer's span in a unit: offsets (code points) and labels."""

    reviewer: str
    start: int
    end: int
    claim_type: str
    sourcing_quality: str
    cited_source: str  # normalised, as the agreement engine compares it


def unit_reasons(
    marks: Sequence[Mark], *, expected: Iterable[str], tolerance: int = 0
) -> list[dict[str, Any]]:
    """The unit's reasons, in the order of ``REASON_KINDS``.

    Each reason is ``{"kind", "reviewers", "values"}`` with reviewers sorted:

    - ``missed_by``: the ``expected`` reviewers with no span in the unit
      (``values`` is empty);
    - ``boundary``: the members' starts or ends spread over more than
      ``tolerance`` characters (0: any difference); every member is named and
      ``values`` maps each reviewer to ``[start, end]``;
    - ``claim_type``, ``sourcing_quality``, ``cited_source``: members gave
      more than one value; ``values`` maps each reviewer to theirs.

    An empty list means the members agree on everything (a unit marked by one
    reviewer, with nobody else expected, has no reasons).
    """
    if tolerance < 0:
        raise ValueError("tolerance must be >= 0")
    ordered = sorted(marks, key=lambda mark: (mark.reviewer, mark.start, mark.end))
    marked = {mark.reviewer for mark in ordered}
    reasons: list[dict[str, Any]] = []
    missing = sorted(set(expected) - marked)
    if missing:
        reasons.append({"kind": "missed_by", "reviewers": missing, "values": {}})
    names = [mark.reviewer for mark in ordered]
    if len(ordered) >= 2:
        starts = [mark.start for mark in ordered]
        ends = [mark.end for mark in ordered]
        if max(starts) - min(starts) > tolerance or max(ends) - min(ends) > tolerance:
            reasons.append(
                {
                    "kind": "boundary",
                    "reviewers": names,
                    "values": {m.reviewer: [m.start, m.end] for m in ordered},
                }
            )
    for dimension in DIMENSIONS:
        values = {mark.reviewer: getattr(mark, dimension) for mark in ordered}
        if len(set(values.values())) > 1:
            reasons.append({"kind": dimension, "reviewers": names, "values": values})
    return reasons


def boundary_only(reasons: Sequence[dict[str, Any]]) -> bool:
    """Do the members disagree on where the claim lies and on nothing else?"""
    return [reason["kind"] for reason in reasons] == ["boundary"]


def reason_counts(all_reasons: Iterable[Sequence[dict[str, Any]]]) -> dict[str, int]:
    """Units per reason kind, plus ``boundary_only`` and ``none`` (no reason)."""
    counts = dict.fromkeys(REASON_COUNT_KEYS, 0)
    for reasons in all_reasons:
        kinds = {reason["kind"] for reason in reasons}
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1
        if boundary_only(reasons):
            counts["boundary_only"] += 1
        if not kinds:
            counts["none"] += 1
    return counts
