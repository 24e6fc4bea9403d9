"""Writes of article questions: a reviewer's answers, an adjudicator's gold answers.

Both validate every value against the session's scheme (ValidationError naming
`answers.<code>`), write in one transaction and call `articles_changed`, so the
agreement and reliability recomputes see them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import AnnotationSession, ArticleAnswers, GoldAnswer
from annotations.selectors import scheme_questions
from annotations.selectors.questions import session_answers
from annotations.services.article_questions import answer_value_clean
from annotations.services.errors import StaleVersion
from annotations.services.recompute import articles_changed

MAX_ANSWERS = 100


class AnswersStale(StaleVersion):
    """The reviewer's answers changed since the version they read."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(expected=expected, current=current)
        self.args = (
            f"Your answers were changed elsewhere (you edited version {expected}, "
            f"the stored version is {current}). Reload them and answer again.",
        )

    def __str__(self) -> str:
        return self.args[0]


def answers_clean(session: AnnotationSession, answers: Any) -> dict[str, Any]:
    """{code: stored value or None (clear)}; ValidationError naming the field."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Must be an object {question code: value}."})
    if len(answers) > MAX_ANSWERS:
        raise ValidationError({"answers": f"At most {MAX_ANSWERS} answers."})
    questions = {q["code"]: q for q in scheme_questions(session.scheme_id)}
    cleaned = {}
    for code, value in answers.items():
        field = f"answers.{code}"
        if code not in questions:
            raise ValidationError(
                {field: f"No such question; one of {', '.join(questions)}."}
            )
        cleaned[code] = (
            None
            if value is None
            else answer_value_clean(questions[code], value, field=field)
        )
    return cleaned


def _version_clean(version: Any) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValidationError(
            {"version": "Required: the version you read (0 when you had none)."}
        )
    return version


@transaction.atomic
def answers_put(
    *, session: AnnotationSession, article_id: int, reviewer, answers: Any, version
) -> ArticleAnswers:
    """Set the reviewer's answers (null clears one), compare-and-set on `version`.

    Codes left out keep their answer. The caller has checked that `reviewer`
    reviews the session and that the article is in it.
    """
    cleaned = answers_clean(session, answers)
    expected = _version_clean(version)
    row = (
        ArticleAnswers.objects.select_for_update()
        .filter(session=session, article_id=article_id, reviewer=reviewer)
        .first()
    )
    current = row.version if row else 0
    if expected != current:
        raise AnswersStale(expected=expected, current=current)
    merged = dict(row.answers) if row else {}
    for code, value in cleaned.items():
        if value is None:
            merged.pop(code, None)
        else:
            merged[code] = value
    if row is None:
        try:
            with transaction.atomic():
                row = ArticleAnswers.objects.create(
                    session=session,
                    article_id=article_id,
                    reviewer=reviewer,
                    answers=merged,
                )
        except IntegrityError:
            # Two first writes raced: the loser read version 0, now stale.
            raise AnswersStale(expected=expected, current=1) from None
    else:
        row.answers = merged
        row.version = current + 1
        row.updated_at = timezone.now()
        row.save(update_fields=["answers", "version", "updated_at"])
    articles_changed(session_id=session.pk, article_ids=[article_id])
    return row


@transaction.atomic
def gold_answers_put(
    *, session: AnnotationSession, article_id: int, adjudicator, answers: Any
) -> None:
    """Decide gold answers of an article (null withdraws a decision).

    Each decision records who made it, when, and the reviewers' answers it was
    made from. The caller has checked that `adjudicator` adjudicates.
    """
    cleaned = answers_clean(session, answers)
    if not cleaned:
        raise ValidationError({"answers": "Give at least one question's answer."})
    by_reviewer = session_answers(session_id=session.pk, article_ids=[article_id])
    by_reviewer = by_reviewer.get(article_id, {})
    for code, value in cleaned.items():
        if value is None:
            GoldAnswer.objects.filter(
                session=session, article_id=article_id, question_code=code
            ).delete()
            continue
        GoldAnswer.objects.update_or_create(
            session=session,
            article_id=article_id,
            question_code=code,
            defaults={
                "value": value,
                "decided_by": adjudicator,
                "decided_at": timezone.now(),
                "source_answers": {
                    reviewer: given[code]
                    for reviewer, given in by_reviewer.items()
                    if given.get(code) is not None
                },
            },
        )
    articles_changed(session_id=session.pk, article_ids=[article_id])
