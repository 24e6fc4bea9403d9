"""Large article imports as background jobs: stored uploads, progress, results.

An import past ARTICLE_IMPORT_ASYNC_ITEMS items (files, URLs and CSV/JSONL
lines) is stored as an `ImportJob` with its files (`ImportUpload`, in the
database so any worker can read them) and run by the worker. Its progress
(`done` of `total` items) is written as it is read, outside the import's own
transaction, so the page's progress bar moves; `results` is the same answer
the inline import gives. A finished job's files are deleted.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from annotations.models import ImportJob, ImportUpload
from annotations.services.intake import ImportOptions, Upload, articles_import
from annotations.services.queue import QueueUnavailable, task_send

TASK_NAME = "annotations.import_articles_job"


def import_items_estimate(uploads: list[Upload], urls: list[str]) -> int:
    """Files and URLs, counting a CSV/JSONL file as its number of lines."""
    total = len(urls)
    for upload in uploads:
        lowered = upload.name.lower()
        if upload.stream is None or not lowered.endswith((".csv", ".jsonl")):
            total += 1
            continue
        total += max(_line_count(upload.stream), 1)
    return total


def _line_count(stream) -> int:
    lines = 0
    while chunk := stream.read(1024 * 1024):
        lines += chunk.count(b"\n")
    stream.seek(0)
    return lines


def _records_total(uploads: list[Upload], urls: list[str]) -> int:
    """The exact number of records (a CSV row may span lines): the progress bar's
    end, counted by the worker before it starts (the request only estimates)."""
    total = len(urls)
    for upload in uploads:
        lowered = upload.name.lower()
        if upload.error or not lowered.endswith((".csv", ".jsonl")):
            total += 1
            continue
        text = io.TextIOWrapper(upload.stream, encoding="utf-8-sig", errors="replace")
        try:
            if lowered.endswith(".csv"):
                rows = sum(1 for row in csv.reader(text) if any(row)) - 1
            else:
                rows = sum(1 for line in text if line.strip())
        except csv.Error:
            rows = 1
        finally:
            text.detach()
        upload.stream.seek(0)
        total += max(rows, 1)
    return total


def import_runs_in_background(total: int) -> bool:
    return total > settings.ARTICLE_IMPORT_ASYNC_ITEMS


def _options_document(options: ImportOptions) -> dict[str, Any]:
    return {
        "dry_run": options.dry_run,
        "partial": options.partial,
        "normalize": options.normalize,
        "metadata": options.metadata,
        "corrections": [
            {"file": file, "row": row, **fields}
            for (file, row), fields in options.corrections.items()
        ],
    }


def _options_of(document: dict[str, Any]) -> ImportOptions:
    corrections = {}
    for entry in document.get("corrections", []):
        entry = dict(entry)
        key = (entry.pop("file"), entry.pop("row"))
        corrections[key] = entry
    return ImportOptions(
        dry_run=document["dry_run"],
        partial=document["partial"],
        normalize=document["normalize"],
        metadata=document["metadata"],
        corrections=corrections,
    )


def import_job_create(
    *,
    user,
    uploads: list[Upload],
    urls: list[str],
    options: ImportOptions,
    total: int,
) -> ImportJob:
    """Store the job and its files, then queue it (after commit)."""
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=user,
            options={**_options_document(options), "urls": urls},
            total=total,
        )
        for position, upload in enumerate(uploads):
            ImportUpload.objects.create(
                job=job,
                position=position,
                name=upload.name,
                # A refused upload (too large) keeps its reason, not its bytes.
                content=b"" if upload.error else upload.stream.read(),
            )
            if upload.error:
                job.options.setdefault("refused", {})[str(position)] = upload.error
        job.save(update_fields=["options"])
    try:
        task_send(TASK_NAME, kwargs={"job_id": job.pk})
    except QueueUnavailable:
        job.delete()
        raise
    return ImportJob.objects.get(pk=job.pk)


def import_job_run(*, job_id: int) -> None:
    """Run a queued job once (a finished job is left alone: retry-safe)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.RUNNING)
    refused = job.options.get("refused", {})
    uploads = [
        Upload(
            name=stored.name,
            stream=io.BytesIO(bytes(stored.content)),
            error=refused.get(str(stored.position), ""),
        )
        for stored in ImportUpload.objects.filter(job_id=job_id).order_by("position")
    ]

    total = _records_total(uploads, job.options.get("urls", []))
    ImportJob.objects.filter(pk=job_id).update(total=total)
    # The import runs in one transaction; its progress goes through a second
    # connection so that the page sees it while the import is under way.
    progress_db = connections.create_connection(DEFAULT_DB_ALIAS)
    table = ImportJob._meta.db_table

    def progress(done: int) -> None:
        with progress_db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET done = %s WHERE id = %s",  # noqa: S608
                [min(done, total), job_id],
            )

    try:
        outcome = articles_import(
            uploads=uploads,
            urls=job.options.get("urls", []),
            options=_options_of(job.options),
            progress=progress,
        )
    except Exception as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )
        raise
    finally:
        progress_db.close()
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE,
        done=total,
        results={"results": outcome.results},
        http_status=outcome.http_status,
        finished_at=timezone.now(),
    )
    ImportUpload.objects.filter(job_id=job_id).delete()
