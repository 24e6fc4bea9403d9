"""API serializers: input shapes checked at the edge, output shapes for responses.

Output serializers declare every field (that is what the OpenAPI schema shows)
and build their dicts directly in `to_representation`, because the span list is
the hot path of the annotation workspace.
"""

from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from annotations import selectors
from annotations.models import SessionMembership, SpanAnnotation
from annotations.parsing import MAX_ID, MAX_INT32
from annotations.services.span_offsets import SNAP_MODES
from annotations.services.spans import MAX_BULK_SPANS, MAX_CITED_SOURCE, OFFSET_UNITS
from annotations.text import text_direction, utf16_length

# Offsets and versions are 32-bit in the database; refuse anything larger here.
MAX_OFFSET = MAX_INT32
MAX_LABEL = 50
MAX_NOTE = 20_000
MAX_QUOTE = 1_000_000
ROLE_CHOICES = [
    SessionMembership.Role.REVIEWER.value,
    SessionMembership.Role.ADJUDICATOR.value,
    "staff",
    "lead",
]


def _datetime(value) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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
    progress = ProgressSerializer()

    def to_representation(self, session) -> dict[str, Any]:
        return {
            "id": session.pk,
            "name": session.name,
            "description": session.description,
            "my_role": session.my_role,
            "blind": session.blind,
            "required_reviewers": session.required_reviewers,
            "alignment_threshold": session.alignment_threshold,
            "boundary_tolerance": session.boundary_tolerance,
            "reading_min_units": session.reading_min_units,
            "granularity": session.granularity,
            "assignment": session.assignment,
            "calibration": session.calibration,
            "reviewer_feedback": session.reviewer_feedback,
            "created_at": _datetime(session.created_at),
            "progress": selectors.session_progress(session),
        }


class SessionDetailSerializer(SessionSerializer):
    scheme = SchemeSerializer()
    reviewers = serializers.ListField(
        child=serializers.CharField(), help_text="Usernames of the reviewers."
    )

    def to_representation(self, session) -> dict[str, Any]:
        data = super().to_representation(session)
        data["scheme"] = selectors.session_scheme(session)
        data["reviewers"] = selectors.session_reviewers(session)
        return data


# --- Output: articles ---------------------------------------------------------------


class ArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    title = serializers.CharField()
    display_title = serializers.CharField()
    outlet = serializers.CharField(allow_null=True, help_text="Outlet name or null.")
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

    def to_representation(self, article) -> dict[str, Any]:
        return {
            "id": article.pk,
            "external_id": article.external_id,
            "title": article.title,
            "display_title": article.display_title,
            "outlet": article.outlet.name if article.outlet_id else None,
            "byline": article.byline,
            "published_text": article.published_text,
            "published_date": (
                article.published_date.isoformat() if article.published_date else None
            ),
            "url": article.url,
            "length": article.length,
            "position": article.position,
            "my_span_count": article.my_span_count,
            "my_done": article.my_done,
        }


class ArticleDetailSerializer(ArticleSerializer):
    text = serializers.CharField()
    text_sha256 = serializers.CharField()
    utf16_length = serializers.IntegerField(help_text="Length in UTF-16 code units.")
    direction = serializers.ChoiceField(
        choices=["ltr", "rtl"],
        help_text="Reading direction: set on the article, else detected from the "
        "share of right-to-left letters in the text.",
    )

    def to_representation(self, article) -> dict[str, Any]:
        data = super().to_representation(article)
        data["direction"] = article.direction or text_direction(article.text)
        data["text"] = article.text
        data["text_sha256"] = article.text_sha256
        data["utf16_length"] = utf16_length(article.text)
        return data


class ReviewStateInputSerializer(InputSerializer):
    done = serializers.BooleanField()


class ReviewStateSerializer(serializers.Serializer):
    done = serializers.BooleanField()
    done_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, state) -> dict[str, Any]:
        if isinstance(state, dict):
            return {"done": state["done"], "done_at": _datetime(state["done_at"])}
        return {"done": state.done, "done_at": _datetime(state.done_at)}


class CitedSourcesSerializer(serializers.Serializer):
    results = serializers.ListField(
        child=serializers.CharField(), help_text="Most used first."
    )


# --- Spans: output ------------------------------------------------------------------


class SpanSerializer(serializers.Serializer):
    """A span with both code-point and UTF-16 offsets.

    Context: `user`, `role` and `offset_maps` (article id → OffsetMap, filled
    lazily, so one map per article per request).
    """

    id = serializers.IntegerField()
    session = serializers.IntegerField()
    article = serializers.IntegerField()
    reviewer = serializers.CharField(help_text="Username.")
    reviewer_id = serializers.IntegerField()
    start = serializers.IntegerField(help_text="Code point, inclusive.")
    end = serializers.IntegerField(help_text="Code point, exclusive.")
    start_utf16 = serializers.IntegerField(help_text="UTF-16 code unit, inclusive.")
    end_utf16 = serializers.IntegerField(help_text="UTF-16 code unit, exclusive.")
    quote = serializers.CharField()
    claim_type = serializers.CharField(help_text="Claim type code.")
    sourcing_quality = serializers.CharField(help_text="Sourcing level code.")
    cited_source = serializers.CharField()
    note = serializers.CharField()
    origin = serializers.ChoiceField(choices=SpanAnnotation.Origin.choices)
    version = serializers.IntegerField(
        help_text="Send it back to update (or If-Match)."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    is_mine = serializers.BooleanField()
    can_edit = serializers.BooleanField()

    def to_representation(self, span) -> dict[str, Any]:
        # Lists pass rows (`selectors.span_rows`); single spans pass instances.
        row = span if isinstance(span, dict) else selectors.span_row(span)
        context = self.context
        maps = context.setdefault("offset_maps", {})
        article_id = row["article_id"]
        offset_map = maps.get(article_id)
        if offset_map is None:
            maps.update(selectors.offset_maps_for([article_id]))
            offset_map = maps[article_id]
        is_mine = row["reviewer_id"] == context["user"].pk
        return {
            "id": row["id"],
            "session": row["session_id"],
            "article": article_id,
            "reviewer": row["reviewer__username"],
            "reviewer_id": row["reviewer_id"],
            "start": row["start"],
            "end": row["end"],
            "start_utf16": offset_map.to_utf16(row["start"]),
            "end_utf16": offset_map.to_utf16(row["end"]),
            "quote": row["quote"],
            "claim_type": row["claim_type__code"],
            "sourcing_quality": row["sourcing_quality__code"],
            "cited_source": row["cited_source"],
            "note": row["note"],
            "origin": row["origin"],
            "version": row["version"],
            "created_at": _datetime(row["created_at"]),
            "updated_at": _datetime(row["updated_at"]),
            "is_mine": is_mine,
            "can_edit": is_mine
            and context.get("role") == SessionMembership.Role.REVIEWER,
        }


class ArticleWithSpansSerializer(ArticleDetailSerializer):
    """`?include=spans`: the article and the spans the caller may see, in one read.

    Context: `user`, `role`, `spans`, `offset_map` and `spans_next`.
    """

    # Not required: present only when the request asks for them.
    spans = SpanSerializer(
        many=True,
        required=False,
        help_text=(
            "The first spans of the article you may see, ordered by start, end, "
            "id (blind sessions: your own)."
        ),
    )
    spans_next = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="The span list continuing after `spans`, or null if none are left.",
    )

    def to_representation(self, article) -> dict[str, Any]:
        data = super().to_representation(article)
        context = self.context
        span_context = {
            "user": context["user"],
            "role": context["role"],
            "offset_maps": {article.pk: context["offset_map"]},
        }
        data["spans"] = SpanSerializer(
            context["spans"], many=True, context=span_context
        ).data
        data["spans_next"] = context["spans_next"]
        return data


class BulkCreatedSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    spans = SpanSerializer(many=True)


# --- Spans: input -------------------------------------------------------------------


def _text(**kwargs) -> serializers.CharField:
    # Quotes and notes keep their whitespace: a quote must match the text exactly.
    return serializers.CharField(trim_whitespace=False, **kwargs)


class SpanInputSerializer(InputSerializer):
    """Create body (and, all optional, PATCH body). Offsets default to code points."""

    article = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    start = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET)
    end = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET)
    quote = _text(max_length=MAX_QUOTE)
    claim_type = serializers.CharField(max_length=MAX_LABEL, help_text="Code.")
    sourcing_quality = serializers.CharField(max_length=MAX_LABEL, help_text="Code.")
    cited_source = _text(
        required=False, allow_blank=True, max_length=MAX_CITED_SOURCE * 4
    )
    note = _text(required=False, allow_blank=True, max_length=MAX_NOTE)
    offset_unit = serializers.ChoiceField(
        choices=OFFSET_UNITS,
        required=False,
        help_text="Unit of start/end in this body; also accepted in the query string.",
    )
    snap = serializers.ChoiceField(
        choices=SNAP_MODES,
        required=False,
        help_text="`word`: grow start/end to the whole words they touch (a selection "
        "past the text's end is clipped first); the quote must match the offsets "
        "sent, the answer has the snapped span.",
    )


class SpanUpdateSerializer(SpanInputSerializer):
    """PUT (all span fields) or PATCH (any subset) plus the version you read."""

    article = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="Optional; must be the span's article (spans do not move).",
    )
    version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_OFFSET,
        required=False,
        help_text='The version you read; or send it as `If-Match: "<version>"`.',
    )


class SpanBulkInputSerializer(InputSerializer):
    """Schema of the bulk body; items are checked by `bulk_item_errors`."""

    spans = SpanInputSerializer(many=True, help_text=f"At most {MAX_BULK_SPANS}.")
    offset_unit = serializers.ChoiceField(choices=OFFSET_UNITS, required=False)
    snap = serializers.ChoiceField(
        choices=SNAP_MODES, required=False, help_text="`word`: snap every span."
    )


_BULK_FIELDS = SpanInputSerializer().fields


def bulk_item_errors(index: int, item: Any) -> tuple[dict | None, list[dict]]:
    """Check one bulk item's shape with the single-create field rules.

    Returns (validated values, errors as {index, field, message}). Field-level
    validation only (no serializer machinery per item) keeps 1,000 items cheap.
    """
    if not isinstance(item, dict):
        return None, [
            {
                "index": index,
                "field": "non_field_errors",
                "message": "Each span must be a JSON object.",
            }
        ]
    values: dict[str, Any] = {}
    errors: list[dict] = []
    for name, field in _BULK_FIELDS.items():
        if name in ("offset_unit", "snap"):
            continue
        if name not in item:
            if field.required:
                errors.append(
                    {
                        "index": index,
                        "field": name,
                        "message": "This field is required.",
                    }
                )
            continue
        try:
            values[name] = field.run_validation(item[name])
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, list) else [exc.detail]
            errors.append(
                {
                    "index": index,
                    "field": name,
                    "message": " ".join(str(message) for message in detail),
                }
            )
    return (None if errors else values), errors


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


class PreconditionErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(help_text='Always "version".')


class StaleVersionSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(help_text='Always "version".')
    current = SpanSerializer(allow_null=True, help_text="The span as stored now.")


class BulkErrorItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True, help_text="Position in `spans`; null for the whole request."
    )
    field = serializers.CharField()
    message = serializers.CharField()


class BulkErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = BulkErrorItemSerializer(many=True)
