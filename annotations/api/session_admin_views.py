"""Session management over HTTP: create and change sessions, members, articles,
and the accounts a lead makes for the team.

Leads only (`annotations.access`): `is_lead` to create a session or a user,
`can_manage_session` for an existing session, whose members who do not lead
it get 403 and everyone else 404, as on every session route.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import selectors
from annotations.api import serializers as api
from annotations.api import session_admin_serializers as shapes
from annotations.api.assignment_views import AssignedArticleViewSet, LeadView
from annotations.api.params import query_text
from annotations.api.permissions import IsLead, IsSessionLead
from annotations.api.schema import R400, R401, R403, R404
from annotations.api.views import ApiView, SessionViewSet
from annotations.models import SessionArticle
from annotations.selectors import assignment as selectors_assignment
from annotations.services.accounts import account_create
from annotations.services.sessions_admin import (
    article_remove,
    articles_add,
    member_add,
    member_remove,
    session_create,
    session_update,
)

WRITE = {400: R400, 401: R401, 403: R403, 404: R404}


def _session_answer(request, session_id: int) -> dict:
    session = selectors.session_get_for_user(user=request.user, session_id=session_id)
    return api.SessionDetailSerializer(session).data


class SessionManageViewSet(SessionViewSet):
    """GET as before; POST creates (leads), PATCH changes (the session's leads)."""

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated(), IsLead()]
        if self.action == "partial_update":
            return [IsAuthenticated(), IsSessionLead()]
        return super().get_permissions()

    @extend_schema(
        summary="Create a session (leads); you become its creator and lead",
        request=shapes.SessionCreateSerializer,
        responses={201: api.SessionDetailSerializer, 400: R400, 401: R401, 403: R403},
    )
    def create(self, request, *args, **kwargs):
        data = shapes.SessionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = session_create(creator=request.user, **data.validated_data)
        return Response(
            _session_answer(request, session.pk), status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Change a session's settings (its leads)",
        request=shapes.SessionSettingsSerializer,
        responses={200: api.SessionDetailSerializer, **WRITE},
    )
    def partial_update(self, request, *args, **kwargs):
        data = shapes.SessionSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        session_update(session_id=self.kwargs["sid"], **data.validated_data)
        return Response(_session_answer(request, self.kwargs["sid"]))


@extend_schema(tags=["session management"])
class MembersView(LeadView):
    @extend_schema(
        summary="The session's members (its leads)",
        responses={200: shapes.MemberSerializer(many=True), 401: R401, 403: R403},
    )
    def get(self, request, *args, **kwargs):
        session = self.session()
        return Response(selectors_assignment.session_member_rows(session.pk))

    @extend_schema(
        summary="Add a member in a role, or change their role (its leads)",
        request=shapes.MemberInputSerializer,
        responses={201: shapes.MemberSerializer(many=True), **WRITE},
    )
    def post(self, request, *args, **kwargs):
        session = self.session()
        data = shapes.MemberInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member_add(
            session_id=session.pk,
            user_id=data.validated_data["user"],
            role=data.validated_data["role"],
        )
        return Response(
            selectors_assignment.session_member_rows(session.pk),
            status=status.HTTP_201_CREATED,
        )


@extend_schema(
    tags=["session management"],
    summary="Take a member off the session (refused for a reviewer with spans)",
    responses={204: None, **WRITE},
)
class MemberDetailView(LeadView):
    def delete(self, request, *args, **kwargs):
        session = self.session()
        member_remove(session_id=session.pk, user_id=self.kwargs["user_id"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionArticleManageViewSet(AssignedArticleViewSet):
    """The session's article routes: members read, leads add and remove."""

    def get_permissions(self):
        if self.action in ("add", "remove"):
            return [IsAuthenticated(), IsSessionLead()]
        return super().get_permissions()

    @extend_schema(
        summary="Add articles to the session (its leads); appended in order",
        request=shapes.ArticlesInputSerializer,
        responses={201: shapes.ArticlesAddedSerializer, **WRITE},
    )
    def add(self, request, *args, **kwargs):
        data = shapes.ArticlesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = articles_add(
            session_id=self.kwargs["sid"], article_ids=data.validated_data["articles"]
        )
        total = SessionArticle.objects.filter(session_id=self.kwargs["sid"]).count()
        return Response(
            {"added": added, "articles": total}, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Take an article out of the session (refused once it has spans)",
        responses={204: None, **WRITE},
    )
    def remove(self, request, *args, **kwargs):
        article_remove(session_id=self.kwargs["sid"], article_id=self.kwargs["aid"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["session management"])
class UsersView(ApiView, APIView):
    permission_classes = [IsAuthenticated, IsLead]

    @extend_schema(
        summary="Find users to add to a session (leads)",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Part of a username or email."
            )
        ],
        responses={200: shapes.UserListSerializer, 400: R400, 401: R401, 403: R403},
    )
    def get(self, request, *args, **kwargs):
        query = query_text(request, "q").strip()[:150]
        return Response({"results": selectors_assignment.users_matching(query=query)})

    @extend_schema(
        summary="Create a reviewer/adjudicator account with a one-time link (leads)",
        description=(
            "The account has no password until its owner opens "
            "`set_password_url` and chooses one; the link works once."
        ),
        request=shapes.UserInputSerializer,
        responses={201: shapes.UserCreatedSerializer, 400: R400, 401: R401, 403: R403},
    )
    def post(self, request, *args, **kwargs):
        data = shapes.UserInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, path = account_create(**data.validated_data)
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "email": user.email,
                "set_password_url": request.build_absolute_uri(path),
            },
            status=status.HTTP_201_CREATED,
        )
