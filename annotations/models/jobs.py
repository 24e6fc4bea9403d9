"""Background jobs: exports, imports and their uploads, and task records."""

from django.conf import settings
from django.db import models

from annotations.models.fields import DocumentField
from annotations.models.sessions import AnnotationSession


class BackgroundJob(models.Model):
    """What an export job and an import job share: owner, status, error, times.

    Abstract: each job keeps its own table and columns.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ExportJob(BackgroundJob):
    """A corpus export run in the background, producing a downloadable file."""

    format = models.CharField(max_length=20)
    params = DocumentField(default=dict)
    progress = models.FloatField(default=0)
    file_name = models.CharField(max_length=300, blank=True)
    # Set when a run starts and at every chunk: a running job whose heartbeat
    # is older than EXPORT_LEASE_SECONDS lost its worker (services/exports.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta(BackgroundJob.Meta):
        permissions = [("export_corpus", "Can export the labelled corpus")]

    def __str__(self) -> str:
        return f"export {self.pk} {self.format} {self.status}"


class TaskRecord(models.Model):
    """A task the workbench queued: whose it is, and its outcome when run inline.

    The task-state endpoint answers only for tasks recorded here, to users who
    may see the session. Without a broker (the embedded default) Celery keeps
    no results, so the inline run's outcome is stored here instead.
    """

    class State(models.TextChoices):
        PENDING = "PENDING", "Pending"
        SUCCESS = "SUCCESS", "Success"
        FAILURE = "FAILURE", "Failure"

    task_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    session = models.ForeignKey(
        AnnotationSession, null=True, on_delete=models.CASCADE, related_name="+"
    )
    inline = models.BooleanField(default=False)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING
    )
    result = DocumentField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="taskrecord_created")]

    def __str__(self) -> str:
        return f"{self.name} {self.task_id} {self.state}"


class ImportJob(BackgroundJob):
    """A large article import run by a worker; `results` is the API's answer."""

    # dry_run, partial, normalize, metadata, corrections, urls.
    options = DocumentField(default=dict)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    results = DocumentField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"import {self.pk} {self.status} {self.done}/{self.total}"


class ImportUpload(models.Model):
    """One uploaded file of an import job, kept until the worker has read it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=300)
    content = models.BinaryField()

    class Meta:
        ordering = ["job", "position"]

    def __str__(self) -> str:
        return f"{self.name} of import {self.job_id}"
