"""REST API views for annotation work: account, sessions, articles, review state.

Spans are in `span_views.py`; the OpenAPI pieces both modules share are here.

Views speak HTTP only: they resolve the session and the caller's role, check
the request shape with serializers and hand validated values to the services.
Service errors become responses in `annotations.api.exceptions`.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import selectors
from annotations.api import serializers as api
from annotations.api.pagination import ApiPagination
from annotations.api.parsers import API_PARSERS
from annotations.api.permissions import (
    IsSessionMember,
    IsSessionReviewer,
    SessionScopedMixin,
)
from annotations.api.schema import R400, R401, R403, R404, R413
from annotations.api.span_serializers import (
    ArticleWithSpansSerializer,
    PreconditionErrorSerializer,
    StaleVersionSerializer,
)
from annotations.models import AnnotationSession, Article
from annotations.services.review import review_state_set
from annotations.services.spans import (
    OFFSET_UNITS,
)

# --- Shared pieces --------------------------------------------------------------------

R409 = OpenApiResponse(
    StaleVersionSerializer,
    description="Stale version: someone changed the span; `current` is the stored "
    "span, which was left unchanged.",
)
R412 = OpenApiResponse(
    PreconditionErrorSerializer,
    description="If-Match and the body's `version` were both sent and disagree.",
)
R428 = OpenApiResponse(
    PreconditionErrorSerializer,
    description="No version: send `version` in the body or an If-Match header.",
)
READ_ERRORS = {401: R401, 404: R404}
WRITE_ERRORS = {400: R400, 401: R401, 403: R403, 404: R404, 413: R413}

OFFSET_UNIT_PARAM = OpenApiParameter(
    "offset_unit",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=list(OFFSET_UNITS),
    description="Unit of start/end in the request body (default codepoint). "
    "Responses always carry both code points and UTF-16.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^\s*(\*|(W/)?"?[0-9]{1,9}"?)?\s*$'},
    OpenApiParameter.HEADER,
    description='The span\'s ETag as read, a strong ETag of its version: `"3"` '
    '(`W/"3"` is accepted too).',
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description='Strong ETag of the span\'s version, e.g. `"3"`.',
)

# Article 1 of the demo corpus (`make run`): seeds/000_c43f585b11b5d67a.txt.
SPAN_EXAMPLE = OpenApiExample(
    "A quoted statement",
    value={
        "article": 1,
        "start": 957,
        "end": 1031,
        "quote": "The ceasefire that has been established has not been "
        "violated by us so far",
        "claim_type": "quoted_statement",
        "sourcing_quality": "named_on_record",
        "cited_source": "Zabihullah Mujahid",
    },
    request_only=True,
)


# Spans an article read carries with ?include=spans; the span list has the rest.
SPANS_INCLUDED = 1000


class ApiView:
    """Common policy: token or session auth (401 for anonymous), bounded JSON."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    parser_classes = API_PARSERS
    pagination_class = ApiPagination

    def initial(self, request, *args, **kwargs):
        # A method the route does not have is a 405 for everyone, before
        # authentication can make it a 401.
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


# --- Account --------------------------------------------------------------------------


# Tokens: annotations/api/auth_views.py.


@extend_schema(
    tags=["auth"], responses={200: api.MeSerializer, 401: R401}, summary="Who am I"
)
class MeView(ApiView, APIView):
    def get(self, request):
        user = request.user
        return Response(
            {"id": user.pk, "username": user.get_username(), "is_staff": user.is_staff}
        )


# --- Sessions -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="My sessions (staff: all)",
        responses={200: api.SessionSerializer(many=True), 401: R401},
    ),
    retrieve=extend_schema(
        summary="A session with its label scheme and reviewers",
        responses={200: api.SessionDetailSerializer, **READ_ERRORS},
    ),
)
@extend_schema(tags=["sessions"])
class SessionViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    lookup_url_kwarg = "sid"
    filter_backends = []
    serializer_class = api.SessionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AnnotationSession.objects.none()
        return selectors.sessions_for_user(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return api.SessionDetailSerializer
        return api.SessionSerializer


class SessionScopedView(SessionScopedMixin, ApiView):
    """Views under /api/sessions/{sid}/ open to every member of the session."""

    permission_classes = [IsAuthenticated, IsSessionMember]


# --- Articles -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Articles of the session (text omitted)",
        responses={200: api.ArticleSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One article with its text (and, on request, its spans)",
        description=(
            "With `include=spans` the answer also carries the spans of the "
            f"article you may see (the first {SPANS_INCLUDED}, ordered by start, "
            "end, id; blind sessions: your own) and `spans_next`, the span list "
            "page that continues them, or null. One request instead of two: "
            "this is how the annotation workspace opens an article."
        ),
        parameters=[
            OpenApiParameter(
                "include",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["spans", ""],
                description="`spans`: add the article's spans to the answer.",
            )
        ],
        responses={200: ArticleWithSpansSerializer, 400: R400, **READ_ERRORS},
    ),
)
@extend_schema(tags=["articles"])
class ArticleViewSet(SessionScopedView, viewsets.ReadOnlyModelViewSet):
    lookup_url_kwarg = "aid"
    filter_backends = []
    serializer_class = api.ArticleSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Article.objects.none()
        return selectors.session_articles(session=self.session, user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return api.ArticleDetailSerializer
        return api.ArticleSerializer

    def get_permissions(self):
        if self.action == "review_state":
            return [IsAuthenticated(), IsSessionMember(), IsSessionReviewer()]
        return super().get_permissions()

    def retrieve(self, request, *args, **kwargs):
        include = request.query_params.get("include", "")
        if include not in ("", "spans"):
            raise DRFValidationError({"include": ['Must be "spans" or left out.']})
        if not include:
            article = get_object_or_404(
                self.get_queryset().defer(None), pk=self.kwargs["aid"]
            )
            return Response(api.ArticleDetailSerializer(article).data)
        found = selectors.article_with_spans(
            session=self.session,
            user=request.user,
            role=self.role,
            article_id=self.kwargs["aid"],
            limit=SPANS_INCLUDED,
        )
        if found is None:
            raise Http404("No such article in this session.")
        article, spans, more = found
        spans_next = None
        if more:
            spans_next = request.build_absolute_uri(
                reverse("api:span-list", kwargs={"sid": self.session.pk})
                + f"?article={article.pk}&limit={SPANS_INCLUDED}"
                f"&offset={SPANS_INCLUDED}"
            )
        article.included_spans = spans
        article.spans_next = spans_next
        context = {
            "user": request.user,
            "role": self.role,
            "offset_maps": {article.pk: selectors.offset_map_of(article)},
        }
        return Response(ArticleWithSpansSerializer(article, context=context).data)

    @extend_schema(
        summary="Mark the article done (or reopen it) for me",
        request=api.ReviewStateInputSerializer,
        responses={200: api.ReviewStateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["put"], url_path="review-state")
    def review_state(self, request, *args, **kwargs):
        article = get_object_or_404(self.get_queryset(), pk=self.kwargs["aid"])
        data = api.ReviewStateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        state = review_state_set(
            session_id=self.session.pk,
            article_id=article.pk,
            reviewer=request.user,
            done=data.validated_data["done"],
        )
        return Response(api.ReviewStateSerializer(state).data)
