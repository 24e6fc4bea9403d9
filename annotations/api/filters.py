"""django-filter filter sets for the API (span list)."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field

from annotations.api.schema import ID_SCHEMA
from annotations.models import SpanAnnotation
from annotations.parsing import is_digits, parse_id, whole_number


class IdField(forms.CharField):
    """A primary key in the query string, parsed by `annotations.parsing`."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_id(value)
        except ValueError:
            raise ValidationError("Must be an id (a whole number).") from None


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.Filter):
    field_class = IdField


class SpanFilter(django_filters.FilterSet):
    """Filter spans by article id, reviewer (id or username) and label codes."""

    article = IdFilter(field_name="article_id", help_text="Article id.")
    reviewer = django_filters.CharFilter(
        method="filter_reviewer", max_length=150, help_text="Reviewer id or username."
    )
    claim_type = django_filters.CharFilter(
        field_name="claim_type__code", max_length=50, help_text="Claim type code."
    )
    sourcing_quality = django_filters.CharFilter(
        field_name="sourcing_quality__code",
        max_length=50,
        help_text="Sourcing level code.",
    )

    class Meta:
        model = SpanAnnotation
        fields = ["article", "reviewer", "claim_type", "sourcing_quality"]

    def filter_reviewer(self, queryset, name, value):
        value = value.strip()
        if is_digits(value):
            try:
                return queryset.filter(reviewer_id=whole_number(value))
            except ValueError:
                raise ValidationError({"reviewer": "Unknown reviewer id."}) from None
        return queryset.filter(reviewer__username=value)
