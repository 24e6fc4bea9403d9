"""The agreed part of the gold layer: units every one of their reviewers marked alike.

`layer=gold` is the adjudicated decisions plus, unless `gold=adjudicated`, one
gold span per agreed unit that no decision holds (provenance "agreed": agreed
by all k reviewers, no adjudicator). Its labels are the members' shared ones;
its offsets the ones most members marked (ties: earliest, then shortest); its
cited source the spelling most members used (ties: first reviewer by name).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef

from annotations.metrics.sources import normalise_source
from annotations.models import (
    SPAN_READING_FIELDS,
    AgreementStatus,
    AgreementUnit,
    GoldSpan,
    SpanAnnotation,
)

GOLD_COMPLETE = "complete"  # adjudicated ∪ agreed (the default)
GOLD_ADJUDICATED = "adjudicated"  # adjudicated decisions only
GOLD_CHOICES = (GOLD_COMPLETE, GOLD_ADJUDICATED)
GOLD_DEFINITIONS = {
    GOLD_COMPLETE: "Gold is every adjudicated decision plus every agreed unit "
    "without one (agreed by all k reviewers, no adjudicator).",
    GOLD_ADJUDICATED: "Gold is the adjudicated decisions only; units all their "
    "reviewers agreed on are not in it.",
}


@dataclass(frozen=True)
class Member:
    """One reviewer span of an agreed unit, as the export reads it."""

    reviewer: str
    start: int
    end: int
    quote: str
    claim_type_id: int
    sourcing_quality_id: int
    cited_source: str
    modified: datetime


def agreed_choice(members: list[Member]) -> dict[str, Any] | None:
    """The gold reading of one agreed unit's members; None if they now differ.

    The unit's status may be stale (a member edited since the last recompute):
    members whose claim type or sourcing differ give no gold span.
    """
    if not members:
        return None
    ordered = sorted(members, key=lambda m: (m.reviewer, m.start, m.end))
    if len({(m.claim_type_id, m.sourcing_quality_id) for m in ordered}) != 1:
        return None
    offsets = Counter((m.start, m.end) for m in ordered)
    best = max(offsets.values())
    start, end = min(
        (bounds for bounds, n in offsets.items() if n == best),
        key=lambda bounds: (bounds[0], bounds[1] - bounds[0]),
    )
    sources = Counter(normalise_source(m.cited_source) for m in ordered)
    most = max(sources.values())
    cited = next(
        m.cited_source
        for m in ordered
        if sources[normalise_source(m.cited_source)] == most
    )
    chosen = next(m for m in ordered if (m.start, m.end) == (start, end))
    return {
        "start": start,
        "end": end,
        "quote": chosen.quote,
        "claim_type_id": chosen.claim_type_id,
        "sourcing_quality_id": chosen.sourcing_quality_id,
        "cited_source": cited,
        "agreed_by": sorted({m.reviewer for m in ordered}),
        "decided_at": max(m.modified for m in ordered),
    }


def agreed_units(filters) -> Any:
    """Agreed units of the filtered articles that no current gold decision holds."""
    if filters.gold != GOLD_COMPLETE or filters.hide_units:
        return AgreementUnit.objects.none()
    if filters.statuses and AgreementStatus.AGREED not in filters.statuses:
        return AgreementUnit.objects.none()
    decided = GoldSpan.objects.filter(
        session_id=OuterRef("session_id"),
        article_id=OuterRef("article_id"),
        unit_key=OuterRef("key"),
        is_current=True,
    )
    query = AgreementUnit.objects.filter(
        session_id=filters.session_id, status=AgreementStatus.AGREED
    ).exclude(Exists(decided))
    if filters.article_ids is not None:
        query = query.filter(article_id__in=filters.article_ids)
    return query.order_by()


def agreed_gold(filters, article_ids: Iterable[int], usernames) -> list[dict]:
    """The agreed gold readings of these articles (`article_id`, `unit_key` set).

    `usernames` maps user ids to names (loaded here as needed through its
    `load`/`by_id`); the since/until bounds apply to the latest member edit.
    """
    units = dict(
        agreed_units(filters)
        .filter(article_id__in=list(article_ids))
        .values_list("pk", "key")
    )
    if not units:
        return []
    through = AgreementUnit.spans.through
    links = list(
        through.objects.filter(agreementunit_id__in=list(units)).values_list(
            "agreementunit_id", "spanannotation_id"
        )
    )
    rows = {
        row[0]: row
        for row in SpanAnnotation.objects.filter(
            pk__in=[span for _, span in links]
        ).values_list(
            "pk",
            "article_id",
            "reviewer_id",
            *SPAN_READING_FIELDS,
            "updated_at",
        )
    }
    usernames.load({row[2] for row in rows.values()})
    by_unit: dict[int, list[tuple]] = {}
    for unit_pk, span_pk in links:
        by_unit.setdefault(unit_pk, []).append(rows[span_pk])
    readings = []
    for unit_pk, spans in sorted(by_unit.items()):
        members = [Member(usernames.by_id[row[2]], *row[3:]) for row in spans]
        reading = agreed_choice(members)
        if reading is None or not _within(filters, reading["decided_at"]):
            continue
        reading["article_id"] = spans[0][1]
        reading["unit_key"] = units[unit_pk]
        reading["source_span_ids"] = sorted(
            f"{m.reviewer}:{m.start}:{m.end}" for m in members
        )
        readings.append(reading)
    return readings


def _within(filters, moment: datetime) -> bool:
    if filters.since is not None and moment < filters.since:
        return False
    return filters.until is None or moment < filters.until
