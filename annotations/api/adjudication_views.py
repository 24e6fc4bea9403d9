"""Adjudication endpoints: disputes side by side, gold decisions, gold layer, facts.

Adjudicators of the session and staff without a role in it only; reviewers get
403, everyone else 404 (the session's existence is not revealed).
"""

from collections.abc import Iterable
from contextlib import suppress

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Subquery
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
from annotations.api.params import query_id, reason_filter
from annotations.api.parsers import LimitedJSONParser
from annotations.api.permissions import (
    IsSessionAdjudicator,
    IsSessionMember,
    SessionScopedMixin,
)
from annotations.api.schema import ID_SCHEMA
from annotations.metrics.reasons import REASON_KINDS
from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    Article,
    Fact,
    FactLink,
    GoldSpan,
    SessionArticle,
)
from annotations.parsing import is_digits, parse_id
from annotations.services.adjudication import (
    fact_create,
    fact_link_add,
    fact_link_remove,
    gold_decide,
    gold_history,
    unit_versions,
)
from annotations.text import OffsetMap

TAGS = ["adjudication"]
ARTICLE_PARAM = OpenApiParameter(
    "article", ID_SCHEMA, description="Only this article of the session."
)


def service_errors(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's (400 with the offending fields)."""
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"non_field_errors": exc.messages})


def session_position():
    return Subquery(
        SessionArticle.objects.filter(
            session_id=OuterRef("session_id"), article_id=OuterRef("article_id")
        ).values("position")[:1]
    )


def gold_queryset():
    return GoldSpan.objects.select_related(
        "claim_type", "sourcing_quality", "decided_by", "unit", "accepted_reviewer"
    ).prefetch_related("source_spans__reviewer", "fact_links__fact")


def articles_by_id(article_ids: Iterable[int]) -> dict[int, Article]:
    """Each article once (a page of units would otherwise repeat its text)."""
    return {
        article.pk: article for article in Article.objects.filter(pk__in=article_ids)
    }


def unit_context(units: Iterable[AgreementUnit]) -> dict:
    """Offset maps, version letters and current gold for a page of units."""
    units = list(units)
    articles = articles_by_id({unit.article_id for unit in units})
    offset_maps = {pk: OffsetMap(article.text) for pk, article in articles.items()}
    letters: dict[int, str] = {}
    keys_by_article: dict[int, list[str]] = {}
    for unit in units:
        unit.article = articles[unit.article_id]
        letters.update(
            {span.pk: letter for letter, span in unit_versions(unit.spans.all())}
        )
        keys_by_article.setdefault(unit.article_id, []).append(unit.key)
    gold: dict[tuple[int, str], GoldSpan] = {}
    if units:
        session_id = units[0].session_id
        for article_id, keys in keys_by_article.items():
            for span in gold_queryset().filter(
                session_id=session_id,
                article_id=article_id,
                unit_key__in=keys,
                is_current=True,
            ):
                gold[(article_id, span.unit_key)] = span
    return {"offset_maps": offset_maps, "letters": letters, "gold": gold}


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
        if not SessionArticle.objects.filter(
            session=self.session, article_id=article_id
        ).exists():
            raise ValidationError(
                {"article": f"Article {article_id} is not in this session."}
            )
        return article_id

    def units(self):
        return AgreementUnit.objects.filter(session=self.session).prefetch_related(
            "spans__reviewer", "spans__claim_type", "spans__sourcing_quality"
        )

    def get_unit(self) -> AgreementUnit:
        unit = self.units().filter(pk=self.kwargs["unit_id"]).first()
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
        units = reason_filter(self.units(), self.request.query_params.get("reason"))
        if wanted != "all":
            units = units.filter(status=wanted)
        article_id = self.article_filter()
        if article_id is not None:
            units = units.filter(article_id=article_id)
        return units.annotate(position=session_position()).order_by(
            "position", "article_id", "start", "end", "key"
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

    def get(self, request, session_id: int, unit_id: int):
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

    def post(self, request, session_id: int, unit_id: int):
        unit = self.get_unit()
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        accept = values.pop("accept", None)
        if accept is not None:
            by_letter = {
                letter: span.pk for letter, span in unit_versions(unit.spans.all())
            }
            accept = accept.strip()
            if accept.upper() in by_letter:
                accept = by_letter[accept.upper()]
            elif is_digits(accept):
                # Out of range is no member's id either: the service says so (400).
                with suppress(ValueError):
                    accept = parse_id(accept)
        facts = values.pop("facts", None)
        if facts is not None:
            facts = [
                {"fact_id": item["fact"], "value": item["value"]}
                if "fact" in item
                else {"label": item["label"], "value": item["value"]}
                for item in facts
            ]
        try:
            gold = gold_decide(
                unit_id=unit.pk,
                adjudicator=request.user,
                accept_span_id=accept,
                fact_links=facts,
                **values,
            )
        except DjangoValidationError as exc:
            raise service_errors(exc) from None
        except AgreementUnit.DoesNotExist:
            raise Http404("No such unit in this session.") from None
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
        gold = gold_queryset().filter(session=self.session, is_current=True)
        article_id = self.article_filter()
        if article_id is not None:
            gold = gold.filter(article_id=article_id)
        return gold.annotate(position=session_position()).order_by(
            "position", "article_id", "start", "end", "unit_key"
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        articles = articles_by_id({gold.article_id for gold in page})
        offset_maps = {pk: OffsetMap(article.text) for pk, article in articles.items()}
        serializer = GoldDecisionSerializer(
            page, many=True, context={"offset_maps": offset_maps}
        )
        return self.get_paginated_response(serializer.data)


class FactListView(AdjudicationMixin, generics.ListCreateAPIView):
    serializer_class = FactWithLinksSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Fact.objects.none()
        return (
            Fact.objects.filter(session=self.session)
            .select_related("created_by")
            .prefetch_related("links__gold_span")
            .order_by("label", "pk")
        )

    @extend_schema(tags=TAGS, summary="Facts of the session with their current links")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Create a fact (or get the one with the same label)",
        request=FactInputSerializer,
        responses={201: FactWithLinksSerializer, 200: FactWithLinksSerializer},
    )
    def post(self, request, session_id: int):
        data = FactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            fact, created = fact_create(
                session_id=self.session.pk,
                label=data.validated_data["label"],
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise service_errors(exc) from None
        fact = self.get_queryset().get(pk=fact.pk)
        return Response(
            FactWithLinksSerializer(fact).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FactLinkMixin(AdjudicationMixin):
    def get_fact(self) -> Fact:
        fact = Fact.objects.filter(
            pk=self.kwargs["fact_id"], session=self.session
        ).first()
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

    def post(self, request, session_id: int, fact_id: int):
        fact = self.get_fact()
        data = FactLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            link = fact_link_add(
                fact_id=fact.pk,
                gold_span_id=data.validated_data["gold_span"],
                value=data.validated_data["value"],
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise service_errors(exc) from None
        link = FactLink.objects.select_related("gold_span").get(pk=link.pk)
        return Response(
            FactLinkOutputSerializer(link).data, status=status.HTTP_201_CREATED
        )


@extend_schema(
    tags=TAGS, summary="Unlink a gold span from a fact", responses={204: None}
)
class FactLinkDeleteView(FactLinkMixin, generics.GenericAPIView):
    serializer_class = FactLinkOutputSerializer

    def delete(self, request, session_id: int, fact_id: int, gold_span_id: int):
        fact = self.get_fact()
        try:
            removed = fact_link_remove(
                fact_id=fact.pk, gold_span_id=gold_span_id, actor=request.user
            )
        except DjangoValidationError:
            removed = False
        if not removed:
            raise Http404("This gold span is not linked to this fact.")
        return Response(status=status.HTTP_204_NO_CONTENT)
