"""Adjudication: gold decisions on agreement units, their history, and facts.

Adjudicators (or staff without a role in the session) resolve an agreement
unit into one revision of the gold layer. The reviewers' spans are only read:
provenance records which spans, at which versions, a decision was made from.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from annotations.access import is_adjudicating, session_role
from annotations.models import (
    AgreementUnit,
    Fact,
    FactLink,
    GoldSpan,
    SpanAnnotation,
)
from annotations.services.agreement_store import unit_adjudicated_store
from annotations.services.recompute import articles_changed
from annotations.services.spans import span_clean, span_context

MAX_FACT_LABEL = 300
MAX_FACT_VALUE = 300
MAX_FACT_LINKS = 50
DECISIONS = tuple(GoldSpan.Decision.values)
VERDICTS = tuple(GoldSpan.Verdict.values)


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


def version_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the label of a reviewer version."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def unit_versions(spans) -> list[tuple[str, SpanAnnotation]]:
    """Member spans lettered A, B, C… in order of reviewer username (then offsets)."""
    ordered = sorted(
        spans, key=lambda span: (span.reviewer.username, span.start, span.end, span.pk)
    )
    return [(version_letter(index), span) for index, span in enumerate(ordered)]


def _fact_label_clean(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ValueError("Give the fact a non-empty label.")
    label = " ".join(label.split())
    if len(label) > MAX_FACT_LABEL:
        raise ValueError(f"A fact label has at most {MAX_FACT_LABEL} characters.")
    return label


def _fact_value_clean(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("The value must be a string.")
    value = " ".join(value.split())
    if len(value) > MAX_FACT_VALUE:
        raise ValueError(f"A value has at most {MAX_FACT_VALUE} characters.")
    return value


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
def fact_create(*, session_id: int, label: Any, actor) -> tuple[Fact, bool]:
    """Create a fact of the session, or return the one with the same label.

    Labels match case-insensitively after collapsing whitespace, so two
    adjudicators typing the same fact get one row. Returns (fact, created).
    """
    adjudicator_check(session_id=session_id, user=actor)
    try:
        label = _fact_label_clean(label)
    except ValueError as exc:
        raise ValidationError({"label": str(exc)}) from None
    return _fact_get_or_create(session_id=session_id, label=label, actor=actor)


def _current_gold(gold_span_id: Any) -> GoldSpan:
    if isinstance(gold_span_id, bool) or not isinstance(gold_span_id, int):
        raise ValidationError({"gold_span": "Must be a gold span id."})
    gold = GoldSpan.objects.filter(pk=gold_span_id).first()
    if gold is None:
        raise ValidationError(
            {"gold_span": f"Gold span {gold_span_id} does not exist."}
        )
    return gold


@transaction.atomic
def fact_link_add(*, fact_id: int, gold_span_id: Any, value: Any, actor) -> FactLink:
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
        value = _fact_value_clean(value)
    except ValueError as exc:
        raise ValidationError({"value": str(exc)}) from None
    link, _ = FactLink.objects.update_or_create(
        fact=fact, gold_span=gold, defaults={"value": value}
    )
    articles_changed(session_id=gold.session_id, article_ids=[gold.article_id])
    return link


@transaction.atomic
def fact_link_remove(*, fact_id: int, gold_span_id: Any, actor) -> bool:
    """Unlink a gold span from a fact; returns whether a link was removed."""
    fact = Fact.objects.get(pk=fact_id)
    adjudicator_check(session_id=fact.session_id, user=actor)
    gold = _current_gold(gold_span_id)
    deleted, _ = FactLink.objects.filter(fact=fact, gold_span=gold).delete()
    if deleted:
        articles_changed(session_id=gold.session_id, article_ids=[gold.article_id])
    return bool(deleted)


def gold_history(*, session_id: int, article_id: int, unit_key: str) -> list[GoldSpan]:
    """Every revision of the gold decision for a unit key, newest first."""
    return list(
        GoldSpan.objects.filter(
            session_id=session_id, article_id=article_id, unit_key=unit_key
        )
        .select_related(
            "claim_type", "sourcing_quality", "decided_by", "accepted_reviewer"
        )
        .prefetch_related("source_spans", "fact_links__fact")
        .order_by("-revision", "-pk")
    )


def _fact_links_clean(*, session_id: int, fact_links: Any) -> list[tuple[Any, str]]:
    """Validate fact references; return (Fact or new label, value) pairs."""
    if isinstance(fact_links, dict | str) or not hasattr(fact_links, "__iter__"):
        raise ValidationError({"facts": "Must be a list of fact references."})
    fact_links = list(fact_links)
    if len(fact_links) > MAX_FACT_LINKS:
        raise ValidationError({"facts": f"At most {MAX_FACT_LINKS} facts per unit."})
    cleaned: list[tuple[Any, str]] = []
    errors: list[str] = []
    seen: set[Any] = set()
    for index, item in enumerate(fact_links):
        if not isinstance(item, dict):
            errors.append(f"Item {index}: must be an object.")
            continue
        fact_id = item.get("fact_id", item.get("fact"))
        label = item.get("label")
        try:
            value = _fact_value_clean(item.get("value", ""))
        except ValueError as exc:
            errors.append(f"Item {index}: {exc}")
            continue
        if (fact_id is None) == (label is None):
            errors.append(f"Item {index}: give either an existing fact or a label.")
            continue
        if fact_id is not None:
            if isinstance(fact_id, bool) or not isinstance(fact_id, int):
                errors.append(f"Item {index}: the fact must be a fact id.")
                continue
            fact = Fact.objects.filter(pk=fact_id, session_id=session_id).first()
            if fact is None:
                errors.append(f"Item {index}: fact {fact_id} is not in this session.")
                continue
            identity: Any = fact.pk
            target: Any = fact
        else:
            try:
                target = _fact_label_clean(label)
            except ValueError as exc:
                errors.append(f"Item {index}: {exc}")
                continue
            identity = target.lower()
        if identity in seen:
            errors.append(f"Item {index}: the same fact is linked twice.")
            continue
        seen.add(identity)
        cleaned.append((target, value))
    if errors:
        raise ValidationError({"facts": errors})
    return cleaned


def _not_used(decision: str, **values: Any) -> dict[str, str]:
    return {
        name: f"Not used when the decision is {decision!r}."
        for name, value in values.items()
        if value is not None
    }


@transaction.atomic
def gold_decide(
    *,
    unit_id: int,
    adjudicator,
    decision: Any,
    accept_span_id: Any = None,
    start: Any = None,
    end: Any = None,
    offset_unit: str = "codepoint",
    claim_type: Any = None,
    sourcing_quality: Any = None,
    cited_source: Any = None,
    note: Any = "",
    verdict: Any = "",
    fact_links: Any = None,
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
    written. Raises PermissionDenied, ValidationError (keyed by field) or
    AgreementUnit.DoesNotExist.
    """
    # Locking the unit serialises concurrent decisions on it (revision numbers).
    unit = AgreementUnit.objects.select_for_update().get(pk=unit_id)
    adjudicator_check(session_id=unit.session_id, user=adjudicator)
    if decision not in DECISIONS:
        raise ValidationError(
            {
                "decision": f"Unknown decision {decision!r}; expected one of "
                f"{', '.join(DECISIONS)}."
            }
        )
    errors: dict[str, Any] = {}
    if verdict is None:
        verdict = ""
    if verdict not in ("", *VERDICTS):
        errors["verdict"] = (
            f"Unknown verdict {verdict!r}; expected one of {', '.join(VERDICTS)} "
            "or empty."
        )
    elif verdict and decision == GoldSpan.Decision.REJECTED:
        errors["verdict"] = "A rejected unit is not a claim and takes no verdict."
    if note is None:
        note = ""
    if not isinstance(note, str):
        errors["note"] = "Must be a string."
    members = list(
        unit.spans.select_related("reviewer", "claim_type", "sourcing_quality")
    )
    context = span_context(session_id=unit.session_id, article_id=unit.article_id)
    text = context.article.text
    values: dict[str, Any] = {}
    if decision == GoldSpan.Decision.ACCEPTED:
        errors.update(
            _not_used(
                decision,
                start=start,
                end=end,
                claim_type=claim_type,
                sourcing_quality=sourcing_quality,
                cited_source=cited_source,
            )
        )
        chosen = next(
            (
                span
                for span in members
                if not isinstance(accept_span_id, bool) and span.pk == accept_span_id
            ),
            None,
        )
        if chosen is None:
            errors["accept"] = (
                f"{accept_span_id!r} is not one of this unit's reviewer versions."
                if accept_span_id is not None
                else "Say which reviewer version to accept."
            )
        else:
            values = {
                "start": chosen.start,
                "end": chosen.end,
                "quote": text[chosen.start : chosen.end],
                "claim_type": chosen.claim_type,
                "sourcing_quality": chosen.sourcing_quality,
                "cited_source": chosen.cited_source,
                "accepted_span": chosen,
                "accepted_reviewer": chosen.reviewer,
            }
    elif decision == GoldSpan.Decision.EDITED:
        errors.update(_not_used(decision, accept=accept_span_id))
        try:
            cleaned = span_clean(
                context,
                start=start,
                end=end,
                quote=_quote_at(context, start, end, offset_unit),
                claim_type=claim_type,
                sourcing_quality=sourcing_quality,
                cited_source="" if cited_source is None else cited_source,
                note="",
                offset_unit=offset_unit,
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            cleaned.pop("note")
            values = cleaned
    else:
        errors.update(
            _not_used(
                decision,
                accept=accept_span_id,
                start=start,
                end=end,
                claim_type=claim_type,
                sourcing_quality=sourcing_quality,
                cited_source=cited_source,
            )
        )
        if fact_links:
            errors["facts"] = "A rejected unit is not a claim and states no fact."
        values = {
            "start": unit.start,
            "end": unit.end,
            "quote": text[unit.start : unit.end],
            "claim_type": None,
            "sourcing_quality": None,
            "cited_source": "",
        }
    facts: list[tuple[Any, str]] | None = None
    if fact_links is not None and "facts" not in errors:
        try:
            facts = _fact_links_clean(session_id=unit.session_id, fact_links=fact_links)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

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
    if previous is not None:
        # Flip first: the partial unique constraint allows one current row only.
        GoldSpan.objects.filter(pk=previous.pk).update(is_current=False)
        if facts is None and decision != GoldSpan.Decision.REJECTED:
            facts = [
                (link.fact, link.value)
                for link in previous.fact_links.select_related("fact")
            ]
    try:
        with transaction.atomic():
            gold = GoldSpan.objects.create(
                session_id=unit.session_id,
                article_id=unit.article_id,
                unit=unit,
                unit_key=unit.key,
                decision=decision,
                note=note.strip(),
                verdict=verdict,
                source_versions={str(span.pk): span.version for span in members},
                decided_by=adjudicator,
                # After an undone first decision there is history but no
                # current revision: number on from the latest.
                revision=_latest_revision(unit) + 1,
                supersedes=previous,
                is_current=True,
                **values,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "decision": "Another decision on this unit was saved at the same "
                "time; reload and decide again."
            }
        ) from None
    gold.source_spans.set(members)
    for target, value in facts or ():
        if not isinstance(target, Fact):
            target, _ = _fact_get_or_create(
                session_id=unit.session_id, label=target, actor=adjudicator
            )
        FactLink.objects.create(fact=target, gold_span=gold, value=value)
    unit_adjudicated_store(unit_id=unit.pk)
    articles_changed(session_id=unit.session_id, article_ids=[unit.article_id])
    return (
        GoldSpan.objects.select_related(
            "claim_type", "sourcing_quality", "decided_by", "unit", "accepted_reviewer"
        )
        .prefetch_related("source_spans", "fact_links__fact")
        .get(pk=gold.pk)
    )


def _latest_revision(unit: AgreementUnit) -> int:
    latest = GoldSpan.objects.filter(
        session_id=unit.session_id, article_id=unit.article_id, unit_key=unit.key
    ).aggregate(latest=Max("revision"))["latest"]
    return latest or 0


def _quote_at(context, start: Any, end: Any, offset_unit: str) -> str:
    """The text at valid offsets, else "" (span_clean then says what is wrong)."""
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (start, end)):
        return ""
    try:
        if offset_unit == "utf16":
            start = context.offset_map.to_codepoint(start)
            end = context.offset_map.to_codepoint(end)
    except ValueError:
        return ""
    if 0 <= start < end <= len(context.article.text):
        return context.article.text[start:end]
    return ""
