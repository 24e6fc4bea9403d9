"""Bulk writes of the agreement engine: units, reports and metric rows (upserts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotations.models import (
    AgreementMetric,
    AgreementReport,
    AgreementUnit,
    GoldSpan,
)
from annotations.services.agreement_payload import UnitData

BATCH = 2000
METRIC_KEY = ("dimension", "metric", "label", "reviewer_a", "reviewer_b")
METRIC_VALUES = ("value", "ci_low", "ci_high", "n")


def _chunks(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


def report_lock(*, session_id: int) -> AgreementReport:
    """The session report row, created if missing and locked FOR UPDATE.

    Every recompute of the session takes this lock first, so they serialise.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("report_lock() must run inside transaction.atomic()")
    AgreementReport.objects.get_or_create(
        session_id=session_id, article=None, defaults={"marked_stale": True}
    )
    return AgreementReport.objects.select_for_update().get(
        session_id=session_id, article__isnull=True
    )


def units_store(
    *, session_id: int, units_by_article: dict[int, list[UnitData]]
) -> None:
    """Make the stored units of these articles exactly the given ones.

    Upsert on (session, article, key); units that no longer exist are deleted
    (a GoldSpan pointing at one keeps its unit_key, its FK becomes null, and it
    is linked again if a unit with that key comes back). Members of a key never
    change (the key is made of them), so only new units get M2M rows.
    """
    if not units_by_article:
        return
    now = timezone.now()
    article_ids = sorted(units_by_article)
    existing: dict[tuple[int, str], tuple] = {}
    for chunk in _chunks(article_ids):
        for row in AgreementUnit.objects.filter(
            session_id=session_id, article_id__in=chunk
        ).values_list(
            "id", "article_id", "key", "start", "end", "status", "reviewer_count"
        ):
            existing[(row[1], row[2])] = row
    wanted = {
        (unit.article_id, unit.key): unit
        for units in units_by_article.values()
        for unit in units
    }
    obsolete = [row[0] for key, row in existing.items() if key not in wanted]
    for chunk in _chunks(obsolete):
        AgreementUnit.objects.filter(pk__in=chunk).delete()
    inserts, updates = [], []
    for key, unit in wanted.items():
        old = existing.get(key)
        if old and old[3:] == (unit.start, unit.end, unit.status, unit.reviewer_count):
            continue
        (updates if old else inserts).append(
            AgreementUnit(
                session_id=session_id,
                article_id=unit.article_id,
                key=unit.key,
                start=unit.start,
                end=unit.end,
                status=unit.status,
                reviewer_count=unit.reviewer_count,
                computed_at=now,
            )
        )
    # The session lock keeps other recomputes out, so new keys insert plainly.
    saved = AgreementUnit.objects.bulk_create(inserts, batch_size=BATCH)
    AgreementUnit.objects.bulk_create(
        updates,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["session", "article", "key"],
        update_fields=["start", "end", "status", "reviewer_count", "computed_at"],
    )
    through = AgreementUnit.spans.through
    links = [
        through(agreementunit_id=unit.pk, spanannotation_id=member.id)
        for unit in saved
        for member in wanted[(unit.article_id, unit.key)].members
    ]
    through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
    _gold_relink(session_id=session_id, article_ids=article_ids)


def _gold_relink(*, session_id: int, article_ids: list[int]) -> None:
    """Point current gold spans that lost their unit at a unit with their key."""
    for gold in GoldSpan.objects.filter(
        session_id=session_id,
        article_id__in=article_ids,
        is_current=True,
        unit__isnull=True,
    ).only("id", "article_id", "unit_key"):
        unit_id = (
            AgreementUnit.objects.filter(
                session_id=session_id, article_id=gold.article_id, key=gold.unit_key
            )
            .values_list("id", flat=True)
            .first()
        )
        if unit_id:
            GoldSpan.objects.filter(pk=gold.pk).update(unit_id=unit_id)


def article_reports_store(
    *,
    session_id: int,
    reports: dict[int, tuple[str, dict[str, Any], float]],
    changes: dict[int, int],
) -> None:
    """Upsert the article reports {article_id: (fingerprint, payload, ms)}.

    ``changes`` holds the articles' change counters read before the inputs.
    """
    if not reports:
        return
    now = timezone.now()
    rows = [
        AgreementReport(
            session_id=session_id,
            article_id=article_id,
            fingerprint=fingerprint,
            payload=payload,
            computed_at=now,
            duration_ms=duration_ms,
            marked_stale=False,
            input_changes=changes.get(article_id, 0),
        )
        for article_id, (fingerprint, payload, duration_ms) in sorted(reports.items())
    ]
    saved = AgreementReport.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["session", "article"],
        update_fields=[
            "fingerprint",
            "payload",
            "computed_at",
            "duration_ms",
            "marked_stale",
            "input_changes",
        ],
    )
    metrics_store(
        {report.pk: metric_rows(reports[report.article_id][1]) for report in saved}
    )


def session_report_store(
    *,
    report: AgreementReport,
    payload: dict[str, Any],
    fingerprint: str,
    duration_ms: float,
    fresh: bool,
    input_changes: int,
) -> None:
    """Write the (locked) session report; stale stays true if data moved on."""
    report.payload = payload
    report.fingerprint = fingerprint
    report.computed_at = timezone.now()
    report.duration_ms = duration_ms
    report.marked_stale = not fresh
    report.input_changes = input_changes
    report.save(
        update_fields=[
            "payload",
            "fingerprint",
            "computed_at",
            "duration_ms",
            "marked_stale",
            "input_changes",
            "task_id",
        ]
    )
    metrics_store({report.pk: metric_rows(payload)})


def metrics_store(rows_by_report: dict[int, list[dict[str, Any]]]) -> None:
    """Make each report's metric rows exactly the given ones.

    New keys are inserted, changed values updated (upsert on the unique key),
    unchanged rows left alone and rows no longer produced deleted.
    """
    report_ids = sorted(rows_by_report)
    existing: dict[tuple, tuple[int, tuple]] = {}
    for chunk in _chunks(report_ids, 500):
        for row in AgreementMetric.objects.filter(report_id__in=chunk).values_list(
            "id", "report_id", *METRIC_KEY, *METRIC_VALUES
        ):
            key_end = 2 + len(METRIC_KEY)
            existing[row[1:key_end]] = (row[0], row[key_end:])
    inserts, updates, wanted = [], [], set()
    for report_id, rows in rows_by_report.items():
        for row in rows:
            key = (report_id, *(row[name] for name in METRIC_KEY))
            if key in wanted:
                continue
            wanted.add(key)
            old = existing.get(key)
            if old is None:
                inserts.append(AgreementMetric(report_id=report_id, **row))
            elif old[1] != tuple(row[name] for name in METRIC_VALUES):
                updates.append(AgreementMetric(report_id=report_id, **row))
    obsolete = [pk for key, (pk, _) in existing.items() if key not in wanted]
    for chunk in _chunks(obsolete):
        AgreementMetric.objects.filter(pk__in=chunk).delete()
    AgreementMetric.objects.bulk_create(inserts, batch_size=BATCH)
    AgreementMetric.objects.bulk_create(
        updates,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["report", *METRIC_KEY],
        update_fields=list(METRIC_VALUES),
    )


def metric_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload flattened into AgreementMetric field values."""
    rows = []

    def add(dimension, metric, value, *, label="", a="", b="", ci=None, n=0):
        rows.append(
            {
                "dimension": dimension,
                "metric": metric,
                "label": label[:50],
                "reviewer_a": a,
                "reviewer_b": b,
                "value": value,
                "ci_low": ci[0] if ci else None,
                "ci_high": ci[1] if ci else None,
                "n": n,
            }
        )

    for name, figures in payload["labels"].items():
        add(
            name,
            "alpha",
            figures["alpha"],
            ci=figures["ci"],
            n=figures["pairable_units"],
        )
        add(name, "fleiss_kappa", figures["fleiss_kappa"], n=figures["fleiss_units"])
        for pair in figures["pairs"]:
            for metric in ("cohen_kappa", "percent_agreement"):
                add(
                    name,
                    metric,
                    pair[metric],
                    a=pair["reviewer_a"],
                    b=pair["reviewer_b"],
                    n=pair["n"],
                )
        for label, item in figures.get("per_label", {}).items():
            add(name, "alpha", item["alpha"], label=label, n=item["n"])
    for mode, figures in payload["detection"].items():
        add("span", f"{mode}_micro_f1", figures["micro_f1"])
        add("span", f"{mode}_macro_f1", figures["macro_f1"])
        for pair in figures["pairs"]:
            add(
                "span",
                f"{mode}_f1",
                pair["f1"],
                a=pair["reviewer_a"],
                b=pair["reviewer_b"],
                n=pair["matched"],
            )
    unitizing = payload["unitizing"]
    add("span", "unitizing_alpha", unitizing["alpha"], n=unitizing["articles"])
    for label, value in unitizing["per_label"].items():
        add("span", "unitizing_alpha", value, label=label, n=unitizing["articles"])
    return rows
