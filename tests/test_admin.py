"""The Django admin: every model's pages load; edits use the service rules."""

import threading

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from annotations.admin import ReadOnlyAdmin
from annotations.models import (
    AgreementReport,
    Article,
    ReliabilityReport,
    SpanAnnotation,
)
from annotations.services.errors import StaleVersion
from annotations.services.reliability import reliability_recompute
from annotations.services.spans import (
    annotation_create,
    annotation_update,
    annotation_update_as_staff,
)
from tests.api.conftest import make_span
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, UserFactory, session_with_team

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


def test_admin_edit_from_a_stale_page_cannot_overwrite_the_reviewers_edit(
    staff_client, staff, team_session, emoji_article, reviewer_a
):
    span = asif_span(team_session, emoji_article, reviewer_a)
    url = reverse("admin:annotations_spanannotation_change", args=[span.pk])
    page = staff_client.get(url).content.decode()
    # The page carries the version it shows, to send back with the edit.
    assert 'name="expected_version" value="1"' in page
    # The reviewer edits the span meanwhile (version 1 -> 2).
    annotation_update(
        span_id=span.pk, actor=reviewer_a, expected_version=1, note="reviewer's"
    )
    form = {
        "session": team_session.pk,
        "article": emoji_article.pk,
        "reviewer": reviewer_a.pk,
        "start": 0,
        "end": 4,
        "quote": "Asif",
        "claim_type_code": "quoted_statement",
        "sourcing_quality_code": "unsupported",
        "cited_source": "",
        "note": "admin's",
        "expected_version": 1,
    }
    response = staff_client.post(url, form)
    assert response.status_code == 200
    assert "changed since you opened it" in response.content.decode()
    span.refresh_from_db()
    assert (span.note, span.claim_type.code, span.version) == ("reviewer's", "other", 2)
    # Reloaded at version 2, the same edit goes through the service (version 3).
    response = staff_client.post(url, {**form, "expected_version": 2})
    assert response.status_code == 302
    span.refresh_from_db()
    assert (span.note, span.claim_type.code, span.version) == (
        "admin's",
        "quoted_statement",
        3,
    )


def test_admin_write_is_a_compare_and_set_even_after_its_check(
    staff, team_session, emoji_article, reviewer_a
):
    """The race between the form's check and the write: the service's
    conditional UPDATE refuses the stale version, and staff only may use it."""
    span = asif_span(team_session, emoji_article, reviewer_a)
    annotation_update(span_id=span.pk, actor=reviewer_a, expected_version=1, note="r")
    with pytest.raises(StaleVersion):
        annotation_update_as_staff(
            span_id=span.pk, staff=staff, expected_version=1, note="admin"
        )
    with pytest.raises(PermissionDenied):
        annotation_update_as_staff(
            span_id=span.pk, staff=reviewer_a, expected_version=2, note="admin"
        )
    span.refresh_from_db()
    assert (span.note, span.version) == ("r", 2)


def test_admin_add_and_duplicate_go_through_the_span_service(
    staff_client, team_session, emoji_article, reviewer_a
):
    url = reverse("admin:annotations_spanannotation_add")
    form = {
        "session": team_session.pk,
        "article": emoji_article.pk,
        "reviewer": reviewer_a.pk,
        "start": 0,
        "end": 4,
        "quote": "Asif",
        "claim_type_code": "other",
        "sourcing_quality_code": "unsupported",
        "cited_source": "  Asif   himself ",
        "note": "",
    }
    assert staff_client.post(url, form).status_code == 302
    span = SpanAnnotation.objects.get()
    assert (span.version, span.cited_source) == (1, "Asif himself")  # service-cleaned
    response = staff_client.post(url, form)
    assert response.status_code == 200
    assert "already have a span" in response.content.decode()
    assert SpanAnnotation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_admin_and_reviewer_racing_on_one_version_exactly_one_wins(settings):
    """Two PostgreSQL transactions at once, the admin's POST and the reviewer's
    PATCH, both from version v: one is saved, the other refused, none lost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reviewer = UserFactory(username="racer")
    staff_user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    article = ArticleFactory(text="Asif said the talks are over on Friday.")
    session = session_with_team(articles=[article], reviewers=[reviewer])
    span = make_span(session, article, reviewer, quote="the talks are over")
    url = reverse("admin:annotations_spanannotation_change", args=[span.pk])
    for round_number in range(4):
        version = SpanAnnotation.objects.get(pk=span.pk).version
        barrier = threading.Barrier(2)
        results: dict[str, int] = {}

        def as_admin(note, version=version, barrier=barrier, results=results):
            try:
                client = Client()
                client.force_login(staff_user)
                form = {
                    "start": span.start,
                    "end": span.end,
                    "quote": span.quote,
                    "claim_type_code": span.claim_type.code,
                    "sourcing_quality_code": span.sourcing_quality.code,
                    "cited_source": "",
                    "note": note,
                    "expected_version": version,
                }
                barrier.wait(timeout=10)
                response = client.post(url, form)
                # 302 and no "Not saved" message: the admin's edit was stored.
                saved = response.status_code == 302 and response.url.endswith(
                    "/spanannotation/"
                )
                results[note] = 200 if saved else 409
            finally:
                connection.close()

        def as_reviewer(note, version=version, barrier=barrier, results=results):
            try:
                client = api_client_for(reviewer)
                barrier.wait(timeout=10)
                response = client.patch(
                    f"/api/sessions/{session.pk}/spans/{span.pk}/",
                    {"note": note, "version": version},
                    format="json",
                )
                results[note] = response.status_code
            finally:
                connection.close()

        threads = [
            threading.Thread(target=as_admin, args=(f"admin-{round_number}",)),
            threading.Thread(target=as_reviewer, args=(f"reviewer-{round_number}",)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results.values()) == [200, 409], results
        winner = next(note for note, code in results.items() if code == 200)
        stored = SpanAnnotation.objects.get(pk=span.pk)
        assert (stored.note, stored.version) == (winner, version + 1)
