"""What a reliability recompute must re-read: per-article keys, without the spans.

An article's share of the report (`reliability_parts`) is a function of its
spans, units, gold decisions, fact links and answers, of its outlet, and of
the session's context: the alias table, the scheme's levels and claim types,
its questions and reviewers. Its **key** hashes what reveals a change of
those, read from small tables and counters only: the article's change counter
(every span, review, gold, fact-link and answer write bumps it), its agreement
report's fingerprint and time (its units and their statuses change only with
it), its outlet, the count and largest id of its gold decisions and fact links
(which also catches writes made behind the services' back), and the context's
hash. An article whose key equals the stored one is not re-read.

The session's **input key** hashes every article key with the report's own
context (parameters, fact labels): equal keys, nothing to do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max

from annotations.models import (
    AgreementReport,
    AnnotationSession,
    Fact,
    FactLink,
    GoldSpan,
    SessionArticle,
    SessionMembership,
)
from annotations.selectors import scheme_questions
from annotations.services.reliability_inputs import (
    PAYLOAD_VERSION,
    outlet_label,
    scheme_rules,
    session_aliases,
)
from annotations.services.reliability_parts import canonical

PARTS_VERSION = 2  # bump when the per-article documents change shape


@dataclass
class Context:
    """The session-wide inputs of a recompute, and their hashes."""

    alias_table: dict[str, str]
    rules: Any  # metrics.reliability.SchemeRules
    warnings: list[str]
    questions: list[dict]
    reviewers: list[str]
    facts: dict[int, str]  # fact id -> label
    params: dict[str, Any]
    articles_hash: str = ""  # what every article's share depends on
    report_hash: str = ""  # what the report adds (parameters, fact labels)


def reliability_context(*, session_id: int, params: dict[str, Any]) -> Context:
    session = AnnotationSession.objects.only("scheme_id").get(pk=session_id)
    warnings: list[str] = []
    context = Context(
        alias_table=session_aliases(),
        rules=scheme_rules(session, warnings),
        warnings=warnings,
        questions=scheme_questions(session.scheme_id),
        reviewers=sorted(
            SessionMembership.objects.filter(
                session_id=session_id, role=SessionMembership.Role.REVIEWER
            ).values_list("user__username", flat=True)
        ),
        facts=dict(
            Fact.objects.filter(session_id=session_id)
            .order_by("pk")
            .values_list("pk", "label")
        ),
        params=params,
    )
    rules = context.rules
    context.articles_hash = _sha(
        [
            PARTS_VERSION,
            sorted(context.alias_table.items()),
            sorted(rules.level_scores.items()),
            sorted(rules.unscored_claim_types),
            rules.unsupported_rank,
            context.questions,
            context.reviewers,
        ]
    )
    context.report_hash = _sha(
        [PAYLOAD_VERSION, params, sorted(context.facts.items()), warnings]
    )
    return context


def _sha(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def _grouped(rows, article_field: str) -> dict[int, tuple]:
    return {
        row[article_field]: (row["count"], row["top"])
        for row in rows.values(article_field)
        .annotate(count=Count("pk"), top=Max("pk"))
        .order_by()
    }


def article_keys(*, session_id: int, context: Context) -> dict[int, tuple[str, str]]:
    """{article_id: (key, outlet label)} of the session's articles."""
    reports = {
        article_id: (fingerprint, computed_at)
        for article_id, fingerprint, computed_at in AgreementReport.objects.filter(
            session_id=session_id, article__isnull=False
        ).values_list("article_id", "fingerprint", "computed_at")
    }
    golds = _grouped(GoldSpan.objects.filter(session_id=session_id), "article_id")
    links = _grouped(
        FactLink.objects.filter(gold_span__session_id=session_id),
        "gold_span__article_id",
    )
    keys = {}
    for article_id, changes, external_id, outlet in SessionArticle.objects.filter(
        session_id=session_id
    ).values_list(
        "article_id", "changes", "article__external_id", "article__outlet__name"
    ):
        label = outlet_label(outlet, external_id)
        blob = (
            f"{context.articles_hash}|{changes}|{reports.get(article_id)}|{label}|"
            f"{golds.get(article_id)}|{links.get(article_id)}"
        )
        keys[article_id] = (hashlib.sha1(blob.encode()).hexdigest(), label)
    return keys


def reliability_input_key(context: Context, keys: dict[int, tuple]) -> str:
    """sha256 of the report context and every article key: equal, a no-op."""
    digest = hashlib.sha256(context.report_hash.encode())
    for article_id in sorted(keys):
        digest.update(f"{article_id}:{keys[article_id][0]};".encode())
    return digest.hexdigest()
