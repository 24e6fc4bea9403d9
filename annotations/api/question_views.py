"""Article-question endpoints: a reviewer's answers, disputes, gold answers.

Answers are blind like spans: a reviewer reads only their own (all reviewers'
only in an open session); adjudicators read everyone's and decide gold.
People outside the session get 404.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import (
    ROLE_REVIEWER,
    can_see_all_spans,
    is_adjudicating,
    session_role,
)
from annotations.api.permissions import IsSessionMember
from annotations.api.serializers import ErrorSerializer, FieldErrorsSerializer
from annotations.api.views import ApiView
from annotations.models import AnnotationSession
from annotations.selectors import scheme_questions
from annotations.selectors.articles import article_in_session_require
from annotations.selectors.questions import (
    answers_own,
    article_gold_answers,
    question_disputes,
    session_answers,
    session_gold_answers,
)
from annotations.services.article_answers import answers_put, gold_answers_put

TAGS = ["article questions"]


def answer_value() -> serializers.JSONField:
    return serializers.JSONField(
        help_text="An option code (nominal, ordinal), a list of option codes "
        "(multi) or true/false (boolean); null clears it on PUT."
    )


class AnswersSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    answers = serializers.DictField(child=answer_value())
    version = serializers.IntegerField(help_text="0 while you have no answers.")
    updated_at = serializers.DateTimeField(allow_null=True)
    by_reviewer = serializers.DictField(
        child=serializers.DictField(child=answer_value()),
        required=False,
        help_text="Adjudicators (and reviewers of an open session): every "
        "reviewer's answers.",
    )


class AnswersConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(help_text='Always "version".')
    current = AnswersSerializer(help_text="Your answers as stored now.")


class AnswersInputSerializer(serializers.Serializer):
    """Schema of the body; the service validates it (400 naming the field)."""

    answers = serializers.DictField(child=answer_value())
    version = serializers.IntegerField(
        help_text="The version you read (0: none yet); a stale one is 409."
    )


class GoldAnswerSerializer(serializers.Serializer):
    value = answer_value()
    source = serializers.ChoiceField(choices=["adjudicated", "agreed"])
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    answers = serializers.DictField(
        child=answer_value(), help_text="The reviewers' answers it came from."
    )


class GoldAnswersSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    gold = serializers.DictField(child=GoldAnswerSerializer())


class GoldAnswersInputSerializer(serializers.Serializer):
    answers = serializers.DictField(child=answer_value())


class QuestionDisputeSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    article_title = serializers.CharField(allow_blank=True)
    question = serializers.CharField()
    prompt = serializers.CharField()
    type = serializers.CharField()
    options = serializers.ListField(child=serializers.DictField())
    answers = serializers.DictField(child=answer_value())


class QuestionDisputesSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = QuestionDisputeSerializer(many=True)


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Not for your role."),
    404: OpenApiResponse(ErrorSerializer, description="No such session/article."),
}
BAD_REQUEST = {400: FieldErrorsSerializer}


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": ["The body must be a JSON object."]}
        )
    return request.data


class QuestionsMixin(ApiView):
    permission_classes = [permissions.IsAuthenticated, IsSessionMember]

    def get_session_and_role(self):
        if not hasattr(self, "_session_and_role"):
            session = AnnotationSession.objects.filter(pk=self.kwargs["sid"]).first()
            role = session_role(self.request.user, session) if session else None
            self._session_and_role = (session, role)
        return self._session_and_role

    def article_check(self) -> None:
        session, _ = self.get_session_and_role()
        article_in_session_require(session=session, article_id=self.kwargs["aid"])

    def require_adjudicating(self) -> None:
        _, role = self.get_session_and_role()
        if not is_adjudicating(role):
            raise PermissionDenied("Only adjudicators of this session can do this.")


@extend_schema(tags=TAGS)
class ArticleAnswersView(QuestionsMixin, APIView):
    """Your answers to the article questions of one article."""

    def answers_data(self) -> dict:
        session, role = self.get_session_and_role()
        aid = self.kwargs["aid"]
        data = {"article": aid}
        data |= answers_own(
            session_id=session.pk, article_id=aid, user=self.request.user
        )
        if can_see_all_spans(role, session):
            found = session_answers(session_id=session.pk, article_ids=[aid])
            data["by_reviewer"] = found.get(aid, {})
        return data

    def stale_current_representation(self) -> dict:
        return AnswersSerializer(self.answers_data()).data

    @extend_schema(
        summary="Your answers on an article (blind: only yours)",
        responses={200: AnswersSerializer, **ERRORS},
    )
    def get(self, request, sid: int, aid: int):
        self.article_check()
        return Response(AnswersSerializer(self.answers_data()).data)

    @extend_schema(
        summary="Answer article questions (compare-and-set on version)",
        request=AnswersInputSerializer,
        responses={
            200: AnswersSerializer,
            **BAD_REQUEST,
            **ERRORS,
            409: OpenApiResponse(
                AnswersConflictSerializer, description="Your answers changed since."
            ),
        },
    )
    def put(self, request, sid: int, aid: int):
        session, role = self.get_session_and_role()
        self.article_check()
        if role != ROLE_REVIEWER:
            raise PermissionDenied("Only reviewers of this session answer questions.")
        data = _body(request)
        answers_put(
            session=session,
            article_id=aid,
            reviewer=request.user,
            answers=data.get("answers"),
            version=data.get("version"),
        )
        return Response(AnswersSerializer(self.answers_data()).data)


@extend_schema(tags=TAGS)
class GoldAnswersView(QuestionsMixin, APIView):
    """Gold answers of an article: adjudicated, or agreed by all who answered."""

    def gold_data(self) -> dict:
        session, _ = self.get_session_and_role()
        aid = self.kwargs["aid"]
        answers = session_answers(session_id=session.pk, article_ids=[aid])
        gold = session_gold_answers(session_id=session.pk, article_ids=[aid])
        return {
            "article": aid,
            "gold": article_gold_answers(
                questions=scheme_questions(session.scheme_id),
                by_reviewer=answers.get(aid, {}),
                gold=gold.get(aid, {}),
            ),
        }

    @extend_schema(
        summary="An article's gold answers with provenance (adjudicators)",
        responses={200: GoldAnswersSerializer, **ERRORS},
    )
    def get(self, request, sid: int, aid: int):
        self.article_check()
        self.require_adjudicating()
        return Response(GoldAnswersSerializer(self.gold_data()).data)

    @extend_schema(
        summary="Decide gold answers (null withdraws a decision)",
        request=GoldAnswersInputSerializer,
        responses={200: GoldAnswersSerializer, **BAD_REQUEST, **ERRORS},
    )
    def put(self, request, sid: int, aid: int):
        session, _ = self.get_session_and_role()
        self.article_check()
        self.require_adjudicating()
        gold_answers_put(
            session=session,
            article_id=aid,
            adjudicator=request.user,
            answers=_body(request).get("answers"),
        )
        return Response(GoldAnswersSerializer(self.gold_data()).data)


@extend_schema(tags=TAGS)
class QuestionDisputesView(QuestionsMixin, APIView):
    """The adjudication queue of article questions: answers differ, no gold yet."""

    @extend_schema(
        summary="Disputed article questions (adjudicators)",
        responses={200: QuestionDisputesSerializer, **ERRORS},
    )
    def get(self, request, sid: int):
        session, _ = self.get_session_and_role()
        self.require_adjudicating()
        disputes = question_disputes(session_id=session.pk, scheme_id=session.scheme_id)
        return Response(
            QuestionDisputesSerializer(
                {"count": len(disputes), "results": disputes}
            ).data
        )
