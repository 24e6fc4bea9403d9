"""Undo endpoints: restore a span just deleted, undo a gold decision.

`POST /api/sessions/{sid}/spans/{id}/restore/` (the reviewer who deleted it,
body `{"version": <the deleted version>}`) and
`POST /api/sessions/{sid}/gold/{id}/undo/` (adjudicators). Both go through a
service (services/span_undo.py, services/gold_undo.py) that keeps the usual
concurrency rules: a restore names the version it deleted, an undo the
revision it saw.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import serializers as api
from annotations.api.adjudication_serializers import GoldDecisionSerializer
from annotations.api.adjudication_views import AdjudicationMixin
from annotations.api.parsers import LimitedJSONParser
from annotations.api.permissions import IsSessionMember, IsSessionReviewer
from annotations.api.schema import R400, R401, R403, R404
from annotations.api.span_serializers import SpanSerializer
from annotations.api.views import R409, SessionScopedView
from annotations.parsing import MAX_INT32
from annotations.selectors.adjudication import gold_get, gold_unit, unit_context
from annotations.services.gold_undo import gold_undo
from annotations.services.span_undo import span_restore


class RestoreInputSerializer(api.InputSerializer):
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_INT32, help_text="The version you deleted."
    )


class GoldUndoSerializer(serializers.Serializer):
    undone = serializers.IntegerField(help_text="The revision undone (its id).")
    current = GoldDecisionSerializer(
        allow_null=True,
        help_text="The revision now current (a copy of the one before), or null "
        "when the undone decision was the unit's first.",
    )
    unit_status = serializers.CharField(allow_null=True)


@extend_schema(
    tags=["spans"],
    summary="Restore a span I just deleted (undo)",
    description="Within 10 minutes of the deletion, the span comes back under its "
    "id with version + 1. `version` is the version that was deleted.",
    request=RestoreInputSerializer,
    responses={
        201: SpanSerializer,
        400: R400,
        401: R401,
        403: R403,
        404: R404,
        409: R409,
    },
)
class SpanRestoreView(SessionScopedView, APIView):
    permission_classes = [IsAuthenticated, IsSessionMember, IsSessionReviewer]
    parser_classes = [LimitedJSONParser]

    def post(self, request, sid: int, pk: int):
        data = RestoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        span = span_restore(
            session_id=self.session.pk,
            span_id=pk,
            actor=request.user,
            expected_version=data.validated_data["version"],
        )
        context = {
            "user": request.user,
            "role": self.role,
            "offset_maps": {},
        }
        return Response(
            SpanSerializer(span, context=context).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": f'"{span.version}"'},
        )


@extend_schema(
    tags=["adjudication"],
    summary="Undo a gold decision (back to the previous revision)",
    description="Adds a revision copying the one before the undone decision (or "
    "retracts a unit's first decision); no revision is deleted. 409 when the "
    "decision is no longer current.",
    request=None,
    responses={
        200: GoldUndoSerializer,
        401: R401,
        403: R403,
        404: R404,
        409: OpenApiResponse(api.ErrorSerializer, description="Not current."),
    },
)
class GoldUndoView(AdjudicationMixin, generics.GenericAPIView):
    serializer_class = GoldUndoSerializer
    parser_classes = [LimitedJSONParser]

    def post(self, request, sid: int, gold_id: int):
        current = gold_undo(
            session_id=self.session.pk, gold_id=gold_id, actor=request.user
        )
        unit = gold_unit(gold_id=gold_id)
        body = {"undone": gold_id, "current": None, "unit_status": None}
        if unit is not None:
            body["unit_status"] = unit.status
            if current is not None:
                context = unit_context([unit])
                gold = gold_get(gold_id=current.pk)
                body["current"] = GoldDecisionSerializer(gold, context=context).data
        return Response(body)
