"""Celery tasks: thin, idempotent wrappers around one service call each."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

RETRY_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="annotations.recompute_agreement", bind=True, **RETRY_OPTIONS)
def recompute_agreement(
    self,
    session_id: int,
    article_ids: list[int] | None = None,
    force: bool = False,
    bootstrap_draws: int | None = None,
    fan_out: bool = True,
) -> dict:
    """Recompute a session's agreement (the articles whose input changed + session).

    The debounced enqueue passes no article ids: the task takes the ids gathered
    in Redis since it was scheduled. Changed articles are found by fingerprint,
    so the recompute is correct whichever ids arrive; ``article_ids`` limits
    ``force`` to those articles.
    """
    from annotations.services.agreement import agreement_recompute_run
    from annotations.services.recompute import agreement_pending_pop

    pending = agreement_pending_pop(session_id=session_id)
    return agreement_recompute_run(
        session_id=session_id,
        article_ids=sorted(set(article_ids or []) | set(pending)),
        force=force,
        bootstrap_draws=bootstrap_draws,
        task_id=self.request.id or "",
        fan_out=fan_out,
    )


@shared_task(name="annotations.recompute_agreement_chunk", **RETRY_OPTIONS)
def recompute_agreement_chunk(
    session_id: int,
    article_ids: list[int],
    force: bool = False,
    bootstrap_draws: int | None = None,
) -> dict:
    """One part of a fanned-out recompute: these articles, not the session."""
    from annotations.services.agreement import agreement_chunk_run

    return agreement_chunk_run(
        session_id=session_id,
        article_ids=article_ids,
        force=force,
        bootstrap_draws=bootstrap_draws,
    )


@shared_task(name="annotations.sweep_stale_reports", **RETRY_OPTIONS)
def sweep_stale_reports() -> dict:
    """Reschedule stale reports, fail exports whose worker died, prune records."""
    from annotations.services.sweep import sweep_run

    return sweep_run()


@shared_task(name="annotations.export_corpus_job", **RETRY_OPTIONS)
def export_corpus_job(job_id: int) -> None:
    """Write one background export (see services/exports.py)."""
    from annotations.services.exports import export_job_run

    export_job_run(job_id=job_id)


@shared_task(name="annotations.recompute_reliability", bind=True, **RETRY_OPTIONS)
def recompute_reliability(self, session_id: int, force: bool = False) -> dict:
    """Recompute a session's source reliability scores (no-op when unchanged)."""
    from annotations.services.reliability import reliability_task_run

    return reliability_task_run(
        session_id=session_id, force=force, task_id=self.request.id or ""
    )


@shared_task(name="annotations.import_articles_job", **RETRY_OPTIONS)
def import_articles_job(job_id: int) -> None:
    """Run one background article import (see services/intake_jobs.py)."""
    from annotations.services.intake_jobs import import_job_run

    import_job_run(job_id=job_id)
