"""Benchmark: incremental agreement and reliability at newsroom scale (PostgreSQL).

For each size (default 1,000 and 10,000 articles x 3 reviewers x 30 spans;
``--huge`` adds 100,000) it creates its own database, loads the corpus of
``recompute_bench.py``, and times in this process (the worker's work, with no
debounce): a cold recompute, the no-op, one span edit -> session report
fresh, one adjudication -> reliability fresh, and the peak RSS. Prints a
table. The machine may be shared: the figures say what it was under.

Run from the project root:
    .venv/bin/python bench/incremental_bench.py [--sizes 1000 10000] [--huge]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from recompute_bench import corpus_load, django_on_fresh_database  # noqa: E402


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
    return parser.parse_args()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(articles: int, spans: int, draws: int) -> dict[str, float]:
    """One size's figures (runs inside django_on_fresh_database)."""
    from django.contrib.auth import get_user_model

    from annotations.models import (
        AgreementReport,
        AgreementUnit,
        ClaimType,
        SessionMembership,
        SpanAnnotation,
    )
    from annotations.services import recompute
    from annotations.services.adjudication import gold_decide
    from annotations.services.agreement import agreement_recompute
    from annotations.services.reliability import reliability_recompute
    from annotations.services.spans import annotation_update

    # The bench times each step itself: writes schedule nothing.
    recompute.agreement_enqueue = lambda **kwargs: None
    started = time.perf_counter()
    session_id = corpus_load(articles, spans)
    figures = {"load_s": time.perf_counter() - started}

    def agreement():
        agreement_recompute(session_id=session_id, bootstrap_draws=draws)

    figures["cold_s"] = _timed(agreement)
    figures["rss_cold_mb"] = _peak_rss_mb()
    reliability_recompute(session_id=session_id)
    figures["noop_s"] = _timed(agreement)
    figures["reliability_noop_s"] = _timed(
        lambda: reliability_recompute(session_id=session_id)
    )
    span = SpanAnnotation.objects.filter(session_id=session_id).order_by("pk").last()
    claims = ClaimType.objects.filter(scheme_id=span.session.scheme_id).exclude(
        pk=span.claim_type_id
    )

    def edit_and_refresh():
        annotation_update(
            span_id=span.pk,
            actor=span.reviewer,
            expected_version=span.version,
            claim_type=claims.first().code,
        )
        agreement()

    figures["edit_fresh_s"] = _timed(edit_and_refresh)
    report = AgreementReport.objects.get(session_id=session_id, article__isnull=True)
    assert not report.stale, "session report not fresh after the edit"
    judge = get_user_model().objects.create(username="bench_judge")
    SessionMembership.objects.create(
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

    figures["decision_reliability_fresh_s"] = _timed(decide_and_refresh)
    figures["rss_peak_mb"] = _peak_rss_mb()
    return figures


ROWS = (
    ("load_s", "corpus load (bulk_create, not a recompute)"),
    ("cold_s", "cold agreement recompute, 1 process"),
    ("noop_s", "agreement no-op"),
    ("reliability_noop_s", "reliability no-op"),
    ("edit_fresh_s", "one span edit -> session report fresh"),
    ("decision_reliability_fresh_s", "one adjudication -> reliability fresh"),
    ("rss_cold_mb", "peak RSS after cold run (MB)"),
    ("rss_peak_mb", "peak RSS overall (MB)"),
)


def main() -> None:
    args = parse_args()
    sizes = list(args.sizes) + ([100_000] if args.huge else [])
    results = {}
    for size in sizes:
        # One process per size, so the RSS figures are each size's own.
        child = os.fork()
        if child == 0:
            with django_on_fresh_database(
                args.server, f"{args.database}_{size}", keep=False
            ):
                figures = measure(size, args.spans, args.draws)
            Path(f"/tmp/incremental_bench_{size}.json").write_text(json.dumps(figures))
            os._exit(0)
        os.waitpid(child, 0)
        results[size] = json.loads(
            Path(f"/tmp/incremental_bench_{size}.json").read_text()
        )
    load = os.getloadavg()[0]
    print(
        f"\n3 reviewers x {args.spans} spans per article, {args.draws} draws; "
        f"load average at the end {load:.1f} (shared machine)\n"
    )
    header = "| figure | " + " | ".join(f"{s:,} articles" for s in sizes) + " |"
    print(header)
    print("|---|" + "---|" * len(sizes))
    for key, title in ROWS:
        cells = []
        for size in sizes:
            value = results[size][key]
            cells.append(f"{value:.0f}" if key.startswith("rss") else f"{value:.2f} s")
        print(f"| {title} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
