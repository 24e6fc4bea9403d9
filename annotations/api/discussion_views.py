"""Discussion endpoints: comment threads on units, unread counts, article notes.

Who may take part is `services.discussion`'s to say; people outside the
session get 404 (its existence is not revealed).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.permissions import IsSessionMember, SessionScopedMixin
from annotations.api.serializers import ErrorSerializer, FieldErrorsSerializer
from annotations.api.views import ApiView
from annotations.models import AgreementUnit, ArticleNote
from annotations.selectors import thread_comments, unread_comment_counts
from annotations.selectors.articles import article_in_session_require
from annotations.services.discussion import (
    MAX_COMMENT_CHARS,
    MAX_NOTE_CHARS,
    NoteConflict,
    comment_post,
    note_access_check,
    note_get,
    note_put,
    thread_access_check,
    thread_articles_visible,
    thread_mark_read,
)

TAGS = ["discussion"]


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.IntegerField()
    article = serializers.IntegerField()
    author = serializers.CharField()
    text = serializers.CharField(help_text="Plain text: show it as text, not HTML.")
    created_at = serializers.DateTimeField()
    unread = serializers.BooleanField(
        help_text="Written by someone else after your read marker."
    )


class ThreadSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    unread = serializers.IntegerField()
    results = CommentSerializer(many=True)


class CommentInputSerializer(serializers.Serializer):
    """Schema of the body; the service validates it (400 naming `text`)."""

    text = serializers.CharField(max_length=MAX_COMMENT_CHARS)


class MarkReadInputSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(
        required=False, help_text="A comment id of the thread (default: the newest)."
    )


class MarkReadSerializer(serializers.Serializer):
    last_read = serializers.IntegerField()
    unread = serializers.IntegerField()


class UnreadUnitSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    article = serializers.IntegerField()
    unread = serializers.IntegerField()


class UnreadSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    units = UnreadUnitSerializer(many=True)


class NoteSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="0 while there is no note.")
    updated_by = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class NoteInputSerializer(serializers.Serializer):
    """Schema of the body; the service validates it (400 naming the field)."""

    text = serializers.CharField(max_length=MAX_NOTE_CHARS, allow_blank=True)
    version = serializers.IntegerField(
        required=False,
        help_text="The version you read (0: none yet); a stale one is 409.",
    )


class NoteConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField()
    current = NoteSerializer()


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Not (yet) for you."),
    404: OpenApiResponse(ErrorSerializer, description="No such session or unit."),
}
BAD_REQUEST = {400: FieldErrorsSerializer}


def note_data(note: ArticleNote | None, article_id: int) -> dict:
    if note is None:
        return {
            "article": article_id,
            "text": "",
            "version": 0,
            "updated_by": None,
            "updated_at": None,
        }
    return {
        "article": article_id,
        "text": note.text,
        "version": note.version,
        "updated_by": note.updated_by.username if note.updated_by else None,
        "updated_at": note.updated_at,
    }


def body(request) -> dict:
    """The JSON object body; anything else is a 400 (no field to name)."""
    data = request.data
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": ["The body must be a JSON object."]}
        )
    return data


class DiscussionMixin(SessionScopedMixin, ApiView):
    """Token or session auth (401 for anonymous); members of the session."""

    permission_classes = [permissions.IsAuthenticated, IsSessionMember]

    def get_unit(self) -> AgreementUnit:
        session, role = self.get_session_and_role()
        unit = AgreementUnit.objects.filter(
            session=session, pk=self.kwargs["unit_id"]
        ).first()
        if unit is None:
            raise Http404("No such unit in this session.")
        thread_access_check(
            session=session,
            article_id=unit.article_id,
            user=self.request.user,
            role=role,
        )
        return unit


@extend_schema(tags=TAGS)
class UnitCommentsView(DiscussionMixin, APIView):
    """A unit's discussion thread: read it, or add a comment."""

    @extend_schema(
        summary="A unit's comments, oldest first",
        responses={200: ThreadSerializer, **ERRORS},
    )
    def get(self, request, sid: int, unit_id: int):
        comments = thread_comments(unit=self.get_unit(), user=request.user)
        return Response(
            ThreadSerializer(
                {
                    "count": len(comments),
                    "unread": sum(comment["unread"] for comment in comments),
                    "results": comments,
                }
            ).data
        )

    @extend_schema(
        summary="Comment on a unit (plain text)",
        request=CommentInputSerializer,
        responses={201: CommentSerializer, **BAD_REQUEST, **ERRORS},
    )
    def post(self, request, sid: int, unit_id: int):
        unit = self.get_unit()
        comment = comment_post(
            unit=unit, author=request.user, text=body(request).get("text")
        )
        created = next(
            item
            for item in thread_comments(unit=unit, user=request.user)
            if item["id"] == comment.pk
        )
        return Response(CommentSerializer(created).data, status=201)


@extend_schema(tags=TAGS)
class UnitCommentsReadView(DiscussionMixin, APIView):
    """Move your read marker of a unit's thread forward."""

    @extend_schema(
        summary="Mark a unit's thread read",
        request=MarkReadInputSerializer,
        responses={200: MarkReadSerializer, **BAD_REQUEST, **ERRORS},
    )
    def post(self, request, sid: int, unit_id: int):
        unit = self.get_unit()
        data = body(request)
        last_read = thread_mark_read(
            unit=unit, user=request.user, up_to=data.get("up_to")
        )
        unread = sum(
            item["unread"] for item in thread_comments(unit=unit, user=request.user)
        )
        return Response(
            MarkReadSerializer({"last_read": last_read, "unread": unread}).data
        )


@extend_schema(tags=TAGS)
class UnreadCommentsView(DiscussionMixin, APIView):
    """Unread comments per unit, over the threads you may read."""

    @extend_schema(
        summary="Unread comment counts per unit",
        responses={200: UnreadSerializer, **ERRORS},
    )
    def get(self, request, sid: int):
        session, role = self.get_session_and_role()
        visible = thread_articles_visible(session=session, user=request.user, role=role)
        units = unread_comment_counts(
            session_id=session.pk, user=request.user, article_ids=visible
        )
        return Response(
            UnreadSerializer(
                {"total": sum(row["unread"] for row in units), "units": units}
            ).data
        )


@extend_schema(tags=TAGS)
class ArticleNoteView(DiscussionMixin, APIView):
    """The adjudicators' note on an article of the session."""

    def check_note_access(self, article_id: int) -> None:
        session, role = self.get_session_and_role()
        article_in_session_require(session=session, article_id=article_id)
        note_access_check(role=role)

    @extend_schema(
        summary="Read an article's note",
        responses={200: NoteSerializer, **ERRORS},
    )
    def get(self, request, sid: int, article_id: int):
        self.check_note_access(article_id)
        note = note_get(session_id=sid, article_id=article_id)
        return Response(NoteSerializer(note_data(note, article_id)).data)

    @extend_schema(
        summary="Write an article's note (blank clears it)",
        request=NoteInputSerializer,
        responses={
            200: NoteSerializer,
            **BAD_REQUEST,
            **ERRORS,
            409: OpenApiResponse(
                NoteConflictSerializer, description="The note changed since."
            ),
        },
    )
    def put(self, request, sid: int, article_id: int):
        self.check_note_access(article_id)
        data = body(request)
        try:
            note = note_put(
                session_id=sid,
                article_id=article_id,
                user=request.user,
                text=data.get("text"),
                version=data.get("version"),
            )
        except NoteConflict as exc:
            return Response(
                {
                    "detail": str(exc),
                    "field": "version",
                    "current": NoteSerializer(note_data(exc.note, article_id)).data,
                },
                status=409,
            )
        return Response(NoteSerializer(note_data(note, article_id)).data)
