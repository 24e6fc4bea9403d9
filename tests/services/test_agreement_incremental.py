"""Incremental recompute (per-article statistics, reduced) equals from scratch.

Random sessions, random edit sequences through the services; after each
burst the incrementally maintained reports are compared with (a) a forced
recompute from nothing (statistics deleted, memory cleared) and (b) the
whole-session computation of before (`payload_build` over every unit).
"""

import math
import random

import pytest
from django.test import override_settings

from annotations.models import (
    AgreementArticleStats,
    AgreementMetric,
    AgreementReport,
    AgreementUnit,
    ClaimType,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.agreement import (
    agreement_compute_inline,
    agreement_recompute,
)
from annotations.services.agreement_stats import cache_clear
from annotations.services.review import review_state_set
from annotations.services.spans import (
    annotation_create,
    annotation_delete,
    annotation_update,
)
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = pytest.mark.django_db

TEXT = "".join(f"Word{n} said the minister in the capital. " for n in range(12))


def _close(got, expected, path=""):
    """Equal up to 1e-9 for floats, exactly otherwise (recursively)."""
    if isinstance(expected, float) or isinstance(got, float):
        assert got is not None and expected is not None, path
        assert math.isclose(got, expected, rel_tol=0, abs_tol=1e-9), (
            path,
            got,
            expected,
        )
    elif isinstance(expected, dict):
        assert set(got) == set(expected), (path, set(got) ^ set(expected))
        for key in expected:
            _close(got[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), path
        for index, (a, b) in enumerate(zip(got, expected, strict=True)):
            _close(a, b, f"{path}[{index}]")
    else:
        assert got == expected, (path, got, expected)


def _world(rng: random.Random, articles: int):
    reviewers = [UserFactory(username=f"inc{n}") for n in range(3)]
    session = session_with_team(
        articles=[ArticleFactory(text=TEXT) for _ in range(articles)],
        reviewers=reviewers,
        required_reviewers=rng.choice([2, 3]),
    )
    claims = list(
        ClaimType.objects.filter(scheme=session.scheme).values_list("code", flat=True)
    )
    levels = list(
        SourcingLevel.objects.filter(scheme=session.scheme).values_list(
            "code", flat=True
        )
    )
    return session, reviewers, claims, levels


def _edit(rng, session, reviewers, claims, levels) -> None:
    """One random write through the services (create, relabel, delete, done)."""
    article_ids = list(session.articles.values_list("pk", flat=True))
    reviewer = rng.choice(reviewers)
    article_id = rng.choice(article_ids)
    own = list(
        SpanAnnotation.objects.filter(
            session=session, article_id=article_id, reviewer=reviewer
        )
    )
    action = rng.random()
    if action < 0.55 or not own:
        word = rng.randrange(12) * len(TEXT) // 12
        start = word + rng.choice([0, 0, 1])
        end = start + rng.choice([5, 6, 12])
        if any(s.start == start and s.end == end for s in own):
            return
        annotation_create(
            session_id=session.pk,
            article_id=article_id,
            reviewer=reviewer,
            start=start,
            end=end,
            quote=TEXT[start:end],
            claim_type=rng.choice(claims),
            sourcing_quality=rng.choice(levels),
            cited_source=rng.choice(["Reuters", "reuters", "officials", ""]),
        )
    elif action < 0.75:
        span = rng.choice(own)
        annotation_update(
            span_id=span.pk,
            actor=reviewer,
            expected_version=span.version,
            claim_type=rng.choice(claims),
            sourcing_quality=rng.choice(levels),
        )
    elif action < 0.88:
        annotation_delete(span_id=rng.choice(own).pk, actor=reviewer)
    else:
        review_state_set(
            session_id=session.pk,
            article_id=article_id,
            reviewer=reviewer,
            done=rng.random() < 0.8,
        )


def _stored(session):
    report = AgreementReport.objects.get(session=session, article__isnull=True)
    articles = {
        r.article_id: r.payload
        for r in AgreementReport.objects.filter(session=session, article__isnull=False)
    }
    units = sorted(
        AgreementUnit.objects.filter(session=session).values_list(
            "article_id", "key", "start", "end", "status", "reviewer_count"
        )
    )
    metrics = sorted(
        AgreementMetric.objects.filter(report__session=session).values_list(
            "report__article_id",
            "dimension",
            "metric",
            "label",
            "reviewer_a",
            "reviewer_b",
            "n",
        ),
        key=str,
    )
    return report, articles, units, metrics


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_from_scratch_after_random_edits(seed):
    rng = random.Random(seed)
    session, reviewers, claims, levels = _world(rng, articles=rng.randrange(3, 7))
    with override_settings(AGREEMENT_BOOTSTRAP_DRAWS=50, AGREEMENT_BOOTSTRAP="unit"):
        for _ in range(4):
            for _ in range(rng.randrange(1, 12)):
                _edit(rng, session, reviewers, claims, levels)
            agreement_recompute(session_id=session.pk)
            report, articles, units, metrics = _stored(session)
            assert not report.stale
            # (b) the whole-session computation of before, unit bootstrap.
            _close(
                {k: v for k, v in report.payload.items() if k != "params"},
                {
                    k: v
                    for k, v in agreement_compute_inline(session_id=session.pk).items()
                    if k != "params"
                },
            )
            # (a) from nothing: same stored payloads, units and metric rows.
            AgreementArticleStats.objects.filter(session=session).delete()
            cache_clear()
            agreement_recompute(session_id=session.pk, force=True)
            again, again_articles, again_units, again_metrics = _stored(session)
            _close(again.payload, report.payload)
            _close(again_articles, articles)
            assert again_units == units
            assert again_metrics == metrics


def test_one_edit_recomputes_one_article_and_the_cluster_ci_is_seeded():
    rng = random.Random(7)
    session, reviewers, claims, levels = _world(rng, articles=12)
    with override_settings(
        AGREEMENT_BOOTSTRAP_DRAWS=200, AGREEMENT_CLUSTER_MIN_ARTICLES=3
    ):
        for _ in range(120):
            _edit(rng, session, reviewers, claims, levels)
        first = agreement_recompute(session_id=session.pk)
        assert first.payload["params"]["bootstrap"] == "article"
        before = dict(
            AgreementArticleStats.objects.filter(session=session).values_list(
                "article_id", "computed_at"
            )
        )
        span = SpanAnnotation.objects.filter(session=session).first()
        annotation_update(
            span_id=span.pk,
            actor=span.reviewer,
            expected_version=span.version,
            claim_type=next(c for c in claims if c != span.claim_type.code),
        )
        second = agreement_recompute(session_id=session.pk)
        after = dict(
            AgreementArticleStats.objects.filter(session=session).values_list(
                "article_id", "computed_at"
            )
        )
        assert [a for a in after if after[a] != before[a]] == [span.article_id]
        assert not second.stale
        # From scratch: the same figures and the same seeded cluster interval.
        AgreementArticleStats.objects.filter(session=session).delete()
        cache_clear()
        third = agreement_recompute(session_id=session.pk, force=True)
        _close(third.payload, second.payload)
        claim = second.payload["labels"]["claim_type"]
        if claim["alpha"] is not None:
            low, high = claim["ci"]
            assert low <= high
