"""Sessions: their articles, their members, and the assignment plan."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.models.corpus import Article
from annotations.models.schemes import LabelScheme


class AnnotationSession(models.Model):
    """A team annotating a set of articles under one label scheme."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    scheme = models.ForeignKey(
        LabelScheme, on_delete=models.PROTECT, related_name="sessions"
    )
    articles = models.ManyToManyField(
        Article, through="SessionArticle", related_name="sessions"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SessionMembership", related_name="+"
    )
    required_reviewers = models.PositiveSmallIntegerField(default=3)
    blind = models.BooleanField(default=True)
    # Spans of different reviewers align when their Jaccard overlap reaches this.
    alignment_threshold = models.FloatField(default=0.5)
    # Characters by which members' starts (and ends) may differ before a unit
    # carries a "boundary" reason; 0 (the default) flags any difference.
    boundary_tolerance = models.PositiveSmallIntegerField(default=0)
    # Pairable units an alpha needs before its reading can be "reliable".
    reading_min_units = models.PositiveSmallIntegerField(default=30)
    # How the workspace selects: whole words (snapped) or characters (graphemes).
    # New sessions select words; sessions made before the setting keep characters
    # (migration 0013 fills existing rows with "character").
    granularity = models.CharField(
        max_length=10,
        choices=[("word", "Whole words"), ("character", "Characters")],
        default="word",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Leads manage the session (members, articles, settings); see access.py.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="led_sessions"
    )

    class AssignmentMode(models.TextChoices):
        ALL = "all", "Every reviewer every article"
        BALANCED = "balanced", "k reviewers per article"

    # "all": every reviewer does every article; "balanced": each article gets
    # `required_reviewers` reviewers from the pool (the `Assignment` rows),
    # and the first `calibration` articles go to every reviewer.
    assignment = models.CharField(
        max_length=10, choices=AssignmentMode.choices, default=AssignmentMode.ALL
    )
    calibration = models.PositiveIntegerField(default=0)
    # Reviewers see their own agreement with gold and peers on adjudicated
    # articles (GET .../feedback/) once the lead turns this on.
    reviewer_feedback = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        permissions = [
            ("manage_sessions", "Can create sessions and manage the ones they lead")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(required_reviewers__gte=1), name="session_required_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(alignment_threshold__gt=0, alignment_threshold__lte=1),
                name="session_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(granularity__in=["word", "character"]),
                name="session_granularity_valid",
            ),
            models.CheckConstraint(
                condition=Q(assignment__in=["all", "balanced"]),
                name="session_assignment_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SessionArticle(models.Model):
    """An article's place in a session."""

    session = models.ForeignKey(AnnotationSession, on_delete=models.CASCADE)
    article = models.ForeignKey(Article, on_delete=models.PROTECT)
    position = models.PositiveIntegerField(default=0)
    # Bumped by every write that changes what agreement and reliability read
    # for this article (spans, review states, gold, fact links). Writes touch
    # only their own article's row; reports remember the counters they were
    # computed from, so staleness is derived (see ReportQuerySet), not written.
    changes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["session", "position", "article"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article"], name="sessionarticle_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} / {self.article}"


class SessionMembership(models.Model):
    """A user's role in a session."""

    class Role(models.TextChoices):
        REVIEWER = "reviewer", "Reviewer"
        ADJUDICATOR = "adjudicator", "Adjudicator"

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["session", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], name="membership_unique_user"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["reviewer", "adjudicator"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.session}"


class Assignment(models.Model):
    """A reviewer's place in the plan of a balanced session (who does which article).

    Written only by `annotations.services.assignment`; spans of a reviewer who
    was reassigned away stay where they are, outside agreement.

    A plan of up to millions of rows is written in one COPY; its foreign keys
    stay database constraints (the data guards itself, at the cost of their
    per-row checks: bench/assignment_bench.py). The two composite indexes
    cover every lookup (by session; session and article; session and reviewer),
    so the keys carry no single-column index of their own.
    """

    session = models.ForeignKey(
        AnnotationSession,
        on_delete=models.CASCADE,
        related_name="assignments",
        db_index=False,
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    calibration = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "article", "reviewer"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article", "reviewer"], name="assignment_unique"
            ),
        ]
        indexes = [models.Index(fields=["session", "reviewer"])]

    def __str__(self) -> str:
        return f"{self.reviewer_id} → {self.article_id} in {self.session_id}"
