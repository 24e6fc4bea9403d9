"""The library in Chromium: a lead uploads pages and a CSV, corrects, imports."""

import base64
import os
import shutil

import pytest
from django.contrib.auth.models import Permission

from annotations.models import Article
from tests.browser.conftest import ARTIFACTS, login
from tests.factories import UserFactory
from tests.plugins.intake import HTML_DIR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECT_SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"
CSV = (
    "text,title,outlet,byline,published\n"
    '"Wheat prices rose again on Tuesday, traders said.",Wheat prices rise,'
    "Market Wire,Staff reporter,2026-03-01\n"
    '"The central bank held its policy rate at 11 percent.",Rate on hold,'
    "Market Wire,,2026-03-02\n"
)

DROP_JS = """
([files]) => {
  const transfer = new DataTransfer();
  for (const [name, type, data] of files) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, { type }));
  }
  const zone = document.querySelector('[data-testid="dropzone"]');
  for (const kind of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent(kind, init));
  }
}
"""


def _lead():
    user = UserFactory(username="lead")
    user.user_permissions.add(
        Permission.objects.get(
            codename="manage_sessions", content_type__app_label="annotations"
        )
    )
    return user


def _screenshot(page, name: str, *, readme: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    if readme and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, PROJECT_SCREENSHOTS / name)


def _drop(page, files):
    encoded = [
        [name, kind, base64.b64encode(data).decode("ascii")]
        for name, kind, data in files
    ]
    page.evaluate(DROP_JS, [encoded])


def test_lead_uploads_previews_corrects_and_imports(page, live_server):
    _lead()
    login(page, live_server, "lead", "pw-test-123")
    page.click('[data-testid="nav-library"]')
    page.wait_for_url(f"{live_server.url}/library/")
    assert "No articles yet" in page.inner_text('[data-testid="library-table"]')

    # Two pages through the file input, one page and the CSV dropped on the zone.
    page.set_input_files(
        '[data-testid="intake-files"]',
        [str(HTML_DIR / "floods_opengraph.html"), str(HTML_DIR / "talks_jsonld.html")],
    )
    _drop(
        page,
        [
            (
                "budget.html",
                "text/html",
                (HTML_DIR / "budget_microdata.html").read_bytes(),
            ),
            ("prices.csv", "text/csv", CSV.encode("utf-8")),
        ],
    )
    assert page.locator('[data-testid="intake-chosen"] li').count() == 4

    page.click('[data-testid="intake-preview"]')
    rows = page.locator('[data-testid="intake-preview-table"] tbody tr')
    rows.first.wait_for()
    assert rows.count() == 5
    assert Article.objects.count() == 0  # the preview wrote nothing
    assert "5 new, 0 duplicate, 0 with errors" in page.inner_text(
        '[data-testid="intake-status"]'
    )

    floods = page.locator('tr:has(td:text-is("floods_opengraph.html"))')
    byline = floods.locator('[data-testid="preview-byline"]')
    assert byline.input_value() == "Ayesha Khan"
    assert floods.locator('[data-testid="preview-outlet"]').input_value() == (
        "Daily Meridian"
    )
    assert floods.locator('[data-testid="preview-published"]').input_value() == (
        "2024-08-12"
    )
    byline.fill("Ayesha Khan, Karachi")
    talks = page.locator('tr:has(td:text-is("talks_jsonld.html"))')
    assert talks.locator('[data-testid="preview-title"]').input_value() == (
        "Talks collapse but ceasefire holds, spokesman says"
    )

    page.set_viewport_size({"width": 1366, "height": 768})
    _screenshot(page, "library-preview.png")
    page.click('[data-testid="intake-confirm"]')
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=library-title]').length === 5"
    )
    assert "Imported 5 articles" in page.inner_text('[data-testid="intake-status"]')
    titles = page.locator('[data-testid="library-title"]').all_inner_texts()
    assert "Floods displace thousands in Sindh as rains continue" in titles
    assert "Wheat prices rise" in titles
    table = page.inner_text('[data-testid="library-table"]')
    assert "Ayesha Khan, Karachi" in table and "The Ledger" in table
    assert Article.objects.get(title__startswith="Floods").byline == (
        "Ayesha Khan, Karachi"
    )
    assert page.js_errors == []
    assert not page.locator("#intake-progress-line").is_visible()

    _screenshot(page, "library.png")
    page.set_viewport_size({"width": 390, "height": 844})
    _screenshot(page, "library-390.png", readme=False)


def test_reviewer_is_refused_the_library(page, live_server):
    UserFactory(username="someone")
    login(page, live_server, "someone", "pw-test-123")
    assert page.locator('[data-testid="nav-library"]').count() == 0
    response = page.goto(f"{live_server.url}/library/")
    assert response.status == 403
    assert page.locator('[data-testid="forbidden"]').is_visible()


@pytest.mark.worker
def test_a_large_upload_shows_a_progress_bar(
    page, live_server, settings, celery_worker_process
):
    settings.ARTICLE_IMPORT_ASYNC_ITEMS = 10
    _lead()
    rows = "".join(
        f"Background article {number}.,Job {number}\n" for number in range(40)
    )
    login(page, live_server, "lead", "pw-test-123")
    page.goto(f"{live_server.url}/library/")
    page.set_input_files(
        '[data-testid="intake-files"]',
        files=[
            {
                "name": "many.csv",
                "mimeType": "text/csv",
                "buffer": ("text,title\n" + rows).encode("utf-8"),
            }
        ],
    )
    page.click('[data-testid="intake-preview"]')
    page.wait_for_selector('[data-testid="intake-progress"]', state="visible")
    table = page.locator('[data-testid="intake-preview-table"] tbody tr')
    table.first.wait_for()
    assert table.count() == 40
    assert Article.objects.count() == 0
    page.click('[data-testid="intake-confirm"]')
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=library-title]').length === 40"
    )
    assert "Imported 40 articles" in page.inner_text('[data-testid="intake-status"]')
    assert Article.objects.count() == 40
