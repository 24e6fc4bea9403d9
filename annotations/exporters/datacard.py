"""Data card (JSON and Markdown): scheme, counts, annotators, dates, agreement."""

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.utils import timezone

from annotations.exporters.answers import questions_card_section, questions_markdown
from annotations.exporters.base import (
    FORMAT_VERSION,
    STATUS_NONE,
    ExportFilters,
    _Names,
    article_queryset,
    gold_span_queryset,
    raw_span_queryset,
    session_summary,
    timestamp,
)
from annotations.exporters.conll import COLUMNS, DOC_DELIMITER, conll_index
from annotations.exporters.gold_agreed import (
    GOLD_DEFINITIONS,
    agreed_gold,
    agreed_units,
)
from annotations.interchange import PROVENANCE_ADJUDICATED, PROVENANCE_AGREED
from annotations.models import (
    METRIC_FIELDS,
    METRIC_KEY,
    AgreementMetric,
    AgreementReport,
    AgreementUnit,
    AnnotationSession,
    ClaimType,
    SourcingLevel,
)
from annotations.selectors import scheme_questions


def _counts(query, field: str) -> dict[str, int]:
    rows = query.values_list(field).annotate(n=Count("id")).order_by(field)
    return {(key if key is not None else STATUS_NONE): n for key, n in rows}


def _raw_section(filters: ExportFilters) -> dict[str, Any]:
    query = raw_span_queryset(filters)
    unit_status = AgreementUnit.objects.filter(spans=OuterRef("pk")).order_by("key")
    times = query.aggregate(
        first=Min("created_at"),
        last=Max("updated_at"),
        articles=Count("article", distinct=True),
    )
    section = {
        "spans": query.count(),
        "articles_with_spans": times["articles"],
        "by_claim_type": _counts(query, "claim_type__code"),
        "by_sourcing_quality": _counts(query, "sourcing_quality__code"),
        "by_origin": _counts(query, "origin"),
        "first_created": timestamp(times["first"]),
        "last_modified": timestamp(times["last"]),
        "annotators": [
            {"username": name, "spans": spans, "articles": articles}
            for name, spans, articles in query.values_list("reviewer__username")
            .annotate(spans=Count("id"), articles=Count("article", distinct=True))
            .order_by("reviewer__username")
        ],
    }
    if not filters.hide_units:
        section["by_agreement_status"] = _counts(
            query.annotate(status=Subquery(unit_status.values("status")[:1])),
            "status",
        )
    return section


def _gold_section(filters: ExportFilters) -> dict[str, Any]:
    query = gold_span_queryset(filters)
    unit_status = AgreementUnit.objects.filter(
        session_id=OuterRef("session_id"),
        article_id=OuterRef("article_id"),
        key=OuterRef("unit_key"),
    )
    times = query.aggregate(first=Min("decided_at"), last=Max("decided_at"))
    adjudicated = query.count()
    agreed = _agreed_counts(filters)
    decided = [t for t in (times["first"], times["last"], *agreed["times"]) if t]
    section = {
        "definition": filters.gold,
        "definition_text": GOLD_DEFINITIONS[filters.gold],
        "spans": adjudicated + agreed["spans"],
        "by_provenance": {
            key: n
            for key, n in (
                (PROVENANCE_ADJUDICATED, adjudicated),
                (PROVENANCE_AGREED, agreed["spans"]),
            )
            if n
        },
        "by_decision": _counts(query, "decision"),
        "by_claim_type": _merged(
            _counts(query.exclude(decision="rejected"), "claim_type__code"),
            agreed["by_claim_type"],
        ),
        "by_sourcing_quality": _merged(
            _counts(query.exclude(decision="rejected"), "sourcing_quality__code"),
            agreed["by_sourcing_quality"],
        ),
        "by_verdict": _counts(query.exclude(verdict=""), "verdict"),
        "by_agreement_status": _merged(
            _counts(
                query.annotate(status=Subquery(unit_status.values("status")[:1])),
                "status",
            ),
            {PROVENANCE_AGREED: agreed["spans"]} if agreed["spans"] else {},
        ),
        "first_decided": timestamp(min(decided)) if decided else None,
        "last_decided": timestamp(max(decided)) if decided else None,
        "adjudicators": [
            {"username": name, "gold_spans": spans}
            for name, spans in query.values_list("decided_by__username")
            .annotate(spans=Count("id"))
            .order_by("decided_by__username")
        ],
    }
    return section


def _merged(*counts: dict[str, int]) -> dict[str, int]:
    total: Counter = Counter()
    for items in counts:
        total.update(items)
    return dict(sorted(total.items()))


def _agreed_counts(filters: ExportFilters, chunk: int = 1000) -> dict[str, Any]:
    """Counts of the agreed gold readings, article chunk by article chunk."""
    claim_codes = dict(ClaimType.objects.values_list("pk", "code"))
    level_codes = dict(SourcingLevel.objects.values_list("pk", "code"))
    names = _Names()
    claim_types: Counter = Counter()
    levels: Counter = Counter()
    times: list = []
    spans = 0
    article_ids = list(
        agreed_units(filters).values_list("article_id", flat=True).distinct()
    )
    for first in range(0, len(article_ids), chunk):
        for reading in agreed_gold(filters, article_ids[first : first + chunk], names):
            spans += 1
            claim_types[claim_codes[reading["claim_type_id"]]] += 1
            levels[level_codes[reading["sourcing_quality_id"]]] += 1
            times.append(reading["decided_at"])
    return {
        "spans": spans,
        "by_claim_type": dict(claim_types),
        "by_sourcing_quality": dict(levels),
        "times": [min(times), max(times)] if times else [],
    }


def _conll_section(filters: ExportFilters) -> dict[str, Any]:
    """The CoNLL export's documents in file order: the file itself carries none
    of this, so that spaCy and CoNLL-2003 readers load it as it is."""
    documents = list(conll_index(filters))
    return {
        "document_delimiter": DOC_DELIMITER,
        "columns": list(COLUMNS),
        "documents": documents,
        "entities": sum(document["entities"] for document in documents),
        "dropped_overlapping_spans": sum(
            document["dropped_overlapping_spans"] for document in documents
        ),
    }


def datacard_build(filters: ExportFilters) -> dict[str, Any]:
    """Everything a reader of the exported corpus needs to know about it."""
    session = AnnotationSession.objects.select_related("scheme").get(
        pk=filters.session_id
    )
    scheme = session.scheme
    card: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "generated_at": timestamp(timezone.now()),
        "session": session_summary(session.pk),
        "filters": filters.described or {"session": session.pk},
        "label_scheme": _scheme_section(scheme),
        "counts": {"articles": article_queryset(filters).count()},
        "article_questions": questions_card_section(
            filters,
            session,
            list(article_queryset(filters).values_list("id", flat=True)),
        ),
        "raw": _raw_section(filters) if filters.include_raw else None,
        "gold": _gold_section(filters) if filters.include_gold else None,
        "agreement": None,
        "conll": _conll_section(filters),
    }
    if not filters.hide_units:
        card["agreement"] = _agreement_section(session.pk)
    return card


def _scheme_section(scheme) -> dict[str, Any]:
    """The label scheme as the card describes it."""
    return {
        "slug": scheme.slug,
        "name": scheme.name,
        "claim_types": list(
            ClaimType.objects.filter(scheme=scheme).values(
                "code", "name", "description"
            )
        ),
        "sourcing_levels": list(
            SourcingLevel.objects.filter(scheme=scheme).values(
                "code", "name", "description", "rank", "weight"
            )
        ),
        "article_questions": scheme_questions(scheme.pk),
    }


def _agreement_section(session_id: int) -> dict[str, Any] | None:
    """The session report's figures (None until one is computed)."""
    report = AgreementReport.objects.filter(
        session_id=session_id, article__isnull=True
    ).first()
    if report is None:
        return None
    return {
        "computed_at": timestamp(report.computed_at),
        "stale": report.stale,
        "metrics": list(
            AgreementMetric.objects.filter(report=report)
            .order_by(*METRIC_KEY)
            .values(*METRIC_FIELDS)
        ),
        "report": report.payload,
    }


def datacard_json(filters: ExportFilters, **options: Any) -> Iterator[str]:
    yield (
        json.dumps(
            datacard_build(filters), indent=2, sort_keys=True, ensure_ascii=False
        )
        + "\n"
    )


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _table(header: tuple[str, ...], rows) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |\n"
    yield "|" + "---|" * len(header) + "\n"
    for row in rows:
        cells = (str(cell).replace("|", "\\|").replace("\n", " ") for cell in row)
        yield "| " + " | ".join(cells) + " |\n"
    yield "\n"


def _conll_markdown(conll: dict[str, Any]) -> Iterator[str]:
    documents = conll["documents"]
    yield (
        f"## CoNLL export\n\n{len(documents)} documents, each opened by "
        f"`{conll['document_delimiter']}`, in this order: by article external id, "
        "the gold layer first, then one per reviewer by username. Columns: "
        f"{', '.join(conll['columns'])}. {conll['entities']} entities; "
        f"{conll['dropped_overlapping_spans']} overlapping spans dropped.\n\n"
    )
    lossy = [d for d in documents if d["dropped_overlapping_spans"]]
    if lossy:
        yield "Documents that lost overlapping spans:\n\n"
        yield from _table(
            ("document", "article", "layer", "entities", "dropped"),
            (
                (
                    d["document"],
                    d["doc_id"],
                    d["layer"],
                    d["entities"],
                    d["dropped_overlapping_spans"],
                )
                for d in lossy
            ),
        )


def datacard_markdown(filters: ExportFilters, **options: Any) -> Iterator[str]:
    card = datacard_build(filters)
    session = card["session"]
    yield f"# Data card: {session['name']}\n\n"
    yield (
        f"Format version {card['format_version']}, generated {card['generated_at']}. "
        f"Offsets are Unicode code points, end exclusive.\n\n"
    )
    yield "## Filters\n\n"
    yield from _table(
        ("filter", "value"),
        (
            (name, json.dumps(value, ensure_ascii=False))
            for name, value in sorted(card["filters"].items())
        ),
    )
    yield from _scheme_markdown(card["label_scheme"])
    yield f"## Counts\n\nArticles: {card['counts']['articles']}\n\n"
    for layer in ("raw", "gold"):
        section = card[layer]
        if section is None:
            continue
        yield from _layer_markdown(layer, section)
    agreement = card["agreement"] or {}
    yield from questions_markdown(card["article_questions"], agreement.get("report"))
    yield from _conll_markdown(card["conll"])
    yield from _agreement_markdown(card["agreement"])


def _scheme_markdown(scheme: dict[str, Any]) -> Iterator[str]:
    yield f"## Label scheme `{scheme['slug']}`\n\n### Claim types\n\n"
    yield from _table(
        ("code", "name", "description"),
        ((c["code"], c["name"], c["description"]) for c in scheme["claim_types"]),
    )
    yield "### Sourcing quality (rank 1 is best)\n\n"
    yield from _table(
        ("rank", "code", "name", "description"),
        (
            (s["rank"], s["code"], s["name"], s["description"])
            for s in scheme["sourcing_levels"]
        ),
    )


def _layer_markdown(layer: str, section: dict[str, Any]) -> Iterator[str]:
    yield f"### {layer.capitalize()} layer: {section['spans']} spans\n\n"
    for key, value in section.items():
        if key.startswith("by_"):
            yield f"**{key[3:].replace('_', ' ')}**\n\n"
            yield from _table(("value", "spans"), sorted(value.items()))
    if layer == "raw":
        yield (
            f"Created {section['first_created']} to last modified "
            f"{section['last_modified']}.\n\n**Annotators**\n\n"
        )
        yield from _table(
            ("username", "spans", "articles"),
            ((a["username"], a["spans"], a["articles"]) for a in section["annotators"]),
        )
    else:
        yield f"{section['definition_text']} (`gold={section['definition']}`)\n\n"
        yield (
            f"Decided {section['first_decided']} to {section['last_decided']}.\n\n"
            "**Adjudicators**\n\n"
        )
        yield from _table(
            ("username", "gold spans"),
            ((a["username"], a["gold_spans"]) for a in section["adjudicators"]),
        )


def _agreement_markdown(agreement: dict[str, Any] | None) -> Iterator[str]:
    yield "## Agreement\n\n"
    if agreement is None:
        yield "No agreement report has been computed for this session.\n"
    else:
        stale = " (stale: spans changed since)" if agreement["stale"] else ""
        yield f"Computed {agreement['computed_at']}{stale}.\n\n"
        yield from _table(
            ("dimension", "metric", "label", "pair", "value", "95% interval", "n"),
            (
                (
                    m["dimension"],
                    m["metric"],
                    m["label"],
                    " / ".join(p for p in (m["reviewer_a"], m["reviewer_b"]) if p),
                    _figure(m["value"]),
                    f"[{_figure(m['ci_low'])}, {_figure(m['ci_high'])}]",
                    m["n"],
                )
                for m in agreement["metrics"]
            ),
        )
        yield "Full report:\n\n```json\n"
        yield json.dumps(agreement["report"], indent=2, sort_keys=True) + "\n```\n"
