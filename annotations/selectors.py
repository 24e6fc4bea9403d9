"""Reads: querysets in, plain data out (visibility rules, progress, suggestions)."""

from collections import OrderedDict
from collections.abc import Iterable
from threading import Lock
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Length
from django.http import Http404

from annotations.access import (
    ROLE_LEAD,
    ROLE_STAFF,
    assigned_article_ids,
    assignment_limits,
    can_see_all_spans,
    sessions_led_by,
)
from annotations.metrics.diagnostics import report_readings
from annotations.metrics.readings import alpha_reading
from annotations.models import (
    AgreementUnit,
    AnnotationSession,
    Article,
    ArticleQuestion,
    ClaimType,
    CommentReadMarker,
    ExportJob,
    Outlet,
    ReviewState,
    SessionArticle,
    SessionMembership,
    SourcingLevel,
    SpanAnnotation,
    UnitComment,
)
from annotations.text import OffsetMap


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) subquery (no join fan-out), 0 when there are no rows."""
    counted = (
        queryset.order_by()
        .values(group_by)
        .annotate(total=Count("*"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- Sessions -----------------------------------------------------------------


def sessions_for_user(*, user) -> QuerySet[AnnotationSession]:
    """Sessions the user belongs to (staff: all), with role and progress counts.

    Each row carries `my_role`, `article_count`, `reviewer_count`, `my_done`,
    `my_spans` and `all_done` (done (article, reviewer) pairs of the session's
    reviewers on the session's articles).
    """
    role = Subquery(
        SessionMembership.objects.filter(session=OuterRef("pk"), user_id=user.pk)
        .order_by("role")
        .values("role")[:1]
    )
    queryset = AnnotationSession.objects.select_related("scheme")
    if not user.is_staff:
        # Members, and the leads of sessions they are not members of.
        led = sessions_led_by(user).values("pk")
        queryset = queryset.filter(
            Q(
                pk__in=SessionMembership.objects.filter(user_id=user.pk).values(
                    "session"
                )
            )
            | Q(pk__in=led)
        )
    session = OuterRef("pk")
    return queryset.annotate(
        my_role=Coalesce(role, Value(ROLE_STAFF if user.is_staff else ROLE_LEAD)),
        article_count=_count(SessionArticle.objects.filter(session=session), "session"),
        reviewer_count=_count(
            SessionMembership.objects.filter(
                session=session, role=SessionMembership.Role.REVIEWER
            ),
            "session",
        ),
        my_done=_count(
            ReviewState.objects.filter(session=session, reviewer_id=user.pk, done=True),
            "session",
        ),
        my_spans=_count(
            SpanAnnotation.objects.filter(session=session, reviewer_id=user.pk),
            "session",
        ),
        all_done=_count(
            ReviewState.objects.filter(session=session, done=True).filter(
                Exists(
                    SessionMembership.objects.filter(
                        session=OuterRef("session"),
                        user=OuterRef("reviewer"),
                        role=SessionMembership.Role.REVIEWER,
                    )
                ),
                Exists(
                    SessionArticle.objects.filter(
                        session=OuterRef("session"), article=OuterRef("article")
                    )
                ),
            ),
            "session",
        ),
    ).order_by("id")


def session_progress(session: AnnotationSession) -> dict[str, int]:
    """Plain progress figures of an annotated row of `sessions_for_user`."""
    progress = {
        "articles": session.article_count,
        "my_done": session.my_done,
        "my_spans": session.my_spans,
    }
    if session.my_role != SessionMembership.Role.REVIEWER:
        progress["all_done"] = session.all_done
        progress["all_pairs"] = session.article_count * session.reviewer_count
    return progress


def session_get_for_user(*, user, session_id: int) -> AnnotationSession:
    """The annotated session if the user may see it; Http404 otherwise (no leak)."""
    session = sessions_for_user(user=user).filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    return session


def session_for_user(*, user, session_id: int) -> AnnotationSession | None:
    """The session with the caller's `my_role` (None if not a member/staff).

    Cheaper than `session_get_for_user` (no progress counts): the span hot path.
    """
    role = Subquery(
        SessionMembership.objects.filter(session=OuterRef("pk"), user_id=user.pk)
        .order_by("role")
        .values("role")[:1]
    )
    session = (
        AnnotationSession.objects.filter(pk=session_id).annotate(my_role=role).first()
    )
    if session is None:
        return None
    if session.my_role is None:
        if not user.is_staff:
            return None
        session.my_role = ROLE_STAFF
    return session


def session_scheme(session: AnnotationSession) -> dict[str, Any]:
    """The session's label scheme as plain data (sourcing levels ordered by rank)."""
    scheme = session.scheme
    return {
        "slug": scheme.slug,
        "name": scheme.name,
        "claim_types": list(
            ClaimType.objects.filter(scheme=scheme)
            .order_by("position", "code")
            .values("code", "name", "description", "color", "shortcut", "position")
        ),
        "sourcing_levels": list(
            SourcingLevel.objects.filter(scheme=scheme)
            .order_by("rank")
            .values("code", "name", "description", "rank", "weight", "shortcut")
        ),
        "article_questions": scheme_questions(scheme.pk),
    }


def scheme_questions(scheme_id: int) -> list[dict[str, Any]]:
    """The scheme's article questions in order, options as a client shows them."""
    return [
        {
            "code": row["code"],
            "prompt": row["prompt"],
            "type": row["type"],
            "options": ArticleQuestion.shown_options(row["type"], row["options"]),
            "help": row["help"],
            "position": row["position"],
        }
        for row in ArticleQuestion.objects.filter(scheme_id=scheme_id)
        .order_by("position", "code")
        .values("code", "prompt", "type", "options", "help", "position")
    ]


def session_reviewers(session: AnnotationSession) -> list[str]:
    return list(
        SessionMembership.objects.filter(
            session=session, role=SessionMembership.Role.REVIEWER
        )
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )


# --- Articles -------------------------------------------------------------------


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


# --- Spans --------------------------------------------------------------------


SPAN_FIELDS = (
    "id",
    "session_id",
    "article_id",
    "reviewer_id",
    "start",
    "end",
    "quote",
    "claim_type_id",
    "sourcing_quality_id",
    "cited_source",
    "note",
    "origin",
    "version",
    "created_at",
    "updated_at",
)


def spans_visible(*, session: AnnotationSession, user, role: str | None) -> QuerySet:
    """The spans of `session` that `user` (in `role`) may see, by article and start.

    Blind mode lives here: in a blind session a reviewer sees only their own
    spans; in an open session reviewers see everyone's; adjudicators and staff
    see all. Anyone without a role sees nothing.
    """
    queryset = (
        SpanAnnotation.objects.filter(session=session)
        .select_related("claim_type", "sourcing_quality", "reviewer")
        # Only what a span's representation needs: the list is the hot path.
        .only(
            *SPAN_FIELDS,
            "reviewer__username",
            "claim_type__code",
            "sourcing_quality__code",
        )
        # By article id, not the model's article order (which joins the article).
        .order_by("article_id", "start", "end", "id")
    )
    if role is None:
        return queryset.none()
    if not can_see_all_spans(role, session):
        return queryset.filter(reviewer_id=user.pk)
    if assignment_limits(session, role):  # open and balanced: assigned articles
        return queryset.filter(
            Q(reviewer_id=user.pk)
            | Q(article_id__in=assigned_article_ids(user, session))
        )
    return queryset


SPAN_ROW_FIELDS = (
    *SPAN_FIELDS,
    "reviewer__username",
    "claim_type__code",
    "sourcing_quality__code",
)


def span_rows(spans: QuerySet) -> QuerySet:
    """`spans` as plain rows (dicts keyed by SPAN_ROW_FIELDS): no model instances."""
    return spans.values(*SPAN_ROW_FIELDS)


def span_row(span: SpanAnnotation) -> dict[str, Any]:
    """One span instance as the row `span_rows` would give for it."""
    row = {name: getattr(span, name) for name in SPAN_FIELDS}
    row["reviewer__username"] = span.reviewer.username
    row["claim_type__code"] = span.claim_type.code
    row["sourcing_quality__code"] = span.sourcing_quality.code
    return row


def article_with_spans(
    *, session: AnnotationSession, user, role: str | None, article_id: int, limit: int
):
    """The workspace's one read: an article of the session and the spans it shows.

    Returns (article, spans, more) or None if the article is not in the session.
    `spans` are rows (`span_rows`): the first `limit` spans of the article that
    `user` may see, in the span list's order (start, end, id), so `more` means
    the paginated list continues at offset `limit`. `article.my_span_count` is
    counted from those rows (the user always sees their own) unless cut short.
    """
    article = session_article(session=session, user=user, article_id=article_id)
    if article is None:
        return None
    spans = list(
        span_rows(
            spans_visible(session=session, user=user, role=role).filter(
                article_id=article.pk
            )
        )[: limit + 1]
    )
    more = len(spans) > limit
    del spans[limit:]
    if more:
        article.my_span_count = SpanAnnotation.objects.filter(
            session=session, article_id=article.pk, reviewer_id=user.pk
        ).count()
    else:
        article.my_span_count = sum(span["reviewer_id"] == user.pk for span in spans)
    return article, spans, more


def cited_source_suggestions(
    *, spans: QuerySet, query: str = "", limit: int = 20
) -> list[str]:
    """Distinct cited sources among `spans`, most used first, matching `query`."""
    spans = spans.exclude(cited_source="")
    if query:
        spans = spans.filter(cited_source__icontains=query)
    rows = (
        spans.order_by()
        .values("cited_source")
        .annotate(uses=Count("id"))
        .order_by("-uses", "cited_source")[:limit]
    )
    return [row["cited_source"] for row in rows]


# --- Offsets --------------------------------------------------------------------

_OFFSET_MAP_CACHE: "OrderedDict[tuple[int, str], OffsetMap]" = OrderedDict()
_OFFSET_MAP_CACHE_SIZE = 64
_offset_map_lock = Lock()


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
    with _offset_map_lock:
        cached = _OFFSET_MAP_CACHE.get((article_id, sha))
        if cached is not None:
            _OFFSET_MAP_CACHE.move_to_end((article_id, sha))
        return cached


def _offset_map_store(article_id: int, sha: str, text: str) -> OffsetMap:
    offset_map = OffsetMap(text)
    with _offset_map_lock:
        _OFFSET_MAP_CACHE[(article_id, sha)] = offset_map
        while len(_OFFSET_MAP_CACHE) > _OFFSET_MAP_CACHE_SIZE:
            _OFFSET_MAP_CACHE.popitem(last=False)
    return offset_map


def article_in_session(*, session: AnnotationSession, article_id: int) -> bool:
    return SessionArticle.objects.filter(
        session=session, article_id=article_id
    ).exists()


# --- Review dashboard -----------------------------------------------------------


def session_progress_matrix(session: AnnotationSession) -> dict[str, Any]:
    """Articles x reviewers: span counts and done flags, completion, who is behind.

    Returns {articles: [{id, title, cells: [{reviewer, spans, done}]}],
    reviewers: [{username, done, spans}] (fewest done first), done_pairs,
    total_pairs, percent (None when there is nothing to do)}.
    """
    articles = list(
        Article.objects.filter(sessionarticle__session=session)
        .annotate(
            position=Subquery(
                SessionArticle.objects.filter(
                    session=session, article=OuterRef("pk")
                ).values("position")[:1]
            )
        )
        .order_by("position", "id")
        .values_list("id", "title", "external_id")
    )
    reviewers = session_reviewers(session)
    counts = {
        (row["article_id"], row["reviewer__username"]): row["total"]
        for row in SpanAnnotation.objects.filter(session=session)
        .order_by()
        .values("article_id", "reviewer__username")
        .annotate(total=Count("id"))
    }
    done = set(
        ReviewState.objects.filter(session=session, done=True).values_list(
            "article_id", "reviewer__username"
        )
    )
    rows = []
    per_reviewer = {
        name: {"username": name, "done": 0, "spans": 0} for name in reviewers
    }
    for article_id, title, external_id in articles:
        cells = []
        for name in reviewers:
            spans = counts.get((article_id, name), 0)
            is_done = (article_id, name) in done
            per_reviewer[name]["spans"] += spans
            per_reviewer[name]["done"] += int(is_done)
            cells.append({"reviewer": name, "spans": spans, "done": is_done})
        rows.append({"id": article_id, "title": title or external_id, "cells": cells})
    total_pairs = len(articles) * len(reviewers)
    done_pairs = sum(entry["done"] for entry in per_reviewer.values())
    behind = sorted(
        per_reviewer.values(), key=lambda r: (r["done"], r["spans"], r["username"])
    )
    return {
        "articles": rows,
        "reviewers": _behind_ranks(behind),
        "behind_note": _behind_note(behind, len(articles)),
        "reviewer_names": reviewers,
        "done_pairs": done_pairs,
        "total_pairs": total_pairs,
        "percent": round(100 * done_pairs / total_pairs) if total_pairs else None,
    }


def _behind_ranks(reviewers: list[dict]) -> list[dict]:
    """Rank by articles done (fewest first); equal counts share a rank, tied."""
    done_counts = [r["done"] for r in reviewers]
    return [
        {
            **r,
            "rank": done_counts.index(r["done"]) + 1,
            "tied": done_counts.count(r["done"]) > 1,
        }
        for r in reviewers
    ]


def _behind_note(reviewers: list[dict], articles: int) -> str:
    """A sentence when nobody is behind anybody (everyone has done as much)."""
    if len(reviewers) < 2 or len({r["done"] for r in reviewers}) > 1:
        return ""
    return (
        f"Nobody is behind: all {len(reviewers)} reviewers have done "
        f"{reviewers[0]['done']} of {articles} articles."
    )


# --- Discussion on claims ---------------------------------------------------------


def thread_comments(*, unit, user) -> list[dict[str, Any]]:
    """The unit's comments, oldest first, each flagged unread for `user`.

    A comment is unread when someone else wrote it after the user's read
    marker for the thread.
    """
    last_read = (
        CommentReadMarker.objects.filter(
            session_id=unit.session_id,
            article_id=unit.article_id,
            unit_key=unit.key,
            user_id=user.pk,
        )
        .values_list("last_read_id", flat=True)
        .first()
    ) or 0
    rows = (
        UnitComment.objects.filter(
            session_id=unit.session_id, article_id=unit.article_id, unit_key=unit.key
        )
        .order_by("created_at", "pk")
        .values("pk", "author_id", "author__username", "text", "created_at")
    )
    return [
        {
            "id": row["pk"],
            "unit": unit.pk,
            "article": unit.article_id,
            "author": row["author__username"],
            "text": row["text"],
            "created_at": row["created_at"],
            "unread": row["author_id"] != user.pk and row["pk"] > last_read,
        }
        for row in rows
    ]


def unread_comment_counts(
    *, session_id: int, user, article_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Per unit of the session: how many comments `user` has not read.

    `article_ids` limits the articles (None: all). Threads whose unit no longer
    exists under that key are left out (nothing to open them from).
    """
    markers = CommentReadMarker.objects.filter(
        session_id=OuterRef("session_id"),
        article_id=OuterRef("article_id"),
        unit_key=OuterRef("unit_key"),
        user_id=user.pk,
    ).values("last_read_id")[:1]
    comments = (
        UnitComment.objects.filter(session_id=session_id)
        .exclude(author_id=user.pk)
        .annotate(last_read=Coalesce(Subquery(markers, output_field=IntegerField()), 0))
        .filter(pk__gt=F("last_read"))
    )
    if article_ids is not None:
        comments = comments.filter(article_id__in=list(article_ids))
    counts = {
        (row["article_id"], row["unit_key"]): row["total"]
        for row in comments.order_by()
        .values("article_id", "unit_key")
        .annotate(total=Count("pk"))
    }
    if not counts:
        return []
    units = AgreementUnit.objects.filter(
        session_id=session_id, article_id__in={a for a, _ in counts}
    ).values_list("pk", "article_id", "key")
    return sorted(
        (
            {"unit": pk, "article": article_id, "unread": counts[(article_id, key)]}
            for pk, article_id, key in units
            if (article_id, key) in counts
        ),
        key=lambda row: row["unit"],
    )


def label_usage(
    *, session_id: int, article_id: int | None = None
) -> dict[str, dict[str, dict[str, int]]]:
    """{dimension: {reviewer: {code: spans}}} for claim type and sourcing quality."""
    usage: dict[str, dict[str, dict[str, int]]] = {}
    spans = SpanAnnotation.objects.filter(session_id=session_id)
    if article_id is not None:
        spans = spans.filter(article_id=article_id)
    for dimension in ("claim_type", "sourcing_quality"):
        by_reviewer: dict[str, dict[str, int]] = {}
        for reviewer, code, count in (
            spans.values_list("reviewer__username", f"{dimension}__code")
            .annotate(count=Count("id"))
            .order_by()
        ):
            by_reviewer.setdefault(reviewer, {})[code] = count
        usage[dimension] = by_reviewer
    return usage


def scheme_names(*, session: AnnotationSession) -> dict[str, dict[str, str]]:
    """{dimension: {code: display name}} of the session's label scheme."""
    return {
        "claim_type": dict(
            ClaimType.objects.filter(scheme_id=session.scheme_id).values_list(
                "code", "name"
            )
        ),
        "sourcing_quality": dict(
            SourcingLevel.objects.filter(scheme_id=session.scheme_id).values_list(
                "code", "name"
            )
        ),
    }


def agreement_readings(
    *, session: AnnotationSession, payload: dict | None, article_id: int | None = None
) -> dict | None:
    """Readings and diagnostics of a stored payload (None without one).

    Label usage per reviewer is read over the report's scope (the session, or
    the article of an article report).
    """
    if not payload or "labels" not in payload:
        return None
    return report_readings(
        payload,
        min_units=session.reading_min_units,
        usage=label_usage(session_id=session.pk, article_id=article_id),
        names=scheme_names(session=session),
    )


def article_alpha_readings(*, session: AnnotationSession, labels: dict) -> dict:
    """An article row's alpha readings ({dimension}_reading; None if not computed)."""
    result = {}
    for dimension in ("claim_type", "sourcing_quality"):
        figures = labels.get(dimension)
        result[f"{dimension}_reading"] = (
            alpha_reading(
                subject=dimension.replace("_", " "),
                alpha=figures["alpha"],
                ci=figures["ci"],
                units=figures["pairable_units"],
                min_units=session.reading_min_units,
            ).as_dict()
            if figures
            else None
        )
    return result


def session_export_jobs(*, session_id: int, created_by_id: int | None = None):
    """A session's export jobs, newest first, with their creators (one query).

    A job records its session in its filters (`params.session_id`);
    `created_by_id` narrows the list to one person's jobs.
    """
    jobs = ExportJob.objects.filter(params__session_id=session_id)
    if created_by_id is not None:
        jobs = jobs.filter(created_by_id=created_by_id)
    return jobs.select_related("created_by").order_by("-created_at", "-pk")


# --- Article library (leads) ------------------------------------------------------


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
