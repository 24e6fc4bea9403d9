"""The Export panel in Chromium: start a job on a real worker, watch it, download it."""

import json
import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from annotations.models import AgreementUnit, Article, ExportJob
from annotations.services.agreement import agreement_recompute
from annotations.services.review import review_state_set
from annotations.services.seeds import DEMO_PASSWORD, demo_setup
from annotations.services.spans import annotation_create
from tests.browser.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECT_SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"
ARTICLE = "003_347a960315ef51da"
AGREED = "recent clashes have left 50 Afghan civilians dead and over 440 wounded"
REVIEWERS = ("reviewer1", "reviewer2", "reviewer3")

# Every value the progress bar and its state line take, in order.
WATCH_JS = """
() => {
  window.exportStates = [];
  const target = document.getElementById("export-state");
  new MutationObserver(() => {
    const text = target.textContent;
    if (text && window.exportStates.at(-1) !== text) window.exportStates.push(text);
  }).observe(target, { childList: true, characterData: true, subtree: true });
}
"""


def _screenshot(page, name: str, *, panel: bool = False) -> None:
    """The viewport (or only the Export panel) as `name` under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    if panel:
        page.locator("#export-panel").screenshot(path=str(path))
    else:
        page.screenshot(path=str(path))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, PROJECT_SCREENSHOTS / name)


@pytest.fixture
def agreed_session(transactional_db, settings):
    """The demo session where all three reviewers marked one claim alike."""
    settings.AGREEMENT_DEBOUNCE_SECONDS = 600
    session = demo_setup()
    users = {u.username: u for u in get_user_model().objects.all()}
    article = Article.objects.get(external_id=ARTICLE)
    start = article.text.index(AGREED)
    for name in REVIEWERS:
        annotation_create(
            session_id=session.pk,
            article_id=article.pk,
            reviewer=users[name],
            start=start,
            end=start + len(AGREED),
            quote=AGREED,
            claim_type="quantity",
            sourcing_quality="named_on_record",
            cited_source="United Nations",
        )
        for each in session.articles.all():
            review_state_set(
                session_id=session.pk,
                article_id=each.pk,
                reviewer=users[name],
                done=True,
            )
    agreement_recompute(session_id=session.pk, force=True)
    assert AgreementUnit.objects.get(session=session).status == "agreed"
    return session


@pytest.mark.worker
def test_adjudicator_exports_from_the_dashboard_and_downloads_the_file(
    page, live_server, agreed_session, celery_worker_process
):
    sid = agreed_session.pk
    login(page, live_server, "adjudicator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sessions/{sid}/dashboard/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.is_hidden("[data-testid=export-form]")
    page.click("[data-testid=export-button]")
    page.wait_for_selector("[data-testid=export-form]:not([hidden])")
    page.select_option("[data-testid=export-format]", "jsonl")
    page.select_option("[data-testid=export-layer]", "gold")
    page.evaluate(WATCH_JS)
    page.click("[data-testid=export-start]")

    # The bar fills as the worker runs the job, and ends done at 100%.
    page.wait_for_selector("[data-testid=export-run]:not([hidden])")
    page.wait_for_function(
        "() => document.getElementById('export-state').dataset.status === 'done'",
        timeout=60_000,
    )
    assert page.get_attribute("[data-testid=export-progress]", "value") == "100"
    states = page.evaluate("() => window.exportStates")
    assert states[-1] == "Done 100%", states
    job = ExportJob.objects.get()
    assert job.created_by.username == "adjudicator" and job.status == "done"
    assert job.params["layer"] == "gold" and job.params["gold"] == "complete"

    # The download is the real file: the gold layer, with the agreed claim.
    with page.expect_download() as download_info:
        page.click("[data-testid=export-download]")
    download = download_info.value
    assert download.suggested_filename.endswith(".jsonl")
    records = [
        json.loads(line)
        for line in open(download.path(), encoding="utf-8").read().splitlines()
    ]
    assert len(records) == agreed_session.articles.count()
    gold = [s for r in records for s in r["spans"]]
    assert {s["layer"] for s in gold} == {"gold"}
    [agreed] = gold
    assert agreed["quote"] == AGREED and agreed["provenance"] == "agreed"
    assert agreed["agreed_by"] == list(REVIEWERS)

    # The past exports list shows the job: who, format, filters, a link.
    row = page.locator(f"[data-testid=export-history] tr[data-job-id='{job.pk}']")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "adjudicator" and cells[2] == "jsonl"
    assert "layer=gold" in cells[3] and "gold=complete" in cells[3]
    assert cells[4].lower() == "done"
    assert row.locator("[data-testid=export-history-download]").count() == 1
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("#export-panel").scroll_into_view_if_needed()
    _screenshot(page, "export-panel-1366.png")

    # A second export with a bad filter names it and starts no job.
    page.fill("#export-articles", "no-such-article")
    page.click("[data-testid=export-start]")
    page.wait_for_function(
        "() => document.getElementById('export-messages').textContent.includes("
        "'Articles')"
    )
    assert ExportJob.objects.count() == 1

    # At 390 px the form and the list still fit the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#export-panel").scroll_into_view_if_needed()
    width = page.evaluate("() => document.getElementById('export-panel').scrollWidth")
    assert width <= 390
    _screenshot(page, "export-panel-390.png", panel=True)
    assert page.js_errors == []


def test_session_page_offers_export_to_staff_not_to_reviewers(
    page, live_server, agreed_session
):
    sid = agreed_session.pk
    login(page, live_server, "reviewer1", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sessions/{sid}/")
    assert page.locator("[data-testid=export-panel]").count() == 0
    page.context.clear_cookies()
    login(page, live_server, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sessions/{sid}/")
    page.click("[data-testid=export-button]")
    page.wait_for_selector("[data-testid=export-form]:not([hidden])")
    page.wait_for_selector("#export-history-empty:not([hidden])")
    formats = page.eval_on_selector_all(
        "[data-testid=export-format] option", "(options) => options.map(o => o.value)"
    )
    assert "claimreview" in formats and "conll" in formats
    page.select_option("[data-testid=export-format]", "claimreview")
    assert page.is_disabled("[data-testid=export-layer]")
    assert page.input_value("[data-testid=export-layer]") == "gold"
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "export-session-390.png"), full_page=True)
    assert page.js_errors == []
