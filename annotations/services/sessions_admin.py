"""Running sessions without the admin: create, change, members, articles.

Every function is one transaction and raises `ValidationError` naming the
field on bad input. Callers have checked that the actor leads the session
(`annotations.access`); these functions do not re-check it. A change to the
articles, the reviewers or the planning settings re-syncs the assignment plan.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Max

from annotations.models import (
    AnnotationSession,
    Article,
    Assignment,
    LabelScheme,
    ReviewState,
    SessionArticle,
    SessionMembership,
    SpanAnnotation,
)
from annotations.services.accounts import account_create
from annotations.services.assignment import assignment_sync
from annotations.services.recompute import articles_changed
from annotations.services.schemes import scheme_ensure_default

MAX_NAME = 200
MAX_REQUIRED = 100
MAX_CALIBRATION = 100_000
MAX_ARTICLES_PER_CALL = 100_000
ROLES = [choice.value for choice in SessionMembership.Role]
MODES = [choice.value for choice in AnnotationSession.AssignmentMode]
# Settings whose change changes what agreement computes.
AGREEMENT_SETTINGS = {"required_reviewers", "alignment_threshold", "assignment"}
PLAN_SETTINGS = {"required_reviewers", "assignment", "calibration"}


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({name: "Must be a whole number."})
    if not low <= value <= high:
        raise ValidationError({name: f"Must be between {low} and {high}."})
    return value


def _clean_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Check the session fields present in `values`; model field values out."""
    clean: dict[str, Any] = {}
    if "name" in values:
        name = values["name"]
        if not isinstance(name, str) or not name.strip():
            raise ValidationError({"name": "Give the session a name."})
        if len(name) > MAX_NAME or "\x00" in name:
            raise ValidationError(
                {"name": f"At most {MAX_NAME} characters, no NUL characters."}
            )
        clean["name"] = name.strip()
    if "description" in values:
        text = values["description"]
        if not isinstance(text, str) or "\x00" in text:
            raise ValidationError({"description": "Must be text (no NUL characters)."})
        clean["description"] = text
    if "scheme" in values:
        scheme = LabelScheme.objects.filter(slug=values["scheme"]).first()
        if scheme is None:
            raise ValidationError(
                {"scheme": f"No label scheme with slug {values['scheme']!r}."}
            )
        clean["scheme"] = scheme
    if "required_reviewers" in values:
        clean["required_reviewers"] = _whole(
            "required_reviewers", values["required_reviewers"], 1, MAX_REQUIRED
        )
    for flag in ("blind", "reviewer_feedback"):
        if flag in values:
            if not isinstance(values[flag], bool):
                raise ValidationError({flag: "Must be true or false."})
            clean[flag] = values[flag]
    if "alignment_threshold" in values:
        threshold = values["alignment_threshold"]
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise ValidationError({"alignment_threshold": "Must be a number."})
        if not 0 < threshold <= 1:
            raise ValidationError(
                {"alignment_threshold": "Must be more than 0 and at most 1."}
            )
        clean["alignment_threshold"] = float(threshold)
    if "assignment" in values:
        if values["assignment"] not in MODES:
            raise ValidationError({"assignment": f"Must be one of {', '.join(MODES)}."})
        clean["assignment"] = values["assignment"]
    if "calibration" in values:
        clean["calibration"] = _whole(
            "calibration", values["calibration"], 0, MAX_CALIBRATION
        )
    return clean


@transaction.atomic
def session_create(
    *, creator, members=(), articles=(), **values: Any
) -> AnnotationSession:
    """A new session led by `creator`, optionally with members and articles.

    `values`: name (required), description, scheme (slug, default "default"),
    required_reviewers, blind, alignment_threshold, assignment, calibration,
    reviewer_feedback.
    `members`: [{"user": id, "role": "reviewer" | "adjudicator"}].
    """
    if "name" not in values:
        raise ValidationError({"name": "Give the session a name."})
    clean = _clean_settings(values)
    if "scheme" not in clean:
        clean["scheme"] = scheme_ensure_default()
    session = AnnotationSession.objects.create(created_by=creator, **clean)
    if not isinstance(members, list | tuple):
        raise ValidationError({"members": "Must be a list of {user, role}."})
    for member in members:
        if not isinstance(member, dict):
            raise ValidationError({"members": "Each member is {user, role}."})
        _member_put(session, member.get("user"), member.get("role"))
    if articles:
        _articles_put(session, articles)
    assignment_sync(session_id=session.pk)
    return session


def _with_spans(session_id: int) -> list[int]:
    return list(
        SpanAnnotation.objects.filter(session_id=session_id)
        .order_by("article_id")
        .values_list("article_id", flat=True)
        .distinct()
    )


@transaction.atomic
def session_update(*, session_id: int, **values: Any) -> AnnotationSession:
    """Change the given settings of a session."""
    session = AnnotationSession.objects.select_for_update().get(pk=session_id)
    clean = _clean_settings(values)
    if "scheme" in clean and clean["scheme"].pk != session.scheme_id:
        if SpanAnnotation.objects.filter(session_id=session_id).exists():
            raise ValidationError(
                {"scheme": "The label scheme cannot change once there are spans."}
            )
    changed = {name for name, value in clean.items() if getattr(session, name) != value}
    for name in changed:
        setattr(session, name, clean[name])
    if changed:
        session.save(update_fields=sorted(changed))
    if changed & PLAN_SETTINGS:
        assignment_sync(session_id=session_id)
    if changed & AGREEMENT_SETTINGS:
        articles_changed(session_id=session_id, article_ids=_with_spans(session_id))
    return session


def _member_put(session: AnnotationSession, user_id, role) -> SessionMembership:
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ValidationError({"user": "Must be a user id."})
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError({"user": f"No active user with id {user_id}."})
    if role not in ROLES:
        raise ValidationError({"role": f"Must be one of {', '.join(ROLES)}."})
    membership = SessionMembership.objects.filter(session=session, user=user).first()
    if membership is None:
        return SessionMembership.objects.create(session=session, user=user, role=role)
    if membership.role != role:
        _refuse_if_worked(session, user, "role")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _refuse_if_worked(session, user, field: str) -> None:
    spans = SpanAnnotation.objects.filter(session=session, reviewer=user).count()
    if spans:
        raise ValidationError(
            {
                field: f"{user.get_username()} has {spans} span(s) in this session "
                "as a reviewer; their role cannot change."
            }
        )


@transaction.atomic
def member_add(*, session_id: int, user_id, role) -> SessionMembership:
    """Add a user to the session in a role (or change their role)."""
    session = AnnotationSession.objects.select_for_update().get(pk=session_id)
    membership = _member_put(session, user_id, role)
    assignment_sync(session_id=session_id)
    return membership


@transaction.atomic
def member_remove(*, session_id: int, user_id: int) -> None:
    """Take a member off the session; refused for a reviewer who has spans."""
    session = AnnotationSession.objects.select_for_update().get(pk=session_id)
    membership = SessionMembership.objects.filter(
        session=session, user_id=user_id
    ).first()
    if membership is None:
        raise ObjectDoesNotExist("No such member of this session.")
    _refuse_if_worked(session, membership.user, "user")
    membership.delete()
    ReviewState.objects.filter(session=session, reviewer_id=user_id).delete()
    assignment_sync(session_id=session_id)


def _articles_put(session: AnnotationSession, article_ids) -> list[int]:
    if not isinstance(article_ids, list | tuple) or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in article_ids
    ):
        raise ValidationError({"articles": "Must be a list of article ids."})
    if len(article_ids) > MAX_ARTICLES_PER_CALL:
        raise ValidationError(
            {"articles": f"At most {MAX_ARTICLES_PER_CALL} articles per request."}
        )
    wanted = list(dict.fromkeys(article_ids))
    found = set(Article.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [a for a in wanted if a not in found]
    if missing:
        raise ValidationError({"articles": f"No such articles: {missing[:20]}."})
    present = set(
        SessionArticle.objects.filter(session=session).values_list(
            "article_id", flat=True
        )
    )
    new = [a for a in wanted if a not in present]
    start = (
        SessionArticle.objects.filter(session=session).aggregate(top=Max("position"))[
            "top"
        ]
        or 0
    ) + (1 if present else 0)
    SessionArticle.objects.bulk_create(
        [
            SessionArticle(session=session, article_id=a, position=start + index)
            for index, a in enumerate(new)
        ],
        batch_size=5000,
    )
    return new


@transaction.atomic
def articles_add(*, session_id: int, article_ids) -> list[int]:
    """Append articles to the session (those already in it are left); new ids."""
    session = AnnotationSession.objects.select_for_update().get(pk=session_id)
    new = _articles_put(session, article_ids)
    if new:
        assignment_sync(session_id=session_id)
    return new


@transaction.atomic
def article_remove(*, session_id: int, article_id: int) -> None:
    """Take an article out of the session; refused once it has spans there."""
    session = AnnotationSession.objects.select_for_update().get(pk=session_id)
    row = SessionArticle.objects.filter(session=session, article_id=article_id).first()
    if row is None:
        raise ObjectDoesNotExist("No such article in this session.")
    spans = SpanAnnotation.objects.filter(session=session, article_id=article_id)
    count = spans.count()
    if count:
        raise ValidationError(
            {
                "article": f"Article {article_id} has {count} span(s) in this "
                "session; an article with spans cannot be removed."
            }
        )
    ReviewState.objects.filter(session=session, article_id=article_id).delete()
    Assignment.objects.filter(session=session, article_id=article_id).delete()
    row.delete()
    assignment_sync(session_id=session_id)


@transaction.atomic
def member_account_create(*, session_id: int, username, email="", role=""):
    """A new account, made a member in `role` when one is given, all or nothing.

    Returns (user, set-password path) as `account_create` does.
    """
    user, path = account_create(username=username, email=email)
    if role:
        member_add(session_id=session_id, user_id=user.pk, role=role)
    return user, path
