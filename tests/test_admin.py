"""The Django admin: every model's pages load; edits use the service rules."""

import pytest
from django.contrib import admin
from django.urls import reverse

from annotations.admin import ReadOnlyAdmin
from annotations.models import (
    AgreementReport,
    Article,
    ReliabilityReport,
    SpanAnnotation,
)
from annotations.services.reliability import reliability_recompute
from annotations.services.spans import annotation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def asif_span(session, article, reviewer, **values):
    """Reviewer's span on the first word, "Asif", of the emoji article."""
    return annotation_create(
        session_id=session.pk,
        article_id=article.pk,
        reviewer=reviewer,
        start=0,
        end=4,
        quote="Asif",
        claim_type="other",
        sourcing_quality="unsupported",
        **values,
    )


def test_every_registered_model_has_working_list_and_add_pages(
    staff_client, team_session
):
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert staff_client.get(changelist).status_code == 200, changelist
        add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        # django-axes's login records are read-only too (unlocking = deleting).
        read_only = isinstance(model_admin, ReadOnlyAdmin) or meta.app_label == "axes"
        expected = 403 if read_only else 200
        assert staff_client.get(add).status_code == expected, add


def test_admin_refuses_to_change_annotated_text(
    staff_client, team_session, emoji_article, reviewer_a
):
    asif_span(team_session, emoji_article, reviewer_a)
    url = reverse("admin:annotations_article_change", args=[emoji_article.pk])
    response = staff_client.post(
        url,
        {
            "external_id": emoji_article.external_id,
            "title": "t",
            "text": "New text",
            "byline": "",
            "published_text": "",
            "url": "",
            "outlet": "",
        },
    )
    assert response.status_code == 200
    assert "cannot change" in response.content.decode()
    assert Article.objects.get(pk=emoji_article.pk).text == emoji_article.text


def test_admin_span_edit_checks_the_quote(
    staff_client, team_session, emoji_article, reviewer_a
):
    span = asif_span(team_session, emoji_article, reviewer_a)
    url = reverse("admin:annotations_spanannotation_change", args=[span.pk])
    form = {
        "session": team_session.pk,
        "article": emoji_article.pk,
        "reviewer": reviewer_a.pk,
        "start": 0,
        "end": 4,
        "quote": "Nope",
        "claim_type_code": "other",
        "sourcing_quality_code": "unsupported",
        "cited_source": "",
        "note": "",
    }
    response = staff_client.post(url, form)
    assert response.status_code == 200 and "Does not match" in response.content.decode()
    assert SpanAnnotation.objects.get(pk=span.pk).quote == "Asif"
    response = staff_client.post(url, {**form, "quote": "Asif", "note": "checked"})
    assert response.status_code == 302
    span.refresh_from_db()
    assert (span.note, span.version) == ("checked", 2)


def test_admin_recompute_action_runs_the_agreement_task(
    staff_client, team_session, settings
):
    from workbench.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        response = staff_client.post(
            reverse("admin:annotations_annotationsession_changelist"),
            {"action": "recompute_agreement", "_selected_action": [team_session.pk]},
        )
    finally:
        app.conf.task_always_eager = previous
    assert response.status_code == 302
    assert AgreementReport.objects.filter(
        session=team_session, article__isnull=True
    ).exists()


def test_admin_alias_change_recomputes_reliability(
    staff_client,
    team_session,
    emoji_article,
    reviewer_a,
    django_capture_on_commit_callbacks,
):
    """An alias merges sources: saving one sends agreement and reliability to run."""
    from workbench.celery import app

    asif_span(
        team_session, emoji_article, reviewer_a, cited_source="Khawaja Muhammad Asif"
    )
    before = reliability_recompute(session_id=team_session.pk).fingerprint
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                reverse("admin:annotations_sourcealias_add"),
                {"alias": "Khawaja Muhammad Asif", "canonical": "Khawaja Asif"},
            )
            # Inside the admin's transaction every report went stale.
            assert ReliabilityReport.objects.get(session=team_session).stale
    finally:
        app.conf.task_always_eager = previous
    assert response.status_code == 302
    report = ReliabilityReport.objects.get(session=team_session)
    assert report.stale is False and report.computed_at is not None
    assert report.fingerprint != before
