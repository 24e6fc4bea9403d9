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
from django.db import transaction
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


# Report pk -> (fingerprint, {(kind, key, metric): row}) of the rows this
# process last stored and committed for it. The rows are a deterministic
# function of the fingerprint, so while the report still carries that
# fingerprint the stored rows equal these and need not be read back (their
# evidence is most of the report's bytes).
_stored_rows: dict[int, tuple[str, dict[tuple, dict]]] = {}


def _existing_rows(report: ReliabilityReport) -> dict[tuple, tuple[int, dict]]:
    """{identity: (pk, stored values)} of the report's rows, from memory when valid."""
    memo = _stored_rows.pop(report.pk, None)
    if memo is not None and report.fingerprint and memo[0] == report.fingerprint:
        pks = {
            (kind, key, metric): pk
            for kind, key, metric, pk in report.scores.values_list(
                "subject_kind", "subject_key", "metric", "pk"
            )
        }
        if pks.keys() == memo[1].keys():
            return {identity: (pks[identity], memo[1][identity]) for identity in pks}
    return {
        (s.subject_kind, s.subject_key, s.metric): (
            s.pk,
            {name: getattr(s, name) for name in SCORE_FIELDS},
        )
        for s in report.scores.all()
    }


def _scores_store(
    report: ReliabilityReport, rows: list[dict], fingerprint: str
) -> dict[str, int]:
    """Upsert rows on (kind, key, metric); delete subjects that vanished.

    A changed row is updated in the fields that changed only (after a decision
    the values move with the corpus mean, the evidence mostly does not).
    """
    existing = _existing_rows(report)
    created, seen = [], set()
    changed: dict[tuple[str, ...], list[ReliabilityScore]] = {}
    for row in rows:
        identity = (row["subject_kind"], row["subject_key"], row["metric"])
        seen.add(identity)
        if identity not in existing:
            created.append(ReliabilityScore(report=report, **row))
            continue
        pk, current = existing[identity]
        fields = tuple(name for name in SCORE_FIELDS if current[name] != row[name])
        if fields:
            score = ReliabilityScore(pk=pk, report=report, **row)
            changed.setdefault(fields, []).append(score)
    vanished = [pk for identity, (pk, _) in existing.items() if identity not in seen]
    if vanished:
        ReliabilityScore.objects.filter(pk__in=vanished).delete()
    for fields, scores in changed.items():
        ReliabilityScore.objects.bulk_update(scores, fields, batch_size=500)
    if created:
        ReliabilityScore.objects.bulk_create(created, batch_size=500)
    stored = {(r["subject_kind"], r["subject_key"], r["metric"]): r for r in rows}
    transaction.on_commit(
        lambda: _stored_rows.__setitem__(report.pk, (fingerprint, stored))
    )
    return {
        "created": len(created),
        "updated": sum(len(scores) for scores in changed.values()),
        "deleted": len(vanished),
    }


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
    ReliabilityReport.objects.get_or_create(session_id=session_id)
    with transaction.atomic():
        report = ReliabilityReport.objects.select_for_update().get(
            session_id=session_id
        )
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
