"""Outlets' article-indicator profiles for the reliability report.

Each article counts once per question with its resolved answer: the gold
answer (adjudicated, or agreed by every reviewer who answered, at least two).
Disputed and unanswered articles are left out. A profile gives, per question
and option, the share of the outlet's resolved articles with a Wilson 95%
interval and `n` (e.g. the share of clickbait headlines is 1 - the share of
`no` for `clickbait_headline`). The maths is `metrics.article_questions.
option_shares`; `reliability.py` calls `indicator_inputs_load` (whose
fingerprint joins the report's) and `indicator_profiles_attach`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from annotations.metrics.article_questions import option_shares
from annotations.models import AnnotationSession, Article
from annotations.selectors import scheme_questions
from annotations.selectors.questions import (
    article_gold_answers,
    session_answers,
    session_gold_answers,
)
from annotations.services.reliability_inputs import outlet_label


@dataclass
class IndicatorInputs:
    questions: list[dict]
    # {outlet label: {question code: [resolved answer per article]}}
    resolved: dict[str, dict[str, list[Any]]]
    fingerprint: str


def indicator_inputs_load(*, session_id: int) -> IndicatorInputs:
    session = AnnotationSession.objects.get(pk=session_id)
    questions = scheme_questions(session.scheme_id)
    answers = session_answers(session_id=session_id)
    gold = session_gold_answers(session_id=session_id)
    articles = Article.objects.filter(sessionarticle__session_id=session_id)
    resolved: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for article in (
        articles.select_related("outlet")
        .only("id", "external_id", "outlet__name")
        .order_by("external_id")
    ):
        decided = article_gold_answers(
            questions=questions,
            by_reviewer=answers.get(article.pk, {}),
            gold=gold.get(article.pk, {}),
        )
        label = outlet_label(article)
        for code, entry in decided.items():
            resolved[label][code].append(entry["value"])
    blob = json.dumps([questions, resolved], sort_keys=True, default=str)
    return IndicatorInputs(
        questions=questions,
        resolved={label: dict(codes) for label, codes in resolved.items()},
        fingerprint=hashlib.sha256(blob.encode()).hexdigest(),
    )


def indicator_fingerprint_join(fingerprint: str, inputs: IndicatorInputs) -> str:
    return hashlib.sha256(f"{fingerprint}:{inputs.fingerprint}".encode()).hexdigest()


def outlet_profile(inputs: IndicatorInputs, label: str) -> dict[str, Any]:
    """{question code: {type, n, options: {code: {count, share, ci_low, ci_high}}}}."""
    given = inputs.resolved.get(label, {})
    profile = {}
    for question in inputs.questions:
        codes = [option["code"] for option in question["options"]]
        shares = option_shares(question["type"], codes, given.get(question["code"], []))
        profile[question["code"]] = {"type": question["type"], **shares}
    return profile


def indicator_profiles_attach(payload: dict[str, Any], inputs: IndicatorInputs) -> None:
    """Add `indicators` to each outlet summary and `outlet_indicators` (every
    outlet with a resolved answer, scored claims or not) to the payload."""
    for entry in payload.get("outlets", []):
        entry["indicators"] = outlet_profile(inputs, entry["label"])
    payload["outlet_indicators"] = [
        {"label": label, "indicators": outlet_profile(inputs, label)}
        for label in sorted(inputs.resolved)
    ]
