"""Benchmark: incremental agreement and reliability at newsroom scale (PostgreSQL).

For each size (default 1,000 and 10,000 articles x 3 reviewers x 30 spans;
``--huge`` adds 100,000) it uses its own database (``--reuse`` keeps it and
its corpus between runs), loads the corpus of ``recompute_bench.py``, and
times:

- with ``--redis`` (a Redis URL): a cold recompute (every derived row
  deleted) sent to 1 and then 2 real `celery worker` processes
  (``--concurrency=1`` each, fresh processes each run, a queue of each run's
  own), from send to the session report fresh and on to the reliability
  report fresh, with the workers' peak RSS over both;
- in this process (the worker's code, no debounce): the first run of a fresh
  process (it reads every stored statistic and builds the reduction state),
  a forced reliability recompute (every article re-read), the no-ops, one
  span edit -> session report fresh (median of 3), one adjudication ->
  agreement and reliability fresh, and the peak RSS.

Prints a table with the load average before each figure (the machine may be
shared). Run from the project root:
    .venv/bin/python bench/incremental_bench.py [--sizes 1000 10000] [--huge]
        [--redis redis://127.0.0.1:6379/3] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from recompute_bench import corpus_load, database_recreate  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--huge", action="store_true", help="add 100,000 articles")
    parser.add_argument("--spans", type=int, default=30, help="per reviewer/article")
    parser.add_argument("--draws", type=int, default=1000, help="bootstrap draws")
    parser.add_argument("--database", default="wb_bench_incremental")
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="no db name"
    )
    parser.add_argument("--redis", default="", help="broker for the worker runs")
    parser.add_argument("--reuse", action="store_true", help="keep the databases")
    return parser.parse_args()


def _load() -> float:
    return os.getloadavg()[0]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(action) -> tuple[float, float]:
    """(seconds, load average just before)."""
    load = _load()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started, load


def _django(server: str, name: str, *, reuse: bool) -> None:
    import psycopg

    os.environ.update(
        DATABASE_URL=f"{server}/{name}", REDIS_URL="", LOG_LEVEL="WARNING"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    if not (reuse and exists):
        database_recreate(server, name)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _forget(session_id: int) -> None:
    """Every derived row of the session gone (gold decisions lose their unit
    link, as when units are realigned): the next run is cold."""
    from django.db import connection

    units = "SELECT id FROM annotations_agreementunit WHERE session_id = %s"
    reports = "SELECT id FROM annotations_agreementreport WHERE session_id = %s"
    statements = (
        f"UPDATE annotations_goldspan SET unit_id = NULL WHERE unit_id IN ({units})",
        "DELETE FROM annotations_agreementunit_spans"
        f" WHERE agreementunit_id IN ({units})",
        "DELETE FROM annotations_agreementunit WHERE session_id = %s",
        f"DELETE FROM annotations_agreementmetric WHERE report_id IN ({reports})",
        "DELETE FROM annotations_agreementarticlestats WHERE session_id = %s",
        "DELETE FROM annotations_agreementreport WHERE session_id = %s",
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [session_id])


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1]
            except OSError:
                continue
            if int(stat.split()[1]) == pid:
                found.append(int(entry))
    return found


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _workers_cold(
    session_id: int, count: int, *, redis_url: str, database_url: str, draws: int
) -> tuple[float, float, float]:
    """(seconds, load before, peak RSS MB of a worker, seconds until the
    reliability report is fresh too) of a cold recompute sent to ``count``
    fresh worker processes."""
    from celery import Celery
    from django.utils import timezone

    from annotations.models import AgreementReport, ReliabilityReport

    # A queue of this run's own: a task left by the previous run (the
    # reliability recompute its reduce scheduled) must not run in this one.
    queue = f"bench_incremental_{os.getpid()}_{count}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_SOFT_TIME_LIMIT": "3000",
        "CELERY_TASK_TIME_LIMIT": "3600",
    }
    logs = [open(f"/tmp/incremental_bench_worker{n}.log", "ab") for n in range(count)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workbench", "worker"]
            + ["--loglevel=WARNING", "--concurrency=1", "--without-gossip"]
            + ["--without-mingle", "-Q", queue, "-n", f"bench{n}-{os.getpid()}@%h"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for n, log in enumerate(logs)
    ]
    app = Celery(broker=redis_url, backend=redis_url)
    try:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1.0)) < count:
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not answer")
        _forget(session_id)
        load = _load()
        started, sent_at = time.perf_counter(), timezone.now()
        agreement_s = None
        app.send_task(
            "annotations.recompute_agreement",
            kwargs={"session_id": session_id, "bootstrap_draws": draws},
            queue=queue,
        )
        peak = 0.0
        while True:
            for worker in workers:
                for pid in [worker.pid, *_children(worker.pid)]:
                    try:
                        peak = max(peak, _hwm_mb(pid))
                    except OSError:
                        pass
            report = AgreementReport.objects.filter(
                session_id=session_id, article__isnull=True, computed_at__isnull=False
            ).first()
            if agreement_s is None and report is not None and not report.stale:
                agreement_s = time.perf_counter() - started
            reliability = ReliabilityReport.objects.filter(
                session_id=session_id, computed_at__gte=sent_at
            ).first()
            if agreement_s is not None and reliability and not reliability.stale:
                return agreement_s, load, peak, time.perf_counter() - started
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)
        for log in logs:
            log.close()


def measure(args: argparse.Namespace, size: int) -> dict[str, list[float]]:
    """One size's figures as [value, load average before]."""
    from annotations.models import AnnotationSession

    if not AnnotationSession.objects.exists():
        corpus_load(size, args.spans)
    session_id = AnnotationSession.objects.order_by("pk").last().pk
    figures: dict[str, list[float]] = {}
    if args.redis:
        database_url = os.environ["DATABASE_URL"]
        for count in (1, 2):
            seconds, load, peak, with_reliability = _workers_cold(
                session_id,
                count,
                redis_url=args.redis,
                database_url=database_url,
                draws=args.draws,
            )
            figures[f"cold_{count}w_s"] = [seconds, load]
            figures[f"rss_worker_{count}w_mb"] = [peak, load]
            figures[f"cold_reliability_{count}w_s"] = [with_reliability, load]
    figures.update(_in_process(session_id, args.draws))
    return figures


def _in_process(session_id: int, draws: int) -> dict[str, list[float]]:
    from annotations.models import (
        AgreementReport,
        ClaimType,
        SpanAnnotation,
    )
    from annotations.services import recompute
    from annotations.services.agreement import agreement_recompute
    from annotations.services.reliability import reliability_recompute
    from annotations.services.spans import annotation_update

    # The bench times each step itself: writes schedule nothing.
    recompute.agreement_enqueue = lambda **kwargs: None

    phases: list[dict[str, float]] = []

    def agreement():
        phases.append({})
        agreement_recompute(
            session_id=session_id, bootstrap_draws=draws, timings=phases[-1]
        )

    figures = {}
    figures["first_run_s"] = list(_timed(agreement))
    figures["reliability_forced_s"] = list(
        _timed(lambda: reliability_recompute(session_id=session_id, force=True))
    )
    figures["rss_after_reliability_forced_mb"] = [_peak_rss_mb(), _load()]
    figures["noop_s"] = list(_timed(agreement))
    figures["reliability_noop_s"] = list(
        _timed(lambda: reliability_recompute(session_id=session_id))
    )
    span = SpanAnnotation.objects.filter(session_id=session_id).order_by("pk").last()
    claims = list(
        ClaimType.objects.filter(scheme_id=span.session.scheme_id).values_list(
            "code", flat=True
        )
    )
    edits = []
    for _ in range(3):
        span.refresh_from_db()
        code = next(c for c in claims if c != span.claim_type.code)

        def edit_and_refresh(code=code):
            annotation_update(
                span_id=span.pk,
                actor=span.reviewer,
                expected_version=span.version,
                claim_type=code,
            )
            agreement()

        edits.append(_timed(edit_and_refresh))
        report = AgreementReport.objects.get(
            session_id=session_id, article__isnull=True
        )
        assert not report.stale, "session report not fresh after the edit"
    median = statistics.median(seconds for seconds, _ in edits)
    figures["edit_fresh_s"] = [median, edits[0][1]]
    figures["edit_first_s"] = list(edits[0])
    # Milliseconds per phase of each edit's recompute (the bench prints them).
    figures["edit_phases"] = phases[-3:]
    decided = _decision_timed(session_id, agreement)
    if decided is not None:
        figures["decision_reliability_fresh_s"] = decided
    figures["rss_peak_mb"] = [_peak_rss_mb(), _load()]
    return figures


def _decision_timed(session_id: int, agreement) -> list[float] | None:
    """One adjudication -> agreement and reliability fresh: [seconds, load]."""
    from django.contrib.auth import get_user_model

    from annotations.models import AgreementUnit, SessionMembership
    from annotations.services.adjudication import gold_decide
    from annotations.services.reliability import reliability_recompute

    judge, _ = get_user_model().objects.get_or_create(username="bench_judge")
    SessionMembership.objects.get_or_create(
        session_id=session_id, user=judge, role="adjudicator"
    )
    unit = (
        AgreementUnit.objects.filter(session_id=session_id, status="disputed")
        .order_by("pk")
        .first()
    )

    def decide_and_refresh():
        gold_decide(
            unit_id=unit.pk,
            adjudicator=judge,
            decision="accepted",
            accept_span_id=unit.spans.order_by("pk").first().pk,
            verdict="contradicted",
        )
        agreement()
        reliability_recompute(session_id=session_id)

    return None if unit is None else list(_timed(decide_and_refresh))


ROWS = (
    ("cold_1w_s", "cold recompute, 1 worker process"),
    ("cold_2w_s", "cold recompute, 2 worker processes"),
    ("cold_reliability_1w_s", "cold, then reliability fresh too, 1 worker"),
    ("cold_reliability_2w_s", "cold, then reliability fresh too, 2 workers"),
    ("rss_worker_1w_mb", "worker peak RSS, 1 worker (MB)"),
    ("rss_worker_2w_mb", "worker peak RSS, 2 workers (MB, largest)"),
    ("first_run_s", "first run of a fresh process (a no-op)"),
    ("noop_s", "agreement no-op"),
    ("reliability_forced_s", "reliability forced (every article re-read)"),
    ("rss_after_reliability_forced_mb", "peak RSS after it, in process (MB)"),
    ("reliability_noop_s", "reliability no-op"),
    ("edit_first_s", "first edit -> fresh in a fresh process (builds the state)"),
    ("edit_fresh_s", "one span edit -> session report fresh (median of 3)"),
    ("decision_reliability_fresh_s", "one adjudication -> reliability fresh"),
    ("rss_peak_mb", "peak RSS of the in-process runs (MB)"),
)


def main() -> None:
    args = parse_args()
    sizes = list(args.sizes) + ([100_000] if args.huge else [])
    results = {}
    for size in sizes:
        # One process per size, so the RSS figures are each size's own.
        child = os.fork()
        if child == 0:
            name = f"{args.database}_{size}"
            _django(args.server, name, reuse=args.reuse)
            figures = measure(args, size)
            from django.db import connections

            connections.close_all()
            if not args.reuse:
                database_recreate(args.server, name, drop_only=True)
            Path(f"/tmp/incremental_bench_{size}.json").write_text(json.dumps(figures))
            os._exit(0)
        os.waitpid(child, 0)
        results[size] = json.loads(
            Path(f"/tmp/incremental_bench_{size}.json").read_text()
        )
    print(
        f"\n3 reviewers x {args.spans} spans per article, {args.draws} draws; "
        "each cell: figure (load average just before; shared 2-core machine)\n"
    )
    print("| figure | " + " | ".join(f"{s:,} articles" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for key, title in ROWS:
        if not any(key in results[size] for size in sizes):
            continue
        cells = []
        for size in sizes:
            if key not in results[size]:
                cells.append("-")
                continue
            value, load = results[size][key]
            shown = f"{value:.0f}" if key.startswith("rss") else f"{value:.2f} s"
            cells.append(f"{shown} ({load:.1f})")
        print(f"| {title} | " + " | ".join(cells) + " |")
    for size in sizes:
        for number, phases in enumerate(results[size].get("edit_phases", []), 1):
            shown = ", ".join(f"{k} {v:.0f}" for k, v in phases.items())
            print(f"\n{size:,} articles, edit {number} (ms): {shown}", end="")
    print()


if __name__ == "__main__":
    main()
