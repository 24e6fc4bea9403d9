"""Adjudication: gold decisions on agreement units, their history, and facts.

Adjudicators (or staff without a role in the session) resolve an agreement
unit into one revision of the gold layer. The reviewers' spans are only read:
provenance records which spans, at which versions, a decision was made from.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from annotations.access import is_adjudicating, session_role
from annotations.models import (
    AgreementUnit,
    Fact,
    FactLink,
    GoldSpan,
)
from annotations.selectors.adjudication import gold_get
from annotations.services.agreement_store import unit_adjudicated_store
from annotations.services.errors import NotFound, PermissionDenied, ValidationError
from annotations.services.gold_checks import (
    CheckedDecision,
    decision_check,
    fact_label_clean,
    fact_value_clean,
)
from annotations.services.recompute import articles_changed


def adjudicator_check(*, session_id: int, user) -> None:
    """Allow adjudicators of the session, and staff who hold no role in it.

    A membership wins over staff status (`access.session_role`), so a staff
    member who reviews in a session cannot adjudicate it.
    """
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Sign in to adjudicate.")
    if is_adjudicating(session_role(user, session_id)):
        return
    raise PermissionDenied("Only adjudicators of this session can do this.")


def _fact_get_or_create(*, session_id: int, label: str, actor) -> tuple[Fact, bool]:
    existing = (
        Fact.objects.filter(session_id=session_id, label__iexact=label)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing, False
    return Fact.objects.create(
        session_id=session_id, label=label, created_by=actor
    ), True


@transaction.atomic
def fact_create(*, session_id: int, label: str, actor) -> tuple[Fact, bool]:
    """Create a fact of the session, or return the one with the same label.

    Labels match case-insensitively after collapsing whitespace, so two
    adjudicators typing the same fact get one row. Returns (fact, created).
    """
    adjudicator_check(session_id=session_id, user=actor)
    try:
        label = fact_label_clean(label)
    except ValueError as exc:
        raise ValidationError({"label": str(exc)}) from None
    return _fact_get_or_create(session_id=session_id, label=label, actor=actor)


def _current_gold(gold_span_id: int) -> GoldSpan:
    if isinstance(gold_span_id, bool) or not isinstance(gold_span_id, int):
        raise ValidationError({"gold_span": "Must be a gold span id."})
    gold = GoldSpan.objects.filter(pk=gold_span_id).first()
    if gold is None:
        raise ValidationError(
            {"gold_span": f"Gold span {gold_span_id} does not exist."}
        )
    return gold


@transaction.atomic
def fact_link_add(
    *, fact_id: int, gold_span_id: int, value: str | None, actor
) -> FactLink:
    """Link a current gold span of the fact's session to the fact (upsert value)."""
    fact = Fact.objects.get(pk=fact_id)
    adjudicator_check(session_id=fact.session_id, user=actor)
    gold = _current_gold(gold_span_id)
    if gold.session_id != fact.session_id:
        raise ValidationError(
            {"gold_span": f"Gold span {gold.pk} is not in this fact's session."}
        )
    if not gold.is_current:
        raise ValidationError(
            {"gold_span": f"Gold span {gold.pk} was superseded; link the current one."}
        )
    if gold.decision == GoldSpan.Decision.REJECTED:
        raise ValidationError(
            {"gold_span": "A rejected unit is not a claim and cannot state a fact."}
        )
    try:
        value = fact_value_clean(value)
    except ValueError as exc:
        raise ValidationError({"value": str(exc)}) from None
    link, _ = FactLink.objects.update_or_create(
        fact=fact, gold_span=gold, defaults={"value": value}
    )
    articles_changed(session_id=gold.session_id, article_ids=[gold.article_id])
    return link


@transaction.atomic
def fact_link_remove(*, fact_id: int, gold_span_id: int, actor) -> bool:
    """Unlink a gold span from a fact; returns whether a link was removed.

    An unknown gold span is linked to nothing: False, as for an unlinked one.
    """
    fact = Fact.objects.get(pk=fact_id)
    adjudicator_check(session_id=fact.session_id, user=actor)
    gold = GoldSpan.objects.filter(pk=gold_span_id).first()
    if gold is None:
        return False
    deleted, _ = FactLink.objects.filter(fact=fact, gold_span=gold).delete()
    if deleted:
        articles_changed(session_id=gold.session_id, article_ids=[gold.article_id])
    return bool(deleted)


@transaction.atomic
def gold_decide(
    *,
    unit_id: int,
    adjudicator,
    decision: str,
    accept_span_id: int | str | None = None,
    start: int | None = None,
    end: int | None = None,
    offset_unit: str = "codepoint",
    claim_type: str | None = None,
    sourcing_quality: str | None = None,
    cited_source: str | None = None,
    note: str | None = "",
    verdict: str | None = "",
    fact_links: list[dict[str, Any]] | None = None,
) -> GoldSpan:
    """Record a gold decision for a unit as a new current revision.

    * "accepted": copy the offsets, labels and cited source of member span
      `accept_span_id`, and record it and its reviewer as the accepted version;
    * "edited": explicit offsets (checked by `span_clean`; the quote is taken
      from the text) and labels of the session's scheme;
    * "rejected": not a claim; the unit's extent, no labels, no verdict, no facts.

    A previous current revision is kept, flipped to not current and superseded.
    `fact_links` (a list of {fact_id | label, value}) replaces the links; None
    carries the previous revision's links forward. Member spans are never
    written. Raises PermissionDenied, ValidationError (keyed by field, every
    value checked as sent) or NotFound (no such unit).
    """
    # Locking the unit serialises concurrent decisions on it (revision numbers).
    unit = AgreementUnit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("No such unit in this session.")
    adjudicator_check(session_id=unit.session_id, user=adjudicator)
    checked = decision_check(
        unit=unit,
        decision=decision,
        accept_span_id=accept_span_id,
        start=start,
        end=end,
        offset_unit=offset_unit,
        labels={
            "claim_type": claim_type,
            "sourcing_quality": sourcing_quality,
            "cited_source": cited_source,
        },
        note=note,
        verdict=verdict,
        fact_links=fact_links,
    )
    gold = _decision_do(
        unit=unit, adjudicator=adjudicator, decision=decision, checked=checked
    )
    return gold_get(gold_id=gold.pk)


def _decision_do(
    *,
    unit: AgreementUnit,
    adjudicator,
    decision: str,
    checked: CheckedDecision,
) -> GoldSpan:
    """Write a checked decision: retire the current revision, add the new one.

    Precondition: the unit is locked and `checked` came from `decision_check`.
    """
    previous = (
        GoldSpan.objects.select_for_update()
        .filter(
            session_id=unit.session_id,
            article_id=unit.article_id,
            unit_key=unit.key,
            is_current=True,
        )
        .first()
    )
    facts = checked.facts
    if previous is not None:
        # Flip first: the partial unique constraint allows one current row only.
        GoldSpan.objects.filter(pk=previous.pk).update(is_current=False)
        if facts is None and decision != GoldSpan.Decision.REJECTED:
            facts = [
                (link.fact, link.value)
                for link in previous.fact_links.select_related("fact")
            ]
    gold = _gold_create(
        unit=unit,
        adjudicator=adjudicator,
        decision=decision,
        checked=checked,
        previous=previous,
    )
    gold.source_spans.set(checked.members)
    for target, value in facts or ():
        if not isinstance(target, Fact):
            target, _ = _fact_get_or_create(
                session_id=unit.session_id, label=target, actor=adjudicator
            )
        FactLink.objects.create(fact=target, gold_span=gold, value=value)
    unit_adjudicated_store(unit_id=unit.pk)
    articles_changed(session_id=unit.session_id, article_ids=[unit.article_id])
    return gold


def _gold_create(
    *,
    unit: AgreementUnit,
    adjudicator,
    decision: str,
    checked: CheckedDecision,
    previous: GoldSpan | None,
) -> GoldSpan:
    try:
        with transaction.atomic():
            return GoldSpan.objects.create(
                session_id=unit.session_id,
                article_id=unit.article_id,
                unit=unit,
                unit_key=unit.key,
                decision=decision,
                note=checked.note.strip(),
                verdict=checked.verdict,
                source_versions={
                    str(span.pk): span.version for span in checked.members
                },
                decided_by=adjudicator,
                # After an undone first decision there is history but no
                # current revision: number on from the latest.
                revision=_latest_revision(unit) + 1,
                supersedes=previous,
                is_current=True,
                **checked.values,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "decision": "Another decision on this unit was saved at the same "
                "time; reload and decide again."
            }
        ) from None


def _latest_revision(unit: AgreementUnit) -> int:
    latest = GoldSpan.objects.filter(
        session_id=unit.session_id, article_id=unit.article_id, unit_key=unit.key
    ).aggregate(latest=Max("revision"))["latest"]
    return latest or 0
