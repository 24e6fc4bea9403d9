"""REST API for agreement: session/article reports, units, recompute, task state.

Reports and units show other reviewers' judgements, so in a blind session only
adjudicators and staff see them (reviewers get 403); outsiders get 404.
"""

import re

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
from annotations.api.agreement_serializers import (
    RecomputeInputSerializer,
    ReportSerializer,
    SessionAgreementSerializer,
    UnitSerializer,
)
from annotations.api.params import query_id, query_offset_unit, reason_value
from annotations.api.parsers import LimitedJSONParser
from annotations.api.permissions import (
    IsSessionAdjudicator,
    IsSessionMember,
    SeesAllSpans,
    SessionScopedMixin,
)
from annotations.api.schema import ID_SCHEMA
from annotations.api.views import ApiView
from annotations.metrics.reasons import REASON_KINDS
from annotations.models import AgreementStatus, AgreementUnit
from annotations.selectors.agreement import (
    agreement_units,
    article_agreement,
    session_agreement,
    unit_offset_maps,
)
from annotations.services.queue import task_record_get, task_state
from annotations.services.recompute import agreement_recompute_request
from annotations.services.spans import OFFSET_UNITS

TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


TASK_STATE = inline_serializer(
    "AgreementTaskState",
    {
        "task_id": serializers.CharField(),
        "state": serializers.CharField(),
        "ready": serializers.BooleanField(),
        "result": serializers.JSONField(required=False),
    },
)


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
        data = session_agreement(session=self.session)
        return Response(SessionAgreementSerializer(data).data)


@extend_schema(
    tags=["agreement"],
    summary="One article's agreement report",
    responses={200: ReportSerializer, **READ},
)
class ArticleAgreementView(AgreementScopedView, APIView):
    def get(self, request, sid, aid):
        data = article_agreement(session=self.session, article_id=aid)
        if data is None:
            raise NotFound("No such article in this session.")
        return Response(ReportSerializer(data).data)


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
        OpenApiParameter("offset_unit", str, enum=list(OFFSET_UNITS)),
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
        params = self.request.query_params
        errors = {}
        article = unit_status = reason = None
        try:
            article = query_id(self.request, "article")
        except DRFValidationError as exc:
            errors.update(exc.detail)
        unit_status = params.get("status")
        if unit_status in (None, ""):
            unit_status = None
        elif unit_status not in AgreementStatus.values:
            errors["status"] = [f"Must be one of {', '.join(AgreementStatus.values)}."]
        try:
            reason = reason_value(params.get("reason"))
        except DRFValidationError as exc:
            errors.update(exc.detail)
        offset_unit = None
        try:
            offset_unit = query_offset_unit(self.request)
        except DRFValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise DRFValidationError(errors)
        self.offset_unit = offset_unit
        return agreement_units(
            session_id=self.session.pk,
            article_id=article,
            status=unit_status,
            reason=reason,
        )

    def get(self, request, sid):
        page = self.paginate_queryset(self.get_queryset())
        context = {}
        if self.offset_unit == "utf16":
            context["offset_maps"] = unit_offset_maps(page)
        data = UnitSerializer(page, many=True, context=context).data
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
