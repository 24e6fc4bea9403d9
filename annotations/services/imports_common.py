"""What the importers share: the refusal, users and members ensured, times parsed."""

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from annotations.interchange import PROVENANCE_AGREED
from annotations.models import AnnotationSession, SessionMembership


class ImportRefused(Exception):
    """The file was refused; `errors` lists {record, index, field, message}."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        lines = [
            " ".join(
                part
                for part in (
                    f"record {error['record']}" if error.get("record") else "",
                    error.get("where", ""),
                    f"{error['field']}:" if error.get("field") else "",
                    error["message"],
                )
                if part
            )
            for error in errors[:50]
        ]
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(
            f"{len(errors)} error(s); nothing was imported:\n" + "\n".join(lines) + more
        )


def _user_ensure(username: str):
    """An existing user, or a new inactive one without a usable password."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, is_active=False)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    return user


def _membership_ensure(session: AnnotationSession, user, role: str) -> None:
    SessionMembership.objects.get_or_create(
        session=session, user=user, defaults={"role": role}
    )


def _parse_time(value: Any, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError({field: f"{value!r} is not an ISO 8601 time."}) from None
    if moment.tzinfo is None:
        raise ValidationError({field: "Must carry a time zone."})
    return moment


def _agreed(span: dict[str, Any]) -> bool:
    """An agreed unit's gold reading: derived from the raw layer, not stored."""
    return span.get("provenance") == PROVENANCE_AGREED


def _refusal(exc: ValidationError, line: int, where: str = "") -> ImportRefused:
    return ImportRefused(
        [
            {"record": line, "where": where, "field": name, "message": " ".join(msgs)}
            for name, msgs in exc.message_dict.items()
        ]
    )
