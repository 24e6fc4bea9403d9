"""Discussion on claims: who may join a unit's thread, comments, read markers, notes.

Threads are for the session's adjudicators (and staff without a role in it),
and for its reviewers once they can no longer be swayed: in a blind session a
reviewer reads and writes an article's threads only while they have marked
that article done (reopening it closes them again); in an open session, where
everyone sees everyone's spans, at any time. The per-article note is the
adjudicators' alone. Outsiders learn nothing (the callers answer 404).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from annotations.access import can_see_all_spans, is_adjudicating
from annotations.models import (
    AgreementUnit,
    AnnotationSession,
    ArticleNote,
    CommentReadMarker,
    ReviewState,
    SessionMembership,
    UnitComment,
)

MAX_COMMENT_CHARS = 4000
MAX_NOTE_CHARS = 20000


class NoteConflict(Exception):
    """The note changed since the version the writer read."""

    def __init__(self, note: ArticleNote | None) -> None:
        super().__init__("The note changed since you read it.")
        self.note = note


def thread_articles_visible(*, session: AnnotationSession, user, role: str | None):
    """Article ids whose threads `user` may read: None means every article."""
    if is_adjudicating(role):
        return None
    if role != SessionMembership.Role.REVIEWER:
        return set()
    if can_see_all_spans(role, session):
        return None
    return set(
        ReviewState.objects.filter(
            session_id=session.pk, reviewer_id=user.pk, done=True
        ).values_list("article_id", flat=True)
    )


def thread_access_check(
    *, session: AnnotationSession, article_id: int, user, role: str | None
) -> None:
    """PermissionDenied unless `user` may read and join the article's threads.

    Callers answer 404 for a user without a role before asking.
    """
    visible = thread_articles_visible(session=session, user=user, role=role)
    if visible is None or article_id in visible:
        return
    if role == SessionMembership.Role.REVIEWER:
        raise PermissionDenied(
            "In a blind session the discussion of an article opens once you "
            "have marked it done."
        )
    raise PermissionDenied("You cannot take part in this discussion.")


def note_access_check(*, role: str | None) -> None:
    if not is_adjudicating(role):
        raise PermissionDenied("Only adjudicators of this session can do this.")


def _text_clean(value: Any, *, field: str, limit: int, blank: bool) -> str:
    """Plain text: a string, trailing/leading space removed, at most `limit`
    code points, no NUL (PostgreSQL refuses it), not empty unless `blank`.
    """
    if value is None:
        raise ValidationError({field: "This field is required."})
    if not isinstance(value, str):
        raise ValidationError({field: "Must be a string."})
    text = value.strip()
    if not text and not blank:
        raise ValidationError({field: "Must not be empty."})
    if len(text) > limit:
        raise ValidationError({field: f"At most {limit} characters (got {len(text)})."})
    if "\x00" in text:
        raise ValidationError({field: "Must not contain NUL characters."})
    return text


def _thread(unit: AgreementUnit):
    return UnitComment.objects.filter(
        session_id=unit.session_id, article_id=unit.article_id, unit_key=unit.key
    )


def comment_text_clean(value: Any) -> str:
    """A comment's text as stored; ValidationError naming `text` otherwise."""
    return _text_clean(value, field="text", limit=MAX_COMMENT_CHARS, blank=False)


@transaction.atomic
def comment_post(*, unit: AgreementUnit, author, text: Any) -> UnitComment:
    """Add a comment to the unit's thread; it counts as read by its author.

    The caller has checked access (`thread_access_check`).
    """
    clean = comment_text_clean(text)
    comment = UnitComment.objects.create(
        session_id=unit.session_id,
        article_id=unit.article_id,
        unit_key=unit.key,
        author=author,
        text=clean,
    )
    _marker_advance(unit=unit, user=author, up_to=comment.pk)
    return comment


def _marker_advance(*, unit: AgreementUnit, user, up_to: int) -> int:
    """Move the user's read marker forward to `up_to` (never back)."""
    marker, _ = CommentReadMarker.objects.select_for_update().get_or_create(
        session_id=unit.session_id,
        article_id=unit.article_id,
        unit_key=unit.key,
        user=user,
    )
    if up_to > marker.last_read_id:
        marker.last_read_id = up_to
        marker.save(update_fields=["last_read_id", "updated_at"])
    return marker.last_read_id


@transaction.atomic
def thread_mark_read(*, unit: AgreementUnit, user, up_to: Any = None) -> int:
    """Mark the thread read up to comment `up_to` (default: its newest).

    Returns the marker. ValidationError names `up_to` when it is not a
    comment id of this thread.
    """
    thread = _thread(unit)
    if up_to is None:
        target = thread.aggregate(last=Max("pk"))["last"] or 0
    else:
        if isinstance(up_to, bool) or not isinstance(up_to, int):
            raise ValidationError({"up_to": "Must be a comment id."})
        if not thread.filter(pk=up_to).exists():
            raise ValidationError({"up_to": f"Comment {up_to} is not in this thread."})
        target = up_to
    return _marker_advance(unit=unit, user=user, up_to=target)


def note_get(*, session_id: int, article_id: int) -> ArticleNote | None:
    return (
        ArticleNote.objects.filter(session_id=session_id, article_id=article_id)
        .select_related("updated_by")
        .first()
    )


@transaction.atomic
def note_put(
    *, session_id: int, article_id: int, user, text: Any, version: Any = None
) -> ArticleNote:
    """Write the article's note (blank clears it), optimistic on `version`.

    `version` is the version the writer read (0 or null for no note yet);
    leaving it out overwrites. A stale one raises NoteConflict.
    """
    clean = _text_clean(text, field="text", limit=MAX_NOTE_CHARS, blank=True)
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 0
    ):
        raise ValidationError({"version": "Must be a non-negative integer."})
    note = (
        ArticleNote.objects.select_for_update()
        .filter(session_id=session_id, article_id=article_id)
        .first()
    )
    current = note.version if note else 0
    if version is not None and version != current:
        raise NoteConflict(note)
    if note is None:
        # Two first writes race on the unique constraint: the loser conflicts.
        try:
            with transaction.atomic():
                note = ArticleNote.objects.create(
                    session_id=session_id,
                    article_id=article_id,
                    text=clean,
                    updated_by=user,
                )
        except IntegrityError:
            raise NoteConflict(
                note_get(session_id=session_id, article_id=article_id)
            ) from None
    else:
        note.text = clean
        note.version = current + 1
        note.updated_by = user
        note.save(update_fields=["text", "version", "updated_by", "updated_at"])
    return note
