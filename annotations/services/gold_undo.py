"""Undoing a gold decision: back to the previous revision, history kept.

A decision taken by a single key (`a`, `r`) can be undone from the disputes
page. Undo never deletes or rewrites a revision: it adds a revision that
copies the one before the undone decision (same decision, offsets, labels,
provenance and fact links), or, when the undone decision was the first, it
retracts it (no current decision; the unit is disputed again).
"""

from django.db import transaction
from django.db.models import Max

from annotations.models import SPAN_READING_FIELDS, FactLink, GoldSpan
from annotations.services.adjudication import adjudicator_check
from annotations.services.agreement_store import unit_retracted_store
from annotations.services.errors import Conflict, NotFound
from annotations.services.recompute import articles_changed

COPIED = (
    "decision",
    *SPAN_READING_FIELDS,
    "note",
    "verdict",
    "accepted_span_id",
    "accepted_reviewer_id",
    "source_versions",
)


class NotCurrent(Conflict):
    """The decision to undo is no longer the unit's current one."""


def _next_revision(gold: GoldSpan) -> int:
    latest = GoldSpan.objects.filter(
        session_id=gold.session_id, article_id=gold.article_id, unit_key=gold.unit_key
    ).aggregate(latest=Max("revision"))["latest"]
    return (latest or 0) + 1


@transaction.atomic
def gold_undo(*, session_id: int, gold_id: int, actor) -> GoldSpan | None:
    """Undo current decision `gold_id`; return the revision now current, or None.

    Raises NotFound (not in the session), PermissionDenied, or
    NotCurrent when another decision (or undo) has replaced it since: undo acts
    on the decision the adjudicator saw, never on a newer one.
    """
    gold = (
        GoldSpan.objects.select_for_update()
        .filter(pk=gold_id, session_id=session_id)
        .first()
    )
    if gold is None:
        raise NotFound("No such gold decision in this session.")
    adjudicator_check(session_id=session_id, user=actor)
    if not gold.is_current:
        raise NotCurrent(
            f"Revision {gold.revision} is no longer the current decision on this "
            "unit (it was changed or undone since); reload to see the current one."
        )
    previous = gold.supersedes
    GoldSpan.objects.filter(pk=gold.pk).update(is_current=False)
    restored = None
    if previous is not None:
        restored = GoldSpan.objects.create(
            session_id=gold.session_id,
            article_id=gold.article_id,
            unit_id=gold.unit_id,
            unit_key=gold.unit_key,
            decided_by=actor,
            revision=_next_revision(gold),
            supersedes=gold,
            is_current=True,
            **{name: getattr(previous, name) for name in COPIED},
        )
        restored.source_spans.set(previous.source_spans.all())
        FactLink.objects.bulk_create(
            FactLink(fact_id=link.fact_id, gold_span=restored, value=link.value)
            for link in previous.fact_links.all()
        )
    elif gold.unit_id is not None:
        # Immediate feedback; the agreement recompute confirms the status.
        unit_retracted_store(unit_id=gold.unit_id)
    articles_changed(session_id=session_id, article_ids=[gold.article_id])
    return restored
