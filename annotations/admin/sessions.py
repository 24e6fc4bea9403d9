"""Admin of sessions, members, spans and review states (writes through the services)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from annotations import models
from annotations.services.errors import StaleVersion
from annotations.services.queue import QueueUnavailable
from annotations.services.recompute import (
    agreement_recompute_request,
    articles_changed,
    reliability_recompute_request,
)
from annotations.services.spans import (
    annotation_check,
    annotation_create,
    annotation_update_as_staff,
)


class MembershipInline(admin.TabularInline):
    model = models.SessionMembership
    extra = 1
    autocomplete_fields = ("user",)


class SessionArticleInline(admin.TabularInline):
    model = models.SessionArticle
    extra = 1
    autocomplete_fields = ("article",)


def _enqueue_for_sessions(modeladmin, request, session_ids, label):
    """Queue one forced recompute per session (through the services); report a
    down broker instead of failing."""
    sent = 0
    for session_id in session_ids:
        try:
            if label == "agreement":
                agreement_recompute_request(
                    session_id=session_id, article_ids=[], force=True
                )
            else:
                reliability_recompute_request(session_id=session_id, force=True)
        except QueueUnavailable as exc:
            modeladmin.message_user(
                request,
                f"Could not enqueue the {label} recompute of session {session_id}: "
                f"{exc}. The sweep will retry once the broker is back.",
                level=messages.ERROR,
            )
        else:
            sent += 1
    if sent:
        modeladmin.message_user(request, f"Enqueued {sent} {label} recompute(s).")


@admin.register(models.AnnotationSession)
class AnnotationSessionAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "scheme",
        "required_reviewers",
        "blind",
        "reviewer_feedback",
        "created_at",
    )
    list_filter = ("blind", "reviewer_feedback", "scheme")
    search_fields = ("name", "description")
    inlines = [MembershipInline, SessionArticleInline]
    actions = ["recompute_agreement", "recompute_reliability"]

    @admin.action(description="Recompute agreement (Celery)")
    def recompute_agreement(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        _enqueue_for_sessions(self, request, ids, "agreement")

    @admin.action(description="Recompute source reliability (Celery)")
    def recompute_reliability(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        _enqueue_for_sessions(self, request, ids, "reliability")


@admin.register(models.SessionMembership)
class SessionMembershipAdmin(admin.ModelAdmin):
    list_display = ("session", "user", "role")
    list_filter = ("role", "session")
    search_fields = ("user__username", "session__name")


class SpanAnnotationForm(forms.ModelForm):
    """Admin span edits: validated and written by the span service, like the API.

    `expected_version` (hidden) is the version the page was opened at: the
    service's compare-and-set refuses the save if the reviewer changed the
    span since, instead of silently overwriting their edit.
    """

    claim_type_code = forms.CharField(label="claim type code")
    sourcing_quality_code = forms.CharField(label="sourcing quality code")
    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1
    )

    class Meta:
        model = models.SpanAnnotation
        fields = (
            "session",
            "article",
            "reviewer",
            "start",
            "end",
            "quote",
            "cited_source",
            "note",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["claim_type_code"].initial = self.instance.claim_type.code
            self.fields[
                "sourcing_quality_code"
            ].initial = self.instance.sourcing_quality.code
            self.fields["expected_version"].initial = self.instance.version
            # A span stays where it was made: edit it, or delete it and add one.
            for name in ("session", "article", "reviewer"):
                self.fields[name].disabled = True

    def span_values(self) -> dict:
        """The span's values as the service takes them (labels by code)."""
        data = self.cleaned_data
        return {
            "start": data["start"],
            "end": data["end"],
            "quote": data["quote"],
            "claim_type": data["claim_type_code"],
            "sourcing_quality": data["sourcing_quality_code"],
            "cited_source": data.get("cited_source", ""),
            "note": data.get("note", ""),
        }

    def version_read(self) -> int:
        """The version the page showed (the stored one if the form omits it)."""
        return self.cleaned_data.get("expected_version") or self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.instance.pk and self.version_read() != self.instance.version:
            raise ValidationError(
                f"This span was changed since you opened it (version "
                f"{self.version_read()}, now {self.instance.version}): reload the "
                "page to see the reviewer's edit, then make yours."
            )
        # The checks of the write itself (it re-checks them when saving).
        annotation_check(
            session_id=cleaned["session"].pk,
            article_id=cleaned["article"].pk,
            reviewer=cleaned["reviewer"],
            span_id=self.instance.pk,
            **self.span_values(),
        )
        return cleaned


@admin.register(models.SpanAnnotation)
class SpanAnnotationAdmin(admin.ModelAdmin):
    form = SpanAnnotationForm
    list_display = (
        "id",
        "article",
        "reviewer",
        "start",
        "end",
        "short_quote",
        "claim_type",
        "sourcing_quality",
        "cited_source",
        "version",
    )
    list_filter = ("session", "claim_type", "sourcing_quality", "origin")
    search_fields = ("quote", "cited_source", "note", "reviewer__username")
    readonly_fields = ("version", "created_at", "updated_at")
    list_select_related = ("article", "reviewer", "claim_type", "sourcing_quality")

    def save_model(self, request, obj, form, change):
        """Write through the span service (it enqueues the recompute)."""
        if change:
            try:
                saved = annotation_update_as_staff(
                    span_id=obj.pk,
                    staff=request.user,
                    expected_version=form.version_read(),
                    **form.span_values(),
                )
            except StaleVersion as exc:
                # Changed between the form's check and the write: nothing saved.
                request.span_not_saved = True
                self.message_user(
                    request,
                    f"Not saved: the reviewer changed this span meanwhile "
                    f"(now version {exc.current}). Reload and edit again.",
                    level=messages.ERROR,
                )
                return
        else:
            saved = annotation_create(
                session_id=obj.session_id,
                article_id=obj.article_id,
                reviewer=obj.reviewer,
                **form.span_values(),
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def response_change(self, request, obj):
        if getattr(request, "span_not_saved", False):
            return HttpResponseRedirect(request.path)  # back to the form, no "saved"
        return super().response_change(request, obj)

    def delete_model(self, request, obj):
        session_id, article_id = obj.session_id, obj.article_id
        super().delete_model(request, obj)
        articles_changed(session_id=session_id, article_ids=[article_id])

    @admin.display(description="quote")
    def short_quote(self, obj):
        return obj.quote if len(obj.quote) <= 80 else obj.quote[:77] + "…"


@admin.register(models.ReviewState)
class ReviewStateAdmin(admin.ModelAdmin):
    list_display = ("session", "article", "reviewer", "done", "done_at")
    list_filter = ("done", "session")
    search_fields = ("reviewer__username", "article__title")
