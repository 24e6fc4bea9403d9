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

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url_for_test_db(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "DB_CONN_MAX_AGE": "0",
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
                f"test-{os.getpid()}@%h",
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
