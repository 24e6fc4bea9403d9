"""The JSONL import of an article's `article_questions`: answers and gold answers.

Answers come back with their version and time; adjudicated gold answers with
who decided, when and from which answers. Gold "agreed" entries are derived
from the answers, so they are not stored. Errors are ValidationErrors whose
field names the place in the record (`article_questions.answers[0].version`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from annotations.models import AnnotationSession, ArticleAnswers, GoldAnswer
from annotations.services.article_answers import answers_clean
from annotations.services.imports_common import _parse_time as _time

FIELD = "article_questions"


def _prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    return ValidationError(
        {f"{prefix}.{name}": messages for name, messages in exc.message_dict.items()}
    )


def _answers(session, article, items: Any, user_for: Callable) -> list:
    if not isinstance(items, list):
        raise ValidationError({f"{FIELD}.answers": "Not a list."})
    rows, seen = [], set()
    for index, item in enumerate(items):
        where = f"{FIELD}.answers[{index}]"
        if not isinstance(item, dict):
            raise ValidationError({where: "Not an object."})
        reviewer, version = item.get("reviewer"), item.get("version")
        if not isinstance(reviewer, str) or not reviewer or reviewer in seen:
            raise ValidationError({f"{where}.reviewer": "A username, once."})
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValidationError({f"{where}.version": "A positive integer."})
        seen.add(reviewer)
        try:
            cleaned = answers_clean(session, item.get("answers"))
        except ValidationError as exc:
            raise _prefixed(exc, where) from None
        rows.append(
            ArticleAnswers(
                session=session,
                article=article,
                reviewer=user_for(reviewer, "reviewer"),
                answers={k: v for k, v in cleaned.items() if v is not None},
                version=version,
                updated_at=_time(item.get("modified"), f"{where}.modified"),
            )
        )
    return rows


def _gold(session, article, items: Any, user_for: Callable) -> list:
    if not isinstance(items, dict):
        raise ValidationError({f"{FIELD}.gold": "Not an object."})
    rows = []
    for code, entry in sorted(items.items()):
        where = f"{FIELD}.gold.{code}"
        if not isinstance(entry, dict):
            raise ValidationError({where: "Not an object."})
        if entry.get("source") == "agreed":
            continue  # derived from the answers
        if entry.get("source") != "adjudicated":
            raise ValidationError({f"{where}.source": "adjudicated or agreed."})
        try:
            value = answers_clean(session, {code: entry.get("value")})[code]
        except ValidationError as exc:
            raise _prefixed(exc, where) from None
        if value is None or not isinstance(entry.get("answers", {}), dict):
            raise ValidationError({where: "A value and the answers it came from."})
        decider = entry.get("decided_by")
        if decider is not None and (not isinstance(decider, str) or not decider):
            raise ValidationError({f"{where}.decided_by": "A username or null."})
        rows.append(
            GoldAnswer(
                session=session,
                article=article,
                question_code=code,
                value=value,
                decided_by=user_for(decider, "adjudicator") if decider else None,
                decided_at=_time(entry.get("decided_at"), f"{where}.decided_at"),
                source_answers=entry.get("answers", {}),
            )
        )
    return rows


def article_questions_restore(
    *, session: AnnotationSession, article, data: Any, user_for: Callable
) -> tuple[int, int]:
    """Store the record's answers and gold answers; (answers, gold) counts.

    `user_for(username, role)` returns the user, made a member with `role`.
    """
    if data is None:
        return 0, 0
    if not isinstance(data, dict):
        raise ValidationError({FIELD: "Not an object."})
    answers = _answers(session, article, data.get("answers", []), user_for)
    gold = _gold(session, article, data.get("gold", {}), user_for)
    ArticleAnswers.objects.bulk_create(answers)
    GoldAnswer.objects.bulk_create(gold)
    return len(answers), len(gold)
