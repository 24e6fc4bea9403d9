"""django-filter filter sets for the API (span list)."""

import django_filters
from django.core.exceptions import ValidationError

from annotations.api.serializers import MAX_ID
from annotations.models import SpanAnnotation


class SpanFilter(django_filters.FilterSet):
    """Filter spans by article id, reviewer (id or username) and label codes."""

    article = django_filters.NumberFilter(
        field_name="article_id", min_value=1, max_value=MAX_ID, help_text="Article id."
    )
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
        if value.isdigit():
            if int(value) > MAX_ID:
                raise ValidationError({"reviewer": "Unknown reviewer id."})
            return queryset.filter(reviewer_id=int(value))
        return queryset.filter(reviewer__username=value)
