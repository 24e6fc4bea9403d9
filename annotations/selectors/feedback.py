"""Reads for reviewer feedback: one reviewer's spans of an article and its gold.

Gold is the complete layer (exporters/gold_agreed): the current adjudicated
decisions plus one reading per agreed unit no decision holds. Only the given
reviewer's spans are read; other reviewers' spans enter only through the gold
readings (an agreed unit's shared reading), never as spans.
"""

from __future__ import annotations

import hashlib

from annotations.exporters.gold_agreed import Member, agreed_choice
from annotations.metrics.feedback import FeedbackSpan
from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    ClaimType,
    GoldSpan,
    SourcingLevel,
    SpanAnnotation,
)


def opaque_unit(key: str | None) -> str | None:
    """A unit key names its members' reviewers: what leaves is a digest of it."""
    if not key:
        return None
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _codes(session) -> tuple[dict[int, str], dict[int, str]]:
    scheme_id = session.scheme_id
    return (
        dict(ClaimType.objects.filter(scheme_id=scheme_id).values_list("pk", "code")),
        dict(
            SourcingLevel.objects.filter(scheme_id=scheme_id).values_list("pk", "code")
        ),
    )


def _reviewer_spans(session, article_id, reviewer_id, claims, levels) -> list:
    spans = SpanAnnotation.objects.filter(
        session=session, article_id=article_id, reviewer_id=reviewer_id
    ).order_by("start", "end", "pk")
    keys = dict(
        AgreementUnit.spans.through.objects.filter(
            spanannotation__in=spans, agreementunit__session=session
        ).values_list("spanannotation_id", "agreementunit__key")
    )
    return [
        FeedbackSpan(
            span.pk,
            span.start,
            span.end,
            claims.get(span.claim_type_id, ""),
            levels.get(span.sourcing_quality_id, ""),
            span.cited_source,
            keys.get(span.pk),
        )
        for span in spans
    ]


def _decided(session, article_id, claims, levels):
    gold, extra, rejected = [], {}, set()
    decisions = GoldSpan.objects.filter(
        session=session, article_id=article_id, is_current=True
    ).order_by("start", "end", "pk")
    for row in decisions:
        if row.decision == GoldSpan.Decision.REJECTED:
            rejected.add(row.unit_key)
            continue
        reading = FeedbackSpan(
            f"gold:{row.pk}",
            row.start,
            row.end,
            claims.get(row.claim_type_id, ""),
            levels.get(row.sourcing_quality_id, ""),
            row.cited_source,
            row.unit_key,
        )
        gold.append(reading)
        extra[reading.id] = {"quote": row.quote, "provenance": row.decision}
    return gold, extra, rejected


def _agreed(session, article_id, decided_keys, claims, levels):
    units = (
        AgreementUnit.objects.filter(
            session=session, article_id=article_id, status=AgreementStatus.AGREED
        )
        .exclude(key__in=decided_keys)
        .prefetch_related("spans")
        .order_by("start", "end", "key")
    )
    gold, extra = [], {}
    for unit in units:
        members = [
            Member(
                str(s.reviewer_id),
                s.start,
                s.end,
                s.quote,
                s.claim_type_id,
                s.sourcing_quality_id,
                s.cited_source,
                s.updated_at,
            )
            for s in unit.spans.all()
        ]
        choice = agreed_choice(members)
        if choice is None:
            continue
        reading = FeedbackSpan(
            f"agreed:{opaque_unit(unit.key)}",
            choice["start"],
            choice["end"],
            claims.get(choice["claim_type_id"], ""),
            levels.get(choice["sourcing_quality_id"], ""),
            choice["cited_source"],
            unit.key,
        )
        gold.append(reading)
        extra[reading.id] = {"quote": choice["quote"], "provenance": "agreed"}
    return gold, extra


def feedback_inputs(*, session, article_id: int, reviewer_id: int) -> dict:
    """The reviewer's spans, the gold readings (with quote and provenance), the
    rejected unit keys and the statuses of the reviewer's units."""
    claims, levels = _codes(session)
    spans = _reviewer_spans(session, article_id, reviewer_id, claims, levels)
    gold, extra, rejected = _decided(session, article_id, claims, levels)
    decided_keys = {g.unit_key for g in gold} | rejected
    agreed, agreed_extra = _agreed(session, article_id, decided_keys, claims, levels)
    keys = {span.unit_key for span in spans if span.unit_key}
    statuses = list(
        AgreementUnit.objects.filter(
            session=session, article_id=article_id, key__in=keys
        ).values_list("status", flat=True)
    )
    return {
        "spans": spans,
        "gold": gold + agreed,
        "extra": {**extra, **agreed_extra},
        "rejected_keys": frozenset(rejected),
        "unit_statuses": statuses,
        "has_gold": bool(gold or agreed or rejected),
    }
