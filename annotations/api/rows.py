"""The one fast output path: a serializer that renders its declared fields from rows.

Every other output serializer in `api/` is ordinary DRF (declared fields,
`source=`, `SerializerMethodField`). The span list is the hot path of the
workspace (up to 1,000 spans a page), where DRF's per-value field machinery
costs more than the query, so `RowSerializer` keeps DRF's declarations (they
are the OpenAPI schema, declared once) and renders them itself:

* a field reads `row[source]` from a dict row (`QuerySet.values()`): give the
  field `source="reviewer__username"` where the key is not its name;
* a method `value_<name>(self, row)` computes the field instead;
* a `DateTimeField` becomes ISO 8601 with `Z` (as DRF writes it in UTC), a
  `DateField` an ISO date; other values pass as the database typed them.

`to_row(obj)` turns what the serializer is given into such a row (default: it
already is one), so a single model instance renders exactly like a list row.
`value_*` methods read the context as `self.row_context` (looked up once).
"""

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from rest_framework import serializers

Converter = Callable[[Any], Any] | None


def iso_datetime(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: date) -> str:
    return value.isoformat()


def _converter(field: serializers.Field) -> Converter:
    if isinstance(field, serializers.DateTimeField):
        return iso_datetime
    if isinstance(field, serializers.DateField):
        return iso_date
    return None


@functools.cache  # one plan per serializer class: its declarations never change
def _plan(cls: type) -> list[tuple[str, str, Callable | None, Converter]]:
    return [
        (
            name,
            field.source or name,
            getattr(cls, f"value_{name}", None),
            _converter(field),
        )
        for name, field in cls._declared_fields.items()
    ]


class RowSerializer(serializers.Serializer):
    """Output only: declared fields rendered from a row (see the module docstring)."""

    def to_row(self, obj) -> dict[str, Any]:
        return obj

    @functools.cached_property
    def row_context(self) -> dict[str, Any]:
        """`self.context`, looked up once (DRF walks to the root on every read)."""
        return self.context

    def to_representation(self, obj) -> dict[str, Any]:
        row = self.to_row(obj)
        data = {}
        for name, key, method, convert in _plan(type(self)):
            if method is None:
                value = row[key]
            else:
                value = method(self, row)
            if convert is not None and value is not None:
                value = convert(value)
            data[name] = value
        return data
