"""Serializers of the agreement API: reports, article summaries, units, recompute."""

from rest_framework import serializers

from annotations.api.adjudication_serializers import UnitReasonSerializer
from annotations.api.serializers import InputSerializer
from annotations.models import AgreementStatus
from annotations.parsing import MAX_ID


class ReportSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    article = serializers.IntegerField(allow_null=True)
    stale = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.FloatField(allow_null=True)
    fingerprint = serializers.CharField()
    task_id = serializers.CharField()
    payload = serializers.JSONField(
        allow_null=True, help_text="See docs/agreement.md for the shape."
    )
    readings = serializers.JSONField(
        allow_null=True,
        help_text="How far each figure can be trusted, in words, and diagnostics "
        "(docs/agreement.md, Readings).",
    )


class ArticleSummarySerializer(serializers.Serializer):
    article = serializers.IntegerField()
    title = serializers.CharField()
    stale = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)
    units = serializers.IntegerField(allow_null=True)
    status = serializers.DictField(child=serializers.IntegerField(), allow_null=True)
    claim_type_alpha = serializers.FloatField(allow_null=True)
    sourcing_quality_alpha = serializers.FloatField(allow_null=True)
    overlap_f1 = serializers.FloatField(allow_null=True)
    claim_type_reading = serializers.JSONField(allow_null=True)
    sourcing_quality_reading = serializers.JSONField(allow_null=True)


class SessionAgreementSerializer(serializers.Serializer):
    report = ReportSerializer(allow_null=True)
    articles = ArticleSummarySerializer(many=True)


class OffsetField(serializers.IntegerField):
    """An offset in code points, or in UTF-16 code units when the context has
    `offset_maps` (article id → OffsetMap: `?offset_unit=utf16`)."""

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        maps = self.context.get("offset_maps")
        return maps[instance.article_id].to_utf16(value) if maps else value


class UnitSpanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = serializers.CharField(source="reviewer.username")
    start = OffsetField()
    end = OffsetField()
    quote = serializers.CharField()
    claim_type = serializers.CharField(source="claim_type.code")
    sourcing_quality = serializers.CharField(source="sourcing_quality.code")
    cited_source = serializers.CharField()
    version = serializers.IntegerField()


class UnitSerializer(serializers.Serializer):
    """An aligned unit and its member spans (context: optional `offset_maps`)."""

    id = serializers.IntegerField()
    key = serializers.CharField()
    article = serializers.IntegerField(source="article_id")
    start = OffsetField()
    end = OffsetField()
    status = serializers.ChoiceField(choices=AgreementStatus.choices)
    reviewer_count = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    reasons = serializers.ListField(
        child=UnitReasonSerializer(),
        help_text="Why the members disagree (docs/agreement.md, Reasons).",
    )
    spans = UnitSpanSerializer(many=True)


class RecomputeInputSerializer(InputSerializer):
    force = serializers.BooleanField(required=False, default=False)
    article_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=10000,
        help_text="With force: force only these articles.",
    )
