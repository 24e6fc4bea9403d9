"""Reviewers' spans, deleted spans kept for undo, and review states."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.models.corpus import Article
from annotations.models.fields import DocumentField
from annotations.models.schemes import ClaimType, SourcingLevel
from annotations.models.sessions import AnnotationSession

# What makes one reading of a passage, in a span and in a gold decision alike:
# its offsets, quote and labels (the order every read of them keeps).
SPAN_READING_FIELDS = (
    "start",
    "end",
    "quote",
    "claim_type_id",
    "sourcing_quality_id",
    "cited_source",
)


class SpanAnnotation(models.Model):
    """One reviewer's labelled span; offsets are code points, end exclusive."""

    class Origin(models.TextChoices):
        MANUAL = "manual", "Manual"
        IMPORT = "import", "Imported pre-annotation"

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="spans"
    )
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="spans")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spans"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    claim_type = models.ForeignKey(
        ClaimType, on_delete=models.PROTECT, related_name="spans"
    )
    sourcing_quality = models.ForeignKey(
        SourcingLevel, on_delete=models.PROTECT, related_name="spans"
    )
    cited_source = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    origin = models.CharField(
        max_length=10, choices=Origin.choices, default=Origin.MANUAL
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["article", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="span_start_lt_end"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="span_version_gte_1"
            ),
            models.UniqueConstraint(
                fields=["session", "article", "reviewer", "start", "end"],
                name="span_unique_per_reviewer_offsets",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "article", "reviewer"]),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}[{self.start}:{self.end}] {self.quote[:40]}"


class DeletedSpan(models.Model):
    """A span its reviewer deleted, kept for a while so the deletion can be undone.

    `fields` holds the span's values as stored (offsets in code points, label
    codes); restoring re-creates the span under its old id at `version + 1`.
    """

    span_id = models.PositiveIntegerField(unique=True)
    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveIntegerField()
    fields = DocumentField(default=dict)
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return f"deleted span {self.span_id} v{self.version}"


class ReviewState(models.Model):
    """Whether a reviewer has marked an article of a session done."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="review_states"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_states"
    )
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "article", "reviewer"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article", "reviewer"], name="reviewstate_unique"
            ),
            models.CheckConstraint(
                condition=Q(done=False) | Q(done_at__isnull=False),
                name="reviewstate_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {'done' if self.done else 'open'} {self.article_id}"
