"""DRF permission classes over the rules in `annotations.access`."""

from django.http import Http404
from rest_framework import permissions

from annotations.access import ROLE_REVIEWER, is_lead, manage_refusal


class IsSessionMember(permissions.BasePermission):
    """The session exists and the user has a role in it; otherwise 404 (no leak).

    The view provides `get_session_and_role()` returning (session, role or None).
    """

    def has_permission(self, request, view) -> bool:
        _, role = view.get_session_and_role()
        if role is None:
            raise Http404("No such session.")
        return True


class IsSessionReviewer(permissions.BasePermission):
    """Only reviewers of the session may write spans and review states."""

    message = "Only reviewers of this session can do this."

    def has_permission(self, request, view) -> bool:
        _, role = view.get_session_and_role()
        return role == ROLE_REVIEWER


class IsSpanOwnerOrReadOnly(permissions.BasePermission):
    """Anyone who can see a span may read it; only its reviewer may change it."""

    message = "Only the reviewer who made this span can change or delete it."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        _, role = view.get_session_and_role()
        return role == ROLE_REVIEWER and obj.reviewer_id == request.user.pk


class IsLead(permissions.BasePermission):
    """Staff or holders of `annotations.manage_sessions` (create sessions, users)."""

    message = "Only leads (staff or session managers) can do this."

    def has_permission(self, request, view) -> bool:
        return is_lead(request.user)


class IsSessionLead(permissions.BasePermission):
    """A lead of the session; members who do not lead it 403, anyone else 404.

    The view names the session in the URL as `sid`.
    """

    message = "Only a lead of this session can do this."

    def has_permission(self, request, view) -> bool:
        refusal = manage_refusal(request.user, view.kwargs["sid"])
        if refusal == 404:
            raise Http404("No such session.")
        return refusal is None
