"""Agreement units, the gold layer, and facts linking gold spans."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.models.corpus import Article
from annotations.models.fields import DocumentField
from annotations.models.schemes import ClaimType, SourcingLevel
from annotations.models.sessions import AnnotationSession
from annotations.models.spans import SpanAnnotation


class AgreementStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    AGREED = "agreed", "Agreed"
    DISPUTED = "disputed", "Disputed"
    ADJUDICATED = "adjudicated", "Adjudicated"


class AgreementUnit(models.Model):
    """A group of aligned spans (the same claim marked by different reviewers)."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="units"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="units")
    # Deterministic identity from the member spans; stable while they are.
    key = models.CharField(max_length=200)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.PENDING
    )
    spans = models.ManyToManyField(SpanAnnotation, related_name="units", blank=True)
    reviewer_count = models.PositiveSmallIntegerField(default=0)
    # Why the members disagree: [{"kind", "reviewers", "values"}] (metrics/reasons).
    reasons = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "article", "start", "end", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article", "key"], name="unit_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="unit_start_lt_end"
            ),
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return f"unit {self.key} ({self.status})"


class GoldSpan(models.Model):
    """An adjudicated decision: one revision of the gold layer for a unit."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted a reviewer version"
        EDITED = "edited", "Edited"
        REJECTED = "rejected", "Rejected (not a claim)"

    class Verdict(models.TextChoices):
        SUPPORTED = "supported", "Supported"
        CONTRADICTED = "contradicted", "Contradicted"
        UNVERIFIABLE = "unverifiable", "Unverifiable"

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="gold_spans"
    )
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="gold_spans"
    )
    unit = models.ForeignKey(
        AgreementUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="gold_spans",
    )
    # Copy of the unit key so provenance survives a unit being recomputed away.
    unit_key = models.CharField(max_length=200)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    claim_type = models.ForeignKey(
        ClaimType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sourcing_quality = models.ForeignKey(
        SourcingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cited_source = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True)
    # Provenance of an "accepted" decision: whose version became gold. The
    # reviewer stays recorded if that span is later deleted.
    accepted_span = models.ForeignKey(
        SpanAnnotation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_as_gold",
    )
    accepted_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Provenance: the reviewer spans and the versions the decision was made from.
    source_spans = models.ManyToManyField(
        SpanAnnotation, related_name="gold_decisions", blank=True
    )
    source_versions = DocumentField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)
    # Set by the agreement recompute (never cleared; a new decision starts a
    # revision without it) once the unit's spans differ from the ones decided
    # on: a member deleted, moved or edited, or the claim gone. Needs review.
    evidence_changed = models.BooleanField(default=False)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["session", "article", "start", "end", "-revision"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="gold_start_lt_end"
            ),
            models.UniqueConstraint(
                fields=["session", "article", "unit_key"],
                condition=Q(is_current=True),
                name="gold_one_current_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(decision="rejected")
                | (Q(claim_type__isnull=False) & Q(sourcing_quality__isnull=False)),
                name="gold_labels_unless_rejected",
            ),
            models.CheckConstraint(
                condition=Q(decision="accepted")
                | (Q(accepted_span__isnull=True) & Q(accepted_reviewer__isnull=True)),
                name="gold_accepted_version_only_when_accepted",
            ),
        ]

    def __str__(self) -> str:
        return f"gold {self.unit_key} r{self.revision} {self.decision}"


class Fact(models.Model):
    """A fact that several articles report: gold spans linked as the same fact."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="facts"
    )
    label = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.label


class FactLink(models.Model):
    """A gold span asserting a value for a fact (e.g. '23 soldiers killed')."""

    fact = models.ForeignKey(Fact, on_delete=models.CASCADE, related_name="links")
    gold_span = models.ForeignKey(
        GoldSpan, on_delete=models.CASCADE, related_name="fact_links"
    )
    value = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fact", "gold_span"], name="factlink_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fact}: {self.value}"
