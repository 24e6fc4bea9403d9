"""A cold recompute fanned out over two real workers stores what one stores."""

import random
import time

import pytest
from django.conf import settings
from django.test import override_settings

from annotations.models import (
    AgreementArticleStats,
    AgreementReport,
    AgreementUnit,
    SessionArticle,
    SpanAnnotation,
)
from annotations.tasks import recompute_agreement
from tests.conftest import WorkerProcess
from tests.factories import ArticleFactory, session_with_team

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TEXT = "".join(f"Word{n} said the minister in the capital. " for n in range(10))


def _corpus(reviewers) -> object:
    """Seven articles, three reviewers, jittered spans straight into the table."""
    rng = random.Random(3)
    articles = [ArticleFactory(text=TEXT) for _ in range(7)]
    session = session_with_team(articles=articles, reviewers=reviewers)
    claims = list(session.scheme.claim_types.all())
    levels = list(session.scheme.sourcing_levels.all())
    rows = []
    for article in articles:
        for index in range(6):
            base = index * len(TEXT) // 6
            for user in reviewers:
                start = base + rng.choice([0, 0, 1])
                rows.append(
                    SpanAnnotation(
                        session=session,
                        article=article,
                        reviewer=user,
                        start=start,
                        end=start + rng.choice([8, 9, 15]),
                        quote=TEXT[start : start + 8],
                        claim_type=rng.choice(claims),
                        sourcing_quality=rng.choice(levels),
                        cited_source=rng.choice(["Reuters", "officials", ""]),
                    )
                )
    for row in rows:
        row.quote = TEXT[row.start : row.end]
    SpanAnnotation.objects.bulk_create(rows)
    return session


def _stored(session):
    report = AgreementReport.objects.get(session=session, article__isnull=True)
    return {
        "session": report.payload,
        "articles": {
            r.article_id: r.payload
            for r in AgreementReport.objects.filter(
                session=session, article__isnull=False
            )
        },
        "units": sorted(
            AgreementUnit.objects.filter(session=session).values_list(
                "article_id", "key", "start", "end", "status", "reviewer_count"
            )
        ),
        "stats": sorted(
            (a, bytes(s), bytes(u))
            for a, s, u in AgreementArticleStats.objects.filter(
                session=session
            ).values_list("article_id", "stats", "unit_stats")
        ),
    }


def _cold_run(session, queue: str) -> dict:
    """Forget every derived row, recompute on the queue, wait for the reduce."""
    AgreementReport.objects.filter(session=session).delete()
    AgreementUnit.objects.filter(session=session).delete()
    AgreementArticleStats.objects.filter(session=session).delete()
    recompute_agreement.apply_async(
        kwargs={"session_id": session.pk, "bootstrap_draws": 100}, queue=queue
    )
    articles = SessionArticle.objects.filter(session=session).count()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        report = AgreementReport.objects.filter(
            session=session, article__isnull=True, computed_at__isnull=False
        ).first()
        if report is not None and not report.stale:
            assert AgreementArticleStats.objects.filter(session=session).count() == (
                articles
            )
            return _stored(session)
        time.sleep(0.3)
    raise AssertionError("no fresh session report within 120 s")


def _chunks_run(log_path) -> int:
    text = log_path.read_text(errors="replace")
    return text.count("annotations.recompute_agreement_chunk[") // 2


def test_fanned_out_cold_recompute_over_two_workers_equals_one(
    reviewer_a, reviewer_b, reviewer_c, tmp_path, monkeypatch
):
    session = _corpus([reviewer_a, reviewer_b, reviewer_c])
    # Chunks of two articles: seven articles make four chunks.
    monkeypatch.setenv("AGREEMENT_FANOUT_CHUNK", "2")
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}_fanout"
    workers = [
        WorkerProcess(tmp_path / f"fanout-{n}.log", name=f"fanout{n}") for n in (1, 2)
    ]
    with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
        workers[0].start()
    try:
        one = _cold_run(session, queue)
        with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
            workers[1].start()
        two = _cold_run(session, queue)
    finally:
        for worker in workers:
            if worker.process is not None:
                worker.stop()
    assert two == one
    assert one["session"]["counts"]["articles"] == 7
    # The first run was split into four chunks on the one worker; the second
    # run's four chunks were shared by the two workers.
    first_log = _chunks_run(workers[0].log_path)
    second_log = _chunks_run(workers[1].log_path)
    assert first_log + second_log == 8, (first_log, second_log)
