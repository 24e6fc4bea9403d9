"""Background exports: a job writes a file its owner can download."""

import json

import pytest
from django.test import override_settings

from annotations.models import ExportJob
from tests.conftest import api_client_for


@pytest.mark.django_db(transaction=True)
def test_eager_export_job_produces_a_downloadable_file(
    corpus, staff, reviewer_a, outsider, settings, tmp_path
):
    from workbench.celery import app

    settings.EXPORT_DIR = tmp_path
    previous = app.conf.task_always_eager
    client = api_client_for(staff)
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
            app.conf.task_always_eager = True
            created = client.post(
                f"/api/sessions/{corpus['session'].pk}/exports/",
                {"format": "jsonl", "layer": "gold"},
                format="json",
            )
    finally:
        app.conf.task_always_eager = previous
    assert created.status_code == 202, created.content
    job_id = created.json()["id"]
    status = client.get(f"/api/exports/{job_id}/").json()
    assert status["status"] == "done" and status["progress"] == 1
    assert status["download_url"].endswith(f"/api/exports/{job_id}/download/")
    download = client.get(f"/api/exports/{job_id}/download/")
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8")
    records = [json.loads(line) for line in body.splitlines()]
    assert {s["layer"] for r in records for s in r["spans"]} == {"gold"}
    assert (tmp_path / ExportJob.objects.get(pk=job_id).file_name).is_file()
    assert api_client_for(outsider).get(f"/api/exports/{job_id}/").status_code == 404
    other = api_client_for(reviewer_a).get(f"/api/exports/{job_id}/download/")
    assert other.status_code == 404


def test_job_request_with_a_bad_filter_gets_400_and_no_job(corpus, staff):
    response = api_client_for(staff).post(
        f"/api/sessions/{corpus['session'].pk}/exports/",
        {"format": "jsonl", "statuses": "bogus"},
        format="json",
    )
    assert response.status_code == 400 and "statuses" in response.json()
    bad_format = api_client_for(staff).post(
        f"/api/sessions/{corpus['session'].pk}/exports/",
        {"format": "pdf"},
        format="json",
    )
    assert bad_format.status_code == 400 and "format" in bad_format.json()
    assert not ExportJob.objects.exists()
