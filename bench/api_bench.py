"""Benchmark: the annotation REST API on gunicorn + PostgreSQL, over loopback HTTP.

Creates its own database, migrates it, loads the seed corpus, starts gunicorn
(4 workers, DEBUG=false) and one Celery worker, and measures span creation the
way the workspace makes it (one span per POST) by 3 concurrent reviewers over a
200-article session (20 spans each per article, the worker recomputing
agreement meanwhile), single span creation, bulk creation and
opening an article with its 60 spans for 20 reviewers: one request
(GET article?include=spans, what the workspace does) and, for comparison, two
(GET article, then GET its spans), first as a bounded, open-loop load (Poisson
arrivals, --rate article opens per second per reviewer), then back to back
(saturation: the latency there is mostly queueing). Prints a table.

Run from the project root:  .venv/bin/python bench/api_bench.py [--quick]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis (REDIS_URL,
default redis://127.0.0.1:6379/14) for the worker; BENCH_DB names the database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DB_NAME = os.environ.get("BENCH_DB", "wb_bench_api")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TIME_CAP_SECONDS = 240

SETUP = r"""
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from annotations.models import (
    AnnotationSession, Article, SessionArticle, SessionMembership,
)
from annotations.services.schemes import scheme_ensure_default
from annotations.services.seeds import seeds_load
from annotations.text import text_sha256

WORDS = "talks ceasefire Kabul minister said border security delegation mediators \
Qatar demand spokesperson confirmed negotiations collapsed officials reported".split()

seeds_load()
article = max(Article.objects.all(), key=lambda a: len(a.text))
User = get_user_model()
scheme = scheme_ensure_default()
out = {"article": article.pk, "length": len(article.text), "tokens": []}
for name in ("write", "read"):
    session = AnnotationSession.objects.create(name=f"bench {name}", scheme=scheme)
    SessionArticle.objects.create(session=session, article=article)
    out[f"{name}_session"] = session.pk
crowd = AnnotationSession.objects.create(name="bench crowd", scheme=scheme)
texts = [
    " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(600))
    for i in range(CROWD_ARTICLES)
]
rows = Article.objects.bulk_create(
    Article(external_id=f"crowd-{i}", title=f"Crowd {i}", text=t,
            text_sha256=text_sha256(t))
    for i, t in enumerate(texts)
)
SessionArticle.objects.bulk_create(
    SessionArticle(session=crowd, article=a, position=i) for i, a in enumerate(rows)
)
out["crowd_session"] = crowd.pk
out["crowd_articles"] = [a.pk for a in rows]
for index in range(20):
    user = User.objects.create_user(f"bench{index}", password="bench-password")
    for name in ("write", "read"):
        SessionMembership.objects.create(
            session_id=out[f"{name}_session"], user=user, role="reviewer"
        )
    if index < 3:
        SessionMembership.objects.create(session=crowd, user=user, role="reviewer")
    out["tokens"].append(Token.objects.create(user=user).key)
print("SETUP" + json.dumps(out))
"""


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database() -> str:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')
    return f"{PG}/{DB_NAME}"


class Client:
    """One HTTP/1.1 request per connection (gunicorn sync workers close anyway)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def request(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            payload = None if body is None else json.dumps(body).encode()
            connection.request(method, path, body=payload, headers=self.headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def spans_for(text: str, article: int, count: int, first_length: int) -> list[dict]:
    """`count` distinct spans; each reviewer gets a different span length."""
    spans = []
    length = first_length
    while len(spans) < count:
        for start in range(0, len(text) - length, 7):
            spans.append(
                {
                    "article": article,
                    "start": start,
                    "end": start + length,
                    "quote": text[start : start + length],
                    "claim_type": "other",
                    "sourcing_quality": "unsupported",
                    "cited_source": f"Source {start % 13}",
                }
            )
            if len(spans) == count:
                break
        length += 1
    return spans


def crowd_spans(text: str, article: int, reviewer: int, count: int) -> list[dict]:
    """`count` spans of one reviewer on one article, spread over the text."""
    rng = random.Random(article * 10 + reviewer)
    step = (len(text) - 80) // count
    spans = []
    for index in range(count):
        start = index * step + rng.randrange(0, 10)
        end = start + rng.randrange(15, 60)
        spans.append(
            {
                "article": article,
                "start": start,
                "end": end,
                "quote": text[start:end],
                "claim_type": rng.choice(["other", "quoted_statement"]),
                "sourcing_quality": "unsupported",
                "cited_source": f"Source {rng.randrange(5)}",
            }
        )
    return spans


def crowd_phase(clients, data, articles: int, per_article: int, rows) -> None:
    """3 reviewers, each saving one span per POST, article after article."""
    session = data["crowd_session"]
    ids = data["crowd_articles"][:articles]
    texts = {}
    for article in ids:
        status, body = clients[0].request(
            "GET", f"/api/sessions/{session}/articles/{article}/"
        )
        assert status == 200, body[:300]
        texts[article] = json.loads(body)["text"]
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def reviewer(index: int) -> None:
        client, mine, failed = clients[index], [], []
        for article in ids:
            for span in crowd_spans(texts[article], article, index, per_article):
                one = time.perf_counter()
                status, body = client.request(
                    "POST", f"/api/sessions/{session}/spans/", span
                )
                mine.append(time.perf_counter() - one)
                if status != 201:
                    failed.append(f"{status} {body[:200]!r}")
        with lock:
            timings.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=reviewer, args=(i,)) for i in range(3)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ms = [t * 1000 for t in timings]
    rows.append(
        (
            f"single create, 3 reviewers, {articles} art. x {per_article}, worker on",
            f"{len(ms) / elapsed:,.0f} spans/s, p50 {percentile(ms, 0.5):.1f} ms, "
            f"p95 {percentile(ms, 0.95):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms "
            f"(n={len(ms)}, errors {len(errors)})",
        )
    )
    if errors:
        print("first errors:", errors[:3])


def worker_start(env: dict) -> subprocess.Popen:
    """One Celery worker (concurrency 1) on the bench queue."""
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "workbench",
            "worker",
            "--loglevel=WARNING",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            env["CELERY_QUEUE"],
            "-n",
            f"apibench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--rate", type=float, default=1.0, help="article opens/s per paced reviewer"
    )
    parser.add_argument("--paced-seconds", type=float, default=30.0)
    parser.add_argument(
        "--crowd-articles", type=int, default=200, help="3-reviewer phase articles"
    )
    parser.add_argument("--crowd-spans", type=int, default=20, help="per article")
    parser.add_argument(
        "--only-crowd", action="store_true", help="just the 3-reviewer phase"
    )
    args = parser.parse_args()
    single_count = 100 if args.quick else 300
    bulk_requests = 5 if args.quick else 20
    read_requests = 400 if args.quick else 2000
    deadline = time.monotonic() + TIME_CAP_SECONDS

    database_url = recreate_database()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        "CELERY_QUEUE": "q_api_bench",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    }
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    setup = subprocess.run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            SETUP.replace("CROWD_ARTICLES", str(args.crowd_articles)),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(setup.stdout.split("SETUP", 1)[1])
    worker = worker_start(env)
    port = free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "workbench.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    rows: list[tuple[str, str]] = []
    try:
        clients = [Client(port, token) for token in data["tokens"]]
        for _ in range(100):
            try:
                if clients[0].request("GET", "/api/me/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer")
        # 0. What the workspace does: one span per POST, 3 reviewers at once.
        crowd_phase(clients, data, args.crowd_articles, args.crowd_spans, rows)
        if args.only_crowd:
            return
        deadline = time.monotonic() + TIME_CAP_SECONDS  # for the phases below
        article = data["article"]
        status, body = clients[0].request(
            "GET", f"/api/sessions/{data['write_session']}/articles/{article}/"
        )
        text = json.loads(body)["text"]
        write = f"/api/sessions/{data['write_session']}/spans/"
        read = f"/api/sessions/{data['read_session']}/"

        # 1. Single span creation, one client, sequential.
        singles = spans_for(text, article, single_count, first_length=3)
        started = time.perf_counter()
        for span in singles:
            status, body = clients[0].request("POST", write, span)
            assert status == 201, body[:300]
        elapsed = time.perf_counter() - started
        rows.append(
            ("single create, 1 client", f"{single_count / elapsed:,.0f} spans/s")
        )

        # 2. Bulk creation: bulk_requests x 1,000 spans, each by another reviewer.
        batches = [
            spans_for(text, article, 1000, first_length=10 + index)
            for index in range(bulk_requests)
        ]
        timings = []
        started = time.perf_counter()
        for index, batch in enumerate(batches):
            one = time.perf_counter()
            status, body = clients[index % len(clients)].request(
                "POST", write + "bulk/", {"spans": batch}
            )
            assert status == 201, body[:300]
            timings.append(time.perf_counter() - one)
        elapsed = time.perf_counter() - started
        rows.append(
            (
                f"bulk create, {bulk_requests} x 1,000",
                f"{bulk_requests * 1000 / elapsed:,.0f} spans/s "
                f"(median request {statistics.median(timings) * 1000:,.0f} ms)",
            )
        )

        # 3. GET article + its spans (60 per reviewer, blind) by 20 reviewers.
        for index, client in enumerate(clients):
            batch = spans_for(text, article, 60, first_length=40 + index)
            status, body = client.request(
                "POST", read + "spans/bulk/", {"spans": batch}
            )
            assert status == 201, body[:300]
        combined_ms: list[float] = []
        article_ms: list[float] = []
        spans_ms: list[float] = []
        lock = threading.Lock()
        per_client = read_requests // len(clients)

        def fetch_combined(client: Client) -> None:
            # What the workspace does: the article with its spans, one request.
            one = time.perf_counter()
            status, body = client.request(
                "GET", f"{read}articles/{article}/?include=spans"
            )
            two = time.perf_counter()
            assert status == 200, body[:300]
            assert len(json.loads(body)["spans"]) == 60
            with lock:
                combined_ms.append((two - one) * 1000)

        def fetch_pair(client: Client) -> None:
            # The same data from two requests: the article, then the span list.
            one = time.perf_counter()
            status, _ = client.request("GET", f"{read}articles/{article}/")
            two = time.perf_counter()
            status2, body = client.request(
                "GET", f"{read}spans/?article={article}&limit=500"
            )
            three = time.perf_counter()
            assert status == status2 == 200
            assert json.loads(body)["count"] == 60
            with lock:
                article_ms.append((two - one) * 1000)
                spans_ms.append((three - two) * 1000)

        def back_to_back(client: Client, fetch) -> None:
            for _ in range(per_client):
                if time.monotonic() > deadline:
                    return
                fetch(client)

        def paced(client: Client, fetch, seed: int) -> None:
            # Open loop: Poisson arrivals at --rate opens/s per reviewer, so a slow
            # answer does not slow the arrivals (no coordinated omission).
            rng = random.Random(seed)
            stop_at = time.perf_counter() + args.paced_seconds
            due = time.perf_counter() + rng.expovariate(args.rate)
            while due < stop_at:
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                fetch(client)
                due += rng.expovariate(args.rate)

        def run_phase(label: str, loop, fetch, series) -> None:
            for _, values in series:
                values.clear()
            threads = [
                threading.Thread(target=loop, args=(client, fetch, index))
                if loop is paced
                else threading.Thread(target=loop, args=(client, fetch))
                for index, client in enumerate(clients)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            for name, values in series:
                rows.append(
                    (
                        f"{name}, {label}",
                        f"p50 {percentile(values, 0.5):.1f} ms, "
                        f"p95 {percentile(values, 0.95):.1f} ms (n={len(values)})",
                    )
                )
            rows.append(
                (
                    f"article opens/s, {label}",
                    f"{len(series[0][1]) / elapsed:,.0f}",
                )
            )

        paced_label = f"20 reviewers at {args.rate:g}/s each"
        combined = [("GET article?include=spans (60)", combined_ms)]
        pair = [("GET article", article_ms), ("GET spans (60)", spans_ms)]
        # 3a. Bounded load: 20 reviewers, each opening the article at --rate/s.
        run_phase(paced_label, paced, fetch_combined, combined)
        run_phase(paced_label, paced, fetch_pair, pair)
        # 3b. Saturation: the same 20 clients, back to back (queueing included).
        run_phase("20 clients back to back", back_to_back, fetch_combined, combined)
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        print_rows(args, data, rows)


def print_rows(args, data, rows) -> None:
    width = max(len(label) for label, _ in rows)
    print(
        f"\nAPI bench: gunicorn -w {args.workers}, PostgreSQL, {os.cpu_count()} CPUs,"
    )
    print(f"article of {data['length']:,} code points; {load_average()}\n")
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
