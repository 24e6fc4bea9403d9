"""Reads of the review dashboard: the articles x reviewers progress matrix."""

from typing import Any

from django.db.models import Count, OuterRef, Subquery

from annotations.models import (
    AnnotationSession,
    Article,
    ReviewState,
    SessionArticle,
    SpanAnnotation,
)
from annotations.selectors.sessions import session_reviewers


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
