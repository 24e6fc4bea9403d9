"""A corpus import's per-article extras: review states, threads, answers."""

from typing import Any

from django.core.exceptions import ValidationError

from annotations.models import (
    AnnotationSession,
    Article,
    ReviewState,
    SessionMembership,
    UnitComment,
)
from annotations.services.discussion import comment_text_clean
from annotations.services.imports_common import (
    ImportRefused,
    _membership_ensure,
    _parse_time,
    _refusal,
    _user_ensure,
)
from annotations.services.imports_questions import article_questions_restore


class _ArticleExtrasImporter:
    """The corpus importer's review states, discussion threads and article
    answers (a mixin of `imports_corpus._CorpusImporter`)."""

    session: AnnotationSession | None
    counts: dict[str, int]

    def review_states_for(self, article: Article, states: Any, line: int) -> None:
        """Recreate who marked the article done (they decide what is pending)."""
        if not isinstance(states, list):
            raise ImportRefused(
                [{"record": line, "field": "review_states", "message": "Not a list."}]
            )
        rows, seen = [], set()
        for index, state in enumerate(states):
            where = f"review state {index}"
            if not isinstance(state, dict):
                raise ImportRefused(
                    [{"record": line, "where": where, "message": "Not an object."}]
                )
            username, done = state.get("reviewer"), state.get("done")
            problem = None
            if not isinstance(username, str) or not username or username in seen:
                problem = ("reviewer", "A username, once per article.")
            elif not isinstance(done, bool):
                problem = ("done", "Must be true or false.")
            elif not done and state.get("done_at") is not None:
                problem = ("done_at", "Must be null when not done.")
            if problem:
                raise ImportRefused(
                    [
                        {
                            "record": line,
                            "where": where,
                            "field": problem[0],
                            "message": problem[1],
                        }
                    ]
                )
            seen.add(username)
            try:
                done_at = _parse_time(state.get("done_at"), "done_at") if done else None
            except ValidationError as exc:
                raise _refusal(exc, line, where) from None
            reviewer = _user_ensure(username)
            _membership_ensure(self.session, reviewer, SessionMembership.Role.REVIEWER)
            rows.append(
                ReviewState(
                    session=self.session,
                    article=article,
                    reviewer=reviewer,
                    done=done,
                    done_at=done_at,
                )
            )
        ReviewState.objects.bulk_create(rows)
        self.counts["review_states"] += len(rows)

    def threads_for(self, article: Article, threads: Any, line: int) -> None:
        """Recreate the units' discussion comments (authors, times, texts)."""
        if not isinstance(threads, list):
            raise ImportRefused(
                [{"record": line, "field": "threads", "message": "Not a list."}]
            )
        rows, seen = [], set()
        for index, thread in enumerate(threads):
            where = f"thread {index}"

            def refuse(field: str, message: str, at: str = where):
                return ImportRefused(
                    [{"record": line, "where": at, "field": field, "message": message}]
                )

            if not isinstance(thread, dict):
                raise refuse("threads", "Not an object.")
            key, comments = thread.get("unit_key"), thread.get("comments")
            if not isinstance(key, str) or not key or len(key) > 200 or key in seen:
                raise refuse("unit_key", "A unit key (at most 200), once per article.")
            if not isinstance(comments, list) or not comments:
                raise refuse("comments", "A non-empty list.")
            seen.add(key)
            for number, comment in enumerate(comments):
                at = f"{where} comment {number}"
                if not isinstance(comment, dict):
                    raise refuse("comments", "Not an object.", at)
                author = comment.get("author")
                if not isinstance(author, str) or not author:
                    raise refuse("author", "A username.", at)
                try:
                    text = comment_text_clean(comment.get("text"))
                    created = _parse_time(comment.get("created"), "created")
                except ValidationError as exc:
                    raise _refusal(exc, line, at) from None
                rows.append(
                    UnitComment(
                        session=self.session,
                        article=article,
                        unit_key=key,
                        author=_user_ensure(author),
                        text=text,
                        created_at=created,
                    )
                )
        UnitComment.objects.bulk_create(rows)
        self.counts["comments"] += len(rows)

    def article_questions_for(self, article: Article, data: Any, line: int) -> None:
        """Recreate the reviewers' answers and the adjudicated gold answers."""

        def user_for(username: str, role: str):
            user = _user_ensure(username)
            _membership_ensure(self.session, user, role)
            return user

        try:
            answers, gold = article_questions_restore(
                session=self.session, article=article, data=data, user_for=user_for
            )
        except ValidationError as exc:
            raise _refusal(exc, line) from None
        self.counts["answers"] += answers
        self.counts["gold_answers"] += gold
