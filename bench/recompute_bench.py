"""Benchmark: full agreement recompute of a large session on PostgreSQL.

Creates its own database (default ``wb_bench_agree``), loads ARTICLES articles x
3 reviewers x SPANS spans with bulk_create, then times a full recompute per
phase, a second (no-op) run, and the incremental run after one span edit.
The database is dropped at the end (``--keep`` keeps it).

Run from the project root:
    .venv/bin/python bench/recompute_bench.py [--articles 1000] [--spans 30]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (
    "talks ceasefire Kabul Islamabad minister said border security delegation "
    "Istanbul mediators Qatar Turkey demand Taliban spokesperson confirmed "
    "negotiations collapsed attacks militants statement officials reported "
    "government sovereignty round agreement failed sources according"
).split()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--spans", type=int, default=30, help="per reviewer/article")
    parser.add_argument("--draws", type=int, default=1000, help="bootstrap draws")
    parser.add_argument("--database", default="wb_bench_agree")
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="no db name"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


def database_recreate(
    server: str, name: str, *, drop_only: bool = False, template: str = ""
) -> None:
    """Drop and create database `name` (a copy of `template` when given)."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{copy}')


@contextmanager
def django_on_fresh_database(server: str, name: str, *, keep: bool, **env: str):
    """Django set up and migrated on a new database `name`, dropped afterwards
    unless `keep`. Tasks run in-process (no broker); `env` adds settings."""
    os.environ.update(
        DATABASE_URL=f"{server}/{name}", REDIS_URL="", LOG_LEVEL="WARNING", **env
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    database_recreate(server, name)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            database_recreate(server, name, drop_only=True)


def corpus_load(articles: int, spans_per_reviewer: int) -> int:
    """Session, users, articles and spans by bulk_create; returns the session id."""
    from django.contrib.auth import get_user_model

    from annotations import models
    from annotations.services.schemes import scheme_ensure_default
    from annotations.text import text_sha256

    rng = random.Random(7)
    scheme = scheme_ensure_default()
    claims = list(models.ClaimType.objects.filter(scheme=scheme))
    levels = list(models.SourcingLevel.objects.filter(scheme=scheme))
    sources = ["Zabihullah Mujahid", "Khawaja Asif", "Reuters", "officials", ""]
    users = [
        get_user_model().objects.create(username=f"bench_reviewer{i}") for i in range(3)
    ]
    session = models.AnnotationSession.objects.create(
        name="bench", scheme=scheme, required_reviewers=3
    )
    models.SessionMembership.objects.bulk_create(
        models.SessionMembership(session=session, user=user, role="reviewer")
        for user in users
    )
    texts = [" ".join(rng.choice(WORDS) for _ in range(700)) for _ in range(articles)]
    rows = models.Article.objects.bulk_create(
        [
            models.Article(
                external_id=f"bench-{i}",
                title=f"Bench article {i}",
                text=text,
                text_sha256=text_sha256(text),
            )
            for i, text in enumerate(texts)
        ],
        batch_size=500,
    )
    models.SessionArticle.objects.bulk_create(
        [
            models.SessionArticle(session=session, article=article, position=i)
            for i, article in enumerate(rows)
        ],
        batch_size=1000,
    )
    spans, states = [], []
    for article in rows:
        length = len(article.text)
        base = []
        for _ in range(spans_per_reviewer):
            start = rng.randrange(0, length - 120)
            base.append(
                (
                    start,
                    start + rng.randrange(15, 110),
                    rng.choice(claims),
                    rng.choice(levels),
                    rng.choice(sources),
                )
            )
        for user in users:
            seen = set()
            for start, end, claim, level, source in base:
                # Reviewers mostly agree: jittered offsets, some other labels.
                start = max(0, start + rng.randrange(-4, 5))
                end = min(length, end + rng.randrange(-4, 5))
                if (start, end) in seen:
                    continue
                seen.add((start, end))
                spans.append(
                    models.SpanAnnotation(
                        session=session,
                        article=article,
                        reviewer=user,
                        start=start,
                        end=end,
                        quote=article.text[start:end],
                        claim_type=claim if rng.random() < 0.8 else rng.choice(claims),
                        sourcing_quality=level
                        if rng.random() < 0.75
                        else rng.choice(levels),
                        cited_source=source if rng.random() < 0.85 else "",
                    )
                )
            states.append(
                models.ReviewState(
                    session=session,
                    article=article,
                    reviewer=user,
                    done=True,
                    done_at=session.created_at,
                )
            )
    models.SpanAnnotation.objects.bulk_create(spans, batch_size=5000)
    models.ReviewState.objects.bulk_create(states, batch_size=5000)
    return session.pk


def main() -> None:
    args = parse_args()
    with django_on_fresh_database(args.server, args.database, keep=args.keep):
        from annotations.models import AgreementMetric, AgreementUnit, SpanAnnotation
        from annotations.services.agreement import agreement_recompute

        started = time.perf_counter()
        session_id = corpus_load(args.articles, args.spans)
        span_count = SpanAnnotation.objects.filter(session_id=session_id).count()
        print(
            f"corpus: {args.articles} articles x 3 reviewers, {span_count} spans "
            f"loaded in {time.perf_counter() - started:.1f} s; "
            f"bootstrap draws {args.draws}"
        )

        def run(title: str, **options):
            timings: dict[str, float] = {}
            started, cpu = time.perf_counter(), time.process_time()
            report = agreement_recompute(
                session_id=session_id,
                bootstrap_draws=args.draws,
                timings=timings,
                **options,
            )
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"\n{title}: {wall:.2f} s wall, {cpu:.2f} s CPU of this process")
            for phase, ms in timings.items():
                print(f"  {phase:<28} {ms / 1000:8.3f} s")
            return report

        report = run("full recompute (cold)")
        claim = report.payload["labels"]["claim_type"]
        overlap = report.payload["detection"]["overlap"]
        print(
            f"  -> units {AgreementUnit.objects.count()}, "
            f"metric rows {AgreementMetric.objects.count()}, "
            f"claim alpha {claim['alpha']:.3f} "
            f"CI [{claim['ci'][0]:.3f}, {claim['ci'][1]:.3f}], "
            f"overlap micro F1 {overlap['micro_f1']:.3f}"
        )
        run("second run (fingerprint unchanged: no-op)")
        run("forced full recompute (warm: nothing changed in the rows)", force=True)
        span = SpanAnnotation.objects.filter(session_id=session_id).first()
        SpanAnnotation.objects.filter(pk=span.pk).update(
            version=span.version + 1, cited_source="Someone else"
        )
        run("after one span edit (1 article + session rewritten)")


if __name__ == "__main__":
    main()
