"""Stored agreement and reliability reports, and the rule of their staleness."""

from django.db import models
from django.db.models import Case, ExpressionWrapper, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce

from annotations.models.corpus import Article
from annotations.models.fields import DocumentField
from annotations.models.sessions import AnnotationSession, SessionArticle


def _session_changes():
    """Subquery: the sum of the report's session's article change counters."""
    return Coalesce(
        Subquery(
            SessionArticle.objects.filter(session_id=OuterRef("session_id"))
            .order_by()
            .values("session_id")
            .annotate(total=Sum("changes"))
            .values("total")[:1],
            output_field=models.BigIntegerField(),
        ),
        0,
    )


class ReportQuerySet(models.QuerySet):
    """Staleness of stored reports, derived from the articles' change counters.

    A report is stale when it was stored as such (``marked_stale``: the data
    moved on while it was computed, or the alias table changed) or when the
    change counters it was computed from (``input_changes``) no longer match:
    the article's counter for an article report, the session's sum for a
    session or reliability report. The one home of that rule.
    """

    def _current_changes(self):
        if self.model is ReliabilityReport:
            return _session_changes()
        article_changes = Subquery(
            SessionArticle.objects.filter(
                session_id=OuterRef("session_id"), article_id=OuterRef("article_id")
            ).values("changes")[:1],
            output_field=models.BigIntegerField(),
        )
        return Case(
            When(article__isnull=True, then=_session_changes()),
            default=Coalesce(article_changes, 0),
            output_field=models.BigIntegerField(),
        )

    def with_staleness(self):
        return self.annotate(
            is_stale=ExpressionWrapper(
                Q(marked_stale=True) | ~Q(input_changes=self._current_changes()),
                output_field=models.BooleanField(),
            )
        )

    def stale(self):
        return self.with_staleness().filter(is_stale=True)

    def fresh(self):
        return self.with_staleness().filter(is_stale=False)


class StalenessMixin:
    """``report.stale`` by ReportQuerySet's rule: read from ``with_staleness()``
    when the report was loaded that way, else one query. Settable on creation.
    """

    @property
    def stale(self) -> bool:
        if "is_stale" in self.__dict__:
            return self.__dict__["is_stale"]
        if self.pk is None:
            return self.marked_stale
        return type(self).objects.filter(pk=self.pk).stale().exists()

    @stale.setter
    def stale(self, value: bool) -> None:
        self.marked_stale = value

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.__dict__.pop("is_stale", None)
        super().refresh_from_db(*args, **kwargs)


class AgreementReport(StalenessMixin, models.Model):
    """Stored agreement figures for a session (article null) or one article."""

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="agreement_reports"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    fingerprint = models.CharField(max_length=64, blank=True)
    payload = DocumentField(default=dict)
    computed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    marked_stale = models.BooleanField(default=True)
    input_changes = models.PositiveBigIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article"], name="agreementreport_unique_article"
            ),
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(article__isnull=True),
                name="agreementreport_unique_session",
            ),
        ]

    def __str__(self) -> str:
        scope = f"article {self.article_id}" if self.article_id else "session"
        return f"agreement {self.session_id} {scope}"


class AgreementArticleStats(models.Model):
    """One article's sufficient statistics of agreement (metrics/article_stats).

    The session report is their reduction (metrics/stats_reduce). A row is
    current while its ``params`` (the session-wide inputs: scheme, reviewers,
    threshold, aliases...) and ``input_changes`` (the article's change counter
    it was computed from) match; ``fingerprint`` is the article's input hash.
    """

    session = models.ForeignKey(
        AnnotationSession, on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    params = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    input_changes = models.PositiveBigIntegerField(default=0)
    # agreement_inputs.article_shapes: catches writes that bypassed the counter.
    shape = models.CharField(max_length=200, blank=True)
    stats = models.BinaryField()  # stats_codec.stats_encode
    unit_stats = models.BinaryField()  # the per-unit tables (per-unit bootstrap)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "article"], name="agreementarticlestats_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"agreement stats {self.session_id} article {self.article_id}"


# One agreement figure is known within its report by METRIC_KEY; METRIC_FIELDS
# are what it says (the admin list and the data card show them in this order).
METRIC_KEY = ("dimension", "metric", "label", "reviewer_a", "reviewer_b")
METRIC_FIELDS = (*METRIC_KEY, "value", "ci_low", "ci_high", "n")


class AgreementMetric(models.Model):
    """One figure of an agreement report, queryable by dimension/label/pair."""

    report = models.ForeignKey(
        AgreementReport, on_delete=models.CASCADE, related_name="metrics"
    )
    dimension = models.CharField(max_length=40)  # claim_type, sourcing_quality, span
    metric = models.CharField(max_length=40)  # alpha, fleiss_kappa, cohen_kappa, f1…
    label = models.CharField(max_length=50, blank=True)
    reviewer_a = models.CharField(max_length=150, blank=True)
    reviewer_b = models.CharField(max_length=150, blank=True)
    value = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", *METRIC_KEY],
                name="agreementmetric_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}.{self.metric}={self.value}"


class ReliabilityReport(StalenessMixin, models.Model):
    """Stored source-reliability scores of a session."""

    session = models.OneToOneField(
        AnnotationSession, on_delete=models.CASCADE, related_name="reliability_report"
    )
    fingerprint = models.CharField(max_length=64, blank=True)
    payload = DocumentField(default=dict)
    excluded_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    marked_stale = models.BooleanField(default=True)
    input_changes = models.PositiveBigIntegerField(default=0)
    # services/reliability_key: a cheap summary of the inputs; equal = no-op.
    input_key = models.CharField(max_length=64, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    objects = ReportQuerySet.as_manager()

    def __str__(self) -> str:
        return f"reliability {self.session_id}"


class ReliabilityScore(models.Model):
    """One subject's score: an outlet, a cited source or a reviewer."""

    class SubjectKind(models.TextChoices):
        OUTLET = "outlet", "Outlet"
        CITED_SOURCE = "cited_source", "Cited source"
        REVIEWER = "reviewer", "Reviewer"

    report = models.ForeignKey(
        ReliabilityReport, on_delete=models.CASCADE, related_name="scores"
    )
    subject_kind = models.CharField(max_length=20, choices=SubjectKind.choices)
    subject_key = models.CharField(max_length=300)
    subject_label = models.CharField(max_length=300)
    metric = models.CharField(max_length=40)  # sourcing, accuracy, consistency…
    value = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField(default=0)
    insufficient = models.BooleanField(default=False)

    class Meta:
        ordering = ["report", "subject_kind", "metric", "-value"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "subject_kind", "subject_key", "metric"],
                name="reliabilityscore_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label} {self.metric}={self.value}"
