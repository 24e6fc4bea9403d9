"""REST API views for spans: list, read, create, update, delete, bulk; suggestions.

Views speak HTTP only: the session and role come from `SessionScopedMixin`,
shapes from `span_serializers.py`, every rule from the services; service errors
become responses in `annotations.api.exceptions`.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import selectors
from annotations.api import span_serializers as api
from annotations.api.exceptions import PreconditionFailed, PreconditionRequired
from annotations.api.filters import SpanFilter
from annotations.api.params import (
    OFFSET_UNIT_MESSAGE,
    offset_unit_value,
    query_number,
    query_text,
)
from annotations.api.parsers import LimitedJSONParser
from annotations.api.permissions import (
    IsSessionMember,
    IsSessionReviewer,
    IsSpanOwnerOrReadOnly,
)
from annotations.api.schema import R400, R401, R403, R404, R413
from annotations.api.serializers import CitedSourcesSerializer
from annotations.api.views import (
    ETAG_HEADER,
    IF_MATCH,
    OFFSET_UNIT_PARAM,
    R409,
    R412,
    R428,
    READ_ERRORS,
    SPAN_EXAMPLE,
    WRITE_ERRORS,
    SessionScopedView,
)
from annotations.models import SpanAnnotation
from annotations.parsing import MAX_INT32, whole_number
from annotations.services.spans import (
    BulkValidationError,
    annotation_bulk_create,
    annotation_create,
    annotation_delete,
    annotation_update,
)


def _offset_unit(request, body_value=None) -> str:
    value = offset_unit_value(body_value, request.query_params.get("offset_unit"))
    if value is None:
        raise DRFValidationError({"offset_unit": [OFFSET_UNIT_MESSAGE]})
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


# --- Spans ----------------------------------------------------------------------------

# What a versioned change of one span answers (PUT and PATCH alike).
_UPDATE_RESPONSES = {
    200: api.SpanSerializer,
    **WRITE_ERRORS,
    409: R409,
    412: R412,
    428: R428,
}


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
        responses=_UPDATE_RESPONSES,
    ),
    partial_update=extend_schema(
        summary="Change fields of one of my spans (version or If-Match required)",
        parameters=[OFFSET_UNIT_PARAM, IF_MATCH],
        request=api.SpanUpdateSerializer,
        responses=_UPDATE_RESPONSES,
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
        items, offset_unit, snap = api.bulk_body_check(
            request.data, query_offset_unit=request.query_params.get("offset_unit")
        )
        created = annotation_bulk_create(
            session_id=self.session.pk,
            reviewer=request.user,
            items=items,
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
    responses={200: CitedSourcesSerializer, 400: R400, **READ_ERRORS},
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
