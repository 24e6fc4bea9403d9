"""Export throughput: JSONL and Web Annotation over HTTP from gunicorn.

Builds its own PostgreSQL database (default `wb_bench_export`) holding N
articles x 3 reviewers x 30 spans (COPY, so 900,000 spans load in well under a
minute), with agreement units of 3 spans each, serves it with gunicorn
(`-w 2`, DEBUG=false) on a free loopback port and downloads each export with a
streaming client. Prints wall time, spans/s and the peak RSS growth of the
gunicorn worker that served the request (psutil, sampled in a thread).

    .venv/bin/python bench/export_bench.py               # 10,000 articles
    .venv/bin/python bench/export_bench.py --articles 500 --keep
"""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
REVIEWERS = ("bench_r1", "bench_r2", "bench_r3")
SPANS_PER_REVIEWER = 30
CLAIMS = ("quantity", "event_action", "quoted_statement", "causal", "other")
LEVELS = ("named_on_record", "named_institution", "anonymous_vague", "unsupported")


def article_text(index: int) -> tuple[str, list[tuple[int, int]]]:
    """30 sentences (with an emoji) and the offsets of one claim in each."""
    parts, offsets, cursor = [], [], 0
    for sentence in range(SPANS_PER_REVIEWER):
        lead = f"In report {index}.{sentence} 😀 officials said that "
        claim = f"{sentence + 3} soldiers were killed near post {index % 97}"
        tail = ", according to a ministry statement. "
        offsets.append((cursor + len(lead), cursor + len(lead) + len(claim)))
        piece = lead + claim + tail
        parts.append(piece)
        cursor += len(piece)
    return "".join(parts), offsets


def create_database(name: str) -> str:
    base = "postgres://postgres@127.0.0.1:5432"
    subprocess.run(
        ["psql", f"{base}/postgres", "-q", "-c", f'DROP DATABASE IF EXISTS "{name}"'],
        check=True,
    )
    subprocess.run(
        ["psql", f"{base}/postgres", "-q", "-c", f'CREATE DATABASE "{name}"'],
        check=True,
    )
    return f"{base}/{name}"


def populate(article_count: int) -> tuple[int, str, int]:
    """Load the corpus; returns (session id, staff token, span count)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token

    from annotations.models import (
        AnnotationSession,
        ClaimType,
        SessionMembership,
        SourcingLevel,
    )
    from annotations.services.schemes import scheme_ensure_default
    from annotations.text import text_sha256
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    scheme = scheme_ensure_default()
    claim_ids = [ClaimType.objects.get(scheme=scheme, code=c).pk for c in CLAIMS]
    level_ids = [SourcingLevel.objects.get(scheme=scheme, code=c).pk for c in LEVELS]
    staff = UserFactory(username="bench_staff", is_staff=True)
    token = Token.objects.create(user=staff).key
    reviewers = [UserFactory(username=name) for name in REVIEWERS]
    session = AnnotationSession.objects.create(name="Export bench", scheme=scheme)
    for user in reviewers:
        SessionMembership.objects.create(session=session, user=user, role="reviewer")
    now = datetime.now(UTC)
    span_id = unit_id = link_id = 0
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        with cursor.copy(
            "COPY annotations_article (id, external_id, title, byline, "
            "published_text, url, text, text_sha256, created_at) FROM STDIN"
        ) as copy:
            for index in range(1, article_count + 1):
                text, _ = article_text(index)
                copy.write_row(
                    (
                        index,
                        f"bench-{index:07d}",
                        f"Bench article {index}",
                        "",
                        "",
                        "",
                        text,
                        text_sha256(text),
                        now,
                    )
                )
        with cursor.copy(
            "COPY annotations_sessionarticle (session_id, article_id, position) "
            "FROM STDIN"
        ) as copy:
            for index in range(1, article_count + 1):
                copy.write_row((session.pk, index, index))
        units, links = [], []
        with cursor.copy(
            "COPY annotations_spanannotation (id, session_id, article_id, "
            'reviewer_id, start, "end", quote, claim_type_id, '
            "sourcing_quality_id, cited_source, note, origin, version, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for index in range(1, article_count + 1):
                text, offsets = article_text(index)
                for number, (start, end) in enumerate(offsets):
                    members = []
                    for position, reviewer in enumerate(reviewers):
                        span_id += 1
                        members.append(span_id)
                        copy.write_row(
                            (
                                span_id,
                                session.pk,
                                index,
                                reviewer.pk,
                                start,
                                end,
                                text[start:end],
                                claim_ids[(number + position // 2) % len(claim_ids)],
                                level_ids[(number + position) % len(level_ids)],
                                "Ministry of Defence" if number % 3 else "",
                                "",
                                "manual",
                                1,
                                now,
                                now,
                            )
                        )
                    unit_id += 1
                    status = "agreed" if number % 4 else "disputed"
                    units.append(
                        (
                            unit_id,
                            session.pk,
                            index,
                            ",".join(map(str, members)),
                            start,
                            end,
                            status,
                            3,
                            now,
                        )
                    )
                    for member in members:
                        link_id += 1
                        links.append((link_id, unit_id, member))
        with cursor.copy(
            "COPY annotations_agreementunit (id, session_id, article_id, key, "
            'start, "end", status, reviewer_count, computed_at) FROM STDIN'
        ) as copy:
            for row in units:
                copy.write_row(row)
        with cursor.copy(
            "COPY annotations_agreementunit_spans (id, agreementunit_id, "
            "spanannotation_id) FROM STDIN"
        ) as copy:
            for row in links:
                copy.write_row(row)
        for table in (
            "annotations_article",
            "annotations_spanannotation",
            "annotations_agreementunit",
            "annotations_agreementunit_spans",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    cursor = connection.cursor()
    cursor.execute("ANALYZE")
    print(
        f"loaded {article_count:,} articles, {span_id:,} spans, {unit_id:,} units "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return session.pk, token, span_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


class RssSampler(threading.Thread):
    """Peak RSS of each gunicorn worker, sampled every 20 ms."""

    def __init__(self, master: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.peak: dict[int, int] = {}
        self.stop = threading.Event()

    def snapshot(self) -> dict[int, int]:
        sizes = {}
        for worker in self.master.children():
            try:
                sizes[worker.pid] = worker.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return sizes

    def run(self) -> None:
        while not self.stop.is_set():
            for pid, rss in self.snapshot().items():
                self.peak[pid] = max(self.peak.get(pid, 0), rss)
            time.sleep(0.02)


def download(port: int, path: str, token: str, master: psutil.Process) -> dict:
    sampler = RssSampler(master)
    before = sampler.snapshot()
    sampler.start()
    started = time.perf_counter()
    first_byte = None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path, headers={"Authorization": f"Token {token}"})
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status} {response.read()[:300]}")
    size = lines = 0
    while True:
        block = response.read1(1 << 16)
        if not block:
            break
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(block)
        lines += block.count(b"\n")
    wall = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    growth = max(
        (peak - before.get(pid, peak) for pid, peak in sampler.peak.items()),
        default=0,
    )
    return {
        "wall": wall,
        "first_byte": first_byte or wall,
        "bytes": size,
        "lines": lines,
        "rss_growth": growth,
        "rss_peak": max(sampler.peak.values(), default=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--database", default="wb_bench_export")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    url = create_database(args.database)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "workbench.settings",
            "DEBUG": "false",
            "REDIS_URL": "",
        }
    )
    sys.path.insert(0, str(ROOT))
    session_id, token, spans = populate(args.articles)

    port = free_port()
    env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "workbench.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port, server)
        master = psutil.Process(server.pid)
        # One small request per worker so both have loaded Django before measuring.
        for _ in range(4):
            download(
                port,
                f"/api/sessions/{session_id}/export/?format=datacard-json",
                token,
                master,
            )
        print(f"\n{spans:,} spans in {args.articles:,} articles, gunicorn -w 2\n")
        print(
            f"{'format':<14} {'wall s':>8} {'1st byte s':>10} {'spans/s':>10} "
            f"{'MB out':>8} {'RSS growth MB':>14} {'RSS peak MB':>12}"
        )
        for fmt in ("jsonl", "webanno", "webanno-jsonl", "csv"):
            result = download(
                port, f"/api/sessions/{session_id}/export/?format={fmt}", token, master
            )
            print(
                f"{fmt:<14} {result['wall']:>8.2f} {result['first_byte']:>10.3f} "
                f"{spans / result['wall']:>10,.0f} {result['bytes'] / 1e6:>8.1f} "
                f"{result['rss_growth'] / 1e6:>14.1f} {result['rss_peak'] / 1e6:>12.1f}"
            )
        print("\ntargets: jsonl >= 100,000 spans/s; RSS growth < 100 MB")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            subprocess.run(
                [
                    "psql",
                    "postgres://postgres@127.0.0.1:5432/postgres",
                    "-q",
                    "-c",
                    f'DROP DATABASE IF EXISTS "{args.database}"',
                ],
                check=False,
            )


if __name__ == "__main__":
    main()
