"""Reads of article questions: answers (blind like spans), gold answers, disputes.

A submodule of `selectors/` by sub-domain. Values are as stored: an option code,
a list of option codes (in the options' order) or a boolean.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from annotations.metrics.article_questions import answers_agree
from annotations.models import Article, ArticleAnswers, GoldAnswer, SessionMembership
from annotations.selectors.sessions import scheme_questions


def answers_own(*, session_id: int, article_id: int, user) -> dict[str, Any]:
    """The user's answers on an article (version 0: none yet)."""
    row = ArticleAnswers.objects.filter(
        session_id=session_id, article_id=article_id, reviewer_id=user.pk
    ).first()
    if row is None:
        return {"answers": {}, "version": 0, "updated_at": None}
    return {
        "answers": dict(row.answers),
        "version": row.version,
        "updated_at": row.updated_at,
    }


def session_answers(
    *, session_id: int, article_ids: list[int] | None = None
) -> dict[int, dict[str, dict[str, Any]]]:
    """{article_id: {reviewer username: {code: value}}} of the session's reviewers."""
    reviewers = SessionMembership.objects.filter(
        session_id=session_id, role=SessionMembership.Role.REVIEWER
    ).values("user_id")
    rows = ArticleAnswers.objects.filter(
        session_id=session_id, reviewer_id__in=reviewers
    )
    if article_ids is not None:
        rows = rows.filter(article_id__in=article_ids)
    found: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for article_id, username, answers in rows.order_by(
        "article_id", "reviewer__username"
    ).values_list("article_id", "reviewer__username", "answers"):
        found[article_id][username] = dict(answers)
    return found


def session_gold_answers(
    *, session_id: int, article_ids: list[int] | None = None
) -> dict[int, dict[str, dict[str, Any]]]:
    """{article_id: {code: {value, decided_by, decided_at, source_answers}}}."""
    rows = GoldAnswer.objects.filter(session_id=session_id)
    if article_ids is not None:
        rows = rows.filter(article_id__in=article_ids)
    found: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows.select_related("decided_by"):
        found[row.article_id][row.question_code] = {
            "value": row.value,
            "decided_by": row.decided_by.username if row.decided_by else None,
            "decided_at": row.decided_at,
            "source_answers": dict(row.source_answers),
        }
    return found


def _answered(by_reviewer: dict[str, dict], code: str) -> dict[str, Any]:
    return {
        reviewer: answers[code]
        for reviewer, answers in by_reviewer.items()
        if code in answers and answers[code] is not None
    }


def article_gold_answers(
    *, questions: list[dict], by_reviewer: dict[str, dict], gold: dict[str, dict]
) -> dict[str, dict[str, Any]]:
    """Each question's gold answer with provenance, where there is one.

    An adjudicated answer (`source` "adjudicated": who decided and when) wins;
    otherwise, when at least two reviewers answered and all agree, the agreed
    answer (`source` "agreed", agreed by all who answered).
    """
    result = {}
    for question in questions:
        code = question["code"]
        answered = _answered(by_reviewer, code)
        if code in gold:
            decision = gold[code]
            result[code] = {
                "value": decision["value"],
                "source": "adjudicated",
                "decided_by": decision["decided_by"],
                "decided_at": decision["decided_at"],
                "answers": decision["source_answers"],
            }
        elif len(answered) >= 2 and answers_agree(
            question["type"], list(answered.values())
        ):
            result[code] = {
                "value": next(iter(answered.values())),
                "source": "agreed",
                "decided_by": None,
                "decided_at": None,
                "answers": answered,
            }
    return result


def question_disputes(*, session_id: int, scheme_id: int) -> list[dict[str, Any]]:
    """Questions whose answers differ on an article and have no gold answer yet."""
    questions = scheme_questions(scheme_id)
    answers = session_answers(session_id=session_id)
    gold = session_gold_answers(session_id=session_id)
    titles = dict(
        Article.objects.filter(pk__in=list(answers)).values_list("pk", "title")
    )
    disputes = []
    for article_id in sorted(answers):
        for question in questions:
            code = question["code"]
            answered = _answered(answers[article_id], code)
            if code in gold.get(article_id, {}) or len(answered) < 2:
                continue
            if answers_agree(question["type"], list(answered.values())):
                continue
            disputes.append(
                {
                    "article": article_id,
                    "article_title": titles.get(article_id, ""),
                    "question": code,
                    "prompt": question["prompt"],
                    "type": question["type"],
                    "options": question["options"],
                    "answers": answered,
                }
            )
    return disputes
