"""Benchmark: source reliability recompute of a large session on PostgreSQL.

Creates its own database (default ``wb_bench_reliability``), loads the corpus of
``recompute_bench.py`` (ARTICLES articles x 3 reviewers x SPANS spans) spread over
12 outlets, runs the agreement recompute (which forms and labels the units),
adjudicates a share of the disputed units into gold spans with verdicts, then
times the reliability recompute: cold, a no-op second run, and the run after one
more gold decision. Prints the subjects scored and the time per run.

Run from the project root:
    .venv/bin/python bench/reliability_bench.py [--articles 1000] [--spans 30]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from recompute_bench import corpus_load, django_on_fresh_database  # noqa: E402

OUTLETS = 12


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--spans", type=int, default=30, help="per reviewer/article")
    parser.add_argument(
        "--adjudicate", type=float, default=0.3, help="share of disputed units"
    )
    parser.add_argument("--draws", type=int, default=2000, help="bootstrap draws")
    parser.add_argument("--database", default="wb_bench_reliability")
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="no db name"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


def outlets_assign(session_id: int) -> None:
    from annotations.models import Article, Outlet

    outlets = Outlet.objects.bulk_create(
        Outlet(name=f"Bench outlet {i}", domain=f"outlet{i}.example")
        for i in range(OUTLETS)
    )
    articles = list(Article.objects.filter(sessionarticle__session_id=session_id))
    for index, article in enumerate(articles):
        article.outlet = outlets[index % OUTLETS]
    Article.objects.bulk_update(articles, ["outlet"], batch_size=1000)


def gold_adjudicate(session_id: int, share: float) -> int:
    """Accept one member of `share` of the disputed units, with a verdict."""
    from django.contrib.auth import get_user_model

    from annotations.models import (
        AgreementStatus,
        AgreementUnit,
        GoldSpan,
        SessionMembership,
    )

    rng = random.Random(11)
    judge = get_user_model().objects.create(username="bench_adjudicator")
    SessionMembership.objects.create(
        session_id=session_id, user=judge, role="adjudicator"
    )
    units = list(
        AgreementUnit.objects.filter(
            session_id=session_id, status=AgreementStatus.DISPUTED
        ).prefetch_related("spans")
    )
    chosen = rng.sample(units, int(len(units) * share))
    golds, sources = [], []
    for unit in chosen:
        members = sorted(unit.spans.all(), key=lambda span: span.pk)
        span = rng.choice(members)
        golds.append(
            GoldSpan(
                session_id=session_id,
                article_id=unit.article_id,
                unit=unit,
                unit_key=unit.key,
                decision="accepted",
                start=span.start,
                end=span.end,
                quote=span.quote,
                claim_type_id=span.claim_type_id,
                sourcing_quality_id=span.sourcing_quality_id,
                cited_source=span.cited_source,
                verdict=rng.choice(["supported", "supported", "contradicted", ""]),
                source_versions={str(m.pk): m.version for m in members},
                decided_by=judge,
                accepted_span=span,
                accepted_reviewer_id=span.reviewer_id,
            )
        )
        sources.append(members)
    GoldSpan.objects.bulk_create(golds, batch_size=1000)
    through = GoldSpan.source_spans.through
    through.objects.bulk_create(
        [
            through(goldspan_id=gold.pk, spanannotation_id=member.pk)
            for gold, members in zip(golds, sources, strict=True)
            for member in members
        ],
        batch_size=5000,
    )
    AgreementUnit.objects.filter(pk__in=[unit.pk for unit in chosen]).update(
        status=AgreementStatus.ADJUDICATED
    )
    return len(golds)


def main() -> None:
    args = parse_args()
    with django_on_fresh_database(
        args.server,
        args.database,
        keep=args.keep,
        RELIABILITY_BOOTSTRAP_DRAWS=str(args.draws),
    ):
        from django.contrib.auth import get_user_model
        from django.db.models import Count

        from annotations.models import AgreementUnit, ReliabilityScore, SpanAnnotation
        from annotations.services import recompute
        from annotations.services.adjudication import gold_decide
        from annotations.services.agreement import agreement_recompute
        from annotations.services.reliability import reliability_recompute

        # The bench times each step itself: no recompute scheduled by the writes.
        recompute.agreement_enqueue = lambda **kwargs: None
        started = time.perf_counter()
        session_id = corpus_load(args.articles, args.spans)
        outlets_assign(session_id)
        agreement_recompute(session_id=session_id, bootstrap_draws=200)
        decided = gold_adjudicate(session_id, args.adjudicate)
        statuses = dict(
            AgreementUnit.objects.filter(session_id=session_id)
            .values_list("status")
            .annotate(n=Count("id"))
        )
        print(
            f"corpus: {args.articles} articles x 3 reviewers over {OUTLETS} outlets, "
            f"{SpanAnnotation.objects.filter(session_id=session_id).count()} spans, "
            f"units {statuses}, {decided} gold spans; set up in "
            f"{time.perf_counter() - started:.1f} s; bootstrap draws {args.draws}"
        )

        def run(title: str, **options):
            timings: dict[str, float] = {}
            started, cpu = time.perf_counter(), time.process_time()
            report = reliability_recompute(
                session_id=session_id, timings=timings, **options
            )
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"\n{title}: {wall:.2f} s wall, {cpu:.2f} s CPU of this process")
            print(f"  ({load_average()})")
            for phase, ms in timings.items():
                print(f"  {phase:<24} {ms / 1000:8.3f} s")
            return report

        report = run("reliability recompute (cold)")
        kinds = dict(
            ReliabilityScore.objects.filter(report=report)
            .values_list("subject_kind")
            .annotate(n=Count("id"))
        )
        print(
            f"  -> score rows by subject kind {kinds}, "
            f"claims excluded {report.excluded_count}"
        )
        run("second run (fingerprint unchanged: no-op)")
        run("forced recompute (nothing changed)", force=True)
        unit = (
            AgreementUnit.objects.filter(session_id=session_id, status="disputed")
            .order_by("pk")
            .first()
        )
        judge = get_user_model().objects.get(username="bench_adjudicator")
        gold_decide(
            unit_id=unit.pk,
            adjudicator=judge,
            decision="accepted",
            accept_span_id=unit.spans.order_by("pk").first().pk,
            verdict="contradicted",
        )
        run("after one more gold decision")


if __name__ == "__main__":
    main()
