"""Reads for the agreement API: stored reports as plain data, units with members.

No access checks here (the views' permission classes ask `annotations.access`);
`api/agreement_views.py` renders what these return.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet

from annotations.models import (
    AgreementReport,
    AgreementUnit,
    AnnotationSession,
    Article,
    SessionArticle,
    SpanAnnotation,
)
from annotations.selectors import agreement_readings, article_alpha_readings
from annotations.selectors.adjudication import session_has_article, with_reason
from annotations.text import OffsetMap


def report_data(
    report: AgreementReport | None, *, session: AnnotationSession
) -> dict[str, Any] | None:
    """A stored report as the API shows it (the payload only once computed)."""
    if report is None:
        return None
    shown = report.payload if report.computed_at else None
    return {
        "session": report.session_id,
        "article": report.article_id,
        "stale": report.stale,
        "computed_at": report.computed_at,
        "duration_ms": report.duration_ms,
        "fingerprint": report.fingerprint,
        "task_id": report.task_id,
        "payload": shown,
        "readings": agreement_readings(
            session=session, payload=shown, article_id=report.article_id
        ),
    }


def _article_summary(
    *,
    session: AnnotationSession,
    article_id: int,
    title: str,
    report: AgreementReport | None,
) -> dict[str, Any]:
    payload = (report.payload if report else None) or {}
    labels = payload.get("labels", {})
    counts = payload.get("counts", {})
    return {
        "article": article_id,
        "title": title,
        "stale": report.is_stale if report else True,
        "computed_at": report.computed_at if report else None,
        "units": counts.get("units"),
        "status": counts.get("status"),
        "claim_type_alpha": labels.get("claim_type", {}).get("alpha"),
        "sourcing_quality_alpha": labels.get("sourcing_quality", {}).get("alpha"),
        "overlap_f1": payload.get("detection", {}).get("overlap", {}).get("micro_f1"),
        **article_alpha_readings(session=session, labels=labels),
    }


def session_agreement(*, session: AnnotationSession) -> dict[str, Any]:
    """The session report and one summary per article, in session order."""
    reports = {
        report.article_id: report
        for report in AgreementReport.objects.filter(session=session).with_staleness()
    }
    articles = [
        _article_summary(
            session=session,
            article_id=article_id,
            title=title or external_id,
            report=reports.get(article_id),
        )
        for article_id, title, external_id in (
            SessionArticle.objects.filter(session=session)
            .order_by("position", "article_id")
            .values_list("article_id", "article__title", "article__external_id")
        )
    ]
    return {
        "report": report_data(reports.get(None), session=session),
        "articles": articles,
    }


def article_agreement(
    *, session: AnnotationSession, article_id: int
) -> dict[str, Any] | None:
    """One article's report (an empty stale one before the first compute).

    None when the article is not in the session.
    """
    if not session_has_article(session_id=session.pk, article_id=article_id):
        return None
    report = AgreementReport.objects.filter(
        session=session, article_id=article_id
    ).first()
    return report_data(report, session=session) or {
        "session": session.pk,
        "article": article_id,
        "stale": True,
        "computed_at": None,
        "duration_ms": None,
        "fingerprint": "",
        "task_id": "",
        "payload": None,
        "readings": None,
    }


def agreement_units(
    *,
    session_id: int,
    article_id: int | None,
    status: str | None,
    reason: str | None,
) -> QuerySet[AgreementUnit]:
    """Units in article and text order, members by reviewer then start."""
    units = AgreementUnit.objects.filter(session_id=session_id).order_by(
        "article_id", "start", "end", "key"
    )
    if article_id is not None:
        units = units.filter(article_id=article_id)
    if status is not None:
        units = units.filter(status=status)
    members = SpanAnnotation.objects.select_related(
        "reviewer", "claim_type", "sourcing_quality"
    ).order_by("reviewer__username", "start", "id")
    return with_reason(units, reason).prefetch_related(
        Prefetch("spans", queryset=members)
    )


def unit_offset_maps(units) -> dict[int, OffsetMap]:
    """Offset maps of the articles a page of units comes from."""
    texts = Article.objects.filter(pk__in={unit.article_id for unit in units})
    return {article.pk: OffsetMap(article.text) for article in texts.only("id", "text")}
