"""Agreement on article questions, for the session report's `article_questions`.

Kept apart from the span pipeline (`agreement*.py`): the recompute calls
`question_inputs_load` once (its fingerprint joins the session fingerprint)
and `question_agreement_payload` for the session report. The maths is in
`annotations.metrics.article_questions`: per question Krippendorff's alpha at
its level (nominal for nominal and boolean, ordinal over the options' order,
MASI set distance for multi-select) with a percentile bootstrap interval over
articles.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from annotations.metrics.agreement import bootstrap_alpha_ci
from annotations.metrics.article_questions import (
    answers_agree,
    bootstrap_set_alpha_ci,
    masi_distance,
    question_alpha,
)
from annotations.models import AnnotationSession, SessionArticle
from annotations.selectors import scheme_questions, session_reviewers
from annotations.selectors.questions import session_answers, session_gold_answers

# Kinds of `metrics.article_questions` by question type.
METRIC_KIND = {
    "nominal": "single",
    "boolean": "yes_no",
    "ordinal": "likert",
    "multi": "multi",
}
LEVEL = {"nominal": "nominal", "boolean": "nominal", "ordinal": "ordinal"}
SET_DISTANCE = "masi"


@dataclass
class QuestionInputs:
    questions: list[dict]
    reviewers: list[str]
    article_ids: list[int]
    answers: dict[int, dict[str, dict[str, Any]]]
    gold: dict[int, dict[str, dict[str, Any]]]
    fingerprint: str


def question_inputs_load(*, session_id: int) -> QuestionInputs:
    """The session's questions, reviewers' answers and gold answers."""
    session = AnnotationSession.objects.get(pk=session_id)
    questions = scheme_questions(session.scheme_id)
    reviewers = session_reviewers(session)
    article_ids = list(
        SessionArticle.objects.filter(session_id=session_id)
        .order_by("position", "article_id")
        .values_list("article_id", flat=True)
    )
    answers = session_answers(session_id=session_id)
    gold = session_gold_answers(session_id=session_id)
    blob = json.dumps(
        [
            questions,
            reviewers,
            article_ids,
            sorted(answers.items()),
            sorted(
                (a, sorted((c, g["value"]) for c, g in codes.items()))
                for a, codes in gold.items()
            ),
        ],
        sort_keys=True,
        default=str,
    )
    return QuestionInputs(
        questions=questions,
        reviewers=reviewers,
        article_ids=article_ids,
        answers=answers,
        gold=gold,
        fingerprint=hashlib.sha256(blob.encode()).hexdigest(),
    )


def _matrix(inputs: QuestionInputs, question: dict) -> list[list[Any]]:
    """Reviewers x articles of one question: option positions (multi: sets)."""
    code, kind = question["code"], question["type"]
    positions = {o["code"]: i for i, o in enumerate(question["options"])}
    rows = []
    for reviewer in inputs.reviewers:
        row = []
        for article_id in inputs.article_ids:
            value = inputs.answers.get(article_id, {}).get(reviewer, {}).get(code)
            if value is None:
                row.append(None)
            elif kind == "multi":
                row.append(frozenset(value))
            elif kind == "boolean":
                row.append(0 if value else 1)
            else:
                row.append(positions.get(value))
        rows.append(row)
    return rows


def _interval(question: dict, matrix, *, draws: int, seed: int):
    if question["type"] == "multi":
        return bootstrap_set_alpha_ci(matrix, masi_distance, draws=draws, seed=seed)
    numeric = [[float("nan") if v is None else float(v) for v in row] for row in matrix]
    domain = [float(i) for i in range(len(question["options"]))]
    return bootstrap_alpha_ci(
        numeric, LEVEL[question["type"]], draws=draws, seed=seed, value_domain=domain
    )


def _counts(inputs: QuestionInputs, question: dict) -> dict[str, int]:
    code, kind = question["code"], question["type"]
    answered = agreed = disputed = adjudicated = 0
    for article_id in inputs.article_ids:
        values = [
            given[code]
            for given in inputs.answers.get(article_id, {}).values()
            if given.get(code) is not None
        ]
        answered += len(values)
        if code in inputs.gold.get(article_id, {}):
            adjudicated += 1
        elif len(values) >= 2:
            if answers_agree(kind, values):
                agreed += 1
            else:
                disputed += 1
    return {
        "answers": answered,
        "agreed": agreed,
        "disputed": disputed,
        "adjudicated": adjudicated,
    }


def question_figures(
    inputs: QuestionInputs, question: dict, *, draws: int, seed: int
) -> dict[str, Any]:
    """Alpha, its interval and the answer counts of one question."""
    matrix = _matrix(inputs, question)
    kind = question["type"]
    domain = list(range(len(question["options"])))
    alpha = question_alpha(METRIC_KIND[kind], matrix, scale=domain)
    interval = None
    if alpha is not None:
        interval = _interval(question, matrix, draws=draws, seed=seed)
    pairable = sum(
        sum(row[i] is not None for row in matrix) >= 2
        for i in range(len(inputs.article_ids))
    )
    return {
        "code": question["code"],
        "prompt": question["prompt"],
        "type": kind,
        "level": LEVEL.get(kind, SET_DISTANCE),
        "distance": SET_DISTANCE if kind == "multi" else None,
        "alpha": alpha,
        "ci": list(interval) if interval else None,
        "pairable_articles": pairable,
        **_counts(inputs, question),
    }


def question_agreement_payload(
    inputs: QuestionInputs, *, draws: int, seed: int
) -> dict[str, Any]:
    """The report's `article_questions`: one entry per question, in order."""
    return {
        "set_distance": SET_DISTANCE,
        "bootstrap_draws": draws,
        "questions": [
            question_figures(inputs, question, draws=draws, seed=seed)
            for question in inputs.questions
        ],
    }


def session_fingerprint_with_questions(*, session_id: int, fingerprint: str) -> str:
    """The span pipeline's session fingerprint joined with the questions' one."""
    questions = question_inputs_load(session_id=session_id).fingerprint
    return hashlib.sha256(f"{fingerprint}:{questions}".encode()).hexdigest()


def question_agreement_for(*, session_id: int, draws: int, seed: int) -> dict:
    """Load and compute the session report's `article_questions`."""
    inputs = question_inputs_load(session_id=session_id)
    return question_agreement_payload(inputs, draws=draws, seed=seed)
