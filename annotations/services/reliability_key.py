"""The reliability recompute's quick key: is there anything new, without the spans?

A hash of what the reliability inputs depend on, read from small tables and
counters only: the articles' change counters (every span, review, gold and
fact-link write bumps them), the agreement session report's fingerprint
(units and their statuses change only with it), the outlets of the articles,
the alias table, the scheme's levels and claim types, the session's facts and
the parameters. Equal keys mean equal inputs, so the no-op skips loading and
fingerprinting every span (`reliability_recompute`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Count, Max, Sum

from annotations.models import (
    AgreementReport,
    AnnotationSession,
    ClaimType,
    Fact,
    FactLink,
    GoldSpan,
    Outlet,
    SessionArticle,
    SourceAlias,
    SourcingLevel,
)


def reliability_input_key(*, session_id: int, params: dict[str, Any]) -> str:
    """sha256 of the cheap summary above (a handful of aggregate queries)."""
    session = AnnotationSession.objects.only("scheme_id").get(pk=session_id)
    articles = SessionArticle.objects.filter(session_id=session_id).aggregate(
        changes=Sum("changes"),
        count=Count("id"),
        outlets=Sum("article__outlet_id"),
        top=Max("article_id"),
    )
    outlet_ids = SessionArticle.objects.filter(session_id=session_id).values(
        "article__outlet_id"
    )
    summary = [
        params,
        articles,
        AgreementReport.objects.filter(session_id=session_id, article__isnull=True)
        .values_list("fingerprint", "computed_at")
        .first(),
        sorted(
            Outlet.objects.filter(pk__in=outlet_ids).values_list("pk", "name", "domain")
        ),
        sorted(SourceAlias.objects.values_list("alias", "canonical")),
        sorted(
            SourcingLevel.objects.filter(scheme_id=session.scheme_id).values_list(
                "code", "rank", "weight"
            )
        ),
        sorted(
            ClaimType.objects.filter(scheme_id=session.scheme_id).values_list(
                "code", flat=True
            )
        ),
        sorted(Fact.objects.filter(session_id=session_id).values_list("pk", "label")),
        # Gold decisions are few next to the spans: their labels in full.
        sorted(
            GoldSpan.objects.filter(session_id=session_id, is_current=True).values_list(
                "pk",
                "unit_id",
                "verdict",
                "claim_type_id",
                "sourcing_quality_id",
                "cited_source",
            )
        ),
        sorted(
            FactLink.objects.filter(gold_span__session_id=session_id).values_list(
                "pk", "fact_id", "gold_span_id", "value"
            )
        ),
    ]
    blob = json.dumps(summary, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()
