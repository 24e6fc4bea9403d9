"""DRF permission classes over the rules in `annotations.access`."""

from django.http import Http404
from rest_framework import permissions

from annotations import selectors
from annotations.access import (
    ROLE_REVIEWER,
    can_see_all_spans,
    is_adjudicating,
    is_lead,
    manage_refusal,
)
from annotations.models import AnnotationSession


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


class IsSessionAdjudicator(permissions.BasePermission):
    """Adjudicators of the session, or staff who hold no role in it."""

    message = "Only adjudicators of this session and staff can do this."

    def has_permission(self, request, view) -> bool:
        _, role = view.get_session_and_role()
        return is_adjudicating(role)


class SeesAllSpans(permissions.BasePermission):
    """Figures computed from every reviewer's spans: not for a blind reviewer."""

    message = "This session is blind: agreement data is for adjudicators and staff."

    def has_permission(self, request, view) -> bool:
        session, role = view.get_session_and_role()
        return can_see_all_spans(role, session)


class SessionScopedMixin:
    """Every view under /api/sessions/{sid}/: the session and the caller's role.

    Resolved once per request through `selectors.session_for_user` (the rules of
    `annotations.access`); `session` is None for a caller with no role in it,
    which `IsSessionMember` turns into a 404. Every URL pattern names the
    session `sid` (the router's `/api/sessions/{id}/` aside).
    """

    def get_session_and_role(self):
        if not hasattr(self, "_session_and_role"):
            session = selectors.session_for_user(
                user=self.request.user, session_id=self.kwargs["sid"]
            )
            role = session.my_role if session is not None else None
            self._session_and_role = (session, role)
        return self._session_and_role

    @property
    def session(self) -> AnnotationSession:
        return self.get_session_and_role()[0]

    @property
    def role(self) -> str | None:
        return self.get_session_and_role()[1]


class IsLead(permissions.BasePermission):
    """Leads only (staff or `manage_sessions`): the library and the intake."""

    message = "Only leads (staff or users who may manage sessions) can do this."

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
