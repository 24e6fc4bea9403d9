"""Export endpoints: streamed corpus downloads and background export jobs."""

from typing import Any

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.pagination import ApiPagination
from annotations.api.parsers import LimitedJSONParser
from annotations.api.serializers import (
    ErrorSerializer,
    FieldErrorsSerializer,
    InputSerializer,
)
from annotations.exporters.base import FILTER_NAMES
from annotations.models import AnnotationSession, ExportJob
from annotations.services.exports import (
    FORMATS,
    export_filename,
    export_filters_for,
    export_format_get,
    export_job_create,
    export_job_downloadable,
    export_job_path,
    export_job_visible,
    export_jobs_for,
    export_stream,
)

FILTER_PARAMETERS = [
    OpenApiParameter(
        "layer",
        str,
        enum=["raw", "gold", "both"],
        description="raw = every reviewer's spans, gold = adjudicated layer, or both.",
    ),
    OpenApiParameter(
        "gold",
        str,
        enum=["complete", "adjudicated"],
        description="What the gold layer holds: complete = adjudicated decisions "
        "plus units all their reviewers agreed on (default), adjudicated = the "
        "adjudicated decisions only.",
    ),
    OpenApiParameter(
        "articles", str, description="Comma-separated article ids or external ids."
    ),
    OpenApiParameter("reviewers", str, description="Comma-separated usernames."),
    OpenApiParameter(
        "statuses",
        str,
        description="Comma-separated agreement statuses "
        "(pending, agreed, disputed, adjudicated).",
    ),
    OpenApiParameter(
        "since",
        str,
        description="ISO 8601 date or datetime: spans and gold changed from then on.",
    ),
    OpenApiParameter(
        "until",
        str,
        description="ISO 8601 date or datetime, inclusive "
        "(a bare date includes that whole day, UTC).",
    ),
]
ERROR_RESPONSES = {
    400: OpenApiResponse(FieldErrorsSerializer, description="A filter is invalid."),
    403: OpenApiResponse(
        ErrorSerializer,
        description="A blind-session reviewer asked for others' work or gold.",
    ),
    404: OpenApiResponse(ErrorSerializer, description="No such session or job."),
}


class IgnoreFormatParameter(DefaultContentNegotiation):
    """`?format=` names the export format here, not a DRF renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportBaseView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatParameter

    def session_or_404(self, session_id: int) -> AnnotationSession:
        return get_object_or_404(AnnotationSession, pk=session_id)


@extend_schema(
    tags=["export"],
    summary="Stream the session's labeled corpus",
    parameters=[
        OpenApiParameter(
            "format",
            str,
            enum=sorted(FORMATS),
            description="Export format (default jsonl).",
        ),
        *FILTER_PARAMETERS,
    ],
    responses={
        # JSON documents (the data card, W3C and ClaimReview graphs) are JSON
        # objects; the line and table formats are bytes.
        (200, "application/json"): OpenApiTypes.OBJECT,
        (200, "application/ld+json"): OpenApiTypes.OBJECT,
        (200, "*/*"): OpenApiTypes.BINARY,
        **ERROR_RESPONSES,
    },
)
class SessionExportView(ExportBaseView):
    """GET: stream the session's corpus in `format` (default jsonl)."""

    def get(self, request, sid: int):
        session = self.session_or_404(sid)
        fmt = export_format_get(request.query_params.get("format") or "jsonl")
        filters = export_filters_for(
            user=request.user, session=session, params=request.query_params, fmt=fmt
        )
        response = StreamingHttpResponse(
            export_stream(filters=filters, format=fmt.name),
            content_type=fmt.content_type,
        )
        name = export_filename(session_id=session.pk, fmt=fmt)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class ExportJobOutputSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "format",
            "params",
            "status",
            "progress",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        url = reverse("api:export-job-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ExportJobListItemSerializer(ExportJobOutputSerializer):
    """A past export of the session: who made it and with which filters."""

    created_by = serializers.CharField(source="created_by.username")
    filters = serializers.SerializerMethodField()

    class Meta(ExportJobOutputSerializer.Meta):
        fields = [*ExportJobOutputSerializer.Meta.fields, "created_by", "filters"]

    def get_filters(self, job: ExportJob) -> dict[str, Any]:
        """The filters as asked for (names, not ids), without the session."""
        described = dict((job.params or {}).get("described") or {})
        described.pop("session", None)
        return described

    def get_download_url(self, job: ExportJob) -> str | None:
        request = self.context.get("request")
        if request and not export_job_downloadable(user=request.user, job=job):
            return None
        return super().get_download_url(job)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": "Comma-separated."},
            {"type": "integer"},
            {
                "type": "array",
                "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            },
        ],
        "nullable": True,
    }
)
class FilterListField(serializers.Field):
    """Schema only: a list filter as `exporters.base.requested` reads it."""


class ExportJobRequestSerializer(InputSerializer):
    """Schema only: the body of POST .../exports/ (validated by the service).

    Null or an empty string is the same as leaving a filter out.
    """

    format = serializers.ChoiceField(
        choices=sorted(FORMATS), default="jsonl", allow_blank=True, allow_null=True
    )
    layer = serializers.ChoiceField(
        choices=["raw", "gold", "both"],
        required=False,
        allow_blank=True,
        allow_null=True,
    )
    gold = serializers.ChoiceField(
        choices=["complete", "adjudicated"],
        required=False,
        allow_blank=True,
        allow_null=True,
    )
    articles = FilterListField(required=False)
    reviewers = FilterListField(required=False)
    statuses = FilterListField(required=False)
    since = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    until = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class SessionExportJobsView(ExportBaseView):
    """GET: the session's past exports; POST: start one (202 with the job)."""

    parser_classes = [LimitedJSONParser]  # docs/export.md: a JSON body
    pagination_class = ApiPagination

    @extend_schema(
        tags=["export"],
        summary="List the session's export jobs, newest first",
        responses={
            200: ExportJobListItemSerializer(many=True),
            404: ERROR_RESPONSES[404],
        },
    )
    def get(self, request, sid: int):
        session = self.session_or_404(sid)
        jobs = export_jobs_for(user=request.user, session=session)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(jobs, request, view=self)
        data = ExportJobListItemSerializer(
            page, many=True, context={"request": request}
        ).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        tags=["export"],
        summary="Start a background export job",
        request=ExportJobRequestSerializer,
        responses={202: ExportJobOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request, sid: int):
        session = self.session_or_404(sid)
        data = request.data
        params = {
            name: data.get(name)
            for name in FILTER_NAMES
            if data.get(name) not in (None, "")
        }
        job = export_job_create(
            user=request.user,
            session=session,
            format=data.get("format") or "jsonl",
            params=params,
        )
        job.refresh_from_db()
        body = ExportJobOutputSerializer(job, context={"request": request}).data
        body["url"] = request.build_absolute_uri(
            reverse("api:export-job-detail", args=[job.pk])
        )
        return Response(body, status=202)


@extend_schema(
    tags=["export"],
    summary="Poll an export job",
    responses={200: ExportJobOutputSerializer, 404: ERROR_RESPONSES[404]},
)
class ExportJobDetailView(ExportBaseView):
    def get(self, request, job_id: int):
        job = export_job_visible(user=request.user, job_id=job_id)
        return Response(
            ExportJobOutputSerializer(job, context={"request": request}).data
        )


@extend_schema(
    tags=["export"],
    summary="Download a finished export job's file",
    responses={
        (200, "*/*"): OpenApiTypes.BINARY,
        404: ERROR_RESPONSES[404],
        409: OpenApiResponse(ErrorSerializer, description="The job is not done yet."),
    },
)
class ExportJobDownloadView(ExportBaseView):
    def get(self, request, job_id: int):
        job = export_job_visible(user=request.user, job_id=job_id)
        if job.status != ExportJob.Status.DONE:
            return Response(
                {"detail": f"The export is {job.status}, not ready yet."},
                status=409,
            )
        path = export_job_path(job)
        if not path.is_file():
            raise Http404("The export file is gone; start a new export.")
        fmt = export_format_get(job.format)
        response = FileResponse(
            open(path, "rb"), as_attachment=True, filename=path.name
        )
        response["Content-Type"] = fmt.content_type
        return response
