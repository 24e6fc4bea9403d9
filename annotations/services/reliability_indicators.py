"""Outlets' article-indicator profiles for the reliability report.

Each article counts once per question with its resolved answer: the gold
answer (adjudicated, or agreed by every reviewer who answered, at least two).
Disputed and unanswered articles are left out. A profile gives, per question
and option, the share of the outlet's resolved articles with a Wilson 95%
interval and `n` (e.g. the share of clickbait headlines is 1 - the share of
`no` for `clickbait_headline`). The maths is `metrics.article_questions.
option_shares`. Each article's resolved answers are part of its share of the
report (`indicator_answers_load`, read with the article's claims); the
recompute rebuilds the outlets' lists from the session sums
(`indicator_inputs`) and calls `indicator_profiles_attach`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from annotations.metrics.article_questions import option_shares
from annotations.metrics.reliability_sums import SessionSums
from annotations.selectors.questions import (
    article_gold_answers,
    session_answers,
    session_gold_answers,
)


@dataclass
class IndicatorInputs:
    questions: list[dict]
    # {outlet label: {question code: [resolved answer per article]}}
    resolved: dict[str, dict[str, list[Any]]]


def indicator_answers_load(
    *, session_id: int, article_ids: list[int], questions: list[dict]
) -> dict[int, dict[str, Any]]:
    """{article_id: {question code: resolved answer}} of some articles."""
    if not questions:
        return {}
    answers = session_answers(session_id=session_id, article_ids=article_ids)
    gold = session_gold_answers(session_id=session_id, article_ids=article_ids)
    resolved = {}
    for article_id in sorted(set(answers) | set(gold)):
        decided = article_gold_answers(
            questions=questions,
            by_reviewer=answers.get(article_id, {}),
            gold=gold.get(article_id, {}),
        )
        if decided:
            resolved[article_id] = {
                code: entry["value"] for code, entry in sorted(decided.items())
            }
    return resolved


def indicator_inputs(sums: SessionSums, questions: list[dict]) -> IndicatorInputs:
    """The outlets' resolved answers, in article order, from the session sums."""
    resolved: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for external_id in sorted(sums.answers):
        label, answers = sums.answers[external_id]
        for code, value in answers.items():
            resolved[label][code].append(value)
    return IndicatorInputs(
        questions=questions,
        resolved={label: dict(codes) for label, codes in resolved.items()},
    )


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
    """Add `outlet_indicators` (every outlet with a resolved answer, scored
    claims or not) and `indicators_none` (the profile of an outlet without
    one) to the payload. `outlets_with_indicators` gives each outlet summary
    its profile when the report is read: stored once per outlet instead of
    in every summary (a corpus of 10,000 outlets without answers stored
    27 MB of identical empty profiles)."""
    payload["outlet_indicators"] = [
        {"label": label, "indicators": outlet_profile(inputs, label)}
        for label in sorted(inputs.resolved)
    ]
    payload["indicators_none"] = outlet_profile(
        IndicatorInputs(questions=inputs.questions, resolved={}), ""
    )


def outlets_with_indicators(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload's outlet summaries, each with its `indicators` profile."""
    profiles = {
        entry["label"]: entry["indicators"]
        for entry in payload.get("outlet_indicators", [])
    }
    none = payload.get("indicators_none", {})
    return [
        {**entry, "indicators": profiles.get(entry["label"], none)}
        if "indicators" not in entry
        else entry
        for entry in payload.get("outlets", [])
    ]
