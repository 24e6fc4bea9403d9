"""Discussion on claims: unit threads, read markers, article notes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotations.models.corpus import Article
from annotations.models.sessions import AnnotationSession


class UnitComment(models.Model):
    """A plain-text comment in the discussion thread of an agreement unit.

    Threads are keyed like gold decisions, by (session, article, unit key), so
    a comment survives its unit row being recomputed under the same key.
    """

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="unit_comments"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    unit_key = models.CharField(max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField()
    # Not auto_now_add: the JSONL import restores the recorded time.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "article", "unit_key", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="unitcomment_text_not_empty"
            ),
        ]
        indexes = [
            models.Index(
                fields=["session", "article", "unit_key"],
                name="unitcomment_thread",
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.unit_key} by {self.author_id}"


class CommentReadMarker(models.Model):
    """The last comment of a thread a user has read: later ones are unread."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    unit_key = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    last_read_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article", "unit_key", "user"],
                name="commentreadmarker_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.unit_key} up to {self.last_read_id}"


class ArticleNote(models.Model):
    """The adjudicators' note on an article of a session (plain text)."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="article_notes"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article"], name="articlenote_unique"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="articlenote_version_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"note on {self.article_id} in {self.session_id}"
