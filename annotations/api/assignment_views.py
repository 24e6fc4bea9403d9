"""The assignment plan over HTTP, and the article/span routes that respect it.

In a balanced session a reviewer may open only the articles assigned to them:
the article, span and review-state routes below ask `access.may_open_article`
and answer 403 for an article of the session that is not theirs. The plan
itself is read and changed by the session's leads.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import selectors
from annotations.access import assignment_limits, may_open_article
from annotations.api import session_admin_serializers as shapes
from annotations.api.permissions import IsSessionLead
from annotations.api.schema import R400, R401, R403, R404
from annotations.api.span_views import SpanViewSet
from annotations.api.views import ApiView, ArticleViewSet
from annotations.models import AnnotationSession
from annotations.parsing import parse_id
from annotations.selectors import assignment as selectors_assignment
from annotations.services.assignment import assignment_set

NOT_ASSIGNED = "This article is not assigned to you in this session."


def _article_gate(view, article_id) -> None:
    """403 for an article of the session that the caller may not open."""
    if isinstance(article_id, bool) or not isinstance(article_id, int):
        return  # not an id: the view's own validation answers
    session, role = view.get_session_and_role()
    if session is None or role is None or not assignment_limits(session, role):
        return  # no assignment limits this caller: nothing to check (no query)
    if not selectors.article_in_session(session=session, article_id=article_id):
        return  # not in the session: the view's own 404/400
    if not may_open_article(view.request.user, session, role, article_id):
        raise PermissionDenied(NOT_ASSIGNED)


def _query_id(request, name: str):
    try:
        return parse_id(request.query_params.get(name))
    except (TypeError, ValueError):
        return None


class AssignedArticleViewSet(ArticleViewSet):
    """Article routes with the balanced-session gate on one article."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "aid" in self.kwargs and self.action in ("retrieve", "review_state"):
            _article_gate(self, self.kwargs["aid"])


class AssignedSpanViewSet(SpanViewSet):
    """Span routes with the balanced-session gate on the span's article."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action == "create" and isinstance(request.data, dict):
            _article_gate(self, request.data.get("article"))
        elif self.action == "bulk" and isinstance(request.data, dict):
            items = request.data.get("spans")
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    _article_gate(self, item.get("article"))
        elif self.action == "list" and "article" in request.query_params:
            _article_gate(self, _query_id(request, "article"))

    def get_object(self):
        span = super().get_object()
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            _article_gate(self, span.article_id)
        return span


class LeadView(ApiView, APIView):
    """Routes under /api/sessions/{sid}/ that only the session's leads use."""

    permission_classes = [IsAuthenticated, IsSessionLead]

    def session(self) -> AnnotationSession:
        return get_object_or_404(AnnotationSession, pk=self.kwargs["sid"])


@extend_schema(
    tags=["assignment"],
    summary="The assignment plan: each article's reviewers (leads)",
    description=(
        "One row per article in session order. `unassigned_with_spans` lists "
        "reviewers who annotated the article without being assigned to it "
        "(reassigned away): their spans are kept and left out of agreement. "
        "A session in `all` mode has no plan (every row's reviewers empty)."
    ),
    responses={
        200: shapes.AssignmentPageSerializer,
        401: R401,
        403: R403,
        404: R404,
    },
)
class AssignmentListView(LeadView):
    def get(self, request, *args, **kwargs):
        session = self.session()
        paginator = self.pagination_class()
        offset = paginator.get_offset(request)
        limit = paginator.get_limit(request)
        rows = selectors_assignment.assignment_rows(session, offset=offset, limit=limit)
        paginator.count = session.articles.count()
        paginator.limit, paginator.offset, paginator.request = limit, offset, request
        return paginator.get_paginated_response(rows)


@extend_schema(
    tags=["assignment"],
    summary="Reassign one article to exactly k reviewers (leads)",
    request=shapes.ReassignInputSerializer,
    responses={
        200: shapes.ReassignedSerializer,
        400: R400,
        401: R401,
        403: R403,
        404: R404,
    },
)
class AssignmentDetailView(LeadView):
    def put(self, request, *args, **kwargs):
        session = self.session()
        data = shapes.ReassignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = assignment_set(
            session_id=session.pk,
            article_id=self.kwargs["aid"],
            reviewers=data.validated_data["reviewers"],
        )
        return Response(result, status=status.HTTP_200_OK)
