"""Check phase of a gold decision: every value a decision sends, named on error.

`services/adjudication.py` calls `decision_check` (which reads, never writes)
and then writes what it returns; the fact label and value rules live here
too, shared with the fact endpoints.
"""

from dataclasses import dataclass
from typing import Any

from annotations.models import AgreementUnit, Fact, GoldSpan, SpanAnnotation
from annotations.services.errors import ValidationError
from annotations.services.spans import span_clean, span_context

MAX_FACT_LABEL = 300
MAX_FACT_VALUE = 300
MAX_FACT_LINKS = 50
DECISIONS = tuple(GoldSpan.Decision.values)
VERDICTS = tuple(GoldSpan.Verdict.values)


def fact_label_clean(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ValueError("Give the fact a non-empty label.")
    label = " ".join(label.split())
    if len(label) > MAX_FACT_LABEL:
        raise ValueError(f"A fact label has at most {MAX_FACT_LABEL} characters.")
    return label


def fact_value_clean(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("The value must be a string.")
    value = " ".join(value.split())
    if len(value) > MAX_FACT_VALUE:
        raise ValueError(f"A value has at most {MAX_FACT_VALUE} characters.")
    return value


def fact_links_clean(*, session_id: int, fact_links: Any) -> list[tuple[Any, str]]:
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
            value = fact_value_clean(item.get("value", ""))
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
                target = fact_label_clean(label)
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


@dataclass
class CheckedDecision:
    """What `decision_check` found valid: the gold row's values and its facts."""

    values: dict[str, Any]
    members: list[SpanAnnotation]
    note: str
    verdict: str
    facts: list[tuple[Fact | str, str]] | None


def decision_check(
    *,
    unit: AgreementUnit,
    decision: Any,
    accept_span_id: Any,
    start: Any,
    end: Any,
    offset_unit: str,
    labels: dict[str, Any],
    note: Any,
    verdict: Any,
    fact_links: Any,
) -> CheckedDecision:
    """Check every value of a decision; raise one ValidationError naming them all."""
    if decision not in DECISIONS:
        raise ValidationError(
            {
                "decision": f"Unknown decision {decision!r}; expected one of "
                f"{', '.join(DECISIONS)}."
            }
        )
    errors: dict[str, Any] = {}
    verdict, note = _verdict_note_check(errors, decision, verdict, note)
    members = list(
        unit.spans.select_related("reviewer", "claim_type", "sourcing_quality")
    )
    context = span_context(session_id=unit.session_id, article_id=unit.article_id)
    if decision == GoldSpan.Decision.ACCEPTED:
        errors.update(_not_used(decision, start=start, end=end, **labels))
        values = _accepted_values(errors, members, accept_span_id, context)
    elif decision == GoldSpan.Decision.EDITED:
        errors.update(_not_used(decision, accept=accept_span_id))
        values = _edited_values(errors, context, start, end, offset_unit, labels)
    else:
        errors.update(
            _not_used(decision, accept=accept_span_id, start=start, end=end, **labels)
        )
        if fact_links:
            errors["facts"] = "A rejected unit is not a claim and states no fact."
        values = _rejected_values(unit, context.article.text)
    facts = None
    if fact_links is not None and "facts" not in errors:
        try:
            facts = fact_links_clean(session_id=unit.session_id, fact_links=fact_links)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return CheckedDecision(values, members, note, verdict, facts)


def _verdict_note_check(
    errors: dict[str, Any], decision: str, verdict: Any, note: Any
) -> tuple[Any, Any]:
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
    return verdict, note


def _accepted_values(
    errors: dict[str, Any], members: list[SpanAnnotation], accept_span_id: Any, context
) -> dict[str, Any]:
    """The accepted member's offsets and labels (an error if it is no member)."""
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
        return {}
    return {
        "start": chosen.start,
        "end": chosen.end,
        "quote": context.article.text[chosen.start : chosen.end],
        "claim_type": chosen.claim_type,
        "sourcing_quality": chosen.sourcing_quality,
        "cited_source": chosen.cited_source,
        "accepted_span": chosen,
        "accepted_reviewer": chosen.reviewer,
    }


def _edited_values(
    errors: dict[str, Any],
    context,
    start: Any,
    end: Any,
    offset_unit: str,
    labels: dict[str, Any],
) -> dict[str, Any]:
    """Explicit offsets and labels, checked as a reviewer's span would be."""
    cited_source = labels["cited_source"]
    try:
        cleaned = span_clean(
            context,
            start=start,
            end=end,
            quote=_quote_at(context, start, end, offset_unit),
            claim_type=labels["claim_type"],
            sourcing_quality=labels["sourcing_quality"],
            cited_source="" if cited_source is None else cited_source,
            note="",
            offset_unit=offset_unit,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return {}
    cleaned.pop("note")
    return cleaned


def _rejected_values(unit: AgreementUnit, text: str) -> dict[str, Any]:
    """Not a claim: the unit's extent, no labels."""
    return {
        "start": unit.start,
        "end": unit.end,
        "quote": text[unit.start : unit.end],
        "claim_type": None,
        "sourcing_quality": None,
        "cited_source": "",
    }


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
