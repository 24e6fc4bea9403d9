"""REST API views for annotation work: sessions, articles, spans, review state.

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
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, ParseError
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import selectors
from annotations.api import serializers as api
from annotations.api.exceptions import PreconditionFailed, PreconditionRequired
from annotations.api.filters import SpanFilter
from annotations.api.pagination import ApiPagination
from annotations.api.params import query_number, query_text
from annotations.api.parsers import API_PARSERS, LimitedJSONParser
from annotations.api.permissions import (
    IsSessionMember,
    IsSessionReviewer,
    IsSpanOwnerOrReadOnly,
    SessionScopedMixin,
)
from annotations.api.schema import R400, R401, R403, R404, R413
from annotations.models import AnnotationSession, Article, SpanAnnotation
from annotations.parsing import MAX_INT32, whole_number
from annotations.services.review import review_state_set
from annotations.services.span_offsets import SNAP_MODES
from annotations.services.spans import (
    OFFSET_UNITS,
    BulkValidationError,
    annotation_bulk_create,
    annotation_create,
    annotation_delete,
    annotation_update,
)

# --- Shared pieces --------------------------------------------------------------------

R409 = OpenApiResponse(
    api.StaleVersionSerializer,
    description="Stale version: someone changed the span; `current` is the stored "
    "span, which was left unchanged.",
)
R412 = OpenApiResponse(
    api.PreconditionErrorSerializer,
    description="If-Match and the body's `version` were both sent and disagree.",
)
R428 = OpenApiResponse(
    api.PreconditionErrorSerializer,
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


def _offset_unit(request, body_value=None) -> str:
    value = body_value or request.query_params.get("offset_unit") or "codepoint"
    if value not in OFFSET_UNITS:
        raise DRFValidationError(
            {"offset_unit": [f"Must be one of {', '.join(OFFSET_UNITS)}."]}
        )
    return value


def _version_from_text(value: str, source: str) -> int:
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    try:
        return whole_number(text.strip('"'), minimum=0, maximum=MAX_INT32)
    except ValueError:
        raise DRFValidationError(
            {"version": [f'{source} must be the span\'s ETag/version, e.g. "3".']}
        ) from None


def _if_match_version(request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() in ("", "*"):
        return None
    return _version_from_text(header, "If-Match")


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
        responses={200: api.ArticleWithSpansSerializer, 400: R400, **READ_ERRORS},
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
        context = {
            "user": request.user,
            "role": self.role,
            "spans": spans,
            "offset_map": selectors.offset_map_of(article),
            "spans_next": spans_next,
        }
        return Response(api.ArticleWithSpansSerializer(article, context=context).data)

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


# --- Spans ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Spans I may see (blind sessions: reviewers see only their own)",
        responses={200: api.SpanSerializer(many=True), 400: R400, **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One span (ETag carries its version)",
        parameters=[ETAG_HEADER],
        responses={200: api.SpanSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Create one of my spans",
        parameters=[OFFSET_UNIT_PARAM],
        request=api.SpanInputSerializer,
        examples=[SPAN_EXAMPLE],
        responses={201: api.SpanSerializer, **WRITE_ERRORS},
    ),
    update=extend_schema(
        summary="Replace one of my spans (version or If-Match required)",
        parameters=[OFFSET_UNIT_PARAM, IF_MATCH],
        request=api.SpanUpdateSerializer,
        responses={
            200: api.SpanSerializer,
            **WRITE_ERRORS,
            409: R409,
            412: R412,
            428: R428,
        },
    ),
    partial_update=extend_schema(
        summary="Change fields of one of my spans (version or If-Match required)",
        parameters=[OFFSET_UNIT_PARAM, IF_MATCH],
        request=api.SpanUpdateSerializer,
        responses={
            200: api.SpanSerializer,
            **WRITE_ERRORS,
            409: R409,
            412: R412,
            428: R428,
        },
    ),
    destroy=extend_schema(
        summary="Delete one of my spans (optionally only at a version)",
        parameters=[
            IF_MATCH,
            OpenApiParameter(
                "version",
                {"type": "integer", "minimum": 0, "maximum": MAX_INT32},
                OpenApiParameter.QUERY,
                description="Delete only if the span is still at this version.",
            ),
        ],
        responses={204: None, **WRITE_ERRORS, 409: R409, 412: R412},
    ),
)
@extend_schema(tags=["spans"])
class SpanViewSet(SessionScopedView, viewsets.GenericViewSet):
    serializer_class = api.SpanSerializer
    filterset_class = SpanFilter
    lookup_field = "pk"
    permission_classes = [IsAuthenticated, IsSessionMember, IsSpanOwnerOrReadOnly]

    def get_permissions(self):
        if self.action in ("create", "bulk"):
            return [
                IsAuthenticated(),
                IsSessionMember(),
                IsSessionReviewer(),
            ]
        return super().get_permissions()

    def get_parsers(self):
        # Called before DRF sets `self.action`: read it off the method instead.
        request = getattr(self, "request", None)
        action = getattr(self, "action", None) or (
            self.action_map.get(request.method.lower()) if request else None
        )
        if action == "bulk":
            return [LimitedJSONParser()]  # a list of span objects: no form shape
        return super().get_parsers()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SpanAnnotation.objects.none()
        return selectors.spans_visible(
            session=self.session, user=self.request.user, role=self.role
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["user"] = self.request.user
        context["role"] = self.role
        context.setdefault("offset_maps", {})
        return context

    def _represent(self, spans, *, many: bool = False):
        context = self.get_serializer_context()
        if not many and SpanAnnotation.article.is_cached(spans):
            # A span just written carries its article: no query for the offsets.
            context["offset_maps"] = {
                spans.article_id: selectors.offset_map_of(spans.article)
            }
        if many:
            spans = [
                span if isinstance(span, dict) else selectors.span_row(span)
                for span in spans
            ]
            context["offset_maps"] = selectors.offset_maps_for(
                {span["article_id"] for span in spans}
            )
        return api.SpanSerializer(spans, many=many, context=context).data

    def _span_response(self, span, status_code=status.HTTP_200_OK) -> Response:
        return Response(
            self._represent(span),
            status=status_code,
            headers={"ETag": f'"{span.version}"'},
        )

    def handle_exception(self, exc):
        if self.action == "bulk" and isinstance(exc, ParseError):
            # Bulk errors have one shape, an unparseable body included.
            exc = BulkValidationError(
                [
                    {
                        "index": None,
                        "field": "non_field_errors",
                        "message": str(exc.detail),
                    }
                ]
            )
        return super().handle_exception(exc)

    def stale_current_representation(self):
        """The stored span for a 409 body (called by the exception handler)."""
        span = self.get_queryset().filter(pk=self.kwargs.get("pk")).first()
        return self._represent(span) if span is not None else None

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(selectors.span_rows(queryset))
        return self.get_paginated_response(self._represent(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return self._span_response(self.get_object())

    def create(self, request, *args, **kwargs):
        data = api.SpanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        offset_unit = _offset_unit(request, values.pop("offset_unit", None))
        values["snap"] = values.pop("snap", None)
        span = annotation_create(
            session_id=self.session.pk,
            article_id=values.pop("article"),
            reviewer=request.user,
            offset_unit=offset_unit,
            **values,
        )
        return self._span_response(span, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        span = self.get_object()
        data = api.SpanUpdateSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        body_version = values.pop("version", None)
        header_version = _if_match_version(request)
        if body_version is None and header_version is None:
            raise PreconditionRequired()
        if None not in (body_version, header_version) and body_version != (
            header_version
        ):
            raise PreconditionFailed()
        offset_unit = _offset_unit(request, values.pop("offset_unit", None))
        values["snap"] = values.pop("snap", None)
        article_id = values.pop("article", None)
        if article_id is not None and article_id != span.article_id:
            raise DRFValidationError(
                {"article": ["A span cannot move to another article."]}
            )
        if not partial:
            values.setdefault("cited_source", "")
            values.setdefault("note", "")
        updated = annotation_update(
            span_id=span.pk,
            actor=request.user,
            expected_version=body_version or header_version,
            offset_unit=offset_unit,
            **values,
        )
        return self._span_response(updated)

    def destroy(self, request, *args, **kwargs):
        span = self.get_object()
        header_version = _if_match_version(request)
        query_version = request.query_params.get("version")
        if query_version is not None:
            query_version = _version_from_text(query_version, "version")
        if None not in (header_version, query_version) and (
            header_version != query_version
        ):
            raise PreconditionFailed()
        annotation_delete(
            span_id=span.pk,
            actor=request.user,
            expected_version=header_version or query_version,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Create many of my spans in one request, all or nothing",
        parameters=[OFFSET_UNIT_PARAM],
        request=api.SpanBulkInputSerializer,
        responses={
            201: api.BulkCreatedSerializer,
            400: OpenApiResponse(
                api.BulkErrorSerializer,
                description="Nothing was saved; `errors` lists every bad span "
                "by index and field.",
            ),
            401: R401,
            403: R403,
            404: R404,
            413: R413,
        },
    )
    @action(detail=False, methods=["post"], url_path="bulk", filter_backends=[])
    def bulk(self, request, *args, **kwargs):
        body = request.data
        try:
            offset_unit = _offset_unit(request, body.get("offset_unit"))
        except DRFValidationError:
            raise BulkValidationError(
                [
                    {
                        "index": None,
                        "field": "offset_unit",
                        "message": f"Must be one of {', '.join(OFFSET_UNITS)}.",
                    }
                ]
            ) from None
        items = body.get("spans")
        if not isinstance(items, list):
            raise BulkValidationError(
                [
                    {
                        "index": None,
                        "field": "spans",
                        "message": "Must be a list of span objects.",
                    }
                ]
            )
        snap = body.get("snap")
        if snap is not None and snap not in SNAP_MODES:
            raise BulkValidationError(
                [
                    {
                        "index": None,
                        "field": "snap",
                        "message": f"Must be one of {', '.join(SNAP_MODES)}.",
                    }
                ]
            )
        cleaned, errors = [], []
        for index, item in enumerate(items):
            values, item_errors = api.bulk_item_errors(index, item)
            errors.extend(item_errors)
            cleaned.append(values)
        if errors:
            raise BulkValidationError(errors)
        created = annotation_bulk_create(
            session_id=self.session.pk,
            reviewer=request.user,
            items=cleaned,
            offset_unit=offset_unit,
            snap=snap,
        )
        return Response(
            {"created": len(created), "spans": self._represent(created, many=True)},
            status=status.HTTP_201_CREATED,
        )


# --- Suggestions ----------------------------------------------------------------------


@extend_schema(
    tags=["spans"],
    summary="Cited sources used in the session that I may see, most used first",
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="Substring to match."),
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": 100},
            description="At most this many (1–100, default 20).",
        ),
    ],
    responses={200: api.CitedSourcesSerializer, 400: R400, **READ_ERRORS},
)
class CitedSourcesView(SessionScopedView, APIView):
    def get(self, request, *args, **kwargs):
        query = query_text(request, "q").strip()[:300]
        limit = query_number(request, "limit", default=20, minimum=1, maximum=100)
        spans = selectors.spans_visible(
            session=self.session, user=request.user, role=self.role
        )
        results = selectors.cited_source_suggestions(
            spans=spans, query=query, limit=limit
        )
        return Response({"results": results})
