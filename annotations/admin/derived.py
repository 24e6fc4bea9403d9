"""Admin of the derived layers: units, gold, facts, reports, jobs, answers."""

from django.contrib import admin

from annotations import models
from annotations.admin.sessions import _enqueue_for_sessions


@admin.register(models.AgreementUnit)
class AgreementUnitAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "session",
        "article",
        "start",
        "end",
        "status",
        "reviewer_count",
    )
    list_filter = ("status", "session")
    search_fields = ("key",)
    readonly_fields = [f.name for f in models.AgreementUnit._meta.fields]


@admin.register(models.GoldSpan)
class GoldSpanAdmin(admin.ModelAdmin):
    list_display = (
        "unit_key",
        "article",
        "decision",
        "claim_type",
        "sourcing_quality",
        "verdict",
        "revision",
        "is_current",
        "decided_by",
        "decided_at",
    )
    list_filter = ("decision", "verdict", "is_current", "session")
    search_fields = ("quote", "cited_source", "unit_key")
    readonly_fields = [f.name for f in models.GoldSpan._meta.fields]


class FactLinkInline(admin.TabularInline):
    model = models.FactLink
    extra = 0


@admin.register(models.Fact)
class FactAdmin(admin.ModelAdmin):
    list_display = ("label", "session", "created_by", "created_at")
    search_fields = ("label",)
    inlines = [FactLinkInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.AgreementReport)
class AgreementReportAdmin(ReadOnlyAdmin):
    list_display = ("session", "article", "stale", "computed_at", "duration_ms")
    list_filter = ("marked_stale", "session")
    actions = ["recompute_sessions"]

    @admin.action(description="Recompute these reports' sessions (Celery)")
    def recompute_sessions(self, request, queryset):
        ids = sorted(set(queryset.values_list("session_id", flat=True)))
        _enqueue_for_sessions(self, request, ids, "agreement")


@admin.register(models.AgreementMetric)
class AgreementMetricAdmin(ReadOnlyAdmin):
    list_display = ("report", *models.METRIC_FIELDS)
    list_filter = ("dimension", "metric")


@admin.register(models.ReliabilityReport)
class ReliabilityReportAdmin(ReadOnlyAdmin):
    list_display = ("session", "stale", "excluded_count", "computed_at", "duration_ms")


@admin.register(models.ReliabilityScore)
class ReliabilityScoreAdmin(ReadOnlyAdmin):
    list_display = (
        "subject_label",
        "subject_kind",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "insufficient",
    )
    list_filter = ("subject_kind", "metric", "insufficient")
    search_fields = ("subject_label", "subject_key")


@admin.register(models.ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "format", "status", "progress", "created_by", "created_at")
    list_filter = ("status", "format")


@admin.register(models.ArticleAnswers)
class ArticleAnswersAdmin(ReadOnlyAdmin):
    list_display = ("session", "article", "reviewer", "version", "updated_at")
    list_filter = ("session",)


@admin.register(models.GoldAnswer)
class GoldAnswerAdmin(ReadOnlyAdmin):
    list_display = ("session", "article", "question_code", "decided_by", "decided_at")
    list_filter = ("session", "question_code")
