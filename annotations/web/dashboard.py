"""Web pages for adjudicators and staff: the review dashboard and the disputes queue."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from annotations import selectors
from annotations.access import is_adjudicating
from annotations.web.export_panel import export_panel_context
from annotations.web.views import ROLE_NAMES, _session_or_404


def _adjudicator_page(request, session_id: int, template: str, extra=None):
    """Render `template` for adjudicators and staff; reviewers 403, outsiders 404.

    The role comes from the same `session_role` as the API, so the page and the
    endpoints it calls always agree on who may see what. `extra(session)` adds
    context, and runs only for those allowed in.
    """
    session, role = _session_or_404(request.user, session_id)
    base = {"session": session, "header_role": ROLE_NAMES.get(role, role)}
    if not is_adjudicating(role):
        return render(request, "annotations/dashboard_forbidden.html", base, status=403)
    context = {**base, "role": role, "scheme": selectors.session_scheme(session)}
    if extra is not None:
        context.update(extra(session))
    return render(request, template, context)


@ensure_csrf_cookie
@login_required
def dashboard(request, sid: int):
    """Progress, agreement, report freshness and source reliability of a session."""
    return _adjudicator_page(
        request,
        sid,
        "annotations/dashboard.html",
        lambda session: {
            "progress": selectors.session_progress_matrix(session),
            **export_panel_context(session),
        },
    )


@ensure_csrf_cookie
@login_required
def disputes(request, sid: int):
    """The disputes queue: competing reviewer versions and the gold decision."""
    return _adjudicator_page(request, sid, "annotations/adjudicate.html")
