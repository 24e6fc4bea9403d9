"""REST API for agreement: session/article reports, units, recompute, task state.

Reports and units show other reviewers' judgements, so in a blind session only
adjudicators and staff see them (reviewers get 403); outsiders get 404.
"""

import re

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from redis.exceptions import RedisError
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import (
    ROLE_ADJUDICATOR,
    is_adjudicator_anywhere,
    session_role,
)
from annotations.api.adjudication_serializers import UnitReasonSerializer
from annotations.api.params import query_id, reason_filter
from annotations.api.parsers import LimitedJSONParser
from annotations.api.permissions import (
    IsSessionAdjudicator,
    IsSessionMember,
    SeesAllSpans,
    SessionScopedMixin,
)
from annotations.api.schema import ID_SCHEMA
from annotations.api.serializers import InputSerializer
from annotations.api.views import ApiView
from annotations.metrics.reasons import REASON_KINDS
from annotations.models import (
    AgreementReport,
    AgreementStatus,
    AgreementUnit,
    Article,
    SessionArticle,
    SpanAnnotation,
)
from annotations.parsing import MAX_ID
from annotations.selectors import agreement_readings, article_alpha_readings
from annotations.services.queue import task_record_get, task_state
from annotations.services.recompute import agreement_recompute_request
from annotations.text import OffsetMap

TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


class ReportSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    article = serializers.IntegerField(allow_null=True)
    stale = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.FloatField(allow_null=True)
    fingerprint = serializers.CharField()
    task_id = serializers.CharField()
    payload = serializers.JSONField(
        allow_null=True, help_text="See docs/agreement.md for the shape."
    )
    readings = serializers.JSONField(
        allow_null=True,
        help_text="How far each figure can be trusted, in words, and diagnostics "
        "(docs/agreement.md, Readings).",
    )


class ArticleSummarySerializer(serializers.Serializer):
    article = serializers.IntegerField()
    title = serializers.CharField()
    stale = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)
    units = serializers.IntegerField(allow_null=True)
    status = serializers.DictField(child=serializers.IntegerField(), allow_null=True)
    claim_type_alpha = serializers.FloatField(allow_null=True)
    sourcing_quality_alpha = serializers.FloatField(allow_null=True)
    overlap_f1 = serializers.FloatField(allow_null=True)
    claim_type_reading = serializers.JSONField(allow_null=True)
    sourcing_quality_reading = serializers.JSONField(allow_null=True)


class SessionAgreementSerializer(serializers.Serializer):
    report = ReportSerializer(allow_null=True)
    articles = ArticleSummarySerializer(many=True)


class UnitSpanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    claim_type = serializers.CharField()
    sourcing_quality = serializers.CharField()
    cited_source = serializers.CharField()
    version = serializers.IntegerField()


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    article = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AgreementStatus.choices)
    reviewer_count = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    reasons = serializers.ListField(
        child=UnitReasonSerializer(),
        help_text="Why the members disagree (docs/agreement.md, Reasons).",
    )
    spans = UnitSpanSerializer(many=True)


class RecomputeInputSerializer(InputSerializer):
    force = serializers.BooleanField(required=False, default=False)
    article_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=10000,
        help_text="With force: force only these articles.",
    )


TASK_STATE = inline_serializer(
    "AgreementTaskState",
    {
        "task_id": serializers.CharField(),
        "state": serializers.CharField(),
        "ready": serializers.BooleanField(),
        "result": serializers.JSONField(required=False),
    },
)


def _report_data(report: AgreementReport | None, *, payload: bool = True, session=None):
    if report is None:
        return None
    shown = report.payload if (payload and report.computed_at) else None
    return {
        "session": report.session_id,
        "article": report.article_id,
        "stale": report.stale,
        "computed_at": report.computed_at,
        "duration_ms": report.duration_ms,
        "fingerprint": report.fingerprint,
        "task_id": report.task_id,
        "payload": shown,
        "readings": agreement_readings(
            session=session, payload=shown, article_id=report.article_id
        )
        if session is not None
        else None,
    }


class AgreementScopedView(SessionScopedMixin, ApiView):
    """Agreement data: members who may see every reviewer's spans."""

    permission_classes = [IsAuthenticated, IsSessionMember, SeesAllSpans]


READ = {401: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT}


@extend_schema(
    tags=["agreement"],
    summary="Session agreement report with per-article summaries",
    responses={200: SessionAgreementSerializer, **READ},
)
class SessionAgreementView(AgreementScopedView, APIView):
    def get(self, request, sid):
        reports = {
            report.article_id: report
            for report in AgreementReport.objects.filter(
                session=self.session
            ).with_staleness()
        }
        articles = []
        for article_id, title, external_id in (
            SessionArticle.objects.filter(session=self.session)
            .order_by("position", "article_id")
            .values_list("article_id", "article__title", "article__external_id")
        ):
            report = reports.get(article_id)
            payload = (report.payload if report else None) or {}
            labels = payload.get("labels", {})
            articles.append(
                {
                    "article": article_id,
                    "title": title or external_id,
                    "stale": report.is_stale if report else True,
                    "computed_at": report.computed_at if report else None,
                    "units": payload.get("counts", {}).get("units"),
                    "status": payload.get("counts", {}).get("status"),
                    "claim_type_alpha": labels.get("claim_type", {}).get("alpha"),
                    "sourcing_quality_alpha": labels.get("sourcing_quality", {}).get(
                        "alpha"
                    ),
                    "overlap_f1": payload.get("detection", {})
                    .get("overlap", {})
                    .get("micro_f1"),
                    **article_alpha_readings(session=self.session, labels=labels),
                }
            )
        return Response(
            {
                "report": _report_data(reports.get(None), session=self.session),
                "articles": articles,
            }
        )


@extend_schema(
    tags=["agreement"],
    summary="One article's agreement report",
    responses={200: ReportSerializer, **READ},
)
class ArticleAgreementView(AgreementScopedView, APIView):
    def get(self, request, sid, aid):
        if not SessionArticle.objects.filter(
            session=self.session, article_id=aid
        ).exists():
            raise NotFound("No such article in this session.")
        report = AgreementReport.objects.filter(
            session=self.session, article_id=aid
        ).first()
        data = _report_data(report, session=self.session) or {
            "session": self.session.pk,
            "article": aid,
            "stale": True,
            "computed_at": None,
            "duration_ms": None,
            "fingerprint": "",
            "task_id": "",
            "payload": None,
            "readings": None,
        }
        return Response(data)


@extend_schema(
    tags=["agreement"],
    summary="Aligned units with their member spans (adjudicators and staff)",
    parameters=[
        OpenApiParameter(
            "article", ID_SCHEMA, description="Only this article's units."
        ),
        OpenApiParameter(
            "status", str, enum=[choice for choice, _ in AgreementStatus.choices]
        ),
        OpenApiParameter("offset_unit", str, enum=["codepoint", "utf16"]),
        OpenApiParameter(
            "reason",
            str,
            enum=list(REASON_KINDS),
            description="Only units carrying this disagreement reason.",
        ),
    ],
    responses={200: UnitSerializer(many=True), **READ},
)
class UnitListView(AgreementScopedView, GenericAPIView):
    serializer_class = UnitSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AgreementUnit.objects.none()
        query = AgreementUnit.objects.filter(session=self.session).order_by(
            "article_id", "start", "end", "key"
        )
        params = self.request.query_params
        errors = {}
        try:
            article = query_id(self.request, "article")
        except DRFValidationError as exc:
            errors.update(exc.detail)
        else:
            if article is not None:
                query = query.filter(article_id=article)
        unit_status = params.get("status")
        if unit_status not in (None, ""):
            if unit_status not in AgreementStatus.values:
                errors["status"] = [
                    f"Must be one of {', '.join(AgreementStatus.values)}."
                ]
            else:
                query = query.filter(status=unit_status)
        try:
            query = reason_filter(query, params.get("reason"))
        except DRFValidationError as exc:
            errors.update(exc.detail)
        offset_unit = params.get("offset_unit") or "codepoint"
        if offset_unit not in ("codepoint", "utf16"):
            errors["offset_unit"] = ["Must be one of codepoint, utf16."]
        if errors:
            raise DRFValidationError(errors)
        self.offset_unit = offset_unit
        members = SpanAnnotation.objects.select_related(
            "reviewer", "claim_type", "sourcing_quality"
        ).order_by("reviewer__username", "start", "id")
        return query.prefetch_related(Prefetch("spans", queryset=members))

    def get(self, request, sid):
        page = self.paginate_queryset(self.get_queryset())
        maps: dict[int, OffsetMap] = {}
        if self.offset_unit == "utf16":
            texts = Article.objects.filter(pk__in={u.article_id for u in page})
            maps = {a.pk: OffsetMap(a.text) for a in texts.only("id", "text")}

        def offset(unit, value):
            return maps[unit.article_id].to_utf16(value) if maps else value

        data = [
            {
                "id": unit.pk,
                "key": unit.key,
                "article": unit.article_id,
                "start": offset(unit, unit.start),
                "end": offset(unit, unit.end),
                "status": unit.status,
                "reviewer_count": unit.reviewer_count,
                "computed_at": unit.computed_at,
                "reasons": unit.reasons,
                "spans": [
                    {
                        "id": span.pk,
                        "reviewer": span.reviewer.get_username(),
                        "start": offset(unit, span.start),
                        "end": offset(unit, span.end),
                        "quote": span.quote,
                        "claim_type": span.claim_type.code,
                        "sourcing_quality": span.sourcing_quality.code,
                        "cited_source": span.cited_source,
                        "version": span.version,
                    }
                    for span in unit.spans.all()
                ],
            }
            for unit in page
        ]
        return self.get_paginated_response(data)


@extend_schema(
    tags=["agreement"],
    summary="Queue an agreement recompute (adjudicators and staff)",
    request=RecomputeInputSerializer,
    responses={
        202: inline_serializer(
            "AgreementRecomputeQueued", {"task_id": serializers.CharField()}
        ),
        400: OpenApiTypes.OBJECT,
        503: OpenApiTypes.OBJECT,
        **READ,
    },
)
class AgreementRecomputeView(AgreementScopedView, APIView):
    permission_classes = [
        IsAuthenticated,
        IsSessionMember,
        IsSessionAdjudicator,
        SeesAllSpans,
    ]
    parser_classes = [LimitedJSONParser]  # `force` is a JSON boolean

    def post(self, request, sid):
        body = RecomputeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task_id = agreement_recompute_request(
            session_id=self.session.pk,
            article_ids=body.validated_data.get("article_ids", []),
            force=body.validated_data["force"],
        )
        return Response({"task_id": task_id}, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["agreement"],
    summary="State of a background task (adjudicators and staff)",
    parameters=[
        OpenApiParameter(
            "task_id",
            {"type": "string", "pattern": TASK_ID.pattern},
            OpenApiParameter.PATH,
            description="A task id as returned by a recompute.",
        )
    ],
    responses={
        200: TASK_STATE,
        400: OpenApiTypes.OBJECT,
        403: OpenApiTypes.OBJECT,
        404: OpenApiTypes.OBJECT,
        503: OpenApiTypes.OBJECT,
    },
)
class TaskStateView(ApiView, APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, task_id):
        if not TASK_ID.match(task_id):
            raise DRFValidationError({"task_id": ["Not a task id."]})
        user = request.user
        if not user.is_staff and not is_adjudicator_anywhere(user):
            raise PermissionDenied("Only adjudicators and staff can see tasks.")
        record = task_record_get(task_id=task_id)
        # Only tasks of sessions the caller adjudicates (or staff): 404 for
        # others' tasks and unknown ids alike, so neither leaks.
        if record is None or not (
            user.is_staff
            or (
                record.session_id is not None
                and session_role(user, record.session_id) == ROLE_ADJUDICATOR
            )
        ):
            raise NotFound("No such task.")
        try:
            data = task_state(record=record)
        except (RedisError, OSError):
            return Response(
                {"detail": "The result store is unavailable; try again shortly."},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(data)
