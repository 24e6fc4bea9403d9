"""Balanced assignment: 100,000 articles to 50 reviewers with k = 3 on PostgreSQL.

Builds its own database (default `wb_bench_assignment`), loads the articles
and the session with set-wise SQL, then times `assignment_sync`, the service
a lead's change calls: its reads, the pure plan and the one INSERT of every
pair. Counts the queries it sent (no per-article round trips), checks the
plan (every article exactly k distinct reviewers, loads within one) and then
times an extension: one more reviewer joins after half the work was started.

    .venv/bin/python bench/assignment_bench.py
    .venv/bin/python bench/assignment_bench.py --articles 20000 --reviewers 10
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0


def create_database(name: str) -> str:
    base = "postgres://postgres@127.0.0.1:5432"
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", f"{base}/postgres", "-q", "-c", sql], check=True)
    return f"{base}/{name}"


def populate(articles: int, reviewers: int, k: int) -> int:
    """The session (balanced, no plan yet) over `articles` articles; its id."""
    from django.core.management import call_command
    from django.db import connection

    from annotations.models import AnnotationSession, Article, SessionMembership
    from annotations.services.schemes import scheme_ensure_default
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    session = AnnotationSession.objects.create(
        name="bench", scheme=scheme_ensure_default(), required_reviewers=k
    )
    users = [UserFactory(username=f"bench_r{n:02d}") for n in range(reviewers)]
    SessionMembership.objects.bulk_create(
        SessionMembership(session=session, user=user, role="reviewer") for user in users
    )
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (external_id, title, byline, published_text, url, "
            "text, text_sha256, direction, created_at) SELECT 'bench-' || n, "
            "'Article ' || n, '', '', '', 'Text of article ' || n || '.', "
            "encode(sha256(('Text of article ' || n || '.')::bytea), 'hex'), '', "
            "now() "
            "FROM generate_series(1, %s) AS n",
            [articles],
        )
        cursor.execute(
            "INSERT INTO annotations_sessionarticle (session_id, article_id, position, "
            "changes) SELECT %s, id, row_number() OVER (ORDER BY id), 0 "
            f"FROM {table}",
            [session.pk],
        )
    AnnotationSession.objects.filter(pk=session.pk).update(assignment="balanced")
    return session.pk


def timed_sync(session_id: int) -> tuple[float, int, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annotations.services.assignment import assignment_sync

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])
    server = sum(backend.cpu_times()[:2])
    with CaptureQueriesContext(connection) as queries:
        start, cpu = time.perf_counter(), time.process_time()
        result = assignment_sync(session_id=session_id)
        seconds = time.perf_counter() - start
    result["cpu"] = time.process_time() - cpu
    result["server_cpu"] = sum(backend.cpu_times()[:2]) - server
    return seconds, len(queries), result


def check_plan(session_id: int, k: int) -> tuple[int, int, int]:
    """(articles planned, min load, max load); raises if an article lacks k."""
    from django.db.models import Count

    from annotations.models import Assignment

    per_article = (
        Assignment.objects.filter(session_id=session_id)
        .values("article_id")
        .annotate(n=Count("reviewer_id", distinct=True))
    )
    wrong = per_article.exclude(n=k).count()
    if wrong:
        raise SystemExit(f"{wrong} articles do not have exactly {k} reviewers")
    loads = list(
        Assignment.objects.filter(session_id=session_id)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    return per_article.count(), min(loads), max(loads)


def start_half(session_id: int) -> None:
    """Review states for the first half of the plan: started work."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO annotations_reviewstate (session_id, article_id, reviewer_id, "
            "done, updated_at) SELECT a.session_id, a.article_id, a.reviewer_id, "
            "false, now() FROM annotations_assignment a JOIN "
            "annotations_sessionarticle s ON s.session_id = a.session_id AND "
            "s.article_id = a.article_id WHERE a.session_id = %s AND "
            "s.position <= (SELECT count(*) / 2 FROM annotations_sessionarticle "
            "WHERE session_id = %s)",
            [session_id, session_id],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--database", default="wb_bench_assignment")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = create_database(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    os.environ["DEBUG"] = "false"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    session_id = populate(args.articles, args.reviewers, args.k)
    seconds, queries, result = timed_sync(session_id)
    planned, low, high = check_plan(session_id, args.k)
    print(
        f"assignment_sync: {args.articles:,} articles x {args.reviewers} reviewers, "
        f"k={args.k}: {seconds:.2f} s, {queries} queries, "
        f"{result['added']:,} pairs inserted; loads {low}..{high}; "
        f"CPU: Python {result['cpu']:.2f} s, PostgreSQL backend "
        f"{result['server_cpu']:.2f} s; load average {os.getloadavg()[0]:.1f} "
        f"({'PASS' if seconds < TARGET_SECONDS else 'FAIL'}: target < "
        f"{TARGET_SECONDS:.0f} s)"
    )
    start_half(session_id)
    from annotations.models import SessionMembership
    from tests.factories import UserFactory

    newcomer = UserFactory(username="bench_new")
    SessionMembership.objects.create(
        session_id=session_id, user=newcomer, role="reviewer"
    )
    seconds, queries, result = timed_sync(session_id)
    planned, low, high = check_plan(session_id, args.k)
    print(
        f"extension (1 reviewer joins, half the work started): {seconds:.2f} s, "
        f"{queries} queries, {result['added']:,} pairs moved; loads {low}..{high}; "
        f"CPU: Python {result['cpu']:.2f} s, PostgreSQL backend "
        f"{result['server_cpu']:.2f} s"
    )


if __name__ == "__main__":
    main()
