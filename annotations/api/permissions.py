"""Who may do what in a session: roles and DRF permission classes (API and web)."""

from django.http import Http404
from rest_framework import permissions

from annotations.models import AnnotationSession, SessionMembership

ROLE_REVIEWER = SessionMembership.Role.REVIEWER.value
ROLE_ADJUDICATOR = SessionMembership.Role.ADJUDICATOR.value
ROLE_STAFF = "staff"


def session_role(user, session: AnnotationSession | int) -> str | None:
    """The user's role in the session: "reviewer", "adjudicator", "staff" or None.

    A membership wins over staff status, so a staff member who also reviews is
    treated as a reviewer there (and may annotate).
    """
    if user is None or not user.is_authenticated:
        return None
    session_id = session if isinstance(session, int) else session.pk
    role = (
        SessionMembership.objects.filter(session_id=session_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    if role:
        return role
    return ROLE_STAFF if user.is_staff else None


def is_adjudicator_anywhere(user) -> bool:
    """Whether the user adjudicates at least one session (task-state access)."""
    return SessionMembership.objects.filter(
        user_id=user.pk, role=SessionMembership.Role.ADJUDICATOR
    ).exists()


def can_see_all_spans(role: str | None, session: AnnotationSession) -> bool:
    """Adjudicators and staff always; reviewers only in an open (non-blind) session."""
    if role in (ROLE_ADJUDICATOR, ROLE_STAFF):
        return True
    return role == ROLE_REVIEWER and not session.blind


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
