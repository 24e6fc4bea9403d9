"""Seed corpus loading and the demo session (development accounts)."""

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import (
    AnnotationSession,
    Article,
    SessionArticle,
    SessionMembership,
)
from annotations.services.articles import article_upsert
from annotations.services.schemes import scheme_ensure_default

DEMO_SESSION_NAME = "Afghanistan–Pakistan talks, November 2025 (demo)"
DEMO_PASSWORD = "workbench-demo"
DEMO_REVIEWERS = ("reviewer1", "reviewer2", "reviewer3")
DEMO_ADJUDICATOR = "adjudicator"
DEMO_ADMIN = "admin"


def seeds_dir() -> Path:
    return Path(settings.BASE_DIR) / "seeds"


@dataclass(frozen=True)
class SeedResult:
    article: Article
    changed: bool


def seed_text_read(path: Path) -> str:
    """Read a seed file as UTF-8, keeping every byte (no newline translation)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            {"file": f"{path.name} is not valid UTF-8: {exc}"}
        ) from exc


@transaction.atomic
def seeds_load(*, directory: Path | None = None) -> list[SeedResult]:
    """Load every article of the manifest; a second run changes nothing."""
    directory = Path(directory or seeds_dir())
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(
            {"manifest": f"Cannot read {manifest_path}: {exc}"}
        ) from exc
    scheme_ensure_default()
    results = []
    for entry in manifest["articles"]:
        text = seed_text_read(directory / entry["file"])
        published = entry.get("published_date")
        article, changed = article_upsert(
            external_id=entry["external_id"],
            text=text,
            title=entry.get("title", ""),
            outlet_name=entry.get("outlet", ""),
            outlet_domain=entry.get("outlet_domain", ""),
            byline=entry.get("byline", ""),
            published_text=entry.get("published", ""),
            published_date=dt.date.fromisoformat(published) if published else None,
            url=entry.get("url", ""),
        )
        results.append(SeedResult(article=article, changed=changed))
    return results


def _user_ensure(username: str, *, password: str, staff: bool = False):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"is_staff": staff, "is_superuser": staff}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_setup(*, password: str = DEMO_PASSWORD) -> AnnotationSession:
    """Seeds, three reviewers, one adjudicator, a staff admin and one session."""
    results = seeds_load()
    scheme = scheme_ensure_default()
    session, _ = AnnotationSession.objects.get_or_create(
        name=DEMO_SESSION_NAME,
        defaults={
            "scheme": scheme,
            "description": "Five outlets on the collapse of the Istanbul talks.",
            "required_reviewers": 3,
            "blind": True,
        },
    )
    for position, result in enumerate(results):
        SessionArticle.objects.get_or_create(
            session=session, article=result.article, defaults={"position": position}
        )
    for username in DEMO_REVIEWERS:
        SessionMembership.objects.get_or_create(
            session=session,
            user=_user_ensure(username, password=password),
            defaults={"role": SessionMembership.Role.REVIEWER},
        )
    SessionMembership.objects.get_or_create(
        session=session,
        user=_user_ensure(DEMO_ADJUDICATOR, password=password),
        defaults={"role": SessionMembership.Role.ADJUDICATOR},
    )
    _user_ensure(DEMO_ADMIN, password=password, staff=True)
    return session
