"""REST API of the article library and intake (leads only).

`POST /api/articles/import/` reads multipart `files` (or JSON `{"urls"}`)
and answers `{"results": [...]}` per file/row; past ARTICLE_IMPORT_ASYNC_ITEMS
it answers 202 with a job to poll at `/api/articles/imports/{id}/`.
`GET /api/articles/` and `/api/articles/{id}/` list and show the articles.
"""

import json
from datetime import date

from django.conf import settings
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import selectors
from annotations.api import intake_serializers as api
from annotations.api.params import invalid, query_text
from annotations.api.parsers import (
    ImportMultiPartParser,
    LimitedFormParser,
    LimitedJSONParser,
)
from annotations.api.permissions import IsLead
from annotations.api.views import ApiView
from annotations.models import Article, ImportJob
from annotations.services.intake import (
    NORMALIZE_CHOICES,
    ImportOptions,
    Upload,
    articles_import,
)
from annotations.services.intake_formats import METADATA_FIELDS
from annotations.services.intake_jobs import (
    import_items_estimate,
    import_job_create,
    import_runs_in_background,
)

TAGS = ["library"]
BOOLEANS = {"true": True, "1": True, "false": False, "0": False, "": False}


def _flag(request, name: str) -> bool:
    value = query_text(request, name).lower()
    if value not in BOOLEANS:
        raise invalid(name, "Must be true or false.")
    return BOOLEANS[value]


def _query_date(request, name: str) -> date | None:
    value = query_text(request, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(name, "Must be a date, YYYY-MM-DD.") from None


def _corrections(raw) -> dict:
    if raw in (None, ""):
        return {}
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except (ValueError, RecursionError):
        raise invalid("corrections", "Must be a JSON list.") from None
    if not isinstance(data, list):
        raise invalid("corrections", "Must be a JSON list of objects.")
    serializer = api.CorrectionSerializer(data=data, many=True)
    if not serializer.is_valid():
        raise ValidationError({"corrections": serializer.errors})
    corrections = {}
    for entry in serializer.validated_data:
        entry = dict(entry)
        corrections[(entry.pop("file"), entry.pop("row"))] = entry
    return corrections


def _uploads(request) -> list[Upload]:
    cap = settings.ARTICLE_IMPORT_MAX_FILE_BYTES
    uploads = []
    for uploaded in request.FILES.getlist("files"):
        name = uploaded.name or "unnamed"
        if uploaded.size > cap:
            error = (
                f"The file is {uploaded.size} bytes; the limit is {cap} "
                "(ARTICLE_IMPORT_MAX_FILE_BYTES)."
            )
            uploads.append(Upload(name=name, error=error))
        else:
            uploads.append(Upload(name=name, stream=uploaded.file))
    return uploads


def _metadata(request) -> dict[str, str]:
    metadata = {}
    for name in METADATA_FIELDS:
        value = request.data.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise invalid(name, "Must be a string.")
        metadata[name] = value
    return metadata


def job_data(job: ImportJob) -> dict:
    results = job.results["results"] if isinstance(job.results, dict) else None
    return {
        "id": job.pk,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "progress": round(job.done / job.total, 4) if job.total else 0.0,
        "http_status": job.http_status,
        "results": results,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


IMPORT_PARAMS = [
    OpenApiParameter(
        "dry_run",
        OpenApiTypes.BOOL,
        description="Answer what would happen; write nothing (the page's preview).",
    ),
    OpenApiParameter(
        "partial",
        OpenApiTypes.BOOL,
        description="Import the good records even if others have errors "
        "(default: all-or-nothing).",
    ),
    OpenApiParameter(
        "normalize",
        OpenApiTypes.STR,
        enum=list(NORMALIZE_CHOICES),
        description="`nfc`: NFC-normalise the text before storing (default: as is).",
    ),
]


class ArticleImportView(ApiView, APIView):
    """Import articles: one result per file or row (created, duplicate, error).

    All-or-nothing unless `partial=true`; `dry_run=true` writes nothing.
    """

    permission_classes = [IsAuthenticated, IsLead]
    parser_classes = (LimitedJSONParser, LimitedFormParser, ImportMultiPartParser)

    @extend_schema(
        tags=TAGS,
        summary="Import articles from files (.txt .csv .jsonl .html) or URLs",
        parameters=IMPORT_PARAMS,
        request={
            "multipart/form-data": api.ImportUploadSchemaSerializer,
            "application/json": api.ImportUrlsSerializer,
        },
        responses={
            200: api.ImportAnswerSerializer,
            201: api.ImportAnswerSerializer,
            202: OpenApiResponse(
                api.ImportJobAnswerSerializer,
                description="A large import: poll the job for progress and results.",
            ),
            400: OpenApiResponse(
                description="Refused: `{results}` with the errors (nothing was "
                "written), or the usual field errors for bad parameters."
            ),
        },
    )
    def post(self, request):
        normalize = query_text(request, "normalize").lower()
        if normalize not in NORMALIZE_CHOICES:
            raise invalid("normalize", "Must be empty or nfc.")
        uploads, urls = _uploads(request), []
        if not uploads:
            if "urls" not in request.data:
                raise invalid("files", 'Send files (multipart) or {"urls": [...]}.')
            body = api.ImportUrlsSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            urls = body.validated_data["urls"]
        options = ImportOptions(
            dry_run=_flag(request, "dry_run"),
            partial=_flag(request, "partial"),
            normalize=normalize,
            metadata=_metadata(request) if uploads else {},
            corrections=_corrections(request.data.get("corrections")),
        )
        total = import_items_estimate(uploads, urls)
        if import_runs_in_background(total):
            job = import_job_create(
                user=request.user,
                uploads=uploads,
                urls=urls,
                options=options,
                total=total,
            )
            return Response({"job": job_data(job)}, status=202)
        outcome = articles_import(uploads=uploads, urls=urls, options=options)
        return Response({"results": outcome.results}, status=outcome.http_status)


class ImportJobView(ApiView, APIView):
    """A background import of yours (staff: anyone's): progress, then results."""

    permission_classes = [IsAuthenticated, IsLead]

    @extend_schema(
        tags=TAGS,
        summary="A background import's progress and, once done, its results",
        responses={200: api.ImportJobSerializer},
    )
    def get(self, request, job_id):
        jobs = ImportJob.objects.all()
        if not request.user.is_staff:
            jobs = jobs.filter(created_by=request.user)
        job = jobs.filter(pk=job_id).first()
        if job is None:
            raise Http404("No such import.")
        return Response(job_data(job))


LIBRARY_PARAMS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description="Text in title, byline, text or outlet."
    ),
    OpenApiParameter("outlet", OpenApiTypes.STR, description="Outlet name or domain."),
    OpenApiParameter("published_after", OpenApiTypes.DATE, description="Inclusive."),
    OpenApiParameter("published_before", OpenApiTypes.DATE, description="Inclusive."),
]


@extend_schema(tags=TAGS, parameters=LIBRARY_PARAMS)
class LibraryArticleListView(ApiView, generics.ListAPIView):
    """Every article, newest first, with search and filters (leads)."""

    permission_classes = [IsAuthenticated, IsLead]
    serializer_class = api.LibraryArticleSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Article.objects.none()
        return selectors.library_articles(
            q=query_text(self.request, "q").strip(),
            outlet=query_text(self.request, "outlet").strip(),
            published_after=_query_date(self.request, "published_after"),
            published_before=_query_date(self.request, "published_before"),
        )


@extend_schema(tags=TAGS)
class LibraryArticleDetailView(ApiView, generics.RetrieveAPIView):
    """One article with its text, metadata and sessions (leads)."""

    permission_classes = [IsAuthenticated, IsLead]
    serializer_class = api.LibraryArticleSerializer
    lookup_url_kwarg = "article_id"

    def get_queryset(self):
        return selectors.library_articles()
