"""Data model: corpus, label scheme, sessions, spans, and the derived layers."""

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone


class DocumentField(models.JSONField):
    """A JSONField that bulk_create inserts one document per placeholder.

    On PostgreSQL, Django 5.2 bulk-inserts rows as UNNEST(%s::jsonb[]); psycopg
    then writes the array literal escaping every quote of every document with a
    regex substitution, which made storing large documents (report payloads,
    score evidence) most of a cold recompute. A field with `get_placeholder`
    makes Django use plain VALUES rows, where each document is sent as jsonb.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class Outlet(models.Model):
    """The publisher of an article."""

    name = models.CharField(max_length=200, unique=True)
    domain = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """One news article; its text is immutable once annotated."""

    external_id = models.SlugField(max_length=100, unique=True)
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(max_length=500, blank=True)
    byline = models.CharField(max_length=300, blank=True)
    # The date exactly as the article states it, and its parsed form if any.
    published_text = models.CharField(max_length=100, blank=True)
    published_date = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    # Reading direction; blank: detected from the text (text.text_direction).
    direction = models.CharField(
        max_length=3,
        blank=True,
        default="",
        choices=[
            ("", "Detect from the text"),
            ("ltr", "Left to right"),
            ("rtl", "Right to left"),
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["external_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(text_sha256__regex=r"^[0-9a-f]{64}$"),
                name="article_sha256_hex",
            ),
        ]
        # The intake's duplicate checks look articles up by text and by URL.
        indexes = [
            models.Index(fields=["text_sha256"], name="article_text_sha256"),
            models.Index(fields=["url"], name="article_url"),
        ]

    def __str__(self) -> str:
        return self.title or self.external_id

    @property
    def display_title(self) -> str:
        return self.title or f"Untitled article {self.external_id}"


class LabelScheme(models.Model):
    """A named set of claim types and sourcing levels, editable as data."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class ClaimType(models.Model):
    """A nominal claim-type label (after Full Fact's schema)."""

    scheme = models.ForeignKey(
        LabelScheme, on_delete=models.CASCADE, related_name="claim_types"
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    color = models.CharField(max_length=7, default="#888888")
    shortcut = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["scheme", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="claimtype_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="claimtype_color"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class SourcingLevel(models.Model):
    """An ordinal sourcing-quality level; rank 1 is the best."""

    scheme = models.ForeignKey(
        LabelScheme, on_delete=models.CASCADE, related_name="sourcing_levels"
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    rank = models.PositiveSmallIntegerField()
    # Optional score in [0, 1] for reliability; null = evenly spaced by rank.
    weight = models.FloatField(null=True, blank=True)
    shortcut = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["scheme", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="sourcinglevel_unique_code"
            ),
            models.UniqueConstraint(
                fields=["scheme", "rank"], name="sourcinglevel_unique_rank"
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="sourcinglevel_rank"),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=0, weight__lte=1),
                name="sourcinglevel_weight_unit_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ArticleQuestion(models.Model):
    """An article-level question of a scheme (a credibility indicator).

    ``options`` is the ordered list of ``{"code", "label"}`` choices (worst to
    best for an ordinal question); a boolean question answers true/false and
    its options are the fixed yes/no (see `services/article_answers.py`).
    """

    class Type(models.TextChoices):
        NOMINAL = "nominal", "Nominal (one choice)"
        ORDINAL = "ordinal", "Ordinal (one point of an ordered scale)"
        MULTI = "multi", "Multi-select (a set of choices)"
        BOOLEAN = "boolean", "Yes / no"

    scheme = models.ForeignKey(
        LabelScheme, on_delete=models.CASCADE, related_name="article_questions"
    )
    code = models.SlugField(max_length=50)
    prompt = models.CharField(max_length=300)
    type = models.CharField(max_length=10, choices=Type.choices)
    options = models.JSONField(default=list, blank=True)
    help = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="articlequestion_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(type__in=["nominal", "ordinal", "multi", "boolean"]),
                name="articlequestion_type_valid",
            ),
        ]

    BOOLEAN_OPTIONS = ({"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"})

    def __str__(self) -> str:
        return self.code

    @classmethod
    def shown_options(cls, type: str, options) -> list[dict]:
        """The ordered options a client shows (boolean: the fixed yes/no)."""
        if type == cls.Type.BOOLEAN:
            return [dict(option) for option in cls.BOOLEAN_OPTIONS]
        return list(options or [])


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


# --- Derived layers: written by the agreement and adjudication services --------


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


class SourceAlias(models.Model):
    """Maps a normalised spelling of a cited source to its canonical name."""

    alias = models.CharField(max_length=300, unique=True)
    canonical = models.CharField(max_length=300)

    class Meta:
        ordering = ["canonical", "alias"]
        verbose_name_plural = "source aliases"

    def __str__(self) -> str:
        return f"{self.alias} → {self.canonical}"


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
                fields=[
                    "report",
                    "dimension",
                    "metric",
                    "label",
                    "reviewer_a",
                    "reviewer_b",
                ],
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
    evidence = DocumentField(default=list, blank=True)

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


class ExportJob(models.Model):
    """A corpus export run in the background, producing a downloadable file."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    format = models.CharField(max_length=20)
    params = DocumentField(default=dict)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(default=0)
    file_name = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a run starts and at every chunk: a running job whose heartbeat
    # is older than EXPORT_LEASE_SECONDS lost its worker (services/exports.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
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


# --- Discussion on claims: unit threads, read markers, article notes ------------


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


# --- Article intake: background import jobs -------------------------------------


class ImportJob(models.Model):
    """A large article import run by a worker; `results` is the API's answer."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # dry_run, partial, normalize, metadata, corrections, urls.
    options = DocumentField(default=dict)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    results = DocumentField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

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


# --- Article questions: answers per reviewer, gold answers -----------------------


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
