"""The gold layer of an export chunk: adjudicated decisions and agreed readings."""

from annotations.exporters.gold_agreed import agreed_gold
from annotations.exporters.queries import gold_span_queryset
from annotations.exporters.rows import _Names
from annotations.interchange import (
    PROVENANCE_ADJUDICATED,
    PROVENANCE_AGREED,
    span_id,
    timestamp,
)
from annotations.models import SPAN_READING_FIELDS, AgreementStatus, GoldSpan

GOLD_FIELDS = (
    "id",
    "article_id",
    "unit_key",
    "decision",
    *SPAN_READING_FIELDS,
    "note",
    "verdict",
    "decided_by_id",
    "decided_at",
    "revision",
    "accepted_span_id",
    "evidence_changed",
)


def _add_gold(
    filters, ids, spans_by_article, status_of_key, names, claim_codes, level_codes
):
    _add_adjudicated(
        filters, ids, spans_by_article, status_of_key, names, claim_codes, level_codes
    )
    for reading in agreed_gold(filters, ids, names):
        spans_by_article[reading["article_id"]].append(
            {
                "id": f"gold:{reading['unit_key']}",
                "layer": "gold",
                "start": reading["start"],
                "end": reading["end"],
                "quote": reading["quote"],
                "claim_type": claim_codes.get(reading["claim_type_id"]),
                "sourcing_quality": level_codes.get(reading["sourcing_quality_id"]),
                "cited_source": reading["cited_source"],
                "note": "",
                "decision": None,
                "verdict": None,
                "revision": None,
                "decided_by": None,
                "decided_at": timestamp(reading["decided_at"]),
                "source_span_ids": reading["source_span_ids"],
                "accepted_span_id": None,
                "evidence_changed": False,
                "unit_key": reading["unit_key"],
                "agreement_status": AgreementStatus.AGREED.value,
                "provenance": PROVENANCE_AGREED,
                "agreed_by": reading["agreed_by"],
            }
        )


def _add_adjudicated(
    filters, ids, spans_by_article, status_of_key, names, claim_codes, level_codes
):
    rows = list(
        gold_span_queryset(filters).filter(article_id__in=ids).values_list(*GOLD_FIELDS)
    )
    if not rows:
        return
    sources, portable = _gold_sources(rows, names)
    for (
        pk,
        article_id,
        unit_key,
        decision,
        start,
        end,
        quote,
        claim_type_id,
        level_id,
        cited_source,
        note,
        verdict,
        decided_by_id,
        decided_at,
        revision,
        accepted_pk,
        evidence_changed,
    ) in rows:
        status = (
            None if filters.hide_units else status_of_key.get((article_id, unit_key))
        )
        spans_by_article[article_id].append(
            {
                "id": f"gold:{unit_key}",
                "layer": "gold",
                "start": start,
                "end": end,
                "quote": quote,
                "claim_type": claim_codes.get(claim_type_id),
                "sourcing_quality": level_codes.get(level_id),
                "cited_source": cited_source,
                "note": note,
                "decision": decision,
                "verdict": verdict or None,
                "revision": revision,
                "decided_by": names.by_id[decided_by_id],
                "decided_at": timestamp(decided_at),
                "source_span_ids": sorted(sources.get(pk, [])),
                # The accepted decision's reviewer version (one of the sources).
                "accepted_span_id": portable.get(accepted_pk),
                # Its unit's spans changed since the decision: needs review.
                "evidence_changed": evidence_changed,
                "unit_key": unit_key,
                "agreement_status": status,
                "provenance": PROVENANCE_ADJUDICATED,
                "agreed_by": None,
            }
        )


def _gold_sources(rows: list[tuple], names: _Names):
    """Per gold row its source spans' portable ids; reviewer span pk -> portable id.

    Also loads the usernames the rows name (sources and deciders).
    """
    sources: dict[int, list[str]] = {}
    portable: dict[int, str] = {}  # reviewer span pk -> its portable id
    source_rows = list(
        GoldSpan.source_spans.through.objects.filter(
            goldspan_id__in=[row[0] for row in rows]
        ).values_list(
            "goldspan_id",
            "spanannotation_id",
            "spanannotation__reviewer_id",
            "spanannotation__start",
            "spanannotation__end",
        )
    )
    names.load({row[2] for row in source_rows} | {row[12] for row in rows})
    for gold_pk, source_pk, reviewer_id, start, end in source_rows:
        portable[source_pk] = span_id(names.by_id[reviewer_id], start, end)
        sources.setdefault(gold_pk, []).append(portable[source_pk])
    return sources, portable
