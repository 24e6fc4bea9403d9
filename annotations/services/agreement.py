"""Agreement recompute: load a session's spans, align them, compute and store."""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction

from annotations.models import AgreementReport, AnnotationSession, SessionArticle
from annotations.services.agreement_fanout import agreement_fanout
from annotations.services.agreement_inputs import (
    BOOTSTRAP_SEED,
    agreement_inputs_load,
    units_align,
)
from annotations.services.agreement_payload import payload_build, status_counts
from annotations.services.agreement_plan import (
    Plan,
    article_questions,
    counters_note,
    plan_make,
    session_payload,
    unstale,
)
from annotations.services.agreement_stats import (
    article_stats_of,
    cache_put,
    payload_reduce,
)
from annotations.services.agreement_store import (
    article_reports_store,
    article_stats_store,
    report_lock,
    session_report_store,
    units_store,
)
from annotations.services.agreement_types import AgreementInputs
from annotations.services.laps import Lap
from annotations.services.question_agreement import question_agreement_for
from annotations.services.recompute import reliability_enqueue, session_changes

logger = logging.getLogger(__name__)


def _draws(bootstrap_draws: int | None) -> int:
    draws = (
        settings.AGREEMENT_BOOTSTRAP_DRAWS
        if bootstrap_draws is None
        else bootstrap_draws
    )
    return max(1, int(draws))


STORE_ATTEMPTS = 5


def agreement_recompute(**kwargs) -> AgreementReport | None:
    """Recompute a session's (or an article's) agreement; see `_recompute_once`.

    Returns the session report, or with ``article_id`` that article's report
    (None when it is not stored: see `_report_get`).

    Span writes never wait for a recompute, so a span can vanish between our
    re-check and the insert of its unit membership (a foreign-key violation):
    the data moved on under us, and the run starts again from a new snapshot.
    """
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            return _recompute_once(**kwargs)
        except IntegrityError:
            if attempt == STORE_ATTEMPTS:
                raise
            logger.info("agreement: data changed while storing; retrying")
    raise AssertionError("unreachable")


def _recompute_once(
    *,
    session_id: int,
    article_id: int | None = None,
    chunk: list[int] | None = None,
    force: bool = False,
    bootstrap_draws: int | None = None,
    task_id: str = "",
    timings: dict[str, float] | None = None,
) -> AgreementReport | None:
    """Recompute units and agreement reports of a session (or of one article).

    Only articles whose change counter moved since their stored statistics
    are loaded; those whose inputs changed (or all, with ``force``) are
    realigned and their statistics, units and report rewritten. The session
    report is the reduction of every article's statistics. Unchanged inputs
    and no ``force`` mean no work beyond reading counters and fingerprints.
    Writes happen in one transaction holding the session report's row lock
    (no reviewer's write takes it), so concurrent recomputes serialise; an
    article written while we computed is not stored, and the reports derive
    their staleness from the counters. Returns the session report (or the
    article report). ``timings`` receives each phase's milliseconds.
    """
    started = time.perf_counter()
    lap = Lap(timings)
    draws = _draws(bootstrap_draws)
    # Counters first: a write landing after this read leaves our reports stale.
    changes = session_changes(session_id=session_id)
    if article_id is not None:
        chunk = [article_id]
    plan = plan_make(session_id, chunk, force, draws, changes)
    lap("load_and_fingerprint")
    unstale(
        session_id,
        {a: (plan.fingerprints[a], changes.get(a, 0)) for a in plan.touched},
        session=None
        if plan.session_changed or chunk is not None
        else (plan.session_fingerprint, sum(changes.values())),
    )
    if not plan.recompute and not plan.session_changed:
        counters_note(session_id, plan, changes)
        return _report_get(session_id, article_id)
    work = _compute(session_id, plan, draws, lap)
    fresh = _store(session_id, plan, work, changes, task_id, started, lap)
    for a in fresh:
        cache_put(
            session_id=session_id,
            article_id=a,
            fingerprint=plan.inputs.fingerprints[a],
            stats=work.stats[a],
        )
    lap("commit")
    _log(session_id, fresh, plan, started)
    return _report_get(session_id, article_id)


def _log(session_id: int, fresh: list[int], plan: Plan, started: float) -> None:
    logger.info(
        "agreement session=%s articles=%d/%d session_report=%s in %.0f ms",
        session_id,
        len(fresh),
        len(plan.recompute),
        plan.session_changed,
        (time.perf_counter() - started) * 1000,
    )


class _Work(NamedTuple):
    """What a recompute computed before storing it."""

    alignment: dict[int, list]  # units per recomputed article
    stats: dict[int, Any]  # ArticleStats per recomputed article
    article_payloads: dict[int, tuple[dict, float]]  # (payload, milliseconds)
    session_payload: dict | None


def _compute(session_id: int, plan: Plan, draws: int, lap) -> _Work:
    """Align the recomputed articles, their statistics and reports, and the
    session payload when the session's inputs changed."""
    inputs = plan.inputs
    alignment = {a: units_align(inputs, a) for a in plan.recompute}
    lap("align")
    new_stats, article_payloads = {}, {}
    for a in plan.recompute:
        article_started = time.perf_counter()
        new_stats[a] = article_stats_of(inputs, a, alignment[a])
        payload = payload_reduce(
            inputs, [new_stats[a]], seed=BOOTSTRAP_SEED, bootstrap="unit"
        )
        article_payloads[a] = (payload, (time.perf_counter() - article_started) * 1000)
    lap("article_metrics")
    session_payload_ = None
    if plan.session_changed:
        session_payload_ = session_payload(session_id, plan, new_stats)
        session_payload_["article_questions"] = article_questions(
            session_id=session_id, draws=draws
        )
    lap("session_metrics")
    return _Work(alignment, new_stats, article_payloads, session_payload_)


def _store(
    session_id: int, plan: Plan, work: _Work, changes, task_id, started, lap
) -> list[int]:
    """Store what is still current under the session report's row lock; returns
    the articles stored (one written since our read is left for the next run)."""
    inputs = plan.inputs
    with transaction.atomic():
        session_report = report_lock(session_id=session_id)
        if task_id:
            session_report.task_id = task_id
        current = session_changes(session_id=session_id)
        fresh = [a for a in plan.recompute if current.get(a) == changes.get(a)]
        lap("lock_and_recheck")
        units_store(
            session_id=session_id,
            units_by_article={a: work.alignment[a] for a in fresh},
        )
        lap("store_units")
        article_stats_store(
            session_id=session_id,
            params=inputs.params_hash,
            stats={
                a: (
                    inputs.fingerprints[a],
                    changes.get(a, 0),
                    plan.shapes.get(a, ""),
                    work.stats[a],
                )
                for a in fresh
            },
        )
        article_reports_store(
            session_id=session_id,
            reports={
                a: (inputs.fingerprints[a], *work.article_payloads[a]) for a in fresh
            },
            changes=changes,
        )
        counters_note(session_id, plan, changes, current=current)
        if work.session_payload is not None:
            session_report_store(
                report=session_report,
                payload=work.session_payload,
                fingerprint=plan.session_fingerprint,
                duration_ms=(time.perf_counter() - started) * 1000,
                fresh=current == changes,
                input_changes=sum(changes.values()),
            )
        elif task_id:
            session_report.save(update_fields=["task_id"])
        lap("store_reports_and_metrics")
    return fresh


def agreement_recompute_run(
    *,
    session_id: int,
    article_ids: list[int] | None = None,
    force: bool = False,
    bootstrap_draws: int | None = None,
    task_id: str = "",
    fan_out: bool = True,
) -> dict:
    """What the task runs: note the task on the report, recompute, summarise.

    ``force`` with ``article_ids`` forces just those articles; without ids,
    the whole session. A session deleted meanwhile is not an error. With a
    broker, a cold or forced run over many articles is split into chunks
    run by any number of workers, then one reduce (`agreement_fanout`).
    """
    if not AnnotationSession.objects.filter(pk=session_id).exists():
        logger.info("agreement: session %s no longer exists", session_id)
        return {"session_id": session_id, "skipped": "no such session"}
    if task_id:
        with transaction.atomic():
            report_lock(session_id=session_id)
            AgreementReport.objects.filter(
                session_id=session_id, article__isnull=True
            ).update(task_id=task_id)
    if fan_out and not article_ids:
        fanned = agreement_fanout(
            session_id=session_id, force=force, bootstrap_draws=bootstrap_draws
        )
        if fanned is not None:
            return fanned
    if force and article_ids:
        _articles_force(session_id, article_ids, bootstrap_draws)
        force = False
    report = agreement_recompute(
        session_id=session_id,
        force=force,
        bootstrap_draws=bootstrap_draws,
        task_id=task_id,
    )
    # Reliability reads the agreed and adjudicated units: recompute it next
    # (debounced; a no-op when its input fingerprint did not change).
    reliability_enqueue(session_id=session_id)
    return {
        "session_id": session_id,
        "report_id": report.pk,
        "fingerprint": report.fingerprint,
        "stale": report.stale,
        "computed_at": report.computed_at.isoformat() if report.computed_at else None,
    }


def _articles_force(
    session_id: int, article_ids: list[int], bootstrap_draws: int | None
) -> None:
    """Force a recompute of these articles of the session (others ignored)."""
    valid = set(
        SessionArticle.objects.filter(
            session_id=session_id, article_id__in=article_ids
        ).values_list("article_id", flat=True)
    )
    for article_id in sorted(valid):
        agreement_recompute(
            session_id=session_id,
            article_id=article_id,
            force=True,
            bootstrap_draws=bootstrap_draws,
        )


def _report_get(session_id: int, article_id: int | None) -> AgreementReport | None:
    """The session report (created if absent), or the article's report if stored.

    An article's report may be missing: its article was written while we
    computed (not stored, the next run does it) or it never had a report.
    """
    if article_id is None:
        return AgreementReport.objects.get_or_create(
            session_id=session_id, article=None, defaults={"marked_stale": True}
        )[0]
    return AgreementReport.objects.filter(
        session_id=session_id, article_id=article_id
    ).first()


def agreement_chunk_run(
    *,
    session_id: int,
    article_ids: list[int],
    force: bool = False,
    bootstrap_draws: int | None = None,
) -> dict:
    """One fan-out part: these articles' units, statistics and reports (upserts,
    so a chunk redone leaves the same rows). Not the session report."""
    if not AnnotationSession.objects.filter(pk=session_id).exists():
        return {"session_id": session_id, "skipped": "no such session"}
    valid = sorted(
        SessionArticle.objects.filter(
            session_id=session_id, article_id__in=article_ids
        ).values_list("article_id", flat=True)
    )
    agreement_recompute(
        session_id=session_id,
        chunk=valid,
        force=force,
        bootstrap_draws=bootstrap_draws,
    )
    return {"session_id": session_id, "articles": len(valid)}


def agreement_compute_inline(
    *,
    session_id: int,
    article_id: int | None = None,
    bootstrap_draws: int | None = None,
) -> dict:
    """Compute a report payload without storing anything (for the command)."""
    inputs = agreement_inputs_load(session_id=session_id, draws=_draws(bootstrap_draws))
    scope = inputs.article_ids if article_id is None else [article_id]
    units = [u for a in scope for u in units_align(inputs, a)]
    payload = payload_build(inputs, units, scope, seed=BOOTSTRAP_SEED)
    if article_id is None:
        payload["article_questions"] = question_agreement_for(
            session_id=session_id, draws=inputs.draws, seed=BOOTSTRAP_SEED
        )
    return payload


__all__ = [
    "AgreementInputs",
    "agreement_compute_inline",
    "agreement_inputs_load",
    "agreement_recompute",
    "agreement_recompute_run",
    "status_counts",
    "units_align",
]
