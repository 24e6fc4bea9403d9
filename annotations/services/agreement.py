"""Agreement recompute: load a session's spans, align them, compute and store."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.models import AgreementReport, AnnotationSession, SessionArticle
from annotations.services.agreement_inputs import (
    BOOTSTRAP_SEED,
    agreement_inputs_load,
    units_align,
)
from annotations.services.agreement_payload import payload_build, status_counts
from annotations.services.agreement_store import (
    article_reports_store,
    report_lock,
    session_report_store,
    units_store,
)
from annotations.services.agreement_types import AgreementInputs
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


def agreement_recompute(**kwargs) -> AgreementReport:
    """Recompute a session's (or an article's) agreement; see `_recompute_once`.

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
    force: bool = False,
    bootstrap_draws: int | None = None,
    task_id: str = "",
    timings: dict[str, float] | None = None,
) -> AgreementReport:
    """Recompute units and agreement reports of a session (or of one article).

    Without ``article_id`` every article whose input fingerprint changed is
    rewritten (units, report, metrics) and then the session report; with it,
    only that article. Unchanged fingerprints and no ``force`` mean no work.
    Writes happen in one transaction holding the session report's row lock, so
    concurrent recomputes serialise; a write that lands while we compute makes
    our snapshot outdated, and we then leave its report stale for the next run.
    Returns the session report (or the article report). ``timings``, if given,
    receives the milliseconds of each phase (for bench/recompute_bench.py).
    """
    started = time.perf_counter()
    lap = _Lap(timings)
    draws = _draws(bootstrap_draws)
    # Counters first: a write landing after this read leaves our reports stale.
    changes = session_changes(session_id=session_id)
    inputs = agreement_inputs_load(session_id=session_id, draws=draws)
    lap("load_and_fingerprint")
    scope = inputs.article_ids if article_id is None else [article_id]
    if article_id is not None and article_id not in inputs.fingerprints:
        raise ValidationError(
            {"article": f"Article {article_id} is not in this session."}
        )
    stored = dict(
        AgreementReport.objects.filter(session_id=session_id).values_list(
            "article_id", "fingerprint"
        )
    )
    changed = [a for a in scope if force or stored.get(a) != inputs.fingerprints[a]]
    session_changed = article_id is None and (
        force or stored.get(None) != inputs.session_fingerprint
    )
    # Reports whose data did not change are fresh as of the counters read.
    _unstale(
        session_id,
        inputs,
        changes,
        [a for a in scope if a not in changed],
        include_session=article_id is None and not session_changed,
    )
    if not changed and not session_changed:
        return _report_get(session_id, article_id)

    alignment = {
        a: units_align(inputs, a)
        for a in (inputs.article_ids if article_id is None else scope)
    }
    lap("align")
    article_payloads = {}
    for a in changed:
        article_started = time.perf_counter()
        payload = payload_build(inputs, alignment[a], [a], seed=BOOTSTRAP_SEED)
        article_payloads[a] = (payload, (time.perf_counter() - article_started) * 1000)
    lap("article_metrics")
    session_payload = None
    if session_changed:
        all_units = [u for a in inputs.article_ids for u in alignment[a]]
        session_payload = payload_build(
            inputs, all_units, inputs.article_ids, seed=BOOTSTRAP_SEED
        )
        session_payload["article_questions"] = question_agreement_for(
            session_id=session_id, draws=draws, seed=BOOTSTRAP_SEED
        )
    lap("session_metrics")
    with transaction.atomic():
        session_report = report_lock(session_id=session_id)
        if task_id:
            session_report.task_id = task_id
        # Re-read under the lock: anything written since our snapshot wins.
        current = agreement_inputs_load(session_id=session_id, draws=draws)
        fresh = [
            a for a in changed if current.fingerprints.get(a) == inputs.fingerprints[a]
        ]
        lap("lock_and_recheck")
        units_store(
            session_id=session_id,
            units_by_article={a: alignment[a] for a in fresh},
        )
        lap("store_units")
        article_reports_store(
            session_id=session_id,
            reports={a: (inputs.fingerprints[a], *article_payloads[a]) for a in fresh},
            changes=changes,
        )
        if session_payload is not None:
            session_report_store(
                report=session_report,
                payload=session_payload,
                fingerprint=inputs.session_fingerprint,
                duration_ms=(time.perf_counter() - started) * 1000,
                fresh=current.session_fingerprint == inputs.session_fingerprint,
                input_changes=sum(changes.values()),
            )
        elif task_id:
            session_report.save(update_fields=["task_id"])
        lap("store_reports_and_metrics")
    lap("commit")
    logger.info(
        "agreement session=%s articles=%d/%d session_report=%s in %.0f ms",
        session_id,
        len(fresh),
        len(changed),
        session_changed,
        (time.perf_counter() - started) * 1000,
    )
    return _report_get(session_id, article_id)


class _Lap:
    """Phase stopwatch writing milliseconds into an optional dict."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[phase] = (now - self.last) * 1000
        self.last = now


def agreement_recompute_run(
    *,
    session_id: int,
    article_ids: list[int] | None = None,
    force: bool = False,
    bootstrap_draws: int | None = None,
    task_id: str = "",
) -> dict:
    """What the task runs: note the task on the report, recompute, summarise.

    ``force`` with ``article_ids`` forces just those articles; without ids,
    the whole session. A session deleted meanwhile is not an error.
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
    if force and article_ids:
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


def _unstale(
    session_id: int,
    inputs: AgreementInputs,
    changes: dict[int, int],
    scope: list[int],
    *,
    include_session: bool,
) -> None:
    """Reports whose fingerprint still matches the data are not stale.

    They take the change counters read before the inputs, so a write that
    lands after that read still shows them stale. One read, one bulk update.
    """
    wanted = {a: (inputs.fingerprints[a], changes.get(a, 0)) for a in scope}
    if include_session:
        wanted[None] = (inputs.session_fingerprint, sum(changes.values()))
    query = AgreementReport.objects.filter(session_id=session_id, article_id__in=scope)
    if include_session:
        query = query | AgreementReport.objects.filter(
            session_id=session_id, article__isnull=True
        )
    updates = []
    for report in query.only(
        "id", "article_id", "fingerprint", "marked_stale", "input_changes"
    ):
        fingerprint, counter = wanted[report.article_id]
        if report.fingerprint != fingerprint:
            continue
        if report.marked_stale or report.input_changes != counter:
            report.marked_stale, report.input_changes = False, counter
            updates.append(report)
    AgreementReport.objects.bulk_update(
        updates, ["marked_stale", "input_changes"], batch_size=500
    )


def _report_get(session_id: int, article_id: int | None) -> AgreementReport:
    if article_id is None:
        return AgreementReport.objects.get(session_id=session_id, article__isnull=True)
    return AgreementReport.objects.get(session_id=session_id, article_id=article_id)


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
