"""Corpus exports: who may export what, the format registry and background jobs."""

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations import selectors
from annotations.access import can_manage_session, can_see_all_spans, session_role
from annotations.exporters.base import (
    ExportFilters,
    article_queryset,
    filters_parse,
    requested,
)
from annotations.exporters.claimreview import claimreview_graph, claimreview_jsonl
from annotations.exporters.conll import conll_lines
from annotations.exporters.csv_rows import csv_lines
from annotations.exporters.datacard import datacard_json, datacard_markdown
from annotations.exporters.jsonl import jsonl_lines
from annotations.exporters.webanno import webanno_collection, webanno_jsonl
from annotations.models import AnnotationSession, ExportJob
from annotations.services.errors import NotFound, PermissionDenied, ValidationError
from annotations.services.queue import QueueUnavailable, task_send

SCOPE_FULL = "full"
SCOPE_OWN = "own"  # a reviewer of a blind session: only their own spans


@dataclass(frozen=True)
class ExportFormat:
    name: str
    lines: Callable[..., Iterator[str | bytes]]
    content_type: str
    extension: str
    # Exports only adjudicated claims: the gold layer is implied, raw is refused.
    gold_only: bool = False


FORMATS = {
    fmt.name: fmt
    for fmt in (
        ExportFormat("jsonl", jsonl_lines, "application/x-ndjson", "jsonl"),
        ExportFormat(
            "webanno",
            webanno_collection,
            'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
            "jsonld",
        ),
        ExportFormat("webanno-jsonl", webanno_jsonl, "application/x-ndjson", "jsonl"),
        ExportFormat("csv", csv_lines, "text/csv; charset=utf-8", "csv"),
        ExportFormat("conll", conll_lines, "text/plain; charset=utf-8", "conll"),
        ExportFormat("datacard-json", datacard_json, "application/json", "json"),
        ExportFormat("datacard-md", datacard_markdown, "text/markdown", "md"),
        ExportFormat(
            "claimreview",
            claimreview_graph,
            "application/ld+json",
            "jsonld",
            gold_only=True,
        ),
        ExportFormat(
            "claimreview-jsonl",
            claimreview_jsonl,
            "application/x-ndjson",
            "jsonl",
            gold_only=True,
        ),
    )
}


def export_format_get(name: str) -> ExportFormat:
    if not isinstance(name, str) or name not in FORMATS:
        raise ValidationError({"format": f"Must be one of {', '.join(FORMATS)}."})
    return FORMATS[name]


def export_scope(*, user, session: AnnotationSession) -> str:
    """SCOPE_FULL or SCOPE_OWN; NotFound for outsiders.

    Staff, holders of `annotations.export_corpus`, the session's leads and its
    adjudicators export everything; reviewers everything of an open session,
    only their own spans of a blind one; anyone else learns nothing (not even
    that it exists).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotFound
    if user.is_staff or user.has_perm("annotations.export_corpus"):
        return SCOPE_FULL
    if can_manage_session(user, session):
        return SCOPE_FULL  # a lead of this session
    role = session_role(user, session)
    if role is None:
        raise NotFound
    return SCOPE_FULL if can_see_all_spans(role, session) else SCOPE_OWN


def export_filters_for(
    *,
    user,
    session: AnnotationSession,
    params: Mapping[str, Any],
    fmt: ExportFormat | None = None,
) -> ExportFilters:
    """Parse the filters and narrow them to what `user` may see.

    A reviewer of a blind session gets their own raw spans without agreement
    units; asking for gold, for other reviewers or by agreement status is 403.
    A gold-only format (`fmt.gold_only`) asks for gold whatever `layer` says
    (`layer=raw` is a 400 naming `layer`).
    """
    scope = export_scope(user=user, session=session)
    if scope == SCOPE_OWN:
        _refuse_other_reviewers(user=user, params=params)
    filters = filters_parse(session=session, params=params)
    asks_gold = params.get("layer") not in (None, "")
    if fmt is not None and fmt.gold_only:
        if filters.layer == "raw":
            raise ValidationError(
                {
                    "layer": f"The {fmt.name} format exports adjudicated claims: "
                    "use layer=gold (or leave it out)."
                }
            )
        asks_gold = True
    if scope == SCOPE_FULL:
        return filters
    if filters.layer != "raw" and asks_gold:
        raise PermissionDenied(
            "In a blind session a reviewer may export only their own spans "
            "(layer=raw); the gold layer is for adjudicators."
        )
    if filters.reviewer_ids not in (None, (user.pk,)):
        raise PermissionDenied(
            "In a blind session a reviewer may not export other reviewers' spans."
        )
    if filters.statuses:
        raise PermissionDenied(
            "Agreement statuses reveal other reviewers' work in a blind session."
        )
    described = {
        **filters.described,
        "layer": "raw",
        "reviewers": [user.get_username()],
    }
    return replace(
        filters,
        layer="raw",
        reviewer_ids=(user.pk,),
        hide_units=True,
        described=described,
    )


def _refuse_other_reviewers(*, user, params: Mapping[str, Any]) -> None:
    """403 for naming anyone but oneself, before any name is looked up: an
    unknown name and another reviewer's get the same answer."""
    try:
        wanted = requested(params, "reviewers")
    except ValueError:
        return  # malformed: filters_parse says so (400)
    if set(wanted) - {user.get_username(), str(user.pk)}:
        raise PermissionDenied(
            "In a blind session a reviewer may not export other reviewers' spans."
        )


def export_filename(*, session_id: int, fmt: ExportFormat) -> str:
    return f"session-{session_id}-{fmt.name}.{fmt.extension}"


STREAM_BLOCK = 64 * 1024


def _blocks(pieces: Iterator[str | bytes], size: int) -> Iterator[bytes]:
    """UTF-8 blocks of ~`size` bytes: one socket write each, not thousands.

    The first piece goes out alone so the client sees bytes at once.
    """
    iterator = iter(pieces)
    buffer: list[bytes] = []
    length = 0
    first = True
    for piece in iterator:
        if isinstance(piece, str):
            piece = piece.encode("utf-8")
        if first:
            first = False
            yield piece
            continue
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def export_stream(
    *, filters: ExportFilters, format: str, block_size: int = STREAM_BLOCK, **options
) -> Iterator[bytes]:
    """The export as a generator of UTF-8 blocks (nothing read until iterated)."""
    pieces = export_format_get(format).lines(filters, **options)
    return _blocks(pieces, block_size)


# --- Background jobs ------------------------------------------------------------


@transaction.atomic
def export_job_create(
    *, user, session: AnnotationSession, format: str, params: Mapping[str, Any]
) -> ExportJob:
    """Record a job for a large export and enqueue it once the row is committed."""
    fmt = export_format_get(format)
    filters = export_filters_for(user=user, session=session, params=params, fmt=fmt)
    job = ExportJob.objects.create(
        created_by=user, format=fmt.name, params=filters.to_params()
    )

    def enqueue() -> None:
        try:
            task_send(
                "annotations.export_corpus_job",
                kwargs={"job_id": job.pk},
                session_id=session.pk,
            )
        except QueueUnavailable as exc:
            # The row is committed by now: mark it failed rather than leave a
            # job queued for ever, then let the caller answer 503.
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportJob.Status.FAILED,
                error=str(exc),
                finished_at=timezone.now(),
            )
            raise

    transaction.on_commit(enqueue)
    return job


def export_job_path(job: ExportJob) -> Path:
    return Path(settings.EXPORT_DIR) / job.file_name


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the job's export under EXPORT_DIR; running it again rewrites the file."""
    job = ExportJob.objects.get(pk=job_id)
    if job.status == ExportJob.Status.DONE and export_job_path(job).is_file():
        return job
    fmt = FORMATS[job.format]
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING,
        progress=0,
        error="",
        heartbeat_at=timezone.now(),
    )
    filters = ExportFilters.from_params(job.params)
    total = max(1, article_queryset(filters).count())
    directory = Path(settings.EXPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    file_name = f"export-{job.pk}-session-{filters.session_id}.{fmt.extension}"
    partial = directory / (file_name + ".part")

    def on_chunk(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(
            progress=min(done / total, 0.99), heartbeat_at=timezone.now()
        )

    try:
        with open(partial, "wb") as out:
            for block in export_stream(
                filters=filters, format=fmt.name, on_chunk=on_chunk
            ):
                out.write(block)
        os.replace(partial, directory / file_name)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=1,
        file_name=file_name,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def export_jobs_sweep() -> list[int]:
    """Fail running jobs whose worker is gone; remove their partial files.

    A running job beats at every chunk (`heartbeat_at`); one silent for
    EXPORT_LEASE_SECONDS lost its worker (SIGKILL, OOM). It is marked failed
    with a message saying so (its download then says why instead of 409 for
    ever) and its `.part` file is deleted. If the broker redelivers the task
    later, the run starts over and rewrites the file. Returns the job ids.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.EXPORT_LEASE_SECONDS)
    lost = list(
        ExportJob.objects.filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True),
            status=ExportJob.Status.RUNNING,
        ).values_list("pk", flat=True)
    )
    for job_id in lost:
        updated = ExportJob.objects.filter(
            pk=job_id, status=ExportJob.Status.RUNNING
        ).update(
            status=ExportJob.Status.FAILED,
            error="The export stopped: its worker went away mid-run. "
            "Start the export again.",
            finished_at=timezone.now(),
        )
        if updated:
            for partial in Path(settings.EXPORT_DIR).glob(f"export-{job_id}-*.part"):
                partial.unlink(missing_ok=True)
    return lost


def export_job_visible(*, user, job_id: int) -> ExportJob:
    """The job if `user` created it or is staff; NotFound otherwise."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or not export_job_downloadable(user=user, job=job):
        raise NotFound
    return job


def export_jobs_for(*, user, session: AnnotationSession):
    """The session's export jobs `user` may list, newest first.

    Whoever exports everything (staff, leads, adjudicators, open-session
    reviewers) sees every job of the session with who made it; a blind
    reviewer only their own. Outsiders: NotFound.
    """
    scope = export_scope(user=user, session=session)
    return selectors.session_export_jobs(
        session_id=session.pk,
        created_by_id=None if scope == SCOPE_FULL else user.pk,
    )


def export_job_downloadable(*, user, job: ExportJob) -> bool:
    """Whether `user` may fetch the job (`export_job_visible`'s rule)."""
    return job.created_by_id == user.pk or user.is_staff
