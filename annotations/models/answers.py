"""Article questions: answers per reviewer, gold answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotations.models.corpus import Article
from annotations.models.sessions import AnnotationSession


class ArticleAnswers(models.Model):
    """One reviewer's answers to the article questions of one article.

    ``answers`` maps question codes to values (a code, a list of codes, or a
    boolean); ``version`` is compare-and-set by every write.
    """

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="article_answers"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    answers = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "article", "reviewer"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article", "reviewer"],
                name="articleanswers_unique",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="articleanswers_version_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"answers of {self.reviewer_id} on {self.article_id}"


class GoldAnswer(models.Model):
    """An adjudicated answer to one article question (the gold layer)."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="gold_answers"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    question_code = models.SlugField(max_length=50)
    value = models.JSONField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(default=timezone.now)
    # The reviewers' answers the decision was made from: {username: value}.
    source_answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["session", "article", "question_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article", "question_code"],
                name="goldanswer_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"gold {self.question_code} of {self.article_id}"
