"""Source reliability of a session: recompute and store the scores.

What a recompute reads is in `reliability_inputs` (the best label of each
claim), what it re-reads in `reliability_key` (per-article keys) and
`reliability_refresh` (each article's share, summed), how it scores the sums in
`reliability_scores` (the maths itself is in `annotations.metrics`). This
module stores one `ReliabilityScore` row per (subject, metric); the evidence
behind each is stored per article. Scheduling (coalesced recomputes after
writes) is in `recompute`, with the agreement's.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from annotations.models import (
    AnnotationSession,
    ReliabilityReport,
    ReliabilityScore,
)
from annotations.services.laps import Lap
from annotations.services.recompute import (
    reliability_schedule_release,
    session_changes_total,
)
from annotations.services.reliability_indicators import (
    indicator_inputs,
    indicator_profiles_attach,
)
from annotations.services.reliability_key import (
    article_keys,
    reliability_context,
    reliability_input_key,
)
from annotations.services.reliability_refresh import parts_refresh
from annotations.services.reliability_scores import reliability_score_sums

logger = logging.getLogger(__name__)

SCORE_FIELDS = (
    "subject_label",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "insufficient",
)


def reliability_params() -> dict[str, Any]:
    """Prior strength, minimum evidence and bootstrap draws from settings."""
    return {
        "prior_strength": float(getattr(settings, "RELIABILITY_PRIOR_STRENGTH", 5.0)),
        "min_n": int(getattr(settings, "RELIABILITY_MIN_N", 5)),
        "draws": int(getattr(settings, "RELIABILITY_BOOTSTRAP_DRAWS", 2000)),
        "seed": 0,
        "confidence": 0.95,
    }


# --- Storing ------------------------------------------------------------------


# Report pk -> (fingerprint, {(kind, key, metric): (pk, values)}) of the rows
# this process last stored and committed for it. The rows are a deterministic
# function of the fingerprint, so while the report still carries that
# fingerprint (and as many rows) the stored rows equal these and need not be
# read back.
_stored_rows: dict[int, tuple[str, dict[tuple, tuple[int, tuple]]]] = {}

IDENTITY = ("subject_kind", "subject_key", "metric")


def _existing_rows(report: ReliabilityReport) -> dict[tuple, tuple[int, tuple]]:
    """{identity: (pk, stored values)} of the report's rows, from memory when valid."""
    memo = _stored_rows.pop(report.pk, None)
    if (
        memo is not None
        and report.fingerprint
        and memo[0] == report.fingerprint
        and report.scores.count() == len(memo[1])
    ):
        return memo[1]
    return {
        tuple(row[:3]): (row[3], tuple(row[4:]))
        for row in report.scores.values_list(*IDENTITY, "pk", *SCORE_FIELDS)
    }


UPDATE_SQL = """
UPDATE {table} AS s SET
    subject_label = v.subject_label, value = v.value, ci_low = v.ci_low,
    ci_high = v.ci_high, n = v.n, insufficient = v.insufficient
FROM unnest(
    %s::bigint[], %s::text[], %s::float8[], %s::float8[], %s::float8[],
    %s::int[], %s::bool[]
) AS v(id, subject_label, value, ci_low, ci_high, n, insufficient)
WHERE s.id = v.id
"""


def _rows_update(changed: list[tuple[int, tuple]]) -> None:
    """Write changed rows [(pk, values)]: on PostgreSQL one UPDATE ... FROM
    unnest() of one array per column (Django's bulk_update builds a CASE per
    field and row: seconds for a few thousand rows), bulk_update elsewhere."""
    if not changed:
        return
    if connection.vendor != "postgresql":
        scores = [
            ReliabilityScore(pk=pk, **dict(zip(SCORE_FIELDS, values, strict=True)))
            for pk, values in changed
        ]
        ReliabilityScore.objects.bulk_update(scores, SCORE_FIELDS, batch_size=500)
        return
    rows = [(pk, *values) for pk, values in changed]
    columns = [list(column) for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            UPDATE_SQL.format(table=ReliabilityScore._meta.db_table), columns
        )


def _scores_store(
    report: ReliabilityReport, rows: list[dict], fingerprint: str
) -> dict[str, int]:
    """Upsert rows on (kind, key, metric); delete subjects that vanished.

    Only changed rows are written (after a decision the values of every
    scored subject move with the corpus mean; most rows of a large session are
    insufficient and stay as they were).
    """
    existing = _existing_rows(report)
    created, changed, stored = [], [], {}
    for row in rows:
        identity = tuple(row[name] for name in IDENTITY)
        values = tuple(row[name] for name in SCORE_FIELDS)
        if identity not in existing:
            created.append(ReliabilityScore(report=report, **row))
            continue
        pk, current = existing[identity]
        stored[identity] = (pk, values)
        if current != values:
            changed.append((pk, values))
    vanished = [pk for identity, (pk, _) in existing.items() if identity not in stored]
    if vanished:
        ReliabilityScore.objects.filter(pk__in=vanished).delete()
    _rows_update(changed)
    for score in ReliabilityScore.objects.bulk_create(created, batch_size=500):
        identity = tuple(getattr(score, name) for name in IDENTITY)
        stored[identity] = (score.pk, tuple(getattr(score, f) for f in SCORE_FIELDS))
    transaction.on_commit(
        lambda: _stored_rows.__setitem__(report.pk, (fingerprint, stored))
    )
    return {"created": len(created), "updated": len(changed), "deleted": len(vanished)}


def _unchanged(report: ReliabilityReport, input_key: str, input_changes: int):
    return (
        input_key == report.input_key
        and not report.marked_stale
        and report.input_changes == input_changes
    )


def _store_report(report, payload, fingerprint, *, started, task_id) -> None:
    report.fingerprint = fingerprint
    report.payload = payload
    report.excluded_count = payload["excluded"]["total"]
    report.computed_at = timezone.now()
    report.duration_ms = (time.perf_counter() - started) * 1000
    if task_id:
        report.task_id = task_id
    report.save()


def _report_locked(session_id: int) -> ReliabilityReport:
    """The report row, locked; its stored payload (megabytes in a large
    session) is replaced, never read."""
    return (
        ReliabilityReport.objects.select_for_update()
        .defer("payload")
        .get(session_id=session_id)
    )


def reliability_recompute(
    *,
    session_id: int,
    force: bool = False,
    task_id: str = "",
    timings: dict[str, float] | None = None,
) -> ReliabilityReport:
    """Recompute and store a session's reliability scores; no-op when unchanged.

    Re-reads only the articles whose key moved (all of them when ``force``)
    and sums the stored shares of the others (`reliability_sums`). Runs in
    one transaction holding the report row's lock, so concurrent runs
    serialise and the second sees the first's keys; no write of a reviewer
    waits on that lock. Raises AnnotationSession.DoesNotExist for an unknown
    session. ``timings`` receives each phase's milliseconds.
    """
    started = time.perf_counter()
    lap = Lap(timings)
    AnnotationSession.objects.only("pk").get(pk=session_id)
    ReliabilityReport.objects.bulk_create(
        [ReliabilityReport(session_id=session_id)], ignore_conflicts=True
    )
    with transaction.atomic():
        report = _report_locked(session_id)
        # Counters first: a write landing after this read leaves us stale.
        input_changes = session_changes_total(session_id=session_id)
        context = reliability_context(
            session_id=session_id, params=reliability_params()
        )
        keys = article_keys(session_id=session_id, context=context)
        input_key = reliability_input_key(context, keys)
        lap("lock_and_input_key")
        if not force and _unchanged(report, input_key, input_changes):
            return report  # the quick no-op: no span read
        sums, fingerprint, read = parts_refresh(
            report=report, context=context, keys=keys, force=force, lap=lap
        )
        report.marked_stale = False
        report.input_changes = input_changes
        report.input_key = input_key
        if fingerprint == report.fingerprint and not force:
            report.save(update_fields=["marked_stale", "input_changes", "input_key"])
            return report
        payload, rows = reliability_score_sums(
            sums,
            rules=context.rules,
            params=context.params,
            context={"facts": context.facts, "warnings": context.warnings},
        )
        indicator_profiles_attach(payload, indicator_inputs(sums, context.questions))
        lap("compute")
        payload["articles"] = {"total": len(keys), "read": read}
        payload["rows"] = _scores_store(report, rows, fingerprint)
        lap("store_scores")
        _store_report(report, payload, fingerprint, started=started, task_id=task_id)
        lap("store_report")
    return report


def reliability_task_run(
    *, session_id: int, force: bool = False, task_id: str = ""
) -> dict[str, Any]:
    """What the task does: release the debounce key, then recompute.

    Releasing first means edits made while this run reads are scheduled anew
    instead of being dropped by the debounce.
    """
    reliability_schedule_release(session_id=session_id)
    try:
        report = reliability_recompute(
            session_id=session_id, force=force, task_id=task_id
        )
    except AnnotationSession.DoesNotExist:
        logger.info("reliability: session %s no longer exists", session_id)
        return {"session_id": session_id, "skipped": "no such session"}
    return {
        "session_id": session_id,
        "fingerprint": report.fingerprint,
        "computed_at": report.computed_at.isoformat() if report.computed_at else None,
        "excluded_count": report.excluded_count,
    }
