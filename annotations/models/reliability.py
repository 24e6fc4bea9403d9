"""Each article's share of its session's reliability report.

A reliability recompute re-reads only the articles whose `key` moved and sums
the stored statistics of the others (`services.reliability`); the evidence
behind a score is read from the articles that feed it (`selectors.reliability`).
"""

from django.db import models

from annotations.models.corpus import Article
from annotations.models.fields import DocumentField
from annotations.models.sessions import AnnotationSession


class ReliabilityArticle(models.Model):
    """One article's reliability statistics, claims' evidence and reviewer labels."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    # What the share was computed from (change counter, agreement report,
    # outlet, gold, session context): equal key, nothing to re-read.
    key = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)  # sha256 of the three documents
    stats = DocumentField(default=dict)  # metrics.reliability_sums layout
    claims = DocumentField(default=list)  # evidence entries, each with `used`
    members = DocumentField(default=dict)  # reviewer labels beside gold, peers

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article"], name="reliabilityarticle_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"reliability {self.session_id}/{self.article_id}"


class ReliabilitySubjectArticle(models.Model):
    """An article feeds a subject's scores: the evidence index."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    subject_kind = models.CharField(max_length=20)
    subject_key = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "subject_kind", "subject_key", "article"],
                name="reliabilitysubjectarticle_unique",
            ),
        ]
        indexes = [models.Index(fields=["session", "article"])]

    def __str__(self) -> str:
        return f"{self.subject_kind}:{self.subject_key} <- {self.article_id}"
