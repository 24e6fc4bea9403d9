"""Article-question answers of exported articles: per reviewer (raw) and gold.

The raw layer carries each reviewer's answers (the reviewers filter applies);
the gold layer the gold answers with provenance: adjudicated ones (who, when,
from which answers) and those agreed by every reviewer who answered. A blind
reviewer's own export (`hide_units`) carries no gold: agreement would reveal
the others' answers. The time filters do not apply to answers.
"""

from __future__ import annotations

from typing import Any

from annotations.interchange import timestamp
from annotations.models import AnnotationSession, ArticleAnswers, SessionMembership
from annotations.selectors import scheme_questions
from annotations.selectors.questions import (
    article_gold_answers,
    session_answers,
    session_gold_answers,
)


def _raw(filters, article_ids: list[int]) -> dict[int, list[dict]]:
    reviewers = SessionMembership.objects.filter(
        session_id=filters.session_id, role=SessionMembership.Role.REVIEWER
    ).values("user_id")
    rows = ArticleAnswers.objects.filter(
        session_id=filters.session_id,
        article_id__in=article_ids,
        reviewer_id__in=reviewers,
    )
    if filters.reviewer_ids is not None:
        rows = rows.filter(reviewer_id__in=filters.reviewer_ids)
    session = filters.session_id
    # Answers to a question since removed from the scheme are left out (the
    # import could not place them).
    codes = {q["code"] for q in scheme_questions(_scheme_id(session))}
    found: dict[int, list[dict]] = {}
    for article_id, username, answers, version, modified in rows.order_by(
        "article_id", "reviewer__username"
    ).values_list(
        "article_id", "reviewer__username", "answers", "version", "updated_at"
    ):
        found.setdefault(article_id, []).append(
            {
                "reviewer": username,
                "answers": {k: v for k, v in answers.items() if k in codes},
                "version": version,
                "modified": timestamp(modified),
            }
        )
    return found


def _scheme_id(session_id: int) -> int:
    return AnnotationSession.objects.values_list("scheme_id", flat=True).get(
        pk=session_id
    )


def _gold(filters, article_ids: list[int], session) -> dict[int, dict]:
    return gold_answers_by_article(
        session_id=filters.session_id,
        questions=scheme_questions(session.scheme_id),
        article_ids=article_ids,
    )


def gold_answers_by_article(
    *, session_id: int, questions: list[dict], article_ids: list[int]
) -> dict[int, dict[str, dict]]:
    """{article_id: {code: {value, source, decided_by, decided_at, answers}}}:
    each article's gold answers with provenance, times as export timestamps."""
    answers = session_answers(session_id=session_id, article_ids=article_ids)
    gold = session_gold_answers(session_id=session_id, article_ids=article_ids)
    found = {}
    for article_id in article_ids:
        decided = article_gold_answers(
            questions=questions,
            by_reviewer=answers.get(article_id, {}),
            gold=gold.get(article_id, {}),
        )
        for entry in decided.values():
            entry["decided_at"] = timestamp(entry["decided_at"])
        found[article_id] = decided
    return found


def article_questions_by_article(
    filters, article_ids: list[int], session
) -> dict[int, dict[str, Any]]:
    """{article_id: {"answers": [...per reviewer], "gold": {code: {...}}}}.

    `filters` is an `exporters.base.ExportFilters`.
    """
    raw = _raw(filters, article_ids) if filters.include_raw else {}
    gold = {}
    if filters.include_gold and not filters.hide_units:
        gold = _gold(filters, article_ids, session)
    return {
        article_id: {
            "answers": raw.get(article_id, []),
            "gold": gold.get(article_id, {}),
        }
        for article_id in article_ids
    }


def questions_card_section(filters, session, article_ids: list[int]) -> dict:
    """The data card's `article_questions`: the questions and answer counts.

    Their agreement is in the card's agreement report (`article_questions`).
    """
    questions = scheme_questions(session.scheme_id)
    bundles = article_questions_by_article(filters, article_ids, session)
    per_question = []
    for question in questions:
        code = question["code"]
        answers = sum(
            code in given["answers"]
            for bundle in bundles.values()
            for given in bundle["answers"]
        )
        gold = [b["gold"][code] for b in bundles.values() if code in b["gold"]]
        per_question.append(
            {
                "code": code,
                "type": question["type"],
                "prompt": question["prompt"],
                "options": [option["code"] for option in question["options"]],
                "help": question["help"],
                "answers": answers,
                "gold_adjudicated": sum(g["source"] == "adjudicated" for g in gold),
                "gold_agreed": sum(g["source"] == "agreed" for g in gold),
            }
        )
    return {
        "answer_encoding": "nominal/ordinal: an option code; multi: a list of "
        "option codes in the options' order; boolean: true/false",
        "questions": per_question,
    }


def questions_markdown(section: dict[str, Any], report: dict | None):
    """Markdown lines of the data card's article questions (and their alpha)."""
    yield "## Article questions\n\n"
    yield f"Answers are encoded as: {section['answer_encoding']}.\n\n"
    figures = {
        q["code"]: q
        for q in ((report or {}).get("article_questions") or {}).get("questions", [])
    }
    yield "| code | type | options | answers | gold (adjudicated / agreed) | alpha |\n"
    yield "|---|---|---|---|---|---|\n"
    for question in section["questions"]:
        figure = figures.get(question["code"], {})
        alpha = figure.get("alpha")
        ci = figure.get("ci")
        shown = "n/a" if alpha is None else f"{alpha:.3f}"
        if ci:
            shown += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
        yield (
            f"| {question['code']} | {question['type']} | "
            f"{', '.join(question['options'])} | {question['answers']} | "
            f"{question['gold_adjudicated']} / {question['gold_agreed']} | "
            f"{shown} |\n"
        )
    yield "\n"
