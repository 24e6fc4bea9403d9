"""Admin of the corpus and the label scheme (articles, labels, questions, aliases)."""

from django import forms
from django.contrib import admin
from django.db.models import Count

from annotations import models
from annotations.services.article_questions import question_options_check
from annotations.services.articles import article_validate_text_change
from annotations.services.recompute import aliases_changed
from annotations.text import text_sha256


@admin.register(models.Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "article_count")
    search_fields = ("name", "domain")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_articles=Count("articles"))

    @admin.display(ordering="_articles", description="articles")
    def article_count(self, obj):
        return obj._articles


class ArticleForm(forms.ModelForm):
    class Meta:
        model = models.Article
        fields = (
            "external_id",
            "outlet",
            *models.ARTICLE_CONTENT_FIELDS,
        )

    def clean(self):
        cleaned = super().clean()
        if "text" in cleaned:
            article_validate_text_change(self.instance, cleaned["text"])
        return cleaned

    def save(self, commit=True):
        self.instance.text_sha256 = text_sha256(self.cleaned_data["text"])
        return super().save(commit=commit)


@admin.register(models.Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ("external_id", "title", "outlet", "published_text", "span_count")
    list_filter = ("outlet",)
    search_fields = ("external_id", "title", "byline", "text")
    readonly_fields = ("text_sha256", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_spans=Count("spans"))

    @admin.display(ordering="_spans", description="spans")
    def span_count(self, obj):
        return obj._spans


class ClaimTypeInline(admin.TabularInline):
    model = models.ClaimType
    extra = 0


class SourcingLevelInline(admin.TabularInline):
    model = models.SourcingLevel
    extra = 0


class ArticleQuestionForm(forms.ModelForm):
    """Options are checked against the question type (400-style field errors)."""

    class Meta:
        model = models.ArticleQuestion
        fields = ("code", "prompt", "type", "options", "help", "position")

    def clean(self):
        cleaned = super().clean()
        if "type" in cleaned and "options" in cleaned:
            question_options_check(type=cleaned["type"], options=cleaned["options"])
        return cleaned


class ArticleQuestionInline(admin.StackedInline):
    model = models.ArticleQuestion
    form = ArticleQuestionForm
    extra = 0


@admin.register(models.LabelScheme)
class LabelSchemeAdmin(admin.ModelAdmin):
    list_display = ("slug", "name")
    search_fields = ("slug", "name")
    inlines = [ClaimTypeInline, SourcingLevelInline, ArticleQuestionInline]


@admin.register(models.ArticleQuestion)
class ArticleQuestionAdmin(admin.ModelAdmin):
    form = ArticleQuestionForm
    fields = ("scheme", "code", "prompt", "type", "options", "help", "position")
    list_display = ("code", "scheme", "type", "position", "prompt")
    list_filter = ("scheme", "type")
    search_fields = ("code", "prompt")


@admin.register(models.SourceAlias)
class SourceAliasAdmin(admin.ModelAdmin):
    """Aliases merge cited sources: every change sends the reports to recompute."""

    list_display = ("alias", "canonical")
    search_fields = ("alias", "canonical")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        aliases_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        aliases_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        aliases_changed()
