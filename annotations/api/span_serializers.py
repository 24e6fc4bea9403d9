"""Span serializers: the span output (rows-based), create/update/bulk input, errors.

Output goes through `api/rows.py`'s `RowSerializer`, the one fast path; input
serializers check shapes only (the service checks the domain rules).
"""

from typing import Any

from rest_framework import serializers

from annotations import selectors
from annotations.api.params import OFFSET_UNIT_MESSAGE, offset_unit_value
from annotations.api.rows import RowSerializer
from annotations.api.serializers import ArticleDetailSerializer, InputSerializer
from annotations.models import SessionMembership, SpanAnnotation
from annotations.parsing import MAX_ID, MAX_INT32
from annotations.services.span_offsets import SNAP_MODES
from annotations.services.spans import (
    MAX_BULK_SPANS,
    MAX_CITED_SOURCE,
    OFFSET_UNITS,
    BulkValidationError,
)
from annotations.text import OffsetMap

# Offsets and versions are 32-bit in the database; refuse anything larger here.
MAX_OFFSET = MAX_INT32
MAX_LABEL = 50
MAX_NOTE = 20_000
MAX_QUOTE = 1_000_000


# --- Spans: output ------------------------------------------------------------------


class SpanSerializer(RowSerializer):
    """A span with both code-point and UTF-16 offsets: the rows-based hot path.

    Takes rows (`selectors.span_rows`) or single instances (`to_row`). Context:
    `user`, `role` and `offset_maps` (article id → OffsetMap, filled lazily, so
    one map per article per request).
    """

    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    article = serializers.IntegerField(source="article_id")
    reviewer = serializers.CharField(source="reviewer__username", help_text="Username.")
    reviewer_id = serializers.IntegerField()
    start = serializers.IntegerField(help_text="Code point, inclusive.")
    end = serializers.IntegerField(help_text="Code point, exclusive.")
    start_utf16 = serializers.IntegerField(help_text="UTF-16 code unit, inclusive.")
    end_utf16 = serializers.IntegerField(help_text="UTF-16 code unit, exclusive.")
    quote = serializers.CharField()
    claim_type = serializers.CharField(
        source="claim_type__code", help_text="Claim type code."
    )
    sourcing_quality = serializers.CharField(
        source="sourcing_quality__code", help_text="Sourcing level code."
    )
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

    def to_row(self, span) -> dict[str, Any]:
        return span if isinstance(span, dict) else selectors.span_row(span)

    def _offset_map(self, row) -> OffsetMap:
        maps = self.row_context.setdefault("offset_maps", {})
        offset_map = maps.get(row["article_id"])
        if offset_map is None:
            maps.update(selectors.offset_maps_for([row["article_id"]]))
            offset_map = maps[row["article_id"]]
        return offset_map

    def value_start_utf16(self, row) -> int:
        return self._offset_map(row).to_utf16(row["start"])

    def value_end_utf16(self, row) -> int:
        return self._offset_map(row).to_utf16(row["end"])

    def value_is_mine(self, row) -> bool:
        return row["reviewer_id"] == self.row_context["user"].pk

    def value_can_edit(self, row) -> bool:
        return (
            row["reviewer_id"] == self.row_context["user"].pk
            and self.row_context.get("role") == SessionMembership.Role.REVIEWER
        )


class ArticleWithSpansSerializer(ArticleDetailSerializer):
    """`?include=spans`: the article and the spans the caller may see, in one read.

    The article carries `included_spans` and `spans_next` (set by the view);
    context as for `SpanSerializer`.
    """

    # Not required: present only when the request asks for them.
    spans = SpanSerializer(
        source="included_spans",
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


def _body_error(field: str, message: str) -> BulkValidationError:
    return BulkValidationError([{"index": None, "field": field, "message": message}])


def bulk_body_check(
    body, *, query_offset_unit: str | None
) -> tuple[list[dict[str, Any]], str, str | None]:
    """The bulk body's shape: (item values, offset unit, snap mode).

    Raises BulkValidationError naming the first bad top-level field, or every
    bad item by index and field (the one shape of bulk errors). The service
    then checks the domain rules (offsets in the text, labels of the scheme).
    """
    offset_unit = offset_unit_value(body.get("offset_unit"), query_offset_unit)
    if offset_unit is None:
        raise _body_error("offset_unit", OFFSET_UNIT_MESSAGE)
    items = body.get("spans")
    if not isinstance(items, list):
        raise _body_error("spans", "Must be a list of span objects.")
    snap = body.get("snap")
    if snap is not None and snap not in SNAP_MODES:
        raise _body_error("snap", f"Must be one of {', '.join(SNAP_MODES)}.")
    cleaned, errors = [], []
    for index, item in enumerate(items):
        values, item_errors = bulk_item_errors(index, item)
        errors.extend(item_errors)
        cleaned.append(values)
    if errors:
        raise BulkValidationError(errors)
    return cleaned, offset_unit, snap


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
