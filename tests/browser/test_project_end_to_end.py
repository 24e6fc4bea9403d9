"""A whole project in Chromium, one chain: from a lead's own files to an export.

A lead signs in, uploads three HTML pages and one CSV on the Library page,
checks and corrects the extracted metadata, imports; creates a `balanced`
session with k = 2 and three reviewers over those articles; each reviewer
sees exactly their queue and walks it with Next article, and is refused an
article not assigned to them; the lead then exports from the Export button
(a real Celery worker runs the job) and downloads the file.
"""

import json
import os
import shutil

import pytest
from django.contrib.auth.models import Permission

from annotations.models import (
    AnnotationSession,
    Article,
    Assignment,
    ExportJob,
    SpanAnnotation,
)
from annotations.services.schemes import scheme_ensure_default
from annotations.services.sessions_admin import session_create
from annotations.services.spans import annotation_create
from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_sessions_admin import _assigned, _new_context, _walk_queue
from tests.factories import ArticleFactory, UserFactory
from tests.plugins.intake import HTML_DIR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-123"  # the factories' password
SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"
PAGES = ("floods_opengraph.html", "talks_jsonld.html", "budget_microdata.html")
CSV = (
    "text,title,outlet,byline,published\n"
    '"Wheat prices rose again on Tuesday, traders said.",Wheat prices rise,'
    "Market Wire,Staff reporter,2026-03-01\n"
    '"The central bank held its policy rate at 11 percent.",Rate on hold,'
    "Market Wire,,2026-03-02\n"
)
CORRECTED = "Ayesha Khan, Karachi"


def _screenshot(page, name: str) -> None:
    """`name` under test-artifacts/, and into docs/ with UPDATE_SCREENSHOTS=1."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / name)


def page_bytes(name: str) -> bytes:
    return (HTML_DIR / name).read_bytes()


def _people():
    scheme_ensure_default()  # a live-server test meets a flushed database
    lead = UserFactory(username="lead_lena")
    lead.user_permissions.add(
        Permission.objects.get(
            codename="manage_sessions", content_type__app_label="annotations"
        )
    )
    reviewers = [UserFactory(username=f"rev_{name}") for name in ("ana", "ben", "cai")]
    return lead, reviewers


def _upload_check_correct_import(page, live_server) -> None:
    page.click('[data-testid="nav-library"]')
    page.wait_for_url(f"{live_server.url}/library/")
    page.set_input_files(
        '[data-testid="intake-files"]',
        [
            {"name": name, "mimeType": "text/html", "buffer": page_bytes(name)}
            for name in PAGES
        ]
        + [{"name": "prices.csv", "mimeType": "text/csv", "buffer": CSV.encode()}],
    )
    assert page.locator('[data-testid="intake-chosen"] li').count() == 4
    page.click('[data-testid="intake-preview"]')
    rows = page.locator('[data-testid="intake-preview-table"] tbody tr')
    rows.first.wait_for()
    assert rows.count() == 5 and Article.objects.count() == 0
    floods = page.locator('tr:has(td:text-is("floods_opengraph.html"))')
    byline = floods.locator('[data-testid="preview-byline"]')
    assert byline.input_value() == "Ayesha Khan"
    assert floods.locator('[data-testid="preview-outlet"]').input_value() == (
        "Daily Meridian"
    )
    assert floods.locator('[data-testid="preview-published"]').input_value() == (
        "2024-08-12"
    )
    byline.fill(CORRECTED)
    _screenshot(page, "project-1-library-preview.png")
    page.click('[data-testid="intake-confirm"]')
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=library-title]').length === 5"
    )
    assert "Imported 5 articles" in page.inner_text('[data-testid="intake-status"]')
    assert Article.objects.get(title__startswith="Floods").byline == CORRECTED
    _screenshot(page, "project-2-library.png")


def _create_balanced_session(page, live_server, reviewers) -> AnnotationSession:
    page.goto(f"{live_server.url}/")
    page.click("[data-testid=new-session-link]")
    page.wait_for_url(f"{live_server.url}/sessions/new/")
    page.fill("#id_name", "My own project")
    page.fill("#id_required_reviewers", "2")
    page.check("#id_assignment_balanced")
    for reviewer in reviewers:
        page.select_option(f"#role_{reviewer.pk}", "reviewer")
    page.click("[data-check-shown='#article-list']")
    assert page.locator("#article-list input[name=articles]:checked").count() == 5
    _screenshot(page, "project-3-new-session.png")
    with page.expect_navigation():
        page.click("[data-testid=create-session]")
    errors = page.locator("[data-testid=form-errors]")
    assert errors.count() == 0, errors.inner_text()
    page.wait_for_url("**/manage/")
    assert page.locator("[data-testid=assignment-matrix] tbody tr").count() == 5
    _screenshot(page, "project-4-assignment-matrix.png")
    return AnnotationSession.objects.get(name="My own project")


def _reviewers_walk_their_queues(browser, live_server, session, reviewers) -> None:
    every = set(Article.objects.values_list("pk", flat=True))
    for reviewer in reviewers:
        expected = _assigned(session, reviewer)
        context, other, refused = _new_context(browser)
        try:
            login(other, live_server, reviewer.username, PASSWORD)
            _walk_queue(other, live_server, session, expected)
            if reviewer == reviewers[0]:
                _screenshot(other, "project-5-my-queue.png")
            # The session page lists their articles only (the others hidden).
            other.goto(f"{live_server.url}/sessions/{session.pk}/")
            listed = other.locator("tr[data-article-id]").evaluate_all(
                "(rows) => rows.map((row) => Number(row.dataset.articleId))"
            )
            assert sorted(listed) == sorted(expected)
            stranger = min(every - set(expected))
            url = f"{live_server.url}/sessions/{session.pk}/articles/{stranger}/"
            assert other.goto(url).status == 404
            api = f"{live_server.url}/api/sessions/{session.pk}/articles/{stranger}/"
            assert other.request.get(api).status == 403
            assert refused == []
        finally:
            context.close()


def _export_and_download(page, live_server, session) -> list[dict]:
    # A lead without a role in the session: its page is the management page.
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    page.wait_for_url("**/manage/")
    page.click("[data-testid=export-button]")
    page.wait_for_selector("[data-testid=export-form]:not([hidden])")
    page.select_option("[data-testid=export-format]", "jsonl")
    page.click("[data-testid=export-start]")
    page.wait_for_function(
        "() => document.getElementById('export-state').dataset.status === 'done'",
        timeout=60_000,
    )
    assert page.get_attribute("[data-testid=export-progress]", "value") == "100"
    with page.expect_download() as download_info:
        page.click("[data-testid=export-download]")
    download = download_info.value
    assert download.suggested_filename.endswith(".jsonl")
    _screenshot(page, "project-6-export.png")
    page.set_viewport_size({"width": 390, "height": 844})
    panel = page.locator("#export-panel")
    panel.scroll_into_view_if_needed()
    width = page.evaluate("() => document.getElementById('export-panel').scrollWidth")
    assert width <= 390
    panel.screenshot(path=str(ARTIFACTS / "project-6-export-390.png"))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(
            ARTIFACTS / "project-6-export-390.png",
            SCREENSHOTS / "project-6-export-390.png",
        )
    page.set_viewport_size({"width": 1366, "height": 768})
    with open(download.path(), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle.read().splitlines()]


@pytest.mark.worker
def test_a_lead_runs_a_project_from_own_files_to_an_exported_file(
    page, browser, live_server, celery_worker_process
):
    lead, reviewers = _people()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server, lead.username, PASSWORD)
    _upload_check_correct_import(page, live_server)

    session = _create_balanced_session(page, live_server, reviewers)
    assert session.assignment == "balanced" and session.required_reviewers == 2
    assert session.created_by == lead
    for article in Article.objects.all():
        pairs = Assignment.objects.filter(session=session, article=article)
        assert pairs.values("reviewer").distinct().count() == 2
    # 5 articles x k = 2 = 10 places over three reviewers: loads 4, 3, 3.
    assert sorted(len(_assigned(session, r)) for r in reviewers) == [3, 3, 4]

    _reviewers_walk_their_queues(browser, live_server, session, reviewers)

    records = _export_and_download(page, live_server, session)
    job = ExportJob.objects.get()
    assert job.created_by == lead and job.status == "done"
    assert len(records) == 5
    by_title = {record["metadata"]["title"]: record for record in records}
    floods = by_title["Floods displace thousands in Sindh as rains continue"]
    assert floods["metadata"]["byline"] == CORRECTED
    assert "Wheat prices rise" in by_title and "Rate on hold" in by_title
    assert page.js_errors == []


def test_a_lead_confirms_before_taking_started_work_away(page, live_server):
    """Reassigning an article away from a reviewer with spans asks first; the
    spans stay, marked unassigned in the matrix."""
    lead, (ana, ben, cai) = _people()
    quote = "the talks are over"
    articles = [
        ArticleFactory(title=f"Story {n}", text=f"Story {n}: “{quote}” on Friday.")
        for n in range(3)
    ]
    session = session_create(
        creator=lead,
        name="Started",
        required_reviewers=2,
        assignment="balanced",
        members=[{"user": r.pk, "role": "reviewer"} for r in (ana, ben, cai)],
        articles=[a.pk for a in articles],
    )
    first = articles[0]
    assert set(_assigned_to(session, first)) == {ana.pk, ben.pk}
    start = first.text.index(quote)
    annotation_create(
        session_id=session.pk,
        article_id=first.pk,
        reviewer=ana,
        start=start,
        end=start + len(quote),
        quote=quote,
        claim_type="quantity",
        sourcing_quality="named_on_record",
        cited_source="",
    )
    login(page, live_server, lead.username, PASSWORD)
    page.goto(f"{live_server.url}/sessions/{session.pk}/manage/")
    row = page.locator(f"tr[data-article-id='{first.pk}']")
    dialog = page.locator("#reassign-confirm")
    for answer, expected in (("cancel", {ana.pk, ben.pk}), ("confirm", None)):
        row.locator(f"input[value='{ana.pk}']").uncheck()
        row.locator(f"input[value='{cai.pk}']").check()
        row.locator("button:text-is('Reassign')").click()
        dialog.wait_for(state="visible")
        assert "rev_ana (1 span) already annotated" in dialog.inner_text()
        if answer == "cancel":
            _screenshot(page, "project-reassign-confirm.png")
            dialog.locator("button[value=cancel]").click()
            assert set(_assigned_to(session, first)) == expected
            page.reload()
            row = page.locator(f"tr[data-article-id='{first.pk}']")
        else:
            with page.expect_navigation():
                dialog.locator("[data-testid=confirm-reassign]").click()
    assert set(_assigned_to(session, first)) == {ben.pk, cai.pk}
    assert SpanAnnotation.objects.filter(article=first, reviewer=ana).count() == 1
    cell = page.locator(f"tr[data-article-id='{first.pk}'] td[data-reviewer=rev_ana]")
    assert "1 unassigned" in cell.inner_text()
    assert page.js_errors == []


def _assigned_to(session, article) -> list[int]:
    return list(
        Assignment.objects.filter(session=session, article=article).values_list(
            "reviewer_id", flat=True
        )
    )
