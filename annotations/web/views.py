"""Web pages of the reviewer's workspace: my sessions, a session, annotate."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from annotations import selectors
from annotations.access import (
    assignment_limits,
    can_manage_session,
    is_lead,
    session_role,
)
from annotations.selectors import assignment as selectors_assignment
from annotations.web.export_panel import export_panel_context, export_panel_visible

ROLE_NAMES = {
    "reviewer": "Reviewer",
    "adjudicator": "Adjudicator",
    "staff": "Staff",
    "lead": "Lead",
}


def _session_or_404(user, session_id: int):
    """The session (annotated with progress) and the user's role; 404 otherwise.

    Uses the API's visibility rules, so a page and its API calls always agree.
    """
    session = selectors.session_get_for_user(user=user, session_id=session_id)
    role = session_role(user, session)
    if role is None:
        raise Http404("No such session.")
    return session, role


@login_required
def home(request):
    """My sessions, each with my role and my progress."""
    rows = []
    for session in selectors.sessions_for_user(user=request.user).order_by("pk"):
        progress = selectors.session_progress(session)
        articles = progress["articles"]
        rows.append(
            {
                "session": session,
                "role": ROLE_NAMES.get(session.my_role, session.my_role),
                "articles": articles,
                "done": progress["my_done"],
                "spans": progress["my_spans"],
                "percent": round(100 * progress["my_done"] / articles)
                if articles
                else 0,
            }
        )
    roles = sorted({row["role"] for row in rows})
    if request.user.is_staff:
        roles = sorted(set(roles) | {ROLE_NAMES["staff"]})
    return render(
        request,
        "annotations/home.html",
        {
            "rows": rows,
            "header_role": ", ".join(roles) or "No sessions yet",
            "is_lead": is_lead(request.user),
        },
    )


@ensure_csrf_cookie
@login_required
def session_detail(request, sid: int):
    """The articles of one session with my progress on each (and, for those who
    export everything, the Export panel)."""
    session = selectors.session_get_for_user(user=request.user, session_id=sid)
    if session is not None and session_role(request.user, session) is None:
        # A lead without a role in the session: its management page.
        return redirect("web:session-manage", sid=session.pk)
    session, role = _session_or_404(request.user, sid)
    articles = list(selectors.session_articles(session=session, user=request.user))
    done = sum(1 for article in articles if article.my_done)
    context = {
        "session": session,
        "articles": articles,
        "done": done,
        "spans": sum(article.my_span_count for article in articles),
        "percent": round(100 * done / len(articles)) if articles else 0,
        "header_role": ROLE_NAMES.get(role, role),
        "can_manage": can_manage_session(request.user, session),
        "has_queue": assignment_limits(session, role),
        "show_export": export_panel_visible(request.user, session, role),
    }
    if context["show_export"]:
        context.update(export_panel_context(session))
    return render(request, "annotations/session_detail.html", context)


@login_required
def queue(request, sid: int):
    """My queue: the articles assigned to me, in order, with my progress."""
    session, role = _session_or_404(request.user, sid)
    articles = list(selectors.session_articles(session=session, user=request.user))
    done = sum(1 for article in articles if article.my_done)
    first_open = next((a.pk for a in articles if not a.my_done), None)
    return render(
        request,
        "annotations/queue.html",
        {
            "session": session,
            "articles": articles,
            "done": done,
            "first_open": first_open,
            "percent": round(100 * done / len(articles)) if articles else 0,
            "header_role": ROLE_NAMES.get(role, role),
        },
    )


@ensure_csrf_cookie
@login_required
def article_annotate(request, sid: int, article_id: int):
    """The annotation page; the JS module loads text, scheme and spans from the API."""
    session, role = _session_or_404(request.user, sid)
    articles = list(selectors.session_articles(session=session, user=request.user))
    ids = [article.pk for article in articles]
    if article_id not in ids:
        raise Http404("No such article in this session.")
    index = ids.index(article_id)
    return render(
        request,
        "annotations/annotate.html",
        {
            "session": session,
            "article": articles[index],
            "role": role,
            "header_role": ROLE_NAMES.get(role, role),
            "position": index + 1,
            "total": len(ids),
            "previous_id": ids[index - 1] if index > 0 else None,
            "next_id": ids[index + 1] if index + 1 < len(ids) else None,
            "next_open_id": selectors_assignment.queue_next(articles, article_id),
        },
    )
