"""Reads of articles: a session's articles, offset maps, the article library."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Length

from annotations.access import assigned_article_ids, assignment_limits
from annotations.caches import LRUCache
from annotations.models import (
    AnnotationSession,
    Article,
    Outlet,
    ReviewState,
    SessionArticle,
    SpanAnnotation,
)
from annotations.selectors.sessions import _count
from annotations.text import OffsetMap


def _done_by(session: AnnotationSession, user) -> Exists:
    """Whether `user` marked the outer article done in `session`."""
    return Exists(
        ReviewState.objects.filter(
            session=session, article=OuterRef("pk"), reviewer_id=user.pk, done=True
        )
    )


def session_articles(*, session: AnnotationSession, user) -> QuerySet[Article]:
    """The session's articles in session order, with the user's span count/done.

    The text itself is deferred; `length` (code points) comes from the database.
    A reviewer of a balanced session gets only the articles assigned to them.
    """
    articles = Article.objects.filter(sessionarticle__session=session)
    if assignment_limits(session, getattr(session, "my_role", None)):
        articles = articles.filter(pk__in=assigned_article_ids(user, session))
    return (
        articles.select_related("outlet")
        .defer("text")
        .annotate(
            length=Length("text"),
            position=Subquery(
                SessionArticle.objects.filter(
                    session=session, article=OuterRef("pk")
                ).values("position")[:1]
            ),
            my_span_count=_count(
                SpanAnnotation.objects.filter(
                    session=session, article=OuterRef("pk"), reviewer_id=user.pk
                ),
                "article",
            ),
            my_done=_done_by(session, user),
        )
        .order_by("position", "id")
    )


def session_article(*, session: AnnotationSession, user, article_id: int):
    """One article of the session with its text, place and the user's done flag.

    The lean form of `session_articles` for a single article (one join, no
    counting subquery): callers that fetch the article's spans anyway count the
    user's spans from those. None if the article is not in the session.
    """
    article = (
        Article.objects.filter(pk=article_id, sessionarticle__session=session)
        .select_related("outlet")
        .annotate(
            position=F("sessionarticle__position"),
            my_done=_done_by(session, user),
        )
        .first()
    )
    if article is not None:
        article.length = len(article.text)
    return article


_OFFSET_MAPS: LRUCache[tuple[int, str], OffsetMap] = LRUCache(64)


def offset_maps_for(article_ids: Iterable[int]) -> dict[int, OffsetMap]:
    """One OffsetMap per article, built once per text (cached by its sha256).

    The cache key includes the hash, so an edited text never reuses a stale map.
    """
    article_ids = sorted(set(article_ids))
    if not article_ids:
        return {}
    hashes = dict(
        Article.objects.filter(pk__in=article_ids).values_list("pk", "text_sha256")
    )
    maps: dict[int, OffsetMap] = {}
    missing = []
    for article_id, sha in hashes.items():
        cached = _offset_map_cached(article_id, sha)
        if cached is None:
            missing.append(article_id)
        else:
            maps[article_id] = cached
    if missing:
        rows = Article.objects.filter(pk__in=missing).values_list(
            "pk", "text_sha256", "text"
        )
        for article_id, sha, text in rows:
            maps[article_id] = _offset_map_store(article_id, sha, text)
    return maps


def offset_map_of(article: Article) -> OffsetMap:
    """The OffsetMap of an article whose text is already loaded (no query)."""
    cached = _offset_map_cached(article.pk, article.text_sha256)
    if cached is not None:
        return cached
    return _offset_map_store(article.pk, article.text_sha256, article.text)


def _offset_map_cached(article_id: int, sha: str) -> OffsetMap | None:
    return _OFFSET_MAPS.get((article_id, sha))


def _offset_map_store(article_id: int, sha: str, text: str) -> OffsetMap:
    return _OFFSET_MAPS.put((article_id, sha), OffsetMap(text))


def article_in_session(*, session: AnnotationSession, article_id: int) -> bool:
    return SessionArticle.objects.filter(
        session=session, article_id=article_id
    ).exists()


def article_in_session_require(*, session: AnnotationSession, article_id: int) -> None:
    """`SessionArticle.DoesNotExist` (a 404) unless the article is in the session."""
    if not article_in_session(session=session, article_id=article_id):
        raise SessionArticle.DoesNotExist("No such article in this session.")


def library_articles(
    *,
    q: str = "",
    outlet: str = "",
    published_after=None,
    published_before=None,
) -> QuerySet[Article]:
    """Every article, newest first, with its length and sessions, filtered.

    `q` matches title, byline, text, external id or outlet name; `outlet` the
    outlet's name or domain exactly (case-insensitive); the dates are inclusive.
    """
    articles = (
        Article.objects.select_related("outlet")
        .annotate(length=Length("text"))
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=AnnotationSession.objects.only("id", "name").order_by("pk"),
            )
        )
        .order_by("-created_at", "-pk")
    )
    if q:
        articles = articles.filter(
            Q(title__icontains=q)
            | Q(byline__icontains=q)
            | Q(external_id__icontains=q)
            | Q(outlet__name__icontains=q)
            | Q(text__icontains=q)
        )
    if outlet:
        articles = articles.filter(
            Q(outlet__name__iexact=outlet) | Q(outlet__domain__iexact=outlet)
        )
    if published_after is not None:
        articles = articles.filter(published_date__gte=published_after)
    if published_before is not None:
        articles = articles.filter(published_date__lte=published_before)
    return articles


def library_outlets() -> list[dict[str, Any]]:
    """The outlets that have articles, for the library's filter."""
    return list(
        Outlet.objects.filter(articles__isnull=False)
        .distinct()
        .order_by("name")
        .values("name", "domain")
    )
