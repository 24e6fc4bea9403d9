"""Bulk writes of the agreement engine: units, reports and metric rows (upserts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotations.metrics.article_stats import ArticleStats
from annotations.metrics.stats_codec import stats_encode, unit_tables_encode
from annotations.models import (
    AgreementArticleStats,
    AgreementReport,
    AgreementStatus,
    AgreementUnit,
    GoldSpan,
)
from annotations.services.agreement_metric_rows import metric_rows, metrics_store
from annotations.services.agreement_types import UnitData
from annotations.services.discussion_follow import threads_follow

BATCH = 2000


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


def unit_adjudicated_store(*, unit_id: int) -> None:
    """Mark a unit adjudicated the moment a decision is saved (the adjudicator's
    immediate feedback); the next recompute confirms it from the gold layer.

    This module writes every unit status: the recompute (`units_store`), this
    and `unit_retracted_store`.
    """
    AgreementUnit.objects.filter(pk=unit_id).update(status=AgreementStatus.ADJUDICATED)


def unit_retracted_store(*, unit_id: int) -> None:
    """A unit whose only decision was undone is disputed again, at once (the
    next recompute confirms it from the reviewers' spans)."""
    AgreementUnit.objects.filter(pk=unit_id).update(status=AgreementStatus.DISPUTED)


def units_store(
    *, session_id: int, units_by_article: dict[int, list[UnitData]]
) -> None:
    """Make the stored units of these articles exactly the given ones.

    Upsert on (session, article, key); units that no longer exist are deleted.
    A key names its members by reviewer and offsets, so a span deleted and
    marked again keeps the key with a new member: memberships are synced.
    Then each current gold decision is attached where the alignment put it
    (`gold_attach_store`).
    """
    if not units_by_article:
        return
    article_ids = sorted(units_by_article)
    existing = _units_existing(session_id, article_ids)
    wanted = {
        (unit.article_id, unit.key): unit
        for units in units_by_article.values()
        for unit in units
    }
    gone = {key: row[0] for key, row in existing.items() if key not in wanted}
    threads_follow(session_id=session_id, gone=gone, units=wanted)
    for chunk in _chunks(list(gone.values())):
        AgreementUnit.objects.filter(pk__in=chunk).delete()
    saved = _units_write(session_id, wanted, existing)
    unit_ids = {(unit.article_id, unit.key): unit.pk for unit in saved}
    unit_ids.update({key: row[0] for key, row in existing.items() if key in wanted})
    _members_sync(
        wanted,
        unit_ids,
        kept=[row[0] for key, row in existing.items() if key in wanted],
    )
    gold_attach_store(
        session_id=session_id, article_ids=article_ids, units=wanted, unit_ids=unit_ids
    )


def _units_existing(session_id: int, article_ids: list[int]) -> dict:
    """{(article_id, key): (id, article_id, key, start, end, status, reviewer
    count, reasons)} of the stored units of these articles."""
    existing: dict[tuple[int, str], tuple] = {}
    for chunk in _chunks(article_ids):
        for row in AgreementUnit.objects.filter(
            session_id=session_id, article_id__in=chunk
        ).values_list(
            "id",
            "article_id",
            "key",
            "start",
            "end",
            "status",
            "reviewer_count",
            "reasons",
        ):
            existing[(row[1], row[2])] = row
    return existing


def _units_write(session_id: int, wanted: dict, existing: dict) -> list:
    """Insert the new units, update the changed ones; returns those inserted."""
    now = timezone.now()
    inserts, updates = [], []
    for key, unit in wanted.items():
        old = existing.get(key)
        if old and old[3:] == (
            unit.start,
            unit.end,
            unit.status,
            unit.reviewer_count,
            unit.reasons,
        ):
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
                reasons=unit.reasons,
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
        update_fields=[
            "start",
            "end",
            "status",
            "reviewer_count",
            "reasons",
            "computed_at",
        ],
    )
    return saved


def _members_sync(wanted, unit_ids, *, kept: list[int]) -> None:
    """Give every unit exactly its members' M2M rows (kept units: the difference)."""
    through = AgreementUnit.spans.through
    stored: set[tuple[int, int]] = set()
    for chunk in _chunks(kept):
        stored.update(
            through.objects.filter(agreementunit_id__in=chunk).values_list(
                "agreementunit_id", "spanannotation_id"
            )
        )
    wanted_links = {
        (unit_ids[key], member.id)
        for key, unit in wanted.items()
        for member in unit.members
    }
    stale = stored - wanted_links
    for unit_id, span_id in stale:
        through.objects.filter(
            agreementunit_id=unit_id, spanannotation_id=span_id
        ).delete()
    through.objects.bulk_create(
        [
            through(agreementunit_id=unit_id, spanannotation_id=span_id)
            for unit_id, span_id in sorted(wanted_links - stored)
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


def gold_attach_store(
    *,
    session_id: int,
    article_ids: list[int],
    units: dict[tuple[int, str], UnitData],
    unit_ids: dict[tuple[int, str], int],
) -> None:
    """Point each current gold decision at the unit the alignment gave it.

    A decision whose unit was re-keyed takes the new key, with all its earlier
    revisions (they are its history, found by key). `evidence_changed` is set,
    never cleared, when the unit's spans differ from the decided ones, or when
    no unit holds the claim any more (the decision is kept, unattached).
    """
    placed = {
        unit.gold_id: (key, unit.evidence_changed)
        for key, unit in units.items()
        if unit.gold_id is not None
    }
    for chunk in _chunks(article_ids):
        rows = GoldSpan.objects.filter(
            session_id=session_id, article_id__in=chunk, is_current=True
        ).values_list("id", "article_id", "unit_key", "unit_id", "evidence_changed")
        for gold_id, article_id, old_key, unit_id, flagged in rows:
            key, changed = placed.get(gold_id, (None, True))
            target = unit_ids[key] if key else None
            if key and key[1] != old_key:
                # Earlier revisions move too: they are its history. No current
                # decision holds the new key (it would have kept that unit).
                GoldSpan.objects.filter(
                    session_id=session_id, article_id=article_id, unit_key=old_key
                ).update(unit_key=key[1], unit_id=target)
            elif target != unit_id:
                GoldSpan.objects.filter(
                    session_id=session_id, article_id=article_id, unit_key=old_key
                ).update(unit_id=target)
            if changed and not flagged:
                GoldSpan.objects.filter(pk=gold_id).update(evidence_changed=True)


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


def article_stats_store(
    *,
    session_id: int,
    params: str,
    stats: dict[int, tuple[str, int, str, ArticleStats]],
) -> None:
    """Upsert per-article statistics {article_id: (fingerprint, changes, shape,
    stats)}.

    Idempotent: the same inputs give the same bytes, so a redone chunk
    rewrites identical rows.
    """
    now = timezone.now()
    rows = [
        AgreementArticleStats(
            session_id=session_id,
            article_id=article_id,
            params=params,
            fingerprint=fingerprint,
            input_changes=changes,
            shape=shape,
            stats=stats_encode(table),
            unit_stats=unit_tables_encode(table),
            computed_at=now,
        )
        for article_id, (fingerprint, changes, shape, table) in sorted(stats.items())
    ]
    AgreementArticleStats.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["session", "article"],
        update_fields=[
            "params",
            "fingerprint",
            "input_changes",
            "shape",
            "stats",
            "unit_stats",
            "computed_at",
        ],
    )


def article_counters_store(
    *, session_id: int, changes: dict[int, tuple[int, str]]
) -> None:
    """Articles whose counter or shape moved but whose inputs did not: note
    {article_id: (counter, shape)} on their statistics."""
    for article_id, (counter, shape) in sorted(changes.items()):
        AgreementArticleStats.objects.filter(
            session_id=session_id, article_id=article_id
        ).update(input_changes=counter, shape=shape)


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
