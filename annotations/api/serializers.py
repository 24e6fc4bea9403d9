"""API serializers: the input base, account, sessions, articles, error schemas.

One style everywhere: ordinary DRF fields, declared once (`source=` for a
different attribute, `SerializerMethodField` for a computed value). The span
list, the one hot path, renders from rows through `api/rows.py`
(`span_serializers.py`). Input serializers check shapes; services the rules.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from annotations import selectors
from annotations.models import SessionMembership
from annotations.text import text_direction, utf16_length

ROLE_CHOICES = [
    SessionMembership.Role.REVIEWER.value,
    SessionMembership.Role.ADJUDICATOR.value,
    "staff",
    "lead",
]


class InputSerializer(serializers.Serializer):
    """Base of every request-body serializer: a field left out is left out.

    DRF reads a key missing from a form or multipart body as the field's
    "empty HTML" value (False for a BooleanField: an empty form would un-mark
    an article as done). Here a missing key is missing whatever the content
    type, exactly as in JSON: required fields are a 400, others take their
    default or stay out.
    """

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.default_empty_html = empty
        return fields


# --- Output: account --------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    is_staff = serializers.BooleanField(read_only=True)


class TokenRequestSerializer(InputSerializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


# --- Output: sessions ---------------------------------------------------------------


class ProgressSerializer(serializers.Serializer):
    articles = serializers.IntegerField(help_text="Articles in the session.")
    my_done = serializers.IntegerField(help_text="Articles I marked done.")
    my_spans = serializers.IntegerField(help_text="Spans I made in the session.")
    all_done = serializers.IntegerField(
        required=False,
        help_text="Adjudicators and staff only: done (article, reviewer) pairs.",
    )
    all_pairs = serializers.IntegerField(
        required=False,
        help_text="Adjudicators and staff only: articles × reviewers.",
    )


class ClaimTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    color = serializers.CharField(help_text="#rrggbb")
    shortcut = serializers.CharField()
    position = serializers.IntegerField()


class SourcingLevelSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    rank = serializers.IntegerField(help_text="1 is the best sourcing.")
    weight = serializers.FloatField(allow_null=True)
    shortcut = serializers.CharField()


class QuestionOptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ArticleQuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    prompt = serializers.CharField()
    type = serializers.ChoiceField(choices=["nominal", "ordinal", "multi", "boolean"])
    options = QuestionOptionSerializer(
        many=True,
        help_text="In order (ordinal: worst first). A boolean question answers "
        "true/false; its options are yes, no.",
    )
    help = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField()


class SchemeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    claim_types = ClaimTypeSerializer(many=True)
    sourcing_levels = SourcingLevelSerializer(many=True, help_text="Ordered by rank.")
    article_questions = ArticleQuestionSerializer(
        many=True, help_text="Article-level questions, in order."
    )


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    my_role = serializers.ChoiceField(choices=ROLE_CHOICES)
    blind = serializers.BooleanField()
    required_reviewers = serializers.IntegerField()
    alignment_threshold = serializers.FloatField()
    boundary_tolerance = serializers.IntegerField(
        help_text="Characters of boundary difference that raise no boundary reason."
    )
    reading_min_units = serializers.IntegerField(
        help_text="Pairable units an alpha needs before it can read as reliable."
    )
    granularity = serializers.ChoiceField(
        choices=["word", "character"],
        help_text="How the workspace selects: `word` snaps every selection to whole "
        "words; `character` keeps what was selected (whole grapheme clusters).",
    )
    assignment = serializers.ChoiceField(
        choices=["all", "balanced"],
        help_text="all: every reviewer every article; balanced: k per article.",
    )
    calibration = serializers.IntegerField(
        help_text="Balanced sessions: the first N articles go to every reviewer."
    )
    reviewer_feedback = serializers.BooleanField(
        help_text="Reviewers may read their feedback against gold "
        "(GET /api/sessions/{id}/articles/{aid}/feedback/)."
    )
    created_at = serializers.DateTimeField()
    progress = serializers.SerializerMethodField()

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, session) -> dict[str, int]:
        return selectors.session_progress(session)


class SessionDetailSerializer(SessionSerializer):
    scheme = serializers.SerializerMethodField()
    reviewers = serializers.SerializerMethodField()

    @extend_schema_field(SchemeSerializer)
    def get_scheme(self, session) -> dict[str, Any]:
        return selectors.session_scheme(session)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(), help_text="Usernames of the reviewers."
        )
    )
    def get_reviewers(self, session) -> list[str]:
        return selectors.session_reviewers(session)


# --- Output: articles ---------------------------------------------------------------


class ArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    title = serializers.CharField()
    display_title = serializers.CharField()
    outlet = serializers.CharField(
        source="outlet.name", allow_null=True, help_text="Outlet name or null."
    )
    byline = serializers.CharField()
    published_text = serializers.CharField(
        help_text="The date as the article states it."
    )
    published_date = serializers.DateField(allow_null=True)
    url = serializers.CharField()
    length = serializers.IntegerField(help_text="Length of the text in code points.")
    position = serializers.IntegerField(help_text="Place in the session.")
    my_span_count = serializers.IntegerField()
    my_done = serializers.BooleanField()


class ArticleDetailSerializer(ArticleSerializer):
    text = serializers.CharField()
    text_sha256 = serializers.CharField()
    utf16_length = serializers.SerializerMethodField()
    direction = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.IntegerField(help_text="Length in UTF-16 code units.")
    )
    def get_utf16_length(self, article) -> int:
        return utf16_length(article.text)

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["ltr", "rtl"],
            help_text="Reading direction: set on the article, else detected from "
            "the share of right-to-left letters in the text.",
        )
    )
    def get_direction(self, article) -> str:
        return article.direction or text_direction(article.text)


class ReviewStateInputSerializer(InputSerializer):
    done = serializers.BooleanField()


class ReviewStateSerializer(serializers.Serializer):
    done = serializers.BooleanField()
    done_at = serializers.DateTimeField(allow_null=True)


class CitedSourcesSerializer(serializers.Serializer):
    results = serializers.ListField(
        child=serializers.CharField(), help_text="Most used first."
    )


# --- Errors (schema only) -----------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class FieldErrorsSerializer(serializers.Serializer):
    """400: one key per invalid field (or non_field_errors), each a list of messages."""

    non_field_errors = serializers.ListField(
        child=serializers.CharField(), required=False
    )
    detail = serializers.CharField(
        required=False, help_text="Unparseable body (invalid JSON, not UTF-8)."
    )
