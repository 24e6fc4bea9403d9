"""Review state: a reviewer marks an article of a session done, or reopens it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.models import ReviewState, SessionArticle
from annotations.services.recompute import articles_changed
from annotations.services.spans import reviewer_check


@transaction.atomic
def review_state_set(
    *, session_id: int, article_id: int, reviewer, done: bool
) -> ReviewState:
    """Set (idempotently) whether `reviewer` is done with the article."""
    if not isinstance(done, bool):
        raise ValidationError({"done": "Must be true or false."})
    reviewer_check(session_id=session_id, reviewer=reviewer)
    if not SessionArticle.objects.filter(
        session_id=session_id, article_id=article_id
    ).exists():
        raise ValidationError(
            {"article": f"Article {article_id} is not in this session."}
        )
    state, _ = ReviewState.objects.select_for_update().get_or_create(
        session_id=session_id, article_id=article_id, reviewer=reviewer
    )
    if state.done != done:
        state.done = done
        state.done_at = timezone.now() if done else None
        state.save(update_fields=["done", "done_at", "updated_at"])
        articles_changed(session_id=session_id, article_ids=[article_id])
    return state
