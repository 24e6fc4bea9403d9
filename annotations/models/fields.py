"""Field types of the data model."""

import orjson
from django.db import models
from psycopg.types.json import Jsonb


def _dumps(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


class DocumentField(models.JSONField):
    """A JSONField that bulk_create inserts one document per placeholder.

    On PostgreSQL, Django 5.2 bulk-inserts rows as UNNEST(%s::jsonb[]); psycopg
    then writes the array literal escaping every quote of every document with a
    regex substitution, which made storing large documents (report payloads,
    score evidence) most of a cold recompute. A field with `get_placeholder`
    makes Django use plain VALUES rows, where each document is sent as jsonb.

    On PostgreSQL documents are encoded with orjson (the same JSON, several
    times faster than the standard library on multi-megabyte payloads).
    """

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql" or self.encoder is not None:
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        return Jsonb(value, dumps=_dumps)

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"
