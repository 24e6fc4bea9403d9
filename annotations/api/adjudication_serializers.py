"""Serializers of the adjudication API: units, reviewer versions, gold, facts."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.api.serializers import InputSerializer
from annotations.metrics.reasons import REASON_KINDS
from annotations.parsing import MAX_ID, MAX_INT32
from annotations.services.gold_checks import DECISIONS, VERDICTS
from annotations.services.spans import OFFSET_UNITS

# Serializer context used below:
#   offset_maps: {article_id: OffsetMap}  (UTF-16 offsets on the way out)
#   letters:     {span_id: "A"}           (version letters of the units shown)
#   gold:        {(article_id, unit_key): GoldSpan}  (current decisions)
#   history:     [GoldSpan]               (unit detail only)


class Utf16OffsetsMixin(serializers.Serializer):
    start_utf16 = serializers.SerializerMethodField()
    end_utf16 = serializers.SerializerMethodField()

    def _utf16(self, obj, offset: int) -> int:
        return self.context["offset_maps"][obj.article_id].to_utf16(offset)

    @extend_schema_field(serializers.IntegerField())
    def get_start_utf16(self, obj) -> int:
        return self._utf16(obj, obj.start)

    @extend_schema_field(serializers.IntegerField())
    def get_end_utf16(self, obj) -> int:
        return self._utf16(obj, obj.end)


class ReviewerVersionSerializer(Utf16OffsetsMixin):
    """One reviewer's span in a unit, with its letter (A, B… by reviewer name)."""

    id = serializers.IntegerField()
    letter = serializers.SerializerMethodField()
    reviewer = serializers.CharField(source="reviewer.username")
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    claim_type = serializers.CharField(source="claim_type.code")
    sourcing_quality = serializers.CharField(source="sourcing_quality.code")
    cited_source = serializers.CharField()
    note = serializers.CharField()
    version = serializers.IntegerField()

    def get_letter(self, obj) -> str:
        return self.context["letters"][obj.pk]


class GoldFactLinkSerializer(serializers.Serializer):
    fact = serializers.IntegerField(source="fact_id")
    label = serializers.CharField(source="fact.label")
    value = serializers.CharField()


class GoldProvenanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Version the decision was made from.")
    current_version = serializers.IntegerField(
        allow_null=True, help_text="Null if the span has since been deleted."
    )
    reviewer = serializers.CharField(allow_null=True)
    letter = serializers.CharField(allow_null=True)


class GoldDecisionSerializer(Utf16OffsetsMixin):
    """One revision of a gold decision with its provenance."""

    id = serializers.IntegerField()
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    unit_key = serializers.CharField()
    unit_status = serializers.CharField(source="unit.status", allow_null=True)
    article = serializers.IntegerField(source="article_id")
    decision = serializers.ChoiceField(choices=DECISIONS)
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    claim_type = serializers.CharField(source="claim_type.code", allow_null=True)
    sourcing_quality = serializers.CharField(
        source="sourcing_quality.code", allow_null=True
    )
    cited_source = serializers.CharField()
    note = serializers.CharField()
    verdict = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username")
    decided_at = serializers.DateTimeField()
    revision = serializers.IntegerField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    is_current = serializers.BooleanField()
    evidence_changed = serializers.BooleanField(
        help_text="The unit's spans changed since this decision: review it."
    )
    accepted_span = serializers.IntegerField(
        source="accepted_span_id",
        allow_null=True,
        help_text="The reviewer span an accepted decision took (null otherwise, "
        "or once that span is deleted).",
    )
    accepted_reviewer = serializers.CharField(
        source="accepted_reviewer.username",
        allow_null=True,
        help_text="Whose version an accepted decision took (null otherwise).",
    )
    source_spans = serializers.SerializerMethodField()
    facts = GoldFactLinkSerializer(source="fact_links", many=True)

    @extend_schema_field(GoldProvenanceSerializer(many=True))
    def get_source_spans(self, obj) -> list[dict]:
        spans = {span.pk: span for span in obj.source_spans.all()}
        letters = self.context.get("letters", {})
        rows = []
        for span_id, version in sorted(
            obj.source_versions.items(), key=lambda item: int(item[0])
        ):
            span = spans.get(int(span_id))
            rows.append(
                {
                    "id": int(span_id),
                    "version": version,
                    "current_version": span.version if span else None,
                    "reviewer": span.reviewer.username if span else None,
                    "letter": letters.get(int(span_id)),
                }
            )
        return rows


class UnitReasonSerializer(serializers.Serializer):
    """One disagreement reason of a unit (metrics/reasons.py)."""

    kind = serializers.ChoiceField(choices=REASON_KINDS)
    reviewers = serializers.ListField(child=serializers.CharField())
    values = serializers.DictField(
        help_text="Reviewer to value: [start, end] for boundary, a label code "
        "or cited source for a dimension; empty for missed_by."
    )


class AdjudicationUnitSerializer(Utf16OffsetsMixin):
    """An agreement unit, its competing reviewer versions and its current gold."""

    id = serializers.IntegerField()
    key = serializers.CharField()
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField(source="article.display_title")
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.SerializerMethodField()
    status = serializers.CharField()
    reviewer_count = serializers.IntegerField()
    reasons = serializers.ListField(
        child=UnitReasonSerializer(),
        help_text="Why the versions disagree (docs/adjudication.md, Reasons).",
    )
    versions = serializers.SerializerMethodField()
    gold = serializers.SerializerMethodField()

    def get_quote(self, obj) -> str:
        return obj.article.text[obj.start : obj.end]

    @extend_schema_field(ReviewerVersionSerializer(many=True))
    def get_versions(self, obj) -> list[dict]:
        letters = self.context["letters"]
        spans = sorted(obj.spans.all(), key=lambda span: letters[span.pk])
        return ReviewerVersionSerializer(spans, many=True, context=self.context).data

    @extend_schema_field(GoldDecisionSerializer(allow_null=True))
    def get_gold(self, obj) -> dict | None:
        gold = self.context["gold"].get((obj.article_id, obj.key))
        if gold is None:
            return None
        return GoldDecisionSerializer(gold, context=self.context).data


class AdjudicationUnitDetailSerializer(AdjudicationUnitSerializer):
    history = serializers.SerializerMethodField()

    @extend_schema_field(GoldDecisionSerializer(many=True))
    def get_history(self, obj) -> list[dict]:
        return GoldDecisionSerializer(
            self.context["history"], many=True, context=self.context
        ).data


class FactReferenceSerializer(InputSerializer):
    fact = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="An existing fact of the session.",
    )
    label = serializers.CharField(
        required=False, help_text="Or a label: an existing fact with it, else new."
    )
    value = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        """The reference as `gold_decide` takes it: {fact_id | label, value}."""
        if ("fact" in attrs) == ("label" in attrs):
            raise serializers.ValidationError("Give either fact (an id) or label.")
        if "fact" in attrs:
            return {"fact_id": attrs["fact"], "value": attrs["value"]}
        return {"label": attrs["label"], "value": attrs["value"]}


class DecisionInputSerializer(InputSerializer):
    """A gold decision; fields not used by the decision must be left out (or null)."""

    decision = serializers.ChoiceField(choices=DECISIONS)
    accept = serializers.CharField(
        required=False,
        allow_null=True,
        help_text='For "accepted": a version letter ("A") or a member span id.',
    )
    start = serializers.IntegerField(
        min_value=0, max_value=MAX_INT32, required=False, allow_null=True
    )
    end = serializers.IntegerField(
        min_value=0, max_value=MAX_INT32, required=False, allow_null=True
    )
    offset_unit = serializers.ChoiceField(choices=OFFSET_UNITS, default="codepoint")
    claim_type = serializers.CharField(required=False, allow_null=True)
    sourcing_quality = serializers.CharField(required=False, allow_null=True)
    cited_source = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    verdict = serializers.ChoiceField(
        choices=["", *VERDICTS], required=False, allow_blank=True, default=""
    )
    facts = FactReferenceSerializer(
        many=True,
        required=False,
        help_text="Replaces the unit's fact links; leave out to keep the previous.",
    )


class FactLinkOutputSerializer(serializers.Serializer):
    gold_span = serializers.IntegerField(source="gold_span_id")
    article = serializers.IntegerField(source="gold_span.article_id")
    unit_key = serializers.CharField(source="gold_span.unit_key")
    quote = serializers.CharField(source="gold_span.quote")
    value = serializers.CharField()


class FactWithLinksSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    links = serializers.SerializerMethodField()

    @extend_schema_field(FactLinkOutputSerializer(many=True))
    def get_links(self, obj) -> list[dict]:
        # Only links of current gold revisions: superseded ones are history.
        links = [link for link in obj.links.all() if link.gold_span.is_current]
        return FactLinkOutputSerializer(links, many=True).data


class FactInputSerializer(InputSerializer):
    label = serializers.CharField(max_length=300)


class FactLinkInputSerializer(InputSerializer):
    gold_span = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    value = serializers.CharField(required=False, allow_blank=True, default="")
