"""The article library page for leads: the table, filters and the upload zone.

The table is rendered here from the same selector the API uses; the upload,
the dry-run preview with corrections and the job's progress bar are the ES
module `library.js`, which calls `POST /api/articles/import/`.
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from annotations import selectors
from annotations.access import is_lead

PAGE_SIZE = 50


def _date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def lead_nav(request) -> dict:
    """Template context: whether to show the lead-only links in the header."""
    return {"user_is_lead": is_lead(getattr(request, "user", None))}


@ensure_csrf_cookie
@login_required
def library(request):
    """Every article (leads only); reviewers and adjudicators get a 403 page."""
    if not is_lead(request.user):
        return render(request, "annotations/library_forbidden.html", status=403)
    filters = {
        "q": request.GET.get("q", "").replace("\x00", "").strip(),
        "outlet": request.GET.get("outlet", "").replace("\x00", "").strip(),
        "published_after": request.GET.get("published_after", ""),
        "published_before": request.GET.get("published_before", ""),
    }
    articles = selectors.library_articles(
        q=filters["q"],
        outlet=filters["outlet"],
        published_after=_date_or_none(filters["published_after"]),
        published_before=_date_or_none(filters["published_before"]),
    )
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "annotations/library.html",
        {
            "page": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "outlets": selectors.library_outlets(),
            "query": query.urlencode(),
            "header_role": "Lead",
        },
    )
