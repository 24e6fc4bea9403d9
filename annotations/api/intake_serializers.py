"""Serializers of the article library and intake: articles, import answers, jobs."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.parsing import has_nul
from annotations.services.intake_formats import METADATA_FIELDS


class OutletSerializer(serializers.Serializer):
    name = serializers.CharField()
    domain = serializers.CharField()


class SessionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LibraryArticleSerializer(serializers.Serializer):
    """An article as the library shows it to leads."""

    id = serializers.IntegerField()
    external_id = serializers.CharField()
    title = serializers.CharField()
    byline = serializers.CharField()
    outlet = serializers.SerializerMethodField()
    published_text = serializers.CharField()
    published_date = serializers.DateField(allow_null=True)
    url = serializers.CharField()
    text = serializers.CharField()
    text_sha256 = serializers.CharField()
    length = serializers.IntegerField()
    sessions = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(OutletSerializer(allow_null=True))
    def get_outlet(self, article):
        if article.outlet is None:
            return None
        return {"name": article.outlet.name, "domain": article.outlet.domain}

    @extend_schema_field(SessionRefSerializer(many=True))
    def get_sessions(self, article):
        return [
            {"id": session.pk, "name": session.name}
            for session in article.sessions.all()
        ]


class ImportArticleSerializer(serializers.Serializer):
    """What a result says of the article: the new one, or the one it duplicates."""

    id = serializers.IntegerField(
        allow_null=True, help_text="Null in a dry run or when nothing was written."
    )
    external_id = serializers.CharField()
    title = serializers.CharField()
    byline = serializers.CharField()
    outlet = OutletSerializer(allow_null=True)
    published_text = serializers.CharField()
    published_date = serializers.DateField(allow_null=True)
    url = serializers.CharField()
    length = serializers.IntegerField(help_text="Code points.")
    text_sha256 = serializers.CharField()
    text_start = serializers.CharField(help_text="The first 300 code points.")


class ImportResultSerializer(serializers.Serializer):
    file = serializers.CharField(help_text="The file name, or the URL.")
    row = serializers.IntegerField(
        allow_null=True, help_text="CSV data row or JSONL line (from 1); else null."
    )
    status = serializers.ChoiceField(["created", "duplicate", "error"])
    article = ImportArticleSerializer(allow_null=True)
    message = serializers.CharField()


class ImportAnswerSerializer(serializers.Serializer):
    results = ImportResultSerializer(many=True)


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(["queued", "running", "done", "failed"])
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    progress = serializers.FloatField(help_text="done / total, from 0 to 1.")
    http_status = serializers.IntegerField(
        allow_null=True, help_text="What the inline import would have answered."
    )
    results = ImportResultSerializer(many=True, allow_null=True)
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ImportJobAnswerSerializer(serializers.Serializer):
    job = ImportJobSerializer()


class ImportUrlsSerializer(serializers.Serializer):
    """The JSON form of an import: pages to fetch (ARTICLE_FETCH_ENABLED)."""

    urls = serializers.ListField(
        child=serializers.CharField(max_length=1000, trim_whitespace=True),
        min_length=1,
        max_length=100,
    )

    def validate_urls(self, urls):
        if any(has_nul(url) for url in urls):
            raise serializers.ValidationError("Null characters are not allowed.")
        return urls


class CorrectionSerializer(serializers.Serializer):
    """A lead's correction of one record's metadata, from the preview."""

    file = serializers.CharField(max_length=1000, trim_whitespace=False)
    row = serializers.IntegerField(allow_null=True, min_value=1, max_value=2**31 - 1)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        unknown = set(data) - {"file", "row", *METADATA_FIELDS}
        if unknown:
            raise serializers.ValidationError(
                {name: ["Not a correctable field."] for name in sorted(unknown)}
            )
        for name in METADATA_FIELDS:
            if name not in data:
                continue
            if not isinstance(data[name], str) or has_nul(data[name]):
                raise serializers.ValidationError({name: ["Must be a string."]})
            values[name] = data[name]
        return values


class ImportUploadSchemaSerializer(serializers.Serializer):
    """The multipart form (documentation only)."""

    files = serializers.ListField(child=serializers.FileField())
    title = serializers.CharField(required=False, help_text="For .txt files.")
    outlet = serializers.CharField(required=False)
    outlet_domain = serializers.CharField(required=False)
    byline = serializers.CharField(required=False)
    published = serializers.CharField(required=False)
    url = serializers.CharField(required=False)
    external_id = serializers.CharField(required=False)
    corrections = serializers.CharField(
        required=False,
        help_text='JSON list: [{"file", "row", <metadata field>: value}] from a '
        "dry run's preview.",
    )
