"""Large imports run as a job on a real worker; progress and results are polled."""

import time

import pytest

from annotations.models import Article, ImportJob, ImportUpload
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.plugins.intake import post_files, upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def csv_of(count: int, bad_row: int | None = None) -> str:
    lines = ["text,title"]
    for number in range(1, count + 1):
        # Two lines in one quoted field: rows and lines differ.
        text = "" if number == bad_row else f'"Article number {number}.\nMore."'
        lines.append(f"{text},Title {number}")
    return "\n".join(lines) + "\n"


def wait_done(client, job_id: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = client.get(f"/api/articles/imports/{job_id}/").json()
        if data["status"] in ("done", "failed"):
            return data
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {data}")


def test_a_large_upload_runs_as_a_job(celery_worker_process, lead_client, settings):
    settings.ARTICLE_IMPORT_ASYNC_ITEMS = 50
    response = post_files(lead_client, [upload("many.csv", csv_of(120))])
    assert response.status_code == 202, response.json()
    job = response.json()["job"]
    # The request estimates by lines (the header and both lines of each row)…
    assert job["status"] == "queued" and job["total"] == 241
    data = wait_done(lead_client, job["id"])
    assert data["status"] == "done", data
    # … the worker counts the records exactly: 120 rows.
    assert (data["done"], data["total"], data["progress"]) == (120, 120, 1.0)
    assert data["http_status"] == 201
    assert len(data["results"]) == 120
    assert {r["status"] for r in data["results"]} == {"created"}
    assert Article.objects.count() == 120
    assert not ImportUpload.objects.exists()  # the stored files are gone


def test_a_job_is_all_or_nothing_too(celery_worker_process, lead_client, settings):
    settings.ARTICLE_IMPORT_ASYNC_ITEMS = 50
    response = post_files(lead_client, [upload("bad.csv", csv_of(80, bad_row=40))])
    data = wait_done(lead_client, response.json()["job"]["id"])
    assert data["http_status"] == 400
    assert data["results"][39]["status"] == "error"
    assert Article.objects.count() == 0


def test_a_dry_run_job_writes_nothing(celery_worker_process, lead_client, settings):
    settings.ARTICLE_IMPORT_ASYNC_ITEMS = 50
    response = post_files(lead_client, [upload("m.csv", csv_of(60))], "dry_run=true")
    data = wait_done(lead_client, response.json()["job"]["id"])
    assert data["http_status"] == 200
    assert [r["status"] for r in data["results"]] == ["created"] * 60
    assert Article.objects.count() == 0


def test_another_lead_cannot_see_the_job(lead_client, settings, lead):
    # No worker here: the job stays queued, which is all this test needs.
    settings.ARTICLE_IMPORT_ASYNC_ITEMS = 0
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = ImportJob.objects.create(created_by=lead, total=1)
    other = UserFactory(username="other-staff-less-lead")
    other.user_permissions.add(*lead.user_permissions.all())
    assert (
        api_client_for(other).get(f"/api/articles/imports/{job.pk}/").status_code == 404
    )
    assert lead_client.get(f"/api/articles/imports/{job.pk}/").status_code == 200
