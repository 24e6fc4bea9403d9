"""Reads for adjudication: units with their reviewer versions, the gold layer, facts.

Querysets and plain data for `api/adjudication_views.py` and the undo endpoint;
no access checks here (the views' permission classes ask `annotations.access`).
"""

from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from annotations.models import (
    AgreementUnit,
    Article,
    Fact,
    FactLink,
    GoldSpan,
    SessionArticle,
    SpanAnnotation,
)
from annotations.parsing import is_digits, parse_id
from annotations.text import OffsetMap


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


def version_span_id(unit: AgreementUnit, reference: str) -> int | str:
    """The member span an `accept` names: a version letter ("A", "a") or an id.

    Anything else comes back as sent (stripped) for `gold_decide` to refuse;
    an id out of range too (it is no member's id either).
    """
    by_letter = {letter: span.pk for letter, span in unit_versions(unit.spans.all())}
    reference = reference.strip()
    if reference.upper() in by_letter:
        return by_letter[reference.upper()]
    if is_digits(reference):
        with suppress(ValueError):
            return parse_id(reference)
    return reference


def session_position() -> Subquery:
    """The article's place in the session, for ordering units and gold by it."""
    return Subquery(
        SessionArticle.objects.filter(
            session_id=OuterRef("session_id"), article_id=OuterRef("article_id")
        ).values("position")[:1]
    )


def session_has_article(*, session_id: int, article_id: int) -> bool:
    return SessionArticle.objects.filter(
        session_id=session_id, article_id=article_id
    ).exists()


def with_reason(units: QuerySet, reason: str | None) -> QuerySet:
    """Units carrying disagreement reason `reason` (a REASON_KINDS value), or all."""
    if reason is None:
        return units
    # jsonb containment: the reasons list holds an object with this kind.
    return units.filter(reasons__contains=[{"kind": reason}])


def adjudication_units(*, session_id: int) -> QuerySet[AgreementUnit]:
    """The session's units with their member spans and labels prefetched."""
    return AgreementUnit.objects.filter(session_id=session_id).prefetch_related(
        "spans__reviewer", "spans__claim_type", "spans__sourcing_quality"
    )


def adjudication_unit_get(*, session_id: int, unit_id: int) -> AgreementUnit | None:
    return adjudication_units(session_id=session_id).filter(pk=unit_id).first()


def dispute_list(
    *,
    session_id: int,
    status: str | None,
    reason: str | None,
    article_id: int | None,
) -> QuerySet[AgreementUnit]:
    """Units in session order, then text order; `status` None lists every unit."""
    units = with_reason(adjudication_units(session_id=session_id), reason)
    if status is not None:
        units = units.filter(status=status)
    if article_id is not None:
        units = units.filter(article_id=article_id)
    return units.annotate(position=session_position()).order_by(
        "position", "article_id", "start", "end", "key"
    )


def gold_queryset() -> QuerySet[GoldSpan]:
    """Gold revisions with everything their serializer reads."""
    return GoldSpan.objects.select_related(
        "claim_type", "sourcing_quality", "decided_by", "unit", "accepted_reviewer"
    ).prefetch_related("source_spans__reviewer", "fact_links__fact")


def gold_current_list(*, session_id: int, article_id: int | None) -> QuerySet[GoldSpan]:
    """The current gold layer in session order, then text order."""
    gold = gold_queryset().filter(session_id=session_id, is_current=True)
    if article_id is not None:
        gold = gold.filter(article_id=article_id)
    return gold.annotate(position=session_position()).order_by(
        "position", "article_id", "start", "end", "unit_key"
    )


def gold_get(*, gold_id: int) -> GoldSpan:
    return gold_queryset().get(pk=gold_id)


def articles_by_id(article_ids: Iterable[int]) -> dict[int, Article]:
    """Each article once (a page of units would otherwise repeat its text)."""
    return {
        article.pk: article for article in Article.objects.filter(pk__in=article_ids)
    }


def gold_context(gold: Iterable[GoldSpan]) -> dict[str, Any]:
    """Serializer context for a page of gold: the articles' offset maps."""
    articles = articles_by_id({span.article_id for span in gold})
    return {"offset_maps": {pk: OffsetMap(a.text) for pk, a in articles.items()}}


def _current_gold_of(
    session_id: int, keys_by_article: dict[int, list[str]]
) -> dict[tuple[int, str], GoldSpan]:
    gold: dict[tuple[int, str], GoldSpan] = {}
    for article_id, keys in keys_by_article.items():
        for span in gold_queryset().filter(
            session_id=session_id,
            article_id=article_id,
            unit_key__in=keys,
            is_current=True,
        ):
            gold[(article_id, span.unit_key)] = span
    return gold


def unit_context(units: Iterable[AgreementUnit]) -> dict[str, Any]:
    """Offset maps, version letters and current gold for a page of units."""
    units = list(units)
    articles = articles_by_id({unit.article_id for unit in units})
    offset_maps = {pk: OffsetMap(article.text) for pk, article in articles.items()}
    letters: dict[int, str] = {}
    keys_by_article: dict[int, list[str]] = {}
    for unit in units:
        unit.article = articles[unit.article_id]
        letters.update(
            {span.pk: letter for letter, span in unit_versions(unit.spans.all())}
        )
        keys_by_article.setdefault(unit.article_id, []).append(unit.key)
    gold = _current_gold_of(units[0].session_id, keys_by_article) if units else {}
    return {"offset_maps": offset_maps, "letters": letters, "gold": gold}


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


def session_facts(*, session_id: int) -> QuerySet[Fact]:
    """The session's facts by label, with their links."""
    return (
        Fact.objects.filter(session_id=session_id)
        .select_related("created_by")
        .prefetch_related("links__gold_span")
        .order_by("label", "pk")
    )


def session_fact_get(*, session_id: int, fact_id: int) -> Fact | None:
    return Fact.objects.filter(pk=fact_id, session_id=session_id).first()


def fact_link_get(*, link_id: int) -> FactLink:
    return FactLink.objects.select_related("gold_span").get(pk=link_id)


def gold_unit(*, gold_id: int) -> AgreementUnit | None:
    """The unit a gold revision decided, or None (a revision may outlive it)."""
    unit_id = GoldSpan.objects.values_list("unit_id", flat=True).get(pk=gold_id)
    return AgreementUnit.objects.filter(pk=unit_id).first()
