"""With the broker down, queueing endpoints answer 503 fast and leave nothing behind.

A real gunicorn serves the test database with REDIS_URL pointing at a port no
Redis listens on (what a stopped Redis looks like to a client).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from rest_framework.authtoken.models import Token

from annotations.models import ExportJob, SpanAnnotation, TaskRecord
from tests.conftest import PROJECT_ROOT, _database_url_for_test_db

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server_without_broker(tmp_path):
    port, dead_redis = _free_port(), _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_test_db(),
        "REDIS_URL": f"redis://127.0.0.1:{dead_redis}/0",
        "DEBUG": "false",
        "SECRET_KEY": "broker-down-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "0",
        "EXPORT_DIR": str(tmp_path),
    }
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "workbench.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "60",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/schema/?format=json", timeout=5)
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((tmp_path / "gunicorn.log").read_text()) from None
            time.sleep(0.3)
    else:
        raise RuntimeError("gunicorn did not start")
    yield base
    process.terminate()
    process.wait(timeout=30)
    log.close()


def _call(base, method, path, token, body=None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, raw, time.monotonic() - started


def test_queueing_endpoints_answer_503_within_two_seconds_and_commit_nothing(
    server_without_broker, team_session, emoji_article, adjudicator, reviewer_a, staff
):
    base, sid = server_without_broker, team_session.pk
    adjudicator_token = Token.objects.create(user=adjudicator).key
    staff_token = Token.objects.create(user=staff).key
    for token, path, body in (
        (adjudicator_token, f"/api/sessions/{sid}/agreement/recompute/", {}),
        (adjudicator_token, f"/api/sessions/{sid}/reliability/recompute/", {}),
        (staff_token, f"/api/sessions/{sid}/exports/", {"format": "jsonl"}),
    ):
        status, raw, seconds = _call(base, "POST", path, token, body)
        assert status == 503, (path, status, raw[:300])
        data = json.loads(raw)
        assert data["service"] == "broker" and "Redis" in data["detail"], data
        assert seconds < 2.5, (path, seconds)
    # Nothing queued is left pretending to be queued.
    assert not ExportJob.objects.exclude(status=ExportJob.Status.FAILED).exists()
    assert "unavailable" in ExportJob.objects.get().error
    assert not TaskRecord.objects.exists()
    # Span writes keep working: the recompute they trigger just cannot be queued.
    quote = "on Friday"
    start = emoji_article.text.index(quote)
    status, raw, seconds = _call(
        base,
        "POST",
        f"/api/sessions/{sid}/spans/",
        Token.objects.create(user=reviewer_a).key,
        {
            "article": emoji_article.pk,
            "start": start,
            "end": start + len(quote),
            "quote": quote,
            "claim_type": "event_action",
            "sourcing_quality": "named_on_record",
            "cited_source": "",
        },
    )
    assert status == 201, raw[:300]
    assert seconds < 2.5
    assert SpanAnnotation.objects.filter(session=team_session, quote=quote).exists()
