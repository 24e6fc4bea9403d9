"""Adjudication endpoints: disputes side by side, gold decisions, gold layer, facts.

Adjudicators of the session and staff without a role in it only; reviewers get
403, everyone else 404 (the session's existence is not revealed).
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotations.api.adjudication_serializers import (
    AdjudicationUnitDetailSerializer,
    AdjudicationUnitSerializer,
    DecisionInputSerializer,
    FactInputSerializer,
    FactLinkInputSerializer,
    FactLinkOutputSerializer,
    FactWithLinksSerializer,
    GoldDecisionSerializer,
)
from annotations.api.params import query_id, reason_value
from annotations.api.parsers import LimitedJSONParser
from annotations.api.permissions import (
    IsSessionAdjudicator,
    IsSessionMember,
    SessionScopedMixin,
)
from annotations.api.schema import ID_SCHEMA
from annotations.metrics.reasons import REASON_KINDS
from annotations.models import AgreementStatus, AgreementUnit, Fact, GoldSpan
from annotations.selectors.adjudication import (
    adjudication_unit_get,
    dispute_list,
    fact_link_get,
    gold_context,
    gold_current_list,
    gold_history,
    session_fact_get,
    session_facts,
    session_has_article,
    unit_context,
    version_span_id,
)
from annotations.services.adjudication import (
    fact_create,
    fact_link_add,
    fact_link_remove,
    gold_decide,
)

TAGS = ["adjudication"]
ARTICLE_PARAM = OpenApiParameter(
    "article", ID_SCHEMA, description="Only this article of the session."
)


class AdjudicationMixin(SessionScopedMixin):
    """Adjudication views: the session's adjudicators and staff."""

    permission_classes = [
        permissions.IsAuthenticated,
        IsSessionMember,
        IsSessionAdjudicator,
    ]

    def article_filter(self) -> int | None:
        article_id = query_id(self.request, "article")
        if article_id is None:
            return None
        if not session_has_article(session_id=self.session.pk, article_id=article_id):
            raise ValidationError(
                {"article": f"Article {article_id} is not in this session."}
            )
        return article_id

    def get_unit(self) -> AgreementUnit:
        unit = adjudication_unit_get(
            session_id=self.session.pk, unit_id=self.kwargs["unit_id"]
        )
        if unit is None:
            raise Http404("No such unit in this session.")
        return unit


STATUS_CHOICES = ["all", *AgreementStatus.values]


@extend_schema(
    tags=TAGS,
    summary="Units to adjudicate, with the competing reviewer versions",
    parameters=[
        ARTICLE_PARAM,
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=STATUS_CHOICES,
            description='Default "disputed"; "all" lists every unit.',
        ),
        OpenApiParameter(
            "reason",
            OpenApiTypes.STR,
            enum=list(REASON_KINDS),
            description="Only units carrying this disagreement reason.",
        ),
    ],
)
class DisputeListView(AdjudicationMixin, generics.ListAPIView):
    """Units article by article (session order), in text order within each."""

    serializer_class = AdjudicationUnitSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AgreementUnit.objects.none()
        wanted = self.request.query_params.get("status") or AgreementStatus.DISPUTED
        if wanted not in STATUS_CHOICES:
            raise ValidationError(
                {"status": f"Must be one of {', '.join(STATUS_CHOICES)}."}
            )
        reason = reason_value(self.request.query_params.get("reason"))
        return dispute_list(
            session_id=self.session.pk,
            status=None if wanted == "all" else wanted,
            reason=reason,
            article_id=self.article_filter(),
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        serializer = AdjudicationUnitSerializer(
            page, many=True, context=unit_context(page)
        )
        return self.get_paginated_response(serializer.data)


@extend_schema(tags=TAGS, summary="A unit, its reviewer versions and gold history")
class UnitDetailView(AdjudicationMixin, generics.GenericAPIView):
    serializer_class = AdjudicationUnitDetailSerializer

    def get(self, request, sid: int, unit_id: int):
        unit = self.get_unit()
        context = unit_context([unit])
        context["history"] = gold_history(
            session_id=unit.session_id, article_id=unit.article_id, unit_key=unit.key
        )
        return Response(AdjudicationUnitDetailSerializer(unit, context=context).data)


@extend_schema(
    tags=TAGS,
    summary="Decide a unit: accept a version, edit, or reject (a new gold revision)",
    request=DecisionInputSerializer,
    responses={
        201: GoldDecisionSerializer,
        400: OpenApiResponse(description="The offending fields with messages."),
    },
)
class UnitDecisionView(AdjudicationMixin, generics.GenericAPIView):
    serializer_class = DecisionInputSerializer
    parser_classes = [LimitedJSONParser]  # `facts` is a list of objects

    def post(self, request, sid: int, unit_id: int):
        unit = self.get_unit()
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        accept = values.pop("accept", None)
        if accept is not None:
            accept = version_span_id(unit, accept)
        facts = values.pop("facts", None)
        gold = gold_decide(
            unit_id=unit.pk,
            adjudicator=request.user,
            accept_span_id=accept,
            fact_links=facts,
            **values,
        )
        context = unit_context([self.get_unit()])
        return Response(
            GoldDecisionSerializer(gold, context=context).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=TAGS, summary="The current gold layer", parameters=[ARTICLE_PARAM])
class GoldListView(AdjudicationMixin, generics.ListAPIView):
    serializer_class = GoldDecisionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GoldSpan.objects.none()
        return gold_current_list(
            session_id=self.session.pk, article_id=self.article_filter()
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        serializer = GoldDecisionSerializer(page, many=True, context=gold_context(page))
        return self.get_paginated_response(serializer.data)


class FactListView(AdjudicationMixin, generics.ListCreateAPIView):
    serializer_class = FactWithLinksSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Fact.objects.none()
        return session_facts(session_id=self.session.pk)

    @extend_schema(tags=TAGS, summary="Facts of the session with their current links")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Create a fact (or get the one with the same label)",
        request=FactInputSerializer,
        responses={201: FactWithLinksSerializer, 200: FactWithLinksSerializer},
    )
    def post(self, request, sid: int):
        data = FactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fact, created = fact_create(
            session_id=self.session.pk,
            label=data.validated_data["label"],
            actor=request.user,
        )
        fact = self.get_queryset().get(pk=fact.pk)
        return Response(
            FactWithLinksSerializer(fact).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FactLinkMixin(AdjudicationMixin):
    def get_fact(self) -> Fact:
        fact = session_fact_get(
            session_id=self.session.pk, fact_id=self.kwargs["fact_id"]
        )
        if fact is None:
            raise Http404("No such fact in this session.")
        return fact


@extend_schema(
    tags=TAGS,
    summary="Link a current gold span to a fact (or change its value)",
    request=FactLinkInputSerializer,
    responses={201: FactLinkOutputSerializer},
)
class FactLinkCreateView(FactLinkMixin, generics.GenericAPIView):
    serializer_class = FactLinkInputSerializer

    def post(self, request, sid: int, fact_id: int):
        fact = self.get_fact()
        data = FactLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = fact_link_add(
            fact_id=fact.pk,
            gold_span_id=data.validated_data["gold_span"],
            value=data.validated_data["value"],
            actor=request.user,
        )
        link = fact_link_get(link_id=link.pk)
        return Response(
            FactLinkOutputSerializer(link).data, status=status.HTTP_201_CREATED
        )


@extend_schema(
    tags=TAGS, summary="Unlink a gold span from a fact", responses={204: None}
)
class FactLinkDeleteView(FactLinkMixin, generics.GenericAPIView):
    serializer_class = FactLinkOutputSerializer

    def delete(self, request, sid: int, fact_id: int, gold_span_id: int):
        fact = self.get_fact()
        removed = fact_link_remove(
            fact_id=fact.pk, gold_span_id=gold_span_id, actor=request.user
        )
        if not removed:
            raise Http404("This gold span is not linked to this fact.")
        return Response(status=status.HTTP_204_NO_CONTENT)
