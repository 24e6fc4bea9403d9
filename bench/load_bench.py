"""Benchmark: capacity under load — many reviewers in one large session.

Creates its own database (default ``wb_bench_load``), loads the corpus of
``recompute_bench.py`` (ARTICLES articles x 3 reviewers x 30 spans), adds
REVIEWERS more reviewers with API tokens, starts gunicorn (4 sync workers,
DEBUG=false) and one Celery worker, queues a cold (forced) agreement recompute
of the whole session (the worker at ``--worker-nice``, 10 as in the
Procfile; the bench's Redis queue cleared first), and while it runs lets
every simulated reviewer save a span every --save-every seconds and open an
article (with its spans) every --open-every seconds on average, Poisson
arrivals (open loop: a slow answer does not delay the next arrival), for
--warmup seconds untimed and then
--seconds timed. ``--template DB`` copies a kept corpus instead of loading
one; ``--no-recompute`` gives the baseline. Prints p50/p95/p99 of span
saves and article opens, the errors, PostgreSQL's deadlock count over the run
(pg_stat_database), whether the cold recompute was still running, the
worker's CPU time and the articles realigned during the run.

Run from the project root:
    .venv/bin/python bench/load_bench.py [--articles 10000] [--seconds 120]
    .venv/bin/python bench/load_bench.py --quick   # 1,000 articles, 30 s
Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis (REDIS_URL,
default redis://127.0.0.1:6379/14) for the worker.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_bench import Client, free_port, load_average, percentile  # noqa: E402
from recompute_bench import corpus_load, database_recreate  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
TARGET_P99_SAVE_MS = 150


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--reviewers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--save-every", type=float, default=10.0, help="mean, s")
    parser.add_argument("--open-every", type=float, default=120.0, help="mean, s")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--quick", action="store_true", help="1,000 articles, 30 s")
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DB", "wb_bench_load")
    )
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--template",
        default="",
        help="copy this database (a corpus of recompute_bench.py, e.g. the "
        "one incremental_bench.py --reuse keeps) instead of loading a corpus",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=10.0,
        help="seconds of load before measuring (gunicorn workers' first "
        "requests, 200 clients connecting at once)",
    )
    parser.add_argument(
        "--no-recompute",
        action="store_true",
        help="the baseline: the same load without the cold recompute",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="niceness of the Celery worker, as the Procfile starts it",
    )
    args = parser.parse_args()
    if args.quick:
        args.articles, args.seconds = min(args.articles, 1000), min(args.seconds, 30)
    return args


def deadlocks(server: str, database: str) -> int:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        row = connection.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s", (database,)
        ).fetchone()
    return int(row[0]) if row else 0


def crowd_add(session_id: int, count: int) -> tuple[list[str], dict[int, str]]:
    """`count` more reviewers of the session with tokens; the articles' texts."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from annotations.models import Article, SessionMembership

    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"load_reviewer{i}") for i in range(count)
    )
    SessionMembership.objects.bulk_create(
        SessionMembership(session_id=session_id, user=user, role="reviewer")
        for user in users
    )
    tokens = Token.objects.bulk_create(
        Token(key=Token.generate_key(), user=user) for user in users
    )
    texts = dict(
        Article.objects.filter(sessionarticle__session_id=session_id).values_list(
            "pk", "text"
        )
    )
    return [token.key for token in tokens], texts


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.save_ms: list[float] = []
        self.open_ms: list[float] = []
        self.errors: list[str] = []
        self.slow: list[tuple[float, float]] = []  # (seconds since start, ms)
        self.started = time.perf_counter()
        self.measure_from = self.started  # requests sent earlier are warm-up
        self.worker_cpu, self.realigned = 0.0, 0

    def add(self, kind: str, ms: float, error: str | None, sent: float) -> None:
        """Count an answer; its time only once the warm-up is over (errors always)."""
        with self.lock:
            if error:
                self.errors.append(f"{kind}: {error}")
            if sent < self.measure_from:
                return
            (self.save_ms if kind == "save" else self.open_ms).append(ms)
            if kind == "save" and ms > TARGET_P99_SAVE_MS:
                self.slow.append((time.perf_counter() - self.measure_from, ms))


def reviewer_loop(index, client, session_id, texts, args, stop_at, results) -> None:
    """Poisson saves and opens of one reviewer until `stop_at` (open loop)."""
    rng = random.Random(index)
    article_ids = sorted(texts)
    used: set[tuple[int, int]] = set()
    base = f"/api/sessions/{session_id}/"
    now = time.perf_counter()
    due = {
        "save": now + rng.expovariate(1 / args.save_every),
        "open": now + rng.expovariate(1 / args.open_every),
    }
    while True:
        kind = min(due, key=due.get)
        if due[kind] >= stop_at:
            return
        pause = due[kind] - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        article = rng.choice(article_ids)
        if kind == "save":
            text = texts[article]
            start = rng.randrange(0, len(text) - 60)
            while (article, start) in used:
                start = rng.randrange(0, len(text) - 60)
            used.add((article, start))
            end = start + rng.randrange(10, 50)
            body = {
                "article": article,
                "start": start,
                "end": end,
                "quote": text[start:end],
                "claim_type": "other",
                "sourcing_quality": "unsupported",
                "cited_source": f"Load source {rng.randrange(20)}",
            }
            request, expected = ("POST", base + "spans/", body), 201
        else:
            request, expected = (
                ("GET", f"{base}articles/{article}/?include=spans", None),
                200,
            )
        one = time.perf_counter()
        try:
            status, payload = client.request(*request)
            error = None if status == expected else f"{status} {payload[:160]!r}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        results.add(kind, (time.perf_counter() - one) * 1000, error, one)
        due[kind] += rng.expovariate(
            1 / (args.save_every if kind == "save" else args.open_every)
        )


def services_start(args, env: dict) -> tuple[subprocess.Popen, subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "workbench.wsgi", "-w", str(args.workers), "-b",
         f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        ["nice", "-n", str(args.worker_nice),
         PYTHON, "-m", "celery", "-A", "workbench", "worker", "--loglevel=WARNING",
         "--concurrency=1", "--without-gossip", "--without-mingle",
         "-Q", env["CELERY_QUEUE"], "-n", f"loadbench-{os.getpid()}@%h"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    return server, worker, port


def queue_clear(redis_url: str, queue: str) -> None:
    """Drop what an earlier run left in Redis: tasks in the bench's queue (a
    killed run's chunks, debounced recomputes) and the schedule marks, so this
    run's cold recompute is the first task its worker takes."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = [queue, "unacked", "unacked_index"]
    keys += list(client.scan_iter("workbench:*"))
    client.delete(*keys)


def wait_up(client: Client) -> None:
    for _ in range(150):
        try:
            if client.request("GET", "/api/me/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def cold_recompute_queue(session_id: int) -> str:
    """Queue a forced agreement recompute of the whole session; its task id."""
    from annotations.services.recompute import agreement_recompute_request

    return agreement_recompute_request(
        session_id=session_id, article_ids=[], force=True
    )


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, living ones
    read from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def articles_realigned(since) -> int:
    """Article agreement reports written since `since` (the cold run's progress)."""
    from annotations.models import AgreementReport

    return AgreementReport.objects.filter(
        article__isnull=False, computed_at__gte=since
    ).count()


def recompute_state(task_id: str) -> str:
    from annotations.services.queue import task_record_get, task_state

    if not task_id:
        return "not queued (--no-recompute)"
    record = task_record_get(task_id=task_id)
    return "no task" if record is None else task_state(record=record)["state"]


def report(args, results: Results, elapsed: float, deadlock_count: int, state: str):
    saves, opens = results.save_ms, results.open_ms
    rows = [
        ("span saves", saves),
        ("article opens (?include=spans)", opens),
    ]
    print(
        f"\nLoad bench: {args.articles:,} articles x 3 reviewers x 30 spans, "
        f"{args.reviewers} simulated reviewers for {elapsed:.0f} s "
        f"({args.warmup:.0f} s warm-up not timed), gunicorn -w "
        f"{args.workers}, 1 Celery worker (nice {args.worker_nice}), "
        f"{os.cpu_count()} CPUs; {load_average()}"
    )
    for label, values in rows:
        print(
            f"  {label:<32} n={len(values):>5}  p50 {percentile(values, 0.5):7.1f} ms"
            f"  p95 {percentile(values, 0.95):7.1f} ms"
            f"  p99 {percentile(values, 0.99):7.1f} ms"
        )
    print(f"  errors {len(results.errors)}; deadlocks {deadlock_count}")
    print(f"  cold recompute at the end of the run: {state}")
    print(
        f"  worker CPU during the run {results.worker_cpu:.0f} s; "
        f"articles realigned {results.realigned:,}"
    )
    p99 = percentile(saves, 0.99)
    verdict = "met" if p99 < TARGET_P99_SAVE_MS and not results.errors else "missed"
    print(f"  target p99 save < {TARGET_P99_SAVE_MS} ms, 0 errors: {verdict}")
    slow = ", ".join(f"{at:.0f}s:{ms:.0f}" for at, ms in sorted(results.slow))
    print(f"  saves over {TARGET_P99_SAVE_MS} ms (second of the run: ms): {slow}")
    for error in results.errors[:5]:
        print("   ", error)


def main() -> None:
    args = parse_args()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{args.database}",
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "CELERY_QUEUE": "q_load_bench",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    }
    os.environ.update(env)
    database_recreate(args.server, args.database, template=args.template)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.utils import timezone

    started = time.perf_counter()
    if args.template:
        from annotations.models import AnnotationSession, SessionArticle

        session_id = AnnotationSession.objects.order_by("pk").last().pk
        args.articles = SessionArticle.objects.filter(session_id=session_id).count()
    else:
        session_id = corpus_load(args.articles, 30)
    tokens, texts = crowd_add(session_id, args.reviewers)
    print(f"corpus loaded in {time.perf_counter() - started:.0f} s")
    queue_clear(redis_url, env["CELERY_QUEUE"])
    server, worker, port = services_start(args, env)
    try:
        clients = [Client(port, token) for token in tokens]
        wait_up(clients[0])
        before = deadlocks(args.server, args.database)
        cold_task = "" if args.no_recompute else cold_recompute_queue(session_id)
        results = Results()
        results.measure_from = time.perf_counter() + args.warmup
        stop_at = results.measure_from + args.seconds
        threads = [
            threading.Thread(
                target=reviewer_loop,
                args=(i, client, session_id, texts, args, stop_at, results),
                daemon=True,
            )
            for i, client in enumerate(clients)
        ]
        begun, begun_at = time.perf_counter(), timezone.now()
        cpu_before = cpu_seconds(worker.pid)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - begun
        results.worker_cpu = cpu_seconds(worker.pid) - cpu_before
        results.realigned = articles_realigned(begun_at)
        deadlock_count = deadlocks(args.server, args.database) - before
        report(args, results, elapsed, deadlock_count, recompute_state(cold_task))
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
