"""Field types of the data model."""

from django.db import models


class DocumentField(models.JSONField):
    """A JSONField that bulk_create inserts one document per placeholder.

    On PostgreSQL, Django 5.2 bulk-inserts rows as UNNEST(%s::jsonb[]); psycopg
    then writes the array literal escaping every quote of every document with a
    regex substitution, which made storing large documents (report payloads,
    score evidence) most of a cold recompute. A field with `get_placeholder`
    makes Django use plain VALUES rows, where each document is sent as jsonb.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"
