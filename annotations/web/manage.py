"""Lead pages: New session, and a session's management (members, articles, plan).

Plain HTML forms posted back to these views, which hand the values to the
same services the API uses; a ValidationError re-renders the page with the
message next to its field. Who may come in is `annotations.access`'s answer.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from annotations.access import is_lead, manage_refusal
from annotations.models import AnnotationSession, Article, LabelScheme
from annotations.selectors import assignment as selectors_assignment
from annotations.services.assignment import assignment_set
from annotations.services.sessions_admin import (
    article_remove,
    articles_add,
    member_account_create,
    member_add,
    member_remove,
    session_create,
    session_update,
)
from annotations.web.export_panel import export_panel_context

LIBRARY_LIMIT = 2000
MATRIX_LIMIT = 500  # rows of the assignment matrix on the page (the API pages on)
ROLES = (("reviewer", "Reviewer"), ("adjudicator", "Adjudicator"))


def _forbidden(request, message: str):
    return render(
        request,
        "annotations/manage_forbidden.html",
        {"message": message, "header_role": ""},
        status=403,
    )


def _number(post, name: str, default, cast=int):
    raw = post.get(name, "").strip()
    if raw == "":
        return default
    try:
        return cast(raw)
    except ValueError:
        raise ValidationError({name: "Must be a number."}) from None


def _error_dict(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {
            field: " ".join(str(m) for e in errors for m in e.messages)
            for field, errors in exc.error_dict.items()
        }
    return {"__all__": " ".join(exc.messages)}


def _library(exclude_session=None):
    articles = Article.objects.select_related("outlet").defer("text")
    if exclude_session is not None:
        articles = articles.exclude(sessionarticle__session=exclude_session)
    return list(articles.order_by("-created_at", "-id")[:LIBRARY_LIMIT])


def _new_session_values(post) -> dict:
    members = []
    for key, role in post.items():
        if key.startswith("role_") and role:
            try:
                members.append({"user": int(key[5:]), "role": role})
            except ValueError:
                raise ValidationError({"members": "Unknown member."}) from None
    try:
        # The library lists newest first; a session takes them in import order.
        articles = sorted({int(value) for value in post.getlist("articles")})
    except ValueError:
        raise ValidationError({"articles": "Unknown article."}) from None
    return {
        "name": post.get("name", ""),
        "description": post.get("description", ""),
        "scheme": post.get("scheme") or "default",
        "required_reviewers": _number(post, "required_reviewers", 2),
        "blind": post.get("blind") == "on",
        "alignment_threshold": _number(post, "alignment_threshold", 0.5, float),
        "assignment": post.get("assignment", "all"),
        "calibration": _number(post, "calibration", 0),
        "members": members,
        "articles": articles,
    }


@ensure_csrf_cookie
@login_required
def session_new(request):
    """The New session page (leads): settings, members and library articles."""
    if not is_lead(request.user):
        return _forbidden(request, "Only leads can create sessions.")
    errors, values = {}, {}
    if request.method == "POST":
        try:
            values = _new_session_values(request.POST)
            session = session_create(creator=request.user, **values)
        except ValidationError as exc:
            errors = _error_dict(exc)
        else:
            messages.success(request, f"Session “{session.name}” created.")
            return redirect("web:session-manage", sid=session.pk)
    chosen_roles = {m["user"]: m["role"] for m in values.get("members", [])}
    users = selectors_assignment.users_matching(query="", limit=500)
    for user in users:
        user["role"] = chosen_roles.get(user["id"], "")
    context = {
        "schemes": LabelScheme.objects.order_by("name"),
        "users": users,
        "roles": ROLES,
        "library": _library(),
        "chosen_articles": set(values.get("articles", [])),
        "values": values,
        "errors": errors,
        "header_role": "Lead",
    }
    return render(
        request, "annotations/session_new.html", context, status=400 if errors else 200
    )


def _manage_action(request, session: AnnotationSession) -> dict:
    """Run the posted action; extra context for the page (the one-time link)."""
    post, action = request.POST, request.POST.get("action")
    if action == "add_member":
        member_add(
            session_id=session.pk,
            user_id=_number(post, "user", None),
            role=post.get("role"),
        )
        messages.success(request, "Member added.")
    elif action == "remove_member":
        member_remove(session_id=session.pk, user_id=_number(post, "user", 0))
        messages.success(request, "Member removed.")
    elif action == "create_account":
        user, path = member_account_create(
            session_id=session.pk,
            username=post.get("username", ""),
            email=post.get("email", ""),
            role=post.get("role", ""),
        )
        return {"new_account": user, "new_link": request.build_absolute_uri(path)}
    elif action == "add_articles":
        try:
            ids = [int(value) for value in post.getlist("articles")]
        except ValueError:
            raise ValidationError({"articles": "Unknown article."}) from None
        added = articles_add(session_id=session.pk, article_ids=ids)
        messages.success(request, f"{len(added)} article(s) added.")
    elif action == "remove_article":
        article_remove(session_id=session.pk, article_id=_number(post, "article", 0))
        messages.success(request, "Article removed.")
    elif action == "reviewer_feedback":
        enabled = post.get("reviewer_feedback") == "on"
        session_update(session_id=session.pk, reviewer_feedback=enabled)
        messages.success(request, f"Reviewer feedback {'on' if enabled else 'off'}.")
    elif action == "reassign":
        try:
            reviewers = [int(value) for value in post.getlist("reviewers")]
        except ValueError:
            raise ValidationError({"reviewers": "Unknown reviewer."}) from None
        result = assignment_set(
            session_id=session.pk,
            article_id=_number(post, "article", 0),
            reviewers=reviewers,
        )
        messages.success(request, _reassigned_message(result))
    else:
        raise ValidationError({"action": "Unknown action."})
    return {}


def _reassigned_message(result: dict) -> str:
    kept = result["unassigned_with_spans"]
    if kept:
        return (
            "Reassigned. The spans of the reviewer(s) taken off stay, marked as "
            "unassigned and outside agreement."
        )
    return "Reassigned."


@ensure_csrf_cookie
@login_required
def session_manage(request, sid: int):
    """Members, articles and the assignment matrix of one session (its leads)."""
    refusal = manage_refusal(request.user, sid)
    if refusal == 404:
        raise Http404("No such session.")
    if refusal == 403:
        return _forbidden(request, "Only a lead of this session can manage it.")
    session = get_object_or_404(
        AnnotationSession.objects.select_related("scheme"), pk=sid
    )
    extra, errors = {}, {}
    if request.method == "POST":
        try:
            extra = _manage_action(request, session)
        except ValidationError as exc:
            errors = _error_dict(exc)
        except ObjectDoesNotExist:
            errors = {"__all__": "That member or article is not in this session."}
        else:
            if not extra:
                return redirect("web:session-manage", sid=session.pk)
    return render(
        request,
        "annotations/session_manage.html",
        {**_manage_context(session), **extra, "errors": errors, "header_role": "Lead"},
        status=400 if errors else 200,
    )


def _manage_context(session: AnnotationSession) -> dict:
    reviewers = selectors_assignment.session_reviewer_rows(session.pk)
    loads = selectors_assignment.assignment_loads(session)
    for reviewer in reviewers:
        reviewer.update(loads.get(reviewer["id"], {"assigned": 0, "done": 0}))
    rows = selectors_assignment.assignment_rows(session, limit=MATRIX_LIMIT)
    for row in rows:
        assigned = {cell["id"]: cell for cell in row["reviewers"]}
        unassigned = {cell["id"]: cell for cell in row["unassigned_with_spans"]}
        row["cells"] = [
            {
                "reviewer": reviewer,
                "plan": assigned.get(reviewer["id"]),
                "orphan": unassigned.get(reviewer["id"]),
            }
            for reviewer in reviewers
        ]
    members = selectors_assignment.session_member_rows(session.pk)
    member_ids = {member["id"] for member in members}
    return {
        "session": session,
        "balanced": session.assignment == AnnotationSession.AssignmentMode.BALANCED,
        "members": members,
        "reviewers": reviewers,
        "rows": rows,
        "rows_cut": session.articles.count() > MATRIX_LIMIT,
        "roles": ROLES,
        "candidates": [
            user
            for user in selectors_assignment.users_matching(query="", limit=500)
            if user["id"] not in member_ids
        ],
        "library": _library(exclude_session=session),
        # The lead's session page: the Export panel as on the dashboard.
        **export_panel_context(session),
    }
