"""Who may do what in a session: the one home of roles, visibility and leads.

The API's permission classes, the web pages and the services (adjudication,
exports, discussion) all ask this module. A session has three kinds of people:

* members with a role ("reviewer" or "adjudicator", `SessionMembership`);
* staff without a membership, who act as "staff" (see and adjudicate, never
  annotate);
* leads: staff, or users with the `annotations.manage_sessions` permission who
  created the session or were made one of its `leads`. Leading is about
  managing the session (settings, members, articles), not about a role in its
  annotation work.

A membership wins over staff status, so a staff member who reviews in a session
is a reviewer there (and cannot adjudicate it).

In a balanced session (`assignment == "balanced"`) a reviewer works only on
the articles the plan assigns them (`Assignment` rows); everyone else sees
every article.
"""

from __future__ import annotations

from django.db.models import Q

from annotations.models import AnnotationSession, Assignment, SessionMembership

ROLE_REVIEWER = SessionMembership.Role.REVIEWER.value
ROLE_ADJUDICATOR = SessionMembership.Role.ADJUDICATOR.value
ROLE_STAFF = "staff"
# A lead of a session without a role in it (the session list's `my_role`).
ROLE_LEAD = "lead"
ADJUDICATING_ROLES = (ROLE_ADJUDICATOR, ROLE_STAFF)
MANAGE_PERMISSION = "annotations.manage_sessions"


def _signed_in(user) -> bool:
    return (
        user is not None and user.is_authenticated and getattr(user, "is_active", True)
    )


def session_role(user, session: AnnotationSession | int) -> str | None:
    """The user's role in the session: "reviewer", "adjudicator", "staff" or None."""
    if not _signed_in(user):
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


def is_adjudicating(role: str | None) -> bool:
    """Adjudicators and staff see every version and decide gold."""
    return role in ADJUDICATING_ROLES


def is_adjudicator_anywhere(user) -> bool:
    """Whether the user adjudicates at least one session (task-state access)."""
    return SessionMembership.objects.filter(
        user_id=user.pk, role=SessionMembership.Role.ADJUDICATOR
    ).exists()


def can_see_all_spans(role: str | None, session: AnnotationSession) -> bool:
    """Adjudicators and staff always; reviewers only in an open (non-blind) session."""
    if is_adjudicating(role):
        return True
    return role == ROLE_REVIEWER and not session.blind


def is_lead(user) -> bool:
    """May create sessions and open the library: staff or `manage_sessions`."""
    if not _signed_in(user):
        return False
    return bool(user.is_staff or user.has_perm(MANAGE_PERMISSION))


def can_manage_session(user, session: AnnotationSession | int) -> bool:
    """Staff manage every session; other leads the ones they created or lead."""
    if not is_lead(user):
        return False
    if user.is_staff:
        return True
    session_id = session if isinstance(session, int) else session.pk
    return (
        AnnotationSession.objects.filter(pk=session_id).filter(_led_by(user)).exists()
    )


def sessions_led_by(user):
    """The sessions `user` may manage, as a queryset."""
    if not is_lead(user):
        return AnnotationSession.objects.none()
    if user.is_staff:
        return AnnotationSession.objects.all()
    return AnnotationSession.objects.filter(_led_by(user)).distinct()


def _led_by(user) -> Q:
    return Q(created_by_id=user.pk) | Q(leads__id=user.pk)


def manage_refusal(user, session: AnnotationSession | int) -> int | None:
    """Why `user` may not manage the session: 404 (no role in it, as for any
    session route), 403 (a member who does not lead it) or None (may manage)."""
    if can_manage_session(user, session):
        return None
    return 403 if session_role(user, session) is not None else 404


# --- Assignment: who may open which article of a balanced session ------------


def assignment_limits(session: AnnotationSession, role: str | None) -> bool:
    """Whether the plan restricts what this role sees: reviewers, balanced only."""
    return (
        role == ROLE_REVIEWER
        and session.assignment == AnnotationSession.AssignmentMode.BALANCED
    )


def assigned_article_ids(user, session: AnnotationSession | int):
    """The ids of the articles assigned to `user` in the session (a subquery)."""
    session_id = session if isinstance(session, int) else session.pk
    return Assignment.objects.filter(session_id=session_id, reviewer_id=user.pk).values(
        "article_id"
    )


def may_open_article(
    user, session: AnnotationSession, role: str | None, article_id: int
) -> bool:
    """May this member open (read, annotate, mark done) the article? Reviewers
    of a balanced session only their assigned ones; other roles every article."""
    if not assignment_limits(session, role):
        return True
    return Assignment.objects.filter(
        session_id=session.pk, article_id=article_id, reviewer_id=user.pk
    ).exists()
