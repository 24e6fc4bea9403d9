"""Shared fixtures: users, a seeded session, API clients and a real Celery worker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import ArticleFactory, UserFactory, session_with_team

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Domain fixtures (one module per domain), shared by the layer folders.
pytest_plugins = [
    "tests.plugins.adjudication",
    "tests.plugins.exports",
    "tests.plugins.intake",
    "tests.plugins.questions",
    "tests.plugins.reliability",
]


def pytest_configure(config):
    # Hashing every factory user with PBKDF2 costs seconds per test; the tests
    # check who may do what, not password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite's integration tests need the real services: refuse to run
    # against defaults that would silently skip them.
    if os.environ.get("WORKBENCH_REQUIRE_SERVICES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(
                "DATABASE_URL must point at PostgreSQL for the test suite "
                f"(got engine {engine})."
            )
        if not settings.REDIS_URL:
            raise pytest.UsageError("REDIS_URL must point at Redis for the test suite.")


@pytest.fixture
def reviewer_a(db):
    return UserFactory(username="reviewer_a")


@pytest.fixture
def reviewer_b(db):
    return UserFactory(username="reviewer_b")


@pytest.fixture
def reviewer_c(db):
    return UserFactory(username="reviewer_c")


@pytest.fixture
def adjudicator(db):
    return UserFactory(username="adjudicator")


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def emoji_article(db):
    return ArticleFactory(
        external_id="emoji",
        text="Asif 😀 said “the talks are over” on Friday. 🇵🇰 Tarar agreed.",
    )


@pytest.fixture
def team_session(db, emoji_article, reviewer_a, reviewer_b, reviewer_c, adjudicator):
    """A blind session over the emoji article with three reviewers."""
    return session_with_team(
        articles=[emoji_article],
        reviewers=[reviewer_a, reviewer_b, reviewer_c],
        adjudicators=[adjudicator],
    )


def api_client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def api_client():
    return api_client_for


# --- A real Celery worker process -------------------------------------------------


def _database_url_for_test_db() -> str:
    from django.db import connection

    params = connection.settings_dict
    if "postgresql" not in params["ENGINE"]:
        raise RuntimeError("The worker tests need PostgreSQL (set DATABASE_URL).")
    user = params.get("USER") or "postgres"
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


class WorkerProcess:
    """A `celery worker` subprocess on the real Redis and the test database."""

    def __init__(self, log_path: Path, name: str = "test") -> None:
        self.log_path = log_path
        self.name = name
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url_for_test_db(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "DB_CONN_MAX_AGE": "0",
            # The agreement task schedules reliability after it: keep that short.
            "RELIABILITY_DEBOUNCE_SECONDS": "1",
        }
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workbench",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "-n",
                f"{self.name}-{os.getpid()}@%h",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        from workbench.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"celery worker exited with {self.process.returncode}; "
                    f"see {self.log_path}"
                )
            replies = app.control.ping(timeout=1.0)
            if replies:
                return
        raise RuntimeError(
            f"celery worker did not answer in {timeout}s; see {self.log_path}"
        )

    def wait_idle(self, timeout: float = 60) -> None:
        """Revoke what the finished test left scheduled; wait for the rest to run.

        A test's writes schedule debounced recomputes (some tests on purpose far
        ahead). Run against a database being flushed for the next test, they
        would deadlock with its TRUNCATE, so they are revoked; what is queued,
        reserved or running is waited for. The debounce keys go too.
        """
        import redis

        from workbench.celery import app

        broker = redis.Redis.from_url(settings.REDIS_URL)
        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        revoked: set[str] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return
            inspect = app.control.inspect(timeout=1.0, limit=1)
            for tasks in (inspect.scheduled() or {}).values():
                for task in tasks:
                    task_id = task["request"]["id"]
                    if task_id not in revoked:
                        app.control.revoke(task_id)
                        revoked.add(task_id)
            busy = [
                task
                for method in (inspect.active, inspect.reserved)
                for tasks in (method() or {}).values()
                for task in tasks
                if task["id"] not in revoked
            ]
            if not busy and not broker.llen(queue):
                for key in broker.scan_iter("workbench:*"):
                    broker.delete(key)
                return
            time.sleep(0.2)
        raise RuntimeError(f"the worker was still busy after {timeout}s")

    def stop(self, *, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """Start one real worker for the session; tests using it need transactional_db."""
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL is not set: the worker tests need a real Redis.")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.ping()  # a missing Redis is a loud failure
    client.flushdb()
    with django_db_blocker.unblock():
        worker = WorkerProcess(tmp_path_factory.mktemp("celery") / "worker.log")
        worker.start()
    yield worker
    worker.stop()


def _uses_worker(item) -> bool:
    return (
        "celery_worker_process" in getattr(item, "fixturenames", ())
        or item.get_closest_marker("worker") is not None
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests that need a real worker run last (stable order otherwise).

    The session's worker outlives the test that started it; a later test's
    writes would otherwise be recomputed by it while that test's database is
    being flushed.
    """
    items.sort(key=_uses_worker)


@pytest.fixture(autouse=True)
def _worker_drained_before_flush(request):
    """A worker test ends only when the worker is idle, before the flush.

    Requesting the database fixture from here makes it tear down after us.
    """
    if "celery_worker_process" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    worker = request.getfixturevalue("celery_worker_process")
    yield
    worker.wait_idle()
