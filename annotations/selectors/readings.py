"""Reads around agreement reports: label usage, scheme names, readings; export jobs."""

from django.db.models import Count

from annotations.metrics.diagnostics import report_readings
from annotations.metrics.readings import alpha_reading
from annotations.models import (
    AnnotationSession,
    ClaimType,
    ExportJob,
    SourcingLevel,
    SpanAnnotation,
)


def label_usage(
    *, session_id: int, article_id: int | None = None
) -> dict[str, dict[str, dict[str, int]]]:
    """{dimension: {reviewer: {code: spans}}} for claim type and sourcing quality."""
    usage: dict[str, dict[str, dict[str, int]]] = {}
    spans = SpanAnnotation.objects.filter(session_id=session_id)
    if article_id is not None:
        spans = spans.filter(article_id=article_id)
    for dimension in ("claim_type", "sourcing_quality"):
        by_reviewer: dict[str, dict[str, int]] = {}
        for reviewer, code, count in (
            spans.values_list("reviewer__username", f"{dimension}__code")
            .annotate(count=Count("id"))
            .order_by()
        ):
            by_reviewer.setdefault(reviewer, {})[code] = count
        usage[dimension] = by_reviewer
    return usage


def scheme_names(*, session: AnnotationSession) -> dict[str, dict[str, str]]:
    """{dimension: {code: display name}} of the session's label scheme."""
    return {
        "claim_type": dict(
            ClaimType.objects.filter(scheme_id=session.scheme_id).values_list(
                "code", "name"
            )
        ),
        "sourcing_quality": dict(
            SourcingLevel.objects.filter(scheme_id=session.scheme_id).values_list(
                "code", "name"
            )
        ),
    }


def agreement_readings(
    *, session: AnnotationSession, payload: dict | None, article_id: int | None = None
) -> dict | None:
    """Readings and diagnostics of a stored payload (None without one).

    Label usage per reviewer is read over the report's scope (the session, or
    the article of an article report).
    """
    if not payload or "labels" not in payload:
        return None
    return report_readings(
        payload,
        min_units=session.reading_min_units,
        usage=label_usage(session_id=session.pk, article_id=article_id),
        names=scheme_names(session=session),
    )


def article_alpha_readings(*, session: AnnotationSession, labels: dict) -> dict:
    """An article row's alpha readings ({dimension}_reading; None if not computed)."""
    result = {}
    for dimension in ("claim_type", "sourcing_quality"):
        figures = labels.get(dimension)
        result[f"{dimension}_reading"] = (
            alpha_reading(
                subject=dimension.replace("_", " "),
                alpha=figures["alpha"],
                ci=figures["ci"],
                units=figures["pairable_units"],
                min_units=session.reading_min_units,
            ).as_dict()
            if figures
            else None
        )
    return result


def session_export_jobs(*, session_id: int, created_by_id: int | None = None):
    """A session's export jobs, newest first, with their creators (one query).

    A job records its session in its filters (`params.session_id`);
    `created_by_id` narrows the list to one person's jobs.
    """
    jobs = ExportJob.objects.filter(params__session_id=session_id)
    if created_by_id is not None:
        jobs = jobs.filter(created_by_id=created_by_id)
    return jobs.select_related("created_by").order_by("-created_at", "-pk")
