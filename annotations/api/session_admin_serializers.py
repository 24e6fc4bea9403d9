"""Request and answer shapes of session management, assignment and accounts."""

from rest_framework import serializers

from annotations.api.serializers import InputSerializer
from annotations.models import AnnotationSession, SessionMembership
from annotations.parsing import MAX_ID
from annotations.services.sessions_admin import (
    MAX_CALIBRATION,
    MAX_NAME,
    MAX_REQUIRED,
)

ROLES = [choice.value for choice in SessionMembership.Role]
MODES = [choice.value for choice in AnnotationSession.AssignmentMode]
MAX_DESCRIPTION = 20_000
MAX_LIST = 100_000


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class MemberInputSerializer(InputSerializer):
    user = _id_field(help_text="The user's id (see GET /api/users/).")
    role = serializers.ChoiceField(choices=ROLES)


class SessionSettingsSerializer(InputSerializer):
    """The settings a lead may set; PATCH takes any subset."""

    name = serializers.CharField(max_length=MAX_NAME)
    description = serializers.CharField(
        max_length=MAX_DESCRIPTION, allow_blank=True, required=False
    )
    scheme = serializers.CharField(
        max_length=50, required=False, help_text='Label scheme slug ("default").'
    )
    required_reviewers = serializers.IntegerField(
        min_value=1,
        max_value=MAX_REQUIRED,
        required=False,
        help_text="k: reviewers each article needs (balanced: gets).",
    )
    blind = serializers.BooleanField(required=False)
    alignment_threshold = serializers.FloatField(
        min_value=0.01, max_value=1, required=False
    )
    assignment = serializers.ChoiceField(choices=MODES, required=False)
    calibration = serializers.IntegerField(
        min_value=0,
        max_value=MAX_CALIBRATION,
        required=False,
        help_text="Balanced: the first N articles go to every reviewer.",
    )
    reviewer_feedback = serializers.BooleanField(
        required=False,
        help_text="Reviewers see their agreement with gold and peers on "
        "adjudicated articles (GET .../articles/{aid}/feedback/).",
    )


class SessionCreateSerializer(SessionSettingsSerializer):
    members = MemberInputSerializer(many=True, required=False)
    articles = serializers.ListField(
        child=_id_field(), required=False, max_length=MAX_LIST
    )


class ArticlesInputSerializer(InputSerializer):
    articles = serializers.ListField(
        child=_id_field(), allow_empty=False, max_length=MAX_LIST
    )


class ArticlesAddedSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.IntegerField())
    articles = serializers.IntegerField(help_text="Articles now in the session.")


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()
    role = serializers.ChoiceField(choices=ROLES)


class ReassignInputSerializer(InputSerializer):
    reviewers = serializers.ListField(
        child=_id_field(), max_length=MAX_REQUIRED, help_text="Exactly k user ids."
    )


class PlanReviewerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    spans = serializers.IntegerField()
    done = serializers.BooleanField()


class UnassignedWorkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    spans = serializers.IntegerField(
        help_text="Spans kept but outside agreement (not assigned)."
    )


class AssignmentRowSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    title = serializers.CharField()
    position = serializers.IntegerField()
    calibration = serializers.BooleanField()
    reviewers = PlanReviewerSerializer(many=True)
    unassigned_with_spans = UnassignedWorkSerializer(many=True)


class AssignmentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Articles in the session.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AssignmentRowSerializer(many=True)


class ReassignedSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    reviewers = serializers.ListField(child=serializers.IntegerField())
    unassigned_with_spans = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Reviewers taken off who keep spans (outside agreement).",
    )


class UserInputSerializer(InputSerializer):
    username = serializers.CharField(max_length=150)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()


class UserCreatedSerializer(UserSerializer):
    set_password_url = serializers.CharField(
        help_text="One-time link where the new user chooses a password."
    )


class UserListSerializer(serializers.Serializer):
    results = UserSerializer(many=True)
